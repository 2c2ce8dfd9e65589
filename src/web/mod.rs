//! HTTP handlers, one module per area, and what they share: application
//! state, rendering, forms and redirects.

pub mod account;
pub mod admin;
pub mod assets;
pub mod auth;
pub mod body;
pub mod ctx;
pub mod diffview;
pub mod export;
pub mod feeds;
pub mod files;
pub mod flow;
pub mod forms;
pub mod home;
pub mod markdown;
pub mod metrics;
pub mod middleware;
pub mod orgs;
pub mod pagecache;
pub mod password;
pub mod pledges;
pub mod reports;
pub mod security_log;
pub mod standards;
pub mod todo;
pub mod tokens;
pub mod watch;

use actix_web::cookie::Cookie;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Duration;

use crate::auth::password::Hasher;
use crate::db::sessions::SessionUser;
use crate::db::{self, DbConn, DbPool};
use crate::error::{AppError, AppResult};

pub use ctx::Ctx;

pub const LANG_COOKIE: &str = "selfreg_lang";
pub const FLASH_COOKIE: &str = "selfreg_flash";

/// Default limit of a form body.
pub const FORM_LIMIT: usize = 64 * 1024;

/// Largest urlencoded body accepted on a path (some pages need more than forms do).
pub fn body_limit_for(path: &str) -> usize {
    // A pledge's Markdown text and commitments (Chinese, percent-encoded: 9 bytes a character).
    if path == "/pledges" || (path.starts_with("/pledges/") && path.ends_with("/edit")) {
        return 1024 * 1024;
    }
    // A whole report: measures of every commitment, indicators and links.
    if path.starts_with("/reports/") && (path.ends_with("/save") || path.ends_with("/decision")) {
        return 2 * 1024 * 1024;
    }
    // A whole report as JSON (machine filing under /api/v1).
    if middleware::is_api_path(path) {
        return 2 * 1024 * 1024;
    }
    FORM_LIMIT
}

/// Runtime settings handlers need.
#[derive(Debug, Clone)]
pub struct Settings {
    pub secure_cookies: bool,
    pub trust_proxy: bool,
    /// The demo accounts the login page lists: start-up names them in demo
    /// mode on a loopback address only; empty otherwise.
    pub demo_accounts: &'static [&'static str],
    pub session_idle: Duration,
    pub session_lifetime: Duration,
    pub session_lifetime_hours: u32,
    /// Scheme, host and port of absolute links (`--public-url`), no trailing slash.
    pub public_url: String,
    /// How long a form body may take to arrive.
    pub body_timeout: std::time::Duration,
    /// Mail is sent (`--smtp-url`); otherwise it waits in the outbox.
    pub mail_enabled: bool,
    /// Requests a minute a client address may send to the API (`--api-rate-limit`).
    pub api_rate_limit: u32,
    /// `--metrics-token`: /metrics answers whoever presents it (else loopback only).
    pub metrics_token: Option<String>,
}

/// Shared by every worker.
pub struct AppState {
    pub pool: DbPool,
    /// The data stamp as this instance last read it.
    pub stamp: pagecache::StampCache,
    /// Public pages kept for anonymous visitors.
    pub pages: pagecache::PageCache,
    /// Totals of standards lists per filter: (data stamp, Beijing date, total).
    pub list_counts: std::sync::Mutex<std::collections::HashMap<String, (String, chrono::NaiveDate, i64)>>,
    pub hasher: Hasher,
    /// Slots of concurrent uploads (see `files::UPLOAD_SLOTS`).
    pub uploads: files::UploadGate,
    pub secret: Vec<u8>,
    pub settings: Settings,
}

impl AppState {
    /// Run read-only database work on the blocking pool.
    pub async fn db<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let counter = db::querycount::capture();
        let span = tracing::Span::current();
        web::block(move || {
            let _request = span.enter();
            db::querycount::attribute(counter, || {
                let mut conn = db::get(&pool)?;
                f(&mut conn)
            })
        })
        .await?
    }

    /// Run database work in one write transaction on the blocking pool.
    pub async fn tx<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let counter = db::querycount::capture();
        let span = tracing::Span::current();
        let out = web::block(move || {
            let _request = span.enter();
            db::querycount::attribute(counter, || {
                let mut conn = db::get(&pool)?;
                db::write(&mut conn, f)
            })
        })
        .await?;
        // Whatever was written may show on the dashboard: read its stamp again.
        self.stamp.forget();
        out
    }

    /// The data stamp: moved by every change (see `audit::record`); read from
    /// the database at most once a second, and again after any write here.
    pub async fn data_stamp(&self) -> AppResult<String> {
        if let Some(s) = self.stamp.fresh() {
            return Ok(s);
        }
        let s = self.db(|c| Ok(db::settings::data_stamp(c)?)).await?;
        self.stamp.remember(&s);
        Ok(s)
    }

    /// The live session with this hash; records activity at most once a minute.
    /// The session's user and, `with_todo`, how many items their 待办 holds
    /// (one more query, for the navigation's badge; 0 otherwise).
    pub async fn load_session(&self, hash: String, with_todo: bool) -> AppResult<Option<(SessionUser, i64)>> {
        let (idle, lifetime) = (self.settings.session_idle, self.settings.session_lifetime);
        self.db(move |conn| {
            let now = db::now();
            let Some(s) = db::sessions::lookup(conn, &hash, now, idle, lifetime)? else {
                return Ok(None);
            };
            if now - s.last_seen_at > Duration::minutes(1) {
                db::sessions::touch(conn, &hash, now)?;
            }
            let todo = if with_todo {
                db::todo::count(conn, s.role, s.org_id, s.user_id, crate::i18n::beijing_today(), now)?
            } else {
                0
            };
            Ok(Some((s, todo)))
        })
        .await
    }
}

/// Render a page with status 200.
pub fn render<T: Template>(page: &T) -> AppResult<HttpResponse> {
    render_status(StatusCode::OK, page)
}

/// Render a page with the given status (e.g. 422 for a form with errors).
pub fn render_status<T: Template>(status: StatusCode, page: &T) -> AppResult<HttpResponse> {
    let html = page.render().map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(html))
}

/// 303 to `location` with a flash message (a catalog key starting `flash.`).
pub fn redirect_with_flash(location: &str, flash_key: &'static str) -> HttpResponse {
    let cookie = Cookie::build(FLASH_COOKIE, flash_key).path("/").http_only(true).finish();
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).cookie(cookie).finish()
}

pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// The signed-in user of a page that anyone may see, if any.
pub fn viewer(ctx: &Ctx) -> Option<crate::auth::CurrentUser> {
    ctx.user.as_ref().map(|s| s.user.clone())
}

pub use crate::domain::text::urlencode;

/// Page numbers for lists.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
    /// The list's URL with its query except `page`, ending in `?` or `&`.
    pub base: String,
}

impl Pager {
    pub fn new(page: Option<i64>, per_page: i64, total: i64, base: String) -> Self {
        let last = ((total + per_page - 1) / per_page).max(1);
        Pager { page: page.unwrap_or(1).clamp(1, last), per_page, total, base }
    }

    pub fn offset(page: Option<i64>, per_page: i64) -> i64 {
        (page.unwrap_or(1).clamp(1, 1_000_000) - 1) * per_page
    }

    pub fn last(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.last()
    }

    pub fn href(&self, page: i64) -> String {
        format!("{}page={page}", self.base)
    }

    pub fn prev_href(&self) -> String {
        self.href(self.page - 1)
    }

    pub fn next_href(&self) -> String {
        self.href(self.page + 1)
    }
}

/// Build `path?` + the non-empty pairs, ready for `Pager::base`.
pub fn query_base(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut s = format!("{path}?");
    for (k, v) in pairs {
        if !v.is_empty() {
            s.push_str(&format!("{k}={}&", urlencode(v)));
        }
    }
    s
}

pub async fn not_found() -> AppResult<HttpResponse> {
    Err(AppError::NotFound)
}

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    use diesel::connection::SimpleConnection;
    let ok = state.db(|conn| conn.batch_execute("SELECT 1").map_err(AppError::from)).await.is_ok();
    let mut res = if ok {
        HttpResponse::Ok().content_type("text/plain").body("ok")
    } else {
        HttpResponse::ServiceUnavailable().content_type("text/plain").body("unavailable")
    };
    res.extensions_mut().insert(middleware::KeepBody);
    res
}

/// Routes of the whole site.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::home))
        .route("/healthz", web::get().to(healthz))
        .route("/static/{version}/{name}", web::get().to(assets::serve))
        .route("/lang/{code}", web::get().to(auth::switch_language))
        .route("/todo", web::get().to(todo::page))
        .route("/account", web::get().to(account::show))
        .route("/account/password", web::post().to(account::change_password))
        .route("/account", web::post().to(account::update_profile))
        .route("/account/email", web::post().to(account::change_email))
        .route("/account/sessions/others", web::post().to(account::end_other_sessions))
        .route("/account/sessions/{handle}/end", web::post().to(account::end_session))
        .route("/login", web::get().to(auth::login_form))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .configure(admin::routes)
        .configure(security_log::routes)
        .configure(standards::routes)
        .configure(pledges::routes)
        .configure(orgs::routes)
        .configure(reports::routes)
        .configure(password::routes)
        .configure(watch::routes)
        .configure(metrics::routes)
        .configure(tokens::routes);
}
