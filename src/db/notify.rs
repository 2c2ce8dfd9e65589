//! Who is told about a change, and what: messages written to the outbox in
//! the transaction of the change itself (never for a change that was not
//! saved, never lost with a request), each in its recipient's language.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use super::outbox::{self, Outgoing};
use super::schema::{organizations, pledges, reporting_periods, reports, users};
use super::DbConn;
use crate::domain::{reminder, Role};

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

/// Write the reminders due on `today` (Beijing): to the filers of every
/// verified signatory whose report for a period due soon (or just past) is
/// not yet submitted. Each reminder is written once per period,
/// organization, user and kind (the outbox's dedupe key), however often
/// this runs and on however many instances. Returns how many were written.
pub fn reminders(conn: &mut DbConn, today: NaiveDate) -> QueryResult<usize> {
    use super::schema::signatures;
    use crate::domain::pledge::SignatureState;
    use crate::domain::report::ReportState;

    let periods: Vec<(i64, i64, String, String, NaiveDate)> = reporting_periods::table
        .filter(reporting_periods::due_on.between(today - Duration::days(3), today + Duration::days(7)))
        .filter(reporting_periods::opens_on.le(today))
        .order(reporting_periods::id)
        .select((
            reporting_periods::id,
            reporting_periods::pledge_id,
            reporting_periods::label_zh,
            reporting_periods::label_en,
            reporting_periods::due_on,
        ))
        .load(conn)?;
    let mut written = 0;
    for (period_id, pledge_id, period_zh, period_en, due_on) in periods {
        let Some(reminder) = reminder::due(today, due_on) else { continue };
        let (pledge_zh, pledge_en): (String, String) =
            pledges::table.find(pledge_id).select((pledges::title_zh, pledges::title_en)).first(conn)?;
        let done: Vec<i64> = reports::table
            .filter(reports::period_id.eq(period_id))
            .filter(reports::state.eq_any([ReportState::Submitted.as_str(), ReportState::Accepted.as_str()]))
            .select(reports::organization_id)
            .load(conn)?;
        let orgs: Vec<(i64, String, String)> = signatures::table
            .inner_join(organizations::table)
            .filter(signatures::pledge_id.eq(pledge_id))
            .filter(signatures::state.eq(SignatureState::Verified.as_str()))
            .filter(diesel::dsl::not(signatures::organization_id.eq_any(&done)))
            .select((organizations::id, organizations::name_zh, organizations::name_en))
            .load(conn)?;
        if orgs.is_empty() {
            continue;
        }
        let org_ids: Vec<i64> = orgs.iter().map(|o| o.0).collect();
        let filers: Vec<(i64, i64, String, String)> = users::table
            .filter(users::active.eq(true))
            .filter(users::role.eq(Role::Filer.as_str()))
            .filter(users::organization_id.eq_any(&org_ids))
            .order(users::id)
            .select((users::id, users::organization_id, users::email, users::lang))
            .load(conn)?;
        let days_left = (due_on - today).num_days();
        let due_instant = crate::domain::standing::due_instant(due_on);
        for (user_id, org_id, email, lang) in filers {
            let Some((_, org_zh, org_en)) = orgs.iter().find(|o| o.0 == org_id) else { continue };
            let params = serde_json::json!({
                "org_zh": org_zh, "org_en": org_en,
                "pledge_zh": pledge_zh, "pledge_en": pledge_en,
                "period_zh": period_zh, "period_en": period_en,
                "due_zh": crate::i18n::Lang::Zh.deadline(due_instant),
                "due_en": crate::i18n::Lang::En.deadline(due_instant),
                "days": days_left.max(0),
                "link": "/reporting",
            });
            let kind = reminder.kind();
            let msg = Outgoing::new(kind, &email, Some(user_id), language(&lang)?, &params)
                .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?
                .once(format!("{kind}:period:{period_id}:org:{org_id}:user:{user_id}"));
            if outbox::enqueue(conn, &msg)?.is_some() {
                written += 1;
            }
        }
    }
    Ok(written)
}

/// A move of a signature that its signatory must hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureNotice {
    Verified,
    Declined,
    Suspended,
}

impl SignatureNotice {
    fn kind(self) -> &'static str {
        match self {
            SignatureNotice::Verified => "signature_verified",
            SignatureNotice::Declined => "signature_declined",
            SignatureNotice::Suspended => "signature_suspended",
        }
    }
}

/// Write the messages of a signature's move to the signatory's users (call
/// inside the move's transaction); `reason` is what the editor wrote.
pub fn signature_moved(
    conn: &mut DbConn,
    signature_id: i64,
    notice: SignatureNotice,
    reason: &str,
) -> QueryResult<usize> {
    use super::schema::signatures;
    let (org_id, pledge_id): (i64, i64) = signatures::table
        .find(signature_id)
        .select((signatures::organization_id, signatures::pledge_id))
        .first(conn)?;
    let (pledge_zh, pledge_en): (String, String) =
        pledges::table.find(pledge_id).select((pledges::title_zh, pledges::title_en)).first(conn)?;
    let (org_zh, org_en): (String, String) =
        organizations::table.find(org_id).select((organizations::name_zh, organizations::name_en)).first(conn)?;
    let recipients: Vec<Recipient> = users::table
        .filter(users::active.eq(true))
        .filter(users::organization_id.eq(org_id))
        .order(users::id)
        .select((users::id, users::email, users::lang))
        .load(conn)?;
    let params = serde_json::json!({
        "org_zh": org_zh, "org_en": org_en,
        "pledge_zh": pledge_zh, "pledge_en": pledge_en,
        "link": format!("/pledges/{pledge_id}"),
        "note": reason,
    });
    for r in &recipients {
        let msg = Outgoing::new(notice.kind(), &r.email, Some(r.id), language(&r.lang)?, &params)
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        outbox::enqueue(conn, &msg)?;
    }
    Ok(recipients.len())
}

/// The commenter who asked for it ("处理后通知我") hears how their public
/// comment was disposed, in the language they commented in.
pub fn comment_disposed(
    conn: &mut DbConn,
    c: &super::standards::Comment,
    (title_zh, title_en): (&str, &str),
    disposition: &str,
    reason: &str,
    lang: &str,
) -> QueryResult<()> {
    use crate::i18n::Lang;
    let key = format!("std.disposition.{disposition}");
    let params = serde_json::json!({
        "standard_zh": title_zh, "standard_en": title_en,
        "seq": c.seq,
        "disposition_zh": Lang::Zh.t(&key), "disposition_en": Lang::En.t(&key),
        "link": format!("/standards/{}/comments/{}", c.standard_id, c.seq),
        "note": reason,
    });
    let msg = Outgoing::new("comment_disposed", &c.email, None, language(lang)?, &params)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    outbox::enqueue(conn, &msg)?;
    Ok(())
}
