use reqwest::StatusCode;

use super::*;

#[tokio::test]
async fn file_return_revise_resubmit_accept_and_publish() {
    use calamine::{Reader, Xlsx};
    let app = spawn_app().await;
    let filer = app.other_client();
    filer.login("filer@example.org").await;
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    let public = app.other_client();
    let p3 = period_id(&app, "第三期（本期）");

    let (_, mine) = filer.get_html("/reporting").await;
    assert!(mine.contains("第三期（本期）") && mine.contains("即将到期"), "the open period is due soon");
    let rid = open_report(&filer, p3).await;
    assert_eq!(report_state(&app, rid), "draft");
    assert_eq!(public.get(&format!("/reports/{rid}")).await.status(), StatusCode::NOT_FOUND, "drafts are not public");

    // Save a partial draft, then try to submit: every missing piece at once.
    let r = post_report(&filer, rid, "save", |i, e| if i == 0 { complete(i, e) } else { vec![] }).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post_report(&filer, rid, "submit", |i, e| {
        if i == 0 {
            complete(i, e)
        } else {
            vec![(format!("e_{e}_status"), "not_applicable".into())]
        }
    })
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("报告尚不完整，共 5 处需要补充"),
        "one missing reason for each of the five other commitments"
    );
    assert_eq!(html.matches("选择“不适用”时须说明理由").count(), 5 * 2, "listed at the top and beside each entry");
    assert_eq!(report_state(&app, rid), "draft", "still a draft, saved");
    // An indicator value that is not a number is kept in the draft, refused at submission.
    let r = post_report(&filer, rid, "submit", |i, e| {
        let mut f = complete(i, e);
        f[3].1 = "九十八".into();
        f
    })
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"九十八\"") && html.contains("指标数值须为数字"));

    let r = post_report(&filer, rid, "submit", complete).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(report_state(&app, rid), "submitted");
    // Read-only for the filer now.
    let r = filer.get(&format!("/reports/{rid}/edit")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/reports/{rid}"));

    // In the reviewer's queue; returned with a comment on an entry.
    let (_, q) = reviewer.get_html("/review").await;
    assert!(q.contains(&format!("/reports/{rid}")) && q.contains("示例平台01"));
    let ids = {
        let (_, h) = filer.get_html(&format!("/reports/{rid}")).await;
        let mut v = Vec::new();
        let mut rest = h.as_str();
        while let Some(i) = rest.find("id=\"e") {
            let after = &rest[i + 5..];
            let id: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
            if !id.is_empty() {
                v.push(id.clone());
            }
            rest = &after[id.len()..];
        }
        v
    };
    let r = decide(&reviewer, rid, "return", "", None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "returning needs a comment");
    let r = decide(&reviewer, rid, "return", "请补充数据来源。", Some((&ids[1], "核验率的统计口径？"))).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(report_state(&app, rid), "returned");
    let (_, dash) = public.get_html(&format!("/dashboard?period={p3}")).await;
    assert!(dash.contains("退回整改"), "returned for rework on the dashboard");

    // The filer sees the comments beside the entries, revises and resubmits.
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    assert!(edit.contains("请补充数据来源。") && edit.contains("核验率的统计口径？"));
    let r = post_report(&filer, rid, "submit", |i, e| {
        let mut f = complete(i, e);
        if i == 1 {
            f[1].1 = "第 1 项措施：建立核验台账，统计口径为月度抽样。".into();
            f[3].1 = "99.1".into();
        }
        if i == 0 {
            f[0].1 = "not_started".into();
        }
        f
    })
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(report_state(&app, rid), "submitted");

    // Two submissions kept and compared; the status regression is marked.
    let (status, cmp) = reviewer.get_html(&format!("/reports/{rid}/revisions?from=1&to=2")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(cmp.contains("统计口径为月度抽样") && cmp.contains("99.1") && cmp.contains("98.5"));
    assert!(cmp.contains("状态倒退"), "in progress → not started is a regression");
    // Compared with the same platform's previous period.
    let (status, prev) = filer.get_html(&format!("/reports/{rid}/previous")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(prev.contains("第二期（下半年度）") && prev.contains("第三期（本期）"));

    let r = decide(&reviewer, rid, "accept", "", None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(report_state(&app, rid), "accepted");

    // Public now: the report, the dashboard, the exports and the feed.
    let (status, page) = public.get_html(&format!("/reports/{rid}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("统计口径为月度抽样") && !page.contains("请补充数据来源"), "review comments stay private");
    let (_, dash) = public.get_html(&format!("/dashboard?period={p3}")).await;
    let row = &dash[dash.find("示例平台01").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("按期报告并通过") && row.contains("未启动") && row.contains("已落实"), "{row}");
    let csv = public.get(&format!("/dashboard.csv?period={p3}")).await.text().await.unwrap();
    let line = csv.lines().find(|l| l.starts_with("示例平台01")).unwrap().to_owned();
    assert!(line.contains("按期报告并通过") && line.contains("未启动,已落实"), "{line}");
    let bytes = public.get(&format!("/dashboard.xlsx?period={p3}")).await.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0][0], "签署单位");
    let r1 = rows.iter().find(|r| r[0] == "示例平台01").unwrap();
    assert_eq!(r1[1], "按期报告并通过");
    assert_eq!(r1[4], "未启动");
    assert_eq!(r1[5], "已落实");
    let feed = public.get("/feeds/reports.atom").await.text().await.unwrap();
    assert!(feed.contains("示例平台01：第三期（本期），按期报告并通过"));
}

#[tokio::test]
async fn other_organizations_and_the_public_see_no_drafts() {
    let app = spawn_app().await;
    let filer = app.other_client();
    filer.login("filer@example.org").await;
    let p3 = period_id(&app, "第三期（本期）");
    let rid = open_report(&filer, p3).await;
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    let entry = entry_ids(&edit)[0].clone();
    let pdf = b"%PDF-1.4 evidence".to_vec();
    let r = post_upload(&filer, rid, &format!("upload:{entry}"), &[], vec![(&entry, "证明.pdf", pdf.clone())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    assert!(edit.contains("证明.pdf") && edit.contains("SHA-256"));
    let file_href = file_href(&edit, "证明.pdf").unwrap();
    assert_eq!(filer.get(&file_href).await.bytes().await.unwrap().to_vec(), pdf);

    // filer2 (platform 02): nothing of platform 01's draft, by any path.
    let filer2 = app.other_client();
    filer2.login("filer2@example.org").await;
    for path in [
        format!("/reports/{rid}"),
        format!("/reports/{rid}/edit"),
        file_href.clone(),
        format!("/reports/{rid}/revisions"),
        format!("/reports/{rid}/previous"),
    ] {
        assert_eq!(filer2.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let r =
        filer2.post_from("/reporting", &format!("/reports/{rid}/save"), &[("version", "1"), ("action", "save")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(report_state(&app, rid), "draft");
    // Nor can filer2 open a report for platform 01: it opens its own.
    let own = open_report(&filer2, p3).await;
    assert_ne!(own, rid);
    // The public: nothing either.
    let public = app.other_client();
    for path in [format!("/reports/{rid}"), file_href, format!("/reports/{rid}/edit")] {
        let s = public.get(&path).await.status();
        assert!(s == StatusCode::NOT_FOUND || s == StatusCode::SEE_OTHER, "{path}: {s}");
    }
    // Nor reviewers: a draft is the filing organization's alone.
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    assert_eq!(reviewer.get(&format!("/reports/{rid}")).await.status(), StatusCode::NOT_FOUND);
    // A reviewer cannot file, a filer cannot decide.
    assert_eq!(
        reviewer.post_from("/review", &format!("/reports/{rid}/save"), &[("version", "1")]).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = filer
        .post_from("/reporting", &format!("/reports/{rid}/decision"), &[("version", "1"), ("decision", "accept")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn two_reviewers_at_once_one_decision_and_stale_filer_tabs() {
    let app = spawn_app().await;
    // A second reviewer.
    {
        use selfreg::db::{audit::Actor, users};
        use selfreg::domain::{Email, Role};
        let mut conn = app.conn();
        let regulator = selfreg::db::orgs::search(&mut conn, "示例市场监督管理局", 1, 0).unwrap().0[0].id;
        let hash = selfreg::auth::password::hash_blocking(DEMO_PASSWORD);
        let email = Email::parse("reviewer2@example.org").unwrap();
        users::insert(
            &mut conn,
            Actor::SYSTEM,
            &users::NewUser {
                email: &email,
                display_name: "审查二",
                organization_id: regulator,
                role: Role::Reviewer,
                password_hash: &hash,
            },
        )
        .unwrap();
    }
    let filer = app.other_client();
    filer.login("filer@example.org").await;
    let p3 = period_id(&app, "第三期（本期）");
    let rid = open_report(&filer, p3).await;
    // Two tabs of the filer: one submits, the other then saves.
    let (_, stale_tab) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    assert_eq!(post_report(&filer, rid, "submit", complete).await.status(), StatusCode::SEE_OTHER);
    let version = field_value(&stale_tab, "version").unwrap();
    let token = csrf_in(&stale_tab);
    let e = entry_ids(&stale_tab)[0].clone();
    let r = filer
        .client
        .post(filer.url(&format!("/reports/{rid}/save")))
        .form(&[
            ("csrf_token", token.as_str()),
            ("version", version.as_str()),
            ("action", "save"),
            (format!("e_{e}_measures").as_str(), "被覆盖？"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("已在其他窗口或由同事提交"));
    assert_eq!(report_state(&app, rid), "submitted");

    let a = app.other_client();
    a.login("reviewer@example.org").await;
    let b = app.other_client();
    b.login("reviewer2@example.org").await;
    let (_, pa) = a.get_html(&format!("/reports/{rid}")).await;
    let (_, pb) = b.get_html(&format!("/reports/{rid}")).await;
    let fa = [
        ("csrf_token", csrf_in(&pa)),
        ("version", field_value(&pa, "version").unwrap()),
        ("decision", "accept".into()),
        ("comment", String::new()),
    ];
    let fb = [
        ("csrf_token", csrf_in(&pb)),
        ("version", field_value(&pb, "version").unwrap()),
        ("decision", "return".into()),
        ("comment", "退回".into()),
    ];
    let url = app.url(&format!("/reports/{rid}/decision"));
    let (ra, rb) = tokio::join!(a.client.post(&url).form(&fa).send(), b.client.post(&url).form(&fb).send());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let mut statuses = vec![ra.status(), rb.status()];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    let loser = if ra.status() == StatusCode::CONFLICT { ra } else { rb };
    // The loser hears that the other reviewer decided, and what.
    let text = loser.text().await.unwrap();
    assert!(text.contains("此报告已由他人作出审核决定"), "{text}");
    assert_eq!(decisions(&app, rid, 0), 1, "exactly one decision recorded");
}

#[tokio::test]
async fn standing_follows_the_deadline_in_beijing_time() {
    let app = spawn_app().await;
    let p2 = period_id(&app, "第二期（下半年度）");
    let set_due = |days: i64| {
        use diesel::prelude::*;
        use selfreg::db::schema::reporting_periods::dsl::*;
        let d = selfreg::i18n::beijing_today() + chrono::Duration::days(days);
        diesel::update(reporting_periods.find(p2)).set(due_on.eq(d)).execute(&mut *app.conn()).unwrap();
        app.data_changed();
    };
    let row_of = |html: &str, name: &str| -> String {
        let r = &html[html.find(name).unwrap()..];
        r[..r.find("</tr>").unwrap()].to_owned()
    };
    // Platform 23 filed nothing for period 2.
    set_due(3);
    let (_, html) = app.get_html(&format!("/dashboard?period={p2}")).await;
    assert!(row_of(&html, "示例平台23").contains("即将到期"), "due within 7 days");
    set_due(10);
    let (_, html) = app.get_html(&format!("/dashboard?period={p2}")).await;
    assert!(row_of(&html, "示例平台23").contains("未到期"), "not due yet");
    set_due(-1);
    let (_, html) = app.get_html(&format!("/dashboard?period={p2}")).await;
    let row = row_of(&html, "示例平台23");
    assert!(row.contains("逾期未报") && row.contains("宽限期至"), "{row}");
    set_due(-31);
    let (_, html) = app.get_html(&format!("/dashboard?period={p2}")).await;
    assert!(row_of(&html, "示例平台23").contains("未按期报告"));
    // Returned and not resubmitted: returned for rework, whatever the date.
    assert!(row_of(&html, "示例平台02").contains("退回整改"));
}

#[tokio::test]
async fn report_text_is_escaped() {
    let app = spawn_app().await;
    let filer = app.other_client();
    filer.login("filer@example.org").await;
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    let xss = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let r = post_report(&filer, rid, "submit", |i, e| {
        let mut f = complete(i, e);
        f[1].1 = format!("{xss} [x](javascript:alert(3))");
        f[2].1 = xss.into();
        f[4].1 = "<b>u</b>".into();
        f[6].1 = xss.into();
        f
    })
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    assert_eq!(decide(&reviewer, rid, "return", xss, None).await.status(), StatusCode::SEE_OTHER);
    for (c, path) in [
        (&filer, format!("/reports/{rid}")),
        (&filer, format!("/reports/{rid}/edit")),
        (&reviewer, format!("/reports/{rid}/revisions")),
    ] {
        let (_, html) = c.get_html(&path).await;
        assert!(!html.contains("<script>alert(1)</script>"), "{path}");
        assert!(!html.contains("<img src=x"), "{path}");
        assert!(!html.to_lowercase().contains("href=\"javascript:"), "{path}");
        assert!(!html.contains("<b>u</b>"), "{path}");
    }
}

#[tokio::test]
async fn editors_create_reporting_periods() {
    let app = spawn_app().await;
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let pledge: i64 = {
        use diesel::prelude::*;
        use selfreg::db::schema::pledges::dsl::*;
        pledges.filter(kind.eq("initiative")).select(id).first(&mut *app.conn()).unwrap()
    };
    let page = format!("/pledges/{pledge}/periods");
    let r = editor
        .post_from(
            &page,
            &page,
            &[
                ("label_zh", "2027年上半年"),
                ("label_en", "2027 H1"),
                ("covers_from", "2027-01-01"),
                ("covers_to", "2026-06-30"),
                ("opens_on", "2027-07-01"),
                ("due_on", "2027-06-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("截止日期不能早于开放填报日期") && html.contains("覆盖期间止不能早于覆盖期间起"));
    assert_eq!(field_value(&html, "label_en").as_deref(), Some("2027 H1"));
    let r = editor
        .post_from(
            &page,
            &page,
            &[
                ("label_zh", "2027年上半年"),
                ("label_en", "2027 H1"),
                ("covers_from", "2027-01-01"),
                ("covers_to", "2027-06-30"),
                ("opens_on", "2027-07-01"),
                ("due_on", "2027-07-31"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html(&page).await;
    assert!(html.contains("2027年上半年") && html.contains("2027年07月31日 24:00（北京时间）"));
    // Filers and the public cannot.
    let filer = app.other_client();
    filer.login("filer@example.org").await;
    let r = filer.post_from("/reporting", &page, &[("label_zh", "x")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// What the database holds but cannot be read is an error page, never a
/// default: a kept revision that does not decode is not an empty revision,
/// an unknown state is not a draft.
#[tokio::test]
async fn stored_values_that_cannot_be_read_are_errors_not_defaults() {
    use diesel::prelude::*;
    use selfreg::db::schema::{report_revisions, reports};
    let app = spawn_app().await;
    let filer = signed_in(&app, "filer@example.org").await;
    let reviewer = signed_in(&app, "reviewer@example.org").await;
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    assert_eq!(post_report(&filer, rid, "submit", complete).await.status(), StatusCode::SEE_OTHER);
    let revisions = format!("/reports/{rid}/revisions");
    assert_eq!(reviewer.get(&revisions).await.status(), StatusCode::OK);

    diesel::update(report_revisions::table.filter(report_revisions::report_id.eq(rid)))
        .set(report_revisions::snapshot_json.eq("{not json"))
        .execute(&mut *app.conn())
        .unwrap();
    app.data_changed();
    assert_eq!(reviewer.get(&revisions).await.status(), StatusCode::INTERNAL_SERVER_ERROR);

    diesel::update(reports::table.find(rid)).set(reports::state.eq("bogus")).execute(&mut *app.conn()).unwrap();
    app.data_changed();
    for page in [format!("/reports/{rid}"), "/reporting".to_owned()] {
        assert_eq!(filer.get(&page).await.status(), StatusCode::INTERNAL_SERVER_ERROR, "{page}");
    }
}
