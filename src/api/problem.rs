//! Errors of the API as RFC 9457 problem details (`application/problem+json`):
//! `type`, `title`, `status`, `detail`, and for invalid input the fields at
//! fault in `errors`, each with a JSON `pointer` (into a body) or the name of
//! the query `parameter`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;
use crate::web::middleware::KeepBody;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// A problem: what went wrong, for machines (`type`, `status`) and people (`title`, `detail`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    #[schema(example = "/api#problem-invalid-parameter")]
    pub kind: String,
    /// A short summary of the kind of problem (English).
    #[schema(example = "Invalid parameter")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 400)]
    pub status: u16,
    /// What went wrong this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The fields at fault, for invalid input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<FieldError>,
    /// Headers sent along (`WWW-Authenticate` for 401/403, `Retry-After`).
    #[serde(skip)]
    #[schema(ignore)]
    pub headers: Vec<(&'static str, String)>,
}

/// One field at fault.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// A JSON Pointer (RFC 6901) into the request body, e.g. `#/entries/0/status`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "#/entries/0/status")]
    pub pointer: Option<String>,
    /// The query parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "status")]
    pub parameter: Option<String>,
    /// What is wrong with it.
    pub detail: String,
}

impl FieldError {
    pub fn parameter(name: &str, detail: impl Into<String>) -> Self {
        FieldError { pointer: None, parameter: Some(name.to_owned()), detail: detail.into() }
    }

    pub fn pointer(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError { pointer: Some(pointer.into()), parameter: None, detail: detail.into() }
    }
}

impl Problem {
    /// A problem whose status says it all (`type: about:blank`, the status's reason as title).
    pub fn status(status: StatusCode) -> Self {
        Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: None,
            errors: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// A problem of a kind documented on `/api` (anchor `problem-{slug}`).
    pub fn typed(status: StatusCode, slug: &str, title: &str) -> Self {
        Problem { kind: format!("/api#problem-{slug}"), title: title.into(), ..Problem::status(status) }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Invalid query parameters or body fields (400).
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let mut p = Problem::typed(StatusCode::BAD_REQUEST, "invalid-parameter", "Invalid parameter");
        p.detail = Some(errors.iter().map(|e| e.detail.as_str()).collect::<Vec<_>>().join("; "));
        p.errors = errors;
        p
    }

    /// The response carrying this problem (kept as is by the error-page middleware).
    pub fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(self).unwrap_or_else(|_| "{}".into());
        let mut res = HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, CONTENT_TYPE))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body);
        for (name, value) in &self.headers {
            if let Ok(v) = header::HeaderValue::from_str(value) {
                res.headers_mut().insert(header::HeaderName::from_static(name), v);
            }
        }
        res.extensions_mut().insert(KeepBody);
        res
    }

    /// A header sent along with the problem (a lower-case name).
    pub fn header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The fields at fault (for a status other than `invalid`'s 400, e.g. 422).
    pub fn errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }
}

/// A JSON pointer segment (RFC 6901: `~` and `/` escaped).
pub fn segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// What an API handler returns on failure.
#[derive(Debug)]
pub enum ApiError {
    Problem(Box<Problem>),
    /// Too many requests: retry after this many seconds.
    TooMany(u64),
    App(AppError),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Problem(p) => write!(f, "{} {}", p.status, p.title),
            ApiError::TooMany(s) => write!(f, "too many requests, retry after {s} s"),
            ApiError::App(e) => e.fmt(f),
        }
    }
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError::Problem(Box::new(p))
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        ApiError::App(e.into())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        ApiError::App(e.into())
    }
}

impl ApiError {
    pub fn not_found() -> Self {
        Problem::status(StatusCode::NOT_FOUND).detail("No such record, or it is not public.").into()
    }

    pub fn problem(&self) -> Problem {
        match self {
            ApiError::Problem(p) => (**p).clone(),
            ApiError::TooMany(s) => Problem::typed(StatusCode::TOO_MANY_REQUESTS, "rate-limit", "Too many requests")
                .detail(format!(
                    "Each client address may send a limited number of requests a minute; retry after {s} s."
                )),
            ApiError::App(e) => from_status(e.info().status),
        }
    }
}

/// The problem for a plain status (errors raised below the API, e.g. a bad path).
pub fn from_status(status: StatusCode) -> Problem {
    match status.as_u16() {
        404 => Problem::status(StatusCode::NOT_FOUND).detail("No such record, or it is not public."),
        s if s >= 500 => Problem::status(status).detail("The server could not answer; please try again later."),
        _ => Problem::status(status),
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.problem().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::App(AppError::Internal(e)) = self {
            log::error!("api: {e:#}");
        }
        let mut res = self.problem().response();
        match self {
            ApiError::TooMany(s) => {
                res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(*s));
            }
            ApiError::App(AppError::Unavailable(_)) => {
                res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            }
            _ => {}
        }
        res
    }
}
