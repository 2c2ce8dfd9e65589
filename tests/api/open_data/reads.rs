//! Every read operation, as the public sees it: proposals, draft pledges,
//! pending applications and reports that are not accepted never appear.

use super::*;

#[tokio::test]
async fn standards_are_listed_and_shown_without_proposals() {
    let app = spawn_app().await;
    let proposal = id_where(&app, "standards", "title_zh", "直播间虚拟礼物消费提示规范");
    let superseded = id_where(&app, "standards", "state", "superseded");
    let items = all_items(&app, "/api/v1/standards?limit=100").await;
    let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert!(!ids.is_empty());
    assert!(!ids.contains(&proposal), "a proposal is not public: {ids:?}");
    assert!(items.iter().all(|i| i["title"]["zh"].is_string() && i["title"]["en"].is_string()));
    // ISO 8601 with the offset (Beijing time).
    assert!(items[0]["updated_at"].as_str().unwrap().ends_with("+08:00"), "{}", items[0]);

    let (status, _, body) = api(&app, &format!("/api/v1/standards/{proposal}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(api(&app, &format!("/api/v1/standards/{proposal}/comments")).await.0, StatusCode::NOT_FOUND);

    let (status, _, d) = api(&app, &format!("/api/v1/standards/{superseded}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(d["state"], "superseded");
    assert!(!d["replaced_by"].as_array().unwrap().is_empty(), "a superseded standard names its successor: {d}");
    assert!(d["status"]["reason"]["zh"].as_str().is_some_and(|s| !s.is_empty()), "{d}");
    assert!(!d["events"].as_array().unwrap().is_empty());
    assert!(!d["versions"].as_array().unwrap().is_empty());

    // Filters as on /standards; a filter the public may not use is a field error.
    let in_force = all_items(&app, "/api/v1/standards?status=in_force").await;
    assert!(!in_force.is_empty() && in_force.iter().all(|i| i["status"]["code"] == "in_force"));
    let (status, _, p) = api(&app, "/api/v1/standards?status=proposed&year=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["parameter"].as_str().unwrap()).collect();
    assert_eq!(fields, ["status", "year"], "{p}");
}

#[tokio::test]
async fn the_disposition_table_has_no_contact_data() {
    let app = spawn_app().await;
    let sid = id_where(&app, "standards", "state", "public_comment");
    let email = {
        use diesel::prelude::*;
        use selfreg::db::schema::comments;
        comments::table
            .filter(comments::standard_id.eq(sid))
            .select(comments::email)
            .filter(comments::email.ne(""))
            .first::<String>(&mut *app.conn())
            .ok()
    };
    let (status, _, t) = api(&app, &format!("/api/v1/standards/{sid}/comments")).await;
    assert_eq!(status, StatusCode::OK);
    let comments = t["comments"].as_array().unwrap();
    assert_eq!(t["counts"]["total"].as_i64().unwrap(), comments.len() as i64);
    let text = t.to_string();
    assert!(!text.contains("\"email\""), "{text}");
    if let Some(email) = email {
        assert!(!text.contains(&email), "a commenter's address is never published");
    }
}

#[tokio::test]
async fn pledges_show_commitments_and_public_signatories_only() {
    let app = spawn_app().await;
    // A draft pledge, behind the application's back.
    {
        use diesel::RunQueryDsl;
        let issuer = id_where(&app, "organizations", "kind", "association");
        let now = selfreg::db::now();
        diesel::sql_query(format!(
            "INSERT INTO pledges (kind, title_zh, title_en, organization_id, guiding_body_zh, guiding_body_en, \
             text_md_zh, text_md_en, state, version, created_at, updated_at) VALUES ('convention', '草稿公约', \
             'Draft convention', {issuer}, '', '', '', '', 'draft', 1, '{now}', '{now}')"
        ))
        .execute(&mut *app.conn())
        .unwrap();
    }
    let draft = id_where(&app, "pledges", "state", "draft");
    let pledges = all_items(&app, "/api/v1/pledges?limit=1").await;
    let ids: Vec<i64> = pledges.iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(!ids.contains(&draft));
    for path in ["", "/signatories", "/periods"] {
        assert_eq!(api(&app, &format!("/api/v1/pledges/{draft}{path}")).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    // The pledge with a pending application.
    let applied_org = {
        use diesel::prelude::*;
        use selfreg::db::schema::signatures;
        signatures::table
            .filter(signatures::state.eq("applied"))
            .select((signatures::pledge_id, signatures::organization_id))
            .first::<(i64, i64)>(&mut *app.conn())
            .unwrap()
    };
    let (pid, applicant) = applied_org;
    let (status, _, d) = api(&app, &format!("/api/v1/pledges/{pid}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!d["commitments"].as_array().unwrap().is_empty(), "{d}");
    let signatories = all_items(&app, &format!("/api/v1/pledges/{pid}/signatories?limit=7")).await;
    assert!(!signatories.is_empty());
    assert!(signatories
        .iter()
        .all(|s| ["verified", "suspended", "withdrawn"].contains(&s["state"]["code"].as_str().unwrap())));
    assert!(
        signatories.iter().all(|s| s["org"]["id"].as_i64() != Some(applicant)),
        "a pending application is not public"
    );
    let (status, _, p) = api(&app, &format!("/api/v1/pledges/{pid}/signatories?status=applied")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["parameter"], "status");

    let (status, _, periods) = api(&app, "/api/v1/pledges/2/periods").await;
    assert_eq!(status, StatusCode::OK);
    assert!(periods["items"].as_array().unwrap().iter().all(|p| p["due_at"].as_str().unwrap().ends_with("+08:00")));
}

#[tokio::test]
async fn organizations_are_listed_and_shown_without_contact_data() {
    let app = spawn_app().await;
    let orgs = all_items(&app, "/api/v1/orgs?limit=10").await;
    assert!(orgs.len() > 10);
    let platform = id_where(&app, "organizations", "name_zh", "示例平台01");
    let (status, _, o) = api(&app, &format!("/api/v1/orgs/{platform}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(o.get("contact").is_none(), "{o}");
    assert_eq!(o["name"]["zh"], "示例平台01");
    // Only its accepted reports.
    let accepted: Vec<i64> = {
        use diesel::prelude::*;
        use selfreg::db::schema::reports;
        reports::table
            .filter(reports::organization_id.eq(platform))
            .filter(reports::state.eq("accepted"))
            .select(reports::id)
            .load(&mut *app.conn())
            .unwrap()
    };
    let mut listed: Vec<i64> = o["reports"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    listed.sort();
    let mut accepted = accepted;
    accepted.sort();
    assert_eq!(listed, accepted);
    assert_eq!(api(&app, "/api/v1/orgs/999999").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_accepted_reports_are_public() {
    let app = spawn_app().await;
    let accepted = id_where(&app, "reports", "state", "accepted");
    let (status, _, r) = api(&app, &format!("/api/v1/reports/{accepted}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(r["state"]["code"], "accepted");
    assert!(!r["entries"].as_array().unwrap().is_empty());
    assert!(!r.to_string().contains("review_comment"));
    for state in ["draft", "submitted", "returned"] {
        let id = id_where(&app, "reports", "state", state);
        assert_eq!(api(&app, &format!("/api/v1/reports/{id}")).await.0, StatusCode::NOT_FOUND, "{state}");
    }
}

#[tokio::test]
async fn the_dashboard_gives_the_matrix_standings_with_reasons_and_totals() {
    let app = spawn_app().await;
    let period = id_where(&app, "reporting_periods", "label_zh", "第二期（下半年度）");
    let pledge = 2;
    let (status, _, b) = api(&app, &format!("/api/v1/dashboard?pledge={pledge}&period={period}")).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["period"]["id"], period);
    let rows = b["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    let n = b["commitments"].as_array().unwrap().len();
    for r in rows {
        assert_eq!(r["cells"].as_array().unwrap().len(), n);
        assert!(r["standing"]["reason"]["zh"].as_str().is_some_and(|s| !s.is_empty()), "{r}");
        assert!(r["standing"]["reason"]["en"].as_str().is_some_and(|s| !s.is_empty()), "{r}");
    }
    // Rows with an accepted report have their implementation in words, and link to it.
    assert!(rows
        .iter()
        .any(|r| r["report"].is_string() && !r["standing"]["implementation"]["zh"].as_str().unwrap().is_empty()));
    let standings: i64 =
        b["totals"]["standings"].as_array().unwrap().iter().map(|s| s["count"].as_i64().unwrap()).sum();
    assert_eq!(standings, b["totals"]["signatories"].as_i64().unwrap());

    let (status, _, p) = api(&app, "/api/v1/dashboard?pledge=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(p["errors"][0]["parameter"], "pledge");
    assert_eq!(api(&app, &format!("/api/v1/dashboard?pledge={pledge}&period=999999")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(api(&app, "/api/v1/dashboard").await.0, StatusCode::OK, "the default pledge and period");
}

#[tokio::test]
async fn every_operation_of_the_document_answers() {
    let app = spawn_app().await;
    let (status, _, doc) = api(&app, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for expected in [
        "/api/v1/standards",
        "/api/v1/standards/{id}",
        "/api/v1/standards/{id}/comments",
        "/api/v1/pledges",
        "/api/v1/pledges/{id}",
        "/api/v1/pledges/{id}/signatories",
        "/api/v1/pledges/{id}/periods",
        "/api/v1/orgs",
        "/api/v1/orgs/{id}",
        "/api/v1/dashboard",
        "/api/v1/reports/{id}",
    ] {
        assert!(paths.contains_key(expected), "{expected} is documented");
    }
    let accepted = id_where(&app, "reports", "state", "accepted");
    let superseded = id_where(&app, "standards", "state", "superseded");
    for (path, item) in paths {
        let Some(get) = item.get("get") else { continue };
        if get.get("security").is_some() {
            continue; // machine filing: with a token (tests/api/machine)
        }
        let id = if path.starts_with("/api/v1/reports") {
            accepted
        } else if path.starts_with("/api/v1/standards") {
            superseded
        } else {
            1
        };
        let concrete = path.replace("{id}", &id.to_string());
        let (status, _, body) = api(&app, &concrete).await;
        assert_eq!(status, StatusCode::OK, "{concrete} ({}) answers: {body}", get["operationId"]);
    }
    // Anything else under /api/v1 is a problem too, not a page.
    let (status, _, _) = api(&app, "/api/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(api(&app, "/api/v1/standards/abc").await.0, StatusCode::NOT_FOUND);
}
