//! Report pages read as words in both languages: no state, status or action
//! codes, no catalog keys, and no brackets inside brackets.

use reqwest::StatusCode;

use super::*;

/// The visible text of a page (tags, scripts and styles removed, entities decoded).
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#x27;", "'")
}

/// Codes of the report vocabulary, catalog keys, and other snake_case words.
fn raw_codes(text: &str, zh: bool) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')) {
        let w = word.trim_matches('.');
        let code = w.contains('_')
            || ["rpt.", "error.", "flash.", "upload.", "form."].iter().any(|p| w.starts_with(p))
            || (zh && ["draft", "submitted", "accepted", "returned", "implemented"].contains(&w));
        if code && !w.is_empty() {
            out.push(w.to_owned());
        }
    }
    out
}

/// Brackets opened inside brackets: （…（…）…） or (…(…)…).
fn nested(text: &str) -> Option<String> {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '（' | '(' => {
                depth += 1;
                if depth > 1 {
                    let start = text[..i].char_indices().rev().nth(30).map(|(j, _)| j).unwrap_or(0);
                    return Some(text[start..(i + 40).min(text.len())].to_owned());
                }
            }
            '）' | ')' => depth = (depth - 1).max(0),
            _ => {}
        }
    }
    None
}

#[tokio::test]
async fn report_pages_read_as_words_in_both_languages() {
    let app = spawn_app().await;
    let filer = signed_in(&app, "filer@example.org").await;
    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    let e = entry_ids(&edit)[0].clone();
    let typed =
        vec![(format!("e_{e}_status"), "not_applicable".to_owned()), (format!("e_{e}_na"), "本平台无此业务".into())];
    let files = vec![(e.as_str(), "台账.pdf", b"%PDF-1.4 x".to_vec())];
    assert_eq!(post_upload(&filer, rid, "save", &typed, files).await.status(), StatusCode::SEE_OTHER);
    let reviewer = signed_in(&app, "reviewer@example.org").await;
    let editor = signed_in(&app, "editor@example.org").await;
    let pledge: i64 = {
        use diesel::prelude::*;
        use selfreg::db::schema::pledges::dsl::*;
        pledges.filter(kind.eq("initiative")).select(id).first(&mut *app.conn()).unwrap()
    };
    let accepted: i64 = {
        use diesel::prelude::*;
        use selfreg::db::schema::reports::dsl::*;
        reports.filter(state.eq("accepted")).select(id).first(&mut *app.conn()).unwrap()
    };
    let platform = org_id(&app, "示例平台01");
    let pages: Vec<(&TestApp, String)> = vec![
        (&filer, "/reporting".into()),
        (&filer, format!("/reports/{rid}")),
        (&filer, format!("/reports/{rid}/edit")),
        (&filer, format!("/orgs/{platform}/reports")),
        (&reviewer, "/review".into()),
        (&reviewer, format!("/reports/{accepted}")),
        (&reviewer, format!("/reports/{accepted}/revisions")),
        (&editor, format!("/pledges/{pledge}/periods")),
        (&editor, "/periods".into()),
    ];
    for lang in ["zh-CN", "en"] {
        for (c, path) in &pages {
            let r = c.client.get(c.url(path)).header("accept-language", lang).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{lang} {path}");
            let text = visible(&r.text().await.unwrap());
            let codes = raw_codes(&text, lang == "zh-CN");
            assert!(codes.is_empty(), "{lang} {path} shows codes: {codes:?}");
            assert_eq!(nested(&text), None, "{lang} {path}: brackets inside brackets");
        }
    }
}

#[test]
fn the_report_catalog_keeps_its_chinese_consistent() {
    // Keys of report filing, review, periods and uploads (the dashboard's own keys aside).
    let mine = |k: &str| {
        [
            "rpt.edit.",
            "rpt.field.",
            "rpt.view.",
            "rpt.review.",
            "rpt.queue.",
            "rpt.periods.",
            "rpt.overview.",
            "rpt.mine.",
        ]
        .iter()
        .chain(["rpt.spot", "rpt.state.", "rpt.status.", "rpt.compare.", "rpt.deadline", "rpt.col."].iter())
        .chain(["error.report.", "error.period.", "flash.report.", "upload."].iter())
        .any(|p| k.starts_with(p))
    };
    let lines = |text: &'static str| -> Vec<(&'static str, &'static str)> {
        text.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim(), v.trim()))
            .filter(|(k, _)| mine(k))
            .collect()
    };
    let zh = lines(include_str!("../../../locales/zh-CN/reports.txt"));
    let en = lines(include_str!("../../../locales/en/reports.txt"));
    assert!(zh.len() > 100 && zh.len() == en.len());
    for (k, v) in zh {
        let text = v.replace("http://", "").replace("https://", "").replace("24:00", "");
        let ascii: Vec<char> = text.chars().filter(|c| ",;:?!()".contains(*c)).collect();
        assert!(ascii.is_empty(), "{k}: ASCII punctuation {ascii:?} in Chinese: {v}");
        assert_eq!(nested(v), None, "{k}: brackets inside brackets");
    }
    for (k, v) in en {
        assert!(
            !v.contains(['、', '，', '。', '：', '（', '）', '“', '”']),
            "{k}: Chinese punctuation in English: {v}"
        );
        assert_eq!(nested(v), None, "{k}: brackets inside brackets");
    }
}
