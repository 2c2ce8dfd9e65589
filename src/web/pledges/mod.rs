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
use super::flow::{respond, Id, RefusalKind, UserError};
use super::forms::Form;
use super::{markdown, query_base, redirect_with_flash, render, render_status, viewer, AppState, Ctx};
use crate::auth::{require_role, CurrentUser};
use crate::db::orgs::{self, Org};
use crate::db::pledges::{
    self as pdb, Commitment, Drafts, OrgBrief, Pledge, PledgeData, PledgeFilter, PledgeListItem, SignatoryFilter,
    Signature,
};
use crate::domain::pledge::{
    self as rules, Acting, ApplicationProblem, PledgeAction, PledgeKind, PledgeRefusal, PledgeState, SignatureAction,
    SignatureRefusal, SignatureState,
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
        .route("/pledges/{id}/signatories.{format:csv|xlsx}", web::get().to(show::export))
        .route("/pledges/{id}/edit", web::get().to(manage::edit_form))
        .route("/pledges/{id}/edit", web::post().to(manage::update))
        // Only these two: other paths under a pledge belong to other pages (periods).
        .route("/pledges/{id}/{action:open|close}", web::post().to(manage::move_pledge))
        .route("/pledges/{id}/apply", web::get().to(apply::apply_form))
        .route("/pledges/{id}/apply", web::post().to(apply::apply))
        .route("/signatures/{id}", web::get().to(signatures::signature_page))
        .route("/signatures/{id}/{action}", web::post().to(signatures::signature_action));
}

/// Signatories shown per page of a pledge.
const SIGNATORIES_PER_PAGE: i64 = 100;

/// Largest Markdown text of a pledge, in characters.
const TEXT_MAX: usize = 50_000;

/// The user as the pledge rules see them.
fn acting(user: &CurrentUser) -> Acting {
    Acting { role: user.role, org: user.org_id }
}

/// Editors of the issuing association and admins run a pledge.
fn can_manage(user: Option<&CurrentUser>, pledge: &Pledge) -> bool {
    user.is_some_and(|u| acting(u).manages(pledge.organization_id))
}

/// The facts of a signature's moves, as its page was shown (at its version).
fn signature_facts(pledge: &Pledge, sig: &Signature) -> rules::SignatureFacts {
    rules::SignatureFacts {
        pledge: pledge.state,
        issuer: pledge.organization_id,
        signatory: sig.organization_id,
        version: sig.version,
        seen: sig.version,
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
pub(crate) fn require_visible(user: Option<&CurrentUser>, pledge: &Pledge) -> AppResult<()> {
    if rules::sees_pledge(user.map(acting), pledge.state, pledge.organization_id) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The version a form was shown at (a hidden field): anything but a number is a bad request.
fn parse_version(s: &str) -> AppResult<i32> {
    s.trim().parse::<i32>().map_err(|_| AppError::BadRequest("error.400"))
}

impl UserError for PledgeRefusal {
    fn kind(&self) -> RefusalKind {
        match self {
            PledgeRefusal::NotFound => RefusalKind::NotFound,
            PledgeRefusal::Forbidden => RefusalKind::Forbidden,
            PledgeRefusal::IssuerNotAssociation => RefusalKind::Invalid,
            PledgeRefusal::Illegal(_) | PledgeRefusal::Stale => RefusalKind::Stale,
        }
    }

    fn place(&self, lang: Lang, form: &mut Form) {
        let key = match self {
            PledgeRefusal::IssuerNotAssociation => return form.error(lang, "organization_id", "error.pledge.issuer"),
            PledgeRefusal::Illegal(PledgeAction::Edit) => "error.pledge.not_draft",
            PledgeRefusal::Illegal(_) => "error.pledge.illegal",
            PledgeRefusal::Stale => "error.stale",
            PledgeRefusal::NotFound | PledgeRefusal::Forbidden => return,
        };
        form.message = Some(lang.t(key).to_owned());
    }
}

impl UserError for SignatureRefusal {
    fn kind(&self) -> RefusalKind {
        match self {
            SignatureRefusal::NotFound => RefusalKind::NotFound,
            SignatureRefusal::Forbidden => RefusalKind::Forbidden,
            SignatureRefusal::NotOpen
            | SignatureRefusal::Duplicate
            | SignatureRefusal::Illegal
            | SignatureRefusal::Stale => RefusalKind::Stale,
            SignatureRefusal::Reason(..) | SignatureRefusal::Application(_) => RefusalKind::Invalid,
        }
    }

    /// A reason beside the move's reason field; an application's problems
    /// beside their fields; the rest above the form.
    fn place(&self, lang: Lang, form: &mut Form) {
        let key = match self {
            SignatureRefusal::Reason(action, key) => {
                return form.error(lang, &format!("reason_{}", action.as_str()), key)
            }
            SignatureRefusal::Application(problems) => {
                for p in problems {
                    match p {
                        ApplicationProblem::Reason { commitment_id, number, key } => {
                            let label = lang.tf("apply.reason_for", &[("number", number)]);
                            form.error_labelled(&format!("reason_{commitment_id}"), &label, lang.t(key).to_owned())
                        }
                        ApplicationProblem::Commitments(key) => form.error(lang, "commitments", key),
                        ApplicationProblem::Field(name, key) => form.error(lang, name, key),
                    }
                }
                return;
            }
            SignatureRefusal::NotOpen => "error.pledge.not_open",
            SignatureRefusal::Duplicate => "error.signature.duplicate",
            SignatureRefusal::Illegal => "error.signature.illegal",
            SignatureRefusal::Stale => "error.stale",
            SignatureRefusal::NotFound | SignatureRefusal::Forbidden => return,
        };
        form.message = Some(lang.t(key).to_owned());
    }
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

fn event_what(lang: Lang, from: Option<SignatureState>, to: SignatureState) -> String {
    let key = match (from, to) {
        (Some(SignatureState::Suspended), SignatureState::Verified) => "signature.event.reinstated",
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
    let state = s.sig.state;
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
                what: event_what(lang, e.from(), e.to()),
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
        org_kind: lang.t(s.org.kind.label_key()).to_owned(),
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
