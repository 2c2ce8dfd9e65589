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
    pager: super::super::Pager,
    /// Pledges to filter by: (id, title).
    pledges: Vec<(i64, String)>,
    /// Periods to filter by: (id, label) — of the chosen pledge, or of every pledge.
    periods: Vec<(i64, String)>,
    pledge: Option<i64>,
    period: Option<i64>,
}

impl QueuePage {
    fn is_pledge(&self, id: &i64) -> bool {
        self.pledge == Some(*id)
    }

    fn is_period(&self, id: &i64) -> bool {
        self.period == Some(*id)
    }

    fn filtered(&self) -> bool {
        self.pledge.is_some() || self.period.is_some()
    }
}

/// The queue's URL parameters, read leniently (anything odd is ignored).
#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    pledge: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    page: String,
}

pub const QUEUE_PAGE: i64 = 50;

pub async fn queue(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    q: web::Query<QueueQuery>,
) -> AppResult<HttpResponse> {
    require_role(&user, Role::Reviewer)?;
    let lang = ctx.lang;
    let en = lang == Lang::En;
    let id = |s: &str| s.trim().parse::<i64>().ok().filter(|n| *n > 0);
    let (pledge, period) = (id(&q.pledge), id(&q.period));
    let page = q.page.trim().parse::<i64>().ok();
    let offset = super::super::Pager::offset(page, QUEUE_PAGE);
    let filter = rdb::QueueFilter { pledge, period };
    let ((items, total), pledges, periods) = state
        .db(move |c| {
            let pledges = rdb::public_pledges(c)?;
            let ids: Vec<i64> = match pledge {
                Some(p) => vec![p],
                None => pledges.iter().map(|p| p.id).collect(),
            };
            let periods = rdb::periods_of_pledges(c, &ids)?;
            Ok((rdb::queue(c, filter, QUEUE_PAGE, offset)?, pledges, periods))
        })
        .await?;
    let title = |id: i64| pledges.iter().find(|p| p.id == id).map(|p| p.title(en).to_owned()).unwrap_or_default();
    let periods = periods
        .iter()
        .map(|p| {
            let label = if pledge.is_some() {
                p.label(en).to_owned()
            } else {
                lang.tf("rpt.queue.period_of", &[("pledge", &title(p.pledge_id)), ("period", p.label(en))])
            };
            (p.id, label)
        })
        .collect();
    let items = items
        .into_iter()
        .map(|i| {
            let due = rules::due_instant(i.due_on);
            let late = i.submitted_at.is_some_and(|s| s > due);
            let submitted = i.submitted_at.map(|s| lang.datetime(s)).unwrap_or_default();
            QueueRow { item: i, submitted, due: deadline_text(lang, due), late }
        })
        .collect();
    let (pledge_s, period_s) =
        (pledge.map(|p| p.to_string()).unwrap_or_default(), period.map(|p| p.to_string()).unwrap_or_default());
    let pager = super::super::Pager::new(
        page,
        QUEUE_PAGE,
        total,
        super::super::query_base("/review", &[("pledge", &pledge_s), ("period", &period_s)]),
    );
    let pledges = pledges.iter().map(|p| (p.id, p.title(en).to_owned())).collect();
    render(&QueuePage { ctx, items, pager, pledges, periods, pledge, period })
}

pub async fn decide(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = id.into_inner().get();
    require_role(&user, Role::Reviewer)?;
    let lang = ctx.lang;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| AppError::BadRequest("error.form_encoding"))?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let seen: i32 = get("version").trim().parse().map_err(|_| AppError::Conflict("error.report.stale"))?;
    let action = match get("decision").as_str() {
        "accept" => ReportAction::Accept,
        "return" => ReportAction::Return,
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
    let decision = rdb::Decision { action, seen, comment, entry_comments };
    let (actor, who) = (user.actor(), who(&user));
    let outcome = state.act(move |c| rdb::decide(c, actor, who, id, &decision)).await?;
    respond(
        lang,
        outcome,
        form,
        |to| {
            let flash = if to == ReportState::Accepted { "flash.report.accepted" } else { "flash.report.returned" };
            redirect_with_flash(&format!("/reports/{id}"), flash)
        },
        |form, status| view_page(&state, ctx, id, form, status),
    )
    .await
}
