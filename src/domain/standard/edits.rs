//! The steps besides the lifecycle: proposing a project and editing its
//! details, recording publication details, adding a version of the text,
//! casting a technical-review position. Each decides from the standard's
//! state, who acts, and the facts, every precondition inside.

use super::{
    check_naming, may_act, Named, Naming, Owners, Person, Publication, Refusal, ReviewPosition, StandardKind,
    StandardNumber, StandardState,
};
use crate::domain::{OrgKind, Role};

/// The organizations and the replaced standard a project's details name, as found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameFacts {
    pub lead_org: i64,
    pub proposing_org: i64,
    /// The kind of the proposing organization (None: some organization named does not exist).
    pub proposing_kind: Option<OrgKind>,
    /// The standard it replaces, if it names one.
    pub replaces: Option<Replaced>,
}

/// A standard named as replaced: its id, and its state and lead association if it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replaced {
    pub id: i64,
    pub found: Option<(StandardState, i64)>,
}

/// The organizations exist, the replaced standard can be replaced (published
/// or being revised), and a person names only what they may.
fn check_names(who: Option<Person>, n: &NameFacts, before: Option<Named>) -> Result<(), Refusal> {
    let Some(proposing_kind) = n.proposing_kind else {
        return Err(Refusal::invalid("lead_org_id", "error.org.choose"));
    };
    let replaces = match n.replaces {
        None => None,
        Some(Replaced { id, found: Some((StandardState::Published | StandardState::Revising, lead)) }) => {
            Some((id, lead))
        }
        Some(_) => return Err(Refusal::invalid("replaces_id", "error.std.replaces")),
    };
    let Some(p) = who else { return Ok(()) };
    let naming = Naming { lead_org: n.lead_org, proposing_org: n.proposing_org, proposing_kind, replaces };
    let refused = check_naming(p, &naming, before);
    if refused.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Invalid(refused))
    }
}

/// Proposing a project: editors (and admins), naming what they may. `who`
/// None is the registry itself (the revision project of a periodic review).
pub fn may_propose(who: Option<Person>, n: &NameFacts) -> Result<(), Refusal> {
    if who.is_some_and(|p| !p.role.allows(Role::Editor)) {
        return Err(Refusal::Forbidden);
    }
    check_names(who, n, None)
}

/// What editing a project's details needs to know about the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditFacts {
    pub id: i64,
    pub owners: Owners,
    /// What it names now.
    pub before: Named,
    /// The form was shown at another version of the standard.
    pub stale: bool,
}

/// Editing the details: the standard's editors, on the form as shown, until
/// publication; it cannot replace itself.
pub fn may_edit_details(state: StandardState, who: Person, f: &EditFacts, n: &NameFacts) -> Result<(), Refusal> {
    may_act(state, f.owners, who, Role::Editor)?;
    if f.stale {
        return Err(Refusal::Stale);
    }
    if !state.metadata_editable() {
        return Err(Refusal::NotInState);
    }
    if n.replaces.is_some_and(|r| r.id == f.id) {
        return Err(Refusal::invalid("replaces_id", "error.std.replaces"));
    }
    check_names(Some(who), n, Some(f.before))
}

/// What recording the publication details needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicationFacts {
    pub owners: Owners,
    pub kind: StandardKind,
    pub stale: bool,
    /// The number as given (normalised for the kind) belongs to another standard.
    pub number_taken: bool,
}

/// Recording number, release and implementation dates: the standard's
/// editors, on the form as shown, while it is submitted for approval; the
/// number in the format of its kind, not taken, in the year of release.
pub fn publication(
    state: StandardState,
    who: Person,
    f: &PublicationFacts,
    number: &str,
    release: &str,
    implementation: &str,
) -> Result<Publication, Refusal> {
    may_act(state, f.owners, who, Role::Editor)?;
    if f.stale {
        return Err(Refusal::Stale);
    }
    if state != StandardState::SubmittedForApproval {
        return Err(Refusal::NotInState);
    }
    let p = Publication::new(f.kind, number, release, implementation).map_err(Refusal::Invalid)?;
    if f.number_taken {
        return Err(Refusal::invalid("number", "error.std.number_taken"));
    }
    Ok(p)
}

/// The number as `publication` would record it for `kind`, if it parses (to look it up).
pub fn candidate_number(kind: StandardKind, number: &str) -> Option<String> {
    StandardNumber::parse(kind, number).ok().map(|n| n.as_str().to_owned())
}

/// Adding a version of the text: the standard's editors, while versions are taken.
pub fn may_add_version(state: StandardState, who: Person, owners: Owners) -> Result<(), Refusal> {
    may_act(state, owners, who, Role::Editor)?;
    if state.accepts_versions() {
        Ok(())
    } else {
        Err(Refusal::NotInState)
    }
}

/// Casting a position: reviewers (and admins), during technical review; a
/// disapproval says why.
pub fn may_cast(
    state: StandardState,
    who: Person,
    owners: Owners,
    position: ReviewPosition,
    opinion: &str,
) -> Result<(), Refusal> {
    may_act(state, owners, who, Role::Reviewer)?;
    if state != StandardState::TechnicalReview {
        return Err(Refusal::NotInState);
    }
    if position == ReviewPosition::Disapprove && opinion.trim().is_empty() {
        return Err(Refusal::invalid("opinion", "error.std.opinion_required"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use StandardState as S;

    const OURS: i64 = 1;
    const THEIRS: i64 = 2;
    const OWNERS: Owners = Owners { proposing: OURS, lead: OURS };

    fn person(role: Role, org_id: i64) -> Person {
        Person { role, org_id }
    }

    fn names() -> NameFacts {
        NameFacts { lead_org: OURS, proposing_org: OURS, proposing_kind: Some(OrgKind::Association), replaces: None }
    }

    #[test]
    fn proposing_names_existing_organizations_and_a_replaceable_standard() {
        let ed = Some(person(Role::Editor, OURS));
        assert_eq!(may_propose(ed, &names()), Ok(()));
        assert_eq!(may_propose(None, &names()), Ok(()), "the registry itself");
        for role in [Role::Reviewer, Role::Filer] {
            assert_eq!(may_propose(Some(person(role, OURS)), &names()), Err(Refusal::Forbidden), "{role:?}");
        }
        let missing = NameFacts { proposing_kind: None, ..names() };
        assert_eq!(may_propose(ed, &missing), Err(Refusal::invalid("lead_org_id", "error.org.choose")));
        for state in S::ALL {
            let n = NameFacts { replaces: Some(Replaced { id: 9, found: Some((state, OURS)) }), ..names() };
            let replaceable = matches!(state, S::Published | S::Revising);
            let expected =
                if replaceable { Ok(()) } else { Err(Refusal::invalid("replaces_id", "error.std.replaces")) };
            assert_eq!(may_propose(ed, &n), expected, "replacing a standard {state:?}");
        }
        let gone = NameFacts { replaces: Some(Replaced { id: 9, found: None }), ..names() };
        assert_eq!(may_propose(ed, &gone), Err(Refusal::invalid("replaces_id", "error.std.replaces")));
        // The naming rules of the association (see access.rs) apply to people, not to the registry.
        let foreign = NameFacts { lead_org: THEIRS, ..names() };
        assert_eq!(may_propose(ed, &foreign), Err(Refusal::Invalid(vec![("lead_org_id", "error.std.lead_own")])));
        assert_eq!(may_propose(None, &foreign), Ok(()));
    }

    #[test]
    fn editing_details_until_publication_on_the_form_as_shown() {
        let ed = person(Role::Editor, OURS);
        let f = EditFacts {
            id: 5,
            owners: OWNERS,
            before: Named { lead_org: OURS, proposing_org: OURS, replaces: None },
            stale: false,
        };
        for state in S::ALL {
            let expected = if state.metadata_editable() { Ok(()) } else { Err(Refusal::NotInState) };
            assert_eq!(may_edit_details(state, ed, &f, &names()), expected, "{state:?}");
        }
        let d = S::Drafting;
        assert_eq!(may_edit_details(d, person(Role::Editor, THEIRS), &f, &names()), Err(Refusal::Forbidden));
        assert_eq!(may_edit_details(S::Proposed, person(Role::Editor, THEIRS), &f, &names()), Err(Refusal::NotFound));
        assert_eq!(may_edit_details(d, person(Role::Reviewer, OURS), &f, &names()), Err(Refusal::Forbidden));
        assert_eq!(may_edit_details(d, ed, &EditFacts { stale: true, ..f }, &names()), Err(Refusal::Stale));
        let itself = NameFacts { replaces: Some(Replaced { id: 5, found: Some((S::Drafting, OURS)) }), ..names() };
        assert_eq!(may_edit_details(d, ed, &f, &itself), Err(Refusal::invalid("replaces_id", "error.std.replaces")));
        // What an admin set before may stay; a third association may not be named.
        let set = EditFacts { before: Named { lead_org: THEIRS, proposing_org: OURS, replaces: None }, ..f };
        assert_eq!(may_edit_details(d, ed, &set, &NameFacts { lead_org: THEIRS, ..names() }), Ok(()));
        assert_eq!(
            may_edit_details(d, ed, &set, &NameFacts { lead_org: 3, ..names() }),
            Err(Refusal::Invalid(vec![("lead_org_id", "error.std.lead_own")]))
        );
    }

    #[test]
    fn publication_details_while_submitted_for_approval() {
        let ed = person(Role::Editor, OURS);
        let f = PublicationFacts { owners: OWNERS, kind: StandardKind::Local, stale: false, number_taken: false };
        let record =
            |state, who, f: &PublicationFacts, number| publication(state, who, f, number, "2026-01-10", "2026-04-01");
        for state in S::ALL {
            let got = record(state, ed, &f, "DB31/T 1500-2026");
            if state == S::SubmittedForApproval {
                assert_eq!(got.map(|p| p.number.as_str().to_owned()), Ok("DB31/T 1500—2026".to_owned()));
            } else {
                assert_eq!(got, Err(Refusal::NotInState), "{state:?}");
            }
        }
        let sa = S::SubmittedForApproval;
        assert_eq!(record(sa, person(Role::Editor, THEIRS), &f, "DB31/T 1500-2026"), Err(Refusal::Forbidden));
        assert_eq!(record(sa, person(Role::Reviewer, OURS), &f, "DB31/T 1500-2026"), Err(Refusal::Forbidden));
        assert_eq!(record(sa, ed, &PublicationFacts { stale: true, ..f }, "DB31/T 1500-2026"), Err(Refusal::Stale));
        assert_eq!(
            record(sa, ed, &PublicationFacts { number_taken: true, ..f }, "DB31/T 1500-2026"),
            Err(Refusal::invalid("number", "error.std.number_taken"))
        );
        // The number's format is the kind's: a group number for a local standard is refused.
        assert_eq!(record(sa, ed, &f, "T/SHDS 001-2026"), Err(Refusal::invalid("number", "error.std.number_local")));
        let group = PublicationFacts { kind: StandardKind::Group, ..f };
        assert!(record(sa, ed, &group, "T/SHDS 001-2026").is_ok());
        // Every problem of the input at once.
        let got = publication(sa, ed, &f, "bad", "", "2026-13-01");
        assert!(matches!(got, Err(Refusal::Invalid(e)) if e.len() == 3));
        assert_eq!(candidate_number(StandardKind::Local, "DB31/T 1500-2026").as_deref(), Some("DB31/T 1500—2026"));
        assert_eq!(candidate_number(StandardKind::Group, "DB31/T 1500-2026"), None);
    }

    #[test]
    fn versions_while_the_text_is_being_drafted() {
        for state in S::ALL {
            let expected = if state.accepts_versions() { Ok(()) } else { Err(Refusal::NotInState) };
            assert_eq!(may_add_version(state, person(Role::Editor, OURS), OWNERS), expected, "{state:?}");
            assert_eq!(may_add_version(state, person(Role::Admin, 9), OWNERS), expected, "{state:?} by an admin");
        }
        assert_eq!(may_add_version(S::Drafting, person(Role::Editor, THEIRS), OWNERS), Err(Refusal::Forbidden));
        assert_eq!(may_add_version(S::Drafting, person(Role::Reviewer, OURS), OWNERS), Err(Refusal::Forbidden));
        assert_eq!(may_add_version(S::Proposed, person(Role::Filer, OURS), OWNERS), Err(Refusal::NotFound));
    }

    #[test]
    fn positions_by_reviewers_during_technical_review() {
        let rv = person(Role::Reviewer, 9);
        for state in S::ALL {
            for p in ReviewPosition::ALL {
                let expected = if state == S::TechnicalReview { Ok(()) } else { Err(Refusal::NotInState) };
                assert_eq!(may_cast(state, rv, OWNERS, p, "意见"), expected, "{state:?} {p:?}");
            }
        }
        let tr = S::TechnicalReview;
        for role in [Role::Editor, Role::Filer] {
            assert_eq!(may_cast(tr, person(role, OURS), OWNERS, ReviewPosition::Approve, ""), Err(Refusal::Forbidden));
        }
        assert_eq!(may_cast(tr, person(Role::Admin, 3), OWNERS, ReviewPosition::Approve, ""), Ok(()));
        assert_eq!(
            may_cast(tr, rv, OWNERS, ReviewPosition::Disapprove, " "),
            Err(Refusal::invalid("opinion", "error.std.opinion_required"))
        );
        assert_eq!(may_cast(tr, rv, OWNERS, ReviewPosition::ApproveWithChanges, ""), Ok(()));
    }
}
