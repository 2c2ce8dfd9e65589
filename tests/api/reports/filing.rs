//! The filer's form: nothing typed is lost, nothing recorded that was not meant.
//! One multipart form carries the report and its evidence files; a draft
//! keeps whatever is typed; submission lists every problem at once.

use reqwest::StatusCode;

use super::*;

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn uploading_evidence_keeps_and_saves_everything_typed() {
    let app = spawn_app().await;
    let filer = signed_in(&app, "filer@example.org").await;
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    assert!(edit.contains("enctype=\"multipart/form-data\"") && edit.contains("上传并保存草稿"));
    let e = entry_ids(&edit)[0].clone();
    let typed = fields(&[
        (&format!("e_{e}_status"), "in_progress"),
        (&format!("e_{e}_measures"), "建立主播资质核验台账，每月抽查。"),
        (&format!("e_{e}_iname_0"), "主播资质核验率"),
        (&format!("e_{e}_ivalue_0"), "98.5"),
        (&format!("e_{e}_iunit_0"), "%"),
    ]);
    let pdf = b"%PDF-1.4 ledger".to_vec();
    let r = post_upload(&filer, rid, &format!("upload:{e}"), &typed, vec![(&e, "核验台账.pdf", pdf.clone())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/reports/{rid}/edit#e{e}"), "back to the entry");
    let (_, page) = filer.get_html(&location(&r)).await;
    assert!(page.contains("草稿已保存，证明材料已更新"), "one message for both");
    assert!(page.contains("<option value=\"in_progress\" selected>"), "the status chosen");
    assert!(page.contains("建立主播资质核验台账，每月抽查。"), "the measures typed");
    assert!(page.contains("value=\"主播资质核验率\"") && page.contains("value=\"98.5\""), "the indicator");
    let href = file_href(&page, "核验台账.pdf").expect("the file is listed");
    assert_eq!(filer.get(&href).await.bytes().await.unwrap().to_vec(), pdf);
    assert_eq!(evidence_count(&app, "report_entry"), 1);
    // The save and the file are one change: one version step.
    let (_, again) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    assert_eq!(field_value(&again, "version").as_deref(), Some("2"));
}

#[tokio::test]
async fn evidence_is_removed_and_replaced_in_the_same_form() {
    let app = spawn_app().await;
    let filer = signed_in(&app, "filer@example.org").await;
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    let e = entry_ids(&edit)[0].clone();
    let measures = (format!("e_{e}_measures"), "措施原文".to_owned());
    let r = post_upload(
        &filer,
        rid,
        "save",
        std::slice::from_ref(&measures),
        vec![(&e, "wrong.pdf", b"%PDF-1 a".to_vec())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    let old = file_href(&edit, "wrong.pdf").unwrap();
    let old_id = old.rsplit('/').next().unwrap().to_owned();
    assert!(edit.contains(&format!("name=\"e_{e}_del\" value=\"{old_id}\"")), "a 删除 box beside the file");
    // Tick 删除 and choose the right file: replaced, the text kept as typed.
    let typed = vec![(format!("e_{e}_del"), old_id.clone()), (format!("e_{e}_measures"), "措施修改稿".to_owned())];
    let r =
        post_upload(&filer, rid, &format!("upload:{e}"), &typed, vec![(&e, "right.pdf", b"%PDF-1 b".to_vec())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    assert!(edit.contains("right.pdf") && !edit.contains("wrong.pdf") && edit.contains("措施修改稿"));
    assert_eq!(filer.get(&old).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(evidence_count(&app, "report_entry"), 1, "a draft's file is deleted for good");
    assert_eq!(evidence_count(&app, "report_entry_removed"), 0);
    // A file another report's entry owns cannot be removed through this one.
    let filer2 = signed_in(&app, "filer2@example.org").await;
    let rid2 = open_report(&filer2, period_id(&app, "第三期（本期）")).await;
    let (_, edit2) = filer2.get_html(&format!("/reports/{rid2}/edit")).await;
    let e2 = entry_ids(&edit2)[0].clone();
    let right = file_href(&edit, "right.pdf").unwrap();
    let right_id = right.rsplit('/').next().unwrap().to_owned();
    let r = post_upload(&filer2, rid2, "save", &[(format!("e_{e2}_del"), right_id)], vec![]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(filer.get(&right).await.status(), StatusCode::OK, "platform 01's file is untouched");
    // Once submitted with it, a file removed later stays on record, out of sight.
    assert_eq!(post_report(&filer, rid, "submit", complete).await.status(), StatusCode::SEE_OTHER);
    let reviewer = signed_in(&app, "reviewer@example.org").await;
    assert_eq!(decide(&reviewer, rid, "return", "请更换证明材料。", None).await.status(), StatusCode::SEE_OTHER);
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    let right_id = file_href(&edit, "right.pdf").unwrap().rsplit('/').next().unwrap().to_owned();
    let r = post_upload(&filer, rid, "save", &[(format!("e_{e}_del"), right_id)], vec![]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    assert!(!edit.contains("right.pdf"));
    assert_eq!(evidence_count(&app, "report_entry_removed"), 1, "what was submitted is kept");
}

#[tokio::test]
async fn spare_rows_take_several_indicators_and_links_in_one_save() {
    let app = spawn_app().await;
    let filer = signed_in(&app, "filer@example.org").await;
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    let e = entry_ids(&edit)[0].clone();
    assert!(edit.contains(&format!("name=\"e_{e}_iname_2\"")), "three blank indicator rows");
    assert!(edit.contains(&format!("name=\"e_{e}_lurl_1\"")), "two blank link rows");
    let mut typed = Vec::new();
    for (r, name) in ["核验率", "下架商品数", "投诉处理时长"].iter().enumerate() {
        typed.push((format!("e_{e}_iname_{r}"), name.to_string()));
        typed.push((format!("e_{e}_ivalue_{r}"), format!("{}", r + 1)));
    }
    typed.push((format!("e_{e}_lurl_0"), "https://platform01.example.com/a".into()));
    typed.push((format!("e_{e}_lurl_1"), "https://platform01.example.com/b".into()));
    assert_eq!(post_upload(&filer, rid, "save", &typed, vec![]).await.status(), StatusCode::SEE_OTHER);
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    assert!(edit.contains("value=\"投诉处理时长\"") && edit.contains("platform01.example.com/b"));
    assert!(edit.contains(&format!("name=\"e_{e}_iname_5\"")), "three more blank rows after the filled ones");
    assert!(edit.contains(&format!("name=\"e_{e}_lurl_3\"")), "two more blank link rows");
}

#[tokio::test]
async fn a_draft_keeps_whatever_is_typed_and_submission_lists_every_problem() {
    let app = spawn_app().await;
    let filer = signed_in(&app, "filer@example.org").await;
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    let e = entry_ids(&edit)[0].clone();
    let typed = fields(&[
        (&format!("e_{e}_status"), "implemented"),
        (&format!("e_{e}_measures"), "已建立台账"),
        (&format!("e_{e}_iname_0"), "核验率"),
        (&format!("e_{e}_ivalue_0"), "九十八"),
        (&format!("e_{e}_iname_1"), "只写了名称"),
        (&format!("e_{e}_lurl_0"), "www.example.com/公示"),
    ]);
    let r = post_upload(&filer, rid, "save", &typed, vec![]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "保存草稿 keeps what is typed, checked or not");
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    for v in ["value=\"九十八\"", "value=\"只写了名称\"", "value=\"www.example.com/公示\""] {
        assert!(edit.contains(v), "{v} kept in the draft");
    }
    let (_, view) = filer.get_html(&format!("/reports/{rid}")).await;
    assert!(!view.contains("href=\"www.example.com"), "an address that is not a web link is not made a link");

    // Submission: every problem at once, at the top linked to its field and beside it.
    let r = post_upload(&filer, rid, "submit", &typed, vec![]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let summary = &html[html.find("id=\"error-summary\"").expect("an error summary")..];
    let summary = &summary[..summary.find("</div>").unwrap()];
    for (field, message) in [
        (format!("e_{e}_ivalue_0"), "指标数值须为数字"),
        (format!("e_{e}_ivalue_1"), "指标缺少数值"),
        (format!("e_{e}_lurl_0"), "链接地址须以 http:// 或 https:// 开头"),
    ] {
        assert!(summary.contains(&format!("href=\"#f-{field}\"")), "{field} linked from the summary");
        assert!(html.contains(&format!("id=\"f-{field}\"")), "{field} has the id the summary links to");
        assert!(html.contains(&format!("id=\"e-{field}\">{message}")), "{field}: message beside the field");
    }
    assert!(summary.contains("指标第 1 行 数值"), "the summary names the row and the field");
    let others = entry_ids(&html).len() - 1;
    assert!(summary.matches("未选择落实状态").count() == others, "every other entry's missing status too");
    assert!(html.contains("value=\"九十八\"") && html.contains("value=\"只写了名称\""), "everything kept");
    assert_eq!(report_state(&app, rid), "draft");

    // A status that is not in the list is the one thing a draft refuses; nothing is lost.
    let mut tampered = typed.clone();
    tampered[0].1 = "done".into();
    let r = post_upload(&filer, rid, "save", &tampered, vec![]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("href=\"#f-e_{e}_status\"")) && html.contains("已建立台账"));
}

#[tokio::test]
async fn a_report_that_cannot_be_changed_says_why_as_an_alert() {
    let app = spawn_app().await;
    let filer = signed_in(&app, "filer@example.org").await;
    // The demo's first period: the filer's report was accepted.
    let accepted = {
        use diesel::prelude::*;
        use selfreg::db::schema::{reports, users};
        let org: i64 = users::table
            .filter(users::email.eq("filer@example.org"))
            .select(users::organization_id)
            .first(&mut *app.conn())
            .unwrap();
        reports::table
            .filter(reports::period_id.eq(period_id(&app, "第一期（上半年度）")))
            .filter(reports::organization_id.eq(org))
            .select(reports::id)
            .first::<i64>(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(report_state(&app, accepted), "accepted");
    let r = filer.get(&format!("/reports/{accepted}/edit")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/reports/{accepted}"));
    let (_, html) = filer.get_html(&location(&r)).await;
    assert!(html.contains("<div class=\"flash flash-alert\" role=\"alert\">此报告已审核通过，不能再修改。"), "{html}");

    // A submitted one waits for its review.
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    {
        use diesel::RunQueryDsl;
        diesel::sql_query(format!("UPDATE reports SET state = 'submitted' WHERE id = {rid}"))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let r = filer.get(&format!("/reports/{rid}/edit")).await;
    let (_, html) = filer.get_html(&location(&r)).await;
    assert!(html.contains("role=\"alert\">此报告已提交，审核完成前不能修改。"), "{html}");
}
