//! What every page shares: valid `<time>` elements, one date format, the
//! title, the navigation of each role, the feeds a page announces, and the
//! print and phone rules of the stylesheet.

use reqwest::StatusCode;

use crate::helpers::*;

/// Every `<time …>` start tag of a page.
fn time_tags(html: &str) -> Vec<&str> {
    html.match_indices("<time").map(|(i, _)| &html[i..i + html[i..].find('>').unwrap() + 1]).collect()
}

/// The `/standards/{id}` pages the standards list links to.
async fn standard_pages(app: &TestApp) -> Vec<String> {
    let (_, list) = app.get_html("/standards").await;
    let mut pages: Vec<String> = list
        .match_indices("href=\"/standards/")
        .map(|(i, _)| {
            let rest = &list[i + 6..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .filter(|p| p["/standards/".len()..].chars().all(|c| c.is_ascii_digit()))
        .collect();
    pages.dedup();
    assert!(pages.len() >= 3, "the demo lists standards");
    pages
}

#[tokio::test]
async fn every_time_element_carries_a_machine_readable_datetime() {
    let app = spawn_app().await;
    let mut seen = 0;
    for page in standard_pages(&app).await {
        let (status, html) = app.get_html(&page).await;
        assert_eq!(status, StatusCode::OK);
        for tag in time_tags(&html) {
            seen += 1;
            let value = tag.split("datetime=\"").nth(1).map(|v| &v[..v.find('"').unwrap()]);
            let value = value.unwrap_or_else(|| panic!("{page}: {tag} has no datetime"));
            assert!(
                chrono::DateTime::parse_from_rfc3339(value).is_ok()
                    || chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
                "{page}: {tag}"
            );
        }
    }
    assert!(seen > 0, "the timelines show times");
}

#[tokio::test]
async fn dates_and_times_read_the_same_way_everywhere() {
    let app = spawn_app().await;
    let page = &standard_pages(&app).await[0];
    let (_, html) = app.get_html(page).await;
    // 2026年12月06日 14:05（北京时间）
    let i = html.find("<time").unwrap();
    let text = &html[i + html[i..].find('>').unwrap() + 1..];
    let text = &text[..text.find("</time>").unwrap()];
    let (date, rest) = text.split_once(' ').unwrap();
    assert!(chrono::NaiveDate::parse_from_str(date, "%Y年%m月%d日").is_ok(), "{text}");
    assert_eq!(date.chars().count(), 11, "two-digit month and day: {text}");
    assert!(rest.ends_with("（北京时间）") && rest.len() == "14:05（北京时间）".len(), "{text}");

    let r = app.client.get(app.url(page)).header("accept-language", "en").send().await.unwrap();
    let html = r.text().await.unwrap();
    let i = html.find("<time").unwrap();
    let text = &html[i + html[i..].find('>').unwrap() + 1..];
    let text = &text[..text.find("</time>").unwrap()];
    assert!(text.ends_with(" (Beijing time)") && !text.contains(','), "6 Dec 2026 14:05 (Beijing time): {text}");
}

#[tokio::test]
async fn no_page_title_says_the_same_thing_twice() {
    let app = spawn_app().await;
    let (_, home) = app.get_html("/").await;
    assert!(home.contains("<title>直播电商标准与自律登记平台</title>"), "the home page is the site itself");
    for path in ["/", "/standards", "/pledges", "/dashboard", "/orgs", "/login"] {
        let (_, html) = app.get_html(path).await;
        let t = &html[html.find("<title>").unwrap()..html.find("</title>").unwrap()];
        assert_eq!(t.matches("直播电商标准与自律登记平台").count(), 1, "{path}: {t}");
        assert_eq!(html.matches("<h1").count(), 1, "{path} has one h1");
    }
}

#[tokio::test]
async fn every_staff_role_finds_its_pages_in_the_navigation() {
    let app = spawn_app().await;
    let (_, public) = app.get_html("/pledges").await;
    assert!(!public.contains("class=\"work-nav\""), "the public has no work navigation");
    for (email, links) in [
        ("filer@example.org", &["/reporting"][..]),
        ("editor@example.org", &["/standards/new", "/pledges/new", "/periods"][..]),
        ("reviewer@example.org", &["/review", "/standards?status=proposed", "/standards?status=technical_review"][..]),
        ("admin@example.org", &["/review", "/admin/users", "/admin/orgs", "/admin/audit"][..]),
    ] {
        let c = app.other_client();
        c.login(email).await;
        let (_, html) = c.get_html("/pledges").await;
        let nav = &html[html.find("class=\"work-nav\"").unwrap_or_else(|| panic!("{email}: no work navigation"))..];
        let nav = &nav[..nav.find("</nav>").unwrap()];
        for link in links {
            assert!(nav.contains(&format!("href=\"{link}\"")), "{email}: {link} missing from {nav}");
        }
        // The page a link leads to is marked as the current one there.
        let (_, here) = c.get_html(links[0]).await;
        assert!(here.contains(&format!("href=\"{}\" aria-current=\"page\"", links[0])), "{email} on {}", links[0]);
    }
}

#[tokio::test]
async fn atom_feeds_name_their_author_and_pages_link_their_feed() {
    let app = spawn_app().await;
    for feed in ["/feeds/standards.atom", "/feeds/reports.atom"] {
        let r = app.get(feed).await;
        assert_eq!(r.status(), StatusCode::OK);
        let xml = r.text().await.unwrap();
        let author = &xml[xml.find("<author>").unwrap_or_else(|| panic!("{feed} has no author"))..];
        assert!(author.contains("<name>直播电商标准与自律登记平台</name>"), "{feed}");
    }
    let link = |f: &str| format!("<link rel=\"alternate\" type=\"application/atom+xml\" href=\"{f}\"");
    for (page, feeds, not) in [
        ("/", &["/feeds/standards.atom", "/feeds/reports.atom"][..], None),
        ("/standards", &["/feeds/standards.atom"][..], Some("/feeds/reports.atom")),
        ("/dashboard", &["/feeds/reports.atom"][..], Some("/feeds/standards.atom")),
    ] {
        let (_, html) = app.get_html(page).await;
        let head = &html[..html.find("</head>").unwrap()];
        for f in feeds {
            assert!(head.contains(&link(f)), "{page} does not link {f}");
        }
        if let Some(n) = not {
            assert!(!head.contains(&link(n)), "{page} links {n}");
        }
    }
    let (_, std_page) = app.get_html(&standard_pages(&app).await[0]).await;
    assert!(std_page.contains(&link("/feeds/standards.atom")), "a standard's page links the standards feed");
}

/// The stylesheet every page links.
async fn stylesheet(app: &TestApp) -> String {
    let (_, html) = app.get_html("/").await;
    let marker = "rel=\"stylesheet\" href=\"";
    let i = html.find(marker).unwrap() + marker.len();
    let href = &html[i..i + html[i..].find('"').unwrap()];
    app.get(href).await.text().await.unwrap()
}

/// The body of the first `@media …` block whose query contains `query`.
fn media_block(css: &str, query: &str) -> String {
    let mut out = String::new();
    for (i, _) in css.match_indices("@media") {
        let head_end = i + css[i..].find('{').unwrap();
        if !css[i..head_end].contains(query) {
            continue;
        }
        let mut depth = 0;
        for (j, ch) in css[head_end..].char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        out.push_str(&css[head_end..head_end + j]);
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[tokio::test]
async fn pages_print_on_a4_without_navigation_buttons_or_forms() {
    let app = spawn_app().await;
    let css = stylesheet(&app).await;
    let print = media_block(&css, "print");
    assert!(print.contains("size: A4"), "A4 pages");
    for hidden in [".site-header nav", ".account", "form", "button", ".pager"] {
        let hides = print.split('}').filter(|r| r.contains("display: none")).any(|r| {
            let selectors = r.split('{').next().unwrap_or("");
            selectors.split(',').any(|s| s.trim() == hidden)
        });
        assert!(hides, "{hidden} is not hidden in print");
    }
    assert!(print.contains("color: #000") && print.contains("thead { display: table-header-group"));
    assert!(print.contains("break-inside: avoid"), "rows and figures are not cut");
    assert!(print.contains("attr(href)"), "outside links show where they lead");
}

#[tokio::test]
async fn phones_get_scrolling_tables_unbroken_badges_wrapped_words_and_full_width_forms() {
    let app = spawn_app().await;
    let css = stylesheet(&app).await;
    assert!(css.contains(".badge { white-space: nowrap; }"));
    assert!(css.contains("overflow-wrap: anywhere"));
    let phone = media_block(&css, "max-width: 40rem");
    assert!(phone.contains("main table:not(.matrix) { display: block; overflow-x: auto;"), "{phone}");
    assert!(phone.contains("select, textarea { max-width: 100%; width: 100%; }"), "{phone}");
}
