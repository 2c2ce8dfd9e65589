//! What every browser test needs: the release binary serving a fresh SQLite
//! database on a free port, a headless Debian Chromium driven through
//! chromedriver on another free port, and a screenshot when a test fails.
//!
//! Enabled by `SELFREG_E2E=1` (CI sets it). When enabled, a missing browser,
//! driver or release binary is a failure, never a skip.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

/// Fail the scenario with a message unless `cond` holds.
macro_rules! check {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            anyhow::bail!($($msg)+);
        }
    };
}

pub const DEMO_PASSWORD: &str = "selfreg-demo";

/// Browser tests share two cores with the build: one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub fn enabled() -> bool {
    std::env::var("SELFREG_E2E").is_ok_and(|v| v == "1")
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
    }
}

/// Where failure screenshots and page sources go.
pub fn artifacts_dir() -> PathBuf {
    target_dir().join("e2e")
}

/// The release binary: `SELFREG_BIN`, else `<target>/release/selfreg`.
fn release_binary() -> anyhow::Result<PathBuf> {
    let bin = match std::env::var_os("SELFREG_BIN") {
        Some(b) if !b.is_empty() => PathBuf::from(b),
        _ => target_dir().join("release").join("selfreg"),
    };
    if !bin.is_file() {
        bail!("release binary {} not found: run `cargo build --release` first (or set SELFREG_BIN)", bin.display());
    }
    Ok(bin)
}

fn find_program(names: &[&str]) -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in names {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    bail!("{} not found on PATH (Debian: apt-get install chromium chromium-driver)", names.join(" or "))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process that is killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_http(url: &str, what: &str, child: &mut Child) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok(r) = client.get(url).send().await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        if let Some(status) = child.try_wait()? {
            bail!("{what} exited with {status} before answering {url}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{what} did not answer {url} within 20 s")
}

/// One test's world: the site, the driver and a browser session.
pub struct World {
    pub base: String,
    pub browser: Client,
    name: &'static str,
    _server: Proc,
    _driver: Proc,
    scratch: PathBuf,
}

impl World {
    async fn start(name: &'static str, env: &[(String, String)]) -> anyhow::Result<World> {
        let scratch = std::env::temp_dir().join(format!("selfreg-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch)?;

        // The site: the release binary on a fresh SQLite database with the demo data.
        let bin = release_binary()?;
        let port = free_port()?;
        let log = std::fs::File::create(scratch.join("server.log"))?;
        let mut server = Command::new(&bin)
            .args(["--bind", &format!("127.0.0.1:{port}"), "--workers", "2"])
            .arg("--database-url")
            .arg(scratch.join("selfreg.db"))
            .env_remove("SELFREG_NO_DEMO")
            .env("RUST_LOG", "warn")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let base = format!("http://127.0.0.1:{port}");
        wait_http(&format!("{base}/healthz"), "selfreg", &mut server).await?;
        let server = Proc(server);

        // The driver, and a headless Chromium with a profile of its own.
        let driver_bin = find_program(&["chromedriver"])?;
        let chromium = find_program(&["chromium", "chromium-browser"])?;
        let dport = free_port()?;
        let mut driver = Command::new(&driver_bin)
            .arg(format!("--port={dport}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", driver_bin.display()))?;
        wait_http(&format!("http://127.0.0.1:{dport}/status"), "chromedriver", &mut driver).await?;
        let driver = Proc(driver);
        let profile = scratch.join("profile");
        let caps = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.display()),
                ],
                // Pages choose their language from Accept-Language first: start in Chinese like most visitors.
                "prefs": { "intl.accept_languages": "zh-CN,zh" }
            }
        });
        let caps = match caps {
            serde_json::Value::Object(m) => m,
            _ => unreachable!("a JSON object"),
        };
        let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{dport}"))
            .await
            .context("cannot open a Chromium session through chromedriver")?;
        Ok(World { base, browser, name, _server: server, _driver: driver, scratch })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn goto(&self, path: &str) -> anyhow::Result<()> {
        self.browser.goto(&self.url(path)).await.with_context(|| format!("cannot open {path}"))
    }

    /// Path and query of the page the browser shows.
    pub async fn here(&self) -> anyhow::Result<String> {
        let u = self.browser.current_url().await?;
        Ok(match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        })
    }

    pub async fn css(&self, selector: &str) -> anyhow::Result<Element> {
        match self.browser.wait().at_most(Duration::from_secs(5)).for_element(Locator::Css(selector)).await {
            Ok(e) => Ok(e),
            Err(e) => bail!("no element matches `{selector}` on {}: {e}", self.here_or_unknown().await),
        }
    }

    pub async fn xpath(&self, path: &str) -> anyhow::Result<Element> {
        match self.browser.wait().at_most(Duration::from_secs(5)).for_element(Locator::XPath(path)).await {
            Ok(e) => Ok(e),
            Err(e) => bail!("no element matches `{path}` on {}: {e}", self.here_or_unknown().await),
        }
    }

    async fn here_or_unknown(&self) -> String {
        self.here().await.unwrap_or_else(|_| "(unknown page)".into())
    }

    pub async fn fill(&self, selector: &str, text: &str) -> anyhow::Result<()> {
        let e = self.css(selector).await?;
        e.clear().await?;
        e.send_keys(text).await.with_context(|| format!("cannot type into `{selector}`"))
    }

    pub async fn select(&self, selector: &str, value: &str) -> anyhow::Result<()> {
        self.css(selector)
            .await?
            .select_by_value(value)
            .await
            .with_context(|| format!("cannot choose {value} in `{selector}`"))
    }

    /// Click and wait for the next page to load (the site has no JavaScript:
    /// every click that matters is a navigation).
    pub async fn click(&self, selector: &str) -> anyhow::Result<()> {
        let e = self.css(selector).await?;
        self.click_element(e).await
    }

    pub async fn click_element(&self, e: Element) -> anyhow::Result<()> {
        e.click().await?;
        // Wait until the old document is gone and the new one is complete.
        let start = Instant::now();
        loop {
            let stale = e.tag_name().await.is_err();
            let ready = self.browser.execute("return document.readyState", vec![]).await?;
            if stale && ready.as_str() == Some("complete") {
                return Ok(());
            }
            if start.elapsed() > Duration::from_secs(10) {
                bail!("no new page within 10 s after a click on {}", self.here_or_unknown().await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn text(&self, selector: &str) -> anyhow::Result<String> {
        Ok(self.css(selector).await?.text().await?)
    }

    pub async fn body_text(&self) -> anyhow::Result<String> {
        self.text("body").await
    }

    pub async fn attr(&self, selector: &str, name: &str) -> anyhow::Result<Option<String>> {
        Ok(self.css(selector).await?.attr(name).await?)
    }

    /// Sign in through the login page the browser is on.
    pub async fn sign_in_here(&self, email: &str) -> anyhow::Result<()> {
        self.fill("#f-email", email).await?;
        self.fill("#f-password", DEMO_PASSWORD).await?;
        self.click("form[action='/login'] button[type=submit]").await?;
        if self.here().await?.starts_with("/login") {
            bail!("sign-in as {email} failed: {}", self.body_text().await.unwrap_or_default());
        }
        Ok(())
    }

    pub async fn sign_in(&self, email: &str) -> anyhow::Result<()> {
        self.goto("/login").await?;
        self.sign_in_here(email).await
    }

    pub async fn sign_out(&self) -> anyhow::Result<()> {
        self.click("form[action='/logout'] button[type=submit]").await
    }

    /// Save what the browser shows, for a failed test.
    async fn save_evidence(&self) -> Vec<PathBuf> {
        let dir = artifacts_dir();
        let _ = std::fs::create_dir_all(&dir);
        let mut saved = Vec::new();
        if let Ok(png) = self.browser.screenshot().await {
            let p = dir.join(format!("{}.png", self.name));
            if std::fs::write(&p, png).is_ok() {
                saved.push(p);
            }
        }
        if let Ok(html) = self.browser.source().await {
            let p = dir.join(format!("{}.html", self.name));
            if std::fs::write(&p, html).is_ok() {
                saved.push(p);
            }
        }
        let log = self.scratch.join("server.log");
        let p = dir.join(format!("{}.server.log", self.name));
        if std::fs::copy(&log, &p).is_ok() {
            saved.push(p);
        }
        saved
    }

    async fn finish(self) {
        let _ = self.browser.clone().close().await;
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// Run one scenario in a fresh world; on failure save a screenshot, the page
/// source and the server log under `target/e2e/` and fail the test.
pub async fn scenario<F>(name: &'static str, body: F)
where
    F: for<'a> AsyncFnOnce(&'a World) -> anyhow::Result<()>,
{
    scenario_with(name, Vec::new(), body).await
}

/// [`scenario`] with the server started with these environment variables
/// (e.g. `SELFREG_SMTP_URL` for a test's own SMTP server).
pub async fn scenario_with<F>(name: &'static str, env: Vec<(String, String)>, body: F)
where
    F: for<'a> AsyncFnOnce(&'a World) -> anyhow::Result<()>,
{
    if !enabled() {
        eprintln!("e2e test {name} skipped: set SELFREG_E2E=1 to run the browser tests");
        return;
    }
    let _turn = ONE_AT_A_TIME.lock().await;
    let world = match World::start(name, &env).await {
        Ok(w) => w,
        Err(e) => panic!("e2e {name}: cannot set up: {e:#}"),
    };
    let outcome = body(&world).await;
    match outcome {
        Ok(()) => world.finish().await,
        Err(e) => {
            let here = world.here().await.unwrap_or_default();
            let saved = world.save_evidence().await;
            world.finish().await;
            let saved: Vec<String> = saved.iter().map(|p| p.display().to_string()).collect();
            panic!("e2e {name} failed on {here}: {e:#}\nsaved: {}", saved.join(", "));
        }
    }
}
