//! Standards: kinds, states, standing, numbers, publication details and version labels.
//! The lifecycle is in [`lifecycle`], comment periods, comments and dispositions
//! in [`comments`], the other steps (details, publication, versions, positions)
//! in [`edits`]; who sees and acts in [`access`]; every refusal is a [`Refusal`].

use chrono::{Datelike, NaiveDate};

mod access;
mod comments;
mod edits;
mod lifecycle;
mod refusal;

pub use access::*;
pub use comments::*;
pub use edits::*;
pub use lifecycle::*;
pub use refusal::Refusal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StandardKind {
    /// 地方标准, numbered `DB31/T NNNN—YYYY`.
    Local,
    /// 团体标准, numbered `T/ABBR NNN—YYYY`.
    Group,
}

impl StandardKind {
    pub const ALL: [StandardKind; 2] = [StandardKind::Local, StandardKind::Group];

    pub fn as_str(self) -> &'static str {
        match self {
            StandardKind::Local => "local",
            StandardKind::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or("error.std.kind")
    }

    /// Minimum length of a comment period, in days (both ends included).
    pub fn min_comment_days(self) -> i64 {
        match self {
            StandardKind::Local => 30,
            StandardKind::Group => 1,
        }
    }
}

/// Stored lifecycle states. "In force" is not stored: a published standard is
/// in force from its implementation date (see [`Standing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StandardState {
    Proposed,
    Rejected,
    Approved,
    Drafting,
    PublicComment,
    TechnicalReview,
    SubmittedForApproval,
    Published,
    Revising,
    Withdrawn,
    Superseded,
}

impl StandardState {
    pub const ALL: [StandardState; 11] = [
        StandardState::Proposed,
        StandardState::Rejected,
        StandardState::Approved,
        StandardState::Drafting,
        StandardState::PublicComment,
        StandardState::TechnicalReview,
        StandardState::SubmittedForApproval,
        StandardState::Published,
        StandardState::Revising,
        StandardState::Withdrawn,
        StandardState::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StandardState::Proposed => "proposed",
            StandardState::Rejected => "rejected",
            StandardState::Approved => "approved",
            StandardState::Drafting => "drafting",
            StandardState::PublicComment => "public_comment",
            StandardState::TechnicalReview => "technical_review",
            StandardState::SubmittedForApproval => "submitted_for_approval",
            StandardState::Published => "published",
            StandardState::Revising => "revising",
            StandardState::Withdrawn => "withdrawn",
            StandardState::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the public sees it (everything that has passed proposal).
    pub fn is_public(self) -> bool {
        !matches!(self, StandardState::Proposed | StandardState::Rejected)
    }

    /// Metadata may be edited until publication.
    pub fn metadata_editable(self) -> bool {
        matches!(
            self,
            StandardState::Proposed
                | StandardState::Approved
                | StandardState::Drafting
                | StandardState::PublicComment
                | StandardState::TechnicalReview
                | StandardState::SubmittedForApproval
        )
    }

    /// Published at some time: its text was released (in force, to take
    /// effect, under revision, withdrawn or superseded).
    pub fn is_published(self) -> bool {
        matches!(
            self,
            StandardState::Published | StandardState::Revising | StandardState::Withdrawn | StandardState::Superseded
        )
    }

    /// New versions of the text may be uploaded.
    pub fn accepts_versions(self) -> bool {
        matches!(self, StandardState::Approved | StandardState::Drafting | StandardState::SubmittedForApproval)
    }
}

/// How a standard stands today, derived from its state and dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    State(StandardState),
    /// Published, implementation date not yet reached (即将实施).
    Upcoming,
    /// Published and implemented (现行).
    InForce,
}

impl Standing {
    pub fn of(state: StandardState, implementation: Option<NaiveDate>, today: NaiveDate) -> Standing {
        match (state, implementation) {
            (StandardState::Published, Some(d)) if today >= d => Standing::InForce,
            (StandardState::Published, _) => Standing::Upcoming,
            (s, _) => Standing::State(s),
        }
    }

    /// The code used for badges, filters and catalog keys.
    pub fn code(self) -> &'static str {
        match self {
            Standing::InForce => "in_force",
            Standing::Upcoming => "published",
            Standing::State(s) => s.as_str(),
        }
    }
}

/// A standard number, normalised: `DB31/T 1234—2025` or `T/SHDS 001—2025`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardNumber {
    text: String,
    year: i32,
}

impl StandardNumber {
    /// Parse for `kind`; `-`, `–`, `—` and `－` are accepted as the dash.
    pub fn parse(kind: StandardKind, input: &str) -> Result<Self, &'static str> {
        let s: String =
            input.trim().chars().map(|c| if matches!(c, '-' | '–' | '－' | '—') { '—' } else { c }).collect();
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let bad = match kind {
            StandardKind::Local => "error.std.number_local",
            StandardKind::Group => "error.std.number_group",
        };
        let (prefix, rest) = s.split_once(' ').ok_or(bad)?;
        let (serial, year) = rest.split_once('—').ok_or(bad)?;
        let (serial, year) = (serial.trim(), year.trim());
        let digits =
            |x: &str, n: std::ops::RangeInclusive<usize>| n.contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit());
        let prefix_ok = match kind {
            StandardKind::Local => prefix == "DB31/T" && digits(serial, 4..=4),
            StandardKind::Group => {
                prefix
                    .strip_prefix("T/")
                    .is_some_and(|abbr| (2..=12).contains(&abbr.len()) && abbr.bytes().all(|b| b.is_ascii_uppercase()))
                    && digits(serial, 3..=4)
            }
        };
        if !prefix_ok || !digits(year, 4..=4) {
            return Err(bad);
        }
        let year: i32 = year.parse().map_err(|_| bad)?;
        if !(1990..=2200).contains(&year) {
            return Err(bad);
        }
        Ok(StandardNumber { text: format!("{prefix} {serial}—{year}"), year })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn year(&self) -> i32 {
        self.year
    }
}

/// Checked publication details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub number: StandardNumber,
    pub release: NaiveDate,
    pub implementation: NaiveDate,
}

impl Publication {
    /// Errors are (field, catalog key) pairs, all found at once.
    pub fn new(
        kind: StandardKind,
        number: &str,
        release: &str,
        implementation: &str,
    ) -> Result<Self, Vec<(&'static str, &'static str)>> {
        let mut errors = Vec::new();
        let number = StandardNumber::parse(kind, number).map_err(|e| errors.push(("number", e))).ok();
        let release = parse_date(release).map_err(|e| errors.push(("release_date", e))).ok();
        let implementation = parse_date(implementation).map_err(|e| errors.push(("implementation_date", e))).ok();
        if let (Some(n), Some(r)) = (&number, release) {
            if n.year() != r.year() {
                errors.push(("number", "error.std.number_year"));
            }
        }
        if let (Some(r), Some(i)) = (release, implementation) {
            if i < r {
                errors.push(("implementation_date", "error.std.implementation_before_release"));
            }
        }
        match (number, release, implementation) {
            (Some(number), Some(release), Some(implementation)) if errors.is_empty() => {
                Ok(Publication { number, release, implementation })
            }
            _ => Err(errors),
        }
    }
}

/// A calendar date `YYYY-MM-DD` in a plausible range.
pub fn parse_date(s: &str) -> Result<NaiveDate, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Err("error.required");
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| "error.date.invalid")?;
    if !(1990..=2200).contains(&d.year()) {
        return Err("error.date.range");
    }
    Ok(d)
}

/// Labels of draft versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionLabel {
    /// 征求意见稿
    CommentDraft,
    /// 送审稿
    ReviewDraft,
    /// 报批稿
    ApprovalDraft,
    /// 发布稿
    Final,
}

impl VersionLabel {
    pub const ALL: [VersionLabel; 4] =
        [VersionLabel::CommentDraft, VersionLabel::ReviewDraft, VersionLabel::ApprovalDraft, VersionLabel::Final];

    pub fn as_str(self) -> &'static str {
        match self {
            VersionLabel::CommentDraft => "comment_draft",
            VersionLabel::ReviewDraft => "review_draft",
            VersionLabel::ApprovalDraft => "approval_draft",
            VersionLabel::Final => "final",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or("error.std.label")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StandardAction as A;
    use StandardState as S;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn standing_from_dates() {
        let imp = Some(d("2026-03-01"));
        assert_eq!(Standing::of(S::Published, imp, d("2026-02-28")), Standing::Upcoming);
        assert_eq!(Standing::of(S::Published, imp, d("2026-03-01")), Standing::InForce);
        assert_eq!(Standing::of(S::Drafting, imp, d("2027-01-01")), Standing::State(S::Drafting));
        assert_eq!(Standing::of(S::Published, imp, d("2026-03-01")).code(), "in_force");
    }

    #[test]
    fn numbers() {
        let n = StandardNumber::parse(StandardKind::Local, "DB31/T 1234-2025").unwrap();
        assert_eq!(n.as_str(), "DB31/T 1234—2025");
        assert_eq!(n.year(), 2025);
        assert_eq!(
            StandardNumber::parse(StandardKind::Local, " DB31/T  1234—2025 ").unwrap().as_str(),
            "DB31/T 1234—2025"
        );
        assert_eq!(
            StandardNumber::parse(StandardKind::Group, "T/SHDSXH 001－2026").unwrap().as_str(),
            "T/SHDSXH 001—2026"
        );
        for bad in [
            "DB31/T 123-2025",
            "DB31 1234-2025",
            "DB32/T 1234-2025",
            "DB31/T 1234",
            "DB31/T 12a4-2025",
            "T/SH 001-2025",
            "",
        ] {
            assert!(StandardNumber::parse(StandardKind::Local, bad).is_err(), "{bad}");
        }
        for bad in
            ["T/sh 001-2025", "T/A 001-2025", "T/SHDS 01-2025", "DB31/T 1234-2025", "T/SHDS 001-25", "T/SHDS 001—1800"]
        {
            assert!(StandardNumber::parse(StandardKind::Group, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn publication_rules() {
        let p = Publication::new(StandardKind::Local, "DB31/T 1500-2026", "2026-01-10", "2026-04-01").unwrap();
        assert_eq!(p.number.as_str(), "DB31/T 1500—2026");
        let e = Publication::new(StandardKind::Local, "DB31/T 1500-2026", "2026-01-10", "2026-01-09").unwrap_err();
        assert_eq!(e, vec![("implementation_date", "error.std.implementation_before_release")]);
        assert!(Publication::new(StandardKind::Local, "DB31/T 1500-2026", "2026-01-10", "2026-01-10").is_ok());
        let e = Publication::new(StandardKind::Local, "DB31/T 1500-2025", "2026-01-10", "2026-02-01").unwrap_err();
        assert_eq!(e, vec![("number", "error.std.number_year")]);
        let e = Publication::new(StandardKind::Group, "bad", "", "2026-13-01").unwrap_err();
        assert_eq!(e.len(), 3);
    }

    #[test]
    fn vocabularies_round_trip() {
        for k in CommentKind::ALL {
            assert_eq!(CommentKind::parse(k.as_str()), Ok(k));
        }
        for k in Disposition::ALL {
            assert_eq!(Disposition::parse(k.as_str()), Ok(k));
        }
        assert!(Disposition::NotAccepted.needs_reason() && !Disposition::Noted.needs_reason());
        for k in ReviewPosition::ALL {
            assert_eq!(ReviewPosition::parse(k.as_str()), Ok(k));
        }
        for k in VersionLabel::ALL {
            assert_eq!(VersionLabel::parse(k.as_str()), Ok(k));
        }
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        for a in A::ALL {
            assert_eq!(A::parse(a.as_str()), Some(a));
        }
        assert!(StandardKind::parse("national").is_err());
    }
}
