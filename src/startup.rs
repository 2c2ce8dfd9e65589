//! Build the application: pool, migrations, demo data, shared state,
//! middleware and routes.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Condition, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::auth::password::Hasher;
use crate::config::Options;
use crate::db::{self, DbPool};
use crate::web::{self as site, middleware, AppState, Settings};

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

pub const HSTS: &str = "max-age=31536000";

pub struct Application {
    port: u16,
    server: Server,
    pool: DbPool,
    pub demo_loaded: bool,
    /// This instance's mail thread (reminders; delivery with `--smtp-url`).
    mail: crate::mail::sender::SenderHandle,
    /// This instance's audit sealer (chains the audit log, see db::audit_chain).
    sealer: crate::ops::sealer::SealerHandle,
}

/// The secret that signs anonymous CSRF tokens: from SELFREG_SECRET_KEY, or
/// generated once and kept in the database so that every instance shares it.
fn secret_key(pool: &DbPool) -> anyhow::Result<Vec<u8>> {
    if let Ok(k) = std::env::var("SELFREG_SECRET_KEY") {
        anyhow::ensure!(k.len() >= 32, "SELFREG_SECRET_KEY must be at least 32 characters");
        return Ok(k.into_bytes());
    }
    let mut conn = db::get(pool)?;
    let generated = crate::auth::random_hex(32);
    Ok(db::settings::get_or_insert(&mut conn, "secret_key", &generated)?.into_bytes())
}

impl Application {
    /// Connect, migrate, load demo data if asked and the database is empty,
    /// and bind the listener.
    pub async fn build(opts: &Options) -> anyhow::Result<Application> {
        let target = opts.database_url.clone();
        let pool_size = if target.is_postgres() { opts.db_pool_size } else { opts.db_pool_size.min(16) };
        let demo = !opts.no_demo;
        let bind = opts.bind;
        let (pool, secret, demo_loaded) = web::block(move || -> anyhow::Result<_> {
            let pool = db::connect(&target, pool_size)?;
            let secret = secret_key(&pool)?;
            if !bind.ip().is_loopback() {
                // The demo accounts' password is published: never on a reachable address.
                let mut conn = db::get(&pool)?;
                let usable = crate::demo::accounts_that_sign_in(&mut conn, demo)?;
                anyhow::ensure!(
                    usable.is_empty(),
                    "refusing to listen on {bind}: the demo accounts ({}) can sign in with the published password; \
                     start with --no-demo on a database without them, or disable them (or give them new passwords) first",
                    usable.join(", ")
                );
            }
            let demo_loaded = if demo {
                let mut conn = db::get(&pool)?;
                crate::demo::load_if_empty(&mut conn)?
            } else {
                false
            };
            Ok((pool, secret, demo_loaded))
        })
        .await
        .context("start-up task failed")??;

        let mailer = match (&opts.mail.smtp_url, &opts.mail.mail_from) {
            (None, _) => None,
            (Some(_), None) => anyhow::bail!("--mail-from (SELFREG_MAIL_FROM) is required with --smtp-url"),
            (Some(url), Some(from)) => Some((url.clone(), from.clone())),
        };

        site::metrics::install();
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let hasher = web::block(move || Hasher::new(cores, Duration::from_secs(2))).await?;
        let listener =
            TcpListener::bind(opts.bind).with_context(|| format!("cannot listen on {} (--bind)", opts.bind))?;
        let local = listener.local_addr()?;
        // Without --public-url, links name the address actually bound (port 0 becomes the real port).
        let public_url = Options { bind: local, ..opts.clone() }.base_url();
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            stamp: Default::default(),
            list_counts: Default::default(),
            pages: Default::default(),
            hasher,
            uploads: Default::default(),
            secret,
            settings: Settings {
                secure_cookies: opts.secure_cookies,
                trust_proxy: opts.trust_proxy,
                // Only a loopback server can still offer the demo accounts (see above).
                demo_accounts: if demo && opts.bind.ip().is_loopback() { &crate::demo::ACCOUNTS } else { &[] },
                session_idle: chrono::Duration::minutes(opts.session_idle_minutes.into()),
                session_lifetime: chrono::Duration::hours(opts.session_lifetime_hours.into()),
                session_lifetime_hours: opts.session_lifetime_hours,
                public_url,
                body_timeout: Duration::from_secs(opts.body_timeout_seconds.into()),
                mail_enabled: mailer.is_some(),
                api_rate_limit: opts.api.api_rate_limit,
                metrics_token: opts.obs.metrics_token.clone(),
            },
        });

        let mailer = match mailer {
            Some((url, from)) => Some(
                crate::mail::sender::Mailer::new(&url, from, state.settings.public_url.clone())
                    .context("--smtp-url")?,
            ),
            None => None,
        };
        let mail = crate::mail::sender::start(pool.clone(), mailer);
        let sealer = crate::ops::sealer::start(pool.clone());

        let port = local.port();
        let workers = opts.workers.map(usize::from).unwrap_or(cores);
        let hsts = opts.secure_cookies;
        let server = HttpServer::new(move || {
            let mut headers = DefaultHeaders::new()
                .add(("Content-Security-Policy", CSP))
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("Referrer-Policy", "same-origin"))
                .add(("X-Frame-Options", "DENY"))
                .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=()"));
            if hsts {
                // Served over https (--secure-cookies): browsers keep to https for a year.
                headers = headers.add(("Strict-Transport-Security", HSTS));
            }
            App::new()
                .app_data(state.clone())
                .app_data(site::flow::path_config())
                .app_data(web::FormConfig::default().limit(4 * 1024 * 1024))
                .app_data(web::PayloadConfig::new(4 * 1024 * 1024))
                .configure(site::routes)
                .configure(crate::api::routes)
                .default_service(web::to(site::not_found))
                .wrap(from_fn(middleware::session_and_csrf))
                .wrap(from_fn(middleware::error_pages))
                .wrap(from_fn(site::metrics::record))
                .wrap(headers)
                .wrap(actix_web::middleware::Logger::default())
                .wrap(Condition::new(db::querycount::enabled(), from_fn(middleware::count_queries)))
        })
        .workers(workers)
        // Request heads must arrive within 5 s (408); bodies have their own deadline (--body-timeout-seconds).
        .client_request_timeout(Duration::from_secs(5))
        .client_disconnect_timeout(Duration::from_secs(2))
        .shutdown_timeout(30)
        .listen(listener)?
        .run();
        Ok(Application { port, server, pool, demo_loaded, mail, sealer })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> DbPool {
        self.pool.clone()
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serve until SIGTERM/SIGINT: stop accepting, finish in-flight requests, return.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        // Stopping the mail thread waits for a delivery under way.
        let (mail, sealer) = (self.mail, self.sealer);
        let _ = web::block(move || drop((mail, sealer))).await;
        served
    }
}
