//! Organizations: the list (search as on `/orgs`) and one organization with
//! what it does in the registry: pledges it issues, its public signatures,
//! the standards it drafts and its accepted reports. No contact data.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::pledges::Coded;
use super::problem::{ApiError, ApiResult};
use super::respond::{self, PageQuery};
use super::types::{at, url, Names};
use crate::db::orgs::{self, Org};
use crate::db::pledges as pdb;
use crate::db::reports as rdb;
use crate::domain::pledge::SignatureState;
use crate::domain::report::ReportState;
use crate::domain::OrgKind;
use crate::i18n::beijing_today;
use crate::web::flow::Id;
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/orgs", web::get().to(list)).route("/orgs/{id}", web::get().to(show));
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Words in either name, or part of the credit code.
    #[serde(default)]
    pub q: String,
}

/// An organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgItem {
    pub id: i64,
    /// `association`, `platform`, `mcn`, `merchant`, …
    pub kind: Coded,
    pub name: Names,
    /// The unified social credit code.
    pub credit_code: String,
    pub website: String,
    pub href: String,
    pub html: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ref {
    pub id: i64,
    pub title: Names,
    pub href: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgSignature {
    /// The signature's id.
    pub id: i64,
    pub pledge: Ref,
    /// `verified`, `suspended` or `withdrawn`.
    pub state: Coded,
    pub signed_at: Option<DateTime<FixedOffset>>,
    pub state_changed_at: DateTime<FixedOffset>,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgStandard {
    pub standard: Ref,
    pub number: Option<String>,
    /// `lead`, `codrafter` or `proposer`.
    pub part: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgReport {
    /// The report's id.
    pub id: i64,
    pub pledge_id: i64,
    pub period_id: i64,
    pub period: Names,
    pub href: String,
}

/// An organization and what it does in the registry.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgDetail {
    #[serde(flatten)]
    pub org: OrgItem,
    /// Pledges it issues (associations).
    pub issued: Vec<Ref>,
    pub signatures: Vec<OrgSignature>,
    pub standards: Vec<OrgStandard>,
    /// Its accepted reports, newest deadline first.
    pub reports: Vec<OrgReport>,
}

fn item(state: &AppState, o: &Org) -> OrgItem {
    OrgItem {
        id: o.id,
        kind: Coded::new(o.kind.as_str(), o.kind.label_key()),
        name: Names::new(&o.name_zh, &o.name_en),
        credit_code: o.credit_code.clone(),
        website: o.website.clone(),
        href: url(state, &format!("/api/v1/orgs/{}", o.id)),
        html: url(state, &format!("/orgs/{}", o.id)),
    }
}

/// Organizations in the registry, by kind and Chinese name.
#[utoipa::path(
    get,
    path = "/api/v1/orgs",
    tag = "orgs",
    operation_id = "listOrgs",
    params(ListQuery, PageQuery),
    responses(
        (status = 200, description = "One page of organizations", body = respond::Page<OrgItem>),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A paging parameter is invalid", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
    p: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let search: String = q.q.trim().chars().take(100).collect();
    let pairs = [("q", search.as_str())];
    let listing = respond::Listing { base: url(&state, "/api/v1/orgs"), pairs: &pairs };
    let s = search.clone();
    let load = move |c: &mut _, n, start| Ok(orgs::search_from(c, &s, n, start)?);
    respond::list(&req, &state, &p, Vec::new(), listing, load, |o: Org| item(&state, &o)).await
}

/// The list's cursor: `[kind, Chinese name, id]`.
impl respond::Cursor for orgs::OrgKey {
    const LIST: &'static str = "orgs";

    fn parts(&self) -> serde_json::Value {
        serde_json::json!([self.kind.as_str(), self.name_zh, self.id])
    }

    fn from_parts(v: serde_json::Value) -> Option<Self> {
        let (kind, name_zh, id): (String, String, i64) = serde_json::from_value(v).ok()?;
        Some(orgs::OrgKey { kind: OrgKind::parse(&kind).ok()?, name_zh, id })
    }
}

impl respond::Keyed for Org {
    type Key = orgs::OrgKey;

    fn key(&self) -> orgs::OrgKey {
        Org::key(self)
    }
}

/// One organization: its pledges, public signatures, standards and accepted reports.
#[utoipa::path(
    get,
    path = "/api/v1/orgs/{id}",
    tag = "orgs",
    operation_id = "getOrg",
    params(("id" = i64, Path, description = "The organization's id", minimum = 1, example = 1)),
    responses(
        (status = 200, description = "The organization", body = OrgDetail),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such organization", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn show(req: HttpRequest, state: web::Data<AppState>, id: web::Path<Id>) -> ApiResult<HttpResponse> {
    let id = id.get();
    let today = beijing_today();
    let (org, issued, sigs, stds, history) = state
        .db(move |c| {
            let org = orgs::get(c, id)?;
            let issued = pdb::issued_by(c, id)?;
            let sigs = pdb::org_signatures(c, id, &SignatureState::PUBLIC)?;
            let stds = crate::db::standards::of_org(c, id, today)?;
            let history = rdb::history(c, id)?;
            Ok((org, issued, sigs, stds, history))
        })
        .await?;
    let org = org.ok_or_else(ApiError::not_found)?;
    let pledge_ref = |pid: i64, zh: &str, en: &str| Ref {
        id: pid,
        title: Names::new(zh, en),
        href: url(&state, &format!("/api/v1/pledges/{pid}")),
    };
    let d = OrgDetail {
        org: item(&state, &org),
        // Drafts are left out by `issued_by`; a draft has no signatures.
        issued: issued.iter().map(|p| pledge_ref(p.id, &p.title_zh, &p.title_en)).collect(),
        signatures: sigs
            .iter()
            .map(|(s, p)| OrgSignature {
                id: s.id,
                pledge: pledge_ref(p.id, &p.title_zh, &p.title_en),
                state: Coded::new(s.state.as_str(), s.state.label_key()),
                signed_at: s.decided_at.map(at),
                state_changed_at: at(s.state_changed_at),
                reason: s.reason.clone(),
            })
            .collect(),
        standards: stds
            .iter()
            .map(|(r, part)| OrgStandard {
                standard: Ref {
                    id: r.id,
                    title: Names::new(&r.title_zh, &r.title_en),
                    href: url(&state, &format!("/api/v1/standards/{}", r.id)),
                },
                number: r.number.clone(),
                part: (*part).to_owned(),
            })
            .collect(),
        reports: history
            .iter()
            .filter(|h| h.state == ReportState::Accepted)
            .map(|h| OrgReport {
                id: h.report_id,
                pledge_id: h.pledge_id,
                period_id: h.period_id,
                period: Names::new(&h.period_label_zh, &h.period_label_en),
                href: url(&state, &format!("/api/v1/reports/{}", h.report_id)),
            })
            .collect(),
    };
    respond::json(&req, &d)
}
