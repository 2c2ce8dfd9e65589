//! API token secrets: a recognizable prefix and 32 random bytes; only their
//! SHA-256 is stored, so a copy of the database hands out no working token.

use crate::domain::token::PREFIX;

/// A new token: the secret to show once, its hash for the table, and the
/// beginning of the secret that tells its owner which token it is.
pub struct NewSecret {
    pub secret: String,
    pub hash: String,
    pub prefix: String,
}

pub fn new_secret() -> NewSecret {
    let secret = format!("{PREFIX}{}", super::random_hex(32));
    let hash = super::sha256_hex(&secret);
    let prefix = secret.chars().take(PREFIX.len() + 6).collect();
    NewSecret { secret, hash, prefix }
}

/// The token of an `Authorization: Bearer …` header value, if it looks like one of ours.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    let token = rest.trim();
    let ok = scheme.eq_ignore_ascii_case("bearer")
        && token.starts_with(PREFIX)
        && token.len() == PREFIX.len() + 64
        && token[PREFIX.len()..].bytes().all(|b| b.is_ascii_hexdigit());
    ok.then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_and_hashed() {
        let a = new_secret();
        assert!(a.secret.starts_with("srg_") && a.secret.len() == 68);
        assert_eq!(a.hash, super::super::sha256_hex(&a.secret));
        assert!(a.secret.starts_with(&a.prefix));
        assert_ne!(a.secret, new_secret().secret);
        assert_eq!(bearer(&format!("Bearer {}", a.secret)), Some(a.secret.as_str()));
        assert_eq!(bearer(&format!("bearer  {} ", a.secret)), Some(a.secret.as_str()));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer srg_short"), None);
    }
}
