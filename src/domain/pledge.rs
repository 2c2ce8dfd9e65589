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

/// A column of the commitments table of the pledge form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommitmentField {
    Number,
    AreaZh,
    AreaEn,
    TextZh,
    TextEn,
}

impl CommitmentField {
    pub const ALL: [CommitmentField; 5] = [
        CommitmentField::Number,
        CommitmentField::AreaZh,
        CommitmentField::AreaEn,
        CommitmentField::TextZh,
        CommitmentField::TextEn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommitmentField::Number => "number",
            CommitmentField::AreaZh => "area_zh",
            CommitmentField::AreaEn => "area_en",
            CommitmentField::TextZh => "text_zh",
            CommitmentField::TextEn => "text_en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        CommitmentField::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The catalog key of the column's label.
    pub fn label_key(self) -> &'static str {
        match self {
            CommitmentField::Number => "commitment.number",
            CommitmentField::AreaZh => "commitment.area_zh",
            CommitmentField::AreaEn => "commitment.area_en",
            CommitmentField::TextZh => "commitment.text_zh",
            CommitmentField::TextEn => "commitment.text_en",
        }
    }

    /// Longest value, in characters.
    pub fn max(self) -> usize {
        match self {
            CommitmentField::Number => 12,
            CommitmentField::AreaZh => 100,
            CommitmentField::AreaEn => 200,
            CommitmentField::TextZh => 2000,
            CommitmentField::TextEn => 4000,
        }
    }
}

/// Most commitments a pledge may have.
pub const COMMITMENTS_MAX: usize = 200;

/// One row of the commitments table as typed (a blank row is skipped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitmentRow {
    pub number: String,
    pub area_zh: String,
    pub area_en: String,
    pub text_zh: String,
    pub text_en: String,
}

impl CommitmentRow {
    pub fn get(&self, f: CommitmentField) -> &str {
        match f {
            CommitmentField::Number => &self.number,
            CommitmentField::AreaZh => &self.area_zh,
            CommitmentField::AreaEn => &self.area_en,
            CommitmentField::TextZh => &self.text_zh,
            CommitmentField::TextEn => &self.text_en,
        }
    }

    pub fn set(&mut self, f: CommitmentField, v: &str) {
        let slot = match f {
            CommitmentField::Number => &mut self.number,
            CommitmentField::AreaZh => &mut self.area_zh,
            CommitmentField::AreaEn => &mut self.area_en,
            CommitmentField::TextZh => &mut self.text_zh,
            CommitmentField::TextEn => &mut self.text_en,
        };
        *slot = v.to_owned();
    }

    pub fn is_blank(&self) -> bool {
        CommitmentField::ALL.iter().all(|f| self.get(*f).trim().is_empty())
    }
}

impl From<&CommitmentDraft> for CommitmentRow {
    fn from(c: &CommitmentDraft) -> Self {
        CommitmentRow {
            number: c.number.clone(),
            area_zh: c.area_zh.clone(),
            area_en: c.area_en.clone(),
            text_zh: c.text_zh.clone(),
            text_en: c.text_en.clone(),
        }
    }
}

/// What is wrong with one cell of the commitments table: the row (0-based,
/// as typed, blank rows counted), the column and the catalog key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub field: CommitmentField,
    pub key: &'static str,
}

/// Check the commitments table: blank rows are skipped; in every other row
/// the number is dotted digits, unique, and every column is filled. At least
/// one commitment, at most [`COMMITMENTS_MAX`].
pub fn parse_commitment_rows(rows: &[CommitmentRow]) -> Result<Vec<CommitmentDraft>, Vec<RowError>> {
    let mut out: Vec<CommitmentDraft> = Vec::new();
    let mut numbers: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    let mut filled = 0;
    for (i, row) in rows.iter().enumerate() {
        if row.is_blank() {
            continue;
        }
        filled += 1;
        if filled == COMMITMENTS_MAX + 1 {
            errors.push(RowError { row: i, field: CommitmentField::Number, key: "error.commitment.too_many" });
        }
        let mut cells: Vec<String> = Vec::new();
        for f in CommitmentField::ALL {
            let checked = match f {
                CommitmentField::Number => commitment_number(row.get(f)).map_err(|k| {
                    if row.get(f).trim().is_empty() {
                        "error.required"
                    } else {
                        k
                    }
                }),
                _ => text::bounded(row.get(f), true, f.max()),
            };
            match checked {
                Ok(v) => cells.push(v),
                Err(key) => errors.push(RowError { row: i, field: f, key }),
            }
        }
        if let Ok(n) = commitment_number(&row.number) {
            if numbers.contains(&n) {
                errors.push(RowError { row: i, field: CommitmentField::Number, key: "error.commitment.duplicate" });
                continue;
            }
            numbers.push(n);
        }
        if let Ok([number, area_zh, area_en, text_zh, text_en]) = <[String; 5]>::try_from(cells) {
            out.push(CommitmentDraft { number, area_zh, area_en, text_zh, text_en });
        }
    }
    if filled == 0 {
        errors.push(RowError { row: 0, field: CommitmentField::Number, key: "error.commitment.none" });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Commitments written one a line, `number | area (zh) | area (en) | text (zh)
/// | text (en)`: how the demo and generated data spell them. Blank lines are
/// skipped; a line without five parts is refused with its (1-based) number.
pub fn parse_commitments(input: &str) -> Result<Vec<CommitmentDraft>, Vec<(usize, &'static str)>> {
    let mut rows = Vec::new();
    for (i, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let [number, area_zh, area_en, text_zh, text_en] = parts[..] else {
            return Err(vec![(i + 1, "error.commitment.columns")]);
        };
        rows.push(CommitmentRow {
            number: number.into(),
            area_zh: area_zh.into(),
            area_en: area_en.into(),
            text_zh: text_zh.into(),
            text_en: text_en.into(),
        });
    }
    parse_commitment_rows(&rows).map_err(|e| e.into_iter().map(|e| (e.row + 1, e.key)).collect())
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

    fn row(n: &str, az: &str, ae: &str, tz: &str, te: &str) -> CommitmentRow {
        CommitmentRow {
            number: n.into(),
            area_zh: az.into(),
            area_en: ae.into(),
            text_zh: tz.into(),
            text_en: te.into(),
        }
    }

    #[test]
    fn commitment_rows() {
        let blank = CommitmentRow::default();
        let ok = parse_commitment_rows(&[
            row(" 1.1 ", "落实平台责任", "Platform responsibility", "核验主播资质", "Verify hosts"),
            blank.clone(),
            row("2", "消费者", "Consumers", "及时处理投诉", "Handle complaints"),
            blank.clone(),
        ])
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].number, "1.1");
        assert_eq!(ok[1].text_en, "Handle complaints");
        let back: Vec<CommitmentRow> = ok.iter().map(CommitmentRow::from).collect();
        assert_eq!(parse_commitment_rows(&back), Ok(ok));

        let bad = parse_commitment_rows(&[
            row("1.1", "a", "b", "c", "d"),
            row("x.1", "a", "b", "c", "d"),
            row("2", "a", "", "c", "d"),
            row("", "a", "b", "c", "d"),
            blank.clone(),
            row("1.1", "a", "b", "c", "d"),
        ])
        .unwrap_err();
        let e = |row, field, key| RowError { row, field, key };
        use CommitmentField as F;
        assert_eq!(
            bad,
            vec![
                e(1, F::Number, "error.commitment.number"),
                e(2, F::AreaEn, "error.required"),
                e(3, F::Number, "error.required"),
                e(5, F::Number, "error.commitment.duplicate"),
            ]
        );
        assert_eq!(parse_commitment_rows(&[blank.clone(), blank]), Err(vec![e(0, F::Number, "error.commitment.none")]));
        let many: Vec<CommitmentRow> =
            (1..=COMMITMENTS_MAX + 1).map(|i| row(&i.to_string(), "a", "b", "c", "d")).collect();
        assert_eq!(parse_commitment_rows(&many), Err(vec![e(COMMITMENTS_MAX, F::Number, "error.commitment.too_many")]));
        for f in F::ALL {
            assert_eq!(F::parse(f.as_str()), Some(f));
        }
    }

    #[test]
    fn commitment_lines_for_demo_data() {
        let ok = parse_commitments("1.1 | 落实平台责任 | Platform responsibility | 核验主播资质 | Verify hosts\n\n2 | 消费者 | Consumers | 及时处理投诉 | Handle complaints").unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(parse_commitments("1 | a | b | c\n"), Err(vec![(1, "error.commitment.columns")]));
        assert_eq!(
            parse_commitments("1 | a | b | c | d\n1 | a | b | c | d"),
            Err(vec![(2, "error.commitment.duplicate")])
        );
        for n in ["1", "1.2", "10.12.3"] {
            assert!(commitment_number(n).is_ok(), "{n}");
        }
        for n in ["", "a", "1.", ".1", "1..2", "1,2", "1234"] {
            assert!(commitment_number(n).is_err(), "{n}");
        }
    }
}
