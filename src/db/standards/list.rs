//! Listing and searching standards, an organization's standards, and the feed.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::codes::Code;
use crate::db::orgs::escape_like;
use crate::db::schema::{organizations, standard_codrafters, standard_events, standards};
use crate::db::{DbConn, Start};
use crate::domain::standard::{Person, StandardKind, StandardState, Standing};
use crate::domain::Role;

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub q: String,
    pub status: Option<Standing>,
    pub kind: Option<StandardKind>,
    pub year: Option<i32>,
    pub org_id: Option<i64>,
    /// Which proposals (and rejected ones) the viewer sees besides the public standards.
    pub proposals: Proposals,
}

/// Which proposals a list shows (see `domain::standard::visible_to`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Proposals {
    /// None (the public, filers).
    #[default]
    None,
    /// Those this association proposes or leads (its editors).
    OfOrg(i64),
    /// All (reviewers and admins).
    All,
}

impl Proposals {
    pub fn for_viewer(viewer: Option<Person>) -> Proposals {
        match viewer {
            Some(Person { role: Role::Reviewer | Role::Admin, .. }) => Proposals::All,
            Some(Person { role: Role::Editor, org_id }) => Proposals::OfOrg(org_id),
            _ => Proposals::None,
        }
    }
}

/// The columns of a [`ListRow`] (a standard and its lead organization's names), in its order.
type ListColumns = (
    standards::id,
    standards::kind,
    standards::number,
    standards::title_zh,
    standards::title_en,
    standards::state,
    standards::implementation_date,
    standards::updated_at,
    organizations::name_zh,
    organizations::name_en,
);
const LIST_COLUMNS: ListColumns = (
    standards::id,
    standards::kind,
    standards::number,
    standards::title_zh,
    standards::title_en,
    standards::state,
    standards::implementation_date,
    standards::updated_at,
    organizations::name_zh,
    organizations::name_en,
);

#[derive(Debug, Clone, Queryable)]
pub struct ListRow {
    pub id: i64,
    #[diesel(deserialize_as = Code<StandardKind>)]
    pub kind: StandardKind,
    pub number: Option<String>,
    pub title_zh: String,
    pub title_en: String,
    #[diesel(deserialize_as = Code<StandardState>)]
    pub state: StandardState,
    pub implementation_date: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
    pub lead_name_zh: String,
    pub lead_name_en: String,
}

impl ListRow {
    pub fn standing(&self, today: NaiveDate) -> Standing {
        Standing::of(self.state, self.implementation_date, today)
    }
}

impl ListRow {
    /// Its place in the list's order.
    pub fn key(&self) -> ListKey {
        ListKey { updated_at: self.updated_at, id: self.id }
    }
}

/// A standard's place in the list: `(updated_at DESC, id DESC)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListKey {
    pub updated_at: NaiveDateTime,
    pub id: i64,
}

/// One page of standards, newest activity first, and the total. Two queries.
pub fn list(
    conn: &mut DbConn,
    f: &ListFilter,
    today: NaiveDate,
    limit: i64,
    offset: i64,
    known_total: Option<i64>,
) -> QueryResult<(Vec<ListRow>, i64)> {
    list_from(conn, f, today, limit, Start::Offset(offset), known_total)
}

/// [`list`] from a numbered page or after a standard's key (the same filters).
pub fn list_from(
    conn: &mut DbConn,
    f: &ListFilter,
    today: NaiveDate,
    limit: i64,
    start: Start<ListKey>,
    known_total: Option<i64>,
) -> QueryResult<(Vec<ListRow>, i64)> {
    // The filters touch `standards` only, so the count needs no join.
    macro_rules! filtered {
        ($q:expr) => {{
            let mut q = $q;
            let unapproved = [Code(StandardState::Proposed), Code(StandardState::Rejected)];
            match f.proposals {
                Proposals::All => {}
                Proposals::None => q = q.filter(standards::state.ne_all(unapproved)),
                Proposals::OfOrg(org) => {
                    q = q.filter(
                        standards::state
                            .ne_all(unapproved)
                            .or(standards::proposing_org_id.eq(org))
                            .or(standards::lead_org_id.eq(org)),
                    )
                }
            }
            let needle = f.q.trim().to_lowercase();
            if !needle.is_empty() {
                q = q.filter(standards::search_text.like(format!("%{}%", escape_like(&needle))).escape('\\'));
            }
            let published = Code(StandardState::Published);
            match f.status {
                None => {}
                Some(Standing::InForce) => {
                    q = q.filter(standards::state.eq(published)).filter(standards::implementation_date.le(today))
                }
                Some(Standing::Upcoming) => {
                    q = q.filter(standards::state.eq(published)).filter(standards::implementation_date.gt(today))
                }
                Some(Standing::State(s)) => q = q.filter(standards::state.eq(Code(s))),
            }
            if let Some(k) = f.kind {
                q = q.filter(standards::kind.eq(Code(k)));
            }
            if let Some(y) = f.year {
                q = q.filter(standards::year.eq(y));
            }
            if let Some(org) = f.org_id {
                let codrafted = standard_codrafters::table
                    .filter(standard_codrafters::organization_id.eq(org))
                    .select(standard_codrafters::standard_id);
                q = q.filter(standards::lead_org_id.eq(org).or(standards::id.eq_any(codrafted)));
            }
            q
        }};
    }
    let total = match known_total {
        Some(t) => t,
        None => filtered!(standards::table.into_boxed()).select(count_star()).first(conn)?,
    };
    let mut rows = filtered!(standards::table
        .inner_join(organizations::table.on(organizations::id.eq(standards::lead_org_id)))
        .into_boxed());
    if let Some(k) = start.after() {
        rows = rows.filter(
            standards::updated_at
                .lt(k.updated_at)
                .or(standards::updated_at.eq(k.updated_at).and(standards::id.lt(k.id))),
        );
    }
    let rows = rows
        .select(LIST_COLUMNS)
        .order((standards::updated_at.desc(), standards::id.desc()))
        .limit(limit)
        .offset(start.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// Years that have standards, newest first (for the filter menu).
/// The years from the newest to the oldest standard (two index look-ups,
/// whatever the number of standards).
pub fn years(conn: &mut DbConn) -> QueryResult<Vec<i32>> {
    let (lo, hi): (Option<i32>, Option<i32>) =
        standards::table.select((diesel::dsl::min(standards::year), diesel::dsl::max(standards::year))).first(conn)?;
    Ok(match (lo, hi) {
        (Some(lo), Some(hi)) => (lo.max(hi - 60)..=hi).rev().collect(),
        _ => Vec::new(),
    })
}

/// Every standard an organization proposes, leads or co-drafts (public ones only).
pub fn of_org(conn: &mut DbConn, org_id: i64, today: NaiveDate) -> QueryResult<Vec<(ListRow, &'static str)>> {
    let co: Vec<i64> = standard_codrafters::table
        .filter(standard_codrafters::organization_id.eq(org_id))
        .select(standard_codrafters::standard_id)
        .load(conn)?;
    let rows: Vec<(ListRow, i64, i64)> = standards::table
        .inner_join(organizations::table.on(organizations::id.eq(standards::lead_org_id)))
        .filter(standards::state.ne_all([Code(StandardState::Proposed), Code(StandardState::Rejected)]))
        .filter(
            standards::lead_org_id
                .eq(org_id)
                .or(standards::proposing_org_id.eq(org_id))
                .or(standards::id.eq_any(co.clone())),
        )
        .select((LIST_COLUMNS, standards::lead_org_id, standards::proposing_org_id))
        .order(standards::updated_at.desc())
        .load(conn)?;
    let _ = today;
    Ok(rows
        .into_iter()
        .map(|(r, lead, proposer)| {
            let role = if lead == org_id {
                "lead"
            } else if co.contains(&r.id) {
                "codrafter"
            } else if proposer == org_id {
                "proposer"
            } else {
                "codrafter"
            };
            (r, role)
        })
        .collect())
}

// ------------------------------------------------------------------ feed

#[derive(Debug, Clone, Queryable)]
pub struct FeedItem {
    pub event_id: i64,
    pub at: NaiveDateTime,
    pub action: String,
    pub note: String,
    pub standard_id: i64,
    pub number: Option<String>,
    pub title_zh: String,
    pub title_en: String,
}

/// Newly opened comment periods and newly published standards, newest first.
pub fn feed(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<FeedItem>> {
    standard_events::table
        .inner_join(standards::table)
        .filter(standard_events::action.eq_any(vec!["open_comment", "publish"]))
        .filter(standards::state.ne_all([Code(StandardState::Proposed), Code(StandardState::Rejected)]))
        .order(standard_events::at.desc())
        .limit(limit)
        .select((
            standard_events::id,
            standard_events::at,
            standard_events::action,
            standard_events::note,
            standards::id,
            standards::number,
            standards::title_zh,
            standards::title_en,
        ))
        .load(conn)
}
