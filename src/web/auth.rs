//! Signing in and out, and the language switch.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Duration, NaiveDateTime};
use serde::Deserialize;

use super::forms::Form;
use super::{redirect, render, render_status, AppState, Ctx, LANG_COOKIE};
use crate::auth::session::{self, safe_next};
use crate::db::{self, audit, sessions, throttle, users, DbConn};
use crate::error::{AppError, AppResult};

/// Failed logins allowed per account and per address within [`WINDOW_MINUTES`].
pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_MINUTES: i64 = 15;

pub const DEMO_ACCOUNTS: [&str; 5] =
    ["admin@example.org", "editor@example.org", "reviewer@example.org", "filer@example.org", "filer2@example.org"];

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
        let demo_accounts: &'static [&'static str] = if ctx.demo { &DEMO_ACCOUNTS } else { &[] };
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

/// When the lock on `scope` ends, if it has reached the failure limit.
fn locked_until(conn: &mut DbConn, scope: &str, now: NaiveDateTime) -> AppResult<Option<NaiveDateTime>> {
    let since = now - Duration::minutes(WINDOW_MINUTES);
    let (n, _) = throttle::count_since(conn, scope, since)?;
    if n < MAX_FAILURES {
        return Ok(None);
    }
    let nth = throttle::nth_latest_since(conn, scope, since, MAX_FAILURES)?;
    Ok(nth.map(|t| t + Duration::minutes(WINDOW_MINUTES)))
}

fn lock_state(conn: &mut DbConn, scopes: &[String]) -> AppResult<Option<NaiveDateTime>> {
    let now = db::now();
    let mut until = None;
    for s in scopes {
        until = until.max(locked_until(conn, s, now)?);
    }
    Ok(until)
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

pub async fn login(state: web::Data<AppState>, ctx: Ctx, input: web::Form<LoginInput>) -> AppResult<HttpResponse> {
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
    let scopes = vec![format!("login:acct:{email}"), format!("login:ip:{}", ctx.client_ip)];
    let (until, user) = {
        let (scopes, email) = (scopes.clone(), email.clone());
        state.db(move |c| Ok((lock_state(c, &scopes)?, users::by_email(c, &email)?))).await?
    };
    if let Some(until) = until {
        return locked_page(ctx, &input, until);
    }

    let stored = user.as_ref().filter(|u| u.active).map(|u| u.password_hash.clone());
    let verified = state.hasher.verify(stored, input.password.clone()).await?;
    let user = match user {
        Some(u) if verified.ok && u.active => u,
        _ => {
            let until = {
                let scopes = scopes.clone();
                state
                    .tx(move |c| {
                        let now = db::now();
                        for s in &scopes {
                            throttle::record(c, s, now)?;
                        }
                        lock_state(c, &scopes)
                    })
                    .await?
            };
            if let Some(until) = until {
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
    let account_scope = scopes[0].clone();
    state
        .tx(move |c| {
            let now = db::now();
            let actor = audit::Actor { user_id: Some(user.id), org_id: Some(user.organization_id) };
            throttle::clear(c, &account_scope)?;
            if let Some(h) = new_hash {
                users::set_password_hash(c, actor, user.id, &h, false)?;
            }
            if let Some(old) = old_session {
                sessions::delete(c, &old)?;
            }
            sessions::create(c, &token_hash, user.id, &csrf)?;
            sessions::purge_expired(c, now, idle, lifetime)?;
            throttle::purge(c, now - Duration::days(1))?;
            audit::record::<(), ()>(c, actor, "session", Some(user.id), "login", None, None)?;
            Ok(())
        })
        .await?;
    let target = safe_next(&input.next).unwrap_or("/");
    let mut res = super::redirect_with_flash(target, "flash.signed_in");
    res.add_cookie(&session::cookie(token, state.settings.secure_cookies, state.settings.session_lifetime_hours))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}

pub async fn logout(state: web::Data<AppState>, ctx: Ctx) -> AppResult<HttpResponse> {
    if let Some(u) = ctx.user.clone() {
        state
            .tx(move |c| {
                sessions::delete(c, &u.session_hash)?;
                let actor = audit::Actor { user_id: Some(u.user_id), org_id: Some(u.org_id) };
                audit::record::<(), ()>(c, actor, "session", Some(u.user_id), "logout", None, None)?;
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
