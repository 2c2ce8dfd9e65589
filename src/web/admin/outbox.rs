//! `/admin/outbox`: every message the registry wrote, waiting, sent or
//! failed, with its words as the recipient reads them; an admin sends a
//! failed one again, or a test message to themselves to check the mail
//! settings. Without `--smtp-url` this is where messages wait.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{admin, PER_PAGE};
use crate::auth::CurrentUser;
use crate::db::audit;
use crate::db::outbox::{self, Message, Outgoing};
use crate::db::Fail;
use crate::domain::audit::{Action, Object};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::mail::render::{self, Rendered};
use crate::web::flow::{respond, Id, RefusalKind, UserError};
use crate::web::forms::Form;
use crate::web::{query_base, redirect_with_flash, render_status, AppState, Ctx, Pager};

const STATES: [&str; 3] = [outbox::STATE_PENDING, outbox::STATE_SENT, outbox::STATE_FAILED];

#[derive(Deserialize, Default)]
pub struct OutboxQuery {
    page: Option<i64>,
    #[serde(default)]
    state: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<Message>,
    pager: Pager,
    to: String,
    /// (state, chosen) for the filter menu.
    states: Vec<(&'static str, bool)>,
    pending: i64,
    failed: i64,
    mail_enabled: bool,
}

#[derive(Template)]
#[template(path = "admin/outbox_message.html")]
struct MessagePage {
    ctx: Ctx,
    msg: Message,
    /// The words, or why they cannot be made.
    words: Result<Rendered, String>,
    form: Form,
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    q: web::Query<OutboxQuery>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let wanted = STATES.iter().copied().find(|s| *s == q.state.trim());
    let to = q.to.trim().to_lowercase();
    let offset = Pager::offset(q.page, PER_PAGE);
    let to_filter = Some(to.clone()).filter(|t| !t.is_empty());
    let ((rows, total), (pending, failed)) = state
        .db(move |c| Ok((outbox::list(c, wanted, to_filter.as_deref(), PER_PAGE, offset)?, outbox::counts(c)?)))
        .await?;
    let state_code = wanted.unwrap_or_default().to_owned();
    let states = STATES.iter().map(|s| (*s, Some(*s) == wanted)).collect();
    let pager =
        Pager::new(q.page, PER_PAGE, total, query_base("/admin/outbox", &[("state", &state_code), ("to", &to)]));
    let mail_enabled = state.settings.mail_enabled;
    render_status(StatusCode::OK, &ListPage { ctx, rows, pager, to, states, pending, failed, mail_enabled })
}

async fn message_page(state: &AppState, ctx: Ctx, id: i64, form: Form, status: StatusCode) -> AppResult<HttpResponse> {
    let msg = state.db(move |c| Ok(outbox::get(c, id)?)).await?.ok_or(AppError::NotFound)?;
    let public_url = state.settings.public_url.clone();
    let words = Lang::from_code(&msg.lang)
        .ok_or_else(|| format!("unknown language {:?}", msg.lang))
        .and_then(|lang| render::render(&msg.kind, lang, &msg.params, &public_url).map_err(|e| e.to_string()));
    render_status(status, &MessagePage { ctx, msg, words, form })
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    message_page(&state, ctx, id.get(), Form::new(), StatusCode::OK).await
}

/// Why a message was not sent again.
#[derive(Debug)]
pub enum OutboxRefusal {
    NotFound,
    /// Someone retried it meanwhile, or it was not failed.
    NotFailed,
}

impl UserError for OutboxRefusal {
    fn kind(&self) -> RefusalKind {
        match self {
            OutboxRefusal::NotFound => RefusalKind::NotFound,
            OutboxRefusal::NotFailed => RefusalKind::Stale,
        }
    }

    fn place(&self, lang: Lang, form: &mut Form) {
        form.message = Some(lang.t("outbox.not_failed").to_owned());
    }
}

pub async fn retry(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    admin(&user)?;
    let id = id.get();
    let actor = user.actor();
    let outcome = state
        .act(move |c| {
            outbox::get(c, id)?.ok_or(Fail::Refused(OutboxRefusal::NotFound))?;
            if !outbox::retry(c, id)? {
                return Err(Fail::Refused(OutboxRefusal::NotFailed));
            }
            audit::record(
                c,
                actor,
                Object::Message,
                Some(id),
                Action::Retry,
                Some(&outbox::STATE_FAILED),
                Some(&outbox::STATE_PENDING),
            )?;
            Ok(())
        })
        .await?;
    let lang = ctx.lang;
    respond(
        lang,
        outcome,
        Form::new(),
        |()| redirect_with_flash(&format!("/admin/outbox/{id}"), "flash.outbox.retried"),
        |form, status| message_page(&state, ctx, id, form, status),
    )
    .await
}

/// A test message to the signed-in admin, in their language.
pub async fn send_test(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    admin(&user)?;
    let actor = user.actor();
    let msg = Outgoing::new(
        "test",
        &user.email,
        Some(user.id),
        ctx.lang.code(),
        &serde_json::json!({ "name": user.display_name, "link": "/admin/outbox" }),
    )
    .map_err(|e| AppError::Internal(e.into()))?;
    let outcome = state
        .act(move |c| {
            let id = outbox::enqueue(c, &msg)?.ok_or(Fail::Refused(OutboxRefusal::NotFound))?;
            audit::record(c, actor, Object::Message, Some(id), Action::SendTest, None::<&()>, Some(&msg.recipient))?;
            Ok(id)
        })
        .await?;
    let lang = ctx.lang;
    respond(
        lang,
        outcome,
        Form::new(),
        |id| redirect_with_flash(&format!("/admin/outbox/{id}"), "flash.outbox.test_queued"),
        |_, _| async { Err(AppError::NotFound) },
    )
    .await
}
