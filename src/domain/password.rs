//! Password policy: at least 10 characters, at most 256.

/// A password that satisfies the policy. Never displayed, never logged.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 256;

    /// Check a new password; the error is a catalog key.
    pub fn new(input: &str) -> Result<Self, &'static str> {
        let n = input.chars().count();
        if n < Self::MIN_CHARS {
            Err("error.password.short")
        } else if n > Self::MAX_CHARS {
            Err("error.password.long")
        } else if input.chars().all(|c| c == input.chars().next().unwrap_or(' ')) {
            Err("error.password.repetitive")
        } else {
            Ok(Password(input.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds() {
        assert_eq!(Password::new("").unwrap_err(), "error.password.short");
        assert_eq!(Password::new("123456789").unwrap_err(), "error.password.short");
        assert!(Password::new("1234567890").is_ok());
        assert!(Password::new("密码密码密码密码密码").is_ok(), "ten Chinese characters");
        assert!(Password::new(&"ab".repeat(64)).is_ok(), "128 characters");
        assert!(Password::new(&"ab".repeat(128)).is_ok(), "256 characters");
        assert_eq!(Password::new(&"ab".repeat(129)).unwrap_err(), "error.password.long");
    }

    #[test]
    fn refuses_one_repeated_character() {
        assert_eq!(Password::new("aaaaaaaaaaaa").unwrap_err(), "error.password.repetitive");
    }

    #[test]
    fn debug_hides_the_secret() {
        let p = Password::new("selfreg-demo").unwrap();
        assert!(!format!("{p:?}").contains("selfreg"));
        assert_eq!(p.expose(), "selfreg-demo");
    }
}
