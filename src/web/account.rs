//! `/account`: a signed-in user's own account — their name and language,
//! their e-mail (the current password required), their password (every other
//! session of theirs ends, this one goes on), and their sessions (end one, or
//! every other).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::password::Lane;
use crate::auth::CurrentUser;
use crate::db::users::UserRefusal;
use crate::db::{account, users, Fail};
use crate::domain::{text, Email, Password};
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
    langs: [Lang; 2],
    sessions: Vec<SessionView>,
    watching: Vec<crate::web::watch::WatchedView>,
}

/// One of the user's sessions as the page lists it.
pub struct SessionView {
    /// Names the session in the URL to end it (not the stored hash itself).
    pub handle: String,
    pub device: String,
    pub address: String,
    pub created: String,
    pub last_seen: String,
    /// The session of this very request.
    pub current: bool,
}

/// A session's name in URLs: a digest of its stored hash.
fn handle(id_hash: &str) -> String {
    crate::auth::sha256_hex(id_hash)[..20].to_owned()
}

/// What the forms start from: the stored values, then whatever was typed over them.
fn stored_form(own: &account::Own, typed: &[(&str, &str)]) -> Form {
    let mut form = Form::new()
        .with("display_name", &own.display_name)
        .with("lang", &own.lang)
        .with("email", &own.email)
        .with("version", &own.version.to_string());
    for (name, value) in typed {
        form.set(name, value);
    }
    form
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    page_typed(state, ctx, user, form, &[], status).await
}

/// The page; `typed` values (a form shown again) go over the stored ones.
async fn page_typed(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: Form,
    typed: &[(&str, &str)],
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let id = user.id;
    let (idle, lifetime) = (state.settings.session_idle, state.settings.session_lifetime);
    let (own, rows) = state
        .db(move |c| {
            let own = account::own(c, id)?;
            let rows = account::sessions(c, id, crate::db::now(), idle, lifetime)?;
            Ok((own, rows))
        })
        .await?;
    let own = own.ok_or(AppError::NotFound)?;
    let watching = crate::web::watch::watched(state, ctx.lang, id).await?;
    let mut shown = stored_form(&own, typed);
    for e in form.errors() {
        shown.error_labelled(&e.name, &e.label, e.message.clone());
    }
    shown.message = form.message.clone();
    let this = ctx.user.as_ref().map(|u| u.session_hash.as_str()).unwrap_or("");
    let lang = ctx.lang;
    // This device first, then the most recently used.
    let mut rows = rows;
    rows.sort_by_key(|r| r.id_hash != this);
    let sessions = rows
        .iter()
        .map(|r| SessionView {
            handle: handle(&r.id_hash),
            device: crate::domain::useragent::describe(&r.user_agent).unwrap_or_else(|| match r.user_agent.trim() {
                "" => lang.t("account.device_unknown").to_owned(),
                ua => crate::domain::useragent::shorten(ua, 60),
            }),
            address: r.address.clone(),
            created: lang.datetime(r.created_at),
            last_seen: lang.datetime(r.last_seen_at),
            current: r.id_hash == this,
        })
        .collect();
    let page = AccountPage {
        ctx,
        email: own.email,
        display_name: own.display_name,
        form: shown,
        langs: Lang::ALL,
        sessions,
        watching,
    };
    render_status(status, &page)
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

#[derive(Deserialize)]
pub struct ProfileInput {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    version: String,
}

/// Name and language. The language is also the page's from now on (the
/// language cookie) and the one the user's mail comes in.
pub async fn update_profile(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    input: web::Form<ProfileInput>,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let typed = [("display_name", input.display_name.as_str()), ("lang", input.lang.as_str())];
    let mut form = Form::new();
    let name = form.check(lang, "display_name", text::bounded(&input.display_name, true, 100));
    let chosen = form.check(lang, "lang", Lang::from_code(&input.lang).ok_or("error.lang.choose"));
    let version = input.version.trim().parse::<i32>().ok();
    let (Some(name), Some(chosen), Some(version)) = (name, chosen, version) else {
        if version.is_none() && !form.has_errors() {
            return Err(AppError::BadRequest("error.400"));
        }
        return page_typed(&state, ctx, &user, form, &typed, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (actor, id, code) = (user.actor(), user.id, chosen.code());
    let outcome = state.act(move |c| account::update_profile(c, actor, id, version, &name, code)).await?;
    let secure = state.settings.secure_cookies;
    respond(
        lang,
        outcome,
        form,
        |_| {
            let mut res = redirect_with_flash("/account", "flash.account_saved");
            let cookie = actix_web::cookie::Cookie::build(crate::web::LANG_COOKIE, code)
                .path("/")
                .same_site(actix_web::cookie::SameSite::Lax)
                .secure(secure)
                .max_age(actix_web::cookie::time::Duration::days(365))
                .finish();
            let _ = res.add_cookie(&cookie);
            res
        },
        |form, status| async move { page_typed(&state, ctx, &user, form, &typed, status).await },
    )
    .await
}

#[derive(Deserialize)]
pub struct EmailInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    email_current: String,
    #[serde(default)]
    version: String,
}

/// A new e-mail (the sign-in name): the current password first.
pub async fn change_email(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    input: web::Form<EmailInput>,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let typed = [("email", input.email.as_str())];
    let mut form = Form::new();
    let email = form.check(lang, "email", Email::parse(&input.email));
    let version = input.version.trim().parse::<i32>().map_err(|_| AppError::BadRequest("error.400"))?;
    let id = user.id;
    let stored = state.db(move |c| Ok(users::get(c, id)?)).await?.ok_or(AppError::NotFound)?;
    if input.email_current.is_empty() {
        form.error(lang, "email_current", "error.required");
    } else {
        let verified =
            state.hasher.verify(Lane::Trusted, Some(stored.password_hash.clone()), input.email_current.clone()).await?;
        if !verified.ok {
            form.error(lang, "email_current", "error.password.current");
        }
    }
    if email.as_ref().is_some_and(|e| e.as_str() == stored.email) {
        form.error(lang, "email", "error.email.same");
    }
    let (Some(email), false) = (email, form.has_errors()) else {
        return page_typed(&state, ctx, &user, form, &typed, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let actor = user.actor();
    let outcome = state.act(move |c| account::change_email(c, actor, id, version, &email)).await?;
    respond(
        lang,
        outcome,
        form,
        |_| redirect_with_flash("/account", "flash.email_changed"),
        |form, status| async move { page_typed(&state, ctx, &user, form, &typed, status).await },
    )
    .await
}

/// Sign out everywhere else: every session of the user but this one ends.
pub async fn end_other_sessions(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    let keep = ctx.user.as_ref().map(|s| s.session_hash.clone()).ok_or(AppError::NotFound)?;
    let (actor, id) = (user.actor(), user.id);
    state.tx(move |c| Ok(account::end_other_sessions(c, actor, id, &keep)?)).await?;
    Ok(redirect_with_flash("/account#sessions", "flash.sessions_ended"))
}

/// End one other session of the user's (named by its handle on the page).
pub async fn end_session(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let keep = ctx.user.as_ref().map(|s| s.session_hash.clone()).ok_or(AppError::NotFound)?;
    let wanted = path.into_inner();
    let (actor, id) = (user.actor(), user.id);
    let (idle, lifetime) = (state.settings.session_idle, state.settings.session_lifetime);
    let outcome = state
        .act(move |c| {
            let rows = account::sessions(c, id, crate::db::now(), idle, lifetime)?;
            let target = rows.into_iter().find(|r| handle(&r.id_hash) == wanted);
            let target = target.ok_or(Fail::Refused(UserRefusal::NotFound))?;
            account::end_session(c, actor, id, &target.id_hash, &keep)
        })
        .await?;
    respond(
        ctx.lang,
        outcome,
        Form::new(),
        |_| redirect_with_flash("/account#sessions", "flash.session_ended"),
        |form, status| async move { page(&state, ctx, &user, form, status).await },
    )
    .await
}
