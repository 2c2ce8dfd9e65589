//! The audit chain on /admin/audit: its head, the rows waiting to be sealed,
//! the last verification, and "verify now" (admins; POST).

use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;

use super::admin;
use crate::auth::CurrentUser;
use crate::db::audit_chain::{self, Broken};
use crate::db::{users, DbConn};
use crate::error::AppResult;
use crate::web::{redirect_with_flash, AppState};

/// What the page shows about the chain.
pub struct ChainInfo {
    /// (row number, hash, sealed at)
    pub head: Option<(i64, String, NaiveDateTime)>,
    pub unsealed: i64,
    pub last: Option<Last>,
}

pub struct Last {
    pub at: NaiveDateTime,
    /// E-mail of the admin who asked; empty for the command line.
    pub by: String,
    pub rows: i64,
    pub broken: Option<(i64, Broken)>,
}

impl ChainInfo {
    pub fn load(c: &mut DbConn) -> AppResult<ChainInfo> {
        let head = audit_chain::head(c)?;
        let unsealed = audit_chain::unsealed(c)?;
        let last = match audit_chain::last_verification(c)? {
            None => None,
            Some(v) => {
                let by = match v.by_user_id {
                    Some(id) => users::get(c, id)?.map(|u| u.email.to_string()).unwrap_or_default(),
                    None => String::new(),
                };
                Some(Last { at: v.at, by, rows: v.rows_checked, broken: v.broken() })
            }
        };
        Ok(ChainInfo { head, unsealed, last })
    }

    /// The head's hash, shortened for reading (the full one is in the title).
    pub fn short(hash: &str) -> &str {
        &hash[..hash.len().min(16)]
    }
}

pub async fn verify_now(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    admin(&user)?;
    let by = user.id;
    let ok = state
        .db(move |c| {
            audit_chain::seal_now(c, 200)?;
            let v = audit_chain::verify(c)?;
            audit_chain::record(c, Some(by), &v)?;
            Ok(v.ok())
        })
        .await?;
    Ok(redirect_with_flash("/admin/audit", if ok { "flash.audit.verified" } else { "flash.alert.audit_broken" }))
}
