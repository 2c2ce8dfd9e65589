//! A generated initiative with reporting periods and a report of every
//! signatory for every period: the shape the dashboard is measured on.

use std::collections::HashMap;

use chrono::Duration;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;

use super::{Generated, Orgs, CHUNK};
use crate::db::audit::Actor;
use crate::db::pledges::{self as pdb, PledgeData, SeedSignature};
use crate::db::{self, DbConn};
use crate::domain::pledge::{parse_commitments, PledgeKind, PledgeState, SignatureState};

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
pub(super) fn generate(
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
