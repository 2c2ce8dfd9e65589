//! Tokens: made on the account page or by the command line, shown once,
//! stored hashed, revocable; Bearer only (a session never authorizes the
//! API), scopes, last use, and the API's per-address rate limit.

use super::*;

#[tokio::test]
async fn tokens_are_made_on_the_account_page_shown_once_stored_hashed_and_revoked() {
    let app = spawn_app().await;
    let filer = app.signed_in_as("filer@example.org").await;
    let (_, account) = filer.get_html("/account").await;
    assert!(account.contains("href=\"/account/tokens\""), "the account page links to the tokens");
    // Nothing chosen: the form again with both problems, beside the fields and at the top.
    let r = filer.post_from("/account/tokens", "/account/tokens", &[("token_name", " ")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("error-summary") && html.contains("href=\"#f-token_name\""), "{html}");
    assert!(html.contains("href=\"#f-token_scope\""));
    assert_eq!(app.count("api_tokens"), 0);

    let r = filer
        .post_from(
            "/account/tokens",
            "/account/tokens",
            &[("token_name", "合规系统"), ("token_scope", "reports:write"), ("token_expires", "90")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    let html = r.text().await.unwrap();
    let start = html.find("srg_").expect("the new token is shown");
    let secret: String = html[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    assert_eq!(secret.len(), 68);
    {
        use diesel::prelude::*;
        use selfreg::db::schema::api_tokens::dsl::*;
        let (h, p): (String, String) = api_tokens.select((token_hash, prefix)).first(&mut *app.conn()).unwrap();
        assert_eq!(h, selfreg::auth::sha256_hex(&secret), "only the hash is stored");
        assert!(secret.starts_with(&p) && p.len() < 16);
    }
    let (_, again) = filer.get_html("/account/tokens").await;
    assert!(!again.contains(&secret), "shown once");
    assert!(again.contains("合规系统") && again.contains("从未使用"));

    // Used: the list says when and from where.
    let api = Api::new(&app, secret.clone());
    let (status, _) = api.get("/api/v1/me/periods").await;
    assert_eq!(status, StatusCode::OK);
    let (_, listed) = filer.get_html("/account/tokens").await;
    assert!(!listed.contains("从未使用"), "last use shown");
    assert!(listed.contains("10."), "the address it was used from");

    // Revoked: the next request is refused.
    let id: i64 = {
        use diesel::prelude::*;
        use selfreg::db::schema::api_tokens::dsl::*;
        api_tokens.select(id).first(&mut *app.conn()).unwrap()
    };
    let other = app.signed_in_as("filer2@example.org").await;
    let r = other.post_from("/account/tokens", &format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "someone else's token does not exist for them");
    let r = filer.post_from("/account/tokens", &format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, listed) = filer.get_html(&location(&r)).await;
    assert!(listed.contains("令牌已撤销") && listed.contains("已撤销"));
    let r = Reply::send(api.req(reqwest::Method::GET, "/api/v1/me/periods")).await;
    problem(r, StatusCode::UNAUTHORIZED).await;
    assert_eq!(app.count("audit_log WHERE object_type = 'api_token'"), 2, "created and revoked, audited");
}

#[tokio::test]
async fn the_api_needs_a_bearer_token_and_never_takes_a_session() {
    let app = spawn_app().await;
    let r = Reply::send(app.client.get(app.url("/api/v1/me/periods"))).await;
    assert!(r.headers().get("www-authenticate").unwrap().to_str().unwrap().starts_with("Bearer"));
    let v = problem(r, StatusCode::UNAUTHORIZED).await;
    assert!(v["detail"].as_str().unwrap().contains("Bearer"));
    // A signed-in browser: its cookie authorizes nothing here, and no CSRF token is asked for.
    let filer = app.signed_in_as("filer@example.org").await;
    let reports = app.count("reports");
    let r = Reply::send(
        filer
            .client
            .put(filer.url("/api/v1/periods/1/report"))
            .header("content-type", "application/json")
            .body(r#"{"entries":[]}"#),
    )
    .await;
    problem(r, StatusCode::UNAUTHORIZED).await;
    let r = Reply::send(filer.client.get(filer.url("/api/v1/me/periods"))).await;
    problem(r, StatusCode::UNAUTHORIZED).await;
    assert_eq!(app.count("reports"), reports, "nothing written");
    // A made-up token of the right shape.
    let fake = format!("srg_{}", "a".repeat(64));
    let r = Reply::send(Api::new(&app, fake).req(reqwest::Method::GET, "/api/v1/me/periods")).await;
    problem(r, StatusCode::UNAUTHORIZED).await;
    // Unknown API paths answer problem+json too.
    let token = token_for(&app, "filer@example.org", &["reports:read"], "t");
    let r = Reply::send(Api::new(&app, token).req(reqwest::Method::GET, "/api/v1/periods/abc/report")).await;
    problem(r, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_token_without_the_scope_is_403_and_reads_what_its_scope_allows() {
    let app = spawn_app().await;
    let api = Api::new(&app, token_for(&app, "filer@example.org", &["reports:read"], "只读"));
    let (status, v) = api.get("/api/v1/me/periods").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let period = v["periods"][0]["period"]["id"].as_i64().unwrap();
    let r = api.put_json(&format!("/api/v1/periods/{period}/report"), &json!({"entries": []}), &[]).await;
    let v = problem(r, StatusCode::FORBIDDEN).await;
    assert_eq!(v["type"], "/api#problem-insufficient-scope");
    assert!(v["detail"].as_str().unwrap().contains("reports:write"));
    let r = api.post(&format!("/api/v1/periods/{period}/report/submit"), &[]).await;
    problem(r, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn token_requests_count_against_the_address_rate_limit_kept_in_the_database() {
    let (target, cleanup) = fresh_database();
    let mut opts = options(target);
    opts.api.api_rate_limit = 3;
    let app = spawn_with(opts, cleanup).await;
    let api = Api::new(&app, token_for(&app, "filer@example.org", &["reports:read"], "busy"));
    for _ in 0..3 {
        let r = Reply::send(api.req(reqwest::Method::GET, "/api/v1/me/periods")).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = Reply::send(api.req(reqwest::Method::GET, "/api/v1/me/periods")).await;
    let wait: u64 = r.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    let v = problem(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(v["type"], "/api#problem-rate-limit");
    // Counted in the database (every instance counts the same), not in one process's memory.
    assert!(app.count("throttle_events") >= 3);
    // The limit is the client address's: another client (another address) is served.
    let other = Api::new(&app, token_for(&app, "filer2@example.org", &["reports:read"], "calm"));
    assert_eq!(other.get("/api/v1/me/periods").await.0, StatusCode::OK);
}

#[tokio::test]
async fn operators_make_a_token_from_the_command_line() {
    let app = spawn_app().await;
    let url = match &app.target {
        selfreg::db::DbTarget::Sqlite(p) => p.clone(),
        selfreg::db::DbTarget::Postgres(u) => u.clone(),
    };
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_selfreg"))
            .args(["--database-url", &url, "token", "add"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["--user", "filer@example.org", "--scope", "reports:everything"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--scope"));
    let out = run(&["--user", "filer@example.org", "--scope", "reports:write", "--name", "ERP"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let secret = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(secret.starts_with("srg_"), "only the token on standard output: {secret}");
    let api = Api::new(&app, secret);
    let (status, v) = api.get("/api/v1/me/periods").await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn an_expired_token_or_a_disabled_user_is_401() {
    use diesel::prelude::*;
    use selfreg::db::schema::{api_tokens, users};
    let app = spawn_app().await;
    let api = Api::new(&app, token_for(&app, "filer@example.org", &["reports:read"], "old"));
    assert_eq!(api.get("/api/v1/me/periods").await.0, StatusCode::OK);
    let past = selfreg::db::now() - chrono::Duration::days(1);
    diesel::update(api_tokens::table).set(api_tokens::expires_at.eq(Some(past))).execute(&mut *app.conn()).unwrap();
    let r = Reply::send(api.req(reqwest::Method::GET, "/api/v1/me/periods")).await;
    problem(r, StatusCode::UNAUTHORIZED).await;
    let api = Api::new(&app, token_for(&app, "filer2@example.org", &["reports:read"], "user gone"));
    diesel::update(users::table.filter(users::email.eq("filer2@example.org")))
        .set(users::active.eq(false))
        .execute(&mut *app.conn())
        .unwrap();
    let r = Reply::send(api.req(reqwest::Method::GET, "/api/v1/me/periods")).await;
    problem(r, StatusCode::UNAUTHORIZED).await;
}
