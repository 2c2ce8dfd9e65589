//! Conflicting report requests at the same moment, many rounds, each checked
//! against its invariant afterwards (on SQLite and on PostgreSQL).

use std::sync::Arc;

use diesel::prelude::*;
use reqwest::StatusCode;
use tokio::sync::Barrier;

use super::*;

const ROUNDS: usize = 20;

/// The organization of a user.
fn org_of(app: &TestApp, email: &str) -> i64 {
    use selfreg::db::schema::users;
    users::table.filter(users::email.eq(email)).select(users::organization_id).first(&mut *app.conn()).unwrap()
}

/// The organization's reports for a period.
fn reports_of(app: &TestApp, period: i64, org: i64) -> Vec<i64> {
    use selfreg::db::schema::reports;
    reports::table
        .filter(reports::period_id.eq(period))
        .filter(reports::organization_id.eq(org))
        .select(reports::id)
        .load(&mut *app.conn())
        .unwrap()
}

/// Remove the organization's report for the period (a fresh start for the
/// next round): its entries, their indicators and links, its revisions.
fn clear_reports(app: &TestApp, period: i64, org: i64) {
    use selfreg::db::schema::{report_entries, report_indicators, report_links, report_revisions, reports};
    let mut c = app.conn();
    for rid in reports_of(app, period, org) {
        let entries: Vec<i64> = report_entries::table
            .filter(report_entries::report_id.eq(rid))
            .select(report_entries::id)
            .load(&mut *c)
            .unwrap();
        diesel::delete(report_indicators::table.filter(report_indicators::entry_id.eq_any(&entries)))
            .execute(&mut *c)
            .unwrap();
        diesel::delete(report_links::table.filter(report_links::entry_id.eq_any(&entries))).execute(&mut *c).unwrap();
        diesel::delete(report_entries::table.filter(report_entries::report_id.eq(rid))).execute(&mut *c).unwrap();
        diesel::delete(report_revisions::table.filter(report_revisions::report_id.eq(rid))).execute(&mut *c).unwrap();
        diesel::delete(reports::table.find(rid)).execute(&mut *c).unwrap();
    }
    drop(c);
    app.data_changed();
}

/// Post two forms at once (each task waits for the other before sending).
async fn both(
    a: (&TestApp, &str, &[(String, String)]),
    b: (&TestApp, &str, &[(String, String)]),
) -> (reqwest::Response, reqwest::Response) {
    let barrier = Arc::new(Barrier::new(2));
    let send = |(who, path, form): (&TestApp, &str, &[(String, String)])| {
        let barrier = barrier.clone();
        let req = who.client.post(who.url(path)).form(form);
        async move {
            barrier.wait().await;
            req.send().await.unwrap()
        }
    };
    tokio::join!(send(a), send(b))
}

fn no_server_error(r: &reqwest::Response) {
    assert!(!r.status().is_server_error(), "{} answered {}", r.url(), r.status());
}

/// (a) A double click on "open report": two posts at once never answer 5xx,
/// both lead to the same report, and one report row exists.
#[tokio::test]
async fn a_double_click_on_open_report_opens_one_report() {
    let app = spawn_app().await;
    let filer = signed_in(&app, "filer@example.org").await;
    let (p3, org) = (period_id(&app, "第三期（本期）"), org_of(&app, "filer@example.org"));
    let path = format!("/reporting/{p3}/open");
    for round in 0..ROUNDS {
        clear_reports(&app, p3, org);
        let (_, page) = filer.get_html("/reporting").await;
        let form = vec![("csrf_token".to_owned(), csrf_in(&page))];
        let (ra, rb) = both((&filer, &path, &form), (&filer, &path, &form)).await;
        no_server_error(&ra);
        no_server_error(&rb);
        assert_eq!((ra.status(), rb.status()), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER), "round {round}");
        assert_eq!(location(&ra), location(&rb), "both clicks lead to the same report (round {round})");
        assert_eq!(reports_of(&app, p3, org).len(), 1, "one report for the organization and period (round {round})");
    }
}

/// The revision snapshots kept for a report, as stored.
fn snapshots(app: &TestApp, rid: i64) -> Vec<String> {
    use selfreg::db::schema::report_revisions;
    report_revisions::table
        .filter(report_revisions::report_id.eq(rid))
        .select(report_revisions::snapshot_json)
        .load(&mut *app.conn())
        .unwrap()
}

/// (b) One tab submits while another tab of the same filer saves a change,
/// both from the same version: whichever comes second gets 409 and changes
/// nothing, so the other tab's change is never submitted unseen.
#[tokio::test]
async fn a_submission_never_carries_a_change_made_in_another_tab_unseen() {
    let app = spawn_app().await;
    let filer = signed_in(&app, "filer@example.org").await;
    let other_tab = signed_in(&app, "filer@example.org").await;
    let (p3, org) = (period_id(&app, "第三期（本期）"), org_of(&app, "filer@example.org"));
    const OTHER: &str = "另一窗口改动的措施";
    let (mut submitted, mut saved) = (0, 0);
    for round in 0..ROUNDS {
        clear_reports(&app, p3, org);
        let rid = open_report(&filer, p3).await;
        let path = format!("/reports/{rid}/save");
        let (_, tab_a) = filer.get_html(&format!("/reports/{rid}/edit")).await;
        let (_, tab_b) = other_tab.get_html(&format!("/reports/{rid}/edit")).await;
        let submit = report_form(&tab_a, "submit", complete);
        let change = report_form(&tab_b, "save", |i, e| {
            let mut f = complete(i, e);
            f.retain(|(k, _)| !k.ends_with("_measures"));
            f.push((format!("e_{e}_measures"), OTHER.to_owned()));
            f
        });
        let (ra, rb) = both((&filer, &path, &submit), (&other_tab, &path, &change)).await;
        no_server_error(&ra);
        no_server_error(&rb);
        let statuses = (ra.status(), rb.status());
        let state = report_state(&app, rid);
        let kept = snapshots(&app, rid);
        assert!(kept.iter().all(|s| !s.contains(OTHER)), "the other tab's change was submitted unseen (round {round})");
        match statuses {
            (StatusCode::SEE_OTHER, StatusCode::CONFLICT) => {
                assert_eq!((state.as_str(), kept.len()), ("submitted", 1), "round {round}");
                submitted += 1;
            }
            (StatusCode::CONFLICT, StatusCode::SEE_OTHER) => {
                // The other tab saved first: nothing was submitted; the
                // submitting tab sees the newer report with its input kept.
                assert_eq!((state.as_str(), kept.len()), ("draft", 0), "round {round}");
                let page = ra.text().await.unwrap();
                assert!(page.contains(OTHER), "the page shows the other tab's change (round {round})");
                assert!(page.contains("第 0 项措施"), "the filer's own input is kept (round {round})");
                saved += 1;
            }
            other => panic!("one wins, the other gets 409: {other:?} (round {round})"),
        }
    }
    assert_eq!(submitted + saved, ROUNDS);
}

/// (c) Two reviewers decide one report at once: exactly one decision is
/// recorded, the other reviewer gets 409 and hears that someone else decided.
#[tokio::test]
async fn two_reviewers_deciding_at_once_record_one_decision() {
    let app = spawn_app().await;
    let regulator = org_of(&app, "reviewer@example.org");
    add_user(&app, regulator, "reviewer2@example.org", selfreg::domain::Role::Reviewer);
    let filer = signed_in(&app, "filer@example.org").await;
    let a = signed_in(&app, "reviewer@example.org").await;
    let b = signed_in(&app, "reviewer2@example.org").await;
    let (p3, org) = (period_id(&app, "第三期（本期）"), org_of(&app, "filer@example.org"));
    for round in 0..ROUNDS {
        clear_reports(&app, p3, org);
        let since = last_audit(&app);
        let rid = open_report(&filer, p3).await;
        assert_eq!(post_report(&filer, rid, "submit", complete).await.status(), StatusCode::SEE_OTHER);
        let path = format!("/reports/{rid}/decision");
        let decision = |html: &str, d: &str, comment: &str| {
            vec![
                ("csrf_token".to_owned(), csrf_in(html)),
                ("version".to_owned(), field_value(html, "version").unwrap()),
                ("decision".to_owned(), d.to_owned()),
                ("comment".to_owned(), comment.to_owned()),
            ]
        };
        let (_, pa) = a.get_html(&format!("/reports/{rid}")).await;
        let (_, pb) = b.get_html(&format!("/reports/{rid}")).await;
        let (fa, fb) = (decision(&pa, "accept", ""), decision(&pb, "return", "请补充数据"));
        let (ra, rb) = both((&a, &path, &fa), (&b, &path, &fb)).await;
        no_server_error(&ra);
        no_server_error(&rb);
        let (winner, loser, expected) = match (ra.status(), rb.status()) {
            (StatusCode::SEE_OTHER, StatusCode::CONFLICT) => (ra, rb, "accepted"),
            (StatusCode::CONFLICT, StatusCode::SEE_OTHER) => (rb, ra, "returned"),
            other => panic!("one wins, the other gets 409: {other:?} (round {round})"),
        };
        assert_eq!(winner.status(), StatusCode::SEE_OTHER);
        let text = loser.text().await.unwrap();
        assert!(text.contains("此报告已由他人作出审核决定"), "a clear message (round {round})");
        assert_eq!(report_state(&app, rid), expected, "round {round}");
        assert_eq!(decisions(&app, rid, since), 1, "exactly one decision recorded (round {round})");
    }
}
