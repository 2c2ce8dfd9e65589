//! A standard's page: details, badge, versions, public comment form, review, actions, timeline.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::events;
use super::{badge, check_visible, date, link_view, may_edit, org_name, person, sees, version_label, Badge, LinkView};
use crate::auth::CurrentUser;
use crate::db::standards::{self as sdb, Detail};
use crate::domain::clauses;
use crate::domain::standard::{offered, CommentKind, Facts, ReviewPosition, StandardAction, StandardState};
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::i18n::{beijing_today, Lang};
use crate::web::flow::Id;
use crate::web::forms::Form;
use crate::web::{render_status, viewer, AppState, Ctx};

/// An action the current user may take now, for the page's action panel.
pub struct ActionView {
    pub code: &'static str,
    pub needs_note: bool,
    pub needs_window: bool,
}

/// The released text shown on a published standard's page.
pub struct TextView {
    pub n: i32,
    pub label: String,
    pub html: String,
}

pub struct EventView {
    pub at: String,
    /// The same moment for machines (UTC, ISO 8601).
    pub at_iso: String,
    pub org: String,
    pub action: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "standards/show.html")]
struct ShowPage {
    ctx: Ctx,
    d: Detail,
    title: String,
    badge: Badge,
    proposer: String,
    lead: String,
    codrafters: Vec<String>,
    replaces: Option<LinkView>,
    replaced_by: Vec<LinkView>,
    revision_of: Option<LinkView>,
    revisions: Vec<LinkView>,
    events: Vec<EventView>,
    period_open: bool,
    period_text: String,
    /// Published standards: the text in force, rendered.
    text: Option<TextView>,
    comment_form: Form,
    kinds: [CommentKind; 3],
    actions: Vec<ActionView>,
    action_form: Form,
    can_edit: bool,
    can_upload: bool,
    can_publish_details: bool,
    can_cast: bool,
    positions: [ReviewPosition; 3],
    publication_form: Form,
    position_form: Form,
    undisposed: Vec<i32>,
    follow: crate::web::watch::FollowView,
}

/// Every action the domain offers this user on `s` now: its state, the
/// user's role and organization, and whether it is in force.
fn available_actions(user: Option<&CurrentUser>, d: &Detail, today: NaiveDate) -> Vec<ActionView> {
    let Some(user) = user else { return Vec::new() };
    let s = &d.std;
    let facts = Facts { period: d.period.as_ref().map(|p| p.period()), ..s.facts(today) };
    StandardAction::ALL
        .into_iter()
        .filter(|a| offered(s.state, *a, Some(person(user)), &facts).is_ok())
        .map(|a| ActionView {
            code: a.as_str(),
            needs_note: a.needs_note(),
            needs_window: a == StandardAction::OpenComment,
        })
        .collect()
}

pub(super) struct ShowForms {
    pub(super) comment: Form,
    pub(super) action: Form,
    pub(super) publication: Form,
    pub(super) position: Form,
    pub(super) undisposed: Vec<i32>,
}

impl Default for ShowForms {
    fn default() -> Self {
        ShowForms {
            comment: Form::new().with("kind", "general"),
            action: Form::new(),
            publication: Form::new(),
            position: Form::new(),
            undisposed: Vec::new(),
        }
    }
}

pub(super) async fn show_page(
    state: &AppState,
    ctx: Ctx,
    user: Option<CurrentUser>,
    id: i64,
    mut forms: ShowForms,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let d = state.db(move |c| Ok(sdb::detail(c, id)?)).await?.ok_or(AppError::NotFound)?;
    check_visible(&ctx, &d.std)?;
    let lang = ctx.lang;
    let today = beijing_today();
    let badge = badge(lang, &d, today);
    let period_open =
        d.std.state == StandardState::PublicComment && d.period.as_ref().is_some_and(|p| p.is_open(today));
    let period_text = match &d.period {
        Some(p) => lang.tf("std.period.range", &[("start", &date(lang, p.starts_on)), ("end", &date(lang, p.ends_on))]),
        None => String::new(),
    };
    let asked = forms.comment.v("version_n").parse::<i32>().ok();
    if !d.versions.iter().any(|v| Some(v.n) == asked) {
        if let Some(v) = d.versions.last() {
            forms.comment.set("version_n", &v.n.to_string());
        }
    }
    if forms.publication.v("number").is_empty() {
        if let Some(n) = &d.std.number {
            forms.publication.set("number", n);
        }
        if let Some(r) = d.std.release_date {
            forms.publication.set("release_date", &r.to_string());
        }
        if let Some(i) = d.std.implementation_date {
            forms.publication.set("implementation_date", &i.to_string());
        }
    }
    let actions = available_actions(user.as_ref(), &d, today);
    let follow =
        crate::web::watch::follow_view(state, user.as_ref(), crate::domain::watch::Followed::Standard, id).await?;
    let can_edit = user.as_ref().is_some_and(|u| may_edit(u, &d.std)) && d.std.state.metadata_editable();
    let can_upload = user.as_ref().is_some_and(|u| may_edit(u, &d.std)) && d.std.state.accepts_versions();
    let can_publish_details =
        user.as_ref().is_some_and(|u| may_edit(u, &d.std)) && d.std.state == StandardState::SubmittedForApproval;
    let can_cast =
        user.as_ref().is_some_and(|u| u.role.allows(Role::Reviewer)) && d.std.state == StandardState::TechnicalReview;
    // Linked standards the viewer may not see (a revision still proposed) are left out.
    let shown = |l: &&sdb::Link| sees(&ctx, l.state, l.proposing_org_id, l.lead_org_id);
    let link = |l: Option<&sdb::Link>| l.filter(shown).map(|l| link_view(lang, l));
    let page = ShowPage {
        title: if lang == Lang::En { d.std.title_en.clone() } else { d.std.title_zh.clone() },
        badge,
        proposer: org_name(lang, d.org(d.std.proposing_org_id)),
        lead: org_name(lang, d.org(d.std.lead_org_id)),
        codrafters: d.codrafters.iter().map(|o| org_name(lang, d.org(*o))).collect(),
        replaces: link(d.replaces()),
        replaced_by: d.replaced_by().into_iter().filter(shown).map(|l| link_view(lang, l)).collect(),
        revision_of: link(d.revision_of()),
        revisions: d.revisions().into_iter().filter(shown).map(|l| link_view(lang, l)).collect(),
        events: d
            .events
            .iter()
            .map(|e| {
                let w = events::wording(lang, &e.action, e.to_state, &e.note);
                EventView {
                    at: lang.datetime(e.at),
                    at_iso: e.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    org: if lang == Lang::En { e.org_name_en.clone() } else { e.org_name_zh.clone() }
                        .unwrap_or_else(|| lang.t("audit.system").to_owned()),
                    action: w.action,
                    note: w.note,
                }
            })
            .collect(),
        period_open,
        period_text,
        text: d.text.as_ref().map(|v| TextView {
            n: v.n,
            label: version_label(lang, v.label),
            html: crate::web::markdown::render_with_headings(&v.body_md, |t| {
                clauses::heading_number(t).map(|n| (format!("clause-{n}"), String::new()))
            }),
        }),
        comment_form: std::mem::take(&mut forms.comment),
        kinds: CommentKind::ALL,
        actions,
        action_form: std::mem::take(&mut forms.action),
        can_edit,
        can_upload,
        can_publish_details,
        can_cast,
        positions: ReviewPosition::ALL,
        publication_form: std::mem::take(&mut forms.publication),
        position_form: std::mem::take(&mut forms.position),
        undisposed: std::mem::take(&mut forms.undisposed),
        follow,
        d,
        ctx,
    };
    render_status(status, &page)
}

/// `?clause=5.2&v=2`: the comment form starts on that clause of that version
/// (the links beside each clause of a version's page).
#[derive(Deserialize, serde::Serialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    clause: String,
    #[serde(default)]
    v: String,
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<Id>,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    let id = id.get();
    let user = viewer(&ctx);
    let mut forms = ShowForms::default();
    let clause = clauses::normalise_ref(&q.clause.chars().take(100).collect::<String>());
    if !clause.is_empty() {
        forms.comment.set("clause_ref", &clause);
    }
    if let Ok(v) = q.v.trim().parse::<i32>() {
        forms.comment.set("version_n", &v.to_string());
    }
    let st = &state;
    let reads = q.into_inner();
    state.pages.through(&state, &ctx, &reads, |c| show_page(st, c, user, id, forms, StatusCode::OK)).await
}
