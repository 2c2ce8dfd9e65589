//! The session cookie and the signed-in user as handlers see them.

use std::future::{ready, Ready};

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use crate::db::sessions::SessionUser;
use crate::domain::Role;
use crate::error::AppError;

pub const COOKIE: &str = "selfreg_session";

/// A new session identifier: the token for the cookie and its hash for the table.
pub fn new_token() -> (String, String) {
    let token = super::random_hex(32);
    let hash = super::sha256_hex(&token);
    (token, hash)
}

pub fn cookie(token: String, secure: bool, lifetime_hours: u32) -> Cookie<'static> {
    Cookie::build(COOKIE, token)
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .max_age(time::Duration::hours(lifetime_hours.into()))
        .finish()
}

pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut c = Cookie::build(COOKIE, "").http_only(true).same_site(SameSite::Lax).path("/").secure(secure).finish();
    c.make_removal();
    c
}

/// The signed-in user of one request, as the session middleware found it.
/// It travels in the request's extensions: the [`CurrentUser`] extractor
/// reads it there, and web's page context builds on it.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Who acts, from this request's address.
    pub user: CurrentUser,
    /// The SHA-256 of the session's token (the table's key).
    pub session_hash: String,
    /// The session's CSRF token (every form of the session carries it).
    pub csrf_token: String,
    pub org_name_zh: String,
    pub org_name_en: String,
}

impl SignedIn {
    /// The session's user, acting from `address` (the request's client address).
    pub fn new(s: SessionUser, address: &str) -> SignedIn {
        SignedIn {
            user: CurrentUser {
                id: s.user_id,
                email: s.email,
                display_name: s.display_name,
                role: s.role,
                org_id: s.org_id,
                address: address.parse().ok(),
            },
            session_hash: s.session_hash,
            csrf_token: s.csrf_token,
            org_name_zh: s.org_name_zh,
            org_name_en: s.org_name_en,
        }
    }
}

/// The signed-in user. Extracting it from a request without a session answers
/// 303 to the login page with `next` set to the current path.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub org_id: i64,
    /// The client address of this request (audit rows record it).
    pub address: Option<std::net::IpAddr>,
}

impl CurrentUser {
    /// The acting user of a signed-in request (kept for pages written before
    /// [`SignedIn`] travelled on its own; `web::viewer` says the same).
    pub fn from_session(s: &SignedIn) -> Option<Self> {
        Some(s.user.clone())
    }

    /// The user as the audit log records them: who, for which organization, from which address.
    pub fn actor(&self) -> crate::db::audit::Actor {
        crate::db::audit::Actor {
            user_id: Some(self.id),
            org_id: Some(self.org_id),
            address: self.address,
            token_id: None,
        }
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let user = req.extensions().get::<SignedIn>().map(|s| s.user.clone());
        ready(match user {
            Some(u) => Ok(u),
            None => {
                let next = match req.uri().path_and_query() {
                    Some(pq) if req.method() == actix_web::http::Method::GET => pq.as_str().to_owned(),
                    _ => "/".to_owned(),
                };
                Err(AppError::LoginRequired { next })
            }
        })
    }
}

/// 403 unless the user has `role` (admins have every role).
pub fn require_role(user: &CurrentUser, role: Role) -> Result<(), AppError> {
    if user.role.allows(role) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// 403 unless the user may act for organization `org_id`: its own members, and admins.
pub fn require_same_organization(user: &CurrentUser, org_id: i64) -> Result<(), AppError> {
    if user.role == Role::Admin || user.org_id == org_id {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A `next` target is accepted only if it is a local path: it starts with one
/// `/`, and has no scheme, no `//host`, no backslash and no control characters.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control())
        && next.len() <= 2000;
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_accepts_only_local_paths() {
        assert_eq!(safe_next("/admin/users?x=1"), Some("/admin/users?x=1"));
        assert_eq!(safe_next("/"), Some("/"));
        for bad in [
            "//evil.example/x",
            "https://evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
            "evil",
            "/a\nb",
            "/a\\b",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }

    fn user(role: Role, org_id: i64) -> CurrentUser {
        CurrentUser { id: 1, email: "u@example.org".into(), display_name: "U".into(), role, org_id, address: None }
    }

    #[test]
    fn role_and_organization_checks() {
        assert!(require_role(&user(Role::Filer, 1), Role::Filer).is_ok());
        assert!(require_role(&user(Role::Filer, 1), Role::Editor).is_err());
        assert!(require_role(&user(Role::Admin, 1), Role::Reviewer).is_ok());
        assert!(require_same_organization(&user(Role::Filer, 1), 1).is_ok());
        assert!(require_same_organization(&user(Role::Filer, 1), 2).is_err());
        assert!(require_same_organization(&user(Role::Editor, 1), 2).is_err());
        assert!(require_same_organization(&user(Role::Admin, 1), 2).is_ok());
    }
}
