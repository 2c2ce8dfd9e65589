//! Lifecycle moves, publication details and technical-review positions: each
//! handler parses the form, takes one step in one transaction
//! (`db::standards`, where the rules decide), and answers through `respond`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::{require_role, CurrentUser};
use crate::db::standards::{self as sdb, ActionInput, PublicationInput};
use crate::domain::standard::{Refusal, ReviewOutcome, ReviewPosition, StandardAction};
use crate::domain::{text, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::beijing_today;
use crate::web::flow::{respond, Id, Outcome};
use crate::web::forms::Form;
use crate::web::{redirect_with_flash, AppState, Ctx};

use super::show::{show_page, ShowForms};
use super::{person, shown_version};

#[derive(Deserialize, Default)]
pub struct ActInput {
    #[serde(default)]
    version: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
}

pub async fn act(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    path: web::Path<(Id, String)>,
    input: web::Form<ActInput>,
) -> AppResult<HttpResponse> {
    let (id, action) = path.into_inner();
    let id = id.get();
    let action =
        StandardAction::parse(&action).filter(|a| *a != StandardAction::Supersede).ok_or(AppError::NotFound)?;
    // The role first (403): the rest is the lifecycle's to decide.
    if let Some(role) = action.actor() {
        require_role(&user, role)?;
    }
    let lang = ctx.lang;
    let mut form = Form::new()
        .with("note", &input.note)
        .with("starts_on", &input.starts_on)
        .with("ends_on", &input.ends_on)
        .with("action", action.as_str());
    let Some(note) = form.check(lang, "note", text::bounded(&input.note, false, 5000)) else {
        let forms = ShowForms { action: form, ..ShowForms::default() };
        return show_page(&state, ctx, Some(user), id, forms, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let window = (action == StandardAction::OpenComment).then(|| (input.starts_on.clone(), input.ends_on.clone()));
    let (actor, who, shown, today) = (user.actor(), person(&user), shown_version(&input.version), beijing_today());
    let step = ActionInput { note, window };
    let outcome = state.act(move |c| sdb::act(c, actor, who, id, shown, action, &step, today)).await?;
    let undisposed = match &outcome {
        Outcome::Refused(Refusal::Undisposed(seqs)) => seqs.clone(),
        _ => Vec::new(),
    };
    respond(
        lang,
        outcome,
        form,
        |done| {
            let flash = match (action, done.review) {
                (StandardAction::CloseReview, Some(ReviewOutcome::Passed)) => "flash.std.review_passed",
                (StandardAction::CloseReview, _) => "flash.std.review_failed",
                (StandardAction::StartRevision, _) => "flash.std.revision_started",
                _ => "flash.std.action_done",
            };
            redirect_with_flash(&format!("/standards/{}", done.new_project.unwrap_or(id)), flash)
        },
        |mut form, status| async move {
            if form.message.is_none() {
                form.message = form.errors().first().map(|e| e.message.clone());
            }
            let forms = ShowForms { action: form, undisposed, ..ShowForms::default() };
            show_page(&state, ctx, Some(user), id, forms, status).await
        },
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct PublicationForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    release_date: String,
    #[serde(default)]
    implementation_date: String,
}

pub async fn publication(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
    input: web::Form<PublicationForm>,
) -> AppResult<HttpResponse> {
    let id = id.get();
    require_role(&user, Role::Editor)?;
    let form = Form::new()
        .with("number", &input.number)
        .with("release_date", &input.release_date)
        .with("implementation_date", &input.implementation_date);
    let (actor, who, shown) = (user.actor(), person(&user), shown_version(&input.version));
    let step = PublicationInput {
        number: input.number.clone(),
        release_date: input.release_date.clone(),
        implementation_date: input.implementation_date.clone(),
    };
    let outcome = state.act(move |c| sdb::set_publication(c, actor, who, id, shown, &step)).await?;
    respond(
        ctx.lang,
        outcome,
        form,
        |()| redirect_with_flash(&format!("/standards/{id}"), "flash.std.publication_saved"),
        |form, status| async move {
            let forms = ShowForms { publication: form, ..ShowForms::default() };
            show_page(&state, ctx, Some(user), id, forms, status).await
        },
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct PositionInput {
    #[serde(default)]
    position: String,
    #[serde(default)]
    opinion: String,
}

pub async fn position(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
    input: web::Form<PositionInput>,
) -> AppResult<HttpResponse> {
    let id = id.get();
    require_role(&user, Role::Reviewer)?;
    let lang = ctx.lang;
    let mut form = Form::new().with("position", &input.position).with("opinion", &input.opinion);
    let pos = form.check(lang, "position", ReviewPosition::parse(&input.position));
    let opinion = form.check(lang, "opinion", text::bounded(&input.opinion, false, 5000));
    let (Some(pos), Some(opinion)) = (pos, opinion) else {
        let forms = ShowForms { position: form, ..ShowForms::default() };
        return show_page(&state, ctx, Some(user), id, forms, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (actor, who, reviewer) = (user.actor(), person(&user), user.id);
    let outcome = state.act(move |c| sdb::cast_position(c, actor, who, reviewer, id, pos, &opinion)).await?;
    respond(
        lang,
        outcome,
        form,
        |()| redirect_with_flash(&format!("/standards/{id}"), "flash.std.position_cast"),
        |form, status| async move {
            let forms = ShowForms { position: form, ..ShowForms::default() };
            show_page(&state, ctx, Some(user), id, forms, status).await
        },
    )
    .await
}
