//! `/metrics` in the Prometheus text format, and the middleware that counts
//! requests. Counters and histograms are kept by the `metrics` facade (so
//! the database pool, the hasher and the kept pages count where they work);
//! gauges that are a state (pool connections in use, outbox backlog, kept
//! pages, hashes running and waiting) are read when Prometheus scrapes.
//!
//! Served to loopback only (a request that came through a proxy is not
//! loopback), unless `--metrics-token` is set: then to whoever presents
//! `Authorization: Bearer TOKEN`, and to no one else.

use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::middleware::KeepBody;
use super::AppState;
use crate::error::{AppError, AppResult};

/// Latency buckets (seconds) of every `_seconds` histogram.
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Install the process's recorder (once; every application of the process shares it).
pub fn install() {
    HANDLE.get_or_init(|| {
        let installed = PrometheusBuilder::new().set_buckets(BUCKETS).and_then(|b| b.install_recorder());
        match installed {
            Ok(h) => {
                describe();
                Some(h)
            }
            Err(e) => {
                log::warn!("metrics are not recorded: {e}");
                None
            }
        }
    });
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!("selfreg_http_requests_total", "HTTP requests answered, by method, route pattern and status");
    describe_histogram!(
        "selfreg_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer a request, by method and route pattern"
    );
    describe_gauge!("selfreg_db_pool_connections", "Database connections of this instance, by state (in_use, idle)");
    describe_gauge!("selfreg_db_pool_max_connections", "Largest number of database connections of this instance");
    describe_counter!("selfreg_db_pool_waits_total", "Connection check-outs that found no idle connection and waited");
    describe_counter!(
        "selfreg_db_pool_timeouts_total",
        "Connection check-outs that gave up (the request answered 503)"
    );
    describe_histogram!("selfreg_db_pool_wait_seconds", Unit::Seconds, "Time to check out a database connection");
    describe_gauge!("selfreg_hasher_running", "Password hashes running now");
    describe_gauge!("selfreg_hasher_waiting", "Password hashes waiting for a free slot");
    describe_counter!(
        "selfreg_hasher_refusals_total",
        "Password hashes refused (503) because hashing was saturated, by lane"
    );
    describe_counter!("selfreg_kept_pages_total", "Public pages asked of the page keeper, by result (hit, miss)");
    describe_gauge!("selfreg_kept_pages", "Public pages kept now");
    describe_gauge!("selfreg_outbox_messages", "Outbox messages by state: pending (the backlog) and failed (given up)");
}

/// Counts each request by method, route pattern (never the raw path, so the
/// series stay few) and final status, and times it.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let start = Instant::now();
    let method: &'static str = match req.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let result = next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    let (route, status) = match &result {
        Ok(res) => (res.request().match_pattern(), res.status()),
        Err(e) => (None, e.as_response_error().status_code()),
    };
    let route = route.unwrap_or_else(|| "unmatched".to_owned());
    let elapsed = start.elapsed().as_secs_f64();
    metrics::counter!("selfreg_http_requests_total", "method" => method, "route" => route.clone(), "status" => status.as_str().to_owned())
        .increment(1);
    metrics::histogram!("selfreg_http_request_duration_seconds", "method" => method, "route" => route).record(elapsed);
    result
}

/// The answer to give instead of the metrics, if this request may not read them.
fn refusal(req: &HttpRequest, token: Option<&str>) -> Option<HttpResponse> {
    match token {
        Some(expected) => {
            let given = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .unwrap_or("");
            if crate::auth::csrf::tokens_match(expected, given) {
                None
            } else {
                let mut res = HttpResponse::Unauthorized()
                    .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
                    .content_type("text/plain; charset=utf-8")
                    .body("metrics: bearer token required\n");
                res.extensions_mut().insert(KeepBody);
                Some(res)
            }
        }
        None => {
            let loopback = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
            // A proxy on this machine connects from loopback on behalf of anyone.
            let proxied = ["x-forwarded-for", "forwarded", "x-real-ip"].iter().any(|h| req.headers().contains_key(*h));
            if loopback && !proxied {
                None
            } else {
                Some(AppError::NotFound.error_response())
            }
        }
    }
}

/// `GET /metrics`.
pub async fn scrape(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    if let Some(refused) = refusal(&req, state.settings.metrics_token.as_deref()) {
        return Ok(refused);
    }
    let Some(Some(handle)) = HANDLE.get() else {
        return Err(AppError::Unavailable("metrics are not recorded".into()));
    };
    let pool = state.pool.state();
    let in_use = pool.connections.saturating_sub(pool.idle_connections);
    metrics::gauge!("selfreg_db_pool_connections", "state" => "in_use").set(f64::from(in_use));
    metrics::gauge!("selfreg_db_pool_connections", "state" => "idle").set(f64::from(pool.idle_connections));
    metrics::gauge!("selfreg_db_pool_max_connections").set(f64::from(state.pool.max_size()));
    let hashing = state.hasher.load();
    metrics::gauge!("selfreg_hasher_running").set(hashing.running as f64);
    metrics::gauge!("selfreg_hasher_waiting").set(hashing.waiting as f64);
    metrics::gauge!("selfreg_kept_pages").set(state.pages.len() as f64);
    let (pending, failed) = state.db(|c| Ok(crate::db::outbox::counts(c)?)).await?;
    metrics::gauge!("selfreg_outbox_messages", "state" => "pending").set(pending as f64);
    metrics::gauge!("selfreg_outbox_messages", "state" => "failed").set(failed as f64);
    handle.run_upkeep();
    let mut res = HttpResponse::build(StatusCode::OK)
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(handle.render());
    res.extensions_mut().insert(KeepBody);
    Ok(res)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(scrape));
}
