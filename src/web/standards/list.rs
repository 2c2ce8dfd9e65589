//! The standards list: search, filters in the URL, pages.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{is_staff, person, Badge, PER_PAGE};
use crate::db::orgs::{self, Org};
use crate::db::standards::{self as sdb, ListFilter, ListRow, Proposals};
use crate::domain::standard::{StandardKind, StandardState, Standing};
use crate::domain::Role;
use crate::error::AppResult;
use crate::i18n::{beijing_today, Lang};
use crate::web::forms::Form;
use crate::web::{query_base, render_status, viewer, AppState, Ctx, Pager};

#[derive(Deserialize, serde::Serialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    org: String,
    page: Option<i64>,
}

pub struct Row {
    pub id: i64,
    pub number: Option<String>,
    pub title: String,
    pub badge: Badge,
    pub lead: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "standards/list.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<Row>,
    pager: Pager,
    form: Form,
    statuses: Vec<&'static str>,
    years: Vec<i32>,
    /// The drafting organization filtered on, if any (search matches the others by name).
    org: Option<Org>,
    can_propose: bool,
}

impl ListPage {
    /// This list without the organization filter.
    fn without_org(&self) -> String {
        query_base(
            "/standards",
            &[
                ("q", self.form.v("q")),
                ("status", self.form.v("status")),
                ("kind", self.form.v("kind")),
                ("year", self.form.v("year")),
            ],
        )
    }
}

pub fn list_row(lang: Lang, r: ListRow, today: NaiveDate) -> Row {
    let standing = r.standing(today);
    let code = standing.code();
    Row {
        id: r.id,
        number: r.number.clone(),
        title: if lang == Lang::En { r.title_en.clone() } else { r.title_zh.clone() },
        badge: Badge { code, label: lang.t(&format!("std.state.{code}")).to_owned(), why: String::new() },
        lead: if lang == Lang::En { r.lead_name_en.clone() } else { r.lead_name_zh.clone() },
        updated: lang.date(r.updated_at),
    }
}

pub async fn list(state: web::Data<AppState>, ctx: Ctx, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let st = &state;
    let q = q.into_inner();
    let reads = q.clone();
    state.pages.through(&state, &ctx, &reads, |c| list_page(st, c, q)).await
}

async fn list_page(state: &AppState, ctx: Ctx, q: ListQuery) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let today = beijing_today();
    let mut form = Form::new()
        .with("q", &q.q)
        .with("status", &q.status)
        .with("kind", &q.kind)
        .with("year", &q.year)
        .with("org", &q.org);
    let staff = is_staff(&ctx);
    let status_codes = status_codes(staff);
    let proposals = Proposals::for_viewer(viewer(&ctx).map(|u| person(&u)));
    let mut filter = ListFilter { q: q.q.chars().take(100).collect(), proposals, ..ListFilter::default() };
    if !q.status.is_empty() {
        match status_codes.iter().find(|s| **s == q.status) {
            Some(s) => filter.status = standing_of(s),
            None => form.error(lang, "status", "error.std.filter"),
        }
    }
    if !q.kind.is_empty() {
        filter.kind = form.check(lang, "kind", StandardKind::parse(&q.kind));
    }
    if !q.year.is_empty() {
        filter.year = form.check(lang, "year", parse_year(&q.year));
    }
    if !q.org.is_empty() {
        filter.org_id = form.check(lang, "org", q.org.trim().parse::<i64>().map_err(|_| "error.std.filter"));
    }
    let offset = Pager::offset(q.page, PER_PAGE);
    let org_id = filter.org_id;
    // Totals are kept per filter while the data (and the date) stay the same.
    let count_key = format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{:?}",
        filter.q, filter.status, filter.kind, filter.year, filter.org_id, proposals
    );
    let stamp = state.data_stamp().await?;
    let known_total = state
        .list_counts
        .lock()
        .ok()
        .and_then(|m| m.get(&count_key).filter(|(s, d, _)| *s == stamp && *d == today).map(|(_, _, n)| *n));
    let (rows, total, years, org) = state
        .db(move |c| {
            let (rows, total) = sdb::list(c, &filter, today, PER_PAGE, offset, known_total)?;
            let org = match org_id {
                Some(id) => orgs::get(c, id)?,
                None => None,
            };
            Ok((rows, total, sdb::years(c)?, org))
        })
        .await?;
    if known_total.is_none() {
        if let Ok(mut m) = state.list_counts.lock() {
            if m.len() > 1000 {
                m.clear();
            }
            m.insert(count_key, (stamp, today, total));
        }
    }
    let pager = Pager::new(
        q.page,
        PER_PAGE,
        total,
        query_base(
            "/standards",
            &[("q", &q.q), ("status", &q.status), ("kind", &q.kind), ("year", &q.year), ("org", &q.org)],
        ),
    );
    let can_propose = matches!(ctx.role(), Some(Role::Editor | Role::Admin));
    let rows = rows.into_iter().map(|r| list_row(lang, r, today)).collect();
    let status = if form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_status(status, &ListPage { ctx, rows, pager, form, statuses: status_codes, years, org, can_propose })
}

/// The codes the status filter offers: staff also see the states of work in progress.
pub fn status_codes(staff: bool) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = vec!["in_force", "published"];
    v.extend(
        StandardState::ALL
            .iter()
            .filter(|s| **s != StandardState::Published && (staff || s.is_public()))
            .map(|s| s.as_str()),
    );
    v
}

/// The year filter: a year from 1990 to 2200.
pub fn parse_year(s: &str) -> Result<i32, &'static str> {
    s.trim().parse::<i32>().ok().filter(|y| (1990..=2200).contains(y)).ok_or("error.std.filter")
}

/// The standing a filter code names: `in_force`, `published` (upcoming) or a stored state.
pub fn standing_of(code: &str) -> Option<Standing> {
    match code {
        "in_force" => Some(Standing::InForce),
        "published" => Some(Standing::Upcoming),
        other => StandardState::parse(other).map(Standing::State),
    }
}
