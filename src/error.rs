//! The error every handler returns. Responses carry an [`ErrorInfo`]; the
//! error-page middleware renders it in the visitor's language with the request id.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// A page that does not exist for this user's role (the admin pages):
    /// answered like one that does not exist at all (404), and kept in the
    /// security log as a refused request, like a 403.
    #[error("not for this role")]
    Hidden,
    #[error("sign-in required")]
    LoginRequired { next: String },
    #[error("CSRF check failed: {0}")]
    Csrf(&'static str),
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("too many requests")]
    TooManyRequests(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("request body stalled")]
    RequestTimeout,
    #[error("too many uploads at once")]
    UploadsBusy,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

/// What the error page shows: a status and a catalog key (or a ready message).
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub message_key: &'static str,
    pub detail: Option<String>,
}

impl AppError {
    pub fn info(&self) -> ErrorInfo {
        let (status, key, detail) = match self {
            AppError::NotFound | AppError::Hidden => (StatusCode::NOT_FOUND, "error.404", None),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "error.403", None),
            AppError::LoginRequired { .. } => (StatusCode::SEE_OTHER, "error.login_required", None),
            AppError::Csrf(_) => (StatusCode::FORBIDDEN, "error.csrf", None),
            AppError::BadRequest(key) => (StatusCode::BAD_REQUEST, *key, None),
            AppError::Conflict(key) => (StatusCode::CONFLICT, *key, None),
            AppError::TooManyRequests(msg) => (StatusCode::TOO_MANY_REQUESTS, "error.429", Some(msg.clone())),
            AppError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "error.413", None),
            AppError::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "error.408", None),
            AppError::UploadsBusy => (StatusCode::SERVICE_UNAVAILABLE, "error.uploads_busy", None),
            AppError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "error.503", None),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error.500", None),
        };
        ErrorInfo { status, message_key: key, detail }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.info().status
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::LoginRequired { next } = self {
            let location = format!("/login?next={}", crate::domain::text::urlencode(next));
            return HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish();
        }
        let info = self.info();
        let mut res = HttpResponse::build(info.status).finish();
        if info.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        res.extensions_mut().insert(info);
        if let AppError::Hidden = self {
            res.extensions_mut().insert(Refused);
        }
        res
    }
}

/// Marks an answer the security log keeps as a refused request whatever its status.
#[derive(Debug, Clone, Copy)]
pub struct Refused;

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        if e.is_unavailable() {
            AppError::Unavailable(e.to_string())
        } else {
            AppError::Internal(anyhow::Error::new(e))
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::from(DbError::Query(e))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;
