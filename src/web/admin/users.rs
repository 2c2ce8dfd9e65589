//! `/admin/users`: the list, and creating (by invitation: the new user sets
//! their own password through a link sent by mail), editing (or disabling) a
//! user, sending an invitation again and resetting their password.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{admin, PageQuery, PER_PAGE};
use crate::auth::CurrentUser;
use crate::db::orgs::{self, Org};
use crate::db::tokens::{self, InviteRefusal};
use crate::db::users::{self, NewUser, User, UserEdit, UserListItem, UserRefusal};
use crate::db::Fail;
use crate::domain::{text, Email, Password, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::web::flow::{respond, Id, RefusalKind, UserError};
use crate::web::forms::Form;
use crate::web::{query_base, redirect_with_flash, render, render_status, AppState, Ctx, Pager};

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<UserListItem>,
    pager: Pager,
}

pub async fn list(
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
    /// Invited, no password set yet: the page offers to send the invitation again.
    invited: bool,
}

impl UserError for UserRefusal {
    fn kind(&self) -> RefusalKind {
        match self {
            UserRefusal::NotFound => RefusalKind::NotFound,
            UserRefusal::Stale => RefusalKind::Stale,
            UserRefusal::DuplicateEmail | UserRefusal::UnknownOrg | UserRefusal::SelfLockout => RefusalKind::Invalid,
        }
    }

    fn place(&self, lang: Lang, form: &mut Form) {
        match self {
            UserRefusal::DuplicateEmail => form.error(lang, "email", "error.email.taken"),
            UserRefusal::UnknownOrg => form.error(lang, "organization_id", "error.org.choose"),
            UserRefusal::SelfLockout => form.error(lang, "active", "error.user.self_lockout"),
            UserRefusal::Stale => form.message = Some(lang.t("error.user.stale").to_owned()),
            UserRefusal::NotFound => {}
        }
    }
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
    active: Option<String>,
    /// The version of the user the edit form showed.
    #[serde(default)]
    version: String,
}

/// The parts of the form that creating and editing share, as typed.
fn shared_form(display_name: &str, organization_id: &str, role: &str, active: bool) -> Form {
    let mut f =
        Form::new().with("display_name", display_name).with("organization_id", organization_id).with("role", role);
    if active {
        f.set("active", "on");
    }
    f
}

impl UserInput {
    fn form(&self) -> Form {
        shared_form(&self.display_name, &self.organization_id, &self.role, self.active.is_some())
            .with("email", &self.email)
            .with("version", &self.version)
    }

    /// The edit as typed, checked field by field; `None` when a field is wrong
    /// (the form then says which).
    fn edit(&self, lang: Lang, form: &mut Form) -> Option<UserEdit> {
        let name = form.check(lang, "display_name", text::bounded(&self.display_name, true, 100));
        let org = form.check(
            lang,
            "organization_id",
            self.organization_id.trim().parse::<i64>().map_err(|_| "error.org.choose"),
        );
        let role = form.check(lang, "role", Role::parse(&self.role));
        Some(UserEdit { display_name: name?, organization_id: org?, role: role?, active: self.active.is_some() })
    }
}

/// The stored user as the edit form shows it.
fn stored_form(u: &User) -> Form {
    shared_form(&u.display_name, &u.organization_id.to_string(), u.role.as_str(), u.active)
        .with("version", &u.version.to_string())
}

async fn form_page(
    state: &AppState,
    ctx: Ctx,
    form: Form,
    user_id: Option<i64>,
    email: String,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (orgs, invited) = state
        .db(move |c| {
            let invited = match user_id {
                Some(id) => users::get(c, id)?.is_some_and(|u| u.invited() && u.active),
                None => false,
            };
            Ok((orgs::all(c)?, invited))
        })
        .await?;
    render_status(status, &UserFormPage { ctx, form, orgs, roles: Role::ALL, user_id, email, invited })
}

/// The user to edit, or 404.
async fn stored(state: &AppState, id: i64) -> AppResult<User> {
    state.db(move |c| Ok(users::get(c, id)?)).await?.ok_or(AppError::NotFound)
}

pub async fn new(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    admin(&user)?;
    let form = shared_form("", "", Role::Filer.as_str(), true);
    form_page(&state, ctx, form, None, String::new(), StatusCode::OK).await
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    input: web::Form<UserInput>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let lang = ctx.lang;
    let mut form = input.form();
    let email = form.check(lang, "email", Email::parse(&input.email));
    let edit = input.edit(lang, &mut form);
    let (Some(email), Some(edit)) = (email, edit) else {
        return form_page(&state, ctx, form, None, String::new(), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let actor = user.actor();
    let token = crate::auth::random_hex(32);
    let outcome = state
        .act(move |c| {
            let new = NewUser {
                email: &email,
                display_name: &edit.display_name,
                organization_id: edit.organization_id,
                role: edit.role,
                password_hash: users::INVITED_HASH,
            };
            // The account and its invitation (token, message, audit) in one transaction.
            let id = users::insert(c, actor, &new)?;
            tokens::invite(c, actor, id, &token).map_err(|e| match e {
                Fail::Refused(_) => Fail::Refused(UserRefusal::NotFound),
                Fail::Db(e) => Fail::Db(e),
            })
        })
        .await?;
    respond(
        lang,
        outcome,
        form,
        |_| redirect_with_flash("/admin/users", "flash.user_invited"),
        |form, status| form_page(&state, ctx, form, None, String::new(), status),
    )
    .await
}

pub async fn edit(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let u = stored(&state, id.get()).await?;
    form_page(&state, ctx, stored_form(&u), Some(u.id), u.email, StatusCode::OK).await
}

pub async fn update(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
    input: web::Form<UserInput>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let (id, lang) = (id.get(), ctx.lang);
    let existing = stored(&state, id).await?;
    let expected: i32 = input.version.trim().parse().map_err(|_| AppError::Conflict("error.user.stale"))?;
    let mut form = input.form();
    let Some(edit) = input.edit(lang, &mut form) else {
        return form_page(&state, ctx, form, Some(id), existing.email, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let actor = user.actor();
    let outcome = state.act(move |c| users::update(c, actor, id, expected, &edit)).await?;
    respond(
        lang,
        outcome,
        form,
        |()| redirect_with_flash("/admin/users", "flash.user_saved"),
        |mut form, status| async move {
            if status == StatusCode::CONFLICT {
                // The input stays; saving it again is a deliberate choice over the current user.
                let current = stored(&state, id).await?;
                form.set("version", &current.version.to_string());
            }
            form_page(&state, ctx, form, Some(id), existing.email, status).await
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct PasswordInput {
    #[serde(default)]
    password: String,
}

pub async fn password(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
    input: web::Form<PasswordInput>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let (id, lang) = (id.get(), ctx.lang);
    let existing = stored(&state, id).await?;
    let mut form = stored_form(&existing);
    let Some(password) = form.check(lang, "password", Password::new(&input.password)) else {
        return form_page(&state, ctx, form, Some(id), existing.email, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let hash = state.hasher.hash(password.expose().to_owned()).await?;
    let actor = user.actor();
    let outcome = state.act(move |c| users::reset_password(c, actor, id, &hash)).await?;
    respond(
        lang,
        outcome,
        form,
        |()| redirect_with_flash(&format!("/admin/users/{id}"), "flash.password_reset"),
        |form, status| form_page(&state, ctx, form, Some(id), existing.email, status),
    )
    .await
}

impl UserError for InviteRefusal {
    fn kind(&self) -> RefusalKind {
        match self {
            InviteRefusal::NotFound => RefusalKind::NotFound,
            InviteRefusal::PasswordSet => RefusalKind::Stale,
        }
    }

    fn place(&self, lang: Lang, form: &mut Form) {
        if let InviteRefusal::PasswordSet = self {
            form.message = Some(lang.t("error.user.not_invited").to_owned());
        }
    }
}

/// Send an invited user's invitation again: a new link, the old one dies.
pub async fn invite(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let (id, lang) = (id.get(), ctx.lang);
    let existing = stored(&state, id).await?;
    let form = stored_form(&existing);
    let actor = user.actor();
    let token = crate::auth::random_hex(32);
    let outcome = state.act(move |c| tokens::invite(c, actor, id, &token)).await?;
    respond(
        lang,
        outcome,
        form,
        |()| redirect_with_flash(&format!("/admin/users/{id}"), "flash.invitation_sent"),
        |form, status| form_page(&state, ctx, form, Some(id), existing.email, status),
    )
    .await
}
