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

// ------------------------------------------------------------------ hardening (issue 10)

/// A client at a known address (the app trusts X-Forwarded-For in tests).
fn client_at(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", reqwest::header::HeaderValue::from_str(address).unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

fn sql(app: &TestApp, q: &str) {
    use diesel::RunQueryDsl;
    diesel::sql_query(q).execute(&mut *app.conn()).unwrap();
}

fn sql_text(app: &TestApp, q: &str) -> Option<String> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct V {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        v: Option<String>,
    }
    diesel::sql_query(q).get_results::<V>(&mut *app.conn()).unwrap().into_iter().next().and_then(|r| r.v)
}

#[tokio::test]
async fn control_characters_in_parameters_are_refused_at_the_edge_in_the_users_language() {
    let app = spawn_app().await;
    for path in ["/standards?q=%00", "/orgs?q=a%00b", "/pledges?kind=%1B", "/dashboard?pledge=1%00"] {
        let (status, html) = app.get_html(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(html.contains("不允许的控制字符"), "{path}: {html}");
    }
    let r = app.client.get(app.url("/standards?q=%00")).header("accept-language", "en").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("control characters that are not allowed"));
    // Tabs and line breaks are fine.
    assert_eq!(app.get("/standards?q=a%09b%0A").await.status(), StatusCode::OK);

    // In forms: the login e-mail, and an admin's organization name; nothing is stored.
    let r = app.post_from("/login", "/login", &[("email", "admin\0@example.org"), ("password", DEMO_PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("sessions"), 0);
    app.login("admin@example.org").await;
    let orgs = app.count("organizations");
    let r = app
        .post_from(
            "/admin/orgs/new",
            "/admin/orgs",
            &[("kind", "platform"), ("name_zh", "空\0字符"), ("name_en", "Nul"), ("credit_code", "91310000MA1FL1MMXL")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("不允许的控制字符"));
    assert_eq!(app.count("organizations"), orgs);
}

#[tokio::test]
async fn with_secure_cookies_hsts_is_sent_and_the_flash_cookie_is_secure_and_lax() {
    let (target, cleanup) = fresh_database();
    let mut opts = options(target);
    opts.secure_cookies = true;
    let app = spawn_with(opts, cleanup).await;
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = plain.get(app.url("/login")).header("x-forwarded-for", "10.210.0.1").send().await.unwrap();
    assert!(r.headers()["strict-transport-security"].to_str().unwrap().contains("max-age=31536000"));
    let anon = set_cookies(&r).into_iter().find(|c| c.starts_with("selfreg_csrf=")).unwrap();
    let anon = anon[..anon.find(';').unwrap()].to_owned();
    let token = csrf_in(&r.text().await.unwrap());
    let r = plain
        .post(app.url("/login"))
        .header("x-forwarded-for", "10.210.0.1")
        .header("cookie", &anon)
        .form(&[("email", "filer@example.org"), ("password", DEMO_PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookies = set_cookies(&r);
    let flash = cookies.iter().find(|c| c.starts_with("selfreg_flash=")).expect("flash cookie");
    for attr in ["Secure", "SameSite=Lax", "HttpOnly", "Path=/"] {
        assert!(flash.contains(attr), "{flash} lacks {attr}");
    }
    assert!(cookies.iter().all(|c| c.contains("Secure")), "{cookies:?}");

    // Without --secure-cookies (plain http), no HSTS.
    let app = spawn_app().await;
    assert!(!app.get("/").await.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn a_token_in_a_header_or_the_query_does_not_lift_the_body_limit() {
    let app = spawn_app().await;
    let (_, html) = app.get_html("/login").await;
    let token = csrf_in(&html);
    let big = "x".repeat(70 * 1024);
    let r = app
        .client
        .post(app.url("/login"))
        .header("x-csrf-token", token.clone())
        .form(&[("email", big.as_str()), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE, "token in a header");
    let r = app
        .client
        .post(app.url(&format!("/login?csrf_token={token}")))
        .form(&[("email", big.as_str()), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE, "token in the query");
    // Not a form at all: the same limit.
    let r = app
        .client
        .post(app.url("/login"))
        .header("x-csrf-token", token.clone())
        .header("content-type", "text/plain")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE, "any body");
}

#[tokio::test]
async fn a_body_that_trickles_in_gets_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (target, cleanup) = fresh_database();
    let mut opts = options(target);
    opts.body_timeout_seconds = 1;
    let app = spawn_with(opts, cleanup).await;
    let addr = app.addr.trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 1000\r\nX-Forwarded-For: 10.211.0.1\r\n\r\nemail=a"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    // A byte now and then, never the whole body.
    for _ in 0..4 {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        if s.write_all(b"a").await.is_err() {
            break;
        }
    }
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), s.read(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn user_content_holding_the_old_token_placeholder_never_receives_a_visitors_token() {
    let app = spawn_app().await;
    let id = sql_text(&app, "SELECT CAST(id AS TEXT) AS v FROM standards WHERE state = 'public_comment' LIMIT 1")
        .expect("a standard open for comment");
    sql(&app, &format!("UPDATE standards SET title_zh = '标题 CSRFSLOTf4c1a9e07b3d 结束' WHERE id = {id}"));
    app.data_changed();
    let path = format!("/standards/{id}");
    let first = app.other_client();
    let (_, first_page) = first.get_html(&path).await;
    let first_token = csrf_in(&first_page);
    for _ in 0..2 {
        let visitor = app.other_client();
        let (status, page) = visitor.get_html(&path).await;
        assert_eq!(status, StatusCode::OK);
        let token = csrf_in(&page);
        assert!(page.contains("标题 CSRFSLOTf4c1a9e07b3d 结束"), "the text as written");
        let fields = page.matches("name=\"csrf_token\"").count();
        assert!(fields >= 1);
        assert_eq!(page.matches(&token).count(), fields, "the token only in the form fields");
        assert!(!page.contains(&first_token), "never another visitor's token");
    }
}

#[tokio::test]
async fn feed_links_come_from_the_public_url_never_from_forwarded_headers() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/feeds/standards.atom"))
        .header("x-forwarded-host", "evil.example")
        .header("host", "evil2.example")
        .send()
        .await
        .unwrap();
    let feed = r.text().await.unwrap();
    assert!(!feed.contains("evil"), "{feed}");
    assert!(feed.contains(&format!("{}/standards", app.addr)), "default: the bound address");

    let (target, cleanup) = fresh_database();
    let mut opts = options(target);
    opts.public_url = Some("https://registry.example.gov".into());
    let app = spawn_with(opts, cleanup).await;
    let r = app.client.get(app.url("/feeds/standards.atom")).header("x-forwarded-host", "evil.example").send().await;
    let feed = r.unwrap().text().await.unwrap();
    assert!(feed.contains("https://registry.example.gov/standards") && !feed.contains("evil"), "{feed}");
}

#[tokio::test]
async fn guessable_passwords_are_refused_with_the_reason_and_audit_rows_carry_the_address() {
    let app = spawn_app().await;
    let mut admin = app.other_client();
    admin.client = client_at("10.212.0.7");
    admin.login("admin@example.org").await;
    let org =
        sql_text(&app, "SELECT CAST(id AS TEXT) AS v FROM organizations WHERE kind = 'platform' LIMIT 1").unwrap();
    // The admin types no password: the new user is invited and chooses one (below).
    let fields = [
        ("email", "filer9@example.org"),
        ("display_name", "Filer 9"),
        ("organization_id", org.as_str()),
        ("role", "filer"),
        ("active", "on"),
    ];
    let users = app.count("users");
    let r = admin.post_from("/admin/users/new", "/admin/users", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("users"), users + 1);
    let address =
        sql_text(&app, "SELECT source_address AS v FROM audit_log WHERE object_type = 'user' ORDER BY id DESC LIMIT 1");
    assert_eq!(address.as_deref(), Some("10.212.0.7"), "the admin's address on the audit row");

    // The invitee's choice passes the same rule.
    let link = crate::password::mailed_link(&app, "filer9@example.org", "invitation");
    let guest = app.other_client();
    for pw in ["password123", "qwertyuiop"] {
        let r = guest.post_from(&link, &link, &[("password", pw)]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("这是一个常见密码"));
    }
    assert_eq!(app.get(&link).await.status(), StatusCode::OK, "the link still works after refusals");

    // A reset through the admin form: the same rule, in English too.
    let id = sql_text(&app, "SELECT CAST(id AS TEXT) AS v FROM users WHERE email = 'filer9@example.org'").unwrap();
    let (_, page) = admin.get_html(&format!("/admin/users/{id}")).await;
    let token = csrf_in(&page);
    let r = admin
        .client
        .post(admin.url(&format!("/admin/users/{id}/password")))
        .header("accept-language", "en")
        .form(&[("password", "1234567890"), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("common password"));
}

#[test]
fn the_cli_refuses_a_guessable_password_and_says_why() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let (target, cleanup) = fresh_database();
    let url = match &target {
        selfreg::db::DbTarget::Sqlite(p) => p.clone(),
        selfreg::db::DbTarget::Postgres(u) => u.clone(),
    };
    let bin = env!("CARGO_BIN_EXE_selfreg");
    let out = Command::new(bin)
        .args(["--database-url", &url, "org", "add", "--kind", "regulator", "--name-zh", "某局", "--name-en", "Bureau"])
        .args(["--credit-code", "91310000MA1FL1MMXL"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let add = |pw: &str| {
        let mut child = Command::new(bin)
            .args(["--database-url", &url, "user", "add", "--email", "ops@example.gov", "--name", "运维"])
            .args(["--org", "91310000MA1FL1MMXL", "--role", "admin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(pw.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = add("password123\n");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("common password"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = add("ops.example.gov\n");
    assert!(!out.status.success(), "built from the e-mail address");
    let out = add("tidal granite orchard 9\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    drop(cleanup);
}

#[tokio::test]
async fn kept_pages_ignore_parameters_they_do_not_read_and_survive_a_flood_of_searches() {
    let app = spawn_app().await;
    let id =
        sql_text(&app, "SELECT CAST(id AS TEXT) AS v FROM standards WHERE state = 'public_comment' LIMIT 1").unwrap();
    let path = format!("/standards/{id}");
    // Kept pages are current for a minute: if the minute turns during a try, try again.
    for attempt in 0..3 {
        let minute = selfreg::db::now().and_utc().timestamp() / 60;
        sql(&app, &format!("UPDATE standards SET title_zh = '旧标题{attempt}' WHERE id = {id}"));
        app.data_changed();
        assert!(app.get_html(&path).await.1.contains(&format!("旧标题{attempt}")));
        // Changed behind the application's back (no new data stamp): only a new rendering would show it.
        sql(&app, &format!("UPDATE standards SET title_zh = '新标题{attempt}' WHERE id = {id}"));
        let (_, with_junk) = app.get_html(&format!("{path}?utm_source=x&page=3")).await;
        // A flood of distinct searches.
        let queries: Vec<String> = (0..2100).map(|i| format!("/standards?q=flood{i}")).collect();
        for chunk in queries.chunks(16) {
            let gets: Vec<_> = chunk
                .iter()
                .map(|q| {
                    let (client, url) = (app.client.clone(), app.url(q));
                    tokio::spawn(async move { client.get(url).send().await.unwrap().status() })
                })
                .collect();
            for g in gets {
                assert_eq!(g.await.unwrap(), StatusCode::OK);
            }
        }
        let (_, after) = app.get_html(&path).await;
        if selfreg::db::now().and_utc().timestamp() / 60 != minute {
            continue;
        }
        assert!(with_junk.contains(&format!("旧标题{attempt}")), "unread parameters make no new page");
        assert!(after.contains(&format!("旧标题{attempt}")), "the page was not pushed out by the searches");
        return;
    }
    panic!("the minute turned during every try");
}

#[tokio::test]
async fn a_server_on_a_reachable_address_refuses_to_start_while_demo_accounts_can_sign_in() {
    // Demo mode on an empty database: it would load them.
    let (target, cleanup) = fresh_database();
    let mut opts = options(target.clone());
    opts.bind = "0.0.0.0:0".parse().unwrap();
    let err = match selfreg::startup::Application::build(&opts).await {
        Ok(_) => panic!("must not start"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("--no-demo") && err.contains("disable") && !err.contains('\n'), "{err}");

    // A demo database, restarted with --no-demo on a reachable address: still refused.
    let demo = spawn_with(options(target.clone()), None).await;
    let hashes = demo.count("users");
    assert_eq!(
        sql_text(&demo, "SELECT CAST(COUNT(DISTINCT password_hash) AS TEXT) AS v FROM users").as_deref(),
        Some(hashes.to_string().as_str()),
        "each demo account has its own salt"
    );
    opts.no_demo = true;
    assert!(selfreg::startup::Application::build(&opts).await.is_err());
    // Once the demo accounts are disabled, it starts.
    sql(&demo, "UPDATE users SET active = false WHERE email LIKE '%@example.org'");
    let app = spawn_with(opts, cleanup).await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    // --no-demo on a fresh database starts too.
    let (target, cleanup) = fresh_database();
    let mut opts = options(target);
    opts.bind = "0.0.0.0:0".parse().unwrap();
    opts.no_demo = true;
    spawn_with(opts, cleanup).await;
}
