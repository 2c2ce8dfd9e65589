//! Key/value settings shared by every instance (e.g. the generated secret key).

use diesel::prelude::*;

use super::schema::{data_stamps, settings};
use super::DbConn;

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table.filter(settings::key.eq(key)).select(settings::value).first(conn).optional()
}

/// Store `value` under `key` unless a value is already there; return the stored value.
/// Safe when several instances race: the loser reads the winner's value.
pub fn get_or_insert(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<String> {
    if let Some(v) = get(conn, key)? {
        return Ok(v);
    }
    match diesel::insert_into(settings::table).values((settings::key.eq(key), settings::value.eq(value))).execute(conn)
    {
        Ok(_) => Ok(value.to_owned()),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            get(conn, key).map(|v| v.unwrap_or_else(|| value.to_owned()))
        }
        Err(e) => Err(e),
    }
}

/// Slots of the data stamp (see [`bump_data_stamp`]).
pub const STAMP_SLOTS: i64 = 16;

/// The data stamp: moved by every change (`audit::record` calls this), so that
/// kept renderings of public pages are renderings of the current data. It is
/// kept in sixteen rows and a change moves the row of its object (`key`, e.g.
/// the object's id): writers of different records do not queue on one row,
/// and two writers of one record queue on that record's own row anyway. The
/// update is part of the writer's transaction, so a reader sees the new stamp
/// only once the change itself is visible.
pub fn bump_data_stamp(conn: &mut DbConn, key: i64) -> QueryResult<()> {
    let slot = key.rem_euclid(STAMP_SLOTS) as i32;
    diesel::update(data_stamps::table.filter(data_stamps::slot.eq(slot)))
        .set(data_stamps::n.eq(data_stamps::n + 1))
        .execute(conn)?;
    Ok(())
}

/// The data stamp as text: the sum of the slots, which grows with every change.
pub fn data_stamp(conn: &mut DbConn) -> QueryResult<String> {
    let slots: Vec<i64> = data_stamps::table.select(data_stamps::n).load(conn)?;
    Ok(slots.iter().sum::<i64>().to_string())
}
