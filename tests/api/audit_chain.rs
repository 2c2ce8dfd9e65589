//! The tamper-evident audit log: `selfreg audit verify`, `check`, the sealer
//! under concurrent writers, and what /admin/audit shows.

use diesel::connection::SimpleConnection;
use selfreg::db::audit_chain;
use selfreg::db::DbTarget;

use crate::helpers::*;
use crate::ops::{run, text};

/// Let a test change an audit row behind the application's back.
fn drop_append_only_trigger(app: &TestApp) {
    let sql = match app.target {
        DbTarget::Sqlite(_) => "DROP TRIGGER audit_log_no_update",
        DbTarget::Postgres(_) => "DROP TRIGGER audit_log_no_update ON audit_log",
    };
    app.conn().batch_execute(sql).unwrap();
}

#[tokio::test]
async fn verify_names_the_first_row_altered_in_the_database() {
    let app = spawn_app().await;
    let out = run(&app.target, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    let total = app.count("audit_log");
    assert!(total > 10, "the demo data left audit rows");
    assert!(text(&out).contains(&format!("ok: {total} rows verified")), "{}", text(&out));
    assert_eq!(app.count("audit_chain"), total, "every row is chained");

    drop_append_only_trigger(&app);
    app.conn().batch_execute("UPDATE audit_log SET after_json = '{\"forged\":true}' WHERE id = 7").unwrap();
    let out = run(&app.target, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("row #7 does not match: its content no longer matches its hash"), "{}", text(&out));
    assert!(text(&out).contains("6 rows before it verified"), "{}", text(&out));
    let out = run(&app.target, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("audit chain    PROBLEM: row #7 does not match"), "{}", text(&out));
    if let DbTarget::Sqlite(_) = app.target {
        // The backup of a tampered database is kept (it is the evidence), with a warning.
        let file = std::env::temp_dir().join(format!("selfreg-evidence-{}.db", selfreg::auth::random_hex(4)));
        let out = run(&app.target, &["backup", "--to", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("warning: the copy is faithful"), "{}", text(&out));
        assert!(file.exists());
        let _ = std::fs::remove_file(&file);
    }
}

#[tokio::test]
async fn a_rewritten_chain_is_caught_by_the_head_an_earlier_verification_kept() {
    let app = spawn_app().await;
    let out = run(&app.target, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    let head = audit_chain::head(&mut app.conn()).unwrap().unwrap().0;
    // Someone with the database's keys rewrites the whole chain after changing a row.
    drop_append_only_trigger(&app);
    let drop_chain_triggers = match app.target {
        DbTarget::Sqlite(_) => "DROP TRIGGER audit_chain_no_delete",
        DbTarget::Postgres(_) => "DROP TRIGGER audit_chain_no_update ON audit_chain",
    };
    app.conn()
        .batch_execute(&format!(
            "{drop_chain_triggers}; UPDATE audit_log SET after_json = '{{}}' WHERE id = 3; DELETE FROM audit_chain;"
        ))
        .unwrap();
    audit_chain::seal_now(&mut app.conn(), 100).unwrap();
    let out = run(&app.target, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out)
            .contains(&format!("row #{head} does not match: its hash differs from the one an earlier verification")),
        "{}",
        text(&out)
    );
}

/// Writers on two instances at once, and one transaction left open while
/// later ones commit: the sealers never chain past a row that may still
/// appear, the chain does not fork, and it covers every row in id order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_two_instances_leave_one_unbroken_chain() {
    let one = spawn_app().await;
    let two = spawn_with(options(one.target.clone()), None).await;
    let org = org_named(&one, "示例网络直播电商行业协会");

    // PostgreSQL: a transaction that drew its audit id and has not committed
    // (the row alone: the change it would record is beside the point here).
    let held = match &one.target {
        DbTarget::Postgres(url) => {
            use diesel::prelude::*;
            #[derive(diesel::QueryableByName)]
            struct Id {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                id: i64,
            }
            let mut c = diesel::PgConnection::establish(url).unwrap();
            c.batch_execute("BEGIN").unwrap();
            let row: Id = diesel::sql_query(
                "INSERT INTO audit_log (at, object_type, action) VALUES (now(), 'organization', 'update') RETURNING id",
            )
            .get_result(&mut c)
            .unwrap();
            Some((c, row.id))
        }
        DbTarget::Sqlite(_) => None,
    };

    let mut writers = Vec::new();
    for w in 0..4 {
        let app = if w % 2 == 0 { &one } else { &two };
        let admin = app.signed_in_as("admin@example.org").await;
        writers.push(tokio::spawn(async move {
            for n in 0..5 {
                let email = format!("chain-{w}-{n}@example.org");
                let r = admin.create_user(&UserForm::new(&email, org)).await;
                assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "{email}");
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }

    if let Some((mut c, held_id)) = held {
        // Later rows are committed; the sealers (two instances' threads and this one) must wait.
        audit_chain::seal_now(&mut one.conn(), 20).unwrap();
        let head = audit_chain::head(&mut one.conn()).unwrap().map(|h| h.0).unwrap_or(0);
        assert!(head < held_id, "sealed up to #{head} past #{held_id}, which was not committed yet");
        c.batch_execute("COMMIT").unwrap();
    }
    audit_chain::seal_now(&mut one.conn(), 400).unwrap();
    let v = audit_chain::verify(&mut one.conn()).unwrap();
    assert!(v.ok(), "{}", audit_chain::describe(&v));
    assert_eq!(v.unsealed, 0);
    assert_eq!(v.rows_checked, one.count("audit_log"), "one chain over every row");
    assert_eq!(one.count("audit_chain"), one.count("audit_log"));
}

#[tokio::test]
async fn admins_see_the_chain_head_and_verify_it_from_the_audit_page() {
    let app = spawn_app().await;
    let admin = app.signed_in_as("admin@example.org").await;
    let (status, html) = admin.get_html("/admin/audit").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(html.contains("从未校验"), "no verification yet: {html}");
    let r = admin.submit("/admin/audit", "/admin/audit/verify", &[], &[]).await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let (_, html) = admin.get_html(&location(&r)).await;
    assert!(html.contains("<div class=\"flash\" role=\"status\">"), "a passed check is good news: {html}");
    let total = app.count("audit_log");
    let head = audit_chain::head(&mut app.conn()).unwrap().unwrap();
    assert!(html.contains(&format!("#{}", head.0)), "the head's number is shown");
    assert!(html.contains(&head.1[..16]), "the head's hash is shown");
    assert!(html.contains("校验通过"), "{html}");
    assert!(html.contains(&format!("{total}")));

    drop_append_only_trigger(&app);
    app.conn().batch_execute("UPDATE audit_log SET action = 'delete' WHERE id = 4").unwrap();
    let r = admin.submit("/admin/audit", "/admin/audit/verify", &[], &[]).await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let (_, html) = admin.get_html("/admin/audit").await;
    assert!(html.contains("校验未通过：第 4 条记录的内容与其哈希不符"), "{html}");
    // The flash says so as an alert, not in the style of good news.
    assert!(html.contains("<div class=\"flash flash-alert\" role=\"alert\">审计链校验未通过"), "{html}");

    // Others cannot: a GET changes nothing, a filer is refused like on every admin page, no token is refused.
    let verifications = app.count("audit_verifications");
    assert_ne!(admin.get("/admin/audit/verify").await.status(), reqwest::StatusCode::SEE_OTHER);
    let filer = app.signed_in_as("filer@example.org").await;
    let r = filer.post_from("/todo", "/admin/audit/verify", &[]).await;
    assert!(matches!(r.status().as_u16(), 403 | 404), "{}", r.status());
    let r = admin.post_raw("/admin/audit/verify", &[]).await;
    assert!(r.status().is_client_error(), "{}", r.status());
    assert_eq!(app.count("audit_verifications"), verifications, "none of these verified anything");
}

#[tokio::test]
async fn the_chain_covers_the_api_token_an_audit_row_names() {
    let app = spawn_app().await;
    crate::machine::token_for(&app, "filer@example.org", &["reports:read"], "chained");
    let token = crate::open_data::id_where(&app, "api_tokens", "name", "chained");
    let actor = selfreg::db::audit::Actor { token_id: Some(token), ..selfreg::db::audit::Actor::SYSTEM };
    use selfreg::domain::audit::{Action, Object};
    selfreg::db::audit::record(
        &mut app.conn(),
        actor,
        Object::ApiToken,
        Some(token),
        Action::Revoke,
        None::<&()>,
        None::<&()>,
    )
    .unwrap();
    let out = run(&app.target, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    let row = crate::open_data::id_where(&app, "audit_log", "action", "revoke");

    drop_append_only_trigger(&app);
    app.conn().batch_execute(&format!("UPDATE audit_log SET actor_token_id = NULL WHERE id = {row}")).unwrap();
    let out = run(&app.target, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(&format!("row #{row} does not match")), "{}", text(&out));
}
