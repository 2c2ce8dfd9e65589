//! Kept renderings of public pages for anonymous visitors. A page is kept per
//! URL and language while the data stamp (moved by every change, see
//! `audit::record`) and the minute (pages show date-dependent states) are the
//! same. One rendering serves every anonymous visitor, each with their own
//! form token.
//!
//! - **Tokens.** A page to keep is rendered with a fresh random stand-in for
//!   the token and kept split at the stand-in's places, which are exactly the
//!   form fields that carry it: user content cannot contain a value that did
//!   not exist when it was written, so a visitor's token lands nowhere else.
//! - **Keys.** Only the query parameters a page reads count, without empty
//!   values and encoded one way (`/dashboard?x=1` is `/dashboard`).
//! - **Room.** Two segments, each bounded in bytes and evicting the least
//!   recently used: pages without parameters and pages asked for a second time
//!   live in the protected one; a page seen once (a search, a filter) waits in
//!   the small probation one. A flood of distinct searches churns probation
//!   and never pushes out the pages people keep reading.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use actix_web::HttpResponse;

use super::ctx::{Ctx, RequestCtx};
use super::AppState;
use crate::error::AppResult;

/// Bytes of pages kept in the protected segment and in probation.
const PROTECTED_BYTES: usize = 48 * 1024 * 1024;
const PROBATION_BYTES: usize = 8 * 1024 * 1024;

/// No query parameters: the key of a page that reads none.
pub const NO_PARAMS: &[(&str, &str)] = &[];

/// The cache key of a page: its path and the parameters it read, as the
/// handler parsed them (its query struct), without empty values and encoded
/// one way. What a page does not read cannot make another page
/// (`/dashboard?x=1` is `/dashboard`), and a parameter a page starts to read
/// is part of its key without anyone having to remember it.
pub fn key_of<Q: serde::Serialize + ?Sized>(path: &str, reads: &Q) -> String {
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let encoded = serde_urlencoded::to_string(reads).unwrap_or_default();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&encoded).unwrap_or_default();
    let pairs: Vec<(String, String)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    if pairs.is_empty() {
        return path.to_owned();
    }
    format!("{path}?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
}

type Key = (String, &'static str);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    Probation = 0,
    Protected = 1,
}

/// A kept page, split where the visitor's token goes.
struct Page {
    parts: Vec<String>,
}

impl Page {
    fn split(html: &str, slot: &str) -> Page {
        Page { parts: html.split(slot).map(str::to_owned).collect() }
    }

    fn size(&self) -> usize {
        self.parts.iter().map(String::len).sum::<usize>() + 64
    }

    fn with_token(&self, token: &str) -> String {
        self.parts.join(token)
    }
}

struct Entry {
    stamp: String,
    minute: i64,
    page: Arc<Page>,
    segment: Segment,
    tick: u64,
}

#[derive(Default)]
struct Segments {
    entries: HashMap<Key, Entry>,
    /// Least recently used first, per segment.
    order: [BTreeMap<u64, Key>; 2],
    bytes: [usize; 2],
    tick: u64,
}

impl Segments {
    fn budget(segment: Segment) -> usize {
        match segment {
            Segment::Probation => PROBATION_BYTES,
            Segment::Protected => PROTECTED_BYTES,
        }
    }

    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    fn remove(&mut self, key: &Key) -> Option<Entry> {
        let e = self.entries.remove(key)?;
        self.order[e.segment as usize].remove(&e.tick);
        self.bytes[e.segment as usize] -= e.page.size();
        Some(e)
    }

    fn put(&mut self, key: Key, mut e: Entry) {
        e.tick = self.next_tick();
        let s = e.segment as usize;
        self.bytes[s] += e.page.size();
        self.order[s].insert(e.tick, key.clone());
        self.entries.insert(key, e);
        self.shrink();
    }

    /// Evict least recently used pages until both segments fit; protected
    /// overflow goes back to probation first.
    fn shrink(&mut self) {
        while self.bytes[1] > Self::budget(Segment::Protected) {
            let Some((_, key)) = self.order[1].pop_first() else { break };
            if let Some(mut e) = self.entries.remove(&key) {
                self.bytes[1] -= e.page.size();
                e.segment = Segment::Probation;
                e.tick = self.next_tick();
                self.bytes[0] += e.page.size();
                self.order[0].insert(e.tick, key.clone());
                self.entries.insert(key, e);
            }
        }
        while self.bytes[0] > Self::budget(Segment::Probation) {
            let Some((_, key)) = self.order[0].pop_first() else { break };
            if let Some(e) = self.entries.remove(&key) {
                self.bytes[0] -= e.page.size();
            }
        }
    }

    /// The current page under `key`, marked as used (a second use promotes it).
    fn hit(&mut self, key: &Key, stamp: &str, minute: i64) -> Option<Arc<Page>> {
        let current = self.entries.get(key).is_some_and(|e| e.stamp == stamp && e.minute == minute);
        if !current {
            return None;
        }
        let mut e = self.remove(key)?;
        e.segment = Segment::Protected;
        let page = e.page.clone();
        self.put(key.clone(), e);
        Some(page)
    }
}

/// Renderings of pages with parameters (searches, filters) that may run at
/// once, so that a flood of distinct searches cannot take every database
/// connection from the other pages; beyond it they wait up to [`RENDER_WAIT`], then 503.
const QUERY_RENDERS: usize = 3;
const RENDER_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct PageCache {
    pages: Mutex<Segments>,
    query_renders: tokio::sync::Semaphore,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache { pages: Mutex::default(), query_renders: tokio::sync::Semaphore::new(QUERY_RENDERS) }
    }
}

/// What a handler needs to keep the page it renders.
pub struct Slot {
    key: Key,
    stamp: String,
    minute: i64,
    /// The random stand-in for the token in this rendering.
    token_slot: String,
}

fn minute() -> i64 {
    crate::db::now().and_utc().timestamp() / 60
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body)
}

impl PageCache {
    /// For an anonymous visitor without a flash message: the kept page if
    /// there is one (`Ok(Err(response))`), else the slot to keep the page in
    /// and the context to render it with (`Ok(Ok(Some(..)))`). Signed-in
    /// visitors get `Ok(Ok(None))`: nothing is kept for them.
    pub async fn lookup(
        &self,
        state: &AppState,
        ctx: &Ctx,
        path: String,
    ) -> AppResult<Result<Option<(Slot, Ctx)>, HttpResponse>> {
        if ctx.user.is_some() || ctx.flash.is_some() {
            return Ok(Ok(None));
        }
        let stamp = state.data_stamp().await?;
        let key = (path.clone(), ctx.lang.code());
        let now = minute();
        let kept = self.pages.lock().ok().and_then(|mut m| m.hit(&key, &stamp, now));
        metrics::counter!("selfreg_kept_pages_total", "result" => if kept.is_some() { "hit" } else { "miss" })
            .increment(1);
        if let Some(page) = kept {
            return Ok(Err(html(page.with_token(&ctx.csrf_token))));
        }
        let token_slot = crate::auth::random_hex(16);
        let mut for_render = (*ctx.0).clone();
        for_render.csrf_token = token_slot.clone();
        // The kept page links to its normalized address (the language switch), not to this visitor's.
        for_render.path = path;
        Ok(Ok(Some((Slot { key, stamp, minute: now, token_slot }, Ctx(Rc::new(for_render))))))
    }

    /// Keep a page rendered with the slot's context and answer with the visitor's token in it.
    pub fn keep(&self, slot: Slot, visitor: &RequestCtx, page: String) -> HttpResponse {
        let page = Arc::new(Page::split(&page, &slot.token_slot));
        let response = html(page.with_token(&visitor.csrf_token));
        if let Ok(mut m) = self.pages.lock() {
            // A page without parameters is what people keep reading; anything else earns its place.
            let segment = if slot.key.0.contains('?') { Segment::Probation } else { Segment::Protected };
            m.remove(&slot.key);
            m.put(slot.key, Entry { stamp: slot.stamp, minute: slot.minute, page, segment, tick: 0 });
        }
        response
    }

    /// Serve a public GET page through the cache: `reads` is what the page
    /// read from its query (its parsed query struct, or [`NO_PARAMS`]);
    /// `render` is called with the context to render with (the visitor's, or
    /// one carrying the token slot).
    pub async fn through<Q, F, Fut>(&self, state: &AppState, ctx: &Ctx, reads: &Q, render: F) -> AppResult<HttpResponse>
    where
        Q: serde::Serialize + ?Sized,
        F: FnOnce(Ctx) -> Fut,
        Fut: std::future::Future<Output = AppResult<HttpResponse>>,
    {
        match self.lookup(state, ctx, key_of(&ctx.path, reads)).await? {
            Err(kept) => Ok(kept),
            Ok(None) => render(ctx.clone()).await,
            Ok(Some((slot, render_ctx))) => {
                let _permit = if slot.key.0.contains('?') {
                    let permit = tokio::time::timeout(RENDER_WAIT, self.query_renders.acquire()).await;
                    match permit {
                        Ok(Ok(p)) => Some(p),
                        _ => return Err(crate::error::AppError::Unavailable("too many searches at once".into())),
                    }
                } else {
                    None
                };
                let res = render(render_ctx).await?;
                let status = res.status();
                let bytes = actix_web::body::to_bytes(res.into_body())
                    .await
                    .map_err(|e| crate::error::AppError::Internal(anyhow::anyhow!("page body: {e}")))?;
                let page = String::from_utf8_lossy(&bytes).into_owned();
                if status == actix_web::http::StatusCode::OK {
                    Ok(self.keep(slot, ctx, page))
                } else {
                    Ok(HttpResponse::build(status)
                        .content_type("text/html; charset=utf-8")
                        .body(page.replace(&slot.token_slot, &ctx.csrf_token)))
                }
            }
        }
    }

    /// How many pages are kept (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.pages.lock().map(|m| m.entries.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How long an instance trusts the data stamp it last read.
const STAMP_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// The data stamp as this instance last read it: trusted for a second, and
/// forgotten after any write through this instance, so a change is seen here
/// at once and on other instances within a second.
#[derive(Default)]
pub struct StampCache {
    last: Mutex<StampState>,
}

#[derive(Default)]
struct StampState {
    value: Option<(String, std::time::Instant)>,
    /// Since when one request has been reading the stamp again.
    refreshing: Option<std::time::Instant>,
}

/// While one request reads the stamp again, the others go on with the one
/// they have, if it is not older than this (the database may be slow under load).
const STAMP_STALE_MAX: std::time::Duration = std::time::Duration::from_secs(5);
/// A read taking longer than this is presumed failed; another request tries.
const STAMP_READ_MAX: std::time::Duration = std::time::Duration::from_secs(2);

impl StampCache {
    pub fn forget(&self) {
        if let Ok(mut s) = self.last.lock() {
            *s = StampState::default();
        }
    }

    /// The stamp if this instance may use it without reading it again; `None`
    /// tells the caller to read it (and [`remember`](Self::remember) it): one
    /// caller at a time, the others keep the previous stamp meanwhile.
    pub fn fresh(&self) -> Option<String> {
        let mut s = self.last.lock().ok()?;
        if let Some((v, at)) = &s.value {
            if at.elapsed() < STAMP_TTL {
                return Some(v.clone());
            }
            let someone_reads = s.refreshing.is_some_and(|since| since.elapsed() < STAMP_READ_MAX);
            if someone_reads && at.elapsed() < STAMP_STALE_MAX {
                return Some(v.clone());
            }
        }
        s.refreshing = Some(std::time::Instant::now());
        None
    }

    pub fn remember(&self, v: &str) {
        if let Ok(mut s) = self.last.lock() {
            *s = StampState { value: Some((v.to_owned(), std::time::Instant::now())), refreshing: None };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_request_reads_a_stale_stamp_while_the_others_keep_theirs() {
        let c = StampCache::default();
        assert_eq!(c.fresh(), None, "nothing yet: read it");
        c.remember("1");
        assert_eq!(c.fresh().as_deref(), Some("1"));
        // Make it stale.
        if let Ok(mut s) = c.last.lock() {
            s.value = Some(("1".into(), std::time::Instant::now() - STAMP_TTL));
        }
        assert_eq!(c.fresh(), None, "the first to see it stale reads it");
        assert_eq!(c.fresh().as_deref(), Some("1"), "the others keep it meanwhile");
        c.remember("2");
        assert_eq!(c.fresh().as_deref(), Some("2"));
        c.forget();
        assert_eq!(c.fresh(), None, "after a write here: read at once");
    }

    #[test]
    fn keys_hold_only_the_parameters_a_page_reads() {
        #[derive(serde::Serialize)]
        struct Board {
            pledge: String,
            period: String,
            page: Option<i64>,
        }
        let board = |pledge: &str, period: &str, page| Board { pledge: pledge.into(), period: period.into(), page };
        // Whatever else the address carries, only what the page read counts.
        assert_eq!(key_of("/dashboard?x=1", &board("", "", None)), "/dashboard");
        assert_eq!(key_of("/dashboard?period=3&utm=x", &board("2", "3", None)), "/dashboard?pledge=2&period=3");
        assert_eq!(key_of("/pledges/3?page=2&x=y", &board("", "", Some(2))), "/pledges/3?page=2");
        // One encoding of the same words.
        assert_eq!(key_of("/standards", &[("q", "直播")]), key_of("/standards", &[("q", "直播")]));
        assert_eq!(key_of("/standards", &[("q", "a b")]), "/standards?q=a+b");
        assert_eq!(key_of("/standards/12?anything=1", NO_PARAMS), "/standards/12");
    }

    fn entry(page: &str, segment: Segment) -> Entry {
        Entry { stamp: "s".into(), minute: 1, page: Arc::new(Page::split(page, "SLOT")), segment, tick: 0 }
    }

    #[test]
    fn a_flood_of_one_time_pages_does_not_evict_pages_in_use() {
        let mut m = Segments::default();
        let big = "x".repeat(100 * 1024);
        let home: Key = ("/dashboard".into(), "zh-CN");
        m.put(home.clone(), entry(&big, Segment::Protected));
        let filter: Key = ("/standards?status=in_force".into(), "zh-CN");
        m.put(filter.clone(), entry(&big, Segment::Probation));
        assert!(m.hit(&filter, "s", 1).is_some(), "a second use promotes it");
        for i in 0..10_000 {
            m.put((format!("/standards?q={i}"), "zh-CN"), entry(&big, Segment::Probation));
        }
        assert!(m.hit(&home, "s", 1).is_some());
        assert!(m.hit(&filter, "s", 1).is_some());
        assert!(m.bytes[0] <= PROBATION_BYTES && m.bytes[1] <= PROTECTED_BYTES);
        assert!(m.hit(&home, "other stamp", 1).is_none(), "a stale page is not served");
    }

    #[test]
    fn the_token_goes_only_where_the_random_slot_was() {
        let slot = crate::auth::random_hex(16);
        let html = format!("<input value=\"{slot}\"> a text with CSRFSLOTf4c1a9e07b3d <input value=\"{slot}\">");
        let p = Page::split(&html, &slot);
        assert_eq!(p.with_token("T"), "<input value=\"T\"> a text with CSRFSLOTf4c1a9e07b3d <input value=\"T\">");
    }
}
