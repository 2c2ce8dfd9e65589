//! The open data API (`/api/v1`), black-box over HTTP: every read operation,
//! visibility, paging, caching, CORS, the rate limit and problem details.
//!
//! Every response read through [`api`] is also written to the folder named by
//! `SELFREG_API_RECORD` (when set), so that `.ci/run` can check each one
//! against its operation's schema in the OpenAPI document
//! (`tests/api/open_data/check_schema.py`).

mod cache;
mod page;
mod reads;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

/// GET `path` (with extra headers), the status, headers and JSON body (Null when empty); recorded.
pub async fn api_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (StatusCode, HeaderMap, Value) {
    let mut req = app.client.get(app.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let h = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("a JSON body") };
    if status.as_u16() >= 400 {
        let ct = h.get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        assert_eq!(ct, "application/problem+json", "{path}: errors are problem details");
        assert_eq!(body["status"], status.as_u16(), "{path}: {body}");
        assert!(body["type"].is_string() && body["title"].is_string(), "{path}: {body}");
    }
    record("get", path, status, &h, &body);
    (status, h, body)
}

pub async fn api(app: &TestApp, path: &str) -> (StatusCode, HeaderMap, Value) {
    api_with(app, path, &[]).await
}

/// Keep the answer to a `method` (lower case) request for the schema check (see the module's comment).
pub fn record(method: &str, path: &str, status: StatusCode, headers: &HeaderMap, body: &Value) {
    let Ok(dir) = std::env::var("SELFREG_API_RECORD") else { return };
    if dir.is_empty() || body.is_null() {
        return;
    }
    std::fs::create_dir_all(&dir).unwrap();
    let ct = headers.get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let path_only = path.split('?').next().unwrap_or(path);
    let entry = serde_json::json!({
        "method": method,
        "path": path_only,
        "status": status.as_u16(),
        "content_type": ct,
        "body": body,
    });
    let name = format!("{}-{}.json", std::process::id(), selfreg::auth::random_hex(8));
    std::fs::write(std::path::Path::new(&dir).join(name), entry.to_string()).unwrap();
}

/// The id of the row of `table` whose `column` is `value`.
pub fn id_where(app: &TestApp, table: &str, column: &str, value: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let q = format!("SELECT id FROM {table} WHERE {column} = '{}' ORDER BY id LIMIT 1", value.replace('\'', "''"));
    diesel::sql_query(q).get_result::<Row>(&mut *app.conn()).unwrap().id
}

/// Every item of a list, following its `next` links.
pub async fn all_items(app: &TestApp, first: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut path = first.to_owned();
    for _ in 0..100 {
        let (status, _, body) = api(app, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        items.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next"].as_str() {
            Some(next) => path = next.strip_prefix(&app.addr).expect("next is on this site").to_owned(),
            None => return items,
        }
    }
    panic!("the list never ends");
}
