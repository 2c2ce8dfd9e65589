//! Stored files (standard versions' attachments, report evidence): one
//! table, each file owned by a typed owner (`owner_type`, `owner_id`).

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

#[derive(Debug, Clone, Queryable)]
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
    for f in files {
        diesel::insert_into(attachments::table)
            .values((
                attachments::owner_type.eq(owner_type),
                attachments::owner_id.eq(owner_id),
                attachments::filename.eq(&f.filename),
                attachments::content_type.eq(f.content_type),
                attachments::size.eq(f.data.len() as i64),
                attachments::sha256.eq(&f.sha256),
                attachments::data.eq(&f.data),
                attachments::created_at.eq(super::now()),
                attachments::created_by.eq(actor.user_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A stored file as listed for removal: (id, owner id, file name, SHA-256, stored at).
pub type OwnedFile = (i64, i64, String, String, chrono::NaiveDateTime);

/// Those of `ids` that belong to one of `owner_ids` (of `owner_type`).
pub fn owned_among(conn: &mut DbConn, owner_type: &str, owner_ids: &[i64], ids: &[i64]) -> QueryResult<Vec<OwnedFile>> {
    attachments::table
        .filter(attachments::owner_type.eq(owner_type))
        .filter(attachments::owner_id.eq_any(owner_ids))
        .filter(attachments::id.eq_any(ids))
        .order(attachments::id)
        .select((
            attachments::id,
            attachments::owner_id,
            attachments::filename,
            attachments::sha256,
            attachments::created_at,
        ))
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
    attachments::table
        .filter(attachments::owner_type.eq(owner_type))
        .filter(attachments::owner_id.eq(owner_id))
        .order(attachments::id)
        .select((
            attachments::id,
            attachments::filename,
            attachments::content_type,
            attachments::size,
            attachments::sha256,
        ))
        .load(conn)
}

/// An attachment's metadata and bytes, only if it belongs to that owner.
pub fn attachment(
    conn: &mut DbConn,
    owner_type: &str,
    owner_id: i64,
    id: i64,
) -> QueryResult<Option<(AttachmentMeta, Vec<u8>)>> {
    let row: Option<(i64, String, String, i64, String, Vec<u8>)> = attachments::table
        .filter(attachments::id.eq(id))
        .filter(attachments::owner_type.eq(owner_type))
        .filter(attachments::owner_id.eq(owner_id))
        .select((
            attachments::id,
            attachments::filename,
            attachments::content_type,
            attachments::size,
            attachments::sha256,
            attachments::data,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(id, filename, content_type, size, sha256, data)| {
        (AttachmentMeta { id, filename, content_type, size, sha256 }, data)
    }))
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
