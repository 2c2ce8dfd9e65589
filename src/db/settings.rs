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

/// The data stamp: moved by every change (`audit::record` calls this), so that
/// every instance can tell whether a kept rendering is still current. Its row
/// keeps the name `dashboard_stamp` of the migration that added it.
pub fn bump_data_stamp(conn: &mut DbConn) -> QueryResult<()> {
    let now = super::now().and_utc().timestamp_micros().to_string();
    diesel::update(settings::table.filter(settings::key.eq("dashboard_stamp")))
        .set(settings::value.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn data_stamp(conn: &mut DbConn) -> QueryResult<String> {
    Ok(get(conn, "dashboard_stamp")?.unwrap_or_default())
}
