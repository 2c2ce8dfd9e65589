//! Versions of the text.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{lock, record_event, Step};
use crate::db::attachments::{add_attachments, NewAttachment};
use crate::db::audit::{self, Actor};
use crate::db::codes::Code;
use crate::db::schema::{standard_versions, standards};
use crate::db::DbConn;
use crate::domain::audit::{Action, Object};
use crate::domain::standard::{may_add_version, Person, VersionLabel};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = standard_versions)]
pub struct Version {
    pub id: i64,
    pub standard_id: i64,
    pub n: i32,
    #[diesel(deserialize_as = Code<VersionLabel>)]
    pub label: VersionLabel,
    pub body_md: String,
    pub note: String,
    pub created_at: NaiveDateTime,
    pub created_by: Option<i64>,
}

/// Add the next version of the text; versions are immutable once added.
/// The standard is locked first, so two uploads at once number their
/// versions one after the other.
#[allow(clippy::too_many_arguments)]
pub fn add_version(
    conn: &mut DbConn,
    actor: Actor,
    who: Person,
    id: i64,
    label: VersionLabel,
    body: &str,
    note: &str,
    files: &[NewAttachment],
) -> Step<i32> {
    let s = lock(conn, id)?;
    may_add_version(s.state, who, s.owners())?;
    let last: Option<i32> = standard_versions::table
        .filter(standard_versions::standard_id.eq(id))
        .select(diesel::dsl::max(standard_versions::n))
        .first(conn)?;
    let n = last.unwrap_or(0) + 1;
    let vid: i64 = diesel::insert_into(standard_versions::table)
        .values((
            standard_versions::standard_id.eq(id),
            standard_versions::n.eq(n),
            standard_versions::label.eq(Code(label)),
            standard_versions::body_md.eq(body),
            standard_versions::note.eq(note),
            standard_versions::created_at.eq(crate::db::now()),
            standard_versions::created_by.eq(actor.user_id),
        ))
        .returning(standard_versions::id)
        .get_result(conn)?;
    add_attachments(conn, actor, "standard_version", vid, files)?;
    diesel::update(standards::table.find(id)).set(standards::updated_at.eq(crate::db::now())).execute(conn)?;
    let label = label.as_str();
    record_event(conn, actor, id, "add_version", None, None, &format!("v{n} {label}"))?;
    let names: Vec<(&str, &str)> = files.iter().map(|f| (f.filename.as_str(), f.sha256.as_str())).collect();
    audit::record::<(), _>(
        conn,
        actor,
        Object::StandardVersion,
        Some(vid),
        Action::Create,
        None,
        Some(&(id, n, label, names)),
    )?;
    Ok(n)
}

/// The version numbers of a standard, ascending.
pub fn detail_versions(conn: &mut DbConn, id: i64) -> QueryResult<Vec<i32>> {
    standard_versions::table
        .filter(standard_versions::standard_id.eq(id))
        .order(standard_versions::n.asc())
        .select(standard_versions::n)
        .load(conn)
}

pub fn version(conn: &mut DbConn, id: i64, n: i32) -> QueryResult<Option<Version>> {
    standard_versions::table
        .filter(standard_versions::standard_id.eq(id))
        .filter(standard_versions::n.eq(n))
        .select(Version::as_select())
        .first(conn)
        .optional()
}

/// Versions labelled as released texts (报批稿, 发布稿).
pub const RELEASED_LABELS: [Code<VersionLabel>; 2] = [Code(VersionLabel::ApprovalDraft), Code(VersionLabel::Final)];

/// The latest released version (报批稿 or 发布稿) with text, if any.
pub fn released_text(conn: &mut DbConn, id: i64) -> QueryResult<Option<Version>> {
    standard_versions::table
        .filter(standard_versions::standard_id.eq(id))
        .filter(standard_versions::label.eq_any(RELEASED_LABELS))
        .filter(standard_versions::body_md.ne(""))
        .order(standard_versions::n.desc())
        .select(Version::as_select())
        .first(conn)
        .optional()
}
