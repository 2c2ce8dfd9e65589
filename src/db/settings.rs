//! Key/value settings shared by every instance (e.g. the generated secret key).

use diesel::prelude::*;

use super::schema::settings;
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
