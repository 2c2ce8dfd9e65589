//! Passwords, sessions, CSRF, and the current-user extractor with the two
//! authorization helpers every handler uses.

pub mod csrf;
pub mod device;
pub mod password;
pub mod session;
pub mod throttle;
pub mod token;

pub use session::{require_role, require_same_organization, CurrentUser, SignedIn};

/// Random bytes as lower-case hex.
pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// SHA-256 of `s` as hex.
pub fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}
