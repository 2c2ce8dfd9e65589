//! Administration: users, organizations and the audit log. Admins only.

mod audit;
pub mod auditview;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::forms::Form;
use super::{parse_id, query_base, redirect, redirect_with_flash, render, render_status, AppState, Ctx, Pager};
use crate::auth::{require_role, CurrentUser};
use crate::db::orgs::{Org, OrgData, OrgSaveError};
use crate::db::users::{NewUser, UserEdit, UserListItem, UserSaveError};
use crate::db::{orgs, users};
use crate::domain::{text, CreditCode, Email, OrgKind, Password, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(|| async { redirect("/admin/users") }))
        .route("/admin/users", web::get().to(users_list))
        .route("/admin/users", web::post().to(user_create))
        .route("/admin/users/new", web::get().to(user_new))
        .route("/admin/users/{id}", web::get().to(user_edit))
        .route("/admin/users/{id}", web::post().to(user_update))
        .route("/admin/users/{id}/password", web::post().to(user_password))
        .route("/admin/orgs", web::get().to(orgs_list))
        .route("/admin/orgs", web::post().to(org_create))
        .route("/admin/orgs/new", web::get().to(org_new))
        .route("/admin/orgs/{id}", web::get().to(org_edit))
        .route("/admin/orgs/{id}", web::post().to(org_update))
        .route("/admin/audit", web::get().to(audit::list))
        .route("/admin/audit.csv", web::get().to(audit::export_csv));
}

pub(crate) fn admin(user: &CurrentUser) -> AppResult<()> {
    require_role(user, Role::Admin)
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
    #[serde(default)]
    q: String,
}

// ---------------------------------------------------------------- users

pub(crate) const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<UserListItem>,
    pager: Pager,
}

pub async fn users_list(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    q: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let offset = Pager::offset(q.page, PER_PAGE);
    let (users, total) = state.db(move |c| Ok(users::list(c, PER_PAGE, offset)?)).await?;
    let pager = Pager::new(q.page, PER_PAGE, total, query_base("/admin/users", &[]));
    render(&UsersPage { ctx, users, pager })
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct UserFormPage {
    ctx: Ctx,
    form: Form,
    orgs: Vec<Org>,
    roles: [Role; 4],
    /// None when creating.
    user_id: Option<i64>,
    email: String,
}

#[derive(Deserialize, Default)]
pub struct UserInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    organization_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    active: Option<String>,
}

impl UserInput {
    fn form(&self) -> Form {
        let mut f = Form::new()
            .with("email", &self.email)
            .with("display_name", &self.display_name)
            .with("organization_id", &self.organization_id)
            .with("role", &self.role);
        if self.active.is_some() {
            f.set("active", "on");
        }
        f
    }
}

async fn user_form_page(
    state: &AppState,
    ctx: Ctx,
    form: Form,
    user_id: Option<i64>,
    email: String,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let orgs = state.db(|c| Ok(orgs::all(c)?)).await?;
    render_status(status, &UserFormPage { ctx, form, orgs, roles: Role::ALL, user_id, email })
}

pub async fn user_new(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    admin(&user)?;
    let form = Form::new().with("role", "filer").with("active", "on");
    user_form_page(&state, ctx, form, None, String::new(), StatusCode::OK).await
}

pub async fn user_create(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    input: web::Form<UserInput>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let lang = ctx.lang;
    let mut form = input.form();
    let email = form.check(lang, "email", Email::parse(&input.email));
    let name = form.check(lang, "display_name", text::bounded(&input.display_name, true, 100));
    let org_id = form.check(
        lang,
        "organization_id",
        input.organization_id.trim().parse::<i64>().map_err(|_| "error.org.choose"),
    );
    let role = form.check(lang, "role", Role::parse(&input.role));
    let password = form.check(lang, "password", Password::new(&input.password));
    let (Some(email), Some(name), Some(org_id), Some(role), Some(password)) = (email, name, org_id, role, password)
    else {
        return user_form_page(&state, ctx, form, None, String::new(), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let hash = state.hasher.hash(password.expose().to_owned()).await?;
    let actor = user.actor();
    let result = state
        .tx(move |c| {
            let new =
                NewUser { email: &email, display_name: &name, organization_id: org_id, role, password_hash: &hash };
            match users::insert(c, actor, &new) {
                Ok(id) => Ok(Ok(id)),
                Err(UserSaveError::Db(e)) => Err(e.into()),
                Err(e) => Ok(Err(e)),
            }
        })
        .await?;
    match result {
        Ok(_) => Ok(redirect_with_flash("/admin/users", "flash.user_created")),
        Err(e) => {
            user_save_error(lang, &mut form, e);
            user_form_page(&state, ctx, form, None, String::new(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

fn user_save_error(lang: Lang, form: &mut Form, e: UserSaveError) {
    match e {
        UserSaveError::DuplicateEmail => form.error(lang, "email", "error.email.taken"),
        UserSaveError::UnknownOrg => form.error(lang, "organization_id", "error.org.choose"),
        _ => form.message = Some(lang.t("error.500").to_owned()),
    }
}

pub async fn user_edit(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let id = parse_id(&id)?;
    let u = state.db(move |c| Ok(users::get(c, id)?)).await?.ok_or(AppError::NotFound)?;
    let mut form = Form::new()
        .with("display_name", &u.display_name)
        .with("organization_id", &u.organization_id.to_string())
        .with("role", &u.role);
    if u.active {
        form.set("active", "on");
    }
    user_form_page(&state, ctx, form, Some(id), u.email, StatusCode::OK).await
}

pub async fn user_update(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<UserInput>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    let existing = state.db(move |c| Ok(users::get(c, id)?)).await?.ok_or(AppError::NotFound)?;
    let mut form = input.form();
    let name = form.check(lang, "display_name", text::bounded(&input.display_name, true, 100));
    let org_id = form.check(
        lang,
        "organization_id",
        input.organization_id.trim().parse::<i64>().map_err(|_| "error.org.choose"),
    );
    let role = form.check(lang, "role", Role::parse(&input.role));
    let active = input.active.is_some();
    if id == user.id && (!active || role != Some(Role::Admin)) {
        form.error(lang, "active", "error.user.self_lockout");
    }
    let (Some(name), Some(org_id), Some(role), false) = (name, org_id, role, form.has_errors()) else {
        return user_form_page(&state, ctx, form, Some(id), existing.email, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let actor = user.actor();
    let result = state
        .tx(move |c| {
            let edit = UserEdit { display_name: &name, organization_id: org_id, role, active };
            match users::update(c, actor, id, &edit) {
                Ok(()) => Ok(Ok(())),
                Err(UserSaveError::Db(e)) => Err(e.into()),
                Err(UserSaveError::NotFound) => Err(AppError::NotFound),
                Err(e) => Ok(Err(e)),
            }
        })
        .await?;
    match result {
        Ok(()) => Ok(redirect_with_flash("/admin/users", "flash.user_saved")),
        Err(e) => {
            user_save_error(lang, &mut form, e);
            user_form_page(&state, ctx, form, Some(id), existing.email, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Deserialize)]
pub struct PasswordInput {
    #[serde(default)]
    password: String,
}

pub async fn user_password(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<PasswordInput>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let id = parse_id(&id)?;
    let existing = state.db(move |c| Ok(users::get(c, id)?)).await?.ok_or(AppError::NotFound)?;
    let password = match Password::new(&input.password) {
        Ok(p) => p,
        Err(key) => {
            let mut form = Form::new()
                .with("display_name", &existing.display_name)
                .with("organization_id", &existing.organization_id.to_string())
                .with("role", &existing.role);
            if existing.active {
                form.set("active", "on");
            }
            form.error(ctx.lang, "password", key);
            return user_form_page(&state, ctx, form, Some(id), existing.email, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let hash = state.hasher.hash(password.expose().to_owned()).await?;
    let actor = user.actor();
    state.tx(move |c| Ok(users::set_password_hash(c, actor, id, &hash, true)?)).await?;
    Ok(redirect_with_flash(&format!("/admin/users/{id}"), "flash.password_reset"))
}

// ---------------------------------------------------------------- organizations

#[derive(Template)]
#[template(path = "admin/orgs.html")]
struct OrgsPage {
    ctx: Ctx,
    orgs: Vec<Org>,
    pager: Pager,
    q: String,
}

pub async fn orgs_list(
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
}

impl OrgInput {
    fn form(&self) -> Form {
        Form::new()
            .with("kind", &self.kind)
            .with("name_zh", &self.name_zh)
            .with("name_en", &self.name_en)
            .with("credit_code", &self.credit_code)
            .with("website", &self.website)
            .with("contact", &self.contact)
    }

    /// Check every field; on failure the form carries a message per field.
    pub fn parse(&self, lang: Lang) -> Result<OrgData, Form> {
        let mut form = self.form();
        let kind = form.check(lang, "kind", OrgKind::parse(&self.kind));
        let name_zh = form.check(lang, "name_zh", text::bounded(&self.name_zh, true, 200));
        let name_en = form.check(lang, "name_en", text::bounded(&self.name_en, true, 200));
        let code = form.check(lang, "credit_code", CreditCode::parse(&self.credit_code).map_err(|e| e.message_key()));
        let website = form.check(lang, "website", text::url(&self.website));
        let contact = form.check(lang, "contact", text::bounded(&self.contact, false, 500));
        match (kind, name_zh, name_en, code, website, contact) {
            (Some(k), Some(zh), Some(en), Some(code), Some(w), Some(c)) => Ok(OrgData::new(k, zh, en, &code, w, c)),
            _ => Err(form),
        }
    }
}

fn org_form(ctx: Ctx, form: Form, org_id: Option<i64>, status: StatusCode) -> AppResult<HttpResponse> {
    render_status(status, &OrgFormPage { ctx, form, kinds: OrgKind::ALL, org_id })
}

pub async fn org_new(ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    admin(&user)?;
    org_form(ctx, Form::new().with("kind", "platform"), None, StatusCode::OK)
}

async fn save_org(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: Option<i64>,
    input: OrgInput,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let data = match input.parse(lang) {
        Ok(d) => d,
        Err(form) => return org_form(ctx, form, id, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let actor = user.actor();
    let result = state
        .tx(move |c| {
            let r = match id {
                Some(id) => orgs::update(c, actor, id, &data).map(|_| id),
                None => orgs::insert(c, actor, &data),
            };
            match r {
                Ok(id) => Ok(Ok(id)),
                Err(OrgSaveError::Db(e)) => Err(e.into()),
                Err(OrgSaveError::NotFound) => Err(AppError::NotFound),
                Err(e) => Ok(Err(e)),
            }
        })
        .await?;
    match result {
        Ok(_) => Ok(redirect_with_flash("/admin/orgs", "flash.org_saved")),
        Err(_) => {
            let mut form = input.form();
            form.error(lang, "credit_code", "error.credit_code.taken");
            org_form(ctx, form, id, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

pub async fn org_create(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    input: web::Form<OrgInput>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    save_org(&state, ctx, &user, None, input.into_inner()).await
}

pub async fn org_edit(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let id = parse_id(&id)?;
    let o = state.db(move |c| Ok(orgs::get(c, id)?)).await?.ok_or(AppError::NotFound)?;
    let form = Form::new()
        .with("kind", o.kind.as_str())
        .with("name_zh", &o.name_zh)
        .with("name_en", &o.name_en)
        .with("credit_code", &o.credit_code)
        .with("website", &o.website)
        .with("contact", &o.contact);
    org_form(ctx, form, Some(id), StatusCode::OK)
}

pub async fn org_update(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<OrgInput>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let id = parse_id(&id)?;
    save_org(&state, ctx, &user, Some(id), input.into_inner()).await
}
