//! Who sees a standard, who acts on it, and for which association an editor
//! may act.

use super::{Refusal, StandardState};
use crate::domain::{OrgKind, Role};

/// A signed-in user as these rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    pub role: Role,
    pub org_id: i64,
}

/// Everything from 立项 on is public. A proposal (proposed, or rejected) is
/// seen only by reviewers, admins and the editors of the proposing or lead
/// association; to everyone else it does not exist.
pub fn visible_to(state: StandardState, proposing_org: i64, lead_org: i64, viewer: Option<Person>) -> bool {
    if state.is_public() {
        return true;
    }
    match viewer {
        Some(Person { role: Role::Reviewer | Role::Admin, .. }) => true,
        Some(p @ Person { role: Role::Editor, .. }) => p.org_id == proposing_org || p.org_id == lead_org,
        _ => false,
    }
}

/// Editors of the proposing or lead association, and admins, act for a standard.
pub fn may_edit(p: Person, proposing_org: i64, lead_org: i64) -> bool {
    p.role == Role::Admin || (p.role == Role::Editor && (p.org_id == proposing_org || p.org_id == lead_org))
}

/// The associations a standard belongs to: who proposed it and who leads its drafting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owners {
    pub proposing: i64,
    pub lead: i64,
}

/// The first question of every step: does the person see the standard at all
/// (404 otherwise), and may they act as `role` on it (403 otherwise)? Editors
/// act only for their own association's standards; reviewers for any;
/// admins for everyone.
pub fn may_act(state: StandardState, owners: Owners, who: Person, role: Role) -> Result<(), Refusal> {
    if !visible_to(state, owners.proposing, owners.lead, Some(who)) {
        return Err(Refusal::NotFound);
    }
    let allowed = match role {
        Role::Editor => may_edit(who, owners.proposing, owners.lead),
        other => who.role.allows(other),
    };
    if allowed {
        Ok(())
    } else {
        Err(Refusal::Forbidden)
    }
}

/// The organizations a project names, as an editor submits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Naming {
    pub lead_org: i64,
    pub proposing_org: i64,
    pub proposing_kind: OrgKind,
    /// The standard it replaces: its id and lead association.
    pub replaces: Option<(i64, i64)>,
}

/// What the project named before an edit (None: a new project).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named {
    pub lead_org: i64,
    pub proposing_org: i64,
    pub replaces: Option<i64>,
}

/// An editor acts only for its own association: it leads what it creates, it
/// names no other association as proposer (that would give it rights), and it
/// replaces only standards its association leads. What an admin set before
/// may stay. Admins name anyone. Refusals are (field, catalog key).
pub fn check_naming(p: Person, n: &Naming, before: Option<Named>) -> Vec<(&'static str, &'static str)> {
    let mut refused = Vec::new();
    if p.role == Role::Admin {
        return refused;
    }
    let kept = |f: fn(&Named) -> i64, v: i64| before.as_ref().is_some_and(|b| f(b) == v);
    if n.lead_org != p.org_id && !kept(|b| b.lead_org, n.lead_org) {
        refused.push(("lead_org_id", "error.std.lead_own"));
    }
    if n.proposing_org != p.org_id
        && n.proposing_kind == OrgKind::Association
        && !kept(|b| b.proposing_org, n.proposing_org)
    {
        refused.push(("proposing_org_id", "error.std.proposer_other_association"));
    }
    if let Some((id, lead)) = n.replaces {
        let unchanged = before.as_ref().is_some_and(|b| b.replaces == Some(id));
        if lead != p.org_id && !unchanged {
            refused.push(("replaces_id", "error.std.replaces_other"));
        }
    }
    refused
}

#[cfg(test)]
mod tests {
    use super::*;
    use StandardState as S;

    const OURS: i64 = 1;
    const THEIRS: i64 = 2;
    const PLATFORM: i64 = 3;

    fn p(role: Role, org_id: i64) -> Option<Person> {
        Some(Person { role, org_id })
    }

    #[test]
    fn proposals_are_seen_by_their_associations_editors_reviewers_and_admins_only() {
        for state in S::ALL {
            let public = !matches!(state, S::Proposed | S::Rejected);
            assert_eq!(visible_to(state, OURS, OURS, None), public, "{state:?} by the public");
            assert_eq!(visible_to(state, OURS, OURS, p(Role::Filer, OURS)), public, "{state:?} by a filer");
            assert_eq!(visible_to(state, OURS, OURS, p(Role::Editor, THEIRS)), public, "{state:?} by another editor");
            assert!(visible_to(state, OURS, OURS, p(Role::Editor, OURS)));
            assert!(visible_to(state, THEIRS, OURS, p(Role::Editor, OURS)), "as lead");
            assert!(visible_to(state, OURS, THEIRS, p(Role::Editor, OURS)), "as proposer");
            assert!(visible_to(state, THEIRS, THEIRS, p(Role::Reviewer, PLATFORM)));
            assert!(visible_to(state, THEIRS, THEIRS, p(Role::Admin, PLATFORM)));
        }
    }

    #[test]
    fn editors_act_for_their_own_association_only() {
        let ed = Person { role: Role::Editor, org_id: OURS };
        let ours = Naming { lead_org: OURS, proposing_org: OURS, proposing_kind: OrgKind::Association, replaces: None };
        assert!(check_naming(ed, &ours, None).is_empty());
        // Another association as lead, as proposer, or its standard replaced: refused.
        let lead = Naming { lead_org: THEIRS, ..ours };
        assert_eq!(check_naming(ed, &lead, None), [("lead_org_id", "error.std.lead_own")]);
        let proposer = Naming { proposing_org: THEIRS, ..ours };
        assert_eq!(check_naming(ed, &proposer, None), [("proposing_org_id", "error.std.proposer_other_association")]);
        let replaces = Naming { replaces: Some((9, THEIRS)), ..ours };
        assert_eq!(check_naming(ed, &replaces, None), [("replaces_id", "error.std.replaces_other")]);
        // A platform or the regulator may be named as proposer; our own standard may be replaced.
        let platform = Naming { proposing_org: PLATFORM, proposing_kind: OrgKind::Platform, ..ours };
        assert!(check_naming(ed, &platform, None).is_empty());
        assert!(check_naming(ed, &Naming { replaces: Some((9, OURS)), ..ours }, None).is_empty());
        // What an admin set may stay when our editor edits the project.
        let set = Named { lead_org: THEIRS, proposing_org: OURS, replaces: Some(9) };
        let kept = Naming { lead_org: THEIRS, replaces: Some((9, THEIRS)), ..ours };
        assert!(check_naming(ed, &kept, Some(set)).is_empty());
        let third = Naming { lead_org: 4, ..kept };
        assert_eq!(check_naming(ed, &third, Some(set)), [("lead_org_id", "error.std.lead_own")]);
        // Admins name anyone.
        let admin = Person { role: Role::Admin, org_id: PLATFORM };
        assert!(check_naming(admin, &Naming { replaces: Some((9, THEIRS)), ..lead }, None).is_empty());
    }

    #[test]
    fn who_may_act_as_which_role() {
        let owners = Owners { proposing: OURS, lead: OURS };
        let person = |role, org_id| Person { role, org_id };
        for state in S::ALL {
            let hidden = !state.is_public();
            for (who, role, expected) in [
                (person(Role::Editor, OURS), Role::Editor, Ok(())),
                (person(Role::Editor, THEIRS), Role::Editor, Err(Refusal::Forbidden)),
                (person(Role::Admin, PLATFORM), Role::Editor, Ok(())),
                (person(Role::Reviewer, PLATFORM), Role::Editor, Err(Refusal::Forbidden)),
                (person(Role::Filer, OURS), Role::Editor, Err(Refusal::Forbidden)),
                (person(Role::Reviewer, PLATFORM), Role::Reviewer, Ok(())),
                (person(Role::Admin, PLATFORM), Role::Reviewer, Ok(())),
                (person(Role::Editor, OURS), Role::Reviewer, Err(Refusal::Forbidden)),
                (person(Role::Filer, PLATFORM), Role::Reviewer, Err(Refusal::Forbidden)),
            ] {
                let sees = visible_to(state, OURS, OURS, Some(who));
                let expected = if hidden && !sees { Err(Refusal::NotFound) } else { expected };
                assert_eq!(may_act(state, owners, who, role), expected, "{state:?} {who:?} as {role:?}");
            }
        }
        // A proposal of another association does not exist for our editor.
        let theirs = Owners { proposing: THEIRS, lead: THEIRS };
        assert_eq!(may_act(S::Proposed, theirs, person(Role::Editor, OURS), Role::Editor), Err(Refusal::NotFound));
        assert_eq!(may_act(S::Drafting, theirs, person(Role::Editor, OURS), Role::Editor), Err(Refusal::Forbidden));
    }

    #[test]
    fn who_acts_for_a_standard() {
        assert!(may_edit(Person { role: Role::Editor, org_id: OURS }, OURS, THEIRS));
        assert!(may_edit(Person { role: Role::Editor, org_id: OURS }, THEIRS, OURS));
        assert!(!may_edit(Person { role: Role::Editor, org_id: OURS }, THEIRS, THEIRS));
        assert!(!may_edit(Person { role: Role::Reviewer, org_id: OURS }, OURS, OURS));
        assert!(!may_edit(Person { role: Role::Filer, org_id: OURS }, OURS, OURS));
        assert!(may_edit(Person { role: Role::Admin, org_id: PLATFORM }, OURS, OURS));
    }
}
