//! Forgotten passwords (`/password/forgot`, `/password/reset/{token}`) and
//! invitations (`/admin/users/new`, `/invite/{token}`): the same answer for
//! every address, single-use links that expire and die with any password
//! change, the strength check, every session ended — and the mail, through
//! a real SMTP server, holding links that work.

use reqwest::StatusCode;
use selfreg::db::outbox;
use serde_json::Value;

use crate::helpers::*;
use crate::mail::{spawn_mailing, SmtpSink};

const NEW: &str = "晨光-核验-台账-2026";

/// The link of the latest message of `kind` to `email` in the outbox (as a path).
pub(crate) fn mailed_link(app: &TestApp, email: &str, kind: &str) -> String {
    let msgs = outbox::to_recipient(&mut app.conn(), email).unwrap();
    let m = msgs.iter().find(|m| m.kind == kind).unwrap_or_else(|| panic!("no {kind} message to {email}"));
    let params: Value = serde_json::from_str(&m.params).unwrap();
    params["link"].as_str().unwrap().to_owned()
}

/// The invited `email` follows their invitation's link and sets `password`.
pub(crate) async fn accept_invitation(app: &TestApp, email: &str, password: &str) {
    let link = mailed_link(app, email, "invitation");
    let c = app.other_client();
    let r = c.post_from(&link, &link, &[("password", password)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
}

fn messages(app: &TestApp, email: &str, kind: &str) -> usize {
    outbox::to_recipient(&mut app.conn(), email).unwrap().iter().filter(|m| m.kind == kind).count()
}

async fn ask_reset(c: &TestApp, email: &str) -> reqwest::Response {
    c.post_from("/password/forgot", "/password/forgot", &[("email", email)]).await
}

/// Wait (at most 20 s) for the message to `to` whose subject starts with
/// `subject` (the demo data's reminders may arrive too).
async fn delivered(sink: &SmtpSink, to: &str, subject: &str) -> Value {
    for _ in 0..200 {
        let got = sink.to(to);
        if let Some(m) = got.into_iter().find(|m| m["subject"].as_str().unwrap_or("").starts_with(subject)) {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no message {subject:?} to {to}: {:?}", sink.to(to));
}

/// The absolute link in a delivered message's plain text, as a path on `app`.
fn link_in(app: &TestApp, msg: &Value, prefix: &str) -> String {
    let text = msg["text"].as_str().unwrap();
    let start = format!("{}{prefix}", app.addr);
    let at = text.find(&start).unwrap_or_else(|| panic!("no {start} link in {text}"));
    let link: String = text[at..].chars().take_while(|c| !c.is_whitespace()).collect();
    assert!(msg["html"].as_str().unwrap().contains(&format!("href=\"{link}\"")), "the HTML part holds it too");
    link.replace(&app.addr, "")
}

#[tokio::test]
async fn a_reset_request_answers_the_same_for_known_and_unknown_addresses() {
    let app = spawn_app().await;
    let (status, login) = app.get_html("/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(login.contains("href=\"/password/forgot\"") && login.contains("忘记密码？"), "the login page links it");
    let (status, form) = app.get_html("/password/forgot").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("id=\"f-email\""));

    let mut answers = Vec::new();
    for email in ["filer@example.org", "nobody@example.org", "FILER@example.org "] {
        let c = app.other_client();
        let r = ask_reset(&c, email).await;
        let (status, to) = (r.status(), location(&r));
        let (_, page) = c.get_html(&to).await;
        answers.push((status, to, page.replace(&csrf_in(&page), "")));
    }
    assert_eq!(answers[0].0, StatusCode::SEE_OTHER);
    assert_eq!(answers[0].1, "/login");
    assert!(answers[0].2.contains("如果该电子邮箱属于本系统的某个账号"), "{}", answers[0].2);
    assert_eq!(answers[0], answers[1], "a known and an unknown address get the same answer");
    assert_eq!(answers[0], answers[2]);
    assert_eq!(messages(&app, "filer@example.org", "password_reset"), 2, "the known user got the link (twice)");
    assert_eq!(messages(&app, "nobody@example.org", "password_reset"), 0);
    assert_eq!(app.count("user_tokens"), 1, "the second request replaced the first link");

    // What is not an address at all is said so, for everyone alike.
    let r = ask_reset(&app, "not-an-address").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("电子邮箱格式不正确") && html.contains("error-summary"));
    assert_eq!(field_value(&html, "email").as_deref(), Some("not-an-address"));
}

#[tokio::test]
async fn reset_requests_are_limited_per_address_and_per_mailbox() {
    let app = spawn_app().await;
    for n in 0..5 {
        let r = ask_reset(&app, "filer@example.org").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "request {n}");
    }
    assert_eq!(messages(&app, "filer@example.org", "password_reset"), 3, "no more than three links to one mailbox");
    let r = ask_reset(&app, "someone-else@example.org").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let html = r.text().await.unwrap();
    assert!(html.contains("请求过多"), "{html}");
    assert_eq!(field_value(&html, "email").as_deref(), Some("someone-else@example.org"));
}

#[tokio::test]
async fn a_reset_link_from_the_mail_sets_a_new_password_once_and_ends_every_session() {
    let sink = SmtpSink::start();
    let app = spawn_mailing(&sink.url()).await;
    let elsewhere = app.signed_in_as("filer@example.org").await;
    let asker = app.other_client();
    assert_eq!(ask_reset(&asker, "filer@example.org").await.status(), StatusCode::SEE_OTHER);

    let mail = delivered(&sink, "filer@example.org", "重设密码").await;
    let link = link_in(&app, &mail, "/password/reset/");
    let token = link.rsplit('/').next().unwrap();
    assert_eq!(token.len(), 64, "256 random bits");
    assert_eq!(app.count(&format!("user_tokens WHERE token_hash = '{token}'")), 0, "the token is not stored as such");
    // Once sent, the outbox no longer holds the link either.
    let mut held = 1;
    for _ in 0..200 {
        held = app.count(&format!("outbox WHERE params LIKE '%{token}%'"));
        if held == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(held, 0, "the sent message's link is forgotten");
    assert_eq!(app.count("outbox WHERE kind = 'password_reset' AND state = 'sent'"), 1);

    let (status, page) = asker.get_html(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("filer@example.org") && page.contains("id=\"f-password\""), "{page}");

    // A weak password: 422 with the reason, never echoed, nothing changed.
    let weak = "password123";
    let r = asker.post_from(&link, &link, &[("password", weak)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("error-summary") && html.contains("常见"), "{html}");
    assert!(!html.contains(weak), "the password is not echoed back");
    assert_eq!(elsewhere.get("/todo").await.status(), StatusCode::OK, "nothing changed yet");

    let r = asker.post_from(&link, &link, &[("password", NEW)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login");
    let (_, login) = asker.get_html("/login").await;
    assert!(login.contains("新密码已设置，请用它登录"));
    assert_ne!(elsewhere.get("/todo").await.status(), StatusCode::OK, "every session of the user ended");
    assert_eq!(app.count("audit_log WHERE action = 'reset_by_mail'"), 1);

    let r = app.other_client().login_as("filer@example.org", DEMO_PASSWORD).await;
    assert_ne!(location(&r), "/todo", "the old password no longer signs in");
    let r = app.other_client().login_as("filer@example.org", NEW).await;
    assert_eq!(location(&r), "/todo", "the new one does");

    // Used: the link is refused in words, and cannot set a password again.
    let (status, page) = asker.get_html(&link).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("这个链接无效") && !page.contains("id=\"f-password\""));
    let r = asker.post_from("/password/forgot", &link, &[("password", "另一个-全新的-密码-2027")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app.other_client().login_as("filer@example.org", NEW).await;
    assert_eq!(location(&r), "/todo", "the password is still the one set");
}

#[tokio::test]
async fn an_expired_reset_link_is_refused_in_words() {
    let app = spawn_app().await;
    ask_reset(&app, "filer@example.org").await;
    let link = mailed_link(&app, "filer@example.org", "password_reset");
    let token = link.rsplit('/').next().unwrap().to_owned();
    let past = selfreg::db::now() - chrono::Duration::minutes(1);
    assert_eq!(selfreg::db::tokens::set_expiry(&mut app.conn(), &token, past).unwrap(), 1);

    let (status, page) = app.get_html(&link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("已失效") && page.contains("href=\"/password/forgot\""), "{page}");
    let r = app.post_from("/password/forgot", &link, &[("password", NEW)]).await;
    assert_eq!(r.status(), StatusCode::GONE);
    let r = app.other_client().login_as("filer@example.org", DEMO_PASSWORD).await;
    assert_eq!(location(&r), "/todo", "the password did not change");
}

#[tokio::test]
async fn a_reset_link_dies_when_the_password_changes_on_the_account_page() {
    let app = spawn_app().await;
    ask_reset(&app, "filer@example.org").await;
    let link = mailed_link(&app, "filer@example.org", "password_reset");
    assert_eq!(app.get(&link).await.status(), StatusCode::OK, "valid before");

    let me = app.signed_in_as("filer@example.org").await;
    let r = me.post_from("/account", "/account/password", &[("current", DEMO_PASSWORD), ("password_new", NEW)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (status, page) = app.get_html(&link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("密码在链接发出后已被修改"));
    let r = app.post_from("/password/forgot", &link, &[("password", "另一个-全新的-密码-2027")]).await;
    assert_eq!(r.status(), StatusCode::GONE);
    let r = app.other_client().login_as("filer@example.org", NEW).await;
    assert_eq!(location(&r), "/todo", "the account page's password stands");
}

/// As a signed-in admin: invite `email` as a filer of 示例平台03.
async fn invite(admin: &TestApp, email: &str) -> i64 {
    let org = org_named(admin, "示例平台03");
    let r = admin.create_user(&UserForm { display_name: "王小明", ..UserForm::new(email, org) }).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    user_id(admin, email)
}

#[tokio::test]
async fn an_invitation_mail_leads_to_a_password_and_a_sign_in() {
    let sink = SmtpSink::start();
    let app = spawn_mailing(&sink.url()).await;
    let admin = app.signed_in_as("admin@example.org").await;
    let (_, form) = admin.get_html("/admin/users/new").await;
    assert!(!form.contains("name=\"password\""), "the admin types nobody's password");
    let id = invite(&admin, "xiaoming@example.org").await;

    let (_, list) = admin.get_html("/admin/users").await;
    assert!(list.contains("已邀请，未设置密码"), "the list says who has not set a password");
    let (_, page) = admin.get_html(&format!("/admin/users/{id}")).await;
    assert!(page.contains(&format!("action=\"/admin/users/{id}/invite\"")));
    assert!(!page.contains(&format!("action=\"/admin/users/{id}/password\"")), "no password typed for them");
    for guess in ["", "!invited", DEMO_PASSWORD] {
        let r = app.other_client().login_as("xiaoming@example.org", guess).await;
        assert_ne!(r.status(), StatusCode::SEE_OTHER, "no password signs in before the invitation is used");
    }

    let mail = &delivered(&sink, "xiaoming@example.org", "").await;
    assert_eq!(sink.to("xiaoming@example.org").len(), 1);
    let subject = mail["subject"].as_str().unwrap();
    assert!(subject.contains("邀请您"), "{subject}");
    let text = mail["text"].as_str().unwrap();
    assert!(text.contains("示例平台03") && text.contains("填报员") && text.contains("7 天"), "{text}");
    let link = link_in(&app, mail, "/invite/");

    let guest = app.other_client();
    let (status, page) = guest.get_html(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("xiaoming@example.org") && page.contains("示例平台03"), "{page}");
    let r = guest.post_from(&link, &link, &[("password", "xiaoming")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("密码至少需要 10 个字符"));

    let r = guest.post_from(&link, &link, &[("password", NEW)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login");
    let r = guest.login_as("xiaoming@example.org", NEW).await;
    assert_eq!(location(&r), "/todo", "signed in with the password they chose");
    assert_eq!(app.count("audit_log WHERE action = 'accept_invitation'"), 1);
    assert_eq!(app.count("audit_log WHERE action = 'invite'"), 1);

    let (_, list) = admin.get_html("/admin/users").await;
    assert!(!list.contains("已邀请，未设置密码"));
    assert_eq!(app.other_client().get(&link).await.status(), StatusCode::NOT_FOUND, "used once");
    // Sending an invitation to someone with a password is refused.
    let r = admin.post_from(&format!("/admin/users/{id}"), &format!("/admin/users/{id}/invite"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("已经设置了密码"));
}

#[tokio::test]
async fn an_expired_invitation_is_refused_and_sending_it_again_kills_the_old_link() {
    let app = spawn_app().await;
    let admin = app.signed_in_as("admin@example.org").await;
    let id = invite(&admin, "late@example.org").await;
    let old = mailed_link(&app, "late@example.org", "invitation");
    let token = old.rsplit('/').next().unwrap().to_owned();
    let past = selfreg::db::now() - chrono::Duration::seconds(1);
    assert_eq!(selfreg::db::tokens::set_expiry(&mut app.conn(), &token, past).unwrap(), 1);
    let (status, page) = app.get_html(&old).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("已失效") && page.contains("管理员重新发送邀请"), "{page}");
    let r = app.post_from("/password/forgot", &old, &[("password", NEW)]).await;
    assert_eq!(r.status(), StatusCode::GONE);

    let page = format!("/admin/users/{id}");
    let r = admin.post_from(&page, &format!("{page}/invite"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let new = mailed_link(&app, "late@example.org", "invitation");
    assert_ne!(new, old);
    assert_eq!(app.get(&old).await.status(), StatusCode::NOT_FOUND, "the old link died");
    let (status, html) = app.get_html(&new).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("late@example.org"));
    assert_eq!(app.count("audit_log WHERE action = 'invite'"), 2);
}

#[tokio::test]
async fn links_that_were_never_made_are_404_pages_in_words() {
    let app = spawn_app().await;
    for path in ["/password/reset/abc", &format!("/password/reset/{}", "0".repeat(64)), "/invite/zz"] {
        let (status, page) = app.get_html(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.contains("这个链接无效"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_link_used_twice_at_once_sets_one_password() {
    let app = spawn_app().await;
    // Three rounds: three links to one mailbox within the window.
    for round in 0..3 {
        ask_reset(&app.other_client(), "filer@example.org").await;
        let link = mailed_link(&app, "filer@example.org", "password_reset");
        let mut posts = Vec::new();
        for n in 0..2 {
            let c = app.other_client();
            posts.push(c.prepare(&link, &link, &[("password", &format!("晨光-核验-台账-{round}-{n}"))]).await);
        }
        let answers = at_once(posts).await;
        let statuses: Vec<StatusCode> = answers.iter().map(|(s, _)| *s).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::SEE_OTHER).count(), 1, "round {round}: {statuses:?}");
        assert!(statuses.iter().all(|s| *s == StatusCode::SEE_OTHER || *s == StatusCode::NOT_FOUND), "{statuses:?}");
    }
    assert_eq!(app.count("audit_log WHERE action = 'reset_by_mail'"), 3);
}

#[tokio::test]
async fn a_reset_link_dies_when_an_admin_resets_the_password() {
    let app = spawn_app().await;
    ask_reset(&app, "filer@example.org").await;
    let link = mailed_link(&app, "filer@example.org", "password_reset");
    let admin = app.signed_in_as("admin@example.org").await;
    let r = admin.reset_password(user_id(&app, "filer@example.org"), NEW).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&link).await.status(), StatusCode::GONE);
    let r = app.post_from("/password/forgot", &link, &[("password", "另一个-全新的-密码-2027")]).await;
    assert_eq!(r.status(), StatusCode::GONE);
    let r = app.other_client().login_as("filer@example.org", NEW).await;
    assert_eq!(location(&r), "/todo", "the admin's password stands");
}
