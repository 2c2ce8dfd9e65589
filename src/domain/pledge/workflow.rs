//! The two workflows as pure decisions. Each takes the current state, the
//! move asked for, who asks and the facts the database holds (the issuing
//! association, the signatory, the pledge's state, the version now and the
//! one the form was shown at) and says where the record goes or why not.
//! Every precondition is here, so the database layer only locks the row,
//! loads the facts, asks, and writes.
//!
//! The order of the checks is part of the rules: what a user may not see is
//! "not found" before anything else is said about it; then who may act;
//! then whether the move applies to the state; then whether the form is
//! stale; last, the input (a reason, the application's parts).

use super::*;
use crate::domain::OrgKind;

/// Who acts: a signed-in user's role and organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acting {
    pub role: Role,
    pub org: i64,
}

impl Acting {
    /// Runs the pledges `issuer` issues: its editors, and admins.
    pub fn manages(self, issuer: i64) -> bool {
        self.role == Role::Admin || (self.role == Role::Editor && self.org == issuer)
    }
}

/// Whether `who` (`None`: the public) sees a pledge in `state` issued by
/// `issuer`: a draft only those who run it; to anyone else it does not exist.
pub fn sees_pledge(who: Option<Acting>, state: PledgeState, issuer: i64) -> bool {
    state.is_public() || who.is_some_and(|w| w.manages(issuer))
}

/// Whether `who` sees a signature in `state` (of the pledge and signatory
/// `f` names): a public signature of a public pledge anyone; every one the
/// signatory's own users and the pledge's managers.
pub fn sees_signature(who: Option<Acting>, state: SignatureState, f: &SignatureFacts) -> bool {
    (f.pledge.is_public() && state.is_public()) || who.is_some_and(|w| w.manages(f.issuer) || w.org == f.signatory)
}

// ---------------------------------------------------------------- pledges

/// What a pledge's moves depend on besides its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PledgeFacts {
    /// The issuing association (for a new pledge: the one chosen).
    pub issuer: i64,
    /// Its kind, when creating (`None`: no such organization).
    pub issuer_kind: Option<OrgKind>,
    /// The pledge's version now, and the one the form was shown at.
    pub version: i32,
    pub seen: i32,
}

/// Why a pledge's move is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PledgeRefusal {
    /// A draft of someone else's: for them it does not exist.
    NotFound,
    /// Not this user's to do (role, or another association's pledge).
    Forbidden,
    /// A new pledge's issuer is not an association.
    IssuerNotAssociation,
    /// The move does not apply to the pledge's state.
    Illegal(PledgeAction),
    /// The pledge changed since the form was shown.
    Stale,
}

/// The pledge's state after `action` by `who`; `state` is `None` for a
/// pledge not created yet. Editors of the issuing association and admins run
/// pledges; a draft is seen only by them.
pub fn pledge_transition(
    state: Option<PledgeState>,
    action: PledgeAction,
    who: Acting,
    f: &PledgeFacts,
) -> Result<PledgeState, PledgeRefusal> {
    use PledgeAction as A;
    use PledgeState as S;
    if !who.role.allows(Role::Editor) {
        return Err(PledgeRefusal::Forbidden);
    }
    if !who.manages(f.issuer) {
        let seen = state.is_none_or(|s| sees_pledge(Some(who), s, f.issuer));
        return Err(if seen { PledgeRefusal::Forbidden } else { PledgeRefusal::NotFound });
    }
    let to = match (state, action) {
        (None, A::Create) => S::Draft,
        (Some(S::Draft), A::Edit) => S::Draft,
        (Some(S::Draft), A::Open) => S::Open,
        (Some(S::Open), A::Close) => S::Closed,
        _ => return Err(PledgeRefusal::Illegal(action)),
    };
    if action == A::Create && f.issuer_kind != Some(OrgKind::Association) {
        return Err(PledgeRefusal::IssuerNotAssociation);
    }
    if f.version != f.seen {
        return Err(PledgeRefusal::Stale);
    }
    Ok(to)
}

// ---------------------------------------------------------------- signatures

/// What a signature's moves depend on besides its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureFacts {
    /// The pledge's state and its issuing association.
    pub pledge: PledgeState,
    pub issuer: i64,
    /// The signing organization (for an application: the one it is made for).
    pub signatory: i64,
    /// The signature's version now, and the one the form was shown at (both 0
    /// for an application).
    pub version: i32,
    pub seen: i32,
}

/// Why a signature's move (or an application) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureRefusal {
    /// Not visible to this user.
    NotFound,
    /// Visible, but not this user's to do.
    Forbidden,
    /// The pledge takes no applications now.
    NotOpen,
    /// The organization already has a live application or signature.
    Duplicate,
    /// The move does not apply to the signature's state (someone else moved it first).
    Illegal,
    /// The signature changed since the form was shown.
    Stale,
    /// The reason or note of `action` (catalog key: missing or too long).
    Reason(SignatureAction, &'static str),
    /// The application's parts, every problem at once.
    Application(Vec<ApplicationProblem>),
}

/// A move decided: where the signature goes and what is written down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureMove {
    pub from: Option<SignatureState>,
    pub to: SignatureState,
    /// The note of the event (the reason, if the move has one).
    pub note: String,
    /// The reason the signature keeps (declined, withdrawn, suspended); a
    /// note on verifying or reinstating stays in the history only.
    pub reason: String,
    /// Verifying and declining are the decision on the application: its date is kept.
    pub decides: bool,
}

/// Where `state` goes by `action`, if anywhere.
fn next(state: Option<SignatureState>, action: SignatureAction) -> Option<SignatureState> {
    use SignatureAction as A;
    use SignatureState as S;
    match (state, action) {
        (None, A::Apply) => Some(S::Applied),
        (Some(S::Applied), A::Verify) => Some(S::Verified),
        (Some(S::Applied), A::Decline) => Some(S::Declined),
        (Some(S::Verified), A::Withdraw) => Some(S::Withdrawn),
        (Some(S::Verified), A::Suspend) => Some(S::Suspended),
        (Some(S::Suspended), A::Reinstate) => Some(S::Verified),
        _ => None,
    }
}

/// The move `action` by `who` with `note` makes of a signature in `state`.
/// For an application `state` is the organization's live signature, if it
/// has one.
///
/// - An application is made by a filer (or an admin) for **its own**
///   organization, on a pledge open for signing, when the organization has no
///   live signature.
/// - Anyone sees a public signature of a public pledge; the signatory's own
///   users and the pledge's managers see every one. To anyone else it does not
///   exist, except that an editor of another association is told no.
/// - The signatory's filers (and admins) withdraw; the issuing association's
///   editors (and admins) verify, decline, suspend and reinstate.
pub fn signature_transition(
    state: Option<SignatureState>,
    action: SignatureAction,
    who: Acting,
    f: &SignatureFacts,
    note: &str,
) -> Result<SignatureMove, SignatureRefusal> {
    let manages = who.manages(f.issuer);
    if action == SignatureAction::Apply {
        if !who.role.allows(Role::Filer) || who.org != f.signatory {
            return Err(SignatureRefusal::Forbidden);
        }
        if !sees_pledge(Some(who), f.pledge, f.issuer) {
            return Err(SignatureRefusal::NotFound);
        }
        if f.pledge != PledgeState::Open {
            return Err(SignatureRefusal::NotOpen);
        }
        if state.is_some() {
            return Err(SignatureRefusal::Duplicate);
        }
    } else {
        if !state.is_some_and(|s| sees_signature(Some(who), s, f)) {
            return Err(if who.role == Role::Editor {
                SignatureRefusal::Forbidden
            } else {
                SignatureRefusal::NotFound
            });
        }
        let may = match action.role() {
            Role::Filer => who.role == Role::Admin || (who.role == Role::Filer && who.org == f.signatory),
            _ => manages,
        };
        if !may {
            return Err(SignatureRefusal::Forbidden);
        }
    }
    let to = next(state, action).ok_or(SignatureRefusal::Illegal)?;
    if f.version != f.seen {
        return Err(SignatureRefusal::Stale);
    }
    let note = reason(action, note).map_err(|key| SignatureRefusal::Reason(action, key))?;
    Ok(SignatureMove {
        from: state,
        to,
        reason: if action.needs_reason() { note.clone() } else { String::new() },
        note,
        decides: matches!(action, SignatureAction::Verify | SignatureAction::Decline),
    })
}

/// The moves `who` may make on a signature in `state` now (what its page
/// offers; the reason is asked there).
pub fn signature_moves(state: SignatureState, who: Acting, f: &SignatureFacts) -> Vec<SignatureAction> {
    SignatureAction::ALL
        .into_iter()
        .filter(|a| *a != SignatureAction::Apply)
        .filter(|a| {
            matches!(signature_transition(Some(state), *a, who, f, ""), Ok(_) | Err(SignatureRefusal::Reason(..)))
        })
        .collect()
}

/// An application decided: the move (to applied) and the checked application.
/// `live` is the organization's live signature of the pledge, `commitments`
/// the pledge's (id and number, in order).
pub fn decide_application(
    live: Option<SignatureState>,
    who: Acting,
    f: &SignatureFacts,
    input: &ApplicationInput,
    commitments: &[(i64, &str)],
) -> Result<(SignatureMove, Application), SignatureRefusal> {
    let m = signature_transition(live, SignatureAction::Apply, who, f, "")?;
    let a = input.check(commitments).map_err(SignatureRefusal::Application)?;
    Ok((m, a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use PledgeAction as PA;
    use PledgeState as PS;
    use SignatureAction as A;
    use SignatureState as S;

    const ISSUER: i64 = 10;
    const OTHER_ASSOCIATION: i64 = 11;
    const SIGNATORY: i64 = 20;
    const OTHER_PLATFORM: i64 = 21;
    const REGULATOR: i64 = 30;

    /// Users of every role at every organization that matters.
    fn everyone() -> Vec<Acting> {
        let mut out = Vec::new();
        for role in Role::ALL {
            for org in [ISSUER, OTHER_ASSOCIATION, SIGNATORY, OTHER_PLATFORM, REGULATOR] {
                out.push(Acting { role, org });
            }
        }
        out
    }

    fn pledge_facts(version: i32, seen: i32) -> PledgeFacts {
        PledgeFacts { issuer: ISSUER, issuer_kind: Some(OrgKind::Association), version, seen }
    }

    /// Every (state, action, role, organization) of a pledge, and the version.
    #[test]
    fn pledge_moves_for_every_state_action_and_user() {
        let states: Vec<Option<PS>> = std::iter::once(None).chain(PS::ALL.into_iter().map(Some)).collect();
        let mut allowed = 0;
        for state in &states {
            for action in PA::ALL {
                for who in everyone() {
                    let got = pledge_transition(*state, action, who, &pledge_facts(3, 3));
                    let runs = who.role == Role::Admin || (who.role == Role::Editor && who.org == ISSUER);
                    let to = match (state, action) {
                        (None, PA::Create) => Some(PS::Draft),
                        (Some(PS::Draft), PA::Edit) => Some(PS::Draft),
                        (Some(PS::Draft), PA::Open) => Some(PS::Open),
                        (Some(PS::Open), PA::Close) => Some(PS::Closed),
                        _ => None,
                    };
                    let expected = if !matches!(who.role, Role::Editor | Role::Admin) {
                        // Filers and reviewers never run pledges, drafts or not.
                        Err(PledgeRefusal::Forbidden)
                    } else if !runs {
                        // Another association's draft does not exist for its editors.
                        Err(if *state == Some(PS::Draft) { PledgeRefusal::NotFound } else { PledgeRefusal::Forbidden })
                    } else {
                        to.ok_or(PledgeRefusal::Illegal(action))
                    };
                    assert_eq!(got, expected, "{state:?} {action:?} {who:?}");
                    allowed += usize::from(got.is_ok());
                    // A stale form is refused wherever the move would be allowed, and nowhere else.
                    let stale = pledge_transition(*state, action, who, &pledge_facts(4, 3));
                    match expected {
                        Ok(_) => assert_eq!(stale, Err(PledgeRefusal::Stale), "{state:?} {action:?} {who:?}"),
                        Err(e) => assert_eq!(stale, Err(e)),
                    }
                }
            }
        }
        // Four legal moves, each by the issuer's editor and by admins (five organizations).
        assert_eq!(allowed, 4 * (1 + 5));
    }

    #[test]
    fn a_new_pledge_is_issued_by_an_association() {
        let editor = Acting { role: Role::Editor, org: ISSUER };
        for kind in OrgKind::ALL {
            let f = PledgeFacts { issuer_kind: Some(kind), ..pledge_facts(0, 0) };
            let got = pledge_transition(None, PA::Create, editor, &f);
            if kind == OrgKind::Association {
                assert_eq!(got, Ok(PS::Draft));
            } else {
                assert_eq!(got, Err(PledgeRefusal::IssuerNotAssociation), "{kind:?}");
            }
        }
        let f = PledgeFacts { issuer_kind: None, ..pledge_facts(0, 0) };
        assert_eq!(pledge_transition(None, PA::Create, editor, &f), Err(PledgeRefusal::IssuerNotAssociation));
        // An editor issues for its own association only; an admin for any.
        let other = Acting { role: Role::Editor, org: OTHER_ASSOCIATION };
        assert_eq!(pledge_transition(None, PA::Create, other, &pledge_facts(0, 0)), Err(PledgeRefusal::Forbidden));
        let admin = Acting { role: Role::Admin, org: REGULATOR };
        assert_eq!(pledge_transition(None, PA::Create, admin, &pledge_facts(0, 0)), Ok(PS::Draft));
    }

    fn sig_facts(pledge: PS, version: i32, seen: i32) -> SignatureFacts {
        SignatureFacts { pledge, issuer: ISSUER, signatory: SIGNATORY, version, seen }
    }

    fn note_for(action: A) -> &'static str {
        if action.needs_reason() {
            "理由"
        } else {
            ""
        }
    }

    /// What the rules say for a move on an existing signature of an open pledge.
    fn expected_move(state: S, action: A, who: Acting) -> Result<S, SignatureRefusal> {
        let manages = who.role == Role::Admin || (who.role == Role::Editor && who.org == ISSUER);
        let own = who.org == SIGNATORY;
        if !(state.is_public() || manages || own) {
            return Err(if who.role == Role::Editor {
                SignatureRefusal::Forbidden
            } else {
                SignatureRefusal::NotFound
            });
        }
        let may = match action {
            A::Withdraw => who.role == Role::Admin || (who.role == Role::Filer && own),
            _ => manages,
        };
        if !may {
            return Err(SignatureRefusal::Forbidden);
        }
        match (state, action) {
            (S::Applied, A::Verify) => Ok(S::Verified),
            (S::Applied, A::Decline) => Ok(S::Declined),
            (S::Verified, A::Withdraw) => Ok(S::Withdrawn),
            (S::Verified, A::Suspend) => Ok(S::Suspended),
            (S::Suspended, A::Reinstate) => Ok(S::Verified),
            _ => Err(SignatureRefusal::Illegal),
        }
    }

    /// Every (state, action, role, organization) of a signature, then the
    /// version and the reason of each allowed move.
    #[test]
    fn signature_moves_for_every_state_action_and_user() {
        let mut allowed = 0;
        for state in S::ALL {
            for action in A::ALL.into_iter().filter(|a| *a != A::Apply) {
                for who in everyone() {
                    let got =
                        signature_transition(Some(state), action, who, &sig_facts(PS::Open, 2, 2), note_for(action));
                    let expected = expected_move(state, action, who);
                    assert_eq!(got.clone().map(|m| m.to), expected, "{state:?} {action:?} {who:?}");
                    let Ok(m) = got else {
                        // Refused the same way with a stale form: what is not allowed is not "stale".
                        let stale = signature_transition(Some(state), action, who, &sig_facts(PS::Open, 3, 2), "");
                        assert_eq!(stale.map(|m| m.to), expected);
                        continue;
                    };
                    allowed += 1;
                    assert_eq!(m.from, Some(state));
                    assert_eq!(m.decides, matches!(action, A::Verify | A::Decline));
                    assert_eq!(m.reason, note_for(action));
                    assert_eq!(
                        signature_transition(Some(state), action, who, &sig_facts(PS::Open, 3, 2), note_for(action)),
                        Err(SignatureRefusal::Stale)
                    );
                    let blank = signature_transition(Some(state), action, who, &sig_facts(PS::Open, 2, 2), "  ");
                    if action.needs_reason() {
                        assert_eq!(blank, Err(SignatureRefusal::Reason(action, "error.reason.required")));
                    } else {
                        assert!(blank.is_ok());
                    }
                }
            }
        }
        // Five moves; withdraw by the signatory's filer and admins (5 orgs),
        // the four others by the issuer's editor and admins.
        assert_eq!(allowed, 6 + 4 * 6);
        // Declined and withdrawn are final, even for admins.
        let admin = Acting { role: Role::Admin, org: REGULATOR };
        for s in [S::Declined, S::Withdrawn] {
            for a in A::ALL {
                let r = signature_transition(Some(s), a, admin, &sig_facts(PS::Open, 1, 1), "理由");
                assert!(r.is_err(), "{s:?} {a:?}");
            }
        }
    }

    /// Who sees what, for every pledge state, signature state and user.
    #[test]
    fn who_sees_pledges_and_signatures() {
        for pledge in PS::ALL {
            assert_eq!(sees_pledge(None, pledge, ISSUER), pledge != PS::Draft, "{pledge:?}");
            for who in everyone() {
                let runs = who.role == Role::Admin || (who.role == Role::Editor && who.org == ISSUER);
                assert_eq!(sees_pledge(Some(who), pledge, ISSUER), pledge != PS::Draft || runs, "{pledge:?} {who:?}");
                for state in S::ALL {
                    let f = sig_facts(pledge, 1, 1);
                    let public = pledge != PS::Draft && matches!(state, S::Verified | S::Withdrawn | S::Suspended);
                    let expected = public || runs || who.org == SIGNATORY;
                    assert_eq!(sees_signature(Some(who), state, &f), expected, "{pledge:?} {state:?} {who:?}");
                    assert_eq!(sees_signature(None, state, &f), public, "{pledge:?} {state:?}");
                }
            }
        }
    }

    #[test]
    fn the_page_offers_the_moves_the_user_may_make() {
        let editor = Acting { role: Role::Editor, org: ISSUER };
        let filer = Acting { role: Role::Filer, org: SIGNATORY };
        let f = sig_facts(PS::Open, 1, 1);
        assert_eq!(signature_moves(S::Applied, editor, &f), vec![A::Verify, A::Decline]);
        assert_eq!(signature_moves(S::Verified, editor, &f), vec![A::Suspend]);
        assert_eq!(signature_moves(S::Verified, filer, &f), vec![A::Withdraw]);
        assert_eq!(signature_moves(S::Suspended, editor, &f), vec![A::Reinstate]);
        assert!(signature_moves(S::Applied, filer, &f).is_empty());
        assert!(signature_moves(S::Withdrawn, editor, &f).is_empty());
        let admin = Acting { role: Role::Admin, org: REGULATOR };
        assert_eq!(signature_moves(S::Verified, admin, &f), vec![A::Withdraw, A::Suspend]);
    }

    #[test]
    fn a_note_is_kept_in_the_history_and_a_reason_on_the_signature() {
        let editor = Acting { role: Role::Editor, org: ISSUER };
        let m =
            signature_transition(Some(S::Suspended), A::Reinstate, editor, &sig_facts(PS::Open, 1, 1), " 整改完成 ")
                .unwrap();
        assert_eq!((m.note.as_str(), m.reason.as_str()), ("整改完成", ""));
        let m = signature_transition(Some(S::Verified), A::Suspend, editor, &sig_facts(PS::Closed, 1, 1), "限期整改")
            .unwrap();
        assert_eq!((m.note.as_str(), m.reason.as_str()), ("限期整改", "限期整改"));
        let long = "长".repeat(REASON_MAX + 1);
        assert_eq!(
            signature_transition(Some(S::Applied), A::Verify, editor, &sig_facts(PS::Open, 1, 1), &long),
            Err(SignatureRefusal::Reason(A::Verify, "error.too_long"))
        );
    }

    /// Applying: for one's own organization, on an open pledge, once.
    #[test]
    fn applications_for_every_pledge_state_user_and_live_signature() {
        let lives: Vec<Option<S>> = std::iter::once(None).chain(S::LIVE.into_iter().map(Some)).collect();
        for pledge in PS::ALL {
            for live in &lives {
                for who in everyone() {
                    let f = SignatureFacts { signatory: who.org, ..sig_facts(pledge, 0, 0) };
                    let got = signature_transition(*live, A::Apply, who, &f, "");
                    let manages = who.role == Role::Admin || (who.role == Role::Editor && who.org == ISSUER);
                    let expected = if !matches!(who.role, Role::Filer | Role::Admin) {
                        Err(SignatureRefusal::Forbidden)
                    } else if pledge == PS::Draft && !manages {
                        Err(SignatureRefusal::NotFound)
                    } else if pledge != PS::Open {
                        Err(SignatureRefusal::NotOpen)
                    } else if live.is_some() {
                        Err(SignatureRefusal::Duplicate)
                    } else {
                        Ok(S::Applied)
                    };
                    assert_eq!(got.map(|m| m.to), expected, "{pledge:?} {live:?} {who:?}");
                }
            }
        }
        // For another organization: refused, whatever that organization has.
        let filer = Acting { role: Role::Filer, org: OTHER_PLATFORM };
        let admin = Acting { role: Role::Admin, org: REGULATOR };
        for live in lives {
            for who in [filer, admin] {
                let got = signature_transition(live, A::Apply, who, &sig_facts(PS::Open, 0, 0), "");
                assert_eq!(got, Err(SignatureRefusal::Forbidden), "{live:?} {who:?}");
            }
        }
    }

    #[test]
    fn an_application_is_decided_before_its_input_is_checked() {
        let filer = Acting { role: Role::Filer, org: SIGNATORY };
        let commitments = [(1, "1"), (2, "2")];
        let good = ApplicationInput {
            kept: vec![1, 2],
            representative_name: "张伟".into(),
            representative_title: "合规总监".into(),
            confirmed: true,
            ..Default::default()
        };
        let (m, a) = decide_application(None, filer, &sig_facts(PS::Open, 0, 0), &good, &commitments).unwrap();
        assert_eq!((m.from, m.to), (None, S::Applied));
        assert!(a.subscription.is_all());
        let bad = ApplicationInput { confirmed: false, ..good.clone() };
        assert_eq!(
            decide_application(None, filer, &sig_facts(PS::Open, 0, 0), &bad, &commitments),
            Err(SignatureRefusal::Application(vec![ApplicationProblem::Field("confirm", "error.apply.confirm")]))
        );
        // A duplicate or a closed pledge is said first: the form would not help.
        assert_eq!(
            decide_application(Some(S::Applied), filer, &sig_facts(PS::Open, 0, 0), &bad, &commitments),
            Err(SignatureRefusal::Duplicate)
        );
        assert_eq!(
            decide_application(None, filer, &sig_facts(PS::Closed, 0, 0), &bad, &commitments),
            Err(SignatureRefusal::NotOpen)
        );
    }
}
