//! The names the audit log's sentences need: who acted, and what each row is
//! about (a standard's title, the organization and pledge of a signature, …),
//! loaded for a whole page of rows at once.

use std::collections::{BTreeSet, HashMap};

use diesel::prelude::*;

use super::schema::{
    comments, organizations, pledges, reporting_periods, reports, signatures, standard_versions, standards, users,
};
use super::DbConn;

/// Ids of the records a page of audit rows mentions, by kind.
#[derive(Debug, Default, Clone)]
pub struct Wanted {
    pub users: BTreeSet<i64>,
    pub orgs: BTreeSet<i64>,
    pub standards: BTreeSet<i64>,
    pub pledges: BTreeSet<i64>,
    pub signatures: BTreeSet<i64>,
    pub reports: BTreeSet<i64>,
    pub periods: BTreeSet<i64>,
    pub comments: BTreeSet<i64>,
    pub versions: BTreeSet<i64>,
    pub tokens: BTreeSet<i64>,
}

#[derive(Debug, Clone)]
pub struct UserName {
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub organization_id: i64,
}

/// A name in both languages.
#[derive(Debug, Clone)]
pub struct Bilingual {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone)]
pub struct PledgeName {
    pub kind: String,
    pub title: Bilingual,
}

#[derive(Debug, Clone)]
pub struct PeriodName {
    pub pledge_id: i64,
    pub label: Bilingual,
}

/// Everything found; a record that is not there (a wrong id in an old row) is simply absent.
#[derive(Debug, Default, Clone)]
pub struct Names {
    pub users: HashMap<i64, UserName>,
    pub orgs: HashMap<i64, Bilingual>,
    pub standards: HashMap<i64, Bilingual>,
    pub pledges: HashMap<i64, PledgeName>,
    /// signature → (pledge, organization)
    pub signatures: HashMap<i64, (i64, i64)>,
    /// report → (organization, period)
    pub reports: HashMap<i64, (i64, i64)>,
    pub periods: HashMap<i64, PeriodName>,
    /// comment → (standard, number)
    pub comments: HashMap<i64, (i64, i32)>,
    /// standard version → (standard, number)
    pub versions: HashMap<i64, (i64, i32)>,
    /// API token → its name.
    pub tokens: HashMap<i64, String>,
}

/// Ids in chunks small enough for any backend's limit on bound parameters.
fn chunks(ids: &BTreeSet<i64>) -> Vec<Vec<i64>> {
    let all: Vec<i64> = ids.iter().copied().collect();
    all.chunks(500).map(<[i64]>::to_vec).collect()
}

impl Names {
    /// Load the names of `wanted`, and of what those records point to in turn
    /// (a report's organization and period, a period's pledge, …).
    pub fn load(conn: &mut DbConn, wanted: &Wanted) -> QueryResult<Names> {
        let mut w = wanted.clone();
        let mut n = Names::default();
        for ids in chunks(&w.tokens) {
            let rows: Vec<(i64, String)> = super::schema::api_tokens::table
                .filter(super::schema::api_tokens::id.eq_any(ids))
                .select((super::schema::api_tokens::id, super::schema::api_tokens::name))
                .load(conn)?;
            n.tokens.extend(rows);
        }
        for ids in chunks(&w.signatures) {
            let rows: Vec<(i64, i64, i64)> = signatures::table
                .filter(signatures::id.eq_any(ids))
                .select((signatures::id, signatures::pledge_id, signatures::organization_id))
                .load(conn)?;
            for (id, pledge, org) in rows {
                w.pledges.insert(pledge);
                w.orgs.insert(org);
                n.signatures.insert(id, (pledge, org));
            }
        }
        for ids in chunks(&w.reports) {
            let rows: Vec<(i64, i64, i64)> = reports::table
                .filter(reports::id.eq_any(ids))
                .select((reports::id, reports::organization_id, reports::period_id))
                .load(conn)?;
            for (id, org, period) in rows {
                w.orgs.insert(org);
                w.periods.insert(period);
                n.reports.insert(id, (org, period));
            }
        }
        for ids in chunks(&w.periods) {
            let rows: Vec<(i64, i64, String, String)> = reporting_periods::table
                .filter(reporting_periods::id.eq_any(ids))
                .select((
                    reporting_periods::id,
                    reporting_periods::pledge_id,
                    reporting_periods::label_zh,
                    reporting_periods::label_en,
                ))
                .load(conn)?;
            for (id, pledge_id, zh, en) in rows {
                w.pledges.insert(pledge_id);
                n.periods.insert(id, PeriodName { pledge_id, label: Bilingual { zh, en } });
            }
        }
        for ids in chunks(&w.comments) {
            let rows: Vec<(i64, i64, i32)> = comments::table
                .filter(comments::id.eq_any(ids))
                .select((comments::id, comments::standard_id, comments::seq))
                .load(conn)?;
            for (id, standard, seq) in rows {
                w.standards.insert(standard);
                n.comments.insert(id, (standard, seq));
            }
        }
        for ids in chunks(&w.versions) {
            let rows: Vec<(i64, i64, i32)> = standard_versions::table
                .filter(standard_versions::id.eq_any(ids))
                .select((standard_versions::id, standard_versions::standard_id, standard_versions::n))
                .load(conn)?;
            for (id, standard, v) in rows {
                w.standards.insert(standard);
                n.versions.insert(id, (standard, v));
            }
        }
        for ids in chunks(&w.users) {
            let rows: Vec<(i64, String, String, String, i64)> = users::table
                .filter(users::id.eq_any(ids))
                .select((users::id, users::display_name, users::email, users::role, users::organization_id))
                .load(conn)?;
            for (id, display_name, email, role, organization_id) in rows {
                w.orgs.insert(organization_id);
                n.users.insert(id, UserName { display_name, email, role, organization_id });
            }
        }
        for ids in chunks(&w.pledges) {
            let rows: Vec<(i64, String, String, String)> = pledges::table
                .filter(pledges::id.eq_any(ids))
                .select((pledges::id, pledges::kind, pledges::title_zh, pledges::title_en))
                .load(conn)?;
            for (id, kind, zh, en) in rows {
                n.pledges.insert(id, PledgeName { kind, title: Bilingual { zh, en } });
            }
        }
        for ids in chunks(&w.standards) {
            let rows: Vec<(i64, String, String)> = standards::table
                .filter(standards::id.eq_any(ids))
                .select((standards::id, standards::title_zh, standards::title_en))
                .load(conn)?;
            for (id, zh, en) in rows {
                n.standards.insert(id, Bilingual { zh, en });
            }
        }
        for ids in chunks(&w.orgs) {
            let rows: Vec<(i64, String, String)> = organizations::table
                .filter(organizations::id.eq_any(ids))
                .select((organizations::id, organizations::name_zh, organizations::name_en))
                .load(conn)?;
            for (id, zh, en) in rows {
                n.orgs.insert(id, Bilingual { zh, en });
            }
        }
        Ok(n)
    }
}
