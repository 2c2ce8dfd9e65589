//! E-mail in a real browser: the filer submits a report, the reviewer finds it
//! on 待办 and returns it with a comment, the filer's mail arrives at a real
//! SMTP server (aiosmtpd, `tests/api/smtp_sink.py`) and its link, followed in
//! the browser, lands on the report with the reviewer's comment.

use std::time::{Duration, Instant};

use crate::harness::{scenario_with, World};
use crate::smtp_sink::SmtpSink;

/// Journey: submit → the reviewer's 待办 → return with a comment → the
/// filer's mail → its link opens the report showing the comment.
#[tokio::test]
async fn a_returned_report_reaches_the_filer_by_mail_and_its_link_opens_the_comment() {
    let sink = SmtpSink::start();
    let env = vec![
        ("SELFREG_SMTP_URL".to_owned(), sink.url()),
        ("SELFREG_MAIL_FROM".to_owned(), "registry@example.org".to_owned()),
    ];
    let comment = "请补充第一项的核验数据（浏览器测试）。";
    scenario_with("mail_returned_report", env, async |w: &World| {
        // The filer opens a report, fills every entry and submits it.
        w.sign_in("filer@example.org").await?;
        w.click("a[href='/reporting']").await?;
        w.click("form[action^='/reporting/'][action$='/open'] button").await?;
        let edit = w.here().await?;
        check!(edit.starts_with("/reports/") && edit.ends_with("/edit"), "no report form: {edit}");
        let report = edit.trim_end_matches("/edit").to_owned();
        let entries = w.browser.find_all(fantoccini::Locator::Css("fieldset.entry")).await?;
        let mut ids = Vec::new();
        for e in entries {
            ids.push(e.attr("id").await?.unwrap_or_default().trim_start_matches('e').to_owned());
        }
        check!(!ids.is_empty(), "the report has no entries");
        for id in &ids {
            w.select(&format!("#f-e_{id}_status"), "implemented").await?;
            w.fill(&format!("#f-e_{id}_measures"), "建立主播资质核验台账，每月抽查一次。").await?;
            w.fill(&format!("#f-e_{id}_iname_0"), "主播资质核验率").await?;
            w.fill(&format!("#f-e_{id}_ivalue_0"), "98.5").await?;
            w.fill(&format!("#f-e_{id}_iunit_0"), "%").await?;
            w.fill(&format!("#f-e_{id}_lurl_0"), "https://platform01.example.com/report").await?;
            w.fill(&format!("#f-e_{id}_llabel_0"), "公示页面").await?;
        }
        crate::reports::press(w, "button[name=action][value=submit]").await?;
        let here = w.here().await?;
        check!(!here.ends_with("/edit"), "the report was not submitted: {}", w.body_text().await?);
        w.sign_out().await?;

        // The reviewer finds it on 待办 and returns it with a comment.
        w.sign_in("reviewer@example.org").await?;
        w.goto("/todo").await?;
        w.click(&format!("main a[href='{report}']")).await?;
        check!(w.here().await? == report, "待办 did not lead to the report");
        w.fill("#f-comment", comment).await?;
        crate::reports::press(w, "button[name=decision][value=return]").await?;
        w.sign_out().await?;

        // The filer's mail arrives; its link, followed in the browser, shows the comment.
        let start = Instant::now();
        let mail = loop {
            let found = sink.messages().into_iter().find(|m| {
                m["rcpt_tos"][0] == "filer@example.org" && m["text"].as_str().unwrap_or("").contains(comment)
            });
            if let Some(m) = found {
                break m;
            }
            check!(start.elapsed() < Duration::from_secs(30), "no mail reached the filer");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let text = mail["text"].as_str().unwrap_or_default();
        let link = text
            .split_whitespace()
            .find(|t| t.starts_with(&w.base) && t.contains(&report))
            .ok_or_else(|| anyhow::anyhow!("no link to {report} in the mail: {text}"))?
            .to_owned();
        w.browser.goto(&link).await?;
        // Signed out: the link asks for sign-in first and then lands on the report.
        if w.here().await?.starts_with("/login") {
            w.sign_in_here("filer@example.org").await?;
        }
        let here = w.here().await?;
        check!(here.starts_with(&report), "the link did not land on the report: {here}");
        check!(w.body_text().await?.contains(comment), "the report does not show the reviewer's comment");
        Ok(())
    })
    .await;
}
