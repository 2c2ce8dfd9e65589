//! Everything a standard's page shows: organizations, links, events, versions, period, counts, positions.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::versions::{released_text, Version};
use super::{get, Standard};
use crate::db::codes::{Code, MaybeCode};
use crate::db::orgs::Org;
use crate::db::schema::{
    comment_periods, comments, organizations, review_positions, standard_codrafters, standard_events,
    standard_versions, standards, users,
};
use crate::db::DbConn;
use crate::domain::standard::{CommentPeriod, CommentWindow, Disposition, ReviewPosition, StandardState, VersionLabel};

#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub at: NaiveDateTime,
    pub action: String,
    #[diesel(deserialize_as = MaybeCode<StandardState>)]
    pub from_state: Option<StandardState>,
    #[diesel(deserialize_as = MaybeCode<StandardState>)]
    pub to_state: Option<StandardState>,
    pub note: String,
    pub org_name_zh: Option<String>,
    pub org_name_en: Option<String>,
}

#[derive(Debug, Clone, Queryable)]
pub struct VersionMeta {
    pub n: i32,
    #[diesel(deserialize_as = Code<VersionLabel>)]
    pub label: VersionLabel,
    pub note: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comment_periods)]
pub struct Period {
    pub id: i64,
    pub standard_id: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub opened_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

impl Period {
    /// The period as the rules see it.
    pub fn period(&self) -> CommentPeriod {
        CommentPeriod {
            window: CommentWindow { starts_on: self.starts_on, ends_on: self.ends_on },
            closed_at: self.closed_at,
        }
    }

    pub fn is_open(&self, today: NaiveDate) -> bool {
        self.period().is_open(today)
    }
}

/// A standard linked to another (replaces / replaced by / revision of).
#[derive(Debug, Clone, Queryable)]
pub struct Link {
    pub id: i64,
    pub number: Option<String>,
    pub title_zh: String,
    pub title_en: String,
    pub replaces_id: Option<i64>,
    pub revision_of_id: Option<i64>,
    /// Who may see it (a revision project may still be a proposal).
    #[diesel(deserialize_as = Code<StandardState>)]
    pub state: StandardState,
    pub proposing_org_id: i64,
    pub lead_org_id: i64,
}

/// The columns of a [`Link`].
pub type LinkColumns = (
    standards::id,
    standards::number,
    standards::title_zh,
    standards::title_en,
    standards::replaces_id,
    standards::revision_of_id,
    standards::state,
    standards::proposing_org_id,
    standards::lead_org_id,
);

pub const LINK_COLUMNS: LinkColumns = (
    standards::id,
    standards::number,
    standards::title_zh,
    standards::title_en,
    standards::replaces_id,
    standards::revision_of_id,
    standards::state,
    standards::proposing_org_id,
    standards::lead_org_id,
);

/// One standard as a link.
pub fn link(conn: &mut DbConn, id: i64) -> QueryResult<Option<Link>> {
    standards::table.find(id).select(LINK_COLUMNS).first(conn).optional()
}

#[derive(Debug, Clone, Queryable)]
pub struct PositionRow {
    pub reviewer_id: i64,
    pub reviewer_name: String,
    #[diesel(deserialize_as = Code<ReviewPosition>)]
    pub position: ReviewPosition,
    pub opinion: String,
    pub cast_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default)]
pub struct DispositionCounts {
    pub total: i64,
    pub undisposed: i64,
    pub by: HashMap<Disposition, i64>,
}

impl DispositionCounts {
    pub fn get(&self, d: &Disposition) -> i64 {
        self.by.get(d).copied().unwrap_or(0)
    }
}

pub struct Detail {
    pub std: Standard,
    pub orgs: HashMap<i64, Org>,
    pub codrafters: Vec<i64>,
    pub links: Vec<Link>,
    pub events: Vec<EventRow>,
    pub versions: Vec<VersionMeta>,
    pub period: Option<Period>,
    pub counts: DispositionCounts,
    pub positions: Vec<PositionRow>,
    /// Once published: the text in force (the latest released version).
    pub text: Option<Version>,
}

impl Detail {
    pub fn org(&self, id: i64) -> Option<&Org> {
        self.orgs.get(&id)
    }

    pub fn replaces(&self) -> Option<&Link> {
        self.std.replaces_id.and_then(|r| self.links.iter().find(|l| l.id == r))
    }

    pub fn replaced_by(&self) -> Vec<&Link> {
        self.links.iter().filter(|l| l.replaces_id == Some(self.std.id)).collect()
    }

    pub fn revision_of(&self) -> Option<&Link> {
        self.std.revision_of_id.and_then(|r| self.links.iter().find(|l| l.id == r))
    }

    pub fn revisions(&self) -> Vec<&Link> {
        self.links
            .iter()
            .filter(|l| l.revision_of_id == Some(self.std.id) && l.replaces_id != Some(self.std.id))
            .collect()
    }
}

pub fn counts(conn: &mut DbConn, standard_id: i64) -> QueryResult<DispositionCounts> {
    let rows: Vec<(MaybeCode<Disposition>, i64)> = comments::table
        .filter(comments::standard_id.eq(standard_id))
        .group_by(comments::disposition)
        .select((comments::disposition, count_star()))
        .load(conn)?;
    let mut c = DispositionCounts::default();
    for (d, n) in rows {
        c.total += n;
        match d.0 {
            Some(d) => {
                c.by.insert(d, n);
            }
            None => c.undisposed += n,
        }
    }
    Ok(c)
}

pub fn latest_period(conn: &mut DbConn, standard_id: i64) -> QueryResult<Option<Period>> {
    comment_periods::table
        .filter(comment_periods::standard_id.eq(standard_id))
        .order(comment_periods::id.desc())
        .select(Period::as_select())
        .first(conn)
        .optional()
}

/// Everything the standard's page shows, in a fixed number of queries.
pub fn detail(conn: &mut DbConn, id: i64) -> QueryResult<Option<Detail>> {
    let Some(std) = get(conn, id)? else { return Ok(None) };
    let codrafters: Vec<i64> = standard_codrafters::table
        .filter(standard_codrafters::standard_id.eq(id))
        .select(standard_codrafters::organization_id)
        .load(conn)?;
    let mut org_ids = codrafters.clone();
    org_ids.extend([std.proposing_org_id, std.lead_org_id]);
    let orgs: HashMap<i64, Org> = organizations::table
        .filter(organizations::id.eq_any(org_ids))
        .load::<Org>(conn)?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut link_filter = vec![-1];
    link_filter.extend(std.replaces_id);
    link_filter.extend(std.revision_of_id);
    let links = standards::table
        .filter(
            standards::id.eq_any(link_filter).or(standards::replaces_id.eq(id)).or(standards::revision_of_id.eq(id)),
        )
        .filter(standards::id.ne(id))
        .select(LINK_COLUMNS)
        .load(conn)?;
    let events = standard_events::table
        .left_join(organizations::table.on(organizations::id.nullable().eq(standard_events::actor_org_id)))
        .filter(standard_events::standard_id.eq(id))
        .order((standard_events::at.asc(), standard_events::id.asc()))
        .select((
            standard_events::at,
            standard_events::action,
            standard_events::from_state,
            standard_events::to_state,
            standard_events::note,
            organizations::name_zh.nullable(),
            organizations::name_en.nullable(),
        ))
        .load(conn)?;
    let versions = standard_versions::table
        .filter(standard_versions::standard_id.eq(id))
        .order(standard_versions::n.asc())
        .select((
            standard_versions::n,
            standard_versions::label,
            standard_versions::note,
            standard_versions::created_at,
        ))
        .load(conn)?;
    let period = latest_period(conn, id)?;
    let counts = counts(conn, id)?;
    let positions = review_positions::table
        .inner_join(users::table)
        .filter(review_positions::standard_id.eq(id))
        .filter(review_positions::round.eq(std.review_round))
        .order(review_positions::cast_at.asc())
        .select((
            review_positions::reviewer_id,
            users::display_name,
            review_positions::position,
            review_positions::opinion,
            review_positions::cast_at,
        ))
        .load(conn)?;
    let text = if std.state.is_published() { released_text(conn, id)? } else { None };
    Ok(Some(Detail { std, orgs, codrafters, links, events, versions, period, counts, positions, text }))
}
