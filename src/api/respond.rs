//! Answers of the read operations: JSON with an `ETag` (`If-None-Match` →
//! 304), `Cache-Control` for public data, and lists one page at a time with
//! an opaque cursor and a `next` link.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiResult, FieldError, Problem};
use crate::domain::text::urlencode;

/// How long clients and proxies may keep a public answer.
pub const CACHE_CONTROL: &str = "public, max-age=60";

/// Items a page holds unless `limit` says otherwise, and at most.
pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// The ETag of a body: a digest of its bytes.
pub fn etag_of(body: &[u8]) -> String {
    use sha2::Digest;
    format!("\"{}\"", &hex::encode(sha2::Sha256::digest(body))[..32])
}

/// Whether `If-None-Match` names this ETag (weak or strong) or `*`.
fn matches(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').map(str::trim).any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag))
}

/// 200 with the value as JSON, or 304 when the client holds it already.
pub fn json<T: Serialize>(req: &HttpRequest, value: &T) -> ApiResult<HttpResponse> {
    json_with(req, value, None)
}

fn json_with<T: Serialize>(req: &HttpRequest, value: &T, link: Option<&str>) -> ApiResult<HttpResponse> {
    let body = serde_json::to_vec(value).map_err(|e| crate::error::AppError::Internal(e.into()))?;
    let etag = etag_of(&body);
    let mut res = if matches(req, &etag) {
        HttpResponse::build(StatusCode::NOT_MODIFIED).finish()
    } else {
        HttpResponse::Ok().content_type("application/json").body(body)
    };
    let h = res.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Some(l) = link.and_then(|l| HeaderValue::from_str(&format!("<{l}>; rel=\"next\"")).ok()) {
        h.insert(header::LINK, l);
    }
    Ok(res)
}

/// Paging parameters of every list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items on the page, 1 to 100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100, example = 20)]
    #[serde(default)]
    pub limit: String,
    /// Where to go on: the `cursor` of the previous page's `next` link (opaque).
    #[param(value_type = Option<String>)]
    #[serde(default)]
    pub cursor: String,
}

/// A page's position in a list.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

const CURSOR_PREFIX: &str = "o1.";

impl PageQuery {
    /// The page asked for; a bad `limit` or `cursor` is a field error.
    pub fn window(&self, errors: &mut Vec<FieldError>) -> Window {
        let limit = if self.limit.trim().is_empty() {
            DEFAULT_LIMIT
        } else {
            match self.limit.trim().parse::<i64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    errors
                        .push(FieldError::parameter("limit", format!("must be a whole number from 1 to {MAX_LIMIT}")));
                    DEFAULT_LIMIT
                }
            }
        };
        let offset = if self.cursor.is_empty() {
            0
        } else {
            match decode_cursor(&self.cursor) {
                Some(o) => o,
                None => {
                    errors.push(FieldError::parameter("cursor", "is not a cursor this API gave"));
                    0
                }
            }
        };
        Window { limit, offset }
    }
}

/// The cursor of the page starting at `offset` (opaque to clients: it may change meaning).
pub fn encode_cursor(offset: i64) -> String {
    hex::encode(format!("{CURSOR_PREFIX}{offset}"))
}

pub fn decode_cursor(c: &str) -> Option<i64> {
    let raw = String::from_utf8(hex::decode(c).ok()?).ok()?;
    raw.strip_prefix(CURSOR_PREFIX)?.parse::<i64>().ok().filter(|n| (0..=10_000_000).contains(n))
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Matching items in all pages.
    pub total: i64,
    /// The next page's URL; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// 400 with the field errors, if any.
pub fn check(errors: Vec<FieldError>) -> ApiResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Problem::invalid(errors).into())
    }
}

/// Answer one page of a list: `next` (and a `Link` header) when more follow.
/// `base` is the list's absolute URL with its filters, `pairs` them all but the cursor.
pub fn page<T: ToSchema + Serialize>(
    req: &HttpRequest,
    base: &str,
    pairs: &[(&str, &str)],
    w: Window,
    items: Vec<T>,
    total: i64,
) -> ApiResult<HttpResponse> {
    let next = (w.offset + (items.len() as i64) < total && !items.is_empty()).then(|| {
        let mut url = format!("{base}?");
        for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            url.push_str(&format!("{k}={}&", urlencode(v)));
        }
        url.push_str(&format!("limit={}&cursor={}", w.limit, encode_cursor(w.offset + items.len() as i64)));
        url
    });
    let link = next.clone();
    json_with(req, &Page { items, total, next }, link.as_deref())
}
