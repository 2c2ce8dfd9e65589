//! Unified social credit code (统一社会信用代码), GB 32100-2015.

use std::fmt;

/// The 31 characters allowed by GB 32100-2015 (no I, O, S, V, Z), in value order.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1..=17: 3^(i-1) mod 31.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Why a credit code was refused; each maps to a catalog message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditCodeError {
    Length,
    Character,
    CheckCharacter,
}

impl CreditCodeError {
    pub fn message_key(self) -> &'static str {
        match self {
            CreditCodeError::Length => "error.credit_code.length",
            CreditCodeError::Character => "error.credit_code.character",
            CreditCodeError::CheckCharacter => "error.credit_code.check",
        }
    }
}

/// A valid 18-character unified social credit code, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters (which must be valid).
pub fn check_character(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value_of(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code = input.trim().to_ascii_uppercase();
        if code.chars().count() != 18 {
            return Err(CreditCodeError::Length);
        }
        let bytes = code.as_bytes();
        if bytes.iter().any(|&c| value_of(c).is_none()) {
            return Err(CreditCodeError::Character);
        }
        match check_character(&bytes[..17]) {
            Some(c) if c as u8 == bytes[17] => Ok(CreditCode(code)),
            _ => Err(CreditCodeError::CheckCharacter),
        }
    }

    /// Complete 17 valid characters with their check character (demo data, tools).
    pub fn complete(first17: &str) -> Option<Self> {
        let upper = first17.to_ascii_uppercase();
        let check = check_character(upper.as_bytes())?;
        Some(CreditCode(format!("{upper}{check}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_published_codes() {
        // Codes printed on real business licences.
        for code in ["91310000MA1FL1MMXL", "91110000802100433B", "91440300708461136T"] {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn normalises_case_and_whitespace() {
        let c = CreditCode::parse(" 91310000ma1fl1mmxl ").unwrap();
        assert_eq!(c.as_str(), "91310000MA1FL1MMXL");
    }

    #[test]
    fn refuses_wrong_check_character() {
        assert_eq!(CreditCode::parse("91310000MA1FL1MMX1"), Err(CreditCodeError::CheckCharacter));
        assert_eq!(CreditCode::parse("91110000802100433C"), Err(CreditCodeError::CheckCharacter));
    }

    #[test]
    fn refuses_wrong_length() {
        assert_eq!(CreditCode::parse(""), Err(CreditCodeError::Length));
        assert_eq!(CreditCode::parse("91310000MA1FL1MMX"), Err(CreditCodeError::Length));
        assert_eq!(CreditCode::parse("91310000MA1FL1MMXLL"), Err(CreditCodeError::Length));
        // Eighteen characters that are not in the alphabet.
        assert_eq!(CreditCode::parse("统一社会信用代码统一社会信用代码统一"), Err(CreditCodeError::Character));
    }

    #[test]
    fn refuses_forbidden_letters() {
        for bad in ["I", "O", "S", "V", "Z", "-"] {
            let code = format!("91310000MA1FL1MM{bad}L");
            assert_eq!(CreditCode::parse(&code), Err(CreditCodeError::Character), "{code}");
        }
    }

    #[test]
    fn complete_produces_valid_codes() {
        for n in 1..=28 {
            let c = CreditCode::complete(&format!("91310000MA{n:07}")).unwrap();
            assert!(CreditCode::parse(c.as_str()).is_ok(), "{c}");
        }
        assert!(CreditCode::complete("short").is_none());
    }

    #[test]
    fn every_single_character_change_is_detected() {
        let good = b"91310000MA1FL1MMXL";
        for pos in 0..18 {
            for &c in ALPHABET.iter() {
                if c == good[pos] {
                    continue;
                }
                let mut v = good.to_vec();
                v[pos] = c;
                let s = String::from_utf8(v).unwrap();
                assert!(CreditCode::parse(&s).is_err(), "{s}");
            }
        }
    }
}
