//! Settings from flags and environment. Every option is both a flag and an
//! environment variable; an invalid value stops start-up with a one-line message.

use std::net::SocketAddr;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand};

use crate::db::DbTarget;

#[derive(Debug, Parser)]
#[command(
    name = "selfreg",
    version,
    about = "selfreg — standards and self-regulation registry for live-stream e-commerce",
    long_about = "selfreg — standards and self-regulation registry for live-stream e-commerce.\n\n\
        Without a command it serves the registry (the same as `selfreg serve`).\n\
        The secret key that signs tokens comes from SELFREG_SECRET_KEY, or is generated once and kept in the database."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub options: Options,
}

#[derive(Debug, Clone, Args)]
pub struct Options {
    /// Address to listen on.
    #[arg(long, env = "SELFREG_BIND", default_value = "127.0.0.1:8080", value_name = "ADDR", global = true)]
    pub bind: SocketAddr,

    /// Database: a SQLite path, sqlite://path, or postgres://user:pass@host/db.
    #[arg(long, env = "DATABASE_URL", default_value = "selfreg.db", value_name = "URL", value_parser = DbTarget::parse, global = true)]
    pub database_url: DbTarget,

    /// Do not load the demo data into an empty database.
    #[arg(long, env = "SELFREG_NO_DEMO", value_parser = BoolishValueParser::new(), default_value_t = false, num_args = 0, default_missing_value = "true", global = true)]
    pub no_demo: bool,

    /// Mark cookies Secure (for deployments behind https).
    #[arg(long, env = "SELFREG_SECURE_COOKIES", value_parser = BoolishValueParser::new(), default_value_t = false, num_args = 0, default_missing_value = "true", global = true)]
    pub secure_cookies: bool,

    /// Take the client address from X-Forwarded-For (only behind a trusted load balancer).
    #[arg(long, env = "SELFREG_TRUST_PROXY", value_parser = BoolishValueParser::new(), default_value_t = false, num_args = 0, default_missing_value = "true", global = true)]
    pub trust_proxy: bool,

    /// The site's public address (scheme, host and port, e.g. https://registry.example.gov), used for
    /// absolute links such as those in feeds. Default: http:// and the --bind address.
    #[arg(long, env = "SELFREG_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url, global = true)]
    pub public_url: Option<String>,

    /// A request body (a form) must arrive within this many seconds; slower ones get 408.
    #[arg(long, env = "SELFREG_BODY_TIMEOUT_SECONDS", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=600), global = true)]
    pub body_timeout_seconds: u32,

    /// Sessions end after this many minutes without activity.
    #[arg(long, env = "SELFREG_SESSION_IDLE_MINUTES", default_value_t = 480, value_parser = clap::value_parser!(u32).range(1..=10080), global = true)]
    pub session_idle_minutes: u32,

    /// Sessions end this many hours after sign-in, whatever the activity.
    #[arg(long, env = "SELFREG_SESSION_LIFETIME_HOURS", default_value_t = 168, value_parser = clap::value_parser!(u32).range(1..=8760), global = true)]
    pub session_lifetime_hours: u32,

    /// Database connections per instance.
    #[arg(long, env = "SELFREG_DB_POOL_SIZE", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=200), global = true)]
    pub db_pool_size: u32,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "SELFREG_WORKERS", value_parser = clap::value_parser!(u16).range(1..=256), global = true)]
    pub workers: Option<u16>,

    #[command(flatten)]
    pub mail: MailOptions,

    #[command(flatten)]
    pub api: ApiOptions,

    #[command(flatten)]
    pub obs: ObsOptions,
}

/// Logs and metrics (see `logs` and `web::metrics`).
#[derive(Debug, Clone, Default, Args)]
pub struct ObsOptions {
    /// Log lines as readable text or as JSON objects (for log shippers). RUST_LOG filters them.
    #[arg(long, env = "SELFREG_LOG_FORMAT", value_enum, default_value_t = crate::logs::LogFormat::Text, global = true)]
    pub log_format: crate::logs::LogFormat,

    /// Serve /metrics to anyone presenting `Authorization: Bearer TOKEN` (without it: to loopback only).
    #[arg(long, env = "SELFREG_METRICS_TOKEN", value_name = "TOKEN", global = true)]
    pub metrics_token: Option<String>,
}

/// Where mail goes (see `mail::config`). Without `--smtp-url` messages wait
/// in the outbox (`/admin/outbox`) and nothing is sent.
#[derive(Debug, Clone, Default, Args)]
pub struct MailOptions {
    /// SMTP server: smtp://user:password@host:587 (STARTTLS), smtps://…:465 (TLS), smtp://127.0.0.1:25 (local relay).
    #[arg(long, env = "SELFREG_SMTP_URL", value_name = "URL", value_parser = crate::mail::config::parse_smtp_url, global = true)]
    pub smtp_url: Option<crate::mail::config::SmtpUrl>,

    /// Sender of every message: registry@example.org or "Name <registry@example.org>" (required with --smtp-url).
    #[arg(long, env = "SELFREG_MAIL_FROM", value_name = "ADDRESS", value_parser = crate::mail::config::parse_mail_from, global = true)]
    pub mail_from: Option<lettre::message::Mailbox>,
}

/// `http(s)://host[:port]` with nothing after it (a trailing `/` is dropped).
fn parse_public_url(s: &str) -> Result<String, String> {
    let s = s.trim().trim_end_matches('/');
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    let host_ok =
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !host_ok {
        return Err("must be http(s)://host[:port] without a path".into());
    }
    Ok(s.to_owned())
}

impl Options {
    /// The public base URL: --public-url, else http:// and the bind address
    /// (127.0.0.1 for an unspecified address).
    pub fn base_url(&self) -> String {
        if let Some(u) = &self.public_url {
            return u.clone();
        }
        let ip = self.bind.ip();
        let host = if ip.is_unspecified() {
            "127.0.0.1".to_owned()
        } else if ip.is_ipv6() {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        format!("http://{host}:{}", self.bind.port())
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the registry (the default).
    Serve,
    /// Manage organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Developer tools (benchmark data); not for production databases.
    #[command(subcommand, hide = true)]
    Dev(DevCommand),
    /// Apply pending database migrations and exit (run as the schema owner; `serve` applies them too).
    Migrate,
    /// Copy the database to FILE (SQLite: a consistent copy while it serves, then checked; PostgreSQL: pg_dump).
    Backup {
        /// Where to write the copy (must not exist yet).
        #[arg(long, value_name = "FILE")]
        to: std::path::PathBuf,
    },
    /// Check the database: integrity, migrations, row counts, audit chain. Exit status 1 on any problem.
    Check,
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the audit hash chain and name the first row that does not match.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it (once: only its hash is kept).
    Add {
        /// The user's e-mail address.
        #[arg(long)]
        user: String,
        /// reports:read | reports:write (repeat for several).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// A name that tells the token apart (e.g. the system that uses it).
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until the token expires (default: never).
        #[arg(long)]
        expires_days: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Fill a fresh database with a large generated dataset (loads the demo data first unless --no-demo).
    GenData(GenData),
}

#[derive(Debug, Clone, Args)]
pub struct GenData {
    /// Standards to generate (in every state).
    #[arg(long, default_value_t = 10_000)]
    pub standards: u32,
    /// Public comments, spread over the standards that had a comment period.
    #[arg(long, default_value_t = 200_000)]
    pub comments: u32,
    /// Organizations (1 in 20 an association).
    #[arg(long, default_value_t = 1_000)]
    pub orgs: u32,
    /// Reporting periods per pledge (used once commitment reports exist).
    #[arg(long, default_value_t = 8)]
    pub periods: u32,
    /// Signatories of the generated pledge (at most the generated companies).
    #[arg(long, default_value_t = 1_000)]
    pub signatories: u32,
    /// Seed of the random choices (same seed, same data).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Register an organization.
    Add {
        /// association | platform | agency | regulator | other
        #[arg(long)]
        kind: String,
        /// Name in Chinese.
        #[arg(long)]
        name_zh: String,
        /// Name in English.
        #[arg(long)]
        name_en: String,
        /// Unified social credit code (18 characters, GB 32100-2015).
        #[arg(long)]
        credit_code: String,
        #[arg(long, default_value = "")]
        website: String,
        #[arg(long, default_value = "")]
        contact: String,
    },
    /// List organizations with their ids.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input (never from an argument).
    Add {
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Organization: its id or its credit code.
        #[arg(long)]
        org: String,
        /// admin | editor | reviewer | filer
        #[arg(long)]
        role: String,
    },
}

/// Parse the command line; on a bad value print one line naming the option and exit 2.
pub fn parse() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
                _ => {
                    let text = e.render().to_string();
                    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("error: invalid arguments");
                    eprintln!("{}", line.trim());
                    std::process::exit(2);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let cli = Cli::try_parse_from(["selfreg"]).unwrap();
        assert_eq!(cli.options.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(cli.options.database_url, DbTarget::Sqlite("selfreg.db".into()));
        assert!(!cli.options.no_demo);
        assert!(cli.command.is_none());
        assert_eq!(cli.options.base_url(), "http://127.0.0.1:8080");
        let cli = Cli::try_parse_from(["selfreg", "--public-url", "https://reg.example.gov/"]).unwrap();
        assert_eq!(cli.options.base_url(), "https://reg.example.gov");
        let cli = Cli::try_parse_from(["selfreg", "--bind", "0.0.0.0:9000"]).unwrap();
        assert_eq!(cli.options.base_url(), "http://127.0.0.1:9000");
    }

    #[test]
    fn flags_after_subcommand() {
        let cli = Cli::try_parse_from(["selfreg", "serve", "--no-demo", "--bind", "0.0.0.0:9000"]).unwrap();
        assert!(cli.options.no_demo);
        assert_eq!(cli.options.bind.port(), 9000);
    }

    #[test]
    fn invalid_values_name_the_option() {
        let e = Cli::try_parse_from(["selfreg", "--bind", "nowhere"]).unwrap_err();
        assert!(e.to_string().lines().next().unwrap().contains("--bind"));
        let e = Cli::try_parse_from(["selfreg", "--database-url", "mysql://x/y"]).unwrap_err();
        assert!(e.to_string().lines().next().unwrap().contains("--database-url"));
        let e = Cli::try_parse_from(["selfreg", "--public-url", "ftp://x"]).unwrap_err();
        assert!(e.to_string().lines().next().unwrap().contains("--public-url"));
        let e = Cli::try_parse_from(["selfreg", "--session-idle-minutes", "0"]).unwrap_err();
        assert!(e.to_string().lines().next().unwrap().contains("--session-idle-minutes"));
    }
}

/// The open data API (`/api/v1`, see `api`).
#[derive(Debug, Clone, Args)]
pub struct ApiOptions {
    /// Requests a minute each client address may send to /api/v1 (then 429 with Retry-After).
    #[arg(long, env = "SELFREG_API_RATE_LIMIT", default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..=100000), global = true)]
    pub api_rate_limit: u32,
}

impl Default for ApiOptions {
    fn default() -> Self {
        ApiOptions { api_rate_limit: 120 }
    }
}
