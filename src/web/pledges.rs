//! Pledges: the public list, one page per pledge with its commitments and
//! signatories, exports; editors of the issuing association run the pledge
//! and decide on applications; filers apply for their own organization.

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
    self as pdb, Application, CasError, Commitment, Drafts, OrgBrief, Pledge, PledgeData, PledgeListItem,
    SignatoryFilter, Signature,
};
use crate::domain::pledge::{
    self as rules, pledge_transition, transition, PledgeAction, PledgeKind, PledgeState, SignatureAction,
    SignatureState, Subscription, SubsetError, TransitionError,
};
use crate::domain::{text, OrgKind, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/pledges", web::get().to(list))
        .route("/pledges", web::post().to(create))
        .route("/pledges/new", web::get().to(new_form))
        .route("/pledges/{id}", web::get().to(show))
        .route("/pledges/{id}/signatories.csv", web::get().to(export_csv))
        .route("/pledges/{id}/signatories.xlsx", web::get().to(export_xlsx))
        .route("/pledges/{id}/edit", web::get().to(edit_form))
        .route("/pledges/{id}/edit", web::post().to(update))
        .route("/pledges/{id}/open", web::post().to(open))
        .route("/pledges/{id}/close", web::post().to(close))
        .route("/pledges/{id}/apply", web::get().to(apply_form))
        .route("/pledges/{id}/apply", web::post().to(apply))
        .route("/signatures/{id}", web::get().to(signature_page))
        .route("/signatures/{id}/{action}", web::post().to(signature_action));
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
    pub version: i32,
    pub events: Vec<EventView>,
}

impl SignatoryView {
    pub fn state_class(&self) -> &'static str {
        self.state.as_str()
    }

    /// The commitments subscribed, in one line (for exports).
    pub fn scope_text(&self, lang: Lang) -> String {
        if self.all {
            return lang.t("signature.scope.all").to_owned();
        }
        let parts: Vec<String> = self.excluded.iter().map(|(n, r)| format!("{n}: {r}")).collect();
        lang.tf("signature.scope.except_export", &[("list", &parts.join("; "))])
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

fn signatory_view(lang: Lang, pledge: &Pledge, s: &pdb::Signatory) -> SignatoryView {
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

// ---------------------------------------------------------------- list

#[derive(Template)]
#[template(path = "pledges/list.html")]
struct ListPage {
    ctx: Ctx,
    items: Vec<PledgeListItem>,
    can_create: bool,
}

pub async fn list(state: web::Data<AppState>, ctx: Ctx) -> AppResult<HttpResponse> {
    let user = viewer(&ctx);
    let drafts = match &user {
        Some(u) if u.role == Role::Admin => Drafts::All,
        Some(u) if u.role == Role::Editor => Drafts::OfOrg(u.org_id),
        _ => Drafts::None,
    };
    let items = state.db(move |c| Ok(pdb::list(c, drafts)?)).await?;
    let can_create = user.as_ref().is_some_and(|u| u.role.allows(Role::Editor));
    render(&ListPage { ctx, items, can_create })
}

// ---------------------------------------------------------------- one pledge

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    /// Page of the signatory list.
    page: Option<i64>,
}

impl ShowQuery {
    fn kind(&self) -> Option<OrgKind> {
        OrgKind::parse(&self.kind).ok()
    }

    fn states(&self) -> Vec<SignatureState> {
        match SignatureState::parse(&self.status) {
            Ok(s) if s.is_public() => vec![s],
            _ => SignatureState::PUBLIC.to_vec(),
        }
    }

    fn query_string(&self) -> String {
        let base = query_base(
            "",
            &[
                ("kind", self.kind().map(|k| k.as_str()).unwrap_or("")),
                ("status", if self.states().len() == 1 { self.status.trim() } else { "" }),
            ],
        );
        base.trim_end_matches(['&', '?']).to_owned()
    }
}

struct PledgePage {
    pledge: Pledge,
    issuer: OrgBrief,
    commitments: Vec<Commitment>,
    signatories: Vec<pdb::Signatory>,
    pending: Vec<(Signature, OrgBrief)>,
    own: Vec<pdb::Signatory>,
}

/// Everything the pledge page needs, in a fixed number of queries.
async fn load_pledge(
    state: &AppState,
    id: i64,
    user: Option<&CurrentUser>,
    filter: SignatoryFilter,
    with_private: bool,
) -> AppResult<PledgePage> {
    let user = user.cloned();
    state
        .db(move |c| {
            let (pledge, issuer) = pdb::get_with_issuer(c, id)?.ok_or(AppError::NotFound)?;
            require_visible(user.as_ref(), &pledge)?;
            let commitments = pdb::commitments(c, id)?;
            let signatories = pdb::signatories(c, id, &filter)?;
            let manager = can_manage(user.as_ref(), &pledge);
            let pending = if with_private && manager { pdb::pending(c, id)? } else { Vec::new() };
            let own = match &user {
                Some(u) if with_private => pdb::signatories(
                    c,
                    id,
                    &SignatoryFilter {
                        states: SignatureState::ALL.to_vec(),
                        org_id: Some(u.org_id),
                        ..Default::default()
                    },
                )?,
                _ => Vec::new(),
            };
            Ok(PledgePage { pledge, issuer, commitments, signatories, pending, own })
        })
        .await
}

#[derive(Template)]
#[template(path = "pledges/show.html")]
struct ShowPage {
    ctx: Ctx,
    pledge: Pledge,
    issuer: OrgBrief,
    text_html: String,
    text_zh_only: bool,
    areas: Vec<AreaGroup>,
    rows: Vec<SignatoryView>,
    pager: super::Pager,
    kinds: [OrgKind; 5],
    public_states: [SignatureState; 3],
    filter_kind: String,
    filter_status: String,
    export_query: String,
    manager: bool,
    pending: Vec<(Signature, OrgBrief)>,
    own: Vec<SignatoryView>,
    can_apply: bool,
    is_filer: bool,
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    let st = &state;
    state.pages.through(&state, &ctx, |c| show_page(st, c, id.into_inner(), q.into_inner())).await
}

async fn show_page(state: &AppState, ctx: Ctx, id: String, q: ShowQuery) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let user = viewer(&ctx);
    let filter =
        SignatoryFilter { states: q.states(), org_kind: q.kind().map(|k| k.as_str().to_owned()), ..Default::default() };
    let d = load_pledge(state, id, user.as_ref(), filter, true).await?;
    let lang = ctx.lang;
    let en = ctx.is_en();
    let manager = can_manage(user.as_ref(), &d.pledge);
    let is_filer = user.as_ref().is_some_and(|u| u.role == Role::Filer);
    let has_live = d.own.iter().any(|s| s.sig.state().is_live());
    let can_apply = is_filer && d.pledge.state() == PledgeState::Open && !has_live;
    let (text_html, text_zh_only) = pledge_text_html(&d.pledge, en);
    // The signatory list in pages of a hundred (a pledge may have a thousand).
    let pager = super::Pager::new(
        q.page,
        SIGNATORIES_PER_PAGE,
        d.signatories.len() as i64,
        format!("/pledges/{}{}", d.pledge.id, {
            let qs = q.query_string();
            if qs.is_empty() {
                "?".to_owned()
            } else {
                format!("{qs}&")
            }
        }),
    );
    let first = ((pager.page - 1) * SIGNATORIES_PER_PAGE) as usize;
    let rows = d
        .signatories
        .iter()
        .skip(first)
        .take(SIGNATORIES_PER_PAGE as usize)
        .map(|s| signatory_view(lang, &d.pledge, s))
        .collect();
    let own = d.own.iter().map(|s| signatory_view(lang, &d.pledge, s)).collect();
    let page = ShowPage {
        text_html,
        text_zh_only,
        areas: group_by_area(d.commitments, en),
        rows,
        pager,
        kinds: OrgKind::ALL,
        public_states: SignatureState::PUBLIC,
        filter_kind: q.kind().map(|k| k.as_str().to_owned()).unwrap_or_default(),
        filter_status: if q.states().len() == 1 { q.status.trim().to_owned() } else { String::new() },
        export_query: q.query_string(),
        manager,
        pending: d.pending,
        own,
        can_apply,
        is_filer,
        pledge: d.pledge,
        issuer: d.issuer,
        ctx,
    };
    render(&page)
}

// ---------------------------------------------------------------- exports

/// A UTC timestamp as a Beijing calendar date, `YYYY-MM-DD` (what spreadsheets sort).
fn iso_date(utc: chrono::NaiveDateTime) -> String {
    use chrono::TimeZone;
    crate::i18n::beijing().from_utc_datetime(&utc).format("%Y-%m-%d").to_string()
}

async fn export_table(state: &AppState, ctx: &Ctx, id: i64, q: &ShowQuery) -> AppResult<Table> {
    let user = viewer(ctx);
    let filter =
        SignatoryFilter { states: q.states(), org_kind: q.kind().map(|k| k.as_str().to_owned()), ..Default::default() };
    let d = load_pledge(state, id, user.as_ref(), filter, false).await?;
    let lang = ctx.lang;
    let header = [
        "export.org_name_zh",
        "export.org_name_en",
        "export.credit_code",
        "export.org_kind",
        "export.status",
        "export.signed",
        "export.representative",
        "export.representative_title",
        "export.scope",
        "export.status_since",
        "export.reason",
    ]
    .iter()
    .map(|k| lang.t(k).to_owned())
    .collect();
    let rows = d
        .signatories
        .iter()
        .map(|s| {
            let v = signatory_view(lang, &d.pledge, s);
            let scope = v.scope_text(lang);
            let signed =
                if v.signed.is_empty() { String::new() } else { s.sig.decided_at.map(iso_date).unwrap_or_default() };
            vec![
                v.org_name_zh,
                v.org_name_en,
                v.credit_code,
                v.org_kind,
                v.state_label,
                signed,
                v.representative_name,
                v.representative_title,
                scope,
                iso_date(s.sig.state_changed_at),
                v.reason,
            ]
        })
        .collect();
    Ok(Table { header, rows })
}

pub async fn export_csv(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let table = export_table(&state, &ctx, id, &q).await?;
    Ok(export::csv_response(&format!("signatories-{id}.csv"), &table))
}

pub async fn export_xlsx(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let table = export_table(&state, &ctx, id, &q).await?;
    export::xlsx_response(&format!("signatories-{id}.xlsx"), ctx.t("export.sheet"), &table)
}

// ---------------------------------------------------------------- create and edit

#[derive(Template)]
#[template(path = "pledges/form.html")]
struct FormPage {
    ctx: Ctx,
    form: Form,
    pledge_id: Option<i64>,
    kinds: [PledgeKind; 2],
    /// Associations an admin may choose as issuer (empty for editors).
    issuers: Vec<Org>,
}

#[derive(Deserialize, Default)]
pub struct PledgeInput {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title_zh: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    organization_id: String,
    #[serde(default)]
    guiding_body_zh: String,
    #[serde(default)]
    guiding_body_en: String,
    #[serde(default)]
    text_md_zh: String,
    #[serde(default)]
    text_md_en: String,
    #[serde(default)]
    commitments: String,
    #[serde(default)]
    version: String,
}

impl PledgeInput {
    fn form(&self) -> Form {
        Form::new()
            .with("kind", &self.kind)
            .with("title_zh", &self.title_zh)
            .with("title_en", &self.title_en)
            .with("organization_id", &self.organization_id)
            .with("guiding_body_zh", &self.guiding_body_zh)
            .with("guiding_body_en", &self.guiding_body_en)
            .with("text_md_zh", &self.text_md_zh)
            .with("text_md_en", &self.text_md_en)
            .with("commitments", &self.commitments)
            .with("version", &self.version)
    }

    /// Check every field; on failure the form carries a message per field.
    fn parse(&self, lang: Lang, issuer: Option<i64>) -> Result<PledgeData, Form> {
        let mut form = self.form();
        let kind = form.check(lang, "kind", PledgeKind::parse(&self.kind));
        let title_zh = form.check(lang, "title_zh", text::bounded(&self.title_zh, true, 300));
        let title_en = form.check(lang, "title_en", text::bounded(&self.title_en, true, 300));
        let guiding_zh = form.check(lang, "guiding_body_zh", text::bounded(&self.guiding_body_zh, false, 300));
        let guiding_en = form.check(lang, "guiding_body_en", text::bounded(&self.guiding_body_en, false, 300));
        let text_zh = form.check(lang, "text_md_zh", text::bounded(&self.text_md_zh, true, TEXT_MAX));
        let text_en = form.check(lang, "text_md_en", text::bounded(&self.text_md_en, false, TEXT_MAX));
        let org = match issuer {
            Some(id) => Some(id),
            None => form.check(
                lang,
                "organization_id",
                self.organization_id.trim().parse::<i64>().map_err(|_| "error.org.choose"),
            ),
        };
        let commitments = match rules::parse_commitments(&self.commitments) {
            Ok(c) => Some(c),
            Err(errors) => {
                let msgs: Vec<String> = errors
                    .iter()
                    .map(|(line, key)| {
                        if *line == 0 {
                            lang.t(key).to_owned()
                        } else {
                            lang.tf(
                                "pledge.commitments.line_error",
                                &[("line", &line.to_string()), ("msg", lang.t(key))],
                            )
                        }
                    })
                    .collect();
                form.error_text("commitments", msgs.join(" "));
                None
            }
        };
        match (kind, title_zh, title_en, guiding_zh, guiding_en, text_zh, text_en, org, commitments) {
            (Some(k), Some(tz), Some(te), Some(gz), Some(ge), Some(xz), Some(xe), Some(org), Some(c)) => {
                Ok(PledgeData {
                    kind: k.as_str(),
                    title_zh: tz,
                    title_en: te,
                    organization_id: org,
                    guiding_body_zh: gz,
                    guiding_body_en: ge,
                    text_md_zh: xz,
                    text_md_en: xe,
                    commitments: c,
                })
            }
            _ => Err(form),
        }
    }
}

async fn form_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: Form,
    pledge_id: Option<i64>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let issuers = if user.role == Role::Admin && pledge_id.is_none() {
        state.db(|c| Ok(orgs::all(c)?)).await?.into_iter().filter(|o| o.kind() == OrgKind::Association).collect()
    } else {
        Vec::new()
    };
    render_status(status, &FormPage { ctx, form, pledge_id, kinds: PledgeKind::ALL, issuers })
}

pub async fn new_form(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    require_role(&user, Role::Editor)?;
    let form = Form::new().with("kind", "convention");
    form_page(&state, ctx, &user, form, None, StatusCode::OK).await
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    input: web::Form<PledgeInput>,
) -> AppResult<HttpResponse> {
    require_role(&user, Role::Editor)?;
    // Editors issue for their own association; only an admin chooses the issuer.
    let issuer = if user.role == Role::Admin { None } else { Some(user.org_id) };
    let data = match input.parse(ctx.lang, issuer) {
        Ok(d) => d,
        Err(form) => return form_page(&state, ctx, &user, form, None, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let actor = user.actor();
    let result = state
        .tx(move |c| {
            match orgs::get(c, data.organization_id)? {
                Some(o) if o.kind() == OrgKind::Association => {}
                _ => return Ok(None),
            }
            Ok(Some(pdb::insert(c, actor, &data)?))
        })
        .await?;
    match result {
        Some(id) => Ok(redirect_with_flash(&format!("/pledges/{id}"), "flash.pledge_created")),
        None => {
            let mut form = input.form();
            form.error(ctx.lang, "organization_id", "error.pledge.issuer");
            form_page(&state, ctx, &user, form, None, StatusCode::UNPROCESSABLE_ENTITY).await
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
    let u = user.clone();
    let (p, commitments) = state
        .db(move |c| {
            let p = pdb::get(c, id)?.ok_or(AppError::NotFound)?;
            require_manager(&u, &p)?;
            pledge_transition(p.state(), PledgeAction::Edit, u.role)
                .map_err(|_| AppError::Conflict("error.pledge.not_draft"))?;
            let commitments = pdb::commitments(c, id)?;
            Ok((p, commitments))
        })
        .await?;
    let drafts: Vec<_> = commitments.iter().map(Commitment::draft).collect();
    let form = Form::new()
        .with("kind", &p.kind)
        .with("title_zh", &p.title_zh)
        .with("title_en", &p.title_en)
        .with("guiding_body_zh", &p.guiding_body_zh)
        .with("guiding_body_en", &p.guiding_body_en)
        .with("text_md_zh", &p.text_md_zh)
        .with("text_md_en", &p.text_md_en)
        .with("commitments", &rules::format_commitments(&drafts))
        .with("version", &p.version.to_string());
    form_page(&state, ctx, &user, form, Some(id), StatusCode::OK).await
}

pub async fn update(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<PledgeInput>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    require_role(&user, Role::Editor)?;
    let existing = state.db(move |c| Ok(pdb::get(c, id)?)).await?.ok_or(AppError::NotFound)?;
    require_manager(&user, &existing)?;
    let version = parse_version(&input.version)?;
    let data = match input.parse(ctx.lang, Some(existing.organization_id)) {
        Ok(d) => d,
        Err(form) => return form_page(&state, ctx, &user, form, Some(id), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let u = user.clone();
    state
        .tx(move |c| {
            let p = pdb::get(c, id)?.ok_or(AppError::NotFound)?;
            require_manager(&u, &p)?;
            pledge_transition(p.state(), PledgeAction::Edit, u.role)
                .map_err(|_| AppError::Conflict("error.pledge.not_draft"))?;
            pdb::update_draft(c, u.actor(), id, version, &data).map_err(cas_error)
        })
        .await?;
    Ok(redirect_with_flash(&format!("/pledges/{id}"), "flash.pledge_saved"))
}

#[derive(Deserialize)]
pub struct VersionInput {
    #[serde(default)]
    version: String,
}

async fn move_pledge(
    state: &AppState,
    user: CurrentUser,
    id: &str,
    action: PledgeAction,
    version: &str,
) -> AppResult<HttpResponse> {
    let id = parse_id(id)?;
    require_role(&user, Role::Editor)?;
    let version = parse_version(version)?;
    state
        .tx(move |c| {
            let p = pdb::get(c, id)?.ok_or(AppError::NotFound)?;
            require_manager(&user, &p)?;
            let from = p.state();
            let to = pledge_transition(from, action, user.role).map_err(|e| match e {
                TransitionError::Forbidden => AppError::Forbidden,
                TransitionError::Illegal => AppError::Conflict("error.pledge.illegal"),
            })?;
            pdb::set_state(c, user.actor(), id, from, version, to).map_err(cas_error)
        })
        .await?;
    let flash = if action == PledgeAction::Open { "flash.pledge_opened" } else { "flash.pledge_closed" };
    Ok(redirect_with_flash(&format!("/pledges/{id}"), flash))
}

pub async fn open(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<VersionInput>,
) -> AppResult<HttpResponse> {
    move_pledge(&state, user, &id, PledgeAction::Open, &input.version).await
}

pub async fn close(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<VersionInput>,
) -> AppResult<HttpResponse> {
    move_pledge(&state, user, &id, PledgeAction::Close, &input.version).await
}

// ---------------------------------------------------------------- applying

#[derive(Template)]
#[template(path = "pledges/apply.html")]
struct ApplyPage {
    ctx: Ctx,
    pledge: Pledge,
    commitments: Vec<Commitment>,
    form: Form,
    /// The organization's live application or signature, if any (then no form).
    existing: Option<Signature>,
}

impl ApplyPage {
    fn keep_name(&self, c: &Commitment) -> String {
        format!("keep_{}", c.id)
    }

    fn reason_name(&self, c: &Commitment) -> String {
        format!("reason_{}", c.id)
    }
}

async fn apply_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: i64,
    form: Option<Form>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let org = user.org_id;
    let u = user.clone();
    let (pledge, commitments, existing) = state
        .db(move |c| {
            let p = pdb::get(c, id)?.ok_or(AppError::NotFound)?;
            require_visible(Some(&u), &p)?;
            let commitments = pdb::commitments(c, id)?;
            let existing = pdb::live_signature(c, id, org)?;
            Ok((p, commitments, existing))
        })
        .await?;
    if pledge.state() != PledgeState::Open {
        return Err(AppError::Conflict("error.pledge.not_open"));
    }
    let form = form.unwrap_or_else(|| {
        let mut f = Form::new().with("scope", "all");
        for c in &commitments {
            f.set(&format!("keep_{}", c.id), "on");
        }
        f
    });
    render_status(status, &ApplyPage { ctx, pledge, commitments, form, existing })
}

pub async fn apply_form(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    require_role(&user, Role::Filer)?;
    let id = parse_id(&id)?;
    apply_page(&state, ctx, &user, id, None, StatusCode::OK).await
}

pub async fn apply(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    require_role(&user, Role::Filer)?;
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    let fields = input.into_inner();
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    // A filer signs for its own organization only: the organization is never
    // taken from the form, and a form that names another one is refused.
    if let Some(org) = get("organization_id") {
        if org.trim().parse::<i64>().ok() != Some(user.org_id) {
            return Err(AppError::Forbidden);
        }
    }
    let mut form = Form::new();
    for (k, v) in &fields {
        if k != "csrf_token" {
            form.set(k, v);
        }
    }
    let commitments = {
        let u = user.clone();
        state
            .db(move |c| {
                let p = pdb::get(c, id)?.ok_or(AppError::NotFound)?;
                require_visible(Some(&u), &p)?;
                Ok(pdb::commitments(c, id)?)
            })
            .await?
    };
    let ids: Vec<i64> = commitments.iter().map(|c| c.id).collect();
    let subscription = match get("scope").unwrap_or("") {
        "all" => Some(Subscription::All),
        "subset" => {
            let reasons: Vec<(i64, String)> = ids
                .iter()
                .filter(|cid| get(&format!("keep_{cid}")).is_none())
                .map(|cid| (*cid, get(&format!("reason_{cid}")).unwrap_or("").to_owned()))
                .collect();
            let excluded: Vec<(i64, &str)> = reasons.iter().map(|(i, r)| (*i, r.as_str())).collect();
            match Subscription::subset(&ids, &excluded) {
                Ok(s) => Some(s),
                Err(errors) => {
                    for e in errors {
                        match e {
                            SubsetError::Reason { commitment_id, key } => {
                                form.error(lang, &format!("reason_{commitment_id}"), key)
                            }
                            SubsetError::NothingLeftOut => form.error(lang, "scope", "error.subset.nothing_left_out"),
                            SubsetError::NothingSubscribed => {
                                form.error(lang, "scope", "error.subset.nothing_subscribed")
                            }
                            SubsetError::UnknownCommitment => form.error(lang, "scope", "error.400"),
                        }
                    }
                    None
                }
            }
        }
        _ => {
            form.error(lang, "scope", "error.subset.choose");
            None
        }
    };
    let name =
        form.check(lang, "representative_name", text::bounded(get("representative_name").unwrap_or(""), true, 100));
    let title =
        form.check(lang, "representative_title", text::bounded(get("representative_title").unwrap_or(""), true, 100));
    if get("confirm").is_none() {
        form.error(lang, "confirm", "error.apply.confirm");
    }
    let (Some(subscription), Some(name), Some(title), false) = (subscription, name, title, form.has_errors()) else {
        return apply_page(&state, ctx, &user, id, Some(form), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let u = user.clone();
    let sig_id = state
        .tx(move |c| {
            let p = pdb::get(c, id)?.ok_or(AppError::NotFound)?;
            if p.state() != PledgeState::Open {
                return Err(AppError::Conflict("error.pledge.not_open"));
            }
            let current = pdb::live_signature(c, id, u.org_id)?.map(|s| s.state());
            transition(current, SignatureAction::Apply, u.role).map_err(|e| match e {
                TransitionError::Illegal => AppError::Conflict("error.signature.duplicate"),
                e => transition_error(e),
            })?;
            let a = Application {
                pledge_id: id,
                organization_id: u.org_id,
                representative_name: name,
                representative_title: title,
                subscription,
            };
            pdb::apply(c, u.actor(), &a).map_err(|e| match e {
                pdb::ApplyError::Duplicate => AppError::Conflict("error.signature.duplicate"),
                pdb::ApplyError::Db(e) => e.into(),
            })
        })
        .await?;
    Ok(redirect_with_flash(&format!("/signatures/{sig_id}"), "flash.applied"))
}

// ---------------------------------------------------------------- one signature

#[derive(Template)]
#[template(path = "pledges/signature.html")]
struct SignaturePage {
    ctx: Ctx,
    pledge: Pledge,
    /// The signature (named as the shared partials expect).
    r: SignatoryView,
    form: Form,
    /// Moves this viewer may make now.
    actions: Vec<SignatureAction>,
}

impl SignaturePage {
    fn action_needs_reason(&self, a: &SignatureAction) -> bool {
        a.needs_reason()
    }

    fn action_label(&self, a: &SignatureAction) -> &'static str {
        match a {
            SignatureAction::Apply => "signature.action.apply",
            SignatureAction::Verify => "signature.action.verify",
            SignatureAction::Decline => "signature.action.decline",
            SignatureAction::Withdraw => "signature.action.withdraw",
            SignatureAction::Suspend => "signature.action.suspend",
            SignatureAction::Reinstate => "signature.action.reinstate",
        }
    }
}

/// Whether `user` may see signature `sig` of `pledge`: public states of a
/// public pledge to anyone; otherwise the organization's own users and the
/// pledge's managers.
fn may_see(user: Option<&CurrentUser>, pledge: &Pledge, sig: &Signature) -> bool {
    (pledge.state().is_public() && sig.state().is_public())
        || can_manage(user, pledge)
        || user.is_some_and(|u| u.org_id == sig.organization_id)
}

/// Whether `user` may make `action` on `sig` (role, organization and state).
fn may_act(user: &CurrentUser, pledge: &Pledge, sig: &Signature, action: SignatureAction) -> Result<(), AppError> {
    match action.role() {
        Role::Filer => {
            if !(user.role == Role::Admin || (user.role == Role::Filer && user.org_id == sig.organization_id)) {
                return Err(AppError::Forbidden);
            }
        }
        _ => require_manager(user, pledge)?,
    }
    transition(Some(sig.state()), action, user.role).map(|_| ()).map_err(transition_error)
}

async fn signature_view(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = viewer(&ctx);
    let u = user.clone();
    let (pledge, s) = state
        .db(move |c| {
            let sig = pdb::signature(c, id)?.ok_or(AppError::NotFound)?;
            let pledge = pdb::get(c, sig.pledge_id)?.ok_or(AppError::NotFound)?;
            if !may_see(u.as_ref(), &pledge, &sig) {
                return Err(AppError::NotFound);
            }
            let filter =
                SignatoryFilter { states: SignatureState::ALL.to_vec(), signature_id: Some(id), ..Default::default() };
            let s = pdb::signatories(c, pledge.id, &filter)?.pop().ok_or(AppError::NotFound)?;
            Ok((pledge, s))
        })
        .await?;
    let actions = match &user {
        Some(u) => SignatureAction::ALL
            .into_iter()
            .filter(|a| *a != SignatureAction::Apply && may_act(u, &pledge, &s.sig, *a).is_ok())
            .collect(),
        None => Vec::new(),
    };
    let r = signatory_view(ctx.lang, &pledge, &s);
    render_status(status, &SignaturePage { ctx, pledge, r, form, actions })
}

pub async fn signature_page(state: web::Data<AppState>, ctx: Ctx, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    signature_view(&state, ctx, id, Form::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ActionInput {
    #[serde(default)]
    version: String,
    #[serde(default)]
    reason: String,
}

pub async fn signature_action(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    input: web::Form<ActionInput>,
) -> AppResult<HttpResponse> {
    let (id, action) = path.into_inner();
    let id = parse_id(&id)?;
    let action = SignatureAction::parse(&action).map_err(|_| AppError::NotFound)?;
    if action == SignatureAction::Apply {
        return Err(AppError::NotFound);
    }
    // Roles that can never make this move are refused before anything is read.
    require_role(&user, action.role())?;
    let version = parse_version(&input.version)?;
    let reason_input = input.reason.clone();
    let u = user.clone();
    let outcome = state
        .tx(move |c| {
            let sig = pdb::signature(c, id)?.ok_or(AppError::NotFound)?;
            let pledge = pdb::get(c, sig.pledge_id)?.ok_or(AppError::NotFound)?;
            if !may_see(Some(&u), &pledge, &sig) {
                // An editor of another association is told no; others learn nothing.
                return Err(if u.role == Role::Editor { AppError::Forbidden } else { AppError::NotFound });
            }
            may_act(&u, &pledge, &sig, action)?;
            let from = sig.state();
            let to = transition(Some(from), action, u.role).map_err(transition_error)?;
            if sig.version != version {
                return Err(AppError::Conflict("error.stale"));
            }
            let reason = match rules::reason(action, &reason_input) {
                Ok(r) => r,
                Err(key) => return Ok(Err(key)),
            };
            pdb::change_state(c, u.actor(), id, from, version, action, to, &reason).map_err(cas_error)?;
            Ok(Ok(()))
        })
        .await?;
    if let Err(key) = outcome {
        let mut form = Form::new().with("action", action.as_str()).with("reason", &input.reason);
        form.error(ctx.lang, &format!("reason_{}", action.as_str()), key);
        return signature_view(&state, ctx, id, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let flash = match action {
        SignatureAction::Verify => "flash.signature_verified",
        SignatureAction::Decline => "flash.signature_declined",
        SignatureAction::Withdraw => "flash.signature_withdrawn",
        SignatureAction::Suspend => "flash.signature_suspended",
        _ => "flash.signature_reinstated",
    };
    Ok(redirect_with_flash(&format!("/signatures/{id}"), flash))
}
