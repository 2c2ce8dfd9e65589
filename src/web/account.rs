//! `/account`: a signed-in user's own account — who they are, and changing
//! their own password (the current one required; every other session of
//! theirs ends, this one goes on).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::password::Lane;
use crate::auth::CurrentUser;
use crate::db::{users, Fail};
use crate::domain::Password;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::web::flow::{respond, RefusalKind, UserError};
use crate::web::forms::Form;
use crate::web::{redirect_with_flash, render_status, AppState, Ctx};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: Ctx,
    email: String,
    display_name: String,
    form: Form,
    watching: Vec<crate::web::watch::WatchedView>,
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let id = user.id;
    let u = state.db(move |c| Ok(users::get(c, id)?)).await?.ok_or(AppError::NotFound)?;
    let watching = crate::web::watch::watched(state, ctx.lang, id).await?;
    render_status(status, &AccountPage { ctx, email: u.email, display_name: u.display_name, form, watching })
}

pub async fn show(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    page(&state, ctx, &user, Form::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password_new: String,
}

/// Why a password was not changed after the checks (the account went away meanwhile).
#[derive(Debug)]
pub struct Gone;

impl UserError for Gone {
    fn kind(&self) -> RefusalKind {
        RefusalKind::NotFound
    }

    fn place(&self, _: Lang, _: &mut Form) {}
}

pub async fn change_password(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    input: web::Form<PasswordChange>,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let id = user.id;
    let mut form = Form::new();
    let stored = state.db(move |c| Ok(users::get(c, id)?)).await?.ok_or(AppError::NotFound)?;
    // The current password first, through the trusted lane of the bounded hasher.
    let verified =
        state.hasher.verify(Lane::Trusted, Some(stored.password_hash.clone()), input.current.clone()).await?;
    if !verified.ok {
        form.error(lang, "current", "error.password.current");
    }
    let new = form.check(
        lang,
        "password_new",
        Password::new_for(&input.password_new, &[&stored.email, &stored.display_name]),
    );
    if new.is_some() && input.password_new == input.current {
        form.error(lang, "password_new", "error.password.same");
    }
    let (Some(new), false) = (new, form.has_errors()) else {
        return page(&state, ctx, &user, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let hash = state.hasher.hash(new.expose().to_owned()).await?;
    let actor = user.actor();
    let keep = ctx.user.as_ref().map(|s| s.session_hash.clone()).unwrap_or_default();
    let outcome = state
        .act(move |c| {
            users::get(c, id)?.ok_or(Fail::Refused(Gone))?;
            Ok::<_, Fail<Gone>>(users::change_own_password(c, actor, id, &hash, &keep)?)
        })
        .await?;
    respond(
        lang,
        outcome,
        form,
        |_| redirect_with_flash("/account", "flash.password_changed"),
        |form, status| async move { page(&state, ctx, &user, form, status).await },
    )
    .await
}
