//! Lists, search, uploads, comparison and escaping.

use reqwest::StatusCode;

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn uploads_are_bounded_and_checked_by_content() {
    let app = spawn_app().await;
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let sid = std_id(&app, "直播带货商品质量抽检规程");
    let png = b"\x89PNG\r\n\x1a\n not a pdf".to_vec();
    let r = upload(&editor, sid, "## 1 范围\n正文", vec![("renamed.pdf", png)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("renamed.pdf") && html.contains("不是 PDF 或 DOCX 文件"));
    assert!(html.contains("正文"), "text kept");
    let big = vec![b'%'; 21 * 1024 * 1024];
    let r = upload(&editor, sid, "## 1 范围\n正文", vec![("big.pdf", big)]).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let versions: i64 = {
        use diesel::prelude::*;
        use selfreg::db::schema::standard_versions::dsl::*;
        standard_versions.filter(standard_id.eq(sid)).count().get_result(&mut *app.conn()).unwrap()
    };
    assert_eq!(versions, 0);
    // Without the token in the query, refused.
    let form = Multipart::new().text("label", "comment_draft").text("body", "x");
    let r = editor.client.post(editor.url(&format!("/standards/{sid}/versions"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A real DOCX-shaped file is accepted.
    let docx = b"PK\x03\x04 [Content_Types].xml word/document.xml".to_vec();
    let r = upload(&editor, sid, "## 1 范围\n正文", vec![("草案.docx", docx)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn text_that_looks_like_html_is_escaped_everywhere() {
    let app = spawn_app().await;
    let xss = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let org = association_id(&app);
    let r = editor
        .post_from(
            "/standards/new",
            "/standards",
            &[
                ("kind", "group"),
                ("title_zh", xss),
                ("title_en", xss),
                ("scope", xss),
                ("proposing_org_id", &org),
                ("lead_org_id", &org),
                ("ics", "<b>x</b>"),
                ("ccs", "<i>y</i>"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let new_id = location(&r);
    let sid = std_id(&app, "品质电商直播间管理规范");
    let page = format!("/standards/{sid}");
    let comment = |clause: &'static str| {
        let (app, page) = (&app, page.clone());
        async move {
            app.post_from(
                &page,
                &format!("/standards/{sid}/comments"),
                &[
                    ("version_n", "2"),
                    ("clause_ref", clause),
                    ("kind", "general"),
                    ("body", xss),
                    ("proposed_change", xss),
                    ("name", xss),
                    ("organization", xss),
                    ("email", "x@example.net"),
                ],
            )
            .await
        }
    };
    // Not a clause of the text: refused, and the page shows it escaped.
    let r = comment(xss).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)</script>") && html.contains("&lt;script&gt;alert(1)"));
    let r = comment("5.1").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let seq = location(&r).rsplit('/').next().unwrap().to_owned();
    let r = dispose(&editor, sid, seq.parse().unwrap(), "not_accepted", xss).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let dr = std_id(&app, "直播带货商品质量抽检规程");
    let md = format!("## 1 范围\n{xss}\n\n[link](javascript:alert(3))");
    assert_eq!(upload(&editor, dr, &md, vec![]).await.status(), StatusCode::SEE_OTHER);
    for path in [
        new_id.clone(),
        format!("/standards/{sid}/comments"),
        format!("/standards/{sid}/comments/{seq}"),
        format!("/standards/{dr}/versions/1"),
        "/standards?q=script".to_owned(),
    ] {
        let (_, html) = editor.get_html(&path).await;
        assert!(!html.contains("<script>alert(1)</script>"), "{path}");
        assert!(!html.contains("<img src=x"), "{path}");
        assert!(!html.contains("javascript:alert(3)"), "{path}");
    }
    let (_, html) = editor.get_html(&new_id).await;
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;") && !html.contains("<b>x</b>"));
}

#[tokio::test]
async fn chinese_search_and_filters() {
    let app = spawn_app().await;
    let (_, html) = app.get_html("/standards?q=%E7%9B%B4%E6%92%AD").await; // 直播
    for t in ["品质电商直播间管理规范", "网络直播营销主播服务规范", "直播电商售后服务规范"]
    {
        assert!(html.contains(t), "{t}");
    }
    assert!(!html.contains("直播间虚拟礼物消费提示规范"), "proposals are not listed publicly");
    let (_, html) = app.get_html("/standards?q=%E5%94%AE%E5%90%8E").await; // 售后
    assert!(html.contains("直播电商售后服务规范") && !html.contains("品质电商直播间管理规范"));
    // Numbers with either dash, English titles, drafting organizations.
    let (_, html) = app.get_html("/standards?q=T%2FSHDSXH+002-2025").await;
    assert!(html.contains("网络直播营销主播服务规范"));
    let (_, html) = app.get_html("/standards?q=after-sales").await;
    assert!(html.contains("直播电商售后服务规范"));
    let (_, html) = app.get_html("/standards?q=%E7%A4%BA%E4%BE%8B%E5%B9%B3%E5%8F%B005").await; // 示例平台05
    assert!(html.contains("直播电商售后服务规范"));
    // Filters in the URL.
    let (_, html) = app.get_html("/standards?status=in_force").await;
    assert!(html.contains("网络直播营销主播服务规范") && !html.contains("品质电商直播间管理规范"));
    let (_, html) = app.get_html("/standards?status=superseded").await;
    assert!(html.contains("网络直播营销服务规范") && html.contains("被代替"));
    let (_, html) = app.get_html("/standards?kind=local").await;
    assert!(html.contains("品质电商直播间管理规范") && !html.contains("网络直播营销主播服务规范"));
    let (_, html) = app.get_html("/standards?year=2025").await;
    assert!(html.contains("网络直播营销主播服务规范") && !html.contains("网络直播营销服务规范<"));
    let (status, _) = app.get_html("/standards?status=bogus").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, html) = app.get_html("/standards?status=withdrawn").await;
    assert!(html.contains("直播电商仓储配送服务要求") && html.contains("废止"));
    // Every badge of the demo shows somewhere.
    let (_, all) = app.get_html("/standards").await;
    for badge in ["征求意见", "现行", "即将实施", "技术审查", "起草中", "被代替", "废止"] {
        assert!(all.contains(&format!(">{badge}<")), "badge {badge}");
    }
    assert!(all.contains("制定中"), "number placeholder before publication");
}

#[tokio::test]
async fn compare_marks_added_and_removed_text_by_clause() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let (status, html) = app.get_html(&format!("/standards/{sid}/compare?from=1&to=2")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<ins>12</ins>") || html.contains("<ins>12 </ins>") || html.contains("<ins>1</ins>"),
        "changed hours marked"
    );
    assert!(html.contains("c-added") && html.contains("5.3") && html.contains("信用记录"), "new clause 5.3");
    assert!(html.contains("<del>"), "removed text marked");
    assert_eq!(app.get(&format!("/standards/{sid}/compare?from=x")).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.get(&format!("/standards/{sid}/compare?from=1&to=9")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn list_totals_follow_changes() {
    let app = spawn_app().await;
    let total = |html: &str| -> i64 {
        let i = html.find("共 ").unwrap();
        html[i + "共 ".len()..].chars().take_while(|c| c.is_ascii_digit()).collect::<String>().parse().unwrap()
    };
    let (_, before) = app.get_html("/standards").await;
    let n = total(&before);
    let (_, again) = app.get_html("/standards").await;
    assert_eq!(total(&again), n, "the kept total is the same");
    // Approving the proposal makes it public: the total moves at once.
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    let proposal = std_id(&app, "直播间虚拟礼物消费提示规范");
    assert_eq!(act(&reviewer, proposal, "approve", &[]).await.status(), StatusCode::SEE_OTHER);
    let (_, after) = app.get_html("/standards").await;
    assert_eq!(total(&after), n + 1);
}

/// The text a reader sees: tags (and their attributes) left out.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn pages_show_no_raw_codes_or_iso_dates() {
    let app = spawn_app().await;
    let codes = [
        "comment_draft",
        "review_draft",
        "approval_draft",
        "passed",
        "failed",
        "public_comment",
        "technical_review",
        "submitted_for_approval",
        "add_version",
        "open_comment",
        "close_review",
        "set_publication",
        "partly_accepted",
        "not_accepted",
        "std.",
    ];
    for title in
        ["品质电商直播间管理规范", "网络直播营销主播服务规范", "网络直播营销服务规范", "网络直播营销活动价格标示指引"]
    {
        let sid = std_id(&app, title);
        for lang in ["zh-CN", "en"] {
            for path in [format!("/standards/{sid}"), format!("/standards/{sid}/comments")] {
                let r = app.client.get(app.url(&path)).header("accept-language", lang).send().await.unwrap();
                let text = visible_text(&r.text().await.unwrap());
                for code in codes {
                    // "passed" is an English word too; in Chinese it is a stored code.
                    if lang == "en" && matches!(code, "passed" | "failed") {
                        continue;
                    }
                    assert!(!text.contains(code), "{title} {path} ({lang}) shows {code:?}");
                }
                let iso = text.as_bytes().windows(10).any(|w| {
                    w.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() })
                });
                assert!(!iso, "{title} {path} ({lang}) shows an ISO date");
            }
        }
    }
    let sid = std_id(&app, "品质电商直播间管理规范");
    let (_, page) = app.get_html(&format!("/standards/{sid}")).await;
    assert!(page.contains("v1 征求意见稿") && page.contains("征求意见期为"), "the timeline in words");
    let in_force = std_id(&app, "网络直播营销主播服务规范");
    let (_, page) = app.get_html(&format!("/standards/{in_force}")).await;
    assert!(page.contains("结束技术审查：通过"));
}

#[tokio::test]
async fn compare_renders_the_markdown_it_compares() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let (_, html) = app.get_html(&format!("/standards/{sid}/compare?from=1&to=2")).await;
    assert!(html.contains("<li>GB/T 41247 网络直播营销服务规范</li>"), "lists render as lists");
    assert!(
        html.contains("<p>直播间运营者应每年对主播开展不少于 <del>8</del><ins>12 </ins>学时"),
        "marks inside paragraphs"
    );
    assert!(!html.contains("- GB/T 41247"), "no Markdown source shown");
    // Escaped: text that looks like HTML stays text in a comparison.
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let dr = std_id(&app, "直播带货商品质量抽检规程");
    let v1 = "## 1 范围\n\n本文件规定了抽检程序。\n";
    let v2 = "## 1 范围\n\n本文件规定了抽检程序<script>alert(1)</script>。\n\n[x](javascript:alert(2))\n";
    assert_eq!(upload(&editor, dr, v1, vec![]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(upload(&editor, dr, v2, vec![]).await.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html(&format!("/standards/{dr}/compare?from=1&to=2")).await;
    assert!(!html.contains("<script>alert(1)") && !html.contains("javascript:"), "escaped and sanitized");
    assert!(html.contains("<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>"), "{html}");
}

#[tokio::test]
async fn the_list_pages_twenty_at_a_time() {
    let app = spawn_app().await;
    {
        use selfreg::db::audit::Actor;
        use selfreg::db::standards::{self as sdb, Metadata};
        let org: i64 = association_id(&app).parse().unwrap();
        let mut conn = app.conn();
        for i in 0..25 {
            let m = Metadata {
                kind: selfreg::domain::standard::StandardKind::Group,
                title_zh: format!("分页测试标准{i:02}"),
                title_en: format!("Paging test {i:02}"),
                scope: String::new(),
                proposing_org_id: org,
                lead_org_id: org,
                codrafters: vec![],
                ics: String::new(),
                ccs: String::new(),
                replaces_id: None,
            };
            sdb::create(&mut conn, Actor::SYSTEM, None, &m, None, today()).unwrap();
        }
        use diesel::prelude::*;
        use selfreg::db::schema::standards;
        diesel::update(standards::table.filter(standards::title_zh.like("分页测试标准%")))
            .set(standards::state.eq("drafting"))
            .execute(&mut *conn)
            .unwrap();
    }
    app.data_changed();
    let (_, first) = app.get_html("/standards?q=%E5%88%86%E9%A1%B5%E6%B5%8B%E8%AF%95").await; // 分页测试
    assert!(first.contains("共 25 项"));
    let on_first = (0..25).filter(|i| first.contains(&format!("分页测试标准{i:02}"))).count();
    assert_eq!(on_first, 20, "twenty on the first page");
    assert!(first.contains("page=2"), "a link to the next page");
    let (_, second) = app.get_html("/standards?q=%E5%88%86%E9%A1%B5%E6%B5%8B%E8%AF%95&page=2").await;
    for i in 0..25 {
        let t = format!("分页测试标准{i:02}");
        assert!(first.contains(&t) != second.contains(&t), "{t} on exactly one page");
    }
}

#[tokio::test]
async fn nested_pages_have_breadcrumbs_and_no_doubled_title() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let dr = std_id(&app, "直播带货商品质量抽检规程");
    for (path, here) in [
        (format!("/standards/{sid}/versions/2"), "v2 征求意见稿"),
        (format!("/standards/{sid}/compare?from=1&to=2"), "版本比较"),
        (format!("/standards/{sid}/comments"), "意见汇总处理表"),
        (format!("/standards/{sid}/comments/1"), "序号 1 的意见"),
        (format!("/standards/{sid}/edit"), "编辑标准信息"),
        (format!("/standards/{dr}/versions/new"), "上传新版本"),
    ] {
        let (status, html) = editor.get_html(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let nav = &html[html.find("<nav class=\"breadcrumbs\"").unwrap_or_else(|| panic!("{path}: breadcrumbs"))..];
        let nav = &nav[..nav.find("</nav>").unwrap()];
        assert!(nav.contains("href=\"/standards\""), "{path}: back to the list");
        assert!(nav.contains("aria-current=\"page\"") && nav.contains(here), "{path}: names the page");
        let h1 = &html[html.find("<h1>").unwrap()..];
        let h1 = &h1[..h1.find("</h1>").unwrap()];
        assert!(!h1.contains("品质电商直播间管理规范") && !h1.contains("直播带货商品质量抽检规程"), "{path}: {h1}");
        assert!(!h1.contains(": "), "{path}: Chinese punctuation in the heading: {h1}");
    }
    let (_, html) = editor.get_html(&format!("/standards/{sid}/comments/1")).await;
    assert!(
        html.contains(&format!("href=\"/standards/{sid}/comments\">意见汇总处理表</a>")),
        "the comment sits under the table"
    );
    let (_, html) = editor.get_html("/standards/new").await;
    assert!(html.contains("<li aria-current=\"page\">新建标准项目</li>"));
}

#[tokio::test]
async fn editors_find_the_new_project_on_their_landing_page() {
    let app = spawn_app().await;
    for (who, sees) in
        [("editor@example.org", true), ("admin@example.org", true), ("filer@example.org", false), ("", false)]
    {
        let c = app.other_client();
        if !who.is_empty() {
            c.login(who).await;
        }
        for page in ["/", "/standards"] {
            let (_, html) = c.get_html(page).await;
            assert_eq!(html.contains("href=\"/standards/new\""), sees, "{who:?} on {page}");
            assert_eq!(html.contains("新建标准项目"), sees, "{who:?} on {page}");
        }
    }
}
