//! What can be followed (watched by a signed-in user, or subscribed to by
//! e-mail): a standard or a pledge.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Followed {
    Standard,
    Pledge,
}

impl Followed {
    pub const ALL: [Followed; 2] = [Followed::Standard, Followed::Pledge];

    pub fn as_str(self) -> &'static str {
        match self {
            Followed::Standard => "standard",
            Followed::Pledge => "pledge",
        }
    }

    pub fn parse(s: &str) -> Option<Followed> {
        Followed::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The path of the followed thing's page.
    pub fn path(self, id: i64) -> String {
        match self {
            Followed::Standard => format!("/standards/{id}"),
            Followed::Pledge => format!("/pledges/{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for f in Followed::ALL {
            assert_eq!(Followed::parse(f.as_str()), Some(f));
        }
        assert_eq!(Followed::parse("report"), None);
    }
}
