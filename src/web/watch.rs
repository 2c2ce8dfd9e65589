//! Following a standard or a pledge: signed-in users watch it (a button on
//! its page); the public subscribes by e-mail with double opt-in (a
//! confirmation link; confirming is a POST, so a mail scanner fetching the
//! link changes nothing); every message to a follower carries a one-click
//! unsubscribe link (RFC 8058), which works without a form token: the token
//! in the address is the capability (`auth::csrf::EXEMPT_PREFIXES`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::flow::Id;
use super::forms::Form;
use super::{redirect_with_flash, render_status, viewer, AppState, Ctx};
use crate::auth::CurrentUser;
use crate::db::watches::{self as wdb, Confirmed};
use crate::domain::watch::Followed;
use crate::domain::Email;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/standards/{id}/watch", web::post().to(watch_standard))
        .route("/standards/{id}/unwatch", web::post().to(unwatch_standard))
        .route("/standards/{id}/subscribe", web::post().to(subscribe_standard))
        .route("/pledges/{id}/watch", web::post().to(watch_pledge))
        .route("/pledges/{id}/unwatch", web::post().to(unwatch_pledge))
        .route("/pledges/{id}/subscribe", web::post().to(subscribe_pledge))
        .route("/subscriptions/{token}", web::get().to(confirm_form))
        .route("/subscriptions/{token}", web::post().to(confirm))
        .route("/unsubscribe/{token}", web::get().to(unsubscribe_form))
        .route("/unsubscribe/{token}", web::post().to(unsubscribe));
}

/// The follow block of a standard's or a pledge's page
/// (`templates/partials/follow.html`).
pub struct FollowView {
    /// The page's path (`/standards/7`): the forms post below it.
    pub path: String,
    /// Signed in: whether they watch it (a watch button); `None`: the public's e-mail form.
    pub watching: Option<bool>,
    /// The e-mail form as typed (after an invalid address).
    pub form: Form,
}

/// The follow block for `user` on the page of `what` `id`.
pub async fn follow_view(
    state: &AppState,
    user: Option<&CurrentUser>,
    what: Followed,
    id: i64,
) -> AppResult<FollowView> {
    let watching = match user {
        Some(u) => {
            let uid = u.id;
            Some(state.db(move |c| Ok(wdb::is_watching(c, uid, what, id)?)).await?)
        }
        None => None,
    };
    Ok(FollowView { path: what.path(id), watching, form: Form::new() })
}

/// One thing a user watches, for `/account` (`templates/partials/watching.html`).
pub struct WatchedView {
    pub href: String,
    pub title: String,
    pub kind: &'static str,
}

/// What `user` watches, in their language.
pub async fn watched(state: &AppState, lang: Lang, user_id: i64) -> AppResult<Vec<WatchedView>> {
    let rows = state.db(move |c| Ok(wdb::of_user(c, user_id)?)).await?;
    Ok(rows
        .into_iter()
        .map(|(what, id, zh, en)| WatchedView {
            href: what.path(id),
            title: if lang == Lang::En { en } else { zh },
            kind: match what {
                Followed::Standard => "follow.kind.standard",
                Followed::Pledge => "follow.kind.pledge",
            },
        })
        .collect())
}

/// The thing's titles if the viewer may see it; 404 otherwise.
async fn visible(state: &AppState, ctx: &Ctx, what: Followed, id: i64) -> AppResult<(String, String)> {
    let user = viewer(ctx);
    match what {
        Followed::Standard => {
            let s = state.db(move |c| Ok(crate::db::standards::get(c, id)?)).await?.ok_or(AppError::NotFound)?;
            super::standards::check_visible(ctx, &s)?;
            Ok((s.title_zh, s.title_en))
        }
        Followed::Pledge => {
            let p = state.db(move |c| Ok(crate::db::pledges::get(c, id)?)).await?.ok_or(AppError::NotFound)?;
            super::pledges::require_visible(user.as_ref(), &p)?;
            Ok((p.title_zh, p.title_en))
        }
    }
}

async fn set_watch(
    state: &AppState,
    ctx: Ctx,
    user: CurrentUser,
    what: Followed,
    id: i64,
    on: bool,
) -> AppResult<HttpResponse> {
    visible(state, &ctx, what, id).await?;
    let (uid, lang) = (user.id, ctx.lang.code());
    state
        .tx(move |c| {
            if on {
                wdb::watch(c, uid, lang, what, id)?;
            } else {
                wdb::unwatch(c, uid, what, id)?;
            }
            Ok(())
        })
        .await?;
    let flash = if on { "flash.follow.watching" } else { "flash.follow.unwatched" };
    Ok(redirect_with_flash(&format!("{}#follow", what.path(id)), flash))
}

pub async fn watch_standard(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    set_watch(&state, ctx, user, Followed::Standard, id.get(), true).await
}

pub async fn unwatch_standard(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    set_watch(&state, ctx, user, Followed::Standard, id.get(), false).await
}

pub async fn watch_pledge(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    set_watch(&state, ctx, user, Followed::Pledge, id.get(), true).await
}

pub async fn unwatch_pledge(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    set_watch(&state, ctx, user, Followed::Pledge, id.get(), false).await
}

#[derive(Deserialize)]
pub struct SubscribeInput {
    #[serde(default)]
    follow_email: String,
    /// Honeypot: hidden from people; bots fill it in.
    #[serde(default)]
    website: String,
}

/// The e-mail form again, with what was wrong (an address that is not one).
#[derive(Template)]
#[template(path = "watch/subscribe.html")]
struct SubscribePage {
    ctx: Ctx,
    title: String,
    follow: FollowView,
}

async fn subscribe(
    state: &AppState,
    ctx: Ctx,
    what: Followed,
    id: i64,
    input: SubscribeInput,
) -> AppResult<HttpResponse> {
    let (zh, en) = visible(state, &ctx, what, id).await?;
    let lang = ctx.lang;
    let mut form = Form::new().with("follow_email", &input.follow_email);
    let Some(email) = form.check(lang, "follow_email", Email::parse(&input.follow_email)) else {
        let follow = FollowView { path: what.path(id), watching: None, form };
        let title = if lang == Lang::En { en } else { zh };
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &SubscribePage { ctx, title, follow });
    };
    if input.website.is_empty() {
        let (client, code) = (ctx.client_ip.clone(), lang.code());
        let email = email.as_str().to_owned();
        state.tx(move |c| Ok(wdb::subscribe(c, &email, code, what, id, &client)?)).await?;
    }
    // The same answer whether the address follows it already, was throttled or is new.
    Ok(redirect_with_flash(&format!("{}#follow", what.path(id)), "flash.follow.check_mail"))
}

pub async fn subscribe_standard(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<Id>,
    input: web::Form<SubscribeInput>,
) -> AppResult<HttpResponse> {
    subscribe(&state, ctx, Followed::Standard, id.get(), input.into_inner()).await
}

pub async fn subscribe_pledge(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<Id>,
    input: web::Form<SubscribeInput>,
) -> AppResult<HttpResponse> {
    subscribe(&state, ctx, Followed::Pledge, id.get(), input.into_inner()).await
}

/// The confirmation and unsubscribe pages: a button (POST), or what happened.
#[derive(Template)]
#[template(path = "watch/token.html")]
struct TokenPage {
    ctx: Ctx,
    /// Catalog keys of the heading and the message.
    heading: &'static str,
    message: &'static str,
    /// The followed thing's title and page, when the link is good.
    title: String,
    href: String,
    /// Where the button posts (none once it is done or when the link is bad).
    action: Option<String>,
    button: &'static str,
}

#[derive(Deserialize)]
pub struct Token {
    token: String,
}

impl TokenPage {
    fn new(ctx: Ctx, heading: &'static str, message: &'static str) -> TokenPage {
        TokenPage { ctx, heading, message, title: String::new(), href: String::new(), action: None, button: "" }
    }
}

/// A link whose token names nothing (mistyped, used, or unsubscribed since): 404 with a clear page.
fn bad_link(ctx: Ctx) -> AppResult<HttpResponse> {
    render_status(StatusCode::NOT_FOUND, &TokenPage::new(ctx, "follow.bad_link", "follow.bad_link.message"))
}

/// A confirmation link used after its days: 410, and the way to ask again.
fn expired(ctx: Ctx, title: String, href: String) -> AppResult<HttpResponse> {
    let mut page = TokenPage::new(ctx, "follow.expired", "follow.expired.message");
    page.title = title;
    page.href = href;
    render_status(StatusCode::GONE, &page)
}

/// The title and page of the followed thing of `w`.
async fn about(state: &AppState, lang: Lang, what: Followed, id: i64) -> AppResult<(String, String)> {
    let titles = state.db(move |c| Ok(wdb::titles(c, what, id)?)).await?;
    let title = titles.map(|(zh, en)| if lang == Lang::En { en } else { zh }).unwrap_or_default();
    Ok((title, what.path(id)))
}

/// GET of a confirmation link: a button, nothing changed (mail scanners fetch links).
pub async fn confirm_form(state: web::Data<AppState>, ctx: Ctx, t: web::Path<Token>) -> AppResult<HttpResponse> {
    let token = t.into_inner().token;
    let tk = token.clone();
    let Some(w) = state.db(move |c| Ok(wdb::by_token(c, &tk)?)).await? else { return bad_link(ctx) };
    let Some(what) = w.followed() else { return bad_link(ctx) };
    let (title, href) = about(&state, ctx.lang, what, w.object_id).await?;
    if w.expired(crate::db::now()) {
        return expired(ctx, title, href);
    }
    let mut page = if w.confirmed_at.is_some() {
        TokenPage::new(ctx, "follow.confirmed", "follow.confirmed.already")
    } else {
        let mut p = TokenPage::new(ctx, "follow.confirm", "follow.confirm.message");
        p.action = Some(format!("/subscriptions/{token}"));
        p.button = "follow.confirm.button";
        p
    };
    page.title = title;
    page.href = href;
    render_status(StatusCode::OK, &page)
}

/// POST of the confirmation: from now on the address hears of changes.
pub async fn confirm(state: web::Data<AppState>, ctx: Ctx, t: web::Path<Token>) -> AppResult<HttpResponse> {
    let token = t.into_inner().token;
    let (what, id, message) = match state.tx(move |c| Ok(wdb::confirm(c, &token)?)).await? {
        Confirmed::Now(what, id) => (what, id, "follow.confirmed.message"),
        Confirmed::Already(what, id) => (what, id, "follow.confirmed.already"),
        Confirmed::Expired(what, id) => {
            let (title, href) = about(&state, ctx.lang, what, id).await?;
            return expired(ctx, title, href);
        }
        Confirmed::Unknown => return bad_link(ctx),
    };
    let (title, href) = about(&state, ctx.lang, what, id).await?;
    let mut page = TokenPage::new(ctx, "follow.confirmed", message);
    page.title = title;
    page.href = href;
    render_status(StatusCode::OK, &page)
}

/// GET of an unsubscribe link: a button, nothing changed.
pub async fn unsubscribe_form(state: web::Data<AppState>, ctx: Ctx, t: web::Path<Token>) -> AppResult<HttpResponse> {
    let token = t.into_inner().token;
    let tk = token.clone();
    let Some(w) = state.db(move |c| Ok(wdb::by_token(c, &tk)?)).await? else { return bad_link(ctx) };
    let Some(what) = w.followed() else { return bad_link(ctx) };
    let (title, href) = about(&state, ctx.lang, what, w.object_id).await?;
    let mut page = TokenPage::new(ctx, "follow.unsubscribe", "follow.unsubscribe.message");
    page.action = Some(format!("/unsubscribe/{token}"));
    page.button = "follow.unsubscribe.button";
    page.title = title;
    page.href = href;
    render_status(StatusCode::OK, &page)
}

/// POST of an unsubscribe link (the page's button, or a mail client's
/// one-click `List-Unsubscribe=One-Click` without a form token): 200.
pub async fn unsubscribe(state: web::Data<AppState>, ctx: Ctx, t: web::Path<Token>) -> AppResult<HttpResponse> {
    let token = t.into_inner().token;
    let Some(w) = state.tx(move |c| Ok(wdb::unsubscribe(c, &token)?)).await? else { return bad_link(ctx) };
    let Some(what) = w.followed() else { return bad_link(ctx) };
    let (title, href) = about(&state, ctx.lang, what, w.object_id).await?;
    let mut page = TokenPage::new(ctx, "follow.unsubscribed", "follow.unsubscribed.message");
    page.title = title;
    page.href = href;
    render_status(StatusCode::OK, &page)
}
