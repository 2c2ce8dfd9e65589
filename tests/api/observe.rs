//! Metrics and logs (issue 14 §3): `/metrics` in the Prometheus format, who
//! may read it, and log lines through `tracing` carrying the request id that
//! error pages show.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::helpers::*;

/// A client without the tests' forwarded address: a direct loopback visitor, as Prometheus on the same machine.
fn direct() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn scrape(app: &TestApp) -> String {
    let r = direct().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    r.text().await.unwrap()
}

/// The value of the sample whose line starts with `name{` and carries every label of `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .find(|l| labels.iter().all(|lab| l.contains(lab)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_status_with_latency() {
    let app = spawn_app().await;
    for _ in 0..3 {
        assert_eq!(app.get("/standards/987654").await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(app.get("/pledges").await.status(), StatusCode::OK);
    let text = scrape(&app).await;
    // By route pattern, never by the raw path: one series for every standard's page.
    let not_found = sample(
        &text,
        "selfreg_http_requests_total",
        &[r#"method="GET""#, r#"route="/standards/{id}""#, r#"status="404""#],
    );
    assert!(not_found.is_some_and(|n| n >= 3.0), "{text}");
    assert!(!text.contains("/standards/987654"), "raw paths are not labels");
    assert!(sample(&text, "selfreg_http_requests_total", &[r#"route="/pledges""#, r#"status="200""#]).is_some());
    // Latency histogram with buckets, sum and count.
    let count = sample(&text, "selfreg_http_request_duration_seconds_count", &[r#"route="/standards/{id}""#]);
    assert!(count.is_some_and(|n| n >= 3.0), "{text}");
    assert!(
        text.contains(r#"selfreg_http_request_duration_seconds_bucket{method="GET",route="/standards/{id}",le="0.1"}"#)
            || text.lines().any(|l| l.starts_with("selfreg_http_request_duration_seconds_bucket")
                && l.contains(r#"route="/standards/{id}""#)
                && l.contains(r#"le="0.1""#)),
        "{text}"
    );
    assert!(text.contains("# TYPE selfreg_http_requests_total counter"), "{text}");
}

#[tokio::test]
async fn metrics_show_pool_hasher_kept_pages_and_outbox() {
    let app = spawn_app().await;
    // A kept page: the first anonymous visit renders it (miss), the second is served kept (hit).
    let visitor = app.other_client();
    let before = scrape(&app).await;
    let hits_before = sample(&before, "selfreg_kept_pages_total", &[r#"result="hit""#]).unwrap_or(0.0);
    let misses_before = sample(&before, "selfreg_kept_pages_total", &[r#"result="miss""#]).unwrap_or(0.0);
    assert_eq!(visitor.get("/standards").await.status(), StatusCode::OK);
    assert_eq!(visitor.get("/standards").await.status(), StatusCode::OK);
    // Sign-ins go through the hasher.
    app.login("filer@example.org").await;
    let text = scrape(&app).await;
    let hits = sample(&text, "selfreg_kept_pages_total", &[r#"result="hit""#]).unwrap_or(0.0);
    let misses = sample(&text, "selfreg_kept_pages_total", &[r#"result="miss""#]).unwrap_or(0.0);
    assert!(hits > hits_before, "a kept page was served: {text}");
    assert!(misses > misses_before, "a page was rendered to be kept: {text}");
    assert!(sample(&text, "selfreg_kept_pages", &[]).is_some_and(|n| n >= 1.0), "{text}");
    // The pool: connections in use and idle, its size, and the waits counter.
    assert!(sample(&text, "selfreg_db_pool_connections", &[r#"state="idle""#]).is_some(), "{text}");
    assert!(sample(&text, "selfreg_db_pool_connections", &[r#"state="in_use""#]).is_some(), "{text}");
    assert_eq!(sample(&text, "selfreg_db_pool_max_connections", &[]), Some(4.0), "{text}");
    assert!(text.contains("selfreg_db_pool_wait_seconds_count"), "{text}");
    assert!(sample(&text, "selfreg_hasher_running", &[]).is_some(), "{text}");
    assert!(sample(&text, "selfreg_hasher_waiting", &[]).is_some(), "{text}");
    // The outbox, counted when scraped: a failed message shows at once.
    {
        use diesel::connection::SimpleConnection;
        let mut c = app.conn();
        c.batch_execute(
            "INSERT INTO outbox (created_at, kind, recipient, lang, params, state, attempts, next_attempt_at, last_error) \
             VALUES (CURRENT_TIMESTAMP, 'password_reset', 'x@example.org', 'zh-CN', '{}', 'failed', 10, CURRENT_TIMESTAMP, 'refused')",
        )
        .unwrap();
    }
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "selfreg_outbox_messages", &[r#"state="failed""#]), Some(1.0), "{text}");
    assert!(sample(&text, "selfreg_outbox_messages", &[r#"state="pending""#]).is_some(), "{text}");
}

#[tokio::test]
async fn metrics_are_not_served_through_a_proxy_without_a_token() {
    let app = spawn_app().await;
    // The tests' clients say they come through a proxy (X-Forwarded-For): not loopback.
    let r = app.get("/metrics").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!r.text().await.unwrap().contains("selfreg_http_requests_total"));
    let r = direct().get(app.url("/metrics")).header("forwarded", "for=203.0.113.9").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A signed-in admin through the proxy does not see them either.
    app.login("admin@example.org").await;
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_token_is_required_when_set() {
    let (target, cleanup) = fresh_database();
    let mut opts = options(target);
    opts.obs.metrics_token = Some("s3cret-metrics-token-0123456789".into());
    let app = spawn_with(opts, cleanup).await;
    let url = app.url("/metrics");
    // Even from loopback: the token is the rule once it is set.
    let r = direct().get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert!(!r.text().await.unwrap().contains("selfreg_"));
    let r = direct().get(&url).bearer_auth("s3cret-metrics-token-0123456788").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // From anywhere with it (the forwarded address does not matter then).
    let r = app.client.get(&url).bearer_auth("s3cret-metrics-token-0123456789").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("selfreg_http_requests_total"));
}

// ---------------------------------------------------------------- logs

struct Served {
    child: std::process::Child,
    port: u16,
    _db: Option<Cleanup>,
}

/// The binary serving a fresh database with `args` and `env`, once /healthz answers.
fn serve(args: &[&str], env: &[(&str, &str)]) -> Served {
    let (target, cleanup) = fresh_database();
    let url = match &target {
        selfreg::db::DbTarget::Sqlite(p) => p.clone(),
        selfreg::db::DbTarget::Postgres(u) => u.clone(),
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_selfreg"));
    cmd.env_remove("DATABASE_URL").env_remove("SELFREG_BIND").env_remove("RUST_LOG").env_remove("SELFREG_LOG_FORMAT");
    cmd.args(["--database-url", &url, "--bind", &format!("127.0.0.1:{port}"), "--no-demo"]).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let served = Served { child, port, _db: cleanup };
    for _ in 0..300 {
        if get(port, "/healthz").starts_with("HTTP/1.0 200") || get(port, "/healthz").starts_with("HTTP/1.1 200") {
            return served;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the server did not start");
}

fn get(port: u16, path: &str) -> String {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return String::new() };
    let _ = s.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept-Language: en\r\n\r\n").as_bytes());
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

impl Served {
    /// Stop the server and return what it logged.
    fn logs(mut self) -> String {
        let _ = self.child.kill();
        let out = self.child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

/// The request id an error page shows.
fn request_id(page: &str) -> String {
    let i = page.find("<code>").expect("the error page shows a request id") + 6;
    page[i..i + page[i..].find("</code>").unwrap()].to_owned()
}

#[test]
fn json_logs_carry_the_request_id_shown_on_the_error_page() {
    let served = serve(&["--log-format", "json"], &[]);
    let page = get(served.port, "/no-such-page");
    assert!(page.starts_with("HTTP/1.1 404") || page.starts_with("HTTP/1.0 404"), "{page}");
    let id = request_id(&page);
    assert_eq!(id.len(), 12, "{id}");
    let logs = served.logs();
    let line = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["span"]["request_id"] == id.as_str())
        .unwrap_or_else(|| panic!("no JSON log line in the span of request {id}:\n{logs}"));
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["span"]["path"], "/no-such-page");
    assert!(line["fields"]["message"].as_str().unwrap().contains("404"), "{line}");
    assert!(line["timestamp"].is_string());
    // Every line is JSON, the start-up lines too.
    for l in logs.lines().filter(|l| !l.trim().is_empty()) {
        assert!(serde_json::from_str::<serde_json::Value>(l).is_ok(), "not JSON: {l}");
    }
}

#[test]
fn text_logs_name_the_request_span_and_rust_log_still_filters() {
    let served = serve(&[], &[]);
    let id = request_id(&get(served.port, "/no-such-page"));
    let logs = served.logs();
    assert!(
        logs.lines().any(|l| l.contains(&format!("request{{request_id={id}")) && l.contains("404")),
        "no text line in the span of request {id}:\n{logs}"
    );
    // RUST_LOG=warn leaves out the info line of a 404.
    let served = serve(&[], &[("RUST_LOG", "warn")]);
    let id = request_id(&get(served.port, "/no-such-page"));
    let logs = served.logs();
    assert!(!logs.contains(&id), "RUST_LOG=warn filters out info lines:\n{logs}");
}
