//! Pledges: the public list, one page per pledge with its commitments and
//! signatories, exports; editors of the issuing association run the pledge
//! and decide on applications; filers apply for their own organization.
//!
//! `list` is the list of pledges, `show` one pledge and its exports, `manage`
//! creating, editing, opening and closing, `apply` the application form,
//! `signatures` one signature and its moves. Shared checks and views live here.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::export::{self, Table};
use super::forms::Form;
use super::{markdown, parse_id, query_base, redirect_with_flash, render, render_status, viewer, AppState, Ctx};
use crate::auth::{require_role, CurrentUser};
use crate::db::orgs::{self, Org};
use crate::db::pledges::{
    self as pdb, Application, CasError, Commitment, Drafts, OrgBrief, Pledge, PledgeData, PledgeFilter, PledgeListItem,
    SignatoryFilter, Signature,
};
use crate::domain::pledge::{
    self as rules, pledge_transition, transition, PledgeAction, PledgeKind, PledgeState, SignatureAction,
    SignatureState, Subscription, SubsetError, TransitionError,
};
use crate::domain::{text, OrgKind, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

mod apply;
mod list;
mod manage;
mod show;
mod signatures;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/pledges", web::get().to(list::list))
        .route("/pledges", web::post().to(manage::create))
        .route("/pledges/new", web::get().to(manage::new_form))
        .route("/pledges/{id}", web::get().to(show::show))
        .route("/pledges/{id}/signatories.csv", web::get().to(show::export_csv))
        .route("/pledges/{id}/signatories.xlsx", web::get().to(show::export_xlsx))
        .route("/pledges/{id}/edit", web::get().to(manage::edit_form))
        .route("/pledges/{id}/edit", web::post().to(manage::update))
        .route("/pledges/{id}/open", web::post().to(manage::open))
        .route("/pledges/{id}/close", web::post().to(manage::close))
        .route("/pledges/{id}/apply", web::get().to(apply::apply_form))
        .route("/pledges/{id}/apply", web::post().to(apply::apply))
        .route("/signatures/{id}", web::get().to(signatures::signature_page))
        .route("/signatures/{id}/{action}", web::post().to(signatures::signature_action));
}

/// Signatories shown per page of a pledge.
const SIGNATORIES_PER_PAGE: i64 = 100;

/// Largest Markdown text of a pledge, in characters.
const TEXT_MAX: usize = 50_000;

/// Editors of the issuing association and admins run a pledge.
fn can_manage(user: Option<&CurrentUser>, pledge: &Pledge) -> bool {
    match user {
        Some(u) if u.role == Role::Admin => true,
        Some(u) => u.role == Role::Editor && u.org_id == pledge.organization_id,
        None => false,
    }
}

/// 403 unless `user` runs `pledge`; a draft of someone else's is 404, as it does not exist for them.
fn require_manager(user: &CurrentUser, pledge: &Pledge) -> AppResult<()> {
    require_role(user, Role::Editor)?;
    require_visible(Some(user), pledge)?;
    if can_manage(Some(user), pledge) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A draft is seen only by those who run it: to anyone else it does not exist.
fn require_visible(user: Option<&CurrentUser>, pledge: &Pledge) -> AppResult<()> {
    if pledge.state().is_public() || can_manage(user, pledge) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

fn transition_error(e: TransitionError) -> AppError {
    match e {
        TransitionError::Forbidden => AppError::Forbidden,
        TransitionError::Illegal => AppError::Conflict("error.signature.illegal"),
    }
}

fn cas_error(e: CasError) -> AppError {
    match e {
        CasError::Conflict => AppError::Conflict("error.stale"),
        CasError::Db(e) => e.into(),
    }
}

fn parse_version(s: &str) -> AppResult<i32> {
    s.trim().parse::<i32>().map_err(|_| AppError::BadRequest("error.400"))
}

// ---------------------------------------------------------------- views

/// One event of a signature's history, ready to show.
pub struct EventView {
    pub at: String,
    pub what: String,
    pub by: String,
    pub note: String,
}

/// One signatory row, ready to show or export.
pub struct SignatoryView {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_name_zh: String,
    pub org_name_en: String,
    pub credit_code: String,
    pub org_kind: String,
    pub state: SignatureState,
    pub state_label: String,
    pub applied: String,
    pub signed: String,
    pub since: String,
    pub reason: String,
    pub representative_name: String,
    pub representative_title: String,
    pub all: bool,
    /// Numbers of the commitments left out, with the reason for each.
    pub excluded: Vec<(String, String)>,
    /// The commitments subscribed (number, text in the reader's language), in order.
    pub subscribed: Vec<(String, String)>,
    /// How many commitments the pledge has.
    pub total: usize,
    pub version: i32,
    pub events: Vec<EventView>,
}

impl SignatoryView {
    pub fn state_class(&self) -> &'static str {
        self.state.as_str()
    }

    /// The numbers of the commitments subscribed, listed in the reader's language.
    pub fn subscribed_numbers(&self, en: bool) -> String {
        let numbers: Vec<&str> = self.subscribed.iter().map(|(n, _)| n.as_str()).collect();
        numbers.join(if en { ", " } else { "、" })
    }

    /// The commitments subscribed, in one line (for exports).
    pub fn scope_text(&self, lang: Lang) -> String {
        if self.all {
            return lang.t("signature.scope.all").to_owned();
        }
        let sep = if lang == Lang::En { "; " } else { "；" };
        let parts: Vec<String> = self
            .excluded
            .iter()
            .map(|(n, r)| lang.tf("signature.scope.left_out_one", &[("number", n), ("reason", r)]))
            .collect();
        lang.tf(
            "signature.scope.subset_export",
            &[("subscribed", &self.subscribed_numbers(lang == Lang::En)), ("left_out", &parts.join(sep))],
        )
    }
}

fn event_what(lang: Lang, from: Option<&str>, to: SignatureState) -> String {
    let key = match (from, to) {
        (Some("suspended"), SignatureState::Verified) => "signature.event.reinstated",
        (_, SignatureState::Applied) => "signature.event.applied",
        (_, SignatureState::Verified) => "signature.event.verified",
        (_, SignatureState::Declined) => "signature.event.declined",
        (_, SignatureState::Withdrawn) => "signature.event.withdrawn",
        (_, SignatureState::Suspended) => "signature.event.suspended",
    };
    lang.t(key).to_owned()
}

fn signatory_view(lang: Lang, pledge: &Pledge, commitments: &[Commitment], s: &pdb::Signatory) -> SignatoryView {
    let en = lang == Lang::En;
    let state = s.sig.state();
    let events = s
        .events
        .iter()
        .map(|e| {
            let by = match e.actor_org_id {
                Some(o) if o == s.sig.organization_id => "signature.by.signatory",
                Some(o) if o == pledge.organization_id => "signature.by.issuer",
                _ => "signature.by.registry",
            };
            EventView {
                at: lang.date(e.at),
                what: event_what(lang, e.from_state.as_deref(), e.to()),
                by: lang.t(by).to_owned(),
                note: e.note.clone(),
            }
        })
        .collect();
    SignatoryView {
        id: s.sig.id,
        org_id: s.org.id,
        org_name: s.org.name(en).to_owned(),
        org_name_zh: s.org.name_zh.clone(),
        org_name_en: s.org.name_en.clone(),
        credit_code: s.org.credit_code.clone(),
        org_kind: lang.t(OrgKind::parse(&s.org.kind).unwrap_or(OrgKind::Other).label_key()).to_owned(),
        state,
        state_label: lang.t(state.label_key()).to_owned(),
        applied: lang.date(s.sig.applied_at),
        signed: match (state, s.sig.decided_at) {
            (SignatureState::Verified | SignatureState::Withdrawn | SignatureState::Suspended, Some(d)) => lang.date(d),
            _ => String::new(),
        },
        since: lang.date(s.sig.state_changed_at),
        reason: s.sig.reason.clone(),
        representative_name: s.sig.representative_name.clone(),
        representative_title: s.sig.representative_title.clone(),
        all: s.sig.all_commitments,
        excluded: s.exclusions.iter().map(|x| (x.number.clone(), x.reason.clone())).collect(),
        subscribed: commitments
            .iter()
            .filter(|c| !s.exclusions.iter().any(|x| x.commitment_id == c.id))
            .map(|c| (c.number.clone(), c.text(en).to_owned()))
            .collect(),
        total: commitments.len(),
        version: s.sig.version,
        events,
    }
}

/// Commitments grouped by area, in order.
pub struct AreaGroup {
    pub area: String,
    pub items: Vec<Commitment>,
}

fn group_by_area(commitments: Vec<Commitment>, en: bool) -> Vec<AreaGroup> {
    let mut out: Vec<AreaGroup> = Vec::new();
    for c in commitments {
        let area = c.area(en).to_owned();
        match out.last_mut() {
            Some(g) if g.area == area => g.items.push(c),
            _ => out.push(AreaGroup { area, items: vec![c] }),
        }
    }
    out
}

fn pledge_text_html(p: &Pledge, en: bool) -> (String, bool) {
    if en && !p.text_md_en.trim().is_empty() {
        (markdown::render(&p.text_md_en), false)
    } else {
        (markdown::render(&p.text_md_zh), en)
    }
}
