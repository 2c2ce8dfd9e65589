//! Kept renderings of public pages for anonymous visitors. A page is kept per
//! URL and language while the data stamp (moved by every change, see
//! `audit::record`) and the minute (pages show date-dependent states) are the
//! same. The visitor's own form token is put into the kept page on the way
//! out, so one rendering serves every anonymous visitor.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use actix_web::HttpResponse;

use super::ctx::{Ctx, RequestCtx};
use super::AppState;
use crate::error::AppResult;

/// Stands for the visitor's CSRF token in a kept page (plain ASCII, unchanged by escaping).
const TOKEN_SLOT: &str = "CSRFSLOTf4c1a9e07b3d";
const MAX_PAGES: usize = 2000;

type Key = (String, &'static str);
/// (data stamp, minute, page).
type Kept = (String, i64, Arc<String>);

#[derive(Default)]
pub struct PageCache {
    pages: Mutex<HashMap<Key, Kept>>,
}

/// What a handler needs to keep the page it renders.
pub struct Slot {
    key: Key,
    stamp: String,
    minute: i64,
}

fn minute() -> i64 {
    crate::db::now().and_utc().timestamp() / 60
}

fn respond(ctx: &RequestCtx, page: &str) -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page.replace(TOKEN_SLOT, &ctx.csrf_token))
}

impl PageCache {
    /// For an anonymous visitor without a flash message: the kept page if
    /// there is one (`Ok(Err(response))`), else the slot to keep the page in
    /// and the context to render it with (`Ok(Ok(..))`). Signed-in visitors
    /// get `Ok(Ok(None))`-like treatment: nothing is kept for them.
    pub async fn lookup(&self, state: &AppState, ctx: &Ctx) -> AppResult<Result<Option<(Slot, Ctx)>, HttpResponse>> {
        if ctx.user.is_some() || ctx.flash.is_some() {
            return Ok(Ok(None));
        }
        let stamp = state.data_stamp().await?;
        let key = (ctx.path.clone(), ctx.lang.code());
        let now = minute();
        let kept = self
            .pages
            .lock()
            .ok()
            .and_then(|m| m.get(&key).filter(|(s, m, _)| *s == stamp && *m == now).map(|(_, _, p)| p.clone()));
        if let Some(page) = kept {
            return Ok(Err(respond(ctx, &page)));
        }
        let mut for_render = (*ctx.0).clone();
        for_render.csrf_token = TOKEN_SLOT.to_owned();
        Ok(Ok(Some((Slot { key, stamp, minute: now }, Ctx(Rc::new(for_render))))))
    }

    /// Keep a page rendered with the slot's context and answer with the visitor's token in it.
    pub fn keep(&self, slot: Slot, visitor: &RequestCtx, page: String) -> HttpResponse {
        let response = respond(visitor, &page);
        if let Ok(mut m) = self.pages.lock() {
            if m.len() >= MAX_PAGES {
                m.clear();
            }
            m.insert(slot.key, (slot.stamp, slot.minute, Arc::new(page)));
        }
        response
    }
}

impl PageCache {
    /// Serve a public GET page through the cache: `render` is called with the
    /// context to render with (the visitor's, or one carrying the token slot).
    pub async fn through<F, Fut>(&self, state: &AppState, ctx: &Ctx, render: F) -> AppResult<HttpResponse>
    where
        F: FnOnce(Ctx) -> Fut,
        Fut: std::future::Future<Output = AppResult<HttpResponse>>,
    {
        match self.lookup(state, ctx).await? {
            Err(kept) => Ok(kept),
            Ok(None) => render(ctx.clone()).await,
            Ok(Some((slot, render_ctx))) => {
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
                        .body(page.replace(TOKEN_SLOT, &ctx.csrf_token)))
                }
            }
        }
    }
}

/// How long an instance trusts the data stamp it last read.
const STAMP_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// The data stamp as this instance last read it: trusted for a second, and
/// forgotten after any write through this instance, so a change is seen here
/// at once and on other instances within a second.
#[derive(Default)]
pub struct StampCache {
    last: Mutex<Option<(String, std::time::Instant)>>,
}

impl StampCache {
    pub fn forget(&self) {
        if let Ok(mut s) = self.last.lock() {
            *s = None;
        }
    }

    pub fn fresh(&self) -> Option<String> {
        let s = self.last.lock().ok()?;
        s.as_ref().filter(|(_, at)| at.elapsed() < STAMP_TTL).map(|(v, _)| v.clone())
    }

    pub fn remember(&self, v: &str) {
        if let Ok(mut s) = self.last.lock() {
            *s = Some((v.to_owned(), std::time::Instant::now()));
        }
    }
}
