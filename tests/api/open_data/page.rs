//! `/api`: the reference page, in both languages, generated from the document.

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
