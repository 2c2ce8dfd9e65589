//! Proposing a standard project and editing its details.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{check_visible, link_view, person, require_editor_of, shown_version, LinkView};
use crate::auth::{require_role, CurrentUser};
use crate::db::orgs::{self, Org};
use crate::db::standards::{self as sdb, Metadata};
use crate::domain::standard::StandardKind;
use crate::domain::{text, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::{beijing_today, Lang};
use crate::web::flow::{respond, Id};
use crate::web::forms::Form;
use crate::web::{redirect_with_flash, render_status, AppState, Ctx};

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
                kind,
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
    /// Every organization (co-drafters).
    orgs: Vec<Org>,
    lead_orgs: Vec<Org>,
    proposing_orgs: Vec<Org>,
    replaceable: Vec<LinkView>,
    kinds: [StandardKind; 2],
    standard_id: Option<i64>,
    /// The title of the standard edited (for the breadcrumbs).
    standard_title: String,
}

impl MetaPage {
    fn has_codrafter(&self, id: &i64) -> bool {
        self.form.v("codrafters").split(',').any(|c| c == id.to_string())
    }
}

/// The form page. An editor is offered only what it may name: its own
/// association as lead, no other association as proposer, only standards its
/// association leads to replace — plus what the project already names.
async fn meta_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: Form,
    standard: Option<sdb::Standard>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let editor = (user.role != Role::Admin).then_some(user.org_id);
    let (orgs, replaceable) = state.db(move |c| Ok((orgs::all(c)?, sdb::replaceable(c, editor)?))).await?;
    let standard_id = standard.as_ref().map(|s| s.id);
    let standard_title = standard
        .as_ref()
        .map(|s| if lang == Lang::En { s.title_en.clone() } else { s.title_zh.clone() })
        .unwrap_or_default();
    let kept = |id: i64, f: fn(&sdb::Standard) -> i64| standard.as_ref().is_some_and(|s| f(s) == id);
    let lead_orgs = orgs
        .iter()
        .filter(|o| editor.is_none_or(|own| o.id == own) || kept(o.id, |s| s.lead_org_id))
        .cloned()
        .collect();
    let proposing_orgs = orgs
        .iter()
        .filter(|o| {
            editor.is_none_or(|own| o.id == own || o.kind != crate::domain::OrgKind::Association)
                || kept(o.id, |s| s.proposing_org_id)
        })
        .cloned()
        .collect();
    let mut replaceable: Vec<LinkView> =
        replaceable.iter().filter(|l| Some(l.id) != standard_id).map(|l| link_view(lang, l)).collect();
    // What the project replaces stays choosable, whoever leads it.
    if let Some(current) = standard.as_ref().and_then(|s| s.replaces_id) {
        if !replaceable.iter().any(|l| l.id == current) {
            if let Some(l) = state.db(move |c| Ok(sdb::link(c, current)?)).await? {
                replaceable.push(link_view(lang, &l));
            }
        }
    }
    render_status(
        status,
        &MetaPage {
            ctx,
            form,
            orgs,
            lead_orgs,
            proposing_orgs,
            replaceable,
            kinds: StandardKind::ALL,
            standard_id,
            standard_title,
        },
    )
}

pub async fn new_form(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    require_role(&user, Role::Editor)?;
    let org = user.org_id.to_string();
    let form = Form::new().with("kind", "local").with("proposing_org_id", &org).with("lead_org_id", &org);
    meta_page(&state, ctx, &user, form, None, StatusCode::OK).await
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
        Err(form) => return meta_page(&state, ctx, &user, form, None, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let (actor, who, today) = (user.actor(), person(&user), beijing_today());
    let outcome = state.act(move |c| sdb::create(c, actor, Some(who), &m, None, today)).await?;
    respond(
        lang,
        outcome,
        input.form(),
        |id| redirect_with_flash(&format!("/standards/{id}"), "flash.std.proposed"),
        |form, status| async move { meta_page(&state, ctx, &user, form, None, status).await },
    )
    .await
}

/// The edit form of a standard its editors may edit (404 if not visible, 403 if not theirs).
async fn edit_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: i64,
    form: Option<Form>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (s, codrafters) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            Ok((s, sdb::codrafters(c, id)?))
        })
        .await?;
    check_visible(&ctx, &s)?;
    require_editor_of(user, &s)?;
    if !s.state.metadata_editable() {
        return Err(AppError::Conflict("error.std.transition"));
    }
    let form = form.unwrap_or_else(|| {
        MetaInput {
            kind: s.kind.as_str().to_owned(),
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
        }
        .form()
    });
    meta_page(state, ctx, user, form, Some(s), status).await
}

pub async fn edit_form(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    edit_page(&state, ctx, &user, id.get(), None, StatusCode::OK).await
}

pub async fn update(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = id.get();
    require_role(&user, Role::Editor)?;
    let lang = ctx.lang;
    let input = parse_meta(&body)?;
    let m = match input.parse(lang) {
        Ok(m) => m,
        Err(form) => return edit_page(&state, ctx, &user, id, Some(form), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let shown = shown_version(&input.version);
    let (actor, who) = (user.actor(), person(&user));
    let outcome = state.act(move |c| sdb::update(c, actor, who, id, shown, &m)).await?;
    respond(
        lang,
        outcome,
        input.form(),
        |()| redirect_with_flash(&format!("/standards/{id}"), "flash.std.saved"),
        |form, status| async move { edit_page(&state, ctx, &user, id, Some(form), status).await },
    )
    .await
}
