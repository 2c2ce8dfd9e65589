//! The shapes of machine filing: the bodies a client sends and the answers
//! it gets, documented in the OpenAPI document (so CI checks every answer a
//! test receives against them).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::orgs::Ref;
use super::reports::{IndicatorItem, LinkItem, PeriodItem};
use super::types::at;
use crate::db::reports::Full;

/// The periods open for filing of the caller's organization's pledges.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyPeriods {
    pub periods: Vec<MyPeriod>,
}

/// A period open for filing, with the organization's report of it if there is one.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyPeriod {
    /// The period as the open data API gives it; file under `/api/v1/periods/{period.id}/report`.
    pub period: PeriodItem,
    /// The pledge the period belongs to.
    pub pledge: Ref,
    /// Absent (null) until a draft is made.
    pub report: Option<ReportBrief>,
}

/// A report's state and version, as `me/periods` lists them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportBrief {
    pub id: i64,
    /// `draft`, `submitted`, `returned` or `accepted`.
    #[schema(example = "draft")]
    pub state: String,
    /// What `If-Match` names to replace or submit it.
    pub version: i32,
    /// Whether the organization may still change it (a draft or a returned report).
    pub editable: bool,
}

/// The caller's organization's report of a period, its entries in the
/// report's order (the pointers of a refused submission point into them).
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnReport {
    pub id: i64,
    pub period_id: i64,
    /// `draft`, `submitted`, `returned` or `accepted`.
    #[schema(example = "draft")]
    pub state: String,
    /// Also the answer's `ETag`; `If-Match` names it.
    pub version: i32,
    /// Submissions kept so far.
    pub revisions: i32,
    pub submitted_at: Option<DateTime<FixedOffset>>,
    pub entries: Vec<OwnEntry>,
    /// The file just stored (only in the answer of an evidence upload).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<OwnFile>,
}

/// One commitment's entry of the report.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnEntry {
    /// The commitment's number.
    #[schema(example = "1.1")]
    pub commitment: String,
    /// `implemented`, `in_progress`, `not_started`, `not_applicable`, or empty when not chosen yet.
    #[schema(example = "implemented")]
    pub status: String,
    pub not_applicable_reason: String,
    /// What was done (Markdown).
    pub measures: String,
    pub indicators: Vec<IndicatorItem>,
    pub links: Vec<LinkItem>,
    pub files: Vec<OwnFile>,
}

/// An evidence file of an entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnFile {
    pub id: i64,
    pub filename: String,
    /// Decided from the content, not from the name.
    #[schema(example = "application/pdf")]
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

impl OwnReport {
    pub fn of(f: &Full) -> Self {
        let entries = f
            .entries
            .iter()
            .map(|e| OwnEntry {
                commitment: e.commitment.number.clone(),
                status: e.row.status_code().to_owned(),
                not_applicable_reason: e.row.na_reason.clone(),
                measures: e.row.measures_md.clone(),
                indicators: e.indicators.iter().map(IndicatorItem::of).collect(),
                links: e.links.iter().map(LinkItem::of).collect(),
                files: e
                    .files
                    .iter()
                    .map(|a| OwnFile {
                        id: a.id,
                        filename: a.filename.clone(),
                        content_type: a.content_type.clone(),
                        size: a.size,
                        sha256: a.sha256.clone(),
                    })
                    .collect(),
            })
            .collect();
        OwnReport {
            id: f.report.id,
            period_id: f.report.period_id,
            state: f.report.state.as_str().to_owned(),
            version: f.report.version,
            revisions: f.report.revisions,
            submitted_at: f.report.submitted_at.map(at),
            entries,
            file: None,
        }
    }
}

/// The draft a client sends: one entry per commitment it fills (entries not
/// sent are left empty; evidence files stay).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    pub entries: Vec<EntryBody>,
}

/// One entry of a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    /// The commitment's number, as `entries[].commitment` of the report.
    #[schema(example = "1.1")]
    pub commitment: String,
    /// `implemented`, `in_progress`, `not_started` or `not_applicable`.
    #[serde(default)]
    #[schema(example = "implemented")]
    pub status: String,
    /// Required when the status is `not_applicable`.
    #[serde(default)]
    pub not_applicable_reason: String,
    /// What was done (Markdown).
    #[serde(default)]
    #[schema(example = "建立主播资质核验台账，每月抽查。")]
    pub measures: String,
    #[serde(default)]
    pub indicators: Vec<IndicatorBody>,
    #[serde(default)]
    pub links: Vec<LinkBody>,
}

/// A measured indicator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorBody {
    #[schema(example = "主播资质核验率")]
    pub name: String,
    #[schema(example = "98.5")]
    pub value: String,
    #[serde(default)]
    #[schema(example = "%")]
    pub unit: String,
}

/// A link to public evidence.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    #[schema(example = "https://platform.example.com/compliance")]
    pub url: String,
    #[serde(default)]
    pub label: String,
}

/// An evidence upload (`multipart/form-data`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Documents the form the multipart reader takes apart.
pub struct EvidenceForm {
    /// The commitment's number.
    #[schema(example = "1.1")]
    pub commitment: String,
    /// One file: PDF, PNG, JPEG or an Excel workbook (.xlsx), told by its content.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}
