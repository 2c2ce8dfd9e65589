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
}

impl TransitionError {
    pub fn message_key(self) -> &'static str {
        match self {
            TransitionError::NotAllowedInState => "error.std.transition",
            TransitionError::WrongRole => "error.403",
        }
    }
}

/// The outcome of closing a technical review, decided by [`review_passes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewOutcome {
    Passed,
    Failed,
}

/// The lifecycle: where `action` by `role` leads from `state`. `role` is None
/// for the system itself (superseding on publication of a replacement).
/// `review` is the outcome of the technical review when closing it.
pub fn transition(
    state: StandardState,
    action: StandardAction,
    role: Option<Role>,
    review: Option<ReviewOutcome>,
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
        (S::TechnicalReview, A::CloseReview) => match review {
            Some(ReviewOutcome::Passed) => S::SubmittedForApproval,
            _ => S::Drafting,
        },
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
    Ok(next)
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
        let mut legal = 0;
        for s in S::ALL {
            for a in A::ALL {
                let role = a.actor();
                let got = transition(s, a, role, Some(ReviewOutcome::Passed));
                match expected(s, a) {
                    Some(next) => {
                        legal += 1;
                        assert_eq!(got, Ok(next), "{s:?} {a:?}");
                        // Admins may act for editors and reviewers, never for the system.
                        if role.is_some() {
                            assert_eq!(transition(s, a, Some(Role::Admin), Some(ReviewOutcome::Passed)), Ok(next));
                        }
                        for other in [Role::Editor, Role::Reviewer, Role::Filer] {
                            if Some(other) != role {
                                assert_eq!(
                                    transition(s, a, Some(other), Some(ReviewOutcome::Passed)),
                                    Err(TransitionError::WrongRole),
                                    "{s:?} {a:?} by {other:?}"
                                );
                            }
                        }
                    }
                    None => {
                        assert_eq!(got, Err(TransitionError::NotAllowedInState), "{s:?} {a:?}");
                        for r in Role::ALL {
                            assert_eq!(transition(s, a, Some(r), None), Err(TransitionError::NotAllowedInState));
                        }
                    }
                }
            }
        }
        assert_eq!(legal, 15);
    }

    #[test]
    fn failed_review_returns_to_drafting() {
        assert_eq!(
            transition(S::TechnicalReview, A::CloseReview, Some(Role::Editor), Some(ReviewOutcome::Failed)),
            Ok(S::Drafting)
        );
        assert_eq!(transition(S::TechnicalReview, A::CloseReview, Some(Role::Editor), None), Ok(S::Drafting));
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
