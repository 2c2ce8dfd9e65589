//! Commitment reports: their lifecycle and what a complete report needs (the
//! derived standing of a signatory is in `super::standing`).

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportTransitionError {
    /// Not possible in this state (stale page, another tab, tampering).
    NotAllowedInState,
    WrongRole,
}

/// draft → submitted → accepted; submitted → returned → (save) draft → submitted …
pub fn transition(state: ReportState, action: ReportAction, role: Role) -> Result<ReportState, ReportTransitionError> {
    use ReportAction as A;
    use ReportState as S;
    let next = match (state, action) {
        (S::Draft | S::Returned, A::Save) => S::Draft,
        (S::Draft | S::Returned, A::Submit) => S::Submitted,
        (S::Submitted, A::Accept) => S::Accepted,
        (S::Submitted, A::Return) => S::Returned,
        _ => return Err(ReportTransitionError::NotAllowedInState),
    };
    if !role.allows(action.actor()) {
        return Err(ReportTransitionError::WrongRole);
    }
    Ok(next)
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

/// One commitment's entry as filed (raw), for the completeness check.
#[derive(Debug, Clone, Default)]
pub struct EntryDraft {
    pub commitment_number: String,
    pub status: String,
    pub not_applicable_reason: String,
    pub measures: String,
    /// (name, value, unit) rows; blank rows are ignored.
    pub indicators: Vec<(String, String, String)>,
}

/// What is missing or wrong in one entry: (commitment number, catalog key).
pub type Problem = (String, &'static str);

/// Parse an indicator value: a decimal number (e.g. 98.5), not NaN or infinite.
pub fn parse_value(s: &str) -> Option<f64> {
    let t = s.trim().replace(',', "");
    if t.is_empty() || t.len() > 30 {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite() && v.abs() < 1e15)
}

/// Problems that prevent saving at all (malformed values), entry by entry.
pub fn save_problems(entries: &[EntryDraft]) -> Vec<Problem> {
    let mut out = Vec::new();
    for e in entries {
        if !e.status.is_empty() && EntryStatus::parse(&e.status).is_none() {
            out.push((e.commitment_number.clone(), "error.report.status"));
        }
        for (name, value, unit) in &e.indicators {
            if name.trim().is_empty() && value.trim().is_empty() && unit.trim().is_empty() {
                continue;
            }
            if !value.trim().is_empty() && parse_value(value).is_none() {
                out.push((e.commitment_number.clone(), "error.report.indicator_value"));
            }
        }
    }
    out
}

/// Everything missing for a submission, every entry at once.
pub fn submit_problems(entries: &[EntryDraft]) -> Vec<Problem> {
    let mut out = save_problems(entries);
    for e in entries {
        let n = || e.commitment_number.clone();
        match EntryStatus::parse(&e.status) {
            None if e.status.is_empty() => out.push((n(), "error.report.status_missing")),
            None => {}
            Some(EntryStatus::NotApplicable) if e.not_applicable_reason.trim().is_empty() => {
                out.push((n(), "error.report.na_reason"))
            }
            Some(EntryStatus::NotApplicable) => {}
            Some(_) if e.measures.trim().is_empty() => out.push((n(), "error.report.measures")),
            Some(_) => {}
        }
        for (name, value, unit) in &e.indicators {
            let (name, value, unit) = (name.trim(), value.trim(), unit.trim());
            if name.is_empty() && value.is_empty() && unit.is_empty() {
                continue;
            }
            if name.is_empty() {
                out.push((n(), "error.report.indicator_name"));
            }
            if value.is_empty() {
                out.push((n(), "error.report.indicator_value_missing"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportAction as A;
    use ReportState as S;

    #[test]
    fn every_state_and_action() {
        let expected = |s: S, a: A| -> Option<S> {
            Some(match (s, a) {
                (S::Draft, A::Save) | (S::Returned, A::Save) => S::Draft,
                (S::Draft, A::Submit) | (S::Returned, A::Submit) => S::Submitted,
                (S::Submitted, A::Accept) => S::Accepted,
                (S::Submitted, A::Return) => S::Returned,
                _ => return None,
            })
        };
        for s in S::ALL {
            for a in A::ALL {
                for r in Role::ALL {
                    let got = transition(s, a, r);
                    match expected(s, a) {
                        None => assert_eq!(got, Err(ReportTransitionError::NotAllowedInState), "{s:?} {a:?} {r:?}"),
                        Some(next) if r.allows(a.actor()) => assert_eq!(got, Ok(next), "{s:?} {a:?} {r:?}"),
                        Some(_) => assert_eq!(got, Err(ReportTransitionError::WrongRole), "{s:?} {a:?} {r:?}"),
                    }
                }
            }
        }
        assert!(S::Draft.editable() && S::Returned.editable() && !S::Submitted.editable() && !S::Accepted.editable());
    }

    fn entry(n: &str, status: &str, measures: &str) -> EntryDraft {
        EntryDraft {
            commitment_number: n.into(),
            status: status.into(),
            measures: measures.into(),
            ..EntryDraft::default()
        }
    }

    #[test]
    fn submission_lists_every_missing_piece() {
        let mut na = entry("3", "not_applicable", "");
        na.indicators = vec![("核验率".into(), "".into(), "%".into()), ("".into(), "".into(), "".into())];
        let mut bad = entry("4", "implemented", "已落实");
        bad.indicators = vec![("".into(), "abc".into(), "".into())];
        let entries =
            vec![entry("1", "", ""), entry("2", "in_progress", "  "), na, bad, entry("5", "implemented", "措施")];
        let p = submit_problems(&entries);
        assert!(p.contains(&("1".into(), "error.report.status_missing")));
        assert!(p.contains(&("2".into(), "error.report.measures")));
        assert!(p.contains(&("3".into(), "error.report.na_reason")));
        assert!(p.contains(&("3".into(), "error.report.indicator_value_missing")));
        assert!(p.contains(&("4".into(), "error.report.indicator_value")));
        assert!(p.contains(&("4".into(), "error.report.indicator_name")));
        assert!(!p.iter().any(|(n, _)| n == "5"));
        // Saving a draft only refuses malformed values.
        assert_eq!(save_problems(&entries), vec![("4".into(), "error.report.indicator_value")]);
    }

    #[test]
    fn indicator_values() {
        assert_eq!(parse_value("98.5"), Some(98.5));
        assert_eq!(parse_value(" 1,234 "), Some(1234.0));
        assert_eq!(parse_value("-3"), Some(-3.0));
        for bad in ["", "abc", "NaN", "inf", "1e400", "98.5%"] {
            assert_eq!(parse_value(bad), None, "{bad}");
        }
    }
}
