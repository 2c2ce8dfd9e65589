//! Roles of signed-in users.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Editor,
    Reviewer,
    Filer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Editor, Role::Reviewer, Role::Filer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Reviewer => "reviewer",
            Role::Filer => "filer",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or("error.role.invalid")
    }

    /// Catalog key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Admin => "role.admin",
            Role::Editor => "role.editor",
            Role::Reviewer => "role.reviewer",
            Role::Filer => "role.filer",
        }
    }

    /// Whether a user with this role may act as `needed`. Admins may do everything.
    pub fn allows(self, needed: Role) -> bool {
        self == Role::Admin || self == needed
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert!(Role::parse("root").is_err());
        assert!(Role::parse("").is_err());
        assert!(Role::parse("Admin").is_err());
    }

    #[test]
    fn admin_allows_everything_others_only_themselves() {
        for needed in Role::ALL {
            assert!(Role::Admin.allows(needed));
            for r in [Role::Editor, Role::Reviewer, Role::Filer] {
                assert_eq!(r.allows(needed), r == needed, "{r} for {needed}");
            }
        }
    }
}
