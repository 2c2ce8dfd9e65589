//! Versions of the text: upload, page, attachments, clause-by-clause comparison.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::markdiff;
use super::{check_visible, person, require_editor_of, version_label, MAX_ATTACHMENT, MAX_BODY};
use crate::auth::{require_role, CurrentUser};
use crate::db::attachments::NewAttachment;
use crate::db::standards::{self as sdb};
use crate::domain::clauses::{self, ClauseDiff};
use crate::domain::standard::{StandardState, VersionLabel};
use crate::domain::{text, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::{beijing_today, Lang};
use crate::web::diffview::{pieces, PieceView};
use crate::web::files::{file_response, read_multipart, sniff_document, UploadLimits};
use crate::web::flow::{respond, Id};
use crate::web::forms::Form;
use crate::web::{redirect_with_flash, render, render_status, AppState, Ctx};

#[derive(Template)]
#[template(path = "standards/version_form.html")]
struct VersionFormPage {
    ctx: Ctx,
    form: Form,
    id: i64,
    title: String,
    labels: [VersionLabel; 4],
    max_mib: usize,
}

async fn version_form_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: i64,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let s = state.db(move |c| sdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    check_visible(&ctx, &s)?;
    require_editor_of(user, &s)?;
    if !s.state.accepts_versions() {
        return Err(AppError::Conflict("error.std.transition"));
    }
    let title = if ctx.lang == Lang::En { s.title_en.clone() } else { s.title_zh.clone() };
    render_status(
        status,
        &VersionFormPage { ctx, form, id, title, labels: VersionLabel::ALL, max_mib: MAX_ATTACHMENT / 1024 / 1024 },
    )
}

pub async fn version_form(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    let id = id.get();
    require_role(&user, Role::Editor)?;
    version_form_page(&state, ctx, &user, id, Form::new().with("label", "comment_draft"), StatusCode::OK).await
}

pub async fn version_upload(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let id = id.get();
    require_role(&user, Role::Editor)?;
    let lang = ctx.lang;
    let s = state.db(move |c| sdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    check_visible(&ctx, &s)?;
    require_editor_of(&user, &s)?;
    // Rights checked: now the body, its CSRF token first (see files::MultipartReader).
    let limits = UploadLimits { max_file: MAX_ATTACHMENT, max_text: MAX_BODY, max_files: 5, ..UploadLimits::DEFAULT };
    let up = read_multipart(&req, payload, &state.uploads, "attachments", limits).await?;
    let get = |k: &str| up.fields.get(k).map(String::as_str).unwrap_or("");
    let mut form = Form::new().with("label", get("label")).with("body", get("body")).with("note", get("note"));
    let label = form.check(lang, "label", VersionLabel::parse(get("label")));
    let body = form.check(lang, "body", text::bounded(get("body"), true, MAX_BODY));
    let note = form.check(lang, "note", text::bounded(get("note"), false, 1000));
    let mut files = Vec::new();
    for (name, data) in up.files {
        match sniff_document(&data) {
            Some(ct) => {
                let sha256 = {
                    use sha2::Digest;
                    hex::encode(sha2::Sha256::digest(&data))
                };
                files.push(NewAttachment { filename: name, content_type: ct, data, sha256 });
            }
            None => form.error_text("attachments", lang.tf("error.std.file_type", &[("name", &name)])),
        }
    }
    let (Some(label), Some(body), Some(note), false) = (label, body, note, form.has_errors()) else {
        return version_form_page(&state, ctx, &user, id, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (actor, who) = (user.actor(), person(&user));
    let outcome = state.act(move |c| sdb::add_version(c, actor, who, id, label, &body, &note, &files)).await?;
    respond(
        lang,
        outcome,
        form,
        |n| redirect_with_flash(&format!("/standards/{id}/versions/{n}"), "flash.std.version_added"),
        |form, status| async move { version_form_page(&state, ctx, &user, id, form, status).await },
    )
    .await
}

#[derive(Template)]
#[template(path = "standards/version.html")]
struct VersionPage {
    ctx: Ctx,
    id: i64,
    title: String,
    n: i32,
    label: String,
    created: String,
    note: String,
    body_html: String,
    attachments: Vec<crate::db::attachments::AttachmentMeta>,
    versions: Vec<i32>,
}

impl VersionPage {
    fn is_n(&self, v: &i32) -> bool {
        *v == self.n
    }
}

pub async fn version_show(state: web::Data<AppState>, ctx: Ctx, path: web::Path<(Id, i32)>) -> AppResult<HttpResponse> {
    let (id, n) = path.into_inner();
    let id = id.get();
    let (s, v, attachments, versions, period) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            let v = sdb::version(c, id, n)?.ok_or(AppError::NotFound)?;
            let a = crate::db::attachments::attachments_of(c, "standard_version", v.id)?;
            let vs = sdb::detail_versions(c, id)?;
            Ok((s, v, a, vs, sdb::latest_period(c, id)?))
        })
        .await?;
    check_visible(&ctx, &s)?;
    let lang = ctx.lang;
    // While comments are taken, each clause offers a comment on it.
    let open = s.state == StandardState::PublicComment && period.is_some_and(|p| p.is_open(beijing_today()));
    let invite = escape(lang.t("std.version.comment_clause"));
    let body_html = crate::web::markdown::render_with_headings(&v.body_md, |text| {
        let number = clauses::heading_number(text)?;
        let after = if open {
            format!(
                "<p class=\"clause-comment\"><a href=\"/standards/{id}?clause={number}&amp;v={n}#comment\">{invite}</a></p>"
            )
        } else {
            String::new()
        };
        Some((format!("clause-{number}"), after))
    });
    render(&VersionPage {
        id,
        title: if lang == Lang::En { s.title_en.clone() } else { s.title_zh.clone() },
        n: v.n,
        label: version_label(lang, v.label),
        created: lang.datetime(v.created_at),
        note: v.note.clone(),
        body_html,
        attachments,
        versions,
        ctx,
    })
}

/// Text for HTML built by hand.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub async fn attachment(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<(Id, i32, Id)>,
) -> AppResult<HttpResponse> {
    let (id, n, aid) = path.into_inner();
    let (id, aid) = (id.get(), aid.get());
    let (s, file) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            let v = sdb::version(c, id, n)?.ok_or(AppError::NotFound)?;
            Ok((s, crate::db::attachments::attachment(c, "standard_version", v.id, aid)?))
        })
        .await?;
    check_visible(&ctx, &s)?;
    let (meta, data) = file.ok_or(AppError::NotFound)?;
    Ok(file_response(&meta.filename, &meta.content_type, data))
}

#[derive(Deserialize)]
pub struct CompareQuery {
    from: Option<String>,
    to: Option<String>,
}

pub struct ClauseView {
    pub number: String,
    pub change: &'static str,
    pub change_label: String,
    pub heading: Vec<PieceView>,
    /// The clause's text rendered from Markdown, what changed marked (safe HTML).
    pub body_html: String,
}

#[derive(Template)]
#[template(path = "standards/compare.html")]
struct ComparePage {
    ctx: Ctx,
    id: i64,
    title: String,
    from: i32,
    to: i32,
    versions: Vec<i32>,
    clauses: Vec<ClauseView>,
    changed: usize,
}

impl ComparePage {
    fn is_from(&self, v: &i32) -> bool {
        *v == self.from
    }

    fn is_to(&self, v: &i32) -> bool {
        *v == self.to
    }
}

pub async fn compare(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<Id>,
    q: web::Query<CompareQuery>,
) -> AppResult<HttpResponse> {
    let id = id.get();
    let parse = |s: &Option<String>| -> AppResult<Option<i32>> {
        match s.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => v.parse::<i32>().map(Some).map_err(|_| AppError::BadRequest("error.std.compare")),
        }
    };
    let (from, to) = (parse(&q.from)?, parse(&q.to)?);
    let (s, versions) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            Ok((s, sdb::detail_versions(c, id)?))
        })
        .await?;
    check_visible(&ctx, &s)?;
    let last = versions.last().copied().ok_or(AppError::NotFound)?;
    let to = to.unwrap_or(last);
    let from = from.unwrap_or_else(|| versions.iter().rev().find(|n| **n < to).copied().unwrap_or(to));
    let (old, new) = state.db(move |c| Ok((sdb::version(c, id, from)?, sdb::version(c, id, to)?))).await?;
    let (Some(old), Some(new)) = (old, new) else { return Err(AppError::NotFound) };
    let lang = ctx.lang;
    let diffs: Vec<ClauseDiff> = clauses::compare(&old.body_md, &new.body_md);
    let changed = diffs.iter().filter(|d| d.change != clauses::Change::Unchanged).count();
    let (old_clauses, new_clauses) = (clauses::split(&old.body_md), clauses::split(&new.body_md));
    let body_of = |list: &[clauses::Clause], n: &str| {
        list.iter().find(|c| c.number == n).map(|c| crate::web::markdown::render(&c.body))
    };
    let clauses = diffs
        .into_iter()
        .map(|d| {
            let body_html = match (body_of(&old_clauses, &d.number), body_of(&new_clauses, &d.number)) {
                (Some(o), Some(n)) => markdiff::diff_html(&o, &n),
                (None, Some(n)) => markdiff::mark_all(&n, "ins"),
                (Some(o), None) => markdiff::mark_all(&o, "del"),
                (None, None) => String::new(),
            };
            ClauseView {
                change: d.change.as_str(),
                change_label: lang.t(&format!("std.change.{}", d.change.as_str())).to_owned(),
                heading: pieces(d.heading),
                body_html,
                number: d.number,
            }
        })
        .collect();
    render(&ComparePage {
        id,
        title: if lang == Lang::En { s.title_en.clone() } else { s.title_zh.clone() },
        from,
        to,
        versions,
        clauses,
        changed,
        ctx,
    })
}
