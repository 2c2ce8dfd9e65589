//! Administration: users, organizations and the audit log. Admins only.
//!
//! Every change is one step: extract (typed ids, the admin, the checked form)
//! → one [`AppState::act`] → [`crate::web::flow::respond`].

mod audit;
mod audit_chain;
pub mod auditview;
mod orgs;
mod outbox;
mod users;

use actix_web::web;
use serde::Deserialize;

use super::redirect;
use crate::auth::{require_role, CurrentUser};
use crate::domain::Role;
use crate::error::AppResult;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(|| async { redirect("/admin/users") }))
        .route("/admin/users", web::get().to(users::list))
        .route("/admin/users", web::post().to(users::create))
        .route("/admin/users/new", web::get().to(users::new))
        .route("/admin/users/{id}", web::get().to(users::edit))
        .route("/admin/users/{id}", web::post().to(users::update))
        .route("/admin/users/{id}/password", web::post().to(users::password))
        .route("/admin/users/{id}/invite", web::post().to(users::invite))
        .route("/admin/orgs", web::get().to(orgs::list))
        .route("/admin/orgs", web::post().to(orgs::create))
        .route("/admin/orgs/new", web::get().to(orgs::new))
        .route("/admin/orgs/{id}", web::get().to(orgs::edit))
        .route("/admin/orgs/{id}", web::post().to(orgs::update))
        .route("/admin/audit", web::get().to(audit::list))
        .route("/admin/audit.csv", web::get().to(audit::export_csv))
        .route("/admin/outbox", web::get().to(outbox::list))
        .route("/admin/outbox/test", web::post().to(outbox::send_test))
        .route("/admin/outbox/{id}", web::get().to(outbox::show))
        .route("/admin/outbox/{id}/retry", web::post().to(outbox::retry))
        .route("/admin/audit/verify", web::post().to(audit_chain::verify_now));
}

/// Admin pages do not exist for anyone else: 404, as for every record a
/// user cannot see (the design's rule), not 403.
pub(crate) fn admin(user: &CurrentUser) -> AppResult<()> {
    require_role(user, Role::Admin).map_err(|_| crate::error::AppError::Hidden)
}

pub(crate) const PER_PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
    #[serde(default)]
    q: String,
}
