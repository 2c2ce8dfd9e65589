//! E-mail addresses: trimmed, lower-cased, plausibly shaped.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    /// Parse an address; the error is a catalog key.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err("error.required");
        }
        if s.len() > Self::MAX_LEN {
            return Err("error.email.invalid");
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err("error.email.invalid");
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Email(s))
        } else {
            Err("error.email.invalid")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(Email::parse(" Filer@Example.ORG ").unwrap().as_str(), "filer@example.org");
        assert!(Email::parse("a.b+tag@sub.example.com.cn").is_ok());
        assert!(Email::parse("用户@例子.中国").is_err()); // non-ASCII local part
        assert!(Email::parse("user@例子.中国").is_ok()); // internationalised domain
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "   ",
            "plain",
            "@example.org",
            "a@",
            "a@b",
            "a@@b.org",
            "a b@c.org",
            ".a@b.org",
            "a.@b.org",
            "a..b@c.org",
            "a@-b.org",
            "a@b-.org",
            "a@b..org",
            "<script>@x.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Email::parse(""), Err("error.required"));
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }
}
