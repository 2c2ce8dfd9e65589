//! `selfreg dev gen-data`: a large, plausible dataset for benchmarks, written
//! through the application's own schema and queries in a few big transactions
//! with multi-row inserts (seconds, not minutes, on SQLite).
//!
//! What it makes: organizations (here), standards in every state with their
//! events, versions, comment periods, comments and dispositions
//! ([`standards`]), a convention with many signatories ([`pledges`]), and an
//! initiative with `--periods` reporting periods and every signatory's
//! reports ([`reports`]).
//!
//! Data is deterministic for a given `--seed`. The demo data is loaded first
//! (unless `--no-demo`) so that the demo accounts exist for signed-in pages.

mod pledges;
mod reports;
mod standards;

use std::time::Instant;

use anyhow::Context;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::config::{GenData, Options};
use crate::db::audit::{self, Actor};
use crate::db::schema::organizations;
use crate::db::{self, DbConn};
use crate::domain::audit::{Action, Object};
use crate::domain::{CreditCode, OrgKind};

/// Rows per INSERT: SQLite allows 32,766 bound values per statement, PostgreSQL 65,535.
const CHUNK: usize = 1000;

/// First 10 characters of every generated credit code; marks generated organizations.
const CODE_PREFIX: &str = "91310000MG";
/// What one run made.
#[derive(Debug, Default, serde::Serialize)]
pub struct Generated {
    pub organizations: usize,
    pub standards: usize,
    pub versions: usize,
    pub events: usize,
    pub comment_periods: usize,
    pub comments: usize,
    pub signatories: usize,
    pub report_periods: usize,
}

pub fn run(opts: &Options, args: &GenData) -> anyhow::Result<()> {
    let started = Instant::now();
    let pool = db::connect(&opts.database_url, 1)?;
    let mut conn = db::get(&pool)?;
    if !opts.no_demo && crate::demo::load_if_empty(&mut conn)? {
        println!("demo data loaded ({:.1} s)", started.elapsed().as_secs_f64());
    }
    let made = generate(&mut conn, args)?;
    println!(
        "generated in {:.1} s: {} organizations, {} standards ({} versions, {} events), {} comment periods, \
         {} comments, {} signatories, {} report periods",
        started.elapsed().as_secs_f64(),
        made.organizations,
        made.standards,
        made.versions,
        made.events,
        made.comment_periods,
        made.comments,
        made.signatories,
        made.report_periods,
    );
    Ok(())
}

/// Generate the dataset into `conn` (once per database).
pub fn generate(conn: &mut DbConn, args: &GenData) -> anyhow::Result<Generated> {
    let already: i64 = organizations::table
        .filter(organizations::credit_code.like(format!("{CODE_PREFIX}%")))
        .count()
        .get_result(conn)?;
    anyhow::ensure!(already == 0, "this database already has generated data; use a fresh one");
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut made = Generated::default();
    let today = crate::i18n::beijing_today();

    let orgs = db::write(conn, |c| gen_orgs(c, args.orgs as usize)).context("organizations")?;
    made.organizations = orgs.all.len();
    db::write(conn, |c| standards::generate(c, &mut rng, args, &orgs, today, &mut made)).context("standards")?;
    db::write(conn, |c| pledges::generate(c, &mut rng, &orgs, args.signatories as usize, &mut made))
        .context("signatories")?;
    db::write(conn, |c| reports::generate(c, &mut rng, &orgs, args.periods, &mut made)).context("reports")?;
    db::write(conn, |c| {
        audit::record::<(), _>(c, Actor::SYSTEM, Object::Dataset, None, Action::DevGenData, None, Some(&made))
    })
    .context("audit")?;
    Ok(made)
}

struct Orgs {
    /// (id, Chinese name, English name, kind), in the order made.
    all: Vec<(i64, String, String, OrgKind)>,
    associations: Vec<usize>,
    companies: Vec<usize>,
}

fn gen_orgs(c: &mut DbConn, n: usize) -> anyhow::Result<Orgs> {
    let now = db::now();
    let mut rows = Vec::with_capacity(n);
    let mut meta = Vec::with_capacity(n);
    for i in 0..n {
        // One in twenty is an association (they draft standards), one in five an agency.
        let kind = match i % 20 {
            0 => OrgKind::Association,
            1..=4 => OrgKind::Agency,
            _ => OrgKind::Platform,
        };
        let (zh, en) = match kind {
            OrgKind::Association => (format!("生成数据行业协会{i:04}"), format!("Generated Association {i:04}")),
            OrgKind::Agency => (format!("生成数据直播机构{i:04}"), format!("Generated Agency {i:04}")),
            _ => (format!("生成数据平台{i:04}"), format!("Generated Platform {i:04}")),
        };
        let code = CreditCode::complete(&format!("{CODE_PREFIX}{i:07}"))
            .ok_or_else(|| anyhow::anyhow!("cannot make a credit code for {i}"))?;
        rows.push((
            organizations::kind.eq(kind.as_str()),
            organizations::name_zh.eq(zh.clone()),
            organizations::name_en.eq(en.clone()),
            organizations::credit_code.eq(code.as_str().to_owned()),
            organizations::website.eq(format!("https://org{i:04}.example.com")),
            organizations::contact.eq(format!("合规部 021-2000{i:04}")),
            organizations::created_at.eq(now),
            organizations::updated_at.eq(now),
        ));
        meta.push((zh, en, kind));
    }
    let before: i64 =
        organizations::table.select(diesel::dsl::max(organizations::id)).first::<Option<i64>>(c)?.unwrap_or(0);
    for chunk in rows.chunks(CHUNK) {
        crate::db::insert_many(c, organizations::table, chunk)?;
    }
    let ids: Vec<i64> = organizations::table
        .filter(organizations::id.gt(before))
        .order(organizations::id)
        .select(organizations::id)
        .load(c)?;
    anyhow::ensure!(ids.len() == n, "expected {n} new organizations, found {}", ids.len());
    let all: Vec<_> = ids.into_iter().zip(meta).map(|(id, (zh, en, k))| (id, zh, en, k)).collect();
    let associations = (0..n).filter(|&i| all[i].3 == OrgKind::Association).collect();
    let companies = (0..n).filter(|&i| all[i].3 != OrgKind::Association).collect();
    Ok(Orgs { all, associations, companies })
}
