//! Publication: only with its text, pages that show it, dates in the right
//! tense, and only the actions that apply offered.

use reqwest::StatusCode;

use super::*;
use crate::helpers::*;

/// Every `/actions/{code}` form on a standard's page, in order.
fn offered_actions(html: &str) -> Vec<String> {
    html.match_indices("/actions/")
        .map(|(i, _)| {
            let rest = &html[i + "/actions/".len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

async fn offered_on(who: &TestApp, sid: i64) -> Vec<String> {
    let (_, html) = who.get_html(&format!("/standards/{sid}")).await;
    offered_actions(&html)
}

fn set_dates(app: &TestApp, sid: i64, release: chrono::NaiveDate, implementation: chrono::NaiveDate) {
    use diesel::prelude::*;
    use selfreg::db::schema::standards::dsl::*;
    diesel::update(standards.find(sid))
        .set((release_date.eq(Some(release)), implementation_date.eq(Some(implementation))))
        .execute(&mut *app.conn())
        .unwrap();
    app.data_changed();
}

#[tokio::test]
async fn a_standard_is_published_only_with_its_released_text() {
    let app = spawn_app().await;
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    let sid = std_id(&app, "直播带货商品质量抽检规程");
    // A draft for comment is not a released text.
    let draft = "## 1 范围\n草案文字。\n";
    assert_eq!(upload(&editor, sid, draft, vec![]).await.status(), StatusCode::SEE_OTHER);
    force_state(&app, sid, "submitted_for_approval");
    let year = chrono::Datelike::year(&today());
    let number = format!("T/SHDSXH 009—{year}");
    let (_, html) = editor.get_html(&format!("/standards/{sid}")).await;
    let v = field_value(&html, "version").unwrap();
    let r = editor
        .post_from(
            &format!("/standards/{sid}"),
            &format!("/standards/{sid}/publication"),
            &[
                ("number", number.as_str()),
                ("release_date", &today().to_string()),
                ("implementation_date", &(today() + chrono::Duration::days(30)).to_string()),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = act(&reviewer, sid, "publish", &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("批准发布前须上传报批稿或发布稿"));
    assert_eq!(state_of(&app, sid), "submitted_for_approval");
    // With the draft for approval it is published, and its page shows the text.
    let text = "## 1 范围\n本文件规定了直播带货商品质量抽检的程序。\n\n## 2 抽检\n\n- 每季度抽检一次\n";
    assert_eq!(upload_labelled(&editor, sid, "approval_draft", text, vec![]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(act(&reviewer, sid, "publish", &[]).await.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get_html(&format!("/standards/{sid}")).await;
    assert!(page.contains("标准文本"), "a section with the text");
    assert!(page.contains("<h2 id=\"clause-2\">2 抽检</h2>") && page.contains("<li>每季度抽检一次</li>"), "rendered");
    assert!(page.contains(&format!("href=\"/standards/{sid}/versions/2\">v2 报批稿</a>")), "names its version");
    assert!(!page.contains("草案文字"), "the released text, not the draft");
    assert!(page.contains(&format!("href=\"/standards/{sid}/versions/1\"")), "and the version history");
}

#[tokio::test]
async fn dates_speak_in_the_right_tense() {
    let app = spawn_app().await;
    let upcoming = std_id(&app, "网络直播营销活动价格标示指引");
    let in_force = std_id(&app, "网络直播营销主播服务规范");
    let zh = selfreg::i18n::Lang::Zh;
    let implementation = today() + chrono::Duration::days(40);
    let (_, page) = app.get_html(&format!("/standards/{upcoming}")).await;
    let when = zh.plain_date(implementation);
    assert!(page.contains(&format!("将于 {when} 实施")), "future implementation: 将于");
    assert!(!page.contains("起实施"), "not yet 自…起实施");
    let (_, page) = app.get_html(&format!("/standards/{in_force}")).await;
    assert!(page.contains("现行有效，自 2025年07月01日 起实施"), "in force: 自…起实施");
    // Released in the future: it has not been released yet either.
    set_dates(&app, upcoming, today() + chrono::Duration::days(5), implementation);
    let (_, page) = app.get_html(&format!("/standards/{upcoming}")).await;
    let released = zh.plain_date(today() + chrono::Duration::days(5));
    assert!(page.contains(&format!("将于 {released} 发布")) && !page.contains("已于"), "not 已于 before release");
}

#[tokio::test]
async fn periodic_review_only_for_standards_in_force() {
    let app = spawn_app().await;
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let upcoming = std_id(&app, "网络直播营销活动价格标示指引");
    let in_force = std_id(&app, "网络直播营销主播服务规范");
    let (_, page) = editor.get_html(&format!("/standards/{upcoming}")).await;
    assert!(offered_actions(&page).is_empty(), "no periodic review before the implementation date");
    for action in ["confirm_review", "start_revision", "withdraw"] {
        let r = act(&editor, upcoming, action, &[("note", "复审")]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{action}");
        assert!(r.text().await.unwrap().contains("复审只适用于现行标准"));
    }
    assert_eq!(state_of(&app, upcoming), "published");
    let (_, page) = editor.get_html(&format!("/standards/{in_force}")).await;
    assert_eq!(offered_actions(&page), ["confirm_review", "start_revision", "withdraw"]);
}

#[tokio::test]
async fn action_buttons_follow_state_role_and_organization() {
    let app = spawn_app().await;
    let ids = |t: &str| std_id(&app, t);
    let (proposal, drafting, comment, review, in_force, upcoming) = (
        ids("直播间虚拟礼物消费提示规范"),
        ids("直播带货商品质量抽检规程"),
        ids("品质电商直播间管理规范"),
        ids("直播电商售后服务规范"),
        ids("网络直播营销主播服务规范"),
        ids("网络直播营销活动价格标示指引"),
    );
    let all = [proposal, drafting, comment, review, in_force, upcoming];
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    let filer = app.other_client();
    filer.login("filer@example.org").await;
    let other = other_association_editor(&app).await;
    let expect_editor: [(i64, &[&str]); 6] = [
        (proposal, &[]),
        (drafting, &["open_comment"]),
        (comment, &["close_comment", "submit_for_review", "return_to_drafting"]),
        (review, &["close_review"]),
        (in_force, &["confirm_review", "start_revision", "withdraw"]),
        (upcoming, &[]),
    ];
    for (sid, want) in expect_editor {
        assert_eq!(offered_on(&editor, sid).await, want, "editor on {sid}");
    }
    let expect_reviewer: [(i64, &[&str]); 6] = [
        (proposal, &["approve", "reject"]),
        (drafting, &[]),
        (comment, &[]),
        (review, &[]),
        (in_force, &[]),
        (upcoming, &[]),
    ];
    for (sid, want) in expect_reviewer {
        assert_eq!(offered_on(&reviewer, sid).await, want, "reviewer on {sid}");
    }
    for sid in all {
        let a = offered_on(&filer, sid).await;
        assert!(a.is_empty(), "filer on {sid}: {a:?}");
        let a = offered_on(&other, sid).await;
        assert!(a.is_empty(), "another association's editor on {sid}: {a:?}");
        let a = offered_on(&app, sid).await;
        assert!(a.is_empty(), "the public on {sid}: {a:?}");
    }
}
