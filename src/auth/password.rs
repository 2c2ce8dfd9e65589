//! Password hashing with argon2id (OWASP parameters), bounded in concurrency so
//! that a flood of logins cannot starve page serving. Two lanes: untrusted
//! sign-in attempts share one hash per core; trusted work (a browser with a
//! device cookie, an admin setting a password) may also use one more, so it
//! goes ahead of a flood of untrusted attempts.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// m = 19456 KiB, t = 2, p = 1.
pub const M_COST: u32 = 19_456;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(M_COST, T_COST, P_COST, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hash on the current thread (CLI, demo data; never on the async executor).
pub fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing cannot fail with valid parameters")
        .to_string()
}

/// Whether a stored hash uses other than the current algorithm and parameters.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(h) = PasswordHash::new(stored) else {
        return true;
    };
    if h.algorithm.as_str() != "argon2id" {
        return true;
    }
    let get = |name: &str| h.params.get_decimal(name);
    get("m") != Some(M_COST) || get("t") != Some(T_COST) || get("p") != Some(P_COST)
}

/// Verify on the current thread. Any malformed hash is a mismatch.
pub fn verify_blocking(stored: &str, password: &str) -> bool {
    match PasswordHash::new(stored) {
        // Verify with the parameters recorded in the hash, so old hashes still work.
        Ok(h) => Argon2::default().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

pub struct Verified {
    pub ok: bool,
    pub needs_rehash: bool,
}

/// Which lane a hash runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Sign-in attempts of browsers without a device cookie for the account.
    Untrusted,
    /// Device-cookie sign-ins and signed-in admins: never wait behind untrusted work.
    Trusted,
}

/// Runs argon2 on the blocking pool: untrusted work at most `permits` at a
/// time, all work at most `permits + 1`, so one hash is always free for trusted work.
#[derive(Clone)]
pub struct Hasher {
    /// Hashes waiting for a permit (for /metrics).
    waiting: Arc<std::sync::atomic::AtomicUsize>,
    capacity: usize,
    all: Arc<Semaphore>,
    untrusted: Arc<Semaphore>,
    wait: Duration,
    dummy_hash: Arc<str>,
}

fn saturated(lane: Lane) -> AppError {
    let lane = match lane {
        Lane::Untrusted => "untrusted",
        Lane::Trusted => "trusted",
    };
    metrics::counter!("selfreg_hasher_refusals_total", "lane" => lane).increment(1);
    AppError::Unavailable("password hashing is saturated".into())
}

/// What the hasher is doing now.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub running: usize,
    pub waiting: usize,
}

/// Counts a hash as waiting while it lives.
struct Waiting(Arc<std::sync::atomic::AtomicUsize>);

impl Waiting {
    fn new(n: &Arc<std::sync::atomic::AtomicUsize>) -> Self {
        n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Waiting(n.clone())
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Hasher {
    pub fn new(permits: usize, wait: Duration) -> Self {
        let permits = permits.max(1);
        Hasher {
            waiting: Default::default(),
            capacity: permits + 1,
            all: Arc::new(Semaphore::new(permits + 1)),
            untrusted: Arc::new(Semaphore::new(permits)),
            wait,
            dummy_hash: hash_blocking("selfreg timing equaliser").into(),
        }
    }

    /// Hashes running and waiting now.
    pub fn load(&self) -> Load {
        Load {
            running: self.capacity.saturating_sub(self.all.available_permits()),
            waiting: self.waiting.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    async fn run<T: Send + 'static>(&self, lane: Lane, f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
        let waiting = Waiting::new(&self.waiting);
        let deadline = tokio::time::Instant::now() + self.wait;
        let share = match lane {
            Lane::Untrusted => Some(
                tokio::time::timeout_at(deadline, self.untrusted.clone().acquire_owned())
                    .await
                    .map_err(|_| saturated(lane))?
                    .map_err(|_| saturated(lane))?,
            ),
            Lane::Trusted => None,
        };
        // Trusted work waits longer: it is never behind more than one untrusted hash per core.
        let deadline = if lane == Lane::Trusted { deadline + self.wait } else { deadline };
        let permit = tokio::time::timeout_at(deadline, self.all.clone().acquire_owned())
            .await
            .map_err(|_| saturated(lane))?
            .map_err(|_| saturated(lane))?;
        drop(waiting);
        let out = actix_web::web::block(move || {
            let _permits = (permit, share);
            f()
        })
        .await?;
        Ok(out)
    }

    /// Hash a new password (trusted work: an admin or the CLI sets it).
    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.run(Lane::Trusted, move || hash_blocking(&password)).await
    }

    /// Verify `password` against `stored`; without a stored hash (unknown
    /// account) verify against a dummy so both cost the same time.
    pub async fn verify(&self, lane: Lane, stored: Option<String>, password: String) -> AppResult<Verified> {
        let dummy = self.dummy_hash.clone();
        self.run(lane, move || match stored {
            Some(h) => Verified { ok: verify_blocking(&h, &password), needs_rehash: needs_rehash(&h) },
            None => {
                let _ = verify_blocking(&dummy, &password);
                Verified { ok: false, needs_rehash: false }
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_owasp_parameters_and_verifies() {
        let h = hash_blocking("correct horse battery");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_blocking(&h, "correct horse battery"));
        assert!(!verify_blocking(&h, "correct horse battery!"));
        assert!(!needs_rehash(&h));
    }

    /// Beyond the bound, untrusted attempts wait briefly and then get 503
    /// instead of piling up, while trusted work still goes ahead.
    #[actix_web::test]
    async fn saturated_hashing_refuses_untrusted_work_but_not_trusted() {
        let hasher = Hasher::new(1, Duration::from_millis(20));
        let slow = hasher.clone();
        // Hold the only untrusted permit for a while.
        let busy = actix_web::rt::spawn(async move {
            slow.run(Lane::Untrusted, || std::thread::sleep(Duration::from_millis(300))).await
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let refused = hasher.verify(Lane::Untrusted, None, "a long password 2".into()).await;
        assert!(matches!(refused, Err(AppError::Unavailable(_))), "second untrusted hash must not wait for ever");
        let trusted = hasher.verify(Lane::Trusted, None, "a long password 2".into()).await;
        assert!(trusted.is_ok(), "the trusted lane is free during an untrusted flood");
        assert!(busy.await.unwrap().is_ok());
        // Once free, hashing works again.
        assert!(hasher.verify(Lane::Untrusted, None, "a long password 3".into()).await.is_ok());
    }

    #[test]
    fn weaker_hashes_verify_but_need_rehash() {
        let weak = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8, 1, 1, None).unwrap());
        let salt = SaltString::generate(&mut OsRng);
        let h = weak.hash_password(b"old password 1", &salt).unwrap().to_string();
        assert!(verify_blocking(&h, "old password 1"));
        assert!(needs_rehash(&h));
        assert!(needs_rehash("not a hash"));
        assert!(!verify_blocking("not a hash", "x"));
    }
}
