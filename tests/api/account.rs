//! `/account`: users change their own password; other sessions end, this one goes on.

use reqwest::StatusCode;

use crate::helpers::*;

const NEW: &str = "晨光-核验-台账-2026";

#[tokio::test]
async fn a_user_changes_their_own_password_and_their_other_sessions_end() {
    let app = spawn_app().await;
    let here = app.other_client();
    here.login("filer@example.org").await;
    let elsewhere = app.other_client();
    elsewhere.login("filer@example.org").await;

    let (status, html) = here.get_html("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("filer@example.org") && html.contains("修改密码"));
    assert!(html.contains("href=\"/account\""), "the header links the account page");

    // A wrong current password, a weak new one: 422, both said, nothing changed.
    let r = here
        .post_from("/account", "/account/password", &[("current", "wrong-password"), ("password_new", "123")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("当前密码不正确") && body.contains("error-summary"), "{body}");
    assert!(body.contains("新密码：密码至少需要 10 个字符"), "the summary names the field as the page does");
    let r =
        here.post_from("/account", "/account/password", &[("current", DEMO_PASSWORD), ("password_new", "123")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("密码至少需要 10 个字符"));
    let r = here
        .post_from("/account", "/account/password", &[("current", DEMO_PASSWORD), ("password_new", DEMO_PASSWORD)])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "the same password again is refused");
    assert_eq!(elsewhere.get("/todo").await.status(), StatusCode::OK, "nothing changed yet");

    let r = here.post_from("/account", "/account/password", &[("current", DEMO_PASSWORD), ("password_new", NEW)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account");
    assert_eq!(here.get("/todo").await.status(), StatusCode::OK, "this session goes on");
    assert_ne!(elsewhere.get("/todo").await.status(), StatusCode::OK, "the other session ended");
    assert_eq!(app.count("audit_log WHERE action = 'change_password'"), 1);

    let fresh = app.other_client();
    let r = fresh.login_as("filer@example.org", DEMO_PASSWORD).await;
    assert_ne!(location(&r), "/todo", "the old password no longer signs in");
    let fresh = app.other_client();
    let r = fresh.login_as("filer@example.org", NEW).await;
    assert_eq!(location(&r), "/todo", "the new one does");
}

#[tokio::test]
async fn the_account_page_is_for_signed_in_users() {
    let app = spawn_app().await;
    assert_ne!(app.get("/account").await.status(), StatusCode::OK);
    let r = app.post_from("/login", "/account/password", &[("current", DEMO_PASSWORD), ("password_new", NEW)]).await;
    assert!(location(&r).starts_with("/login"), "signed out: to the login page, {}", location(&r));
    assert_eq!(app.count("audit_log WHERE action = 'change_password'"), 0, "nothing changed");
}
