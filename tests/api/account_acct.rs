//! `/account`, second half: name and language, e-mail (current password
//! required), and the user's sessions (listed, one ended, every other ended).

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::StatusCode;

use crate::helpers::*;

const CHROME_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

/// A client of `app` with its own browser and address.
fn browser(app: &TestApp, ua: &str, address: &str) -> TestApp {
    let mut c = app.other_client();
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_str(address).unwrap());
    headers.insert("user-agent", HeaderValue::from_str(ua).unwrap());
    c.client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap();
    c
}

fn audits(app: &TestApp, action: &str) -> i64 {
    app.count(&format!("audit_log WHERE action = '{action}'"))
}

#[tokio::test]
async fn a_user_changes_their_name_and_language() {
    let app = spawn_app().await;
    let me = app.signed_in_as("filer@example.org").await;
    let (status, html) = me.get_html("/account").await;
    assert_eq!(status, StatusCode::OK);
    let version = field_value(&html, "version").unwrap();
    assert!(html.contains("id=\"f-display_name\"") && html.contains("id=\"f-lang\""));

    // Bad input: 422, the summary, every typed value kept, nothing changed.
    let r =
        me.post_from("/account", "/account", &[("display_name", "  "), ("lang", "en"), ("version", &version)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("error-summary") && body.contains("href=\"#f-display_name\""), "{body}");
    assert!(body.contains("<option value=\"en\" lang=\"en\" selected>"), "the chosen language is kept");
    let long = "名".repeat(101);
    let r =
        me.post_from("/account", "/account", &[("display_name", &long), ("lang", "fr"), ("version", &version)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains(&long) && body.contains("请选择语言。"), "the name is kept, the language refused");
    assert_eq!(audits(&app, "update_account"), 0);

    let r = me
        .post_from("/account", "/account", &[("display_name", "王小明"), ("lang", "en"), ("version", &version)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account");
    let (_, html) = me.get_html("/account").await;
    assert!(html.contains("<html lang=\"en\">"), "the pages follow the chosen language");
    assert!(html.contains("Saved."), "flash");
    assert!(html.contains(">王小明</a>"), "the header shows the new name");
    assert_eq!(app.count("users WHERE email = 'filer@example.org' AND lang = 'en' AND display_name = '王小明'"), 1);
    assert_eq!(audits(&app, "update_account"), 1);

    // The form as shown before that save is stale: 409, nothing changed.
    let r = me
        .post_from("/account", "/account", &[("display_name", "旧表单"), ("lang", "zh-CN"), ("version", &version)])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("旧表单"), "the typed name is kept");
    assert_eq!(app.count("users WHERE display_name = '旧表单'"), 0);
}

#[tokio::test]
async fn a_user_changes_their_e_mail_with_their_password() {
    let app = spawn_app().await;
    let me = app.signed_in_as("filer@example.org").await;
    let (_, html) = me.get_html("/account").await;
    let version = field_value(&html, "version").unwrap();
    let post = |email: &'static str, password: &'static str| {
        let me = &me;
        let version = version.clone();
        async move {
            me.post_from(
                "/account",
                "/account/email",
                &[("email", email), ("email_current", password), ("version", &version)],
            )
            .await
        }
    };

    let r = post("new.filer@example.org", "wrong-password").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("当前密码不正确") && body.contains("href=\"#f-email_current\""), "{body}");
    assert!(body.contains("value=\"new.filer@example.org\""), "the typed e-mail is kept");

    let r = post("editor@example.org", DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "taken");
    let body = r.text().await.unwrap();
    assert!(body.contains("该电子邮箱已被注册") && body.contains("value=\"editor@example.org\""), "{body}");
    assert!(body.contains("error-summary"));

    let r = post("not-an-address", DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("value=\"not-an-address\""));
    assert_eq!(audits(&app, "change_email"), 0);

    let r = post("New.Filer@Example.org", DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account");
    assert_eq!(audits(&app, "change_email"), 1);
    let (_, html) = me.get_html("/account").await;
    assert!(html.contains("new.filer@example.org"));

    let fresh = app.other_client();
    assert_ne!(location(&fresh.login_as("filer@example.org", DEMO_PASSWORD).await), "/todo", "the old one is gone");
    let fresh = app.other_client();
    assert_eq!(location(&fresh.login_as("new.filer@example.org", DEMO_PASSWORD).await), "/todo");
}

#[tokio::test]
async fn a_second_clients_session_is_listed_and_ends() {
    let app = spawn_app().await;
    let here = browser(&app, SAFARI_IPHONE, "10.200.0.1");
    here.login("filer@example.org").await;
    let there = browser(&app, CHROME_WINDOWS, "10.200.0.2");
    there.login("filer@example.org").await;
    let third = browser(&app, "", "10.200.0.3");
    third.login("filer@example.org").await;
    let stranger = browser(&app, CHROME_WINDOWS, "10.200.0.4");
    stranger.login("filer2@example.org").await;

    let (_, html) = here.get_html("/account").await;
    let list = &html[html.find("id=\"sessions\"").unwrap()..];
    assert!(list.contains("Safari · iOS") && list.contains("本设备"), "this device, in words");
    assert!(list.contains("Chrome · Windows") && list.contains("10.200.0.2"), "the other browser and its address");
    assert!(list.contains("未知设备") && list.contains("10.200.0.3"));
    assert!(list.contains("（北京时间）") || list.contains("北京时间"), "last seen, Beijing time");
    assert!(!list.contains("10.200.0.4"), "nobody else's sessions");
    assert_eq!(list.matches("/end\"").count(), 2, "every other session can be ended, not this one");

    // End the Windows session: that browser is signed out, the others go on.
    let start = list.find("Chrome · Windows").unwrap();
    let action = &list[start..];
    let action = &action[action.find("action=\"").unwrap() + 8..];
    let action = action[..action.find('"').unwrap()].to_owned();
    let r = here.post_from("/account", &action, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_ne!(there.get("/todo").await.status(), StatusCode::OK, "the Windows session ended");
    assert_eq!(third.get("/todo").await.status(), StatusCode::OK);
    assert_eq!(here.get("/todo").await.status(), StatusCode::OK);
    assert_eq!(audits(&app, "end_session"), 1);
    let r = here.post_from("/account", &action, &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "already ended");

    // Another user's session cannot be named from this account.
    let (_, theirs) = stranger.get_html("/account").await;
    assert!(!theirs.contains("/end\""), "their only session is their own");
    let (_, html) = third.get_html("/account").await;
    let handle_of_here = {
        let list = &html[html.find("id=\"sessions\"").unwrap()..];
        let a = &list[list.find("action=\"/account/sessions/").unwrap() + 8..];
        a[..a.find('"').unwrap()].to_owned()
    };
    let r = stranger.post_from("/account", &handle_of_here, &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(here.get("/todo").await.status(), StatusCode::OK);

    // Without the form's token nothing ends.
    let r = here.post_raw("/account/sessions/others", &[]).await;
    assert_ne!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(third.get("/todo").await.status(), StatusCode::OK);

    // Sign out everywhere else.
    let r = here.post_from("/account", "/account/sessions/others", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = here.get_html("/account").await;
    assert!(html.contains("您在其他设备上的登录会话已全部结束"));
    assert_eq!(html[html.find("id=\"sessions\"").unwrap()..].matches("<li").count(), 1);
    assert_ne!(third.get("/todo").await.status(), StatusCode::OK);
    assert_eq!(here.get("/todo").await.status(), StatusCode::OK, "this one goes on");
    assert_eq!(stranger.get("/todo").await.status(), StatusCode::OK, "nobody else's");
    assert_eq!(audits(&app, "end_other_sessions"), 1);
}
