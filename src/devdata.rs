//! `selfreg dev gen-data`: a large, plausible dataset for benchmarks, written
//! through the application's own schema and queries in a few big transactions
//! with multi-row inserts (seconds, not minutes, on SQLite).
//!
//! What it makes today: organizations, standards in every state (with events,
//! versions, comment periods, comments and dispositions), and a pledge with
//! many signatories. Report periods and reports come with issue 5: see
//! [`gen_reports`], the hook that `--periods` feeds.
//!
//! Data is deterministic for a given `--seed`. The demo data is loaded first
//! (unless `--no-demo`) so that the demo accounts exist for signed-in pages.

use crate::domain::audit::{Action, Object};
use std::collections::HashMap;
use std::time::Instant;

use anyhow::Context;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::{GenData, Options};
use crate::db::audit::{self, Actor};
use crate::db::pledges::{self as pdb, PledgeData, SeedSignature};
use crate::db::schema::{
    comment_periods, comments, organizations, standard_codrafters, standard_events, standard_versions, standards,
};
use crate::db::{self, DbConn};
use crate::domain::pledge::{parse_commitments, PledgeKind, PledgeState, SignatureState};
use crate::domain::standard::StandardState as S;
use crate::domain::{CreditCode, OrgKind};

/// Rows per INSERT: SQLite allows 32,766 bound values per statement, PostgreSQL 65,535.
const CHUNK: usize = 1000;

/// First 10 characters of every generated credit code; marks generated organizations.
const CODE_PREFIX: &str = "91310000MG";

const PREFIXES: [(&str, &str); 8] = [
    ("直播电商", "Live-stream e-commerce"),
    ("网络直播营销", "Live-stream marketing"),
    ("直播间", "Live room"),
    ("电商平台", "E-commerce platform"),
    ("跨境电商", "Cross-border e-commerce"),
    ("社交电商", "Social e-commerce"),
    ("即时零售", "Instant retail"),
    ("直播带货", "Live-stream selling"),
];
const TOPICS: [(&str, &str); 10] = [
    ("商品质量", "product quality"),
    ("价格标示", "price marking"),
    ("售后服务", "after-sales service"),
    ("主播管理", "host management"),
    ("数据安全", "data security"),
    ("未成年人保护", "protection of minors"),
    ("广告宣传", "advertising"),
    ("物流配送", "logistics and delivery"),
    ("投诉处理", "complaint handling"),
    ("信用评价", "credit evaluation"),
];
const SUFFIXES: [(&str, &str); 5] = [
    ("管理规范", "management specification"),
    ("服务要求", "service requirements"),
    ("评价指南", "evaluation guidelines"),
    ("技术规范", "technical specification"),
    ("操作规程", "operating procedure"),
];
const COMMENTS: [&str; 6] = [
    "建议明确适用范围，区分品牌自播与达人直播。",
    "本条要求的时限偏紧，中小直播间执行困难，建议适当放宽。",
    "建议补充对虚拟礼物打赏的消费提示要求。",
    "术语定义与国家标准不一致，建议统一。",
    "建议增加对直播回放留存期限的规定。",
    "本条表述存在歧义，建议修改为可验证的要求。",
];
const DISPOSITIONS: [&str; 4] = ["accepted", "partly_accepted", "not_accepted", "noted"];

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
    db::write(conn, |c| gen_standards(c, &mut rng, args, &orgs, today, &mut made)).context("standards")?;
    db::write(conn, |c| gen_signatories(c, &mut rng, &orgs, args.signatories as usize, &mut made))
        .context("signatories")?;
    db::write(conn, |c| gen_reports(c, &mut rng, &orgs, args.periods, &mut made)).context("reports")?;
    db::write(conn, |c| {
        audit::record::<(), _>(c, Actor::SYSTEM, Object::Dataset, None, Action::DevGenData, None, Some(&made))
    })
    .context("audit")?;
    Ok(made)
}

struct Orgs {
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

/// The path a standard took to reach `target`, and the final stored state.
fn path_to(target: usize) -> (&'static [(&'static str, S)], S) {
    const FULL: [(&str, S); 6] = [
        ("approve", S::Approved),
        ("start_drafting", S::Drafting),
        ("open_comment", S::PublicComment),
        ("submit_for_review", S::TechnicalReview),
        ("close_review", S::SubmittedForApproval),
        ("publish", S::Published),
    ];
    match target % 20 {
        0..=7 => (&FULL[..6], S::Published),
        8 | 9 => (&FULL[..3], S::PublicComment),
        10 | 11 => (&FULL[..2], S::Drafting),
        12 => (&FULL[..1], S::Approved),
        13 => (&FULL[..4], S::TechnicalReview),
        14 => (&FULL[..5], S::SubmittedForApproval),
        15 => (&FULL[..6], S::Withdrawn),
        16 => (&FULL[..6], S::Superseded),
        17 => (&FULL[..6], S::Revising),
        18 => (&FULL[..0], S::Proposed),
        _ => (&[], S::Rejected),
    }
}

fn had_comment_period(path: &[(&str, S)]) -> bool {
    path.len() >= 3
}

fn number(kind: &str, i: usize, year: i32) -> String {
    let k = i / 10;
    if kind == "local" {
        format!("DB31/T {:04}—{year}", 1000 + k % 9000)
    } else {
        let abbr = (b'A' + ((k / 1000) % 26) as u8) as char;
        format!("T/ZB{abbr} {:03}—{year}", k % 1000)
    }
}

fn body(title: &str, n: i32) -> String {
    let mut s = format!("## 前言\n\n本文件为《{title}》第 {n} 稿，由生成数据写入，仅供性能测试。\n\n");
    for (i, (topic, _)) in TOPICS.iter().enumerate().take(6) {
        s.push_str(&format!(
            "## {} {topic}\n\n经营者应建立{topic}制度，明确责任人员，定期开展自查并保存记录不少于 3 年。\n\n",
            i + 1
        ));
    }
    s
}

fn gen_standards(
    c: &mut DbConn,
    rng: &mut StdRng,
    args: &GenData,
    orgs: &Orgs,
    today: NaiveDate,
    made: &mut Generated,
) -> anyhow::Result<()> {
    let n = args.standards as usize;
    anyhow::ensure!(n == 0 || !orgs.associations.is_empty(), "--orgs must be at least 1 to make standards");
    let now = db::now();
    let day = |d: i64| now - Duration::days(d);

    // Which standards had a comment period, and how many comments each gets:
    // a tenth of the comments go to the first open draft (a busy page), the
    // rest spread at random.
    let commented: Vec<usize> = (0..n).filter(|&i| had_comment_period(path_to(i).0)).collect();
    let mut per_standard = vec![0usize; n];
    if !commented.is_empty() {
        let hot = commented.iter().copied().find(|&i| path_to(i).1 == S::PublicComment).unwrap_or(commented[0]);
        let total = args.comments as usize;
        per_standard[hot] = total / 10;
        for _ in 0..(total - total / 10) {
            per_standard[commented[rng.gen_range(0..commented.len())]] += 1;
        }
    }

    // Standards.
    struct Plan {
        kind: &'static str,
        title_zh: String,
        lead: usize,
        codrafters: Vec<usize>,
        age: i64,
        state: S,
        path: &'static [(&'static str, S)],
        number: Option<String>,
    }
    let mut plans = Vec::with_capacity(n);
    let mut rows = Vec::with_capacity(n);
    for (i, &comments_here) in per_standard.iter().enumerate() {
        let (p, t, s) = (
            PREFIXES[rng.gen_range(0..PREFIXES.len())],
            TOPICS[rng.gen_range(0..TOPICS.len())],
            SUFFIXES[rng.gen_range(0..SUFFIXES.len())],
        );
        let kind = if i % 3 == 0 { "local" } else { "group" };
        let title_zh = format!("{}{}{}", p.0, t.0, s.0);
        let title_en = format!("{} — {}: {}", p.1, t.1, s.1);
        let lead = orgs.associations[rng.gen_range(0..orgs.associations.len())];
        let codrafters: Vec<usize> = if orgs.companies.is_empty() {
            vec![]
        } else {
            (0..rng.gen_range(0..4)).map(|_| orgs.companies[rng.gen_range(0..orgs.companies.len())]).collect()
        };
        let mut codrafters = codrafters;
        codrafters.sort_unstable();
        codrafters.dedup();
        let (path, state) = path_to(i);
        let age = rng.gen_range(30..2500i64);
        let published = path.len() == 6;
        let year = if published { 2016 + (i % 10) as i32 } else { 2026 - (age / 365) as i32 };
        let number = published.then(|| number(kind, i, year));
        let (release, implementation) = if published {
            let r = NaiveDate::from_ymd_opt(year, 1 + (i % 12) as u32, 1).unwrap_or(today);
            (Some(r), Some(r + Duration::days(90)))
        } else {
            (None, None)
        };
        let mut search = format!("{title_zh} {title_en}");
        if let Some(num) = &number {
            search.push_str(&format!(" {num} {}", num.replace('—', "-")));
        }
        for o in std::iter::once(&lead).chain(codrafters.iter()) {
            search.push_str(&format!(" {} {}", orgs.all[*o].1, orgs.all[*o].2));
        }
        let comment_seq = comments_here as i32;
        rows.push((
            standards::kind.eq(kind),
            standards::title_zh.eq(title_zh.clone()),
            standards::title_en.eq(title_en),
            standards::scope.eq(format!("本文件规定了{}的{}要求。", p.0, t.0)),
            standards::proposing_org_id.eq(orgs.all[lead].0),
            standards::lead_org_id.eq(orgs.all[lead].0),
            standards::ics.eq("03.080"),
            standards::ccs.eq("A 10"),
            standards::number.eq(number.clone()),
            standards::release_date.eq(release),
            standards::implementation_date.eq(implementation),
            standards::withdrawn_date.eq((state == S::Withdrawn).then_some(today - Duration::days(30))),
            standards::state.eq(state.as_str()),
            standards::version.eq(path.len() as i32),
            standards::comment_seq.eq(comment_seq),
            standards::year.eq(year),
            standards::search_text.eq(search.to_lowercase()),
            standards::created_at.eq(day(age)),
            standards::updated_at.eq(day(age / 10)),
        ));
        plans.push(Plan { kind, title_zh, lead, codrafters, age, state, path, number });
    }
    let before: i64 = standards::table.select(diesel::dsl::max(standards::id)).first::<Option<i64>>(c)?.unwrap_or(0);
    for chunk in rows.chunks(CHUNK / 2) {
        crate::db::insert_many(c, standards::table, chunk)?;
    }
    drop(rows);
    let ids: Vec<i64> =
        standards::table.filter(standards::id.gt(before)).order(standards::id).select(standards::id).load(c)?;
    anyhow::ensure!(ids.len() == n, "expected {n} new standards, found {}", ids.len());
    made.standards = n;

    // Co-drafters, events, versions, comment periods.
    let mut codrafters = Vec::new();
    let mut events = Vec::new();
    let mut versions = Vec::new();
    let mut periods = Vec::new();
    let mut period_of: HashMap<usize, (NaiveDate, bool)> = HashMap::new();
    for (i, plan) in plans.iter().enumerate() {
        let id = ids[i];
        for o in &plan.codrafters {
            codrafters.push((
                standard_codrafters::standard_id.eq(id),
                standard_codrafters::organization_id.eq(orgs.all[*o].0),
            ));
        }
        let lead_org = Some(orgs.all[plan.lead].0);
        let step = (plan.age / (plan.path.len() as i64 + 2)).max(1);
        let mut at = day(plan.age);
        events.push(ev(id, at, lead_org, "propose", None, Some(S::Proposed), String::new()));
        let mut from = S::Proposed;
        for (action, to) in plan.path {
            at += Duration::days(step);
            let note = match *action {
                "publish" => plan.number.clone().unwrap_or_default(),
                _ => String::new(),
            };
            events.push(ev(id, at, lead_org, action, Some(from), Some(*to), note));
            from = *to;
        }
        match plan.state {
            S::Withdrawn | S::Superseded | S::Revising | S::Rejected => {
                let action = match plan.state {
                    S::Withdrawn => "withdraw",
                    S::Superseded => "supersede",
                    S::Revising => "revise",
                    _ => "reject",
                };
                events.push(ev(id, day(plan.age / 10), lead_org, action, Some(from), Some(plan.state), String::new()));
            }
            _ => {}
        }
        if plan.path.len() >= 2 {
            let n_versions = if had_comment_period(plan.path) { 2 } else { 1 };
            for v in 1..=n_versions {
                versions.push((
                    standard_versions::standard_id.eq(id),
                    standard_versions::n.eq(v),
                    standard_versions::label.eq(if v == 1 { "working_draft" } else { "comment_draft" }),
                    standard_versions::body_md.eq(body(&plan.title_zh, v)),
                    standard_versions::note.eq(""),
                    standard_versions::created_at.eq(day(plan.age / 2)),
                    standard_versions::created_by.eq(None::<i64>),
                ));
            }
        }
        if had_comment_period(plan.path) {
            let open = plan.state == S::PublicComment;
            let (starts, ends) = if open {
                (today - Duration::days(10), today + Duration::days(25))
            } else {
                let s = (now - Duration::days(plan.age / 2)).date();
                (s, s + Duration::days(if plan.kind == "local" { 35 } else { 20 }))
            };
            periods.push((
                comment_periods::standard_id.eq(id),
                comment_periods::starts_on.eq(starts),
                comment_periods::ends_on.eq(ends),
                comment_periods::opened_at.eq(starts.and_hms_opt(1, 0, 0).unwrap_or(now)),
                comment_periods::closed_at.eq((!open).then(|| ends.and_hms_opt(16, 0, 0).unwrap_or(now))),
            ));
            period_of.insert(i, (starts, open));
        }
    }
    for chunk in codrafters.chunks(CHUNK) {
        crate::db::insert_many(c, standard_codrafters::table, chunk)?;
    }
    for chunk in events.chunks(CHUNK) {
        crate::db::insert_many(c, standard_events::table, chunk)?;
    }
    made.events = events.len();
    for chunk in versions.chunks(CHUNK / 4) {
        crate::db::insert_many(c, standard_versions::table, chunk)?;
    }
    made.versions = versions.len();
    for chunk in periods.chunks(CHUNK) {
        crate::db::insert_many(c, comment_periods::table, chunk)?;
    }
    made.comment_periods = periods.len();
    let period_ids: HashMap<i64, i64> = comment_periods::table
        .filter(comment_periods::standard_id.gt(before))
        .select((comment_periods::standard_id, comment_periods::id))
        .load::<(i64, i64)>(c)?
        .into_iter()
        .collect();

    // Comments, in standard order, each standard's numbered from 1.
    let mut batch = Vec::with_capacity(CHUNK);
    for (i, count) in per_standard.iter().enumerate() {
        let Some((starts, open)) = period_of.get(&i) else { continue };
        let sid = ids[i];
        let pid = period_ids[&sid];
        let opened: NaiveDateTime = starts.and_hms_opt(2, 0, 0).unwrap_or(now);
        for seq in 1..=*count {
            let at = opened + Duration::minutes((seq as i64 * 7) % (60 * 24 * 20));
            let disposed = !open || rng.gen_bool(0.5);
            let disposition = disposed.then(|| DISPOSITIONS[rng.gen_range(0..DISPOSITIONS.len())]);
            let reason =
                if disposition == Some("not_accepted") { "与上位标准不一致，维持原文。" } else { "" }.to_owned();
            batch.push((
                comments::standard_id.eq(sid),
                comments::period_id.eq(pid),
                comments::seq.eq(seq as i32),
                comments::version_n.eq(2),
                comments::clause_ref.eq(format!("{}.{}", 1 + seq % 6, 1 + seq % 3)),
                comments::kind.eq(["general", "technical", "editorial"][seq % 3]),
                comments::body.eq(COMMENTS[rng.gen_range(0..COMMENTS.len())]),
                comments::proposed_change.eq(if seq % 2 == 0 { "建议修改表述。" } else { "" }),
                comments::name.eq(format!("评论人{seq}")),
                comments::organization.eq(orgs.all[orgs.companies.first().copied().unwrap_or(0)].1.clone()),
                comments::email.eq(format!("commenter{seq}@example.net")),
                comments::created_at.eq(at),
                comments::disposition.eq(disposition),
                comments::disposition_reason.eq(reason),
                comments::disposed_at.eq(disposed.then_some(at + Duration::days(3))),
                comments::disposed_by.eq(None::<i64>),
            ));
            if batch.len() == CHUNK {
                crate::db::insert_many(c, comments::table, &batch)?;
                made.comments += batch.len();
                batch.clear();
            }
        }
    }
    if !batch.is_empty() {
        crate::db::insert_many(c, comments::table, &batch)?;
        made.comments += batch.len();
    }
    Ok(())
}

#[allow(clippy::type_complexity)]
fn ev(
    id: i64,
    at: NaiveDateTime,
    org: Option<i64>,
    action: &'static str,
    from: Option<S>,
    to: Option<S>,
    note: String,
) -> (
    diesel::dsl::Eq<standard_events::standard_id, i64>,
    diesel::dsl::Eq<standard_events::at, NaiveDateTime>,
    diesel::dsl::Eq<standard_events::actor_user_id, Option<i64>>,
    diesel::dsl::Eq<standard_events::actor_org_id, Option<i64>>,
    diesel::dsl::Eq<standard_events::action, &'static str>,
    diesel::dsl::Eq<standard_events::from_state, Option<&'static str>>,
    diesel::dsl::Eq<standard_events::to_state, Option<&'static str>>,
    diesel::dsl::Eq<standard_events::note, String>,
) {
    (
        standard_events::standard_id.eq(id),
        standard_events::at.eq(at),
        standard_events::actor_user_id.eq(None),
        standard_events::actor_org_id.eq(org),
        standard_events::action.eq(action),
        standard_events::from_state.eq(from.map(S::as_str)),
        standard_events::to_state.eq(to.map(S::as_str)),
        standard_events::note.eq(note),
    )
}

const COMMITMENTS: &str = "\
1.1 | 落实平台责任 | Platform responsibility | 核验商家与主播资质。 | Verify merchants' and hosts' qualifications.
1.2 | 落实平台责任 | Platform responsibility | 巡查直播内容。 | Patrol live rooms.
2.1 | 消费者权益保护 | Consumer protection | 7 个工作日内处理投诉。 | Handle complaints within 7 working days.
2.2 | 消费者权益保护 | Consumer protection | 落实七日无理由退货。 | Honour seven-day returns.
3.1 | 规范价格行为 | Lawful pricing | 明码标价。 | Mark prices clearly.
3.2 | 规范价格行为 | Lawful pricing | 不虚构原价。 | No fictitious original prices.";

/// A pledge signed by `n` generated organizations.
fn gen_signatories(
    c: &mut DbConn,
    rng: &mut StdRng,
    orgs: &Orgs,
    n: usize,
    made: &mut Generated,
) -> anyhow::Result<()> {
    // The issuer: the demo association when there is one, so that every
    // generated organization can sign; else the first generated association.
    let demo_association: Option<i64> = organizations::table
        .filter(organizations::kind.eq(OrgKind::Association.as_str()))
        .filter(organizations::credit_code.not_like(format!("{CODE_PREFIX}%")))
        .order(organizations::id)
        .select(organizations::id)
        .first(c)
        .optional()?;
    let (issuer, signers): (i64, Vec<usize>) = match (demo_association, orgs.associations.first()) {
        (Some(id), _) => (id, (0..orgs.all.len()).collect()),
        (None, Some(&a)) => (orgs.all[a].0, (0..orgs.all.len()).filter(|&i| i != a).collect()),
        (None, None) => return Ok(()),
    };
    let n = n.min(signers.len());
    if n == 0 {
        return Ok(());
    }
    let commitments = parse_commitments(COMMITMENTS).map_err(|e| anyhow::anyhow!("commitments: {e:?}"))?;
    let data = PledgeData {
        kind: PledgeKind::Convention,
        title_zh: "生成数据自律公约".into(),
        title_en: "Generated self-discipline convention".into(),
        organization_id: issuer,
        guiding_body_zh: "示例市场监督管理局".into(),
        guiding_body_en: "Sample Market Regulation Bureau".into(),
        text_md_zh: "本公约由生成数据写入，仅供性能测试。".into(),
        text_md_en: "Written by the data generator, for benchmarks only.".into(),
        commitments,
    };
    let pledge = pdb::insert(c, Actor::SYSTEM, &data)?;
    let opened = db::now() - Duration::days(400);
    pdb::seed_state(c, pledge, PledgeState::Open, Some(opened), None)?;
    let commitments = pdb::commitments(c, pledge)?;
    let seeds: Vec<SeedSignature> = signers
        .iter()
        .take(n)
        .enumerate()
        .map(|(k, &o)| {
            let org = orgs.all[o].0;
            let applied = opened + Duration::hours(k as i64);
            let verified = applied + Duration::days(3);
            let mut events = vec![
                (applied, None, SignatureState::Applied, String::new(), Some(org)),
                (verified, Some(SignatureState::Applied), SignatureState::Verified, String::new(), Some(issuer)),
            ];
            let state = match k % 25 {
                0 => {
                    events.push((
                        verified + Duration::days(100),
                        Some(SignatureState::Verified),
                        SignatureState::Suspended,
                        "存在虚构原价问题，整改完成前暂停签署。".into(),
                        Some(issuer),
                    ));
                    SignatureState::Suspended
                }
                1 => {
                    events.push((
                        verified + Duration::days(200),
                        Some(SignatureState::Verified),
                        SignatureState::Withdrawn,
                        "已停止直播营销业务。".into(),
                        Some(org),
                    ));
                    SignatureState::Withdrawn
                }
                _ => SignatureState::Verified,
            };
            let excluded = if k % 10 == 3 && !commitments.is_empty() {
                let cm = &commitments[rng.gen_range(0..commitments.len())];
                vec![(cm.id, "本单位不涉及该业务。".to_owned())]
            } else {
                vec![]
            };
            SeedSignature {
                organization_id: org,
                state,
                representative_name: format!("代表{k}"),
                representative_title: "合规负责人".into(),
                excluded,
                events,
            }
        })
        .collect();
    pdb::seed_signatures(c, pledge, &seeds)?;
    made.signatories = seeds.len();
    Ok(())
}

/// Twelve commitments of the generated initiative.
const INITIATIVE_COMMITMENTS: &str = "\
1.1 | 压实主体责任 | Platform responsibility | 强化商家入驻资质审核。 | Verify merchants' qualifications.
1.2 | 压实主体责任 | Platform responsibility | 加强直播间内容审核。 | Review live-room content.
1.3 | 压实主体责任 | Platform responsibility | 建立主播信用档案。 | Keep credit records of hosts.
2.1 | 保护消费者权益 | Consumer rights | 落实先行赔付。 | Compensate first where due.
2.2 | 保护消费者权益 | Consumer rights | 提升投诉处理效率。 | Handle complaints faster.
2.3 | 保护消费者权益 | Consumer rights | 加强未成年人保护。 | Protect minors.
3.1 | 规范价格行为 | Pricing | 明码标价。 | Mark prices clearly.
3.2 | 规范价格行为 | Pricing | 规范划线价。 | Use reference prices honestly.
4.1 | 协同共治 | Co-governance | 报送违法线索。 | Report leads on violations.
4.2 | 协同共治 | Co-governance | 定期报告履诺情况。 | Report on the commitments regularly.
4.3 | 协同共治 | Co-governance | 接受社会监督。 | Accept public scrutiny.
4.4 | 协同共治 | Co-governance | 开展合规培训。 | Train staff on compliance.";

/// `periods` reporting periods of a generated initiative with 12 commitments
/// signed by 28 generated platforms, and a report of every signatory for every
/// period (accepted for past periods; a mix in the current one), one entry
/// per commitment with an indicator — the shape the dashboard is measured on.
fn gen_reports(
    c: &mut DbConn,
    rng: &mut StdRng,
    orgs: &Orgs,
    periods: u32,
    made: &mut Generated,
) -> anyhow::Result<()> {
    use crate::db::schema::{report_entries, report_indicators, reporting_periods, reports, signatures};
    made.report_periods = 0;
    let Some(&issuer) = orgs.associations.first() else { return Ok(()) };
    if periods == 0 || orgs.companies.len() < 28 {
        return Ok(());
    }
    let commitments = parse_commitments(INITIATIVE_COMMITMENTS).map_err(|e| anyhow::anyhow!("commitments: {e:?}"))?;
    let data = PledgeData {
        kind: PledgeKind::Initiative,
        title_zh: "生成数据倡议".into(),
        title_en: "Generated initiative".into(),
        organization_id: orgs.all[issuer].0,
        guiding_body_zh: "示例市场监督管理局".into(),
        guiding_body_en: "Sample Market Regulation Bureau".into(),
        text_md_zh: "本倡议由生成数据写入，仅供性能测试。".into(),
        text_md_en: "Written by the data generator, for benchmarks only.".into(),
        commitments,
    };
    let pledge = pdb::insert(c, Actor::SYSTEM, &data)?;
    let opened = db::now() - Duration::days(30 * 6 * periods as i64 + 30);
    pdb::seed_state(c, pledge, PledgeState::Open, Some(opened), None)?;
    let commitments = pdb::commitments(c, pledge)?;
    let platforms: Vec<i64> = orgs.companies.iter().take(28).map(|&o| orgs.all[o].0).collect();
    let seeds: Vec<SeedSignature> = platforms
        .iter()
        .map(|&org| SeedSignature {
            organization_id: org,
            state: SignatureState::Verified,
            representative_name: "代表".into(),
            representative_title: "合规负责人".into(),
            excluded: vec![],
            events: vec![
                (opened, None, SignatureState::Applied, String::new(), Some(org)),
                (
                    opened + Duration::days(2),
                    Some(SignatureState::Applied),
                    SignatureState::Verified,
                    String::new(),
                    Some(orgs.all[issuer].0),
                ),
            ],
        })
        .collect();
    pdb::seed_signatures(c, pledge, &seeds)?;
    let sigs: HashMap<i64, i64> = signatures::table
        .filter(signatures::pledge_id.eq(pledge))
        .select((signatures::organization_id, signatures::id))
        .load::<(i64, i64)>(c)?
        .into_iter()
        .collect();
    let today = crate::i18n::beijing_today();
    const STATUSES: [&str; 4] = ["implemented", "in_progress", "not_started", "not_applicable"];
    for k in 0..periods as i64 {
        // Half-year periods, the last one due 10 days ago.
        let due = today - Duration::days(10 + 182 * (periods as i64 - 1 - k));
        let period: i64 = diesel::insert_into(reporting_periods::table)
            .values((
                reporting_periods::pledge_id.eq(pledge),
                reporting_periods::label_zh.eq(format!("生成第{}期", k + 1)),
                reporting_periods::label_en.eq(format!("Generated period {}", k + 1)),
                reporting_periods::covers_from.eq(due - Duration::days(212)),
                reporting_periods::covers_to.eq(due - Duration::days(31)),
                reporting_periods::opens_on.eq(due - Duration::days(30)),
                reporting_periods::due_on.eq(due),
                reporting_periods::created_at.eq(db::now()),
            ))
            .returning(reporting_periods::id)
            .get_result(c)?;
        made.report_periods += 1;
        let last = k == periods as i64 - 1;
        let submitted = crate::domain::report::due_instant(due) - Duration::days(2);
        let mut report_rows = Vec::new();
        for (n, org) in platforms.iter().enumerate() {
            let state =
                if !last { "accepted" } else { ["accepted", "accepted", "accepted", "submitted", "returned"][n % 5] };
            report_rows.push((
                reports::period_id.eq(period),
                reports::signature_id.eq(sigs[org]),
                reports::organization_id.eq(*org),
                reports::state.eq(state),
                reports::revisions.eq(1),
                reports::ever_returned.eq(state == "returned"),
                reports::submitted_at.eq(Some(submitted)),
                reports::decided_at.eq((state != "submitted").then_some(submitted + Duration::days(1))),
                reports::created_at.eq(submitted - Duration::days(5)),
                reports::updated_at.eq(submitted),
            ));
        }
        crate::db::insert_many(c, reports::table, &report_rows)?;
        let report_ids: Vec<i64> = reports::table.filter(reports::period_id.eq(period)).select(reports::id).load(c)?;
        let mut entry_rows = Vec::new();
        for rid in &report_ids {
            for cm in &commitments {
                let status = STATUSES[match rng.gen_range(0..20) {
                    0..=13 => 0,
                    14..=16 => 1,
                    17..=18 => 2,
                    _ => 3,
                }];
                entry_rows.push((
                    report_entries::report_id.eq(*rid),
                    report_entries::commitment_id.eq(cm.id),
                    report_entries::status.eq(status),
                    report_entries::na_reason.eq(if status == "not_applicable" { "不涉及该业务。" } else { "" }),
                    report_entries::measures_md.eq("建立台账，按月复核，结果向社会公示。"),
                ));
            }
        }
        for chunk in entry_rows.chunks(CHUNK) {
            crate::db::insert_many(c, report_entries::table, chunk)?;
        }
        let entry_ids: Vec<i64> = report_entries::table
            .filter(report_entries::report_id.eq_any(&report_ids))
            .select(report_entries::id)
            .load(c)?;
        let indicator_rows: Vec<_> = entry_ids
            .iter()
            .map(|e| {
                (
                    report_indicators::entry_id.eq(*e),
                    report_indicators::position.eq(0),
                    report_indicators::name.eq("核验率"),
                    report_indicators::value.eq(format!("{:.1}", rng.gen_range(900..1000) as f64 / 10.0)),
                    report_indicators::unit.eq("%"),
                )
            })
            .collect();
        for chunk in indicator_rows.chunks(CHUNK) {
            crate::db::insert_many(c, report_indicators::table, chunk)?;
        }
    }
    Ok(())
}
