//! What the dashboard shows for one pledge and period, computed once: the
//! matrix rows (filtered by the platform search), both dimensions of the
//! standing as totals and bar charts, and the trend over periods.

use super::*;
use crate::db::dashboard::{Board, PeriodShare, Signatory};
use crate::domain::standing::Band;

pub struct Cell {
    pub code: &'static str,
    pub label: String,
}

pub struct BoardRow {
    pub org_id: i64,
    pub name: String,
    pub standing: StandingView,
    /// The accepted report the cells and the implementation are read from.
    pub report_id: Option<i64>,
    pub cells: Vec<Cell>,
}

/// One bar of a horizontal bar chart: the label and count as text, the bar
/// as an SVG rectangle `width` (0–100) long.
pub struct Bar {
    pub code: &'static str,
    pub label: String,
    pub value: String,
    /// A second line under the label (trend: how many accepted reports).
    pub note: String,
    pub width: u32,
    /// The bar of the period shown (trend).
    pub current: bool,
}

/// Everything the dashboard shows, computed once per (pledge, period, search, language, minute, stamp).
pub struct BoardView {
    pub pledges: Vec<(i64, String)>,
    pub pledge_id: i64,
    pub periods: Vec<(i64, String)>,
    pub period: Option<Period>,
    pub period_label: String,
    pub deadline: String,
    /// Why the menus show something else than the URL asked for.
    pub notice: Option<&'static str>,
    /// The platform search, as typed.
    pub q: String,
    pub commitments: Vec<Commitment>,
    /// The signatories found by the search (all without one).
    pub rows: Vec<BoardRow>,
    /// Signatories bound to report for the period (before the search).
    pub total: usize,
    /// Per commitment, for the rows shown: counts per entry status.
    pub column_totals: Vec<[usize; 4]>,
    pub status_totals: [usize; 4],
    /// Filing standings of every signatory: (code, label, count).
    pub standing_totals: Vec<(&'static str, String, usize)>,
    pub standing_bars: Vec<Bar>,
    /// "审核通过的报告 20 份，已落实 95/120 项（79%）"; empty without an accepted report.
    pub implementation: String,
    pub band_bars: Vec<Bar>,
    /// Implemented share per period, accepted reports only.
    pub trend: Vec<Bar>,
    /// Every filing standing: (code, label, its rule).
    pub vocabulary: Vec<(&'static str, String, String)>,
}

impl BoardView {
    pub(super) fn is_pledge(&self, id: &i64) -> bool {
        *id == self.pledge_id
    }

    pub(super) fn is_period(&self, id: &i64) -> bool {
        self.period.as_ref().is_some_and(|p| p.id == *id)
    }

    pub(super) fn empty(
        lang: Lang,
        pledges: &[Pledge],
        pledge_id: i64,
        periods: &[Period],
        period: Option<&Period>,
    ) -> Self {
        let en = lang == Lang::En;
        BoardView {
            pledges: pledges.iter().map(|p| (p.id, p.title(en).to_owned())).collect(),
            pledge_id,
            periods: periods.iter().map(|p| (p.id, p.label(en).to_owned())).collect(),
            period_label: period.map(|p| p.label(en).to_owned()).unwrap_or_default(),
            deadline: period.map(|p| deadline_text(lang, p.due())).unwrap_or_default(),
            period: period.cloned(),
            notice: None,
            q: String::new(),
            commitments: Vec::new(),
            rows: Vec::new(),
            total: 0,
            column_totals: Vec::new(),
            status_totals: [0; 4],
            standing_totals: Vec::new(),
            standing_bars: Vec::new(),
            implementation: String::new(),
            band_bars: Vec::new(),
            trend: Vec::new(),
            vocabulary: Standing::ALL
                .into_iter()
                .map(|s| {
                    let rule = lang.t(&format!("rpt.vocab.{}", s.as_str())).to_owned();
                    (s.as_str(), lang.t(&s.label_key()).to_owned(), rule)
                })
                .collect(),
        }
    }
}

/// The column of a status in the totals (the order of `EntryStatus::ALL`).
fn status_index(s: EntryStatus) -> usize {
    match s {
        EntryStatus::Implemented => 0,
        EntryStatus::InProgress => 1,
        EntryStatus::NotStarted => 2,
        EntryStatus::NotApplicable => 3,
    }
}

/// Whether the search `q` finds this signatory (Chinese or English name, any case).
fn found(s: &Signatory, q: &str) -> bool {
    q.is_empty() || s.org_name_zh.to_lowercase().contains(q) || s.org_name_en.to_lowercase().contains(q)
}

/// One row per organization: a platform that withdrew and signed again has
/// several signatures; the period is judged on the one its report belongs
/// to, else the one in force, else the latest.
fn one_per_organization(board: &Board, reports: &HashMap<i64, &crate::db::dashboard::PeriodReport>) -> Vec<Signatory> {
    let mut chosen: Vec<Signatory> = Vec::new();
    for s in &board.signatories {
        let rank = |x: &Signatory| {
            (reports.contains_key(&x.signature_id), x.state != SignatureState::Withdrawn, x.state_changed_at)
        };
        match chosen.iter_mut().find(|c| c.org_id == s.org_id) {
            Some(c) if rank(s) > rank(c) => *c = s.clone(),
            Some(_) => {}
            None => chosen.push(s.clone()),
        }
    }
    chosen
}

fn bar(code: &'static str, label: String, value: String, n: usize, of: usize) -> Bar {
    let width = (n * 100 + of / 2).checked_div(of).unwrap_or(0) as u32;
    Bar { code, label, value, note: String::new(), width: width.min(100), current: false }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn build(
    lang: Lang,
    pledges: &[Pledge],
    periods: &[Period],
    pledge_id: i64,
    period: &Period,
    board: Board,
    q: &str,
    at: NaiveDateTime,
) -> BoardView {
    let en = lang == Lang::En;
    let mut v = BoardView::empty(lang, pledges, pledge_id, periods, Some(period));
    v.q = q.to_owned();
    let needle = q.trim().to_lowercase();
    let reports: HashMap<i64, &crate::db::dashboard::PeriodReport> =
        board.reports.iter().map(|r| (r.signature_id, r)).collect();
    v.column_totals = vec![[0; 4]; board.commitments.len()];
    let mut standing_counts: HashMap<Standing, usize> = HashMap::new();
    let mut band_counts: HashMap<Option<Band>, usize> = HashMap::new();
    let mut period_total = Implementation::default();
    let mut accepted = 0usize;
    let signatories = one_per_organization(&board, &reports);
    for s in signatories.iter().filter(|s| st::bound(s.decided_at, period.due_on)) {
        v.total += 1;
        let report = reports.get(&s.signature_id);
        let d = derive(s.state, s.state_changed_at, (period.opens_on, period.due_on), report.map(|r| r.facts()), at);
        *standing_counts.entry(d.standing).or_default() += 1;
        let excluded = board.excluded.get(&s.signature_id);
        let accepted_report = report.filter(|r| r.state == ReportState::Accepted);
        // Implementation from the accepted report's entries (the cells).
        let implementation = accepted_report.map(|_| {
            Implementation::from_statuses(
                board.commitments.iter().filter_map(|c| board.cells.get(&(s.signature_id, c.id)).copied()),
            )
        });
        if let Some(i) = &implementation {
            accepted += 1;
            period_total.merge(i);
        }
        *band_counts.entry(implementation.and_then(|i| i.band())).or_default() += 1;
        if !found(s, &needle) {
            continue;
        }
        let cells = board
            .commitments
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if excluded.is_some_and(|e| e.contains(&c.id)) {
                    return Cell { code: "excluded", label: lang.t("rpt.cell.excluded").to_owned() };
                }
                match board.cells.get(&(s.signature_id, c.id)).copied().flatten() {
                    Some(status) => {
                        let k = status_index(status);
                        v.column_totals[i][k] += 1;
                        v.status_totals[k] += 1;
                        Cell {
                            code: status.as_str(),
                            label: lang.t(&format!("rpt.status.{}", status.as_str())).to_owned(),
                        }
                    }
                    None => Cell { code: "none", label: lang.t("rpt.cell.none").to_owned() },
                }
            })
            .collect();
        v.rows.push(BoardRow {
            org_id: s.org_id,
            name: if en { s.org_name_en.clone() } else { s.org_name_zh.clone() },
            standing: standing_view(lang, d, implementation.as_ref()),
            report_id: accepted_report.map(|r| r.id),
            cells,
        });
    }
    // Filing standings: every label, with its count and bar.
    for s in Standing::ALL {
        let n = standing_counts.get(&s).copied().unwrap_or(0);
        let label = lang.t(&s.label_key()).to_owned();
        v.standing_totals.push((s.as_str(), label.clone(), n));
        v.standing_bars.push(bar(s.as_str(), label, n.to_string(), n, v.total));
    }
    // Implementation: the period's share, and how the signatories spread over the bands.
    if let Some(pct) = period_total.percent() {
        v.implementation = lang.tf(
            "rpt.impl.period",
            &[
                ("reports", &accepted.to_string()),
                ("n", &period_total.implemented.to_string()),
                ("total", &period_total.subscribed().to_string()),
                ("pct", &pct.to_string()),
            ],
        );
    }
    let bands = Band::ALL.into_iter().map(|b| (Some(b), b.as_str())).chain([(None, "none")]);
    for (band, code) in bands {
        let n = band_counts.get(&band).copied().unwrap_or(0);
        let label = lang.t(&format!("rpt.impl.band.{code}")).to_owned();
        v.band_bars.push(bar(code, label, n.to_string(), n, v.total));
    }
    // The trend: implemented share of the accepted reports of each period, in order.
    for p in periods {
        let Some(PeriodShare { accepted_reports, entries }) = board.trend.get(&p.id).copied() else { continue };
        let Some(pct) = entries.percent() else { continue };
        let mut b = bar("trend", p.label(en).to_owned(), format!("{pct}%"), pct as usize, 100);
        b.note = lang.tf("rpt.trend.reports", &[("reports", &accepted_reports.to_string())]);
        b.current = p.id == period.id;
        v.trend.push(b);
    }
    v.commitments = board.commitments;
    v
}
