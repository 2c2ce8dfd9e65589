//! The review queue and reviewers' decisions.

use super::*;

pub struct QueueRow {
    pub item: rdb::QueueItem,
    pub submitted: String,
    pub due: String,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "reports/queue.html")]
pub(super) struct QueuePage {
    ctx: Ctx,
    items: Vec<QueueRow>,
}

pub async fn queue(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    require_role(&user, Role::Reviewer)?;
    let lang = ctx.lang;
    let items = state.db(|c| Ok(rdb::queue(c)?)).await?;
    let items = items
        .into_iter()
        .map(|i| {
            let due = rules::due_instant(i.due_on);
            let late = i.submitted_at.is_some_and(|s| s > due);
            let submitted = i.submitted_at.map(|s| lang.datetime(s)).unwrap_or_default();
            QueueRow { item: i, submitted, due: deadline_text(lang, due), late }
        })
        .collect();
    render(&QueuePage { ctx, items })
}

pub async fn decide(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    require_role(&user, Role::Reviewer)?;
    // A report the reviewer may not see (a draft) does not exist for them.
    let (report, issuer) = state.db(move |c| rdb::get_with_issuer(c, id)?.ok_or(AppError::NotFound)).await?;
    access(&ctx, report.organization_id, issuer, report.state())?;
    let lang = ctx.lang;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| AppError::BadRequest("error.form_encoding"))?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let expected: i32 = get("version").trim().parse().map_err(|_| AppError::Conflict("error.report.stale"))?;
    let accept = match get("decision").as_str() {
        "accept" => true,
        "return" => false,
        _ => return Err(AppError::BadRequest("error.400")),
    };
    let comment = get("comment");
    let entry_comments: Vec<(i64, String)> = pairs
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("c_").and_then(|e| e.parse::<i64>().ok()).map(|e| (e, v.clone())))
        .collect();
    let mut form = Form::new().with("comment", &comment);
    for (e, c) in &entry_comments {
        form.set(&format!("c_{e}"), c);
    }
    if text::bounded(&comment, false, 5000).is_err() || entry_comments.iter().any(|(_, c)| c.chars().count() > 5000) {
        form.error(lang, "comment", "error.too_long");
        return view_page(&state, ctx, id, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = user.actor();
    let role = user.role;
    let result = state
        .tx(move |c| match rdb::decide(c, actor, role, id, expected, accept, &comment, &entry_comments) {
            Ok(()) => Ok(Ok(())),
            Err(ReportError::Invalid(p)) => Ok(Err(p)),
            Err(e) => Err(report_error(e)),
        })
        .await?;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/reports/{id}"),
            if accept { "flash.report.accepted" } else { "flash.report.returned" },
        )),
        Err(key) => {
            form.error(lang, "comment", key);
            view_page(&state, ctx, id, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
