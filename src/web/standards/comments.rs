//! Public comments: the form on the standard's page and each comment's own page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db::standards::{self as sdb, Comment, NewComment};
use crate::domain::standard::{CommentKind, Refusal};
use crate::domain::{text, Email};
use crate::error::{AppError, AppResult};
use crate::i18n::{beijing_today, Lang};
use crate::web::flow::{respond, Id, Outcome};
use crate::web::forms::Form;
use crate::web::{redirect_with_flash, render, viewer, AppState, Ctx};

use super::show::{show_page, ShowForms};
use super::{check_visible, may_edit, person};

#[derive(Deserialize, Default)]
pub struct CommentInput {
    #[serde(default)]
    version_n: String,
    #[serde(default)]
    clause_ref: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    proposed_change: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    email: String,
    /// "处理后通知我" (a checkbox).
    #[serde(default)]
    notify: String,
    /// Honeypot: hidden from people; bots fill it in.
    #[serde(default)]
    website: String,
}

pub const MAX_COMMENT: usize = 5000;

pub async fn comment_submit(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<Id>,
    input: web::Form<CommentInput>,
) -> AppResult<HttpResponse> {
    let id = id.get();
    let lang = ctx.lang;
    let user = viewer(&ctx);
    let mut form = Form::new()
        .with("version_n", &input.version_n)
        .with("clause_ref", &input.clause_ref)
        .with("kind", &input.kind)
        .with("body", &input.body)
        .with("proposed_change", &input.proposed_change)
        .with("name", &input.name)
        .with("organization", &input.organization)
        .with("email", &input.email)
        .with("notify", &input.notify);
    if !input.website.is_empty() {
        // A bot: answer as if accepted, store nothing (if it sees the standard at all).
        let s = state.db(move |c| sdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
        check_visible(&ctx, &s)?;
        return Ok(redirect_with_flash(&format!("/standards/{id}"), "flash.std.comment_received"));
    }
    let version_n =
        form.check(lang, "version_n", input.version_n.trim().parse::<i32>().map_err(|_| "error.std.version_choose"));
    let clause_ref = form.check(lang, "clause_ref", text::bounded(&input.clause_ref, false, 100));
    let kind = form.check(lang, "kind", CommentKind::parse(&input.kind));
    let body = form.check(lang, "body", text::bounded(&input.body, true, MAX_COMMENT));
    let proposed = form.check(lang, "proposed_change", text::bounded(&input.proposed_change, false, MAX_COMMENT));
    let name = form.check(lang, "name", text::bounded(&input.name, true, 100));
    let org = form.check(lang, "organization", text::bounded(&input.organization, true, 200));
    let email = form.check(lang, "email", Email::parse(&input.email));
    let (Some(version_n), Some(clause_ref), Some(kind), Some(body), Some(proposed), Some(name), Some(org), Some(email)) =
        (version_n, clause_ref, kind, body, proposed, name, org, email)
    else {
        let forms = ShowForms { comment: form, ..ShowForms::default() };
        return show_page(&state, ctx, user, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let c = NewComment {
        version_n,
        clause_ref,
        kind,
        body,
        proposed_change: proposed,
        name,
        organization: org,
        email: email.as_str().to_owned(),
        notify_lang: (!input.notify.is_empty()).then_some(lang.code()),
    };
    let (client, today, who) = (ctx.client_ip.clone(), beijing_today(), user.as_ref().map(person));
    let outcome = state.act(move |conn| sdb::add_comment(conn, who, id, &c, &client, today)).await?;
    // Too many comments from one address: 429, whatever else the page says.
    let throttled = matches!(outcome, Outcome::Refused(Refusal::Throttled(_)));
    respond(
        lang,
        outcome,
        form,
        |seq| redirect_with_flash(&format!("/standards/{id}/comments/{seq}"), "flash.std.comment_received"),
        |mut form, status| async move {
            if form.message.is_none() {
                form.message = Some(lang.t("form.has_errors").to_owned());
            }
            let status = if throttled { StatusCode::TOO_MANY_REQUESTS } else { status };
            let forms = ShowForms { comment: form, ..ShowForms::default() };
            show_page(&state, ctx, user, id, forms, status).await
        },
    )
    .await
}

/// A comment as the public sees it (never the e-mail).
pub struct CommentView {
    pub seq: i32,
    pub version_n: i32,
    pub clause_ref: String,
    pub kind: String,
    pub body: String,
    pub proposed_change: String,
    pub name: String,
    pub organization: String,
    pub created: String,
    pub disposition: Option<String>,
    pub disposition_label: String,
    pub reason: String,
    /// The comment's version, carried by the disposing forms.
    pub version: i32,
    /// Only for the standard's editors.
    pub email: Option<String>,
}

pub(super) fn comment_view(lang: Lang, c: &Comment, show_email: bool) -> CommentView {
    CommentView {
        seq: c.seq,
        version_n: c.version_n,
        clause_ref: c.clause_ref.clone(),
        kind: lang.t(&format!("std.comment_kind.{}", c.kind.as_str())).to_owned(),
        body: c.body.clone(),
        proposed_change: c.proposed_change.clone(),
        name: c.name.clone(),
        organization: c.organization.clone(),
        created: lang.datetime(c.created_at),
        disposition: c.disposition.map(|d| d.as_str().to_owned()),
        disposition_label: match c.disposition {
            Some(d) => lang.t(&format!("std.disposition.{}", d.as_str())).to_owned(),
            None => lang.t("std.disposition.pending").to_owned(),
        },
        reason: c.disposition_reason.clone(),
        version: c.version,
        email: show_email.then(|| c.email.clone()),
    }
}

#[derive(Template)]
#[template(path = "standards/comment.html")]
struct CommentPage {
    ctx: Ctx,
    id: i64,
    title: String,
    c: CommentView,
}

pub async fn comment_show(state: web::Data<AppState>, ctx: Ctx, path: web::Path<(Id, i32)>) -> AppResult<HttpResponse> {
    let (id, seq) = path.into_inner();
    let id = id.get();
    let (s, c) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            Ok((s, sdb::comment(c, id, seq)?.ok_or(AppError::NotFound)?))
        })
        .await?;
    check_visible(&ctx, &s)?;
    let lang = ctx.lang;
    let editor = viewer(&ctx).is_some_and(|u| may_edit(&u, &s));
    render(&CommentPage {
        id,
        title: if lang == Lang::En { s.title_en.clone() } else { s.title_zh.clone() },
        c: comment_view(lang, &c, editor),
        ctx,
    })
}
