//! E-mail through a real SMTP server (aiosmtpd, `tests/api/smtp_sink.py`):
//! what the sender delivers, to whom, in which language, with working links;
//! temporary and permanent failures; messages written while no server was
//! set go out after a restart with one; two instances send each message once.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use selfreg::db::outbox::{self, Outgoing};
use serde_json::Value;

use crate::helpers::*;

/// The SMTP server of one test; stopped when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl SmtpSink {
    fn start() -> SmtpSink {
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

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn messages(&self) -> Vec<Value> {
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
    async fn wait_for(&self, n: usize) -> Vec<Value> {
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

fn with_mail(mut opts: selfreg::config::Options, smtp_url: &str) -> selfreg::config::Options {
    opts.mail.smtp_url = Some(selfreg::mail::config::parse_smtp_url(smtp_url).unwrap());
    opts.mail.mail_from = Some(selfreg::mail::config::parse_mail_from("直播电商登记 <registry@example.org>").unwrap());
    opts
}

async fn spawn_mailing(smtp_url: &str) -> TestApp {
    let (target, cleanup) = fresh_database();
    spawn_with(with_mail(options(target), smtp_url), cleanup).await
}

/// A message written straight to the outbox, as a change would.
fn enqueue(app: &TestApp, to: &str, name: &str) -> i64 {
    let msg = Outgoing::new("test", to, None, "zh-CN", &serde_json::json!({ "name": name, "link": "/admin/outbox" }))
        .unwrap();
    selfreg::db::write(&mut app.conn(), |c| outbox::enqueue(c, &msg)).unwrap().unwrap()
}

fn stored(app: &TestApp, id: i64) -> outbox::Message {
    outbox::get(&mut app.conn(), id).unwrap().unwrap()
}

/// Wait (at most 20 s) until message `id` leaves the waiting state or has been tried.
async fn settled(app: &TestApp, id: i64, done: impl Fn(&outbox::Message) -> bool) -> outbox::Message {
    let start = Instant::now();
    loop {
        let m = stored(app, id);
        if done(&m) || start.elapsed() > Duration::from_secs(20) {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_admins_test_message_arrives_in_their_language_with_a_working_link() {
    let sink = SmtpSink::start();
    let app = spawn_mailing(&sink.url()).await;
    app.login("admin@example.org").await;
    app.get("/lang/en?next=/admin/outbox").await;
    let r = app.post_from("/admin/outbox", "/admin/outbox/test", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let got = sink.wait_for(1).await;
    assert_eq!(got.len(), 1, "one message reaches the server");
    let m = &got[0];
    assert_eq!(m["rcpt_tos"], serde_json::json!(["admin@example.org"]));
    assert_eq!(m["mail_from"], "registry@example.org");
    assert!(m["subject"].as_str().unwrap().starts_with("Test message"), "{}", m["subject"]);
    let text = m["text"].as_str().unwrap();
    let link = format!("{}/admin/outbox", app.addr);
    assert!(text.contains(&link), "the plain text holds the absolute link: {text}");
    assert!(m["html"].as_str().unwrap().contains(&format!("href=\"{link}\"")));

    // The link works for the admin it was sent to.
    let (status, html) = app.get_html(&link.replace(&app.addr, "")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("admin@example.org"), "the outbox lists the message");
    let id = outbox::to_recipient(&mut app.conn(), "admin@example.org").unwrap()[0].id;
    let sent = settled(&app, id, |m| m.state != outbox::STATE_PENDING).await;
    assert_eq!(sent.state, outbox::STATE_SENT);
    assert!(sent.sent_at.is_some());
}

#[tokio::test]
async fn a_refused_recipient_fails_for_good_and_an_admin_sends_it_again() {
    let sink = SmtpSink::start();
    let app = spawn_mailing(&sink.url()).await;
    let id = enqueue(&app, "reject@example.org", "张三");
    let m = settled(&app, id, |m| m.state != outbox::STATE_PENDING).await;
    assert_eq!(m.state, outbox::STATE_FAILED, "a 550 is permanent");
    assert!(m.last_error.as_deref().unwrap_or("").contains("550"), "{:?}", m.last_error);
    assert_eq!(m.attempts, 1, "no second attempt after a permanent failure");

    app.login("admin@example.org").await;
    let (status, html) = app.get_html("/admin/outbox?state=failed").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("reject@example.org") && html.contains("发送失败"));
    let (_, page) = app.get_html(&format!("/admin/outbox/{id}")).await;
    assert!(page.contains("由管理员 张三"), "the admin reads the message as it would be sent");

    let page_path = format!("/admin/outbox/{id}");
    let r = app.post_from(&page_path, &format!("{page_path}/retry"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("audit_log WHERE object_type = 'message' AND action = 'retry'"), 1);
    // A second retry of the same (no longer failed) message changes nothing.
    let again = app.post_from(&page_path, &format!("{page_path}/retry"), &[]).await;
    let status = again.status();
    let body = again.text().await.unwrap();
    if status == StatusCode::CONFLICT {
        assert!(body.contains("未作改动"), "{body}");
    } else {
        // The sender already took it up and it failed again: a retry is allowed once more.
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn a_server_that_says_later_is_tried_again_later() {
    let sink = SmtpSink::start();
    let app = spawn_mailing(&sink.url()).await;
    let id = enqueue(&app, "later@example.org", "李四");
    let m = settled(&app, id, |m| m.attempts >= 1 && m.last_error.is_some()).await;
    assert_eq!(m.state, outbox::STATE_PENDING, "a 451 is temporary");
    assert!(m.last_error.as_deref().unwrap_or("").contains("451"), "{:?}", m.last_error);
    assert!(m.next_attempt_at > selfreg::db::now(), "the next attempt waits");
}

#[tokio::test]
async fn messages_written_without_a_server_go_out_after_a_restart_with_one() {
    let sink = SmtpSink::start();
    let (target, cleanup) = fresh_database();
    // First without --smtp-url: the message waits, and the outbox page says why.
    let first = spawn_with(options(target.clone()), cleanup).await;
    first.login("admin@example.org").await;
    let r = first.post_from("/admin/outbox", "/admin/outbox/test", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = first.get_html("/admin/outbox").await;
    assert!(html.contains("未配置发件服务器"), "the page says nothing is sent");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(sink.messages().is_empty(), "nothing is sent without a server");
    let waiting = outbox::to_recipient(&mut first.conn(), "admin@example.org").unwrap();
    assert_eq!(waiting[0].state, outbox::STATE_PENDING);

    // The same database, started again with a server: the message goes out.
    let second = spawn_with(with_mail(options(target), &sink.url()), None).await;
    let got = sink.wait_for(1).await;
    assert_eq!(got.len(), 1);
    assert!(got[0]["subject"].as_str().unwrap().starts_with("测试邮件"), "{}", got[0]["subject"]);
    let sent = settled(&second, waiting[0].id, |m| m.state != outbox::STATE_PENDING).await;
    assert_eq!(sent.state, outbox::STATE_SENT);
}

#[tokio::test]
async fn two_instances_send_every_message_exactly_once() {
    let sink = SmtpSink::start();
    let (target, cleanup) = fresh_database();
    // Written before any sender runs, then two instances start on the database.
    let writer = spawn_with(options(target.clone()), cleanup).await;
    let n = 60;
    for i in 0..n {
        enqueue(&writer, &format!("user{i}@example.org"), &format!("n{i}"));
    }
    let _a = spawn_with(with_mail(options(target.clone()), &sink.url()), None).await;
    let _b = spawn_with(with_mail(options(target), &sink.url()), None).await;
    let got = sink.wait_for(n).await;
    // Both senders keep polling a while longer: nothing is sent again.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let got_after = sink.messages();
    assert_eq!(got.len(), n, "every message arrives");
    assert_eq!(got_after.len(), n, "and none twice");
    let mut recipients: Vec<String> = got_after.iter().map(|m| m["rcpt_tos"][0].as_str().unwrap().to_owned()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), n);
    let start = Instant::now();
    while writer.count("outbox WHERE state = 'sent'") < n as i64 && start.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(writer.count("outbox WHERE state = 'sent'"), n as i64);
}

#[tokio::test]
async fn a_server_setting_without_a_sender_address_stops_start_up() {
    let (target, _cleanup) = fresh_database();
    let mut opts = with_mail(options(target), "smtp://127.0.0.1:2525");
    opts.mail.mail_from = None;
    let err = selfreg::startup::Application::build(&opts).await.err().expect("start-up is refused");
    assert!(err.to_string().contains("--mail-from"), "{err}");
}
