//! Pledges, their commitments, signatures, exclusions and signature events.
//!
//! Pages load a fixed number of queries whatever the number of signatories:
//! signatures (with their organizations), their exclusions and their events
//! are each one query, grouped in Rust. Every move locks the row first, then
//! loads the facts, asks the domain (`domain::pledge`) and writes the new
//! state, the event and the audit row in the same transaction.
//!
//! `read` loads pages' data, `write` creates and moves pledges, `signing`
//! records applications and their moves, `seed` loads the demo.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor};
use super::codes::Code;
use super::schema::{organizations, pledge_commitments, pledges, signature_events, signature_exclusions, signatures};
use super::{DbConn, Fail, Start};
use crate::domain::pledge::{CommitmentDraft, PledgeKind, PledgeState, SignatureAction, SignatureState};
use crate::domain::OrgKind;

// ---------------------------------------------------------------- rows

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pledges)]
pub struct Pledge {
    pub id: i64,
    #[diesel(deserialize_as = Code<PledgeKind>)]
    pub kind: PledgeKind,
    pub title_zh: String,
    pub title_en: String,
    pub organization_id: i64,
    pub guiding_body_zh: String,
    pub guiding_body_en: String,
    pub text_md_zh: String,
    pub text_md_en: String,
    #[diesel(deserialize_as = Code<PledgeState>)]
    pub state: PledgeState,
    pub opened_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Pledge {
    pub fn kind(&self) -> PledgeKind {
        self.kind
    }

    pub fn state(&self) -> PledgeState {
        self.state
    }

    pub fn title(&self, en: bool) -> &str {
        if en {
            &self.title_en
        } else {
            &self.title_zh
        }
    }

    pub fn guiding_body(&self, en: bool) -> &str {
        if en {
            &self.guiding_body_en
        } else {
            &self.guiding_body_zh
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = pledge_commitments)]
pub struct Commitment {
    pub id: i64,
    pub pledge_id: i64,
    pub number: String,
    pub area_zh: String,
    pub area_en: String,
    pub text_zh: String,
    pub text_en: String,
    pub position: i32,
}

impl Commitment {
    pub fn area(&self, en: bool) -> &str {
        if en {
            &self.area_en
        } else {
            &self.area_zh
        }
    }

    pub fn text(&self, en: bool) -> &str {
        if en {
            &self.text_en
        } else {
            &self.text_zh
        }
    }

    pub fn draft(&self) -> CommitmentDraft {
        CommitmentDraft {
            number: self.number.clone(),
            area_zh: self.area_zh.clone(),
            area_en: self.area_en.clone(),
            text_zh: self.text_zh.clone(),
            text_en: self.text_en.clone(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signatures)]
pub struct Signature {
    pub id: i64,
    pub pledge_id: i64,
    pub organization_id: i64,
    #[diesel(deserialize_as = Code<SignatureState>)]
    pub state: SignatureState,
    pub all_commitments: bool,
    pub representative_name: String,
    pub representative_title: String,
    pub applied_by: Option<i64>,
    pub applied_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub state_changed_at: NaiveDateTime,
    pub reason: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Signature {
    pub fn state(&self) -> SignatureState {
        self.state
    }
}

/// What pages show of an organization.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct OrgBrief {
    pub id: i64,
    #[diesel(deserialize_as = Code<OrgKind>)]
    pub kind: OrgKind,
    pub name_zh: String,
    pub name_en: String,
    pub credit_code: String,
}

impl OrgBrief {
    pub fn name(&self, en: bool) -> &str {
        if en {
            &self.name_en
        } else {
            &self.name_zh
        }
    }
}

/// A commitment left out by a signature, with its number.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signature_exclusions)]
pub struct ExclusionRow {
    pub signature_id: i64,
    pub commitment_id: i64,
    #[diesel(select_expression = pledge_commitments::number)]
    pub number: String,
    pub reason: String,
}

/// One move in a signature's history.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signature_events)]
pub struct Event {
    pub id: i64,
    pub signature_id: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_org_id: Option<i64>,
    pub from_state: Option<Code<SignatureState>>,
    #[diesel(deserialize_as = Code<SignatureState>)]
    pub to_state: SignatureState,
    pub note: String,
}

impl Event {
    pub fn from(&self) -> Option<SignatureState> {
        self.from_state.map(|c| c.0)
    }

    pub fn to(&self) -> SignatureState {
        self.to_state
    }
}

/// A signature with everything its row on the pledge page shows.
#[derive(Debug, Clone)]
pub struct Signatory {
    pub sig: Signature,
    pub org: OrgBrief,
    pub exclusions: Vec<ExclusionRow>,
    pub events: Vec<Event>,
}

/// A pledge in the list, with its issuing association and number of verified signatories.
#[derive(Debug, Clone)]
pub struct PledgeListItem {
    pub pledge: Pledge,
    pub issuer: OrgBrief,
    pub verified: i64,
}

/// Which drafts a viewer may see in lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drafts {
    None,
    OfOrg(i64),
    All,
}

/// A pledge as the organization page lists it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pledges)]
pub struct PledgeBrief {
    pub id: i64,
    #[diesel(deserialize_as = Code<PledgeKind>)]
    pub kind: PledgeKind,
    pub title_zh: String,
    pub title_en: String,
}

impl PledgeBrief {
    pub fn title(&self, en: bool) -> &str {
        if en {
            &self.title_en
        } else {
            &self.title_zh
        }
    }

    pub fn kind(&self) -> PledgeKind {
        self.kind
    }
}

// ---------------------------------------------------------------- locks

// A row is taken for the transaction before anything is decided about it.
// On PostgreSQL `SELECT … FOR NO KEY UPDATE`: a concurrent move of the same
// row waits there, then reads what the first one wrote (the facts are read
// after the lock, so READ COMMITTED gives the current ones). SQLite's
// `BEGIN IMMEDIATE` already holds the database's write lock, so a plain read
// is just as current.

/// The pledge, locked for this transaction.
pub(crate) fn lock_pledge(conn: &mut DbConn, id: i64) -> QueryResult<Option<Pledge>> {
    let q = pledges::table.find(id);
    match conn {
        DbConn::Pg(c) => q.select(Pledge::as_select()).for_no_key_update().first(c).optional(),
        DbConn::Sqlite(c) => q.select(Pledge::as_select()).first(c).optional(),
    }
}

/// The signature, locked for this transaction.
fn lock_signature(conn: &mut DbConn, id: i64) -> QueryResult<Option<Signature>> {
    let q = signatures::table.find(id);
    match conn {
        DbConn::Pg(c) => q.select(Signature::as_select()).for_no_key_update().first(c).optional(),
        DbConn::Sqlite(c) => q.select(Signature::as_select()).first(c).optional(),
    }
}

/// A refusal, as the workflow functions return it.
fn refused<T, R>(r: R) -> Result<T, Fail<R>> {
    Err(Fail::Refused(r))
}

mod read;
mod seed;
mod signing;
mod write;

pub use read::*;
pub use seed::*;
pub use signing::*;
pub use write::*;
