//! The lifecycle: actions, who takes them, where they lead, and the technical review.

use super::StandardState;
use crate::domain::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StandardAction {
    /// Reviewer: approve the proposal (立项).
    Approve,
    /// Reviewer: reject the proposal.
    Reject,
    /// Editor: start drafting an approved project.
    StartDrafting,
    /// Editor: open a comment period on the current draft.
    OpenComment,
    /// Editor: submit for technical review (leaves public comment).
    SubmitForReview,
    /// Editor: take the draft back for more drafting (leaves public comment / approval).
    ReturnToDrafting,
    /// Editor: close the technical review; it passes or returns to drafting.
    CloseReview,
    /// Reviewer: approve publication (the number and dates must be recorded).
    Publish,
    /// Editor: periodic review (复审) confirms the standard.
    ConfirmReview,
    /// Editor: periodic review decides to revise (a new project is linked).
    StartRevision,
    /// Editor: withdraw (废止).
    Withdraw,
    /// System: a newer standard replacing this one was published.
    Supersede,
}

impl StandardAction {
    pub const ALL: [StandardAction; 12] = [
        StandardAction::Approve,
        StandardAction::Reject,
        StandardAction::StartDrafting,
        StandardAction::OpenComment,
        StandardAction::SubmitForReview,
        StandardAction::ReturnToDrafting,
        StandardAction::CloseReview,
        StandardAction::Publish,
        StandardAction::ConfirmReview,
        StandardAction::StartRevision,
        StandardAction::Withdraw,
        StandardAction::Supersede,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StandardAction::Approve => "approve",
            StandardAction::Reject => "reject",
            StandardAction::StartDrafting => "start_drafting",
            StandardAction::OpenComment => "open_comment",
            StandardAction::SubmitForReview => "submit_for_review",
            StandardAction::ReturnToDrafting => "return_to_drafting",
            StandardAction::CloseReview => "close_review",
            StandardAction::Publish => "publish",
            StandardAction::ConfirmReview => "confirm_review",
            StandardAction::StartRevision => "start_revision",
            StandardAction::Withdraw => "withdraw",
            StandardAction::Supersede => "supersede",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the action needs a written note (an opinion or a reason).
    pub fn needs_note(self) -> bool {
        matches!(self, StandardAction::Reject | StandardAction::ReturnToDrafting | StandardAction::Withdraw)
    }

    /// The periodic review's decisions (复审), taken on a standard in force.
    pub fn is_periodic_review(self) -> bool {
        matches!(self, StandardAction::ConfirmReview | StandardAction::StartRevision | StandardAction::Withdraw)
    }

    /// Which role acts (admins may act for any role).
    pub fn actor(self) -> Option<Role> {
        match self {
            StandardAction::Approve | StandardAction::Reject | StandardAction::Publish => Some(Role::Reviewer),
            StandardAction::Supersede => None,
            _ => Some(Role::Editor),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionError {
    /// The action does not apply in this state (stale page or tampering).
    NotAllowedInState,
    /// The role may not take this action.
    WrongRole,
    /// Periodic review (复审) is for standards in force, not before their implementation date.
    NotInForce,
}

impl TransitionError {
    pub fn message_key(self) -> &'static str {
        match self {
            TransitionError::NotAllowedInState => "error.std.transition",
            TransitionError::WrongRole => "error.403",
            TransitionError::NotInForce => "error.std.not_in_force",
        }
    }
}

/// The outcome of closing a technical review, decided by [`review_passes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewOutcome {
    Passed,
    Failed,
}

/// What the lifecycle needs to know about a standard besides its state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Its implementation date has come (Beijing time): it is in force.
    pub in_force: bool,
    /// At least one version of the text was uploaded.
    pub has_version: bool,
    /// A released version (报批稿 or 发布稿) with text.
    pub has_released_text: bool,
    /// Number, release and implementation dates are recorded.
    pub publication_recorded: bool,
    /// Comments without a disposition, by number.
    pub undisposed: Vec<i32>,
    /// The comment period is still running (it has not ended, nor been closed).
    pub period_running: bool,
    /// The outcome of the positions cast in this review round (None: nobody voted).
    pub review: Option<ReviewOutcome>,
    /// A reason or opinion was written.
    pub note_given: bool,
    /// Opening public comment: a valid period was given.
    pub window_given: bool,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not in this state, not by this role, not before the standard is in force.
    Transition(TransitionError),
    /// A precondition the user can meet: the field it belongs to and the catalog key.
    Missing(&'static str, &'static str),
    /// Public comment cannot end while these comments have no disposition.
    Undisposed(Vec<i32>),
}

/// Whether `role` may take `action` on a standard in `state` at all — what a
/// page offers. The system (`role` None) only supersedes. Periodic review is
/// offered only for standards in force.
pub fn offered(
    state: StandardState,
    action: StandardAction,
    role: Option<Role>,
    in_force: bool,
) -> Result<StandardState, TransitionError> {
    use StandardAction as A;
    use StandardState as S;
    let next = match (state, action) {
        (S::Proposed, A::Approve) => S::Approved,
        (S::Proposed, A::Reject) => S::Rejected,
        (S::Approved, A::StartDrafting) => S::Drafting,
        (S::Drafting, A::OpenComment) => S::PublicComment,
        (S::PublicComment, A::SubmitForReview) => S::TechnicalReview,
        (S::PublicComment | S::SubmittedForApproval, A::ReturnToDrafting) => S::Drafting,
        // Where a review leads depends on its outcome (see `transition`).
        (S::TechnicalReview, A::CloseReview) => S::SubmittedForApproval,
        (S::SubmittedForApproval, A::Publish) => S::Published,
        (S::Published, A::ConfirmReview) => S::Published,
        (S::Published, A::StartRevision) => S::Revising,
        (S::Published | S::Revising, A::Withdraw) => S::Withdrawn,
        (S::Published | S::Revising, A::Supersede) => S::Superseded,
        _ => return Err(TransitionError::NotAllowedInState),
    };
    let allowed = match (action.actor(), role) {
        (None, None) => true,
        (None, Some(_)) | (Some(_), None) => false,
        (Some(needed), Some(r)) => r.allows(needed),
    };
    if !allowed {
        return Err(TransitionError::WrongRole);
    }
    if action.is_periodic_review() && !in_force {
        return Err(TransitionError::NotInForce);
    }
    Ok(next)
}

/// The lifecycle: where `action` by `role` leads from `state`, given the
/// `facts`, with every precondition checked here. `role` is None for the
/// system itself (superseding on publication of a replacement).
pub fn transition(
    state: StandardState,
    action: StandardAction,
    role: Option<Role>,
    facts: &Facts,
) -> Result<StandardState, Refusal> {
    use StandardAction as A;
    use StandardState as S;
    let next = offered(state, action, role, facts.in_force).map_err(Refusal::Transition)?;
    if action.needs_note() && !facts.note_given {
        return Err(Refusal::Missing("note", "error.std.note_required"));
    }
    match action {
        A::OpenComment if !facts.has_version => Err(Refusal::Missing("starts_on", "error.std.no_version")),
        A::OpenComment if !facts.window_given => Err(Refusal::Missing("starts_on", "error.required")),
        A::SubmitForReview | A::ReturnToDrafting if state == S::PublicComment && !facts.undisposed.is_empty() => {
            Err(Refusal::Undisposed(facts.undisposed.clone()))
        }
        A::SubmitForReview if facts.period_running => Err(Refusal::Missing("note", "error.std.period_not_ended")),
        A::CloseReview => match facts.review {
            None => Err(Refusal::Missing("note", "error.std.no_positions")),
            Some(ReviewOutcome::Passed) => Ok(S::SubmittedForApproval),
            Some(ReviewOutcome::Failed) => Ok(S::Drafting),
        },
        A::Publish if !facts.publication_recorded => Err(Refusal::Missing("note", "error.std.publication_missing")),
        A::Publish if !facts.has_released_text => Err(Refusal::Missing("note", "error.std.no_released_text")),
        _ => Ok(next),
    }
}

/// A technical review passes when at least three quarters of the positions
/// cast approve (with or without changes). No positions: it cannot pass.
pub fn review_passes(approvals: usize, total: usize) -> ReviewOutcome {
    if total > 0 && approvals * 4 >= total * 3 {
        ReviewOutcome::Passed
    } else {
        ReviewOutcome::Failed
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewPosition {
    Approve,
    ApproveWithChanges,
    Disapprove,
}

impl ReviewPosition {
    pub const ALL: [ReviewPosition; 3] =
        [ReviewPosition::Approve, ReviewPosition::ApproveWithChanges, ReviewPosition::Disapprove];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewPosition::Approve => "approve",
            ReviewPosition::ApproveWithChanges => "approve_with_changes",
            ReviewPosition::Disapprove => "disapprove",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or("error.std.position")
    }

    pub fn approves(self) -> bool {
        self != ReviewPosition::Disapprove
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StandardAction as A;
    use StandardState as S;

    /// Every precondition met, the review passing.
    fn all_met() -> Facts {
        Facts {
            in_force: true,
            has_version: true,
            has_released_text: true,
            publication_recorded: true,
            undisposed: vec![],
            period_running: false,
            review: Some(ReviewOutcome::Passed),
            note_given: true,
            window_given: true,
        }
    }

    /// The whole table: every (state, action) pair, with the role that may act.
    #[test]
    fn transition_table_for_every_state_and_action() {
        let expected = |s: S, a: A| -> Option<S> {
            Some(match (s, a) {
                (S::Proposed, A::Approve) => S::Approved,
                (S::Proposed, A::Reject) => S::Rejected,
                (S::Approved, A::StartDrafting) => S::Drafting,
                (S::Drafting, A::OpenComment) => S::PublicComment,
                (S::PublicComment, A::SubmitForReview) => S::TechnicalReview,
                (S::PublicComment, A::ReturnToDrafting) => S::Drafting,
                (S::SubmittedForApproval, A::ReturnToDrafting) => S::Drafting,
                (S::TechnicalReview, A::CloseReview) => S::SubmittedForApproval,
                (S::SubmittedForApproval, A::Publish) => S::Published,
                (S::Published, A::ConfirmReview) => S::Published,
                (S::Published, A::StartRevision) => S::Revising,
                (S::Published, A::Withdraw) | (S::Revising, A::Withdraw) => S::Withdrawn,
                (S::Published, A::Supersede) | (S::Revising, A::Supersede) => S::Superseded,
                _ => return None,
            })
        };
        let facts = all_met();
        let mut legal = 0;
        for s in S::ALL {
            for a in A::ALL {
                let role = a.actor();
                let got = transition(s, a, role, &facts);
                match expected(s, a) {
                    Some(next) => {
                        legal += 1;
                        assert_eq!(got, Ok(next), "{s:?} {a:?}");
                        assert_eq!(offered(s, a, role, true), Ok(next), "{s:?} {a:?} is offered");
                        // Admins may act for editors and reviewers, never for the system.
                        if role.is_some() {
                            assert_eq!(transition(s, a, Some(Role::Admin), &facts), Ok(next));
                        }
                        for other in [Role::Editor, Role::Reviewer, Role::Filer] {
                            if Some(other) != role {
                                assert_eq!(
                                    transition(s, a, Some(other), &facts),
                                    Err(Refusal::Transition(TransitionError::WrongRole)),
                                    "{s:?} {a:?} by {other:?}"
                                );
                                assert!(offered(s, a, Some(other), true).is_err(), "not offered to {other:?}");
                            }
                        }
                    }
                    None => {
                        let no = Err(Refusal::Transition(TransitionError::NotAllowedInState));
                        assert_eq!(got, no, "{s:?} {a:?}");
                        for r in Role::ALL {
                            assert_eq!(transition(s, a, Some(r), &Facts::default()), no);
                            assert_eq!(offered(s, a, Some(r), true), Err(TransitionError::NotAllowedInState));
                        }
                    }
                }
            }
        }
        assert_eq!(legal, 15);
    }

    #[test]
    fn periodic_review_only_for_standards_in_force() {
        let upcoming = Facts { in_force: false, ..all_met() };
        for a in [A::ConfirmReview, A::StartRevision, A::Withdraw] {
            assert_eq!(offered(S::Published, a, Some(Role::Editor), false), Err(TransitionError::NotInForce));
            assert_eq!(
                transition(S::Published, a, Some(Role::Editor), &upcoming),
                Err(Refusal::Transition(TransitionError::NotInForce)),
                "{a:?} before the implementation date"
            );
            assert!(offered(S::Published, a, Some(Role::Editor), true).is_ok());
        }
        // Superseding does not wait for the old standard's implementation date.
        assert_eq!(transition(S::Published, A::Supersede, None, &upcoming), Ok(S::Superseded));
    }

    #[test]
    fn preconditions_are_refused_with_the_field_and_message() {
        let ed = Some(Role::Editor);
        let f = |change: &dyn Fn(&mut Facts)| {
            let mut f = all_met();
            change(&mut f);
            f
        };
        assert_eq!(
            transition(S::Drafting, A::OpenComment, ed, &f(&|f| f.has_version = false)),
            Err(Refusal::Missing("starts_on", "error.std.no_version"))
        );
        assert_eq!(
            transition(S::Drafting, A::OpenComment, ed, &f(&|f| f.window_given = false)),
            Err(Refusal::Missing("starts_on", "error.required"))
        );
        for a in [A::SubmitForReview, A::ReturnToDrafting] {
            assert_eq!(
                transition(S::PublicComment, a, ed, &f(&|f| f.undisposed = vec![3, 5])),
                Err(Refusal::Undisposed(vec![3, 5])),
                "{a:?}"
            );
        }
        assert_eq!(
            transition(S::PublicComment, A::SubmitForReview, ed, &f(&|f| f.period_running = true)),
            Err(Refusal::Missing("note", "error.std.period_not_ended"))
        );
        // Returning to drafting may end a running period (with a reason).
        assert_eq!(
            transition(S::PublicComment, A::ReturnToDrafting, ed, &f(&|f| f.period_running = true)),
            Ok(S::Drafting)
        );
        for a in [A::Reject, A::ReturnToDrafting, A::Withdraw] {
            let state = match a {
                A::Reject => S::Proposed,
                A::ReturnToDrafting => S::SubmittedForApproval,
                _ => S::Published,
            };
            assert_eq!(
                transition(state, a, a.actor(), &f(&|f| f.note_given = false)),
                Err(Refusal::Missing("note", "error.std.note_required")),
                "{a:?}"
            );
        }
        let rv = Some(Role::Reviewer);
        assert_eq!(
            transition(S::SubmittedForApproval, A::Publish, rv, &f(&|f| f.publication_recorded = false)),
            Err(Refusal::Missing("note", "error.std.publication_missing"))
        );
        assert_eq!(
            transition(S::SubmittedForApproval, A::Publish, rv, &f(&|f| f.has_released_text = false)),
            Err(Refusal::Missing("note", "error.std.no_released_text")),
            "published only with its text"
        );
    }

    #[test]
    fn closing_the_review_follows_the_votes() {
        let ed = Some(Role::Editor);
        let failed = Facts { review: Some(ReviewOutcome::Failed), ..all_met() };
        assert_eq!(transition(S::TechnicalReview, A::CloseReview, ed, &failed), Ok(S::Drafting));
        let none = Facts { review: None, ..all_met() };
        assert_eq!(
            transition(S::TechnicalReview, A::CloseReview, ed, &none),
            Err(Refusal::Missing("note", "error.std.no_positions"))
        );
    }

    #[test]
    fn three_quarters_rule() {
        assert_eq!(review_passes(3, 4), ReviewOutcome::Passed);
        assert_eq!(review_passes(2, 3), ReviewOutcome::Failed);
        assert_eq!(review_passes(5, 7), ReviewOutcome::Failed);
        assert_eq!(review_passes(6, 8), ReviewOutcome::Passed);
        assert_eq!(review_passes(1, 1), ReviewOutcome::Passed);
        assert_eq!(review_passes(0, 0), ReviewOutcome::Failed);
        assert_eq!(review_passes(0, 2), ReviewOutcome::Failed);
    }
}
