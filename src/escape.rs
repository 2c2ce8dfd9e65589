//! The HTML escaper of every template (`askama.toml` names it for `.html`
//! and `.xml`): `<`, `>`, `&`, `"` and `'` become `&lt;`, `&gt;`, `&amp;`,
//! `&quot;` and `&#x27;`, the named references the pages have always used
//! (askama's own escaper writes numeric ones such as `&#60;`). `.txt`
//! templates (the plain-text mail) are not escaped.

use std::fmt::{self, Write};

#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

fn reference(b: u8) -> Option<&'static str> {
    match b {
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'&' => Some("&amp;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#x27;"),
        _ => None,
    }
}

impl askama::filters::Escaper for Html {
    fn write_escaped_str<W: Write>(&self, mut dest: W, string: &str) -> fmt::Result {
        let mut start = 0;
        for (i, b) in string.bytes().enumerate() {
            // The five are ASCII, so `i` always falls on a character boundary.
            if let Some(r) = reference(b) {
                dest.write_str(&string[start..i])?;
                dest.write_str(r)?;
                start = i + 1;
            }
        }
        dest.write_str(&string[start..])
    }

    fn write_escaped_char<W: Write>(&self, mut dest: W, c: char) -> fmt::Result {
        match u8::try_from(c).ok().and_then(reference) {
            Some(r) => dest.write_str(r),
            None => dest.write_char(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use askama::filters::Escaper;

    use super::Html;

    fn esc(s: &str) -> String {
        let mut out = String::new();
        Html.write_escaped_str(&mut out, s).unwrap();
        out
    }

    #[test]
    fn writes_named_references_and_keeps_the_rest() {
        assert_eq!(esc(r#"<a href="x">'某'&</a>"#), "&lt;a href=&quot;x&quot;&gt;&#x27;某&#x27;&amp;&lt;/a&gt;");
        assert_eq!(esc("平台 / 2026"), "平台 / 2026");
        let mut c = String::new();
        Html.write_escaped_char(&mut c, '<').unwrap();
        Html.write_escaped_char(&mut c, '台').unwrap();
        assert_eq!(c, "&lt;台");
    }
}
