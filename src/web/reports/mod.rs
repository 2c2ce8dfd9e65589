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

mod compare;
mod dashboard;
mod filing;
mod history;
mod periods;
mod review;
mod view;

use compare::*;
use dashboard::*;
use filing::*;
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
