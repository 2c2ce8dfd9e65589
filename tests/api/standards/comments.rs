//! Public comments and the disposition table.

use reqwest::StatusCode;

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn comments_outside_the_period_are_refused_with_its_dates() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let form = [
        ("version_n", "2"),
        ("kind", "general"),
        ("body", "迟到的意见"),
        ("name", "某人"),
        ("organization", "某单位"),
        ("email", "a@example.net"),
    ];
    // Close the period (it ended yesterday).
    let start = today() - chrono::Duration::days(40);
    let end = today() - chrono::Duration::days(1);
    set_period(&app, sid, start, end);
    let (_, page) = app.get_html(&format!("/standards/{sid}")).await;
    assert!(!page.contains("name=\"body\""), "no form outside the period");
    let n = comment_count(&app, sid);
    // A forged post (token taken from another form of the site).
    let r = app.post_from("/login", &format!("/standards/{sid}/comments"), &form).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    let start_text = selfreg::i18n::Lang::Zh.plain_date(start);
    assert!(html.contains(&format!("本标准的征求意见期为 {start_text}")), "message gives the dates");
    assert_eq!(comment_count(&app, sid), n);
    // A standard in drafting takes no comments.
    let dr = std_id(&app, "直播带货商品质量抽检规程");
    let r = app
        .post_from(
            "/login",
            &format!("/standards/{dr}/comments"),
            &[
                ("version_n", "1"),
                ("kind", "general"),
                ("body", "x"),
                ("name", "x"),
                ("organization", "x"),
                ("email", "x@example.net"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn comment_form_validates_throttles_and_traps_bots() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let page = format!("/standards/{sid}");
    let post = format!("/standards/{sid}/comments");
    let n = comment_count(&app, sid);
    // Missing fields and a bad e-mail: messages beside each, input kept.
    let long = "长".repeat(5001);
    let r = app
        .post_from(
            &page,
            &post,
            &[
                ("version_n", "2"),
                ("kind", "general"),
                ("body", &long),
                ("name", ""),
                ("organization", ""),
                ("email", "not-mail"),
                ("clause_ref", "5.1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("内容过长") && html.contains("此项为必填项") && html.contains("电子邮箱格式不正确"));
    assert_eq!(field_value(&html, "clause_ref").as_deref(), Some("5.1"));
    assert_eq!(comment_count(&app, sid), n);
    // The honeypot: accepted in appearance, stored nowhere.
    let r = app
        .post_from(
            &page,
            &post,
            &[
                ("version_n", "2"),
                ("kind", "general"),
                ("body", "spam"),
                ("name", "bot"),
                ("organization", "bot"),
                ("email", "bot@example.net"),
                ("website", "http://spam.example"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(comment_count(&app, sid), n);
    // Ten an hour per address; the eleventh is refused with a time to come back.
    for i in 0..10 {
        let body = format!("意见 {i}");
        let r = app
            .post_from(
                &page,
                &post,
                &[
                    ("version_n", "2"),
                    ("kind", "editorial"),
                    ("body", &body),
                    ("name", "甲"),
                    ("organization", "乙"),
                    ("email", "c@example.net"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "comment {i}");
    }
    let r = app
        .post_from(
            &page,
            &post,
            &[
                ("version_n", "2"),
                ("kind", "editorial"),
                ("body", "第十一条"),
                ("name", "甲"),
                ("organization", "乙"),
                ("email", "c@example.net"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("每小时最多提交 10 条意见"));
    assert_eq!(comment_count(&app, sid), n + 10);
    // Another address may still comment.
    let other = app.other_client();
    let r = other
        .post_from(
            &page,
            &post,
            &[
                ("version_n", "2"),
                ("kind", "editorial"),
                ("body", "另一地址"),
                ("name", "丙"),
                ("organization", "丁"),
                ("email", "d@example.net"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn disposition_table_exports_csv_and_xlsx() {
    use calamine::{Reader, Xlsx};
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let r = app.get(&format!("/standards/{sid}/comments.csv")).await;
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
    let csv = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(csv.contains("序号,标准章条编号,意见内容,修改建议,提出单位,处理意见,理由"));
    assert!(csv.contains("部分采纳") && csv.contains("示例平台03"));
    assert!(!csv.contains("@example.net"), "no e-mail in public exports");
    assert_eq!(csv.lines().count(), 13);

    let r = app.get(&format!("/standards/{sid}/comments.xlsx")).await;
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0], ["序号", "标准章条编号", "意见内容", "修改建议", "提出单位", "处理意见", "理由"]);
    assert_eq!(rows.len(), 13);
    assert_eq!(rows[1][0], "1");
    assert_eq!(rows[1][5], "部分采纳");
    assert_eq!(rows[4][5], "不采纳");
    assert!(rows.iter().flatten().all(|c| !c.contains("@example.net")));
    // English pages and exports.
    let r = app
        .client
        .get(app.url(&format!("/standards/{sid}/comments.csv")))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("No.,Clause,Comment,Proposed change,Organization,Disposition,Reason"));
}

#[tokio::test]
async fn kept_pages_carry_each_visitors_own_form_token() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let page = format!("/standards/{sid}");
    let a = app.other_client();
    let b = app.other_client();
    let (_, pa) = a.get_html(&page).await;
    let (_, pb) = b.get_html(&page).await;
    let (ta, tb) = (csrf_in(&pa), csrf_in(&pb));
    assert_ne!(ta, tb, "the second visitor gets the kept page with its own token");
    assert!(!pb.contains("CSRFSLOT"), "no placeholder leaks");
    for (c, t) in [(&a, ta), (&b, tb)] {
        let r = c
            .client
            .post(c.url(&format!("/standards/{sid}/comments")))
            .form(&[
                ("csrf_token", t.as_str()),
                ("version_n", "2"),
                ("kind", "general"),
                ("body", "同一页面"),
                ("name", "甲"),
                ("organization", "乙"),
                ("email", "k@example.net"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
}

/// Post a public comment on `version` of the demo standard in comment, naming `clause`.
async fn comment_on(app: &TestApp, sid: i64, version: &str, clause: &str) -> reqwest::Response {
    app.post_from(
        &format!("/standards/{sid}"),
        &format!("/standards/{sid}/comments"),
        &[
            ("version_n", version),
            ("clause_ref", clause),
            ("kind", "technical"),
            ("body", "意见正文"),
            ("name", "某人"),
            ("organization", "某单位"),
            ("email", "someone@example.net"),
        ],
    )
    .await
}

#[tokio::test]
async fn clause_references_must_exist_in_the_version_commented_on() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let n = comment_count(&app, sid);
    let r = comment_on(&app, sid, "2", "99.9").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("v2 中没有章条 99.9"), "says what is wrong");
    assert!(html.contains("3.1、4、5、5.1、5.2、5.3"), "and lists what exists");
    assert!(html.contains("href=\"#f-clause_ref\""), "the summary links to the field");
    assert_eq!(field_value(&html, "clause_ref").as_deref(), Some("99.9"), "input kept");
    assert_eq!(comment_count(&app, sid), n);
    // 5.3 was added in v2: not a clause of v1.
    let r = comment_on(&app, sid, "1", "5.3").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("v1 中没有章条 5.3"));
    assert_eq!(comment_count(&app, sid), n);
    // As people write them: 第5.3条, full-width digits, several at once; empty is a general comment.
    for ok in ["第5.3条", "５．３", "5.1、5.2", ""] {
        let r = comment_on(&app, sid, "2", ok).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{ok:?}");
    }
    assert_eq!(comment_count(&app, sid), n + 4);
}

#[tokio::test]
async fn each_clause_of_a_version_offers_a_comment_on_it() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let (_, html) = app.get_html(&format!("/standards/{sid}/versions/2")).await;
    let link = format!("href=\"/standards/{sid}?clause=5.2&amp;v=2#comment\"");
    assert!(html.contains(&link) && html.contains("对本条提意见"), "a link beside clause 5.2");
    assert!(html.contains("id=\"clause-5.2\""), "clauses can be linked to");
    let (_, page) = app.get_html(&format!("/standards/{sid}?clause=5.2&v=1")).await;
    assert_eq!(field_value(&page, "clause_ref").as_deref(), Some("5.2"), "the form starts on the clause");
    assert!(page.contains("<option value=\"1\" selected>"), "and on the version");
    // Outside a comment period there is nothing to comment on.
    set_period(&app, sid, today() - chrono::Duration::days(40), today() - chrono::Duration::days(1));
    let (_, html) = app.get_html(&format!("/standards/{sid}/versions/2")).await;
    assert!(!html.contains("对本条提意见"));
}
