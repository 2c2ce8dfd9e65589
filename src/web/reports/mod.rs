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
use super::files::{file_response, sniff_evidence};
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

/// How much of a report the viewer may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// An accepted report, as the public sees it (no review comments, no revisions).
    Public,
    /// The filing organization's own users.
    Own,
    /// Reviewers, the issuing association's editors (once submitted), admins.
    Staff,
}

/// Who is looking: role and organization of the signed-in user, if any.
pub type Viewer = Option<(Role, i64)>;

pub fn viewer_of(ctx: &Ctx) -> Viewer {
    viewer(ctx).map(|u| (u.role, u.org_id))
}

/// The rule for reports: a draft (and its evidence) only to the filing
/// organization and admins; submitted and returned reports also to reviewers
/// and to the editors of the association that issued the pledge; accepted
/// reports to everyone. `None`: not visible (answer 404).
pub fn visibility(viewer: Viewer, report_org: i64, issuer_org: i64, state: ReportState) -> Option<Access> {
    match viewer {
        Some((Role::Admin, _)) => Some(Access::Staff),
        Some((_, org)) if org == report_org => Some(Access::Own),
        Some((Role::Reviewer, _)) if state != ReportState::Draft => Some(Access::Staff),
        Some((Role::Editor, org)) if org == issuer_org && state != ReportState::Draft => Some(Access::Staff),
        _ if state == ReportState::Accepted => Some(Access::Public),
        _ => None,
    }
}

fn access(ctx: &Ctx, report_org: i64, issuer_org: i64, state: ReportState) -> AppResult<Access> {
    // Unknown to others: the same answer as a report that does not exist.
    visibility(viewer_of(ctx), report_org, issuer_org, state).ok_or(AppError::NotFound)
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
        assert_eq!(deadline_text(Lang::Zh, due), "北京时间 2026-01-31 24:00");
        assert_eq!(deadline_text(Lang::En, due), "2026-01-31 24:00 Beijing time");
    }

    #[test]
    fn who_sees_which_report() {
        use ReportState::*;
        let (platform, assoc, other_assoc, regulator) = (10, 20, 30, 40);
        let filer = Some((Role::Filer, platform));
        let other_filer = Some((Role::Filer, 11));
        let editor = Some((Role::Editor, assoc));
        let other_editor = Some((Role::Editor, other_assoc));
        let reviewer = Some((Role::Reviewer, regulator));
        let admin = Some((Role::Admin, regulator));
        let see = |v: Viewer, s| visibility(v, platform, assoc, s);
        for s in ReportState::ALL {
            assert_eq!(see(filer, s), Some(Access::Own), "{s:?}");
            assert_eq!(see(admin, s), Some(Access::Staff), "{s:?}");
        }
        for v in [None, other_filer, editor, other_editor, reviewer] {
            assert_eq!(see(v, Draft), None, "a draft is the filer's alone: {v:?}");
        }
        for s in [Submitted, Returned] {
            assert_eq!(see(reviewer, s), Some(Access::Staff));
            assert_eq!(see(editor, s), Some(Access::Staff), "the issuing association");
            assert_eq!(see(other_editor, s), None, "another association");
            assert_eq!(see(other_filer, s), None);
            assert_eq!(see(None, s), None);
        }
        assert_eq!(see(None, Accepted), Some(Access::Public));
        assert_eq!(see(other_filer, Accepted), Some(Access::Public));
        assert_eq!(see(other_editor, Accepted), Some(Access::Public));
        assert_eq!(see(editor, Accepted), Some(Access::Staff));
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
