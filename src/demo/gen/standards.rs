//! Generated standards in every state, with their events, versions, comment
//! periods, comments and dispositions.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;

use super::{Generated, Orgs, CHUNK};
use crate::config::GenData;
use crate::db::codes::Code;
use crate::db::schema::{
    comment_periods, comments, standard_codrafters, standard_events, standard_versions, standards,
};
use crate::db::{self, DbConn};
use crate::domain::standard::StandardState as S;
use crate::domain::standard::VersionLabel;

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

pub(super) fn generate(
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
                    // Both drafts went out for comment (the comments are on the second); a typed
                    // label, so the generator cannot write one the registry does not know.
                    standard_versions::label.eq(Code(VersionLabel::CommentDraft)),
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
