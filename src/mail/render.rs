//! A message's words: from its kind and parameters, in the recipient's
//! language, a subject, a plain-text body and an HTML body (escaped), with an
//! absolute link to the page where the reader acts.
//!
//! The words live in the catalogs (`locales/*/mail.txt`): `mail.{kind}.subject`,
//! `mail.{kind}.body` and `mail.{kind}.action` (the link's label), with
//! `{name}` placeholders filled from the parameters. A parameter may come in
//! both languages (`org_zh`, `org_en`): the recipient's one is used for
//! `{org}`. The parameter `link` is a path on the registry (`/reports/7`);
//! `note` is quoted as it is (a reviewer's comment, a reason).

use askama::Template;
use serde_json::{Map, Value};

use crate::i18n::Lang;

/// Every kind of message the registry sends.
pub const KINDS: &[&str] = &[
    "test",
    "report_submitted",
    "report_returned",
    "report_accepted",
    "reminder_due_7d",
    "reminder_due_1d",
    "reminder_overdue",
    "signature_verified",
    "signature_declined",
    "signature_suspended",
    "comment_disposed",
    "password_reset",
    "invitation",
    "comment_period_opened",
    "subscription_confirm",
    "period_opened",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The one-click unsubscribe address (absolute) of a message to a
    /// follower: the sender puts it in the `List-Unsubscribe` header.
    pub unsubscribe: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("unknown kind of message: {0}")]
    UnknownKind(String),
    #[error("the message's parameters are not a JSON object: {0}")]
    Params(String),
    #[error("the message's link is not a path on the registry: {0}")]
    Link(String),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
}

#[derive(Template)]
#[template(path = "mail/message.html")]
struct HtmlBody<'a> {
    lang: &'a str,
    subject: &'a str,
    paragraphs: &'a [String],
    note: Option<&'a str>,
    note_label: &'a str,
    link: Option<&'a str>,
    action: &'a str,
    footer: &'a str,
    unsubscribe: Option<&'a str>,
    unsubscribe_label: &'a str,
}

#[derive(Template)]
#[template(path = "mail/message.txt")]
struct TextBody<'a> {
    paragraphs: &'a [String],
    note: Option<&'a str>,
    note_label: &'a str,
    link: Option<&'a str>,
    action: &'a str,
    footer: &'a str,
    unsubscribe: Option<&'a str>,
    unsubscribe_label: &'a str,
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `{name}` → the parameter `name_zh`/`name_en` for the language, else `name`.
fn fill(lang: Lang, template: &str, params: &Map<String, Value>) -> String {
    let suffix = if lang == Lang::En { "en" } else { "zh" };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                let name = &after[..end];
                let v = params.get(&format!("{name}_{suffix}")).or_else(|| params.get(name)).and_then(value_text);
                out.push_str(&v.unwrap_or_default());
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The words of one message. `public_url` is the registry's base address
/// (`--public-url`), without a trailing `/`.
pub fn render(kind: &str, lang: Lang, params: &str, public_url: &str) -> Result<Rendered, RenderError> {
    if !KINDS.contains(&kind) {
        return Err(RenderError::UnknownKind(kind.to_owned()));
    }
    let params = match serde_json::from_str::<Value>(params) {
        Ok(Value::Object(m)) => m,
        Ok(other) => return Err(RenderError::Params(other.to_string())),
        Err(e) => return Err(RenderError::Params(e.to_string())),
    };
    let absolute = |name: &str| match params.get(name).and_then(Value::as_str) {
        None => Ok(None),
        Some(p) if p.starts_with('/') && !p.starts_with("//") => Ok(Some(format!("{public_url}{p}"))),
        Some(p) => Err(RenderError::Link(p.to_owned())),
    };
    let link = absolute("link")?;
    let unsubscribe = absolute("unsubscribe")?;
    let unsubscribe_label = lang.t("mail.unsubscribe");
    let t = |part: &str| fill(lang, lang.t(&format!("mail.{kind}.{part}")), &params);
    let bar = if lang == Lang::En { " | " } else { "｜" };
    let subject = format!("{}{bar}{}", t("subject"), lang.t("site.name"));
    let paragraphs: Vec<String> = t("body").split(" / ").map(|p| p.trim().to_owned()).collect();
    let note = params.get("note").and_then(Value::as_str).map(str::trim).filter(|n| !n.is_empty());
    let note_label = t("note");
    let action = t("action");
    let footer = lang.t("mail.footer");
    let html = HtmlBody {
        lang: lang.code(),
        subject: &subject,
        paragraphs: &paragraphs,
        note,
        note_label: &note_label,
        link: link.as_deref(),
        action: &action,
        footer,
        unsubscribe: unsubscribe.as_deref(),
        unsubscribe_label,
    }
    .render()?;
    let text = TextBody {
        paragraphs: &paragraphs,
        note,
        note_label: &note_label,
        link: link.as_deref(),
        action: &action,
        footer,
        unsubscribe: unsubscribe.as_deref(),
        unsubscribe_label,
    }
    .render()?;
    Ok(Rendered { subject, text, html, unsubscribe })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_words_in_both_languages() {
        for kind in KINDS {
            for lang in [Lang::Zh, Lang::En] {
                for part in ["subject", "body", "action"] {
                    let key = format!("mail.{kind}.{part}");
                    assert_ne!(lang.t(&key), key, "{key} is missing in {}", lang.code());
                }
            }
        }
    }

    #[test]
    fn fills_the_recipients_language_and_escapes_html() {
        let params = r#"{"org_zh":"某平台<b>","org_en":"Platform <b>","pledge_zh":"倡议","pledge_en":"Initiative","period":"2026 Q4","link":"/reports/7","note":"请补充 <script>"}"#;
        let zh = render("report_returned", Lang::Zh, params, "https://reg.example.org").unwrap();
        assert!(zh.subject.contains("退回"), "{}", zh.subject);
        assert!(zh.text.contains("某平台<b>"), "plain text is not escaped: {}", zh.text);
        assert!(zh.text.contains("https://reg.example.org/reports/7"));
        assert!(zh.text.contains("请补充 <script>"));
        assert!(zh.html.contains("某平台&lt;b&gt;"), "HTML is escaped: {}", zh.html);
        assert!(!zh.html.contains("<script>"));
        assert!(zh.html.contains(r#"href="https://reg.example.org/reports/7""#));
        let en = render("report_returned", Lang::En, params, "https://reg.example.org").unwrap();
        assert!(en.text.contains("Platform <b>"), "{}", en.text);
        assert!(en.subject.contains("returned"), "{}", en.subject);
    }

    #[test]
    fn refuses_what_it_cannot_say() {
        assert!(matches!(render("nope", Lang::Zh, "{}", "http://x"), Err(RenderError::UnknownKind(_))));
        assert!(matches!(render("test", Lang::Zh, "[]", "http://x"), Err(RenderError::Params(_))));
        assert!(matches!(
            render("test", Lang::Zh, r#"{"link":"https://evil.example/"}"#, "http://x"),
            Err(RenderError::Link(_))
        ));
        assert!(matches!(
            render("test", Lang::Zh, r#"{"link":"//evil.example/"}"#, "http://x"),
            Err(RenderError::Link(_))
        ));
    }
}
