//! Standards: projects, their lifecycle events, versions, comment periods,
//! public comments with dispositions, and technical-review positions.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::Actor;
use super::schema::{standard_events, standards};
use super::DbConn;
use crate::domain::standard::{StandardKind, StandardState, Standing, TransitionError};

mod detail;
mod lifecycle;
mod list;
mod meta;
mod public_comments;
mod versions;

pub use detail::*;
pub use lifecycle::*;
pub use list::*;
pub use meta::*;
pub use public_comments::*;
pub use versions::*;

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Standard {
    pub id: i64,
    pub kind: String,
    pub title_zh: String,
    pub title_en: String,
    pub scope: String,
    pub proposing_org_id: i64,
    pub lead_org_id: i64,
    pub ics: String,
    pub ccs: String,
    pub replaces_id: Option<i64>,
    pub revision_of_id: Option<i64>,
    pub number: Option<String>,
    pub release_date: Option<NaiveDate>,
    pub implementation_date: Option<NaiveDate>,
    pub withdrawn_date: Option<NaiveDate>,
    pub state: String,
    pub version: i32,
    pub review_round: i32,
    pub comment_seq: i32,
    pub year: i32,
    #[serde(skip)]
    pub search_text: String,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

impl Standard {
    pub fn kind(&self) -> StandardKind {
        StandardKind::parse(&self.kind).unwrap_or(StandardKind::Group)
    }

    pub fn state(&self) -> StandardState {
        StandardState::parse(&self.state).unwrap_or(StandardState::Proposed)
    }

    pub fn standing(&self, today: NaiveDate) -> Standing {
        Standing::of(self.state(), self.implementation_date, today)
    }
}

/// Errors of standards work that the user can act on.
#[derive(Debug, thiserror::Error)]
pub enum StdError {
    #[error("not found")]
    NotFound,
    #[error("state changed meanwhile")]
    Conflict,
    #[error("transition not allowed: {0:?}")]
    Transition(TransitionError),
    /// Field errors (field, catalog key).
    #[error("invalid input")]
    Invalid(Vec<(&'static str, &'static str)>),
    /// Comments without a disposition block leaving public comment.
    #[error("undisposed comments")]
    Undisposed(Vec<i32>),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<Standard>> {
    standards::table.find(id).first(conn).optional()
}

pub(crate) fn record_event(
    conn: &mut DbConn,
    actor: Actor,
    standard_id: i64,
    action: &str,
    from: Option<StandardState>,
    to: Option<StandardState>,
    note: &str,
) -> QueryResult<()> {
    diesel::insert_into(standard_events::table)
        .values((
            standard_events::standard_id.eq(standard_id),
            standard_events::at.eq(crate::db::now()),
            standard_events::actor_user_id.eq(actor.user_id),
            standard_events::actor_org_id.eq(actor.org_id),
            standard_events::action.eq(action),
            standard_events::from_state.eq(from.map(|s| s.as_str())),
            standard_events::to_state.eq(to.map(|s| s.as_str())),
            standard_events::note.eq(note),
        ))
        .execute(conn)?;
    Ok(())
}
