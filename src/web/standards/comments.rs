//! Public comments: the form on the standard's page and each comment's own page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db::standards::{self as sdb, Comment, CommentRefused, NewComment};
use crate::domain::standard::CommentKind;
use crate::domain::{text, Email};
use crate::error::{AppError, AppResult};
use crate::i18n::{beijing_today, Lang};
use crate::web::forms::Form;
use crate::web::{parse_id, redirect_with_flash, render, viewer, AppState, Ctx};

use super::show::{show_page, ShowForms};
use super::{check_visible, date, may_edit, std_error};

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
    /// Honeypot: hidden from people; bots fill it in.
    #[serde(default)]
    website: String,
}

pub const MAX_COMMENT: usize = 5000;

pub async fn comment_submit(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<String>,
    input: web::Form<CommentInput>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    let user = viewer(&ctx);
    let s = state.db(move |c| sdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    check_visible(&ctx, &s)?;
    let mut form = Form::new()
        .with("version_n", &input.version_n)
        .with("clause_ref", &input.clause_ref)
        .with("kind", &input.kind)
        .with("body", &input.body)
        .with("proposed_change", &input.proposed_change)
        .with("name", &input.name)
        .with("organization", &input.organization)
        .with("email", &input.email);
    if !input.website.is_empty() {
        // A bot: answer as if accepted, store nothing.
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
        kind: kind.as_str(),
        body,
        proposed_change: proposed,
        name,
        organization: org,
        email: email.as_str().to_owned(),
    };
    let client = ctx.client_ip.clone();
    let today = beijing_today();
    let result = state.tx(move |conn| sdb::add_comment(conn, id, &c, &client, today).map_err(std_error)).await?;
    match result {
        Ok(seq) => Ok(redirect_with_flash(&format!("/standards/{id}/comments/{seq}"), "flash.std.comment_received")),
        Err(refused) => {
            let (status, message) = match refused {
                CommentRefused::Closed(Some(p)) => (
                    StatusCode::CONFLICT,
                    lang.tf(
                        "error.std.period_closed",
                        &[("start", &date(lang, p.starts_on)), ("end", &date(lang, p.ends_on))],
                    ),
                ),
                CommentRefused::Closed(None) => (StatusCode::CONFLICT, lang.t("error.std.no_period").to_owned()),
                CommentRefused::Throttled(until) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    lang.tf("error.std.comment_throttled", &[("time", &lang.time(until))]),
                ),
                CommentRefused::UnknownVersion => {
                    form.error(lang, "version_n", "error.std.version_choose");
                    (StatusCode::UNPROCESSABLE_ENTITY, lang.t("form.has_errors").to_owned())
                }
                CommentRefused::UnknownClause { unknown, existing } => {
                    let sep = if lang == Lang::En { ", " } else { "、" };
                    let message = lang.tf(
                        "error.std.clause_unknown",
                        &[
                            ("refs", &unknown.join(sep)),
                            ("version", &format!("v{version_n}")),
                            ("list", &existing.join(sep)),
                        ],
                    );
                    form.error_labelled("clause_ref", lang.t("std.field.clause_ref"), message);
                    (StatusCode::UNPROCESSABLE_ENTITY, lang.t("form.has_errors").to_owned())
                }
            };
            form.message = Some(message);
            let forms = ShowForms { comment: form, ..ShowForms::default() };
            show_page(&state, ctx, user, id, forms, status).await
        }
    }
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
        kind: lang.t(&format!("std.comment_kind.{}", c.kind)).to_owned(),
        body: c.body.clone(),
        proposed_change: c.proposed_change.clone(),
        name: c.name.clone(),
        organization: c.organization.clone(),
        created: lang.datetime(c.created_at),
        disposition: c.disposition.clone(),
        disposition_label: match &c.disposition {
            Some(d) => lang.t(&format!("std.disposition.{d}")).to_owned(),
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

pub async fn comment_show(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, seq) = path.into_inner();
    let id = parse_id(&id)?;
    let seq: i32 = seq.parse().map_err(|_| AppError::NotFound)?;
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
