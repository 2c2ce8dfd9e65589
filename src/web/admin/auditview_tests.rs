use super::*;
use crate::db::auditnames::{PeriodName, PledgeName, UserName};

fn bi(zh: &str, en: &str) -> Bilingual {
    Bilingual { zh: zh.into(), en: en.into() }
}

/// The one place that builds a stored row.
fn row(object_type: &str, object_id: Option<i64>, action: &str, before: Option<&str>, after: Option<&str>) -> AuditRow {
    AuditRow {
        id: 7,
        at: chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap().and_hms_opt(6, 5, 0).unwrap(),
        actor_user_id: Some(3),
        actor_org_id: Some(2),
        object_type: object_type.into(),
        object_id,
        action: action.into(),
        before_json: before.map(Into::into),
        after_json: after.map(Into::into),
        source_address: None,
        actor_token_id: None,
    }
}

fn names() -> Names {
    let mut n = Names::default();
    n.users.insert(
        3,
        UserName {
            display_name: "张三".into(),
            email: "editor@example.org".into(),
            role: "editor".into(),
            organization_id: 2,
        },
    );
    n.orgs.insert(2, bi("示例协会", "Sample Association"));
    n.orgs.insert(4, bi("示例平台01", "Sample Platform 01"));
    n.orgs.insert(5, bi("示例平台02", "Sample Platform 02"));
    n.standards.insert(8, bi("品质电商直播间管理规范", "Quality live-stream rooms"));
    n.pledges.insert(1, PledgeName { kind: "initiative".into(), title: bi("合规倡议", "Compliance Initiative") });
    n.periods.insert(9, PeriodName { pledge_id: 1, label: bi("2025年上半年", "2025 H1") });
    n.reports.insert(12, (4, 9));
    n.signatures.insert(20, (1, 4));
    n
}

fn text(l: &Line) -> String {
    l.sentence()
}

/// No stored code or JSON ever shows.
fn readable(l: &Line) {
    let all = format!("{} {} {}", l.sentence(), l.changes_text(Lang::Zh), l.actor);
    for raw in ["[", "]", "{", "}", "\"", "_", "audit."] {
        assert!(!all.contains(raw), "{raw:?} in {all}");
    }
}

#[test]
fn a_standard_moving_on_reads_as_a_sentence_with_a_link() {
    let r = row("standard", Some(8), "submit_for_review", Some(r#""public_comment""#), Some(r#""technical_review""#));
    let l = line(Lang::Zh, &r, &names());
    assert_eq!(text(&l), "编辑 张三（示例协会）将标准《品质电商直播间管理规范》从「征求意见」推进到「技术审查」");
    assert!(l.parts.contains(&Part::Link("/standards/8".into(), "标准《品质电商直播间管理规范》".into())));
    readable(&l);
    let l = line(Lang::En, &r, &names());
    assert_eq!(
        text(&l),
        "Editor 张三 (Sample Association) moved standard “Quality live-stream rooms” from “Public comment” to “Technical review”"
            .replace("Public comment", Lang::En.t("std.state.public_comment"))
            .replace("Technical review", Lang::En.t("std.state.technical_review"))
    );
    let back = row("standard", Some(8), "return_to_drafting", Some(r#""technical_review""#), Some(r#""drafting""#));
    assert!(text(&line(Lang::Zh, &back, &names())).contains("退回到「起草中」"));
}

#[test]
fn a_saved_report_names_the_platform_and_period_not_json() {
    let r = row("report", Some(12), "save", None, Some(r#"[6,"draft"]"#));
    let l = line(Lang::Zh, &r, &names());
    assert_eq!(text(&l), "编辑 张三（示例协会）保存了示例平台01的「2025年上半年」履约报告");
    assert_eq!(l.changes_text(Lang::Zh), "填写的承诺事项数：6");
    readable(&l);
    let ev = row("report", Some(12), "add_evidence", None, Some(r#"[33,[["质检报告.pdf","ab12"]],"draft"]"#));
    let l = line(Lang::Zh, &ev, &names());
    assert!(text(&l).ends_with("为示例平台01的「2025年上半年」履约报告上传了证明材料"), "{}", text(&l));
    assert_eq!(l.changes_text(Lang::Zh), "文件：质检报告.pdf");
    let submit = row("report", Some(12), "submit", Some(r#""draft""#), Some(r#"["submitted",2]"#));
    let l = line(Lang::Zh, &submit, &names());
    assert!(text(&l).contains("第 2 次提交了"), "{}", text(&l));
    assert_eq!(l.changes_text(Lang::Zh), "状态：草稿 → 已提交");
}

#[test]
fn edits_list_the_changed_fields_with_their_names_and_readable_values() {
    let before = r#"{"email":"a@example.org","display_name":"李四","organization_id":4,"role":"filer","active":true}"#;
    let after =
        r#"{"email":"a@example.org","display_name":"李四","organization_id":5,"role":"reviewer","active":false}"#;
    let r = row("user", Some(3), "disable", Some(before), Some(after));
    let l = line(Lang::Zh, &r, &names());
    assert_eq!(text(&l), "编辑 张三（示例协会）停用了用户「张三」");
    assert_eq!(
        l.changes,
        vec![
            Change {
                label: "角色".into(),
                before: Lang::Zh.t("role.filer").into(),
                after: Lang::Zh.t("role.reviewer").into()
            },
            Change { label: "账号启用".into(), before: "是".into(), after: "否".into() },
            Change { label: "单位".into(), before: "示例平台01".into(), after: "示例平台02".into() },
        ]
    );
    readable(&l);
}

#[test]
fn a_new_record_lists_what_was_set_and_dates_in_the_page_format() {
    let after = r#"{"label_zh":"第一期","label_en":"Period 1","covers_from":"2026-01-01","covers_to":"2026-06-30","opens_on":"2026-07-01","due_on":"2026-07-31"}"#;
    let r = row("reporting_period", Some(9), "create", None, Some(after));
    let l = line(Lang::Zh, &r, &names());
    assert_eq!(text(&l), "编辑 张三（示例协会）设立了倡议《合规倡议》的报告期「2025年上半年」");
    assert!(l.changes_text(Lang::Zh).contains("截止日期：2026年07月31日"), "{}", l.changes_text(Lang::Zh));
    assert!(line(Lang::En, &r, &names()).changes_text(Lang::En).contains("Due date: 31 Jul 2026"));
    readable(&l);
}

#[test]
fn signature_moves_say_from_which_state_to_which_and_why() {
    let r = row(
        "signature",
        Some(20),
        "suspend",
        Some(r#"{"state":"verified","version":2,"reason":""}"#),
        Some(r#"{"state":"suspended","version":3,"reason":"未按期报告"}"#),
    );
    let l = line(Lang::Zh, &r, &names());
    assert_eq!(text(&l), "编辑 张三（示例协会）将示例平台01签署倡议《合规倡议》从「已签署」改为「已暂停」");
    assert_eq!(l.changes_text(Lang::Zh), "原因：未按期报告");
    readable(&l);
}

#[test]
fn unknown_codes_fall_back_to_a_generic_sentence_without_json() {
    let mut r = row("widget", Some(4), "rotate_secret", Some(r#"[1,"x"]"#), Some(r#"{"a":[1,2]}"#));
    r.actor_user_id = None;
    let l = line(Lang::Zh, &r, &names());
    assert_eq!(text(&l), "系统更改了记录 #4");
    assert_eq!(l.type_label, "记录");
    assert_eq!(l.action_label, "rotate secret");
    let l = line(Lang::En, &r, &names());
    assert_eq!(text(&l), "The system changed Record #4");
    // A record whose row is gone is named by its kind and number.
    let gone = row("standard", Some(99), "update", None, None);
    assert!(text(&line(Lang::Zh, &gone, &names())).contains("标准 #99"));
}

#[test]
fn typed_names_are_never_read_as_placeholders() {
    let mut n = names();
    n.users.get_mut(&3).unwrap().display_name = "{to}{object}".into();
    let r = row("standard", Some(8), "approve", Some(r#""proposed""#), Some(r#""approved""#));
    let l = line(Lang::Zh, &r, &n);
    assert!(text(&l).starts_with("编辑 {to}{object}（示例协会）将标准"), "{}", text(&l));
    assert_eq!(l.parts.iter().filter(|p| matches!(p, Part::Link(..))).count(), 1);
}

#[test]
fn the_page_asks_for_the_names_its_rows_mention() {
    let rows = vec![
        row("report", Some(12), "create", None, Some("[9,4]")),
        row("standard", Some(8), "update", Some(r#"{"lead_org_id":2}"#), Some(r#"{"lead_org_id":5,"codrafters":[4]}"#)),
        row("comment", Some(30), "create", None, Some(r#"[8,1,"某单位"]"#)),
    ];
    let w = wanted(&rows);
    assert!(w.reports.contains(&12) && w.periods.contains(&9) && w.comments.contains(&30));
    assert!([2, 4, 5].iter().all(|o| w.orgs.contains(o)));
    assert!(w.standards.contains(&8) && w.users.contains(&3));
}

#[test]
fn every_known_type_and_action_has_a_name_in_both_languages() {
    for lang in Lang::ALL {
        for t in [
            "standard",
            "standard_version",
            "comment",
            "pledge",
            "signature",
            "reporting_period",
            "report",
            "organization",
            "user",
            "session",
            "dataset",
        ] {
            assert_ne!(type_label(lang, t), lang.t("audit.type.other"), "{t}");
            assert!(
                lang.t(&format!("audit.obj.{t}")) != format!("audit.obj.{t}") || ["session", "dataset"].contains(&t)
            );
        }
        for a in
            ["create", "update", "approve", "withdraw", "dispose", "apply", "verify", "save", "add_evidence", "submit"]
        {
            let key = format!("audit.action.{a}");
            assert_ne!(lang.t(&key), key);
        }
        for k in
            ["id", "at", "actor", "actor_email", "address", "object_type", "object_id", "action", "sentence", "changes"]
        {
            let key = format!("audit.csv.{k}");
            assert_ne!(lang.t(&key), key);
        }
    }
}
