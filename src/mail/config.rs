//! Where mail goes: `--smtp-url` and `--mail-from`, checked at start-up.
//!
//! - `smtp://user:pass@host:587`: STARTTLS, required (a server that does not
//!   offer it is not used);
//! - `smtps://user:pass@host:465`: TLS from the first byte;
//! - `smtp://host:port` to a loopback host (127.0.0.1, ::1, localhost):
//!   plain SMTP, for a relay on the same machine.
//!
//! Without `--smtp-url` nothing is sent: messages wait in the outbox, where
//! admins read them (`/admin/outbox`).

use std::net::IpAddr;

use lettre::message::Mailbox;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// STARTTLS after connecting; refused if the server does not offer it.
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Tls,
    /// None: only to a loopback host.
    Plain,
}

/// A parsed `--smtp-url`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpUrl {
    // The password never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpUrl")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

fn decode(s: &str) -> Result<String, String> {
    percent_decode(s).ok_or_else(|| "has a badly encoded user name or password".to_owned())
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Parse `--smtp-url` (clap's value parser: the message names what is wrong).
pub fn parse_smtp_url(s: &str) -> Result<SmtpUrl, String> {
    let s = s.trim();
    let (scheme, rest) = s.split_once("://").ok_or("must start with smtp:// or smtps://")?;
    let security = match scheme.to_ascii_lowercase().as_str() {
        "smtp" => Security::StartTls,
        "smtps" => Security::Tls,
        _ => return Err("must start with smtp:// or smtps://".into()),
    };
    let rest = rest.trim_end_matches('/');
    if rest.contains(['/', '?', '#']) {
        return Err("must be smtp(s)://[user:password@]host[:port] without a path".into());
    }
    let (auth, hostport) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    let (user, password) = match auth {
        None => (None, None),
        Some(a) => match a.split_once(':') {
            Some((u, p)) => (Some(decode(u)?), Some(decode(p)?)),
            None => (Some(decode(a)?), None),
        },
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or("has an unclosed [ in the host")?;
        (format!("[{h}]"), after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (hostport.to_owned(), None),
        }
    };
    let host_ok =
        !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !host_ok {
        return Err("names no valid host".into());
    }
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or("has an invalid port")?,
        None if security == Security::Tls => 465,
        None => 587,
    };
    // smtp:// to this machine is a local relay: plain SMTP. Anywhere else the
    // password and the messages must not cross the network in clear.
    let security = if security == Security::StartTls && is_loopback(&host) { Security::Plain } else { security };
    Ok(SmtpUrl { host, port, security, user, password })
}

/// Parse `--mail-from`: `registry@example.org` or `名称 <registry@example.org>`.
pub fn parse_mail_from(s: &str) -> Result<Mailbox, String> {
    s.trim().parse::<Mailbox>().map_err(|_| "must be an e-mail address, optionally with a name: Name <a@b.org>".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        let u = parse_smtp_url("smtp://user:p%40ss@mail.example.org:587").unwrap();
        assert_eq!(u.host, "mail.example.org");
        assert_eq!(u.port, 587);
        assert_eq!(u.security, Security::StartTls);
        assert_eq!(u.user.as_deref(), Some("user"));
        assert_eq!(u.password.as_deref(), Some("p@ss"));
        assert!(!format!("{u:?}").contains("p@ss"), "the password stays out of logs");

        let u = parse_smtp_url("smtps://mail.example.org").unwrap();
        assert_eq!((u.port, u.security), (465, Security::Tls));
        let u = parse_smtp_url("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((u.port, u.security, u.user), (2525, Security::Plain, None));
        assert_eq!(parse_smtp_url("smtp://localhost").unwrap().security, Security::Plain);
        assert_eq!(parse_smtp_url("smtp://[::1]:25").unwrap().security, Security::Plain);
        // Not loopback: STARTTLS, never plain.
        assert_eq!(parse_smtp_url("smtp://10.0.0.5:25").unwrap().security, Security::StartTls);

        for bad in ["", "http://x", "smtp://", "smtp://host:0", "smtp://host:99999", "smtp://host/path", "smtp://ho st"]
        {
            assert!(parse_smtp_url(bad).is_err(), "{bad} is refused");
        }
    }

    #[test]
    fn mail_from() {
        assert_eq!(parse_mail_from("registry@example.org").unwrap().email.to_string(), "registry@example.org");
        let m = parse_mail_from("直播电商自律登记 <registry@example.org>").unwrap();
        assert_eq!(m.name.as_deref(), Some("直播电商自律登记"));
        assert!(parse_mail_from("not an address").is_err());
    }
}
