//! Commitment reports: filing by the platforms' filers, review by reviewers,
//! reporting periods run by the issuing association's editors, and the public
//! dashboard with its exports and feed.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime, Timelike};
use serde::Deserialize;

use super::diffview::{pieces, PieceView};
use super::export::{csv_response, xlsx_response, Table};
use super::files::{clean_filename, file_response, read_multipart, sniff_evidence};
use super::forms::Form;
use super::{markdown, parse_id, redirect_with_flash, render, render_status, viewer, AppState, Ctx};
use crate::auth::{require_role, require_same_organization, CurrentUser};
use crate::db::attachments::NewAttachment;
use crate::db::pledges::{self as pdb, Commitment, Pledge};
use crate::db::reports::{self as rdb, Board, EntryInput, Full, Period, PeriodData, ReportError, SnapshotEntry};
use crate::domain::clauses::diff;
use crate::domain::report::{self as rules, EntryStatus, ReportState, ReportTransitionError, Standing};
use crate::domain::{text, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::{beijing, Lang};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", web::get().to(dashboard))
        .route("/dashboard.csv", web::get().to(dashboard_csv))
        .route("/dashboard.xlsx", web::get().to(dashboard_xlsx))
        .route("/feeds/reports.atom", web::get().to(feed))
        .route("/orgs/{id}/reports", web::get().to(org_history))
        .route("/reporting", web::get().to(mine))
        .route("/reporting/{period}/open", web::post().to(open))
        .route("/review", web::get().to(queue))
        .route("/reports/{id}", web::get().to(view))
        .route("/reports/{id}/edit", web::get().to(edit))
        .route("/reports/{id}/save", web::post().to(save))
        .route("/reports/{id}/evidence", web::post().to(evidence_upload))
        .route("/reports/{id}/files/{file}", web::get().to(evidence_file))
        .route("/reports/{id}/revisions", web::get().to(revisions))
        .route("/reports/{id}/previous", web::get().to(previous))
        .route("/reports/{id}/decision", web::post().to(decide))
        .route("/pledges/{id}/periods", web::get().to(periods))
        .route("/pledges/{id}/periods", web::post().to(period_create));
}

/// Evidence files: at most this many bytes each.
pub const MAX_EVIDENCE: usize = 20 * 1024 * 1024;
const MAX_MEASURES: usize = 20_000;

fn now() -> NaiveDateTime {
    crate::db::now()
}

/// Who may read a report: everyone once accepted; before that only the
/// platform's own users and staff (reviewers, editors, admins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Public,
    Own,
    Staff,
}

fn access(ctx: &Ctx, org_id: i64, state: ReportState) -> AppResult<Access> {
    match viewer(ctx) {
        Some(u) if matches!(u.role, Role::Reviewer | Role::Editor | Role::Admin) => Ok(Access::Staff),
        Some(u) if u.org_id == org_id => Ok(Access::Own),
        _ if state == ReportState::Accepted => Ok(Access::Public),
        // Unknown to others: the same answer as a report that does not exist.
        _ => Err(AppError::NotFound),
    }
}

/// A deadline instant as Beijing time; midnight shows as 24:00 of the day before.
pub fn deadline_text(lang: Lang, at: NaiveDateTime) -> String {
    let local = at.and_utc().with_timezone(&beijing()).naive_local();
    let (date, time) = if local.hour() == 0 && local.minute() == 0 {
        (local.date().pred_opt().unwrap_or(local.date()), "24:00".to_owned())
    } else {
        (local.date(), format!("{:02}:{:02}", local.hour(), local.minute()))
    };
    let date = match lang {
        Lang::Zh => date.format("%Y-%m-%d").to_string(),
        Lang::En => date.format("%Y-%m-%d").to_string(),
    };
    lang.tf("rpt.deadline", &[("date", &date), ("time", &time)])
}

pub struct StandingView {
    pub code: &'static str,
    pub label: String,
    pub why: String,
}

pub fn standing_view(lang: Lang, d: rules::Derived) -> StandingView {
    let code = d.standing.as_str();
    let at = d.at.map(|a| deadline_text(lang, a)).unwrap_or_default();
    StandingView {
        code,
        label: lang.t(&format!("rpt.standing.{code}")).to_owned(),
        why: lang.tf(&format!("rpt.{}", d.reason), &[("at", &at)]),
    }
}

fn derive(
    sig_state: &str,
    report: Option<(ReportState, bool)>,
    due_on: NaiveDate,
    at: NaiveDateTime,
) -> rules::Derived {
    rules::standing(
        &rules::StandingInput {
            signature_verified: sig_state == "verified",
            signature_withdrawn: sig_state == "withdrawn",
            signature_suspended: sig_state == "suspended",
            due_on,
            report: report.map(|r| r.0),
            ever_returned: report.is_some_and(|r| r.1),
        },
        at,
    )
}

// ------------------------------------------------------------------ dashboard

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

const STATUS_CODES: [&str; 4] = ["implemented", "in_progress", "not_started", "not_applicable"];

fn status_index(s: &str) -> Option<usize> {
    STATUS_CODES.iter().position(|c| *c == s)
}

fn build_board(
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
fn load_board(conn: &mut crate::db::DbConn, q: &BoardQuery, lang: Lang, at: NaiveDateTime) -> AppResult<BoardView> {
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
struct BoardFragment<'a> {
    ctx: &'a Ctx,
    b: &'a BoardView,
    query: String,
}

#[derive(Template)]
#[template(path = "reports/dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    fragment: String,
}

pub async fn dashboard(state: web::Data<AppState>, ctx: Ctx, q: web::Query<BoardQuery>) -> AppResult<HttpResponse> {
    let st = &state;
    state.pages.through(&state, &ctx, |c| dashboard_page(st, c, q.into_inner())).await
}

async fn dashboard_page(state: &AppState, ctx: Ctx, q: BoardQuery) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let at = now();
    let view = state.db(move |c| load_board(c, &q, lang, at)).await?;
    let query = super::query_base(
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

fn board_table(lang: Lang, b: &BoardView) -> Table {
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

async fn board_export(state: &AppState, ctx: &Ctx, q: BoardQuery) -> AppResult<(Table, String)> {
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
    let entries: Vec<super::feeds::Entry> = items
        .iter()
        .map(|i| {
            let (org, period) = if lang == Lang::En {
                (&i.org_name_en, &i.period_label_en)
            } else {
                (&i.org_name_zh, &i.period_label_zh)
            };
            super::feeds::Entry {
                id: format!("tag:selfreg,2026:report-{}", i.report_id),
                title: lang.tf("rpt.feed.accepted", &[("org", org), ("period", period)]),
                path: format!("/reports/{}", i.report_id),
                updated: i.decided_at.unwrap_or_else(now),
                summary: String::new(),
            }
        })
        .collect();
    super::feeds::atom(&ctx, &req, "rpt.feed.title", "/feeds/reports.atom", "/dashboard", &entries)
}

// ------------------------------------------------------------------ an organization's history

pub struct HistoryItem {
    pub report_id: Option<i64>,
    pub pledge_title: String,
    pub period: String,
    pub deadline: String,
    pub standing: StandingView,
    pub state_label: String,
}

/// An organization's reporting across every period of every pledge it signed,
/// newest first, with the standing of each. Fixed number of queries.
pub fn org_history_items(
    conn: &mut crate::db::DbConn,
    lang: Lang,
    org_id: i64,
    private: bool,
    at: NaiveDateTime,
) -> AppResult<Vec<HistoryItem>> {
    let sigs = pdb::org_signatures(conn, org_id, &crate::domain::pledge::SignatureState::PUBLIC)?;
    let reports = rdb::history(conn, org_id)?;
    let pledge_ids: Vec<i64> = sigs.iter().map(|(s, _)| s.pledge_id).collect();
    let periods = rdb::periods_of_pledges(conn, &pledge_ids)?;
    let en = lang == Lang::En;
    let mut out = Vec::new();
    for p in periods.iter().filter(|p| p.opened(at)) {
        let Some((sig, pledge)) = sigs.iter().find(|(s, _)| s.pledge_id == p.pledge_id) else { continue };
        let r = reports.iter().find(|r| r.period_id == p.id);
        let rs = r.map(|r| ReportState::parse(&r.state).unwrap_or(ReportState::Draft));
        let ever_returned = r.is_some_and(|r| r.ever_returned);
        let d = derive(&sig.state, rs.map(|s| (s, ever_returned)), p.due_on, at);
        let readable = r.filter(|r| private || r.state == "accepted").map(|r| r.report_id);
        out.push(HistoryItem {
            report_id: readable,
            pledge_title: pledge.title(en).to_owned(),
            period: p.label(en).to_owned(),
            deadline: deadline_text(lang, p.due()),
            standing: standing_view(lang, d),
            state_label: match rs {
                Some(s) if private || s == ReportState::Accepted => {
                    lang.t(&format!("rpt.state.{}", s.as_str())).to_owned()
                }
                Some(_) => lang.t("rpt.state.in_progress_public").to_owned(),
                None => lang.t("rpt.state.none").to_owned(),
            },
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "reports/history.html")]
struct HistoryPage {
    ctx: Ctx,
    org_id: i64,
    org_name: String,
    items: Vec<HistoryItem>,
}

pub async fn org_history(state: web::Data<AppState>, ctx: Ctx, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    let private =
        viewer(&ctx).is_some_and(|u| u.org_id == id || matches!(u.role, Role::Reviewer | Role::Editor | Role::Admin));
    let at = now();
    let (org, items) = state
        .db(move |c| {
            let org = crate::db::orgs::get(c, id)?.ok_or(AppError::NotFound)?;
            Ok((org, org_history_items(c, lang, id, private, at)?))
        })
        .await?;
    let org_name = if lang == Lang::En { org.name_en } else { org.name_zh };
    render(&HistoryPage { ctx, org_id: id, org_name, items })
}

// ------------------------------------------------------------------ filer's home

pub struct MineItem {
    pub period_id: i64,
    pub pledge_title: String,
    pub period: String,
    pub deadline: String,
    pub opened: bool,
    pub report_id: Option<i64>,
    pub state: Option<ReportState>,
    pub state_label: String,
    pub standing: StandingView,
}

#[derive(Template)]
#[template(path = "reports/mine.html")]
struct MinePage {
    ctx: Ctx,
    items: Vec<MineItem>,
}

pub async fn mine(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    require_role(&user, Role::Filer)?;
    let lang = ctx.lang;
    let org_id = user.org_id;
    let at = now();
    let items = state
        .db(move |c| {
            let sigs = pdb::org_signatures(c, org_id, &[crate::domain::pledge::SignatureState::Verified])?;
            let reports = rdb::history(c, org_id)?;
            let pledge_ids: Vec<i64> = sigs.iter().map(|(s, _)| s.pledge_id).collect();
            let periods = rdb::periods_of_pledges(c, &pledge_ids)?;
            let en = lang == Lang::En;
            Ok(periods
                .iter()
                .filter_map(|p| {
                    let (sig, pledge) = sigs.iter().find(|(s, _)| s.pledge_id == p.pledge_id)?;
                    let r = reports.iter().find(|r| r.period_id == p.id);
                    let st = r.map(|r| ReportState::parse(&r.state).unwrap_or(ReportState::Draft));
                    let d = derive(&sig.state, st.map(|s| (s, r.is_some_and(|r| r.ever_returned))), p.due_on, at);
                    Some(MineItem {
                        period_id: p.id,
                        pledge_title: pledge.title(en).to_owned(),
                        period: p.label(en).to_owned(),
                        deadline: deadline_text(lang, p.due()),
                        opened: p.opened(at),
                        report_id: r.map(|r| r.report_id),
                        state: st,
                        state_label: st
                            .map(|s| lang.t(&format!("rpt.state.{}", s.as_str())).to_owned())
                            .unwrap_or_else(|| lang.t("rpt.state.none").to_owned()),
                        standing: standing_view(lang, d),
                    })
                })
                .collect::<Vec<_>>())
        })
        .await?;
    render(&MinePage { ctx, items })
}

fn report_error(e: ReportError) -> AppError {
    match e {
        ReportError::NotFound => AppError::NotFound,
        ReportError::NotSigned => AppError::Forbidden,
        ReportError::NotOpen => AppError::Conflict("error.report.not_open"),
        ReportError::Conflict => AppError::Conflict("error.report.stale"),
        ReportError::Transition(ReportTransitionError::WrongRole) => AppError::Forbidden,
        ReportError::Transition(ReportTransitionError::NotAllowedInState) => AppError::Conflict("error.report.stale"),
        ReportError::Incomplete(_) | ReportError::Invalid(_) => AppError::BadRequest("error.422"),
        ReportError::Db(e) => AppError::from(e),
    }
}

pub async fn open(state: web::Data<AppState>, user: CurrentUser, period: web::Path<String>) -> AppResult<HttpResponse> {
    require_role(&user, Role::Filer)?;
    let period = parse_id(&period)?;
    let actor = user.actor();
    let org = user.org_id;
    let id = state.tx(move |c| rdb::open_or_create(c, actor, period, org, now()).map_err(report_error)).await?;
    Ok(super::redirect(&format!("/reports/{id}/edit")))
}

// ------------------------------------------------------------------ reading a report

pub struct EntryView {
    pub id: i64,
    pub number: String,
    pub area: String,
    pub text: String,
    pub status: String,
    pub status_label: String,
    pub na_reason: String,
    pub measures_html: String,
    pub indicators: Vec<rdb::Indicator>,
    pub links: Vec<rdb::EvidenceLink>,
    pub files: Vec<crate::db::attachments::AttachmentMeta>,
    pub review_comment: String,
}

fn entry_views(lang: Lang, f: &Full, show_review: bool) -> Vec<EntryView> {
    let en = lang == Lang::En;
    f.entries
        .iter()
        .map(|e| EntryView {
            id: e.row.id,
            number: e.commitment.number.clone(),
            area: e.commitment.area(en).to_owned(),
            text: e.commitment.text(en).to_owned(),
            status: e.row.status.clone(),
            status_label: if e.row.status.is_empty() {
                lang.t("rpt.status.empty").to_owned()
            } else {
                lang.t(&format!("rpt.status.{}", e.row.status)).to_owned()
            },
            na_reason: e.row.na_reason.clone(),
            measures_html: markdown::render(&e.row.measures_md),
            indicators: e.indicators.clone(),
            links: e.links.clone(),
            files: e.files.clone(),
            review_comment: if show_review { e.row.review_comment.clone() } else { String::new() },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "reports/view.html")]
struct ViewPage {
    ctx: Ctx,
    report: rdb::Report,
    org_name: String,
    period: String,
    deadline: String,
    state_label: String,
    entries: Vec<EntryView>,
    show_review: bool,
    can_edit: bool,
    can_decide: bool,
    decision_form: Form,
    revisions: Vec<i32>,
    has_previous: bool,
    overdue_submission: bool,
}

async fn load_full(state: &AppState, id: i64) -> AppResult<(Full, bool)> {
    state
        .db(move |c| {
            let f = rdb::full(c, id)?.ok_or(AppError::NotFound)?;
            let prev = rdb::previous_report(c, &f.report, &f.period)?.is_some();
            Ok((f, prev))
        })
        .await
}

async fn view_page(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    decision_form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (f, has_previous) = load_full(state, id).await?;
    let acc = access(&ctx, f.report.organization_id, f.report.state())?;
    let lang = ctx.lang;
    let user = viewer(&ctx);
    let show_review = acc != Access::Public;
    let can_edit =
        acc == Access::Own && f.report.state().editable() && user.as_ref().is_some_and(|u| u.role.allows(Role::Filer));
    let can_decide =
        f.report.state() == ReportState::Submitted && user.as_ref().is_some_and(|u| u.role.allows(Role::Reviewer));
    let revisions = if show_review { (1..=f.report.revisions).collect() } else { Vec::new() };
    let overdue_submission = f.report.submitted_at.is_some_and(|s| s > f.period.due());
    let en = lang == Lang::En;
    render_status(
        status,
        &ViewPage {
            org_name: f.org.name(en).to_owned(),
            period: f.period.label(en).to_owned(),
            deadline: deadline_text(lang, f.period.due()),
            state_label: lang.t(&format!("rpt.state.{}", f.report.state)).to_owned(),
            entries: entry_views(lang, &f, show_review),
            report: f.report,
            show_review,
            can_edit,
            can_decide,
            decision_form,
            revisions,
            has_previous: has_previous && show_review,
            overdue_submission,
            ctx,
        },
    )
}

pub async fn view(state: web::Data<AppState>, ctx: Ctx, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    view_page(&state, ctx, id, Form::new(), StatusCode::OK).await
}

pub async fn evidence_file(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, file) = path.into_inner();
    let (id, file) = (parse_id(&id)?, parse_id(&file)?);
    let (report, found) = state
        .db(move |c| {
            let r = rdb::get(c, id)?.ok_or(AppError::NotFound)?;
            Ok((r, rdb::evidence(c, id, file)?))
        })
        .await?;
    access(&ctx, report.organization_id, report.state())?;
    let (meta, data) = found.ok_or(AppError::NotFound)?;
    Ok(file_response(&meta.filename, &meta.content_type, data))
}

// ------------------------------------------------------------------ filing

pub struct EditEntry {
    pub v: EntryView,
    /// Indicator rows to show (existing plus blank ones).
    pub indicator_rows: Vec<(String, String, String)>,
    pub link_rows: Vec<(String, String)>,
    pub problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "reports/edit.html")]
struct EditPage {
    ctx: Ctx,
    report: rdb::Report,
    org_name: String,
    period: String,
    deadline: String,
    entries: Vec<EditEntry>,
    statuses: [EntryStatus; 4],
    message: Option<String>,
    problem_count: usize,
    max_mib: usize,
}

/// What the filer typed, per entry id.
#[derive(Default, Clone)]
struct Typed {
    entries: HashMap<i64, EntryInput>,
    version: String,
    action: String,
}

fn parse_typed(body: &web::Bytes) -> AppResult<Typed> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|_| AppError::BadRequest("error.form_encoding"))?;
    let mut t = Typed::default();
    let mut indicators: HashMap<(i64, usize), (String, String, String)> = HashMap::new();
    let mut links: HashMap<(i64, usize), (String, String)> = HashMap::new();
    for (k, v) in pairs {
        match k.as_str() {
            "version" => t.version = v,
            "action" => t.action = v,
            _ => {
                // e_{entry}_{field}[_{row}]
                let mut parts = k.splitn(4, '_');
                if parts.next() != Some("e") {
                    continue;
                }
                let Some(entry) = parts.next().and_then(|e| e.parse::<i64>().ok()) else { continue };
                let field = parts.next().unwrap_or("");
                let row = parts.next().and_then(|r| r.parse::<usize>().ok());
                let e =
                    t.entries.entry(entry).or_insert_with(|| EntryInput { entry_id: entry, ..EntryInput::default() });
                match (field, row) {
                    ("status", None) => e.status = v,
                    ("na", None) => e.na_reason = v,
                    ("measures", None) => e.measures = v,
                    ("iname", Some(r)) if r < 50 => indicators.entry((entry, r)).or_default().0 = v,
                    ("ivalue", Some(r)) if r < 50 => indicators.entry((entry, r)).or_default().1 = v,
                    ("iunit", Some(r)) if r < 50 => indicators.entry((entry, r)).or_default().2 = v,
                    ("lurl", Some(r)) if r < 20 => links.entry((entry, r)).or_default().0 = v,
                    ("llabel", Some(r)) if r < 20 => links.entry((entry, r)).or_default().1 = v,
                    _ => {}
                }
            }
        }
    }
    let mut ind: Vec<_> = indicators.into_iter().collect();
    ind.sort_by_key(|((e, r), _)| (*e, *r));
    for ((entry, _), (n, v, u)) in ind {
        if n.trim().is_empty() && v.trim().is_empty() && u.trim().is_empty() {
            continue;
        }
        if let Some(e) = t.entries.get_mut(&entry) {
            e.indicators.push((n.trim().to_owned(), v.trim().to_owned(), u.trim().to_owned()));
        }
    }
    let mut lk: Vec<_> = links.into_iter().collect();
    lk.sort_by_key(|((e, r), _)| (*e, *r));
    for ((entry, _), (url, label)) in lk {
        if url.trim().is_empty() && label.trim().is_empty() {
            continue;
        }
        if let Some(e) = t.entries.get_mut(&entry) {
            e.links.push((url.trim().to_owned(), label.trim().to_owned()));
        }
    }
    Ok(t)
}

/// Field-level checks of what was typed (lengths, links, numbers): entry number → messages.
fn check_typed(lang: Lang, f: &Full, t: &Typed) -> HashMap<i64, Vec<String>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for e in &f.entries {
        let Some(i) = t.entries.get(&e.row.id) else { continue };
        let mut msgs = Vec::new();
        if !i.status.is_empty() && EntryStatus::parse(&i.status).is_none() {
            msgs.push(lang.t("error.report.status").to_owned());
        }
        if text::bounded(&i.measures, false, MAX_MEASURES).is_err() || text::bounded(&i.na_reason, false, 2000).is_err()
        {
            msgs.push(lang.t("error.too_long").to_owned());
        }
        for (n, v, u) in &i.indicators {
            if n.chars().count() > 100 || u.chars().count() > 20 || v.len() > 30 {
                msgs.push(lang.t("error.too_long").to_owned());
            }
            if !v.is_empty() && rules::parse_value(v).is_none() {
                msgs.push(lang.tf("error.report.indicator_value_named", &[("name", n), ("value", v)]));
            }
        }
        for (url, label) in &i.links {
            if text::url(url).is_err() || url.is_empty() {
                msgs.push(lang.tf("error.report.link", &[("url", url)]));
            }
            if label.chars().count() > 200 {
                msgs.push(lang.t("error.too_long").to_owned());
            }
        }
        if !msgs.is_empty() {
            out.insert(e.row.id, msgs);
        }
    }
    out
}

fn edit_page(
    ctx: Ctx,
    f: Full,
    typed: Option<&Typed>,
    problems: HashMap<i64, Vec<String>>,
    message: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let en = lang == Lang::En;
    let views = entry_views(lang, &f, true);
    let mut entries = Vec::new();
    for (e, mut v) in f.entries.iter().zip(views) {
        let typed_entry = typed.and_then(|t| t.entries.get(&e.row.id));
        type Rows = (Vec<(String, String, String)>, Vec<(String, String)>);
        let (mut ind, mut links): Rows = match typed_entry {
            Some(t) => {
                v.status = t.status.clone();
                v.na_reason = t.na_reason.clone();
                v.measures_html = t.measures.clone();
                (t.indicators.clone(), t.links.clone())
            }
            None => {
                v.measures_html = e.row.measures_md.clone();
                (
                    e.indicators.iter().map(|i| (i.name.clone(), i.value.clone(), i.unit.clone())).collect(),
                    e.links.iter().map(|l| (l.url.clone(), l.label.clone())).collect(),
                )
            }
        };
        ind.extend(std::iter::repeat_n((String::new(), String::new(), String::new()), 2));
        links.push((String::new(), String::new()));
        entries.push(EditEntry {
            problems: problems.get(&e.row.id).cloned().unwrap_or_default(),
            v,
            indicator_rows: ind,
            link_rows: links,
        });
    }
    let problem_count = problems.values().map(Vec::len).sum();
    render_status(
        status,
        &EditPage {
            org_name: f.org.name(en).to_owned(),
            period: f.period.label(en).to_owned(),
            deadline: deadline_text(lang, f.period.due()),
            report: f.report,
            entries,
            statuses: EntryStatus::ALL,
            message,
            problem_count,
            max_mib: MAX_EVIDENCE / 1024 / 1024,
            ctx,
        },
    )
}

fn require_filer_of(user: &CurrentUser, org_id: i64) -> AppResult<()> {
    require_role(user, Role::Filer)?;
    require_same_organization(user, org_id)
}

pub async fn edit(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let (f, _) = load_full(&state, id).await?;
    if user.org_id != f.report.organization_id && user.role != Role::Admin {
        // Another organization's report: as if it did not exist.
        return Err(AppError::NotFound);
    }
    require_filer_of(&user, f.report.organization_id)?;
    if !f.report.state().editable() {
        return Ok(redirect_with_flash(&format!("/reports/{id}"), "flash.report.read_only"));
    }
    edit_page(ctx, f, None, HashMap::new(), None, StatusCode::OK)
}

fn entry_number_map(f: &Full) -> HashMap<String, i64> {
    f.entries.iter().map(|e| (e.commitment.number.clone(), e.row.id)).collect()
}

pub async fn save(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    let report = state.db(move |c| rdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    if user.org_id != report.organization_id && user.role != Role::Admin {
        return Err(AppError::NotFound);
    }
    require_filer_of(&user, report.organization_id)?;
    let typed = parse_typed(&body)?;
    let expected: i32 = typed.version.trim().parse().map_err(|_| AppError::Conflict("error.report.stale"))?;
    let (f, _) = load_full(&state, id).await?;
    let problems = check_typed(lang, &f, &typed);
    if !problems.is_empty() {
        return edit_page(
            ctx,
            f,
            Some(&typed),
            problems,
            Some(lang.t("form.has_errors").to_owned()),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let actor = user.actor();
    let role = user.role;
    let inputs: Vec<EntryInput> = typed.entries.values().cloned().collect();
    let saved = state
        .tx(move |c| match rdb::save(c, actor, role, id, expected, &inputs) {
            Ok(()) => Ok(Ok(())),
            Err(e @ (ReportError::Conflict | ReportError::Transition(_))) => Ok(Err(e)),
            Err(e) => Err(report_error(e)),
        })
        .await?;
    if let Err(e) = saved {
        // Submitted from another tab, or changed meanwhile: say so, keep what was typed.
        let message = match e {
            ReportError::Transition(ReportTransitionError::NotAllowedInState) => {
                lang.t("error.report.submitted_elsewhere").to_owned()
            }
            _ => lang.t("error.report.stale").to_owned(),
        };
        let (f, _) = load_full(&state, id).await?;
        if !f.report.state().editable() {
            let mut form = Form::new();
            form.message = Some(message);
            return view_page(&state, ctx, id, form, StatusCode::CONFLICT).await;
        }
        return edit_page(ctx, f, Some(&typed), HashMap::new(), Some(message), StatusCode::CONFLICT);
    }
    if typed.action != "submit" {
        return Ok(redirect_with_flash(&format!("/reports/{id}/edit"), "flash.report.saved"));
    }
    let submitted = state
        .tx(move |c| {
            let current = rdb::get(c, id)?.ok_or(AppError::NotFound)?;
            match rdb::submit(c, actor, role, id, current.version) {
                Ok(n) => Ok(Ok(n)),
                Err(ReportError::Incomplete(p)) => Ok(Err(p)),
                Err(e) => Err(report_error(e)),
            }
        })
        .await?;
    match submitted {
        Ok(_) => Ok(redirect_with_flash(&format!("/reports/{id}"), "flash.report.submitted")),
        Err(problems) => {
            let (f, _) = load_full(&state, id).await?;
            let numbers = entry_number_map(&f);
            let mut by_entry: HashMap<i64, Vec<String>> = HashMap::new();
            for (number, key) in &problems {
                if let Some(e) = numbers.get(number) {
                    by_entry.entry(*e).or_default().push(lang.t(key).to_owned());
                }
            }
            let message = lang.tf("error.report.incomplete", &[("n", &problems.len().to_string())]);
            edit_page(ctx, f, None, by_entry, Some(message), StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

pub async fn evidence_upload(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    let report = state.db(move |c| rdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    if user.org_id != report.organization_id && user.role != Role::Admin {
        return Err(AppError::NotFound);
    }
    require_filer_of(&user, report.organization_id)?;
    let up = read_multipart(payload, "files", MAX_EVIDENCE, 1000, 5).await?;
    let expected: i32 =
        up.fields.get("version").and_then(|v| v.trim().parse().ok()).ok_or(AppError::Conflict("error.report.stale"))?;
    let entry: i64 =
        up.fields.get("entry").and_then(|v| v.trim().parse().ok()).ok_or(AppError::BadRequest("error.400"))?;
    let mut files = Vec::new();
    let mut bad = Vec::new();
    for (name, data) in up.files {
        match sniff_evidence(&data) {
            Some(ct) => {
                use sha2::Digest;
                let sha256 = hex::encode(sha2::Sha256::digest(&data));
                files.push(NewAttachment { filename: clean_filename(&name), content_type: ct, data, sha256 });
            }
            None => bad.push(name),
        }
    }
    if !bad.is_empty() || files.is_empty() {
        let (f, _) = load_full(&state, id).await?;
        let msg = if bad.is_empty() {
            lang.t("error.report.no_file").to_owned()
        } else {
            lang.tf("error.report.file_type", &[("names", &bad.join("、"))])
        };
        let mut problems = HashMap::new();
        problems.insert(entry, vec![msg.clone()]);
        return edit_page(ctx, f, None, problems, Some(msg), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let actor = user.actor();
    let role = user.role;
    state.tx(move |c| rdb::add_evidence(c, actor, role, id, expected, entry, &files).map_err(report_error)).await?;
    Ok(redirect_with_flash(&format!("/reports/{id}/edit#e{entry}"), "flash.report.evidence_added"))
}

// ------------------------------------------------------------------ review

pub struct QueueRow {
    pub item: rdb::QueueItem,
    pub submitted: String,
    pub due: String,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "reports/queue.html")]
struct QueuePage {
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
        Err(problems) => {
            for (_, key) in problems {
                form.error(lang, "comment", key);
            }
            view_page(&state, ctx, id, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

// ------------------------------------------------------------------ comparisons

pub struct IndicatorChange {
    pub name: String,
    pub from: String,
    pub to: String,
    pub changed: bool,
}

pub struct EntryChange {
    pub number: String,
    pub text: String,
    pub from_label: String,
    pub to_label: String,
    pub status_changed: bool,
    pub regression: bool,
    pub measures: Vec<PieceView>,
    pub indicators: Vec<IndicatorChange>,
}

fn compare_snapshots(
    lang: Lang,
    commitments: &[Commitment],
    old: &[SnapshotEntry],
    new: &[SnapshotEntry],
) -> Vec<EntryChange> {
    let label = |s: &str| {
        if s.is_empty() {
            lang.t("rpt.status.empty").to_owned()
        } else {
            lang.t(&format!("rpt.status.{s}")).to_owned()
        }
    };
    let rank = |s: &str| EntryStatus::parse(s).map(|s| s.rank());
    let mut ids: Vec<i64> = new.iter().map(|e| e.commitment_id).collect();
    for e in old {
        if !ids.contains(&e.commitment_id) {
            ids.push(e.commitment_id);
        }
    }
    ids.sort_by_key(|id| commitments.iter().position(|c| c.id == *id).unwrap_or(usize::MAX));
    ids.into_iter()
        .map(|cid| {
            let o = old.iter().find(|e| e.commitment_id == cid);
            let n = new.iter().find(|e| e.commitment_id == cid);
            let c = commitments.iter().find(|c| c.id == cid);
            let from = o.map(|e| e.status.as_str()).unwrap_or("");
            let to = n.map(|e| e.status.as_str()).unwrap_or("");
            let mut names: Vec<String> =
                n.map(|e| e.indicators.iter().map(|i| i.0.clone()).collect()).unwrap_or_default();
            for i in o.map(|e| e.indicators.as_slice()).unwrap_or(&[]) {
                if !names.contains(&i.0) {
                    names.push(i.0.clone());
                }
            }
            let find = |e: Option<&SnapshotEntry>, name: &str| {
                e.and_then(|e| e.indicators.iter().find(|i| i.0 == name))
                    .map(|i| format!("{} {}", i.1, i.2).trim().to_owned())
                    .unwrap_or_default()
            };
            EntryChange {
                number: c
                    .map(|c| c.number.clone())
                    .or(n.map(|e| e.number.clone()))
                    .or(o.map(|e| e.number.clone()))
                    .unwrap_or_default(),
                text: c.map(|c| c.text(lang == Lang::En).to_owned()).unwrap_or_default(),
                from_label: label(from),
                to_label: label(to),
                status_changed: from != to,
                regression: matches!((rank(from), rank(to)), (Some(a), Some(b)) if b < a && b > 0),
                measures: pieces(diff(
                    o.map(|e| e.measures.as_str()).unwrap_or(""),
                    n.map(|e| e.measures.as_str()).unwrap_or(""),
                )),
                indicators: names
                    .into_iter()
                    .map(|name| {
                        let (from, to) = (find(o, &name), find(n, &name));
                        IndicatorChange { changed: from != to, name, from, to }
                    })
                    .collect(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "reports/compare.html")]
struct ComparePage {
    ctx: Ctx,
    report_id: i64,
    title: String,
    left: String,
    right: String,
    changes: Vec<EntryChange>,
    revisions: Vec<i32>,
    from: i32,
    to: i32,
    regressions: usize,
}

impl ComparePage {
    fn is_from(&self, n: &i32) -> bool {
        *n == self.from
    }

    fn is_to(&self, n: &i32) -> bool {
        *n == self.to
    }
}

#[derive(Deserialize)]
pub struct RevQuery {
    from: Option<i32>,
    to: Option<i32>,
}

pub async fn revisions(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<String>,
    q: web::Query<RevQuery>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let (report, revs, commitments, org) = state
        .db(move |c| {
            let r = rdb::get(c, id)?.ok_or(AppError::NotFound)?;
            let revs = rdb::revisions(c, id)?;
            let p = rdb::period(c, r.period_id)?.ok_or(AppError::NotFound)?;
            let commitments = pdb::commitments(c, p.pledge_id)?;
            let org = crate::db::orgs::get(c, r.organization_id)?.ok_or(AppError::NotFound)?;
            Ok((r, revs, commitments, org))
        })
        .await?;
    if access(&ctx, report.organization_id, report.state())? == Access::Public {
        return Err(AppError::NotFound);
    }
    let lang = ctx.lang;
    let last = revs.last().map(|r| r.n).ok_or(AppError::NotFound)?;
    let to = q.to.unwrap_or(last);
    let from = q.from.unwrap_or((to - 1).max(1));
    let old = revs.iter().find(|r| r.n == from).ok_or(AppError::NotFound)?;
    let new = revs.iter().find(|r| r.n == to).ok_or(AppError::NotFound)?;
    let changes = compare_snapshots(lang, &commitments, &old.entries(), &new.entries());
    let regressions = changes.iter().filter(|c| c.regression).count();
    let name = if lang == Lang::En { org.name_en } else { org.name_zh };
    render(&ComparePage {
        report_id: id,
        title: lang.tf("rpt.compare.revisions_title", &[("org", &name)]),
        left: lang.tf("rpt.compare.revision", &[("n", &from.to_string())]),
        right: lang.tf("rpt.compare.revision", &[("n", &to.to_string())]),
        changes,
        revisions: revs.iter().map(|r| r.n).collect(),
        from,
        to,
        regressions,
        ctx,
    })
}

pub async fn previous(state: web::Data<AppState>, ctx: Ctx, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let (cur, prev, prev_period, commitments) = state
        .db(move |c| {
            let cur = rdb::full(c, id)?.ok_or(AppError::NotFound)?;
            let prev = rdb::previous_report(c, &cur.report, &cur.period)?.ok_or(AppError::NotFound)?;
            let prev_full = rdb::full(c, prev.id)?.ok_or(AppError::NotFound)?;
            let commitments = pdb::commitments(c, cur.period.pledge_id)?;
            let pp = prev_full.period.clone();
            Ok((cur, prev_full, pp, commitments))
        })
        .await?;
    let a = access(&ctx, cur.report.organization_id, cur.report.state())?;
    if a == Access::Public && prev.report.state() != ReportState::Accepted {
        return Err(AppError::NotFound);
    }
    let lang = ctx.lang;
    let en = lang == Lang::En;
    let changes = compare_snapshots(lang, &commitments, &rdb::snapshot(&prev.entries), &rdb::snapshot(&cur.entries));
    let regressions = changes.iter().filter(|c| c.regression).count();
    render(&ComparePage {
        report_id: id,
        title: lang.tf("rpt.compare.previous_title", &[("org", cur.org.name(en))]),
        left: prev_period.label(en).to_owned(),
        right: cur.period.label(en).to_owned(),
        changes,
        revisions: Vec::new(),
        from: 0,
        to: 0,
        regressions,
        ctx,
    })
}

// ------------------------------------------------------------------ reporting periods (editors)

#[derive(Template)]
#[template(path = "reports/periods.html")]
struct PeriodsPage {
    ctx: Ctx,
    pledge: Pledge,
    periods: Vec<(Period, String)>,
    form: Form,
    can_manage: bool,
}

async fn periods_page(
    state: &AppState,
    ctx: Ctx,
    pledge_id: i64,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (pledge, periods) = state
        .db(move |c| {
            let p = pdb::get(c, pledge_id)?.ok_or(AppError::NotFound)?;
            Ok((p, rdb::periods_of(c, pledge_id)?))
        })
        .await?;
    if pledge.state == "draft" {
        return Err(AppError::NotFound);
    }
    let lang = ctx.lang;
    let can_manage = viewer(&ctx)
        .is_some_and(|u| u.role == Role::Admin || (u.role == Role::Editor && u.org_id == pledge.organization_id));
    let periods = periods
        .into_iter()
        .map(|p| {
            let d = deadline_text(lang, p.due());
            (p, d)
        })
        .collect();
    render_status(status, &PeriodsPage { ctx, pledge, periods, form, can_manage })
}

pub async fn periods(state: web::Data<AppState>, ctx: Ctx, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    periods_page(&state, ctx, id, Form::new(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
pub struct PeriodInput {
    #[serde(default)]
    label_zh: String,
    #[serde(default)]
    label_en: String,
    #[serde(default)]
    covers_from: String,
    #[serde(default)]
    covers_to: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    due_on: String,
}

pub async fn period_create(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<PeriodInput>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    require_role(&user, Role::Editor)?;
    let pledge = state.db(move |c| pdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    if user.role != Role::Admin && user.org_id != pledge.organization_id {
        return Err(AppError::Forbidden);
    }
    let lang = ctx.lang;
    let mut form = Form::new()
        .with("label_zh", &input.label_zh)
        .with("label_en", &input.label_en)
        .with("covers_from", &input.covers_from)
        .with("covers_to", &input.covers_to)
        .with("opens_on", &input.opens_on)
        .with("due_on", &input.due_on);
    use crate::domain::standard::parse_date;
    let label_zh = form.check(lang, "label_zh", text::bounded(&input.label_zh, true, 100));
    let label_en = form.check(lang, "label_en", text::bounded(&input.label_en, true, 100));
    let covers_from = form.check(lang, "covers_from", parse_date(&input.covers_from));
    let covers_to = form.check(lang, "covers_to", parse_date(&input.covers_to));
    let opens_on = form.check(lang, "opens_on", parse_date(&input.opens_on));
    let due_on = form.check(lang, "due_on", parse_date(&input.due_on));
    if let (Some(a), Some(b)) = (covers_from, covers_to) {
        if b < a {
            form.error(lang, "covers_to", "error.std.period_order");
        }
    }
    if let (Some(o), Some(d)) = (opens_on, due_on) {
        if d < o {
            form.error(lang, "due_on", "error.report.due_before_open");
        }
    }
    let (Some(label_zh), Some(label_en), Some(covers_from), Some(covers_to), Some(opens_on), Some(due_on), false) =
        (label_zh, label_en, covers_from, covers_to, opens_on, due_on, form.has_errors())
    else {
        return periods_page(&state, ctx, id, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let data = PeriodData { label_zh, label_en, covers_from, covers_to, opens_on, due_on };
    let actor = user.actor();
    state.tx(move |c| Ok(rdb::create_period(c, actor, id, &data)?)).await?;
    Ok(redirect_with_flash(&format!("/pledges/{id}/periods"), "flash.report.period_created"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_read_as_24_00_beijing() {
        let due = rules::due_instant(NaiveDate::from_ymd_opt(2026, 1, 31).unwrap());
        assert_eq!(deadline_text(Lang::Zh, due), "2026-01-31 24:00（北京时间）");
        assert_eq!(deadline_text(Lang::En, due), "2026-01-31 24:00 (Beijing time)");
    }

    #[test]
    fn evidence_is_recognised_by_content() {
        assert_eq!(sniff_evidence(b"%PDF-1.4"), Some("application/pdf"));
        assert_eq!(sniff_evidence(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff_evidence(b"\xFF\xD8\xFF\xE0rest"), Some("image/jpeg"));
        assert!(sniff_evidence(b"PK\x03\x04 [Content_Types].xml xl/workbook.xml").is_some());
        assert_eq!(sniff_evidence(b"PK\x03\x04 [Content_Types].xml word/document.xml"), None);
        assert_eq!(sniff_evidence(b"<html>"), None);
    }

    #[test]
    fn every_vocabulary_code_has_text() {
        let mut keys = Vec::new();
        for s in Standing::ALL {
            keys.push(format!("rpt.standing.{}", s.as_str()));
        }
        for s in ReportState::ALL {
            keys.push(format!("rpt.state.{}", s.as_str()));
        }
        for s in STATUS_CODES {
            keys.push(format!("rpt.status.{s}"));
        }
        for r in [
            "accepted",
            "submitted",
            "returned",
            "non_communicating",
            "overdue",
            "due_soon",
            "not_due",
            "withdrawn",
            "suspended",
        ] {
            keys.push(format!("rpt.why.{r}"));
        }
        for k in keys {
            for lang in Lang::ALL {
                assert_ne!(lang.t(&k), k, "{k} missing in {lang:?}");
            }
        }
    }
}
