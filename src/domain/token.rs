//! API tokens: what a token may do (its scopes) and what a token's name may be.

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Read the organization's own reports and periods (`/api/v1/me/...`).
    ReportsRead,
    /// File the organization's reports: drafts, evidence, submission (implies reading them).
    ReportsWrite,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::ReportsRead, Scope::ReportsWrite];

    pub fn code(self) -> &'static str {
        match self {
            Scope::ReportsRead => "reports:read",
            Scope::ReportsWrite => "reports:write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|k| k.code() == s.trim())
    }

    /// Whether holding `self` allows what `wanted` allows.
    pub fn covers(self, wanted: Scope) -> bool {
        self == wanted || (self == Scope::ReportsWrite && wanted == Scope::ReportsRead)
    }
}

/// Scopes as stored: codes separated by spaces, each once, in a fixed order.
pub fn scopes_text(scopes: &[Scope]) -> String {
    Scope::ALL.into_iter().filter(|s| scopes.contains(s)).map(Scope::code).collect::<Vec<_>>().join(" ")
}

/// Stored scopes read strictly: an unknown code is an error (`None`), never ignored.
pub fn parse_scopes(text: &str) -> Option<Vec<Scope>> {
    text.split_whitespace().map(Scope::parse).collect()
}

/// The recognizable beginning of every token (secret scanners look for it).
pub const PREFIX: &str = "srg_";

/// Longest token name, in characters.
pub const MAX_NAME: usize = 80;

/// Why a token's name is refused (a catalog key), if it is.
pub fn check_name(name: &str) -> Option<&'static str> {
    let n = name.trim();
    if n.is_empty() {
        Some("error.token.name_required")
    } else if n.chars().count() > MAX_NAME || n.chars().any(char::is_control) {
        Some("error.token.name_invalid")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_back_and_write_covers_read() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.code()), Some(s));
        }
        assert_eq!(parse_scopes("reports:write reports:read"), Some(vec![Scope::ReportsWrite, Scope::ReportsRead]));
        assert_eq!(parse_scopes("reports:write admin"), None);
        assert_eq!(scopes_text(&[Scope::ReportsWrite, Scope::ReportsRead]), "reports:read reports:write");
        assert!(Scope::ReportsWrite.covers(Scope::ReportsRead));
        assert!(!Scope::ReportsRead.covers(Scope::ReportsWrite));
    }

    #[test]
    fn names_are_short_single_lines() {
        assert_eq!(check_name("  "), Some("error.token.name_required"));
        assert_eq!(check_name("a\nb"), Some("error.token.name_invalid"));
        assert_eq!(check_name(&"长".repeat(81)), Some("error.token.name_invalid"));
        assert_eq!(check_name("合规系统"), None);
    }
}
