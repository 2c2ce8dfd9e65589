//! The JSON API under `/api/v1`. Errors are RFC 9457 problem details
//! (`problem`). Machine filing with API tokens (`tokens`, `filing`).
//!
//! Minimal version written with the filing endpoints; the read-only API's
//! engineer owns this file — at the merge their routes and these are joined.

pub mod filing;
pub mod problem;
pub mod tokens;

use actix_web::web;

/// Whether a path belongs to the API: Bearer tokens, never the session, so no
/// CSRF token either; errors as problem+json.
pub fn is_api_path(path: &str) -> bool {
    path == "/api/v1" || path.starts_with("/api/v1/")
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/me/periods", web::get().to(filing::my_periods))
        .route("/api/v1/periods/{period}/report", web::get().to(filing::get_report))
        .route("/api/v1/periods/{period}/report", web::put().to(filing::put_report))
        .route("/api/v1/periods/{period}/report/evidence", web::post().to(filing::post_evidence))
        .route("/api/v1/periods/{period}/report/submit", web::post().to(filing::submit));
}
