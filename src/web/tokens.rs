//! `/account/tokens`: a user's API tokens — create one (name, scopes,
//! optional expiry; the secret is shown on the answer page only, once, and
//! never stored), see when and from where each was last used, revoke one.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::CurrentUser;
use crate::db::api_tokens::{self, NewToken, TokenRow};
use crate::domain::token::{check_name, parse_scopes, Scope};
use crate::error::{AppError, AppResult};
use crate::web::flow::Id;
use crate::web::forms::Form;
use crate::web::{redirect_with_flash, render_status, AppState, Ctx};

/// Expiry choices offered (days; empty: never).
const EXPIRY_DAYS: [&str; 4] = ["", "30", "90", "365"];

pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub last_address: String,
    /// "active", "revoked" or "expired" (CSS class and catalog key `tokens.state.*`).
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "account/tokens.html")]
struct TokensPage {
    ctx: Ctx,
    tokens: Vec<TokenView>,
    form: Form,
    scopes: [Scope; 2],
    expiry: [&'static str; 4],
    /// The secret of the token just created: shown once.
    created: Option<String>,
}

fn view(ctx: &Ctx, t: &TokenRow, now: chrono::NaiveDateTime) -> TokenView {
    let lang = ctx.lang;
    let state = if t.revoked_at.is_some() {
        "revoked"
    } else if t.live(now) {
        "active"
    } else {
        "expired"
    };
    let scopes = parse_scopes(&t.scopes).unwrap_or_default();
    TokenView {
        id: t.id,
        name: t.name.clone(),
        prefix: t.prefix.clone(),
        scopes: scopes.iter().map(|s| s.code()).collect::<Vec<_>>().join(" "),
        created: lang.datetime(t.created_at),
        expires: t.expires_at.map(|e| lang.datetime(e)).unwrap_or_else(|| lang.t("tokens.never").to_owned()),
        last_used: t.last_used_at.map(|e| lang.datetime(e)).unwrap_or_else(|| lang.t("tokens.unused").to_owned()),
        last_address: t.last_used_address.clone().unwrap_or_default(),
        state,
    }
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: Form,
    created: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let id = user.id;
    let rows = state.db(move |c| Ok(api_tokens::of_user(c, id)?)).await?;
    let now = crate::db::now();
    let tokens = rows.iter().map(|t| view(&ctx, t, now)).collect();
    render_status(status, &TokensPage { ctx, tokens, form, scopes: Scope::ALL, expiry: EXPIRY_DAYS, created })
}

pub async fn show(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    let form = Form::new().with("scope:reports:write", "on");
    page(&state, ctx, &user, form, None, StatusCode::OK).await
}

/// Create a token: the page again with its secret, shown this once (a
/// redirect would have to carry the secret in a cookie or the URL).
pub async fn create(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    input: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let field = |k: &str| input.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let mut form = Form::new().with("token_name", field("token_name")).with("token_expires", field("token_expires"));
    let name = field("token_name").trim().to_owned();
    if let Some(key) = check_name(&name) {
        form.error(lang, "token_name", key);
    }
    let mut scopes = Vec::new();
    for (_, v) in input.iter().filter(|(k, _)| k == "token_scope") {
        match Scope::parse(v) {
            Some(s) if !scopes.contains(&s) => {
                form.set(&format!("scope:{}", s.code()), "on");
                scopes.push(s);
            }
            Some(_) => {}
            None => form.error(lang, "token_scope", "error.token.scope"),
        }
    }
    if scopes.is_empty() {
        form.error(lang, "token_scope", "error.token.scope");
    }
    let days = match field("token_expires") {
        "" => None,
        d if EXPIRY_DAYS.contains(&d) => d.parse::<i64>().ok(),
        _ => {
            form.error(lang, "token_expires", "error.token.expires");
            None
        }
    };
    if form.has_errors() {
        return page(&state, ctx, &user, form, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let secret = crate::auth::token::new_secret();
    let (actor, user_id) = (user.actor(), user.id);
    let expires_at = days.map(|d| crate::db::now() + chrono::Duration::days(d));
    let (hash, prefix) = (secret.hash.clone(), secret.prefix.clone());
    state
        .tx(move |c| {
            let t = NewToken { user_id, name: &name, hash: &hash, prefix: &prefix, scopes: &scopes, expires_at };
            Ok(api_tokens::create(c, actor, &t)?)
        })
        .await?;
    let mut res = page(&state, ctx, &user, Form::new(), Some(secret.secret), StatusCode::OK).await?;
    // The secret must not be kept by a cache or the browser's history.
    res.headers_mut().insert(actix_web::http::header::CACHE_CONTROL, "no-store".parse().expect("a valid header"));
    Ok(res)
}

/// Revoke one of the user's own tokens (anyone else's: 404).
pub async fn revoke(state: web::Data<AppState>, user: CurrentUser, id: web::Path<Id>) -> AppResult<HttpResponse> {
    let (actor, user_id, id) = (user.actor(), user.id, id.into_inner().get());
    let done = state.tx(move |c| Ok(api_tokens::revoke(c, actor, user_id, id)?)).await?;
    if !done {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with_flash("/account/tokens", "flash.token.revoked"))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account/tokens", web::get().to(show))
        .route("/account/tokens", web::post().to(create))
        .route("/account/tokens/{id}/revoke", web::post().to(revoke));
}
