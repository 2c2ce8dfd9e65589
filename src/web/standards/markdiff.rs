//! Differences between two renderings of Markdown, marked in HTML: the new
//! text's structure (headings, paragraphs, lists, tables) with inserted words
//! in `<ins>` and removed words in `<del>`.
//!
//! Both inputs come from `markdown::render`, which escapes all text, so `<`
//! only ever opens a tag and `&` only a character reference. The output keeps
//! exactly the new rendering's tags, in order, adding only `<ins>`/`<del>`
//! around runs of text; removed tags are dropped (their text stays, marked).

use crate::domain::clauses::{edits, Edit};

/// Tags, character references and words of rendered HTML.
fn tokens(html: &str) -> Vec<&str> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        match b[i] {
            b'<' => {
                // To the closing '>', skipping quoted attribute values.
                let mut quote = None;
                i += 1;
                while i < b.len() {
                    match (quote, b[i]) {
                        (None, b'"' | b'\'') => quote = Some(b[i]),
                        (Some(q), c) if c == q => quote = None,
                        (None, b'>') => break,
                        _ => {}
                    }
                    i += 1;
                }
                i = (i + 1).min(b.len());
            }
            b'&' => {
                let end = html[i..].find(';').filter(|n| *n <= 10).map(|n| i + n + 1);
                i = end.unwrap_or(i + 1);
            }
            _ => {
                // A word: ASCII letters and digits, or spaces, together; any other character alone.
                let c = html[i..].chars().next().unwrap_or(' ');
                if c.is_ascii_alphanumeric() {
                    while i < b.len() && b[i].is_ascii_alphanumeric() {
                        i += 1;
                    }
                } else if c.is_ascii_whitespace() {
                    while i < b.len() && b[i].is_ascii_whitespace() {
                        i += 1;
                    }
                } else {
                    i += c.len_utf8();
                }
            }
        }
        out.push(&html[start..i]);
    }
    out
}

fn is_tag(t: &str) -> bool {
    t.starts_with('<')
}

/// The element name of a tag and whether it closes (`</p>` → ("p", true)).
fn tag_name(t: &str) -> (String, bool) {
    let inner = t.trim_start_matches('<').trim_end_matches('>');
    let closing = inner.starts_with('/');
    let name: String =
        inner.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>();
    (name.to_ascii_lowercase(), closing)
}

/// Elements that take no text directly (their children are elements).
fn holds_no_text(name: &str) -> bool {
    matches!(name, "ul" | "ol" | "table" | "thead" | "tbody" | "tfoot" | "tr")
}

fn is_void(name: &str) -> bool {
    matches!(name, "br" | "hr" | "img" | "input" | "col" | "wbr")
}

struct Writer {
    out: String,
    /// Open elements of the new rendering.
    open: Vec<String>,
    /// The marker run now open (`ins` or `del`).
    run: Option<&'static str>,
    /// Marked text waiting for an element that takes text.
    waiting: Vec<(&'static str, String)>,
}

impl Writer {
    fn close_run(&mut self) {
        if let Some(m) = self.run.take() {
            self.out.push_str(&format!("</{m}>"));
        }
    }

    fn text_allowed(&self) -> bool {
        !self.open.last().is_some_and(|n| holds_no_text(n))
    }

    fn text(&mut self, t: &str, mark: Option<&'static str>) {
        match mark {
            // Whitespace between blocks needs no mark.
            Some(m) if !t.trim().is_empty() => {
                if !self.text_allowed() {
                    self.waiting.push((m, t.to_owned()));
                    return;
                }
                if self.run != Some(m) {
                    self.close_run();
                    self.out.push_str(&format!("<{m}>"));
                    self.run = Some(m);
                }
                self.out.push_str(t);
            }
            _ => {
                if self.run.is_some() && !t.trim().is_empty() {
                    self.close_run();
                }
                self.out.push_str(t);
            }
        }
    }

    fn tag(&mut self, t: &str) {
        self.close_run();
        self.out.push_str(t);
        let (name, closing) = tag_name(t);
        if closing {
            if let Some(i) = self.open.iter().rposition(|n| *n == name) {
                self.open.truncate(i);
            }
        } else if !is_void(&name) && !t.ends_with("/>") {
            self.open.push(name);
            if self.text_allowed() && !self.waiting.is_empty() {
                for (m, w) in std::mem::take(&mut self.waiting) {
                    self.text(&w, Some(m));
                }
                self.close_run();
            }
        }
    }

    fn finish(mut self) -> String {
        for (m, w) in std::mem::take(&mut self.waiting) {
            self.out.push_str(&format!("<{m}>{w}</{m}>"));
        }
        self.close_run();
        self.out
    }
}

/// The new rendering with what changed since the old one marked.
pub fn diff_html(old: &str, new: &str) -> String {
    let a = tokens(old);
    let b = tokens(new);
    let mut w = Writer { out: String::with_capacity(new.len() * 2), open: Vec::new(), run: None, waiting: Vec::new() };
    for e in edits(&a, &b) {
        match e {
            Edit::Same(_, j) if is_tag(b[j]) => w.tag(b[j]),
            Edit::Same(_, j) => w.text(b[j], None),
            Edit::Added(j) if is_tag(b[j]) => w.tag(b[j]),
            Edit::Added(j) => w.text(b[j], Some("ins")),
            // Removed tags and spacing are not in the new text.
            Edit::Removed(i) if is_tag(a[i]) || a[i].trim().is_empty() => {}
            Edit::Removed(i) => w.text(a[i], Some("del")),
        }
    }
    w.finish()
}

/// A whole rendering marked as inserted (`ins`) or removed (`del`), its structure kept.
pub fn mark_all(html: &str, mark: &'static str) -> String {
    let mut w = Writer { out: String::with_capacity(html.len() * 2), open: Vec::new(), run: None, waiting: Vec::new() };
    for t in tokens(html) {
        if is_tag(t) {
            w.tag(t)
        } else {
            w.text(t, Some(mark))
        }
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::markdown::render;

    #[test]
    fn marks_words_inside_the_new_structure() {
        let old = render("应开展不少于 8 学时的培训。\n\n- 核验身份\n");
        let new = render("应开展不少于 12 学时的培训，并留存记录。\n\n- 核验身份\n- 核验资质\n");
        let d = diff_html(&old, &new);
        assert!(d.contains("<del>8</del><ins>12 </ins>学时"), "{d}");
        assert!(d.contains("<ins>，并留存记录</ins>"), "{d}");
        assert!(d.contains("<li><ins>核验资质</ins></li>"), "a new list item keeps its element: {d}");
        assert!(d.starts_with("<p>") && d.contains("</ul>"), "{d}");
    }

    #[test]
    fn output_is_well_formed_and_escaped() {
        let old = render("a **bold** b &lt;x&gt; [l](https://a.example \"t>1\")");
        let new = render("a bold b <script>alert(1)</script> [l](https://b.example \"t>2\")\n\n| h |\n|---|\n| c |");
        let d = diff_html(&old, &new);
        assert!(!d.contains("<script>"), "{d}");
        assert!(d.contains("alert(1)&lt;/script&gt;"), "{d}");
        // Every opened element is closed in order.
        let mut stack: Vec<String> = Vec::new();
        for t in tokens(&d).into_iter().filter(|t| is_tag(t)) {
            let (name, closing) = tag_name(t);
            if closing {
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "{d}");
            } else if !is_void(&name) {
                stack.push(name);
            }
        }
        assert!(stack.is_empty(), "{d}");
        assert!(!d.contains("<tr><del>") && !d.contains("<tr><ins>"), "no text straight in a table row: {d}");
    }

    #[test]
    fn whole_clauses_added_or_removed_keep_their_structure() {
        let h = mark_all(&render("第一段。\n\n- 一\n- 二"), "del");
        assert_eq!(h, "<p><del>第一段。</del></p>\n<ul>\n<li><del>一</del></li>\n<li><del>二</del></li>\n</ul>\n");
        assert_eq!(diff_html("", "<p>x</p>"), "<p><ins>x</ins></p>");
    }
}
