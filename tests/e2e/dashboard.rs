//! The public dashboard in a real browser: choosing a pledge and a period
//! with the menus (also a period of another pledge in the URL), finding a
//! platform by name, and the page at phone width.

use crate::harness::{scenario, World};

const CONVENTION: &str = "网络交易合规经营自律公约";

/// The value of the option of `select` whose text contains `text`.
async fn option_value(w: &World, select: &str, text: &str) -> anyhow::Result<String> {
    let o = w.xpath(&format!("//select[@id='{select}']/option[contains(normalize-space(.), '{text}')]")).await?;
    Ok(o.attr("value").await?.unwrap_or_default())
}

/// The text of the selected option of `select`.
async fn selected_text(w: &World, select: &str) -> anyhow::Result<String> {
    Ok(w.text(&format!("#{select} option:checked")).await?.trim().to_owned())
}

async fn show(w: &World) -> anyhow::Result<()> {
    w.click("form.board-filters button[type=submit]").await
}

/// Rows of the matrix (organization names).
async fn rows(w: &World) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for e in w.browser.find_all(fantoccini::Locator::Css("table.matrix tbody th a")).await? {
        out.push(e.text().await?.trim().to_owned());
    }
    Ok(out)
}

#[tokio::test]
async fn dashboard_menus_search_and_phone_width() {
    scenario("dashboard", async |w: &World| {
        w.goto("/dashboard").await?;
        let initiative = w.attr("#f-pledge option:checked", "value").await?.unwrap_or_default();
        check!(
            w.text(".period-line strong").await? == "第二期（下半年度）",
            "the default is not the initiative's latest period past its deadline"
        );
        check!(rows(w).await?.len() == 28, "the initiative has 28 signatories");

        // Choose the convention: the form still carries the initiative's
        // period, which is foreign to it; the convention's current period shows.
        let convention = option_value(w, "f-pledge", CONVENTION).await?;
        w.select("#f-pledge", &convention).await?;
        show(w).await?;
        check!(w.text(".period-line strong").await? == "年度报告", "not the convention's current period");
        check!(selected_text(w, "f-period").await? == "年度报告", "the period menu does not show what is shown");
        check!(w.attr("#f-pledge option:checked", "value").await?.as_deref() == Some(convention.as_str()), "pledge menu");
        check!(w.text(".board .notice").await?.contains("不属于该公约或倡议"), "no word on why another period shows");
        let row = w.text("table.matrix tbody tr:first-child").await?;
        check!(!row.is_empty(), "the convention's matrix is empty");

        // Choose one of its periods with the menu.
        let next = option_value(w, "f-period", "下一年度报告").await?;
        w.select("#f-period", &next).await?;
        show(w).await?;
        check!(w.text(".period-line strong").await? == "下一年度报告", "the chosen period is not shown");
        check!(w.css(".board .notice").await.is_err(), "a notice without reason");
        let badges = w.text("table.matrix tbody").await?;
        check!(badges.contains("未到期") && !badges.contains("履约良好"), "a period not yet open: {badges}");

        // A period of another pledge typed into the URL: the page answers with
        // the pledge's current period.
        w.goto(&format!("/dashboard?pledge={initiative}&period={next}")).await?;
        check!(w.text("h1").await?.contains("履约看板"), "no dashboard for a foreign period");
        check!(w.text(".period-line strong").await? == "第二期（下半年度）", "not the initiative's current period");
        check!(selected_text(w, "f-period").await? == "第二期（下半年度）", "the period menu disagrees");

        // Find a platform by name; the box keeps the words.
        w.fill("#f-q", "平台02").await?;
        show(w).await?;
        check!(rows(w).await? == vec!["示例平台02".to_owned()], "the search did not find platform 02 alone");
        check!(w.attr("#f-q", "value").await?.as_deref() == Some("平台02"), "the search box lost the words");
        check!(w.text(".found").await?.contains("共 28 家"), "no count of what was found");
        check!(w.text(".period-line strong").await? == "第二期（下半年度）", "the search changed the period");

        // Phone width: nothing wider than the screen but the matrix, which
        // scrolls in its own box with the names fixed; badges stay on one line.
        w.browser.set_window_size(390, 900).await?;
        for lang in ["/dashboard", "/lang/en?next=%2Fdashboard"] {
            w.goto(lang).await?;
            let m = w
                .browser
                .execute(
                    "const d = document.documentElement, wrap = document.querySelector('.matrix-wrap');
                     const name = () => document.querySelector('table.matrix tbody th').getBoundingClientRect().left;
                     const before = name(); wrap.scrollLeft = 400; const after = name();
                     const wrapped = [...document.querySelectorAll('.badge')]
                        .filter(b => b.getClientRects().length > 1 || b.getBoundingClientRect().height > 2.2 * parseFloat(getComputedStyle(b).fontSize))
                        .map(b => b.textContent);
                     return [window.innerWidth, d.scrollWidth, d.clientWidth, wrap.scrollWidth > wrap.clientWidth, wrap.scrollLeft, before, after, wrapped];",
                    vec![],
                )
                .await?;
            let m = m.as_array().cloned().unwrap_or_default();
            check!(m.len() == 8, "measurement failed: {m:?}");
            check!(m[0].as_i64() == Some(390), "the window is not 390 px wide: {m:?}");
            check!(m[1].as_i64() <= m[2].as_i64(), "{lang}: the page is wider than the screen: {m:?}");
            check!(m[3].as_bool() == Some(true) && m[4].as_i64().unwrap_or(0) > 0, "the matrix does not scroll: {m:?}");
            check!(m[5] == m[6], "{lang}: the names move when the matrix scrolls: {m:?}");
            check!(m[7].as_array().is_some_and(|a| a.is_empty()), "{lang}: badges wrap: {m:?}");
        }
        Ok(())
    })
    .await;
}
