//! API tokens and machine filing (issue 13 §3): tokens on `/account/tokens`
//! and from the command line, Bearer authentication (never the session),
//! scopes, the rate limit, and filing a report over `/api/v1`.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

mod filing;
mod tokens;

/// A token of the demo user `email` with `scopes`, made the way the page makes one.
pub fn token_for(app: &TestApp, email: &str, scopes: &[&str], name: &str) -> String {
    use selfreg::db::api_tokens::{create, NewToken};
    let scopes: Vec<_> = scopes.iter().map(|s| selfreg::domain::token::Scope::parse(s).unwrap()).collect();
    let s = selfreg::auth::token::new_secret();
    let t = NewToken {
        user_id: user_id(app, email),
        name,
        hash: &s.hash,
        prefix: &s.prefix,
        scopes: &scopes,
        expires_at: None,
    };
    create(&mut app.conn(), selfreg::db::audit::Actor::SYSTEM, &t).unwrap();
    s.secret
}

/// A request to the API with a token (and no cookies at all).
pub struct Api<'a> {
    pub app: &'a TestApp,
    pub token: String,
    pub client: reqwest::Client,
}

impl<'a> Api<'a> {
    pub fn new(app: &'a TestApp, token: String) -> Self {
        Api { app, token, client: new_client() }
    }

    pub fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.app.url(path)).bearer_auth(&self.token)
    }

    /// A GET, its answer recorded for CI's schema check like the open data API's (`open_data::record`).
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        answer(self.fetch(path).await).await
    }

    /// A GET, read whole and recorded.
    pub async fn fetch(&self, path: &str) -> Reply {
        Reply::send(self.req(reqwest::Method::GET, path)).await
    }

    pub async fn put_json(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> Reply {
        let mut r =
            self.req(reqwest::Method::PUT, path).header("content-type", "application/json").body(body.to_string());
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        Reply::send(r).await
    }

    pub async fn post(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut r = self.req(reqwest::Method::POST, path);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        Reply::send(r).await
    }
}

/// An answer read whole (status, headers, JSON body), recorded for CI's
/// check of every API answer against its operation's schema.
pub struct Reply {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Reply {
    /// Send a request, read its answer whole and record it with the request's method and path.
    pub async fn send(request: reqwest::RequestBuilder) -> Reply {
        let (client, request) = request.build_split();
        let request = request.unwrap();
        let method = request.method().as_str().to_ascii_lowercase();
        let r = client.execute(request).await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let path = r.url().path().to_owned();
        let text = r.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| json!({ "not_json": text }))
        };
        crate::open_data::record(&method, &path, status, &headers, &body);
        Reply { status, headers, body }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        &self.headers
    }
}

/// Status and JSON body of an answer.
pub async fn answer(r: Reply) -> (StatusCode, Value) {
    (r.status, r.body)
}

/// An answer is RFC 9457 problem+json with this status.
pub async fn problem(r: Reply, status: StatusCode) -> Value {
    assert_eq!(r.status(), status, "{:?} {}", r.headers(), r.body);
    let ct = r.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
    assert_eq!(ct, "application/problem+json");
    let v = r.body;
    assert_eq!(v["status"], status.as_u16(), "{v}");
    // A kind documented on /api, or `about:blank` when the status says it all (RFC 9457).
    assert!(v["type"].as_str().is_some_and(|t| t.starts_with("/api#problem-") || t == "about:blank"), "{v}");
    assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    v
}

/// The pointers of a problem's errors.
pub fn pointers(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["pointer"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}
