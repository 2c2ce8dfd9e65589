//! Bounded free text from forms.

/// Trim `input` and check it is present (if `required`) and at most `max` characters.
/// The error is a catalog key.
pub fn bounded(input: &str, required: bool, max: usize) -> Result<String, &'static str> {
    let s = input.trim();
    if required && s.is_empty() {
        return Err("error.required");
    }
    if s.chars().count() > max {
        return Err("error.too_long");
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err("error.control_chars");
    }
    Ok(s.to_owned())
}

/// A web address: empty, or http(s):// followed by a host.
pub fn url(input: &str) -> Result<String, &'static str> {
    let s = bounded(input, false, 500)?;
    if s.is_empty() {
        return Ok(s);
    }
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).ok_or("error.url.invalid")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) || s.contains(['<', '>', '"', '\'']) {
        return Err("error.url.invalid");
    }
    Ok(s)
}

/// Percent-encode for a query value (`/` kept, so a path reads as one).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_rules() {
        assert_eq!(bounded("  x ", true, 5), Ok("x".into()));
        assert_eq!(bounded("   ", true, 5), Err("error.required"));
        assert_eq!(bounded("", false, 5), Ok(String::new()));
        assert_eq!(bounded("直播电商直播电", true, 6), Err("error.too_long"));
        assert_eq!(bounded("直播电商直播", true, 6), Ok("直播电商直播".into()));
        assert_eq!(bounded("a\u{0}b", true, 6), Err("error.control_chars"));
        assert_eq!(bounded("a\nb", true, 6), Ok("a\nb".into()));
    }

    #[test]
    fn url_rules() {
        assert_eq!(url(""), Ok(String::new()));
        assert!(url("https://example.org/x?y=1").is_ok());
        assert!(url("http://例子.中国").is_ok());
        for bad in ["javascript:alert(1)", "ftp://x", "https://", "https://a b", "example.org", "https://x/\"><script>"]
        {
            assert!(url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urlencode_keeps_paths_and_encodes_the_rest() {
        assert_eq!(urlencode("/admin/users?x=1&y=直"), "/admin/users%3Fx%3D1%26y%3D%E7%9B%B4");
        assert_eq!(urlencode("a b-_.~"), "a%20b-_.~");
    }
}
