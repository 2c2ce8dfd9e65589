//! The disposition table in a real browser: each row shows the comment's
//! current disposition, the pending filter, and bulk disposition.

use crate::harness::{scenario, World};

async fn standard_id(w: &World, title: &str) -> anyhow::Result<String> {
    w.goto("/standards").await?;
    let link = w.xpath(&format!("//table[contains(@class,'standards')]//a[normalize-space(.)='{title}']")).await?;
    w.click_element(link).await?;
    Ok(w.here().await?.trim_start_matches("/standards/").to_owned())
}

#[tokio::test]
async fn editor_sees_current_dispositions_filters_pending_and_disposes_in_bulk() {
    scenario("standards_disposition_table", async |w: &World| {
        w.sign_in("editor@example.org").await?;
        let id = standard_id(w, "品质电商直播间管理规范").await?;
        let table = format!("/standards/{id}/comments");
        w.goto(&table).await?;

        // Comment 1 is partly accepted: its form shows that and the reason, not 采纳.
        let chosen = w.css("#f-disposition-1 option:checked").await?.attr("value").await?.unwrap_or_default();
        check!(chosen == "partly_accepted", "row 1 shows {chosen:?}, not its disposition");
        let reason = w.css("#f-reason-1").await?.prop("value").await?.unwrap_or_default();
        check!(reason.contains("调整为每年复核"), "row 1 does not show its reason: {reason:?}");

        // Only the pending ones.
        w.click(&format!("a[href='{table}?pending=1']")).await?;
        check!(w.here().await? == format!("{table}?pending=1"), "the filter is not in the URL");
        check!(w.css("tr#c1").await.is_err(), "a disposed comment is listed as pending");
        check!(w.css("tr#c6").await.is_ok() && w.css("tr#c7").await.is_ok(), "pending comments are missing");

        // Tick two, one outcome and reason for both.
        w.css("#t-6").await?.click().await?;
        w.css("#t-7").await?.click().await?;
        w.select("#f-bulk_disposition", "noted").await?;
        let why = "将在编制说明中统一说明（浏览器测试）。";
        w.fill("#f-bulk_reason", why).await?;
        w.click("form#bulk button[type=submit]").await?;
        check!(w.here().await?.starts_with(&format!("{table}?pending=1")), "bulk disposal left the filtered table");
        check!(!w.text(".flash").await?.trim().is_empty(), "no confirmation after the bulk disposal");
        check!(w.css("tr#c6").await.is_err() && w.css("tr#c7").await.is_err(), "disposed comments still pending");

        // The public table shows both with the reason.
        w.sign_out().await?;
        w.goto(&table).await?;
        for seq in [6, 7] {
            let row = w.text(&format!("tr#c{seq}")).await?;
            check!(row.contains("已知悉（不涉及修改）") && row.contains(why), "row {seq}: {row}");
        }
        Ok(())
    })
    .await;
}
