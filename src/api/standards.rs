//! Standards: the list with the filters of `/standards`, one standard with
//! its versions, events and links, and its disposition table. The public's
//! view: proposals and rejected proposals never appear (`visible_to`).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiError, ApiResult, FieldError};
use super::respond::{self, PageQuery};
use super::types::{at, url, Names, OrgRef};
use crate::db::standards::{self as sdb, ListFilter, Proposals};
use crate::domain::standard::{visible_to, StandardKind};
use crate::i18n::{beijing_today, Lang};
use crate::web::flow::Id;
use crate::web::standards::{badge, parse_year, standing_of, status_codes, wording};
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/standards", web::get().to(list))
        .route("/standards/{id}", web::get().to(show))
        .route("/standards/{id}/comments", web::get().to(comments));
}

/// Filters of the list, as on `/standards`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Words in the number, titles or scope.
    #[serde(default)]
    pub q: String,
    /// `in_force`, `published` (released, not yet in force), or a public state:
    /// `public_comment`, `technical_review`, `submitted_for_approval`, `withdrawn`, `superseded`, …
    #[param(example = "in_force")]
    #[serde(default)]
    pub status: String,
    /// `group` (团体标准) or `local` (地方标准).
    #[serde(default)]
    pub kind: String,
    /// The year the project started.
    #[param(value_type = Option<i32>)]
    #[serde(default)]
    pub year: String,
    /// Standards this organization leads or co-drafts (its id).
    #[param(value_type = Option<i64>)]
    #[serde(default)]
    pub org: String,
}

/// Where a standard stands today, and why (in both languages).
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `in_force`, `published` (not yet in force) or the state's code.
    #[schema(example = "in_force")]
    pub code: String,
    pub label: Names,
    /// The one-line reason the page shows beside the badge (omitted in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Names>,
}

/// A standard in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardItem {
    pub id: i64,
    /// `group` (团体标准) or `local` (地方标准).
    pub kind: String,
    /// The number once published, e.g. `T/CLSE 001—2026`.
    pub number: Option<String>,
    pub title: Names,
    pub status: Status,
    pub implementation_date: Option<NaiveDate>,
    /// The lead drafting organization's name.
    pub lead: Names,
    pub updated_at: DateTime<FixedOffset>,
    /// This standard in the API.
    pub href: String,
    /// Its page on the site.
    pub html: String,
}

/// A linked standard (replaces, replaced by, revision of, revisions).
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardRef {
    pub id: i64,
    pub number: Option<String>,
    pub title: Names,
    pub href: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionItem {
    pub n: i32,
    /// `working_draft`, `comment_draft`, `review_draft`, `approved`, …
    pub label: String,
    pub label_name: Names,
    pub note: String,
    pub created_at: DateTime<FixedOffset>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventItem {
    pub at: DateTime<FixedOffset>,
    /// The stored action code, e.g. `open_comment`, `publish`.
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// What happened, in words.
    pub words: Names,
    /// The note, in words.
    pub note: Names,
    /// The acting organization (absent for the system).
    pub org: Option<Names>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentPeriodItem {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub closed_at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentCounts {
    pub total: i64,
    pub undisposed: i64,
    pub accepted: i64,
    pub partly_accepted: i64,
    pub not_accepted: i64,
    pub noted: i64,
}

/// One standard as its page shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardDetail {
    pub id: i64,
    pub kind: String,
    pub number: Option<String>,
    pub title: Names,
    pub status: Status,
    /// The stored lifecycle state.
    pub state: String,
    pub scope: String,
    pub ics: String,
    pub ccs: String,
    pub year: i32,
    pub release_date: Option<NaiveDate>,
    pub implementation_date: Option<NaiveDate>,
    pub withdrawn_date: Option<NaiveDate>,
    pub proposer: OrgRef,
    pub lead: OrgRef,
    pub codrafters: Vec<OrgRef>,
    pub replaces: Option<StandardRef>,
    pub replaced_by: Vec<StandardRef>,
    pub revision_of: Option<StandardRef>,
    pub revisions: Vec<StandardRef>,
    pub versions: Vec<VersionItem>,
    pub events: Vec<EventItem>,
    pub comment_period: Option<CommentPeriodItem>,
    pub comments: CommentCounts,
    pub html: String,
}

/// A public comment and how it was disposed (no contact data).
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentItem {
    pub seq: i32,
    pub version_n: i32,
    pub clause_ref: String,
    /// `general`, `technical` or `editorial`.
    pub kind: String,
    pub body: String,
    pub proposed_change: String,
    /// The commenter's name and organization as they gave them.
    pub name: String,
    pub organization: String,
    pub created_at: DateTime<FixedOffset>,
    /// `accepted`, `partly_accepted`, `not_accepted`, `noted`; absent while undisposed.
    pub disposition: Option<String>,
    pub disposition_name: Option<Names>,
    pub reason: String,
    pub disposed_at: Option<DateTime<FixedOffset>>,
}

/// The disposition table of a standard.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentTable {
    pub standard: StandardRef,
    pub counts: CommentCounts,
    pub comments: Vec<CommentItem>,
}

fn state_names(code: &str) -> Names {
    Names::key(&format!("std.state.{code}"))
}

fn standard_ref(state: &AppState, id: i64, number: Option<String>, zh: &str, en: &str) -> StandardRef {
    StandardRef { id, number, title: Names::new(zh, en), href: url(state, &format!("/api/v1/standards/{id}")) }
}

fn counts(c: &sdb::DispositionCounts) -> CommentCounts {
    use crate::domain::standard::Disposition as D;
    CommentCounts {
        total: c.total,
        undisposed: c.undisposed,
        accepted: c.get(&D::Accepted),
        partly_accepted: c.get(&D::PartlyAccepted),
        not_accepted: c.get(&D::NotAccepted),
        noted: c.get(&D::Noted),
    }
}

/// Standards the public sees, newest activity first.
#[utoipa::path(
    get,
    path = "/api/v1/standards",
    tag = "standards",
    operation_id = "listStandards",
    params(ListQuery, PageQuery),
    responses(
        (status = 200, description = "One page of standards", body = respond::Page<StandardItem>),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A filter or paging parameter is invalid", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
    p: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let today = beijing_today();
    let mut errors = Vec::new();
    let mut filter =
        ListFilter { q: q.q.chars().take(100).collect(), proposals: Proposals::None, ..ListFilter::default() };
    let bad = |name: &str| FieldError::parameter(name, Lang::En.t("error.std.filter"));
    if !q.status.is_empty() {
        match status_codes(false).into_iter().find(|s| *s == q.status) {
            Some(s) => filter.status = standing_of(s),
            None => errors.push(bad("status")),
        }
    }
    if !q.kind.is_empty() {
        match StandardKind::parse(&q.kind) {
            Ok(k) => filter.kind = Some(k),
            Err(_) => errors.push(bad("kind")),
        }
    }
    if !q.year.is_empty() {
        match parse_year(&q.year) {
            Ok(y) => filter.year = Some(y),
            Err(_) => errors.push(bad("year")),
        }
    }
    if !q.org.is_empty() {
        match q.org.trim().parse::<i64>() {
            Ok(o) => filter.org_id = Some(o),
            Err(_) => errors.push(bad("org")),
        }
    }
    let pairs = [("q", q.q.as_str()), ("status", &q.status), ("kind", &q.kind), ("year", &q.year), ("org", &q.org)];
    let listing = respond::Listing { base: url(&state, "/api/v1/standards"), pairs: &pairs };
    let load = move |c: &mut _, n, start| Ok(sdb::list_from(c, &filter, today, n, start, None)?);
    respond::list(&req, &state, &p, errors, listing, load, |r: sdb::ListRow| {
        let code = r.standing(today).code();
        StandardItem {
            id: r.id,
            kind: r.kind.as_str().to_owned(),
            status: Status { code: code.to_owned(), label: state_names(code), reason: None },
            implementation_date: r.implementation_date,
            lead: Names::new(&r.lead_name_zh, &r.lead_name_en),
            updated_at: at(r.updated_at),
            href: url(&state, &format!("/api/v1/standards/{}", r.id)),
            html: url(&state, &format!("/standards/{}", r.id)),
            title: Names::new(r.title_zh, r.title_en),
            number: r.number,
        }
    })
    .await
}

/// The list's cursor: `[updated_at in microseconds since 1970 UTC, id]`.
impl respond::Cursor for sdb::ListKey {
    const LIST: &'static str = "standards";

    fn parts(&self) -> serde_json::Value {
        serde_json::json!([self.updated_at.and_utc().timestamp_micros(), self.id])
    }

    fn from_parts(v: serde_json::Value) -> Option<Self> {
        let (micros, id): (i64, i64) = serde_json::from_value(v).ok()?;
        Some(sdb::ListKey { updated_at: DateTime::from_timestamp_micros(micros)?.naive_utc(), id })
    }
}

impl respond::Keyed for sdb::ListRow {
    type Key = sdb::ListKey;

    fn key(&self) -> sdb::ListKey {
        sdb::ListRow::key(self)
    }
}

/// A public standard, or 404.
async fn visible_detail(state: &AppState, id: i64) -> ApiResult<sdb::Detail> {
    let d = state.db(move |c| Ok(sdb::detail(c, id)?)).await?.ok_or_else(ApiError::not_found)?;
    if !visible_to(d.std.state, d.std.proposing_org_id, d.std.lead_org_id, None) {
        return Err(ApiError::not_found());
    }
    Ok(d)
}

/// One standard: its fields, versions, events and the standards it replaces or that replace it.
#[utoipa::path(
    get,
    path = "/api/v1/standards/{id}",
    tag = "standards",
    operation_id = "getStandard",
    params(("id" = i64, Path, description = "The standard's id", minimum = 1, example = 1)),
    responses(
        (status = 200, description = "The standard", body = StandardDetail),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such standard, or not public", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn show(req: HttpRequest, state: web::Data<AppState>, id: web::Path<Id>) -> ApiResult<HttpResponse> {
    let d = visible_detail(&state, id.get()).await?;
    let today = beijing_today();
    let s = &d.std;
    let b = [badge(Lang::Zh, &d, today), badge(Lang::En, &d, today)];
    let public = |l: &&sdb::Link| visible_to(l.state, l.proposing_org_id, l.lead_org_id, None);
    let link = |l: &sdb::Link| standard_ref(&state, l.id, l.number.clone(), &l.title_zh, &l.title_en);
    let org = |id: i64| match d.org(id) {
        Some(o) => OrgRef::of(o),
        None => OrgRef { id, name: Names::new("", "") },
    };
    let detail = StandardDetail {
        id: s.id,
        kind: s.kind.as_str().to_owned(),
        number: s.number.clone(),
        title: Names::new(&s.title_zh, &s.title_en),
        status: Status {
            code: b[0].code.to_owned(),
            label: Names::new(&b[0].label, &b[1].label),
            reason: Some(Names::new(&b[0].why, &b[1].why)),
        },
        state: s.state.as_str().to_owned(),
        scope: s.scope.clone(),
        ics: s.ics.clone(),
        ccs: s.ccs.clone(),
        year: s.year,
        release_date: s.release_date,
        implementation_date: s.implementation_date,
        withdrawn_date: s.withdrawn_date,
        proposer: org(s.proposing_org_id),
        lead: org(s.lead_org_id),
        codrafters: d.codrafters.iter().map(|o| org(*o)).collect(),
        replaces: d.replaces().filter(public).map(link),
        replaced_by: d.replaced_by().into_iter().filter(public).map(link).collect(),
        revision_of: d.revision_of().filter(public).map(link),
        revisions: d.revisions().into_iter().filter(public).map(link).collect(),
        versions: d
            .versions
            .iter()
            .map(|v| VersionItem {
                n: v.n,
                label: v.label.as_str().to_owned(),
                label_name: Names::key(&format!("std.label.{}", v.label.as_str())),
                note: v.note.clone(),
                created_at: at(v.created_at),
            })
            .collect(),
        events: d
            .events
            .iter()
            .map(|e| {
                let w = [Lang::Zh, Lang::En].map(|l| wording(l, &e.action, e.to_state, &e.note));
                EventItem {
                    at: at(e.at),
                    action: e.action.clone(),
                    from_state: e.from_state.map(|s| s.as_str().to_owned()),
                    to_state: e.to_state.map(|s| s.as_str().to_owned()),
                    words: Names::new(&w[0].action, &w[1].action),
                    note: Names::new(&w[0].note, &w[1].note),
                    org: match (&e.org_name_zh, &e.org_name_en) {
                        (Some(zh), Some(en)) => Some(Names::new(zh, en)),
                        _ => None,
                    },
                }
            })
            .collect(),
        comment_period: d.period.as_ref().map(|p| CommentPeriodItem {
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            closed_at: p.closed_at.map(at),
        }),
        comments: counts(&d.counts),
        html: url(&state, &format!("/standards/{}", s.id)),
    };
    respond::json(&req, &detail)
}

/// The disposition table: every public comment on the standard and how it was disposed.
#[utoipa::path(
    get,
    path = "/api/v1/standards/{id}/comments",
    tag = "standards",
    operation_id = "listStandardComments",
    params(("id" = i64, Path, description = "The standard's id", minimum = 1, example = 1)),
    responses(
        (status = 200, description = "The disposition table", body = CommentTable),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such standard, or not public", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn comments(req: HttpRequest, state: web::Data<AppState>, id: web::Path<Id>) -> ApiResult<HttpResponse> {
    let id = id.get();
    let (s, list, c) = state.db(move |c| Ok((sdb::get(c, id)?, sdb::comments_of(c, id)?, sdb::counts(c, id)?))).await?;
    let s = s.ok_or_else(ApiError::not_found)?;
    if !visible_to(s.state, s.proposing_org_id, s.lead_org_id, None) {
        return Err(ApiError::not_found());
    }
    let table = CommentTable {
        standard: standard_ref(&state, s.id, s.number.clone(), &s.title_zh, &s.title_en),
        counts: counts(&c),
        comments: list
            .into_iter()
            .map(|c| CommentItem {
                seq: c.seq,
                version_n: c.version_n,
                clause_ref: c.clause_ref,
                kind: c.kind.as_str().to_owned(),
                body: c.body,
                proposed_change: c.proposed_change,
                name: c.name,
                organization: c.organization,
                created_at: at(c.created_at),
                disposition: c.disposition.map(|d| d.as_str().to_owned()),
                disposition_name: c.disposition.map(|d| Names::key(&format!("std.disposition.{}", d.as_str()))),
                reason: c.disposition_reason,
                disposed_at: c.disposed_at.map(at),
            })
            .collect(),
    };
    respond::json(&req, &table)
}
