//! `/admin/orgs`: the list (searchable), and creating and editing an
//! organization.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{admin, PageQuery, PER_PAGE};
use crate::auth::CurrentUser;
use crate::db::orgs::{self, Org, OrgData, OrgRefusal};
use crate::domain::{text, CreditCode, OrgKind};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::web::flow::{respond, Id, RefusalKind, UserError};
use crate::web::forms::Form;
use crate::web::{query_base, redirect_with_flash, render, render_status, AppState, Ctx, Pager};

#[derive(Template)]
#[template(path = "admin/orgs.html")]
struct OrgsPage {
    ctx: Ctx,
    orgs: Vec<Org>,
    pager: Pager,
    q: String,
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    q: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let offset = Pager::offset(q.page, PER_PAGE);
    let search = q.q.chars().take(100).collect::<String>();
    let (orgs, total) = {
        let search = search.clone();
        state.db(move |c| Ok(orgs::search(c, &search, PER_PAGE, offset)?)).await?
    };
    let pager = Pager::new(q.page, PER_PAGE, total, query_base("/admin/orgs", &[("q", &search)]));
    render(&OrgsPage { ctx, orgs, pager, q: search })
}

#[derive(Template)]
#[template(path = "admin/org_form.html")]
struct OrgFormPage {
    ctx: Ctx,
    form: Form,
    kinds: [OrgKind; 5],
    org_id: Option<i64>,
}

impl UserError for OrgRefusal {
    fn kind(&self) -> RefusalKind {
        match self {
            OrgRefusal::DuplicateCode => RefusalKind::Invalid,
            OrgRefusal::NotFound => RefusalKind::NotFound,
            OrgRefusal::Stale => RefusalKind::Stale,
        }
    }

    fn place(&self, lang: Lang, form: &mut Form) {
        match self {
            OrgRefusal::DuplicateCode => form.error(lang, "credit_code", "error.credit_code.taken"),
            OrgRefusal::Stale => form.message = Some(lang.t("error.org.stale").to_owned()),
            OrgRefusal::NotFound => {}
        }
    }
}

#[derive(Deserialize, Default)]
pub struct OrgInput {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    contact: String,
    /// When the organization the edit form showed was last changed (microseconds since 1970).
    #[serde(default)]
    seen: String,
}

impl OrgInput {
    /// The form as typed, and the organization it describes if every field
    /// checks out (else the form carries a message per field).
    fn parse(&self, lang: Lang) -> (Form, Option<OrgData>) {
        let mut form = Form::new()
            .with("kind", &self.kind)
            .with("name_zh", &self.name_zh)
            .with("name_en", &self.name_en)
            .with("credit_code", &self.credit_code)
            .with("website", &self.website)
            .with("contact", &self.contact)
            .with("seen", &self.seen);
        let kind = form.check(lang, "kind", OrgKind::parse(&self.kind));
        let name_zh = form.check(lang, "name_zh", text::bounded(&self.name_zh, true, 200));
        let name_en = form.check(lang, "name_en", text::bounded(&self.name_en, true, 200));
        let code = form.check(lang, "credit_code", CreditCode::parse(&self.credit_code).map_err(|e| e.message_key()));
        let website = form.check(lang, "website", text::url(&self.website));
        let contact = form.check(lang, "contact", text::bounded(&self.contact, false, 500));
        let data = match (kind, name_zh, name_en, code, website, contact) {
            (Some(k), Some(zh), Some(en), Some(code), Some(w), Some(c)) => Some(OrgData::new(k, zh, en, &code, w, c)),
            _ => None,
        };
        (form, data)
    }
}

/// An organization's `updated_at` as the edit form carries it.
fn stamp(t: chrono::NaiveDateTime) -> String {
    t.and_utc().timestamp_micros().to_string()
}

fn parse_stamp(s: &str) -> Option<chrono::NaiveDateTime> {
    chrono::DateTime::from_timestamp_micros(s.trim().parse().ok()?).map(|t| t.naive_utc())
}

fn form_page(ctx: Ctx, form: Form, org_id: Option<i64>, status: StatusCode) -> AppResult<HttpResponse> {
    render_status(status, &OrgFormPage { ctx, form, kinds: OrgKind::ALL, org_id })
}

pub async fn new(ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    admin(&user)?;
    form_page(ctx, Form::new().with("kind", OrgKind::Platform.as_str()), None, StatusCode::OK)
}

/// Create (`id` None) or edit an organization: one step, answered alike.
async fn save(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: Option<i64>,
    input: web::Form<OrgInput>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let lang = ctx.lang;
    let (form, data) = input.parse(lang);
    let Some(data) = data else {
        return form_page(ctx, form, id, StatusCode::UNPROCESSABLE_ENTITY);
    };
    // An edit form without a readable stamp (a form from before this field) counts as stale.
    let seen = parse_stamp(&input.seen).unwrap_or_default();
    let actor = user.actor();
    let outcome = state
        .act(move |c| match id {
            Some(id) => orgs::update(c, actor, id, seen, &data).map(|()| id),
            None => orgs::insert(c, actor, &data),
        })
        .await?;
    respond(
        lang,
        outcome,
        form,
        |_| redirect_with_flash("/admin/orgs", "flash.org_saved"),
        |mut form, status| async move {
            if let (StatusCode::CONFLICT, Some(id)) = (status, id) {
                // The input stays; saving it again is a deliberate choice over the current details.
                if let Some(o) = state.db(move |c| Ok(orgs::get(c, id)?)).await? {
                    form.set("seen", &stamp(o.updated_at));
                }
            }
            form_page(ctx, form, id, status)
        },
    )
    .await
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    input: web::Form<OrgInput>,
) -> AppResult<HttpResponse> {
    save(state, ctx, user, None, input).await
}

pub async fn edit(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let id = id.get();
    let o = state.db(move |c| Ok(orgs::get(c, id)?)).await?.ok_or(AppError::NotFound)?;
    let form = Form::new()
        .with("kind", o.kind.as_str())
        .with("name_zh", &o.name_zh)
        .with("name_en", &o.name_en)
        .with("credit_code", &o.credit_code)
        .with("website", &o.website)
        .with("contact", &o.contact)
        .with("seen", &stamp(o.updated_at));
    form_page(ctx, form, Some(id), StatusCode::OK)
}

pub async fn update(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
    input: web::Form<OrgInput>,
) -> AppResult<HttpResponse> {
    save(state, ctx, user, Some(id.get()), input).await
}
