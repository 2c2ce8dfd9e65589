use std::sync::atomic::{AtomicU32, Ordering};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};
use selfreg::config::Options;
use selfreg::db::{DbPool, DbTarget};
use selfreg::startup::Application;

pub const DEMO_PASSWORD: &str = "selfreg-demo";

static CLIENTS: AtomicU32 = AtomicU32::new(1);

pub struct TestApp {
    pub addr: String,
    pub client: reqwest::Client,
    pub pool: DbPool,
    pub target: DbTarget,
    /// Removed when the test ends (held for its `Drop`).
    _cleanup: Option<Cleanup>,
}

/// What a test's database leaves behind, removed when the test ends.
pub enum Cleanup {
    /// A SQLite file (with its WAL and shared-memory files).
    File(std::path::PathBuf),
    /// A PostgreSQL schema on the server at `url`.
    Schema { url: String, schema: String },
    /// A PostgreSQL database on the server at `url` (restored backups).
    Database { url: String, name: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::File(p) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
                }
            }
            Cleanup::Schema { url, schema } => {
                if let Ok(mut c) = diesel::PgConnection::establish(url) {
                    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            }
            Cleanup::Database { url, name } => {
                if let Ok(mut c) = diesel::PgConnection::establish(url) {
                    let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

fn unique() -> String {
    format!("{}_{}", std::process::id(), selfreg::auth::random_hex(6))
}

/// A fresh database: a SQLite file, or a new schema on TEST_DATABASE_URL.
pub fn fresh_database() -> (DbTarget, Option<Cleanup>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let schema = format!("t_{}", unique());
            let mut c = diesel::PgConnection::establish(&url).expect("TEST_DATABASE_URL must be reachable");
            c.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
            let sep = if url.contains('?') { '&' } else { '?' };
            let target = DbTarget::Postgres(format!("{url}{sep}options=-csearch_path%3D{schema}"));
            (target, Some(Cleanup::Schema { url, schema }))
        }
        _ => {
            let path = std::env::temp_dir().join(format!("selfreg-test-{}.db", unique()));
            (DbTarget::Sqlite(path.display().to_string()), Some(Cleanup::File(path)))
        }
    }
}

pub fn options(target: DbTarget) -> Options {
    Options {
        bind: "127.0.0.1:0".parse().unwrap(),
        database_url: target,
        no_demo: false,
        secure_cookies: false,
        trust_proxy: true,
        public_url: None,
        body_timeout_seconds: 20,
        session_idle_minutes: 480,
        session_lifetime_hours: 168,
        db_pool_size: 4,
        workers: Some(1),
        mail: Default::default(),
        api: Default::default(),
        obs: Default::default(),
    }
}

pub async fn spawn_app() -> TestApp {
    let (target, cleanup) = fresh_database();
    spawn_with(options(target), cleanup).await
}

pub async fn spawn_with(opts: Options, cleanup: Option<Cleanup>) -> TestApp {
    let target = opts.database_url.clone();
    let app = Application::build(&opts).await.expect("application starts");
    let addr = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool();
    tokio::spawn(app.run_until_stopped());
    TestApp { addr, client: new_client(), pool, target, _cleanup: cleanup }
}

/// A cookie-keeping client that does not follow redirects and comes from its
/// own client address (the app trusts X-Forwarded-For in tests).
pub fn new_client() -> reqwest::Client {
    let n = CLIENTS.fetch_add(1, Ordering::SeqCst);
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-forwarded-for",
        HeaderValue::from_str(&format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)).unwrap(),
    );
    reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).default_headers(headers).build().unwrap()
}

/// The value of the first `name="csrf_token"` hidden field in `html`.
pub fn csrf_in(html: &str) -> String {
    field_value(html, "csrf_token").expect("page has a CSRF field")
}

/// The `value` of the first input named `name`.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let i = html.find(&marker)?;
    let rest = &html[i..];
    let v = rest.find("value=\"")?;
    let rest = &rest[v + 7..];
    Some(rest[..rest.find('"')?].to_owned())
}

pub fn location(r: &Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_html(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        (r.status(), r.text().await.unwrap())
    }

    /// POST a form as-is (no CSRF token added).
    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client.post(self.url(path)).form(form).send().await.unwrap()
    }

    /// POST a form with the CSRF token of `page` (the page that shows the form).
    pub async fn post_from(&self, page: &str, path: &str, form: &[(&str, &str)]) -> Response {
        let (_, html) = self.get_html(page).await;
        let token = csrf_in(&html);
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf_token", &token));
        self.client.post(self.url(path)).form(&fields).send().await.unwrap()
    }

    /// Post the login form (signed-in clients take the token from the home page).
    pub async fn login_as(&self, email: &str, password: &str) -> Response {
        let (_, html) = self.get_html("/login").await;
        let page = if field_value(&html, "csrf_token").is_some() { "/login" } else { "/" };
        self.post_from(page, "/login", &[("email", email), ("password", password)]).await
    }

    /// Sign in with a demo account and check it worked.
    pub async fn login(&self, email: &str) {
        let r = self.login_as(email, DEMO_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "login of {email} failed: {}", r.text().await.unwrap());
    }

    pub async fn logout(&self) {
        let r = self.post_from("/", "/logout", &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }

    /// Another client against the same app (another person, another address).
    pub fn other_client(&self) -> TestApp {
        TestApp {
            addr: self.addr.clone(),
            client: new_client(),
            pool: self.pool.clone(),
            target: self.target.clone(),
            _cleanup: None,
        }
    }

    pub fn conn(&self) -> selfreg::db::PooledConn {
        self.pool.get().unwrap()
    }

    /// After changing data behind the application's back: move the data stamp
    /// and wait out the second for which an instance trusts the stamp it read.
    pub fn data_changed(&self) {
        selfreg::db::settings::bump_data_stamp(&mut self.conn(), 0).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }

    pub fn count(&self, table: &str) -> i64 {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let n: N =
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result(&mut *self.conn()).unwrap();
        n.n
    }
}

// ---------------------------------------------------------------- journeys
//
// Shared by every area's tests: sign in as someone, post a form the way its
// page would, look up the ids of fixtures, and the administrators' forms.

impl TestApp {
    /// Another client of the same app (another person, another address),
    /// signed in with the demo account `email`.
    pub async fn signed_in_as(&self, email: &str) -> TestApp {
        let c = self.other_client();
        c.login(email).await;
        c
    }

    /// Submit the form of `page` that posts to `action` as a browser would:
    /// every field with the value the page shows (checked boxes, selected
    /// options, text areas), then `set` changes or adds values and `unset`
    /// leaves fields out (an unchecked box). The page's CSRF token goes along.
    pub async fn submit(&self, page: &str, action: &str, set: &[(&str, &str)], unset: &[&str]) -> Response {
        let (status, html) = self.get_html(page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let mut fields = form_fields(&html, action);
        fields.retain(|(n, _)| !unset.contains(&n.as_str()) && !set.iter().any(|(s, _)| s == n));
        fields.extend(set.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        self.client.post(self.url(action)).form(&fields).send().await.unwrap()
    }
}

/// The fields of the first `<form … action="{action}">` in `html`, with the
/// values a browser would send.
pub fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let marker = format!("action=\"{action}\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no form posting to {action}"));
    let body = &html[start..start + html[start..].find("</form>").expect("the form ends")];
    let mut out = Vec::new();
    for (i, _) in body.match_indices('<') {
        let tag_end = i + body[i..].find('>').unwrap_or(body.len() - i);
        let tag = &body[i..tag_end];
        let Some(name) = attr(tag, "name") else { continue };
        if tag.starts_with("<input") {
            let kind = attr(tag, "type").unwrap_or_else(|| "text".into());
            if kind == "submit" || kind == "button" || kind == "file" {
                continue;
            }
            if (kind == "checkbox" || kind == "radio") && !tag.contains(" checked") {
                continue;
            }
            out.push((
                name,
                attr(tag, "value").unwrap_or_else(|| if kind == "checkbox" { "on".into() } else { String::new() }),
            ));
        } else if tag.starts_with("<textarea") {
            let text = &body[tag_end + 1..];
            out.push((name, unescape(&text[..text.find("</textarea>").unwrap_or(0)])));
        } else if tag.starts_with("<select") {
            let options = &body[tag_end..];
            let options = &options[..options.find("</select>").unwrap_or(options.len())];
            let chosen = options
                .split("<option")
                .skip(1)
                .find(|o| o[..o.find('>').unwrap_or(0)].contains(" selected"))
                .or_else(|| options.split("<option").nth(1));
            if let Some(o) = chosen {
                out.push((
                    name,
                    attr(&format!("<option{}", &o[..o.find('>').unwrap_or(0)]), "value").unwrap_or_default(),
                ));
            }
        }
    }
    out
}

/// The value of attribute `name` in an HTML tag, unescaped.
fn attr(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let i = tag.find(&marker)? + marker.len();
    Some(unescape(&tag[i..i + tag[i..].find('"')?]))
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The id of the user with this e-mail.
pub fn user_id(app: &TestApp, email: &str) -> i64 {
    selfreg::db::users::by_email(&mut app.conn(), email).unwrap().expect("the user exists").id
}

/// The id of the first organization whose name or credit code matches `name`.
pub fn org_named(app: &TestApp, name: &str) -> i64 {
    selfreg::db::orgs::search(&mut app.conn(), name, 1, 0).unwrap().0.first().expect("the organization exists").id
}

/// The administrator's "new user" form (an invitation: no password), filled
/// with a valid account of the organization `organization_id`: a test changes
/// what it is about.
pub struct UserForm<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub organization_id: String,
    pub role: &'a str,
}

impl<'a> UserForm<'a> {
    pub fn new(email: &'a str, organization_id: i64) -> Self {
        UserForm { email, display_name: "测试用户", organization_id: organization_id.to_string(), role: "filer" }
    }

    pub fn fields(&self) -> [(&str, &str); 4] {
        [
            ("email", self.email),
            ("display_name", self.display_name),
            ("organization_id", &self.organization_id),
            ("role", self.role),
        ]
    }
}

/// The administrator's organization form, filled with a valid platform: a
/// test changes what it is about.
pub struct OrgForm<'a> {
    pub kind: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub credit_code: &'a str,
    pub website: &'a str,
    pub contact: &'a str,
}

impl<'a> OrgForm<'a> {
    pub fn new(name_zh: &'a str, credit_code: &'a str) -> Self {
        OrgForm { kind: "platform", name_zh, name_en: "Test Organization", credit_code, website: "", contact: "" }
    }

    pub fn fields(&self) -> [(&str, &str); 6] {
        [
            ("kind", self.kind),
            ("name_zh", self.name_zh),
            ("name_en", self.name_en),
            ("credit_code", self.credit_code),
            ("website", self.website),
            ("contact", self.contact),
        ]
    }
}

impl TestApp {
    /// As a signed-in administrator: post the "new user" form.
    pub async fn create_user(&self, u: &UserForm<'_>) -> Response {
        self.post_from("/admin/users/new", "/admin/users", &u.fields()).await
    }

    /// As a signed-in administrator: post the "new organization" form.
    pub async fn create_org(&self, o: &OrgForm<'_>) -> Response {
        self.post_from("/admin/orgs/new", "/admin/orgs", &o.fields()).await
    }

    /// As a signed-in administrator: the user's edit form as shown, with `set`
    /// changed and `unset` left out (`&["active"]` disables the account).
    pub async fn edit_user(&self, id: i64, set: &[(&str, &str)], unset: &[&str]) -> Response {
        let page = format!("/admin/users/{id}");
        self.submit(&page, &page, set, unset).await
    }

    /// As a signed-in administrator: reset the user's password from their page.
    pub async fn reset_password(&self, id: i64, password: &str) -> Response {
        let page = format!("/admin/users/{id}");
        self.submit(&page, &format!("{page}/password"), &[("password", password)], &[]).await
    }
}

/// One form post, ready to send: `(client, url, fields)`.
pub type Post = (reqwest::Client, String, Vec<(String, String)>);

impl TestApp {
    /// A post of `fields` to `action` by this client with the CSRF token of
    /// `page`, prepared now and sent later (see [`at_once`]).
    pub async fn prepare(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Post {
        let token = csrf_in(&self.get_html(page).await.1);
        let mut fields: Vec<(String, String)> = fields.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        fields.push(("csrf_token".into(), token));
        (self.client.clone(), self.url(action), fields)
    }
}

/// Send the prepared posts together (each in its own task, released at once by
/// a barrier) and return every answer's status and body, in order. For race
/// tests: run the test with `#[tokio::test(flavor = "multi_thread")]`.
pub async fn at_once(posts: Vec<Post>) -> Vec<(StatusCode, String)> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(posts.len()));
    let tasks: Vec<_> = posts
        .into_iter()
        .map(|(client, url, fields)| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let r = client.post(url).form(&fields).send().await.unwrap();
                (r.status(), r.text().await.unwrap())
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// A connection of its own to a test's database that counts the statements it runs.
pub struct CountingConn {
    pub conn: selfreg::db::DbConn,
    n: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl CountingConn {
    pub fn new(app: &TestApp) -> Self {
        use diesel::connection::InstrumentationEvent;
        let mut conn = selfreg::db::Manager::new(app.target.clone()).establish().unwrap();
        let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = n.clone();
        conn.set_instrumentation(move |e: InstrumentationEvent<'_>| {
            if matches!(e, InstrumentationEvent::StartQuery { .. }) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        CountingConn { conn, n }
    }

    /// What `f` gives, and how many statements it ran.
    pub fn queries<T>(&mut self, f: impl FnOnce(&mut selfreg::db::DbConn) -> T) -> (T, usize) {
        self.n.store(0, Ordering::SeqCst);
        let out = f(&mut self.conn);
        (out, self.n.load(Ordering::SeqCst))
    }
}
