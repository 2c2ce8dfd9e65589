//! Signing in and out, and the language switch.

use crate::domain::audit::{Action, Object};
use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Duration, NaiveDateTime};
use serde::Deserialize;

use super::forms::Form;
use super::{redirect, render, render_status, AppState, Ctx, LANG_COOKIE};
use crate::auth::password::Lane;
use crate::auth::session::{self, safe_next};
use crate::auth::{device, throttle};
use crate::db::{self, audit, security_log, sessions, users};
use crate::error::{AppError, AppResult};

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    ctx: Ctx,
    form: Form,
    next: String,
    demo_accounts: &'static [&'static str],
}

impl LoginPage {
    fn new(ctx: Ctx, form: Form, next: &str) -> Self {
        let demo_accounts = ctx.demo_accounts;
        LoginPage { ctx, form, next: safe_next(next).unwrap_or("").to_owned(), demo_accounts }
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(ctx: Ctx, q: web::Query<NextQuery>) -> AppResult<HttpResponse> {
    if ctx.user.is_some() {
        return Ok(redirect(safe_next(&q.next).unwrap_or("/")));
    }
    render(&LoginPage::new(ctx, Form::new(), &q.next))
}

#[derive(Deserialize)]
pub struct LoginInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

fn locked_page(ctx: Ctx, input: &LoginInput, until: NaiveDateTime) -> AppResult<HttpResponse> {
    let mut form = Form::new().with("email", &input.email);
    form.message = Some(ctx.tf("login.locked", &[("time", &ctx.lang.time(until))]));
    let retry = (until - db::now()).num_seconds().max(1);
    let mut res = render_status(StatusCode::TOO_MANY_REQUESTS, &LoginPage::new(ctx, form, &input.next))?;
    if let Ok(v) = header::HeaderValue::from_str(&retry.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(res)
}

/// The security log's detail of a delay: `{rule}@{until, UTC}` (shown in words on the log page).
fn until_detail(rule: &throttle::Rule, until: NaiveDateTime) -> String {
    format!("{}@{}", rule.name, until.format("%Y-%m-%dT%H:%M:%S"))
}

pub async fn login(
    state: web::Data<AppState>,
    ctx: Ctx,
    req: HttpRequest,
    input: web::Form<LoginInput>,
) -> AppResult<HttpResponse> {
    let input = input.into_inner();
    let lang = ctx.lang;
    let mut form = Form::new().with("email", &input.email);
    if input.email.trim().is_empty() {
        form.error(lang, "email", "error.required");
    } else if input.email.len() > 254 {
        form.error(lang, "email", "error.email.invalid");
    }
    if input.password.is_empty() {
        form.error(lang, "password", "error.required");
    } else if input.password.len() > 1024 {
        form.error(lang, "password", "error.password.long");
    }
    if form.has_errors() {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &LoginPage::new(ctx, form, &input.next));
    }

    let email = input.email.trim().to_lowercase();
    let device = req.cookie(device::COOKIE).and_then(|c| device::verify(&state.secret, c.value()));
    let attempt = throttle::Attempt { email: email.clone(), address: ctx.client_ip.clone(), device };
    let event = |detail: Option<String>, user_id: Option<i64>| security_log::NewEvent {
        email: Some(email.clone()),
        user_id,
        detail,
        ..ctx.security_event()
    };
    let (user, trusted, wait) = {
        let attempt = attempt.clone();
        state
            .db(move |c| {
                let now = db::now();
                let user = users::by_email(c, &attempt.email)?;
                let trusted = throttle::is_trusted(c, &attempt, user.as_ref().filter(|u| u.active).map(|u| u.id), now)?;
                let wait = throttle::check(c, &attempt, trusted, now)?;
                Ok((user, trusted, wait))
            })
            .await?
    };
    if let Some((until, rule)) = wait {
        let e = event(Some(until_detail(&rule, until)), user.as_ref().map(|u| u.id));
        state.tx(move |c| Ok(security_log::record(c, security_log::Kind::LoginLocked, &e)?)).await?;
        return locked_page(ctx, &input, until);
    }

    // An invited user has no password yet: verified like an unknown account, never matched.
    let stored = user.as_ref().filter(|u| u.active && !u.invited()).map(|u| u.password_hash.clone());
    let lane = if trusted { Lane::Trusted } else { Lane::Untrusted };
    let verified = state.hasher.verify(lane, stored, input.password.clone()).await?;
    let user = match user {
        Some(u) if verified.ok && u.active && !u.invited() => u,
        other => {
            let failed =
                event(Some(if trusted { "trusted".into() } else { "untrusted".into() }), other.as_ref().map(|u| u.id));
            let locked = failed.clone();
            let attempt = attempt.clone();
            let until = state
                .tx(move |c| {
                    let now = db::now();
                    let until = throttle::failed(c, &attempt, trusted, now)?;
                    security_log::record(c, security_log::Kind::LoginFailed, &failed)?;
                    if let Some((until, rule)) = until {
                        let e = security_log::NewEvent { detail: Some(until_detail(&rule, until)), ..locked };
                        security_log::record(c, security_log::Kind::Lockout, &e)?;
                    }
                    Ok(until)
                })
                .await?;
            if let Some((until, _)) = until {
                return locked_page(ctx, &input, until);
            }
            form.message = Some(ctx.t("login.failed").to_owned());
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &LoginPage::new(ctx, form, &input.next));
        }
    };

    let new_hash = if verified.needs_rehash { Some(state.hasher.hash(input.password.clone()).await?) } else { None };
    let (token, token_hash) = session::new_token();
    let csrf = crate::auth::random_hex(32);
    let old_session = ctx.user.as_ref().map(|u| u.session_hash.clone());
    let (idle, lifetime) = (state.settings.session_idle, state.settings.session_lifetime);
    let actor = audit::Actor::user(user.id, user.organization_id).from_address(&ctx.client_ip);
    let user_id = user.id;
    let lang = ctx.lang.code();
    let (user_agent, address) = (ctx.user_agent.clone(), ctx.client_ip.clone());
    state
        .tx(move |c| {
            let now = db::now();
            throttle::succeeded(c, &attempt)?;
            // Their mail comes in the language they sign in with.
            db::notify::remember_language(c, user_id, lang)?;
            if let Some(h) = new_hash {
                users::set_password_hash(c, actor, user_id, &h, false)?;
            }
            if let Some(old) = old_session {
                sessions::delete(c, &old)?;
            }
            let from = sessions::Origin { user_agent: &user_agent, address: &address };
            sessions::create(c, &token_hash, user_id, &csrf, &from)?;
            sessions::purge_expired(c, now, idle, lifetime)?;
            db::throttle::purge(c, now - Duration::days(1))?;
            security_log::purge(c, now)?;
            audit::record::<(), ()>(c, actor, Object::Session, Some(user_id), Action::Login, None, None)?;
            Ok(())
        })
        .await?;
    // Staff land on what they have to do.
    let target = safe_next(&input.next).unwrap_or("/todo");
    let mut res = super::redirect_with_flash(target, "flash.signed_in");
    let secure = state.settings.secure_cookies;
    res.add_cookie(&session::cookie(token, secure, state.settings.session_lifetime_hours))
        .and_then(|_| res.add_cookie(&device::cookie(device::issue(&state.secret, user_id), secure)))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}

pub async fn logout(state: web::Data<AppState>, ctx: Ctx) -> AppResult<HttpResponse> {
    if let Some(u) = ctx.user.clone() {
        state
            .tx(move |c| {
                sessions::delete(c, &u.session_hash)?;
                let actor = u.user.actor();
                audit::record::<(), ()>(c, actor, Object::Session, Some(u.user.id), Action::Logout, None, None)?;
                Ok(())
            })
            .await?;
    }
    let mut res = super::redirect_with_flash("/", "flash.signed_out");
    res.add_cookie(&session::removal_cookie(state.settings.secure_cookies))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}

pub async fn switch_language(
    path: web::Path<String>,
    q: web::Query<NextQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let lang = crate::i18n::Lang::from_code(&path).ok_or(AppError::NotFound)?;
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies)
        .max_age(time::Duration::days(365))
        .finish();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, safe_next(&q.next).unwrap_or("/")))
        .cookie(cookie)
        .finish())
}
