//! Standards: public list, pages, versions, comparison, public comment and the
//! disposition table; the editors' and reviewers' workflow.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use super::diffview::{pieces, PieceView};
use super::export::{csv_response, xlsx_response, Table};
use super::files::{file_response, read_multipart, sniff_document, UploadLimits};
use super::forms::Form;
use super::{parse_id, query_base, redirect_with_flash, render, render_status, viewer, AppState, Ctx, Pager};
use crate::auth::{require_role, CurrentUser};
use crate::db::attachments::NewAttachment;
use crate::db::orgs::{self, Org};
use crate::db::standards::{
    self as sdb, ActionInput, Comment, CommentRefused, Detail, DispositionCounts, ListFilter, ListRow, Metadata,
    NewComment, StdError,
};
use crate::domain::clauses::{self, ClauseDiff};
use crate::domain::standard::{
    transition, CommentKind, CommentWindow, Disposition, Publication, ReviewPosition, StandardAction, StandardKind,
    StandardState, Standing, VersionLabel,
};
use crate::domain::{text, Email, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::{beijing_today, Lang};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/standards", web::get().to(list))
        .route("/standards", web::post().to(create))
        .route("/standards/new", web::get().to(new_form))
        .route("/standards/{id}", web::get().to(show))
        .route("/standards/{id}/edit", web::get().to(edit_form))
        .route("/standards/{id}/edit", web::post().to(update))
        .route("/standards/{id}/actions/{action}", web::post().to(act))
        .route("/standards/{id}/publication", web::post().to(publication))
        .route("/standards/{id}/positions", web::post().to(position))
        .route("/standards/{id}/versions/new", web::get().to(version_form))
        .route("/standards/{id}/versions", web::post().to(version_upload))
        .route("/standards/{id}/versions/{n}", web::get().to(version_show))
        .route("/standards/{id}/versions/{n}/attachments/{aid}", web::get().to(attachment))
        .route("/standards/{id}/compare", web::get().to(compare))
        .route("/standards/{id}/comments", web::get().to(comments))
        .route("/standards/{id}/comments", web::post().to(comment_submit))
        .route("/standards/{id}/comments.csv", web::get().to(comments_csv))
        .route("/standards/{id}/comments.xlsx", web::get().to(comments_xlsx))
        .route("/standards/{id}/comments/{seq}", web::get().to(comment_show))
        .route("/standards/{id}/comments/{seq}/disposition", web::post().to(dispose))
        .route("/feeds/standards.atom", web::get().to(feed));
}

pub const PER_PAGE: i64 = 20;
/// Attachments: at most this many bytes each.
pub const MAX_ATTACHMENT: usize = 20 * 1024 * 1024;
/// A version's Markdown text: at most this many bytes.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

fn is_staff(ctx: &Ctx) -> bool {
    matches!(ctx.role(), Some(Role::Editor | Role::Reviewer | Role::Admin))
}

/// Editors of the lead drafting or proposing organization, and admins.
fn may_edit(user: &CurrentUser, s: &sdb::Standard) -> bool {
    user.role == Role::Admin
        || (user.role == Role::Editor && (user.org_id == s.lead_org_id || user.org_id == s.proposing_org_id))
}

fn require_editor_of(user: &CurrentUser, s: &sdb::Standard) -> AppResult<()> {
    if may_edit(user, s) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Proposals and rejected ones are not public: 404 for everyone but staff.
fn check_visible(ctx: &Ctx, s: &sdb::Standard) -> AppResult<()> {
    if s.state().is_public() || is_staff(ctx) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

fn std_error(e: StdError) -> AppError {
    match e {
        StdError::NotFound => AppError::NotFound,
        StdError::Conflict => AppError::Conflict("error.409"),
        StdError::Transition(t) => {
            if t == crate::domain::standard::TransitionError::WrongRole {
                AppError::Forbidden
            } else {
                AppError::Conflict("error.std.transition")
            }
        }
        StdError::Db(e) => AppError::from(e),
        StdError::Invalid(_) | StdError::Undisposed(_) => AppError::BadRequest("error.422"),
    }
}

pub fn org_name(lang: Lang, o: Option<&Org>) -> String {
    match o {
        Some(o) if lang == Lang::En => o.name_en.clone(),
        Some(o) => o.name_zh.clone(),
        None => String::new(),
    }
}

/// The badge of a standing and its one-line reason.
pub struct Badge {
    pub code: &'static str,
    pub label: String,
    pub why: String,
}

fn date(lang: Lang, d: NaiveDate) -> String {
    lang.plain_date(d)
}

pub fn badge(lang: Lang, s: &sdb::Standard, period: Option<&sdb::Period>, positions: usize, today: NaiveDate) -> Badge {
    let standing = s.standing(today);
    let code = standing.code();
    let label = lang.t(&format!("std.state.{code}")).to_owned();
    let why = match standing {
        Standing::InForce => {
            lang.tf("std.why.in_force", &[("date", &s.implementation_date.map(|d| date(lang, d)).unwrap_or_default())])
        }
        Standing::Upcoming => lang.tf(
            "std.why.upcoming",
            &[
                ("release", &s.release_date.map(|d| date(lang, d)).unwrap_or_default()),
                ("date", &s.implementation_date.map(|d| date(lang, d)).unwrap_or_default()),
            ],
        ),
        Standing::State(StandardState::PublicComment) => match period {
            Some(p) if today < p.starts_on => {
                lang.tf("std.why.comment_soon", &[("start", &date(lang, p.starts_on)), ("end", &date(lang, p.ends_on))])
            }
            Some(p) if today <= p.ends_on => lang.tf("std.why.comment_open", &[("end", &date(lang, p.ends_on))]),
            Some(p) => lang.tf("std.why.comment_ended", &[("end", &date(lang, p.ends_on))]),
            None => lang.t("std.why.public_comment").to_owned(),
        },
        Standing::State(StandardState::TechnicalReview) => {
            lang.tf("std.why.technical_review", &[("n", &positions.to_string())])
        }
        Standing::State(StandardState::Withdrawn) => {
            lang.tf("std.why.withdrawn", &[("date", &s.withdrawn_date.map(|d| date(lang, d)).unwrap_or_default())])
        }
        Standing::State(st) => lang.t(&format!("std.why.{}", st.as_str())).to_owned(),
    };
    Badge { code, label, why }
}

// ------------------------------------------------------------------ list

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
    let status_codes: Vec<&'static str> = {
        let mut v: Vec<&'static str> = vec!["in_force", "published"];
        v.extend(
            StandardState::ALL
                .iter()
                .filter(|s| **s != StandardState::Published && (staff || s.is_public()))
                .map(|s| s.as_str()),
        );
        v
    };
    let mut filter =
        ListFilter { q: q.q.chars().take(100).collect(), include_unapproved: staff, ..ListFilter::default() };
    if !q.status.is_empty() {
        match status_codes.iter().find(|s| **s == q.status) {
            Some(s) => filter.status = Some((*s).to_owned()),
            None => form.error(lang, "status", "error.std.filter"),
        }
    }
    if !q.kind.is_empty() {
        filter.kind = form.check(lang, "kind", StandardKind::parse(&q.kind)).map(|k| k.as_str().to_owned());
    }
    if !q.year.is_empty() {
        filter.year = form.check(
            lang,
            "year",
            q.year.trim().parse::<i32>().ok().filter(|y| (1990..=2200).contains(y)).ok_or("error.std.filter"),
        );
    }
    if !q.org.is_empty() {
        filter.org_id = form.check(lang, "org", q.org.trim().parse::<i64>().map_err(|_| "error.std.filter"));
    }
    let offset = Pager::offset(q.page, PER_PAGE);
    let org_id = filter.org_id;
    // Totals are kept per filter while the data (and the date) stay the same.
    let count_key =
        format!("{}|{:?}|{:?}|{:?}|{:?}|{}", filter.q, filter.status, filter.kind, filter.year, filter.org_id, staff);
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

// ------------------------------------------------------------------ detail

/// An action the current user may take now, for the page's action panel.
pub struct ActionView {
    pub code: &'static str,
    pub needs_note: bool,
    pub needs_window: bool,
}

pub struct EventView {
    pub at: NaiveDateTime,
    pub org: String,
    pub action: String,
    pub note: String,
}

pub struct LinkView {
    pub id: i64,
    pub label: String,
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
}

fn link_view(lang: Lang, l: &sdb::Link) -> LinkView {
    let title = if lang == Lang::En { &l.title_en } else { &l.title_zh };
    LinkView {
        id: l.id,
        label: match &l.number {
            Some(n) => format!("{n} {title}"),
            None => title.clone(),
        },
    }
}

fn event_label(lang: Lang, action: &str) -> String {
    let key = format!("std.event.{action}");
    match lang.t(&key) {
        t if t == key => action.to_owned(),
        t => t.to_owned(),
    }
}

/// Every action the user may take on `s` now.
fn available_actions(user: Option<&CurrentUser>, s: &sdb::Standard) -> Vec<ActionView> {
    let Some(user) = user else { return Vec::new() };
    StandardAction::ALL
        .into_iter()
        .filter(|a| *a != StandardAction::Supersede)
        .filter(|a| {
            transition(s.state(), *a, Some(user.role), Some(crate::domain::standard::ReviewOutcome::Passed)).is_ok()
        })
        .filter(|a| a.actor() != Some(Role::Editor) || may_edit(user, s))
        .map(|a| ActionView {
            code: a.as_str(),
            needs_note: a.needs_note(),
            needs_window: a == StandardAction::OpenComment,
        })
        .collect()
}

struct ShowForms {
    comment: Form,
    action: Form,
    publication: Form,
    position: Form,
    undisposed: Vec<i32>,
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

async fn show_page(
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
    let badge = badge(lang, &d.std, d.period.as_ref(), d.positions.len(), today);
    let period_open =
        d.std.state() == StandardState::PublicComment && d.period.as_ref().is_some_and(|p| p.is_open(today));
    let period_text = match &d.period {
        Some(p) => lang.tf("std.period.range", &[("start", &date(lang, p.starts_on)), ("end", &date(lang, p.ends_on))]),
        None => String::new(),
    };
    if forms.comment.v("version_n").is_empty() {
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
    let actions = available_actions(user.as_ref(), &d.std);
    let can_edit = user.as_ref().is_some_and(|u| may_edit(u, &d.std)) && d.std.state().metadata_editable();
    let can_upload = user.as_ref().is_some_and(|u| may_edit(u, &d.std)) && d.std.state().accepts_versions();
    let can_publish_details =
        user.as_ref().is_some_and(|u| may_edit(u, &d.std)) && d.std.state() == StandardState::SubmittedForApproval;
    let can_cast =
        user.as_ref().is_some_and(|u| u.role.allows(Role::Reviewer)) && d.std.state() == StandardState::TechnicalReview;
    let link = |l: Option<&sdb::Link>| l.map(|l| link_view(lang, l));
    let page = ShowPage {
        title: if lang == Lang::En { d.std.title_en.clone() } else { d.std.title_zh.clone() },
        badge,
        proposer: org_name(lang, d.org(d.std.proposing_org_id)),
        lead: org_name(lang, d.org(d.std.lead_org_id)),
        codrafters: d.codrafters.iter().map(|o| org_name(lang, d.org(*o))).collect(),
        replaces: link(d.replaces()),
        replaced_by: d.replaced_by().into_iter().map(|l| link_view(lang, l)).collect(),
        revision_of: link(d.revision_of()),
        revisions: d.revisions().into_iter().map(|l| link_view(lang, l)).collect(),
        events: d
            .events
            .iter()
            .map(|e| EventView {
                at: e.at,
                org: if lang == Lang::En { e.org_name_en.clone() } else { e.org_name_zh.clone() }
                    .unwrap_or_else(|| lang.t("audit.system").to_owned()),
                action: event_label(lang, &e.action),
                note: e.note.clone(),
            })
            .collect(),
        period_open,
        period_text,
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
        d,
        ctx,
    };
    render_status(status, &page)
}

pub async fn show(state: web::Data<AppState>, ctx: Ctx, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let user = viewer(&ctx);
    let st = &state;
    state
        .pages
        .through(&state, &ctx, super::pagecache::NO_PARAMS, |c| {
            show_page(st, c, user, id, ShowForms::default(), StatusCode::OK)
        })
        .await
}

// ------------------------------------------------------------------ proposal and metadata

#[derive(Deserialize, Default, Clone)]
pub struct MetaInput {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title_zh: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    proposing_org_id: String,
    #[serde(default)]
    lead_org_id: String,
    /// Co-drafting organizations: ids separated by commas (from the multi-select).
    #[serde(default)]
    codrafters: Vec<String>,
    #[serde(default)]
    ics: String,
    #[serde(default)]
    ccs: String,
    #[serde(default)]
    replaces_id: String,
    #[serde(default)]
    version: String,
}

impl MetaInput {
    fn form(&self) -> Form {
        let mut f = Form::new()
            .with("kind", &self.kind)
            .with("title_zh", &self.title_zh)
            .with("title_en", &self.title_en)
            .with("scope", &self.scope)
            .with("proposing_org_id", &self.proposing_org_id)
            .with("lead_org_id", &self.lead_org_id)
            .with("ics", &self.ics)
            .with("ccs", &self.ccs)
            .with("replaces_id", &self.replaces_id)
            .with("version", &self.version);
        f.set("codrafters", &self.codrafters.join(","));
        f
    }

    fn parse(&self, lang: Lang) -> Result<Metadata, Form> {
        let mut f = self.form();
        let kind = f.check(lang, "kind", StandardKind::parse(&self.kind));
        let title_zh = f.check(lang, "title_zh", text::bounded(&self.title_zh, true, 200));
        let title_en = f.check(lang, "title_en", text::bounded(&self.title_en, true, 300));
        let scope = f.check(lang, "scope", text::bounded(&self.scope, false, 5000));
        let id = |s: &str| s.trim().parse::<i64>().ok().filter(|n| *n > 0).ok_or("error.org.choose");
        let proposing = f.check(lang, "proposing_org_id", id(&self.proposing_org_id));
        let lead = f.check(lang, "lead_org_id", id(&self.lead_org_id));
        let mut codrafters = Vec::new();
        for c in self.codrafters.iter().filter(|c| !c.trim().is_empty()) {
            match id(c) {
                Ok(n) if !codrafters.contains(&n) => codrafters.push(n),
                Ok(_) => {}
                Err(k) => f.error(lang, "codrafters", k),
            }
        }
        if codrafters.len() > 50 {
            f.error(lang, "codrafters", "error.too_long");
        }
        let ics = f.check(lang, "ics", text::bounded(&self.ics, false, 50));
        let ccs = f.check(lang, "ccs", text::bounded(&self.ccs, false, 50));
        let replaces = if self.replaces_id.trim().is_empty() {
            Some(None)
        } else {
            f.check(lang, "replaces_id", id(&self.replaces_id).map(Some).map_err(|_| "error.std.replaces"))
        };
        if let (Some(l), true) = (lead, codrafters.contains(&lead.unwrap_or(0))) {
            codrafters.retain(|c| *c != l);
        }
        match (kind, title_zh, title_en, scope, proposing, lead, ics, ccs, replaces) {
            (
                Some(kind),
                Some(title_zh),
                Some(title_en),
                Some(scope),
                Some(p),
                Some(l),
                Some(ics),
                Some(ccs),
                Some(r),
            ) if !f.has_errors() => Ok(Metadata {
                kind: kind.as_str(),
                title_zh,
                title_en,
                scope,
                proposing_org_id: p,
                lead_org_id: l,
                codrafters,
                ics,
                ccs,
                replaces_id: r,
            }),
            _ => Err(f),
        }
    }
}

#[derive(Template)]
#[template(path = "standards/form.html")]
struct MetaPage {
    ctx: Ctx,
    form: Form,
    orgs: Vec<Org>,
    replaceable: Vec<LinkView>,
    kinds: [StandardKind; 2],
    standard_id: Option<i64>,
}

impl MetaPage {
    fn has_codrafter(&self, id: &i64) -> bool {
        self.form.v("codrafters").split(',').any(|c| c == id.to_string())
    }
}

async fn meta_page(
    state: &AppState,
    ctx: Ctx,
    form: Form,
    standard_id: Option<i64>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let (orgs, replaceable) = state.db(|c| Ok((orgs::all(c)?, sdb::replaceable(c)?))).await?;
    let replaceable = replaceable.iter().filter(|l| Some(l.id) != standard_id).map(|l| link_view(lang, l)).collect();
    render_status(status, &MetaPage { ctx, form, orgs, replaceable, kinds: StandardKind::ALL, standard_id })
}

pub async fn new_form(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    require_role(&user, Role::Editor)?;
    let org = user.org_id.to_string();
    let form = Form::new().with("kind", "local").with("proposing_org_id", &org).with("lead_org_id", &org);
    meta_page(&state, ctx, form, None, StatusCode::OK).await
}

/// Parse a urlencoded body that may repeat keys (multi-selects).
fn parse_meta(body: &web::Bytes) -> AppResult<MetaInput> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|_| AppError::BadRequest("error.form_encoding"))?;
    let mut m = MetaInput::default();
    for (k, v) in pairs {
        match k.as_str() {
            "kind" => m.kind = v,
            "title_zh" => m.title_zh = v,
            "title_en" => m.title_en = v,
            "scope" => m.scope = v,
            "proposing_org_id" => m.proposing_org_id = v,
            "lead_org_id" => m.lead_org_id = v,
            "codrafters" => m.codrafters.push(v),
            "ics" => m.ics = v,
            "ccs" => m.ccs = v,
            "replaces_id" => m.replaces_id = v,
            "version" => m.version = v,
            _ => {}
        }
    }
    Ok(m)
}

fn apply_field_errors(lang: Lang, form: &mut Form, errors: &[(&'static str, &'static str)]) {
    for (field, key) in errors {
        form.error(lang, field, key);
    }
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    require_role(&user, Role::Editor)?;
    let lang = ctx.lang;
    let input = parse_meta(&body)?;
    let m = match input.parse(lang) {
        Ok(m) => m,
        Err(form) => return meta_page(&state, ctx, form, None, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    // Editors propose for their own association; admins for anyone.
    if user.role != Role::Admin && m.proposing_org_id != user.org_id && m.lead_org_id != user.org_id {
        let mut form = input.form();
        form.error(lang, "lead_org_id", "error.std.own_org");
        return meta_page(&state, ctx, form, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = user.actor();
    let today = beijing_today();
    let result = state
        .tx(move |c| match sdb::create(c, actor, &m, None, today) {
            Ok(id) => Ok(Ok(id)),
            Err(StdError::Invalid(e)) => Ok(Err(e)),
            Err(e) => Err(std_error(e)),
        })
        .await?;
    match result {
        Ok(id) => Ok(redirect_with_flash(&format!("/standards/{id}"), "flash.std.proposed")),
        Err(errors) => {
            let mut form = input.form();
            apply_field_errors(lang, &mut form, &errors);
            meta_page(&state, ctx, form, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn edit_form(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let (s, codrafters) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            Ok((s, sdb::codrafters(c, id)?))
        })
        .await?;
    require_editor_of(&user, &s)?;
    if !s.state().metadata_editable() {
        return Err(AppError::Conflict("error.std.transition"));
    }
    let input = MetaInput {
        kind: s.kind.clone(),
        title_zh: s.title_zh.clone(),
        title_en: s.title_en.clone(),
        scope: s.scope.clone(),
        proposing_org_id: s.proposing_org_id.to_string(),
        lead_org_id: s.lead_org_id.to_string(),
        codrafters: codrafters.iter().map(|c| c.to_string()).collect(),
        ics: s.ics.clone(),
        ccs: s.ccs.clone(),
        replaces_id: s.replaces_id.map(|r| r.to_string()).unwrap_or_default(),
        version: s.version.to_string(),
    };
    meta_page(&state, ctx, input.form(), Some(id), StatusCode::OK).await
}

pub async fn update(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    let s = state.db(move |c| sdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    require_editor_of(&user, &s)?;
    let input = parse_meta(&body)?;
    let expected: i32 = input.version.trim().parse().map_err(|_| AppError::BadRequest("error.400"))?;
    let m = match input.parse(lang) {
        Ok(m) => m,
        Err(form) => return meta_page(&state, ctx, form, Some(id), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let actor = user.actor();
    let result = state
        .tx(move |c| match sdb::update(c, actor, id, expected, &m) {
            Ok(()) => Ok(Ok(())),
            Err(StdError::Invalid(e)) => Ok(Err(e)),
            Err(e) => Err(std_error(e)),
        })
        .await?;
    match result {
        Ok(()) => Ok(redirect_with_flash(&format!("/standards/{id}"), "flash.std.saved")),
        Err(errors) => {
            let mut form = input.form();
            apply_field_errors(lang, &mut form, &errors);
            meta_page(&state, ctx, form, Some(id), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

// ------------------------------------------------------------------ workflow

#[derive(Deserialize, Default)]
pub struct ActInput {
    #[serde(default)]
    version: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
}

pub async fn act(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    input: web::Form<ActInput>,
) -> AppResult<HttpResponse> {
    let (id, action) = path.into_inner();
    let id = parse_id(&id)?;
    let action =
        StandardAction::parse(&action).filter(|a| *a != StandardAction::Supersede).ok_or(AppError::NotFound)?;
    let lang = ctx.lang;
    let s = state.db(move |c| sdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    check_visible(&ctx, &s)?;
    // Role first (403), then organization for editors' actions.
    match action.actor() {
        Some(r) => require_role(&user, r)?,
        None => return Err(AppError::Forbidden),
    }
    if action.actor() == Some(Role::Editor) {
        require_editor_of(&user, &s)?;
    }
    let expected: i32 = input.version.trim().parse().map_err(|_| AppError::Conflict("error.409"))?;
    let today = beijing_today();
    let mut form = Form::new()
        .with("note", &input.note)
        .with("starts_on", &input.starts_on)
        .with("ends_on", &input.ends_on)
        .with("action", action.as_str());
    let note = match text::bounded(&input.note, false, 5000) {
        Ok(n) => n,
        Err(k) => {
            form.error(lang, "note", k);
            String::new()
        }
    };
    let window = if action == StandardAction::OpenComment {
        match CommentWindow::new(s.kind(), &input.starts_on, &input.ends_on, today) {
            Ok(w) => Some(w),
            Err(errors) => {
                apply_field_errors(lang, &mut form, &errors);
                None
            }
        }
    } else {
        None
    };
    if form.has_errors() {
        let forms = ShowForms { action: form, ..ShowForms::default() };
        return show_page(&state, ctx, Some(user), id, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = user.actor();
    let role = user.role;
    let action_input = ActionInput { note, window };
    let result = state
        .tx(move |c| match sdb::act(c, actor, role, id, expected, action, &action_input, today) {
            Ok(done) => Ok(Ok(done)),
            Err(e @ (StdError::Invalid(_) | StdError::Undisposed(_))) => Ok(Err(e)),
            Err(e) => Err(std_error(e)),
        })
        .await?;
    match result {
        Ok(done) => {
            let flash = match (action, done.review) {
                (StandardAction::CloseReview, Some(crate::domain::standard::ReviewOutcome::Passed)) => {
                    "flash.std.review_passed"
                }
                (StandardAction::CloseReview, _) => "flash.std.review_failed",
                (StandardAction::StartRevision, _) => "flash.std.revision_started",
                _ => "flash.std.action_done",
            };
            let target = match done.new_project {
                Some(new_id) => format!("/standards/{new_id}"),
                None => format!("/standards/{id}"),
            };
            Ok(redirect_with_flash(&target, flash))
        }
        Err(StdError::Undisposed(seqs)) => {
            form.message = Some(lang.tf(
                "error.std.undisposed",
                &[("list", &seqs.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("、"))],
            ));
            let forms = ShowForms { action: form, undisposed: seqs, ..ShowForms::default() };
            show_page(&state, ctx, Some(user), id, forms, StatusCode::CONFLICT).await
        }
        Err(StdError::Invalid(errors)) => {
            apply_field_errors(lang, &mut form, &errors);
            if let Some((_, k)) = errors.first() {
                form.message = Some(lang.t(k).to_owned());
            }
            let forms = ShowForms { action: form, ..ShowForms::default() };
            show_page(&state, ctx, Some(user), id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(std_error(e)),
    }
}

#[derive(Deserialize, Default)]
pub struct PublicationInput {
    #[serde(default)]
    version: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    release_date: String,
    #[serde(default)]
    implementation_date: String,
}

pub async fn publication(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<PublicationInput>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    let s = state.db(move |c| sdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    require_role(&user, Role::Editor)?;
    require_editor_of(&user, &s)?;
    let expected: i32 = input.version.trim().parse().map_err(|_| AppError::Conflict("error.409"))?;
    let mut form = Form::new()
        .with("number", &input.number)
        .with("release_date", &input.release_date)
        .with("implementation_date", &input.implementation_date);
    let p = match Publication::new(s.kind(), &input.number, &input.release_date, &input.implementation_date) {
        Ok(p) => p,
        Err(errors) => {
            apply_field_errors(lang, &mut form, &errors);
            let forms = ShowForms { publication: form, ..ShowForms::default() };
            return show_page(&state, ctx, Some(user), id, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let actor = user.actor();
    let result = state
        .tx(move |c| match sdb::set_publication(c, actor, id, expected, &p) {
            Ok(()) => Ok(Ok(())),
            Err(StdError::Invalid(e)) => Ok(Err(e)),
            Err(e) => Err(std_error(e)),
        })
        .await?;
    match result {
        Ok(()) => Ok(redirect_with_flash(&format!("/standards/{id}"), "flash.std.publication_saved")),
        Err(errors) => {
            apply_field_errors(lang, &mut form, &errors);
            let forms = ShowForms { publication: form, ..ShowForms::default() };
            show_page(&state, ctx, Some(user), id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct PositionInput {
    #[serde(default)]
    position: String,
    #[serde(default)]
    opinion: String,
}

pub async fn position(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<PositionInput>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    require_role(&user, Role::Reviewer)?;
    let lang = ctx.lang;
    let mut form = Form::new().with("position", &input.position).with("opinion", &input.opinion);
    let pos = form.check(lang, "position", ReviewPosition::parse(&input.position));
    let opinion = form.check(lang, "opinion", text::bounded(&input.opinion, false, 5000));
    let (Some(pos), Some(opinion)) = (pos, opinion) else {
        let forms = ShowForms { position: form, ..ShowForms::default() };
        return show_page(&state, ctx, Some(user), id, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let actor = user.actor();
    let reviewer = user.id;
    let result = state
        .tx(move |c| match sdb::cast_position(c, actor, reviewer, id, pos, &opinion) {
            Ok(()) => Ok(Ok(())),
            Err(StdError::Invalid(e)) => Ok(Err(e)),
            Err(e) => Err(std_error(e)),
        })
        .await?;
    match result {
        Ok(()) => Ok(redirect_with_flash(&format!("/standards/{id}"), "flash.std.position_cast")),
        Err(errors) => {
            apply_field_errors(lang, &mut form, &errors);
            let forms = ShowForms { position: form, ..ShowForms::default() };
            show_page(&state, ctx, Some(user), id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

// ------------------------------------------------------------------ versions

#[derive(Template)]
#[template(path = "standards/version_form.html")]
struct VersionFormPage {
    ctx: Ctx,
    form: Form,
    id: i64,
    title: String,
    labels: [VersionLabel; 4],
    max_mib: usize,
}

async fn version_form_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: i64,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let s = state.db(move |c| sdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    require_editor_of(user, &s)?;
    if !s.state().accepts_versions() {
        return Err(AppError::Conflict("error.std.transition"));
    }
    let title = if ctx.lang == Lang::En { s.title_en.clone() } else { s.title_zh.clone() };
    render_status(
        status,
        &VersionFormPage { ctx, form, id, title, labels: VersionLabel::ALL, max_mib: MAX_ATTACHMENT / 1024 / 1024 },
    )
}

pub async fn version_form(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    require_role(&user, Role::Editor)?;
    version_form_page(&state, ctx, &user, id, Form::new().with("label", "comment_draft"), StatusCode::OK).await
}

pub async fn version_upload(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    require_role(&user, Role::Editor)?;
    let lang = ctx.lang;
    let s = state.db(move |c| sdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    require_editor_of(&user, &s)?;
    // Rights checked: now the body, its CSRF token first (see files::MultipartReader).
    let limits = UploadLimits { max_file: MAX_ATTACHMENT, max_text: MAX_BODY, max_files: 5, ..UploadLimits::DEFAULT };
    let up = read_multipart(&req, payload, &state.uploads, "attachments", limits).await?;
    let get = |k: &str| up.fields.get(k).map(String::as_str).unwrap_or("");
    let mut form = Form::new().with("label", get("label")).with("body", get("body")).with("note", get("note"));
    let label = form.check(lang, "label", VersionLabel::parse(get("label")));
    let body = form.check(lang, "body", text::bounded(get("body"), true, MAX_BODY));
    let note = form.check(lang, "note", text::bounded(get("note"), false, 1000));
    let mut files = Vec::new();
    for (name, data) in up.files {
        match sniff_document(&data) {
            Some(ct) => {
                let sha256 = {
                    use sha2::Digest;
                    hex::encode(sha2::Sha256::digest(&data))
                };
                files.push(NewAttachment { filename: name, content_type: ct, data, sha256 });
            }
            None => form.error_text("attachments", lang.tf("error.std.file_type", &[("name", &name)])),
        }
    }
    let (Some(label), Some(body), Some(note), false) = (label, body, note, form.has_errors()) else {
        return version_form_page(&state, ctx, &user, id, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let actor = user.actor();
    let n = state
        .tx(move |c| sdb::add_version(c, actor, id, label.as_str(), &body, &note, &files).map_err(std_error))
        .await?;
    Ok(redirect_with_flash(&format!("/standards/{id}/versions/{n}"), "flash.std.version_added"))
}

#[derive(Template)]
#[template(path = "standards/version.html")]
struct VersionPage {
    ctx: Ctx,
    id: i64,
    title: String,
    n: i32,
    label: String,
    created: String,
    note: String,
    body_html: String,
    attachments: Vec<crate::db::attachments::AttachmentMeta>,
    versions: Vec<i32>,
}

impl VersionPage {
    fn is_n(&self, v: &i32) -> bool {
        *v == self.n
    }
}

fn version_label(lang: Lang, code: &str) -> String {
    lang.t(&format!("std.label.{code}")).to_owned()
}

pub async fn version_show(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, n) = path.into_inner();
    let id = parse_id(&id)?;
    let n: i32 = n.parse().map_err(|_| AppError::NotFound)?;
    let (s, v, attachments, versions) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            let v = sdb::version(c, id, n)?.ok_or(AppError::NotFound)?;
            let a = crate::db::attachments::attachments_of(c, "standard_version", v.id)?;
            let vs = sdb::detail_versions(c, id)?;
            Ok((s, v, a, vs))
        })
        .await?;
    check_visible(&ctx, &s)?;
    let lang = ctx.lang;
    render(&VersionPage {
        id,
        title: if lang == Lang::En { s.title_en.clone() } else { s.title_zh.clone() },
        n: v.n,
        label: version_label(lang, &v.label),
        created: lang.datetime(v.created_at),
        note: v.note.clone(),
        body_html: super::markdown::render(&v.body_md),
        attachments,
        versions,
        ctx,
    })
}

pub async fn attachment(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<(String, String, String)>,
) -> AppResult<HttpResponse> {
    let (id, n, aid) = path.into_inner();
    let id = parse_id(&id)?;
    let n: i32 = n.parse().map_err(|_| AppError::NotFound)?;
    let aid = parse_id(&aid)?;
    let (s, file) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            let v = sdb::version(c, id, n)?.ok_or(AppError::NotFound)?;
            Ok((s, crate::db::attachments::attachment(c, "standard_version", v.id, aid)?))
        })
        .await?;
    check_visible(&ctx, &s)?;
    let (meta, data) = file.ok_or(AppError::NotFound)?;
    Ok(file_response(&meta.filename, &meta.content_type, data))
}

#[derive(Deserialize)]
pub struct CompareQuery {
    from: Option<String>,
    to: Option<String>,
}

pub struct ClauseView {
    pub number: String,
    pub change: &'static str,
    pub change_label: String,
    pub heading: Vec<PieceView>,
    pub body: Vec<PieceView>,
}

#[derive(Template)]
#[template(path = "standards/compare.html")]
struct ComparePage {
    ctx: Ctx,
    id: i64,
    title: String,
    from: i32,
    to: i32,
    versions: Vec<i32>,
    clauses: Vec<ClauseView>,
    changed: usize,
}

impl ComparePage {
    fn is_from(&self, v: &i32) -> bool {
        *v == self.from
    }

    fn is_to(&self, v: &i32) -> bool {
        *v == self.to
    }
}

pub async fn compare(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<String>,
    q: web::Query<CompareQuery>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let parse = |s: &Option<String>| -> AppResult<Option<i32>> {
        match s.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => v.parse::<i32>().map(Some).map_err(|_| AppError::BadRequest("error.std.compare")),
        }
    };
    let (from, to) = (parse(&q.from)?, parse(&q.to)?);
    let (s, versions) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            Ok((s, sdb::detail_versions(c, id)?))
        })
        .await?;
    check_visible(&ctx, &s)?;
    let last = versions.last().copied().ok_or(AppError::NotFound)?;
    let to = to.unwrap_or(last);
    let from = from.unwrap_or_else(|| versions.iter().rev().find(|n| **n < to).copied().unwrap_or(to));
    let (old, new) = state.db(move |c| Ok((sdb::version(c, id, from)?, sdb::version(c, id, to)?))).await?;
    let (Some(old), Some(new)) = (old, new) else { return Err(AppError::NotFound) };
    let lang = ctx.lang;
    let diffs: Vec<ClauseDiff> = clauses::compare(&old.body_md, &new.body_md);
    let changed = diffs.iter().filter(|d| d.change != clauses::Change::Unchanged).count();
    let clauses = diffs
        .into_iter()
        .map(|d| ClauseView {
            number: d.number,
            change: d.change.as_str(),
            change_label: lang.t(&format!("std.change.{}", d.change.as_str())).to_owned(),
            heading: pieces(d.heading),
            body: pieces(d.body),
        })
        .collect();
    render(&ComparePage {
        id,
        title: if lang == Lang::En { s.title_en.clone() } else { s.title_zh.clone() },
        from,
        to,
        versions,
        clauses,
        changed,
        ctx,
    })
}

// ------------------------------------------------------------------ public comments

#[derive(Deserialize, Default)]
pub struct CommentInput {
    #[serde(default)]
    version_n: String,
    #[serde(default)]
    clause_ref: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    proposed_change: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    email: String,
    /// Honeypot: hidden from people; bots fill it in.
    #[serde(default)]
    website: String,
}

pub const MAX_COMMENT: usize = 5000;

pub async fn comment_submit(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<String>,
    input: web::Form<CommentInput>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    let user = viewer(&ctx);
    let mut form = Form::new()
        .with("version_n", &input.version_n)
        .with("clause_ref", &input.clause_ref)
        .with("kind", &input.kind)
        .with("body", &input.body)
        .with("proposed_change", &input.proposed_change)
        .with("name", &input.name)
        .with("organization", &input.organization)
        .with("email", &input.email);
    if !input.website.is_empty() {
        // A bot: answer as if accepted, store nothing.
        return Ok(redirect_with_flash(&format!("/standards/{id}"), "flash.std.comment_received"));
    }
    let version_n =
        form.check(lang, "version_n", input.version_n.trim().parse::<i32>().map_err(|_| "error.std.version_choose"));
    let clause_ref = form.check(lang, "clause_ref", text::bounded(&input.clause_ref, false, 100));
    let kind = form.check(lang, "kind", CommentKind::parse(&input.kind));
    let body = form.check(lang, "body", text::bounded(&input.body, true, MAX_COMMENT));
    let proposed = form.check(lang, "proposed_change", text::bounded(&input.proposed_change, false, MAX_COMMENT));
    let name = form.check(lang, "name", text::bounded(&input.name, true, 100));
    let org = form.check(lang, "organization", text::bounded(&input.organization, true, 200));
    let email = form.check(lang, "email", Email::parse(&input.email));
    let (Some(version_n), Some(clause_ref), Some(kind), Some(body), Some(proposed), Some(name), Some(org), Some(email)) =
        (version_n, clause_ref, kind, body, proposed, name, org, email)
    else {
        let forms = ShowForms { comment: form, ..ShowForms::default() };
        return show_page(&state, ctx, user, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let c = NewComment {
        version_n,
        clause_ref,
        kind: kind.as_str(),
        body,
        proposed_change: proposed,
        name,
        organization: org,
        email: email.as_str().to_owned(),
    };
    let client = ctx.client_ip.clone();
    let today = beijing_today();
    let result = state.tx(move |conn| sdb::add_comment(conn, id, &c, &client, today).map_err(std_error)).await?;
    match result {
        Ok(seq) => Ok(redirect_with_flash(&format!("/standards/{id}/comments/{seq}"), "flash.std.comment_received")),
        Err(refused) => {
            let (status, message) = match refused {
                CommentRefused::Closed(Some(p)) => (
                    StatusCode::CONFLICT,
                    lang.tf(
                        "error.std.period_closed",
                        &[("start", &date(lang, p.starts_on)), ("end", &date(lang, p.ends_on))],
                    ),
                ),
                CommentRefused::Closed(None) => (StatusCode::CONFLICT, lang.t("error.std.no_period").to_owned()),
                CommentRefused::Throttled(until) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    lang.tf("error.std.comment_throttled", &[("time", &lang.time(until))]),
                ),
                CommentRefused::UnknownVersion => {
                    form.error(lang, "version_n", "error.std.version_choose");
                    (StatusCode::UNPROCESSABLE_ENTITY, lang.t("form.has_errors").to_owned())
                }
            };
            form.message = Some(message);
            let forms = ShowForms { comment: form, ..ShowForms::default() };
            show_page(&state, ctx, user, id, forms, status).await
        }
    }
}

/// A comment as the public sees it (never the e-mail).
pub struct CommentView {
    pub seq: i32,
    pub version_n: i32,
    pub clause_ref: String,
    pub kind: String,
    pub body: String,
    pub proposed_change: String,
    pub name: String,
    pub organization: String,
    pub created: String,
    pub disposition: Option<String>,
    pub disposition_label: String,
    pub reason: String,
    /// Only for the standard's editors.
    pub email: Option<String>,
}

fn comment_view(lang: Lang, c: &Comment, show_email: bool) -> CommentView {
    CommentView {
        seq: c.seq,
        version_n: c.version_n,
        clause_ref: c.clause_ref.clone(),
        kind: lang.t(&format!("std.comment_kind.{}", c.kind)).to_owned(),
        body: c.body.clone(),
        proposed_change: c.proposed_change.clone(),
        name: c.name.clone(),
        organization: c.organization.clone(),
        created: lang.datetime(c.created_at),
        disposition: c.disposition.clone(),
        disposition_label: match &c.disposition {
            Some(d) => lang.t(&format!("std.disposition.{d}")).to_owned(),
            None => lang.t("std.disposition.pending").to_owned(),
        },
        reason: c.disposition_reason.clone(),
        email: show_email.then(|| c.email.clone()),
    }
}

#[derive(Template)]
#[template(path = "standards/comments.html")]
struct CommentsPage {
    ctx: Ctx,
    id: i64,
    title: String,
    number: Option<String>,
    comments: Vec<CommentView>,
    counts: DispositionCounts,
    dispositions: [Disposition; 4],
    can_dispose: bool,
    forms: HashMap<i32, Form>,
}

impl CommentsPage {
    fn row_form(&self, seq: &i32) -> Form {
        self.forms.get(seq).cloned().unwrap_or_default()
    }
}

async fn comments_page(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    forms: HashMap<i32, Form>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (s, list, counts) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            Ok((s, sdb::comments_of(c, id)?, sdb::counts(c, id)?))
        })
        .await?;
    check_visible(&ctx, &s)?;
    let lang = ctx.lang;
    let editor = viewer(&ctx).is_some_and(|u| may_edit(&u, &s));
    let can_dispose = editor && s.state() == StandardState::PublicComment;
    render_status(
        status,
        &CommentsPage {
            id,
            title: if lang == Lang::En { s.title_en.clone() } else { s.title_zh.clone() },
            number: s.number.clone(),
            comments: list.iter().map(|c| comment_view(lang, c, editor)).collect(),
            counts,
            dispositions: Disposition::ALL,
            can_dispose,
            forms,
            ctx,
        },
    )
}

pub async fn comments(state: web::Data<AppState>, ctx: Ctx, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    comments_page(&state, ctx, id, HashMap::new(), StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "standards/comment.html")]
struct CommentPage {
    ctx: Ctx,
    id: i64,
    title: String,
    c: CommentView,
}

pub async fn comment_show(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, seq) = path.into_inner();
    let id = parse_id(&id)?;
    let seq: i32 = seq.parse().map_err(|_| AppError::NotFound)?;
    let (s, c) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            Ok((s, sdb::comment(c, id, seq)?.ok_or(AppError::NotFound)?))
        })
        .await?;
    check_visible(&ctx, &s)?;
    let lang = ctx.lang;
    let editor = viewer(&ctx).is_some_and(|u| may_edit(&u, &s));
    render(&CommentPage {
        id,
        title: if lang == Lang::En { s.title_en.clone() } else { s.title_zh.clone() },
        c: comment_view(lang, &c, editor),
        ctx,
    })
}

#[derive(Deserialize, Default)]
pub struct DisposeInput {
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    reason: String,
    /// The disposition the editor saw (empty: none yet).
    #[serde(default)]
    previous: String,
}

pub async fn dispose(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    input: web::Form<DisposeInput>,
) -> AppResult<HttpResponse> {
    let (id, seq) = path.into_inner();
    let id = parse_id(&id)?;
    let seq: i32 = seq.parse().map_err(|_| AppError::NotFound)?;
    require_role(&user, Role::Editor)?;
    let s = state.db(move |c| sdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    require_editor_of(&user, &s)?;
    let lang = ctx.lang;
    let mut form = Form::new().with("disposition", &input.disposition).with("reason", &input.reason);
    let d = form.check(lang, "disposition", Disposition::parse(&input.disposition));
    let reason = form.check(lang, "reason", text::bounded(&input.reason, false, MAX_COMMENT));
    if let (Some(d), Some(r)) = (d, &reason) {
        if d.needs_reason() && r.is_empty() {
            form.error(lang, "reason", "error.std.reason_required");
        }
    }
    let (Some(d), Some(reason), false) = (d, reason, form.has_errors()) else {
        return comments_page(&state, ctx, id, HashMap::from([(seq, form)]), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let previous = Some(input.previous.trim().to_owned()).filter(|p| !p.is_empty());
    let actor = user.actor();
    state.tx(move |c| sdb::dispose(c, actor, id, seq, previous.as_deref(), d, &reason).map_err(std_error)).await?;
    Ok(redirect_with_flash(&format!("/standards/{id}/comments#c{seq}"), "flash.std.disposed"))
}

fn disposition_table(lang: Lang, list: &[Comment]) -> Table {
    let h = |k: &str| lang.t(k).to_owned();
    Table {
        header: vec![
            h("std.table.seq"),
            h("std.table.clause"),
            h("std.table.comment"),
            h("std.table.proposal"),
            h("std.table.organization"),
            h("std.table.disposition"),
            h("std.table.reason"),
        ],
        rows: list
            .iter()
            .map(|c| {
                vec![
                    c.seq.to_string(),
                    c.clause_ref.clone(),
                    c.body.clone(),
                    c.proposed_change.clone(),
                    c.organization.clone(),
                    match &c.disposition {
                        Some(d) => lang.t(&format!("std.disposition.{d}")).to_owned(),
                        None => lang.t("std.disposition.pending").to_owned(),
                    },
                    c.disposition_reason.clone(),
                ]
            })
            .collect(),
    }
}

async fn export_comments(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Table, String)> {
    let (s, list) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            Ok((s, sdb::comments_of(c, id)?))
        })
        .await?;
    check_visible(ctx, &s)?;
    let name = format!(
        "{}-{}",
        ctx.t("std.table.filename"),
        s.number.clone().unwrap_or_else(|| id.to_string()).replace(['/', ' '], "_")
    );
    Ok((disposition_table(ctx.lang, &list), name))
}

pub async fn comments_csv(state: web::Data<AppState>, ctx: Ctx, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let (table, name) = export_comments(&state, &ctx, id).await?;
    Ok(csv_response(&format!("{name}.csv"), &table))
}

pub async fn comments_xlsx(state: web::Data<AppState>, ctx: Ctx, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let (table, name) = export_comments(&state, &ctx, id).await?;
    xlsx_response(&format!("{name}.xlsx"), ctx.t("std.table.sheet"), &table)
}

// ------------------------------------------------------------------ feed

pub async fn feed(state: web::Data<AppState>, ctx: Ctx, req: actix_web::HttpRequest) -> AppResult<HttpResponse> {
    let items = state.db(|c| Ok(sdb::feed(c, 50)?)).await?;
    let lang = ctx.lang;
    let entries: Vec<super::feeds::Entry> = items
        .iter()
        .map(|i| {
            let title = if lang == Lang::En { &i.title_en } else { &i.title_zh };
            let key = if i.action == "publish" { "std.feed.published" } else { "std.feed.comment_opened" };
            super::feeds::Entry {
                id: format!("tag:selfreg,2026:standard-event-{}", i.event_id),
                title: lang.tf(key, &[("title", title), ("number", i.number.as_deref().unwrap_or(""))]),
                path: format!("/standards/{}", i.standard_id),
                updated: i.at,
                summary: i.note.clone(),
            }
        })
        .collect();
    super::feeds::atom(&ctx, &req, "std.feed.title", "/feeds/standards.atom", "/standards", &entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code shown through `ctx.label(prefix, code)` has text in both languages.
    #[test]
    fn every_vocabulary_code_has_text() {
        let mut keys: Vec<String> = Vec::new();
        for s in StandardState::ALL {
            keys.push(format!("std.state.{}", s.as_str()));
            if !matches!(
                s,
                StandardState::PublicComment
                    | StandardState::TechnicalReview
                    | StandardState::Withdrawn
                    | StandardState::Published
            ) {
                keys.push(format!("std.why.{}", s.as_str()));
            }
        }
        keys.push("std.state.in_force".into());
        for a in StandardAction::ALL.into_iter().filter(|a| *a != StandardAction::Supersede) {
            keys.push(format!("std.action.{}", a.as_str()));
            keys.push(format!("std.action_hint.{}", a.as_str()));
        }
        for a in StandardAction::ALL {
            keys.push(format!("std.event.{}", a.as_str()));
        }
        for k in StandardKind::ALL {
            keys.push(format!("std.kind.{}", k.as_str()));
            keys.push(format!("std.publication.hint.{}", k.as_str()));
        }
        for l in VersionLabel::ALL {
            keys.push(format!("std.label.{}", l.as_str()));
        }
        for k in CommentKind::ALL {
            keys.push(format!("std.comment_kind.{}", k.as_str()));
        }
        for d in Disposition::ALL {
            keys.push(format!("std.disposition.{}", d.as_str()));
        }
        for p in ReviewPosition::ALL {
            keys.push(format!("std.position.{}", p.as_str()));
            keys.push(format!("std.event.position_{}", p.as_str()));
        }
        for c in
            [clauses::Change::Unchanged, clauses::Change::Changed, clauses::Change::Added, clauses::Change::Removed]
        {
            keys.push(format!("std.change.{}", c.as_str()));
        }
        for k in keys {
            for lang in Lang::ALL {
                assert_ne!(lang.t(&k), k, "{k} missing in {lang:?}");
            }
        }
    }
}
