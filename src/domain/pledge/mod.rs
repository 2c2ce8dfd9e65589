//! Pledges (conventions and initiatives) and signatures: their kinds and
//! states, and the two workflows as pure decisions (`workflow`) with every
//! precondition inside.
//!
//! ```text
//! pledge:     (new) → draft → open → closed
//! signature:  (none) → applied → verified | declined
//!             verified → withdrawn | suspended;  suspended → verified (reinstated)
//! ```

use std::fmt;

use super::{text, Role};

mod commitments;
mod subset;
mod workflow;

pub use commitments::*;
pub use subset::*;
pub use workflow::*;

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
    /// Create a pledge (in draft).
    Create,
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
    pub const ALL: [PledgeAction; 4] =
        [PledgeAction::Create, PledgeAction::Edit, PledgeAction::Open, PledgeAction::Close];

    pub fn as_str(self) -> &'static str {
        match self {
            PledgeAction::Create => "create",
            PledgeAction::Edit => "edit",
            PledgeAction::Open => "open",
            PledgeAction::Close => "close",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        PledgeAction::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or("error.action.invalid")
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
}
