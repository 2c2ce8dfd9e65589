//! The tamper-evident audit log: a hash chain over `audit_log`, kept in
//! `audit_chain` (one link per audit row, in id order).
//!
//! Writers only ever INSERT audit rows, unchained, as before: nothing they do
//! waits on a shared row. A sealer (one background thread per instance, one at
//! a time across instances through an advisory lock on PostgreSQL) appends the
//! links: `row_hash = SHA-256(prev_hash ‖ the row's content)`, `prev_hash`
//! being the previous link's `row_hash`. `UNIQUE (prev_hash)` makes a fork
//! impossible even if two sealers ever raced.
//!
//! **The sealing rule.** A row may be chained only when no row with a smaller
//! id can still appear. On SQLite writers are serialized and a write
//! transaction sees every committed row: everything there is can be sealed.
//! On PostgreSQL ids come from a sequence and transactions commit in any
//! order, and a rolled-back one leaves a gap forever. Every transaction that
//! inserts an audit row holds `ROW EXCLUSIVE` on `audit_log` from before it
//! draws its id until it ends. So the sealer reads `S = max(id)` and then the
//! transactions holding that lock (`pg_locks`): any row with an id ≤ S not yet
//! committed belongs to one of them, and any id drawn later is > S. Once all
//! of those transactions have ended (a later round), ids ≤ S are final —
//! committed or gone for good — and are sealed. Writers never wait for the
//! sealer; the sealer never blocks them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel::QueryableByName;
use sha2::{Digest, Sha256};

use super::audit::AuditRow;
use super::schema::{audit_chain, audit_log, audit_verifications};
use super::DbConn;

/// The `prev_hash` of the first link.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Sealers across instances take turns on this advisory lock.
const SEALER_LOCK: i64 = 73658412;
/// Links written per transaction.
const BATCH: i64 = 1000;

/// The hash of an audit row's content chained to `prev`: every field, each
/// with a presence byte and its length, so no two rows encode alike.
pub fn row_hash(prev: &str, r: &AuditRow) -> String {
    let mut h = Sha256::new();
    h.update(b"selfreg-audit-v1\0");
    h.update(prev.as_bytes());
    let mut field = |v: Option<&str>| match v {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
    };
    field(Some(&r.id.to_string()));
    field(Some(&r.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()));
    field(r.actor_user_id.map(|v| v.to_string()).as_deref());
    field(r.actor_org_id.map(|v| v.to_string()).as_deref());
    field(Some(&r.object_type));
    field(r.object_id.map(|v| v.to_string()).as_deref());
    field(Some(&r.action));
    field(r.before_json.as_deref());
    field(r.after_json.as_deref());
    field(r.source_address.as_deref());
    // The API token the change came through (machine filing): only when there
    // is one, so rows written before the column existed keep their hashes; the
    // fields before it are self-delimiting, so the encoding stays unambiguous.
    if let Some(t) = r.actor_token_id {
        field(Some(&t.to_string()));
    }
    hex::encode(h.finalize())
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    ok: bool,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The sealer's state between rounds: on PostgreSQL, a horizon waiting for
/// the transactions that might still add rows below it.
#[derive(Debug, Default)]
pub struct Sealer {
    candidate: Option<(i64, Vec<String>)>,
}

impl Sealer {
    /// One round: seal what the rule allows now; returns the links written.
    pub fn tick(&mut self, conn: &mut DbConn) -> QueryResult<usize> {
        match conn {
            DbConn::Sqlite(_) => {
                // Take the write lock only when there is something to seal.
                if unsealed(conn)? == 0 {
                    return Ok(0);
                }
                super::write(conn, |c| seal_upto(c, i64::MAX))
            }
            DbConn::Pg(_) => {
                if self.candidate.is_none() {
                    self.candidate = Some(candidate(conn)?);
                }
                let (upto, writers) = self.candidate.clone().unwrap_or_default();
                if !writers.is_empty() && still_running(conn, &writers)? {
                    return Ok(0);
                }
                self.candidate = None;
                super::write(conn, |c| {
                    let got: Flag = diesel::sql_query(format!("SELECT pg_try_advisory_xact_lock({SEALER_LOCK}) AS ok"))
                        .get_result(c)?;
                    if got.ok {
                        seal_upto(c, upto)
                    } else {
                        Ok(0)
                    }
                })
            }
        }
    }
}

/// `S = max(id)`, then the transactions that may still commit rows below it.
fn candidate(conn: &mut DbConn) -> QueryResult<(i64, Vec<String>)> {
    let s: Option<i64> = audit_log::table.select(diesel::dsl::max(audit_log::id)).first(conn)?;
    let writers: Vec<Line> = diesel::sql_query(
        "SELECT virtualtransaction::text AS line FROM pg_locks WHERE locktype = 'relation' \
         AND relation = 'audit_log'::regclass AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()",
    )
    .load(conn)?;
    Ok((s.unwrap_or(0), writers.into_iter().map(|l| l.line).collect()))
}

fn still_running(conn: &mut DbConn, writers: &[String]) -> QueryResult<bool> {
    // Virtual transaction ids are "backend/number": digits and one slash.
    let list: Vec<String> = writers
        .iter()
        .filter(|w| w.chars().all(|c| c.is_ascii_digit() || c == '/'))
        .map(|w| format!("'{w}'"))
        .collect();
    if list.is_empty() {
        return Ok(false);
    }
    let n: Count = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid IN ({})",
        list.join(", ")
    ))
    .get_result(conn)?;
    Ok(n.n > 0)
}

/// The last link: (audit id, row hash).
pub fn head(conn: &mut DbConn) -> QueryResult<Option<(i64, String, NaiveDateTime)>> {
    audit_chain::table
        .select((audit_chain::audit_id, audit_chain::row_hash, audit_chain::sealed_at))
        .order(audit_chain::audit_id.desc())
        .first(conn)
        .optional()
}

/// Chain the rows after the head up to `upto` (inside the caller's transaction).
fn seal_upto(conn: &mut DbConn, upto: i64) -> QueryResult<usize> {
    let (last, mut prev) = head(conn)?.map(|(id, h, _)| (id, h)).unwrap_or((0, GENESIS.to_owned()));
    let rows: Vec<AuditRow> = audit_log::table
        .filter(audit_log::id.gt(last).and(audit_log::id.le(upto)))
        .order(audit_log::id)
        .limit(BATCH)
        .load(conn)?;
    if rows.is_empty() {
        return Ok(0);
    }
    let now = super::now();
    let mut links = Vec::with_capacity(rows.len());
    for r in &rows {
        let h = row_hash(&prev, r);
        links.push((
            audit_chain::audit_id.eq(r.id),
            audit_chain::prev_hash.eq(prev.clone()),
            audit_chain::row_hash.eq(h.clone()),
            audit_chain::sealed_at.eq(now),
        ));
        prev = h;
    }
    super::insert_many(conn, audit_chain::table, links)
}

/// Rows not chained yet.
pub fn unsealed(conn: &mut DbConn) -> QueryResult<i64> {
    let last = head(conn)?.map(|h| h.0).unwrap_or(0);
    audit_log::table.filter(audit_log::id.gt(last)).count().get_result(conn)
}

/// Seal everything written before this call (rounds until the rows that
/// existed at the start are chained, or `rounds` have passed): for the command
/// line and the admins' "verify now".
pub fn seal_now(conn: &mut DbConn, rounds: u32) -> QueryResult<()> {
    let target: Option<i64> = audit_log::table.select(diesel::dsl::max(audit_log::id)).first(conn)?;
    let Some(target) = target else { return Ok(()) };
    let mut sealer = Sealer::default();
    for _ in 0..rounds {
        sealer.tick(conn)?;
        if head(conn)?.is_some_and(|h| h.0 >= target) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    Ok(())
}

/// Why a row does not match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// Its content no longer gives its hash.
    Altered,
    /// Its link is there, the row is not.
    Deleted,
    /// Its link does not follow the link before it.
    Relinked,
    /// Its hash is not the one an earlier verification recorded.
    Rewritten,
    /// An earlier verification's head is no longer in the chain.
    HeadGone,
    /// Below the head but not in the chain.
    Stray,
}

impl Broken {
    pub const ALL: [Broken; 6] =
        [Broken::Altered, Broken::Deleted, Broken::Relinked, Broken::Rewritten, Broken::HeadGone, Broken::Stray];

    /// Stored in `audit_verifications.problem` after the row number; the catalogs' `audit.chain.reason.{code}`.
    pub fn code(self) -> &'static str {
        match self {
            Broken::Altered => "altered",
            Broken::Deleted => "deleted",
            Broken::Relinked => "relinked",
            Broken::Rewritten => "rewritten",
            Broken::HeadGone => "head_gone",
            Broken::Stray => "stray",
        }
    }

    pub fn parse(code: &str) -> Option<Broken> {
        Broken::ALL.into_iter().find(|b| b.code() == code)
    }

    /// For the command line.
    pub fn text(self) -> &'static str {
        match self {
            Broken::Altered => "its content no longer matches its hash (altered after it was sealed)",
            Broken::Deleted => "it was deleted",
            Broken::Relinked => "its link does not follow the one before it (the chain was cut or rewritten here)",
            Broken::Rewritten => {
                "its hash differs from the one an earlier verification recorded (the chain was rewritten)"
            }
            Broken::HeadGone => "an earlier verification ended the chain here, and this link is gone",
            Broken::Stray => "it is older than the chain's head but not in the chain (inserted afterwards)",
        }
    }
}

/// What a verification found.
#[derive(Debug, Clone)]
pub struct Verification {
    pub rows_checked: i64,
    pub head: Option<(i64, String)>,
    /// The first row that does not match, and why.
    pub problem: Option<(i64, Broken)>,
    /// Rows newer than the head, not chained yet.
    pub unsealed: i64,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

type Link = (i64, String, String, Option<AuditRow>);

/// Recompute the chain from the first link; stop at the first row that does not match.
pub fn verify(conn: &mut DbConn) -> QueryResult<Verification> {
    // The head a previous successful verification saw must still be in the chain, unchanged.
    let seen: Option<(Option<i64>, Option<String>)> = audit_verifications::table
        .filter(audit_verifications::ok.eq(true))
        .select((audit_verifications::head_id, audit_verifications::head_hash))
        .order(audit_verifications::id.desc())
        .first(conn)
        .optional()?;
    let seen = seen.and_then(|(id, h)| Some((id?, h?)));
    let mut prev = GENESIS.to_owned();
    let mut after = 0i64;
    let mut checked = 0i64;
    let mut problem = None;
    let mut seen_found = seen.is_none();
    'pages: loop {
        let page: Vec<Link> = audit_chain::table
            .left_join(audit_log::table)
            .filter(audit_chain::audit_id.gt(after))
            .order(audit_chain::audit_id)
            .limit(2000)
            .select((
                audit_chain::audit_id,
                audit_chain::prev_hash,
                audit_chain::row_hash,
                audit_log::all_columns.nullable(),
            ))
            .load(conn)?;
        if page.is_empty() {
            break;
        }
        for (id, link_prev, link_hash, row) in page {
            after = id;
            let why = if link_prev != prev {
                Some(Broken::Relinked)
            } else if let Some(row) = row {
                (row_hash(&prev, &row) != link_hash).then_some(Broken::Altered)
            } else {
                Some(Broken::Deleted)
            };
            if let Some(why) = why {
                problem = Some((id, why));
                break 'pages;
            }
            if let Some((sid, shash)) = &seen {
                if *sid == id {
                    seen_found = true;
                    if *shash != link_hash {
                        problem = Some((id, Broken::Rewritten));
                        break 'pages;
                    }
                }
            }
            prev = link_hash;
            checked += 1;
        }
    }
    let head = head(conn)?.map(|(id, h, _)| (id, h));
    if problem.is_none() && !seen_found {
        if let Some((sid, _)) = &seen {
            problem = Some((*sid, Broken::HeadGone));
        }
    }
    if problem.is_none() {
        // A row below the head without a link was inserted afterwards with an old number.
        let last = head.as_ref().map(|h| h.0).unwrap_or(0);
        let stray: Option<i64> = audit_log::table
            .left_join(audit_chain::table)
            .filter(audit_chain::audit_id.is_null().and(audit_log::id.lt(last)))
            .select(diesel::dsl::min(audit_log::id))
            .first(conn)?;
        if let Some(id) = stray {
            problem = Some((id, Broken::Stray));
        }
    }
    let unsealed = unsealed(conn)?;
    Ok(Verification { rows_checked: checked, head, problem, unsealed })
}

/// Keep the outcome of a verification (who asked: a user, or the command line).
pub fn record(conn: &mut DbConn, by: Option<i64>, v: &Verification) -> QueryResult<()> {
    diesel::insert_into(audit_verifications::table)
        .values((
            audit_verifications::at.eq(super::now()),
            audit_verifications::by_user_id.eq(by),
            audit_verifications::ok.eq(v.ok()),
            audit_verifications::rows_checked.eq(v.rows_checked),
            audit_verifications::head_id.eq(v.head.as_ref().map(|h| h.0)),
            audit_verifications::head_hash.eq(v.head.as_ref().map(|h| h.1.clone())),
            audit_verifications::problem.eq(v.problem.map(|(id, why)| format!("{id} {}", why.code()))),
        ))
        .execute(conn)?;
    Ok(())
}

/// The latest verification: when, by whom (user id), whether it passed, its head, its problem.
#[derive(Debug, Clone, Queryable)]
pub struct LastVerification {
    pub at: NaiveDateTime,
    pub by_user_id: Option<i64>,
    pub ok: bool,
    pub rows_checked: i64,
    pub head_id: Option<i64>,
    pub problem: Option<String>,
}

impl LastVerification {
    /// The row and reason of a failed verification.
    pub fn broken(&self) -> Option<(i64, Broken)> {
        let (id, code) = self.problem.as_deref()?.split_once(' ')?;
        Some((id.parse().ok()?, Broken::parse(code)?))
    }
}

pub fn last_verification(conn: &mut DbConn) -> QueryResult<Option<LastVerification>> {
    audit_verifications::table
        .select((
            audit_verifications::at,
            audit_verifications::by_user_id,
            audit_verifications::ok,
            audit_verifications::rows_checked,
            audit_verifications::head_id,
            audit_verifications::problem,
        ))
        .order(audit_verifications::id.desc())
        .first(conn)
        .optional()
}

/// A short human form of a verification, for the command line and `check`.
pub fn describe(v: &Verification) -> String {
    let head = match &v.head {
        Some((id, h)) => format!("head #{id} {}", &h[..16]),
        None => "no rows sealed yet".to_owned(),
    };
    match &v.problem {
        None => format!("ok: {} rows verified, {head}; {} newer rows not sealed yet", v.rows_checked, v.unsealed),
        Some((id, why)) => {
            format!("row #{id} does not match: {} ({} rows before it verified)", why.text(), v.rows_checked)
        }
    }
}
