//! The Atom feed of comment periods and publications.

use actix_web::{web, HttpResponse};

use crate::db::standards::{self as sdb};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::web::{AppState, Ctx};

pub async fn feed(state: web::Data<AppState>, ctx: Ctx, req: actix_web::HttpRequest) -> AppResult<HttpResponse> {
    let items = state.db(|c| Ok(sdb::feed(c, 50)?)).await?;
    let lang = ctx.lang;
    let entries: Vec<crate::web::feeds::Entry> = items
        .iter()
        .map(|i| {
            let title = if lang == Lang::En { &i.title_en } else { &i.title_zh };
            let key = if i.action == "publish" { "std.feed.published" } else { "std.feed.comment_opened" };
            crate::web::feeds::Entry {
                id: format!("tag:selfreg,2026:standard-event-{}", i.event_id),
                title: lang.tf(key, &[("title", title), ("number", i.number.as_deref().unwrap_or(""))]),
                path: format!("/standards/{}", i.standard_id),
                updated: i.at,
                summary: super::events::wording(lang, &i.action, None, &i.note).note,
            }
        })
        .collect();
    crate::web::feeds::atom(&ctx, &req, "std.feed.title", "/feeds/standards.atom", "/standards", &entries)
}
