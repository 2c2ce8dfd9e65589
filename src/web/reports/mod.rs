//! Commitment reports: filing by the platforms' filers, review by reviewers,
//! reporting periods run by the issuing association's editors, and the public
//! dashboard with its exports and feed.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use super::diffview::{pieces, PieceView};
use super::export::{csv_response, xlsx_response, Table};
use super::files::{file_response, sniff_evidence};
use super::flow::{respond, Id, RefusalKind, UserError};
use super::forms::Form;
use super::{markdown, redirect_with_flash, render, render_status, viewer, AppState, Ctx};
use crate::auth::{require_role, CurrentUser};
use crate::db::attachments::NewAttachment;
use crate::db::pledges::{self as pdb, Commitment, Pledge};
use crate::db::reports::{self as rdb, EntryInput, Full, Period, PeriodData, SnapshotEntry};
use crate::domain::clauses::diff;
use crate::domain::pledge::SignatureState;
use crate::domain::report::{self as rules, Access, EntryStatus, Refusal, ReportAction, ReportState, Who};
use crate::domain::standing::{self as st, Implementation, ReportFacts, Standing};
use crate::domain::{text, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

mod compare;
mod dashboard;
mod filing;
mod form;
mod history;
mod periods;
mod refusal;
mod review;
mod view;

use compare::*;
use dashboard::*;
pub use dashboard::{load_board, Bar, BoardQuery, BoardRow, BoardView, Cell};
use filing::*;
use form::*;
pub use history::*;
use periods::*;
use review::*;
use view::*;

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
        .route("/reports/{id}/files/{file}", web::get().to(evidence_file))
        .route("/reports/{id}/revisions", web::get().to(revisions))
        .route("/reports/{id}/previous", web::get().to(previous))
        .route("/reports/{id}/decision", web::post().to(decide))
        .route("/periods", web::get().to(overview))
        .route("/pledges/{id}/periods", web::get().to(periods))
        .route("/pledges/{id}/periods", web::post().to(period_create))
        .route("/pledges/{id}/periods/{period}/edit", web::get().to(period_edit))
        .route("/pledges/{id}/periods/{period}", web::post().to(period_update))
        .route("/pledges/{id}/periods/{period}/delete", web::post().to(period_delete));
}

/// Evidence files: at most this many bytes each.
pub const MAX_EVIDENCE: usize = 20 * 1024 * 1024;

fn now() -> NaiveDateTime {
    crate::db::now()
}

/// Who is looking: role and organization of the signed-in user, if any.
pub type Viewer = Option<(Role, i64)>;

pub fn viewer_of(ctx: &Ctx) -> Viewer {
    viewer(ctx).map(|u| (u.role, u.org_id))
}

/// The signed-in user as the report workflow sees them.
fn who(user: &CurrentUser) -> Who {
    Who { role: user.role, org_id: user.org_id }
}

/// How much of a report `viewer` may read (see `domain::report::visibility`).
pub fn visibility(viewer: Viewer, report_org: i64, issuer_org: i64, state: ReportState) -> Option<Access> {
    rules::visibility(viewer.map(|(role, org_id)| Who { role, org_id }), report_org, issuer_org, state)
}

fn access(ctx: &Ctx, report_org: i64, issuer_org: i64, state: ReportState) -> AppResult<Access> {
    // Unknown to others: the same answer as a report that does not exist.
    visibility(viewer_of(ctx), report_org, issuer_org, state).ok_or(AppError::NotFound)
}

/// An instant as Beijing date and clock time, e.g. `2026年12月06日 24:00（北京时间）`
/// or `6 Dec 2026 24:00 (Beijing time)`; midnight shows as 24:00 of the day before.
pub fn deadline_text(lang: Lang, at: NaiveDateTime) -> String {
    lang.deadline(at)
}

/// A signatory's standing for a period, ready to show: the filing standing's
/// code (CSS class), label and reason, and the implementation read from the
/// accepted report.
pub struct StandingView {
    pub code: &'static str,
    pub label: String,
    pub why: String,
    /// E.g. "已落实 9/12 项（75%）"; empty without an accepted report.
    pub implementation: String,
}

/// The words of a derived standing; `implementation` from the accepted report, if any.
pub fn standing_view(lang: Lang, d: st::Derived, implementation: Option<&Implementation>) -> StandingView {
    let code = d.standing.as_str();
    let instant = |t: Option<NaiveDateTime>| t.map(|t| deadline_text(lang, t)).unwrap_or_default();
    let date = |t: Option<NaiveDateTime>| t.map(|t| lang.date(t)).unwrap_or_default();
    let why = lang.tf(
        &format!("rpt.{}", d.reason),
        &[
            ("at", &instant(d.at)),
            ("day", &date(d.at)),
            ("decided", &date(d.decided)),
            ("due", &deadline_text(lang, d.due)),
            ("grace", &deadline_text(lang, d.grace_end)),
        ],
    );
    StandingView {
        code,
        label: lang.t(&d.standing.label_key()).to_owned(),
        why,
        implementation: implementation.map(|i| implementation_text(lang, i)).unwrap_or_default(),
    }
}

/// "已落实 9/12 项（75%）", with the commitments not applicable when there are any.
pub fn implementation_text(lang: Lang, i: &Implementation) -> String {
    let Some(pct) = i.percent() else { return String::new() };
    let args = [
        ("n", i.implemented.to_string()),
        ("total", i.subscribed().to_string()),
        ("pct", pct.to_string()),
        ("na", i.not_applicable.to_string()),
    ];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let key = if i.not_applicable > 0 { "rpt.impl.share_na" } else { "rpt.impl.share" };
    lang.tf(key, &args)
}

/// The standing of signature `sig_state` (in that state since `sig_since`) for
/// a period (filing opens on, due on), given its report's facts, at instant `at`.
pub(super) fn derive(
    sig_state: SignatureState,
    sig_since: NaiveDateTime,
    (opens_on, due_on): (NaiveDate, NaiveDate),
    report: Option<ReportFacts>,
    at: NaiveDateTime,
) -> st::Derived {
    st::standing(&st::StandingInput { signature: sig_state, signature_since: sig_since, opens_on, due_on, report }, at)
}

/// The implementation of those of an organization's reports that are accepted.
pub(super) fn implementation_of(
    conn: &mut crate::db::DbConn,
    reports: &[rdb::HistoryRow],
) -> AppResult<HashMap<i64, Implementation>> {
    let ids: Vec<i64> = reports.iter().map(|r| r.report_id).collect();
    Ok(crate::db::dashboard::implementation_of(conn, &ids)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_read_as_24_00_beijing() {
        let due = rules::due_instant(NaiveDate::from_ymd_opt(2026, 1, 31).unwrap());
        assert_eq!(deadline_text(Lang::Zh, due), "2026年01月31日 24:00（北京时间）");
        assert_eq!(deadline_text(Lang::En, due), "31 Jan 2026 24:00 (Beijing time)");
        // 2026-12-06 14:05 Beijing.
        let t = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap().and_hms_opt(6, 5, 59).unwrap();
        assert_eq!(deadline_text(Lang::Zh, t), "2026年12月06日 14:05（北京时间）");
        assert_eq!(deadline_text(Lang::En, t), "6 Dec 2026 14:05 (Beijing time)");
        // A minute after midnight is the new day.
        let t = rules::due_instant(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()) + chrono::Duration::minutes(1);
        assert_eq!(deadline_text(Lang::Zh, t), "2026年12月06日 00:01（北京时间）");
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
            keys.push(s.label_key());
            keys.push(format!("rpt.vocab.{}", s.as_str()));
        }
        for s in ReportState::ALL {
            keys.push(format!("rpt.state.{}", s.as_str()));
        }
        for s in EntryStatus::ALL {
            keys.push(format!("rpt.status.{}", s.as_str()));
        }
        for r in [
            "not_open",
            "not_due",
            "due_soon",
            "submitted",
            "submitted_late",
            "accepted_on_time",
            "accepted_late",
            "overdue",
            "non_communicating",
            "returned",
            "withdrawn",
            "suspended",
        ] {
            keys.push(format!("rpt.why.{r}"));
        }
        for b in st::Band::ALL {
            keys.push(format!("rpt.impl.band.{}", b.as_str()));
        }
        for k in keys {
            for lang in Lang::ALL {
                assert_ne!(lang.t(&k), k, "{k} missing in {lang:?}");
            }
        }
    }
}
