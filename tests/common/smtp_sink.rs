//! The SMTP server of the tests that send real mail: aiosmtpd
//! (`tests/api/smtp_sink.py`, Debian python3-aiosmtpd) on a free port, each
//! message it receives kept as a JSON file. Shared by the `api` and `e2e`
//! test binaries (each includes this file), each using what it needs.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The SMTP server of one test; stopped when dropped.
pub struct SmtpSink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("selfreg-smtp-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Debian's interpreter has python3-aiosmtpd even where another python3 comes first on the PATH.
        let python = if std::path::Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/smtp_sink.py");
        let mut child = Command::new(python)
            .arg(script)
            .arg(port.to_string())
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (Debian package python3-aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server starts (is python3-aiosmtpd installed?)");
        SmtpSink { child, port, dir }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages to `recipient` (the demo data's own reminders may arrive too).
    pub fn to(&self, recipient: &str) -> Vec<Value> {
        self.messages().into_iter().filter(|m| m["rcpt_tos"][0] == recipient).collect()
    }

    /// Wait (at most 20 s) until the server holds `n` messages to `recipient`.
    pub async fn wait_to(&self, recipient: &str, n: usize) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let got = self.to(recipient);
            if got.len() >= n || start.elapsed() > Duration::from_secs(20) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether the server holds a message to a `stall…` address without answering.
    pub fn stalled(&self) -> bool {
        self.dir.join("stalled.mark").exists()
    }

    pub fn messages(&self) -> Vec<Value> {
        let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let p = e.path();
                let n = p.file_stem()?.to_str()?.parse().ok()?;
                (p.extension()? == "json").then_some((n, p))
            })
            .collect();
        files.sort();
        files.iter().map(|(_, p)| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
    }

    /// Wait (at most 20 s) until the server holds `n` messages.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let got = self.messages();
            if got.len() >= n || start.elapsed() > Duration::from_secs(20) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
