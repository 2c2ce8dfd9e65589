//! The public dashboard: every signatory × commitment of a period, standings,
//! totals and trend, its exports and the reports feed.

use super::*;

#[derive(Deserialize, Default, Clone)]
pub struct BoardQuery {
    #[serde(default)]
    pledge: String,
    #[serde(default)]
    period: String,
}

pub struct Cell {
    pub code: &'static str,
    pub label: String,
}

pub struct BoardRow {
    pub org_id: i64,
    pub name: String,
    pub standing: StandingView,
    pub report_id: Option<i64>,
    pub cells: Vec<Cell>,
}

pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub h: i64,
    pub label: String,
    pub count: usize,
    pub code: &'static str,
}

pub struct TrendPoint {
    pub x: i64,
    pub y: i64,
    pub label: String,
    pub pct: String,
}

/// Everything the dashboard shows, computed once per (pledge, period, language, minute, stamp).
pub struct BoardView {
    pub pledges: Vec<(i64, String)>,
    pub pledge_id: i64,
    pub periods: Vec<(i64, String)>,
    pub period: Option<Period>,
    pub period_label: String,
    pub deadline: String,
    pub commitments: Vec<Commitment>,
    pub rows: Vec<BoardRow>,
    /// Per commitment: counts per entry status (implemented, in progress, not started, n/a).
    pub column_totals: Vec<[usize; 4]>,
    pub status_totals: [usize; 4],
    pub standing_totals: Vec<(&'static str, String, usize)>,
    pub bars: Vec<Bar>,
    pub trend: Vec<TrendPoint>,
    pub trend_points: String,
}

impl BoardView {
    fn is_pledge(&self, id: &i64) -> bool {
        *id == self.pledge_id
    }

    fn is_period(&self, id: &i64) -> bool {
        self.period.as_ref().is_some_and(|p| p.id == *id)
    }
}

pub(super) const STATUS_CODES: [&str; 4] = ["implemented", "in_progress", "not_started", "not_applicable"];

pub(super) fn status_index(s: &str) -> Option<usize> {
    STATUS_CODES.iter().position(|c| *c == s)
}

pub(super) fn build_board(
    lang: Lang,
    pledges: Vec<Pledge>,
    periods: Vec<Period>,
    pledge_id: i64,
    period: Option<Period>,
    board: Option<Board>,
    at: NaiveDateTime,
) -> BoardView {
    let en = lang == Lang::En;
    let mut v = BoardView {
        pledges: pledges.iter().map(|p| (p.id, if en { p.title_en.clone() } else { p.title_zh.clone() })).collect(),
        pledge_id,
        periods: periods.iter().map(|p| (p.id, p.label(en).to_owned())).collect(),
        period_label: period.as_ref().map(|p| p.label(en).to_owned()).unwrap_or_default(),
        deadline: period.as_ref().map(|p| deadline_text(lang, p.due())).unwrap_or_default(),
        period: period.clone(),
        commitments: Vec::new(),
        rows: Vec::new(),
        column_totals: Vec::new(),
        status_totals: [0; 4],
        standing_totals: Vec::new(),
        bars: Vec::new(),
        trend: Vec::new(),
        trend_points: String::new(),
    };
    let (Some(period), Some(board)) = (period, board) else { return v };
    let reports: HashMap<i64, &rdb::BoardReport> = board.reports.iter().map(|r| (r.signature_id, r)).collect();
    v.column_totals = vec![[0; 4]; board.commitments.len()];
    let mut standing_counts: HashMap<Standing, usize> = HashMap::new();
    for s in &board.signatories {
        let report = reports.get(&s.signature_id);
        let d = derive(
            &s.state,
            report.map(|r| (ReportState::parse(&r.state).unwrap_or(ReportState::Draft), r.ever_returned)),
            period.due_on,
            at,
        );
        *standing_counts.entry(d.standing).or_default() += 1;
        let excluded = board.excluded.get(&s.signature_id);
        let cells = board
            .commitments
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if excluded.is_some_and(|e| e.contains(&c.id)) {
                    return Cell { code: "excluded", label: lang.t("rpt.cell.excluded").to_owned() };
                }
                match board.cells.get(&(s.signature_id, c.id)).and_then(|st| status_index(st)) {
                    Some(k) => {
                        v.column_totals[i][k] += 1;
                        v.status_totals[k] += 1;
                        Cell {
                            code: STATUS_CODES[k],
                            label: lang.t(&format!("rpt.status.{}", STATUS_CODES[k])).to_owned(),
                        }
                    }
                    None => Cell { code: "none", label: lang.t("rpt.cell.none").to_owned() },
                }
            })
            .collect();
        v.rows.push(BoardRow {
            org_id: s.org_id,
            name: if en { s.org_name_en.clone() } else { s.org_name_zh.clone() },
            standing: standing_view(lang, d),
            report_id: report.filter(|r| r.state == "accepted").map(|r| r.id),
            cells,
        });
    }
    // Standing counts as bars (server-rendered SVG, 600 × 220).
    let max = standing_counts.values().copied().max().unwrap_or(1).max(1);
    for (i, st) in Standing::ALL.into_iter().enumerate() {
        let n = standing_counts.get(&st).copied().unwrap_or(0);
        let label = lang.t(&format!("rpt.standing.{}", st.as_str())).to_owned();
        v.standing_totals.push((st.as_str(), label.clone(), n));
        let h = (n as i64 * 140) / max as i64;
        v.bars.push(Bar { x: 30 + i as i64 * 80, y: 170 - h, h, label, count: n, code: st.as_str() });
    }
    // Implemented share of accepted entries, per period (line chart, 600 × 220).
    let with_data: Vec<&Period> = periods.iter().filter(|p| board.trend.contains_key(&p.id)).collect();
    let step = if with_data.len() > 1 { 440 / (with_data.len() as i64 - 1) } else { 0 };
    for (i, p) in with_data.iter().enumerate() {
        let (imp, all) = board.trend[&p.id];
        let share = if all > 0 { imp as f64 / all as f64 } else { 0.0 };
        let x = if with_data.len() > 1 { 80 + step * i as i64 } else { 300 };
        let y = 180 - (share * 150.0).round() as i64;
        v.trend.push(TrendPoint { x, y, label: p.label(en).to_owned(), pct: format!("{:.0}%", share * 100.0) });
    }
    v.trend_points = v.trend.iter().map(|t| format!("{},{}", t.x, t.y)).collect::<Vec<_>>().join(" ");
    v.commitments = board.commitments;
    v
}

/// Choose the pledge (default: the first initiative) and period (default: the
/// latest whose deadline has passed, else the latest), then load the board.
pub(super) fn load_board(
    conn: &mut crate::db::DbConn,
    q: &BoardQuery,
    lang: Lang,
    at: NaiveDateTime,
) -> AppResult<BoardView> {
    let pledges: Vec<Pledge> = rdb::public_pledges(conn)?;
    let pledge_id = match q.pledge.trim() {
        "" => pledges.iter().find(|p| p.kind == "initiative").or(pledges.first()).map(|p| p.id),
        s => Some(parse_id(s)?),
    };
    let Some(pledge_id) = pledge_id else { return Ok(build_board(lang, pledges, vec![], 0, None, None, at)) };
    if !pledges.iter().any(|p| p.id == pledge_id) {
        return Err(AppError::NotFound);
    }
    let periods = rdb::periods_of(conn, pledge_id)?;
    let period = match q.period.trim() {
        "" => periods.iter().rev().find(|p| p.due() <= at).or(periods.last()).cloned(),
        s => {
            let id = parse_id(s)?;
            Some(periods.iter().find(|p| p.id == id).cloned().ok_or(AppError::NotFound)?)
        }
    };
    let board = match &period {
        Some(p) => Some(rdb::board(conn, pledge_id, p.id)?),
        None => None,
    };
    Ok(build_board(lang, pledges, periods, pledge_id, period, board, at))
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

pub async fn dashboard(state: web::Data<AppState>, ctx: Ctx, q: web::Query<BoardQuery>) -> AppResult<HttpResponse> {
    let st = &state;
    state.pages.through(&state, &ctx, |c| dashboard_page(st, c, q.into_inner())).await
}

pub(super) async fn dashboard_page(state: &AppState, ctx: Ctx, q: BoardQuery) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let at = now();
    let view = state.db(move |c| load_board(c, &q, lang, at)).await?;
    let query = super::super::query_base(
        "",
        &[
            ("pledge", &view.pledge_id.to_string()),
            ("period", &view.period.as_ref().map(|p| p.id.to_string()).unwrap_or_default()),
        ],
    );
    let fragment = BoardFragment { ctx: &ctx, b: &view, query }
        .render()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))?;
    render(&DashboardPage { ctx, fragment })
}

pub(super) fn board_table(lang: Lang, b: &BoardView) -> Table {
    let mut header = vec![
        lang.t("rpt.table.org").to_owned(),
        lang.t("rpt.table.standing").to_owned(),
        lang.t("rpt.table.why").to_owned(),
    ];
    header.extend(b.commitments.iter().map(|c| format!("{} {}", c.number, c.text(lang == Lang::En))));
    Table {
        header,
        rows: b
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![r.name.clone(), r.standing.label.clone(), r.standing.why.clone()];
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

pub async fn dashboard_csv(state: web::Data<AppState>, ctx: Ctx, q: web::Query<BoardQuery>) -> AppResult<HttpResponse> {
    let (t, name) = board_export(&state, &ctx, q.into_inner()).await?;
    Ok(csv_response(&format!("{name}.csv"), &t))
}

pub async fn dashboard_xlsx(
    state: web::Data<AppState>,
    ctx: Ctx,
    q: web::Query<BoardQuery>,
) -> AppResult<HttpResponse> {
    let (t, name) = board_export(&state, &ctx, q.into_inner()).await?;
    xlsx_response(&format!("{name}.xlsx"), ctx.t("rpt.export.sheet"), &t)
}

// ------------------------------------------------------------------ feed

pub async fn feed(state: web::Data<AppState>, ctx: Ctx, req: actix_web::HttpRequest) -> AppResult<HttpResponse> {
    let items = state.db(|c| Ok(rdb::accepted_feed(c, 50)?)).await?;
    let lang = ctx.lang;
    let entries: Vec<super::super::feeds::Entry> = items
        .iter()
        .map(|i| {
            let (org, period) = if lang == Lang::En {
                (&i.org_name_en, &i.period_label_en)
            } else {
                (&i.org_name_zh, &i.period_label_zh)
            };
            super::super::feeds::Entry {
                id: format!("tag:selfreg,2026:report-{}", i.report_id),
                title: lang.tf("rpt.feed.accepted", &[("org", org), ("period", period)]),
                path: format!("/reports/{}", i.report_id),
                updated: i.decided_at.unwrap_or_else(now),
                summary: String::new(),
            }
        })
        .collect();
    super::super::feeds::atom(&ctx, &req, "rpt.feed.title", "/feeds/reports.atom", "/dashboard", &entries)
}
