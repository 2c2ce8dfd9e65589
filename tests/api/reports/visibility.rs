//! Who sees which report: drafts only the filing organization (and admins);
//! submitted and returned reports also the reviewers and the issuing
//! association's editors; accepted reports everyone. Everything else 404.

use reqwest::StatusCode;
use selfreg::domain::Role;

use super::*;

#[tokio::test]
async fn drafts_are_the_filers_alone_submitted_reports_the_issuers_and_reviewers() {
    let app = spawn_app().await;
    let other_association = add_association(&app);
    add_user(&app, other_association, "editor2@example.org", Role::Editor);
    let filer = signed_in(&app, "filer@example.org").await;
    let filer2 = signed_in(&app, "filer2@example.org").await;
    let reviewer = signed_in(&app, "reviewer@example.org").await;
    let editor = signed_in(&app, "editor@example.org").await;
    let editor2 = signed_in(&app, "editor2@example.org").await;
    let admin = signed_in(&app, "admin@example.org").await;
    let public = app.other_client();
    let platform = org_id(&app, "示例平台01");
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    assert_eq!(post_report(&filer, rid, "save", complete).await.status(), StatusCode::SEE_OTHER);
    let e = entry_ids(&filer.get_html(&format!("/reports/{rid}/edit")).await.1)[0].clone();
    let r = post_upload(&filer, rid, "save", &[], vec![(&e, "证明.pdf", b"%PDF-1.4 private".to_vec())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let file = file_href(&filer.get_html(&format!("/reports/{rid}/edit")).await.1, "证明.pdf").unwrap();

    // A draft: the filing organization and admins only.
    let view = format!("/reports/{rid}");
    assert_eq!(filer.get(&view).await.status(), StatusCode::OK);
    assert_eq!(admin.get(&view).await.status(), StatusCode::OK);
    for (who, c) in [("reviewer", &reviewer), ("editor", &editor), ("editor2", &editor2), ("filer2", &filer2)] {
        for path in [
            view.clone(),
            format!("{view}/revisions"),
            format!("{view}/previous"),
            format!("{view}/edit"),
            file.clone(),
        ] {
            assert_eq!(c.get(&path).await.status(), StatusCode::NOT_FOUND, "{who} {path}");
        }
    }
    assert_eq!(public.get(&view).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(public.get(&file).await.status(), StatusCode::NOT_FOUND, "a draft's evidence");
    assert_eq!(filer.get(&file).await.status(), StatusCode::OK);
    // Nor can a reviewer decide on it: it does not exist for them.
    let token = csrf_in(&reviewer.get_html("/review").await.1);
    let r = reviewer
        .client
        .post(reviewer.url(&format!("{view}/decision")))
        .form(&[("csrf_token", token.as_str()), ("version", "2"), ("decision", "accept"), ("comment", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(report_state(&app, rid), "draft");
    // The organization's reporting history shows no state of the draft to staff.
    let history = format!("/orgs/{platform}/reports");
    let (_, h) = reviewer.get_html(&history).await;
    assert!(!h.contains(&format!("href=\"{view}\"")) && !h.contains("草稿"), "the draft leaks to a reviewer");
    let (_, h) = filer.get_html(&history).await;
    assert!(h.contains(&format!("href=\"{view}\"")) && h.contains("草稿"), "the filer sees its own draft");

    // Submitted: also reviewers and the editors of the issuing association.
    assert_eq!(post_report(&filer, rid, "submit", complete).await.status(), StatusCode::SEE_OTHER);
    for (who, c) in [("reviewer", &reviewer), ("editor", &editor), ("admin", &admin), ("filer", &filer)] {
        assert_eq!(c.get(&view).await.status(), StatusCode::OK, "{who}");
        assert_eq!(c.get(&file).await.status(), StatusCode::OK, "{who}: the evidence");
        assert_eq!(c.get(&format!("{view}/revisions")).await.status(), StatusCode::OK, "{who}");
    }
    for (who, c) in [("editor2", &editor2), ("filer2", &filer2), ("public", &public)] {
        for path in [view.clone(), format!("{view}/revisions"), format!("{view}/previous"), file.clone()] {
            assert_eq!(c.get(&path).await.status(), StatusCode::NOT_FOUND, "{who} {path}");
        }
        let (_, h) = c.get_html(&history).await;
        assert!(!h.contains(&format!("href=\"{view}\"")), "{who} gets a link to the submission");
        assert!(h.contains("<td>尚未审核通过</td>"), "{who} sees the report's state");
    }
    let (_, h) = editor.get_html(&history).await;
    assert!(h.contains(&format!("href=\"{view}\">已提交</a>")), "the issuing association sees it");

    // Accepted: everyone.
    assert_eq!(decide(&reviewer, rid, "accept", "", None).await.status(), StatusCode::SEE_OTHER);
    for (who, c) in [("editor2", &editor2), ("filer2", &filer2), ("public", &public)] {
        assert_eq!(c.get(&view).await.status(), StatusCode::OK, "{who}");
        assert_eq!(c.get(&format!("{view}/revisions")).await.status(), StatusCode::NOT_FOUND, "{who}: revisions");
    }
}
