//! Demo pledges: the convention 《网络交易合规经营自律公约》 with several
//! signatories (one withdrawn, one suspended, one subscribing to a subset, one
//! pending application) and the initiative 「提升平台企业合规水平促进电商行业高质量发展」
//! signed by all 28 sample platforms. Written in a handful of statements.

use chrono::{NaiveDate, NaiveDateTime};

use super::DemoIds;
use crate::db::audit::Actor;
use crate::db::pledges::{self as pdb, PledgeData, SeedSignature};
use crate::db::DbConn;
use crate::domain::pledge::{parse_commitments, PledgeKind, PledgeState, SignatureState as S};

fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, 0, 0)).expect("valid demo date")
}

const CONVENTION_TEXT_ZH: &str = "\
为规范网络交易经营行为，保护消费者合法权益，维护公平竞争的市场秩序，促进直播电商行业健康发展，\
在示例市场监督管理局指导下，示例网络直播电商行业协会会同有关平台企业制定本公约。

### 一、总则

1. 签署单位自愿遵守本公约，依法诚信经营，接受社会监督。
2. 本公约的承诺事项分为四个领域：落实平台责任、消费者权益保护、严禁不正当竞争行为、规范价格行为。\
签署单位可以承诺全部事项，也可以说明理由后承诺部分事项。

### 二、监督

发起单位核验签署单位的申请，公开签署名单；对违反承诺的签署单位，发起单位可以暂停其签署，\
整改完成后予以恢复。签署单位可以书面说明理由后退出本公约。

### 三、附则

本公约自发布之日起开放签署，由示例网络直播电商行业协会负责解释。";

const CONVENTION_TEXT_EN: &str = "\
To regulate online trading, protect consumers' lawful rights and interests, keep competition fair and \
promote the healthy development of live-stream e-commerce, the Sample Live-Stream E-Commerce Association, \
under the guidance of the Sample Market Regulation Bureau, drew up this Convention with platform companies.

### 1. General

1. Signatories keep this Convention voluntarily, operate lawfully and in good faith, and accept public scrutiny.
2. The commitments fall in four areas: platform responsibility, consumer protection, no unfair competition, \
and lawful pricing. A signatory subscribes to all of them or, stating its reasons, to some.

### 2. Oversight

The issuing association verifies applications and publishes the list of signatories. It may suspend a \
signatory that breaks its commitments and reinstate it once the matter is put right. A signatory may \
withdraw by stating its reason in writing.

### 3. Final provisions

The Convention is open for signing from its publication; the association interprets it.";

const CONVENTION_COMMITMENTS: &str = "\
1.1 | 落实平台责任 | Platform responsibility | 严格核验入驻商家和直播间主播的身份与经营资质，建立资质档案并及时更新。 | Verify the identity and business qualifications of merchants and live-stream hosts before they start selling, and keep the records up to date.
1.2 | 落实平台责任 | Platform responsibility | 建立直播内容巡查机制，及时发现、制止并处置违法违规直播营销行为。 | Patrol live rooms and promptly detect, stop and deal with unlawful live-stream marketing.
1.3 | 落实平台责任 | Platform responsibility | 依法记录、保存商品和服务信息及交易记录，保存时间自交易完成之日起不少于三年。 | Record and keep product, service and transaction information for at least three years after each transaction.
2.1 | 消费者权益保护 | Consumer protection | 畅通投诉举报渠道，对消费者投诉在 7 个工作日内处理并反馈结果。 | Keep complaint channels open, and handle and answer consumer complaints within 7 working days.
2.2 | 消费者权益保护 | Consumer protection | 落实七日无理由退货规定，不设置不合理的退货条件。 | Honour seven-day no-reason returns without unreasonable conditions.
2.3 | 消费者权益保护 | Consumer protection | 依法保护消费者个人信息，未经同意不向第三方提供。 | Protect consumers' personal information and never pass it to third parties without consent.
3.1 | 严禁不正当竞争行为 | No unfair competition | 不虚构交易、不编造用户评价，不组织或参与刷单炒信。 | No fabricated sales or fake reviews, and no organizing of or taking part in rating manipulation.
3.2 | 严禁不正当竞争行为 | No unfair competition | 不进行虚假或者引人误解的商业宣传，不夸大商品功效。 | No false or misleading advertising, and no exaggerated product claims.
3.3 | 严禁不正当竞争行为 | No unfair competition | 不利用技术手段或平台规则妨碍、破坏其他经营者合法提供的商品或服务。 | No use of technical means or platform rules to obstruct the lawful goods or services of other businesses.
4.1 | 规范价格行为 | Lawful pricing | 在直播间和商品页面显著位置明码标价，标明计价单位和附加费用。 | Mark prices prominently in live rooms and on product pages, with the unit and any extra fees.
4.2 | 规范价格行为 | Lawful pricing | 不虚构原价、不虚假折价优惠，不进行价格欺诈。 | No fictitious original prices, no false discounts, no price fraud.
4.3 | 规范价格行为 | Lawful pricing | 不以排挤竞争对手为目的以低于成本的价格销售商品。 | No selling below cost to push competitors out of the market.";

const INITIATIVE_TEXT_ZH: &str = "\
为深入贯彻落实网络交易监督管理有关规定，压实平台企业主体责任，在示例市场监督管理局指导下，\
示例网络直播电商行业协会向重点平台企业和直播营销机构发出倡议：

- 坚持依法合规经营，把合规要求嵌入商家入驻、直播审核、交易服务和售后处理全过程；
- 主动接受政府监管和社会监督，定期报告履诺情况；
- 共同营造安全放心的网络消费环境，推动电商行业高质量发展。";

const INITIATIVE_TEXT_EN: &str = "\
To put the rules on online trading into practice and make platforms answer for what happens on them, the \
Sample Live-Stream E-Commerce Association, under the guidance of the Sample Market Regulation Bureau, calls \
on the key platforms and live-stream agencies to:

- operate lawfully, building compliance into merchant admission, live-room review, trading and after-sales service;
- accept government oversight and public scrutiny, and report regularly on keeping these commitments;
- build a safe online shopping environment together and promote the high-quality development of e-commerce.";

const INITIATIVE_COMMITMENTS: &str = "\
1.1 | 压实主体责任 | Platform responsibility | 强化商家入驻资质审核，对证照信息定期复核，发现虚假资质立即清退。 | Strengthen the verification of merchants' qualifications, re-check licences regularly, and remove merchants with false credentials at once.
1.2 | 压实主体责任 | Platform responsibility | 加强直播间内容审核，对高风险品类和重点时段实行人工与技术相结合的巡查。 | Strengthen the content review of live rooms, with combined human and automated patrols of high-risk categories and peak hours.
2.1 | 保护消费者权益 | Consumer rights | 健全消费者权益保护机制，落实先行赔付，提升投诉处理效率。 | Strengthen the protection of consumer rights, pay compensation first where due, and handle complaints faster.
2.2 | 保护消费者权益 | Consumer rights | 加强未成年人保护，规范直播打赏和未成年人消费。 | Protect minors, and regulate tipping and purchases by minors in live streams.
3.1 | 协同共治 | Co-governance | 建立违法违规线索报送机制，及时向监管部门报送发现的违法线索。 | Set up a way to report leads on violations, and pass the leads found to the regulator promptly.
3.2 | 协同共治 | Co-governance | 每半年向发起单位报告履诺情况，并接受社会监督。 | Report to the issuing association every six months on keeping these commitments, and accept public scrutiny.";

fn representative(n: usize) -> (String, String) {
    const SURNAMES: [&str; 8] = ["张", "王", "李", "赵", "陈", "刘", "周", "吴"];
    (
        format!("{}{}", SURNAMES[n % SURNAMES.len()], ["伟", "芳", "敏", "静", "磊", "洋"][n % 6]),
        "合规负责人".to_owned(),
    )
}

use crate::db::pledges::SeedEvent as Ev;

fn signed(ids: &DemoIds, n: usize, applied: NaiveDateTime, verified: NaiveDateTime) -> Vec<Ev> {
    let org = ids.platforms[n - 1];
    vec![
        (applied, None, S::Applied, String::new(), Some(org)),
        (verified, Some(S::Applied), S::Verified, String::new(), Some(ids.association)),
    ]
}

fn seed(ids: &DemoIds, n: usize, state: S, excluded: Vec<(i64, String)>, events: Vec<Ev>) -> SeedSignature {
    let (name, title) = representative(n);
    SeedSignature {
        organization_id: ids.platforms[n - 1],
        state,
        representative_name: name,
        representative_title: title,
        excluded,
        events,
    }
}

fn pledge(
    c: &mut DbConn,
    ids: &DemoIds,
    kind: PledgeKind,
    titles: (&str, &str),
    texts: (&str, &str),
    commitments: &str,
) -> anyhow::Result<i64> {
    let commitments = parse_commitments(commitments).map_err(|e| anyhow::anyhow!("demo commitments: {e:?}"))?;
    let data = PledgeData {
        kind,
        title_zh: titles.0.into(),
        title_en: titles.1.into(),
        organization_id: ids.association,
        guiding_body_zh: "示例市场监督管理局".into(),
        guiding_body_en: "Sample Market Regulation Bureau".into(),
        text_md_zh: texts.0.into(),
        text_md_en: texts.1.into(),
        commitments,
    };
    Ok(pdb::insert(c, Actor::SYSTEM, &data)?)
}

pub fn load(c: &mut DbConn, ids: &DemoIds) -> anyhow::Result<()> {
    // The convention, open since March 2025.
    let convention = pledge(
        c,
        ids,
        PledgeKind::Convention,
        ("网络交易合规经营自律公约", "Convention on Compliant Operation in Online Trading"),
        (CONVENTION_TEXT_ZH, CONVENTION_TEXT_EN),
        CONVENTION_COMMITMENTS,
    )?;
    pdb::seed_state(c, convention, PledgeState::Open, Some(at(2025, 3, 10, 2)), None)?;
    let commitments = pdb::commitments(c, convention)?;
    let id_of = |number: &str| commitments.iter().find(|x| x.number == number).map(|x| x.id).unwrap_or_default();

    let mut seeds = Vec::new();
    for (i, n) in [4usize, 5, 6, 7, 8, 11, 12].into_iter().enumerate() {
        let d = 12 + i as u32;
        seeds.push(seed(ids, n, S::Verified, vec![], signed(ids, n, at(2025, 3, d, 3), at(2025, 3, d + 3, 6))));
    }
    // Platform 09 signed, then withdrew.
    let mut ev = signed(ids, 9, at(2025, 3, 11, 2), at(2025, 3, 14, 6));
    ev.push((
        at(2025, 9, 30, 8),
        Some(S::Verified),
        S::Withdrawn,
        "本单位已停止网络直播营销业务，相关承诺无法继续履行。".into(),
        Some(ids.platforms[8]),
    ));
    seeds.push(seed(ids, 9, S::Withdrawn, vec![], ev));
    // Platform 10 subscribes to a subset, with a reason for each commitment left out.
    seeds.push(seed(
        ids,
        10,
        S::Verified,
        vec![
            (
                id_of("2.2"),
                "本平台仅经营本地生活服务团购券，适用“随时退、过期自动退”规则，七日无理由退货规定不适用。".into(),
            ),
            (id_of("4.3"), "本平台不直接销售商品，不涉及商品定价。".into()),
        ],
        signed(ids, 10, at(2025, 3, 20, 2), at(2025, 3, 25, 7)),
    ));
    // Platform 13 was suspended after complaints about fictitious original prices.
    let mut ev = signed(ids, 13, at(2025, 3, 21, 2), at(2025, 3, 26, 7));
    ev.push((
        at(2025, 11, 12, 9),
        Some(S::Verified),
        S::Suspended,
        "经核查，平台内多个直播间存在虚构原价问题（违反承诺 4.2），整改完成前暂停签署。".into(),
        Some(ids.association),
    ));
    seeds.push(seed(ids, 13, S::Suspended, vec![], ev));
    // Platform 03 has applied and awaits verification.
    seeds.push(seed(
        ids,
        3,
        S::Applied,
        vec![],
        vec![(at(2026, 11, 20, 3), None, S::Applied, String::new(), Some(ids.platforms[2]))],
    ));
    pdb::seed_signatures(c, convention, &seeds)?;

    // The initiative, signed by all 28 platforms.
    let initiative = pledge(
        c,
        ids,
        PledgeKind::Initiative,
        (
            "提升平台企业合规水平促进电商行业高质量发展",
            "Initiative on Raising Platform Compliance for the High-Quality Development of E-Commerce",
        ),
        (INITIATIVE_TEXT_ZH, INITIATIVE_TEXT_EN),
        INITIATIVE_COMMITMENTS,
    )?;
    pdb::seed_state(c, initiative, PledgeState::Open, Some(at(2025, 6, 16, 2)), None)?;
    let seeds: Vec<SeedSignature> = (1..=ids.platforms.len())
        .map(|n| {
            let applied = at(2025, 6, 16, 4) + chrono::Duration::minutes(n as i64 * 7);
            seed(ids, n, S::Verified, vec![], signed(ids, n, applied, at(2025, 6, 18, 2)))
        })
        .collect();
    pdb::seed_signatures(c, initiative, &seeds)?;
    Ok(())
}
