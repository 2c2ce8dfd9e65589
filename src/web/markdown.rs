//! Markdown to safe HTML. Raw HTML in the source is shown as text, and links
//! and images may only point to http(s), mailto or local paths, so the output
//! can be inserted into a page as is.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

fn safe_url(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    if u.starts_with("http://") || u.starts_with("https://") || u.starts_with("mailto:") || u.starts_with('#') {
        return true;
    }
    // Relative or local paths, but not protocol-relative ones.
    !u.starts_with("//") && !u.contains('\\') && !u.contains(':')
}

/// Render `source` to HTML that is safe to embed.
pub fn render(source: &str) -> String {
    render_with_headings(source, |_| None)
}

/// Like [`render`], and for each heading `heading(its text)` may give the
/// heading an id and HTML to put right after it. That HTML is inserted as is:
/// the caller escapes what it puts in.
pub fn render_with_headings(source: &str, mut heading: impl FnMut(&str) -> Option<(String, String)>) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let parser = Parser::new_ext(source, options).map(|event| match event {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) if !safe_url(&dest_url) => {
            Event::Start(Tag::Link { link_type, dest_url: CowStr::from("#"), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) if !safe_url(&dest_url) => {
            Event::Start(Tag::Image { link_type, dest_url: CowStr::from("#"), title, id })
        }
        e => e,
    });
    let mut events: Vec<Event> = Vec::new();
    // A heading is held back until its text is known.
    let mut held: Option<Vec<Event>> = None;
    for e in parser {
        match (&mut held, e) {
            (None, e @ Event::Start(Tag::Heading { .. })) => held = Some(vec![e]),
            (Some(h), Event::End(TagEnd::Heading(level))) => {
                let text: String = h
                    .iter()
                    .filter_map(|e| match e {
                        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                let extra = heading(&text);
                let mut h = std::mem::take(h);
                if let (Some((id, _)), Some(Event::Start(Tag::Heading { id: slot, .. }))) = (&extra, h.first_mut()) {
                    *slot = Some(CowStr::from(id.clone()));
                }
                events.append(&mut h);
                events.push(Event::End(TagEnd::Heading(level)));
                if let Some((_, html)) = extra {
                    events.push(Event::Html(CowStr::from(html)));
                }
                held = None;
            }
            (Some(h), e) => h.push(e),
            (None, e) => events.push(e),
        }
    }
    if let Some(mut h) = held {
        events.append(&mut h);
    }
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_headings_and_lists() {
        let h = render("## 4 主播资质\n\n- 核验身份\n- 核验资质");
        assert!(h.contains("<h2>4 主播资质</h2>"));
        assert!(h.contains("<li>核验身份</li>"));
    }

    #[test]
    fn raw_html_becomes_text() {
        let h = render("<script>alert(1)</script>\n\ntext <img src=x onerror=alert(1)>");
        assert!(!h.contains("<script>"));
        assert!(!h.contains("<img src=x"));
        assert!(h.contains("&lt;script&gt;"));
    }

    #[test]
    fn dangerous_links_are_neutralised() {
        for src in [
            "[x](javascript:alert(1))",
            "[x](JAVASCRIPT:alert(1))",
            "![x](data:text/html,hi)",
            "[x](//evil.example)",
            "[x]( vbscript:x)",
        ] {
            let h = render(src);
            assert!(!h.to_ascii_lowercase().contains("javascript:"), "{src}: {h}");
            assert!(!h.contains("data:"), "{src}: {h}");
            assert!(!h.contains("//evil"), "{src}: {h}");
            assert!(!h.contains("vbscript"), "{src}: {h}");
        }
        assert!(render("[ok](https://example.org)").contains("href=\"https://example.org\""));
        assert!(render("[ok](/standards/1)").contains("href=\"/standards/1\""));
    }

    #[test]
    fn headings_get_an_id_and_what_follows_them() {
        let h = render_with_headings("## 5.2 培训\n\n正文\n\n## 其他 <b>x</b>", |t| {
            t.starts_with("5.2").then(|| ("clause-5.2".to_owned(), "<p class=\"after\">after</p>".to_owned()))
        });
        assert!(h.contains("<h2 id=\"clause-5.2\">5.2 培训</h2>\n<p class=\"after\">after</p>"), "{h}");
        assert!(h.contains("<h2>其他 &lt;b&gt;x&lt;/b&gt;</h2>"), "raw HTML in headings stays text: {h}");
        assert_eq!(render_with_headings("a\n\n## b", |_| None), render("a\n\n## b"));
    }
}
