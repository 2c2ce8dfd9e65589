//! States and kinds stored as their text codes, read back strictly: an
//! unknown code in the database is an error, never a default (an unknown
//! kind must not read as 团体标准 and weaken the 30-day comment rule).
//!
//! A row field is declared as the domain type and read through [`Code`]:
//!
//! ```ignore
//! #[derive(Queryable, Selectable)]
//! struct Row {
//!     #[diesel(deserialize_as = Code<StandardKind>)]
//!     kind: StandardKind,
//! }
//! ```
//!
//! and written with `standards::kind.eq(Code(kind))`. The impls are generic
//! over the backend, so they serve SQLite, PostgreSQL and the multi-backend
//! connection alike.

use std::fmt::Debug;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::pledge::{PledgeKind, PledgeState, SignatureState};
use crate::domain::report::{EntryStatus, ReportState};
use crate::domain::standard::{CommentKind, Disposition, ReviewPosition, StandardKind, StandardState, VersionLabel};
use crate::domain::{OrgKind, Role};

/// A closed set of values with stable text codes.
pub trait Coded: Sized + Copy + Debug + 'static {
    /// What the values are (for the error about an unknown code).
    const WHAT: &'static str;
    fn code(self) -> &'static str;
    fn from_code(code: &str) -> Option<Self>;
}

/// A [`Coded`] value as a text column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow, AsExpression)]
#[diesel(sql_type = Text)]
pub struct Code<T: Coded>(pub T);

impl<T: Coded, DB: Backend> FromSql<Text, DB> for Code<T>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let s = String::from_sql(bytes)?;
        match T::from_code(&s) {
            Some(v) => Ok(Code(v)),
            None => Err(format!("unknown {} {s:?} in the database", T::WHAT).into()),
        }
    }
}

impl<T: Coded, DB: Backend> ToSql<Text, DB> for Code<T>
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <str as ToSql<Text, DB>>::to_sql(self.0.code(), out)
    }
}

/// A coded value in JSON (audit snapshots) as its code:
/// `#[serde(serialize_with = "crate::db::codes::serialize")]`.
pub fn serialize<T: Coded, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.code())
}

impl Coded for StandardKind {
    const WHAT: &'static str = "standard kind";
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        StandardKind::ALL.into_iter().find(|v| v.as_str() == code)
    }
}

impl From<Code<StandardKind>> for StandardKind {
    fn from(c: Code<StandardKind>) -> Self {
        c.0
    }
}

impl Coded for StandardState {
    const WHAT: &'static str = "standard state";
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        StandardState::ALL.into_iter().find(|v| v.as_str() == code)
    }
}

impl From<Code<StandardState>> for StandardState {
    fn from(c: Code<StandardState>) -> Self {
        c.0
    }
}

impl Coded for ReportState {
    const WHAT: &'static str = "report state";
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        ReportState::ALL.into_iter().find(|v| v.as_str() == code)
    }
}

impl From<Code<ReportState>> for ReportState {
    fn from(c: Code<ReportState>) -> Self {
        c.0
    }
}

impl Coded for EntryStatus {
    const WHAT: &'static str = "entry status";
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        EntryStatus::ALL.into_iter().find(|v| v.as_str() == code)
    }
}

impl From<Code<EntryStatus>> for EntryStatus {
    fn from(c: Code<EntryStatus>) -> Self {
        c.0
    }
}

/// An entry's status as stored: the empty code is an entry without one yet
/// (a draft's); anything else must be a status.
impl Coded for Option<EntryStatus> {
    const WHAT: &'static str = "entry status";
    fn code(self) -> &'static str {
        self.map_or("", EntryStatus::code)
    }
    fn from_code(code: &str) -> Option<Self> {
        if code.is_empty() {
            Some(None)
        } else {
            EntryStatus::from_code(code).map(Some)
        }
    }
}

impl From<Code<Option<EntryStatus>>> for Option<EntryStatus> {
    fn from(c: Code<Option<EntryStatus>>) -> Self {
        c.0
    }
}

impl Coded for PledgeKind {
    const WHAT: &'static str = "pledge kind";
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        PledgeKind::parse(code).ok().filter(|v| v.as_str() == code)
    }
}

impl From<Code<PledgeKind>> for PledgeKind {
    fn from(c: Code<PledgeKind>) -> Self {
        c.0
    }
}

impl Coded for PledgeState {
    const WHAT: &'static str = "pledge state";
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        PledgeState::parse(code).ok().filter(|v| v.as_str() == code)
    }
}

impl From<Code<PledgeState>> for PledgeState {
    fn from(c: Code<PledgeState>) -> Self {
        c.0
    }
}

impl Coded for SignatureState {
    const WHAT: &'static str = "signature state";
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        SignatureState::parse(code).ok().filter(|v| v.as_str() == code)
    }
}

impl From<Code<SignatureState>> for SignatureState {
    fn from(c: Code<SignatureState>) -> Self {
        c.0
    }
}

impl Coded for OrgKind {
    const WHAT: &'static str = "organization kind";
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        OrgKind::parse(code).ok().filter(|v| v.as_str() == code)
    }
}

impl From<Code<OrgKind>> for OrgKind {
    fn from(c: Code<OrgKind>) -> Self {
        c.0
    }
}

impl Coded for Role {
    const WHAT: &'static str = "role";
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        Role::parse(code).ok().filter(|v| v.as_str() == code)
    }
}

impl From<Code<Role>> for Role {
    fn from(c: Code<Role>) -> Self {
        c.0
    }
}

// ---- standards: comments, dispositions, positions, version labels; nullable codes

impl Coded for CommentKind {
    const WHAT: &'static str = "comment kind";
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        CommentKind::ALL.into_iter().find(|v| v.as_str() == code)
    }
}

impl From<Code<CommentKind>> for CommentKind {
    fn from(c: Code<CommentKind>) -> Self {
        c.0
    }
}

impl Coded for Disposition {
    const WHAT: &'static str = "disposition";
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        Disposition::ALL.into_iter().find(|v| v.as_str() == code)
    }
}

impl Coded for ReviewPosition {
    const WHAT: &'static str = "review position";
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        ReviewPosition::ALL.into_iter().find(|v| v.as_str() == code)
    }
}

impl From<Code<ReviewPosition>> for ReviewPosition {
    fn from(c: Code<ReviewPosition>) -> Self {
        c.0
    }
}

impl Coded for VersionLabel {
    const WHAT: &'static str = "version label";
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn from_code(code: &str) -> Option<Self> {
        VersionLabel::ALL.into_iter().find(|v| v.as_str() == code)
    }
}

impl From<Code<VersionLabel>> for VersionLabel {
    fn from(c: Code<VersionLabel>) -> Self {
        c.0
    }
}

/// A nullable text column of codes, read as strictly as [`Code`]: NULL is
/// `None`, an unknown code is an error. Declare the field as `Option<T>` with
/// `#[diesel(deserialize_as = MaybeCode<T>)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
#[diesel(sql_type = Nullable<Text>)]
pub struct MaybeCode<T: Coded>(pub Option<T>);

impl<T: Coded, DB: Backend> FromSql<Nullable<Text>, DB> for MaybeCode<T>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(MaybeCode(Some(<Code<T> as FromSql<Text, DB>>::from_sql(bytes)?.0)))
    }

    fn from_nullable_sql(bytes: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match bytes {
            Some(b) => Self::from_sql(b),
            None => Ok(MaybeCode(None)),
        }
    }
}

impl<T: Coded> From<MaybeCode<T>> for Option<T> {
    fn from(c: MaybeCode<T>) -> Self {
        c.0
    }
}

/// Serialize a [`Coded`] value (in audit snapshots) as its code.
pub fn serialize_code<T: Coded, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.code())
}

/// Serialize an optional [`Coded`] value as its code or null.
pub fn serialize_maybe_code<T: Coded, S: serde::Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(v.code()),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    use super::*;
    use crate::db::DbConn;

    #[derive(QueryableByName)]
    struct KindRow {
        #[diesel(sql_type = Text)]
        kind: Code<StandardKind>,
    }

    #[test]
    fn codes_round_trip_and_an_unknown_code_is_an_error() {
        let mut c = DbConn::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        c.batch_execute("CREATE TABLE t (kind TEXT NOT NULL)").unwrap();
        diesel::sql_query("INSERT INTO t (kind) VALUES (?)")
            .bind::<Text, _>(Code(StandardKind::Local))
            .execute(&mut c)
            .unwrap();
        let rows: Vec<KindRow> = diesel::sql_query("SELECT kind FROM t").load(&mut c).unwrap();
        assert_eq!(rows[0].kind, Code(StandardKind::Local));
        c.batch_execute("INSERT INTO t (kind) VALUES ('nonsense')").unwrap();
        let err = diesel::sql_query("SELECT kind FROM t").load::<KindRow>(&mut c).err().expect("an unknown kind fails");
        assert!(err.to_string().contains("unknown standard kind \"nonsense\""), "{err}");
    }

    #[derive(QueryableByName)]
    struct DispositionRow {
        #[diesel(sql_type = Nullable<Text>)]
        d: MaybeCode<Disposition>,
    }

    #[test]
    fn nullable_codes_read_null_as_none_and_an_unknown_code_as_an_error() {
        let mut c = DbConn::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        c.batch_execute("CREATE TABLE t (n INTEGER, d TEXT); INSERT INTO t VALUES (1, NULL), (2, 'noted')").unwrap();
        let rows: Vec<DispositionRow> = diesel::sql_query("SELECT d FROM t ORDER BY n").load(&mut c).unwrap();
        let got: Vec<Option<Disposition>> = rows.into_iter().map(|r| r.d.into()).collect();
        assert_eq!(got, [None, Some(Disposition::Noted)]);
        c.batch_execute("INSERT INTO t VALUES (3, 'maybe')").unwrap();
        let err =
            diesel::sql_query("SELECT d FROM t").load::<DispositionRow>(&mut c).err().expect("an unknown code fails");
        assert!(err.to_string().contains("unknown disposition \"maybe\""), "{err}");
    }
}
