//! Standards: projects, their lifecycle events, versions, comment periods,
//! public comments with dispositions, and technical-review positions.
//!
//! Every step has one shape: lock the standard's row first ([`lock`]), then
//! load the facts, ask the domain (`domain::standard`), and write the state,
//! the event and the audit row in the caller's one transaction. A refusal is
//! a [`Refusal`] in [`Fail::Refused`]; the transaction then rolls back.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::Actor;
use super::codes::{serialize_code, Code};
use super::schema::{standard_events, standards};
use super::{DbConn, Fail};
use crate::domain::standard::{Facts, Owners, Refusal, StandardKind, StandardState, Standing};

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

/// A step on a standard: done, refused by the rules, or failed.
pub type Step<T> = Result<T, Fail<Refusal>>;

impl From<Refusal> for Fail<Refusal> {
    fn from(r: Refusal) -> Self {
        Fail::Refused(r)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = standards)]
pub struct Standard {
    pub id: i64,
    #[diesel(deserialize_as = Code<StandardKind>)]
    #[serde(serialize_with = "serialize_code")]
    pub kind: StandardKind,
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
    #[diesel(deserialize_as = Code<StandardState>)]
    #[serde(serialize_with = "serialize_code")]
    pub state: StandardState,
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
    pub fn owners(&self) -> Owners {
        Owners { proposing: self.proposing_org_id, lead: self.lead_org_id }
    }

    pub fn standing(&self, today: NaiveDate) -> Standing {
        Standing::of(self.state, self.implementation_date, today)
    }

    /// What every lifecycle action needs to know about it (see `Facts::about`).
    pub fn facts(&self, today: NaiveDate) -> Facts {
        Facts::about(self.kind, self.owners(), self.implementation_date, today)
    }

    pub fn title(&self, en: bool) -> &str {
        if en {
            &self.title_en
        } else {
            &self.title_zh
        }
    }
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<Standard>> {
    standards::table.find(id).select(Standard::as_select()).first(conn).optional()
}

/// The standard, locked for the rest of the transaction: `FOR UPDATE` on
/// PostgreSQL (whose READ COMMITTED would otherwise let the facts read next
/// change underneath); SQLite's `BEGIN IMMEDIATE` already holds the
/// database's write lock. Every step on a standard starts here.
pub fn lock(conn: &mut DbConn, id: i64) -> Step<Standard> {
    let s = match conn {
        DbConn::Pg(pg) => standards::table.find(id).select(Standard::as_select()).for_update().first(pg).optional()?,
        DbConn::Sqlite(_) => get(conn, id)?,
    };
    s.ok_or(Fail::Refused(Refusal::NotFound))
}

/// Move the standard's version (and its state) compare-and-set: 0 rows means
/// the form is stale, and nothing may be written.
fn bump(conn: &mut DbConn, s: &Standard, shown_version: i32, to: StandardState) -> Step<()> {
    let n = diesel::update(
        standards::table
            .filter(standards::id.eq(s.id))
            .filter(standards::version.eq(shown_version))
            .filter(standards::state.eq(Code(s.state))),
    )
    .set((
        standards::state.eq(Code(to)),
        standards::version.eq(standards::version + 1),
        standards::updated_at.eq(crate::db::now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(Fail::Refused(Refusal::Stale));
    }
    Ok(())
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
            standard_events::from_state.eq(from.map(Code)),
            standard_events::to_state.eq(to.map(Code)),
            standard_events::note.eq(note),
        ))
        .execute(conn)?;
    Ok(())
}
