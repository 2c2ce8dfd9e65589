//! Kinds of organization.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgKind {
    Association,
    Platform,
    Agency,
    Regulator,
    Other,
}

impl OrgKind {
    pub const ALL: [OrgKind; 5] =
        [OrgKind::Association, OrgKind::Platform, OrgKind::Agency, OrgKind::Regulator, OrgKind::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Association => "association",
            OrgKind::Platform => "platform",
            OrgKind::Agency => "agency",
            OrgKind::Regulator => "regulator",
            OrgKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or("error.org_kind.invalid")
    }

    pub fn label_key(self) -> &'static str {
        match self {
            OrgKind::Association => "org_kind.association",
            OrgKind::Platform => "org_kind.platform",
            OrgKind::Agency => "org_kind.agency",
            OrgKind::Regulator => "org_kind.regulator",
            OrgKind::Other => "org_kind.other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusal() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Ok(k));
        }
        assert!(OrgKind::parse("bank").is_err());
    }
}
