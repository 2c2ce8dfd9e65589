//! Pledges (conventions and initiatives): the list with the filters of
//! `/pledges`, one pledge with its commitments, and its signatories. Drafts
//! and applications not yet decided (or declined) never appear.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiError, ApiResult, FieldError};
use super::respond::{self, PageQuery};
use super::types::{at, url, Names, OrgRef};
use crate::db::pledges::{self as pdb, Drafts, Pledge, PledgeFilter, SignatoryFilter};
use crate::db::Start;
use crate::domain::pledge::{sees_pledge, PledgeKind, PledgeState, SignatureState};
use crate::domain::OrgKind;
use crate::error::AppError;
use crate::web::flow::Id;
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/pledges", web::get().to(list))
        .route("/pledges/{id}", web::get().to(show))
        .route("/pledges/{id}/signatories", web::get().to(signatories));
}

/// Filters of the list, as on `/pledges`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `convention` (自律公约) or `initiative` (倡议).
    #[serde(default)]
    pub kind: String,
    /// `open` or `closed`.
    #[serde(default)]
    pub status: String,
    /// The issuing association (its id).
    #[param(value_type = Option<i64>)]
    #[serde(default)]
    pub issuer: String,
    /// Words in the title, the guiding body or the issuer's name.
    #[serde(default)]
    pub q: String,
}

/// A code and its name in both languages.
#[derive(Debug, Serialize, ToSchema)]
pub struct Coded {
    pub code: String,
    pub name: Names,
}

impl Coded {
    pub fn new(code: &str, key: &str) -> Self {
        Coded { code: code.to_owned(), name: Names::key(key) }
    }
}

/// A pledge in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PledgeItem {
    pub id: i64,
    /// `convention` or `initiative`.
    pub kind: Coded,
    /// `open` or `closed`.
    pub state: Coded,
    pub title: Names,
    pub issuer: OrgRef,
    /// Signatories whose signature is verified.
    pub verified_signatories: i64,
    pub opened_at: Option<DateTime<FixedOffset>>,
    pub closed_at: Option<DateTime<FixedOffset>>,
    pub href: String,
    pub html: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommitmentItem {
    pub id: i64,
    /// Its number in the pledge, e.g. `1.2`.
    pub number: String,
    pub area: Names,
    pub text: Names,
}

/// One pledge with its text and commitments.
#[derive(Debug, Serialize, ToSchema)]
pub struct PledgeDetail {
    pub id: i64,
    pub kind: Coded,
    pub state: Coded,
    pub title: Names,
    pub issuer: OrgRef,
    pub guiding_body: Names,
    /// The pledge's text (Markdown).
    pub text_md: Names,
    pub opened_at: Option<DateTime<FixedOffset>>,
    pub closed_at: Option<DateTime<FixedOffset>>,
    pub commitments: Vec<CommitmentItem>,
    pub signatories: String,
    pub periods: String,
    pub html: String,
}

/// A commitment a signatory left out.
#[derive(Debug, Serialize, ToSchema)]
pub struct Exclusion {
    pub number: String,
    pub reason: String,
}

/// A signatory of a pledge.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatoryItem {
    /// The signature's id.
    pub id: i64,
    pub org: OrgRef,
    /// `platform`, `mcn`, `merchant`, `association`, …
    pub org_kind: Coded,
    /// The unified social credit code.
    pub credit_code: String,
    /// `verified`, `suspended` or `withdrawn`.
    pub state: Coded,
    /// All commitments, or all but `excluded`.
    pub all_commitments: bool,
    pub excluded: Vec<Exclusion>,
    pub representative_name: String,
    pub representative_title: String,
    pub applied_at: DateTime<FixedOffset>,
    /// When the signature was verified.
    pub signed_at: Option<DateTime<FixedOffset>>,
    pub state_changed_at: DateTime<FixedOffset>,
    /// Why it was suspended or withdrawn, as recorded.
    pub reason: String,
}

/// Filters of the signatories, as on a pledge's page.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignatoryQuery {
    /// The signatory's kind: `platform`, `mcn`, `merchant`, …
    #[serde(default)]
    pub kind: String,
    /// `verified`, `suspended` or `withdrawn`.
    #[serde(default)]
    pub status: String,
    /// Words in the signatory's name or its credit code.
    #[serde(default)]
    pub q: String,
}

fn kind_of(p: &Pledge) -> Coded {
    Coded::new(p.kind.as_str(), p.kind.label_key())
}

fn state_of(p: &Pledge) -> Coded {
    Coded::new(p.state.as_str(), p.state.label_key())
}

/// A public pledge (not a draft), or 404.
pub async fn public_pledge(state: &AppState, id: i64) -> ApiResult<(Pledge, pdb::OrgBrief)> {
    let found = state.db(move |c| Ok(pdb::get_with_issuer(c, id)?)).await?;
    match found {
        Some((p, issuer)) if sees_pledge(None, p.state, p.organization_id) => Ok((p, issuer)),
        _ => Err(ApiError::not_found()),
    }
}

fn issuer_ref(o: &pdb::OrgBrief) -> OrgRef {
    OrgRef { id: o.id, name: Names::new(&o.name_zh, &o.name_en) }
}

/// Pledges the public sees, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/pledges",
    tag = "pledges",
    operation_id = "listPledges",
    params(ListQuery, PageQuery),
    responses(
        (status = 200, description = "One page of pledges", body = respond::Page<PledgeItem>),
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
    let mut errors = Vec::new();
    let mut filter = PledgeFilter { text: q.q.chars().take(100).collect(), ..PledgeFilter::default() };
    if !q.kind.is_empty() {
        match PledgeKind::parse(&q.kind) {
            Ok(k) => filter.kind = Some(k),
            Err(_) => errors.push(FieldError::parameter("kind", "must be convention or initiative")),
        }
    }
    if !q.status.is_empty() {
        match PledgeState::parse(&q.status) {
            Ok(s) if s.is_public() => filter.state = Some(s),
            _ => errors.push(FieldError::parameter("status", "must be open or closed")),
        }
    }
    if !q.issuer.is_empty() {
        match q.issuer.trim().parse::<i64>() {
            Ok(i) => filter.issuer = Some(i),
            Err(_) => errors.push(FieldError::parameter("issuer", "must be an organization's id")),
        }
    }
    let pairs = [("kind", q.kind.as_str()), ("status", &q.status), ("issuer", &q.issuer), ("q", &q.q)];
    let listing = respond::Listing { base: url(&state, "/api/v1/pledges"), pairs: &pairs };
    let load = move |c: &mut _, n, start: Start<PledgeKey>| {
        let (rows, total) = pdb::search_from(c, Drafts::None, &filter, n, start.map(|k| k.0))?;
        Ok((rows.into_iter().map(PledgeRow).collect(), total))
    };
    respond::list(&req, &state, &p, errors, listing, load, |PledgeRow(r)| PledgeItem {
        id: r.pledge.id,
        kind: kind_of(&r.pledge),
        state: state_of(&r.pledge),
        title: Names::new(&r.pledge.title_zh, &r.pledge.title_en),
        issuer: issuer_ref(&r.issuer),
        verified_signatories: r.verified,
        opened_at: r.pledge.opened_at.map(at),
        closed_at: r.pledge.closed_at.map(at),
        href: url(&state, &format!("/api/v1/pledges/{}", r.pledge.id)),
        html: url(&state, &format!("/pledges/{}", r.pledge.id)),
    })
    .await
}

/// A pledge's place in the list (newest first): its id.
pub struct PledgeKey(i64);

/// The list's cursor: `[id]`.
impl respond::Cursor for PledgeKey {
    const LIST: &'static str = "pledges";

    fn parts(&self) -> serde_json::Value {
        serde_json::json!([self.0])
    }

    fn from_parts(v: serde_json::Value) -> Option<Self> {
        let (id,): (i64,) = serde_json::from_value(v).ok()?;
        Some(PledgeKey(id))
    }
}

pub struct PledgeRow(pdb::PledgeListItem);

impl respond::Keyed for PledgeRow {
    type Key = PledgeKey;

    fn key(&self) -> PledgeKey {
        PledgeKey(self.0.pledge.id)
    }
}

/// The signatories' cursor: `[organization kind, Chinese name, signature id]`.
impl respond::Cursor for pdb::SignatoryKey {
    const LIST: &'static str = "signatories";

    fn parts(&self) -> serde_json::Value {
        serde_json::json!([self.kind.as_str(), self.name_zh, self.id])
    }

    fn from_parts(v: serde_json::Value) -> Option<Self> {
        let (kind, name_zh, id): (String, String, i64) = serde_json::from_value(v).ok()?;
        Some(pdb::SignatoryKey { kind: OrgKind::parse(&kind).ok()?, name_zh, id })
    }
}

impl respond::Keyed for pdb::Signatory {
    type Key = pdb::SignatoryKey;

    fn key(&self) -> pdb::SignatoryKey {
        pdb::Signatory::key(self)
    }
}

/// One pledge: its text and commitments.
#[utoipa::path(
    get,
    path = "/api/v1/pledges/{id}",
    tag = "pledges",
    operation_id = "getPledge",
    params(("id" = i64, Path, description = "The pledge's id", minimum = 1, example = 1)),
    responses(
        (status = 200, description = "The pledge", body = PledgeDetail),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such pledge, or a draft", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn show(req: HttpRequest, state: web::Data<AppState>, id: web::Path<Id>) -> ApiResult<HttpResponse> {
    let (p, issuer) = public_pledge(&state, id.get()).await?;
    let pid = p.id;
    let commitments = state.db(move |c| Ok(pdb::commitments(c, pid)?)).await?;
    let d = PledgeDetail {
        id: p.id,
        kind: kind_of(&p),
        state: state_of(&p),
        title: Names::new(&p.title_zh, &p.title_en),
        issuer: issuer_ref(&issuer),
        guiding_body: Names::new(&p.guiding_body_zh, &p.guiding_body_en),
        text_md: Names::new(&p.text_md_zh, &p.text_md_en),
        opened_at: p.opened_at.map(at),
        closed_at: p.closed_at.map(at),
        commitments: commitments
            .into_iter()
            .map(|c| CommitmentItem {
                id: c.id,
                number: c.number,
                area: Names::new(c.area_zh, c.area_en),
                text: Names::new(c.text_zh, c.text_en),
            })
            .collect(),
        signatories: url(&state, &format!("/api/v1/pledges/{}/signatories", p.id)),
        periods: url(&state, &format!("/api/v1/pledges/{}/periods", p.id)),
        html: url(&state, &format!("/pledges/{}", p.id)),
    };
    respond::json(&req, &d)
}

/// The signatories of a pledge: verified, suspended and withdrawn signatures.
#[utoipa::path(
    get,
    path = "/api/v1/pledges/{id}/signatories",
    tag = "pledges",
    operation_id = "listSignatories",
    params(("id" = i64, Path, description = "The pledge's id", minimum = 1, example = 1), SignatoryQuery, PageQuery),
    responses(
        (status = 200, description = "One page of signatories", body = respond::Page<SignatoryItem>),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A filter or paging parameter is invalid", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such pledge, or a draft", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn signatories(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Id>,
    q: web::Query<SignatoryQuery>,
    p: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let mut errors = Vec::new();
    let mut filter = SignatoryFilter {
        states: SignatureState::PUBLIC.to_vec(),
        name: q.q.trim().chars().take(100).collect(),
        ..SignatoryFilter::default()
    };
    if !q.kind.is_empty() {
        match OrgKind::parse(&q.kind) {
            Ok(k) => filter.org_kind = Some(k),
            Err(_) => errors.push(FieldError::parameter("kind", "is not a kind of organization")),
        }
    }
    if !q.status.is_empty() {
        match SignatureState::parse(&q.status) {
            Ok(s) if s.is_public() => filter.states = vec![s],
            _ => errors.push(FieldError::parameter("status", "must be verified, suspended or withdrawn")),
        }
    }
    let pid = id.get();
    let pairs = [("kind", q.kind.as_str()), ("status", &q.status), ("q", &q.q)];
    let listing = respond::Listing { base: url(&state, &format!("/api/v1/pledges/{pid}/signatories")), pairs: &pairs };
    // A draft (or no pledge) is 404, after the parameters' 400.
    let load = move |c: &mut _, n, start: Start<pdb::SignatoryKey>| {
        match pdb::get(c, pid)? {
            Some(p) if sees_pledge(None, p.state, p.organization_id) => {}
            _ => return Err(AppError::NotFound),
        }
        Ok(pdb::signatories_page(c, pid, &filter, n, start.after())?)
    };
    respond::list(&req, &state, &p, errors, listing, load, |s: pdb::Signatory| SignatoryItem {
        id: s.sig.id,
        org: issuer_ref(&s.org),
        org_kind: Coded::new(s.org.kind.as_str(), s.org.kind.label_key()),
        credit_code: s.org.credit_code.clone(),
        state: Coded::new(s.sig.state.as_str(), s.sig.state.label_key()),
        all_commitments: s.sig.all_commitments,
        excluded: s
            .exclusions
            .iter()
            .map(|e| Exclusion { number: e.number.clone(), reason: e.reason.clone() })
            .collect(),
        representative_name: s.sig.representative_name.clone(),
        representative_title: s.sig.representative_title.clone(),
        applied_at: at(s.sig.applied_at),
        signed_at: s.sig.decided_at.map(at),
        state_changed_at: at(s.sig.state_changed_at),
        reason: s.sig.reason.clone(),
    })
    .await
}
