//! Pledges in a real browser: a filer applies with a subset of the commitments
//! (one unticked, with its reason) and the confirmation and the public
//! signatory list show exactly that subset; an editor edits a commitment row;
//! pledge and organization pages fit a 390 px phone screen.

use crate::harness::{scenario, World};

const CONVENTION: &str = "网络交易合规经营自律公约";
const LEFT_OUT: &str = "2.2";
const REASON: &str = "本平台仅经营团购券，七日无理由退货不适用（浏览器测试）";

/// The row of commitment `number` on the apply page.
fn commitment_row(number: &str) -> String {
    format!("//ul[contains(@class,'subscribe-list')]/li[.//span[@class='num' and normalize-space(.)='{number}']]")
}

/// Whether the page is no wider than the window (nothing scrolls sideways but
/// the tables inside their own container).
async fn fits(w: &World) -> anyhow::Result<bool> {
    let v = w
        .browser
        .execute("return document.documentElement.scrollWidth <= document.documentElement.clientWidth", vec![])
        .await?;
    Ok(v.as_bool() == Some(true))
}

#[tokio::test]
async fn filer_applies_with_a_subset_and_editor_edits_a_commitment_row() {
    scenario("pledge_subset", async |w: &World| {
        // The filer opens the convention from the list and applies.
        w.sign_in("filer@example.org").await?;
        w.goto("/pledges").await?;
        let link = w.xpath(&format!("//table//a[normalize-space(.)='{CONVENTION}']")).await?;
        w.click_element(link).await?;
        let pledge_page = w.here().await?;
        w.click("a.button[href$='/apply']").await?;
        check!(w.here().await?.ends_with("/apply"), "no apply page");
        let boxes = w.browser.find_all(fantoccini::Locator::Css("ul.subscribe-list input[type=checkbox]")).await?;
        check!(boxes.len() == 12, "expected 12 commitments, found {}", boxes.len());
        for b in &boxes {
            check!(b.is_selected().await?, "every commitment starts ticked");
        }
        // Untick 2.2: its reason field appears; give the reason.
        w.xpath(&format!("{}//input[@type='checkbox']", commitment_row(LEFT_OUT))).await?.click().await?;
        let reason = w.xpath(&format!("{}//div[@class='reason']/input", commitment_row(LEFT_OUT))).await?;
        check!(reason.is_displayed().await?, "the reason field shows once unticked");
        reason.send_keys(REASON).await?;
        w.fill("#f-representative_name", "张伟").await?;
        w.fill("#f-representative_title", "合规总监").await?;
        w.css("#f-confirm").await?.click().await?;
        w.click("form[action$='/apply'] button[type=submit]").await?;

        // The confirmation lists exactly what was subscribed.
        let here = w.here().await?;
        check!(here.starts_with("/signatures/"), "no confirmation page: {here}");
        let signature_page = here.clone();
        let page = w.body_text().await?;
        check!(page.contains("承诺其中 11 项，共 12 项"), "the scope is not stated: {page}");
        let subscribed = w.text("ul.subscribed-list").await?;
        check!(!subscribed.contains(LEFT_OUT), "2.2 listed as subscribed: {subscribed}");
        check!(subscribed.contains("2.1") && subscribed.contains("2.3") && subscribed.contains("4.3"), "{subscribed}");
        let left_out = w.text("ul.commitments.excluded").await?;
        check!(left_out.contains(LEFT_OUT) && left_out.contains(REASON), "left out: {left_out}");
        w.sign_out().await?;

        // The editor verifies it; the public list shows the same subset.
        w.sign_in("editor@example.org").await?;
        w.goto(&signature_page).await?;
        w.click("form[action$='/verify'] button[type=submit]").await?;
        w.sign_out().await?;
        w.goto(&format!("{pledge_page}?q=示例平台01")).await?;
        let row = w.xpath("//table[contains(@class,'signatories')]//tr[.//a[normalize-space(.)='示例平台01']]").await?;
        let row = row.text().await?;
        check!(row.contains("承诺其中 11 项，共 12 项"), "public row: {row}");
        check!(row.contains(LEFT_OUT) && row.contains(REASON), "public row: {row}");

        // The editor drafts a pledge and edits one commitment row.
        w.sign_in("editor@example.org").await?;
        w.goto("/pledges/new").await?;
        w.fill("#f-title_zh", "浏览器测试倡议").await?;
        w.fill("#f-title_en", "Browser test initiative").await?;
        w.fill("#f-text_md_zh", "正文").await?;
        for (i, n) in ["1", "2"].iter().enumerate() {
            w.fill(&format!("#f-c{i}_number"), n).await?;
            w.fill(&format!("#f-c{i}_area_zh"), "价格").await?;
            w.fill(&format!("#f-c{i}_area_en"), "Pricing").await?;
            w.fill(&format!("#f-c{i}_text_zh"), &format!("第{n}项承诺")).await?;
            w.fill(&format!("#f-c{i}_text_en"), &format!("Commitment {n}")).await?;
        }
        w.click("form[action='/pledges'] button[type=submit]").await?;
        let draft = w.here().await?;
        check!(draft.starts_with("/pledges/") && draft != "/pledges/new", "not saved: {draft}");
        w.goto(&format!("{draft}/edit")).await?;
        check!(w.attr("#f-c1_number", "value").await?.as_deref() == Some("2"), "the row is not shown");
        w.fill("#f-c1_text_zh", "在显著位置明码标价").await?;
        w.click("form[action$='/edit'] button[type=submit]").await?;
        check!(w.here().await? == draft, "not saved");
        let page = w.body_text().await?;
        check!(page.contains("在显著位置明码标价") && !page.contains("第2项承诺"), "the edited row is not shown");
        w.sign_out().await?;

        // Phone width: pledge and organization pages fit.
        w.browser.set_window_size(390, 900).await?;
        for path in ["/pledges".to_owned(), pledge_page.clone(), signature_page.clone(), "/orgs".into()] {
            w.goto(&path).await?;
            check!(fits(w).await?, "{path} is wider than 390 px");
        }
        w.goto(&pledge_page).await?;
        let org = w.attr("table.signatories a[href^='/orgs/']", "href").await?.unwrap_or_default();
        let org = org.strip_prefix(&w.base).unwrap_or(&org).to_owned();
        w.goto(&org).await?;
        check!(fits(w).await?, "{org} is wider than 390 px");
        Ok(())
    })
    .await;
}
