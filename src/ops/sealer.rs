//! The audit sealer thread: every second it chains the audit rows the sealing
//! rule allows (see `db::audit_chain`). Each instance runs one; on PostgreSQL
//! they take turns through an advisory lock.

use std::sync::mpsc;
use std::time::Duration;

use crate::db::{self, audit_chain::Sealer, DbPool};

const POLL: Duration = Duration::from_secs(1);

/// Dropping the handle stops the thread (after the round under way).
pub struct SealerHandle {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

pub fn start(pool: DbPool) -> SealerHandle {
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("selfreg-audit-sealer".into())
        .spawn(move || {
            let mut sealer = Sealer::default();
            loop {
                let round = db::get(&pool).map_err(anyhow::Error::new).and_then(|mut c| {
                    let mut n = sealer.tick(&mut c)?;
                    // A full batch: more may be sealable at once.
                    while n >= 1000 {
                        n = sealer.tick(&mut c)?;
                    }
                    Ok(())
                });
                if let Err(e) = round {
                    log::warn!("audit sealer: {e:#}");
                }
                match stopped.recv_timeout(POLL) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => break,
                }
            }
        })
        .expect("the audit sealer thread starts");
    SealerHandle { stop: Some(stop), thread: Some(thread) }
}

impl Drop for SealerHandle {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
