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

/// Why a subset is refused: the catalog key, and the commitment it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubsetError {
    NothingSubscribed,
    NothingLeftOut,
    Reason { commitment_id: i64, key: &'static str },
    UnknownCommitment,
}

impl Subscription {
    /// A subset of `commitments` (all ids of the pledge): `excluded` gives the
    /// ids left out with the stated reason (each required).
    pub fn subset(commitments: &[i64], excluded: &[(i64, &str)]) -> Result<Subscription, Vec<SubsetError>> {
        let mut errors = Vec::new();
        let mut out = Vec::new();
        for (id, r) in excluded {
            if !commitments.contains(id) {
                errors.push(SubsetError::UnknownCommitment);
                continue;
            }
            if out.iter().any(|e: &Exclusion| e.commitment_id == *id) {
                continue;
            }
            match text::bounded(r, true, REASON_MAX) {
                Ok(reason) => out.push(Exclusion { commitment_id: *id, reason }),
                Err(key) => errors.push(SubsetError::Reason {
                    commitment_id: *id,
                    key: if key == "error.required" { "error.exclusion.reason_required" } else { key },
                }),
            }
        }
        let left_out = excluded.iter().filter(|(id, _)| commitments.contains(id)).map(|(id, _)| *id);
        let left_out: std::collections::HashSet<i64> = left_out.collect();
        if left_out.is_empty() {
            errors.push(SubsetError::NothingLeftOut);
        } else if left_out.len() >= commitments.len() {
            errors.push(SubsetError::NothingSubscribed);
        }
        if errors.is_empty() {
            Ok(Subscription::Except(out))
        } else {
            Err(errors)
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

/// A commitment's number: digits separated by dots, e.g. `1`, `2.3`.
pub fn commitment_number(input: &str) -> Result<String, &'static str> {
    let s = input.trim();
    let ok = !s.is_empty()
        && s.len() <= 12
        && s.split('.').all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(s.to_owned())
    } else {
        Err("error.commitment.number")
    }
}

/// One commitment as typed in the pledge form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentDraft {
    pub number: String,
    pub area_zh: String,
    pub area_en: String,
    pub text_zh: String,
    pub text_en: String,
}

/// Parse the commitments textarea: one commitment a line,
/// `number | area (zh) | area (en) | text (zh) | text (en)`. Blank lines are
/// skipped. Errors name the line (1-based) and a catalog key.
pub fn parse_commitments(input: &str) -> Result<Vec<CommitmentDraft>, Vec<(usize, &'static str)>> {
    let mut out: Vec<CommitmentDraft> = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        if parts.len() != 5 {
            errors.push((n, "error.commitment.columns"));
            continue;
        }
        let number = match commitment_number(parts[0]) {
            Ok(v) => v,
            Err(k) => {
                errors.push((n, k));
                continue;
            }
        };
        if out.iter().any(|c| c.number == number) {
            errors.push((n, "error.commitment.duplicate"));
            continue;
        }
        let fields: Result<Vec<String>, &'static str> =
            [(parts[1], 100), (parts[2], 200), (parts[3], 2000), (parts[4], 4000)]
                .iter()
                .map(|(v, max)| text::bounded(v, true, *max))
                .collect();
        match fields {
            Ok(f) => out.push(CommitmentDraft {
                number,
                area_zh: f[0].clone(),
                area_en: f[1].clone(),
                text_zh: f[2].clone(),
                text_en: f[3].clone(),
            }),
            Err(k) => errors.push((n, if k == "error.required" { "error.commitment.empty_part" } else { k })),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push((0, "error.commitment.none"));
    }
    if out.len() > 200 {
        errors.push((0, "error.commitment.too_many"));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The textarea form of commitments (what [`parse_commitments`] reads).
pub fn format_commitments(items: &[CommitmentDraft]) -> String {
    items
        .iter()
        .map(|c| format!("{} | {} | {} | {} | {}", c.number, c.area_zh, c.area_en, c.text_zh, c.text_en))
        .collect::<Vec<_>>()
        .join("\n")
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
    fn subsets_need_a_reason_for_each_commitment_left_out() {
        let all = [1, 2, 3];
        assert_eq!(
            Subscription::subset(&all, &[(2, "不经营直播业务")]),
            Ok(Subscription::Except(vec![Exclusion { commitment_id: 2, reason: "不经营直播业务".into() }]))
        );
        assert_eq!(
            Subscription::subset(&all, &[(2, ""), (3, "x")]),
            Err(vec![SubsetError::Reason { commitment_id: 2, key: "error.exclusion.reason_required" }])
        );
        assert_eq!(Subscription::subset(&all, &[]), Err(vec![SubsetError::NothingLeftOut]));
        assert_eq!(
            Subscription::subset(&all, &[(1, "a"), (2, "b"), (3, "c")]),
            Err(vec![SubsetError::NothingSubscribed])
        );
        assert_eq!(Subscription::subset(&all, &[(9, "a"), (1, "b")]), Err(vec![SubsetError::UnknownCommitment]));
        assert!(Subscription::All.is_all() && Subscription::All.exclusions().is_empty());
    }

    #[test]
    fn commitment_lines() {
        let ok = parse_commitments(
            "1.1 | 落实平台责任 | Platform responsibility | 核验主播资质 | Verify hosts\n\n2 | 消费者 | Consumers | 及时处理投诉 | Handle complaints",
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].number, "1.1");
        assert_eq!(ok[1].text_en, "Handle complaints");
        assert_eq!(parse_commitments(&format_commitments(&ok)), Ok(ok));
        let bad = parse_commitments(
            "1.1 | a | b | c\nx.1 | a | b | c | d\n1 | a | | c | d\n1 | a | b | c | d\n1 | a | b | c | d",
        )
        .unwrap_err();
        assert_eq!(
            bad,
            vec![
                (1, "error.commitment.columns"),
                (2, "error.commitment.number"),
                (3, "error.commitment.empty_part"),
                (5, "error.commitment.duplicate"),
            ]
        );
        assert_eq!(parse_commitments("  \n"), Err(vec![(0, "error.commitment.none")]));
        for n in ["1", "1.2", "10.12.3"] {
            assert!(commitment_number(n).is_ok(), "{n}");
        }
        for n in ["", "a", "1.", ".1", "1..2", "1,2", "1234"] {
            assert!(commitment_number(n).is_err(), "{n}");
        }
    }
}
