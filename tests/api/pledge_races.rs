//! Conflicting moves of one application or signature sent at the same
//! moment, round after round, each from its own client: exactly one wins,
//! the others answer 409 with what happened, never a server error, and an
//! organization never holds two live signatures of one pledge. They run on
//! SQLite and, with TEST_DATABASE_URL, on PostgreSQL (READ COMMITTED).

use std::sync::Arc;

use reqwest::StatusCode;
use tokio::sync::Barrier;

use crate::helpers::*;
use crate::pledges::*;

/// Rounds of each race in one test.
const ROUNDS: usize = 20;

/// What the loser of a race over one signature is told (zh-CN).
const MOVED_MEANWHILE: &str = "该签署当前状态下不能进行此操作（可能已被他人处理），未作任何更改。";
/// What a second application of the same organization is told (zh-CN).
const ALREADY_APPLIED: &str = "本单位已有本公约或倡议的签署申请或有效签署，不能重复申请；未作任何更改。";

/// A POST made ready (the CSRF token of its page already read), to be sent
/// together with others.
struct Shot {
    client: reqwest::Client,
    url: String,
    fields: Vec<(String, String)>,
}

async fn prepare(c: &TestApp, page: &str, path: &str, form: &[(&str, &str)]) -> Shot {
    let (status, html) = c.get_html(page).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let mut fields: Vec<(String, String)> = form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    fields.push(("csrf_token".into(), csrf_in(&html)));
    Shot { client: c.client.clone(), url: c.url(path), fields }
}

/// Send the shots at once (each from its own task, released together);
/// the status and page of each, in order.
async fn fire(shots: Vec<Shot>) -> Vec<(StatusCode, String)> {
    let barrier = Arc::new(Barrier::new(shots.len()));
    let tasks: Vec<_> = shots
        .into_iter()
        .map(|s| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let r = s.client.post(&s.url).form(&s.fields).send().await.unwrap();
                let status = r.status();
                (status, r.text().await.unwrap())
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// One answer 303, every other one 409 saying `message`; none a server error.
fn one_wins(round: usize, answers: &[(StatusCode, String)], message: &str) {
    let statuses: Vec<StatusCode> = answers.iter().map(|(s, _)| *s).collect();
    assert!(statuses.iter().all(|s| !s.is_server_error()), "round {round}: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::SEE_OTHER).count(), 1, "round {round}: {statuses:?}");
    for (status, html) in answers.iter().filter(|(s, _)| *s != StatusCode::SEE_OTHER) {
        assert_eq!(*status, StatusCode::CONFLICT, "round {round}");
        assert!(html.contains(message), "round {round}: the loser is told what happened");
    }
}

/// Live signatures (applied, verified, suspended) of organization `org` on `pledge`.
fn live(app: &TestApp, pledge: i64, org: i64) -> i64 {
    scalar(
        app,
        &format!(
            "SELECT COUNT(*) AS n FROM signatures WHERE pledge_id = {pledge} AND organization_id = {org} \
             AND state IN ('applied', 'verified', 'suspended')"
        ),
    )
}

/// Which of `answers` won.
fn winner(answers: &[(StatusCode, String)]) -> usize {
    answers.iter().position(|(s, _)| *s == StatusCode::SEE_OTHER).expect("a winner")
}

/// A user of the demo, signed in on a client of their own.
async fn signed_in(app: &TestApp, email: &str) -> TestApp {
    let c = app.other_client();
    c.login(email).await;
    c
}

/// The same application sent three times at once (a double click, two
/// tabs): one is recorded, the others are told the organization already
/// applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_double_submitted_application_is_recorded_once() {
    let app = spawn_app().await;
    let p = pledge_id(&app, CONVENTION);
    let org = org_id(&app, "示例平台01");
    let editor = signed_in(&app, "editor@example.org").await;
    let mut tabs = Vec::new();
    for _ in 0..3 {
        tabs.push(signed_in(&app, "filer@example.org").await);
    }
    let page = format!("/pledges/{p}/apply");
    let form = application_form(&app, p, &[("2.2", "仅经营团购券")]);
    for round in 0..ROUNDS {
        let before = (app.count("signatures"), app.count("audit_log"), app.count("signature_exclusions"));
        let mut shots = Vec::new();
        for tab in &tabs {
            shots.push(prepare(tab, &page, &page, &fields(&form)).await);
        }
        let answers = fire(shots).await;
        one_wins(round, &answers, ALREADY_APPLIED);
        assert_eq!(live(&app, p, org), 1, "round {round}");
        let after = (app.count("signatures"), app.count("audit_log"), app.count("signature_exclusions"));
        assert_eq!(
            after,
            (before.0 + 1, before.1 + 1, before.2 + 1),
            "round {round}: one application, its one exclusion"
        );
        // Declined, the organization may apply again next round.
        let sig = scalar(
            &app,
            &format!(
                "SELECT id AS n FROM signatures WHERE pledge_id = {p} AND organization_id = {org} \
                 AND state = 'applied'"
            ),
        );
        acted(&editor, sig, "decline", "资料不全").await;
    }
}

/// Two editors decide one application at once, one verifying and one
/// declining: exactly one decision is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn verify_and_decline_of_one_application_at_once() {
    let app = spawn_app().await;
    let p = pledge_id(&app, CONVENTION);
    let org = org_id(&app, "示例平台01");
    let filer = signed_in(&app, "filer@example.org").await;
    let editors = [signed_in(&app, "editor@example.org").await, signed_in(&app, "editor@example.org").await];
    for round in 0..ROUNDS {
        let sig = applied(&filer, p).await;
        let page = format!("/signatures/{sig}");
        let version = field_value(&editors[0].get_html(&page).await.1, "version").expect("version on the page");
        let events = app.count("signature_events");
        let shots = vec![
            prepare(&editors[0], &page, &format!("{page}/verify"), &[("version", &version), ("reason", "")]).await,
            prepare(&editors[1], &page, &format!("{page}/decline"), &[("version", &version), ("reason", "资料不全")])
                .await,
        ];
        let answers = fire(shots).await;
        one_wins(round, &answers, MOVED_MEANWHILE);
        assert_eq!(app.count("signature_events"), events + 1, "round {round}: one decision recorded");
        let (state, v) = signature_state(&app, sig);
        let expected = if winner(&answers) == 0 { "verified" } else { "declined" };
        assert_eq!(state, expected, "round {round}: the winner's decision stands");
        assert_eq!(v, version.parse::<i32>().unwrap() + 1, "round {round}");
        assert!(live(&app, p, org) <= 1, "round {round}");
        // Withdrawn (or declined), the organization may apply again next round.
        if state == "verified" {
            acted(&filer, sig, "withdraw", "退出").await;
        }
        assert_eq!(live(&app, p, org), 0, "round {round}");
    }
}

/// The issuing association suspends a signature while its signatory
/// withdraws it: exactly one move is recorded, never two live signatures.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn suspend_and_withdraw_of_one_signature_at_once() {
    let app = spawn_app().await;
    let p = pledge_id(&app, CONVENTION);
    let org = org_id(&app, "示例平台01");
    let filer = signed_in(&app, "filer@example.org").await;
    let editor = signed_in(&app, "editor@example.org").await;
    for round in 0..ROUNDS {
        let sig = applied(&filer, p).await;
        acted(&editor, sig, "verify", "").await;
        let page = format!("/signatures/{sig}");
        let version = field_value(&editor.get_html(&page).await.1, "version").expect("version on the page");
        let events = app.count("signature_events");
        let shots = vec![
            prepare(&editor, &page, &format!("{page}/suspend"), &[("version", &version), ("reason", "限期整改")]).await,
            prepare(&filer, &page, &format!("{page}/withdraw"), &[("version", &version), ("reason", "退出")]).await,
        ];
        let answers = fire(shots).await;
        one_wins(round, &answers, MOVED_MEANWHILE);
        assert_eq!(app.count("signature_events"), events + 1, "round {round}: one move recorded");
        let (state, v) = signature_state(&app, sig);
        let expected = if winner(&answers) == 0 { "suspended" } else { "withdrawn" };
        assert_eq!(state, expected, "round {round}: the winner's move stands");
        assert_eq!(v, version.parse::<i32>().unwrap() + 1, "round {round}");
        assert!(live(&app, p, org) <= 1, "round {round}: never two live signatures");
        // Back to no live signature for the next round.
        if state == "suspended" {
            acted(&editor, sig, "reinstate", "").await;
            acted(&filer, sig, "withdraw", "退出").await;
        }
        assert_eq!(live(&app, p, org), 0, "round {round}");
    }
}
