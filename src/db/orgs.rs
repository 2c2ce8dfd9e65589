//! Organizations.

use crate::domain::audit::{Action, Object};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor};
use super::codes::Code;
use super::schema::organizations;
use super::{DbConn, Fail, Start};
use crate::domain::{CreditCode, OrgKind};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = organizations)]
pub struct Org {
    pub id: i64,
    #[diesel(deserialize_as = Code<OrgKind>)]
    #[serde(serialize_with = "super::codes::serialize")]
    pub kind: OrgKind,
    pub name_zh: String,
    pub name_en: String,
    pub credit_code: String,
    pub website: String,
    pub contact: String,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

impl Org {
    pub fn kind(&self) -> OrgKind {
        self.kind
    }
}

/// A checked organization, ready to save.
#[derive(Debug, Clone, Serialize)]
pub struct OrgData {
    #[serde(serialize_with = "super::codes::serialize")]
    pub kind: OrgKind,
    pub name_zh: String,
    pub name_en: String,
    pub credit_code: String,
    pub website: String,
    pub contact: String,
}

impl OrgData {
    pub fn new(
        kind: OrgKind,
        name_zh: String,
        name_en: String,
        code: &CreditCode,
        website: String,
        contact: String,
    ) -> Self {
        OrgData { kind, name_zh, name_en, credit_code: code.as_str().to_owned(), website, contact }
    }
}

/// Why an organization was not saved (nothing was written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgRefusal {
    /// Another organization has this credit code.
    DuplicateCode,
    NotFound,
    /// Changed by someone else since the form was opened.
    Stale,
}

fn map_unique(e: diesel::result::Error) -> Fail<OrgRefusal> {
    match e {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
            Fail::Refused(OrgRefusal::DuplicateCode)
        }
        e => e.into(),
    }
}

/// The columns an organization's form writes.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = organizations)]
struct OrgRow<'a> {
    kind: Code<OrgKind>,
    name_zh: &'a str,
    name_en: &'a str,
    credit_code: &'a str,
    website: &'a str,
    contact: &'a str,
    updated_at: NaiveDateTime,
}

impl OrgData {
    fn row(&self) -> OrgRow<'_> {
        OrgRow {
            kind: Code(self.kind),
            name_zh: &self.name_zh,
            name_en: &self.name_en,
            credit_code: &self.credit_code,
            website: &self.website,
            contact: &self.contact,
            updated_at: super::now(),
        }
    }
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<Org>> {
    organizations::table.find(id).select(Org::as_select()).first(conn).optional()
}

pub fn by_credit_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<Org>> {
    organizations::table
        .filter(organizations::credit_code.eq(code.to_ascii_uppercase()))
        .select(Org::as_select())
        .first(conn)
        .optional()
}

impl Org {
    /// Its place in the list's order.
    pub fn key(&self) -> OrgKey {
        OrgKey { kind: self.kind, name_zh: self.name_zh.clone(), id: self.id }
    }
}

/// An organization's place in the list: `(kind, name_zh, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgKey {
    pub kind: OrgKind,
    pub name_zh: String,
    pub id: i64,
}

/// Organizations matching `q` in either name or the credit code, by Chinese name.
pub fn search(conn: &mut DbConn, q: &str, limit: i64, offset: i64) -> QueryResult<(Vec<Org>, i64)> {
    search_from(conn, q, limit, Start::Offset(offset))
}

/// [`search`] from a numbered page or after an organization's key (the same filter).
pub fn search_from(conn: &mut DbConn, q: &str, limit: i64, start: Start<OrgKey>) -> QueryResult<(Vec<Org>, i64)> {
    let pattern = format!("%{}%", escape_like(q.trim()));
    let build = || {
        let mut query = organizations::table.into_boxed();
        if !q.trim().is_empty() {
            query = query.filter(
                organizations::name_zh
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(organizations::name_en).like(pattern.to_lowercase()).escape('\\'))
                    .or(organizations::credit_code.like(pattern.to_ascii_uppercase()).escape('\\')),
            );
        }
        query
    };
    let total = build().count().get_result(conn)?;
    let mut rows = build();
    if let Some(k) = start.after() {
        let (kind, name) = (Code(k.kind), k.name_zh.clone());
        rows = rows.filter(organizations::kind.gt(kind).or(organizations::kind.eq(kind).and(
            organizations::name_zh.gt(name.clone()).or(organizations::name_zh.eq(name).and(organizations::id.gt(k.id))),
        )));
    }
    let rows = rows
        .order((organizations::kind, organizations::name_zh, organizations::id))
        .limit(limit)
        .offset(start.offset())
        .select(Org::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Every organization, for select menus.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Org>> {
    organizations::table
        .order((organizations::kind, organizations::name_zh, organizations::id))
        .select(Org::as_select())
        .load(conn)
}

pub fn insert(conn: &mut DbConn, actor: Actor, data: &OrgData) -> Result<i64, Fail<OrgRefusal>> {
    let row = data.row();
    let id: i64 = diesel::insert_into(organizations::table)
        .values((&row, organizations::created_at.eq(row.updated_at)))
        .returning(organizations::id)
        .get_result(conn)
        .map_err(map_unique)?;
    audit::record::<(), _>(conn, actor, Object::Organization, Some(id), Action::Create, None, Some(data))?;
    Ok(id)
}

/// Replace an organization's details, if it is still as the editor saw it
/// (`seen`: its `updated_at` when the form was opened); else `Stale`.
pub fn update(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    seen: NaiveDateTime,
    data: &OrgData,
) -> Result<(), Fail<OrgRefusal>> {
    let before = get(conn, id)?.ok_or(Fail::Refused(OrgRefusal::NotFound))?;
    let n = diesel::update(organizations::table.find(id).filter(organizations::updated_at.eq(seen)))
        .set(&data.row())
        .execute(conn)
        .map_err(map_unique)?;
    if n == 0 {
        return Err(Fail::Refused(OrgRefusal::Stale));
    }
    audit::record(conn, actor, Object::Organization, Some(id), Action::Update, Some(&before), Some(data))?;
    Ok(())
}

/// Escape `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
