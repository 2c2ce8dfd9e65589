//! Password policy: at least 10 characters, at most 256, and not easy to
//! guess: the zxcvbn estimator (dictionaries of common and leaked passwords,
//! names and words, keyboard patterns, sequences, repeats and dates) must
//! rate it at least [`Password::MIN_SCORE`] of 4.

/// A password that satisfies the policy. Never displayed, never logged.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 256;
    /// zxcvbn's score: 3 = "safely unguessable: moderate protection from offline slow-hash scenario".
    pub const MIN_SCORE: u8 = 3;

    /// Check a new password; the error is a catalog key saying why it is refused.
    pub fn new(input: &str) -> Result<Self, &'static str> {
        Self::new_for(input, &[])
    }

    /// Check a new password of someone known by `personal` (e-mail, name): a
    /// password built from them is refused too.
    pub fn new_for(input: &str, personal: &[&str]) -> Result<Self, &'static str> {
        let n = input.chars().count();
        if n < Self::MIN_CHARS {
            return Err("error.password.short");
        } else if n > Self::MAX_CHARS {
            return Err("error.password.long");
        } else if input.chars().all(|c| c == input.chars().next().unwrap_or(' ')) {
            return Err("error.password.repetitive");
        }
        let estimate = zxcvbn::zxcvbn(input, &[]);
        if u8::from(estimate.score()) >= Self::MIN_SCORE {
            if personal.is_empty() {
                return Ok(Password(input.to_owned()));
            }
            let mut inputs: Vec<&str> = Vec::new();
            for p in personal {
                inputs.push(p);
                inputs.extend(p.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 3));
            }
            // Little left once the person's own words are taken out: built from them.
            let mut rest = input.to_lowercase();
            for w in &inputs {
                rest = rest.replace(&w.to_lowercase(), "");
            }
            let own_words = rest.chars().filter(|c| c.is_alphanumeric()).count() < 4;
            if !own_words && u8::from(zxcvbn::zxcvbn(input, &inputs).score()) >= Self::MIN_SCORE {
                return Ok(Password(input.to_owned()));
            }
            return Err("error.password.personal");
        }
        use zxcvbn::feedback::Warning as W;
        Err(match estimate.feedback().and_then(|f| f.warning()) {
            Some(W::ThisIsATop10Password | W::ThisIsATop100Password | W::ThisIsACommonPassword) => {
                "error.password.common"
            }
            Some(W::ThisIsSimilarToACommonlyUsedPassword) => "error.password.similar",
            Some(W::StraightRowsOfKeysAreEasyToGuess | W::ShortKeyboardPatternsAreEasyToGuess) => {
                "error.password.keyboard"
            }
            Some(W::RepeatsLikeAaaAreEasyToGuess | W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess) => {
                "error.password.repeats"
            }
            Some(W::SequencesLikeAbcAreEasyToGuess) => "error.password.sequence",
            Some(W::RecentYearsAreEasyToGuess | W::DatesAreOftenEasyToGuess) => "error.password.dates",
            Some(
                W::AWordByItselfIsEasyToGuess
                | W::NamesAndSurnamesByThemselvesAreEasyToGuess
                | W::CommonNamesAndSurnamesAreEasyToGuess,
            ) => "error.password.words",
            None => "error.password.weak",
        })
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
        assert!(Password::new("直播间合规巡检每日两次").is_ok(), "Chinese characters");
        let long: String = "kq7#Vw2!pZ".chars().cycle().take(256).collect();
        assert!(Password::new(&long).is_ok(), "256 characters");
        let longer: String = "kq7#Vw2!pZ".chars().cycle().take(257).collect();
        assert_eq!(Password::new(&longer).unwrap_err(), "error.password.long");
    }

    #[test]
    fn refuses_common_and_guessable_passwords_and_says_why() {
        assert_eq!(Password::new("1234567890").unwrap_err(), "error.password.common");
        assert_eq!(Password::new("password123").unwrap_err(), "error.password.common");
        assert_eq!(Password::new("qwertyuiop").unwrap_err(), "error.password.common");
        assert!(matches!(Password::new("zxcvbnmasdf"), Err("error.password.keyboard" | "error.password.similar")));
        assert_eq!(Password::new("abcabcabcabc").unwrap_err(), "error.password.repeats");
        assert!(Password::new("P@ssw0rd2024").is_err());
        assert_eq!(
            Password::new_for("zhangwei.platform01", &["zhangwei@platform01.example.com", "张伟"]).unwrap_err(),
            "error.password.personal"
        );
        for good in ["a brand new secret", "correct horse battery staple", "Tk9!mQ2#vL7x"] {
            assert!(Password::new(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn refuses_one_repeated_character() {
        assert_eq!(Password::new("aaaaaaaaaaaa").unwrap_err(), "error.password.repetitive");
    }

    #[test]
    fn debug_hides_the_secret() {
        let p = Password::new("selfreg correct horse").unwrap();
        assert!(!format!("{p:?}").contains("selfreg"));
        assert_eq!(p.expose(), "selfreg correct horse");
    }
}
