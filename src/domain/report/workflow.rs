//! The one workflow of a report. Every move — save, submit, accept, return —
//! is decided by [`transition`] from the report's state, who acts and the
//! [`Facts`] read after the report's row is locked; opening a report by
//! [`open`]; reading one by [`visibility`]. Pure: no I/O.
//!
//! ```text
//! draft ──save──▶ draft ──submit──▶ submitted ──accept──▶ accepted
//!   ▲                                   │
//!   └──────save── returned ◀──return────┘      (returned ──submit──▶ submitted)
//! ```

use super::{save_problems, submit_problems, EntryDraft, Problem, ReportAction, ReportState};
use crate::domain::Role;

/// Who acts (or looks): the signed-in user's role and organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Who {
    pub role: Role,
    pub org_id: i64,
}

/// What a move depends on besides the state, read after the report's row is
/// locked (facts read before the lock may be stale).
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The organization that files the report.
    pub organization_id: i64,
    /// The report's version now.
    pub version: i32,
    /// The version the actor's form was built from.
    pub seen: i32,
    /// Filing for the period has opened (start of its opening day, Beijing time).
    pub filing_open: bool,
    /// Save and submit: the entries as the report will hold them (what the
    /// form carries over what is stored).
    pub entries: &'a [EntryDraft],
    /// Return: the reviewer wrote an overall comment or one on an entry.
    pub commented: bool,
}

/// What a move comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Saved as a draft (a returned report becomes a draft again).
    Saved,
    /// Saved and submitted; the submission is kept as a revision.
    Submitted,
    /// Submission was asked for but the report is incomplete: saved as a
    /// draft, every problem listed.
    Incomplete(Vec<Problem>),
    Accepted,
    Returned,
}

impl Outcome {
    /// The state the report is in afterwards.
    pub fn state(&self) -> ReportState {
        match self {
            Outcome::Saved | Outcome::Incomplete(_) => ReportState::Draft,
            Outcome::Submitted => ReportState::Submitted,
            Outcome::Accepted => ReportState::Accepted,
            Outcome::Returned => ReportState::Returned,
        }
    }
}

/// Why a move (or opening a report) does not happen. Nothing is changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The actor may not see the report (another organization's report, a
    /// draft to a reviewer): as if it did not exist.
    Hidden,
    /// The actor sees the report but the move is not theirs to make.
    WrongRole,
    /// Opening: the organization is not a verified signatory of the pledge.
    NotSigned,
    /// Filing for the period has not opened yet.
    NotOpen,
    /// The filer's move, but the report left the filer's hands meanwhile
    /// (submitted from another tab or by a colleague, or decided): its state now.
    NotEditable(ReportState),
    /// The reviewer's move, but the report is no longer awaiting review
    /// (another reviewer decided it): its state now.
    NotPending(ReportState),
    /// The report changed since the form was shown (another tab saved).
    Stale,
    /// What even a draft cannot hold (a status outside the list, text too long).
    Invalid(Vec<Problem>),
    /// A return needs an overall comment or one on an entry.
    NoReturnComment,
}

/// Decide a move of a report in `state`, every precondition inside, in this
/// order: who may act (and see the report), the state, the version the actor
/// saw, the period, then what the move carries.
pub fn transition(state: ReportState, action: ReportAction, who: Who, f: &Facts) -> Result<Outcome, Refusal> {
    use ReportAction as A;
    use ReportState as S;
    let admin = who.role == Role::Admin;
    match action.actor() {
        Role::Filer => {
            // The filing organization's own users (and admins) only; to
            // anyone else the report's form does not exist.
            if !admin && who.org_id != f.organization_id {
                return Err(Refusal::Hidden);
            }
            if !who.role.allows(Role::Filer) {
                return Err(Refusal::WrongRole);
            }
        }
        _ => {
            if !who.role.allows(Role::Reviewer) {
                return Err(Refusal::WrongRole);
            }
            // A draft is the filer's alone.
            if state == S::Draft && !admin {
                return Err(Refusal::Hidden);
            }
        }
    }
    match (state, action) {
        (S::Draft | S::Returned, A::Save | A::Submit) | (S::Submitted, A::Accept | A::Return) => {}
        (_, A::Save | A::Submit) => return Err(Refusal::NotEditable(state)),
        (_, A::Accept | A::Return) => return Err(Refusal::NotPending(state)),
    }
    if f.version != f.seen {
        return Err(Refusal::Stale);
    }
    match action {
        A::Save | A::Submit => {
            if !f.filing_open {
                return Err(Refusal::NotOpen);
            }
            let invalid = save_problems(f.entries);
            if !invalid.is_empty() {
                return Err(Refusal::Invalid(invalid));
            }
            if action == A::Save {
                return Ok(Outcome::Saved);
            }
            let missing = submit_problems(f.entries);
            Ok(if missing.is_empty() { Outcome::Submitted } else { Outcome::Incomplete(missing) })
        }
        A::Accept => Ok(Outcome::Accepted),
        A::Return if f.commented => Ok(Outcome::Returned),
        A::Return => Err(Refusal::NoReturnComment),
    }
}

/// What opening an organization's report for a period depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFacts {
    /// The organization's report for the period, if one was opened before.
    pub existing: Option<i64>,
    /// Filing for the period has opened.
    pub filing_open: bool,
    /// The organization is a verified signatory of the period's pledge.
    pub signed: bool,
}

/// What opening comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// The report opened before (a second click finds the first one's report).
    Existing(i64),
    /// A new draft, one entry per subscribed commitment.
    New,
}

/// Whether `who` may open its organization's report for a period.
pub fn open(who: Who, f: &OpenFacts) -> Result<Opening, Refusal> {
    if !who.role.allows(Role::Filer) {
        return Err(Refusal::WrongRole);
    }
    if let Some(id) = f.existing {
        return Ok(Opening::Existing(id));
    }
    if !f.filing_open {
        return Err(Refusal::NotOpen);
    }
    if !f.signed {
        return Err(Refusal::NotSigned);
    }
    Ok(Opening::New)
}

/// How much of a report a viewer may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// An accepted report, as the public sees it (no review comments, no revisions).
    Public,
    /// The filing organization's own users.
    Own,
    /// Reviewers, the issuing association's editors (once submitted), admins.
    Staff,
}

/// Who may read a report: a draft (and its evidence) only the filing
/// organization and admins; submitted and returned reports also reviewers
/// and the editors of the association that issued the pledge; accepted
/// reports everyone. `None`: not visible (answer as if it did not exist).
pub fn visibility(viewer: Option<Who>, report_org: i64, issuer_org: i64, state: ReportState) -> Option<Access> {
    match viewer {
        Some(Who { role: Role::Admin, .. }) => Some(Access::Staff),
        Some(w) if w.org_id == report_org => Some(Access::Own),
        Some(Who { role: Role::Reviewer, .. }) if state != ReportState::Draft => Some(Access::Staff),
        Some(Who { role: Role::Editor, org_id }) if org_id == issuer_org && state != ReportState::Draft => {
            Some(Access::Staff)
        }
        _ if state == ReportState::Accepted => Some(Access::Public),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::EntryField;
    use ReportAction as A;
    use ReportState as S;

    const PLATFORM: i64 = 10;
    const OTHER: i64 = 11;

    fn complete() -> Vec<EntryDraft> {
        vec![EntryDraft {
            entry_id: 1,
            commitment_number: "1".into(),
            status: "implemented".into(),
            measures: "已建立台账".into(),
            ..EntryDraft::default()
        }]
    }

    fn facts(entries: &[EntryDraft]) -> Facts<'_> {
        Facts { organization_id: PLATFORM, version: 3, seen: 3, filing_open: true, entries, commented: true }
    }

    /// The lifecycle as a table: (from, action, to).
    const MOVES: [(S, A, S); 6] = [
        (S::Draft, A::Save, S::Draft),
        (S::Returned, A::Save, S::Draft),
        (S::Draft, A::Submit, S::Submitted),
        (S::Returned, A::Submit, S::Submitted),
        (S::Submitted, A::Accept, S::Accepted),
        (S::Submitted, A::Return, S::Returned),
    ];

    /// Every state × action × role × organization, with facts that allow the move.
    #[test]
    fn every_state_action_role_and_organization() {
        let entries = complete();
        let f = facts(&entries);
        for state in S::ALL {
            for action in A::ALL {
                for role in Role::ALL {
                    for org in [PLATFORM, OTHER] {
                        let who = Who { role, org_id: org };
                        let got = transition(state, action, who, &f);
                        let filer_move = matches!(action, A::Save | A::Submit);
                        let expected = if filer_move && role != Role::Admin && org != PLATFORM {
                            Err(Refusal::Hidden)
                        } else if !role.allows(action.actor()) {
                            Err(Refusal::WrongRole)
                        } else if !filer_move && state == S::Draft && role != Role::Admin {
                            Err(Refusal::Hidden)
                        } else {
                            match MOVES.iter().find(|(s, a, _)| *s == state && *a == action) {
                                Some((_, _, to)) => Ok(*to),
                                None if filer_move => Err(Refusal::NotEditable(state)),
                                None => Err(Refusal::NotPending(state)),
                            }
                        };
                        assert_eq!(got.map(|o| o.state()), expected, "{state:?} {action:?} {role:?} org {org}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_form_built_from_another_version_changes_nothing() {
        let entries = complete();
        let who = Who { role: Role::Filer, org_id: PLATFORM };
        let reviewer = Who { role: Role::Reviewer, org_id: 40 };
        for (state, action, _) in MOVES {
            let by = if action.actor() == Role::Filer { who } else { reviewer };
            for seen in [2, 4] {
                let f = Facts { seen, ..facts(&entries) };
                assert_eq!(transition(state, action, by, &f), Err(Refusal::Stale), "{state:?} {action:?} seen {seen}");
            }
        }
        // A move the state no longer allows says so, whatever the version:
        // the other tab submitted, the other reviewer decided.
        let f = Facts { seen: 2, ..facts(&entries) };
        assert_eq!(transition(S::Submitted, A::Save, who, &f), Err(Refusal::NotEditable(S::Submitted)));
        assert_eq!(transition(S::Accepted, A::Return, reviewer, &f), Err(Refusal::NotPending(S::Accepted)));
    }

    #[test]
    fn filing_needs_the_period_open() {
        let entries = complete();
        let who = Who { role: Role::Filer, org_id: PLATFORM };
        let closed = Facts { filing_open: false, ..facts(&entries) };
        for state in [S::Draft, S::Returned] {
            for action in [A::Save, A::Submit] {
                assert_eq!(transition(state, action, who, &closed), Err(Refusal::NotOpen));
            }
        }
        // Reviewers decide whatever the dates.
        let reviewer = Who { role: Role::Reviewer, org_id: 40 };
        assert_eq!(transition(S::Submitted, A::Accept, reviewer, &closed), Ok(Outcome::Accepted));
    }

    #[test]
    fn submission_checks_completeness_and_saves_an_incomplete_report_as_a_draft() {
        let who = Who { role: Role::Filer, org_id: PLATFORM };
        let mut entries = complete();
        entries[0].measures = " ".into();
        let Ok(Outcome::Incomplete(p)) = transition(S::Draft, A::Submit, who, &facts(&entries)) else {
            panic!("incomplete")
        };
        assert_eq!(p.iter().map(|p| (p.entry, p.field)).collect::<Vec<_>>(), [(1, EntryField::Measures)]);
        assert_eq!(Outcome::Incomplete(p).state(), S::Draft);
        // The same content saves as a draft.
        assert_eq!(transition(S::Draft, A::Save, who, &facts(&entries)), Ok(Outcome::Saved));
        // Something even a draft cannot hold is refused for both.
        entries[0].status = "done".into();
        for action in [A::Save, A::Submit] {
            let Err(Refusal::Invalid(p)) = transition(S::Returned, action, who, &facts(&entries)) else {
                panic!("invalid")
            };
            assert_eq!(p[0].field, EntryField::Status);
        }
        assert_eq!(transition(S::Draft, A::Submit, who, &facts(&complete())), Ok(Outcome::Submitted));
    }

    #[test]
    fn a_return_needs_a_comment_an_acceptance_does_not() {
        let reviewer = Who { role: Role::Reviewer, org_id: 40 };
        let silent = Facts { commented: false, ..facts(&[]) };
        assert_eq!(transition(S::Submitted, A::Return, reviewer, &silent), Err(Refusal::NoReturnComment));
        assert_eq!(transition(S::Submitted, A::Accept, reviewer, &silent), Ok(Outcome::Accepted));
        assert_eq!(transition(S::Submitted, A::Return, reviewer, &facts(&[])), Ok(Outcome::Returned));
    }

    #[test]
    fn opening_a_report() {
        let yes = OpenFacts { existing: None, filing_open: true, signed: true };
        for role in Role::ALL {
            let got = open(Who { role, org_id: PLATFORM }, &yes);
            let expected = if role.allows(Role::Filer) { Ok(Opening::New) } else { Err(Refusal::WrongRole) };
            assert_eq!(got, expected, "{role:?}");
        }
        let filer = Who { role: Role::Filer, org_id: PLATFORM };
        let with = |existing, filing_open, signed| open(filer, &OpenFacts { existing, filing_open, signed });
        assert_eq!(with(None, false, true), Err(Refusal::NotOpen));
        assert_eq!(with(None, true, false), Err(Refusal::NotSigned));
        assert_eq!(with(None, false, false), Err(Refusal::NotOpen));
        // A second click finds the report the first one opened.
        for (filing_open, signed) in [(true, true), (true, false), (false, true)] {
            assert_eq!(with(Some(7), filing_open, signed), Ok(Opening::Existing(7)));
        }
        let reviewer = Who { role: Role::Reviewer, org_id: PLATFORM };
        assert_eq!(open(reviewer, &OpenFacts { existing: Some(7), ..yes }), Err(Refusal::WrongRole));
    }

    #[test]
    fn who_sees_which_report() {
        let (assoc, other_assoc, regulator) = (20, 30, 40);
        let w = |role, org_id| Some(Who { role, org_id });
        let filer = w(Role::Filer, PLATFORM);
        let other_filer = w(Role::Filer, OTHER);
        let editor = w(Role::Editor, assoc);
        let other_editor = w(Role::Editor, other_assoc);
        let reviewer = w(Role::Reviewer, regulator);
        let admin = w(Role::Admin, regulator);
        let see = |v: Option<Who>, s| visibility(v, PLATFORM, assoc, s);
        for s in S::ALL {
            assert_eq!(see(filer, s), Some(Access::Own), "{s:?}");
            assert_eq!(see(admin, s), Some(Access::Staff), "{s:?}");
        }
        for v in [None, other_filer, editor, other_editor, reviewer] {
            assert_eq!(see(v, S::Draft), None, "a draft is the filer's alone: {v:?}");
        }
        for s in [S::Submitted, S::Returned] {
            assert_eq!(see(reviewer, s), Some(Access::Staff));
            assert_eq!(see(editor, s), Some(Access::Staff), "the issuing association");
            assert_eq!(see(other_editor, s), None, "another association");
            assert_eq!(see(other_filer, s), None);
            assert_eq!(see(None, s), None);
        }
        assert_eq!(see(None, S::Accepted), Some(Access::Public));
        assert_eq!(see(other_filer, S::Accepted), Some(Access::Public));
        assert_eq!(see(other_editor, S::Accepted), Some(Access::Public));
        assert_eq!(see(editor, S::Accepted), Some(Access::Staff));
    }
}
