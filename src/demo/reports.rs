//! Demo commitment reports: three reporting periods of the initiative (two
//! past, one open) and one of the convention, with accepted, returned,
//! submitted, overdue and non-communicating signatories, so that every
//! standing and every colour shows on the dashboard.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DemoIds;
use crate::db::audit::Actor;
use crate::db::pledges::Commitment;
use crate::db::reports::{self as rdb, PeriodData, SnapshotEntry};
use crate::db::schema::{pledges, report_entries, report_indicators, report_revisions, reports, signatures};
use crate::db::DbConn;
use crate::domain::report::due_instant;

/// What a demo platform did in a period.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Plan {
    Accepted,
    /// Returned and not yet resubmitted.
    Returned,
    /// Returned, revised, resubmitted and accepted.
    Rectified,
    Submitted,
    Draft,
    Nothing,
}

const MEASURES: [&str; 4] = [
    "建立商家资质核验台账，每季度复核营业执照与行业许可证；对 **高风险品类** 实行准入前人工审核。",
    "组建专职巡查团队，实行 7×24 小时直播间巡查，结合关键词与图像识别技术识别违规内容。",
    "设立消费者投诉专线与在线客服，落实先行赔付制度，每月通报投诉处理情况。",
    "与监管部门建立线索报送机制，指定专人负责，按月汇总报送发现的违法违规线索。",
];

const INDICATORS: [(&str, &str); 6] = [
    ("商家资质核验率", "%"),
    ("直播间巡查场次", "场"),
    ("投诉平均处理时长", "小时"),
    ("未成年人消费退款办结率", "%"),
    ("向监管部门报送线索", "条"),
    ("履诺情况报告次数", "次"),
];

/// Later periods go better: more commitments implemented.
fn status_for(n: usize, k: usize, round: usize) -> &'static str {
    let x = (n * 7 + k * 3) % 10;
    if k == 3 && x == 9 {
        "not_applicable"
    } else if x < 4 + 2 * round {
        "implemented"
    } else if x < 7 + round {
        "in_progress"
    } else {
        "not_started"
    }
}

fn value_for(n: usize, k: usize, round: usize) -> String {
    match k {
        0 => format!("{:.1}", 95.0 + ((n * 13 + round * 7) % 50) as f64 / 10.0),
        1 => format!("{}", 800 + (n * 97 + round * 131) % 1500),
        2 => format!("{}", 8 + (n * 5 + round) % 30),
        3 => format!("{:.1}", 90.0 + ((n * 11 + round * 3) % 100) as f64 / 10.0),
        4 => format!("{}", (n * 3 + round * 2) % 25),
        _ => "1".to_owned(),
    }
}

struct PeriodPlan {
    id: i64,
    due: NaiveDate,
    round: usize,
}

#[allow(clippy::too_many_arguments)]
fn file(
    c: &mut DbConn,
    ids: &DemoIds,
    pledge_id: i64,
    p: &PeriodPlan,
    n: usize,
    commitments: &[Commitment],
    plan: Plan,
    reviewer: i64,
) -> anyhow::Result<()> {
    if plan == Plan::Nothing {
        return Ok(());
    }
    let org = ids.platforms[n - 1];
    let sig: i64 = signatures::table
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::organization_id.eq(org))
        .select(signatures::id)
        .first(c)?;
    let due = due_instant(p.due);
    let submitted_at: NaiveDateTime = due - Duration::days(3 + (n as i64 % 9)) - Duration::hours(n as i64);
    let (state, revisions, ever_returned, submitted, decided, comment) = match plan {
        Plan::Accepted => ("accepted", 1, false, Some(submitted_at), Some(submitted_at + Duration::days(4)), ""),
        Plan::Rectified => {
            ("accepted", 2, true, Some(submitted_at + Duration::days(6)), Some(submitted_at + Duration::days(9)), "")
        }
        Plan::Returned => (
            "returned",
            1,
            true,
            Some(submitted_at),
            Some(submitted_at + Duration::days(2)),
            "请补充第 2.1 项的投诉处理数据，并说明未成年人保护措施的落实进度。",
        ),
        Plan::Submitted => {
            ("submitted", 1, false, Some(submitted_at.min(crate::db::now() - Duration::hours(5))), None, "")
        }
        Plan::Draft => ("draft", 0, false, None, None, ""),
        Plan::Nothing => unreachable!("handled above"),
    };
    let created = submitted.unwrap_or(crate::db::now()) - Duration::days(5);
    let rid: i64 = diesel::insert_into(reports::table)
        .values((
            reports::period_id.eq(p.id),
            reports::signature_id.eq(sig),
            reports::organization_id.eq(org),
            reports::state.eq(state),
            reports::version.eq(1 + revisions * 2),
            reports::revisions.eq(revisions),
            reports::ever_returned.eq(ever_returned),
            reports::review_comment.eq(comment),
            reports::submitted_at.eq(submitted),
            reports::decided_at.eq(decided),
            reports::decided_by.eq(decided.map(|_| reviewer)),
            reports::created_at.eq(created),
            reports::updated_at.eq(decided.or(submitted).unwrap_or(created)),
        ))
        .returning(reports::id)
        .get_result(c)?;
    let mut snapshot = Vec::new();
    for (k, cm) in commitments.iter().enumerate() {
        let filled = plan != Plan::Draft || k < 2;
        let status = if filled { status_for(n, k, p.round) } else { "" };
        let measures = if filled && status != "not_applicable" { MEASURES[k % MEASURES.len()] } else { "" };
        let na = if status == "not_applicable" {
            "本单位不涉及面向未成年人的直播打赏业务。"
        } else {
            ""
        };
        let review =
            if plan == Plan::Returned && k == 2 { "投诉处理时长数据缺少统计口径说明。" } else { "" };
        let eid: i64 = diesel::insert_into(report_entries::table)
            .values((
                report_entries::report_id.eq(rid),
                report_entries::commitment_id.eq(cm.id),
                report_entries::status.eq(status),
                report_entries::na_reason.eq(na),
                report_entries::measures_md.eq(measures),
                report_entries::review_comment.eq(review),
            ))
            .returning(report_entries::id)
            .get_result(c)?;
        let mut indicators = Vec::new();
        if filled && status != "not_applicable" {
            let (name, unit) = INDICATORS[k % INDICATORS.len()];
            let value = value_for(n, k, p.round);
            diesel::insert_into(report_indicators::table)
                .values((
                    report_indicators::entry_id.eq(eid),
                    report_indicators::position.eq(0),
                    report_indicators::name.eq(name),
                    report_indicators::value.eq(&value),
                    report_indicators::unit.eq(unit),
                ))
                .execute(c)?;
            indicators.push((name.to_owned(), value, unit.to_owned()));
        }
        snapshot.push(SnapshotEntry {
            commitment_id: cm.id,
            number: cm.number.clone(),
            status: status.to_owned(),
            na_reason: na.to_owned(),
            measures: measures.to_owned(),
            indicators,
            links: vec![],
            files: vec![],
        });
    }
    for rev in 1..=revisions {
        let json = serde_json::to_string(&snapshot)?;
        diesel::insert_into(report_revisions::table)
            .values((
                report_revisions::report_id.eq(rid),
                report_revisions::n.eq(rev),
                report_revisions::submitted_at
                    .eq(submitted.unwrap_or(created) - Duration::days(6 * (revisions - rev) as i64)),
                report_revisions::submitted_by.eq(if n == 1 {
                    Some(ids.filer)
                } else if n == 2 {
                    Some(ids.filer2)
                } else {
                    None
                }),
                report_revisions::snapshot_json.eq(json),
            ))
            .execute(c)?;
    }
    Ok(())
}

fn period(
    c: &mut DbConn,
    ids: &DemoIds,
    pledge_id: i64,
    zh: &str,
    en: &str,
    covers: (NaiveDate, NaiveDate),
    opens: NaiveDate,
    due: NaiveDate,
) -> anyhow::Result<i64> {
    let editor = Actor { user_id: Some(ids.editor), org_id: Some(ids.association) };
    let d = PeriodData {
        label_zh: zh.into(),
        label_en: en.into(),
        covers_from: covers.0,
        covers_to: covers.1,
        opens_on: opens,
        due_on: due,
    };
    Ok(rdb::create_period(c, editor, pledge_id, &d)?)
}

pub fn load(c: &mut DbConn, ids: &DemoIds) -> anyhow::Result<()> {
    let today = crate::i18n::beijing_today();
    let pledge_of = |c: &mut DbConn, kind: &str| -> QueryResult<i64> {
        pledges::table.filter(pledges::kind.eq(kind)).select(pledges::id).order(pledges::id).first(c)
    };
    let initiative = pledge_of(c, "initiative")?;
    let convention = pledge_of(c, "convention")?;
    let commitments = crate::db::pledges::commitments(c, initiative)?;

    // Periods relative to today, so the demo always shows every standing:
    // one long past (grace over), one just past its deadline, one open.
    let d = |days: i64| today + Duration::days(days);
    let p1 = PeriodPlan {
        id: period(
            c,
            ids,
            initiative,
            "第一期（上半年度）",
            "Period 1 (first half)",
            (d(-400), d(-220)),
            d(-219),
            d(-190),
        )?,
        due: d(-190),
        round: 0,
    };
    let p2 = PeriodPlan {
        id: period(
            c,
            ids,
            initiative,
            "第二期（下半年度）",
            "Period 2 (second half)",
            (d(-219), d(-40)),
            d(-39),
            d(-10),
        )?,
        due: d(-10),
        round: 1,
    };
    let p3 = PeriodPlan {
        id: period(c, ids, initiative, "第三期（本期）", "Period 3 (current)", (d(-39), d(-1)), d(-25), d(5))?,
        due: d(5),
        round: 2,
    };
    let reviewer = ids.reviewer;
    for n in 1..=ids.platforms.len() {
        let plan1 = match n {
            27 => Plan::Nothing,
            5 | 17 => Plan::Rectified,
            _ => Plan::Accepted,
        };
        let plan2 = match n {
            2 | 11 | 19 => Plan::Returned,
            23 | 26 => Plan::Nothing,
            27 => Plan::Nothing,
            14 => Plan::Submitted,
            8 => Plan::Rectified,
            _ => Plan::Accepted,
        };
        let plan3 = match n {
            3 | 6 | 9 | 12 => Plan::Submitted,
            4 => Plan::Draft,
            _ => Plan::Nothing,
        };
        file(c, ids, initiative, &p1, n, &commitments, plan1, reviewer)?;
        file(c, ids, initiative, &p2, n, &commitments, plan2, reviewer)?;
        file(c, ids, initiative, &p3, n, &commitments, plan3, reviewer)?;
    }

    // The convention: one period just past its deadline; withdrawn and suspended signatories show as such.
    let cc = crate::db::pledges::commitments(c, convention)?;
    let cp = PeriodPlan {
        id: period(c, ids, convention, "年度报告", "Annual report", (d(-375), d(-11)), d(-40), d(-12))?,
        due: d(-12),
        round: 1,
    };
    let verified: Vec<i64> = signatures::table
        .filter(signatures::pledge_id.eq(convention))
        .filter(signatures::state.eq("verified"))
        .select(signatures::organization_id)
        .load(c)?;
    for n in 1..=ids.platforms.len() {
        if !verified.contains(&ids.platforms[n - 1]) {
            continue;
        }
        let excluded: Vec<i64> = crate::db::schema::signature_exclusions::table
            .inner_join(signatures::table)
            .filter(signatures::pledge_id.eq(convention))
            .filter(signatures::organization_id.eq(ids.platforms[n - 1]))
            .select(crate::db::schema::signature_exclusions::commitment_id)
            .load(c)?;
        let subscribed: Vec<Commitment> = cc.iter().filter(|x| !excluded.contains(&x.id)).cloned().collect();
        let plan = if n == 7 { Plan::Nothing } else { Plan::Accepted };
        file(c, ids, convention, &cp, n, &subscribed, plan, reviewer)?;
    }
    Ok(())
}
