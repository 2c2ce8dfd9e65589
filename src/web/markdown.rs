//! Markdown to safe HTML. Raw HTML in the source is shown as text, and links
//! and images may only point to http(s), mailto or local paths, so the output
//! can be inserted into a page as is.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

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
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, parser);
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
}
