//! Who is told about a change, and what: messages written to the outbox in
//! the transaction of the change itself (never for a change that was not
//! saved, never lost with a request), each in its recipient's language.

use diesel::prelude::*;

use super::outbox::{self, Outgoing};
use super::schema::{organizations, pledges, reporting_periods, reports, users};
use super::DbConn;
use crate::domain::Role;

/// A move of a commitment report that someone must hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportNotice {
    /// To the reviewers, and the editors of the association that issued the pledge.
    Submitted,
    /// To the users of the filing organization.
    Returned,
    /// To the users of the filing organization.
    Accepted,
}

impl ReportNotice {
    fn kind(self) -> &'static str {
        match self {
            ReportNotice::Submitted => "report_submitted",
            ReportNotice::Returned => "report_returned",
            ReportNotice::Accepted => "report_accepted",
        }
    }
}

/// An active user who receives a message.
#[derive(Debug, Clone, Queryable)]
struct Recipient {
    id: i64,
    email: String,
    lang: String,
}

/// A stored language code (written by the sign-in); an unknown one is an error, never a default.
fn language(code: &str) -> QueryResult<&'static str> {
    crate::i18n::Lang::from_code(code)
        .map(|l| l.code())
        .ok_or_else(|| diesel::result::Error::DeserializationError(format!("unknown language code {code:?}").into()))
}

/// Write the messages of a report's move (call inside the move's transaction,
/// after the report's row is written). Returns how many were written.
pub fn report_moved(conn: &mut DbConn, report_id: i64, notice: ReportNotice) -> QueryResult<usize> {
    let (org_id, period_id, comment): (i64, i64, String) = reports::table
        .find(report_id)
        .select((reports::organization_id, reports::period_id, reports::review_comment))
        .first(conn)?;
    let (pledge_id, period_zh, period_en): (i64, String, String) = reporting_periods::table
        .find(period_id)
        .select((reporting_periods::pledge_id, reporting_periods::label_zh, reporting_periods::label_en))
        .first(conn)?;
    let (pledge_zh, pledge_en, issuer): (String, String, i64) = pledges::table
        .find(pledge_id)
        .select((pledges::title_zh, pledges::title_en, pledges::organization_id))
        .first(conn)?;
    let (org_zh, org_en): (String, String) =
        organizations::table.find(org_id).select((organizations::name_zh, organizations::name_en)).first(conn)?;

    let active = users::table.filter(users::active.eq(true)).select((users::id, users::email, users::lang));
    let recipients: Vec<Recipient> = match notice {
        ReportNotice::Submitted => active
            .filter(
                users::role
                    .eq(Role::Reviewer.as_str())
                    .or(users::role.eq(Role::Editor.as_str()).and(users::organization_id.eq(issuer))),
            )
            .order(users::id)
            .load(conn)?,
        ReportNotice::Returned | ReportNotice::Accepted => {
            active.filter(users::organization_id.eq(org_id)).order(users::id).load(conn)?
        }
    };
    let link = match notice {
        ReportNotice::Returned => format!("/reports/{report_id}/edit"),
        _ => format!("/reports/{report_id}"),
    };
    let note = if notice == ReportNotice::Submitted { String::new() } else { comment };
    let params = serde_json::json!({
        "org_zh": org_zh, "org_en": org_en,
        "pledge_zh": pledge_zh, "pledge_en": pledge_en,
        "period_zh": period_zh, "period_en": period_en,
        "link": link,
        "note": note,
    });
    for r in &recipients {
        let msg = Outgoing::new(notice.kind(), &r.email, Some(r.id), language(&r.lang)?, &params)
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        outbox::enqueue(conn, &msg)?;
    }
    Ok(recipients.len())
}

/// Remember the language a user signed in with: their mail comes in it.
pub fn remember_language(conn: &mut DbConn, user_id: i64, lang: &'static str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id).filter(users::lang.ne(lang))).set(users::lang.eq(lang)).execute(conn)?;
    Ok(())
}
