//! Links sent by mail that set a password: `/password/forgot` asks for a
//! reset link, `/password/reset/{token}` uses it, `/invite/{token}` sets an
//! invited user's first password. The asker of a reset link is told the same
//! whatever the address (nobody learns which addresses have accounts); the
//! requests are limited per client address. A new password passes the same
//! strength check as everywhere; using a link ends every session of the user
//! and sends them to sign in.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Duration;
use serde::Deserialize;

use crate::db::tokens::{self, LinkRefusal, Purpose};
use crate::db::{self, throttle, users::User, Fail};
use crate::domain::{Email, Password};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::web::flow::Outcome;
use crate::web::forms::Form;
use crate::web::{redirect_with_flash, render, render_status, AppState, Ctx};

/// Reset requests from one client address within [`WINDOW_MINUTES`] before it must wait.
pub const PER_ADDRESS: i64 = 5;
/// Reset messages to one address within [`WINDOW_MINUTES`]: more requests are
/// answered the same but send nothing (nobody's mailbox is flooded).
pub const PER_EMAIL: i64 = 3;
pub const WINDOW_MINUTES: i64 = 15;

#[derive(Template)]
#[template(path = "password/forgot.html")]
struct ForgotPage {
    ctx: Ctx,
    form: Form,
}

pub async fn forgot_form(ctx: Ctx) -> AppResult<HttpResponse> {
    render(&ForgotPage { ctx, form: Form::new() })
}

#[derive(Deserialize)]
pub struct ForgotInput {
    #[serde(default)]
    email: String,
}

pub async fn forgot(state: web::Data<AppState>, ctx: Ctx, input: web::Form<ForgotInput>) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let mut form = Form::new().with("email", &input.email);
    let Some(email) = form.check(lang, "email", Email::parse(&input.email)) else {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &ForgotPage { ctx, form });
    };
    let address = format!("password:ip:{}", ctx.client_ip);
    let account = format!("password:acct:{}", email.as_str());
    // Made whatever the address: known and unknown addresses cost the same work.
    let token = crate::auth::random_hex(32);
    let email = email.as_str().to_owned();
    let allowed = state
        .tx(move |c| {
            let now = db::now();
            let since = now - Duration::minutes(WINDOW_MINUTES);
            if throttle::count_since(c, &address, since)?.0 >= PER_ADDRESS {
                return Ok(false);
            }
            throttle::record(c, &address, now)?;
            let flooded = throttle::count_since(c, &account, since)?.0 >= PER_EMAIL;
            throttle::record(c, &account, now)?;
            if flooded {
                let _ = tokens::hash(&token);
            } else {
                tokens::request_reset(c, &email, &token)?;
            }
            Ok(true)
        })
        .await?;
    if !allowed {
        form.message = Some(ctx.t("forgot.throttled").to_owned());
        let mut res = render_status(StatusCode::TOO_MANY_REQUESTS, &ForgotPage { ctx, form })?;
        res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(WINDOW_MINUTES * 60));
        return Ok(res);
    }
    Ok(redirect_with_flash("/login", "flash.reset_requested"))
}

/// The new-password form of a reset link or an invitation.
#[derive(Template)]
#[template(path = "password/set.html")]
struct SetPage {
    ctx: Ctx,
    form: Form,
    invitation: bool,
    /// Where the form posts (the link itself).
    action: String,
    lead: String,
}

/// A link that cannot be used, in words: 404 for an unknown (or used) one, 410 for an expired one.
#[derive(Template)]
#[template(path = "password/invalid.html")]
struct InvalidPage {
    ctx: Ctx,
    invitation: bool,
    message: &'static str,
}

fn invalid(ctx: Ctx, purpose: Purpose, why: LinkRefusal) -> AppResult<HttpResponse> {
    let (status, key) = match why {
        LinkRefusal::Unknown => (StatusCode::NOT_FOUND, "link.unknown"),
        LinkRefusal::Void => (StatusCode::GONE, "link.void"),
    };
    let message = ctx.t(key);
    render_status(status, &InvalidPage { invitation: purpose == Purpose::Invitation, message, ctx })
}

/// A token as made by [`crate::auth::random_hex`]: 64 hex digits; anything else is no link.
fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The user of a usable link, with their organization's names (for an invitation's words).
async fn holder(
    state: &AppState,
    purpose: Purpose,
    token: &str,
) -> AppResult<Result<(User, String, String), LinkRefusal>> {
    if !well_formed(token) {
        return Ok(Err(LinkRefusal::Unknown));
    }
    let token = token.to_owned();
    state
        .db(move |c| match tokens::check(c, purpose, &token) {
            Ok(u) => {
                let org = db::orgs::get(c, u.organization_id)?.ok_or(AppError::NotFound)?;
                Ok(Ok((u, org.name_zh, org.name_en)))
            }
            Err(Fail::Refused(r)) => Ok(Err(r)),
            Err(Fail::Db(e)) => Err(e.into()),
        })
        .await
}

fn set_page(
    ctx: Ctx,
    purpose: Purpose,
    token: &str,
    held: &(User, String, String),
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (user, org_zh, org_en) = held;
    let lead = match purpose {
        Purpose::PasswordReset => ctx.tf("reset.lead", &[("email", &user.email)]),
        Purpose::Invitation => ctx.tf(
            "invite.lead",
            &[("email", &user.email), ("org", ctx.lang.pick(org_zh, org_en)), ("role", ctx.t(user.role.label_key()))],
        ),
    };
    let action = purpose.link(token);
    render_status(status, &SetPage { ctx, form, invitation: purpose == Purpose::Invitation, action, lead })
}

async fn show(state: &AppState, ctx: Ctx, purpose: Purpose, token: &str) -> AppResult<HttpResponse> {
    match holder(state, purpose, token).await? {
        Ok(held) => set_page(ctx, purpose, token, &held, Form::new(), StatusCode::OK),
        Err(why) => invalid(ctx, purpose, why),
    }
}

#[derive(Deserialize)]
pub struct SetInput {
    #[serde(default)]
    password: String,
}

async fn set(state: &AppState, ctx: Ctx, purpose: Purpose, token: &str, input: &SetInput) -> AppResult<HttpResponse> {
    let lang: Lang = ctx.lang;
    let held = match holder(state, purpose, token).await? {
        Ok(held) => held,
        Err(why) => return invalid(ctx, purpose, why),
    };
    let user = &held.0;
    let mut form = Form::new();
    let Some(password) =
        form.check(lang, "password", Password::new_for(&input.password, &[&user.email, &user.display_name]))
    else {
        return set_page(ctx, purpose, token, &held, form, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let hash = state.hasher.hash(password.expose().to_owned()).await?;
    let (address, owned) = (ctx.client_ip.clone(), token.to_owned());
    let outcome = state.act(move |c| tokens::redeem(c, &address, purpose, &owned, &hash)).await?;
    match outcome {
        Outcome::Done(_) => Ok(redirect_with_flash(
            "/login",
            match purpose {
                Purpose::PasswordReset => "flash.password_set_by_link",
                Purpose::Invitation => "flash.invitation_accepted",
            },
        )),
        Outcome::Refused(why) => invalid(ctx, purpose, why),
    }
}

pub async fn reset_form(state: web::Data<AppState>, ctx: Ctx, token: web::Path<String>) -> AppResult<HttpResponse> {
    show(&state, ctx, Purpose::PasswordReset, &token).await
}

pub async fn reset(
    state: web::Data<AppState>,
    ctx: Ctx,
    token: web::Path<String>,
    input: web::Form<SetInput>,
) -> AppResult<HttpResponse> {
    set(&state, ctx, Purpose::PasswordReset, &token, &input).await
}

pub async fn invite_form(state: web::Data<AppState>, ctx: Ctx, token: web::Path<String>) -> AppResult<HttpResponse> {
    show(&state, ctx, Purpose::Invitation, &token).await
}

pub async fn invite(
    state: web::Data<AppState>,
    ctx: Ctx,
    token: web::Path<String>,
    input: web::Form<SetInput>,
) -> AppResult<HttpResponse> {
    set(&state, ctx, Purpose::Invitation, &token, &input).await
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/password/forgot", web::get().to(forgot_form))
        .route("/password/forgot", web::post().to(forgot))
        .route("/password/reset/{token}", web::get().to(reset_form))
        .route("/password/reset/{token}", web::post().to(reset))
        .route("/invite/{token}", web::get().to(invite_form))
        .route("/invite/{token}", web::post().to(invite));
}
