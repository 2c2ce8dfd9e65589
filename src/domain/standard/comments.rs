//! Comment periods, kinds of comment and dispositions.

use chrono::NaiveDate;

use super::{parse_date, StandardKind, StandardState};

/// A comment period: first and last day (Beijing dates, both included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentWindow {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl CommentWindow {
    pub fn new(
        kind: StandardKind,
        starts: &str,
        ends: &str,
        today: NaiveDate,
    ) -> Result<Self, Vec<(&'static str, &'static str)>> {
        let mut errors = Vec::new();
        let s = parse_date(starts).map_err(|e| errors.push(("starts_on", e))).ok();
        let e = parse_date(ends).map_err(|e| errors.push(("ends_on", e))).ok();
        if let Some(s) = s {
            if s < today {
                errors.push(("starts_on", "error.std.period_past"));
            }
        }
        if let (Some(s), Some(e)) = (s, e) {
            if e < s {
                errors.push(("ends_on", "error.std.period_order"));
            } else if (e - s).num_days() + 1 < kind.min_comment_days() {
                errors.push(("ends_on", "error.std.period_30_days"));
            }
        }
        match (s, e) {
            (Some(starts_on), Some(ends_on)) if errors.is_empty() => Ok(CommentWindow { starts_on, ends_on }),
            _ => Err(errors),
        }
    }

    pub fn is_open(&self, today: NaiveDate) -> bool {
        self.starts_on <= today && today <= self.ends_on
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentKind {
    General,
    Technical,
    Editorial,
}

impl CommentKind {
    pub const ALL: [CommentKind; 3] = [CommentKind::General, CommentKind::Technical, CommentKind::Editorial];

    pub fn as_str(self) -> &'static str {
        match self {
            CommentKind::General => "general",
            CommentKind::Technical => "technical",
            CommentKind::Editorial => "editorial",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or("error.std.comment_kind")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Accepted,
    PartlyAccepted,
    NotAccepted,
    Noted,
}

impl Disposition {
    pub const ALL: [Disposition; 4] =
        [Disposition::Accepted, Disposition::PartlyAccepted, Disposition::NotAccepted, Disposition::Noted];

    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Accepted => "accepted",
            Disposition::PartlyAccepted => "partly_accepted",
            Disposition::NotAccepted => "not_accepted",
            Disposition::Noted => "noted",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or("error.std.disposition")
    }

    /// "Not accepted" must give a reason.
    pub fn needs_reason(self) -> bool {
        self == Disposition::NotAccepted
    }
}

/// Why a disposition cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisposeRefusal {
    /// Comments are disposed only while the standard is in public comment.
    NotInPublicComment,
    /// "Not accepted" without a reason.
    ReasonRequired,
}

impl DisposeRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            DisposeRefusal::NotInPublicComment => "error.std.transition",
            DisposeRefusal::ReasonRequired => "error.std.reason_required",
        }
    }
}

/// Whether `d` with `reason` may be recorded on a comment of a standard in `state`
/// (the same rule for one comment and for several at once).
pub fn may_dispose(state: StandardState, d: Disposition, reason: &str) -> Result<(), DisposeRefusal> {
    if state != StandardState::PublicComment {
        return Err(DisposeRefusal::NotInPublicComment);
    }
    if d.needs_reason() && reason.trim().is_empty() {
        return Err(DisposeRefusal::ReasonRequired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn comment_windows() {
        let today = d("2026-01-01");
        assert!(CommentWindow::new(StandardKind::Local, "2026-01-01", "2026-01-30", today).is_ok());
        let e = CommentWindow::new(StandardKind::Local, "2026-01-01", "2026-01-29", today).unwrap_err();
        assert_eq!(e, vec![("ends_on", "error.std.period_30_days")]);
        assert!(CommentWindow::new(StandardKind::Group, "2026-01-01", "2026-01-05", today).is_ok());
        let e = CommentWindow::new(StandardKind::Group, "2025-12-31", "2026-01-05", today).unwrap_err();
        assert_eq!(e, vec![("starts_on", "error.std.period_past")]);
        let e = CommentWindow::new(StandardKind::Group, "2026-01-05", "2026-01-04", today).unwrap_err();
        assert_eq!(e, vec![("ends_on", "error.std.period_order")]);
        let w = CommentWindow::new(StandardKind::Group, "2026-01-02", "2026-01-05", today).unwrap();
        assert!(!w.is_open(d("2026-01-01")));
        assert!(w.is_open(d("2026-01-02")) && w.is_open(d("2026-01-05")));
        assert!(!w.is_open(d("2026-01-06")));
        assert!(parse_date("9999-01-01").is_err());
    }

    #[test]
    fn dispositions_only_in_public_comment_and_not_accepted_needs_a_reason() {
        for state in StandardState::ALL {
            for d in Disposition::ALL {
                let got = may_dispose(state, d, "理由");
                if state == StandardState::PublicComment {
                    assert_eq!(got, Ok(()), "{state:?} {d:?}");
                } else {
                    assert_eq!(got, Err(DisposeRefusal::NotInPublicComment), "{state:?} {d:?}");
                }
            }
        }
        let pc = StandardState::PublicComment;
        assert_eq!(may_dispose(pc, Disposition::NotAccepted, "  "), Err(DisposeRefusal::ReasonRequired));
        for d in [Disposition::Accepted, Disposition::PartlyAccepted, Disposition::Noted] {
            assert_eq!(may_dispose(pc, d, ""), Ok(()), "{d:?} needs no reason");
        }
    }
}
