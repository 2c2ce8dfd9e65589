//! E-mail through a real SMTP server (aiosmtpd, `tests/api/smtp_sink.py`):
//! what the sender delivers, to whom, in which language, with working links;
//! temporary and permanent failures; messages written while no server was
//! set go out after a restart with one; two instances send each message once.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use selfreg::db::outbox::{self, Outgoing};
use serde_json::Value;

use crate::helpers::*;

pub(crate) use crate::smtp_sink::SmtpSink;

pub(crate) fn with_mail(mut opts: selfreg::config::Options, smtp_url: &str) -> selfreg::config::Options {
    opts.mail.smtp_url = Some(selfreg::mail::config::parse_smtp_url(smtp_url).unwrap());
    opts.mail.mail_from = Some(selfreg::mail::config::parse_mail_from("直播电商登记 <registry@example.org>").unwrap());
    opts
}

pub(crate) async fn spawn_mailing(smtp_url: &str) -> TestApp {
    let (target, cleanup) = fresh_database();
    spawn_with(with_mail(options(target), smtp_url), cleanup).await
}

/// A message written straight to the outbox, as a change would.
pub(crate) fn enqueue(app: &TestApp, to: &str, name: &str) -> i64 {
    let msg = Outgoing::new("test", to, None, "zh-CN", &serde_json::json!({ "name": name, "link": "/admin/outbox" }))
        .unwrap();
    selfreg::db::write(&mut app.conn(), |c| outbox::enqueue(c, &msg)).unwrap().unwrap()
}

pub(crate) fn stored(app: &TestApp, id: i64) -> outbox::Message {
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

    let got = sink.wait_to("admin@example.org", 1).await;
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
    let reminders_waiting = first.count("outbox WHERE kind LIKE 'reminder%'");
    let waiting = outbox::to_recipient(&mut first.conn(), "admin@example.org").unwrap();
    assert_eq!(waiting[0].state, outbox::STATE_PENDING);

    // The same database, started again with a server: the message goes out.
    let second = spawn_with(with_mail(options(target), &sink.url()), None).await;
    let got = sink.wait_to("admin@example.org", 1).await;
    assert_eq!(got.len(), 1);
    // The demo filers' reminders written meanwhile go out too, each once.
    let reminders = sink.wait_for(1 + reminders_waiting as usize).await.len() - 1;
    assert_eq!(reminders as i64, reminders_waiting);
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
    let ours = |all: Vec<Value>| -> Vec<Value> {
        all.into_iter().filter(|m| m["rcpt_tos"][0].as_str().unwrap().starts_with("user")).collect()
    };
    let start = Instant::now();
    while ours(sink.messages()).len() < n && start.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = ours(sink.messages());
    // Both senders keep polling a while longer: nothing is sent again.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let got_after = ours(sink.messages());
    assert_eq!(got.len(), n, "every message arrives");
    assert_eq!(got_after.len(), n, "and none twice");
    let mut recipients: Vec<String> = got_after.iter().map(|m| m["rcpt_tos"][0].as_str().unwrap().to_owned()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), n);
    let start = Instant::now();
    while writer.count("outbox WHERE state = 'sent' AND recipient LIKE 'user%'") < n as i64
        && start.elapsed() < Duration::from_secs(10)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(writer.count("outbox WHERE state = 'sent' AND recipient LIKE 'user%'"), n as i64);
}

#[tokio::test]
async fn a_server_setting_without_a_sender_address_stops_start_up() {
    let (target, _cleanup) = fresh_database();
    let mut opts = with_mail(options(target), "smtp://127.0.0.1:2525");
    opts.mail.mail_from = None;
    let err = selfreg::startup::Application::build(&opts).await.err().expect("start-up is refused");
    assert!(err.to_string().contains("--mail-from"), "{err}");
}

/// A reporting period of the pledge the demo filer's organization signed, due on `due_on`.
fn period_due(app: &TestApp, due_on: chrono::NaiveDate) -> (i64, i64) {
    use diesel::prelude::*;
    use selfreg::db::schema::{reporting_periods, signatures, users};
    let mut c = app.conn();
    let (org_id, pledge_id): (i64, i64) = users::table
        .inner_join(signatures::table.on(signatures::organization_id.eq(users::organization_id)))
        .filter(users::email.eq("filer@example.org"))
        .filter(signatures::state.eq("verified"))
        .select((users::organization_id, signatures::pledge_id))
        .first(&mut *c)
        .unwrap();
    let day = |n: i64| due_on + chrono::Duration::days(n);
    let id: i64 = diesel::insert_into(reporting_periods::table)
        .values((
            reporting_periods::pledge_id.eq(pledge_id),
            reporting_periods::label_zh.eq("提醒测试期"),
            reporting_periods::label_en.eq("Reminder test period"),
            reporting_periods::covers_from.eq(day(-400)),
            reporting_periods::covers_to.eq(day(-370)),
            reporting_periods::opens_on.eq(day(-30)),
            reporting_periods::due_on.eq(due_on),
            reporting_periods::created_at.eq(selfreg::db::now()),
            reporting_periods::version.eq(1),
        ))
        .returning(reporting_periods::id)
        .get_result(&mut *c)
        .unwrap();
    (id, org_id)
}

fn reminders_to(app: &TestApp, email: &str, period: i64) -> Vec<String> {
    outbox::to_recipient(&mut app.conn(), email)
        .unwrap()
        .into_iter()
        .filter(|m| m.dedupe_key.as_deref().is_some_and(|k| k.contains(&format!(":period:{period}:"))))
        .map(|m| m.kind)
        .collect()
}

#[tokio::test]
async fn each_reminder_is_written_once_per_report_and_kind_and_not_after_submission() {
    let app = spawn_app().await;
    let today = selfreg::i18n::beijing_today();
    let due_on = today + chrono::Duration::days(5);
    let (period, org) = period_due(&app, due_on);
    let run = |on: chrono::NaiveDate| {
        selfreg::db::write(&mut app.conn(), |c| selfreg::db::notify::reminders(c, on)).unwrap();
    };

    // A week before: once, however often it runs (and the app's own thread runs it too).
    run(today);
    run(today);
    selfreg::mail::sender::write_reminders(&app.pool).unwrap();
    assert_eq!(reminders_to(&app, "filer@example.org", period), vec!["reminder_due_7d"]);
    // Six days before the due date there is nothing new to say.
    run(today + chrono::Duration::days(1));
    assert_eq!(reminders_to(&app, "filer@example.org", period).len(), 1);
    // The last day: the second reminder, once.
    run(due_on);
    run(due_on);
    let mut kinds = reminders_to(&app, "filer@example.org", period);
    kinds.sort();
    assert_eq!(kinds, vec!["reminder_due_1d", "reminder_due_7d"]);
    let words = outbox::to_recipient(&mut app.conn(), "filer@example.org").unwrap();
    let last = words.iter().find(|m| m.kind == "reminder_due_1d").unwrap();
    let rendered =
        selfreg::mail::render::render(&last.kind, selfreg::i18n::Lang::Zh, &last.params, "http://x").unwrap();
    assert!(rendered.text.contains("提醒测试期"), "{}", rendered.text);
    assert!(rendered.text.contains(&selfreg::i18n::Lang::Zh.plain_date(due_on)));

    // Submitted: no overdue reminder for that organization.
    {
        use diesel::prelude::*;
        use selfreg::db::schema::{reports, signatures};
        let mut c = app.conn();
        let signature: i64 = signatures::table
            .filter(signatures::organization_id.eq(org))
            .filter(signatures::state.eq("verified"))
            .select(signatures::id)
            .first(&mut *c)
            .unwrap();
        let now = selfreg::db::now();
        diesel::insert_into(reports::table)
            .values((
                reports::period_id.eq(period),
                reports::signature_id.eq(signature),
                reports::organization_id.eq(org),
                reports::state.eq("submitted"),
                reports::version.eq(1),
                reports::revisions.eq(0),
                reports::ever_returned.eq(false),
                reports::review_comment.eq(""),
                reports::submitted_at.eq(Some(now)),
                reports::created_at.eq(now),
                reports::updated_at.eq(now),
            ))
            .execute(&mut *c)
            .unwrap();
    }
    run(due_on + chrono::Duration::days(1));
    assert!(
        !reminders_to(&app, "filer@example.org", period).contains(&"reminder_overdue".to_owned()),
        "a submitted report is not overdue"
    );
}

#[tokio::test]
async fn a_submitted_report_tells_the_reviewers_and_a_returned_one_the_filer_whose_link_opens_it() {
    use crate::reports::{complete, decide, open_report, period_id, post_report};
    let sink = SmtpSink::start();
    let app = spawn_mailing(&sink.url()).await;
    let filer = app.other_client();
    // The filer reads the registry in English: their mail comes in English.
    filer.get("/lang/en?next=/").await;
    filer.login("filer@example.org").await;
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;

    let rid = open_report(&filer, period_id(&app, "第三期（本期）")).await;
    // A draft saved tells nobody.
    let r = post_report(&filer, rid, "save", complete).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("outbox WHERE kind LIKE 'report%'"), 0, "saving a draft writes no message");

    let r = post_report(&filer, rid, "submit", complete).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to_reviewer = sink.wait_to("reviewer@example.org", 1).await;
    assert_eq!(to_reviewer.len(), 1, "the reviewer is told");
    assert!(
        to_reviewer[0]["subject"].as_str().unwrap().contains("提交了承诺履行报告"),
        "{}",
        to_reviewer[0]["subject"]
    );
    assert!(to_reviewer[0]["text"].as_str().unwrap().contains(&format!("{}/reports/{rid}", app.addr)));
    assert!(sink.to("filer@example.org").iter().all(|m| !m["subject"].as_str().unwrap().contains("submitted")));

    let r = decide(&reviewer, rid, "return", "请补充第一项的核验数据。", None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to_filer: Vec<Value> = {
        let start = Instant::now();
        loop {
            let got: Vec<Value> = sink
                .to("filer@example.org")
                .into_iter()
                .filter(|m| m["subject"].as_str().unwrap().contains("returned"))
                .collect();
            if !got.is_empty() || start.elapsed() > Duration::from_secs(20) {
                break got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    assert_eq!(to_filer.len(), 1, "the filer is told, once");
    let text = to_filer[0]["text"].as_str().unwrap();
    assert!(text.contains("请补充第一项的核验数据。"), "the reviewer's comment is in the mail: {text}");
    // The link in the mail opens the report for revision.
    let link = text.lines().find_map(|l| l.split_whitespace().find(|w| w.starts_with(&app.addr))).unwrap();
    let (status, page) = filer.get_html(&link.replace(&app.addr, "")).await;
    assert_eq!(status, StatusCode::OK, "{link}");
    assert!(page.contains("请补充第一项的核验数据。"), "the page shows the comment the mail quoted");
}

#[tokio::test]
async fn the_applicant_hears_of_a_declined_application_with_the_reason_and_a_verified_one() {
    use crate::pledges::{act, acted, applied, clients, pledge_id, CONVENTION};
    let app = spawn_app().await;
    let (filer, editor, _) = clients(&app).await;
    let p = pledge_id(&app, CONVENTION);
    let messages = |kind: &str| -> Vec<outbox::Message> {
        outbox::to_recipient(&mut app.conn(), "filer@example.org")
            .unwrap()
            .into_iter()
            .filter(|m| m.kind == kind)
            .collect()
    };

    let sig = applied(&filer, p).await;
    assert!(messages("signature_declined").is_empty());
    // A refused decision (no reason) writes nothing.
    assert_eq!(act(&editor, sig, "decline", "  ").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(messages("signature_declined").is_empty(), "no message for a change that was not made");
    acted(&editor, sig, "decline", "营业执照复印件不清晰，请补充后重新申请").await;
    let declined = messages("signature_declined");
    assert_eq!(declined.len(), 1);
    let words = selfreg::mail::render::render(
        &declined[0].kind,
        selfreg::i18n::Lang::Zh,
        &declined[0].params,
        "https://reg.example.org",
    )
    .unwrap();
    assert!(words.subject.contains("不予通过") && words.subject.contains(CONVENTION), "{}", words.subject);
    assert!(words.text.contains("营业执照复印件不清晰"), "the reason travels with the message: {}", words.text);
    assert!(words.text.contains(&format!("https://reg.example.org/pledges/{p}")));

    let again = applied(&filer, p).await;
    acted(&editor, again, "verify", "").await;
    assert_eq!(messages("signature_verified").len(), 1);
}

#[tokio::test]
async fn a_commenter_who_asked_hears_of_the_disposition_and_one_who_did_not_is_left_alone() {
    use crate::standards::{dispose, std_id};
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let page = format!("/standards/{sid}");
    let comment = |email: &'static str, notify: bool| {
        let mut form = vec![
            ("version_n", "2"),
            ("kind", "general"),
            ("body", "建议明确主播资质核验的频次。"),
            ("name", "某人"),
            ("organization", "某单位"),
            ("email", email),
        ];
        if notify {
            form.push(("notify", "on"));
        }
        form
    };
    let (_, html) = app.get_html(&page).await;
    assert!(html.contains("name=\"notify\"") && html.contains("处理后发邮件通知我"), "the form offers it");
    let asked = app.other_client();
    asked.get("/lang/en?next=/").await;
    let r = asked.post_from(&page, &format!("{page}/comments"), &comment("asked@example.net", true)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.post_from(&page, &format!("{page}/comments"), &comment("quiet@example.net", false)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let seq_of = |email: &str| -> i32 {
        use diesel::prelude::*;
        use selfreg::db::schema::comments;
        comments::table.filter(comments::email.eq(email)).select(comments::seq).first(&mut *app.conn()).unwrap()
    };
    let (asked_seq, quiet_seq) = (seq_of("asked@example.net"), seq_of("quiet@example.net"));

    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let r = dispose(&editor, sid, asked_seq, "partly_accepted", "频次改为每季度核验一次。").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = dispose(&editor, sid, quiet_seq, "noted", "").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let told = outbox::to_recipient(&mut app.conn(), "asked@example.net").unwrap();
    assert_eq!(told.len(), 1, "the commenter who asked is told once");
    assert_eq!(told[0].lang, "en", "in the language they commented in");
    let words =
        selfreg::mail::render::render(&told[0].kind, selfreg::i18n::Lang::En, &told[0].params, "https://r.example")
            .unwrap();
    assert!(
        words.subject.contains("Partly accepted") || words.subject.to_lowercase().contains("partly"),
        "{}",
        words.subject
    );
    assert!(words.text.contains("频次改为每季度核验一次。"), "the reason travels: {}", words.text);
    assert!(words.text.contains(&format!("https://r.example/standards/{sid}/comments/{asked_seq}")));
    assert!(outbox::to_recipient(&mut app.conn(), "quiet@example.net").unwrap().is_empty(), "no opt-in, no mail");
}
