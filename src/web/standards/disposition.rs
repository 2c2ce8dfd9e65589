//! The disposition table (意见汇总处理表): the public page and its exports,
//! and the editors' dispositions, one comment or several at once.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::comments::{comment_view, CommentView, MAX_COMMENT};
use super::{check_visible, may_edit, person, shown_version};
use crate::auth::{require_role, CurrentUser};
use crate::db::standards::{self as sdb, Comment, DispositionCounts};
use crate::domain::standard::{Disposition, Shown, StandardState};
use crate::domain::{text, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::web::export::{csv_response, xlsx_response, Table};
use crate::web::flow::{respond, Id};
use crate::web::forms::Form;
use crate::web::{redirect_with_flash, render_status, viewer, AppState, Ctx};

#[derive(Deserialize, Default)]
pub struct TableQuery {
    #[serde(default)]
    pending: String,
}

/// What a form sent back brings to the page: the summary at the top, the rows
/// as the editor typed them, the bulk form with its ticks.
#[derive(Default)]
struct Refill {
    summary: Form,
    rows: HashMap<i32, Form>,
    bulk: Form,
}

#[derive(Template)]
#[template(path = "standards/comments.html")]
struct CommentsPage {
    ctx: Ctx,
    id: i64,
    title: String,
    number: Option<String>,
    comments: Vec<CommentView>,
    counts: DispositionCounts,
    dispositions: [Disposition; 4],
    can_dispose: bool,
    pending_only: bool,
    summary: Form,
    rows: HashMap<i32, Form>,
    bulk: Form,
}

impl CommentsPage {
    /// A row's form: as typed when it came back, else the comment as it stands.
    fn row_form(&self, c: &CommentView) -> Form {
        self.rows.get(&c.seq).cloned().unwrap_or_else(|| {
            Form::new()
                .with("disposition", c.disposition.as_deref().unwrap_or(""))
                .with("reason", &c.reason)
                .with("version", &c.version.to_string())
        })
    }

    fn is_ticked(&self, seq: &i32) -> bool {
        self.bulk.v("c").split(',').any(|s| s == seq.to_string())
    }
}

async fn table_page(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    pending_only: bool,
    refill: Refill,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (s, list, counts) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            Ok((s, sdb::comments_of(c, id)?, sdb::counts(c, id)?))
        })
        .await?;
    check_visible(&ctx, &s)?;
    let lang = ctx.lang;
    let editor = viewer(&ctx).is_some_and(|u| may_edit(&u, &s));
    let can_dispose = editor && s.state == StandardState::PublicComment;
    let comments = list
        .iter()
        .filter(|c| !pending_only || c.disposition.is_none())
        .map(|c| comment_view(lang, c, editor))
        .collect();
    render_status(
        status,
        &CommentsPage {
            id,
            title: if lang == Lang::En { s.title_en.clone() } else { s.title_zh.clone() },
            number: s.number.clone(),
            comments,
            counts,
            dispositions: Disposition::ALL,
            can_dispose,
            pending_only,
            summary: refill.summary,
            rows: refill.rows,
            bulk: refill.bulk,
            ctx,
        },
    )
}

pub async fn comments(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<Id>,
    q: web::Query<TableQuery>,
) -> AppResult<HttpResponse> {
    let id = id.get();
    table_page(&state, ctx, id, q.pending == "1", Refill::default(), StatusCode::OK).await
}

/// The outcome and reason as typed; errors are recorded on `form`.
fn parse_outcome(lang: Lang, form: &mut Form, disposition: &str, reason: &str) -> Option<(Disposition, String)> {
    let d = form.check(lang, "disposition", Disposition::parse(disposition));
    let r = form.check(lang, "reason", text::bounded(reason, false, MAX_COMMENT));
    Some((d?, r?))
}

/// The summary at the top of the page for one row's errors, each linked to the row's field.
fn row_summary(lang: Lang, seq: i32, row: &Form) -> Form {
    let mut summary = Form::new();
    summary.message = row.message.clone();
    for e in row.errors() {
        let field = lang.t(&format!("std.table.{}", e.name)).to_owned();
        let label = lang.tf("std.table.row_field", &[("seq", &seq.to_string()), ("field", &field)]);
        summary.error_labelled(&format!("{}-{seq}", e.name), &label, e.message.clone());
    }
    summary
}

#[derive(Deserialize, Default)]
pub struct DisposeInput {
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    reason: String,
    /// The comment's version when the form was shown.
    #[serde(default)]
    version: String,
    #[serde(default)]
    pending: String,
}

/// The table again after one row's form: its problems summed up at the top;
/// the row as typed, unless it is stale (then the comment as it now stands).
async fn row_again(
    state: &AppState,
    ctx: Ctx,
    (id, seq): (i64, i32),
    pending_only: bool,
    row: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let summary = row_summary(ctx.lang, seq, &row);
    let rows = if status == StatusCode::CONFLICT { HashMap::new() } else { HashMap::from([(seq, row)]) };
    table_page(state, ctx, id, pending_only, Refill { summary, rows, bulk: Form::new() }, status).await
}

/// One row's form: this comment's outcome and reason.
pub async fn dispose(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    path: web::Path<(Id, i32)>,
    input: web::Form<DisposeInput>,
) -> AppResult<HttpResponse> {
    let (id, seq) = path.into_inner();
    let id = id.get();
    require_role(&user, Role::Editor)?;
    let lang = ctx.lang;
    let pending_only = input.pending == "1";
    let mut row = Form::new()
        .with("disposition", &input.disposition)
        .with("reason", &input.reason)
        .with("version", &input.version);
    let Some((d, reason)) = parse_outcome(lang, &mut row, &input.disposition, &input.reason) else {
        return row_again(&state, ctx, (id, seq), pending_only, row, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (actor, who) = (user.actor(), person(&user));
    let shown = [Shown { seq, version: shown_version(&input.version) }];
    let outcome = state.act(move |c| sdb::dispose(c, actor, who, id, &shown, d, &reason)).await?;
    respond(
        lang,
        outcome,
        row,
        |_| {
            let back = if pending_only { "?pending=1" } else { "" };
            redirect_with_flash(&format!("/standards/{id}/comments{back}#c{seq}"), "flash.std.disposed")
        },
        |row, status| row_again(&state, ctx, (id, seq), pending_only, row, status),
    )
    .await
}

/// The table again after the bulk form, with its ticks and its problems summed up at the top.
async fn bulk_again(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    pending_only: bool,
    bulk: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let mut summary = Form::new();
    summary.message = bulk.message.clone();
    for e in bulk.errors() {
        let label = lang.t(&format!("std.table.bulk.{}", e.name)).to_owned();
        summary.error_labelled(&format!("bulk_{}", e.name), &label, e.message.clone());
    }
    table_page(state, ctx, id, pending_only, Refill { summary, rows: HashMap::new(), bulk }, status).await
}

/// The bulk form: one outcome and reason for every ticked comment, all or none.
pub async fn dispose_many(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = id.get();
    require_role(&user, Role::Editor)?;
    let lang = ctx.lang;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| AppError::BadRequest("error.form_encoding"))?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let pending_only = get("pending") == "1";
    let mut shown: Vec<Shown> = Vec::new();
    for (_, v) in pairs.iter().filter(|(n, _)| n == "c") {
        let (seq, version) = v.split_once(':').ok_or(AppError::BadRequest("error.400"))?;
        let seq: i32 = seq.trim().parse().map_err(|_| AppError::BadRequest("error.400"))?;
        if !shown.iter().any(|s| s.seq == seq) {
            shown.push(Shown { seq, version: shown_version(version) });
        }
    }
    let ticked = shown.iter().map(|s| s.seq.to_string()).collect::<Vec<_>>().join(",");
    let mut bulk = Form::new().with("disposition", get("disposition")).with("reason", get("reason")).with("c", &ticked);
    if shown.is_empty() {
        bulk.error(lang, "c", "error.std.bulk_none");
    }
    let outcome = parse_outcome(lang, &mut bulk, get("disposition"), get("reason"));
    let (Some((d, reason)), false) = (outcome, bulk.has_errors()) else {
        return bulk_again(&state, ctx, id, pending_only, bulk, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (actor, who, first) = (user.actor(), person(&user), shown[0].seq);
    let outcome = state.act(move |c| sdb::dispose(c, actor, who, id, &shown, d, &reason)).await?;
    respond(
        lang,
        outcome,
        bulk,
        |_| {
            let back = if pending_only { "?pending=1" } else { "" };
            redirect_with_flash(&format!("/standards/{id}/comments{back}#c{first}"), "flash.std.disposed_many")
        },
        |bulk, status| bulk_again(&state, ctx, id, pending_only, bulk, status),
    )
    .await
}

fn disposition_table(lang: Lang, list: &[Comment]) -> Table {
    let h = |k: &str| lang.t(k).to_owned();
    Table {
        header: vec![
            h("std.table.seq"),
            h("std.table.clause"),
            h("std.table.comment"),
            h("std.table.proposal"),
            h("std.table.organization"),
            h("std.table.disposition"),
            h("std.table.reason"),
        ],
        rows: list
            .iter()
            .map(|c| {
                vec![
                    c.seq.to_string(),
                    c.clause_ref.clone(),
                    c.body.clone(),
                    c.proposed_change.clone(),
                    c.organization.clone(),
                    match c.disposition {
                        Some(d) => lang.t(&format!("std.disposition.{}", d.as_str())).to_owned(),
                        None => lang.t("std.disposition.pending").to_owned(),
                    },
                    c.disposition_reason.clone(),
                ]
            })
            .collect(),
    }
}

async fn export_comments(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Table, String)> {
    let (s, list) = state
        .db(move |c| {
            let s = sdb::get(c, id)?.ok_or(AppError::NotFound)?;
            Ok((s, sdb::comments_of(c, id)?))
        })
        .await?;
    check_visible(ctx, &s)?;
    let name = format!(
        "{}-{}",
        ctx.t("std.table.filename"),
        s.number.clone().unwrap_or_else(|| id.to_string()).replace(['/', ' '], "_")
    );
    Ok((disposition_table(ctx.lang, &list), name))
}

pub async fn comments_csv(state: web::Data<AppState>, ctx: Ctx, id: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = id.get();
    let (table, name) = export_comments(&state, &ctx, id).await?;
    Ok(csv_response(&format!("{name}.csv"), &table))
}

pub async fn comments_xlsx(state: web::Data<AppState>, ctx: Ctx, id: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = id.get();
    let (table, name) = export_comments(&state, &ctx, id).await?;
    xlsx_response(&format!("{name}.xlsx"), ctx.t("std.table.sheet"), &table)
}
