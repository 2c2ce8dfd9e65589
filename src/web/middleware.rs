//! Request pipeline: request id and error pages (outermost), then session,
//! language and CSRF. Security headers are added by `DefaultHeaders` in startup.

use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use askama::Template;
use futures_util::StreamExt;

use super::ctx::{Ctx, RequestCtx};
use super::{AppState, FLASH_COOKIE, LANG_COOKIE};
use crate::auth::{csrf, session};
use crate::error::{AppError, ErrorInfo};
use crate::i18n::Lang;

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

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Largest urlencoded form body the site accepts on `path`.
fn form_limit(path: &str) -> usize {
    super::body_limit_for(path)
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

fn error_response(req: ServiceRequest, e: AppError) -> ServiceResponse<BoxBody> {
    let res = e.error_response();
    ServiceResponse::new(req.into_parts().0, res)
}

/// Resolves the session and language, issues the anonymous CSRF cookie, and
/// refuses unsafe requests without a valid CSRF token or from another site.
pub async fn session_and_csrf(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(error_response(req, AppError::Internal(anyhow::anyhow!("application state missing"))));
    };
    let lang = lang_of(req.headers(), req.cookie(LANG_COOKIE).as_ref().map(|c| c.value()));
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();

    // The signed-in user, if the cookie names a live session.
    let session_cookie = req.cookie(session::COOKIE).map(|c| c.value().to_owned());
    let mut clear_session_cookie = false;
    let user = match session_cookie {
        Some(token) if token.len() == 64 => {
            let hash = crate::auth::sha256_hex(&token);
            match state.load_session(hash).await {
                Ok(Some(u)) => Some(u),
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

    if is_unsafe(req.method()) && !csrf::EXEMPT.contains(&req.path()) {
        let host = req.connection_info().host().to_owned();
        let header = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
        if csrf::cross_site(header("sec-fetch-site").as_deref(), header("origin").as_deref(), &host) {
            return Ok(error_response(req, AppError::Csrf("cross-site request")));
        }
        // Never from the URL: a token there would land in logs and history.
        let mut given = header(csrf::HEADER);
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if given.is_none() && is_form {
            let limit = form_limit(req.path());
            let declared = req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok());
            if declared.is_some_and(|n| n > limit) {
                return Ok(error_response(req, AppError::PayloadTooLarge));
            }
            let mut payload = req.take_payload();
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let Ok(chunk) = chunk else {
                    return Ok(error_response(req, AppError::BadRequest("error.400")));
                };
                if body.len() + chunk.len() > limit {
                    return Ok(error_response(req, AppError::PayloadTooLarge));
                }
                body.extend_from_slice(&chunk);
            }
            let body = body.freeze();
            match serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) {
                Ok(fields) => given = fields.into_iter().find(|(k, _)| k == csrf::FIELD).map(|(_, v)| v),
                Err(_) => return Ok(error_response(req, AppError::BadRequest("error.form_encoding"))),
            }
            req.set_payload(actix_web::dev::Payload::from(body));
        }
        // A new anonymous cookie cannot match any token yet.
        let expected = if new_anon_cookie.is_none() { csrf_token.as_str() } else { "" };
        let upload = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"))
            && csrf::checked_in_first_part(req.path());
        if given.is_none() && upload {
            // The upload reader checks the body's first part before anything else.
            req.extensions_mut().insert(csrf::Deferred(expected.to_owned()));
        } else if !given.as_deref().is_some_and(|g| csrf::tokens_match(expected, g)) {
            return Ok(error_response(req, AppError::Csrf("missing or wrong token")));
        }
    }

    let flash = req.cookie(FLASH_COOKIE).map(|c| c.value().to_owned()).filter(|k| k.starts_with("flash."));
    let had_flash = req.cookie(FLASH_COOKIE).is_some();
    let signed_in = user.is_some();
    let ctx = RequestCtx {
        lang,
        user,
        csrf_token,
        flash: flash.map(|k| lang.t(&k).to_owned()),
        request_id,
        path: req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into()),
        client_ip: client_ip(&req, state.settings.trust_proxy),
        demo: state.settings.demo,
    };
    req.extensions_mut().insert(Ctx(Rc::new(ctx)));

    let mut res = next.call(req).await?.map_into_boxed_body();
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
    // A flash is shown once: drop it with the first page (not with a redirect).
    let sets_flash = res.response().cookies().any(|c| c.name() == FLASH_COOKIE);
    if had_flash && !res.status().is_redirection() && !sets_flash {
        let mut c = Cookie::build(FLASH_COOKIE, "").path("/").finish();
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
