//! Security journeys: a browser that signed in before keeps its way in while
//! someone else guesses the account's password from the same address.

use crate::harness::{scenario, World};

/// One wrong-password sign-in to `email` from another client (no device cookie); its status.
async fn guess(w: &World, email: &str) -> anyhow::Result<u16> {
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let page = client.get(w.url("/login")).send().await?.text().await?;
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).ok_or_else(|| anyhow::anyhow!("no form token on /login"))? + marker.len();
    let token = &page[start..start + page[start..].find('"').unwrap_or(0)];
    let r = client
        .post(w.url("/login"))
        .form(&[("email", email), ("password", "a wrong guess"), ("csrf_token", token)])
        .send()
        .await?;
    Ok(r.status().as_u16())
}

#[tokio::test]
async fn a_known_browser_signs_in_while_its_account_is_attacked() {
    scenario("security_known_browser", async |w: &World| {
        w.sign_in("filer@example.org").await?;
        w.sign_out().await?;
        let mut last = 0;
        for _ in 0..6 {
            last = guess(w, "filer@example.org").await?;
        }
        check!(last == 429, "the guesser is not slowed down: {last}");
        // Same address, same account: the browser that signed in before goes in.
        w.sign_in("filer@example.org").await?;
        let text = w.body_text().await?;
        check!(text.contains("示例平台01"), "not signed in: {text}");
        Ok(())
    })
    .await;
}
