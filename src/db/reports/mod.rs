//! Reporting periods and commitment reports: filing, submission with a kept
//! revision, review, and the data of the public dashboard. Every page loads a
//! fixed number of queries, whatever the number of signatories or entries.
//!
//! One module per concern: `periods` (reporting periods), `filing` (opening,
//! saving, evidence, submitting), `review` (decisions, revisions, the queue)
//! and `public` (the dashboard's data, histories, the feed).

mod filing;
mod periods;
mod public;
mod review;

pub use filing::*;
pub use periods::*;
pub use public::*;
pub use review::*;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::pledges::{Commitment, OrgBrief};
use super::schema::organizations;
use super::DbConn;
use crate::db::attachments::AttachmentMeta;
use crate::domain::report::{self as rules, EntryDraft, Problem, ReportState, ReportTransitionError};

pub const EVIDENCE_OWNER: &str = "report_entry";
/// Evidence removed from a report after it had been submitted with it: kept,
/// out of sight, so that what was submitted stays on record.
pub const REMOVED_EVIDENCE_OWNER: &str = "report_entry_removed";

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Period {
    pub id: i64,
    pub pledge_id: i64,
    pub label_zh: String,
    pub label_en: String,
    pub covers_from: NaiveDate,
    pub covers_to: NaiveDate,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub created_by: Option<i64>,
    #[serde(skip)]
    pub version: i32,
}

impl Period {
    pub fn label(&self, en: bool) -> &str {
        if en {
            &self.label_en
        } else {
            &self.label_zh
        }
    }

    pub fn due(&self) -> NaiveDateTime {
        rules::due_instant(self.due_on)
    }

    pub fn opened(&self, now: NaiveDateTime) -> bool {
        now >= rules::start_instant(self.opens_on)
    }

    pub fn dates(&self) -> crate::domain::period::PeriodDates {
        crate::domain::period::PeriodDates {
            covers_from: self.covers_from,
            covers_to: self.covers_to,
            opens_on: self.opens_on,
            due_on: self.due_on,
        }
    }
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Report {
    pub id: i64,
    pub period_id: i64,
    pub signature_id: i64,
    pub organization_id: i64,
    pub state: String,
    pub version: i32,
    pub revisions: i32,
    pub ever_returned: bool,
    pub review_comment: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<i64>,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

impl Report {
    pub fn state(&self) -> ReportState {
        ReportState::parse(&self.state).unwrap_or(ReportState::Draft)
    }
}

#[derive(Debug, Clone, Queryable, Serialize, Deserialize, PartialEq)]
pub struct Indicator {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub entry_id: i64,
    #[serde(skip)]
    pub position: i32,
    pub name: String,
    pub value: String,
    pub unit: String,
}

#[derive(Debug, Clone, Queryable, Serialize, Deserialize, PartialEq)]
pub struct EvidenceLink {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub entry_id: i64,
    pub url: String,
    pub label: String,
}

impl EvidenceLink {
    /// Whether the address is a web link that may be shown as one (a draft
    /// may hold anything typed; only http and https addresses become links).
    pub fn is_web(&self) -> bool {
        !self.url.is_empty() && crate::domain::text::url(&self.url).is_ok()
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct EntryRow {
    pub id: i64,
    pub report_id: i64,
    pub commitment_id: i64,
    pub status: String,
    pub na_reason: String,
    pub measures_md: String,
    pub review_comment: String,
}

/// One entry with its commitment, indicators and evidence.
#[derive(Debug, Clone)]
pub struct Entry {
    pub row: EntryRow,
    pub commitment: Commitment,
    pub indicators: Vec<Indicator>,
    pub links: Vec<EvidenceLink>,
    pub files: Vec<AttachmentMeta>,
}

impl Entry {
    pub fn draft(&self) -> EntryDraft {
        EntryDraft {
            commitment_number: self.commitment.number.clone(),
            status: self.row.status.clone(),
            not_applicable_reason: self.row.na_reason.clone(),
            measures: self.row.measures_md.clone(),
            indicators: self.indicators.iter().map(|i| (i.name.clone(), i.value.clone(), i.unit.clone())).collect(),
            links: self.links.iter().map(|l| (l.url.clone(), l.label.clone())).collect(),
        }
    }
}

pub struct Full {
    pub report: Report,
    pub period: Period,
    /// The association that issued the pledge (its editors may read submitted reports).
    pub issuer_id: i64,
    pub org: OrgBrief,
    pub entries: Vec<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("not found")]
    NotFound,
    #[error("not a verified signatory")]
    NotSigned,
    #[error("period not open yet")]
    NotOpen,
    #[error("changed meanwhile")]
    Conflict,
    #[error("not allowed: {0:?}")]
    Transition(ReportTransitionError),
    #[error("incomplete")]
    Incomplete(Vec<Problem>),
    /// Refused as sent (a catalog key).
    #[error("invalid: {0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

pub(super) fn org_brief(conn: &mut DbConn, id: i64) -> QueryResult<OrgBrief> {
    organizations::table
        .find(id)
        .select((
            organizations::id,
            organizations::kind,
            organizations::name_zh,
            organizations::name_en,
            organizations::credit_code,
        ))
        .first(conn)
}
