//! What a signatory subscribes to, and the application form's parts checked
//! against the pledge's commitments.

use super::REASON_MAX;
use crate::domain::text;

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

/// An application as the form sends it: the ticks (`keep_{id}`), the
/// reasons for the commitments left out (`reason_{id}`), a stated scope if
/// any, the signing representative and the confirmation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationInput {
    /// Commitment ids ticked.
    pub kept: Vec<i64>,
    /// Every reason field sent (blank ones included).
    pub reasons: Vec<(i64, String)>,
    /// A field naming something that is no commitment id (`keep_x`, a tick
    /// other than "on"): refused, never guessed at.
    pub malformed: bool,
    pub scope: Option<String>,
    pub representative_name: String,
    pub representative_title: String,
    pub confirmed: bool,
}

/// An application, checked: ready to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub representative_name: String,
    pub representative_title: String,
    pub subscription: Subscription,
}

/// What is wrong with an application, under the field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplicationProblem {
    /// The reason field of one commitment (its id and number).
    Reason { commitment_id: i64, number: String, key: &'static str },
    /// The commitments as a whole (field `commitments`).
    Commitments(&'static str),
    /// Another field: `representative_name`, `representative_title`, `confirm`.
    Field(&'static str, &'static str),
}

/// Longest name or title of the signing representative, in characters.
pub const REPRESENTATIVE_MAX: usize = 100;

impl ApplicationInput {
    /// Check every part against the pledge's commitments (id and number, in
    /// order); every problem at once.
    pub fn check(&self, commitments: &[(i64, &str)]) -> Result<Application, Vec<ApplicationProblem>> {
        let mut problems = Vec::new();
        let ids: Vec<i64> = commitments.iter().map(|(id, _)| *id).collect();
        let reasons: Vec<(i64, &str)> = self.reasons.iter().map(|(id, r)| (*id, r.as_str())).collect();
        let number_of = |id: i64| commitments.iter().find(|(c, _)| *c == id).map(|(_, n)| (*n).to_owned());
        let subscription = match Subscription::from_ticks(&ids, &self.kept, &reasons, self.scope.as_deref()) {
            Ok(s) if !self.malformed => Some(s),
            Ok(_) => {
                problems.push(ApplicationProblem::Commitments(SubsetError::UnknownCommitment.key()));
                None
            }
            Err(errors) => {
                if self.malformed && !errors.contains(&SubsetError::UnknownCommitment) {
                    problems.push(ApplicationProblem::Commitments(SubsetError::UnknownCommitment.key()));
                }
                for e in errors {
                    problems.push(match e {
                        SubsetError::Reason { commitment_id, .. } | SubsetError::ReasonForKept { commitment_id } => {
                            ApplicationProblem::Reason {
                                commitment_id,
                                number: number_of(commitment_id).unwrap_or_default(),
                                key: e.key(),
                            }
                        }
                        e => ApplicationProblem::Commitments(e.key()),
                    });
                }
                None
            }
        };
        let mut field = |name: &'static str, v: &str| match text::bounded(v, true, REPRESENTATIVE_MAX) {
            Ok(v) => Some(v),
            Err(key) => {
                problems.push(ApplicationProblem::Field(name, key));
                None
            }
        };
        let name = field("representative_name", &self.representative_name);
        let title = field("representative_title", &self.representative_title);
        if !self.confirmed {
            problems.push(ApplicationProblem::Field("confirm", "error.apply.confirm"));
        }
        match (subscription, name, title) {
            (Some(subscription), Some(representative_name), Some(representative_title)) if problems.is_empty() => {
                Ok(Application { representative_name, representative_title, subscription })
            }
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn input(kept: &[i64], reasons: &[(i64, &str)]) -> ApplicationInput {
        ApplicationInput {
            kept: kept.to_vec(),
            reasons: reasons.iter().map(|(id, r)| (*id, (*r).to_owned())).collect(),
            representative_name: "张伟".into(),
            representative_title: "合规总监".into(),
            confirmed: true,
            ..Default::default()
        }
    }

    const COMMITMENTS: [(i64, &str); 3] = [(1, "1.1"), (2, "2.2"), (3, "4.3")];

    #[test]
    fn an_application_is_checked_whole_against_the_commitments() {
        let ok = input(&[1, 3], &[(2, "不经营直播业务")]).check(&COMMITMENTS).unwrap();
        assert_eq!(ok.representative_name, "张伟");
        assert_eq!(
            ok.subscription,
            Subscription::Except(vec![Exclusion { commitment_id: 2, reason: "不经营直播业务".into() }])
        );
        assert!(input(&[1, 2, 3], &[]).check(&COMMITMENTS).unwrap().subscription.is_all());

        // Every problem at once, each under its field; the reason's label needs the number.
        let mut bad = input(&[1, 3], &[(2, "")]);
        bad.representative_name = "  ".into();
        bad.representative_title = "长".repeat(REPRESENTATIVE_MAX + 1);
        bad.confirmed = false;
        assert_eq!(
            bad.check(&COMMITMENTS),
            Err(vec![
                ApplicationProblem::Reason {
                    commitment_id: 2,
                    number: "2.2".into(),
                    key: "error.exclusion.reason_required"
                },
                ApplicationProblem::Field("representative_name", "error.required"),
                ApplicationProblem::Field("representative_title", "error.too_long"),
                ApplicationProblem::Field("confirm", "error.apply.confirm"),
            ])
        );
        // A malformed tick is refused even when the rest agrees, and reported once.
        let mut odd = input(&[1, 2, 3], &[]);
        odd.malformed = true;
        assert_eq!(odd.check(&COMMITMENTS), Err(vec![ApplicationProblem::Commitments("error.subset.unknown")]));
        let mut odd = input(&[1, 2, 3, 9], &[]);
        odd.malformed = true;
        assert_eq!(odd.check(&COMMITMENTS), Err(vec![ApplicationProblem::Commitments("error.subset.unknown")]));
        // Nothing ticked; a stated scope that disagrees.
        assert_eq!(
            input(&[], &[(1, "a"), (2, "b"), (3, "c")]).check(&COMMITMENTS),
            Err(vec![ApplicationProblem::Commitments("error.subset.nothing_subscribed")])
        );
        let mut all = input(&[1, 3], &[(2, "理由")]);
        all.scope = Some("all".into());
        assert_eq!(all.check(&COMMITMENTS), Err(vec![ApplicationProblem::Commitments("error.subset.contradiction")]));
    }
}
