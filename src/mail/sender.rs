//! The sender: a thread in every instance that delivers the outbox over SMTP.
//!
//! Every two seconds it claims the due messages (`db::outbox::claim`: on
//! PostgreSQL with `SKIP LOCKED`, so two instances never take one message),
//! renders each in its recipient's language and hands it to the SMTP server.
//! A message the server took is marked sent; a temporary failure (the server
//! is down, a 4xx reply) is tried again later with a growing wait; a
//! permanent one (a 5xx reply, an invalid address, a message that cannot be
//! rendered) is marked failed for an admin to look at and retry
//! (`/admin/outbox`). If the instance dies while sending, the claim's lease
//! runs out and another sender takes the message up: a message is never
//! lost, and is sent twice only if an instance dies between the server's
//! acceptance and the mark.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{SmtpTransport, Transport};

use super::config::{Security, SmtpUrl};
use super::render;
use crate::db::outbox::{self, Message};
use crate::db::{self, DbPool};
use crate::i18n::Lang;

/// How often a sender looks for due messages.
pub const POLL: Duration = Duration::from_secs(2);

/// How often the day's reminders are written (each once, whatever the count of runs).
pub const REMINDERS: Duration = Duration::from_secs(600);

/// Messages taken in one claim.
const BATCH: i64 = 20;

/// What became of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Try again later.
    Retry(String),
    /// Do not try again.
    Failed(String),
}

/// An SMTP connection's settings, the sender address and the registry's
/// public address (for links).
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
    public_url: String,
}

impl Mailer {
    pub fn new(url: &SmtpUrl, from: Mailbox, public_url: String) -> anyhow::Result<Mailer> {
        let host = url.host.trim_start_matches('[').trim_end_matches(']');
        let builder = match url.security {
            Security::Tls => SmtpTransport::relay(host)?,
            Security::StartTls => SmtpTransport::starttls_relay(host)?,
            Security::Plain => SmtpTransport::builder_dangerous(host),
        }
        .port(url.port)
        .timeout(Some(Duration::from_secs(20)));
        let builder = match &url.user {
            Some(user) => builder.credentials(Credentials::new(user.clone(), url.password.clone().unwrap_or_default())),
            None => builder,
        };
        Ok(Mailer { transport: builder.build(), from, public_url })
    }

    /// Render and hand one message to the server.
    pub fn deliver(&self, msg: &Message) -> Delivery {
        let Some(lang) = Lang::from_code(&msg.lang) else {
            return Delivery::Failed(format!("unknown language {:?}", msg.lang));
        };
        let words = match render::render(&msg.kind, lang, &msg.params, &self.public_url) {
            Ok(w) => w,
            Err(e) => return Delivery::Failed(e.to_string()),
        };
        let to = match msg.recipient.parse::<Mailbox>() {
            Ok(to) => to,
            Err(e) => return Delivery::Failed(format!("invalid recipient: {e}")),
        };
        let mut email = lettre::Message::builder().from(self.from.clone()).to(to).subject(words.subject);
        if let Some(url) = &words.unsubscribe {
            // RFC 8058 one-click unsubscribe: the mail client POSTs to the address.
            email = email
                .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{url}>")))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let email = email.multipart(MultiPart::alternative_plain_html(words.text, words.html));
        let email = match email {
            Ok(e) => e,
            Err(e) => return Delivery::Failed(format!("cannot build the message: {e}")),
        };
        match self.transport.send(&email) {
            Ok(_) => Delivery::Sent,
            Err(e) if e.is_permanent() => Delivery::Failed(e.to_string()),
            Err(e) => Delivery::Retry(e.to_string()),
        }
    }
}

/// Deliver what is due now; how many messages were taken.
pub fn run_once(pool: &DbPool, mailer: &Mailer) -> anyhow::Result<usize> {
    let claimed = {
        let mut conn = db::get(pool)?;
        outbox::claim(&mut conn, BATCH)?
    };
    for msg in &claimed {
        let result = mailer.deliver(msg);
        let mut conn = db::get(pool)?;
        match &result {
            Delivery::Sent => outbox::mark_sent(&mut conn, msg.id)?,
            Delivery::Retry(e) => {
                log::warn!("mail {} to {}: temporary failure (attempt {}): {e}", msg.id, msg.recipient, msg.attempts);
                outbox::mark_retry(&mut conn, msg, e)?
            }
            Delivery::Failed(e) => {
                log::warn!("mail {} to {}: failed: {e}", msg.id, msg.recipient);
                outbox::mark_failed(&mut conn, msg.id, e)?
            }
        }
    }
    Ok(claimed.len())
}

/// The running sender of this instance; dropping it stops the thread.
pub struct SenderHandle {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Write the reminders due today (Beijing), and tell the followers of a
/// pledge that one of its reporting periods opened.
pub fn write_reminders(pool: &DbPool) -> anyhow::Result<usize> {
    let mut conn = db::get(pool)?;
    let today = crate::i18n::beijing_today();
    let reminders = db::write(&mut conn, |c| db::notify::reminders(c, today))?;
    let opened = db::write(&mut conn, |c| db::watches::periods_opened(c, today))?;
    Ok(reminders + opened)
}

/// Forget what has lapsed: throttle counts older than a day (no limit looks
/// further back) and e-mail subscriptions whose confirmation link expired.
pub fn tidy(pool: &DbPool) -> anyhow::Result<usize> {
    let mut conn = db::get(pool)?;
    let now = db::now();
    let counts = db::write(&mut conn, |c| db::throttle::purge(c, now - chrono::Duration::days(1)))?;
    let lapsed = db::write(&mut conn, |c| db::watches::purge_unconfirmed(c, now))?;
    Ok(counts + lapsed)
}

/// Start the mail thread: it writes the day's reminders and tidies up (at
/// start and every ten minutes) and, with a mailer, delivers the outbox;
/// without one, messages wait in the outbox.
pub fn start(pool: DbPool, mailer: Option<Mailer>) -> SenderHandle {
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("selfreg-mail".into())
        .spawn(move || {
            let mut reminded: Option<std::time::Instant> = None;
            loop {
                if reminded.is_none_or(|at| at.elapsed() >= REMINDERS) {
                    if let Err(e) = write_reminders(&pool) {
                        log::warn!("mail reminders: {e:#}");
                    }
                    if let Err(e) = tidy(&pool) {
                        log::warn!("tidying up: {e:#}");
                    }
                    reminded = Some(std::time::Instant::now());
                }
                if let Some(mailer) = &mailer {
                    match run_once(&pool, mailer) {
                        // A full batch: there may be more due at once.
                        Ok(n) if n as i64 == BATCH => continue,
                        Ok(_) => {}
                        Err(e) => log::warn!("mail sender: {e:#}"),
                    }
                }
                match stopped.recv_timeout(POLL) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => break,
                }
            }
        })
        .expect("the mail sender thread starts");
    SenderHandle { stop: Some(stop), thread: Some(thread) }
}

impl Drop for SenderHandle {
    fn drop(&mut self) {
        // Closing the channel ends the thread's wait; a delivery under way finishes first.
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
