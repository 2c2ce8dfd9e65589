//! What a report's entries hold and what a complete report needs: the
//! entries as filed (raw text, as typed), and every problem of them at once,
//! each under the field it is about.

use super::EntryStatus;

/// One commitment's entry as filed (raw), for the completeness check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntryDraft {
    /// The entry (its id) and its commitment's number, which the problems name.
    pub entry_id: i64,
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
    /// The entry (its id) and its commitment's number.
    pub entry: i64,
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

/// A status outside the list (only a tampered form sends one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownStatus;

/// A status as typed: none chosen yet (`Ok(None)`), one of the list, or
/// something else.
pub fn entry_status(s: &str) -> Result<Option<EntryStatus>, UnknownStatus> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        EntryStatus::parse(s).map(Some).ok_or(UnknownStatus)
    }
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
        let mut p =
            |field, key| out.push(Problem { entry: e.entry_id, number: e.commitment_number.clone(), field, key });
        if entry_status(&e.status).is_err() {
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
        let mut p =
            |field, key| out.push(Problem { entry: e.entry_id, number: e.commitment_number.clone(), field, key });
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
            } else if crate::domain::text::url(url).is_err() {
                p(F::LinkUrl(i), "error.report.link");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: &str, status: &str, measures: &str) -> EntryDraft {
        EntryDraft {
            entry_id: n.len() as i64 * 100 + n.chars().next().map_or(0, |c| c as i64),
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
        let has = |n: &str, field, key| {
            let e = entries.iter().find(|e| e.commitment_number == n).unwrap();
            p.contains(&Problem { entry: e.entry_id, number: n.into(), field, key })
        };
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
