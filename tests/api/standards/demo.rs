//! The demo data follows the rules the registry enforces.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use reqwest::StatusCode;
use selfreg::db::schema::{comment_periods, standard_events, standard_versions, standards};

use crate::helpers::*;

type Row = (i64, String, String, Option<NaiveDate>);
type Event = (i64, NaiveDateTime, String, Option<String>, Option<String>);

#[tokio::test]
async fn demo_standards_follow_the_rules_they_enforce() {
    let app = spawn_app().await;
    let all: Vec<Row> = standards::table
        .select((standards::id, standards::title_zh, standards::state, standards::release_date))
        .load(&mut *app.conn())
        .unwrap();
    assert!(all.len() >= 8);
    for (id, title, state, release) in all {
        let events: Vec<Event> = standard_events::table
            .filter(standard_events::standard_id.eq(id))
            .order(standard_events::id)
            .select((
                standard_events::id,
                standard_events::at,
                standard_events::action,
                standard_events::from_state,
                standard_events::to_state,
            ))
            .load(&mut *app.conn())
            .unwrap();
        // Starts with the proposal, in date order, each move from where the last one led.
        assert_eq!(events[0].2, "propose", "{title} starts with its proposal");
        let mut state_now = "proposed".to_owned();
        for pair in events.windows(2) {
            assert!(pair[0].1 <= pair[1].1, "{title}: {} after {} but dated before it", pair[1].2, pair[0].2);
        }
        for (_, _, action, from, to) in &events[1..] {
            if let (Some(from), Some(to)) = (from, to) {
                assert_eq!(from, &state_now, "{title}: {action} starts where the last move ended");
                state_now = to.clone();
            }
        }
        assert_eq!(state_now, state, "{title}: the timeline ends in its state");
        if let Some(release) = release {
            // Approved for publication before its release, not years later.
            let publish = events.iter().find(|e| e.2 == "publish").expect("a publish event");
            let approved_on = (publish.1 + chrono::Duration::hours(8)).date();
            assert!(approved_on <= release, "{title}: approved {approved_on} after its release {release}");
            let first = (events[0].1 + chrono::Duration::hours(8)).date();
            assert!(first < release, "{title}: proposed before its release");
        }
        if matches!(state.as_str(), "published" | "revising" | "withdrawn" | "superseded") {
            let released: i64 = standard_versions::table
                .filter(standard_versions::standard_id.eq(id))
                .filter(standard_versions::label.eq_any(["approval_draft", "final"]))
                .filter(standard_versions::body_md.ne(""))
                .count()
                .get_result(&mut *app.conn())
                .unwrap();
            assert!(released > 0, "{title} is published with its text");
            let (status, page) = app.get_html(&format!("/standards/{id}")).await;
            assert_eq!(status, StatusCode::OK);
            assert!(page.contains("标准文本") && !page.contains("尚未上传报批稿或发布稿"), "{title} shows its text");
        }
    }
    // Local standards were open for comment at least 30 days.
    let periods: Vec<(String, NaiveDate, NaiveDate)> = comment_periods::table
        .inner_join(standards::table)
        .filter(standards::kind.eq("local"))
        .select((standards::title_zh, comment_periods::starts_on, comment_periods::ends_on))
        .load(&mut *app.conn())
        .unwrap();
    assert!(periods.len() >= 2);
    for (title, starts, ends) in periods {
        assert!((ends - starts).num_days() + 1 >= 30, "{title}: {starts} to {ends}");
    }
}
