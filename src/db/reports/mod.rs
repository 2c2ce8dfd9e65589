//! Reporting periods and commitment reports: filing, submission with a kept
//! revision, review, and what the public pages read. Every page loads a
//! fixed number of queries, whatever the number of signatories or entries.
//!
//! One module per concern: `periods` (reporting periods), `read` (a report
//! with its entries, evidence, revisions), `workflow` (the lock and the
//! compare-and-set every move goes through), `filing` (opening, saving with
//! evidence, submitting), `review` (decisions, the queue) and `public`
//! (histories).
//!
//! Every move has one shape: lock the report's row, read the facts, let
//! `domain::report::transition` decide, then write the state, the revision
//! or comments, and the audit rows — one transaction.

mod filing;
mod periods;
mod public;
mod read;
mod review;
mod workflow;

pub use filing::*;
pub use periods::*;
pub use public::*;
pub use read::*;
pub use review::*;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::codes::Code;
use super::pledges::{Commitment, OrgBrief};
use super::schema::{report_entries, report_indicators, report_links, reporting_periods, reports};
use crate::db::attachments::AttachmentMeta;
use crate::domain::report::{self as rules, EntryDraft, EntryStatus, ReportState};

pub const EVIDENCE_OWNER: &str = "report_entry";
/// Evidence removed from a report after it had been submitted with it: kept,
/// out of sight, so that what was submitted stays on record.
pub const REMOVED_EVIDENCE_OWNER: &str = "report_entry_removed";

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = reporting_periods)]
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

/// A report's row; its state read strictly (an unknown state is an error).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct Report {
    pub id: i64,
    pub period_id: i64,
    pub signature_id: i64,
    pub organization_id: i64,
    #[diesel(deserialize_as = Code<ReportState>)]
    pub state: ReportState,
    pub version: i32,
    pub revisions: i32,
    pub ever_returned: bool,
    pub review_comment: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, PartialEq)]
#[diesel(table_name = report_indicators)]
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

#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, PartialEq)]
#[diesel(table_name = report_links)]
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

/// An entry's row; its status read strictly (empty: none chosen yet).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = report_entries)]
pub struct EntryRow {
    pub id: i64,
    pub report_id: i64,
    pub commitment_id: i64,
    #[diesel(deserialize_as = Code<Option<EntryStatus>>)]
    pub status: Option<EntryStatus>,
    pub na_reason: String,
    pub measures_md: String,
    pub review_comment: String,
}

impl EntryRow {
    /// The status's code as a form and the pages carry it ("" for none).
    pub fn status_code(&self) -> &'static str {
        self.status.map_or("", EntryStatus::as_str)
    }
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
    /// The entry as stored, for the domain's checks.
    pub fn draft(&self) -> EntryDraft {
        EntryDraft {
            entry_id: self.row.id,
            commitment_number: self.commitment.number.clone(),
            status: self.row.status_code().to_owned(),
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
