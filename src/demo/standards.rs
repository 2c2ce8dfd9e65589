//! Demo standards: the local standard draft 《品质电商直播间管理规范》 in public
//! comment, and standards in every other state so every badge shows.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use super::DemoIds;
use crate::db::audit::Actor;
use crate::db::schema::{comment_periods, comments, review_positions, standard_events, standards};
use crate::db::standards::{self as sdb, Metadata};
use crate::db::DbConn;
use crate::domain::standard::StandardState;

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

fn days_ago(n: i64) -> chrono::NaiveDateTime {
    crate::db::now() - Duration::days(n)
}

fn event(
    c: &mut DbConn,
    actor: Actor,
    id: i64,
    at: chrono::NaiveDateTime,
    action: &str,
    from: Option<StandardState>,
    to: Option<StandardState>,
    note: &str,
) -> QueryResult<()> {
    diesel::insert_into(standard_events::table)
        .values((
            standard_events::standard_id.eq(id),
            standard_events::at.eq(at),
            standard_events::actor_user_id.eq(actor.user_id),
            standard_events::actor_org_id.eq(actor.org_id),
            standard_events::action.eq(action),
            standard_events::from_state.eq(from.map(|s| s.as_str())),
            standard_events::to_state.eq(to.map(|s| s.as_str())),
            standard_events::note.eq(note),
        ))
        .execute(c)?;
    Ok(())
}

/// Walk a project along the lifecycle with dated events, ending in `path`'s last state.
fn walk(
    c: &mut DbConn,
    ids: &DemoIds,
    id: i64,
    start_days_ago: i64,
    path: &[(&str, StandardState, &str)],
) -> QueryResult<()> {
    let editor = Actor { user_id: Some(ids.editor), org_id: Some(ids.association) };
    let reviewer = Actor { user_id: Some(ids.reviewer), org_id: Some(ids.regulator) };
    let mut from = StandardState::Proposed;
    let step = (start_days_ago / (path.len() as i64 + 1)).max(1);
    for (i, (action, to, note)) in path.iter().enumerate() {
        let actor = if matches!(*action, "approve" | "reject" | "publish") { reviewer } else { editor };
        event(c, actor, id, days_ago(start_days_ago - step * (i as i64 + 1)), action, Some(from), Some(*to), note)?;
        from = *to;
    }
    diesel::update(standards::table.find(id))
        .set((
            standards::state.eq(from.as_str()),
            standards::updated_at.eq(days_ago(start_days_ago - step * path.len() as i64)),
        ))
        .execute(c)?;
    Ok(())
}

fn meta(
    ids: &DemoIds,
    kind: &'static str,
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

fn publish(c: &mut DbConn, id: i64, number: &str, release: NaiveDate, implementation: NaiveDate) -> QueryResult<()> {
    let search: String = standards::table.find(id).select(standards::search_text).first(c)?;
    diesel::update(standards::table.find(id))
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
        .execute(c)?;
    Ok(())
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("demo dates are valid")
}

pub fn load(c: &mut DbConn, ids: &DemoIds) -> anyhow::Result<()> {
    use StandardState as S;
    let today = crate::i18n::beijing_today();
    let editor = Actor { user_id: Some(ids.editor), org_id: Some(ids.association) };
    let p = &ids.platforms;

    // The withdrawn one, superseded by the group standard in force.
    let old = sdb::create(
        c,
        editor,
        None,
        &meta(
            ids,
            "group",
            "网络直播营销服务规范",
            "Specification for live-stream marketing services",
            "规定了网络直播营销服务的基本要求。",
            vec![p[0]],
            None,
        ),
        None,
        today,
    )?;
    walk(
        c,
        ids,
        old,
        1900,
        &[
            ("approve", S::Approved, ""),
            ("start_drafting", S::Drafting, ""),
            ("open_comment", S::PublicComment, ""),
            ("submit_for_review", S::TechnicalReview, ""),
            ("close_review", S::SubmittedForApproval, "passed"),
            ("publish", S::Published, ""),
        ],
    )?;
    publish(c, old, "T/SHDSXH 001—2021", d("2021-03-01"), d("2021-04-01"))?;
    let new = sdb::create(
        c,
        editor,
        None,
        &meta(
            ids,
            "group",
            "网络直播营销主播服务规范",
            "Service specification for live-stream marketing hosts",
            "规定了网络直播营销主播的从业要求、行为规范和服务评价。",
            vec![p[0], p[1], p[2]],
            Some(old),
        ),
        None,
        today,
    )?;
    walk(
        c,
        ids,
        new,
        600,
        &[
            ("approve", S::Approved, ""),
            ("start_drafting", S::Drafting, ""),
            ("open_comment", S::PublicComment, ""),
            ("submit_for_review", S::TechnicalReview, ""),
            ("close_review", S::SubmittedForApproval, "passed"),
            ("publish", S::Published, ""),
        ],
    )?;
    publish(c, new, "T/SHDSXH 002—2025", d("2025-06-01"), d("2025-07-01"))?;
    diesel::update(standards::table.find(old)).set(standards::state.eq(S::Superseded.as_str())).execute(c)?;
    event(c, editor, old, days_ago(170), "supersede", Some(S::Published), Some(S::Superseded), "T/SHDSXH 002—2025")?;

    // Withdrawn after periodic review.
    let wd = sdb::create(
        c,
        editor,
        None,
        &meta(
            ids,
            "group",
            "直播电商仓储配送服务要求",
            "Warehousing and delivery services for live-stream e-commerce",
            "规定了直播电商仓储与配送服务要求。",
            vec![],
            None,
        ),
        None,
        today,
    )?;
    walk(
        c,
        ids,
        wd,
        2100,
        &[
            ("approve", S::Approved, ""),
            ("start_drafting", S::Drafting, ""),
            ("open_comment", S::PublicComment, ""),
            ("submit_for_review", S::TechnicalReview, ""),
            ("close_review", S::SubmittedForApproval, "passed"),
            ("publish", S::Published, ""),
            ("withdraw", S::Withdrawn, "复审认为已不适应行业发展，予以废止。"),
        ],
    )?;
    publish(c, wd, "T/SHDSXH 004—2020", d("2020-05-01"), d("2020-06-01"))?;
    diesel::update(standards::table.find(wd)).set(standards::withdrawn_date.eq(d("2025-12-31"))).execute(c)?;

    // A local standard released, not yet in force.
    let up = sdb::create(
        c,
        editor,
        None,
        &meta(
            ids,
            "local",
            "网络直播营销活动价格标示指引",
            "Guidelines for price marking in live-stream marketing",
            "规定了网络直播营销活动中价格标示的要求。",
            vec![p[3]],
            None,
        ),
        None,
        today,
    )?;
    walk(
        c,
        ids,
        up,
        400,
        &[
            ("approve", S::Approved, ""),
            ("start_drafting", S::Drafting, ""),
            ("open_comment", S::PublicComment, ""),
            ("submit_for_review", S::TechnicalReview, ""),
            ("close_review", S::SubmittedForApproval, "passed"),
            ("publish", S::Published, ""),
        ],
    )?;
    let release = today - Duration::days(20);
    publish(c, up, &format!("DB31/T 1600—{}", chrono::Datelike::year(&release)), release, today + Duration::days(40))?;

    // In technical review, with two votes cast.
    let tr = sdb::create(
        c,
        editor,
        None,
        &meta(
            ids,
            "group",
            "直播电商售后服务规范",
            "After-sales service for live-stream e-commerce",
            "规定了直播电商售后服务的流程和时限。",
            vec![p[4], p[5]],
            None,
        ),
        None,
        today,
    )?;
    walk(
        c,
        ids,
        tr,
        200,
        &[
            ("approve", S::Approved, ""),
            ("start_drafting", S::Drafting, ""),
            ("open_comment", S::PublicComment, ""),
            ("submit_for_review", S::TechnicalReview, ""),
        ],
    )?;
    diesel::update(standards::table.find(tr)).set(standards::review_round.eq(1)).execute(c)?;
    diesel::insert_into(review_positions::table)
        .values((
            review_positions::standard_id.eq(tr),
            review_positions::round.eq(1),
            review_positions::reviewer_id.eq(ids.reviewer),
            review_positions::position.eq("approve_with_changes"),
            review_positions::opinion.eq("建议明确退货运费承担规则。"),
            review_positions::cast_at.eq(days_ago(3)),
        ))
        .execute(c)?;
    diesel::insert_into(review_positions::table)
        .values((
            review_positions::standard_id.eq(tr),
            review_positions::round.eq(1),
            review_positions::reviewer_id.eq(ids.admin),
            review_positions::position.eq("approve"),
            review_positions::opinion.eq(""),
            review_positions::cast_at.eq(days_ago(2)),
        ))
        .execute(c)?;

    // Drafting, and a proposal waiting for approval (visible to staff only).
    let dr = sdb::create(
        c,
        editor,
        None,
        &meta(
            ids,
            "group",
            "直播带货商品质量抽检规程",
            "Procedure for quality sampling of goods sold by live-stream",
            "规定了直播带货商品质量抽检的程序。",
            vec![],
            None,
        ),
        None,
        today,
    )?;
    walk(c, ids, dr, 60, &[("approve", S::Approved, ""), ("start_drafting", S::Drafting, "")])?;
    sdb::create(
        c,
        editor,
        None,
        &meta(
            ids,
            "group",
            "直播间虚拟礼物消费提示规范",
            "Consumer notices on virtual gifts in live rooms",
            "规定了直播间虚拟礼物消费提示的内容和方式。",
            vec![],
            None,
        ),
        None,
        today,
    )?;

    // 《品质电商直播间管理规范》: local standard in public comment, two versions, a dozen comments.
    let q = sdb::create(
        c,
        editor,
        None,
        &Metadata {
            kind: "local",
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
        None,
        today,
    )?;
    walk(c, ids, q, 90, &[("approve", S::Approved, "同意立项。"), ("start_drafting", S::Drafting, "")])?;
    for (n, body, note, ago) in [(1, V1, "工作组讨论稿", 40), (2, V2, "征求意见稿", 11)] {
        diesel::insert_into(crate::db::schema::standard_versions::table)
            .values((
                crate::db::schema::standard_versions::standard_id.eq(q),
                crate::db::schema::standard_versions::n.eq(n),
                crate::db::schema::standard_versions::label.eq("comment_draft"),
                crate::db::schema::standard_versions::body_md.eq(body),
                crate::db::schema::standard_versions::note.eq(note),
                crate::db::schema::standard_versions::created_at.eq(days_ago(ago)),
                crate::db::schema::standard_versions::created_by.eq(Some(ids.editor)),
            ))
            .execute(c)?;
        event(c, editor, q, days_ago(ago), "add_version", None, None, &format!("v{n} comment_draft"))?;
    }
    let (starts, ends) = (today - Duration::days(10), today + Duration::days(25));
    event(
        c,
        editor,
        q,
        days_ago(10),
        "open_comment",
        Some(S::Drafting),
        Some(S::PublicComment),
        &format!("{starts} ~ {ends}"),
    )?;
    diesel::update(standards::table.find(q))
        .set((standards::state.eq(S::PublicComment.as_str()), standards::updated_at.eq(days_ago(1))))
        .execute(c)?;
    let period: i64 = diesel::insert_into(comment_periods::table)
        .values((
            comment_periods::standard_id.eq(q),
            comment_periods::starts_on.eq(starts),
            comment_periods::ends_on.eq(ends),
            comment_periods::opened_at.eq(days_ago(10)),
        ))
        .returning(comment_periods::id)
        .get_result(c)?;
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
