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
    /// (url, label) rows; blank rows are ignored.
    pub links: Vec<(String, String)>,
}

/// Which field of an entry a problem is about (rows counted from 0 among the
/// entry's non-blank rows, as they are stored and shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryField {
    Status,
    NaReason,
    Measures,
    IndicatorName(usize),
    IndicatorValue(usize),
    IndicatorUnit(usize),
    LinkUrl(usize),
    LinkLabel(usize),
}

/// What is missing or wrong in one field of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub number: String,
    pub field: EntryField,
    /// Catalog key of the message.
    pub key: &'static str,
}

/// Longest text each field holds (characters), drafts included.
pub const MAX_MEASURES: usize = 20_000;
pub const MAX_NA_REASON: usize = 2_000;
pub const MAX_INDICATOR_NAME: usize = 100;
pub const MAX_INDICATOR_VALUE: usize = 30;
pub const MAX_INDICATOR_UNIT: usize = 20;
pub const MAX_LINK_URL: usize = 500;
pub const MAX_LINK_LABEL: usize = 200;

/// Parse an indicator value: a decimal number (e.g. 98.5), not NaN or infinite.
pub fn parse_value(s: &str) -> Option<f64> {
    let t = s.trim().replace(',', "");
    if t.is_empty() || t.len() > 30 {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite() && v.abs() < 1e15)
}

fn blank3(r: &(String, String, String)) -> bool {
    r.0.trim().is_empty() && r.1.trim().is_empty() && r.2.trim().is_empty()
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

/// What even a draft cannot hold: a status outside the list (only a tampered
/// form sends one) and text longer than its field. Anything else typed is
/// kept as it is until submission.
pub fn save_problems(entries: &[EntryDraft]) -> Vec<Problem> {
    use EntryField as F;
    let mut out = Vec::new();
    for e in entries {
        let mut p = |field, key| out.push(Problem { number: e.commitment_number.clone(), field, key });
        if !e.status.trim().is_empty() && EntryStatus::parse(&e.status).is_none() {
            p(F::Status, "error.report.status");
        }
        if too_long(&e.not_applicable_reason, MAX_NA_REASON) {
            p(F::NaReason, "error.too_long");
        }
        if too_long(&e.measures, MAX_MEASURES) {
            p(F::Measures, "error.too_long");
        }
        for (i, r) in e.indicators.iter().filter(|r| !blank3(r)).enumerate() {
            if too_long(&r.0, MAX_INDICATOR_NAME) {
                p(F::IndicatorName(i), "error.too_long");
            }
            if too_long(&r.1, MAX_INDICATOR_VALUE) {
                p(F::IndicatorValue(i), "error.too_long");
            }
            if too_long(&r.2, MAX_INDICATOR_UNIT) {
                p(F::IndicatorUnit(i), "error.too_long");
            }
        }
        for (i, (url, label)) in
            e.links.iter().filter(|l| !(l.0.trim().is_empty() && l.1.trim().is_empty())).enumerate()
        {
            if too_long(url, MAX_LINK_URL) {
                p(F::LinkUrl(i), "error.too_long");
            }
            if too_long(label, MAX_LINK_LABEL) {
                p(F::LinkLabel(i), "error.too_long");
            }
        }
    }
    out
}

/// Everything a submission still needs, every entry and field at once.
pub fn submit_problems(entries: &[EntryDraft]) -> Vec<Problem> {
    use EntryField as F;
    let mut out = save_problems(entries);
    for e in entries {
        let mut p = |field, key| out.push(Problem { number: e.commitment_number.clone(), field, key });
        match EntryStatus::parse(&e.status) {
            None if e.status.trim().is_empty() => p(F::Status, "error.report.status_missing"),
            None => {}
            Some(EntryStatus::NotApplicable) if e.not_applicable_reason.trim().is_empty() => {
                p(F::NaReason, "error.report.na_reason")
            }
            Some(EntryStatus::NotApplicable) => {}
            Some(_) if e.measures.trim().is_empty() => p(F::Measures, "error.report.measures"),
            Some(_) => {}
        }
        for (i, (name, value, _)) in e.indicators.iter().filter(|r| !blank3(r)).enumerate() {
            if name.trim().is_empty() {
                p(F::IndicatorName(i), "error.report.indicator_name");
            }
            if value.trim().is_empty() {
                p(F::IndicatorValue(i), "error.report.indicator_value_missing");
            } else if parse_value(value).is_none() {
                p(F::IndicatorValue(i), "error.report.indicator_value");
            }
        }
        for (i, (url, _)) in e.links.iter().filter(|l| !(l.0.trim().is_empty() && l.1.trim().is_empty())).enumerate() {
            if url.trim().is_empty() {
                p(F::LinkUrl(i), "error.report.link_missing");
            } else if super::text::url(url).is_err() {
                p(F::LinkUrl(i), "error.report.link");
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
        use EntryField as F;
        let mut na = entry("3", "not_applicable", "");
        na.indicators = vec![("核验率".into(), "".into(), "%".into()), ("".into(), "".into(), "".into())];
        let mut bad = entry("4", "implemented", "已落实");
        bad.indicators = vec![("".into(), "".into(), "".into()), ("".into(), "abc".into(), "".into())];
        bad.links = vec![("www.example.com".into(), "公示".into()), ("".into(), "只有说明".into())];
        let entries =
            vec![entry("1", "", ""), entry("2", "in_progress", "  "), na, bad, entry("5", "implemented", "措施")];
        let p = submit_problems(&entries);
        let has = |n: &str, field, key| p.contains(&Problem { number: n.into(), field, key });
        assert!(has("1", F::Status, "error.report.status_missing"));
        assert!(has("2", F::Measures, "error.report.measures"));
        assert!(has("3", F::NaReason, "error.report.na_reason"));
        assert!(has("3", F::IndicatorValue(0), "error.report.indicator_value_missing"));
        assert!(has("4", F::IndicatorValue(0), "error.report.indicator_value"), "rows counted without blank ones");
        assert!(has("4", F::IndicatorName(0), "error.report.indicator_name"));
        assert!(has("4", F::LinkUrl(0), "error.report.link"));
        assert!(has("4", F::LinkUrl(1), "error.report.link_missing"));
        assert!(!p.iter().any(|p| p.number == "5"));
        assert_eq!(p.len(), 8, "{p:?}");
        // A draft keeps all of that: only impossible values are refused.
        assert_eq!(save_problems(&entries), vec![]);
        let mut tampered = entry("6", "done", &"长".repeat(MAX_MEASURES + 1));
        tampered.indicators = vec![("名".repeat(MAX_INDICATOR_NAME + 1), "1".into(), "".into())];
        let s = save_problems(&[tampered]);
        assert_eq!(s.iter().map(|p| p.field).collect::<Vec<_>>(), [F::Status, F::Measures, F::IndicatorName(0)]);
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
