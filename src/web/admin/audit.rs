//! The audit log for admins: `/admin/audit` reads as sentences, filtered by
//! actor, object and dates, a page at a time; `/admin/audit.csv` exports the
//! same filtered rows (UTF-8 with BOM).

use crate::domain::audit::{Action, Object};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use super::audit_chain::ChainInfo;
use super::auditview::{self, Line, Part};
use super::{admin, PER_PAGE};
use crate::auth::CurrentUser;
use crate::db::audit::{self, AuditFilter};
use crate::db::auditnames::Names;
use crate::db::users;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::web::export::{csv_response, Table};
use crate::web::forms::Form;
use crate::web::{query_base, render_status, AppState, Ctx, Pager};

/// At most this many rows in one export.
const EXPORT_LIMIT: i64 = 100_000;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    page: Option<i64>,
    #[serde(default)]
    object_type: String,
    #[serde(default)]
    object_id: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
}

impl AuditQuery {
    fn pairs(&self) -> [(&'static str, &str); 6] {
        [
            ("object_type", &self.object_type),
            ("object_id", &self.object_id),
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("until", &self.until),
        ]
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    ctx: Ctx,
    lines: Vec<Line>,
    pager: Pager,
    form: Form,
    /// (code, name) for the filter menus.
    object_types: Vec<(String, String)>,
    actions: Vec<(String, String)>,
    csv_href: String,
    chain: ChainInfo,
}

/// A Beijing calendar day as its first instant in UTC.
fn beijing_day_start(s: &str) -> Option<NaiveDateTime> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)? - chrono::Duration::hours(8))
}

/// The filter of a query; the form carries a message for each field that does not parse.
fn parse(lang: Lang, q: &AuditQuery) -> (Form, AuditFilter) {
    let mut form = Form::new();
    for (k, v) in q.pairs() {
        form.set(k, v);
    }
    let mut filter = AuditFilter {
        object_type: Some(q.object_type.trim().to_owned()).filter(|s| !s.is_empty()),
        action: Some(q.action.trim().to_owned()).filter(|s| !s.is_empty()),
        ..AuditFilter::default()
    };
    if !q.object_id.trim().is_empty() {
        filter.object_id = form.check(
            lang,
            "object_id",
            q.object_id.trim().parse::<i64>().ok().filter(|n| *n > 0).ok_or("error.number.invalid"),
        );
    }
    if !q.from.trim().is_empty() {
        filter.from = form.check(lang, "from", beijing_day_start(&q.from).ok_or("error.date.invalid"));
    }
    if !q.until.trim().is_empty() {
        filter.until = form
            .check(lang, "until", beijing_day_start(&q.until).ok_or("error.date.invalid"))
            .map(|t| t + chrono::Duration::days(1));
    }
    if let (Some(from), Some(until)) = (filter.from, filter.until) {
        if until <= from {
            form.error(lang, "until", "error.date.order");
        }
    }
    (form, filter)
}

/// The rows of a filter as sentences, how many there are, and the menus' codes.
async fn load(
    state: &AppState,
    lang: Lang,
    mut filter: AuditFilter,
    actor: &str,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<Line>, i64)> {
    let actor_email = actor.trim().to_lowercase();
    state
        .db(move |c| {
            if !actor_email.is_empty() {
                // An unknown actor matches nothing.
                filter.actor_user_id = Some(users::by_email(c, &actor_email)?.map(|u| u.id).unwrap_or(-1));
            }
            let (rows, total) = audit::list(c, &filter, limit, offset)?;
            let names = Names::load(c, &auditview::wanted(&rows))?;
            let lines = rows.iter().map(|r| auditview::line(lang, r, &names)).collect();
            Ok((lines, total))
        })
        .await
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    q: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let lang = ctx.lang;
    let (form, filter) = parse(lang, &q);
    let offset = Pager::offset(q.page, PER_PAGE);
    let (lines, total) = load(&state, lang, filter, &q.actor, PER_PAGE, offset).await?;
    let pager = Pager::new(q.page, PER_PAGE, total, query_base("/admin/audit", &q.pairs()));
    let csv_href = query_base("/admin/audit.csv", &q.pairs()).trim_end_matches(['?', '&']).to_owned();
    // The menus list the closed vocabulary (no scan of the log).
    let mut object_types: Vec<(String, String)> =
        Object::ALL.iter().map(|o| (o.code().to_owned(), auditview::type_label(lang, o.code()))).collect();
    object_types.sort_by(|a, b| a.1.cmp(&b.1));
    let actions = Action::ALL.iter().map(|a| (a.code().to_owned(), auditview::action_label(lang, a.code()))).collect();
    let chain = state.db(ChainInfo::load).await?;
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_status(status, &AuditPage { ctx, lines, pager, form, object_types, actions, csv_href, chain })
}

pub async fn export_csv(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    q: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let lang = ctx.lang;
    let (form, filter) = parse(lang, &q);
    if form.has_errors() {
        // The page says what is wrong with the filter.
        return list(state, ctx, user, q).await;
    }
    let (lines, _) = load(&state, lang, filter, &q.actor, EXPORT_LIMIT, 0).await?;
    let header =
        ["id", "at", "actor", "actor_email", "address", "object_type", "object_id", "action", "sentence", "changes"]
            .iter()
            .map(|k| lang.t(&format!("audit.csv.{k}")).to_owned())
            .collect();
    let rows = lines
        .iter()
        .map(|l| {
            vec![
                l.id.to_string(),
                lang.datetime(l.at),
                l.actor.clone(),
                l.actor_email.clone(),
                l.address.clone(),
                l.type_label.clone(),
                l.object_id.map(|i| i.to_string()).unwrap_or_default(),
                l.action_label.clone(),
                l.sentence(),
                l.changes_text(lang),
            ]
        })
        .collect();
    Ok(csv_response("audit-log.csv", &Table { header, rows }))
}
