//! RFC 9457 problem details (`application/problem+json`): every error of the
//! API answers with one — a `type`, a `title`, the `status`, a `detail` in the
//! client's language (`Accept-Language`), and for input that cannot be
//! accepted, `errors`: each with a JSON pointer into the request (or the
//! report) and what is wrong there.
//!
//! Minimal version written with the filing endpoints; the read-only API's
//! engineer owns this file — their version wins at the merge.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::web::middleware::KeepBody;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// One thing wrong with the input, where it is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldError {
    /// RFC 6901 JSON pointer as a URI fragment, e.g. `#/entries/0/indicators/1/value` (into the request body, or for submission into the report's `entries`; `#/file`, `#/commitment`: multipart fields).
    pub pointer: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// The problem type: `/api#problem-{slug}` in the document.
    #[serde(rename = "type", serialize_with = "type_uri")]
    pub slug: &'static str,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
    /// Headers sent along: `Retry-After` (429), `WWW-Authenticate` (401, 403 for a missing scope).
    #[serde(skip)]
    pub headers: Vec<(&'static str, String)>,
}

impl Problem {
    /// A problem of type `slug` (documented at `/api#problem-{slug}`), its
    /// title from the catalog key `api.problem.{slug}`.
    pub fn new(lang: Lang, status: StatusCode, slug: &'static str) -> Problem {
        let key = format!("api.problem.{slug}");
        let title = match lang.t(&key) {
            t if t == key => status.canonical_reason().unwrap_or("Error").to_owned(),
            t => t.to_owned(),
        };
        Problem { slug, title, status: status.as_u16(), detail: String::new(), errors: Vec::new(), headers: Vec::new() }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Problem {
        self.detail = detail.into();
        self
    }

    pub fn header(mut self, name: &'static str, value: String) -> Problem {
        self.headers.push((name, value));
        self
    }

    pub fn errors(mut self, errors: Vec<FieldError>) -> Problem {
        self.errors = errors;
        self
    }

    /// The generic problem of a status (what the error-page middleware answers
    /// on `/api/` paths for errors no handler described).
    pub fn of_status(lang: Lang, status: StatusCode) -> Problem {
        let slug = match status.as_u16() {
            400 => "bad-request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not-found",
            405 => "method-not-allowed",
            408 => "timeout",
            409 => "conflict",
            413 => "too-large",
            429 => "too-many-requests",
            503 => "unavailable",
            s if s >= 500 => "internal",
            _ => "bad-request",
        };
        Problem::new(lang, status, slug)
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    pub fn response(&self) -> HttpResponse {
        let mut b = HttpResponse::build(self.status());
        b.content_type(CONTENT_TYPE);
        for (name, value) in &self.headers {
            b.insert_header((*name, value.clone()));
        }
        let mut res = b.body(self.to_json().to_string());
        res.extensions_mut().insert(KeepBody);
        res
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.title)
    }
}

impl actix_web::ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.response()
    }
}

fn type_uri<S: serde::Serializer>(slug: &&'static str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("/api#problem-{slug}"))
}

/// A JSON pointer segment (RFC 6901: `~` and `/` escaped).
pub fn segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_have_the_rfc_9457_members() {
        let p = Problem::new(Lang::En, StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            .detail("x")
            .errors(vec![FieldError { pointer: "#/entries/0/status".into(), detail: "y".into() }]);
        let v = p.to_json();
        assert_eq!(v["type"], "/api#problem-invalid");
        assert_eq!(v["status"], 422);
        assert_eq!(v["errors"][0]["pointer"], "#/entries/0/status");
        assert!(v["title"].is_string());
        assert_eq!(segment("a/b~c"), "a~1b~0c");
    }
}
