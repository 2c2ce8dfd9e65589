//! Device cookies (OWASP "slow down online guessing attacks with device
//! cookies"): a browser that signed in successfully gets a long-lived cookie
//! naming the user, signed with the application secret. Its later sign-ins to
//! that account are trusted: failures of others (other browsers, other
//! addresses) never delay them, and they go ahead of untrusted attempts in the
//! password hasher.

use actix_web::cookie::{time, Cookie, SameSite};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const COOKIE: &str = "selfreg_device";
/// How long a device stays known without signing in again.
pub const MAX_AGE_DAYS: i64 = 365;

/// A valid device cookie: the user it was issued to, and its own random identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub user_id: i64,
    pub nonce: String,
}

fn mac(secret: &[u8], user_id: i64, nonce: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"selfreg-device:");
    mac.update(user_id.to_string().as_bytes());
    mac.update(b":");
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A new cookie value for `user_id`: `{user_id}.{nonce}.{hmac}`.
pub fn issue(secret: &[u8], user_id: i64) -> String {
    let nonce = super::random_hex(16);
    let m = mac(secret, user_id, &nonce);
    format!("{user_id}.{nonce}.{m}")
}

/// The device a cookie value names, if its signature is right.
pub fn verify(secret: &[u8], value: &str) -> Option<Device> {
    let mut parts = value.splitn(3, '.');
    let user_id: i64 = parts.next()?.parse().ok()?;
    let nonce = parts.next()?;
    let given = parts.next()?;
    if nonce.len() != 32 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    super::csrf::tokens_match(&mac(secret, user_id, nonce), given).then(|| Device { user_id, nonce: nonce.to_owned() })
}

/// The cookie: sent only to the sign-in page, never readable by scripts.
pub fn cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/login")
        .secure(secure)
        .max_age(time::Duration::days(MAX_AGE_DAYS))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_cookies_verify_only_with_their_secret_and_unchanged() {
        let v = issue(b"secret-one", 42);
        let d = verify(b"secret-one", &v).expect("valid");
        assert_eq!(d.user_id, 42);
        assert_eq!(d.nonce.len(), 32);
        assert_eq!(verify(b"secret-two", &v), None, "another secret");
        let forged = v.replacen("42.", "43.", 1);
        assert_eq!(verify(b"secret-one", &forged), None, "another user");
        assert_eq!(verify(b"secret-one", "garbage"), None);
        assert_eq!(verify(b"secret-one", ""), None);
        assert_ne!(issue(b"secret-one", 42), v, "each cookie is new");
    }
}
