//! Stored files (standard versions' attachments, report evidence): one
//! table, each file owned by a typed owner (`owner_type`, `owner_id`).

use std::collections::HashMap;

use diesel::prelude::*;

use super::audit::Actor;
use super::schema::attachments;
use super::DbConn;

pub struct NewAttachment {
    pub filename: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
    pub sha256: String,
}

/// A stored file's row as written.
#[derive(Insertable)]
#[diesel(table_name = attachments)]
struct AttachmentRow<'a> {
    owner_type: &'a str,
    owner_id: i64,
    filename: &'a str,
    content_type: &'a str,
    size: i64,
    sha256: &'a str,
    data: &'a [u8],
    created_at: chrono::NaiveDateTime,
    created_by: Option<i64>,
}

/// What pages show of a stored file (everything but its bytes).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct AttachmentMeta {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

impl AttachmentMeta {
    /// The size as people read it: 512 B, 34.5 KiB, 1.2 MiB.
    pub fn size_text(&self) -> String {
        let b = self.size.max(0) as f64;
        if b < 1024.0 {
            format!("{} B", self.size.max(0))
        } else if b < 1024.0 * 1024.0 {
            format!("{:.1} KiB", b / 1024.0)
        } else {
            format!("{:.1} MiB", b / 1024.0 / 1024.0)
        }
    }
}

pub fn add_attachments(
    conn: &mut DbConn,
    actor: Actor,
    owner_type: &str,
    owner_id: i64,
    files: &[NewAttachment],
) -> QueryResult<()> {
    // One statement per file: a batch would hold every file's bytes in one statement.
    for f in files {
        let row = AttachmentRow {
            owner_type,
            owner_id,
            filename: &f.filename,
            content_type: f.content_type,
            size: f.data.len() as i64,
            sha256: &f.sha256,
            data: &f.data,
            created_at: super::now(),
            created_by: actor.user_id,
        };
        diesel::insert_into(attachments::table).values(&row).execute(conn)?;
    }
    Ok(())
}

/// A stored file as listed for removal.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct OwnedFile {
    pub id: i64,
    pub owner_id: i64,
    pub filename: String,
    pub sha256: String,
    /// When it was stored.
    pub created_at: chrono::NaiveDateTime,
}

/// Those of `ids` that belong to one of `owner_ids` (of `owner_type`).
pub fn owned_among(conn: &mut DbConn, owner_type: &str, owner_ids: &[i64], ids: &[i64]) -> QueryResult<Vec<OwnedFile>> {
    attachments::table
        .filter(attachments::owner_type.eq(owner_type))
        .filter(attachments::owner_id.eq_any(owner_ids))
        .filter(attachments::id.eq_any(ids))
        .order(attachments::id)
        .select(OwnedFile::as_select())
        .load(conn)
}

/// Delete stored files for good.
pub fn delete(conn: &mut DbConn, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(attachments::table.filter(attachments::id.eq_any(ids))).execute(conn)
}

/// Give stored files another owner type (e.g. to keep them, out of sight, for the record).
pub fn reassign(conn: &mut DbConn, ids: &[i64], owner_type: &str) -> QueryResult<usize> {
    diesel::update(attachments::table.filter(attachments::id.eq_any(ids)))
        .set(attachments::owner_type.eq(owner_type))
        .execute(conn)
}

pub fn attachments_of(conn: &mut DbConn, owner_type: &str, owner_id: i64) -> QueryResult<Vec<AttachmentMeta>> {
    Ok(metas_of(conn, owner_type, &[owner_id])?.remove(&owner_id).unwrap_or_default())
}

/// The files of several owners, by owner, each in the order stored (one query).
pub fn metas_of(
    conn: &mut DbConn,
    owner_type: &str,
    owner_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<AttachmentMeta>>> {
    let rows: Vec<(i64, AttachmentMeta)> = attachments::table
        .filter(attachments::owner_type.eq(owner_type))
        .filter(attachments::owner_id.eq_any(owner_ids))
        .order(attachments::id)
        .select((attachments::owner_id, AttachmentMeta::as_select()))
        .load(conn)?;
    let mut out: HashMap<i64, Vec<AttachmentMeta>> = HashMap::new();
    for (owner, meta) in rows {
        out.entry(owner).or_default().push(meta);
    }
    Ok(out)
}

/// An attachment's metadata and bytes, only if it belongs to that owner.
pub fn attachment(
    conn: &mut DbConn,
    owner_type: &str,
    owner_id: i64,
    id: i64,
) -> QueryResult<Option<(AttachmentMeta, Vec<u8>)>> {
    attachments::table
        .filter(attachments::id.eq(id))
        .filter(attachments::owner_type.eq(owner_type))
        .filter(attachments::owner_id.eq(owner_id))
        .select((AttachmentMeta::as_select(), attachments::data))
        .first(conn)
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_read_them() {
        let m = |size| AttachmentMeta {
            id: 1,
            filename: String::new(),
            content_type: String::new(),
            size,
            sha256: String::new(),
        };
        assert_eq!(m(512).size_text(), "512 B");
        assert_eq!(m(35_328).size_text(), "34.5 KiB");
        assert_eq!(m(1_258_291).size_text(), "1.2 MiB");
    }
}
