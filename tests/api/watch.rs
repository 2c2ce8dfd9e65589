//! Following standards and pledges: signed-in users watch them, the public
//! subscribes by e-mail with double opt-in, and every message to a follower
//! carries a one-click unsubscribe (RFC 8058) that works without a form token.

use diesel::prelude::*;
use reqwest::StatusCode;
use selfreg::db::outbox;
use serde_json::Value;

use crate::helpers::*;
use crate::mail::{spawn_mailing, SmtpSink};
use crate::standards::{act, propose, today, upload};

const TEXT: &str = "## 1 范围\n本文件规定了直播间要求。\n## 2 主播\n主播应持证上岗。\n";

/// A new group standard in drafting with one version, ready to open public comment.
async fn drafted(editor: &TestApp, reviewer: &TestApp, title: &str) -> i64 {
    let sid = propose(editor, title, "group").await;
    assert_eq!(act(reviewer, sid, "approve", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(act(editor, sid, "start_drafting", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(upload(editor, sid, TEXT, vec![]).await.status(), StatusCode::SEE_OTHER);
    sid
}

async fn open_comment(editor: &TestApp, sid: i64) {
    let (start, end) = (today().to_string(), (today() + chrono::Duration::days(4)).to_string());
    let r = act(editor, sid, "open_comment", &[("starts_on", &start), ("ends_on", &end)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

fn kinds_to(app: &TestApp, email: &str) -> Vec<String> {
    let mut k: Vec<String> =
        outbox::to_recipient(&mut app.conn(), email).unwrap().into_iter().map(|m| m.kind).collect();
    k.sort();
    k
}

fn watch_rows(app: &TestApp, email: &str) -> Vec<selfreg::db::watches::Watch> {
    use selfreg::db::schema::watches;
    watches::table
        .filter(watches::email.eq(email))
        .select(selfreg::db::watches::Watch::as_select())
        .load(&mut *app.conn())
        .unwrap()
}

/// The first absolute link of the registry in a mail's plain text that contains `part`.
fn link_in(app: &TestApp, m: &Value, part: &str) -> String {
    let text = m["text"].as_str().unwrap();
    text.split_whitespace().find(|w| w.starts_with(&app.addr) && w.contains(part)).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_watcher_hears_that_public_comment_opened_and_one_click_unsubscribes_without_a_form_token() {
    let sink = SmtpSink::start();
    let app = spawn_mailing(&sink.url()).await;
    let editor = app.signed_in_as("editor@example.org").await;
    let reviewer = app.signed_in_as("reviewer@example.org").await;
    let sid = drafted(&editor, &reviewer, "关注测试规范").await;
    let page = format!("/standards/{sid}");

    // The reviewer watches it from its page (a POST with the form token).
    let (_, html) = reviewer.get_html(&page).await;
    assert!(html.contains(&format!("action=\"{page}/watch\"")), "a watch button on the page");
    assert_eq!(reviewer.post_raw(&format!("{page}/watch"), &[]).await.status(), StatusCode::FORBIDDEN, "CSRF");
    let r = reviewer.post_from(&page, &format!("{page}/watch"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = reviewer.get_html(&page).await;
    assert!(html.contains(&format!("action=\"{page}/unwatch\"")), "the button now stops watching");
    let (_, account) = reviewer.get_html("/account").await;
    assert!(account.contains("关注测试规范") && account.contains(&format!("href=\"{page}\"")), "listed on /account");
    // Watching writes no mail by itself.
    assert!(kinds_to(&app, "reviewer@example.org").is_empty());

    open_comment(&editor, sid).await;
    let got = sink.wait_to("reviewer@example.org", 1).await;
    let opened: Vec<&Value> =
        got.iter().filter(|m| m["subject"].as_str().unwrap().contains("开始公开征求意见")).collect();
    assert_eq!(opened.len(), 1, "the watcher is told once: {got:?}");
    let m = opened[0];
    assert!(m["subject"].as_str().unwrap().contains("关注测试规范"), "{}", m["subject"]);
    let headers = &m["headers"];
    let list = headers["List-Unsubscribe"].as_str().expect("a List-Unsubscribe header");
    let prefix = format!("<{}/unsubscribe/", app.addr);
    assert!(list.starts_with(&prefix) && list.ends_with('>'), "{list}");
    assert_eq!(headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
    let url = list.trim_start_matches('<').trim_end_matches('>').to_owned();
    assert!(m["text"].as_str().unwrap().contains(&url), "the body has the unsubscribe link too");
    assert!(m["html"].as_str().unwrap().contains(&format!("href=\"{url}\"")));
    let standard_link = link_in(&app, m, &format!("/standards/{sid}"));
    assert!(!standard_link.is_empty(), "the mail links to the standard");

    // A GET of the link changes nothing and shows a button.
    let path = url.replace(&app.addr, "");
    let stranger = app.other_client();
    let (status, html) = stranger.get_html(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("action=\"{path}\"")) && html.contains("退订"));
    assert_eq!(app.count("watches"), 1);

    // The mail client's one-click POST: no cookie, no form token, from elsewhere.
    let r = reqwest::Client::new()
        .post(&url)
        .header("origin", "https://mail.example.com")
        .header("sec-fetch-site", "cross-site")
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("已退订"));
    assert_eq!(app.count("watches"), 0);
    let (_, html) = reviewer.get_html(&page).await;
    assert!(html.contains(&format!("action=\"{page}/watch\"")), "no longer watching");
    // Further news of the standard reaches nobody.
    let written = selfreg::db::write(&mut app.conn(), |c| {
        selfreg::db::watches::tell_followers(
            c,
            selfreg::domain::watch::Followed::Standard,
            sid,
            "comment_period_opened",
            &serde_json::json!({"title_zh": "x", "title_en": "x", "link": page}),
            "again",
        )
    })
    .unwrap();
    assert_eq!(written, 0, "unsubscribed: no further mail");
    // Other forms still need their token.
    let r = reqwest::Client::new()
        .post(app.url(&format!("{page}/subscribe")))
        .form(&[("follow_email", "x@example.net")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "only the unsubscribe address is exempt");
}

#[tokio::test]
async fn a_public_subscription_sends_nothing_but_the_confirmation_until_confirmed() {
    let sink = SmtpSink::start();
    let app = spawn_mailing(&sink.url()).await;
    let editor = app.signed_in_as("editor@example.org").await;
    let reviewer = app.signed_in_as("reviewer@example.org").await;
    let first = drafted(&editor, &reviewer, "订阅测试规范甲").await;
    let second = drafted(&editor, &reviewer, "订阅测试规范乙").await;
    let public = app.other_client();
    public.get("/lang/en?next=/").await;
    let page = |sid: i64| format!("/standards/{sid}");
    let subscribe = |sid: i64, email: &'static str| {
        let public = &public;
        async move { public.post_from(&page(sid), &format!("/standards/{sid}/subscribe"), &[("follow_email", email)]).await }
    };

    // An address that is not one: the form again, 422, with the typed value and the summary.
    let (_, html) = public.get_html(&page(first)).await;
    assert!(html.contains("name=\"follow_email\"") && html.contains("Follow by e-mail"), "the form is on the page");
    let r = subscribe(first, "not-an-address").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("error-summary") && html.contains("value=\"not-an-address\""), "{html}");

    let r = subscribe(first, "fan@example.net").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let answer = location(&r);
    let r = subscribe(second, "fan@example.net").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let got = sink.wait_to("fan@example.net", 2).await;
    assert_eq!(got.len(), 2, "one confirmation per subscription");
    assert!(got.iter().all(|m| m["subject"].as_str().unwrap().starts_with("Please confirm")), "{got:?}");
    assert!(got.iter().all(|m| m["headers"].get("List-Unsubscribe").is_none()));

    // Comment opens on the first before confirmation: nothing is sent.
    open_comment(&editor, first).await;
    assert_eq!(kinds_to(&app, "fan@example.net"), vec!["subscription_confirm", "subscription_confirm"]);

    // The second's link: a GET (a mail scanner) changes nothing.
    let rows = watch_rows(&app, "fan@example.net");
    let token = rows.iter().find(|w| w.object_id == second).unwrap().token.clone();
    let m = got.iter().find(|m| m["text"].as_str().unwrap().contains(&token)).expect("the second's confirmation");
    let link = link_in(&app, m, "/subscriptions/");
    assert_eq!(link, format!("{}/subscriptions/{token}", app.addr));
    let path = link.replace(&app.addr, "");
    let (status, html) = public.get_html(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("action=\"{path}\"")), "a confirm button");
    assert!(watch_rows(&app, "fan@example.net").iter().all(|w| w.confirmed_at.is_none()), "GET confirmed nothing");
    let r = public.post_from(&path, &path, &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Confirmed"));
    // Confirmed: asking again answers the same and writes nothing.
    let r = subscribe(second, "fan@example.net").await;
    assert_eq!(location(&r), answer.replace(&page(first), &page(second)), "the same answer");
    assert_eq!(kinds_to(&app, "fan@example.net").len(), 2);

    open_comment(&editor, second).await;
    let got = sink.wait_to("fan@example.net", 3).await;
    assert_eq!(got.len(), 3);
    let news = &got[2];
    assert!(news["subject"].as_str().unwrap().contains("Public comment opened"), "in English: {}", news["subject"]);
    assert!(news["headers"]["List-Unsubscribe"].as_str().unwrap().contains(&format!("/unsubscribe/{token}")));
    // Nothing about the first, still unconfirmed.
    assert_eq!(kinds_to(&app, "fan@example.net").iter().filter(|k| *k == "comment_period_opened").count(), 1);
}

#[tokio::test]
async fn subscribing_is_throttled_per_address_with_the_same_answer() {
    let app = spawn_app().await;
    let pledge: i64 = {
        use selfreg::db::schema::pledges;
        pledges::table.filter(pledges::state.eq("open")).select(pledges::id).first(&mut *app.conn()).unwrap()
    };
    let page = format!("/pledges/{pledge}");
    let mut answers = Vec::new();
    for _ in 0..5 {
        let r = app.post_from(&page, &format!("{page}/subscribe"), &[("follow_email", "Many@Example.net")]).await;
        answers.push((r.status(), location(&r)));
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, StatusCode::SEE_OTHER);
    assert_eq!(
        kinds_to(&app, "many@example.net").len() as i64,
        selfreg::db::watches::CONFIRMATIONS_PER_HOUR,
        "at most three confirmations an hour, however often asked"
    );
    assert_eq!(watch_rows(&app, "many@example.net").len(), 1, "one pending subscription");
}

#[tokio::test]
async fn bad_and_used_links_give_a_clear_page() {
    let app = spawn_app().await;
    for path in ["/unsubscribe/nope", "/subscriptions/nope", &format!("/unsubscribe/{}", "ab".repeat(32))] {
        let (status, html) = app.get_html(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("链接无效"), "{path}: {html}");
    }
    // A subscription's links, used up.
    let pledge: i64 = {
        use selfreg::db::schema::pledges;
        pledges::table.filter(pledges::state.eq("open")).select(pledges::id).first(&mut *app.conn()).unwrap()
    };
    let page = format!("/pledges/{pledge}");
    let (_, html) = app.get_html(&page).await;
    assert!(html.contains(&format!("action=\"{page}/subscribe\"")), "the pledge's page has the form");
    let r = app.post_from(&page, &format!("{page}/subscribe"), &[("follow_email", "once@example.net")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let token = watch_rows(&app, "once@example.net")[0].token.clone();
    let confirm = format!("/subscriptions/{token}");
    assert_eq!(app.post_from(&confirm, &confirm, &[]).await.status(), StatusCode::OK);
    let r = app.post_from(&page, &confirm, &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("此前已经确认"), "a used confirmation link says so");
    let unsubscribe = format!("/unsubscribe/{token}");
    assert_eq!(app.post_raw(&unsubscribe, &[]).await.status(), StatusCode::OK);
    let r = app.post_raw(&unsubscribe, &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("可能已经退订"));
    let (status, _) = app.get_html(&confirm).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the confirmation link ends with the subscription");
}

#[tokio::test]
async fn a_draft_cannot_be_followed_by_those_who_cannot_see_it() {
    let app = spawn_app().await;
    let editor = app.signed_in_as("editor@example.org").await;
    let sid = propose(&editor, "未公开的提案", "group").await;
    let filer = app.signed_in_as("filer@example.org").await;
    let path = format!("/standards/{sid}/watch");
    let r = filer.post_from("/", &path, &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let pledge: i64 = {
        use selfreg::db::schema::pledges;
        pledges::table.filter(pledges::state.eq("open")).select(pledges::id).first(&mut *app.conn()).unwrap()
    };
    let form_page = format!("/pledges/{pledge}");
    let r =
        app.post_from(&form_page, &format!("/standards/{sid}/subscribe"), &[("follow_email", "a@example.net")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("watches"), 0);
    assert_eq!(app.count("outbox WHERE kind = 'subscription_confirm'"), 0);
}

#[tokio::test]
async fn a_pledge_watcher_hears_once_that_a_reporting_period_opened() {
    use selfreg::db::schema::{pledges, reporting_periods};
    let app = spawn_app().await;
    let pledge: i64 =
        pledges::table.filter(pledges::state.eq("open")).select(pledges::id).first(&mut *app.conn()).unwrap();
    let page = format!("/pledges/{pledge}");
    // The reviewer signs in reading English: their mail comes in English.
    let reviewer = app.other_client();
    reviewer.get("/lang/en?next=/").await;
    reviewer.login("reviewer@example.org").await;
    let (_, html) = reviewer.get_html(&page).await;
    assert!(html.contains(&format!("action=\"{page}/watch\"")), "a watch button on the pledge's page");
    assert_eq!(reviewer.post_from(&page, &format!("{page}/watch"), &[]).await.status(), StatusCode::SEE_OTHER);
    // Someone who never confirmed hears nothing.
    let r = app.post_from(&page, &format!("{page}/subscribe"), &[("follow_email", "pending@example.net")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let today = selfreg::i18n::beijing_today();
    diesel::insert_into(reporting_periods::table)
        .values((
            reporting_periods::pledge_id.eq(pledge),
            reporting_periods::label_zh.eq("关注测试期"),
            reporting_periods::label_en.eq("Watch test period"),
            reporting_periods::covers_from.eq(today - chrono::Duration::days(90)),
            reporting_periods::covers_to.eq(today - chrono::Duration::days(1)),
            reporting_periods::opens_on.eq(today),
            reporting_periods::due_on.eq(today + chrono::Duration::days(30)),
            reporting_periods::created_at.eq(selfreg::db::now()),
            reporting_periods::version.eq(1),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    selfreg::mail::sender::write_reminders(&app.pool).unwrap();
    selfreg::mail::sender::write_reminders(&app.pool).unwrap();
    let told: Vec<outbox::Message> = outbox::to_recipient(&mut app.conn(), "reviewer@example.org")
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "period_opened")
        .collect();
    assert_eq!(told.len(), 1, "once, however often the job runs");
    assert_eq!(told[0].lang, "en");
    let words =
        selfreg::mail::render::render(&told[0].kind, selfreg::i18n::Lang::En, &told[0].params, "https://r.example")
            .unwrap();
    assert!(words.subject.contains("Watch test period"), "{}", words.subject);
    assert!(words.text.contains(&format!("https://r.example{page}")), "{}", words.text);
    assert!(words.unsubscribe.as_deref().is_some_and(|u| u.starts_with("https://r.example/unsubscribe/")));
    assert_eq!(kinds_to(&app, "pending@example.net"), vec!["subscription_confirm"]);

    // Stop watching from the page: the next period tells them nothing.
    assert_eq!(reviewer.post_from(&page, &format!("{page}/unwatch"), &[]).await.status(), StatusCode::SEE_OTHER);
    let (_, account) = reviewer.get_html("/account").await;
    assert!(!account.contains(&format!("href=\"{page}\"")), "no longer on /account");
}

#[tokio::test]
async fn an_unconfirmed_subscription_lapses_after_seven_days_and_can_be_asked_for_again() {
    let app = spawn_app().await;
    let pledge: i64 = {
        use selfreg::db::schema::pledges;
        pledges::table.filter(pledges::state.eq("open")).select(pledges::id).first(&mut *app.conn()).unwrap()
    };
    let page = format!("/pledges/{pledge}");
    let action = format!("{page}/subscribe");
    let subscribe = || app.post_from(&page, &action, &[("follow_email", "late@example.net")]);
    assert_eq!(subscribe().await.status(), StatusCode::SEE_OTHER);
    let old = watch_rows(&app, "late@example.net")[0].token.clone();
    // Eight days pass without a confirmation.
    {
        use selfreg::db::schema::watches;
        let then = selfreg::db::now() - chrono::Duration::days(selfreg::db::watches::CONFIRM_DAYS + 1);
        diesel::update(watches::table.filter(watches::token.eq(&old)))
            .set(watches::created_at.eq(then))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let link = format!("/subscriptions/{old}");
    let (status, html) = app.get_html(&link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("确认链接已过期") && html.contains(&format!("href=\"{page}\"")), "{html}");
    assert!(!html.contains(&format!("action=\"{link}\"")), "no confirm button on an expired link");
    let r = app.post_from(&page, &link, &[]).await;
    assert_eq!(r.status(), StatusCode::GONE, "a late confirmation confirms nothing");
    assert!(watch_rows(&app, "late@example.net").is_empty(), "the lapsed request is forgotten");

    // Asking again sends a new link, which works.
    assert_eq!(subscribe().await.status(), StatusCode::SEE_OTHER);
    let rows = watch_rows(&app, "late@example.net");
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].token, old);
    let fresh = format!("/subscriptions/{}", rows[0].token);
    assert_eq!(app.post_from(&fresh, &fresh, &[]).await.status(), StatusCode::OK);
    assert!(watch_rows(&app, "late@example.net")[0].confirmed_at.is_some());
    assert_eq!(kinds_to(&app, "late@example.net"), vec!["subscription_confirm", "subscription_confirm"]);

    // A lapsed request of someone else is forgotten when anyone subscribes.
    assert_eq!(
        app.post_from(&page, &format!("{page}/subscribe"), &[("follow_email", "idle@example.net")]).await.status(),
        StatusCode::SEE_OTHER
    );
    {
        use selfreg::db::schema::watches;
        let then = selfreg::db::now() - chrono::Duration::days(selfreg::db::watches::CONFIRM_DAYS + 1);
        diesel::update(watches::table.filter(watches::email.eq("idle@example.net")))
            .set(watches::created_at.eq(then))
            .execute(&mut *app.conn())
            .unwrap();
    }
    assert_eq!(
        app.post_from(&page, &format!("{page}/subscribe"), &[("follow_email", "other@example.net")]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(watch_rows(&app, "idle@example.net").is_empty());
}

#[tokio::test]
async fn the_background_thread_forgets_lapsed_subscriptions_and_old_throttle_counts() {
    let app = spawn_app().await;
    let pledge: i64 = {
        use selfreg::db::schema::pledges;
        pledges::table.filter(pledges::state.eq("open")).select(pledges::id).first(&mut *app.conn()).unwrap()
    };
    let long_ago = selfreg::db::now() - chrono::Duration::days(30);
    {
        use selfreg::db::schema::{throttle_events as t, watches as w};
        let mut c = app.conn();
        for (email, token, confirmed) in
            [("lapsed@example.net", "a".repeat(64), None), ("kept@example.net", "b".repeat(64), Some(long_ago))]
        {
            diesel::insert_into(w::table)
                .values((
                    w::object_type.eq("pledge"),
                    w::object_id.eq(pledge),
                    w::email.eq(Some(email)),
                    w::lang.eq("zh"),
                    w::token.eq(token),
                    w::confirmed_at.eq(confirmed),
                    w::created_at.eq(long_ago),
                ))
                .execute(&mut *c)
                .unwrap();
        }
        for (scope, at) in [("api:10.9.9.9", long_ago), ("api:10.9.9.8", selfreg::db::now())] {
            diesel::insert_into(t::table).values((t::scope.eq(scope), t::at.eq(at))).execute(&mut *c).unwrap();
        }
    }
    let scope_rows = |scope: &str| app.count(&format!("throttle_events WHERE scope = '{scope}'"));
    // Another instance starts: its mail thread tidies up at once (and every ten minutes after).
    let _second = spawn_with(options(app.target.clone()), None).await;
    let start = std::time::Instant::now();
    while (!watch_rows(&app, "lapsed@example.net").is_empty() || scope_rows("api:10.9.9.9") > 0)
        && start.elapsed() < std::time::Duration::from_secs(15)
    {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(watch_rows(&app, "lapsed@example.net").is_empty(), "a request whose link expired is forgotten");
    assert_eq!(scope_rows("api:10.9.9.9"), 0, "counts older than a day are forgotten");
    assert_eq!(watch_rows(&app, "kept@example.net").len(), 1, "a confirmed subscription stays, however old");
    assert_eq!(scope_rows("api:10.9.9.8"), 1, "today's counts stay");
}
