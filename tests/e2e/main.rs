//! Real-browser end-to-end tests: headless Chromium (Debian `chromium` and
//! `chromium-driver`) through chromedriver against the release binary on a
//! fresh SQLite database with the demo data.
//!
//! Skipped unless `SELFREG_E2E=1`; `.ci/run` builds the release binary, sets
//! it and runs them, and there a missing browser is a failure. A failed test
//! leaves a screenshot, the page source and the server log in `target/e2e/`.
//!
//!     cargo build --release && SELFREG_E2E=1 cargo test --test e2e

#[macro_use]
mod harness;
mod dashboard;
mod mail;
mod pledges;
mod reports;
mod security;
#[path = "../common/smtp_sink.rs"]
mod smtp_sink;
mod standards;

use harness::{scenario, World};

mod phone;

const DRAFT_TITLE: &str = "品质电商直播间管理规范";

/// What journey 1 submitted.
struct Submitted {
    standard_id: String,
    seq: String,
    body: String,
}

/// Journey 1: a member of the public searches the standards for 直播, opens
/// the draft 《品质电商直播间管理规范》 and comments on clause 5.1.
async fn public_comments(w: &World) -> anyhow::Result<Submitted> {
    w.goto("/").await?;
    w.click("a[href='/standards']").await?;
    w.fill("#f-q", "直播").await?;
    w.click("form.filters button[type=submit]").await?;
    let here = w.here().await?;
    check!(here.starts_with("/standards?") && here.contains("q=%E7%9B%B4%E6%92%AD"), "search did not run: {here}");
    let link =
        w.xpath(&format!("//table[contains(@class,'standards')]//a[normalize-space(.)='{DRAFT_TITLE}']")).await?;
    w.click_element(link).await?;
    let here = w.here().await?;
    let standard_id = here.strip_prefix("/standards/").unwrap_or_default().to_owned();
    check!(standard_id.parse::<i64>().is_ok(), "the search result did not open a standard: {here}");
    check!(w.text("h1").await?.contains(DRAFT_TITLE), "the standard page is not the draft");

    let body = format!("建议“每半年复核一次”改为“每年复核一次”（浏览器测试 {}）。", std::process::id());
    w.select("#f-version_n", "2").await?;
    w.fill("#f-clause_ref", "5.1").await?;
    w.select("#f-kind", "technical").await?;
    w.fill("#f-body", &body).await?;
    w.fill("#f-proposed_change", "改为每年复核一次。").await?;
    w.fill("#f-name", "测试用户").await?;
    w.fill("#f-organization", "浏览器测试单位").await?;
    w.fill("#f-email", "e2e@example.net").await?;
    w.click("form.comment-form button[type=submit]").await?;

    let here = w.here().await?;
    let prefix = format!("/standards/{standard_id}/comments/");
    check!(here.starts_with(&prefix), "no confirmation page after submitting: {here}");
    let seq = here[prefix.len()..].to_owned();
    check!(seq.parse::<i32>().is_ok(), "confirmation page has no comment number: {here}");
    let flash = w.text(".flash").await?;
    check!(!flash.trim().is_empty(), "no confirmation message");
    let page = w.body_text().await?;
    check!(page.contains("5.1") && page.contains(&body), "the confirmation does not show the comment: {page}");
    Ok(Submitted { standard_id, seq, body })
}

#[tokio::test]
async fn public_searches_and_comments_on_the_draft() {
    scenario("public_comment", async |w: &World| {
        let s = public_comments(w).await?;
        // The disposition table lists it, pending, without the e-mail address.
        w.goto(&format!("/standards/{}/comments", s.standard_id)).await?;
        let row = w.text(&format!("tr#c{}", s.seq)).await?;
        check!(row.contains(&s.body) && row.contains("5.1"), "the table does not list the comment: {row}");
        check!(!row.contains("e2e@example.net"), "the public table shows the commenter's e-mail");
        let badge = w.attr(&format!("tr#c{} .badge", s.seq), "class").await?.unwrap_or_default();
        check!(badge.contains("d-pending"), "a new comment is not pending: {badge}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn editor_disposes_the_comment() {
    scenario("editor_disposes", async |w: &World| {
        let s = public_comments(w).await?;
        w.sign_in("editor@example.org").await?;
        let table = format!("/standards/{}/comments", s.standard_id);
        w.goto(&table).await?;
        let reason = "核验频次已在第 5.1 条统一为每年一次，重点主播每半年一次。";
        w.select(&format!("#f-disposition-{}", s.seq), "partly_accepted").await?;
        w.fill(&format!("#f-reason-{}", s.seq), reason).await?;
        w.click(&format!("tr#c{} form.dispose button[type=submit]", s.seq)).await?;
        let here = w.here().await?;
        check!(here.starts_with(&table), "disposing did not return to the table: {here}");
        check!(!w.text(".flash").await?.trim().is_empty(), "no confirmation after disposing");

        // What the public sees.
        w.sign_out().await?;
        w.goto(&table).await?;
        let row = w.text(&format!("tr#c{}", s.seq)).await?;
        check!(row.contains(reason), "the table does not show the reason: {row}");
        let badge = w.attr(&format!("tr#c{} .badge", s.seq), "class").await?.unwrap_or_default();
        check!(badge.contains("d-partly_accepted"), "the disposition is not shown: {badge}");
        check!(w.css(&format!("tr#c{} form.dispose", s.seq)).await.is_err(), "the public sees the disposition form");
        Ok(())
    })
    .await;
}

/// Entry ids of the report form in page order (from the status selects).
async fn entry_ids(w: &World) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for e in w.browser.find_all(fantoccini::Locator::Css("fieldset.entry select[id$='_status']")).await? {
        if let Some(id) = e.attr("id").await? {
            ids.push(id.trim_start_matches("f-e_").trim_end_matches("_status").to_owned());
        }
    }
    Ok(ids)
}

/// Journey 3: a filer files a report with an indicator and a PDF, saves a
/// draft and submits; the reviewer returns it with a comment; the filer sees
/// it, revises and resubmits; the reviewer accepts; the public dashboard
/// shows the new status.
#[tokio::test]
async fn filer_report_return_resubmit_accept_dashboard() {
    scenario("report_cycle", async |w: &World| {
        w.sign_in("filer@example.org").await?;
        w.click("a[href='/reporting']").await?;
        let start = w.css("form[action^='/reporting/'][action$='/open']").await?;
        let action = start.attr("action").await?.unwrap_or_default();
        let period = action.trim_start_matches("/reporting/").trim_end_matches("/open").to_owned();
        w.click("form[action^='/reporting/'][action$='/open'] button").await?;
        let here = w.here().await?;
        check!(
            here.starts_with("/reports/") && here.ends_with("/edit"),
            "starting the report did not open the form: {here}"
        );
        let report = here.trim_start_matches("/reports/").trim_end_matches("/edit").to_owned();

        // Fill every commitment; the first with an indicator.
        let ids = entry_ids(w).await?;
        check!(ids.len() >= 3, "the report has {} entries", ids.len());
        for (i, e) in ids.iter().enumerate() {
            w.select(&format!("#f-e_{e}_status"), if i == 1 { "in_progress" } else { "implemented" }).await?;
            w.fill(&format!("#f-e_{e}_measures"), &format!("第 {} 项：建立台账并按月复核。", i + 1)).await?;
        }
        let first = &ids[0];
        w.fill(&format!("input[name='e_{first}_iname_0']"), "商家资质核验率").await?;
        w.fill(&format!("input[name='e_{first}_ivalue_0']"), "98.5").await?;
        w.fill(&format!("input[name='e_{first}_iunit_0']"), "%").await?;
        w.click("p.actions button[name=action][value=save]").await?;
        check!(!w.text(".flash").await?.trim().is_empty(), "no confirmation after saving the draft");

        // Evidence: a PDF for the first commitment.
        let pdf = std::env::temp_dir().join(format!("selfreg-e2e-{}.pdf", std::process::id()));
        std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")?;
        w.css(&format!("#f-e_{first}_files")).await?.send_keys(&pdf.display().to_string()).await?;
        reports::press(w, &format!("button[name=action][value='upload:{first}']")).await?;
        let page = w.body_text().await?;
        let name = pdf.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        check!(page.contains(&name) && page.contains("SHA-256"), "the uploaded PDF is not listed: {page}");

        w.click("p.actions button[name=action][value=submit]").await?;
        check!(w.here().await? == format!("/reports/{report}"), "submitting did not show the report");
        check!(w.body_text().await?.contains("98.5"), "the indicator is not shown");
        w.sign_out().await?;

        // The reviewer returns it with a comment on the first commitment.
        w.sign_in("reviewer@example.org").await?;
        w.click("a[href='/review']").await?;
        w.click(&format!("a[href='/reports/{report}']")).await?;
        let comment = "请说明核验率的统计口径。";
        w.fill(&format!("#c-{first}"), comment).await?;
        w.fill("#f-comment", "请补充说明后重新提交。").await?;
        w.click("button[name=decision][value=return]").await?;
        check!(w.body_text().await?.contains("已退回"), "the report was not returned");
        w.sign_out().await?;

        // The filer sees the comment beside the entry, revises and resubmits.
        w.sign_in("filer@example.org").await?;
        w.goto(&format!("/reports/{report}/edit")).await?;
        let entry = w.text(&format!("fieldset#e{first}")).await?;
        check!(entry.contains(comment), "the reviewer's comment is not beside the entry: {entry}");
        w.fill(&format!("#f-e_{first}_measures"), "第 1 项：建立台账并按月复核；核验率按月度抽样统计。").await?;
        w.click("p.actions button[name=action][value=submit]").await?;
        check!(w.body_text().await?.contains("已提交"), "the revision was not submitted");
        w.sign_out().await?;

        // The reviewer accepts.
        w.sign_in("reviewer@example.org").await?;
        w.goto(&format!("/reports/{report}")).await?;
        w.click("button[name=decision][value=accept]").await?;
        check!(w.body_text().await?.contains("审核通过"), "the report was not accepted");
        w.sign_out().await?;

        // The public dashboard shows it.
        w.goto(&format!("/dashboard?period={period}")).await?;
        let row = w
            .xpath("//table[contains(@class,'matrix')]//tr[th/a[normalize-space(.)='示例平台01']]")
            .await?
            .text()
            .await?;
        check!(
            row.contains("按期报告并通过") && row.contains("已落实") && row.contains("推进中"),
            "the dashboard row is not updated: {row}"
        );
        let _ = std::fs::remove_file(&pdf);
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn language_switch_keeps_the_page() {
    scenario("language_switch", async |w: &World| {
        let page = "/standards?q=%E7%9B%B4%E6%92%AD&kind=local";
        w.goto(page).await?;
        let first = w.attr("html", "lang").await?.unwrap_or_default();
        check!(first == "zh-CN", "the browser asks for Chinese but the page is {first}");
        let results = w.css("table.standards tbody").await?.text().await?;
        check!(results.contains(DRAFT_TITLE), "the search finds the draft: {results}");

        w.click("a.lang").await?;
        check!(w.attr("html", "lang").await?.as_deref() == Some("en"), "the switch did not change to English");
        check!(w.here().await? == page, "the switch left the page: {}", w.here().await?);
        check!(w.attr("#f-q", "value").await?.as_deref() == Some("直播"), "the search was lost");
        check!(w.text("h1").await?.is_ascii(), "the heading is not in English: {}", w.text("h1").await?);

        // The choice is remembered on the next page.
        w.click("a[href='/pledges']").await?;
        check!(w.attr("html", "lang").await?.as_deref() == Some("en"), "English was not remembered");

        w.goto(page).await?;
        w.click("a.lang").await?;
        check!(w.attr("html", "lang").await?.as_deref() == Some("zh-CN"), "the switch did not change back");
        check!(w.here().await? == page, "switching back left the page: {}", w.here().await?);
        check!(!w.text("h1").await?.is_ascii(), "the heading is not in Chinese");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn signed_out_staff_page_goes_to_login_and_back() {
    scenario("login_returns", async |w: &World| {
        for (page, who) in [("/admin/users", "admin@example.org"), ("/standards/new", "editor@example.org")] {
            w.goto(page).await?;
            let here = w.here().await?;
            check!(here.starts_with("/login"), "{page} signed out did not go to the login page: {here}");
            w.sign_in_here(who).await?;
            let here = w.here().await?;
            check!(here == page, "after signing in as {who} the browser is on {here}, not {page}");
            check!(w.css("form[action='/logout']").await.is_ok(), "not signed in on {page}");
            w.sign_out().await?;
        }
        Ok(())
    })
    .await;
}
