use reqwest::StatusCode;

use crate::helpers::*;

fn assert_security_headers(r: &reqwest::Response) {
    let h = r.headers();
    let csp = h.get("content-security-policy").expect("CSP").to_str().unwrap();
    for part in
        ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"]
    {
        assert!(csp.contains(part), "{csp} lacks {part}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert!(h.contains_key("referrer-policy"));
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/login", "/nope", "/healthz", "/admin/users"] {
        let r = app.get(path).await;
        assert_security_headers(&r);
    }
    let r = app.post_raw("/login", &[("email", "x")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_security_headers(&r);
}

#[tokio::test]
async fn missing_or_wrong_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    // Login form without a token.
    let r = app.post_raw("/login", &[("email", "admin@example.org"), ("password", DEMO_PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = r.text().await.unwrap();
    assert!(html.contains("表单已过期或来源无效"), "readable page");
    assert_eq!(app.count("sessions"), 0);

    app.login("admin@example.org").await;
    let orgs = app.count("organizations");
    let form =
        [("kind", "platform"), ("name_zh", "伪造"), ("name_en", "Forged"), ("credit_code", "91310000MA1FL1MMXL")];
    let r = app.post_raw("/admin/orgs", &form).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mut with_wrong = form.to_vec();
    with_wrong.push(("csrf_token", "0000000000000000000000000000000000000000000000000000000000000000"));
    let r = app.post_raw("/admin/orgs", &with_wrong).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An anonymous visitor's token is no good for a session either.
    let anon = app.other_client();
    let (_, login_page) = anon.get_html("/login").await;
    let mut with_anon = form.to_vec();
    let t = csrf_in(&login_page);
    with_anon.push(("csrf_token", &t));
    assert_eq!(app.post_raw("/admin/orgs", &with_anon).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("organizations"), orgs);

    // Logout is a POST with a token too.
    let r = app.post_raw("/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("sessions"), 1);
    // And a GET to /logout does nothing.
    assert_eq!(app.get("/logout").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("sessions"), 1);
}

#[tokio::test]
async fn cross_site_posts_are_refused_even_with_a_token() {
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let (_, html) = app.get_html("/admin/orgs/new").await;
    let token = csrf_in(&html);
    let form = [
        ("kind", "platform"),
        ("name_zh", "跨站"),
        ("name_en", "Cross site"),
        ("credit_code", "91310000MA1FL1MMXL"),
        ("csrf_token", token.as_str()),
    ];
    let r = app
        .client
        .post(app.url("/admin/orgs"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .client
        .post(app.url("/admin/orgs"))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("organizations"), 30);
    // Same origin passes.
    let r = app
        .client
        .post(app.url("/admin/orgs"))
        .header("origin", app.addr.clone())
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("organizations"), 31);
}

#[tokio::test]
async fn error_pages_in_both_languages_with_request_id() {
    let app = spawn_app().await;
    let (status, html) = app.get_html("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("找不到您要访问的页面") && html.contains("请求编号"));
    assert!(html.contains("<html lang=\"zh-CN\">"));
    let r = app.client.get(app.url("/no/such/page")).header("accept-language", "en-GB,en;q=0.9").send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("The page you asked for does not exist") && html.contains("Request id"));
    assert!(html.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn oversized_bodies_get_413_and_bad_encoding_400() {
    let app = spawn_app().await;
    let (_, html) = app.get_html("/login").await;
    let token = csrf_in(&html);
    let big = "x".repeat(70 * 1024);
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[("csrf_token", token.as_str()), ("email", big.as_str()), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().await.unwrap().contains("提交的内容超过了允许的大小"));

    // Invalid UTF-8 in a form.
    let body = format!("csrf_token={token}&email=%FF%FE&password=x");
    let r = app
        .client
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    assert!(r.text().await.unwrap().contains("<html"));

    // Wrong content type.
    let r = app
        .client
        .post(app.url("/login"))
        .header("x-csrf-token", token.clone())
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());

    // Absurd field lengths below the body limit are a form error, not a crash.
    let long = "a".repeat(5000);
    let r = app.post_from("/login", "/login", &[("email", &long), ("password", "x")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn language_follows_switch_then_accept_language() {
    let app = spawn_app().await;
    let (_, html) = app.get_html("/login").await;
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("登录"));
    let r = app.client.get(app.url("/login")).header("accept-language", "en-US,en;q=0.8").send().await.unwrap();
    assert!(r.text().await.unwrap().contains("<html lang=\"en\">"));

    // The switch remembers the choice and returns to the same page.
    let r = app.get("/lang/en?next=/login%3Fnext%3D/admin/users").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?next=/admin/users");
    let (_, html) = app.get_html("/login?next=/admin/users").await;
    assert!(html.contains("<html lang=\"en\">") && html.contains("Sign in"));
    assert!(html.contains("/lang/zh-CN?next=/login%3Fnext%3D/admin/users"), "switch back link keeps the page");
    // The cookie wins over Accept-Language.
    let r = app.client.get(app.url("/")).header("accept-language", "zh-CN").send().await.unwrap();
    assert!(r.text().await.unwrap().contains("<html lang=\"en\">"));
    assert_eq!(app.get("/lang/fr").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn healthz_and_static_files() {
    let app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ok");
    let (_, html) = app.get_html("/").await;
    let i = html.find("/static/").unwrap();
    let href = &html[i..i + html[i..].find('"').unwrap()];
    let r = app.get(href).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("cache-control").unwrap().to_str().unwrap().contains("immutable"));
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/css"));
}

#[tokio::test]
async fn anonymous_pages_write_nothing_to_the_database() {
    let app = spawn_app().await;
    let before = app.count("sessions") + app.count("audit_log") + app.count("throttle_events");
    for _ in 0..3 {
        app.get("/").await;
        app.get("/login").await;
    }
    assert_eq!(app.count("sessions") + app.count("audit_log") + app.count("throttle_events"), before);
}

#[tokio::test]
async fn restart_on_an_existing_database_keeps_data_and_loads_no_duplicates() {
    let (target, cleanup) = fresh_database();
    let first = spawn_with(options(target.clone()), None).await;
    let orgs = first.count("organizations");
    let users = first.count("users");
    assert_eq!(orgs, 30);
    let second = spawn_with(options(target), cleanup).await;
    assert_eq!(second.count("organizations"), orgs);
    assert_eq!(second.count("users"), users);
    second.login("admin@example.org").await;
}

#[tokio::test]
async fn the_audit_log_is_append_only() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let n = app.count("audit_log");
    assert!(n > 0);
    let mut conn = app.conn();
    assert!(conn.batch_execute("UPDATE audit_log SET action = 'tampered'").is_err(), "no updates");
    assert!(conn.batch_execute("DELETE FROM audit_log").is_err(), "no deletes");
    drop(conn);
    assert_eq!(app.count("audit_log"), n);
}
