//! Languages and message catalogs. All user-facing text lives in
//! `locales/zh-CN/*.txt` and `locales/en/*.txt` (`key = value` lines), one
//! file per area of the site.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{Datelike, FixedOffset, NaiveDateTime, TimeZone, Timelike};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

/// The catalog files of one language, one per area, in a fixed order.
macro_rules! catalog {
    ($lang:literal) => {
        [
            include_str!(concat!("../locales/", $lang, "/base.txt")),
            include_str!(concat!("../locales/", $lang, "/standards.txt")),
            include_str!(concat!("../locales/", $lang, "/pledges.txt")),
            include_str!(concat!("../locales/", $lang, "/reports.txt")),
            include_str!(concat!("../locales/", $lang, "/mail.txt")),
            include_str!(concat!("../locales/", $lang, "/password.txt")),
            include_str!(concat!("../locales/", $lang, "/api.txt")),
            include_str!(concat!("../locales/", $lang, "/tokens.txt")),
        ]
    };
}

static ZH: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| parse(&catalog!("zh-CN")));
static EN: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| parse(&catalog!("en")));

fn parse(files: &[&'static str]) -> HashMap<&'static str, &'static str> {
    files
        .iter()
        .flat_map(|f| f.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

/// Beijing time: Asia/Shanghai has had no daylight saving since 1991.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// Today's date in Beijing.
pub fn beijing_today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&beijing()).date_naive()
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_code(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::Zh)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The preferred supported language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            if let Some(lang) = Lang::from_code(tag) {
                if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, lang));
                }
            }
        }
        best.map(|(_, l)| l)
    }

    fn catalog(self) -> &'static HashMap<&'static str, &'static str> {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// Of a record's two language versions, the one in this language.
    pub fn pick<'a, T: ?Sized>(self, zh: &'a T, en: &'a T) -> &'a T {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The text of `key`; a missing key shows itself (and a unit test keeps the catalogs complete).
    pub fn t(self, key: &str) -> &str {
        self.catalog().get(key).copied().unwrap_or(key)
    }

    /// The text of `key` with `{name}` placeholders filled in.
    pub fn tf(self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.t(key).to_owned();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }

    /// A UTC timestamp as Beijing date and time, saying so:
    /// `2026年12月06日 14:05（北京时间）`, `6 Dec 2026 14:05 (Beijing time)`.
    pub fn datetime(self, utc: NaiveDateTime) -> String {
        let t = beijing().from_utc_datetime(&utc);
        self.local_datetime(t.date_naive(), &format!("{:02}:{:02}", t.hour(), t.minute()))
    }

    /// A deadline: like [`Lang::datetime`], but an instant at midnight Beijing
    /// shows as 24:00 of the day before (`2026年12月06日 24:00（北京时间）`).
    pub fn deadline(self, utc: NaiveDateTime) -> String {
        let t = beijing().from_utc_datetime(&utc);
        if t.hour() == 0 && t.minute() == 0 {
            let day = t.date_naive().pred_opt().unwrap_or(t.date_naive());
            self.local_datetime(day, "24:00")
        } else {
            self.datetime(utc)
        }
    }

    fn local_datetime(self, day: chrono::NaiveDate, clock: &str) -> String {
        match self {
            Lang::Zh => format!("{} {clock}（北京时间）", self.plain_date(day)),
            Lang::En => format!("{} {clock} (Beijing time)", self.plain_date(day)),
        }
    }

    /// A UTC timestamp as a Beijing date: `2026年12月06日`, `6 Dec 2026`.
    pub fn date(self, utc: NaiveDateTime) -> String {
        let t = beijing().from_utc_datetime(&utc);
        self.plain_date(t.date_naive())
    }

    /// A calendar date (already local) in this language's format.
    pub fn plain_date(self, d: chrono::NaiveDate) -> String {
        match self {
            Lang::Zh => format!("{}年{:02}月{:02}日", d.year(), d.month(), d.day()),
            Lang::En => format!("{} {} {}", d.day(), month_en(d.month()), d.year()),
        }
    }

    /// Beijing clock time of a UTC timestamp, e.g. for "try again after 14:35".
    pub fn time(self, utc: NaiveDateTime) -> String {
        let t = beijing().from_utc_datetime(&utc);
        format!("{:02}:{:02}", t.hour(), t.minute())
    }
}

/// The machine-readable form of a UTC timestamp for `<time datetime>`: Beijing
/// time with its offset, e.g. `2026-12-06T14:05:00+08:00`.
pub fn iso_datetime(utc: NaiveDateTime) -> String {
    beijing().from_utc_datetime(&utc).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// The Beijing calendar day of a UTC timestamp for `<time datetime>`: `2026-12-06`.
pub fn iso_date(utc: NaiveDateTime) -> String {
    beijing().from_utc_datetime(&utc).format("%Y-%m-%d").to_string()
}

fn month_en(m: u32) -> &'static str {
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        [(m as usize).saturating_sub(1) % 12]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_have_the_same_keys_and_no_empty_values() {
        let zh: std::collections::BTreeSet<_> = ZH.keys().collect();
        let en: std::collections::BTreeSet<_> = EN.keys().collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty() && only_en.is_empty(), "only in zh: {only_zh:?}; only in en: {only_en:?}");
        for (k, v) in ZH.iter().chain(EN.iter()) {
            assert!(!v.is_empty(), "{k} is empty");
        }
    }

    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        // Keys are written as t("…") / tf("…" in templates and code, or as "x.y" constants.
        let mut missing = Vec::new();
        let mut files = Vec::new();
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        walk(&root.join("templates"), &mut files);
        walk(&root.join("src"), &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for pat in ["t(\"", "tf(\""] {
                for (i, _) in text.match_indices(pat) {
                    if text[..i].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                        continue;
                    }
                    let rest = &text[i + pat.len()..];
                    let key: String =
                        rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_').collect();
                    let closed = rest[key.len()..].starts_with('"');
                    if closed && key.contains('.') && !ZH.contains_key(key.as_str()) {
                        missing.push(format!("{}: {key}", f.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing catalog keys:\n{}", missing.join("\n"));
    }

    #[test]
    fn no_key_is_defined_twice() {
        for files in [catalog!("zh-CN"), catalog!("en")] {
            let mut seen = std::collections::HashSet::new();
            for line in files.iter().flat_map(|f| f.lines()).map(str::trim) {
                if let Some((k, _)) = line.split_once('=').filter(|_| !line.starts_with('#')) {
                    assert!(seen.insert(k.trim()), "{} defined twice", k.trim());
                }
            }
        }
    }

    #[test]
    fn accept_language() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr-FR, en;q=0.5, zh-CN;q=0.8"), Some(Lang::Zh));
        assert_eq!(Lang::from_accept_language("fr"), None);
        assert_eq!(Lang::from_accept_language("zh;q=0, en;q=0.1"), Some(Lang::En));
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
    }

    #[test]
    fn formats_in_beijing_time() {
        let t = utc(2026, 1, 15, 16, 30);
        assert_eq!(Lang::Zh.datetime(t), "2026年01月16日 00:30（北京时间）");
        assert_eq!(Lang::En.datetime(t), "16 Jan 2026 00:30 (Beijing time)");
        assert_eq!(Lang::Zh.time(t), "00:30");
        let t = utc(2026, 12, 6, 6, 5);
        assert_eq!(Lang::Zh.datetime(t), "2026年12月06日 14:05（北京时间）");
        assert_eq!(Lang::En.datetime(t), "6 Dec 2026 14:05 (Beijing time)");
        assert_eq!(Lang::Zh.date(t), "2026年12月06日");
        assert_eq!(Lang::En.date(t), "6 Dec 2026");
        // 23:59 UTC is already the next day in Beijing.
        assert_eq!(Lang::Zh.date(utc(2026, 12, 5, 23, 59)), "2026年12月06日");
        assert_eq!(iso_datetime(t), "2026-12-06T14:05:00+08:00");
        assert_eq!(iso_date(utc(2026, 12, 5, 23, 59)), "2026-12-06");
    }

    #[test]
    fn deadlines_at_midnight_are_24_00_of_the_day_before() {
        // 2026-12-07 00:00 Beijing = 2026-12-06 16:00 UTC.
        let midnight = utc(2026, 12, 6, 16, 0);
        assert_eq!(Lang::Zh.deadline(midnight), "2026年12月06日 24:00（北京时间）");
        assert_eq!(Lang::En.deadline(midnight), "6 Dec 2026 24:00 (Beijing time)");
        // At the turn of a year and a month.
        assert_eq!(Lang::Zh.deadline(utc(2026, 12, 31, 16, 0)), "2026年12月31日 24:00（北京时间）");
        assert_eq!(Lang::En.deadline(utc(2026, 2, 28, 16, 0)), "28 Feb 2026 24:00 (Beijing time)");
        // Any other minute is shown as it is.
        assert_eq!(Lang::Zh.deadline(utc(2026, 12, 6, 16, 1)), "2026年12月07日 00:01（北京时间）");
        assert_eq!(Lang::En.deadline(utc(2026, 12, 6, 6, 5)), "6 Dec 2026 14:05 (Beijing time)");
    }

    #[test]
    fn fills_placeholders() {
        assert!(Lang::En.tf("login.locked", &[("time", "14:35")]).contains("14:35"));
    }
}
