//! The lifecycle: actions, who takes them, where they lead, and the technical review.

use chrono::NaiveDate;

use super::{may_act, visible_to, CommentPeriod, CommentWindow, Owners, Person, Refusal, StandardKind, StandardState};
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
    /// Editor: end the comment period before its last day (no comments taken after).
    CloseComment,
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
    pub const ALL: [StandardAction; 13] = [
        StandardAction::Approve,
        StandardAction::Reject,
        StandardAction::StartDrafting,
        StandardAction::OpenComment,
        StandardAction::CloseComment,
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
            StandardAction::CloseComment => "close_comment",
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

/// The outcome of closing a technical review, decided by [`review_passes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewOutcome {
    Passed,
    Failed,
}

/// What the lifecycle needs to know besides the standard's state and who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub kind: StandardKind,
    pub owners: Owners,
    /// Today in Beijing.
    pub today: NaiveDate,
    pub implementation_date: Option<NaiveDate>,
    /// The form was shown at another version of the standard.
    pub stale: bool,
    /// At least one version of the text was uploaded.
    pub has_version: bool,
    /// A released version (报批稿 or 发布稿) with text.
    pub has_released_text: bool,
    /// Number, release and implementation dates are recorded.
    pub publication_recorded: bool,
    /// Comments without a disposition, by number.
    pub undisposed: Vec<i32>,
    /// The latest comment period.
    pub period: Option<CommentPeriod>,
    /// The outcome of the positions cast in this review round (None: nobody voted).
    pub review: Option<ReviewOutcome>,
    /// A reason or opinion was written.
    pub note_given: bool,
    /// Opening public comment: the first and last day as typed.
    pub window: Option<(String, String)>,
}

impl Facts {
    /// The facts about a standard that every action needs; the others as if
    /// nothing were there yet (what a page needs to offer the actions).
    pub fn about(
        kind: StandardKind,
        owners: Owners,
        implementation_date: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Facts {
        Facts {
            kind,
            owners,
            today,
            implementation_date,
            stale: false,
            has_version: false,
            has_released_text: false,
            publication_recorded: false,
            undisposed: Vec::new(),
            period: None,
            review: None,
            note_given: false,
            window: None,
        }
    }

    /// Its implementation date has come: it is in force.
    pub fn in_force(&self) -> bool {
        self.implementation_date.is_some_and(|d| self.today >= d)
    }
}

/// What else a move writes besides the new state, the event and the audit row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    None,
    /// A comment period with these days begins.
    OpenPeriod(CommentWindow),
    /// The running comment period is closed; leaving for technical review
    /// starts the next review round.
    ClosePeriod {
        next_round: bool,
    },
    /// Withdrawn on this day.
    Withdraw(NaiveDate),
    /// The standard it replaces is superseded.
    SupersedeReplaced,
    /// A revision project replacing it is proposed.
    StartRevision,
}

/// Where a permitted action leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub to: StandardState,
    /// Closing a review: how it went.
    pub review: Option<ReviewOutcome>,
    pub effect: Effect,
}

/// Where `action` leads from `state` in the table of the lifecycle (a review
/// passing; where a failed one leads is decided by `transition`).
fn next(state: StandardState, action: StandardAction) -> Option<StandardState> {
    use StandardAction as A;
    use StandardState as S;
    Some(match (state, action) {
        (S::Proposed, A::Approve) => S::Approved,
        (S::Proposed, A::Reject) => S::Rejected,
        (S::Approved, A::StartDrafting) => S::Drafting,
        (S::Drafting, A::OpenComment) => S::PublicComment,
        (S::PublicComment, A::CloseComment) => S::PublicComment,
        (S::PublicComment, A::SubmitForReview) => S::TechnicalReview,
        (S::PublicComment | S::SubmittedForApproval, A::ReturnToDrafting) => S::Drafting,
        (S::TechnicalReview, A::CloseReview) => S::SubmittedForApproval,
        (S::SubmittedForApproval, A::Publish) => S::Published,
        (S::Published, A::ConfirmReview) => S::Published,
        (S::Published, A::StartRevision) => S::Revising,
        (S::Published | S::Revising, A::Withdraw) => S::Withdrawn,
        (S::Published | S::Revising, A::Supersede) => S::Superseded,
        _ => return None,
    })
}

/// Whether `actor` may take `action` on this standard at all: it sees the
/// standard, has the action's role, and editors act for their own
/// association. `actor` None is the registry itself, which only supersedes.
fn authorized(
    state: StandardState,
    action: StandardAction,
    actor: Option<Person>,
    owners: Owners,
) -> Result<(), Refusal> {
    match (action.actor(), actor) {
        (None, None) => Ok(()),
        (Some(role), Some(who)) => may_act(state, owners, who, role),
        (None, Some(who)) if visible_to(state, owners.proposing, owners.lead, Some(who)) => Err(Refusal::Forbidden),
        (None, Some(_)) => Err(Refusal::NotFound),
        (Some(_), None) => Err(Refusal::Forbidden),
    }
}

/// Whether the action is there for `actor` on a page now: who may take it,
/// in this state, periodic review only for standards in force, ending the
/// comment period only while it runs. The other conditions (comments
/// disposed, dates…) are told when it is taken.
pub fn offered(
    state: StandardState,
    action: StandardAction,
    actor: Option<Person>,
    facts: &Facts,
) -> Result<StandardState, Refusal> {
    authorized(state, action, actor, facts.owners)?;
    let to = next(state, action).ok_or(Refusal::NotInState)?;
    if action.is_periodic_review() && !facts.in_force() {
        return Err(Refusal::NotInForce);
    }
    if action == StandardAction::CloseComment && !facts.period.is_some_and(|p| p.running(facts.today)) {
        return Err(Refusal::Unmet("error.std.period_already_ended"));
    }
    Ok(to)
}

/// The lifecycle: where `action` by `actor` leads from `state`, given the
/// `facts`, with every precondition checked here, in this order: who (404,
/// 403), the state (and periodic review only in force), the form as shown
/// (stale), then what the action needs — the input first.
pub fn transition(
    state: StandardState,
    action: StandardAction,
    actor: Option<Person>,
    facts: &Facts,
) -> Result<Move, Refusal> {
    use StandardAction as A;
    use StandardState as S;
    let to = offered(state, action, actor, facts)?;
    if facts.stale {
        return Err(Refusal::Stale);
    }
    if action.needs_note() && !facts.note_given {
        return Err(Refusal::invalid("note", "error.std.note_required"));
    }
    let moved = |effect| Ok(Move { to, review: None, effect });
    let running = facts.period.is_some_and(|p| p.running(facts.today));
    match action {
        A::OpenComment => {
            let Some((starts, ends)) = &facts.window else {
                return Err(Refusal::invalid("starts_on", "error.required"));
            };
            let window = CommentWindow::new(facts.kind, starts, ends, facts.today).map_err(Refusal::Invalid)?;
            if !facts.has_version {
                return Err(Refusal::Unmet("error.std.no_version"));
            }
            moved(Effect::OpenPeriod(window))
        }
        A::CloseComment => match facts.period {
            Some(p) if p.running(facts.today) => {
                if p.days_open(facts.today) < facts.kind.min_comment_days() {
                    return Err(Refusal::Unmet(match facts.kind {
                        StandardKind::Local => "error.std.close_too_early_local",
                        StandardKind::Group => "error.std.close_too_early",
                    }));
                }
                moved(Effect::ClosePeriod { next_round: false })
            }
            _ => Err(Refusal::Unmet("error.std.period_already_ended")),
        },
        A::SubmitForReview | A::ReturnToDrafting if state == S::PublicComment && !facts.undisposed.is_empty() => {
            Err(Refusal::Undisposed(facts.undisposed.clone()))
        }
        A::SubmitForReview if running => Err(Refusal::Unmet("error.std.period_not_ended")),
        A::SubmitForReview => moved(Effect::ClosePeriod { next_round: true }),
        A::ReturnToDrafting if state == S::PublicComment => moved(Effect::ClosePeriod { next_round: false }),
        A::CloseReview => match facts.review {
            None => Err(Refusal::Unmet("error.std.no_positions")),
            Some(r @ ReviewOutcome::Passed) => {
                Ok(Move { to: S::SubmittedForApproval, review: Some(r), effect: Effect::None })
            }
            Some(r @ ReviewOutcome::Failed) => Ok(Move { to: S::Drafting, review: Some(r), effect: Effect::None }),
        },
        A::Publish if !facts.publication_recorded => Err(Refusal::Unmet("error.std.publication_missing")),
        A::Publish if !facts.has_released_text => Err(Refusal::Unmet("error.std.no_released_text")),
        A::Publish => moved(Effect::SupersedeReplaced),
        A::Withdraw => moved(Effect::Withdraw(facts.today)),
        A::StartRevision => moved(Effect::StartRevision),
        _ => moved(Effect::None),
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
#[path = "lifecycle_tests.rs"]
mod tests;
