//! The review queue pages and filters (in the URL); nested report pages carry breadcrumbs.

use reqwest::StatusCode;

use super::*;

fn rows(html: &str) -> Vec<String> {
    let Some(start) = html.find("<tbody>") else { return Vec::new() };
    let body = &html[start..html[start..].find("</tbody>").map(|e| start + e).unwrap()];
    body.split("<tr>").skip(1).map(str::to_owned).collect()
}

#[tokio::test]
async fn the_review_queue_pages_and_filters_by_pledge_and_period() {
    let app = spawn_app().await;
    // Every demo report awaiting review.
    let total = {
        use diesel::prelude::*;
        use selfreg::db::schema::reports::dsl::*;
        diesel::update(reports)
            .set((state.eq("submitted"), submitted_at.eq(Some(selfreg::db::now()))))
            .execute(&mut *app.conn())
            .unwrap() as usize
    };
    assert!(total > 50, "the demo has {total} reports");
    let reviewer = signed_in(&app, "reviewer@example.org").await;
    let (status, page1) = reviewer.get_html("/review").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&page1).len(), 50, "fifty a page");
    assert!(page1.contains(&format!("共 {total} 份待审核报告")));
    assert!(page1.contains("href=\"/review?page=2\""));
    let (_, page2) = reviewer.get_html("/review?page=2").await;
    assert_eq!(rows(&page2).len(), total - 50);

    // By period: only its reports, the choice kept in the form and in the pages' links.
    let p2 = period_id(&app, "第二期（下半年度）");
    let in_p2 = {
        use diesel::prelude::*;
        use selfreg::db::schema::reports::dsl::*;
        reports.filter(period_id.eq(p2)).count().get_result::<i64>(&mut *app.conn()).unwrap() as usize
    };
    let (_, filtered) = reviewer.get_html(&format!("/review?period={p2}")).await;
    let listed = rows(&filtered);
    assert_eq!(listed.len(), in_p2);
    assert!(listed.iter().all(|r| r.contains("第二期（下半年度）")), "only period 2");
    let period_menu = &filtered[filtered.find("id=\"f-period\"").unwrap()..];
    assert!(period_menu.contains(&format!("<option value=\"{p2}\" selected>")));
    // By pledge: the convention's reports only; its periods are offered.
    let convention: i64 = {
        use diesel::prelude::*;
        use selfreg::db::schema::pledges::dsl::*;
        pledges.filter(kind.eq("convention")).order(id).select(id).first(&mut *app.conn()).unwrap()
    };
    let (_, by_pledge) = reviewer.get_html(&format!("/review?pledge={convention}")).await;
    assert!(rows(&by_pledge).iter().all(|r| !r.contains("第一期") && !r.contains("第二期") && !r.contains("第三期")));
    let period_menu = &by_pledge[by_pledge.find("id=\"f-period\"").unwrap()..];
    let period_menu = &period_menu[..period_menu.find("</select>").unwrap()];
    assert!(period_menu.contains("年度报告") && !period_menu.contains("第二期"), "{period_menu}");
    // Odd parameters are ignored, not an error.
    assert_eq!(reviewer.get("/review?pledge=x&period=-1&page=abc").await.status(), StatusCode::OK);
    // Still a reviewer's page.
    let filer = signed_in(&app, "filer@example.org").await;
    assert_eq!(filer.get("/review").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn nested_report_pages_have_breadcrumbs() {
    let app = spawn_app().await;
    let filer = signed_in(&app, "filer@example.org").await;
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    assert_eq!(post_report(&filer, rid, "submit", complete).await.status(), StatusCode::SEE_OTHER);
    let editor = signed_in(&app, "editor@example.org").await;
    let pledge: i64 = {
        use diesel::prelude::*;
        use selfreg::db::schema::pledges::dsl::*;
        pledges.filter(kind.eq("initiative")).select(id).first(&mut *app.conn()).unwrap()
    };
    let p3 = period_id(&app, "第三期（本期）");
    for (c, path, last) in [
        (&filer, format!("/reports/{rid}"), "第三期（本期）"),
        (&filer, format!("/reports/{rid}/revisions"), "比较提交版本"),
        (&filer, format!("/reports/{rid}/previous"), "与上一报告期比较"),
        (&editor, format!("/pledges/{pledge}/periods"), "报告期"),
        (&app.other_client(), format!("/orgs/{}/reports", org_id(&app, "示例平台01")), "履约报告"),
    ] {
        let (status, html) = c.get_html(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let nav = &html[html.find("<nav class=\"breadcrumbs\"").unwrap_or_else(|| panic!("{path}: no breadcrumbs"))..];
        let nav = &nav[..nav.find("</nav>").unwrap()];
        assert!(nav.contains(&format!("<li aria-current=\"page\">{last}</li>")), "{path}: {nav}");
    }
    // The edit page (a returned report) and a period's edit page.
    let reviewer = signed_in(&app, "reviewer@example.org").await;
    assert_eq!(decide(&reviewer, rid, "return", "请补充。", None).await.status(), StatusCode::SEE_OTHER);
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    assert!(edit.contains("<nav class=\"breadcrumbs\"") && edit.contains(&format!("<a href=\"/reports/{rid}\">")));
    let (_, reviewer_view) = reviewer.get_html(&format!("/reports/{rid}")).await;
    assert!(reviewer_view.contains("<li><a href=\"/review\">报告审核</a></li>"), "reviewers come from their queue");
    let today = selfreg::i18n::beijing_today();
    let page = format!("/pledges/{pledge}/periods");
    let r = editor
        .post_from(
            &page,
            &page,
            &[
                ("label_zh", "2032年上半年"),
                ("label_en", "2032 H1"),
                ("covers_from", "2032-01-01"),
                ("covers_to", "2032-06-30"),
                ("opens_on", &(today + chrono::Duration::days(400)).to_string()),
                ("due_on", &(today + chrono::Duration::days(430)).to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = period_id(&app, "2032年上半年");
    let (_, html) = editor.get_html(&format!("{page}/{id}/edit")).await;
    assert!(html.contains(&format!("<li><a href=\"{page}\">报告期</a></li>")) && p3 > 0);
}
