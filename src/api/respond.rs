//! Answers of the read operations: JSON with an `ETag` (`If-None-Match` →
//! 304), `Cache-Control` for public data, and lists one page at a time with
//! an opaque cursor (the sort key of the page's last item) and a `next` link.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiResult, FieldError, Problem};
use crate::db::{DbConn, Start};
use crate::domain::text::urlencode;
use crate::error::AppResult;
use crate::web::AppState;

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
    /// Where to go on: the `cursor` of the previous page's `next` link (opaque: the place after
    /// that page's last item, so items added meanwhile make none repeat or go missing).
    #[param(value_type = Option<String>)]
    #[serde(default)]
    pub cursor: String,
}

/// A page's position in a list: how many items, after which one.
#[derive(Debug, Clone)]
pub struct Window<K> {
    pub limit: i64,
    /// The sort key of the previous page's last item (none on the first page).
    pub after: Option<K>,
}

impl<K> Window<K> {
    /// Where the database starts the page.
    pub fn start(self) -> Start<K> {
        match self.after {
            Some(k) => Start::After(k),
            None => Start::first(),
        }
    }
}

/// A list's sort key, as its cursors carry it: the position just after an
/// item, so that the next page is "the items after it" however the list
/// changed meanwhile (an offset would repeat or skip items).
pub trait Cursor: Sized {
    /// The list it belongs to: a cursor of another list is refused.
    const LIST: &'static str;
    fn parts(&self) -> serde_json::Value;
    fn from_parts(v: serde_json::Value) -> Option<Self>;
}

/// A row of a list, with its sort key.
pub trait Keyed {
    type Key: Cursor;
    fn key(&self) -> Self::Key;
}

const CURSOR_VERSION: &str = "k1";

impl PageQuery {
    /// The page asked for; a bad `limit` or `cursor` is a field error.
    pub fn window<K: Cursor>(&self, errors: &mut Vec<FieldError>) -> Window<K> {
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
        let after = if self.cursor.is_empty() {
            None
        } else {
            let key = decode_cursor::<K>(&self.cursor);
            if key.is_none() {
                errors.push(FieldError::parameter("cursor", "is not a cursor this API gave for this list"));
            }
            key
        };
        Window { limit, after }
    }
}

/// The cursor of the position after the item with this key (opaque to
/// clients: hex of `k1.{list}.{key as JSON}`, it may change meaning).
pub fn encode_cursor<K: Cursor>(key: &K) -> String {
    hex::encode(format!("{CURSOR_VERSION}.{}.{}", K::LIST, key.parts()))
}

pub fn decode_cursor<K: Cursor>(c: &str) -> Option<K> {
    if c.len() > 2000 {
        return None;
    }
    let raw = String::from_utf8(hex::decode(c).ok()?).ok()?;
    let (list, parts) = raw.strip_prefix(CURSOR_VERSION)?.strip_prefix('.')?.split_once('.')?;
    if list != K::LIST {
        return None;
    }
    K::from_parts(serde_json::from_str(parts).ok()?)
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

/// Where a list lives, for its `next` links: its absolute URL and its
/// filters (`pairs`, all but the cursor and the limit; empty ones left out).
pub struct Listing<'a> {
    pub base: String,
    pub pairs: &'a [(&'a str, &'a str)],
}

/// A list's whole answer: the paging parameters checked with the filters'
/// `errors` (400 with all of them), one page loaded after the cursor's key
/// (`load` is given how many rows to fetch — one more than the page, to know
/// whether more follow — and where to start), its rows turned into items.
pub async fn list<R, T, L>(
    req: &HttpRequest,
    state: &AppState,
    p: &PageQuery,
    errors: Vec<FieldError>,
    at: Listing<'_>,
    load: L,
    item: impl FnMut(R) -> T,
) -> ApiResult<HttpResponse>
where
    R: Keyed + Send + 'static,
    R::Key: Send + 'static,
    T: ToSchema + Serialize,
    L: FnOnce(&mut DbConn, i64, Start<R::Key>) -> AppResult<(Vec<R>, i64)> + Send + 'static,
{
    let mut all = Vec::new();
    let w = p.window::<R::Key>(&mut all);
    all.extend(errors);
    check(all)?;
    let limit = w.limit;
    let (rows, total) = state.db(move |c| load(c, limit + 1, w.start())).await?;
    page(req, at, limit, rows, total, item)
}

/// Answer one page of a list from up to `limit + 1` rows: `next` (and a
/// `Link` header) when more follow, its cursor the key of the page's last item.
pub fn page<R: Keyed, T: ToSchema + Serialize>(
    req: &HttpRequest,
    at: Listing<'_>,
    limit: i64,
    mut rows: Vec<R>,
    total: i64,
    item: impl FnMut(R) -> T,
) -> ApiResult<HttpResponse> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    let next = rows.last().filter(|_| more).map(|last| {
        let mut url = format!("{}?", at.base);
        for (k, v) in at.pairs.iter().filter(|(_, v)| !v.is_empty()) {
            url.push_str(&format!("{k}={}&", urlencode(v)));
        }
        url.push_str(&format!("limit={limit}&cursor={}", encode_cursor(&last.key())));
        url
    });
    let items = rows.into_iter().map(item).collect();
    let link = next.clone();
    json_with(req, &Page { items, total, next }, link.as_deref())
}
