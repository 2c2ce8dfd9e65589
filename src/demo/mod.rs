//! Demo data, loaded by the application (never by a migration) into an empty
//! database in demo mode. All organizations are clearly fictional samples.

pub mod gen;
mod pledges;
mod report_texts;
mod reports;
mod standards;

use crate::db::audit::Actor;
use crate::db::{self, orgs, users, DbConn};
use crate::domain::{CreditCode, Email, OrgKind, Role};

pub const DEMO_PASSWORD: &str = "selfreg-demo";
pub const PLATFORMS: usize = 28;

fn code(first17: &str) -> CreditCode {
    CreditCode::complete(first17).expect("demo credit codes use the GB 32100 alphabet")
}

/// The demo accounts, all with the published password [`DEMO_PASSWORD`].
pub const ACCOUNTS: [&str; 5] =
    ["admin@example.org", "editor@example.org", "reviewer@example.org", "filer@example.org", "filer2@example.org"];

/// Whether the database holds no organization yet (one indexed row read,
/// however large the registry).
fn is_empty(conn: &mut DbConn) -> diesel::QueryResult<bool> {
    use crate::db::schema::organizations;
    use diesel::prelude::*;
    Ok(organizations::table.select(organizations::id).first::<i64>(conn).optional()?.is_none())
}

/// Load the demo data if the database holds no organization yet. Returns
/// whether it loaded. Start-up calls it (in demo mode), and `dev gen-data`.
pub fn load_if_empty(conn: &mut DbConn) -> anyhow::Result<bool> {
    if !is_empty(conn)? {
        return Ok(false);
    }
    // Each account its own salt: one hash per account, side by side.
    let hashes: Vec<String> = std::thread::scope(|s| {
        let jobs: Vec<_> =
            ACCOUNTS.iter().map(|_| s.spawn(|| crate::auth::password::hash_blocking(DEMO_PASSWORD))).collect();
        jobs.into_iter().map(|j| j.join().expect("hashing does not panic")).collect()
    });
    let loaded = db::write(conn, |c| -> anyhow::Result<bool> {
        if !is_empty(c)? {
            return Ok(false);
        }
        load(c, &hashes)?;
        Ok(true)
    })?;
    Ok(loaded)
}

/// The demo accounts that can sign in with the published password: all of
/// them if `loading` and the database is empty (they would be loaded), else
/// those that are active and still have it.
pub fn accounts_that_sign_in(conn: &mut DbConn, loading: bool) -> anyhow::Result<Vec<String>> {
    if loading && is_empty(conn)? {
        return Ok(ACCOUNTS.iter().map(|a| a.to_string()).collect());
    }
    let mut usable = Vec::new();
    for email in ACCOUNTS {
        if let Some(u) = users::by_email(conn, email)? {
            if u.active && crate::auth::password::verify_blocking(&u.password_hash, DEMO_PASSWORD) {
                usable.push(email.to_owned());
            }
        }
    }
    Ok(usable)
}

fn org(
    c: &mut DbConn,
    kind: OrgKind,
    zh: &str,
    en: &str,
    code17: &str,
    website: &str,
    contact: &str,
) -> anyhow::Result<i64> {
    let data = orgs::OrgData::new(kind, zh.into(), en.into(), &code(code17), website.into(), contact.into());
    Ok(orgs::insert(c, Actor::SYSTEM, &data)?)
}

fn user(c: &mut DbConn, email: &str, name: &str, org_id: i64, role: Role, hash: &str) -> anyhow::Result<i64> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!(e))?;
    let new = users::NewUser { email: &email, display_name: name, organization_id: org_id, role, password_hash: hash };
    Ok(users::insert(c, Actor::SYSTEM, &new)?)
}

/// Ids of the demo's people and organizations, for the areas' demo loaders.
#[derive(Debug, Clone)]
pub struct DemoIds {
    pub regulator: i64,
    pub association: i64,
    /// 示例平台01 … 示例平台28, in order.
    pub platforms: Vec<i64>,
    pub admin: i64,
    pub editor: i64,
    pub reviewer: i64,
    pub filer: i64,
    pub filer2: i64,
}

fn load(c: &mut DbConn, hashes: &[String]) -> anyhow::Result<()> {
    let ids = load_people(c, hashes)?;
    // Each area adds its demo data here, in dependency order.
    standards::load(c, &ids)?;
    pledges::load(c, &ids)?;
    reports::load(c, &ids)?;
    Ok(())
}

fn load_people(c: &mut DbConn, hashes: &[String]) -> anyhow::Result<DemoIds> {
    let regulator = org(
        c,
        OrgKind::Regulator,
        "示例市场监督管理局",
        "Sample Market Regulation Bureau",
        "11310000MB0000001",
        "https://regulator.example.org",
        "监管处 021-00000000",
    )?;
    let association = org(
        c,
        OrgKind::Association,
        "示例网络直播电商行业协会",
        "Sample Live-Stream E-Commerce Association",
        "51310000MC0000001",
        "https://association.example.org",
        "秘书处 021-00000001",
    )?;
    let mut platforms = Vec::with_capacity(PLATFORMS);
    for n in 1..=PLATFORMS {
        let id = org(
            c,
            OrgKind::Platform,
            &format!("示例平台{n:02}"),
            &format!("Sample Platform {n:02}"),
            &format!("91310000MA{n:06}X"),
            &format!("https://platform{n:02}.example.com"),
            &format!("合规部 021-1000{n:04}"),
        )?;
        platforms.push(id);
    }
    let admin = user(c, ACCOUNTS[0], "系统管理员", regulator, Role::Admin, &hashes[0])?;
    let editor = user(c, ACCOUNTS[1], "协会秘书处 王编辑", association, Role::Editor, &hashes[1])?;
    let reviewer = user(c, ACCOUNTS[2], "监管局 李审查", regulator, Role::Reviewer, &hashes[2])?;
    let filer = user(c, ACCOUNTS[3], "示例平台01 合规专员", platforms[0], Role::Filer, &hashes[3])?;
    let filer2 = user(c, ACCOUNTS[4], "示例平台02 合规专员", platforms[1], Role::Filer, &hashes[4])?;
    Ok(DemoIds { regulator, association, platforms, admin, editor, reviewer, filer, filer2 })
}
