//! The security log for admins (`/admin/security`): failed sign-ins, sign-in
//! delays and refused requests, newest first, a page at a time.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{query_base, render, AppState, Ctx, Pager};
use crate::auth::CurrentUser;
use crate::db::security_log::{self, Kind, Row};
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

/// An event's detail in words: whether the browser was known, which refusal,
/// or which limit delays sign-ins until when (`{rule}@{UTC time}`).
fn detail(lang: Lang, d: &str) -> String {
    if let Some((rule, until)) = d.split_once('@') {
        let key = format!("security.rule.{rule}");
        let rule = if lang.t(&key) == key { rule.to_owned() } else { lang.t(&key).to_owned() };
        return match chrono::NaiveDateTime::parse_from_str(until, "%Y-%m-%dT%H:%M:%S") {
            Ok(t) => lang.tf("security.detail.until", &[("rule", &rule), ("time", &lang.datetime(t))]),
            Err(_) => d.to_owned(),
        };
    }
    let key = format!("security.detail.{d}");
    match lang.t(&key) {
        t if t == key => d.to_owned(),
        t => t.to_owned(),
    }
}

const PER_PAGE: i64 = 50;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/security", web::get().to(list));
}

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
    #[serde(default)]
    kind: String,
}

#[derive(Template)]
#[template(path = "admin/security.html")]
struct SecurityPage {
    ctx: Ctx,
    /// Each event with its detail in words.
    rows: Vec<(Row, String)>,
    pager: Pager,
    kinds: [Kind; 5],
    kind: String,
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    // Only admins read it; for anyone else it does not exist.
    if user.role != Role::Admin {
        return Err(AppError::NotFound);
    }
    let kind = Kind::ALL.iter().find(|k| k.code() == q.kind).map(|k| k.code());
    let offset = Pager::offset(q.page, PER_PAGE);
    let (rows, total) = state.db(move |c| Ok(security_log::list(c, kind, PER_PAGE, offset)?)).await?;
    let kind = kind.unwrap_or("").to_owned();
    let rows = rows
        .into_iter()
        .map(|r| {
            let d = r.detail.as_deref().map(|d| detail(ctx.lang, d)).unwrap_or_default();
            (r, d)
        })
        .collect();
    let pager = Pager::new(q.page, PER_PAGE, total, query_base("/admin/security", &[("kind", &kind)]));
    render(&SecurityPage { ctx, rows, pager, kinds: Kind::ALL, kind })
}
