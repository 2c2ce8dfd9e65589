//! A generated convention signed by many generated organizations.

use chrono::Duration;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;

use super::{Generated, Orgs, CODE_PREFIX};
use crate::db::audit::Actor;
use crate::db::pledges::{self as pdb, PledgeData, SeedSignature};
use crate::db::schema::organizations;
use crate::db::{self, DbConn};
use crate::domain::pledge::{parse_commitments, PledgeKind, PledgeState, SignatureState};
use crate::domain::OrgKind;

const COMMITMENTS: &str = "\
1.1 | 落实平台责任 | Platform responsibility | 核验商家与主播资质。 | Verify merchants' and hosts' qualifications.
1.2 | 落实平台责任 | Platform responsibility | 巡查直播内容。 | Patrol live rooms.
2.1 | 消费者权益保护 | Consumer protection | 7 个工作日内处理投诉。 | Handle complaints within 7 working days.
2.2 | 消费者权益保护 | Consumer protection | 落实七日无理由退货。 | Honour seven-day returns.
3.1 | 规范价格行为 | Lawful pricing | 明码标价。 | Mark prices clearly.
3.2 | 规范价格行为 | Lawful pricing | 不虚构原价。 | No fictitious original prices.";

/// A pledge signed by `n` generated organizations.
pub(super) fn generate(
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
