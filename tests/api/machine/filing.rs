//! Filing over the API: the form's rules, functions and audit rows; versions
//! (412/428/409), evidence through the form's checks, submission with every
//! missing piece as pointers, idempotent retries, other organizations' 404.

use reqwest::multipart::{Form as Multipart, Part};

use super::*;
use crate::reports::{org_id, period_id};

/// The filer's API with a write token, and the current period's id.
async fn filer_api(app: &TestApp) -> (Api<'_>, i64) {
    let api = Api::new(app, token_for(app, "filer@example.org", &["reports:write"], "合规系统"));
    (api, period_id(app, "第三期（本期）"))
}

/// Every entry complete, for the commitments of a report.
fn complete(commitments: &[String]) -> Value {
    let entries: Vec<Value> = commitments
        .iter()
        .map(|c| {
            json!({
                "commitment": c,
                "status": "implemented",
                "measures": format!("承诺 {c}：建立核验台账，每月抽查。"),
                "indicators": [{ "name": "主播资质核验率", "value": "98.5", "unit": "%" }],
                "links": [{ "url": "https://platform01.example.com/report", "label": "公示页面" }],
            })
        })
        .collect();
    json!({ "entries": entries })
}

fn commitments(report: &Value) -> Vec<String> {
    report["entries"].as_array().unwrap().iter().map(|e| e["commitment"].as_str().unwrap().to_owned()).collect()
}

fn etag(r: &Reply) -> String {
    r.headers().get("etag").unwrap().to_str().unwrap().to_owned()
}

async fn upload(api: &Api<'_>, period: i64, commitment: &str, name: &str, data: Vec<u8>, key: Option<&str>) -> Reply {
    let form = Multipart::new()
        .text("commitment", commitment.to_owned())
        .part("file", Part::bytes(data).file_name(name.to_owned()));
    let mut r = api.req(reqwest::Method::POST, &format!("/api/v1/periods/{period}/report/evidence")).multipart(form);
    if let Some(k) = key {
        r = r.header("idempotency-key", k);
    }
    Reply::send(r).await
}

#[tokio::test]
async fn a_token_files_a_report_with_the_forms_rules_versions_and_audit_rows() {
    let app = spawn_app().await;
    let (api, period) = filer_api(&app).await;
    let path = format!("/api/v1/periods/{period}/report");

    // The period is open, with no report yet.
    let (status, v) = api.get("/api/v1/me/periods").await;
    assert_eq!(status, StatusCode::OK);
    let item = v["periods"].as_array().unwrap().iter().find(|p| p["period"]["id"] == period).expect("the open period");
    assert!(item["report"].is_null(), "{item}");
    assert!(item["period"]["due_at"].as_str().unwrap().ends_with("+08:00"), "ISO 8601 with offset");
    // The period and a link to the pledge, as the open data API gives them.
    let (_, _, periods) =
        crate::open_data::api(&app, &format!("/api/v1/pledges/{}/periods", item["pledge"]["id"])).await;
    assert!(periods["items"].as_array().unwrap().contains(&item["period"]), "{periods}");
    assert_eq!(item["period"]["label"]["zh"], "第三期（本期）");
    let pledge = item["pledge"]["href"].as_str().unwrap().strip_prefix(&app.addr).unwrap().to_owned();
    let (status, _, p) = crate::open_data::api(&app, &pledge).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(p["title"], item["pledge"]["title"]);
    problem(Reply::send(api.req(reqwest::Method::GET, &path)).await, StatusCode::NOT_FOUND).await;

    // Created (no If-Match needed), with one entry per commitment.
    let r = api.put_json(&path, &json!({ "entries": [] }), &[]).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created_etag = etag(&r);
    let (_, report) = answer(r).await;
    assert_eq!(report["state"], "draft");
    assert_eq!(created_etag, format!("\"{}\"", report["version"]));
    let numbers = commitments(&report);
    assert!(numbers.len() >= 2);
    let (_, v) = api.get("/api/v1/me/periods").await;
    let item = v["periods"].as_array().unwrap().iter().find(|p| p["period"]["id"] == period).unwrap().clone();
    assert_eq!(item["report"]["version"], report["version"]);

    // Replacing needs the version: 428 without it, 412 with an old one; nothing written.
    let body = complete(&numbers);
    let audit = app.count("audit_log");
    let v = problem(api.put_json(&path, &body, &[]).await, StatusCode::PRECONDITION_REQUIRED).await;
    assert_eq!(v["type"], "/api#problem-if-match-required");
    problem(api.put_json(&path, &body, &[("if-match", "\"999\"")]).await, StatusCode::PRECONDITION_FAILED).await;
    assert_eq!(app.count("audit_log"), audit, "nothing written");

    // What even a draft cannot hold is 422 with a pointer into the request.
    let mut bad = complete(&numbers);
    bad["entries"][1]["status"] = json!("done");
    bad["entries"][0]["commitment"] = json!("no-such");
    let v = problem(api.put_json(&path, &bad, &[("if-match", &created_etag)]).await, StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(pointers(&v), ["#/entries/0/commitment"]);
    bad["entries"][0]["commitment"] = json!(numbers[0]);
    let v = problem(api.put_json(&path, &bad, &[("if-match", &created_etag)]).await, StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(pointers(&v), ["#/entries/1/status"]);

    // A draft with one entry only: submission lists every missing piece at once.
    let partial = json!({ "entries": [{ "commitment": numbers[0], "status": "in_progress" }] });
    let r = api.put_json(&path, &partial, &[("if-match", &created_etag)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let draft_etag = etag(&r);
    let v = problem(api.post(&format!("{path}/submit"), &[]).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let ptrs = pointers(&v);
    assert!(ptrs.contains(&"#/entries/0/measures".to_owned()), "{ptrs:?}");
    for i in 1..numbers.len() {
        assert!(ptrs.contains(&format!("#/entries/{i}/status")), "{ptrs:?}");
    }
    assert_eq!(v["errors"].as_array().unwrap().len(), numbers.len(), "one problem each, all at once: {v}");
    let (_, still) = api.get(&path).await;
    assert_eq!(still["state"], "draft");

    // A stale tab: the web form saves meanwhile, the API's version is old.
    let r = api.put_json(&path, &body, &[("if-match", &draft_etag)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let current = etag(&r);
    problem(api.put_json(&path, &body, &[("if-match", &draft_etag)]).await, StatusCode::PRECONDITION_FAILED).await;
    problem(api.post(&format!("{path}/submit"), &[("if-match", &draft_etag)]).await, StatusCode::PRECONDITION_FAILED)
        .await;

    // Evidence: the form's checks (type by content).
    let r = upload(&api, period, &numbers[0], "tool.exe", b"MZ\x90\x00 not evidence".to_vec(), None).await;
    let v = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointers(&v), ["#/file"]);
    let r = upload(&api, period, &numbers[0], "核验台账.pdf", b"%PDF-1.4 ledger".to_vec(), None).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (_, v) = answer(r).await;
    assert_eq!(v["file"]["filename"], "核验台账.pdf");
    assert_eq!(v["entries"][0]["files"].as_array().unwrap().len(), 1);
    assert_ne!(format!("\"{}\"", v["version"]), current, "a new version");

    // Submitted, with a kept revision; then it cannot be changed.
    let r = api.post(&format!("{path}/submit"), &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let (_, v) = answer(r).await;
    assert_eq!(v["state"], "submitted");
    assert_eq!(v["revisions"], 1);
    let v = problem(
        api.put_json(&path, &body, &[("if-match", &format!("\"{}\"", v["version"]))]).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(v["type"], "/api#problem-not-editable");

    // The same audit rows as the form, naming the token.
    let rid = v_report_id(&app, period, "示例平台01");
    let through_token = app
        .count(&format!("audit_log WHERE object_type = 'report' AND object_id = {rid} AND actor_token_id IS NOT NULL"));
    let all = app.count(&format!("audit_log WHERE object_type = 'report' AND object_id = {rid}"));
    assert_eq!(through_token, all);
    for action in ["create", "save", "add_evidence", "submit"] {
        let n =
            app.count(&format!("audit_log WHERE object_id = {rid} AND object_type = 'report' AND action = '{action}'"));
        assert!(n >= 1, "{action}");
    }
    let admin = app.signed_in_as("admin@example.org").await;
    let (_, log) = admin.get_html(&format!("/admin/audit?object_type=report&object_id={rid}")).await;
    assert!(log.contains("通过 API 令牌「合规系统」"), "the audit page names the token");
    // The reviewer sees it submitted like any other.
    let reviewer = app.signed_in_as("reviewer@example.org").await;
    let (_, page) = reviewer.get_html(&format!("/reports/{rid}")).await;
    assert!(page.contains("核验台账.pdf"));
}

fn v_report_id(app: &TestApp, period: i64, org: &str) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::reports::dsl::*;
    let org = org_id(app, org);
    reports.filter(period_id.eq(period)).filter(organization_id.eq(org)).select(id).first(&mut *app.conn()).unwrap()
}

#[tokio::test]
async fn retries_with_an_idempotency_key_get_the_first_answer_and_write_once() {
    let app = spawn_app().await;
    let (api, period) = filer_api(&app).await;
    let path = format!("/api/v1/periods/{period}/report");
    let first = api.put_json(&path, &json!({ "entries": [] }), &[("idempotency-key", "create-1")]).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let (_, first) = answer(first).await;
    let (reports, audit) = (app.count("reports"), app.count("audit_log"));
    let again = api.put_json(&path, &json!({ "entries": [] }), &[("idempotency-key", "create-1")]).await;
    assert_eq!(again.status(), StatusCode::CREATED, "the first answer again");
    assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
    let (_, again) = answer(again).await;
    assert_eq!(again, first);
    assert_eq!((app.count("reports"), app.count("audit_log")), (reports, audit), "nothing written twice");
    // The same key with another request.
    let v = problem(
        api.put_json(&path, &json!({ "entries": [{ "commitment": "x" }] }), &[("idempotency-key", "create-1")]).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(v["type"], "/api#problem-idempotency-key-reused");

    // An upload retried (a new multipart boundary, the same file): stored once.
    let number = commitments(&first)[0].clone();
    let files = app.count("attachments");
    let r1 = upload(&api, period, &number, "a.pdf", b"%PDF-1.4 a".to_vec(), Some("up-1")).await;
    assert_eq!(r1.status(), StatusCode::CREATED);
    let (_, v1) = answer(r1).await;
    let r2 = upload(&api, period, &number, "a.pdf", b"%PDF-1.4 a".to_vec(), Some("up-1")).await;
    assert_eq!(r2.status(), StatusCode::CREATED);
    let (_, v2) = answer(r2).await;
    assert_eq!(v1, v2);
    assert_eq!(app.count("attachments"), files + 1);
    // Keys belong to their token: another token's same key is its own request.
    let other = Api::new(&app, token_for(&app, "filer@example.org", &["reports:write"], "second"));
    let r = upload(&other, period, &number, "a.pdf", b"%PDF-1.4 a".to_vec(), Some("up-1")).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(app.count("attachments"), files + 2);
    // A bad key is refused before anything.
    let r = api.post(&format!("{path}/submit"), &[("idempotency-key", "")]).await;
    problem(r, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn another_organizations_report_is_404() {
    let app = spawn_app().await;
    let (api, period) = filer_api(&app).await;
    let path = format!("/api/v1/periods/{period}/report");
    assert_eq!(api.put_json(&path, &json!({ "entries": [] }), &[]).await.status(), StatusCode::CREATED);
    // A filer of an organization that did not sign the pledge: no report there, none to create.
    let association = org_id(&app, "示例网络直播电商行业协会");
    crate::reports::add_user(&app, association, "afiler@example.org", selfreg::domain::Role::Filer);
    let stranger = Api::new(&app, token_for(&app, "afiler@example.org", &["reports:write"], "x"));
    let (status, v) = stranger.get("/api/v1/me/periods").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["periods"].as_array().unwrap().len(), 0);
    problem(Reply::send(stranger.req(reqwest::Method::GET, &path)).await, StatusCode::NOT_FOUND).await;
    let reports = app.count("reports");
    problem(stranger.put_json(&path, &json!({ "entries": [] }), &[]).await, StatusCode::NOT_FOUND).await;
    problem(stranger.post(&format!("{path}/submit"), &[]).await, StatusCode::NOT_FOUND).await;
    let r = upload(&stranger, period, "1", "a.pdf", b"%PDF-1.4 a".to_vec(), None).await;
    problem(r, StatusCode::NOT_FOUND).await;
    assert_eq!(app.count("reports"), reports);
    // Platform 02's filer reaches only platform 02's report, never platform 01's draft.
    let second = Api::new(&app, token_for(&app, "filer2@example.org", &["reports:write"], "y"));
    let (_, mine) = api.get(&path).await;
    if let (StatusCode::OK, theirs) = second.get(&path).await {
        assert_ne!(theirs["id"], mine["id"]);
    }
}

#[tokio::test]
async fn the_same_key_sent_twice_at_once_writes_once() {
    let app = spawn_app().await;
    let (api, period) = filer_api(&app).await;
    let path = format!("/api/v1/periods/{period}/report");
    let reports = app.count("reports");
    let body = json!({ "entries": [] });
    let key = [("idempotency-key", "same-time")];
    let (a, b) = tokio::join!(api.put_json(&path, &body, &key), api.put_json(&path, &body, &key));
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    // Either the second waited and got the first answer again, or it was undone and asked to retry.
    assert!(
        statuses == [StatusCode::CREATED, StatusCode::CREATED]
            || statuses == [StatusCode::CREATED, StatusCode::CONFLICT],
        "{statuses:?}"
    );
    assert_eq!(app.count("reports"), reports + 1);
    assert_eq!(app.count("audit_log WHERE object_type = 'report' AND action = 'save'"), 1, "saved once");
    let r = api.put_json(&path, &body, &key).await;
    assert_eq!(r.status(), StatusCode::CREATED, "a retry gets the first answer");
}
