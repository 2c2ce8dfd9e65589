//! What the demo platforms write in their reports, commitment by commitment:
//! measures for each status and indicators that fit the commitment's text
//! (see the commitments in `super::pledges`).

/// How a demo indicator's value is made up: a percentage between two bounds
/// (one decimal) or a whole count between two bounds.
#[derive(Clone, Copy)]
pub enum Gen {
    Pct(f64, f64),
    Count(u32, u32),
}

impl Gen {
    /// A value for platform `n` in reporting round `round` (later rounds go better for percentages).
    pub fn value(self, n: usize, k: usize, round: usize) -> String {
        let seed = (n * 37 + k * 11 + round * 17) % 100;
        match self {
            Gen::Pct(lo, hi) => {
                let span = hi - lo;
                let v = lo
                    + span * (0.4 + 0.2 * round as f64).min(1.0) * (seed as f64 / 100.0)
                    + span * (0.1 * round as f64).min(0.6);
                format!("{:.1}", v.min(hi))
            }
            Gen::Count(lo, hi) => format!("{}", lo + (seed as u32 * (hi - lo + 1)) / 100),
        }
    }
}

/// One commitment's demo texts.
pub struct Text {
    pub number: &'static str,
    /// Measures when implemented, in progress and not started (Markdown).
    pub done: &'static str,
    pub doing: &'static str,
    pub todo: &'static str,
    /// (name, unit, how the value is made up).
    pub indicators: &'static [(&'static str, &'static str, Gen)],
    /// Why it may not apply to a platform (empty: it always applies).
    pub not_applicable: &'static str,
}

/// The initiative 「提升平台企业合规水平促进电商行业高质量发展」.
pub const INITIATIVE: [Text; 6] = [
    Text {
        number: "1.1",
        done: "建立商家资质核验台账：入驻时核验营业执照和食品经营许可证等行业许可，在营商家的证照**每季度复核一次**；发现虚假资质的商家立即清退，并在平台规则中心公示。",
        doing: "营业执照在线核验接口已上线，行业许可证的定期复核流程正在试运行，预计下一报告期覆盖全部在营商家。",
        todo: "在营商家证照的定期复核机制尚未建立；已确定由商家管理部牵头，计划下一报告期内完成制度制定。",
        indicators: &[("入驻商家资质核验率", "%", Gen::Pct(94.0, 100.0)), ("清退虚假资质商家", "家", Gen::Count(0, 40))],
        not_applicable: "",
    },
    Text {
        number: "1.2",
        done: "组建专职巡查团队，对食品、化妆品、医疗器械等高风险品类和每晚 19:00 至 23:00 的重点时段实行人工巡查，其余时段由关键词与图像识别模型预警，预警后 10 分钟内人工复核。",
        doing: "图像识别预警模型已在美妆、食品类目上线；人工巡查团队正在扩编，重点时段的人工巡查尚未全覆盖。",
        todo: "目前主要依靠用户举报发现违规直播，主动巡查机制尚在论证，计划下一报告期内组建巡查团队。",
        indicators: &[("直播间巡查场次", "场", Gen::Count(800, 2300)), ("高风险品类人工抽检率", "%", Gen::Pct(60.0, 100.0))],
        not_applicable: "",
    },
    Text {
        number: "2.1",
        done: "设立消费者投诉专线和在线客服，落实先行赔付：商家 48 小时内未处理的投诉由平台先行赔付；每月通报投诉处理情况。",
        doing: "先行赔付规则已发布，赔付保证金账户正在设立；投诉平均处理时长较上期缩短，但仍高于 24 小时的目标。",
        todo: "投诉目前由商家自行处理，平台先行赔付规则尚在起草，计划下一报告期内发布。",
        indicators: &[("投诉平均处理时长", "小时", Gen::Count(8, 38)), ("先行赔付金额", "万元", Gen::Count(5, 160))],
        not_applicable: "",
    },
    Text {
        number: "2.2",
        done: "落实实名认证和青少年模式，不向未成年人提供打赏服务；开通未成年人消费退款专用通道，核实后全额退还。",
        doing: "青少年模式已上线，识别未成年人打赏的模型正在优化；退款专用通道已开通，办结时限尚未达到 7 个工作日的目标。",
        todo: "未成年人识别仍依赖用户自报年龄，专门的保护措施尚在规划，计划下一报告期内上线青少年模式。",
        indicators: &[("未成年人消费退款办结率", "%", Gen::Pct(85.0, 100.0)), ("拦截未成年人打赏", "次", Gen::Count(20, 900))],
        not_applicable: "本平台不提供直播打赏功能，也不面向未成年人销售商品。",
    },
    Text {
        number: "3.1",
        done: "建立违法违规线索报送机制：合规部指定专人负责，涉嫌违法的线索 3 个工作日内报送属地市场监管部门，每月汇总一次。",
        doing: "线索报送制度已印发，与属地监管部门的对接人已明确，线索汇总台账正在建设。",
        todo: "线索目前由各业务部门分散处理，统一的报送机制尚未建立，计划下一报告期内印发制度。",
        indicators: &[("向监管部门报送线索", "条", Gen::Count(0, 25))],
        not_applicable: "",
    },
    Text {
        number: "3.2",
        done: "按期向发起单位报告履诺情况，报告摘要在平台规则中心公示；开设社会监督意见反馈入口，每条意见 15 个工作日内答复。",
        doing: "本期履诺情况已向发起单位报告；对外公示页面和社会监督意见反馈入口正在开发。",
        todo: "尚未建立履诺情况的对外公示和意见反馈机制，本期仅向发起单位提交报告。",
        indicators: &[("履诺情况报告次数", "次", Gen::Count(1, 1)), ("社会监督意见答复", "件", Gen::Count(0, 30))],
        not_applicable: "",
    },
];

/// The convention 《网络交易合规经营自律公约》.
pub const CONVENTION: [Text; 12] = [
    Text {
        number: "1.1",
        done: "商家和主播开播前完成实名认证与经营资质核验，资质档案由系统到期提醒，证照到期前 30 天通知更新。",
        doing: "主播实名认证已全覆盖，商家资质档案的到期提醒功能正在开发。",
        todo: "主播资质核验尚未纳入开播流程，计划下一年度完成改造。",
        indicators: &[
            ("主播身份核验率", "%", Gen::Pct(95.0, 100.0)),
            ("商家资质档案更新率", "%", Gen::Pct(80.0, 100.0)),
        ],
        not_applicable: "",
    },
    Text {
        number: "1.2",
        done:
            "实行 7×24 小时直播间巡查，结合关键词与图像识别发现违规营销，发现后立即警告、断播或清退，并留存处置记录。",
        doing: "巡查已覆盖晚间重点时段，全天候巡查的人员排班正在落实。",
        todo: "巡查机制尚未建立，违规直播主要依靠用户举报发现。",
        indicators: &[("处置违规直播间", "个", Gen::Count(10, 400))],
        not_applicable: "",
    },
    Text {
        number: "1.3",
        done: "商品和服务信息、交易记录自交易完成之日起保存五年，异地备份，每半年抽查一次备份的完整性。",
        doing: "交易记录已保存三年以上，商品信息快照的留存功能正在开发。",
        todo: "交易记录的保存期限尚未统一，计划下一年度完成数据留存制度。",
        indicators: &[("交易记录保存期限", "年", Gen::Count(3, 5)), ("备份抽查合格率", "%", Gen::Pct(90.0, 100.0))],
        not_applicable: "",
    },
    Text {
        number: "2.1",
        done: "投诉举报入口在首页和直播间显著位置展示，投诉 7 个工作日内处理完毕并反馈结果，逾期的由合规部督办。",
        doing: "投诉处理时限已纳入客服考核，部分类目的办结时限仍超过 7 个工作日。",
        todo: "投诉处理时限尚未统一规定，计划下一年度完成客服流程改造。",
        indicators: &[("投诉 7 个工作日内办结率", "%", Gen::Pct(85.0, 100.0))],
        not_applicable: "",
    },
    Text {
        number: "2.2",
        done: "全部实物商品支持七日无理由退货，商品页显著标示；清理了商家设置的“拆封不退”等不合理条件。",
        doing: "不合理退货条件的清理已完成八成，剩余商家正在整改。",
        todo: "部分类目的退货规则尚未统一，计划下一年度完成清理。",
        indicators: &[("七日无理由退货办结率", "%", Gen::Pct(90.0, 100.0))],
        not_applicable: "本平台仅经营本地生活服务团购券，七日无理由退货规定不适用。",
    },
    Text {
        number: "2.3",
        done: "修订隐私政策，向第三方提供个人信息前单独征得同意；每年开展一次个人信息保护合规审计。",
        doing: "隐私政策已修订，第三方共享的单独同意功能正在上线。",
        todo: "个人信息保护合规审计尚未开展，计划下一年度委托第三方机构进行。",
        indicators: &[("个人信息安全事件", "起", Gen::Count(0, 2))],
        not_applicable: "",
    },
    Text {
        number: "3.1",
        done: "上线刷单识别模型，清理虚假交易和虚假评价，对组织刷单的商家扣除保证金并清退。",
        doing: "刷单识别模型已上线，虚假评价的人工复核正在扩展到全部类目。",
        todo: "虚假评价目前依靠用户举报发现，识别模型尚在开发。",
        indicators: &[("清理虚假评价", "条", Gen::Count(200, 9000))],
        not_applicable: "",
    },
    Text {
        number: "3.2",
        done: "直播脚本和商品宣传语上架前审核，禁止夸大功效的用语，发现虚假宣传的商品立即下架。",
        doing: "宣传用语的禁用词库已上线，直播脚本的事前审核正在试点。",
        todo: "直播宣传内容尚无事前审核，计划下一年度建立审核流程。",
        indicators: &[("下架夸大宣传商品", "件", Gen::Count(5, 300))],
        not_applicable: "",
    },
    Text {
        number: "3.3",
        done: "清理平台规则中限制商家在其他平台经营的条款，技术接口对所有合规服务商平等开放。",
        doing: "限制性条款已完成梳理，修订后的平台规则正在公开征求意见。",
        todo: "平台规则中的限制性条款尚未梳理，计划下一年度完成。",
        indicators: &[("涉及妨碍竞争的投诉", "件", Gen::Count(0, 3))],
        not_applicable: "",
    },
    Text {
        number: "4.1",
        done: "直播间商品卡和商品页统一展示价格、计价单位和运费等附加费用，每月抽检明码标价情况。",
        doing: "商品页已统一标价格式，直播间商品卡的附加费用展示正在改造。",
        todo: "明码标价的抽检机制尚未建立，计划下一年度开展。",
        indicators: &[("明码标价抽检合格率", "%", Gen::Pct(90.0, 100.0))],
        not_applicable: "",
    },
    Text {
        number: "4.2",
        done: "原价须有成交记录支撑，系统比对前 7 日成交价识别虚构原价；虚假折价的商品下架并处罚商家。",
        doing: "原价核验规则已发布，历史成交价比对系统正在开发。",
        todo: "尚未建立原价核验机制，计划下一年度上线比价系统。",
        indicators: &[("处置价格违规", "起", Gen::Count(0, 80))],
        not_applicable: "",
    },
    Text {
        number: "4.3",
        done: "建立低于成本价销售的预警，对异常低价的促销活动事前审核，不以补贴排挤竞争对手。",
        doing: "异常低价的预警规则已上线，促销活动的事前审核正在试点。",
        todo: "低于成本价销售的识别规则尚未建立。",
        indicators: &[("低于成本价销售预警", "次", Gen::Count(0, 40))],
        not_applicable: "本平台不直接销售商品，不涉及商品定价。",
    },
];

/// The texts of commitment `number` of the initiative or the convention.
pub fn text(initiative: bool, number: &str) -> Option<&'static Text> {
    let all: &'static [Text] = if initiative { &INITIATIVE } else { &CONVENTION };
    all.iter().find(|t| t.number == number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_commitment_has_its_texts() {
        for (initiative, list) in [(true, &INITIATIVE[..]), (false, &CONVENTION[..])] {
            for t in list {
                assert!(text(initiative, t.number).is_some());
                assert!(!t.done.is_empty() && !t.doing.is_empty() && !t.todo.is_empty() && !t.indicators.is_empty());
                for (name, _, g) in t.indicators {
                    for n in 1..=28 {
                        for round in 0..3 {
                            let v = g.value(n, 0, round);
                            assert!(crate::domain::report::parse_value(&v).is_some(), "{name}: {v}");
                        }
                    }
                }
            }
        }
    }
}
