//! Lifecycle moves, publication details and technical-review positions.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::{require_role, CurrentUser};
use crate::db::standards::{self as sdb, ActionInput, StdError};
use crate::domain::standard::{CommentWindow, Publication, ReviewPosition, StandardAction};
use crate::domain::{text, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::beijing_today;
use crate::web::forms::Form;
use crate::web::{parse_id, redirect_with_flash, AppState, Ctx};

use super::show::{show_page, ShowForms};
use super::{apply_field_errors, check_visible, require_editor_of, std_error};

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
    path: web::Path<(String, String)>,
    input: web::Form<ActInput>,
) -> AppResult<HttpResponse> {
    let (id, action) = path.into_inner();
    let id = parse_id(&id)?;
    let action =
        StandardAction::parse(&action).filter(|a| *a != StandardAction::Supersede).ok_or(AppError::NotFound)?;
    let lang = ctx.lang;
    let s = state.db(move |c| sdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    check_visible(&ctx, &s)?;
    // Role first (403), then organization for editors' actions.
    match action.actor() {
        Some(r) => require_role(&user, r)?,
        None => return Err(AppError::Forbidden),
    }
    if action.actor() == Some(Role::Editor) {
        require_editor_of(&user, &s)?;
    }
    let expected: i32 = input.version.trim().parse().map_err(|_| AppError::Conflict("error.409"))?;
    let today = beijing_today();
    let mut form = Form::new()
        .with("note", &input.note)
        .with("starts_on", &input.starts_on)
        .with("ends_on", &input.ends_on)
        .with("action", action.as_str());
    let note = match text::bounded(&input.note, false, 5000) {
        Ok(n) => n,
        Err(k) => {
            form.error(lang, "note", k);
            String::new()
        }
    };
    let window = if action == StandardAction::OpenComment {
        match CommentWindow::new(s.kind(), &input.starts_on, &input.ends_on, today) {
            Ok(w) => Some(w),
            Err(errors) => {
                apply_field_errors(lang, &mut form, &errors);
                None
            }
        }
    } else {
        None
    };
    if form.has_errors() {
        let forms = ShowForms { action: form, ..ShowForms::default() };
        return show_page(&state, ctx, Some(user), id, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = user.actor();
    let role = user.role;
    let action_input = ActionInput { note, window };
    let result = state
        .tx(move |c| match sdb::act(c, actor, role, id, expected, action, &action_input, today) {
            Ok(done) => Ok(Ok(done)),
            Err(e @ (StdError::Invalid(_) | StdError::Undisposed(_))) => Ok(Err(e)),
            Err(e) => Err(std_error(e)),
        })
        .await?;
    match result {
        Ok(done) => {
            let flash = match (action, done.review) {
                (StandardAction::CloseReview, Some(crate::domain::standard::ReviewOutcome::Passed)) => {
                    "flash.std.review_passed"
                }
                (StandardAction::CloseReview, _) => "flash.std.review_failed",
                (StandardAction::StartRevision, _) => "flash.std.revision_started",
                _ => "flash.std.action_done",
            };
            let target = match done.new_project {
                Some(new_id) => format!("/standards/{new_id}"),
                None => format!("/standards/{id}"),
            };
            Ok(redirect_with_flash(&target, flash))
        }
        Err(StdError::Undisposed(seqs)) => {
            form.message = Some(lang.tf(
                "error.std.undisposed",
                &[("list", &seqs.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("、"))],
            ));
            let forms = ShowForms { action: form, undisposed: seqs, ..ShowForms::default() };
            show_page(&state, ctx, Some(user), id, forms, StatusCode::CONFLICT).await
        }
        Err(StdError::Invalid(errors)) => {
            apply_field_errors(lang, &mut form, &errors);
            if let Some((_, k)) = errors.first() {
                form.message = Some(lang.t(k).to_owned());
            }
            let forms = ShowForms { action: form, ..ShowForms::default() };
            show_page(&state, ctx, Some(user), id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(std_error(e)),
    }
}

#[derive(Deserialize, Default)]
pub struct PublicationInput {
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
    id: web::Path<String>,
    input: web::Form<PublicationInput>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    let s = state.db(move |c| sdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    check_visible(&ctx, &s)?;
    require_role(&user, Role::Editor)?;
    require_editor_of(&user, &s)?;
    let expected: i32 = input.version.trim().parse().map_err(|_| AppError::Conflict("error.409"))?;
    let mut form = Form::new()
        .with("number", &input.number)
        .with("release_date", &input.release_date)
        .with("implementation_date", &input.implementation_date);
    let p = match Publication::new(s.kind(), &input.number, &input.release_date, &input.implementation_date) {
        Ok(p) => p,
        Err(errors) => {
            apply_field_errors(lang, &mut form, &errors);
            let forms = ShowForms { publication: form, ..ShowForms::default() };
            return show_page(&state, ctx, Some(user), id, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let actor = user.actor();
    let result = state
        .tx(move |c| match sdb::set_publication(c, actor, id, expected, &p) {
            Ok(()) => Ok(Ok(())),
            Err(StdError::Invalid(e)) => Ok(Err(e)),
            Err(e) => Err(std_error(e)),
        })
        .await?;
    match result {
        Ok(()) => Ok(redirect_with_flash(&format!("/standards/{id}"), "flash.std.publication_saved")),
        Err(errors) => {
            apply_field_errors(lang, &mut form, &errors);
            let forms = ShowForms { publication: form, ..ShowForms::default() };
            show_page(&state, ctx, Some(user), id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
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
    id: web::Path<String>,
    input: web::Form<PositionInput>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    require_role(&user, Role::Reviewer)?;
    let lang = ctx.lang;
    let mut form = Form::new().with("position", &input.position).with("opinion", &input.opinion);
    let pos = form.check(lang, "position", ReviewPosition::parse(&input.position));
    let opinion = form.check(lang, "opinion", text::bounded(&input.opinion, false, 5000));
    let (Some(pos), Some(opinion)) = (pos, opinion) else {
        let forms = ShowForms { position: form, ..ShowForms::default() };
        return show_page(&state, ctx, Some(user), id, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let actor = user.actor();
    let reviewer = user.id;
    let result = state
        .tx(move |c| match sdb::cast_position(c, actor, reviewer, id, pos, &opinion) {
            Ok(()) => Ok(Ok(())),
            Err(StdError::Invalid(e)) => Ok(Err(e)),
            Err(e) => Err(std_error(e)),
        })
        .await?;
    match result {
        Ok(()) => Ok(redirect_with_flash(&format!("/standards/{id}"), "flash.std.position_cast")),
        Err(errors) => {
            apply_field_errors(lang, &mut form, &errors);
            let forms = ShowForms { position: form, ..ShowForms::default() };
            show_page(&state, ctx, Some(user), id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
