//! Races (issue 11): conflicting requests, each from its own task, started
//! together behind a barrier, many rounds; the invariant is checked after
//! every round. Every step locks the standard's row first, so on PostgreSQL
//! (READ COMMITTED) as on SQLite these interleavings are serialized.

use std::sync::Arc;

use chrono::Duration;
use reqwest::{RequestBuilder, StatusCode};
use tokio::sync::Barrier;

use super::*;
use crate::helpers::*;

const ROUNDS: usize = 20;

const TEXT: &str = "## 1 范围\n\n本文件规定了直播间要求。\n\n## 2 要求\n\n主播应持证上岗。\n";

/// What came back: the status, the redirect target (if any) and the page.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    location: String,
    body: String,
}

/// Send every request at the same moment (each from its own task, released
/// together by a barrier) and collect the answers in order.
async fn together(requests: Vec<RequestBuilder>) -> Vec<Answer> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let r = request.send().await.unwrap();
                let status = r.status();
                let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
                Answer { status, location, body: r.text().await.unwrap() }
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    answers
}

async fn signed_in(app: &TestApp, email: &str) -> TestApp {
    let c = app.other_client();
    c.login(email).await;
    c
}

/// A new group standard in public comment: one version, comments taken from
/// today for five days.
async fn in_public_comment(editor: &TestApp, reviewer: &TestApp, title: &str) -> i64 {
    let sid = propose(editor, title, "group").await;
    assert_eq!(act(reviewer, sid, "approve", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(act(editor, sid, "start_drafting", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(upload(editor, sid, TEXT, vec![]).await.status(), StatusCode::SEE_OTHER);
    let (start, end) = (today().to_string(), (today() + Duration::days(4)).to_string());
    let r = act(editor, sid, "open_comment", &[("starts_on", &start), ("ends_on", &end)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    sid
}

/// A visitor's comment, ready to send: its own session and the form's token.
async fn comment_request(app: &TestApp, sid: i64, body: &str) -> RequestBuilder {
    let visitor = app.other_client();
    let (_, mut html) = visitor.get_html(&format!("/standards/{sid}")).await;
    if !html.contains("csrf_token") {
        // No comment form once the period is over: a late visitor's token from another form.
        html = visitor.get_html("/login").await.1;
    }
    let form = [
        ("version_n", "1".to_owned()),
        ("clause_ref", "2".to_owned()),
        ("kind", "technical".to_owned()),
        ("body", body.to_owned()),
        ("name", "某人".to_owned()),
        ("organization", "某单位".to_owned()),
        ("email", "someone@example.net".to_owned()),
        ("csrf_token", csrf_in(&html)),
    ];
    visitor.client.post(visitor.url(&format!("/standards/{sid}/comments"))).form(&form)
}

/// A lifecycle action, ready to send, from the standard's page as it is now.
async fn action_request(app: &TestApp, sid: i64, action: &str, note: &str) -> RequestBuilder {
    let (_, html) = app.get_html(&format!("/standards/{sid}")).await;
    let form = [
        ("version", field_value(&html, "version").expect("the page offers actions")),
        ("note", note.to_owned()),
        ("csrf_token", csrf_in(&html)),
    ];
    app.client.post(app.url(&format!("/standards/{sid}/actions/{action}"))).form(&form)
}

/// The comments of a standard: (number, disposed).
fn comments_of(app: &TestApp, sid: i64) -> Vec<(i32, bool)> {
    use diesel::prelude::*;
    use selfreg::db::schema::comments::dsl::*;
    let rows: Vec<(i32, Option<String>)> =
        comments.filter(standard_id.eq(sid)).order(seq).select((seq, disposition)).load(&mut *app.conn()).unwrap();
    rows.into_iter().map(|(n, d)| (n, d.is_some())).collect()
}

/// Comments are limited per address and hour; every visitor here comes from
/// the same address.
fn forget_comment_limits(app: &TestApp) {
    use diesel::prelude::*;
    use selfreg::db::schema::throttle_events::dsl::*;
    diesel::delete(throttle_events.filter(scope.like("comment:%"))).execute(&mut *app.conn()).unwrap();
}

/// Each comment was accepted (303 to its own page, and it exists) or refused
/// with the reason (409, the period is over) — never a server error. Returns
/// the numbers of those accepted.
fn accepted_comments(app: &TestApp, sid: i64, answers: &[Answer]) -> Vec<i32> {
    let stored: Vec<i32> = comments_of(app, sid).into_iter().map(|(n, _)| n).collect();
    let mut accepted = Vec::new();
    for a in answers {
        match a.status {
            StatusCode::SEE_OTHER => {
                let prefix = format!("/standards/{sid}/comments/");
                let n: i32 = a.location.strip_prefix(&prefix).expect("to the comment's page").parse().unwrap();
                assert!(stored.contains(&n), "comment {n} was accepted and is kept");
                accepted.push(n);
            }
            StatusCode::CONFLICT => {
                assert!(a.body.contains("现不接受意见"), "a refused comment is told why");
            }
            other => panic!("a comment answered {other}"),
        }
    }
    assert_eq!(stored.len(), accepted.len(), "nothing stored that was not answered as accepted");
    accepted
}

/// A standard that has left public comment has every comment disposed.
fn never_left_with_undisposed(app: &TestApp, sid: i64) {
    if state_of(app, sid) != "public_comment" {
        let open: Vec<i32> = comments_of(app, sid).into_iter().filter(|(_, d)| !d).map(|(n, _)| n).collect();
        assert!(open.is_empty(), "left public comment ({}) with comments {open:?} undisposed", state_of(app, sid));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_comment_arriving_while_the_editor_ends_the_period_is_kept_or_refused_clearly() {
    let app = spawn_app().await;
    let editor = signed_in(&app, "editor@example.org").await;
    let reviewer = signed_in(&app, "reviewer@example.org").await;
    for round in 0..ROUNDS {
        forget_comment_limits(&app);
        let sid = in_public_comment(&editor, &reviewer, &format!("结束征求意见竞态{round}")).await;
        let requests = vec![
            comment_request(&app, sid, "甲的意见").await,
            action_request(&editor, sid, "close_comment", "").await,
            comment_request(&app, sid, "乙的意见").await,
        ];
        let [first, close, second] = <[Answer; 3]>::try_from(together(requests).await).unwrap();
        assert_eq!(close.status, StatusCode::SEE_OTHER, "the period ends");
        let accepted = accepted_comments(&app, sid, &[first, second]);
        // After the end nothing more is taken.
        forget_comment_limits(&app);
        let late = together(vec![comment_request(&app, sid, "迟到的意见").await]).await;
        assert_eq!(late[0].status, StatusCode::CONFLICT);
        assert!(late[0].body.contains("结束，现不接受意见"), "the comment is told the period ended");
        assert_eq!(comments_of(&app, sid).len(), accepted.len(), "round {round}");
        assert_eq!(state_of(&app, sid), "public_comment");
    }
}

/// Leaving public comment (back to drafting, or on to technical review)
/// while comments arrive: a comment that got in first blocks the move until
/// it is disposed; one that comes after is refused; none is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_standard_never_leaves_public_comment_with_an_undisposed_comment() {
    let app = spawn_app().await;
    let editor = signed_in(&app, "editor@example.org").await;
    let reviewer = signed_in(&app, "reviewer@example.org").await;
    for round in 0..ROUNDS {
        forget_comment_limits(&app);
        let sid = in_public_comment(&editor, &reviewer, &format!("离开征求意见竞态{round}")).await;
        let answers = together(vec![
            comment_request(&app, sid, "甲的意见").await,
            action_request(&editor, sid, "return_to_drafting", "退回修改").await,
            comment_request(&app, sid, "乙的意见").await,
        ])
        .await;
        let [first, back, second] = <[Answer; 3]>::try_from(answers).unwrap();
        let accepted = accepted_comments(&app, sid, &[first, second]);
        match back.status {
            StatusCode::SEE_OTHER => assert_eq!(state_of(&app, sid), "drafting"),
            StatusCode::CONFLICT => {
                assert!(!accepted.is_empty(), "refused only because of a comment");
                assert!(back.body.contains("还有意见尚未处理"), "the editor is told which comments");
            }
            other => panic!("returning to drafting answered {other}"),
        }
        never_left_with_undisposed(&app, sid);
        if state_of(&app, sid) == "drafting" {
            continue;
        }
        // Still in public comment: end the period, then submit while a late comment arrives.
        assert_eq!(act(&editor, sid, "close_comment", &[]).await.status(), StatusCode::SEE_OTHER);
        forget_comment_limits(&app);
        let answers = together(vec![
            comment_request(&app, sid, "迟到的意见").await,
            action_request(&editor, sid, "submit_for_review", "").await,
        ])
        .await;
        assert_eq!(answers[0].status, StatusCode::CONFLICT, "the period has ended");
        assert_eq!(answers[1].status, StatusCode::CONFLICT, "comments {accepted:?} are not disposed yet");
        assert!(answers[1].body.contains("还有意见尚未处理"));
        never_left_with_undisposed(&app, sid);
        for n in &accepted {
            assert_eq!(dispose(&editor, sid, *n, "noted", "").await.status(), StatusCode::SEE_OTHER);
        }
        assert_eq!(act(&editor, sid, "submit_for_review", &[]).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(state_of(&app, sid), "technical_review");
        never_left_with_undisposed(&app, sid);
    }
}

/// How many positions this reviewer has in the standard's current round.
fn positions_of(app: &TestApp, sid: i64, email: &str) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::{review_positions, standards, users};
    let mut conn = app.conn();
    let reviewer: i64 = users::table.filter(users::email.eq(email)).select(users::id).first(&mut *conn).unwrap();
    let round: i32 = standards::table.find(sid).select(standards::review_round).first(&mut *conn).unwrap();
    review_positions::table
        .filter(review_positions::standard_id.eq(sid))
        .filter(review_positions::round.eq(round))
        .filter(review_positions::reviewer_id.eq(reviewer))
        .count()
        .get_result(&mut *conn)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_double_click_on_casting_a_position_records_one_position() {
    let app = spawn_app().await;
    let sid = std_id(&app, "直播电商售后服务规范");
    assert_eq!(state_of(&app, sid), "technical_review");
    let reviewer = signed_in(&app, "reviewer@example.org").await;
    for round in 0..ROUNDS {
        let (_, html) = reviewer.get_html(&format!("/standards/{sid}")).await;
        let token = csrf_in(&html);
        let (position, opinion) =
            if round % 2 == 0 { ("approve", "") } else { ("disapprove", "须补充售后时限") };
        let form = [("position", position), ("opinion", opinion), ("csrf_token", token.as_str())];
        let path = reviewer.url(&format!("/standards/{sid}/positions"));
        let click = || reviewer.client.post(&path).form(&form);
        let answers = together(vec![click(), click()]).await;
        for a in &answers {
            assert_eq!(a.status, StatusCode::SEE_OTHER, "round {round}: both clicks answered, no error");
        }
        assert_eq!(positions_of(&app, sid, "reviewer@example.org"), 1, "round {round}: one position");
    }
}

/// Add a public comment behind the application's back (each from its own
/// address, so the hourly limit does not count them together).
fn add_comment(app: &TestApp, sid: i64, n: usize) -> i32 {
    use selfreg::db::standards::{self as sdb, NewComment};
    use selfreg::domain::standard::CommentKind;
    let c = NewComment {
        version_n: 2,
        clause_ref: String::new(),
        kind: CommentKind::General,
        body: format!("竞态意见{n}"),
        proposed_change: String::new(),
        name: "某人".into(),
        organization: "某单位".into(),
        email: "someone@example.net".into(),
        notify_lang: None,
    };
    let mut conn = app.conn();
    selfreg::db::write(&mut conn, |c2| sdb::add_comment(c2, None, sid, &c, &format!("race-{n}"), today())).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_editors_disposing_one_comment_at_once_one_wins_the_other_hears_why() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let a = signed_in(&app, "editor@example.org").await;
    let b = signed_in(&app, "editor@example.org").await;
    let table = format!("/standards/{sid}/comments");
    for round in 0..ROUNDS {
        let (first, second) = (add_comment(&app, sid, 2 * round), add_comment(&app, sid, 2 * round + 1));
        let (_, pa) = a.get_html(&table).await;
        let (_, pb) = b.get_html(&table).await;
        let single = [
            ("disposition", "accepted".to_owned()),
            ("reason", "甲".to_owned()),
            ("version", row_version(&pa, first)),
            ("csrf_token", csrf_in(&pa)),
        ];
        let by_a = a.client.post(a.url(&format!("{table}/{first}/disposition"))).form(&single);
        // Even rounds: both editors on the row; odd rounds: the other one ticks it with the next in bulk.
        let by_b = if round % 2 == 0 {
            let form = [
                ("disposition", "noted".to_owned()),
                ("reason", "乙".to_owned()),
                ("version", row_version(&pb, first)),
                ("csrf_token", csrf_in(&pb)),
            ];
            b.client.post(b.url(&format!("{table}/{first}/disposition"))).form(&form)
        } else {
            let form = [
                ("c", format!("{first}:{}", row_version(&pb, first))),
                ("c", format!("{second}:{}", row_version(&pb, second))),
                ("disposition", "noted".to_owned()),
                ("reason", "乙".to_owned()),
                ("csrf_token", csrf_in(&pb)),
            ];
            b.client.post(b.url(&format!("{table}/disposition"))).form(&form)
        };
        let answers = together(vec![by_a, by_b]).await;
        let mut statuses: Vec<StatusCode> = answers.iter().map(|x| x.status).collect();
        statuses.sort();
        assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT], "round {round}: exactly one wins");
        let loser = answers.iter().find(|x| x.status == StatusCode::CONFLICT).unwrap();
        assert!(
            loser.body.contains(&format!("以下意见已被他人处理，序号：{first}")),
            "round {round}: the other is told which comment"
        );
        let (disposition, _, version) = comment_state(&app, sid, first);
        assert_eq!(version, 1, "round {round}: one disposition recorded");
        let bulk_won = round % 2 == 1 && answers[1].status == StatusCode::SEE_OTHER;
        assert_eq!(
            disposition.as_deref(),
            Some(if answers[0].status == StatusCode::SEE_OTHER { "accepted" } else { "noted" })
        );
        let (next, _, _) = comment_state(&app, sid, second);
        assert_eq!(next.is_some(), bulk_won, "round {round}: the bulk form disposes all its comments or none");
    }
}
