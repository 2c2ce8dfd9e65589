//! A sender killed in the middle of a delivery: the real binary is started
//! as a child process, takes a message, hands it to an SMTP server that holds
//! it without answering, and is killed with SIGKILL there. Restarted, it
//! takes the message up again once the claim's lease has run out and sends
//! it exactly once.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use selfreg::db::outbox;

use crate::helpers::*;
use crate::mail::{enqueue, stored, SmtpSink};

/// The claim's lease of the child (`SELFREG_MAIL_LEASE_SECS`, read by debug builds only).
const LEASE_SECS: u64 = 3;

/// The registry's binary serving `database_url` and sending through `smtp_url`.
struct Server {
    child: Child,
}

impl Server {
    async fn start(database_url: &str, smtp_url: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_selfreg"))
            .args(["--bind", &format!("127.0.0.1:{port}"), "--database-url", database_url])
            .args(["--smtp-url", smtp_url, "--mail-from", "registry@example.org"])
            .env("SELFREG_MAIL_LEASE_SECS", LEASE_SECS.to_string())
            .env_remove("SELFREG_SMTP_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the registry's binary starts");
        let server = Server { child };
        let health = format!("http://127.0.0.1:{port}/healthz");
        let start = Instant::now();
        loop {
            if reqwest::get(&health).await.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "the binary answers /healthz");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: no shutdown, no chance to mark anything.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "waited {limit:?} for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_sender_killed_mid_delivery_sends_the_message_once_after_the_lease() {
    let sink = SmtpSink::start();
    let (target, cleanup) = fresh_database();
    let url = match &target {
        selfreg::db::DbTarget::Sqlite(p) => p.clone(),
        selfreg::db::DbTarget::Postgres(u) => u.clone(),
    };
    // The database (with the demo data) and a message, written while no sender runs.
    let writer = spawn_with(options(target), cleanup).await;
    let id = enqueue(&writer, "stall-once@example.org", "王五");

    let mut first = Server::start(&url, &sink.url()).await;
    until("the server to hold the message", Duration::from_secs(30), || sink.stalled()).await;
    let held = stored(&writer, id);
    assert_eq!(held.state, outbox::STATE_PENDING);
    assert_eq!(held.attempts, 1, "claimed once");
    assert!(held.next_attempt_at > selfreg::db::now(), "held by its lease");
    first.kill();
    assert!(sink.to("stall-once@example.org").is_empty(), "nothing was delivered");
    assert_eq!(stored(&writer, id).state, outbox::STATE_PENDING, "the killed sender marked nothing");

    // Started again: the message goes out once its lease has run out.
    let _second = Server::start(&url, &sink.url()).await;
    until("the message to arrive", Duration::from_secs(30), || !sink.to("stall-once@example.org").is_empty()).await;
    until("the message to be marked sent", Duration::from_secs(10), || stored(&writer, id).state == outbox::STATE_SENT)
        .await;
    let sent = stored(&writer, id);
    assert_eq!(sent.attempts, 2, "taken up again once");
    // Two more leases later nothing was sent again.
    tokio::time::sleep(Duration::from_secs(2 * LEASE_SECS + 2)).await;
    let got = sink.to("stall-once@example.org");
    assert_eq!(got.len(), 1, "exactly once");
    assert!(got[0]["text"].as_str().unwrap().contains("王五"));
}
