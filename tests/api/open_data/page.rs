//! `/api`: the reference page, in both languages, generated from the document;
//! and paging: keyset cursors, stable while the lists change.

use super::*;

#[tokio::test]
async fn the_reference_page_lists_every_operation_with_a_curl_example_in_both_languages() {
    let app = spawn_app().await;
    let (_, _, doc) = api(&app, "/api/v1/openapi.json").await;
    let ops: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(p, item)| item.get("get").map(|g| (p.clone(), g)))
        .filter(|(_, g)| g.get("security").is_none())
        .map(|(p, g)| (p, g["operationId"].as_str().unwrap().to_owned()))
        .collect();
    assert!(ops.len() >= 12);
    for (lang, title, conventions) in [("zh", "开放数据接口", "约定"), ("en", "Open data API", "Conventions")] {
        let r = app.client.get(app.url("/api")).header("accept-language", lang).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{lang}");
        assert!(html.contains(conventions), "{lang}");
        for (path, id) in &ops {
            assert!(html.contains(&format!("id=\"op-{id}\"")), "{lang}: {id}");
            assert!(html.contains(&format!("GET {path}")), "{lang}: {path}");
            let concrete = path.replace("{id}", "1");
            assert!(
                html.contains(&format!("curl -s &#x27;{}{concrete}", app.addr)),
                "{lang}: a curl example for {path}"
            );
        }
        // Machine filing: each operation with its method and a curl line with a token.
        for (op, line) in [
            ("myPeriods", "GET /api/v1/me/periods"),
            ("putOwnReport", "PUT /api/v1/periods/{period}/report"),
            ("postEvidence", "POST /api/v1/periods/{period}/report/evidence"),
            ("submitOwnReport", "POST /api/v1/periods/{period}/report/submit"),
        ] {
            assert!(html.contains(&format!("id=\"op-{op}\"")) && html.contains(line), "{lang}: {op}");
        }
        assert!(html.contains("curl -s -X PUT \\\n  -H &#x27;Authorization: Bearer srg_…&#x27;"), "{lang}");
        // Writes show their headers and a body of the operation's shape.
        assert!(html.contains("-H &#x27;If-Match: &quot;3&quot;&#x27;"), "{lang}");
        assert!(html.contains("-F commitment=1.1 -F file=@evidence.pdf"), "{lang}");
        // The examples carry the document's example values.
        assert!(html.contains("/api/v1/standards?status=in_force&amp;limit=20"), "{lang}");
    }
    // Linked from every page's footer.
    assert!(app.get_html("/").await.1.contains("href=\"/api\""));
}

// ---------------------------------------------------------------- paging

fn exec(app: &TestApp, sql: &str) {
    use diesel::RunQueryDsl;
    diesel::sql_query(sql).execute(&mut *app.conn()).unwrap();
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

/// The path of a page's `next` link (None on the last page).
fn next_of(app: &TestApp, page: &Value) -> Option<String> {
    page["next"].as_str().map(|n| n.strip_prefix(&app.addr).expect("next is on this site").to_owned())
}

/// Walk a list from `first`, calling `meanwhile` once after the first page:
/// the ids seen, in order.
async fn walk(app: &TestApp, first: &str, meanwhile: impl FnOnce()) -> Vec<i64> {
    let (status, _, page) = api(app, first).await;
    assert_eq!(status, StatusCode::OK, "{first}: {page}");
    let mut seen = ids(page["items"].as_array().unwrap());
    meanwhile();
    if let Some(next) = next_of(app, &page) {
        seen.extend(ids(&all_items(app, &next).await));
    }
    seen
}

fn assert_once_each(seen: &[i64], before: &[i64], moved: Option<i64>, what: &str) {
    let mut unique = seen.to_vec();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "{what}: no item twice: {seen:?}");
    for id in before.iter().filter(|id| Some(**id) != moved) {
        assert!(seen.contains(id), "{what}: {id} stayed put and was not missed: {seen:?} (before: {before:?})");
    }
}

/// A pledge added at the head, a standard moved to the top, an organization
/// added at the head: a client walking the `next` links (2 per page) sees no
/// item twice and misses none that stayed put (an offset cursor repeats the
/// first page's last item).
#[tokio::test]
async fn walking_the_pages_while_the_list_changes_sees_each_item_once() {
    let app = spawn_app().await;
    let now = selfreg::db::now();
    let issuer = id_where(&app, "organizations", "kind", "association");
    let add_pledge = |title: &str| {
        exec(
            &app,
            &format!(
                "INSERT INTO pledges (kind, title_zh, title_en, organization_id, guiding_body_zh, guiding_body_en, \
                 text_md_zh, text_md_en, state, version, opened_at, created_at, updated_at) VALUES ('initiative', \
                 '{title}', '{title}', {issuer}, '', '', '', '', 'open', 1, '{now}', '{now}', '{now}')"
            ),
        )
    };
    for n in 0..3 {
        add_pledge(&format!("分页倡议{n}"));
    }

    // Pledges, newest first: a new one at the head between page 1 and 2.
    let before = ids(&all_items(&app, "/api/v1/pledges?limit=100").await);
    assert!(before.len() >= 5, "{before:?}");
    let seen = walk(&app, "/api/v1/pledges?limit=2", || add_pledge("分页期间新增")).await;
    assert_once_each(&seen, &before, None, "pledges");
    let (_, _, p) = api(&app, "/api/v1/pledges?limit=2").await;
    assert_eq!(p["total"].as_i64().unwrap(), before.len() as i64 + 1, "total counts every pledge");

    // Standards, newest activity first: one from the last page moves to the top.
    let before = ids(&all_items(&app, "/api/v1/standards?limit=100").await);
    assert!(before.len() > 4, "{before:?}");
    let last = *before.last().unwrap();
    let later = now + chrono::Duration::days(1);
    let seen = walk(&app, "/api/v1/standards?limit=2", || {
        exec(&app, &format!("UPDATE standards SET updated_at = '{later}' WHERE id = {last}"))
    })
    .await;
    assert_once_each(&seen, &before, Some(last), "standards");

    // Organizations, by kind and Chinese name: a new association named to sort first.
    let before = ids(&all_items(&app, "/api/v1/orgs?limit=100").await);
    let seen = walk(&app, "/api/v1/orgs?limit=2", || {
        exec(
            &app,
            &format!(
                "INSERT INTO organizations (kind, name_zh, name_en, credit_code, website, contact, created_at, \
                 updated_at) VALUES ('association', '0 分页协会', 'Paging association', '91110000PAGE00001X', '', '', \
                 '{now}', '{now}')"
            ),
        )
    })
    .await;
    assert_once_each(&seen, &before, None, "orgs");
}

/// The pledge with the most public signatures (and how many).
fn busiest_pledge(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::signatures;
    signatures::table
        .filter(signatures::state.eq_any(["verified", "suspended", "withdrawn"]))
        .group_by(signatures::pledge_id)
        .select((signatures::pledge_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(&mut *app.conn())
        .unwrap()
        .into_iter()
        .max_by_key(|(pid, n)| (*n, -pid))
        .unwrap()
        .0
}

/// `n` new organizations (of two kinds) signing the pledge, verified, each with an event.
fn add_signatories(app: &TestApp, pledge: i64, n: usize, tag: &str) {
    let now = selfreg::db::now();
    for i in 0..n {
        let kind = if i % 2 == 0 { "platform" } else { "agency" };
        let code = format!("9111{:0>6}{tag}{i:0>4}", pledge % 1_000_000);
        exec(
            app,
            &format!(
                "INSERT INTO organizations (kind, name_zh, name_en, credit_code, website, contact, created_at, \
                 updated_at) VALUES ('{kind}', '签署方{tag}{i:0>3}', 'Signatory {tag}{i}', '{code}', '', '', '{now}', \
                 '{now}')"
            ),
        );
        let org = id_where(app, "organizations", "credit_code", &code);
        exec(
            app,
            &format!(
                "INSERT INTO signatures (pledge_id, organization_id, state, all_commitments, representative_name, \
                 representative_title, applied_at, decided_at, state_changed_at, reason, version, created_at, \
                 updated_at) VALUES ({pledge}, {org}, 'verified', TRUE, '代表', '经理', '{now}', '{now}', '{now}', '', \
                 1, '{now}', '{now}')"
            ),
        );
        let sig = id_where(app, "signatures", "organization_id", &org.to_string());
        exec(
            app,
            &format!(
                "INSERT INTO signature_events (signature_id, at, from_state, to_state, note) VALUES ({sig}, '{now}', \
                 'applied', 'verified', '')"
            ),
        );
    }
}

#[tokio::test]
async fn signatories_page_in_the_order_of_one_big_page_and_refuse_foreign_cursors() {
    let app = spawn_app().await;
    let pid = busiest_pledge(&app);
    add_signatories(&app, pid, 7, "P");
    let base = format!("/api/v1/pledges/{pid}/signatories");
    let (status, _, whole) = api(&app, &format!("{base}?limit=100")).await;
    assert_eq!(status, StatusCode::OK, "{whole}");
    let whole = whole["items"].as_array().unwrap().clone();
    assert!(whole.len() >= 5, "{whole:?}");
    let (_, _, first) = api(&app, &format!("{base}?limit=2")).await;
    assert_eq!(first["total"].as_i64().unwrap(), whole.len() as i64);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let paged = all_items(&app, &format!("{base}?limit=2")).await;
    assert_eq!(paged, whole, "the pages of 2 are the big page, item for item, in order");
    // With a filter the `next` links keep it, and the pages still add up.
    let agencies = all_items(&app, &format!("{base}?limit=100&kind=agency")).await;
    assert!(agencies.len() >= 3, "{agencies:?}");
    assert_eq!(ids(&all_items(&app, &format!("{base}?limit=2&kind=agency")).await), ids(&agencies));

    // A cursor of another list, of another version, or tampered with: 400 naming `cursor`.
    let next = first["next"].as_str().unwrap();
    let cursor = next.split("cursor=").nth(1).unwrap().to_owned();
    let (_, _, orgs) = api(&app, "/api/v1/orgs?limit=2").await;
    let orgs_cursor = orgs["next"].as_str().unwrap().split("cursor=").nth(1).unwrap().to_owned();
    let raw = String::from_utf8(hex_decode(&cursor)).unwrap();
    assert!(raw.starts_with("k1.signatories."), "{raw}");
    let offset_style = hex_encode("o1.2");
    let truncated = hex_encode(&raw[..raw.len() - 1]);
    let foreign_version = hex_encode(&raw.replacen("k1.", "k9.", 1));
    let not_hex = format!("{}zz", &cursor[..cursor.len() - 2]);
    for bad in [orgs_cursor.as_str(), &offset_style, &truncated, &foreign_version, &not_hex] {
        let (status, _, p) = api(&app, &format!("{base}?limit=2&cursor={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {p}");
        assert_eq!(p["errors"][0]["parameter"], "cursor", "{p}");
    }
    // The signatories' cursor is no cursor of the organizations either.
    let (status, _, p) = api(&app, &format!("/api/v1/orgs?limit=2&cursor={cursor}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    assert_eq!(p["errors"][0]["parameter"], "cursor");
}

fn hex_encode(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[tokio::test]
async fn a_signatories_page_takes_the_same_queries_whatever_the_number_of_signatories() {
    use selfreg::db::pledges::{self as pdb, SignatoryFilter};
    use selfreg::domain::pledge::SignatureState;

    let app = spawn_app().await;
    let pid = busiest_pledge(&app);
    let mut conn = CountingConn::new(&app);
    let filter = SignatoryFilter { states: SignatureState::PUBLIC.to_vec(), ..SignatoryFilter::default() };
    let mut seen = Vec::new();
    for (more, tag) in [(4, "A"), (40, "B")] {
        add_signatories(&app, pid, more, tag);
        // The first page, and the one after its last signature.
        let ((first, total), first_queries) =
            conn.queries(|c| pdb::signatories_page(c, pid, &filter, 3, None).unwrap());
        assert_eq!(first.len(), 3);
        let key = first.last().unwrap().key();
        let ((second, total2), second_queries) =
            conn.queries(|c| pdb::signatories_page(c, pid, &filter, 3, Some(&key)).unwrap());
        assert_eq!(second.len(), 3);
        assert_eq!(total, total2);
        assert!(total >= more as i64 + 3, "{total}");
        seen.push((first_queries, second_queries));
        // Over HTTP, the same page.
        let (status, _, page) = api(&app, &format!("/api/v1/pledges/{pid}/signatories?limit=3")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ids(page["items"].as_array().unwrap()), first.iter().map(|s| s.sig.id).collect::<Vec<_>>());
    }
    assert_eq!(seen[0], seen[1], "4 or 44 more signatories: the same number of queries");
    assert!(seen[0].0 <= 4 && seen[0].1 <= 4, "{seen:?}");
    // Each page's signatures come with their own events.
    let added = SignatoryFilter { name: "签署方".into(), ..filter.clone() };
    let (page, total) = pdb::signatories_page(&mut conn.conn, pid, &added, 3, None).unwrap();
    assert_eq!((page.len(), total), (3, 44));
    assert!(page.iter().all(|s| s.events.len() == 1 && s.org.name_zh.starts_with("签署方")));
}
