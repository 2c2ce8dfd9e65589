//! The public dashboard: every signatory × commitment of a period, both
//! dimensions of each signatory's standing (filing standing and
//! implementation), totals, charts and the trend, its exports and the
//! reports feed.

use super::*;

mod view;

pub use view::{Bar, BoardRow, BoardView, Cell};

/// The dashboard's menus and search as the URL gives them. Anything may be
/// missing, malformed or stale: the page still answers, showing what it can.
#[derive(Default, Clone, serde::Serialize)]
pub struct BoardQuery {
    pledge: String,
    period: String,
    q: String,
}

impl BoardQuery {
    /// The pledge and period asked for (the API's parameters), no search.
    pub fn new(pledge: &str, period: &str) -> Self {
        BoardQuery { pledge: pledge.to_owned(), period: period.to_owned(), q: String::new() }
    }

    /// The first value of each parameter; the rest of the query is ignored.
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let first = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        BoardQuery {
            pledge: first("pledge"),
            period: first("period"),
            // A platform's name: 100 characters are plenty.
            q: first("q").trim().chars().take(100).collect(),
        }
    }
}

/// A positive id, or nothing.
fn id_in(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok().filter(|id| *id > 0)
}

/// The period shown when none (or a foreign one) is asked for: the latest
/// whose deadline has passed, else the latest.
fn current_period(periods: &[Period], at: NaiveDateTime) -> Option<&Period> {
    periods.iter().rev().find(|p| p.due() <= at).or(periods.last())
}

/// Choose the pledge and period, then load the board. An unknown or malformed
/// pledge falls back to the default pledge (the first initiative); a period
/// that is unknown, malformed or of another pledge to the pledge's current
/// period. A period alone chooses its own pledge.
pub fn load_board(conn: &mut crate::db::DbConn, q: &BoardQuery, lang: Lang, at: NaiveDateTime) -> AppResult<BoardView> {
    let pledges: Vec<Pledge> = rdb::public_pledges(conn)?;
    let asked_pledge = id_in(&q.pledge).filter(|id| pledges.iter().any(|p| p.id == *id));
    let asked_period = id_in(&q.period);
    let mut notice = None;
    let pledge_id = match asked_pledge {
        Some(id) => Some(id),
        None => {
            if !q.pledge.trim().is_empty() {
                notice = Some("rpt.dashboard.notice_pledge");
            }
            // The pledge of the period asked for, if it is public.
            let of_period = match (q.pledge.trim().is_empty(), asked_period) {
                (true, Some(id)) => rdb::period(conn, id)?.map(|p| p.pledge_id),
                _ => None,
            };
            of_period.filter(|id| pledges.iter().any(|p| p.id == *id)).or_else(|| {
                pledges
                    .iter()
                    .find(|p| p.kind == crate::domain::pledge::PledgeKind::Initiative)
                    .or(pledges.first())
                    .map(|p| p.id)
            })
        }
    };
    let Some(pledge_id) = pledge_id else { return Ok(BoardView::empty(lang, &pledges, 0, &[], None)) };
    let periods = rdb::periods_of(conn, pledge_id)?;
    let period = match asked_period.and_then(|id| periods.iter().find(|p| p.id == id)) {
        Some(p) => Some(p),
        None => {
            if notice.is_none() && !q.period.trim().is_empty() {
                notice = Some("rpt.dashboard.notice_period");
            }
            current_period(&periods, at)
        }
    };
    let mut view = match period {
        Some(p) => {
            let board = crate::db::dashboard::board(conn, pledge_id, p.id)?;
            view::build(lang, &pledges, &periods, pledge_id, p, board, &q.q, at)
        }
        None => BoardView::empty(lang, &pledges, pledge_id, &periods, None),
    };
    view.notice = notice;
    view.q = q.q.clone();
    Ok(view)
}

#[derive(Template)]
#[template(path = "reports/board.html")]
pub(super) struct BoardFragment<'a> {
    ctx: &'a Ctx,
    b: &'a BoardView,
    query: String,
}

#[derive(Template)]
#[template(path = "reports/dashboard.html")]
pub(super) struct DashboardPage {
    ctx: Ctx,
    fragment: String,
}

pub async fn dashboard(
    state: web::Data<AppState>,
    ctx: Ctx,
    q: web::Query<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let st = &state;
    let q = BoardQuery::from_pairs(q.into_inner());
    let reads = q.clone();
    state.pages.through(&state, &ctx, &reads, |c| dashboard_page(st, c, q)).await
}

/// The query of what is shown (for the export links).
fn shown_query(view: &BoardView) -> String {
    super::super::query_base(
        "",
        &[
            ("pledge", &view.pledge_id.to_string()),
            ("period", &view.period.as_ref().map(|p| p.id.to_string()).unwrap_or_default()),
            ("q", &view.q),
        ],
    )
}

pub(super) async fn dashboard_page(state: &AppState, ctx: Ctx, q: BoardQuery) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let at = now();
    let view = state.db(move |c| load_board(c, &q, lang, at)).await?;
    let query = shown_query(&view);
    let fragment = BoardFragment { ctx: &ctx, b: &view, query }
        .render()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))?;
    render(&DashboardPage { ctx, fragment })
}

/// The matrix as a table: the same words as the page.
pub(super) fn board_table(lang: Lang, b: &BoardView) -> Table {
    let mut header = vec![
        lang.t("rpt.table.org").to_owned(),
        lang.t("rpt.table.standing").to_owned(),
        lang.t("rpt.table.why").to_owned(),
        lang.t("rpt.table.implementation").to_owned(),
    ];
    header.extend(b.commitments.iter().map(|c| format!("{} {}", c.number, c.text(lang == Lang::En))));
    Table {
        header,
        rows: b
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![
                    r.name.clone(),
                    r.standing.label.clone(),
                    r.standing.why.clone(),
                    r.standing.implementation.clone(),
                ];
                row.extend(r.cells.iter().map(|c| c.label.clone()));
                row
            })
            .collect(),
    }
}

pub(super) async fn board_export(state: &AppState, ctx: &Ctx, q: BoardQuery) -> AppResult<(Table, String)> {
    let lang = ctx.lang;
    let at = now();
    let view = state.db(move |c| load_board(c, &q, lang, at)).await?;
    let name = format!("{}-{}", lang.t("rpt.export.filename"), view.period_label);
    Ok((board_table(lang, &view), name))
}

pub async fn dashboard_csv(
    state: web::Data<AppState>,
    ctx: Ctx,
    q: web::Query<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (t, name) = board_export(&state, &ctx, BoardQuery::from_pairs(q.into_inner())).await?;
    Ok(csv_response(&format!("{name}.csv"), &t))
}

pub async fn dashboard_xlsx(
    state: web::Data<AppState>,
    ctx: Ctx,
    q: web::Query<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (t, name) = board_export(&state, &ctx, BoardQuery::from_pairs(q.into_inner())).await?;
    xlsx_response(&format!("{name}.xlsx"), ctx.t("rpt.export.sheet"), &t)
}

// ------------------------------------------------------------------ feed

/// Newly accepted reports, each with its filing standing and implementation.
pub async fn feed(state: web::Data<AppState>, ctx: Ctx, req: actix_web::HttpRequest) -> AppResult<HttpResponse> {
    let (items, implementation) = state.db(|c| Ok(crate::db::dashboard::accepted_feed(c, 50)?)).await?;
    let lang = ctx.lang;
    let en = lang == Lang::En;
    let at = now();
    let entries: Vec<super::super::feeds::Entry> = items
        .iter()
        .map(|i| {
            let facts = ReportFacts {
                state: ReportState::Accepted,
                ever_returned: i.ever_returned,
                submitted_at: i.submitted_at,
                decided_at: i.decided_at,
            };
            let d = derive(i.signature_state, i.signature_since, (i.opens_on, i.due_on), Some(facts), at);
            let s = standing_view(lang, d, implementation.get(&i.report_id));
            let (org, pledge, period) = if en {
                (&i.org_name_en, &i.pledge_title_en, &i.period_label_en)
            } else {
                (&i.org_name_zh, &i.pledge_title_zh, &i.period_label_zh)
            };
            super::super::feeds::Entry {
                id: format!("tag:selfreg,2026:report-{}", i.report_id),
                title: lang.tf("rpt.feed.entry", &[("org", org), ("period", period), ("standing", &s.label)]),
                path: format!("/reports/{}", i.report_id),
                updated: i.decided_at.unwrap_or(at),
                summary: lang.tf(
                    "rpt.feed.summary",
                    &[("pledge", pledge), ("why", &s.why), ("implementation", &s.implementation)],
                ),
            }
        })
        .collect();
    super::super::feeds::atom(&ctx, &req, "rpt.feed.title", "/feeds/reports.atom", "/dashboard", &entries)
}
