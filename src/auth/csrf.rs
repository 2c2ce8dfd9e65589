//! CSRF defences: a synchronizer token bound to the session for signed-in
//! users; for anonymous visitors a signed double-submit token (HMAC of a random
//! cookie value), so that showing them a form costs no database write.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
pub const ANON_COOKIE: &str = "selfreg_csrf";

/// Paths whose unsafe requests skip the token check. Deliberately empty:
/// every state-changing request of the site is a form of the site.
pub const EXEMPT: &[&str] = &[];

/// Path prefixes whose POSTs skip the token and cross-site checks: the
/// one-click unsubscribe (RFC 8058) that mail clients send from elsewhere,
/// where the random token in the address is itself the capability.
pub const EXEMPT_PREFIXES: &[&str] = &["/unsubscribe/"];

/// Whether an unsafe request to `path` skips the CSRF checks.
pub fn exempt(path: &str) -> bool {
    EXEMPT.contains(&path) || EXEMPT_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// Uploads (multipart forms) carry the token as the FIRST part of the body,
/// never in the URL. On these paths only, the middleware leaves the check to
/// the handler's upload reader, which verifies the first part before it reads
/// any other ([`Deferred`]): `/reports/{id}/save`, `/standards/{id}/versions`.
pub fn checked_in_first_part(path: &str) -> bool {
    let numbered = |rest: &str, tail: &str| {
        rest.strip_suffix(tail).is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
    };
    path.strip_prefix("/reports/").is_some_and(|r| numbered(r, "/save"))
        || path.strip_prefix("/standards/").is_some_and(|r| numbered(r, "/versions"))
}

/// A CSRF check the middleware left to the upload reader: the token the
/// first part must carry (empty when none can match, e.g. a new visitor).
#[derive(Debug, Clone)]
pub struct Deferred(pub String);

impl Deferred {
    pub fn accepts(&self, given: &str) -> bool {
        tokens_match(&self.0, given)
    }
}

/// The form token of an anonymous visitor with this cookie value.
pub fn anon_token(secret: &[u8], cookie_value: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"selfreg-csrf:");
    mac.update(cookie_value.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn tokens_match(expected: &str, given: &str) -> bool {
    !expected.is_empty() && expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// Whether a browser's fetch metadata / origin show a cross-site request.
/// `host` is the Host the request was sent to.
pub fn cross_site(sec_fetch_site: Option<&str>, origin: Option<&str>, host: &str) -> bool {
    if let Some(site) = sec_fetch_site {
        if !matches!(site, "same-origin" | "none") {
            return true;
        }
    }
    if let Some(origin) = origin {
        if origin == "null" {
            return true;
        }
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin).trim_end_matches('/');
        if !origin_host.eq_ignore_ascii_case(host) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anon_tokens_depend_on_secret_and_cookie() {
        let a = anon_token(b"k1", "c1");
        assert_eq!(a, anon_token(b"k1", "c1"));
        assert_ne!(a, anon_token(b"k2", "c1"));
        assert_ne!(a, anon_token(b"k1", "c2"));
        assert!(tokens_match(&a, &a.clone()));
        assert!(!tokens_match(&a, ""));
        assert!(!tokens_match("", ""));
    }

    #[test]
    fn only_upload_paths_check_the_first_part() {
        assert!(checked_in_first_part("/reports/12/save"));
        assert!(checked_in_first_part("/standards/3/versions"));
        for p in
            ["/reports/12/decision", "/reports//save", "/reports/x/save", "/standards/3/versions/new", "/login", "/"]
        {
            assert!(!checked_in_first_part(p), "{p}");
        }
        assert!(Deferred("abc".into()).accepts("abc"));
        assert!(!Deferred("abc".into()).accepts("abd"));
        assert!(!Deferred(String::new()).accepts(""));
    }

    #[test]
    fn cross_site_detection() {
        assert!(!cross_site(None, None, "reg.example.org"));
        assert!(!cross_site(Some("same-origin"), Some("https://reg.example.org"), "reg.example.org"));
        assert!(!cross_site(Some("none"), None, "h"));
        assert!(cross_site(Some("cross-site"), None, "h"));
        assert!(cross_site(Some("same-site"), None, "h"));
        assert!(cross_site(None, Some("https://evil.example"), "reg.example.org"));
        assert!(cross_site(None, Some("null"), "h"));
        assert!(!cross_site(None, Some("http://127.0.0.1:8080"), "127.0.0.1:8080"));
    }
}
