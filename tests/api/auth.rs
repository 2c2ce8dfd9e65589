use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn login_success_shows_the_user_and_returns_to_next() {
    let app = spawn_app().await;
    let r = app.get("/admin/users").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?next=/admin/users");

    let r = app
        .post_from(
            "/login?next=/admin/users",
            "/login",
            &[("email", "Admin@Example.org"), ("password", DEMO_PASSWORD), ("next", "/admin/users")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin/users");
    let set_cookie =
        r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>();
    let session = set_cookie.iter().find(|c| c.starts_with("selfreg_session=")).expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/"),
        "{session}"
    );
    assert!(!session.contains("Secure"));

    let (status, html) = app.get_html("/admin/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("系统管理员"), "display name in header");
    assert!(html.contains("filer2@example.org"));
    assert!(html.contains("已登录"), "flash shown once");
    let (_, again) = app.get_html("/admin/users").await;
    assert!(!again.contains("已登录"), "flash gone on the next page");
}

#[tokio::test]
async fn wrong_password_rerenders_with_message_and_kept_email() {
    let app = spawn_app().await;
    let r = app.login_as("filer@example.org", "wrong password!").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("邮箱或密码不正确"));
    assert_eq!(field_value(&html, "email").as_deref(), Some("filer@example.org"));
    assert!(!html.contains("wrong password!"), "password never echoed");

    // Unknown e-mail: the same answer.
    let r = app.login_as("nobody@example.org", "wrong password!").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("邮箱或密码不正确"));

    // Empty fields: a message beside each, and both listed at the top, linked to the field.
    let r = app.post_from("/login", "/login", &[("email", ""), ("password", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert_eq!(html.matches("此项为必填项").count(), 4);
    let summary = &html[html.find("error-summary").expect("summary at the top")..];
    assert!(summary.find("href=\"#f-email\"").unwrap() < summary.find("id=\"f-email\"").unwrap());
    assert!(summary.contains("<a href=\"#f-password\">密码：此项为必填项。</a>"));
}

/// A client that shares another's network address (colleagues behind one office address).
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

fn at(app: &TestApp, client: reqwest::Client) -> TestApp {
    let mut c = app.other_client();
    c.client = client;
    c
}

#[tokio::test]
async fn failures_from_one_address_delay_only_that_address_not_the_owner_elsewhere() {
    let app = spawn_app().await;
    let attacker = app.other_client();
    for _ in 0..4 {
        let r = attacker.login_as("admin@example.org", "not the password").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // The fifth failure starts a delay for this account from this address…
    let r = attacker.login_as("admin@example.org", "not the password").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = attacker.login_as("admin@example.org", DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits there");
    let retry: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "one minute at first: {retry}");
    let html = r.text().await.unwrap();
    assert!(html.contains("登录失败次数过多，请于北京时间"), "{html}");
    // …and nowhere else: the admin signs in from another address, with the right password.
    let _admin = app.signed_in_as("admin@example.org").await;
    // In English too.
    let r = attacker.client.get(attacker.url("/login")).header("accept-language", "en").send().await.unwrap();
    let token = csrf_in(&r.text().await.unwrap());
    let r = attacker
        .client
        .post(attacker.url("/login"))
        .header("accept-language", "en")
        .form(&[("email", "admin@example.org"), ("password", DEMO_PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("Please try again after"));
}

#[tokio::test]
async fn delays_double_with_each_further_failure_and_end() {
    let app = spawn_app().await;
    let c = app.other_client();
    for _ in 0..5 {
        c.login_as("filer@example.org", "not the password").await;
    }
    // Wait out the first minute (moved in the database), fail once more: two minutes.
    shift_throttle_back(&app, 1);
    let r = c.login_as("filer@example.org", "not the password").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((61..=120).contains(&retry), "doubled: {retry}");
    // Counted in the database: once the window has passed, the right password works again.
    shift_throttle_back(&app, 16);
    assert_eq!(c.login_as("filer@example.org", DEMO_PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

/// Move every throttle event `minutes` into the past.
fn shift_throttle_back(app: &TestApp, minutes: i64) {
    use diesel::prelude::*;
    use selfreg::db::schema::throttle_events::dsl::*;
    let mut conn = app.conn();
    let rows: Vec<(i64, chrono::NaiveDateTime)> = throttle_events.select((id, at)).load(&mut *conn).unwrap();
    for (row, t) in rows {
        diesel::update(throttle_events.find(row))
            .set(at.eq(t - chrono::Duration::minutes(minutes)))
            .execute(&mut *conn)
            .unwrap();
    }
}

#[tokio::test]
async fn one_persons_typos_do_not_lock_out_colleagues_behind_the_same_address() {
    let app = spawn_app().await;
    let office = "10.200.0.1";
    let typist = at(&app, client_at(office));
    for _ in 0..6 {
        typist.login_as("filer@example.org", "not the password").await;
    }
    assert_eq!(typist.login_as("filer@example.org", DEMO_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    // A colleague at the same address signs in to their own account.
    let colleague = at(&app, client_at(office));
    colleague.login("filer2@example.org").await;
    // Failures on many accounts from one address stay below its limit for a while too.
    let guesser = at(&app, client_at("10.200.0.2"));
    for i in 0..8 {
        assert_eq!(
            guesser.login_as(&format!("guess{i}@example.org"), "not the password").await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    at(&app, client_at("10.200.0.2")).login("reviewer@example.org").await;
}

#[tokio::test]
async fn a_browser_that_signed_in_before_is_never_locked_out_by_others() {
    let app = spawn_app().await;
    // The owner signs in once: the browser gets a device cookie for the sign-in page.
    let owner = app.other_client();
    let r = owner.login_as("editor@example.org", DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let device = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("selfreg_device="))
        .expect("device cookie");
    assert!(device.contains("HttpOnly") && device.contains("Path=/login") && device.contains("Max-Age="), "{device}");
    owner.logout().await;

    // Attackers from many addresses: untrusted sign-ins to the account wait…
    for i in 0..25 {
        at(&app, client_at(&format!("10.201.0.{i}"))).login_as("editor@example.org", "guess").await;
    }
    let stranger = app.other_client();
    assert_eq!(stranger.login_as("editor@example.org", DEMO_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    // …but the owner's browser goes in.
    owner.login("editor@example.org").await;

    // A forged device cookie (another user's id) is worth nothing.
    let value = &device["selfreg_device=".len()..device.find(';').unwrap()];
    let forged = value.replacen(value.split('.').next().unwrap(), "1", 1);
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/login"))
        .header("x-forwarded-for", "10.202.0.1")
        .send()
        .await
        .unwrap();
    let anon = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("selfreg_csrf="))
        .unwrap();
    let anon = &anon[..anon.find(';').unwrap()];
    let token = csrf_in(&r.text().await.unwrap());
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/login"))
        .header("x-forwarded-for", "10.202.0.1")
        .header("cookie", format!("{anon}; selfreg_device={forged}"))
        .form(&[("email", "editor@example.org"), ("password", DEMO_PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "a forged device cookie is untrusted");
}

#[tokio::test]
async fn failed_sign_ins_lockouts_and_refusals_are_in_the_security_log_for_admins() {
    let app = spawn_app().await;
    let attacker = app.other_client();
    for _ in 0..6 {
        attacker
            .client
            .post(attacker.url("/login"))
            .header("user-agent", "guessbot/1.0")
            .form(&[("email", "x"), ("password", "y")])
            .send()
            .await
            .unwrap();
        attacker.login_as("reviewer@example.org", "not the password").await;
    }
    let filer = app.signed_in_as("filer@example.org").await;
    assert_eq!(filer.get("/admin/users").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(filer.get("/admin/security").await.status(), StatusCode::NOT_FOUND, "not for filers");
    assert_eq!(app.get("/admin/security").await.status(), StatusCode::SEE_OTHER, "sign in first");

    app.login("admin@example.org").await;
    let (status, html) = app.get_html("/admin/security").await;
    assert_eq!(status, StatusCode::OK);
    let html = &html[html.find("<tbody>").expect("a table of events")..];
    for text in [
        "登录失败",
        "开始限制登录",
        "限制期间的登录",
        "表单令牌无效",
        "无权操作",
        "reviewer@example.org",
        "guessbot/1.0",
    ] {
        assert!(html.contains(text), "{text} in the security log");
    }
    assert!(html.contains("GET /admin/users"), "the refused request");
    assert!(html.contains("此账号在此地址暂停登录至北京时间"), "the delay in words");
    assert!(html.contains("未登录过的浏览器") && html.contains("缺少表单令牌或令牌不符"));
    assert!(html.contains("10."), "client addresses");
    // Newest first: the 403 came after the failed sign-ins.
    assert!(html.find("无权操作").unwrap() < html.find("登录失败").unwrap());
    let (_, only) = app.get_html("/admin/security?kind=csrf").await;
    let only = &only[only.find("<tbody>").unwrap()..];
    assert!(only.contains("表单令牌无效") && !only.contains("登录失败"));
}

#[tokio::test]
async fn logout_ends_the_session_for_good() {
    let app = spawn_app().await;
    let token = raw_login(&app, "editor@example.org").await;
    assert!(app.get_html("/").await.1.contains("协会秘书处"));
    app.logout().await;
    assert!(!app.get_html("/").await.1.contains("协会秘书处"));
    // Replaying the old cookie does not sign in.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/admin/users"))
        .header("cookie", format!("selfreg_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/login"));
    assert_eq!(app.count("sessions"), 0);
}

#[tokio::test]
async fn login_renews_the_session_identifier() {
    let app = spawn_app().await;
    let first = raw_login(&app, "filer@example.org").await;
    let second = raw_login(&app, "filer@example.org").await;
    assert_ne!(first, second);
    let anon = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let old = anon.get(app.url("/")).header("cookie", format!("selfreg_session={first}")).send().await.unwrap();
    assert!(!old.text().await.unwrap().contains("示例平台01 合规专员"), "old identifier no longer signs in");
    let new = anon.get(app.url("/")).header("cookie", format!("selfreg_session={second}")).send().await.unwrap();
    assert!(new.text().await.unwrap().contains("示例平台01 合规专员"));
}

async fn raw_login(app: &TestApp, email: &str) -> String {
    let r = app.login_as(email, DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("selfreg_session="))
        .unwrap();
    v["selfreg_session=".len()..v.find(';').unwrap()].to_owned()
}

#[tokio::test]
async fn idle_and_old_sessions_expire() {
    let app = spawn_app().await;
    app.login("filer@example.org").await;
    assert!(app.get_html("/").await.1.contains("示例平台01 合规专员"));
    shift_sessions(&app, 9 * 60, 0);
    assert!(!app.get_html("/").await.1.contains("示例平台01 合规专员"), "8 hours idle ends the session");

    app.login("filer@example.org").await;
    shift_sessions(&app, 0, 8 * 24 * 60);
    assert!(!app.get_html("/").await.1.contains("示例平台01 合规专员"), "7 days after sign-in the session ends");
}

fn shift_sessions(app: &TestApp, idle_minutes: i64, age_minutes: i64) {
    use diesel::prelude::*;
    use selfreg::db::schema::sessions::dsl::*;
    let mut conn = app.conn();
    let rows: Vec<(String, chrono::NaiveDateTime, chrono::NaiveDateTime)> =
        sessions.select((id_hash, created_at, last_seen_at)).load(&mut *conn).unwrap();
    for (h, c, l) in rows {
        diesel::update(sessions.find(h))
            .set((
                created_at.eq(c - chrono::Duration::minutes(age_minutes)),
                last_seen_at.eq(l - chrono::Duration::minutes(idle_minutes)),
            ))
            .execute(&mut *conn)
            .unwrap();
    }
}

#[tokio::test]
async fn disabling_a_user_or_resetting_the_password_ends_their_sessions() {
    let app = spawn_app().await;
    let filer = app.signed_in_as("filer@example.org").await;
    assert!(filer.get_html("/").await.1.contains("示例平台01 合规专员"));

    app.login("admin@example.org").await;
    let id = user_id(&app, "filer@example.org");
    let r = app.edit_user(id, &[], &["active"]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!filer.get_html("/").await.1.contains("示例平台01 合规专员"), "disabled user is signed out");
    assert_eq!(filer.login_as("filer@example.org", DEMO_PASSWORD).await.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Password reset on another user.
    let filer2 = app.signed_in_as("filer2@example.org").await;
    let id2 = user_id(&app, "filer2@example.org");
    let r = app.reset_password(id2, "a brand new secret").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!filer2.get_html("/").await.1.contains("示例平台02 合规专员"));
    assert_eq!(filer2.login_as("filer2@example.org", DEMO_PASSWORD).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    filer2.login_as("filer2@example.org", "a brand new secret").await;
    assert!(filer2.get_html("/").await.1.contains("示例平台02 合规专员"));
}

#[tokio::test]
async fn weaker_password_hashes_are_upgraded_at_login() {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let app = spawn_app().await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(1024, 1, 1, None).unwrap(),
    )
    .hash_password(b"an old password", &SaltString::generate(&mut OsRng))
    .unwrap()
    .to_string();
    let id = user_id(&app, "reviewer@example.org");
    {
        let mut conn = app.conn();
        selfreg::db::users::set_password_hash(&mut conn, selfreg::db::audit::Actor::SYSTEM, id, &weak, false).unwrap();
    }
    let r = app.login_as("reviewer@example.org", "an old password").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut conn = app.conn();
    let stored = selfreg::db::users::get(&mut conn, id).unwrap().unwrap().password_hash;
    assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
}

#[tokio::test]
async fn next_accepts_only_local_paths() {
    let app = spawn_app().await;
    for bad in ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"] {
        let c = app.other_client();
        let r = c
            .post_from(
                "/login",
                "/login",
                &[("email", "filer@example.org"), ("password", DEMO_PASSWORD), ("next", bad)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), "/todo", "next={bad}: staff land on their to-do list");
    }
    let c = app.other_client();
    let r = c.get(&format!("/lang/en?next={}", "//evil.example")).await;
    assert_eq!(location(&r), "/");
}
