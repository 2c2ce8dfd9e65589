//! Timeline events as words in the reader's language. Events are stored with
//! an action code and a note that may hold codes and ISO dates (`v2
//! comment_draft`, `passed · …`, `2026-01-01 ~ 2026-01-31`, `DB31/T 1600—2026
//! · 2026-01-10 · 2026-04-01`); none of that reaches a page as it is stored.

use chrono::NaiveDate;

use crate::domain::standard::{StandardState, VersionLabel};
use crate::i18n::Lang;

/// What happened and what the note says, ready to show.
pub struct Wording {
    pub action: String,
    pub note: String,
}

fn date(lang: Lang, s: &str) -> Option<String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok().map(|d| lang.plain_date(d))
}

/// `head · rest` → (head, rest); the rest is the note someone wrote.
fn split_note(note: &str) -> (&str, &str) {
    match note.split_once(" · ") {
        Some((h, r)) => (h.trim(), r.trim()),
        None => (note.trim(), ""),
    }
}

fn join(lang: Lang, a: String, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (_, true) => a,
        (true, false) => b.to_owned(),
        (false, false) => format!("{a}{}{b}", if lang == Lang::En { ". " } else { "。" }),
    }
}

/// The words for an event: `action` and `note` as stored, `to` the state it led to.
pub fn wording(lang: Lang, action: &str, to: Option<StandardState>, note: &str) -> Wording {
    let label = |key: &str| -> String {
        let t = lang.t(key);
        if t == key {
            String::new()
        } else {
            t.to_owned()
        }
    };
    let mut words = label(&format!("std.event.{action}"));
    if words.is_empty() {
        words = lang.t("std.event.other").to_owned();
    }
    let note = match action {
        "add_version" => match note.trim().split_once(' ') {
            Some((n, code)) if VersionLabel::parse(code).is_ok() => {
                format!("{n} {}", label(&format!("std.label.{}", code.trim())))
            }
            _ => note.trim().to_owned(),
        },
        "close_review" => {
            let passed = to == Some(StandardState::SubmittedForApproval);
            words = label(if passed { "std.event.review_passed" } else { "std.event.review_failed" });
            // Older events start their note with the outcome's code.
            let rest = note.trim();
            let rest = rest.strip_prefix("passed").or_else(|| rest.strip_prefix("failed")).unwrap_or(rest);
            rest.trim().trim_start_matches('·').trim().to_owned()
        }
        "open_comment" => {
            let (period, rest) = split_note(note);
            match period.split_once('~').and_then(|(s, e)| Some((date(lang, s)?, date(lang, e)?))) {
                Some((s, e)) => join(lang, lang.tf("std.event_note.period", &[("start", &s), ("end", &e)]), rest),
                None => note.trim().to_owned(),
            }
        }
        "set_publication" => {
            let parts: Vec<&str> = note.split(" · ").map(str::trim).collect();
            match (parts.as_slice(), parts.get(1).and_then(|d| date(lang, d)), parts.get(2).and_then(|d| date(lang, d)))
            {
                ([number, _, _], Some(release), Some(implementation)) => lang.tf(
                    "std.event_note.publication",
                    &[("number", number), ("release", &release), ("date", &implementation)],
                ),
                _ => note.trim().to_owned(),
            }
        }
        "supersede" if !note.trim().is_empty() => lang.tf("std.event_note.superseded_by", &[("number", note.trim())]),
        _ => note.trim().to_owned(),
    };
    Wording { action: words, note }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_dates_become_words() {
        let w = wording(Lang::Zh, "add_version", None, "v1 comment_draft");
        assert_eq!((w.action.as_str(), w.note.as_str()), ("上传新版本", "v1 征求意见稿"));
        let w = wording(Lang::Zh, "close_review", Some(StandardState::SubmittedForApproval), "passed");
        assert_eq!((w.action.as_str(), w.note.as_str()), ("结束技术审查：通过", ""));
        let w = wording(Lang::Zh, "close_review", Some(StandardState::Drafting), "failed · 需补充试验数据");
        assert_eq!((w.action.as_str(), w.note.as_str()), ("结束技术审查：未通过", "需补充试验数据"));
        let w = wording(Lang::En, "close_review", Some(StandardState::SubmittedForApproval), "");
        assert_eq!(w.action, "Technical review closed: passed");
        let w = wording(Lang::Zh, "open_comment", None, "2026-01-01 ~ 2026-01-31 · 请重点关注第5章");
        assert_eq!(w.note, "征求意见期为 2026年01月01日 至 2026年01月31日。请重点关注第5章");
        let w = wording(Lang::Zh, "set_publication", None, "DB31/T 1600—2026 · 2026-01-10 · 2026-04-01");
        assert_eq!(w.note, "标准编号 DB31/T 1600—2026，发布日期 2026年01月10日，实施日期 2026年04月01日");
        let w = wording(Lang::En, "supersede", None, "T/SHDSXH 002—2025");
        assert_eq!(w.note, "Replaced by T/SHDSXH 002—2025");
        let w = wording(Lang::Zh, "made_up", None, "x");
        assert_eq!(w.action, "其他办理事项");
    }
}
