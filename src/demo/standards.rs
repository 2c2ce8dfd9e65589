//! Demo standards: the local standard draft 《品质电商直播间管理规范》 in public
//! comment, and standards in every other state so every badge shows. The demo
//! follows the rules it enforces: every timeline starts with the proposal and
//! runs in date order, every published standard has its released text, and
//! local standards were open for comment at least 30 days.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DemoIds;
use crate::db::audit::Actor;
use crate::db::schema::{comment_periods, comments, review_positions, standard_events, standard_versions, standards};
use crate::db::standards::{self as sdb, Metadata};
use crate::db::DbConn;
use crate::domain::standard::{StandardKind, StandardState};

const V1: &str = "## 前言\n\n本文件按照 GB/T 1.1—2020《标准化工作导则 第1部分：标准化文件的结构和起草规则》的规定起草。\n\n本文件由示例网络直播电商行业协会提出并归口。\n\n## 1 范围\n\n本文件规定了品质电商直播间的基本要求、主播管理、商品信息展示、价格标示、售后服务和记录保存等要求。\n\n本文件适用于在本市开展网络直播营销活动的直播间运营者。\n\n## 2 规范性引用文件\n\n下列文件中的内容通过文中的规范性引用而构成本文件必不可少的条款。\n\n- GB/T 41247 网络直播营销服务规范\n\n## 3 术语和定义\n\n### 3.1 品质电商直播间\n\n在商品质量、信息展示、价格标示和售后服务方面符合本文件要求的直播间。\n\n## 4 基本要求\n\n直播间运营者应依法取得相应经营资质，并在直播间显著位置公示经营者信息。\n\n## 5 主播管理\n\n### 5.1 资质核验\n\n直播间运营者应核验主播的真实身份信息，并对其从业资质进行登记。\n\n### 5.2 培训\n\n直播间运营者应每年对主播开展不少于 8 学时的法律法规和商品知识培训。\n\n## 6 商品信息展示\n\n直播间展示的商品名称、规格、产地、生产者等信息应与实物一致。\n\n## 7 价格标示\n\n直播间应明码标价，标示的价格应当真实、准确。\n\n## 8 售后服务\n\n直播间运营者应公布售后服务方式，在 48 小时内响应消费者投诉。\n\n## 9 记录保存\n\n直播间运营者应保存直播视频及交易记录，保存期限不少于 3 年。\n";

const V2: &str = "## 前言\n\n本文件按照 GB/T 1.1—2020《标准化工作导则 第1部分：标准化文件的结构和起草规则》的规定起草。\n\n本文件由示例网络直播电商行业协会提出并归口。\n\n## 1 范围\n\n本文件规定了品质电商直播间的基本要求、主播管理、商品信息展示、价格标示、售后服务、记录保存和监督评价等要求。\n\n本文件适用于在本市开展网络直播营销活动的直播间运营者，直播营销平台可参照执行。\n\n## 2 规范性引用文件\n\n下列文件中的内容通过文中的规范性引用而构成本文件必不可少的条款。\n\n- GB/T 41247 网络直播营销服务规范\n\n## 3 术语和定义\n\n### 3.1 品质电商直播间\n\n在商品质量、信息展示、价格标示和售后服务方面符合本文件要求的直播间。\n\n## 4 基本要求\n\n直播间运营者应依法取得相应经营资质，并在直播间显著位置持续公示经营者身份、行政许可等信息。\n\n## 5 主播管理\n\n### 5.1 资质核验\n\n直播间运营者应核验主播的真实身份信息，对其从业资质进行登记，并每半年复核一次。\n\n### 5.2 培训\n\n直播间运营者应每年对主播开展不少于 12 学时的法律法规和商品知识培训，并留存培训记录。\n\n### 5.3 信用记录\n\n直播间运营者应建立主播信用记录，对存在违法违规行为的主播采取暂停合作等措施。\n\n## 6 商品信息展示\n\n直播间展示的商品名称、规格、产地、生产者等信息应与实物一致，不得作虚假或者引人误解的商业宣传。\n\n## 7 价格标示\n\n直播间应明码标价，标示的价格应当真实、准确；使用划线价等对比价格的，应标明对比价格的含义。\n\n## 8 售后服务\n\n直播间运营者应公布售后服务方式，在 24 小时内响应消费者投诉，7 日内办结。\n\n## 9 记录保存\n\n直播间运营者应保存直播视频及交易记录，保存期限不少于 3 年。\n\n## 10 监督与评价\n\n行业协会每年组织对品质电商直播间开展评价，评价结果向社会公开。\n";

/// clause, kind, comment, proposal, name, organization, disposition and reason.
type DemoComment = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

/// 10:00 in Beijing on `d`, in UTC.
fn at(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(2, 0, 0).expect("a valid time")
}

fn days_ago(n: i64) -> NaiveDateTime {
    crate::db::now() - Duration::days(n)
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("demo dates are valid")
}

/// The text of a published demo standard.
fn text(title: &str, scope: &str) -> String {
    format!(
        "## 前言\n\n本文件按照 GB/T 1.1—2020《标准化工作导则 第1部分：标准化文件的结构和起草规则》的规定起草。\n\n\
         本文件由示例网络直播电商行业协会提出并归口。\n\n## 1 范围\n\n本文件{scope}\n\n\
         ## 2 规范性引用文件\n\n本文件没有规范性引用文件。\n\n## 3 术语和定义\n\n本文件没有需要界定的术语和定义。\n\n\
         ## 4 基本要求\n\n### 4.1 组织管理\n\n经营者应明确{title}的责任部门和责任人。\n\n\
         ### 4.2 制度建设\n\n经营者应建立相应管理制度，并每年评估和修订。\n\n## 5 记录与评价\n\n\
         经营者应保存相关记录不少于 3 年，并接受行业协会的评价。\n"
    )
}

/// A project's timeline, written step by step in date order.
struct Walk<'a> {
    c: &'a mut DbConn,
    ids: &'a DemoIds,
    id: i64,
    state: StandardState,
    last: NaiveDateTime,
    versions: i32,
    period: Option<i64>,
}

impl<'a> Walk<'a> {
    /// The proposal (recorded when the project was created) dated `on`.
    fn start(c: &'a mut DbConn, ids: &'a DemoIds, id: i64, on: NaiveDate) -> QueryResult<Walk<'a>> {
        diesel::update(standard_events::table.filter(standard_events::standard_id.eq(id)))
            .set(standard_events::at.eq(at(on)))
            .execute(c)?;
        diesel::update(standards::table.find(id))
            .set((standards::created_at.eq(at(on)), standards::year.eq(chrono::Datelike::year(&on))))
            .execute(c)?;
        Ok(Walk { c, ids, id, state: StandardState::Proposed, last: at(on), versions: 0, period: None })
    }

    fn actor(&self, action: &str) -> Actor {
        if matches!(action, "approve" | "reject" | "publish" | "supersede") || action.starts_with("position_") {
            Actor::user(self.ids.reviewer, self.ids.regulator)
        } else {
            Actor::user(self.ids.editor, self.ids.association)
        }
    }

    fn event(&mut self, on: NaiveDateTime, action: &str, to: Option<StandardState>, note: &str) -> QueryResult<()> {
        assert!(on >= self.last, "demo timeline of standard {} out of order at {action}", self.id);
        let actor = self.actor(action);
        diesel::insert_into(standard_events::table)
            .values((
                standard_events::standard_id.eq(self.id),
                standard_events::at.eq(on),
                standard_events::actor_user_id.eq(actor.user_id),
                standard_events::actor_org_id.eq(actor.org_id),
                standard_events::action.eq(action),
                standard_events::from_state.eq(to.map(|_| self.state.as_str())),
                standard_events::to_state.eq(to.map(|s| s.as_str())),
                standard_events::note.eq(note),
            ))
            .execute(self.c)?;
        self.last = on;
        if let Some(to) = to {
            if self.state == StandardState::PublicComment && to != StandardState::PublicComment {
                if let Some(p) = self.period.take() {
                    diesel::update(comment_periods::table.find(p))
                        .set(comment_periods::closed_at.eq(Some(on)))
                        .execute(self.c)?;
                }
            }
            if to == StandardState::TechnicalReview {
                diesel::update(standards::table.find(self.id))
                    .set(standards::review_round.eq(standards::review_round + 1))
                    .execute(self.c)?;
            }
            self.state = to;
        }
        Ok(())
    }

    /// A lifecycle move on `on`.
    fn step(&mut self, on: NaiveDate, action: &str, to: StandardState, note: &str) -> QueryResult<&mut Self> {
        self.event(at(on), action, Some(to), note)?;
        Ok(self)
    }

    /// The next version of the text.
    fn version(&mut self, on: NaiveDate, label: &str, body: &str, note: &str) -> QueryResult<&mut Self> {
        self.versions += 1;
        diesel::insert_into(standard_versions::table)
            .values((
                standard_versions::standard_id.eq(self.id),
                standard_versions::n.eq(self.versions),
                standard_versions::label.eq(label),
                standard_versions::body_md.eq(body),
                standard_versions::note.eq(note),
                standard_versions::created_at.eq(at(on)),
                standard_versions::created_by.eq(Some(self.ids.editor)),
            ))
            .execute(self.c)?;
        let n = self.versions;
        self.event(at(on), "add_version", None, &format!("v{n} {label}"))?;
        Ok(self)
    }

    /// Public comment from `on`, for the days `starts`..=`ends`.
    fn open_comment(&mut self, on: NaiveDate, starts: NaiveDate, ends: NaiveDate) -> QueryResult<&mut Self> {
        let period: i64 = diesel::insert_into(comment_periods::table)
            .values((
                comment_periods::standard_id.eq(self.id),
                comment_periods::starts_on.eq(starts),
                comment_periods::ends_on.eq(ends),
                comment_periods::opened_at.eq(at(on)),
            ))
            .returning(comment_periods::id)
            .get_result(self.c)?;
        self.event(at(on), "open_comment", Some(StandardState::PublicComment), &format!("{starts} ~ {ends}"))?;
        self.period = Some(period);
        Ok(self)
    }

    /// Number and dates recorded on `on`.
    fn publication(
        &mut self,
        on: NaiveDate,
        number: &str,
        release: NaiveDate,
        implementation: NaiveDate,
    ) -> QueryResult<&mut Self> {
        let search: String = standards::table.find(self.id).select(standards::search_text).first(self.c)?;
        diesel::update(standards::table.find(self.id))
            .set((
                standards::number.eq(number),
                standards::release_date.eq(release),
                standards::implementation_date.eq(implementation),
                standards::year.eq(chrono::Datelike::year(&release)),
                standards::search_text.eq(format!(
                    "{search} {} {}",
                    number.to_lowercase(),
                    number.replace('—', "-").to_lowercase()
                )),
            ))
            .execute(self.c)?;
        self.event(at(on), "set_publication", None, &format!("{number} · {release} · {implementation}"))?;
        Ok(self)
    }

    /// The whole way from approval to publication, released on `release`:
    /// drafting, a comment period of 35 days, technical review, the draft for
    /// approval with `body`, publication.
    fn through_publication(
        &mut self,
        release: NaiveDate,
        implementation: NaiveDate,
        number: &str,
        body: &str,
    ) -> QueryResult<&mut Self> {
        let r = |days: i64| release - Duration::days(days);
        self.step(r(500), "approve", StandardState::Approved, "同意立项。")?
            .step(r(480), "start_drafting", StandardState::Drafting, "")?
            .version(r(400), "comment_draft", body, "征求意见稿")?
            .open_comment(r(390), r(389), r(355))?
            .step(r(330), "submit_for_review", StandardState::TechnicalReview, "")?
            .step(r(250), "close_review", StandardState::SubmittedForApproval, "")?
            .version(r(200), "approval_draft", body, "报批稿")?
            .publication(r(20), number, release, implementation)?
            .step(r(10), "publish", StandardState::Published, "")
    }

    /// Record the state reached and when the standard last changed.
    fn finish(&mut self) -> QueryResult<()> {
        diesel::update(standards::table.find(self.id))
            .set((standards::state.eq(self.state.as_str()), standards::updated_at.eq(self.last)))
            .execute(self.c)?;
        Ok(())
    }
}

fn meta(
    ids: &DemoIds,
    kind: StandardKind,
    zh: &str,
    en: &str,
    scope: &str,
    codrafters: Vec<i64>,
    replaces: Option<i64>,
) -> Metadata {
    Metadata {
        kind,
        title_zh: zh.into(),
        title_en: en.into(),
        scope: scope.into(),
        proposing_org_id: ids.association,
        lead_org_id: ids.association,
        codrafters,
        ics: "03.080".into(),
        ccs: "A 10".into(),
        replaces_id: replaces,
    }
}

pub fn load(c: &mut DbConn, ids: &DemoIds) -> anyhow::Result<()> {
    use StandardState as S;
    let today = crate::i18n::beijing_today();
    let editor = Actor::user(ids.editor, ids.association);
    let p = &ids.platforms;
    let create = |c: &mut DbConn, m: Metadata| sdb::create(c, editor, None, &m, None, today);

    // Superseded: the group standard of 2021, replaced by the one of 2025.
    let scope = "规定了网络直播营销服务的基本要求。";
    let old = create(
        c,
        meta(
            ids,
            StandardKind::Group,
            "网络直播营销服务规范",
            "Specification for live-stream marketing services",
            scope,
            vec![p[0]],
            None,
        ),
    )?;
    let (release, implementation) = (d("2021-03-01"), d("2021-04-01"));
    let mut w = Walk::start(c, ids, old, release - Duration::days(540))?;
    w.through_publication(release, implementation, "T/SHDSXH 001—2021", &text("网络直播营销服务", scope))?;
    w.finish()?;

    let scope = "规定了网络直播营销主播的从业要求、行为规范和服务评价。";
    let new = create(
        c,
        meta(
            ids,
            StandardKind::Group,
            "网络直播营销主播服务规范",
            "Service specification for live-stream marketing hosts",
            scope,
            vec![p[0], p[1], p[2]],
            Some(old),
        ),
    )?;
    let (release, implementation) = (d("2025-06-01"), d("2025-07-01"));
    let mut w = Walk::start(c, ids, new, release - Duration::days(540))?;
    w.through_publication(release, implementation, "T/SHDSXH 002—2025", &text("主播服务", scope))?;
    w.finish()?;
    // Its publication superseded the old one, that day.
    let mut w = Walk { c, ids, id: old, state: S::Published, last: at(d("2021-03-01")), versions: 2, period: None };
    w.step(release - Duration::days(10), "supersede", S::Superseded, "T/SHDSXH 002—2025")?;
    w.finish()?;

    // Withdrawn after a periodic review.
    let scope = "规定了直播电商仓储与配送服务要求。";
    let wd = create(
        c,
        meta(
            ids,
            StandardKind::Group,
            "直播电商仓储配送服务要求",
            "Warehousing and delivery services for live-stream e-commerce",
            scope,
            vec![],
            None,
        ),
    )?;
    let (release, implementation) = (d("2020-05-01"), d("2020-06-01"));
    let mut w = Walk::start(c, ids, wd, release - Duration::days(540))?;
    w.through_publication(release, implementation, "T/SHDSXH 004—2020", &text("仓储配送服务", scope))?.step(
        d("2025-12-31"),
        "withdraw",
        S::Withdrawn,
        "复审认为已不适应行业发展，予以废止。",
    )?;
    w.finish()?;
    diesel::update(standards::table.find(wd)).set(standards::withdrawn_date.eq(d("2025-12-31"))).execute(c)?;

    // A local standard released, not yet in force.
    let scope = "规定了网络直播营销活动中价格标示的要求。";
    let up = create(
        c,
        meta(
            ids,
            StandardKind::Local,
            "网络直播营销活动价格标示指引",
            "Guidelines for price marking in live-stream marketing",
            scope,
            vec![p[3]],
            None,
        ),
    )?;
    let release = today - Duration::days(20);
    let number = format!("DB31/T 1600—{}", chrono::Datelike::year(&release));
    let mut w = Walk::start(c, ids, up, release - Duration::days(540))?;
    w.through_publication(release, today + Duration::days(40), &number, &text("价格标示", scope))?;
    w.finish()?;

    // In technical review, with two votes cast.
    let scope = "规定了直播电商售后服务的流程和时限。";
    let tr = create(
        c,
        meta(
            ids,
            StandardKind::Group,
            "直播电商售后服务规范",
            "After-sales service for live-stream e-commerce",
            scope,
            vec![p[4], p[5]],
            None,
        ),
    )?;
    let ago = |n: i64| today - Duration::days(n);
    let mut w = Walk::start(c, ids, tr, ago(200))?;
    w.step(ago(190), "approve", S::Approved, "")?
        .step(ago(180), "start_drafting", S::Drafting, "")?
        .version(ago(120), "comment_draft", &text("售后服务", scope), "征求意见稿")?
        .open_comment(ago(110), ago(109), ago(80))?
        .step(ago(60), "submit_for_review", S::TechnicalReview, "")?;
    let votes = [
        (ids.reviewer, "approve_with_changes", "建议明确退货运费承担规则。", days_ago(3)),
        (ids.admin, "approve", "", days_ago(2)),
    ];
    for (reviewer, position, opinion, cast_at) in votes {
        diesel::insert_into(review_positions::table)
            .values((
                review_positions::standard_id.eq(tr),
                review_positions::round.eq(1),
                review_positions::reviewer_id.eq(reviewer),
                review_positions::position.eq(position),
                review_positions::opinion.eq(opinion),
                review_positions::cast_at.eq(cast_at),
            ))
            .execute(w.c)?;
        w.event(cast_at, &format!("position_{position}"), None, opinion)?;
    }
    w.finish()?;

    // Drafting, and a proposal waiting for approval (seen by its association and the regulator only).
    let dr = create(
        c,
        meta(
            ids,
            StandardKind::Group,
            "直播带货商品质量抽检规程",
            "Procedure for quality sampling of goods sold by live-stream",
            "规定了直播带货商品质量抽检的程序。",
            vec![],
            None,
        ),
    )?;
    let mut w = Walk::start(c, ids, dr, ago(60))?;
    w.step(ago(50), "approve", S::Approved, "")?.step(ago(45), "start_drafting", S::Drafting, "")?;
    w.finish()?;
    let proposal = create(
        c,
        meta(
            ids,
            StandardKind::Group,
            "直播间虚拟礼物消费提示规范",
            "Consumer notices on virtual gifts in live rooms",
            "规定了直播间虚拟礼物消费提示的内容和方式。",
            vec![],
            None,
        ),
    )?;
    Walk::start(c, ids, proposal, ago(5))?.finish()?;

    // 《品质电商直播间管理规范》: local standard in public comment, two versions, a dozen comments.
    let q = create(
        c,
        Metadata {
            kind: StandardKind::Local,
            title_zh: "品质电商直播间管理规范".into(),
            title_en: "Management specification for quality e-commerce live-stream rooms".into(),
            scope: "本文件规定了品质电商直播间的基本要求、主播管理、商品信息展示、价格标示、售后服务、记录保存和监督评价等要求，适用于在本市开展网络直播营销活动的直播间运营者。".into(),
            proposing_org_id: ids.association,
            lead_org_id: ids.association,
            codrafters: vec![p[0], p[1]],
            ics: "03.080.99".into(),
            ccs: "A 20".into(),
            replaces_id: None,
        },
    )?;
    let (starts, ends) = (ago(10), today + Duration::days(25));
    let mut w = Walk::start(c, ids, q, ago(90))?;
    w.step(ago(80), "approve", S::Approved, "同意立项。")?
        .step(ago(70), "start_drafting", S::Drafting, "")?
        .version(ago(40), "comment_draft", V1, "工作组讨论稿")?
        .version(ago(11), "comment_draft", V2, "征求意见稿")?
        .open_comment(ago(10), starts, ends)?;
    let period = w.period.expect("the comment period was just opened");
    w.finish()?;
    diesel::update(standards::table.find(q)).set(standards::updated_at.eq(days_ago(1))).execute(c)?;
    let sample: [DemoComment; 12] = [
        (
            "5.1",
            "technical",
            "“每半年复核一次”频次偏高，中小直播间执行成本较大。",
            "改为“每年复核一次”。",
            "王先生",
            "示例平台03",
            Some(("partly_accepted", "调整为每年复核，重点主播每半年复核。")),
        ),
        (
            "5.2",
            "technical",
            "培训学时由 8 学时提高到 12 学时，建议说明依据。",
            "在编制说明中补充依据。",
            "李女士",
            "示例直播营销机构",
            Some(("noted", "已在编制说明中补充。")),
        ),
        (
            "7",
            "technical",
            "划线价的含义应统一为“前 7 日内最低成交价”。",
            "增加划线价定义。",
            "张律师",
            "某律师事务所",
            Some(("accepted", "")),
        ),
        (
            "8",
            "technical",
            "投诉 24 小时响应对夜间直播不现实。",
            "改为“48 小时内响应”。",
            "赵经理",
            "示例平台04",
            Some(("not_accepted", "消费者权益保护优先，24 小时响应为行业多数做法。")),
        ),
        (
            "3.1",
            "editorial",
            "“品质电商直播间”定义中“符合本文件要求”表述循环。",
            "改为列举核心特征。",
            "周老师",
            "某大学",
            Some(("accepted", "")),
        ),
        ("6", "general", "建议增加对进口商品中文标签展示的要求。", "在第 6 章增加一条。", "吴女士", "消费者", None),
        (
            "9",
            "technical",
            "直播视频保存 3 年存储成本高。",
            "改为保存 1 年，交易记录保存 3 年。",
            "郑先生",
            "示例平台05",
            None,
        ),
        ("10", "general", "监督评价的主体和程序不明确。", "明确评价机构和申诉渠道。", "钱先生", "示例平台06", None),
        ("4", "editorial", "“显著位置”建议举例。", "增加“如直播间首页、商品详情页”。", "孙女士", "消费者", None),
        (
            "5.3",
            "technical",
            "暂停合作的情形应限定为严重违法行为。",
            "增加“情节严重的”。",
            "冯先生",
            "示例直播营销机构",
            None,
        ),
        ("1", "general", "适用范围建议涵盖品牌自播。", "", "陈女士", "示例平台07", None),
        ("", "general", "整体支持本标准的制定。", "", "褚先生", "示例平台08", None),
    ];
    for (i, (clause, kind, body, proposal, name, org, disposition)) in sample.iter().enumerate() {
        let seq = i as i32 + 1;
        let at = days_ago(9 - (i as i64 * 3 / 4));
        let (disp, reason, disposed_at, disposed_by) = match disposition {
            Some((d, r)) => (Some(*d), *r, Some(at + Duration::hours(20)), Some(ids.editor)),
            None => (None, "", None, None),
        };
        diesel::insert_into(comments::table)
            .values((
                comments::standard_id.eq(q),
                comments::period_id.eq(period),
                comments::seq.eq(seq),
                comments::version_n.eq(2),
                comments::clause_ref.eq(*clause),
                comments::kind.eq(*kind),
                comments::body.eq(*body),
                comments::proposed_change.eq(*proposal),
                comments::name.eq(*name),
                comments::organization.eq(*org),
                comments::email.eq(format!("commenter{seq}@example.net")),
                comments::created_at.eq(at),
                comments::disposition.eq(disp),
                comments::disposition_reason.eq(reason),
                comments::disposed_at.eq(disposed_at),
                comments::disposed_by.eq(disposed_by),
            ))
            .execute(c)?;
    }
    diesel::update(standards::table.find(q)).set(standards::comment_seq.eq(sample.len() as i32)).execute(c)?;
    Ok(())
}
