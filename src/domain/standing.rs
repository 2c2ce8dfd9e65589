//! A signatory's standing for a reporting period, derived from dates and
//! states, never typed in. Two things, never merged into one word:
//!
//! - **filing standing** ([`Standing`]): whether and when the report was filed
//!   and what became of it;
//! - **implementation** ([`Implementation`]): the share of the subscribed
//!   commitments implemented, read from the accepted report only.
//!
//! Deadlines are 24:00 Beijing time on the due date; every boundary is exact
//! to the minute.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::pledge::SignatureState;
use super::report::{EntryStatus, ReportState};

/// A reporting period's deadline: the end (24:00 Beijing) of its due date, in UTC.
pub fn due_instant(due_on: NaiveDate) -> NaiveDateTime {
    // 24:00 Beijing on the due date = 16:00 UTC that day.
    due_on.and_hms_opt(16, 0, 0).expect("valid time")
}

/// The start (00:00 Beijing) of a date, in UTC.
pub fn start_instant(on: NaiveDate) -> NaiveDateTime {
    on.and_hms_opt(0, 0, 0).expect("valid time") - Duration::hours(8)
}

/// "Due soon" starts this many days before the deadline.
pub const DUE_SOON_DAYS: i64 = 7;
/// After the deadline, this many days of grace before "non-communicating".
pub const GRACE_DAYS: i64 = 30;

/// The filing standing of a signatory for one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standing {
    /// Nothing submitted, deadline more than 7 days away (or filing not open yet).
    NotDue,
    /// Nothing submitted, deadline within 7 days.
    DueSoon,
    /// Submitted, awaiting the reviewer's decision.
    Submitted,
    /// Accepted; the accepted submission came before the deadline.
    AcceptedOnTime,
    /// Accepted; the accepted submission came after the deadline.
    AcceptedLate,
    /// Nothing submitted, past the deadline, within the grace period.
    Overdue,
    /// Nothing submitted and the grace period is over.
    NonCommunicating,
    /// Returned by the reviewer and not resubmitted yet.
    Returned,
    /// The signature was withdrawn before the deadline.
    Withdrawn,
    /// The signature was suspended before the deadline.
    Suspended,
}

impl Standing {
    /// In the order the dashboard lists them: filed and accepted first, then
    /// pending, then missing, then signatures no longer in force.
    pub const ALL: [Standing; 10] = [
        Standing::AcceptedOnTime,
        Standing::AcceptedLate,
        Standing::Submitted,
        Standing::Returned,
        Standing::NotDue,
        Standing::DueSoon,
        Standing::Overdue,
        Standing::NonCommunicating,
        Standing::Suspended,
        Standing::Withdrawn,
    ];

    /// The code used in URLs, CSS classes, exports and the catalog
    /// (`rpt.standing.{code}` is its label).
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::NotDue => "not_due",
            Standing::DueSoon => "due_soon",
            Standing::Submitted => "submitted",
            Standing::AcceptedOnTime => "accepted_on_time",
            Standing::AcceptedLate => "accepted_late",
            Standing::Overdue => "overdue",
            Standing::NonCommunicating => "non_communicating",
            Standing::Returned => "returned",
            Standing::Withdrawn => "withdrawn",
            Standing::Suspended => "suspended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The catalog key of its label.
    pub fn label_key(self) -> String {
        format!("rpt.standing.{}", self.as_str())
    }
}

/// What became of the signatory's report for the period, if it opened one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportFacts {
    pub state: ReportState,
    /// Returned at least once (a draft after a return is still "returned").
    pub ever_returned: bool,
    /// The latest submission (the one accepted, once accepted).
    pub submitted_at: Option<NaiveDateTime>,
    /// The latest decision (acceptance, or the return).
    pub decided_at: Option<NaiveDateTime>,
}

/// The facts a standing is derived from.
#[derive(Debug, Clone, Copy)]
pub struct StandingInput {
    pub signature: SignatureState,
    /// When the signature entered its current state.
    pub signature_since: NaiveDateTime,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
    pub report: Option<ReportFacts>,
}

/// A standing and why it holds: the reason's catalog key (`rpt.{reason}`) and
/// the instants its text names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Derived {
    pub standing: Standing,
    pub reason: &'static str,
    /// The instant the reason is about: the submission, the return, the
    /// withdrawal or suspension, or the opening of filing.
    pub at: Option<NaiveDateTime>,
    /// The reviewer's decision (accepted or returned), when there is one.
    pub decided: Option<NaiveDateTime>,
    /// The deadline and the end of the grace period.
    pub due: NaiveDateTime,
    pub grace_end: NaiveDateTime,
}

/// Whether a signature verified at `verified_at` was bound to report for a
/// period due on `due_on`: signatories who joined after the deadline were not.
pub fn bound(verified_at: Option<NaiveDateTime>, due_on: NaiveDate) -> bool {
    verified_at.is_none_or(|v| v < due_instant(due_on))
}

/// The filing standing of a signatory for a period at instant `now` (UTC).
///
/// Rules, in order:
/// 1. a signature withdrawn or suspended before the deadline: withdrawn / suspended;
/// 2. an accepted report: accepted on time if its submission came before the
///    deadline, else accepted late;
/// 3. a submitted report: submitted, awaiting review;
/// 4. a report returned (and not resubmitted, even if saved again): returned;
/// 5. nothing submitted (no report, or a draft never submitted): not due until
///    7 days before the deadline, due soon until the deadline, overdue for the
///    30 days of grace, then non-communicating.
pub fn standing(i: &StandingInput, now: NaiveDateTime) -> Derived {
    let due = due_instant(i.due_on);
    let grace_end = due + Duration::days(GRACE_DAYS);
    let d = |standing, reason, at, decided| Derived { standing, reason, at, decided, due, grace_end };
    let left_before_deadline = i.signature_since < due;
    match i.signature {
        SignatureState::Withdrawn if left_before_deadline => {
            return d(Standing::Withdrawn, "why.withdrawn", Some(i.signature_since), None)
        }
        SignatureState::Suspended if left_before_deadline => {
            return d(Standing::Suspended, "why.suspended", Some(i.signature_since), None)
        }
        _ => {}
    }
    if let Some(r) = i.report {
        match r.state {
            ReportState::Accepted => {
                // The accepted submission's time; an undated one counts as on time.
                let at = r.submitted_at.or(r.decided_at);
                return if at.is_some_and(|s| s >= due) {
                    d(Standing::AcceptedLate, "why.accepted_late", at, r.decided_at)
                } else {
                    d(Standing::AcceptedOnTime, "why.accepted_on_time", at, r.decided_at)
                };
            }
            ReportState::Submitted => {
                let late = r.submitted_at.is_some_and(|s| s >= due);
                let reason = if late { "why.submitted_late" } else { "why.submitted" };
                return d(Standing::Submitted, reason, r.submitted_at, None);
            }
            ReportState::Returned => return d(Standing::Returned, "why.returned", r.decided_at, r.decided_at),
            ReportState::Draft if r.ever_returned => {
                return d(Standing::Returned, "why.returned", r.decided_at, r.decided_at)
            }
            ReportState::Draft => {}
        }
    }
    // Nothing submitted.
    let opens = start_instant(i.opens_on);
    if now >= grace_end {
        d(Standing::NonCommunicating, "why.non_communicating", None, None)
    } else if now >= due {
        d(Standing::Overdue, "why.overdue", None, None)
    } else if now >= due - Duration::days(DUE_SOON_DAYS) {
        d(Standing::DueSoon, "why.due_soon", None, None)
    } else if now < opens {
        d(Standing::NotDue, "why.not_open", Some(opens), None)
    } else {
        d(Standing::NotDue, "why.not_due", None, None)
    }
}

/// How much of what it subscribed to a signatory implemented, from the
/// entries of its ACCEPTED report (one entry per subscribed commitment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Implementation {
    pub implemented: u32,
    pub in_progress: u32,
    pub not_started: u32,
    pub not_applicable: u32,
    /// Entries without a status (cannot happen in a submitted report).
    pub blank: u32,
}

impl Implementation {
    /// The entries' statuses (`None`: an entry without one).
    pub fn from_statuses(statuses: impl IntoIterator<Item = Option<EntryStatus>>) -> Self {
        let mut i = Implementation::default();
        for s in statuses {
            i.add(s, 1);
        }
        i
    }

    /// Count `n` entries of status `s` (`None`: without a status).
    pub fn add(&mut self, s: Option<EntryStatus>, n: u32) {
        match s {
            Some(EntryStatus::Implemented) => self.implemented += n,
            Some(EntryStatus::InProgress) => self.in_progress += n,
            Some(EntryStatus::NotStarted) => self.not_started += n,
            Some(EntryStatus::NotApplicable) => self.not_applicable += n,
            None => self.blank += n,
        }
    }

    pub fn merge(&mut self, o: &Implementation) {
        self.implemented += o.implemented;
        self.in_progress += o.in_progress;
        self.not_started += o.not_started;
        self.not_applicable += o.not_applicable;
        self.blank += o.blank;
    }

    /// Subscribed commitments: every entry of the report.
    pub fn subscribed(&self) -> u32 {
        self.implemented + self.in_progress + self.not_started + self.not_applicable + self.blank
    }

    /// Implemented share in whole percent, rounded half up; `None` without entries.
    pub fn percent(&self) -> Option<u32> {
        let total = self.subscribed();
        (total > 0).then(|| (200 * self.implemented + total) / (2 * total))
    }

    /// The band of the share, for the distribution chart.
    pub fn band(&self) -> Option<Band> {
        let total = self.subscribed();
        if total == 0 {
            return None;
        }
        // Compare exactly (no rounding): 99.6 % is not "all".
        let (imp, total) = (self.implemented as u64, total as u64);
        Some(if imp == total {
            Band::All
        } else if imp * 4 >= total * 3 {
            Band::Most
        } else if imp * 2 >= total {
            Band::Half
        } else {
            Band::Low
        })
    }
}

/// Bands of the implemented share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Band {
    /// 100 %.
    All,
    /// 75 % to under 100 %.
    Most,
    /// 50 % to under 75 %.
    Half,
    /// Under 50 %.
    Low,
}

impl Band {
    pub const ALL: [Band; 4] = [Band::All, Band::Most, Band::Half, Band::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Band::All => "all",
            Band::Most => "most",
            Band::Half => "half",
            Band::Low => "low",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportState as S;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    /// Beijing wall-clock time as UTC.
    fn bj(s: &str) -> NaiveDateTime {
        t(s) - Duration::hours(8)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Filing opens 2026-01-01, due 2026-01-31 (24:00 Beijing = 2026-01-31 16:00 UTC).
    fn input(report: Option<ReportFacts>) -> StandingInput {
        StandingInput {
            signature: SignatureState::Verified,
            signature_since: bj("2025-06-18 10:00"),
            opens_on: day(2026, 1, 1),
            due_on: day(2026, 1, 31),
            report,
        }
    }

    fn report(state: S, submitted: Option<&str>, decided: Option<&str>, ever_returned: bool) -> Option<ReportFacts> {
        Some(ReportFacts { state, ever_returned, submitted_at: submitted.map(bj), decided_at: decided.map(bj) })
    }

    fn at(i: &StandingInput, beijing: &str) -> Derived {
        standing(i, bj(beijing))
    }

    #[test]
    fn instants() {
        let d = day(2026, 1, 31);
        assert_eq!(due_instant(d), t("2026-01-31 16:00"));
        assert_eq!(due_instant(d), bj("2026-02-01 00:00"), "24:00 Beijing is midnight of the next day");
        assert_eq!(start_instant(d), t("2026-01-30 16:00"));
    }

    /// Nothing submitted: every boundary to the minute, in Beijing time.
    #[test]
    fn nothing_submitted_follows_the_clock() {
        for report in [None, report(S::Draft, None, None, false)] {
            let i = input(report);
            let cases = [
                ("2025-12-31 23:59", Standing::NotDue, "why.not_open"),
                ("2026-01-01 00:00", Standing::NotDue, "why.not_due"),
                ("2026-01-24 23:59", Standing::NotDue, "why.not_due"),
                ("2026-01-25 00:00", Standing::DueSoon, "why.due_soon"),
                ("2026-01-31 23:59", Standing::DueSoon, "why.due_soon"),
                ("2026-02-01 00:00", Standing::Overdue, "why.overdue"),
                ("2026-03-02 23:59", Standing::Overdue, "why.overdue"),
                ("2026-03-03 00:00", Standing::NonCommunicating, "why.non_communicating"),
                ("2027-06-01 12:00", Standing::NonCommunicating, "why.non_communicating"),
            ];
            for (now, want, reason) in cases {
                let d = at(&i, now);
                assert_eq!((d.standing, d.reason), (want, reason), "at {now} Beijing, report {report:?}");
                assert_eq!(d.due, bj("2026-02-01 00:00"));
                assert_eq!(d.grace_end, bj("2026-03-03 00:00"));
            }
        }
        // Before filing opens, the reason names the opening.
        assert_eq!(at(&input(None), "2025-12-01 09:00").at, Some(bj("2026-01-01 00:00")));
    }

    /// The report's state decides, whatever the clock says.
    #[test]
    fn a_report_decides_at_every_date() {
        let times =
            ["2025-12-01 00:00", "2026-01-20 00:00", "2026-01-28 00:00", "2026-02-10 00:00", "2026-06-01 00:00"];
        for now in times {
            let sub = at(&input(report(S::Submitted, Some("2026-01-20 09:30"), None, false)), now);
            assert_eq!((sub.standing, sub.reason), (Standing::Submitted, "why.submitted"), "{now}");
            assert_eq!(sub.at, Some(bj("2026-01-20 09:30")), "the reason names the submission");
            let resub = at(&input(report(S::Submitted, Some("2026-01-20 09:30"), Some("2026-01-10 10:00"), true)), now);
            assert_eq!(resub.standing, Standing::Submitted, "resubmitted after a return: awaiting review again");
            let ret = at(&input(report(S::Returned, Some("2026-01-20 09:30"), Some("2026-01-22 15:00"), true)), now);
            assert_eq!((ret.standing, ret.at), (Standing::Returned, Some(bj("2026-01-22 15:00"))), "{now}");
            let again = at(&input(report(S::Draft, Some("2026-01-20 09:30"), Some("2026-01-22 15:00"), true)), now);
            assert_eq!(again.standing, Standing::Returned, "saved again after the return: still to be resubmitted");
            let acc = at(&input(report(S::Accepted, Some("2026-01-20 09:30"), Some("2026-01-25 10:00"), false)), now);
            assert_eq!((acc.standing, acc.decided), (Standing::AcceptedOnTime, Some(bj("2026-01-25 10:00"))));
        }
    }

    /// On time means submitted before 24:00 Beijing on the due date.
    #[test]
    fn accepted_on_time_or_late_to_the_minute() {
        let now = "2026-06-01 00:00";
        let cases = [
            ("2026-01-31 23:59", Standing::AcceptedOnTime, "why.accepted_on_time"),
            ("2026-02-01 00:00", Standing::AcceptedLate, "why.accepted_late"),
            ("2026-03-10 08:00", Standing::AcceptedLate, "why.accepted_late"),
        ];
        for (submitted, want, reason) in cases {
            let d = at(&input(report(S::Accepted, Some(submitted), Some("2026-03-20 10:00"), false)), now);
            assert_eq!((d.standing, d.reason), (want, reason), "submitted {submitted}");
        }
        // A rework resubmitted after the deadline is late, whenever the first submission came.
        let d = at(&input(report(S::Accepted, Some("2026-02-03 10:00"), Some("2026-02-05 10:00"), true)), now);
        assert_eq!(d.standing, Standing::AcceptedLate);
        // Submitted late and still waiting: the reason says so.
        let d = at(&input(report(S::Submitted, Some("2026-02-01 00:00"), None, false)), now);
        assert_eq!((d.standing, d.reason), (Standing::Submitted, "why.submitted_late"));
        let d = at(&input(report(S::Submitted, Some("2026-01-31 23:59"), None, false)), now);
        assert_eq!(d.reason, "why.submitted");
        // An accepted report without dates (imported) counts as on time.
        let d = at(&input(report(S::Accepted, None, None, false)), now);
        assert_eq!(d.standing, Standing::AcceptedOnTime);
    }

    /// A signature withdrawn or suspended before the deadline overrides the
    /// report; after the deadline the period is judged on its report.
    #[test]
    fn withdrawn_and_suspended_before_the_deadline() {
        let reports = [
            None,
            report(S::Draft, None, None, false),
            report(S::Submitted, Some("2026-01-20 09:30"), None, false),
            report(S::Returned, Some("2026-01-20 09:30"), Some("2026-01-22 15:00"), true),
            report(S::Accepted, Some("2026-01-20 09:30"), Some("2026-01-22 15:00"), false),
        ];
        for (sig, want) in
            [(SignatureState::Withdrawn, Standing::Withdrawn), (SignatureState::Suspended, Standing::Suspended)]
        {
            for r in reports {
                let mut i = input(r);
                i.signature = sig;
                i.signature_since = bj("2026-01-31 23:59");
                let d = at(&i, "2026-06-01 00:00");
                assert_eq!(d.standing, want, "{sig:?} a minute before the deadline, {r:?}");
                assert_eq!(d.at, Some(bj("2026-01-31 23:59")), "the reason names the date");
                i.signature_since = bj("2026-02-01 00:00");
                let d = at(&i, "2026-06-01 00:00");
                assert_ne!(d.standing, want, "{sig:?} at the deadline: judged on the report, {r:?}");
            }
            // Left after the deadline with nothing filed: still missing.
            let mut i = input(None);
            i.signature = sig;
            i.signature_since = bj("2026-02-10 10:00");
            assert_eq!(at(&i, "2026-02-11 00:00").standing, Standing::Overdue);
            assert_eq!(at(&i, "2026-03-03 00:00").standing, Standing::NonCommunicating);
        }
        // Verified and applied states never override.
        for sig in [SignatureState::Verified, SignatureState::Applied] {
            let mut i = input(None);
            i.signature = sig;
            assert_eq!(at(&i, "2026-01-10 00:00").standing, Standing::NotDue);
        }
    }

    #[test]
    fn only_signatories_verified_before_the_deadline_are_bound() {
        let due = day(2026, 1, 31);
        assert!(bound(Some(bj("2026-01-31 23:59")), due));
        assert!(!bound(Some(bj("2026-02-01 00:00")), due));
        assert!(bound(None, due));
    }

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for s in Standing::ALL {
            assert_eq!(Standing::parse(s.as_str()), Some(s));
            assert!(seen.insert(s.as_str()));
        }
        assert_eq!(Standing::parse("good"), None);
    }

    #[test]
    fn implementation_share_and_band() {
        use EntryStatus::*;
        let of = |s: &[EntryStatus]| Implementation::from_statuses(s.iter().copied().map(Some));
        let i = of(&[[Implemented; 9].as_slice(), &[InProgress, NotStarted, NotApplicable]].concat());
        assert_eq!(i.subscribed(), 12);
        assert_eq!(i.implemented, 9);
        assert_eq!(i.percent(), Some(75));
        assert_eq!(i.band(), Some(Band::Most));
        assert_eq!(of(&[Implemented, InProgress, InProgress]).percent(), Some(33));
        assert_eq!(of(&[Implemented, Implemented, InProgress]).percent(), Some(67));
        assert_eq!(of(&[Implemented]).band(), Some(Band::All));
        assert_eq!(of(&[Implemented, NotStarted]).band(), Some(Band::Half));
        assert_eq!(of(&[InProgress]).band(), Some(Band::Low));
        let blank = Implementation::from_statuses([Some(Implemented), None]);
        assert_eq!(
            (blank.blank, blank.subscribed(), blank.percent()),
            (1, 2, Some(50)),
            "an entry without status counts"
        );
        assert_eq!(Implementation::default().percent(), None);
        assert_eq!(Implementation::default().band(), None);
        // 199 of 200 rounds to 100 % but is not "all".
        let mut many = Implementation::default();
        many.add(Some(Implemented), 199);
        many.add(Some(InProgress), 1);
        assert_eq!((many.percent(), many.band()), (Some(100), Some(Band::Most)));
        let mut sum = Implementation::default();
        sum.merge(&i);
        sum.merge(&many);
        assert_eq!((sum.implemented, sum.subscribed()), (208, 212));
    }
}
