//! Pledges (conventions and initiatives) and signatures: their kinds, states
//! and the two workflows as pure transition functions.
//!
//! ```text
//! pledge:     draft → open → closed
//! signature:  (none) → applied → verified | declined
//!             verified → withdrawn | suspended;  suspended → verified (reinstated)
//! ```

use std::fmt;

use super::{text, Role};

mod commitments;

pub use commitments::*;

/// Why a move is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionError {
    /// The role may never make this move (403).
    Forbidden,
    /// The move does not apply to the current state (409).
    Illegal,
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransitionError::Forbidden => f.write_str("not allowed for this role"),
            TransitionError::Illegal => f.write_str("not possible in this state"),
        }
    }
}

// ---------------------------------------------------------------- pledge kind

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PledgeKind {
    Convention,
    Initiative,
}

impl PledgeKind {
    pub const ALL: [PledgeKind; 2] = [PledgeKind::Convention, PledgeKind::Initiative];

    pub fn as_str(self) -> &'static str {
        match self {
            PledgeKind::Convention => "convention",
            PledgeKind::Initiative => "initiative",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        PledgeKind::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or("error.pledge_kind.invalid")
    }

    pub fn label_key(self) -> &'static str {
        match self {
            PledgeKind::Convention => "pledge_kind.convention",
            PledgeKind::Initiative => "pledge_kind.initiative",
        }
    }
}

// ---------------------------------------------------------------- pledge state

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PledgeState {
    Draft,
    Open,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PledgeAction {
    /// Change the text, titles or commitments.
    Edit,
    /// Open for signing.
    Open,
    /// Close: no new applications; existing signatures stand.
    Close,
}

impl PledgeState {
    pub const ALL: [PledgeState; 3] = [PledgeState::Draft, PledgeState::Open, PledgeState::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            PledgeState::Draft => "draft",
            PledgeState::Open => "open",
            PledgeState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        PledgeState::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or("error.pledge_state.invalid")
    }

    pub fn label_key(self) -> &'static str {
        match self {
            PledgeState::Draft => "pledge_state.draft",
            PledgeState::Open => "pledge_state.open",
            PledgeState::Closed => "pledge_state.closed",
        }
    }

    /// Whether the public may see the pledge.
    pub fn is_public(self) -> bool {
        self != PledgeState::Draft
    }
}

impl PledgeAction {
    pub const ALL: [PledgeAction; 3] = [PledgeAction::Edit, PledgeAction::Open, PledgeAction::Close];

    pub fn as_str(self) -> &'static str {
        match self {
            PledgeAction::Edit => "edit",
            PledgeAction::Open => "open",
            PledgeAction::Close => "close",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        PledgeAction::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or("error.action.invalid")
    }
}

/// The pledge's state after `action` by a user with `role`. Only editors
/// (of the issuing association, checked by the caller) and admins run pledges.
pub fn pledge_transition(state: PledgeState, action: PledgeAction, role: Role) -> Result<PledgeState, TransitionError> {
    if !role.allows(Role::Editor) {
        return Err(TransitionError::Forbidden);
    }
    match (state, action) {
        (PledgeState::Draft, PledgeAction::Edit) => Ok(PledgeState::Draft),
        (PledgeState::Draft, PledgeAction::Open) => Ok(PledgeState::Open),
        (PledgeState::Open, PledgeAction::Close) => Ok(PledgeState::Closed),
        _ => Err(TransitionError::Illegal),
    }
}

// ---------------------------------------------------------------- signatures

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureState {
    Applied,
    Verified,
    Declined,
    Withdrawn,
    Suspended,
}

impl SignatureState {
    pub const ALL: [SignatureState; 5] = [
        SignatureState::Applied,
        SignatureState::Verified,
        SignatureState::Declined,
        SignatureState::Withdrawn,
        SignatureState::Suspended,
    ];

    /// States listed on the public pages (never applied or declined).
    pub const PUBLIC: [SignatureState; 3] =
        [SignatureState::Verified, SignatureState::Suspended, SignatureState::Withdrawn];

    /// States that count as the organization's one live application or signature.
    pub const LIVE: [SignatureState; 3] =
        [SignatureState::Applied, SignatureState::Verified, SignatureState::Suspended];

    pub fn as_str(self) -> &'static str {
        match self {
            SignatureState::Applied => "applied",
            SignatureState::Verified => "verified",
            SignatureState::Declined => "declined",
            SignatureState::Withdrawn => "withdrawn",
            SignatureState::Suspended => "suspended",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        SignatureState::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or("error.signature_state.invalid")
    }

    pub fn label_key(self) -> &'static str {
        match self {
            SignatureState::Applied => "signature_state.applied",
            SignatureState::Verified => "signature_state.verified",
            SignatureState::Declined => "signature_state.declined",
            SignatureState::Withdrawn => "signature_state.withdrawn",
            SignatureState::Suspended => "signature_state.suspended",
        }
    }

    pub fn is_public(self) -> bool {
        SignatureState::PUBLIC.contains(&self)
    }

    pub fn is_live(self) -> bool {
        SignatureState::LIVE.contains(&self)
    }
}

impl fmt::Display for SignatureState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAction {
    Apply,
    Verify,
    Decline,
    Withdraw,
    Suspend,
    Reinstate,
}

impl SignatureAction {
    pub const ALL: [SignatureAction; 6] = [
        SignatureAction::Apply,
        SignatureAction::Verify,
        SignatureAction::Decline,
        SignatureAction::Withdraw,
        SignatureAction::Suspend,
        SignatureAction::Reinstate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SignatureAction::Apply => "apply",
            SignatureAction::Verify => "verify",
            SignatureAction::Decline => "decline",
            SignatureAction::Withdraw => "withdraw",
            SignatureAction::Suspend => "suspend",
            SignatureAction::Reinstate => "reinstate",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        SignatureAction::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or("error.action.invalid")
    }

    /// Declining, withdrawing and suspending must say why.
    pub fn needs_reason(self) -> bool {
        matches!(self, SignatureAction::Decline | SignatureAction::Withdraw | SignatureAction::Suspend)
    }

    /// Who may make the move: the signatory (a filer of its organization,
    /// checked by the caller) applies and withdraws; the issuing association's
    /// editors decide. Admins may do everything.
    pub fn role(self) -> Role {
        match self {
            SignatureAction::Apply | SignatureAction::Withdraw => Role::Filer,
            _ => Role::Editor,
        }
    }
}

/// Largest reason or note, in characters.
pub const REASON_MAX: usize = 1000;

/// The reason or note for `action`: required for decline, withdraw and suspend.
pub fn reason(action: SignatureAction, input: &str) -> Result<String, &'static str> {
    text::bounded(input, action.needs_reason(), REASON_MAX).map_err(|e| match e {
        "error.required" => "error.reason.required",
        e => e,
    })
}

/// The state after `action` by `role`. `state` is `None` when the organization
/// has no live signature (applying creates one).
pub fn transition(
    state: Option<SignatureState>,
    action: SignatureAction,
    role: Role,
) -> Result<SignatureState, TransitionError> {
    use SignatureAction as A;
    use SignatureState as S;
    if !role.allows(action.role()) {
        return Err(TransitionError::Forbidden);
    }
    match (state, action) {
        (None, A::Apply) => Ok(S::Applied),
        (Some(S::Applied), A::Verify) => Ok(S::Verified),
        (Some(S::Applied), A::Decline) => Ok(S::Declined),
        (Some(S::Verified), A::Withdraw) => Ok(S::Withdrawn),
        (Some(S::Verified), A::Suspend) => Ok(S::Suspended),
        (Some(S::Suspended), A::Reinstate) => Ok(S::Verified),
        _ => Err(TransitionError::Illegal),
    }
}

/// A commitment left out of a subset, with the signatory's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub commitment_id: i64,
    pub reason: String,
}

/// What a signatory subscribes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    All,
    /// Every commitment except these (at least one left out, at least one kept).
    Except(Vec<Exclusion>),
}

/// Why the scope of an application is refused. The scope follows exactly
/// what is ticked; anything that contradicts the ticks is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubsetError {
    /// Nothing is ticked.
    NothingSubscribed,
    /// A commitment left out needs a reason (catalog key: missing or too long).
    Reason { commitment_id: i64, key: &'static str },
    /// A reason was given for a commitment that is ticked.
    ReasonForKept { commitment_id: i64 },
    /// A commitment that is not one of the pledge's (or given twice).
    UnknownCommitment,
    /// A stated scope ("all" or "subset") that disagrees with the ticks.
    ScopeContradiction,
}

impl SubsetError {
    /// The catalog key that explains the refusal.
    pub fn key(&self) -> &'static str {
        match self {
            SubsetError::NothingSubscribed => "error.subset.nothing_subscribed",
            SubsetError::Reason { key, .. } => key,
            SubsetError::ReasonForKept { .. } => "error.subset.reason_for_kept",
            SubsetError::UnknownCommitment => "error.subset.unknown",
            SubsetError::ScopeContradiction => "error.subset.contradiction",
        }
    }
}

impl Subscription {
    /// The subscription exactly as ticked. `commitments` are all ids of the
    /// pledge in order; `kept` the ticked ones; `reasons` every reason field
    /// sent (blank ones included); `scope` a stated scope, if the request
    /// carries one, which must agree with the ticks. Every commitment left
    /// out needs a reason, a ticked one must have none, at least one must be
    /// ticked. All ticked is [`Subscription::All`].
    pub fn from_ticks(
        commitments: &[i64],
        kept: &[i64],
        reasons: &[(i64, &str)],
        scope: Option<&str>,
    ) -> Result<Subscription, Vec<SubsetError>> {
        let mut errors = Vec::new();
        let unknown = kept.iter().chain(reasons.iter().map(|(id, _)| id)).any(|id| !commitments.contains(id));
        let mut seen = std::collections::HashSet::new();
        let repeated = reasons.iter().any(|(id, _)| !seen.insert(*id));
        if unknown || repeated {
            errors.push(SubsetError::UnknownCommitment);
        }
        let reason_of = |id: i64| reasons.iter().find(|(r, _)| *r == id).map(|(_, t)| *t).unwrap_or("");
        let mut out = Vec::new();
        let mut left_out = 0;
        let any_kept = commitments.iter().any(|id| kept.contains(id));
        for id in commitments {
            if kept.contains(id) {
                if !reason_of(*id).trim().is_empty() {
                    errors.push(SubsetError::ReasonForKept { commitment_id: *id });
                }
                continue;
            }
            left_out += 1;
            if !any_kept {
                continue;
            }
            match text::bounded(reason_of(*id), true, REASON_MAX) {
                Ok(reason) => out.push(Exclusion { commitment_id: *id, reason }),
                Err(key) => errors.push(SubsetError::Reason {
                    commitment_id: *id,
                    key: if key == "error.required" { "error.exclusion.reason_required" } else { key },
                }),
            }
        }
        if !any_kept {
            errors.push(SubsetError::NothingSubscribed);
        }
        let agrees = match scope.map(str::trim) {
            None => true,
            Some("all") => left_out == 0,
            Some("subset") => left_out > 0,
            Some(_) => false,
        };
        if !agrees {
            errors.push(SubsetError::ScopeContradiction);
        }
        match (errors.is_empty(), out.is_empty()) {
            (false, _) => Err(errors),
            (true, true) => Ok(Subscription::All),
            (true, false) => Ok(Subscription::Except(out)),
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Subscription::All)
    }

    pub fn exclusions(&self) -> &[Exclusion] {
        match self {
            Subscription::All => &[],
            Subscription::Except(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SignatureAction as A;
    use SignatureState as S;

    #[test]
    fn names_round_trip() {
        for k in PledgeKind::ALL {
            assert_eq!(PledgeKind::parse(k.as_str()), Ok(k));
        }
        for s in PledgeState::ALL {
            assert_eq!(PledgeState::parse(s.as_str()), Ok(s));
        }
        for a in PledgeAction::ALL {
            assert_eq!(PledgeAction::parse(a.as_str()), Ok(a));
        }
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Ok(s));
        }
        for a in A::ALL {
            assert_eq!(A::parse(a.as_str()), Ok(a));
        }
        assert!(PledgeKind::parse("treaty").is_err());
        assert!(S::parse("").is_err());
        assert!(A::parse("delete").is_err());
    }

    /// Every (state, action, role) combination of a signature, against the table of the issue.
    #[test]
    fn signature_transitions_for_every_combination() {
        let states: Vec<Option<S>> = std::iter::once(None).chain(S::ALL.into_iter().map(Some)).collect();
        let mut allowed = 0;
        for state in &states {
            for action in A::ALL {
                for role in Role::ALL {
                    let got = transition(*state, action, role);
                    let may = match action {
                        A::Apply | A::Withdraw => matches!(role, Role::Filer | Role::Admin),
                        _ => matches!(role, Role::Editor | Role::Admin),
                    };
                    let expected_state = match (state, action) {
                        (None, A::Apply) => Some(S::Applied),
                        (Some(S::Applied), A::Verify) => Some(S::Verified),
                        (Some(S::Applied), A::Decline) => Some(S::Declined),
                        (Some(S::Verified), A::Withdraw) => Some(S::Withdrawn),
                        (Some(S::Verified), A::Suspend) => Some(S::Suspended),
                        (Some(S::Suspended), A::Reinstate) => Some(S::Verified),
                        _ => None,
                    };
                    let expected = match (may, expected_state) {
                        (false, _) => Err(TransitionError::Forbidden),
                        (true, None) => Err(TransitionError::Illegal),
                        (true, Some(s)) => Ok(s),
                    };
                    assert_eq!(got, expected, "{state:?} {action:?} {role:?}");
                    if got.is_ok() {
                        allowed += 1;
                    }
                }
            }
        }
        // Six legal moves, each for two roles (the proper one and admin).
        assert_eq!(allowed, 12);
        // Declined and withdrawn are final: nothing moves them.
        for s in [S::Declined, S::Withdrawn] {
            for a in A::ALL {
                assert!(transition(Some(s), a, Role::Admin).is_err());
            }
        }
        // Reviewers take no part in pledges.
        for state in &states {
            for a in A::ALL {
                assert_eq!(transition(*state, a, Role::Reviewer), Err(TransitionError::Forbidden));
            }
        }
    }

    /// Every (state, action, role) combination of a pledge.
    #[test]
    fn pledge_transitions_for_every_combination() {
        use PledgeAction as PA;
        use PledgeState as PS;
        for state in PS::ALL {
            for action in PA::ALL {
                for role in Role::ALL {
                    let got = pledge_transition(state, action, role);
                    let expected = if !matches!(role, Role::Editor | Role::Admin) {
                        Err(TransitionError::Forbidden)
                    } else {
                        match (state, action) {
                            (PS::Draft, PA::Edit) => Ok(PS::Draft),
                            (PS::Draft, PA::Open) => Ok(PS::Open),
                            (PS::Open, PA::Close) => Ok(PS::Closed),
                            _ => Err(TransitionError::Illegal),
                        }
                    };
                    assert_eq!(got, expected, "{state:?} {action:?} {role:?}");
                }
            }
        }
        assert!(!PS::Draft.is_public() && PS::Open.is_public() && PS::Closed.is_public());
    }

    #[test]
    fn public_and_live_states() {
        assert!(!S::Applied.is_public() && !S::Declined.is_public());
        assert!(S::Verified.is_public() && S::Withdrawn.is_public() && S::Suspended.is_public());
        assert!(S::Applied.is_live() && S::Verified.is_live() && S::Suspended.is_live());
        assert!(!S::Declined.is_live() && !S::Withdrawn.is_live());
    }

    #[test]
    fn reasons_required_for_decline_withdraw_suspend() {
        for a in A::ALL {
            let r = reason(a, "  ");
            if matches!(a, A::Decline | A::Withdraw | A::Suspend) {
                assert_eq!(r, Err("error.reason.required"), "{a:?}");
            } else {
                assert_eq!(r, Ok(String::new()), "{a:?}");
            }
            assert_eq!(reason(a, " 业务调整 "), Ok("业务调整".into()));
            assert_eq!(reason(a, &"长".repeat(REASON_MAX + 1)), Err("error.too_long"));
        }
    }

    #[test]
    fn the_scope_follows_exactly_what_is_ticked() {
        let all = [1, 2, 3];
        let none: [(i64, &str); 0] = [];
        // Everything ticked, blank reason fields: all commitments.
        assert_eq!(
            Subscription::from_ticks(&all, &[1, 2, 3], &[(1, ""), (2, " "), (3, "")], None),
            Ok(Subscription::All)
        );
        assert_eq!(Subscription::from_ticks(&all, &[1, 2, 3], &none, Some("all")), Ok(Subscription::All));
        // One unticked with a reason: exactly that one left out.
        assert_eq!(
            Subscription::from_ticks(&all, &[1, 3], &[(1, ""), (2, " 不经营直播业务 "), (3, "")], None),
            Ok(Subscription::Except(vec![Exclusion { commitment_id: 2, reason: "不经营直播业务".into() }]))
        );
        // Unticked without a reason.
        assert_eq!(
            Subscription::from_ticks(&all, &[1, 3], &[(2, "")], None),
            Err(vec![SubsetError::Reason { commitment_id: 2, key: "error.exclusion.reason_required" }])
        );
        assert_eq!(
            Subscription::from_ticks(&all, &[1, 3], &[(2, &"长".repeat(REASON_MAX + 1))], None),
            Err(vec![SubsetError::Reason { commitment_id: 2, key: "error.too_long" }])
        );
        // The issue: "all" stated while one is unticked is a contradiction, not "all".
        assert_eq!(
            Subscription::from_ticks(&all, &[1, 3], &[(2, "理由")], Some("all")),
            Err(vec![SubsetError::ScopeContradiction])
        );
        assert_eq!(
            Subscription::from_ticks(&all, &[1, 2, 3], &none, Some("subset")),
            Err(vec![SubsetError::ScopeContradiction])
        );
        assert_eq!(
            Subscription::from_ticks(&all, &[1, 2, 3], &none, Some("everything")),
            Err(vec![SubsetError::ScopeContradiction])
        );
        // A reason for a ticked commitment.
        assert_eq!(
            Subscription::from_ticks(&all, &[1, 2, 3], &[(3, "理由")], None),
            Err(vec![SubsetError::ReasonForKept { commitment_id: 3 }])
        );
        // Unknown ids, ticked or with a reason, and a reason given twice.
        assert_eq!(
            Subscription::from_ticks(&all, &[1, 2, 3, 9], &none, None),
            Err(vec![SubsetError::UnknownCommitment])
        );
        assert_eq!(
            Subscription::from_ticks(&all, &[1, 2], &[(9, "x"), (3, "y")], None),
            Err(vec![SubsetError::UnknownCommitment])
        );
        assert_eq!(
            Subscription::from_ticks(&all, &[1, 2], &[(3, "y"), (3, "z")], None),
            Err(vec![SubsetError::UnknownCommitment])
        );
        // Nothing ticked.
        assert_eq!(
            Subscription::from_ticks(&all, &[], &[(1, "a"), (2, "b"), (3, "c")], None),
            Err(vec![SubsetError::NothingSubscribed])
        );
        assert!(Subscription::All.is_all() && Subscription::All.exclusions().is_empty());
        for e in [SubsetError::NothingSubscribed, SubsetError::UnknownCommitment, SubsetError::ScopeContradiction] {
            assert!(e.key().starts_with("error."));
        }
    }
}
