//! Pledges, their commitments, signatures, exclusions and signature events.
//!
//! Pages load a fixed number of queries whatever the number of signatories:
//! signatures (with their organizations), their exclusions and their events
//! are each one query, grouped in Rust. State changes are compare-and-set on
//! `(state, version)` and write the event and the audit row in the same
//! transaction.
//!
//! `read` loads pages' data, `write` creates and moves pledges, `signing`
//! records applications and their moves, `seed` loads the demo.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor};
use super::schema::{organizations, pledge_commitments, pledges, signature_events, signature_exclusions, signatures};
use super::DbConn;
use crate::domain::pledge::{CommitmentDraft, PledgeKind, PledgeState, SignatureAction, SignatureState, Subscription};

// ---------------------------------------------------------------- rows

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Pledge {
    pub id: i64,
    pub kind: String,
    pub title_zh: String,
    pub title_en: String,
    pub organization_id: i64,
    pub guiding_body_zh: String,
    pub guiding_body_en: String,
    pub text_md_zh: String,
    pub text_md_en: String,
    pub state: String,
    pub opened_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub version: i32,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

impl Pledge {
    pub fn kind(&self) -> PledgeKind {
        PledgeKind::parse(&self.kind).unwrap_or(PledgeKind::Convention)
    }

    pub fn state(&self) -> PledgeState {
        PledgeState::parse(&self.state).unwrap_or(PledgeState::Draft)
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

#[derive(Debug, Clone, Queryable, Serialize)]
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

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Signature {
    pub id: i64,
    pub pledge_id: i64,
    pub organization_id: i64,
    pub state: String,
    pub all_commitments: bool,
    pub representative_name: String,
    pub representative_title: String,
    pub applied_by: Option<i64>,
    pub applied_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub state_changed_at: NaiveDateTime,
    pub reason: String,
    pub version: i32,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

impl Signature {
    pub fn state(&self) -> SignatureState {
        SignatureState::parse(&self.state).unwrap_or(SignatureState::Applied)
    }
}

/// What pages show of an organization.
#[derive(Debug, Clone, Queryable)]
pub struct OrgBrief {
    pub id: i64,
    pub kind: String,
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

#[derive(Debug, Clone, Queryable)]
pub struct ExclusionRow {
    pub signature_id: i64,
    pub commitment_id: i64,
    pub number: String,
    pub reason: String,
}

#[derive(Debug, Clone, Queryable)]
pub struct Event {
    pub id: i64,
    pub signature_id: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_org_id: Option<i64>,
    pub from_state: Option<String>,
    pub to_state: String,
    pub note: String,
}

impl Event {
    pub fn to(&self) -> SignatureState {
        SignatureState::parse(&self.to_state).unwrap_or(SignatureState::Applied)
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

type OrgColumns = (
    organizations::id,
    organizations::kind,
    organizations::name_zh,
    organizations::name_en,
    organizations::credit_code,
);
const ORG_COLUMNS: OrgColumns = (
    organizations::id,
    organizations::kind,
    organizations::name_zh,
    organizations::name_en,
    organizations::credit_code,
);

/// A pledge as the organization page lists it.
#[derive(Debug, Clone, Queryable)]
pub struct PledgeBrief {
    pub id: i64,
    pub kind: String,
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
        PledgeKind::parse(&self.kind).unwrap_or(PledgeKind::Convention)
    }
}

/// The outcome of a compare-and-set write.
#[derive(Debug, thiserror::Error)]
pub enum CasError {
    /// The record moved on (another state or version): nothing was written.
    #[error("the record changed meanwhile")]
    Conflict,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

mod read;
mod seed;
mod signing;
mod write;

pub use read::*;
pub use seed::*;
pub use signing::*;
pub use write::*;
