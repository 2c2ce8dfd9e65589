//! Comment periods, kinds of comment and dispositions.

use chrono::{NaiveDate, NaiveDateTime};

use super::{may_act, parse_date, visible_to, Owners, Person, Refusal, StandardKind, StandardState};
use crate::domain::{clauses, Role};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// A comment period as it stands: its days, and when it was closed (UTC), if
/// it was — ended early by the editor, or by leaving public comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentPeriod {
    pub window: CommentWindow,
    pub closed_at: Option<NaiveDateTime>,
}

impl CommentPeriod {
    /// Comments are taken today.
    pub fn is_open(&self, today: NaiveDate) -> bool {
        self.closed_at.is_none() && self.window.is_open(today)
    }

    /// It has not ended: not closed, and its last day has not passed.
    pub fn running(&self, today: NaiveDate) -> bool {
        self.closed_at.is_none() && today <= self.window.ends_on
    }

    /// How many days it has been open by `today` (both ends included).
    pub fn days_open(&self, today: NaiveDate) -> i64 {
        ((today - self.window.starts_on).num_days() + 1).max(0)
    }
}

/// What deciding on a public comment needs to know.
#[derive(Debug, Clone)]
pub struct CommentFacts<'a> {
    pub owners: Owners,
    /// The latest comment period, if any.
    pub period: Option<CommentPeriod>,
    pub today: NaiveDate,
    /// The version commented on, and its text if the standard has that version.
    pub version_n: i32,
    pub version_text: Option<&'a str>,
    /// The clauses the comment names, as typed (empty: a general comment).
    pub clause_ref: &'a str,
    /// When the commenter's address may comment again, if it reached its hourly limit.
    pub throttled_until: Option<NaiveDateTime>,
}

/// Whether anyone (signed in or not) may comment now: the standard is visible
/// and in public comment with its period open, the version and the clauses
/// named exist, and the address is under its hourly limit.
pub fn may_comment(state: StandardState, viewer: Option<Person>, f: &CommentFacts) -> Result<(), Refusal> {
    if !visible_to(state, f.owners.proposing, f.owners.lead, viewer) {
        return Err(Refusal::NotFound);
    }
    if state != StandardState::PublicComment || !f.period.is_some_and(|p| p.is_open(f.today)) {
        return Err(Refusal::Closed(f.period));
    }
    let Some(text) = f.version_text else { return Err(Refusal::invalid("version_n", "error.std.version_choose")) };
    let unknown = clauses::unknown_refs(f.clause_ref, text);
    if !unknown.is_empty() {
        return Err(Refusal::UnknownClause { version_n: f.version_n, unknown, existing: clauses::numbers(text) });
    }
    match f.throttled_until {
        Some(until) => Err(Refusal::Throttled(until)),
        None => Ok(()),
    }
}

/// A comment as a disposing form showed it (or as it is now): its number and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    pub seq: i32,
    pub version: i32,
}

/// Whether `d` with `reason` may be recorded on every comment in `shown` (all
/// or none), `current` being those comments as they are now: by an editor of
/// the standard, while it is in public comment, on comments nobody disposed
/// since the form was shown, with a reason when not accepted.
pub fn may_dispose(
    state: StandardState,
    who: Person,
    owners: Owners,
    shown: &[Shown],
    current: &[Shown],
    d: Disposition,
    reason: &str,
) -> Result<(), Refusal> {
    may_act(state, owners, who, Role::Editor)?;
    if shown.is_empty() {
        return Err(Refusal::invalid("c", "error.std.bulk_none"));
    }
    if shown.iter().any(|s| !current.iter().any(|c| c.seq == s.seq)) {
        return Err(Refusal::NotFound);
    }
    if state != StandardState::PublicComment {
        return Err(Refusal::NotInState);
    }
    let mut stale: Vec<i32> = shown
        .iter()
        .filter(|s| current.iter().any(|c| c.seq == s.seq && c.version != s.version))
        .map(|s| s.seq)
        .collect();
    if !stale.is_empty() {
        stale.sort_unstable();
        return Err(Refusal::StaleComments(stale));
    }
    if d.needs_reason() && reason.trim().is_empty() {
        return Err(Refusal::invalid("reason", "error.std.reason_required"));
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

    const OURS: i64 = 1;
    const OWNERS: Owners = Owners { proposing: OURS, lead: OURS };
    const EDITOR: Person = Person { role: Role::Editor, org_id: OURS };
    const TEXT: &str = "## 1 范围\n\n正文。\n\n## 2 要求\n\n### 2.1 细则\n\n正文。\n";

    fn open_period(today: NaiveDate) -> CommentPeriod {
        CommentPeriod {
            window: CommentWindow { starts_on: today, ends_on: today + chrono::Duration::days(29) },
            closed_at: None,
        }
    }

    fn comment_facts(today: NaiveDate) -> CommentFacts<'static> {
        CommentFacts {
            owners: OWNERS,
            period: Some(open_period(today)),
            today,
            version_n: 1,
            version_text: Some(TEXT),
            clause_ref: "2.1",
            throttled_until: None,
        }
    }

    #[test]
    fn periods_run_until_their_last_day_or_until_closed() {
        let today = d("2026-03-10");
        let p = open_period(d("2026-03-01"));
        assert!(p.is_open(today) && p.running(today));
        assert_eq!(p.days_open(today), 10);
        assert_eq!(p.days_open(d("2026-02-20")), 0, "not started yet");
        assert!(!p.is_open(d("2026-02-28")) && p.running(d("2026-02-28")), "not started: not open, not ended");
        assert!(!p.running(d("2026-04-01")), "its last day has passed");
        let closed = CommentPeriod { closed_at: Some(d("2026-03-05").and_hms_opt(2, 0, 0).unwrap()), ..p };
        assert!(!closed.is_open(today) && !closed.running(today));
    }

    /// Every state, every kind of viewer, and each fact that refuses a comment.
    #[test]
    fn comments_only_while_the_period_is_open_on_existing_clauses() {
        let today = d("2026-03-10");
        let ok = comment_facts(today);
        for state in StandardState::ALL {
            for viewer in [None, Some(EDITOR), Some(Person { role: Role::Filer, org_id: 9 })] {
                let got = may_comment(state, viewer, &ok);
                let expected = if !state.is_public() && viewer != Some(EDITOR) {
                    Err(Refusal::NotFound)
                } else if state != StandardState::PublicComment {
                    Err(Refusal::Closed(ok.period))
                } else {
                    Ok(())
                };
                assert_eq!(got, expected, "{state:?} {viewer:?}");
            }
        }
        let pc = StandardState::PublicComment;
        let check = |f: CommentFacts| may_comment(pc, None, &f);
        let ended = CommentPeriod { closed_at: Some(today.and_hms_opt(1, 0, 0).unwrap()), ..open_period(today) };
        assert_eq!(
            check(CommentFacts { period: Some(ended), ..comment_facts(today) }),
            Err(Refusal::Closed(Some(ended)))
        );
        assert_eq!(check(CommentFacts { period: None, ..comment_facts(today) }), Err(Refusal::Closed(None)));
        let later = open_period(today + chrono::Duration::days(1));
        assert_eq!(
            check(CommentFacts { period: Some(later), ..comment_facts(today) }),
            Err(Refusal::Closed(Some(later)))
        );
        assert_eq!(
            check(CommentFacts { version_text: None, ..comment_facts(today) }),
            Err(Refusal::invalid("version_n", "error.std.version_choose"))
        );
        assert_eq!(
            check(CommentFacts { clause_ref: "2.1、9.9", ..comment_facts(today) }),
            Err(Refusal::UnknownClause {
                version_n: 1,
                unknown: vec!["9.9".into()],
                existing: vec!["1".into(), "2".into(), "2.1".into()]
            })
        );
        assert_eq!(check(CommentFacts { clause_ref: "", ..comment_facts(today) }), Ok(()), "a general comment");
        let until = today.and_hms_opt(3, 0, 0).unwrap();
        assert_eq!(
            check(CommentFacts { throttled_until: Some(until), ..comment_facts(today) }),
            Err(Refusal::Throttled(until))
        );
    }

    #[test]
    fn dispositions_only_in_public_comment_on_comments_as_shown() {
        let shown = [Shown { seq: 1, version: 0 }, Shown { seq: 2, version: 3 }];
        let current = shown;
        let pc = StandardState::PublicComment;
        for state in StandardState::ALL {
            for d in Disposition::ALL {
                let got = may_dispose(state, EDITOR, OWNERS, &shown, &current, d, "理由");
                if state == pc {
                    assert_eq!(got, Ok(()), "{state:?} {d:?}");
                } else {
                    assert_eq!(got, Err(Refusal::NotInState), "{state:?} {d:?}");
                }
            }
        }
        let dispose = |who, shown: &[Shown], current: &[Shown], d, reason| {
            may_dispose(pc, who, OWNERS, shown, current, d, reason)
        };
        // Who: the standard's editors and admins.
        let other = Person { role: Role::Editor, org_id: 2 };
        assert_eq!(dispose(other, &shown, &current, Disposition::Noted, ""), Err(Refusal::Forbidden));
        let reviewer = Person { role: Role::Reviewer, org_id: OURS };
        assert_eq!(dispose(reviewer, &shown, &current, Disposition::Noted, ""), Err(Refusal::Forbidden));
        let admin = Person { role: Role::Admin, org_id: 7 };
        assert_eq!(dispose(admin, &shown, &current, Disposition::Noted, ""), Ok(()));
        // What: at least one comment, every one existing, none changed since shown.
        assert_eq!(
            dispose(EDITOR, &[], &current, Disposition::Noted, ""),
            Err(Refusal::invalid("c", "error.std.bulk_none"))
        );
        assert_eq!(dispose(EDITOR, &shown, &current[..1], Disposition::Noted, ""), Err(Refusal::NotFound));
        let moved = [Shown { seq: 1, version: 1 }, Shown { seq: 2, version: 3 }];
        assert_eq!(dispose(EDITOR, &shown, &moved, Disposition::Noted, ""), Err(Refusal::StaleComments(vec![1])));
        // How: not accepted needs a reason; the others do not.
        assert_eq!(
            dispose(EDITOR, &shown, &current, Disposition::NotAccepted, "  "),
            Err(Refusal::invalid("reason", "error.std.reason_required"))
        );
        for d in [Disposition::Accepted, Disposition::PartlyAccepted, Disposition::Noted] {
            assert_eq!(dispose(EDITOR, &shown, &current, d, ""), Ok(()), "{d:?} needs no reason");
        }
    }
}
