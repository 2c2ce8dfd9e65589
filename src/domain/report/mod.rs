//! Commitment reports: their states and the statuses of their entries
//! (here), what the entries hold and what a complete report needs
//! (`content`), and the one workflow every move of a report goes through —
//! who may see it, open it, save, submit, accept or return it (`workflow`).
//! The derived standing of a signatory is in `super::standing`.

mod content;
mod workflow;

pub use content::*;
pub use workflow::*;

use super::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportState {
    Draft,
    Submitted,
    Accepted,
    Returned,
}

impl ReportState {
    pub const ALL: [ReportState; 4] =
        [ReportState::Draft, ReportState::Submitted, ReportState::Accepted, ReportState::Returned];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Draft => "draft",
            ReportState::Submitted => "submitted",
            ReportState::Accepted => "accepted",
            ReportState::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The filer may change the report (a returned report is back in the filer's hands).
    pub fn editable(self) -> bool {
        matches!(self, ReportState::Draft | ReportState::Returned)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportAction {
    /// Filer: save changes to a draft (or a returned report, which becomes a draft again).
    Save,
    /// Filer: submit a complete report.
    Submit,
    /// Reviewer: accept.
    Accept,
    /// Reviewer: return for rectification, with comments.
    Return,
}

impl ReportAction {
    pub const ALL: [ReportAction; 4] =
        [ReportAction::Save, ReportAction::Submit, ReportAction::Accept, ReportAction::Return];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportAction::Save => "save",
            ReportAction::Submit => "submit",
            ReportAction::Accept => "accept",
            ReportAction::Return => "return",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn actor(self) -> Role {
        match self {
            ReportAction::Save | ReportAction::Submit => Role::Filer,
            ReportAction::Accept | ReportAction::Return => Role::Reviewer,
        }
    }
}

/// Status of one commitment in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryStatus {
    Implemented,
    InProgress,
    NotStarted,
    NotApplicable,
}

impl EntryStatus {
    pub const ALL: [EntryStatus; 4] =
        [EntryStatus::Implemented, EntryStatus::InProgress, EntryStatus::NotStarted, EntryStatus::NotApplicable];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Implemented => "implemented",
            EntryStatus::InProgress => "in_progress",
            EntryStatus::NotStarted => "not_started",
            EntryStatus::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// Higher is better; a lower rank than the previous period is a regression.
    pub fn rank(self) -> u8 {
        match self {
            EntryStatus::Implemented => 3,
            EntryStatus::InProgress => 2,
            EntryStatus::NotStarted => 1,
            EntryStatus::NotApplicable => 0,
        }
    }
}

// The standing of a signatory for a period lives in `super::standing`.
pub use super::standing::{due_instant, start_instant};
