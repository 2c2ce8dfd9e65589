//! Paging, ETag/304, Cache-Control, CORS, and the rate limit kept in the database.

use super::*;

#[tokio::test]
async fn lists_page_with_an_opaque_cursor_and_a_next_link() {
    let app = spawn_app().await;
    let everything = all_items(&app, "/api/v1/standards?limit=100").await;
    let paged = all_items(&app, "/api/v1/standards?limit=2").await;
    let ids = |v: &[Value]| v.iter().map(|i| i["id"].as_i64().unwrap()).collect::<Vec<_>>();
    assert!(everything.len() > 2);
    assert_eq!(ids(&paged), ids(&everything), "the pages together are the list, once each, in order");
    let (_, h, first) = api(&app, "/api/v1/standards?limit=2&kind=group").await;
    let next = first["next"].as_str().unwrap();
    assert!(next.contains("kind=group") && next.contains("cursor="), "the filters go on: {next}");
    assert!(h.get("link").unwrap().to_str().unwrap().contains("rel=\"next\""));
    let (status, _, p) = api(&app, "/api/v1/standards?cursor=not-a-cursor&limit=1000").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["parameter"].as_str().unwrap()).collect();
    assert_eq!(fields, ["limit", "cursor"]);
}

#[tokio::test]
async fn answers_carry_an_etag_and_a_matching_if_none_match_gets_304() {
    let app = spawn_app().await;
    let (status, h, body) = api(&app, "/api/v1/pledges").await;
    assert_eq!(status, StatusCode::OK);
    let etag = h.get("etag").expect("an ETag").to_str().unwrap().to_owned();
    assert_eq!(h.get("cache-control").unwrap(), "public, max-age=60");
    assert_eq!(h.get("access-control-allow-origin").unwrap(), "*");
    assert!(h.get("set-cookie").is_none(), "public answers set no cookie");
    assert!(h.get("access-control-allow-credentials").is_none());
    let (status, h2, empty) = api_with(&app, "/api/v1/pledges", &[("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(empty.is_null());
    assert_eq!(h2.get("etag").unwrap().to_str().unwrap(), etag);
    let (status, _, again) = api_with(&app, "/api/v1/pledges", &[("if-none-match", "\"something-else\"")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, body);
    // A CORS preflight from a script on another site.
    let r = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/pledges"))
        .header("origin", "https://example.net")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "if-none-match")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(r.headers().get("access-control-allow-origin").unwrap(), "*");
    assert!(r.headers().get("access-control-allow-methods").unwrap().to_str().unwrap().contains("GET"));
}

#[tokio::test]
async fn too_many_requests_from_one_address_get_429_with_retry_after() {
    let (target, cleanup) = fresh_database();
    let mut opts = options(target);
    opts.api.api_rate_limit = 3;
    let app = spawn_with(opts, cleanup).await;
    for _ in 0..3 {
        assert_eq!(api(&app, "/api/v1/orgs?limit=1").await.0, StatusCode::OK);
    }
    let (status, h, p) = api(&app, "/api/v1/orgs?limit=1").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = h.get("retry-after").expect("Retry-After").to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(p["type"], "/api#problem-rate-limit");
    assert_eq!(h.get("access-control-allow-origin").unwrap(), "*", "a script can read the 429 too");
    // Counted in the database, per address: another client is served.
    assert!(app.count("throttle_events") >= 3);
    assert_eq!(api(&app.other_client(), "/api/v1/orgs?limit=1").await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_rate_limit_is_shared_by_every_instance_on_the_database() {
    let (target, cleanup) = fresh_database();
    let mut opts = options(target.clone());
    opts.api.api_rate_limit = 3;
    let app = spawn_with(opts.clone(), cleanup).await;
    let second = spawn_with(opts, None).await;
    let path = "/api/v1/pledges?limit=1";
    // The same client (one address) spreads its requests over both instances.
    for base in [&app.addr, &second.addr, &app.addr] {
        let r = app.client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = app.client.get(format!("{}{path}", second.addr)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the second instance counts the first one's requests");
    assert!(r.headers().get("retry-after").is_some());
}
