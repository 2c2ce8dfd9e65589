//! Sign-in throttling, after OWASP's guidance on blocking brute force without
//! letting anyone lock another person out:
//!
//! - A browser with a valid device cookie for the account (see [`super::device`])
//!   is trusted: only its own failures count against it (five, and it is
//!   treated like any other browser until the window passes).
//! - Other attempts count per (account, address) — strict: one person's typos
//!   or one attacker's guesses delay only that pair —, per account over all
//!   addresses (higher: a distributed attack slows untrusted sign-ins to the
//!   account, never the owner's trusted browser), and per address over all
//!   accounts (much higher than any person's typos).
//! - Past a limit the next attempt waits: one minute, doubling with each
//!   further failure, at most fifteen; failures older than the window are forgotten.
//!
//! Every counter lives in the database, so all instances share it.

use chrono::{Duration, NaiveDateTime};

use super::device::Device;
use crate::db::{throttle, DbConn};

/// A limit on failures within a window, and the delay past it.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub name: &'static str,
    /// Failures within the window that start a delay.
    pub threshold: i64,
    pub window_minutes: i64,
    /// Delay after the `threshold`-th failure; doubled with each one after it.
    pub base_seconds: i64,
    pub cap_seconds: i64,
}

/// One account from one address.
pub const PAIR: Rule =
    Rule { name: "account_address", threshold: 5, window_minutes: 15, base_seconds: 60, cap_seconds: 900 };
/// One account from anywhere (untrusted browsers only).
pub const ACCOUNT: Rule =
    Rule { name: "account", threshold: 20, window_minutes: 15, base_seconds: 60, cap_seconds: 900 };
/// One address, any accounts (an office behind one address stays far below it).
pub const ADDRESS: Rule =
    Rule { name: "address", threshold: 100, window_minutes: 15, base_seconds: 60, cap_seconds: 900 };
/// A device cookie's own failures, after which it is no longer trusted.
pub const DEVICE: Rule = Rule { name: "device", threshold: 5, window_minutes: 15, base_seconds: 0, cap_seconds: 0 };

impl Rule {
    /// When attempts may resume after `n` failures in the window, the latest at `last` (pure).
    pub fn open_at(&self, n: i64, last: Option<NaiveDateTime>) -> Option<NaiveDateTime> {
        let last = last?;
        if n < self.threshold {
            return None;
        }
        let doublings = (n - self.threshold).min(20) as u32;
        let delay = self.base_seconds.saturating_mul(1i64 << doublings).min(self.cap_seconds);
        Some(last + Duration::seconds(delay))
    }
}

/// A sign-in attempt as the throttle sees it.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The e-mail as typed, trimmed and lower-cased (unknown accounts count too).
    pub email: String,
    pub address: String,
    /// A valid device cookie the browser sent, whoever it was issued to.
    pub device: Option<Device>,
}

impl Attempt {
    fn pair(&self) -> String {
        format!("login:pair:{}|{}", self.email, self.address)
    }
    fn account(&self) -> String {
        format!("login:acct:{}", self.email)
    }
    fn address(&self) -> String {
        format!("login:ip:{}", self.address)
    }
    fn device_scope(&self) -> Option<String> {
        self.device.as_ref().map(|d| format!("login:dev:{}", d.nonce))
    }

    /// The scopes an untrusted attempt is counted in, with their rules.
    fn untrusted(&self) -> [(String, Rule); 3] {
        [(self.pair(), PAIR), (self.account(), ACCOUNT), (self.address(), ADDRESS)]
    }
}

fn since(rule: &Rule, now: NaiveDateTime) -> NaiveDateTime {
    now - Duration::minutes(rule.window_minutes)
}

/// Whether the attempt comes from a trusted browser of `user_id`: its device
/// cookie was issued to that user and has not failed too often itself.
pub fn is_trusted(
    conn: &mut DbConn,
    a: &Attempt,
    user_id: Option<i64>,
    now: NaiveDateTime,
) -> diesel::QueryResult<bool> {
    let (Some(d), Some(uid), Some(scope)) = (&a.device, user_id, a.device_scope()) else {
        return Ok(false);
    };
    if d.user_id != uid {
        return Ok(false);
    }
    let (n, _) = throttle::latest_since(conn, &scope, since(&DEVICE, now))?;
    Ok(n < DEVICE.threshold)
}

/// Until when an untrusted attempt must wait, and the rule that says so.
fn delay(conn: &mut DbConn, a: &Attempt, now: NaiveDateTime) -> diesel::QueryResult<Option<(NaiveDateTime, Rule)>> {
    let mut until: Option<(NaiveDateTime, Rule)> = None;
    for (scope, rule) in a.untrusted() {
        let (n, last) = throttle::latest_since(conn, &scope, since(&rule, now))?;
        if let Some(t) = rule.open_at(n, last).filter(|t| *t > now) {
            if until.is_none_or(|(u, _)| t > u) {
                until = Some((t, rule));
            }
        }
    }
    Ok(until)
}

/// Before checking the password: until when this attempt must wait (trusted attempts never do).
pub fn check(
    conn: &mut DbConn,
    a: &Attempt,
    trusted: bool,
    now: NaiveDateTime,
) -> diesel::QueryResult<Option<(NaiveDateTime, Rule)>> {
    if trusted {
        return Ok(None);
    }
    delay(conn, a, now)
}

/// Count a failed attempt; returns until when the next attempt must wait, if it must.
pub fn failed(
    conn: &mut DbConn,
    a: &Attempt,
    trusted: bool,
    now: NaiveDateTime,
) -> diesel::QueryResult<Option<(NaiveDateTime, Rule)>> {
    if trusted {
        if let Some(scope) = a.device_scope() {
            throttle::record(conn, &scope, now)?;
        }
        return Ok(None);
    }
    for (scope, _) in a.untrusted() {
        throttle::record(conn, &scope, now)?;
    }
    delay(conn, a, now)
}

/// A successful sign-in forgets the failures of this account from this address and of this browser.
pub fn succeeded(conn: &mut DbConn, a: &Attempt) -> diesel::QueryResult<()> {
    throttle::clear(conn, &a.pair())?;
    if let Some(scope) = a.device_scope() {
        throttle::clear(conn, &scope)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().and_hms_opt(8, 0, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn delays_start_at_the_threshold_and_double_up_to_the_cap() {
        assert_eq!(PAIR.open_at(4, Some(t(0))), None);
        assert_eq!(PAIR.open_at(5, Some(t(0))), Some(t(1)));
        assert_eq!(PAIR.open_at(6, Some(t(0))), Some(t(2)));
        assert_eq!(PAIR.open_at(7, Some(t(0))), Some(t(4)));
        assert_eq!(PAIR.open_at(8, Some(t(0))), Some(t(8)));
        assert_eq!(PAIR.open_at(9, Some(t(0))), Some(t(15)));
        assert_eq!(PAIR.open_at(500, Some(t(0))), Some(t(15)));
        assert_eq!(PAIR.open_at(5, None), None);
    }

    #[test]
    fn one_persons_typos_cannot_reach_the_address_limit() {
        // At most threshold + doublings until the cap within one window, per account.
        let mut n = PAIR.threshold;
        let mut minutes = 0;
        while minutes < PAIR.window_minutes {
            minutes += (PAIR.base_seconds << (n - PAIR.threshold)).min(PAIR.cap_seconds) / 60;
            n += 1;
        }
        assert!(n < ADDRESS.threshold / 4, "{n} failures in a window");
        const { assert!(PAIR.threshold < ACCOUNT.threshold && ACCOUNT.threshold <= ADDRESS.threshold) };
    }
}
