//! Why a step on a standard was refused. Every rule of the area answers with
//! one of these; nothing is written when a step is refused.

use chrono::NaiveDateTime;

use super::CommentPeriod;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not there, or not visible to this person (a proposal of another
    /// association): answered like a record that does not exist.
    NotFound,
    /// Visible, but not this person's to do: the wrong role, or a standard
    /// another association leads.
    Forbidden,
    /// The standard changed since the form was shown.
    Stale,
    /// The action does not apply in the standard's state (the page is out of date).
    NotInState,
    /// Periodic review (复审) is for standards in force.
    NotInForce,
    /// Input the user can correct: (field, catalog key), all found at once.
    Invalid(Vec<(&'static str, &'static str)>),
    /// A condition the standard does not meet yet (a catalog key saying which).
    Unmet(&'static str),
    /// Public comment cannot end while these comments (by number) have no disposition.
    Undisposed(Vec<i32>),
    /// No comments are taken: the latest comment period, if there is one.
    Closed(Option<CommentPeriod>),
    /// Too many comments from this address: the time it may comment again (UTC).
    Throttled(NaiveDateTime),
    /// The clause reference names clauses the version commented on does not have.
    UnknownClause { version_n: i32, unknown: Vec<String>, existing: Vec<String> },
    /// These comments (by number) were disposed by someone else since the form was shown.
    StaleComments(Vec<i32>),
}

impl Refusal {
    /// One input problem.
    pub fn invalid(field: &'static str, key: &'static str) -> Refusal {
        Refusal::Invalid(vec![(field, key)])
    }
}
