//! The lifecycle, table-driven: every state × action × kind of actor, and
//! each fact that matters.

use chrono::{Duration, NaiveDate};

use super::*;
use StandardAction as A;
use StandardState as S;

const OURS: i64 = 1;
const THEIRS: i64 = 2;
const OWNERS: Owners = Owners { proposing: OURS, lead: OURS };

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn today() -> NaiveDate {
    d("2026-03-10")
}

fn person(role: Role, org_id: i64) -> Option<Person> {
    Some(Person { role, org_id })
}

/// A period of a local standard open since `days` days (today included), ending in ten days.
fn period_open_for(days: i64) -> CommentPeriod {
    CommentPeriod {
        window: CommentWindow { starts_on: today() - Duration::days(days - 1), ends_on: today() + Duration::days(10) },
        closed_at: None,
    }
}

fn ended_period() -> CommentPeriod {
    CommentPeriod {
        window: CommentWindow { starts_on: today() - Duration::days(40), ends_on: today() - Duration::days(1) },
        closed_at: None,
    }
}

/// Every precondition met, the review passing, the comment period ended.
fn all_met() -> Facts {
    Facts {
        has_version: true,
        has_released_text: true,
        publication_recorded: true,
        period: Some(ended_period()),
        review: Some(ReviewOutcome::Passed),
        note_given: true,
        window: Some((today().to_string(), (today() + Duration::days(40)).to_string())),
        ..Facts::about(StandardKind::Local, OWNERS, Some(today()), today())
    }
}

/// For the close_comment action: a period long enough to be closed early.
fn closable() -> Facts {
    Facts { period: Some(period_open_for(30)), ..all_met() }
}

fn facts_for(a: StandardAction) -> Facts {
    if a == A::CloseComment {
        closable()
    } else {
        all_met()
    }
}

/// The legal moves, as the design draws them.
fn expected(s: S, a: A) -> Option<S> {
    Some(match (s, a) {
        (S::Proposed, A::Approve) => S::Approved,
        (S::Proposed, A::Reject) => S::Rejected,
        (S::Approved, A::StartDrafting) => S::Drafting,
        (S::Drafting, A::OpenComment) => S::PublicComment,
        (S::PublicComment, A::CloseComment) => S::PublicComment,
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
}

/// Every actor the rules tell apart.
fn actors() -> Vec<(&'static str, Option<Person>)> {
    vec![
        ("the registry", None),
        ("admin", person(Role::Admin, 9)),
        ("our editor", person(Role::Editor, OURS)),
        ("another association's editor", person(Role::Editor, THEIRS)),
        ("reviewer", person(Role::Reviewer, 9)),
        ("filer", person(Role::Filer, OURS)),
    ]
}

/// What `who` gets for `a` in `s`, every precondition met.
fn answer(s: S, a: A, name: &str, who: Option<Person>) -> Result<S, Refusal> {
    let hidden = !s.is_public();
    let sees = match who {
        None => true,
        Some(p) => visible_to(s, OURS, OURS, Some(p)),
    };
    if hidden && !sees {
        return Err(Refusal::NotFound);
    }
    let may = match (a.actor(), name) {
        (None, "the registry") => true,
        (None, _) | (Some(_), "the registry") => false,
        (Some(Role::Editor), n) => n == "admin" || n == "our editor",
        (Some(Role::Reviewer), n) => n == "admin" || n == "reviewer",
        (Some(_), _) => false,
    };
    if !may {
        return Err(Refusal::Forbidden);
    }
    expected(s, a).ok_or(Refusal::NotInState)
}

#[test]
fn transition_table_for_every_state_action_and_actor() {
    let mut legal = 0;
    for s in S::ALL {
        for a in A::ALL {
            for (name, who) in actors() {
                let want = answer(s, a, name, who);
                let got = transition(s, a, who, &facts_for(a)).map(|m| m.to);
                assert_eq!(got, want, "{s:?} {a:?} by {name}");
                assert_eq!(offered(s, a, who, &facts_for(a)), want, "{s:?} {a:?} offered to {name}");
                if want.is_ok() {
                    legal += 1;
                }
            }
        }
    }
    // 14 moves by their role and by admins; superseding (from two states) by the registry only.
    assert_eq!(legal, 14 * 2 + 2);
}

#[test]
fn a_stale_form_is_refused_after_who_and_the_state_and_before_the_preconditions() {
    let stale = Facts { stale: true, ..all_met() };
    let ed = person(Role::Editor, OURS);
    assert_eq!(transition(S::PublicComment, A::SubmitForReview, ed, &stale), Err(Refusal::Stale));
    let undisposed = Facts { undisposed: vec![1], ..stale.clone() };
    assert_eq!(
        transition(S::PublicComment, A::SubmitForReview, ed, &undisposed),
        Err(Refusal::Stale),
        "before the preconditions"
    );
    assert_eq!(transition(S::Drafting, A::SubmitForReview, ed, &stale), Err(Refusal::NotInState), "after the state");
    let upcoming = Facts { implementation_date: Some(today() + Duration::days(1)), ..stale.clone() };
    assert_eq!(transition(S::Published, A::Withdraw, ed, &upcoming), Err(Refusal::NotInForce), "after the state");
    let filer = person(Role::Filer, OURS);
    assert_eq!(transition(S::Drafting, A::StartDrafting, filer, &stale), Err(Refusal::Forbidden), "after who");
    let theirs = person(Role::Editor, THEIRS);
    assert_eq!(transition(S::Proposed, A::StartDrafting, theirs, &stale), Err(Refusal::NotFound));
}

#[test]
fn ending_the_comment_period_is_offered_while_it_runs() {
    let ed = person(Role::Editor, OURS);
    let pc = S::PublicComment;
    assert_eq!(offered(pc, A::CloseComment, ed, &closable()), Ok(pc));
    let ended = Refusal::Unmet("error.std.period_already_ended");
    assert_eq!(offered(pc, A::CloseComment, ed, &all_met()), Err(ended.clone()), "its last day has passed");
    assert_eq!(offered(pc, A::CloseComment, ed, &Facts { period: None, ..all_met() }), Err(ended.clone()));
    let closed = CommentPeriod { closed_at: Some(today().and_hms_opt(1, 0, 0).unwrap()), ..period_open_for(30) };
    assert_eq!(transition(pc, A::CloseComment, ed, &Facts { period: Some(closed), ..all_met() }), Err(ended));
}

#[test]
fn periodic_review_only_for_standards_in_force() {
    let upcoming = Facts { implementation_date: Some(today() + Duration::days(1)), ..all_met() };
    let ed = person(Role::Editor, OURS);
    for a in [A::ConfirmReview, A::StartRevision, A::Withdraw] {
        assert_eq!(offered(S::Published, a, ed, &upcoming), Err(Refusal::NotInForce), "{a:?}");
        assert_eq!(transition(S::Published, a, ed, &upcoming), Err(Refusal::NotInForce), "{a:?}");
        assert!(offered(S::Published, a, ed, &all_met()).is_ok());
    }
    let never = Facts { implementation_date: None, ..all_met() };
    assert_eq!(transition(S::Published, A::ConfirmReview, ed, &never), Err(Refusal::NotInForce));
    // Superseding does not wait for the old standard's implementation date.
    assert_eq!(transition(S::Published, A::Supersede, None, &upcoming).map(|m| m.to), Ok(S::Superseded));
}

#[test]
fn preconditions_are_refused_with_what_is_missing() {
    let ed = person(Role::Editor, OURS);
    let rv = person(Role::Reviewer, 9);
    let with = |change: &dyn Fn(&mut Facts)| {
        let mut f = all_met();
        change(&mut f);
        f
    };
    let t = |s, a, who, f: &Facts| transition(s, a, who, f).map(|m| m.to);
    assert_eq!(
        t(S::Drafting, A::OpenComment, ed, &with(&|f| f.has_version = false)),
        Err(Refusal::Unmet("error.std.no_version"))
    );
    // The dates as typed are told first: they are the user's to correct now.
    let too_short = with(&|f| {
        f.has_version = false;
        f.window = Some((today().to_string(), (today() + Duration::days(28)).to_string()));
    });
    assert_eq!(
        t(S::Drafting, A::OpenComment, ed, &too_short),
        Err(Refusal::invalid("ends_on", "error.std.period_30_days"))
    );
    assert_eq!(
        t(S::Drafting, A::OpenComment, ed, &with(&|f| f.window = None)),
        Err(Refusal::invalid("starts_on", "error.required"))
    );
    for a in [A::SubmitForReview, A::ReturnToDrafting] {
        assert_eq!(
            t(S::PublicComment, a, ed, &with(&|f| f.undisposed = vec![3, 5])),
            Err(Refusal::Undisposed(vec![3, 5])),
            "{a:?}"
        );
    }
    let running = with(&|f| f.period = Some(period_open_for(31)));
    assert_eq!(
        t(S::PublicComment, A::SubmitForReview, ed, &running),
        Err(Refusal::Unmet("error.std.period_not_ended"))
    );
    // Closed early, the period has ended.
    let closed = with(&|f| {
        f.period = Some(CommentPeriod { closed_at: Some(today().and_hms_opt(1, 0, 0).unwrap()), ..period_open_for(31) })
    });
    assert_eq!(t(S::PublicComment, A::SubmitForReview, ed, &closed), Ok(S::TechnicalReview));
    // Returning to drafting may end a running period (with a reason).
    assert_eq!(t(S::PublicComment, A::ReturnToDrafting, ed, &running), Ok(S::Drafting));
    for (s, a, who) in [
        (S::Proposed, A::Reject, rv),
        (S::SubmittedForApproval, A::ReturnToDrafting, ed),
        (S::Published, A::Withdraw, ed),
    ] {
        assert_eq!(
            t(s, a, who, &with(&|f| f.note_given = false)),
            Err(Refusal::invalid("note", "error.std.note_required")),
            "{a:?}"
        );
    }
    assert_eq!(
        t(S::TechnicalReview, A::CloseReview, ed, &with(&|f| f.review = None)),
        Err(Refusal::Unmet("error.std.no_positions"))
    );
    assert_eq!(
        t(S::SubmittedForApproval, A::Publish, rv, &with(&|f| f.publication_recorded = false)),
        Err(Refusal::Unmet("error.std.publication_missing"))
    );
    assert_eq!(
        t(S::SubmittedForApproval, A::Publish, rv, &with(&|f| f.has_released_text = false)),
        Err(Refusal::Unmet("error.std.no_released_text")),
        "published only with its text"
    );
}

#[test]
fn the_comment_period_follows_the_kind_of_standard() {
    let ed = person(Role::Editor, OURS);
    let window = |days: i64| Some((today().to_string(), (today() + Duration::days(days - 1)).to_string()));
    for (kind, days, ok) in [
        (StandardKind::Local, 30, true),
        (StandardKind::Local, 29, false),
        (StandardKind::Group, 1, true),
        (StandardKind::Group, 29, true),
    ] {
        let f = Facts { kind, window: window(days), ..all_met() };
        let got = transition(S::Drafting, A::OpenComment, ed, &f);
        if ok {
            let w = CommentWindow { starts_on: today(), ends_on: today() + Duration::days(days - 1) };
            assert_eq!(got.map(|m| m.effect), Ok(Effect::OpenPeriod(w)), "{kind:?} {days} days");
        } else {
            assert_eq!(
                got,
                Err(Refusal::Invalid(vec![("ends_on", "error.std.period_30_days")])),
                "{kind:?} {days} days"
            );
        }
    }
    let past = Facts { window: Some(("2020-01-01".into(), "2020-03-01".into())), ..all_met() };
    assert_eq!(
        transition(S::Drafting, A::OpenComment, ed, &past),
        Err(Refusal::Invalid(vec![("starts_on", "error.std.period_past")]))
    );
    let garbled = Facts { window: Some(("x".into(), "".into())), ..all_met() };
    assert!(matches!(transition(S::Drafting, A::OpenComment, ed, &garbled), Err(Refusal::Invalid(e)) if e.len() == 2));
}

#[test]
fn a_period_is_closed_early_only_after_its_minimum_length() {
    let ed = person(Role::Editor, OURS);
    let close = |kind, period: Option<CommentPeriod>| {
        transition(S::PublicComment, A::CloseComment, ed, &Facts { kind, period, ..all_met() }).map(|m| m.effect)
    };
    let closes = Ok(Effect::ClosePeriod { next_round: false });
    assert_eq!(close(StandardKind::Local, Some(period_open_for(30))), closes);
    assert_eq!(
        close(StandardKind::Local, Some(period_open_for(29))),
        Err(Refusal::Unmet("error.std.close_too_early_local"))
    );
    assert_eq!(close(StandardKind::Group, Some(period_open_for(1))), closes);
    assert_eq!(
        close(StandardKind::Group, Some(period_open_for(0))),
        Err(Refusal::Unmet("error.std.close_too_early")),
        "not started"
    );
    for gone in [None, Some(ended_period())] {
        assert_eq!(close(StandardKind::Group, gone), Err(Refusal::Unmet("error.std.period_already_ended")));
    }
    let closed = CommentPeriod { closed_at: Some(today().and_hms_opt(1, 0, 0).unwrap()), ..period_open_for(31) };
    assert_eq!(close(StandardKind::Local, Some(closed)), Err(Refusal::Unmet("error.std.period_already_ended")));
    // Undisposed comments do not keep the period open.
    let f = Facts { undisposed: vec![1], ..closable() };
    assert!(transition(S::PublicComment, A::CloseComment, ed, &f).is_ok());
}

#[test]
fn each_move_says_what_else_it_writes() {
    let ed = person(Role::Editor, OURS);
    let rv = person(Role::Reviewer, 9);
    let effect = |s, a, who, f: &Facts| transition(s, a, who, f).map(|m| m.effect);
    let f = all_met();
    assert_eq!(effect(S::PublicComment, A::SubmitForReview, ed, &f), Ok(Effect::ClosePeriod { next_round: true }));
    assert_eq!(effect(S::PublicComment, A::ReturnToDrafting, ed, &f), Ok(Effect::ClosePeriod { next_round: false }));
    assert_eq!(effect(S::SubmittedForApproval, A::ReturnToDrafting, ed, &f), Ok(Effect::None));
    assert_eq!(effect(S::Published, A::Withdraw, ed, &f), Ok(Effect::Withdraw(today())));
    assert_eq!(effect(S::SubmittedForApproval, A::Publish, rv, &f), Ok(Effect::SupersedeReplaced));
    assert_eq!(effect(S::Published, A::StartRevision, ed, &f), Ok(Effect::StartRevision));
    assert_eq!(effect(S::Proposed, A::Approve, rv, &f), Ok(Effect::None));
}

#[test]
fn closing_the_review_follows_the_votes() {
    let ed = person(Role::Editor, OURS);
    let failed = Facts { review: Some(ReviewOutcome::Failed), ..all_met() };
    let m = transition(S::TechnicalReview, A::CloseReview, ed, &failed).unwrap();
    assert_eq!((m.to, m.review), (S::Drafting, Some(ReviewOutcome::Failed)));
    let m = transition(S::TechnicalReview, A::CloseReview, ed, &all_met()).unwrap();
    assert_eq!((m.to, m.review), (S::SubmittedForApproval, Some(ReviewOutcome::Passed)));
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
