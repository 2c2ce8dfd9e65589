//! The disposition table (意见汇总处理表): current dispositions in the row
//! forms, stale forms, bulk disposition, the pending filter, errors at the top.

use reqwest::StatusCode;

use super::*;
use crate::helpers::*;

async fn editor(app: &TestApp) -> TestApp {
    let e = app.other_client();
    e.login("editor@example.org").await;
    e
}

/// Post the bulk form with these ticks ("seq:version") and fields.
async fn bulk(app: &TestApp, sid: i64, ticks: &[String], fields: &[(&str, &str)]) -> reqwest::Response {
    let (_, html) = app.get_html(&format!("/standards/{sid}/comments")).await;
    let token = csrf_in(&html);
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    for t in ticks {
        form.push(("c", t.as_str()));
    }
    form.push(("csrf_token", &token));
    app.client.post(app.url(&format!("/standards/{sid}/comments/disposition"))).form(&form).send().await.unwrap()
}

fn tick(html: &str, seq: i32) -> String {
    format!("{seq}:{}", row_version(html, seq))
}

#[tokio::test]
async fn each_row_form_shows_the_current_disposition_and_reason() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let editor = editor(&app).await;
    let (_, html) = editor.get_html(&format!("/standards/{sid}/comments")).await;
    // Comment 1 is partly accepted with a reason: its form says so, it does not default to 采纳.
    let row = row_of(&html, 1);
    assert!(row.contains("<option value=\"partly_accepted\" selected>部分采纳</option>"), "{row}");
    assert!(!row.contains("<option value=\"accepted\" selected>"), "{row}");
    assert!(row.contains("调整为每年复核，重点主播每半年复核。</textarea>"), "the reason is in the form: {row}");
    // A pending comment offers no outcome until one is chosen.
    let row = row_of(&html, 6);
    assert!(row.contains("<option value=\"\" selected>请选择</option>"), "{row}");
    // Saving a row as shown keeps what it was (a stray click changes nothing).
    let r = dispose(&editor, sid, 1, "partly_accepted", "调整为每年复核，重点主播每半年复核。").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (d, reason, _) = comment_state(&app, sid, 1);
    assert_eq!((d.as_deref(), reason.as_str()), (Some("partly_accepted"), "调整为每年复核，重点主播每半年复核。"));
    // Submitting a pending row without choosing is refused.
    let r = dispose(&editor, sid, 6, "", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("请选择处理意见"));
    assert_eq!(comment_state(&app, sid, 6).0, None);
}

#[tokio::test]
async fn noted_reads_as_an_outcome_in_both_languages() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let (_, html) = app.get_html(&format!("/standards/{sid}/comments")).await;
    assert!(html.contains("已知悉（不涉及修改）") && !html.contains(">备注<"), "noted is an outcome");
    let csv = app.get(&format!("/standards/{sid}/comments.csv")).await.text().await.unwrap();
    assert!(csv.contains("已知悉（不涉及修改）"));
    let r = app
        .client
        .get(app.url(&format!("/standards/{sid}/comments")))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Noted, no change needed"));
}

#[tokio::test]
async fn a_stale_row_form_answers_409_and_changes_nothing() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let a = editor(&app).await;
    let b = editor(&app).await;
    let page = format!("/standards/{sid}/comments");
    let (_, seen_by_b) = b.get_html(&page).await;
    let b_version = row_version(&seen_by_b, 6);
    assert_eq!(dispose(&a, sid, 6, "accepted", "").await.status(), StatusCode::SEE_OTHER);
    // B saves the form it loaded before A's disposition.
    let form = [
        ("disposition", "not_accepted"),
        ("reason", "乙的理由"),
        ("version", b_version.as_str()),
        ("csrf_token", &csrf_in(&seen_by_b)),
    ];
    let r = b.client.post(b.url(&format!("/standards/{sid}/comments/6/disposition"))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains("已被他人处理") && html.contains("序号：6"), "says which comment changed");
    // The page shows the comment as it now stands.
    assert!(row_of(&html, 6).contains("<option value=\"accepted\" selected>"));
    let (d, reason, version) = comment_state(&app, sid, 6);
    assert_eq!((d.as_deref(), reason.as_str(), version), (Some("accepted"), "", 1), "A's disposition stands");
    // Without the version it showed, a form is stale too.
    let r =
        b.post_from(&page, &format!("/standards/{sid}/comments/7/disposition"), &[("disposition", "accepted")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(comment_state(&app, sid, 7).0, None);
}

#[tokio::test]
async fn two_editors_disposing_one_comment_at_once_one_wins() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let a = editor(&app).await;
    let b = editor(&app).await;
    let page = format!("/standards/{sid}/comments");
    let (_, pa) = a.get_html(&page).await;
    let (_, pb) = b.get_html(&page).await;
    let path = app.url(&format!("/standards/{sid}/comments/7/disposition"));
    let (va, vb) = (row_version(&pa, 7), row_version(&pb, 7));
    let (ta, tb) = (csrf_in(&pa), csrf_in(&pb));
    let fa = [("disposition", "accepted"), ("reason", "甲"), ("version", va.as_str()), ("csrf_token", ta.as_str())];
    let fb = [("disposition", "noted"), ("reason", "乙"), ("version", vb.as_str()), ("csrf_token", tb.as_str())];
    let (ra, rb) = tokio::join!(a.client.post(&path).form(&fa).send(), b.client.post(&path).form(&fb).send());
    let mut statuses = vec![ra.unwrap().status(), rb.unwrap().status()];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    let (_, _, version) = comment_state(&app, sid, 7);
    assert_eq!(version, 1, "exactly one disposition recorded");
}

#[tokio::test]
async fn bulk_disposition_applies_to_every_ticked_comment_or_to_none() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let editor = editor(&app).await;
    let audit_before = app.count("audit_log");
    let (_, html) = editor.get_html(&format!("/standards/{sid}/comments")).await;
    assert!(html.contains("form=\"bulk\"") && html.contains("id=\"bulk\""), "rows can be ticked for the bulk form");
    let ticks = vec![tick(&html, 6), tick(&html, 8), tick(&html, 9)];
    let r = bulk(&editor, sid, &ticks, &[("disposition", "noted"), ("reason", "将在编制说明中统一说明。")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for seq in [6, 8, 9] {
        let (d, reason, version) = comment_state(&app, sid, seq);
        assert_eq!((d.as_deref(), reason.as_str(), version), (Some("noted"), "将在编制说明中统一说明。", 1));
    }
    assert_eq!(comment_state(&app, sid, 7).0, None, "an unticked comment is untouched");
    assert_eq!(app.count("audit_log"), audit_before + 3, "one audit row per comment");

    // One stale tick: nothing changes, not even the fresh ones.
    let (_, now) = editor.get_html(&format!("/standards/{sid}/comments")).await;
    let ticks = vec![tick(&now, 7), "6:0".to_owned(), tick(&now, 10)];
    let r = bulk(&editor, sid, &ticks, &[("disposition", "accepted"), ("reason", "")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("序号：6"));
    assert_eq!(comment_state(&app, sid, 7).0, None);
    assert_eq!(comment_state(&app, sid, 10).0, None);
    assert_eq!(comment_state(&app, sid, 6).0.as_deref(), Some("noted"));

    // Not accepted needs a reason; the ticks and choices come back.
    let ticks = vec![tick(&now, 7), tick(&now, 10)];
    let r = bulk(&editor, sid, &ticks, &[("disposition", "not_accepted"), ("reason", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("“不采纳”须说明理由"));
    assert!(row_of(&html, 7).contains(" checked>") && row_of(&html, 10).contains(" checked>"), "ticks kept");
    assert!(!row_of(&html, 11).contains(" checked>"));
    assert!(html.contains("<option value=\"not_accepted\" selected>不采纳</option>"), "choice kept");
    // Nothing ticked.
    let r = bulk(&editor, sid, &[], &[("disposition", "accepted"), ("reason", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("请在表中至少勾选一条意见"));
    assert_eq!(comment_state(&app, sid, 7).0, None);

    // Only the lead association's editors dispose; the public and filers cannot.
    let filer = app.other_client();
    filer.login("filer@example.org").await;
    let r = filer
        .post_from(
            &format!("/standards/{sid}/comments"),
            &format!("/standards/{sid}/comments/disposition"),
            &[("c", "7:0"), ("disposition", "accepted")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let other = other_association_editor(&app).await;
    let r = other
        .post_from(
            &format!("/standards/{sid}/comments"),
            &format!("/standards/{sid}/comments/disposition"),
            &[("c", "7:0"), ("disposition", "accepted")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(comment_state(&app, sid, 7).0, None);
}

#[tokio::test]
async fn the_pending_filter_lists_only_comments_without_a_disposition() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let (status, html) = app.get_html(&format!("/standards/{sid}/comments?pending=1")).await;
    assert_eq!(status, StatusCode::OK);
    for seq in 1..=5 {
        assert!(!html.contains(&format!("<tr id=\"c{seq}\"")), "comment {seq} is disposed");
    }
    for seq in 6..=12 {
        assert!(html.contains(&format!("<tr id=\"c{seq}\"")), "comment {seq} is pending");
    }
    assert!(html.contains("显示全部意见"));
    // The editor disposes from the filtered list and comes back to it.
    let editor = editor(&app).await;
    let (_, page) = editor.get_html(&format!("/standards/{sid}/comments?pending=1")).await;
    assert!(row_of(&page, 6).contains("name=\"pending\" value=\"1\""));
    let form = [
        ("disposition", "accepted"),
        ("reason", ""),
        ("version", &row_version(&page, 6)),
        ("pending", "1"),
        ("csrf_token", &csrf_in(&page)),
    ];
    let r = editor
        .client
        .post(editor.url(&format!("/standards/{sid}/comments/6/disposition")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with(&format!("/standards/{sid}/comments?pending=1")));
    let (_, html) = app.get_html(&format!("/standards/{sid}/comments?pending=1")).await;
    assert!(!html.contains("<tr id=\"c6\""));
}

#[tokio::test]
async fn errors_are_listed_at_the_top_with_the_input_kept() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let editor = editor(&app).await;
    let r = dispose(&editor, sid, 11, "not_accepted", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let summary = html.find("error-summary").expect("an error summary");
    let table = html.find("<table").unwrap();
    assert!(summary < table, "the summary is above the table");
    assert!(summary < html.find("id=\"bulk\"").unwrap(), "and above the bulk form");
    assert!(html.contains("href=\"#f-reason-11\""), "the summary links to the row's field");
    assert!(html.contains("序号 11 的理由"), "and names it");
    let row = row_of(&html, 11);
    assert!(row.contains("id=\"f-reason-11\""));
    assert!(row.contains("<option value=\"not_accepted\" selected>"), "choice kept: {row}");
    assert!(row.contains("“不采纳”须说明理由"), "message beside the field");
    assert_eq!(comment_state(&app, sid, 11).0, None);
}
