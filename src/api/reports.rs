//! Reporting: a pledge's periods, the dashboard of a period (the matrix,
//! both dimensions of each signatory's standing with their reasons, totals)
//! and accepted reports. The dashboard is the page's own computation
//! (`web::reports::load_board`), read once in each language.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::pledges::{public_pledge, Coded};
use super::problem::{ApiError, ApiResult, FieldError, Problem};
use super::respond;
use super::types::{at, url, Names, OrgRef};
use crate::db::reports::{self as rdb, Period};
use crate::domain::report::{visibility, EntryStatus};
use crate::i18n::Lang;
use crate::web::flow::Id;
use crate::web::reports::{load_board, BoardQuery};
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/pledges/{id}/periods", web::get().to(periods))
        .route("/dashboard", web::get().to(dashboard))
        .route("/reports/{id}", web::get().to(report));
}

/// A reporting period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodItem {
    pub id: i64,
    pub pledge_id: i64,
    pub label: Names,
    pub covers_from: NaiveDate,
    pub covers_to: NaiveDate,
    /// Filing opens on this day (Beijing time).
    pub opens_on: NaiveDate,
    /// The last day of filing (Beijing time).
    pub due_on: NaiveDate,
    /// The deadline as an instant: the end of `due_on` in Beijing.
    pub due_at: DateTime<FixedOffset>,
    /// The dashboard of this period.
    pub dashboard: String,
}

/// A period as every operation gives it (`base`: the site's public URL).
pub fn period_item(base: &str, p: &Period) -> PeriodItem {
    PeriodItem {
        id: p.id,
        pledge_id: p.pledge_id,
        label: Names::new(&p.label_zh, &p.label_en),
        covers_from: p.covers_from,
        covers_to: p.covers_to,
        opens_on: p.opens_on,
        due_on: p.due_on,
        due_at: at(p.due()),
        dashboard: format!("{base}/api/v1/dashboard?pledge={}&period={}", p.pledge_id, p.id),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodList {
    pub items: Vec<PeriodItem>,
}

/// The reporting periods of a pledge, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/pledges/{id}/periods",
    tag = "reports",
    operation_id = "listPeriods",
    params(("id" = i64, Path, description = "The pledge's id", minimum = 1, example = 1)),
    responses(
        (status = 200, description = "The pledge's periods", body = PeriodList),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such pledge, or a draft", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn periods(req: HttpRequest, state: web::Data<AppState>, id: web::Path<Id>) -> ApiResult<HttpResponse> {
    let (p, _) = public_pledge(&state, id.get()).await?;
    let pid = p.id;
    let list = state.db(move |c| Ok(rdb::periods_of(c, pid)?)).await?;
    respond::json(
        &req,
        &PeriodList { items: list.iter().map(|p| period_item(&state.settings.public_url, p)).collect() },
    )
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// The pledge (default: the first initiative, as on `/dashboard`).
    #[param(value_type = Option<i64>, example = 2)]
    #[serde(default)]
    pub pledge: String,
    /// The period (default: the latest whose deadline has passed, else the latest).
    #[param(value_type = Option<i64>)]
    #[serde(default)]
    pub period: String,
}

/// A signatory's standing for the period, in both dimensions.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandingItem {
    /// Filing standing: `accepted_on_time`, `accepted_late`, `submitted`, `returned`, `not_due`, `due_soon`,
    /// `overdue`, `non_communicating`, `suspended`, `withdrawn`.
    pub code: String,
    pub label: Names,
    /// Why, with the dates it turns on.
    pub reason: Names,
    /// Implementation from the accepted report, e.g. "已落实 9/12 项（75%）"; empty without one.
    pub implementation: Names,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CellItem {
    /// The commitment's number.
    pub commitment: String,
    /// `implemented`, `in_progress`, `not_started`, `not_applicable`, `excluded` (left out when signing) or `none`.
    pub code: String,
    pub label: Names,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardRowItem {
    pub org: OrgRef,
    pub standing: StandingItem,
    /// The accepted report the cells are read from.
    pub report: Option<String>,
    pub cells: Vec<CellItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountItem {
    pub code: String,
    pub label: Names,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCounts {
    pub implemented: i64,
    pub in_progress: i64,
    pub not_started: i64,
    pub not_applicable: i64,
}

impl StatusCounts {
    fn of(c: &[usize; 4]) -> Self {
        // The order of `EntryStatus::ALL`.
        debug_assert_eq!(EntryStatus::ALL[0], EntryStatus::Implemented);
        StatusCounts {
            implemented: c[0] as i64,
            in_progress: c[1] as i64,
            not_started: c[2] as i64,
            not_applicable: c[3] as i64,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnTotal {
    pub commitment: String,
    pub statuses: StatusCounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrendItem {
    pub period: Names,
    /// Implemented share of the accepted reports' entries, e.g. `79%`.
    pub implemented: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Totals {
    /// Signatories bound to report for the period.
    pub signatories: i64,
    /// Filing standings: every one, with its count.
    pub standings: Vec<CountItem>,
    /// Entry statuses over the whole matrix.
    pub statuses: StatusCounts,
    pub per_commitment: Vec<ColumnTotal>,
    /// The period's implementation in words; empty without an accepted report.
    pub implementation: Names,
    /// How the signatories spread over the implementation bands.
    pub bands: Vec<CountItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommitmentRef {
    pub number: String,
    pub text: Names,
}

/// The dashboard of one pledge and period.
#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub pledge_id: i64,
    /// Absent when the pledge has no period yet.
    pub period: Option<PeriodItem>,
    pub commitments: Vec<CommitmentRef>,
    pub rows: Vec<BoardRowItem>,
    pub totals: Totals,
    pub trend: Vec<TrendItem>,
}

/// The dashboard: every signatory × commitment of a period, standings with reasons, totals.
#[utoipa::path(
    get,
    path = "/api/v1/dashboard",
    tag = "reports",
    operation_id = "getDashboard",
    params(DashboardQuery),
    responses(
        (status = 200, description = "The dashboard", body = Dashboard),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A parameter is not an id", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such public pledge, or no such period of it", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<DashboardQuery>,
) -> ApiResult<HttpResponse> {
    let mut errors = Vec::new();
    for (name, v) in [("pledge", &q.pledge), ("period", &q.period)] {
        if !v.is_empty() && !v.trim().parse::<i64>().is_ok_and(|n| n > 0) {
            errors.push(FieldError::parameter(name, "must be a record's id"));
        }
    }
    respond::check(errors)?;
    let query = BoardQuery::new(&q.pledge, &q.period);
    let now = crate::db::now();
    let (zh, en) =
        state.db(move |c| Ok((load_board(c, &query, Lang::Zh, now)?, load_board(c, &query, Lang::En, now)?))).await?;
    if let Some(notice) = zh.notice {
        // The page falls back to another pledge or period; the API says so.
        let what = if notice.ends_with("pledge") { "pledge" } else { "period" };
        return Err(Problem::status(actix_web::http::StatusCode::NOT_FOUND)
            .detail(format!("No such public {what} (or the period is not one of the pledge's)."))
            .into());
    }
    if zh.pledge_id == 0 {
        return Err(ApiError::not_found());
    }
    let names = |a: &str, b: &str| Names::new(a, b);
    let rows = zh
        .rows
        .iter()
        .zip(&en.rows)
        .map(|(z, e)| BoardRowItem {
            org: OrgRef { id: z.org_id, name: names(&z.name, &e.name) },
            standing: StandingItem {
                code: z.standing.code.to_owned(),
                label: names(&z.standing.label, &e.standing.label),
                reason: names(&z.standing.why, &e.standing.why),
                implementation: names(&z.standing.implementation, &e.standing.implementation),
            },
            report: z.report_id.map(|id| url(&state, &format!("/api/v1/reports/{id}"))),
            cells: z
                .cells
                .iter()
                .zip(&e.cells)
                .zip(&zh.commitments)
                .map(|((zc, ec), c)| CellItem {
                    commitment: c.number.clone(),
                    code: zc.code.to_owned(),
                    label: names(&zc.label, &ec.label),
                })
                .collect(),
        })
        .collect();
    let counts = |a: &[crate::web::reports::Bar], b: &[crate::web::reports::Bar]| -> Vec<CountItem> {
        a.iter()
            .zip(b)
            .map(|(x, y)| CountItem {
                code: x.code.to_owned(),
                label: names(&x.label, &y.label),
                count: x.value.parse().unwrap_or(0),
            })
            .collect()
    };
    let d = Dashboard {
        pledge_id: zh.pledge_id,
        period: zh.period.as_ref().map(|p| period_item(&state.settings.public_url, p)),
        commitments: zh
            .commitments
            .iter()
            .map(|c| CommitmentRef { number: c.number.clone(), text: names(&c.text_zh, &c.text_en) })
            .collect(),
        rows,
        totals: Totals {
            signatories: zh.total as i64,
            standings: zh
                .standing_totals
                .iter()
                .zip(&en.standing_totals)
                .map(|(z, e)| CountItem { code: z.0.to_owned(), label: names(&z.1, &e.1), count: z.2 as i64 })
                .collect(),
            statuses: StatusCounts::of(&zh.status_totals),
            per_commitment: zh
                .commitments
                .iter()
                .zip(&zh.column_totals)
                .map(|(c, t)| ColumnTotal { commitment: c.number.clone(), statuses: StatusCounts::of(t) })
                .collect(),
            implementation: names(&zh.implementation, &en.implementation),
            bands: counts(&zh.band_bars, &en.band_bars),
        },
        trend: zh
            .trend
            .iter()
            .zip(&en.trend)
            .map(|(z, e)| TrendItem { period: names(&z.label, &e.label), implemented: z.value.clone() })
            .collect(),
    };
    respond::json(&req, &d)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorItem {
    pub name: String,
    pub value: String,
    pub unit: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkItem {
    pub url: String,
    pub label: String,
}

impl IndicatorItem {
    pub fn of(i: &crate::db::reports::Indicator) -> Self {
        IndicatorItem { name: i.name.clone(), value: i.value.clone(), unit: i.unit.clone() }
    }
}

impl LinkItem {
    pub fn of(l: &crate::db::reports::EvidenceLink) -> Self {
        LinkItem { url: l.url.clone(), label: l.label.clone() }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileItem {
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Where to download it.
    pub href: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryItem {
    /// The commitment's number.
    pub number: String,
    pub area: Names,
    pub commitment: Names,
    /// `implemented`, `in_progress`, `not_started` or `not_applicable`.
    pub status: Option<Coded>,
    pub na_reason: String,
    /// What was done (Markdown).
    pub measures_md: String,
    pub indicators: Vec<IndicatorItem>,
    pub links: Vec<LinkItem>,
    pub files: Vec<FileItem>,
}

/// An accepted report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDetail {
    pub id: i64,
    pub org: OrgRef,
    pub pledge_id: i64,
    pub period: PeriodItem,
    /// Always `accepted`: other reports are not public.
    pub state: Coded,
    pub submitted_at: Option<DateTime<FixedOffset>>,
    pub accepted_at: Option<DateTime<FixedOffset>>,
    pub entries: Vec<EntryItem>,
    pub html: String,
}

/// An accepted report with its entries (drafts, submitted and returned reports are not public).
#[utoipa::path(
    get,
    path = "/api/v1/reports/{id}",
    tag = "reports",
    operation_id = "getReport",
    params(("id" = i64, Path, description = "The report's id", minimum = 1, example = 1)),
    responses(
        (status = 200, description = "The report", body = ReportDetail),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such report, or not accepted", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn report(req: HttpRequest, state: web::Data<AppState>, id: web::Path<Id>) -> ApiResult<HttpResponse> {
    let id = id.get();
    let f = state.db(move |c| Ok(rdb::full(c, id)?)).await?.ok_or_else(ApiError::not_found)?;
    if visibility(None, f.report.organization_id, f.issuer_id, f.report.state).is_none() {
        return Err(ApiError::not_found());
    }
    let r = &f.report;
    let d = ReportDetail {
        id: r.id,
        org: OrgRef { id: f.org.id, name: Names::new(&f.org.name_zh, &f.org.name_en) },
        pledge_id: f.period.pledge_id,
        period: period_item(&state.settings.public_url, &f.period),
        state: Coded::new(r.state.as_str(), &format!("rpt.state.{}", r.state.as_str())),
        submitted_at: r.submitted_at.map(at),
        accepted_at: r.decided_at.map(at),
        entries: f
            .entries
            .iter()
            .map(|e| EntryItem {
                number: e.commitment.number.clone(),
                area: Names::new(&e.commitment.area_zh, &e.commitment.area_en),
                commitment: Names::new(&e.commitment.text_zh, &e.commitment.text_en),
                status: e.row.status.map(|s| Coded::new(s.as_str(), &format!("rpt.status.{}", s.as_str()))),
                na_reason: e.row.na_reason.clone(),
                measures_md: e.row.measures_md.clone(),
                indicators: e.indicators.iter().map(IndicatorItem::of).collect(),
                links: e.links.iter().map(LinkItem::of).collect(),
                files: e
                    .files
                    .iter()
                    .map(|m| FileItem {
                        filename: m.filename.clone(),
                        content_type: m.content_type.clone(),
                        size: m.size,
                        sha256: m.sha256.clone(),
                        href: url(&state, &format!("/reports/{}/files/{}", r.id, m.id)),
                    })
                    .collect(),
            })
            .collect(),
        html: url(&state, &format!("/reports/{}", r.id)),
    };
    respond::json(&req, &d)
}
