//! What every `/api/v1` request passes through: CORS for reads (no
//! credentials), the rate limit per client address kept in the database
//! (`db::throttle`, so every instance counts the same), and errors from below
//! the API (a bad path, a body too large) turned into problem details.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use chrono::Duration;

use super::problem::{self, ApiError, CONTENT_TYPE};
use crate::db::{self, throttle};
use crate::web::{AppState, Ctx};

/// The rate limit's window.
pub const WINDOW_SECONDS: i64 = 60;

/// Headers a script on another site may read.
const EXPOSED: &str = "ETag, Link, Retry-After, Location";

fn cors(headers: &mut header::HeaderMap) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED));
}

/// Whether the client may go on; otherwise how many seconds until it may.
async fn admit(state: &AppState, address: String) -> Result<(), ApiError> {
    let limit = i64::from(state.settings.api_rate_limit);
    let wait = state
        .db(move |c| {
            let scope = format!("api:{address}");
            let now = db::now();
            let since = now - Duration::seconds(WINDOW_SECONDS);
            db::write(c, |c| {
                throttle::counts_only(c)?;
                let (n, oldest) = throttle::count_since(c, &scope, since)?;
                if n >= limit {
                    // The window frees up when its oldest request leaves it.
                    let frees = oldest.unwrap_or(now) + Duration::seconds(WINDOW_SECONDS);
                    let secs = (frees - now).num_milliseconds().div_euclid(1000) + 1;
                    return Ok::<_, diesel::result::Error>(Some(secs.clamp(1, WINDOW_SECONDS) as u64));
                }
                if n == 0 {
                    throttle::forget_before(c, &scope, since)?;
                }
                throttle::record(c, &scope, now)?;
                Ok(None)
            })
            .map_err(Into::into)
        })
        .await?;
    match wait {
        Some(s) => Err(ApiError::TooMany(s)),
        None => Ok(()),
    }
}

pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() == Method::OPTIONS {
        // A CORS preflight: reads from any origin, without credentials.
        let mut res = HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, OPTIONS"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, "If-None-Match, Accept-Language"))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"))
            .finish();
        cors(res.headers_mut());
        return Ok(req.into_response(res));
    }
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let address = req.extensions().get::<Ctx>().map(|c| c.client_ip.clone());
    if let (Some(state), Some(address)) = (state, address) {
        if let Err(e) = admit(&state, address).await {
            let mut res = e.error_response();
            cors(res.headers_mut());
            return Ok(req.into_response(res));
        }
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(CONTENT_TYPE));
    if res.status().as_u16() >= 400 && !is_problem {
        // Raised below the handlers (an id that is no id, a method not allowed): a problem too.
        let status = res.status();
        let (req, old) = res.into_parts();
        let mut new = problem::from_status(status).response();
        for name in [header::RETRY_AFTER, header::ALLOW] {
            if let Some(v) = old.headers().get(&name) {
                new.headers_mut().insert(name.clone(), v.clone());
            }
        }
        if status == StatusCode::METHOD_NOT_ALLOWED && !new.headers().contains_key(header::ALLOW) {
            new.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, OPTIONS"));
        }
        res = ServiceResponse::new(req, new);
    }
    cors(res.headers_mut());
    Ok(res)
}
