//! Request pipeline: request id and error pages (outermost), then session,
//! language and CSRF. Security headers are added by `DefaultHeaders` in startup.

use std::rc::Rc;

use super::body;
use super::ctx::{Ctx, RequestCtx};
use super::{AppState, FLASH_COOKIE, LANG_COOKIE};
use crate::auth::{csrf, session, SignedIn};
use crate::db::security_log;
use crate::error::{AppError, ErrorInfo};
use crate::i18n::Lang;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use askama::Template;

#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Marks a response whose non-HTML error body is meant as is (e.g. `/healthz`).
#[derive(Debug, Clone, Copy)]
pub struct KeepBody;

/// The language: the switch's cookie, else `Accept-Language`, else Chinese.
pub fn lang_of(headers: &HeaderMap, cookie: Option<&str>) -> Lang {
    cookie
        .and_then(Lang::from_code)
        .or_else(|| {
            headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::Zh)
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage {
    ctx: Ctx,
    status: u16,
    title: String,
    message: String,
    detail: Option<String>,
}

fn default_info(status: StatusCode) -> ErrorInfo {
    let key = match status.as_u16() {
        400 | 405 | 411 | 414 | 415 | 431 => "error.400",
        403 => "error.403",
        404 => "error.404",
        408 => "error.408",
        409 => "error.409",
        413 => "error.413",
        422 => "error.422",
        429 => "error.429",
        503 => "error.503",
        s if s < 500 => "error.400",
        _ => "error.500",
    };
    ErrorInfo { status, message_key: key, detail: None }
}

/// Gives each request an id, and turns every error response that is not
/// already a page into the error page in the visitor's language.
pub async fn error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = crate::auth::random_hex(6);
    req.extensions_mut().insert(RequestId(request_id.clone()));
    // Every log line of the request (through the `log` bridge too) carries its id.
    let span = tracing::info_span!("request", request_id = %request_id, method = %req.method(), path = %req.path());
    tracing::Instrument::instrument(error_page(req, next, request_id), span).await
}

async fn error_page(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    request_id: String,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let method = req.method().clone();
    let path = req.path().to_owned();
    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(e) => return Err(e),
    };
    let status = res.status();
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if status.as_u16() < 400 || is_html || res.response().extensions().get::<KeepBody>().is_some() {
        return Ok(res);
    }
    let info = res.response().extensions().get::<ErrorInfo>().cloned().unwrap_or_else(|| default_info(status));
    if status.is_server_error() {
        let cause = res.response().error().map(|e| format!("{e}")).unwrap_or_default();
        log::error!("request {request_id}: {method} {path} -> {status}: {cause}");
    } else {
        log::info!("request {request_id}: {method} {path} -> {status}");
    }
    let (req, old) = res.into_parts();
    let ctx = super::ctx::current(&req);
    let title_key = format!("error.title.{}", status.as_u16());
    let title = match ctx.lang.t(&title_key) {
        t if t == title_key => ctx.lang.t("error.title.other").to_owned(),
        t => t.to_owned(),
    };
    let page = ErrorPage {
        message: ctx.lang.t(info.message_key).to_owned(),
        detail: info.detail.clone(),
        status: status.as_u16(),
        title,
        ctx,
    };
    let body = page.render().unwrap_or_else(|_| status.to_string());
    let mut new = HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body);
    for name in [header::SET_COOKIE, header::RETRY_AFTER, header::LOCATION] {
        for v in old.headers().get_all(&name) {
            new.headers_mut().append(name.clone(), v.clone());
        }
    }
    Ok(ServiceResponse::new(req, new))
}

/// Whether a path belongs to the JSON API (`/api/v1`, routed by start-up):
/// no session, no CSRF token, no cookie there.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/")
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn client_ip(req: &ServiceRequest, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            return ip.to_owned();
        }
    }
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// The hosts this site answers as: the Host the request was sent to, the
/// `--public-url`'s, and behind a trusted proxy the forwarded one.
fn own_hosts(req: &ServiceRequest, public_url: &str, trust_proxy: bool) -> Vec<String> {
    let header = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut hosts = Vec::with_capacity(3);
    if let Some(h) = header("host").or_else(|| req.uri().authority().map(|a| a.to_string())) {
        hosts.push(h);
    }
    hosts.push(public_url.split_once("://").map(|(_, h)| h).unwrap_or(public_url).to_owned());
    if trust_proxy {
        if let Some(h) = header("x-forwarded-host") {
            hosts.push(h.split(',').next().unwrap_or("").trim().to_owned());
        }
    }
    hosts
}

fn error_response(req: ServiceRequest, e: AppError) -> ServiceResponse<BoxBody> {
    let res = e.error_response();
    ServiceResponse::new(req.into_parts().0, res)
}

/// Write a security-log row; a failure to write is logged, never shown.
async fn security_log(state: &AppState, kind: security_log::Kind, event: security_log::NewEvent) {
    if let Err(e) = state.tx(move |c| Ok(security_log::record(c, kind, &event)?)).await {
        log::warn!("security log not written: {e}");
    }
}

/// A refused request's security-log event, before the request context exists.
fn refused_event(
    req: &ServiceRequest,
    user: Option<&SignedIn>,
    address: String,
    detail: &str,
) -> security_log::NewEvent {
    security_log::NewEvent {
        email: user.map(|u| u.user.email.clone()),
        user_id: user.map(|u| u.user.id),
        address,
        user_agent: user_agent(req),
        path: format!("{} {}", req.method(), req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/")),
        detail: Some(detail.to_owned()),
    }
}

fn user_agent(req: &ServiceRequest) -> String {
    req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// Resolves the session and language, issues the anonymous CSRF cookie,
/// reads and checks query strings and form bodies (size, deadline, control
/// characters), and refuses unsafe requests without a valid CSRF token or
/// from another site.
pub async fn session_and_csrf(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(error_response(req, AppError::Internal(anyhow::anyhow!("application state missing"))));
    };
    if body::query_has_forbidden_chars(req.query_string()) {
        return Ok(error_response(req, AppError::BadRequest("error.request.control_chars")));
    }
    let lang = lang_of(req.headers(), req.cookie(LANG_COOKIE).as_ref().map(|c| c.value()));
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let address = client_ip(&req, state.settings.trust_proxy);

    // The signed-in user, if the cookie names a live session. The API never
    // reads it: Bearer tokens only, so no CSRF token either, and it sets no
    // cookie; its errors are problem+json (the API's own gate).
    let api = is_api_path(req.path());
    let session_cookie = if api { None } else { req.cookie(session::COOKIE).map(|c| c.value().to_owned()) };
    let mut clear_session_cookie = false;
    // Pages (not assets) of signed-in users show their 待办 count in the navigation.
    let with_todo = !req.path().starts_with("/static/") && req.path() != "/healthz";
    let mut todo_count = 0;
    let user = match session_cookie {
        Some(token) if token.len() == 64 => {
            let hash = crate::auth::sha256_hex(&token);
            match state.load_session(hash, with_todo).await {
                Ok(Some((u, n))) => {
                    todo_count = n;
                    Some(SignedIn::new(u, &address))
                }
                Ok(None) => {
                    clear_session_cookie = true;
                    None
                }
                Err(e) => return Ok(error_response(req, e)),
            }
        }
        Some(_) => {
            clear_session_cookie = true;
            None
        }
        None => None,
    };

    // Anonymous visitors get a random cookie; their form token is its HMAC.
    let mut new_anon_cookie = None;
    let csrf_token = match &user {
        Some(u) => u.csrf_token.clone(),
        // API clients get no form token (nor its cookie): the API needs none.
        None if api => String::new(),
        None => {
            let value = match req.cookie(csrf::ANON_COOKIE) {
                Some(c) if c.value().len() == 32 && c.value().bytes().all(|b| b.is_ascii_hexdigit()) => {
                    c.value().to_owned()
                }
                _ => {
                    let v = crate::auth::random_hex(16);
                    new_anon_cookie = Some(v.clone());
                    v
                }
            };
            csrf::anon_token(&state.secret, &value)
        }
    };

    if is_unsafe(req.method()) && !csrf::exempt(req.path()) {
        let hosts = own_hosts(&req, &state.settings.public_url, state.settings.trust_proxy);
        let header = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (fetch_site, origin) = (header("sec-fetch-site"), header("origin"));
        if !api && hosts.iter().all(|h| csrf::cross_site(fetch_site.as_deref(), origin.as_deref(), h)) {
            let event = refused_event(&req, user.as_ref(), address, "cross_site");
            security_log(&state, security_log::Kind::Csrf, event).await;
            return Ok(error_response(req, AppError::Csrf("cross-site request")));
        }
        // Never from the URL: a token there would land in logs and history.
        let mut given = header(csrf::HEADER);
        let content_type = header("content-type").unwrap_or_default();
        // Multipart bodies (uploads) are read and bounded by their handlers.
        if !content_type.starts_with("multipart/form-data") {
            // Every other body is read here, whatever carries the token: one limit, one deadline.
            let limit = super::body_limit_for(req.path());
            let declared = header("content-length").and_then(|v| v.parse::<usize>().ok());
            if declared.is_some_and(|n| n > limit) {
                return Ok(error_response(req, AppError::PayloadTooLarge));
            }
            let mut payload = req.take_payload();
            let body = match body::read(&mut payload, limit, state.settings.body_timeout).await {
                Ok(b) => b,
                Err(body::BodyError::TooLarge) => return Ok(error_response(req, AppError::PayloadTooLarge)),
                Err(body::BodyError::Timeout) => return Ok(error_response(req, AppError::RequestTimeout)),
                Err(body::BodyError::Broken) => return Ok(error_response(req, AppError::BadRequest("error.400"))),
            };
            if content_type.starts_with("application/x-www-form-urlencoded") {
                let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
                    return Ok(error_response(req, AppError::BadRequest("error.form_encoding")));
                };
                if body::pairs_have_forbidden_chars(&fields) {
                    return Ok(error_response(req, AppError::BadRequest("error.request.control_chars")));
                }
                if given.is_none() {
                    given = fields.into_iter().find(|(k, _)| k == csrf::FIELD).map(|(_, v)| v);
                }
            }
            req.set_payload(actix_web::dev::Payload::from(body));
        }
        // A new anonymous cookie cannot match any token yet.
        let expected = if new_anon_cookie.is_none() { csrf_token.as_str() } else { "" };
        let upload = content_type.starts_with("multipart/form-data") && csrf::checked_in_first_part(req.path());
        if api {
            // Authorized by a Bearer token in the handler, never by the session.
        } else if given.is_none() && upload {
            // The upload reader checks the body's first part before anything else.
            req.extensions_mut().insert(csrf::Deferred(expected.to_owned()));
        } else if !given.as_deref().is_some_and(|g| csrf::tokens_match(expected, g)) {
            let event = refused_event(&req, user.as_ref(), address, "token");
            security_log(&state, security_log::Kind::Csrf, event).await;
            return Ok(error_response(req, AppError::Csrf("missing or wrong token")));
        }
    }

    let flash = req.cookie(FLASH_COOKIE).map(|c| c.value().to_owned()).filter(|k| k.starts_with("flash."));
    let had_flash = !api && req.cookie(FLASH_COOKIE).is_some();
    let signed_in = user.is_some();
    let ctx = Ctx(Rc::new(RequestCtx {
        lang,
        user,
        csrf_token,
        flash_alert: flash.as_deref().is_some_and(|k| k.starts_with("flash.alert.")),
        flash: flash.map(|k| lang.t(&k).to_owned()),
        request_id,
        path: req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into()),
        client_ip: address,
        user_agent: user_agent(&req),
        demo_accounts: state.settings.demo_accounts,
        todo_count,
    }));
    if let Some(u) = &ctx.user {
        req.extensions_mut().insert(u.clone());
    }
    req.extensions_mut().insert(ctx.clone());

    let mut res = next.call(req).await?.map_into_boxed_body();
    if res.status() == StatusCode::FORBIDDEN || res.response().extensions().get::<crate::error::Refused>().is_some() {
        let mut event = ctx.security_event();
        event.path = format!("{} {}", res.request().method(), ctx.path);
        security_log(&state, security_log::Kind::Forbidden, event).await;
    }
    let secure = state.settings.secure_cookies;
    if let Some(v) = new_anon_cookie {
        let c = Cookie::build(csrf::ANON_COOKIE, v)
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .secure(secure)
            .finish();
        let _ = res.response_mut().add_cookie(&c);
    }
    let replaced_session = res.response().cookies().any(|c| c.name() == session::COOKIE);
    if clear_session_cookie && !replaced_session {
        let _ = res.response_mut().add_cookie(&session::removal_cookie(secure));
    }
    // The flash cookie gets the attributes of the others, whoever set it.
    let flashes: Vec<Cookie<'static>> =
        res.response().cookies().filter(|c| c.name() == FLASH_COOKIE).map(|c| c.into_owned()).collect();
    let sets_flash = !flashes.is_empty();
    if sets_flash {
        res.response_mut().del_cookie(FLASH_COOKIE);
        for mut c in flashes {
            c.set_http_only(true);
            c.set_same_site(SameSite::Lax);
            c.set_secure(secure);
            c.set_path("/");
            let _ = res.response_mut().add_cookie(&c);
        }
    }
    // A flash is shown once: drop it with the first page (not with a redirect).
    if had_flash && !res.status().is_redirection() && !sets_flash {
        let mut c =
            Cookie::build(FLASH_COOKIE, "").path("/").http_only(true).same_site(SameSite::Lax).secure(secure).finish();
        c.make_removal();
        let _ = res.response_mut().add_cookie(&c);
    }
    if signed_in {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// Counts the SQL statements of each request and reports them in the
/// `x-query-count` header. Installed only when `SELFREG_QUERY_COUNT=1`.
pub async fn count_queries(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    use crate::db::querycount;
    let counter = querycount::Counter::default();
    let mut res = querycount::REQUEST.scope(counter.clone(), next.call(req)).await?.map_into_boxed_body();
    let n = counter.load(std::sync::atomic::Ordering::Relaxed);
    res.headers_mut().insert(header::HeaderName::from_static(querycount::HEADER), HeaderValue::from(n));
    Ok(res)
}
