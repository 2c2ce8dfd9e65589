//! `/todo` (待办): each role lands on what it has to do, each item linking to
//! where it is done.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::reports::{complete, decide, open_report, period_id, post_report};

/// The section of the to-do page whose heading starts with `title`.
fn section<'a>(html: &'a str, title: &str) -> &'a str {
    let start = html.find(&format!("\">{title}")).unwrap_or_else(|| panic!("no section {title}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

#[tokio::test]
async fn a_report_moves_from_the_filers_list_to_the_reviewers_and_back() {
    let app = spawn_app().await;
    let filer = app.other_client();
    let r = filer.login_as("filer@example.org", DEMO_PASSWORD).await;
    assert_eq!(location(&r), "/todo", "staff land on their to-do list");
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;

    let (status, html) = filer.get_html("/todo").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/todo\""), "the navigation has 待办");
    assert!(section(&html, "待填报的报告").contains("第三期（本期）"), "the open period is to be filed");
    assert!(section(&html, "待填报的报告").contains("24:00（北京时间）截止"), "with its deadline, Beijing time");

    let p3 = period_id(&app, "第三期（本期）");
    let rid = open_report(&filer, p3).await;
    let r = post_report(&filer, rid, "save", complete).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = filer.get_html("/todo").await;
    assert!(!section(&html, "待填报的报告").contains("第三期（本期）"), "opened: no longer to be filed");
    assert!(section(&html, "尚未提交的草稿").contains(&format!("/reports/{rid}/edit")));

    let r = post_report(&filer, rid, "submit", complete).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = reviewer.get_html("/todo").await;
    let to_review = section(&html, "待审核的报告");
    assert!(to_review.contains(&format!("/reports/{rid}")), "the reviewer sees it to review");
    assert!(to_review.contains("已等待 0 天"));

    let r = decide(&reviewer, rid, "return", "请补充核验数据。", None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = reviewer.get_html("/todo").await;
    assert!(
        !section(&html, "待审核的报告").contains(&format!("/reports/{rid}\"")),
        "decided: gone from the reviewer's list"
    );
    let (_, html) = filer.get_html("/todo").await;
    let returned = section(&html, "被退回修改的报告");
    assert!(returned.contains(&format!("/reports/{rid}/edit")) && returned.contains("请补充核验数据。"));
}

#[tokio::test]
async fn an_editor_sees_comments_to_dispose_and_applications_to_verify() {
    use crate::pledges::{applied, clients, pledge_id, CONVENTION};
    let app = spawn_app().await;
    let (filer, editor, _) = clients(&app).await;
    let (_, html) = editor.get_html("/todo").await;
    let comments = section(&html, "待处理的公众意见");
    assert!(comments.contains("?pending=1") && comments.contains("条意见待处理"), "{comments}");
    let p = pledge_id(&app, CONVENTION);
    let before = section(&html, "待核验的签署申请").matches("/signatures/").count();
    let sig = applied(&filer, p).await;
    let (_, html) = editor.get_html("/todo").await;
    let applications = section(&html, "待核验的签署申请");
    assert!(applications.contains(&format!("/signatures/{sig}")));
    assert_eq!(applications.matches("/signatures/").count(), before + 1);
    // Nobody else's work: the filer's page has no editor sections.
    let (_, html) = filer.get_html("/todo").await;
    assert!(!html.contains("待处理的公众意见"));
}

#[tokio::test]
async fn the_to_do_list_is_for_signed_in_users_only() {
    let app = spawn_app().await;
    let r = app.get("/todo").await;
    assert_ne!(r.status(), StatusCode::OK);
}
