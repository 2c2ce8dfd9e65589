//! Demo commitment reports: three reporting periods of the initiative (two
//! past, one open) and two of the convention (one past, one announced), so that every
//! filing standing shows on the dashboard: accepted on time and late,
//! submitted (on time and late), returned, not due, due soon, overdue,
//! non-communicating, withdrawn and suspended. The texts fit each commitment
//! (`report_texts`).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DemoIds;
use crate::db::audit::Actor;
use crate::db::pledges::Commitment;
use crate::db::reports::{self as rdb, PeriodData, SnapshotEntry};
use crate::db::schema::{pledges, report_entries, report_indicators, report_revisions, reports, signatures};
use crate::db::DbConn;
use crate::domain::report::due_instant;

use super::report_texts::{self, Text};

/// What a demo platform did in a period.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Plan {
    Accepted,
    /// Submitted after the deadline, then accepted.
    AcceptedLate,
    /// Returned and not yet resubmitted.
    Returned,
    /// Returned, revised, resubmitted and accepted.
    Rectified,
    Submitted,
    /// Submitted after the deadline, awaiting review.
    SubmittedLate,
    Draft,
    Nothing,
}

/// A commitment's status in a platform's report: platforms differ, and later
/// rounds go better. Not applicable only where the commitment can not apply.
fn status_for(n: usize, k: usize, round: usize, text: &Text) -> &'static str {
    let x = (n * 7 + k * 3) % 10;
    let threshold = 3 + 2 * round + n % 4;
    if !text.not_applicable.is_empty() && (n * 5 + round) % 9 == 2 {
        "not_applicable"
    } else if x < threshold {
        "implemented"
    } else if x < threshold + 3 {
        "in_progress"
    } else {
        "not_started"
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
    (pledge_id, initiative): (i64, bool),
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
    let late_at: NaiveDateTime = due + Duration::days(2 + (n as i64 % 3)) + Duration::hours(n as i64);
    let (state, revisions, ever_returned, submitted, decided, comment) = match plan {
        Plan::Accepted => ("accepted", 1, false, Some(submitted_at), Some(submitted_at + Duration::days(4)), ""),
        Plan::AcceptedLate => ("accepted", 1, false, Some(late_at), Some(late_at + Duration::days(2)), ""),
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
        Plan::SubmittedLate => {
            ("submitted", 1, false, Some(late_at.min(crate::db::now() - Duration::hours(5))), None, "")
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
        let text = report_texts::text(initiative, &cm.number);
        let filled = plan != Plan::Draft || k < 2;
        let status = match text {
            Some(t) if filled => status_for(n, k, p.round, t),
            _ => "",
        };
        let measures = match (text, status) {
            (Some(t), "implemented") => t.done,
            (Some(t), "in_progress") => t.doing,
            (Some(t), "not_started") => t.todo,
            _ => "",
        };
        let na = match text {
            Some(t) if status == "not_applicable" => t.not_applicable,
            _ => "",
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
        if let Some(t) = text.filter(|_| filled && status != "not_applicable") {
            for (i, (name, unit, gen)) in t.indicators.iter().enumerate() {
                let value = gen.value(n, k, p.round);
                diesel::insert_into(report_indicators::table)
                    .values((
                        report_indicators::entry_id.eq(eid),
                        report_indicators::position.eq(i as i32),
                        report_indicators::name.eq(name),
                        report_indicators::value.eq(&value),
                        report_indicators::unit.eq(unit),
                    ))
                    .execute(c)?;
                indicators.push((name.to_string(), value, unit.to_string()));
            }
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
    let editor = Actor::user(ids.editor, ids.association);
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
            21 => Plan::AcceptedLate,
            _ => Plan::Accepted,
        };
        let plan2 = match n {
            2 | 11 | 19 => Plan::Returned,
            23 | 26 => Plan::Nothing,
            27 => Plan::Nothing,
            14 => Plan::Submitted,
            25 => Plan::SubmittedLate,
            16 => Plan::AcceptedLate,
            8 => Plan::Rectified,
            _ => Plan::Accepted,
        };
        let plan3 = match n {
            3 | 6 | 9 | 12 => Plan::Submitted,
            4 => Plan::Draft,
            _ => Plan::Nothing,
        };
        file(c, ids, (initiative, true), &p1, n, &commitments, plan1, reviewer)?;
        file(c, ids, (initiative, true), &p2, n, &commitments, plan2, reviewer)?;
        file(c, ids, (initiative, true), &p3, n, &commitments, plan3, reviewer)?;
    }

    // The convention: one period just past its deadline; withdrawn and suspended signatories show as such.
    let cc = crate::db::pledges::commitments(c, convention)?;
    let cp = PeriodPlan {
        id: period(c, ids, convention, "年度报告", "Annual report", (d(-375), d(-11)), d(-40), d(-12))?,
        due: d(-12),
        round: 1,
    };
    // Its next period, announced ahead: filing has not opened yet.
    period(c, ids, convention, "下一年度报告", "Next annual report", (d(-10), d(355)), d(356), d(385))?;
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
        file(c, ids, (convention, false), &cp, n, &subscribed, plan, reviewer)?;
    }
    Ok(())
}
