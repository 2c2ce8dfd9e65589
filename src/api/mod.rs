//! The JSON API under `/api/v1`. Errors are RFC 9457 problem details
//! (`problem`). Machine filing with API tokens (`tokens`, `filing`).
//!
//! Minimal version written with the filing endpoints; the read-only API's
//! engineer owns this file — at the merge, `.configure(filing::routes)` goes
//! inside their `/api/v1` scope (the filing routes are relative to it).

pub mod filing;
pub mod problem;
pub mod tokens;
mod write;

use actix_web::web;

/// Whether a path belongs to the API: Bearer tokens, never the session, so no
/// CSRF token either; errors as problem+json.
pub fn is_api_path(path: &str) -> bool {
    path == "/api/v1" || path.starts_with("/api/v1/")
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/api/v1").configure(filing::routes));
}
