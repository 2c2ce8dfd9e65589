//! Report filing in a real browser: evidence uploaded with "上传并保存草稿"
//! keeps everything typed, and is removed again with the 删除 box.

use crate::harness::{scenario, World};

/// Click a button in the middle of a long form: scrolled to the middle of the
/// window first, clear of the sticky bar of actions at the bottom.
pub async fn press(w: &World, selector: &str) -> anyhow::Result<()> {
    let e = w.css(selector).await?;
    w.browser.execute("arguments[0].scrollIntoView({block: 'center'})", vec![serde_json::to_value(&e)?]).await?;
    w.click_element(e).await
}

/// Journey: the filer picks a status, types measures and an indicator,
/// attaches a PDF to the entry and presses 上传并保存草稿; the page comes back
/// with the text, the indicator and the file; then the file is deleted.
#[tokio::test]
async fn filer_uploads_evidence_without_losing_what_was_typed() {
    scenario("report_upload", async |w: &World| {
        w.sign_in("filer@example.org").await?;
        w.click("a[href='/reporting']").await?;
        w.click("form[action^='/reporting/'][action$='/open'] button").await?;
        let here = w.here().await?;
        check!(here.starts_with("/reports/") && here.ends_with("/edit"), "no report form: {here}");
        let fieldset = w.css("fieldset.entry").await?;
        let entry = fieldset.attr("id").await?.unwrap_or_default().trim_start_matches('e').to_owned();
        check!(entry.parse::<i64>().is_ok(), "no entry id: {entry}");

        let measures = "建立主播资质核验台账，每月抽查一次（浏览器测试）。";
        w.select(&format!("#f-e_{entry}_status"), "in_progress").await?;
        w.fill(&format!("#f-e_{entry}_measures"), measures).await?;
        w.fill(&format!("#f-e_{entry}_iname_0"), "主播资质核验率").await?;
        w.fill(&format!("#f-e_{entry}_ivalue_0"), "98.5").await?;
        w.fill(&format!("#f-e_{entry}_iunit_0"), "%").await?;
        let pdf = std::env::temp_dir().join(format!("核验台账-{}.pdf", std::process::id()));
        std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")?;
        let name = pdf.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        w.css(&format!("#f-e_{entry}_files")).await?.send_keys(&pdf.display().to_string()).await?;
        let upload = format!("button[name=action][value='upload:{entry}']");
        check!(w.text(&upload).await?.contains("上传并保存草稿"), "the button does not say 上传并保存草稿");
        press(w, &upload).await?;

        // Back on the form, at the entry: everything typed, and the file.
        let here = w.here().await?;
        check!(here.ends_with("/edit"), "not back on the form: {here}");
        check!(w.text(".flash").await?.contains("证明材料已更新"), "no confirmation");
        let status = w.css(&format!("#f-e_{entry}_status")).await?.prop("value").await?.unwrap_or_default();
        check!(status == "in_progress", "the status chosen was lost: {status}");
        let typed = w.css(&format!("#f-e_{entry}_measures")).await?.prop("value").await?.unwrap_or_default();
        check!(typed == measures, "the measures were lost: {typed}");
        let ind = w.css(&format!("#f-e_{entry}_ivalue_0")).await?.prop("value").await?.unwrap_or_default();
        check!(ind == "98.5", "the indicator was lost: {ind}");
        let files = w.text(&format!("fieldset#e{entry} ul.evidence")).await?;
        check!(files.contains(&name) && files.contains("SHA-256"), "the file is not listed: {files}");

        // Delete it: tick 删除 and save; the text stays.
        let tick = w.css(&format!("fieldset#e{entry} ul.evidence input[type=checkbox]")).await?;
        w.browser.execute("arguments[0].scrollIntoView({block: 'center'})", vec![serde_json::to_value(&tick)?]).await?;
        if !tick.is_selected().await? {
            tick.click().await?;
        }
        w.click("p.actions button[name=action][value=save]").await?;
        let page = w.body_text().await?;
        check!(!page.contains(&name), "the file is still listed after deleting it");
        let typed = w.css(&format!("#f-e_{entry}_measures")).await?.prop("value").await?.unwrap_or_default();
        check!(typed == measures, "the measures were lost when deleting the file");
        let _ = std::fs::remove_file(&pdf);
        Ok(())
    })
    .await;
}
