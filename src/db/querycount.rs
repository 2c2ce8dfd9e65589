//! An optional per-request count of the SQL statements sent, for benchmarks
//! and tests: on only when `SELFREG_QUERY_COUNT=1`, then every response carries
//! `x-query-count`. Off (the default) it costs one branch per database call.
//!
//! The request's counter lives in a task-local on the async side; the blocking
//! thread that runs the request's database work borrows it for the duration of
//! the work, and a diesel [`Instrumentation`] on every pooled connection adds
//! one per statement to whichever counter the thread holds.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use diesel::connection::{Instrumentation, InstrumentationEvent};

pub const ENV: &str = "SELFREG_QUERY_COUNT";
pub const HEADER: &str = "x-query-count";

pub type Counter = Arc<AtomicU32>;

tokio::task_local! {
    /// The counter of the request being served on this task.
    pub static REQUEST: Counter;
}

thread_local! {
    static CURRENT: RefCell<Option<Counter>> = const { RefCell::new(None) };
}

/// Whether counting is on (read once from the environment).
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var(ENV).is_ok_and(|v| v == "1"))
}

struct CountStatements;

impl Instrumentation for CountStatements {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            CURRENT.with(|c| {
                if let Some(c) = &*c.borrow() {
                    c.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    }
}

/// Install the counting instrumentation on a new connection (when enabled).
pub fn instrument<C: diesel::Connection>(conn: &mut C) {
    if enabled() {
        conn.set_instrumentation(CountStatements);
    }
}

/// The counter of the current request, taken on the async side before handing
/// work to a blocking thread.
pub fn capture() -> Option<Counter> {
    if !enabled() {
        return None;
    }
    REQUEST.try_with(Counter::clone).ok()
}

/// Run `f` on this (blocking) thread, counting its statements to `counter`.
pub fn attribute<T>(counter: Option<Counter>, f: impl FnOnce() -> T) -> T {
    let Some(counter) = counter else { return f() };
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            CURRENT.with(|c| c.borrow_mut().take());
        }
    }
    CURRENT.with(|c| *c.borrow_mut() = Some(counter));
    let _reset = Reset;
    f()
}
