//! Phones: at 390 px wide no page is wider than the screen, for the public
//! and with the longest navigation of each signed-in role.

use crate::harness::{scenario, World};

const PHONE: u32 = 390;

/// The first link on the page whose path is `prefix` followed by a number.
async fn first_numbered_link(w: &World, prefix: &str) -> anyhow::Result<String> {
    let js = "const p = arguments[0]; \
              for (const a of document.querySelectorAll('main a[href]')) { \
                const h = a.getAttribute('href'); \
                if (h.startsWith(p) && /^\\d+$/.test(h.slice(p.length))) return h; } \
              return null;";
    let found = w.browser.execute(js, vec![serde_json::json!(prefix)]).await?;
    match found.as_str() {
        Some(h) => Ok(h.to_owned()),
        None => anyhow::bail!("no link to {prefix}N on {}", w.here().await?),
    }
}

/// How wide the page is, and its widest elements when it is too wide.
async fn width_of(w: &World, path: &str) -> anyhow::Result<Option<String>> {
    w.goto(path).await?;
    let js = "const d = document.documentElement; \
              const out = []; \
              if (d.scrollWidth > arguments[0]) { \
                for (const e of document.querySelectorAll('body *')) { \
                  const r = e.getBoundingClientRect(); \
                  if (r.right > arguments[0] + 1 && r.width > 0 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > arguments[0] + 1)) \
                    out.push(e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ' + Math.round(r.right) + 'px'); } } \
              return [d.scrollWidth, window.innerWidth, out.slice(0, 5).join(', ')];";
    let v = w.browser.execute(js, vec![serde_json::json!(PHONE)]).await?;
    let (scroll, inner) = (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0));
    check!(inner == u64::from(PHONE), "the window is {inner} px wide, not {PHONE}");
    Ok((scroll > u64::from(PHONE)).then(|| format!("{path}: {scroll} px wide ({})", v[2].as_str().unwrap_or(""))))
}

#[tokio::test]
async fn public_pages_fit_a_phone() {
    scenario("phone_public", async |w: &World| {
        w.goto("/").await?;
        w.browser.set_window_size(PHONE, 844).await?;
        let mut pages = vec!["/".to_owned(), "/standards".into()];
        w.goto("/standards").await?;
        pages.push(first_numbered_link(w, "/standards/").await?);
        pages.push("/pledges".into());
        w.goto("/pledges").await?;
        pages.push(first_numbered_link(w, "/pledges/").await?);
        pages.push("/orgs".into());
        w.goto("/orgs").await?;
        pages.push(first_numbered_link(w, "/orgs/").await?);
        pages.push("/dashboard".into());
        // Every page is measured, and every one too wide is reported at once.
        let mut too_wide = Vec::new();
        for p in &pages {
            too_wide.extend(width_of(w, p).await?);
        }
        check!(too_wide.is_empty(), "wider than a {PHONE} px phone:\n{}", too_wide.join("\n"));
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_header_and_navigation_of_every_role_fit_a_phone() {
    scenario("phone_staff", async |w: &World| {
        w.goto("/").await?;
        w.browser.set_window_size(PHONE, 844).await?;
        let mut too_wide = Vec::new();
        for (email, page) in [
            ("filer@example.org", "/reporting"),
            ("editor@example.org", "/standards/new"),
            ("reviewer@example.org", "/review"),
            ("admin@example.org", "/admin/audit"),
        ] {
            w.sign_in(email).await?;
            for p in ["/", "/todo", page] {
                too_wide.extend(width_of(w, p).await?.map(|m| format!("{email} {m}")));
            }
            w.sign_out().await?;
        }
        check!(too_wide.is_empty(), "wider than a {PHONE} px phone:\n{}", too_wide.join("\n"));
        Ok(())
    })
    .await;
}
