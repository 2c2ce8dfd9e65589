//! Pledges and signatories over HTTP: applying, verifying, declining,
//! withdrawing, suspending and reinstating; who may do what; stale forms.
//! The helpers here serve `pledge_forms` and `pledge_lists` too.

use reqwest::{Response, StatusCode};
use selfreg::db::pledges as pdb;

use crate::helpers::*;

pub(crate) const CONVENTION: &str = "网络交易合规经营自律公约";
pub(crate) const INITIATIVE: &str = "提升平台企业合规水平促进电商行业高质量发展";

pub(crate) fn scalar(app: &TestApp, sql: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(sql).get_result(&mut *app.conn()).unwrap();
    n.n
}

pub(crate) fn pledge_id(app: &TestApp, title_zh: &str) -> i64 {
    let mut conn = app.conn();
    let items = pdb::list(&mut conn, pdb::Drafts::All).unwrap();
    items.into_iter().find(|i| i.pledge.title_zh == title_zh).map(|i| i.pledge.id).expect("demo pledge")
}

pub(crate) fn org_id(app: &TestApp, name_zh: &str) -> i64 {
    let mut conn = app.conn();
    let (orgs, _) = selfreg::db::orgs::search(&mut conn, name_zh, 1, 0).unwrap();
    orgs[0].id
}

/// (number, id) of a pledge's commitments.
pub(crate) fn commitments(app: &TestApp, pledge: i64) -> Vec<(String, i64)> {
    let mut conn = app.conn();
    pdb::commitments(&mut conn, pledge).unwrap().into_iter().map(|c| (c.number, c.id)).collect()
}

pub(crate) fn signature_state(app: &TestApp, id: i64) -> (String, i32) {
    let mut conn = app.conn();
    let s = pdb::signature(&mut conn, id).unwrap().expect("signature");
    (s.state.as_str().to_owned(), s.version)
}

pub(crate) fn signature_of(r: &Response) -> i64 {
    let loc = location(r);
    loc.strip_prefix("/signatures/").and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("not a signature: {loc}"))
}

/// A complete application form: every commitment ticked but those
/// `left_out` (number, reason), a representative, the confirmation.
pub(crate) fn application_form(app: &TestApp, pledge: i64, left_out: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut form = Vec::new();
    for (number, id) in commitments(app, pledge) {
        match left_out.iter().find(|(n, _)| *n == number) {
            Some((_, reason)) => form.push((format!("reason_{id}"), reason.to_string())),
            None => form.push((format!("keep_{id}"), "on".into())),
        }
    }
    for (k, v) in [("representative_name", "张伟"), ("representative_title", "合规总监"), ("confirm", "on")] {
        form.push((k.into(), v.into()));
    }
    form
}

/// The fields as `post_from` takes them.
pub(crate) fn fields(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Apply with every commitment ticked, as the form comes.
pub(crate) async fn apply_all(c: &TestApp, pledge: i64) -> Response {
    let page = format!("/pledges/{pledge}/apply");
    c.post_from(&page, &page, &fields(&application_form(c, pledge, &[]))).await
}

/// The commitments table of the pledge form: `c{row}_{column}` for each row given.
pub(crate) fn rows_form(rows: &[[&str; 5]]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        for (col, v) in ["number", "area_zh", "area_en", "text_zh", "text_en"].iter().zip(r) {
            out.push((format!("c{i}_{col}"), v.to_string()));
        }
    }
    out
}

pub(crate) fn with_rows<'a>(fields: &[(&'a str, &'a str)], rows: &'a [(String, String)]) -> Vec<(&'a str, &'a str)> {
    let mut f = fields.to_vec();
    f.extend(rows.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    f
}

/// Apply and check it worked; returns the signature id.
pub(crate) async fn applied(c: &TestApp, pledge: i64) -> i64 {
    let r = apply_all(c, pledge).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    signature_of(&r)
}

/// Post `action` on a signature with the version its page shows.
pub(crate) async fn act(c: &TestApp, sig: i64, action: &str, reason: &str) -> Response {
    let page = format!("/signatures/{sig}");
    let (status, html) = c.get_html(&page).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let version = field_value(&html, "version").unwrap_or_else(|| "1".into());
    c.post_from(&page, &format!("/signatures/{sig}/{action}"), &[("version", &version), ("reason", reason)]).await
}

pub(crate) async fn acted(c: &TestApp, sig: i64, action: &str, reason: &str) {
    let r = act(c, sig, action, reason).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{action}: {}", r.text().await.unwrap());
    assert_eq!(location(&r), format!("/signatures/{sig}"));
}

pub(crate) async fn clients(app: &TestApp) -> (TestApp, TestApp, TestApp) {
    let filer = app.other_client();
    filer.login("filer@example.org").await;
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let public = app.other_client();
    (filer, editor, public)
}

#[tokio::test]
async fn filer_applies_editor_verifies_and_the_pledge_page_lists_it() {
    let app = spawn_app().await;
    let (filer, editor, public) = clients(&app).await;
    let p = pledge_id(&app, CONVENTION);
    let page = format!("/pledges/{p}");

    let (_, html) = filer.get_html(&page).await;
    assert!(html.contains(&format!("/pledges/{p}/apply")), "filer is offered to apply");
    let (_, html) = public.get_html(&page).await;
    assert!(!html.contains("示例平台01"), "platform 01 has not signed the demo convention");
    assert!(!html.contains("示例平台03"), "a pending application is never public");

    let audits = app.count("audit_log");
    let sig = applied(&filer, p).await;
    assert_eq!(signature_state(&app, sig), ("applied".into(), 1));
    assert_eq!(app.count("audit_log"), audits + 1);
    let (status, html) = filer.get_html(&format!("/signatures/{sig}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("待核验") && html.contains("张伟"));
    // Not public yet: neither on the pledge page nor by id.
    let (_, html) = public.get_html(&page).await;
    assert!(!html.contains("示例平台01"));
    assert_eq!(public.get(&format!("/signatures/{sig}")).await.status(), StatusCode::NOT_FOUND);
    // The filer's panel shows it, without a second apply button.
    let (_, html) = filer.get_html(&page).await;
    assert!(html.contains("待核验") && !html.contains(&format!("href=\"/pledges/{p}/apply\"")));

    // The editor sees it among pending applications and verifies it.
    let (_, html) = editor.get_html(&page).await;
    assert!(html.contains(&format!("/signatures/{sig}")) && html.contains("待核验的签署申请"));
    acted(&editor, sig, "verify", "").await;
    assert_eq!(signature_state(&app, sig), ("verified".into(), 2));
    assert_eq!(app.count("audit_log"), audits + 2);

    let (_, html) = public.get_html(&page).await;
    assert!(html.contains("示例平台01"), "listed once verified");
    assert!(html.contains("提交签署申请") && html.contains("核验通过"), "history shown");
    let (status, html) = public.get_html(&format!("/signatures/{sig}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("已签署") && !html.contains("name=\"version\""), "the public sees no action");
    // The list counts verified signatories (7 verified + 1 subset in the demo, now 9).
    let (_, html) = public.get_html("/pledges").await;
    assert!(html.contains(">9<"), "verified count");
    let (_, html) = public.get_html(&format!("/orgs/{}", org_id(&app, "示例平台01"))).await;
    assert!(html.contains(CONVENTION) && html.contains("已签署") && html.contains(INITIATIVE));
}

#[tokio::test]
async fn declined_withdrawn_suspended_and_reinstated_paths_show_in_history() {
    let app = spawn_app().await;
    let (filer, editor, public) = clients(&app).await;
    let p = pledge_id(&app, CONVENTION);
    let page = format!("/pledges/{p}");

    // Declined: a reason is required, and the applicant sees it.
    let sig = applied(&filer, p).await;
    let r = act(&editor, sig, "decline", "  ").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("请说明原因"));
    assert_eq!(signature_state(&app, sig), ("applied".into(), 1), "nothing changed");
    acted(&editor, sig, "decline", "营业执照复印件不清晰，请补充后重新申请").await;
    let (_, html) = filer.get_html(&format!("/signatures/{sig}")).await;
    assert!(html.contains("未通过") && html.contains("营业执照复印件不清晰"));
    let (_, html) = filer.get_html(&page).await;
    assert!(html.contains("营业执照复印件不清晰"), "shown in the filer's panel");
    assert!(html.contains(&format!("href=\"/pledges/{p}/apply\"")), "may apply again");
    let (_, html) = public.get_html(&page).await;
    assert!(!html.contains("营业执照复印件不清晰") && !html.contains("示例平台01"), "declined is not public");
    assert_eq!(public.get(&format!("/signatures/{sig}")).await.status(), StatusCode::NOT_FOUND);

    // Applied again, verified, then withdrawn with a reason.
    let sig2 = applied(&filer, p).await;
    assert_ne!(sig, sig2);
    acted(&editor, sig2, "verify", "").await;
    let r = act(&filer, sig2, "withdraw", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    acted(&filer, sig2, "withdraw", "集团业务重组，平台将并入关联公司运营").await;
    let (_, html) = public.get_html(&page).await;
    assert!(html.contains("示例平台01") && html.contains("已退出") && html.contains("集团业务重组"));
    // Withdrawn is final.
    let r = act(&editor, sig2, "reinstate", "").await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "an illegal move");

    // Platform 02: verified, suspended, reinstated.
    let filer2 = app.other_client();
    filer2.login("filer2@example.org").await;
    let sig3 = applied(&filer2, p).await;
    acted(&editor, sig3, "verify", "").await;
    acted(&editor, sig3, "suspend", "直播间未明码标价，限期整改").await;
    let (_, html) = public.get_html(&format!("{page}?status=suspended")).await;
    assert!(html.contains("示例平台02") && html.contains("已暂停") && html.contains("限期整改"));
    assert!(!html.contains("示例平台04"), "status filter");
    acted(&editor, sig3, "reinstate", "整改完成").await;
    let (_, html) = public.get_html(&format!("/signatures/{sig3}")).await;
    for step in ["提交签署申请", "核验通过", "暂停", "直播间未明码标价", "恢复", "整改完成"] {
        assert!(html.contains(step), "history has {step}");
    }
    assert_eq!(signature_state(&app, sig3), ("verified".into(), 4));
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) AS n FROM signature_events WHERE signature_id = {sig3}")), 4);
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) AS n FROM audit_log WHERE object_type = 'signature' AND object_id = {sig3}")
        ),
        4
    );
    // Kind filter.
    let (_, html) = public.get_html(&format!("{page}?kind=agency")).await;
    assert!(!html.contains("示例平台02") && html.contains("暂无符合条件的签署单位"));
}

#[tokio::test]
async fn filers_act_only_for_their_own_organization() {
    let app = spawn_app().await;
    let (filer, editor, _) = clients(&app).await;
    let filer2 = app.other_client();
    filer2.login("filer2@example.org").await;
    let p = pledge_id(&app, CONVENTION);
    let platform01 = org_id(&app, "示例平台01").to_string();
    let apply = format!("/pledges/{p}/apply");

    // A tampered organization id is refused and nothing is written.
    let before = app.count("signatures");
    let r = filer2
        .post_from(
            &apply,
            &apply,
            &[
                ("organization_id", &platform01),
                ("scope", "all"),
                ("representative_name", "冒名"),
                ("representative_title", "x"),
                ("confirm", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("signatures"), before);

    // Platform 01's pending application is invisible to platform 02.
    let sig = applied(&filer, p).await;
    assert_eq!(filer2.get(&format!("/signatures/{sig}")).await.status(), StatusCode::NOT_FOUND);
    let (_, html) = filer2.get_html(&format!("/pledges/{p}")).await;
    assert!(!html.contains(&format!("/signatures/{sig}")));
    let (_, html) = filer2.get_html(&format!("/orgs/{platform01}")).await;
    assert!(!html.contains("待核验"), "not on the organization page either");
    // Nor can platform 02 act on it, even with a valid token of its own.
    let r = filer2.post_from("/", &format!("/signatures/{sig}/withdraw"), &[("version", "1"), ("reason", "x")]).await;
    assert!(matches!(r.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", r.status());
    // Once verified, only platform 01 may withdraw it.
    acted(&editor, sig, "verify", "").await;
    let r = filer2.post_from("/", &format!("/signatures/{sig}/withdraw"), &[("version", "2"), ("reason", "x")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(signature_state(&app, sig), ("verified".into(), 2));

    // An editor of another association may not run this pledge.
    let admin = app.other_client();
    admin.login("admin@example.org").await;
    let code = selfreg::domain::CreditCode::complete("51310000MC0000009").unwrap();
    let r = admin
        .post_from(
            "/admin/orgs/new",
            "/admin/orgs",
            &[
                ("kind", "association"),
                ("name_zh", "另一协会"),
                ("name_en", "Other Association"),
                ("credit_code", code.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let other = org_id(&app, "另一协会").to_string();
    let r = admin
        .post_from(
            "/admin/users/new",
            "/admin/users",
            &[
                ("email", "editor2@example.org"),
                ("display_name", "另一协会编辑"),
                ("organization_id", &other),
                ("role", "editor"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    crate::password::accept_invitation(&app, "editor2@example.org", "tidal granite orchard 9").await;
    let editor2 = app.other_client();
    assert_eq!(
        editor2.login_as("editor2@example.org", "tidal granite orchard 9").await.status(),
        StatusCode::SEE_OTHER
    );
    let r = editor2.post_from("/", &format!("/signatures/{sig}/suspend"), &[("version", "2"), ("reason", "x")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let pending03 = scalar(&app, "SELECT MAX(id) AS n FROM signatures WHERE state = 'applied'");
    let r = editor2.post_from("/", &format!("/signatures/{pending03}/verify"), &[("version", "1")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = editor2.post_from("/", &format!("/pledges/{p}/close"), &[("version", "1")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, html) = editor2.get_html(&format!("/pledges/{p}")).await;
    assert!(!html.contains("待核验的签署申请"), "no management panel");
    assert_eq!(signature_state(&app, sig), ("verified".into(), 2));
    assert_eq!(signature_state(&app, pending03).0, "applied");
}

#[tokio::test]
async fn the_public_cannot_act_and_a_filer_cannot_decide() {
    let app = spawn_app().await;
    let (filer, _, public) = clients(&app).await;
    let p = pledge_id(&app, CONVENTION);
    let pending03 = scalar(&app, "SELECT MAX(id) AS n FROM signatures WHERE state = 'applied'");

    for path in [format!("/pledges/{p}/apply"), "/pledges/new".into()] {
        let r = public.get(&path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), format!("/login?next={path}"));
    }
    let before = app.count("signatures");
    let r = public.post_from("/login", &format!("/pledges/{p}/apply"), &[("scope", "all"), ("confirm", "on")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/login"));
    let r = public.post_from("/login", &format!("/signatures/{pending03}/verify"), &[("version", "1")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/login"));
    assert_eq!(app.count("signatures"), before);

    // A filer can neither decide on applications nor run pledges.
    let r = filer.post_from("/", &format!("/signatures/{pending03}/verify"), &[("version", "1")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(filer.get("/pledges/new").await.status(), StatusCode::FORBIDDEN);
    let r = filer.post_from("/", &format!("/pledges/{p}/close"), &[("version", "1")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(signature_state(&app, pending03), ("applied".into(), 1));
    // A reviewer does not sign.
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    assert_eq!(reviewer.get(&format!("/pledges/{p}/apply")).await.status(), StatusCode::FORBIDDEN);
    // Unknown action or id.
    assert_eq!(filer.post_from("/", "/signatures/1/delete", &[]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(public.get("/signatures/999999").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(public.get("/pledges/abc").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn missing_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (filer, editor, _) = clients(&app).await;
    let p = pledge_id(&app, CONVENTION);
    let before = (app.count("signatures"), app.count("audit_log"));
    let r = filer
        .post_raw(
            &format!("/pledges/{p}/apply"),
            &[("scope", "all"), ("representative_name", "张伟"), ("representative_title", "x"), ("confirm", "on")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let pending03 = scalar(&app, "SELECT MAX(id) AS n FROM signatures WHERE state = 'applied'");
    let r = editor.post_raw(&format!("/signatures/{pending03}/verify"), &[("version", "1")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = editor.post_raw(&format!("/pledges/{p}/close"), &[("version", "1")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!((app.count("signatures"), app.count("audit_log")), before);
    assert_eq!(signature_state(&app, pending03), ("applied".into(), 1));
}

#[tokio::test]
async fn a_second_application_is_refused() {
    let app = spawn_app().await;
    let (filer, editor, _) = clients(&app).await;
    let p = pledge_id(&app, CONVENTION);
    let sig = applied(&filer, p).await;
    let before = (app.count("signatures"), app.count("audit_log"));
    let r = apply_all(&filer, p).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("不能重复申请"));
    // Still refused once verified; the apply page says why instead of showing the form.
    acted(&editor, sig, "verify", "").await;
    let before = (before.0, before.1 + 1);
    assert_eq!(apply_all(&filer, p).await.status(), StatusCode::CONFLICT);
    let (_, html) = filer.get_html(&format!("/pledges/{p}/apply")).await;
    assert!(html.contains("本单位已有本公约或倡议的签署申请或签署") && !html.contains("name=\"representative_name\""));
    // Platform 01 already signed the initiative in the demo.
    let i = pledge_id(&app, INITIATIVE);
    assert_eq!(apply_all(&filer, i).await.status(), StatusCode::CONFLICT);
    assert_eq!((app.count("signatures"), app.count("audit_log")), before);

    // The database refuses a second live signature by itself (partial unique index),
    // and allows a new one beside a declined or withdrawn one.
    use diesel::RunQueryDsl;
    let insert = |org: i64, state: &str| {
        diesel::sql_query(format!(
            "INSERT INTO signatures (pledge_id, organization_id, state, all_commitments, representative_name, \
             representative_title, applied_at, state_changed_at, reason, version, created_at, updated_at) \
             VALUES ({p}, {org}, '{state}', TRUE, 'x', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '', 1, \
             CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ))
        .execute(&mut *app.conn())
    };
    let p01 = org_id(&app, "示例平台01");
    assert!(matches!(
        insert(p01, "suspended"),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
    ));
    assert!(insert(p01, "declined").is_ok());
    assert!(insert(p01, "withdrawn").is_ok());
}

#[tokio::test]
async fn stale_forms_and_illegal_moves_answer_409_and_change_nothing() {
    let app = spawn_app().await;
    let (filer, editor, _) = clients(&app).await;
    let p = pledge_id(&app, CONVENTION);
    let sig = applied(&filer, p).await;
    // The editor opens the page (version 1) …
    let page = format!("/signatures/{sig}");
    let (_, html) = editor.get_html(&page).await;
    assert_eq!(field_value(&html, "version").as_deref(), Some("1"));
    acted(&editor, sig, "verify", "").await;
    let before = (app.count("signature_events"), app.count("audit_log"));
    // … and submits verify again from the old page: illegal now.
    let r = editor.post_from(&page, &format!("/signatures/{sig}/verify"), &[("version", "1")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("未作任何更改"));
    // Suspend is legal from verified, but the form is stale (version 1, now 2).
    let r = editor.post_from(&page, &format!("/signatures/{sig}/suspend"), &[("version", "1"), ("reason", "x")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("已被更改"));
    // Reinstating a verified signature is illegal whatever the version.
    let r = editor.post_from(&page, &format!("/signatures/{sig}/reinstate"), &[("version", "2")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(signature_state(&app, sig), ("verified".into(), 2));
    assert_eq!((app.count("signature_events"), app.count("audit_log")), before);
    // A stale pledge form too.
    let r = editor.post_from("/", &format!("/pledges/{p}/close"), &[("version", "0")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = editor.post_from("/", &format!("/pledges/{p}/open"), &[("version", "1")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "already open");
    assert_eq!(app.count("audit_log"), before.1);
}

#[tokio::test]
async fn someone_elses_draft_does_not_exist() {
    let app = spawn_app().await;
    let (_, editor, _) = clients(&app).await;
    let r = editor
        .post_from(
            "/pledges/new",
            "/pledges",
            &[
                ("kind", "convention"),
                ("title_zh", "草稿公约"),
                ("title_en", "Draft convention"),
                ("text_md_zh", "正文"),
                ("c0_number", "1"),
                ("c0_area_zh", "区"),
                ("c0_area_en", "Area"),
                ("c0_text_zh", "一"),
                ("c0_text_en", "One"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = location(&r);
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    for path in [page.clone(), format!("{page}/apply"), format!("{page}/signatories.csv")] {
        let s = reviewer.get(&path).await.status();
        assert!(matches!(s, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{path}: {s}");
    }
    assert_eq!(reviewer.get(&page).await.status(), StatusCode::NOT_FOUND);
    let r = reviewer.post_from("/", &format!("{page}/open"), &[("version", "1")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a reviewer never runs pledges");
    let admin = app.other_client();
    admin.login("admin@example.org").await;
    assert_eq!(admin.get(&format!("{page}/edit")).await.status(), StatusCode::OK);
}
