//! Pledges and signatories over HTTP: applying, verifying, declining,
//! withdrawing, suspending and reinstating; who may do what; exports; escaping.

use reqwest::{Response, StatusCode};
use selfreg::db::pledges as pdb;

use crate::helpers::*;

const CONVENTION: &str = "网络交易合规经营自律公约";
const INITIATIVE: &str = "提升平台企业合规水平促进电商行业高质量发展";

fn scalar(app: &TestApp, sql: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(sql).get_result(&mut *app.conn()).unwrap();
    n.n
}

fn pledge_id(app: &TestApp, title_zh: &str) -> i64 {
    let mut conn = app.conn();
    let items = pdb::list(&mut conn, pdb::Drafts::All).unwrap();
    items.into_iter().find(|i| i.pledge.title_zh == title_zh).map(|i| i.pledge.id).expect("demo pledge")
}

fn org_id(app: &TestApp, name_zh: &str) -> i64 {
    let mut conn = app.conn();
    let (orgs, _) = selfreg::db::orgs::search(&mut conn, name_zh, 1, 0).unwrap();
    orgs[0].id
}

/// (number, id) of a pledge's commitments.
fn commitments(app: &TestApp, pledge: i64) -> Vec<(String, i64)> {
    let mut conn = app.conn();
    pdb::commitments(&mut conn, pledge).unwrap().into_iter().map(|c| (c.number, c.id)).collect()
}

fn signature_state(app: &TestApp, id: i64) -> (String, i32) {
    let mut conn = app.conn();
    let s = pdb::signature(&mut conn, id).unwrap().expect("signature");
    (s.state, s.version)
}

fn signature_of(r: &Response) -> i64 {
    let loc = location(r);
    loc.strip_prefix("/signatures/").and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("not a signature: {loc}"))
}

/// Apply with every commitment ticked, as the form comes.
async fn apply_all(c: &TestApp, pledge: i64) -> Response {
    let page = format!("/pledges/{pledge}/apply");
    let keep: Vec<String> = commitments(c, pledge).iter().map(|(_, id)| format!("keep_{id}")).collect();
    let mut form: Vec<(&str, &str)> = keep.iter().map(|k| (k.as_str(), "on")).collect();
    form.extend([("representative_name", "张伟"), ("representative_title", "合规总监"), ("confirm", "on")]);
    c.post_from(&page, &page, &form).await
}

/// The commitments table of the pledge form: `c{row}_{column}` for each row given.
fn rows_form(rows: &[[&str; 5]]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        for (col, v) in ["number", "area_zh", "area_en", "text_zh", "text_en"].iter().zip(r) {
            out.push((format!("c{i}_{col}"), v.to_string()));
        }
    }
    out
}

fn with_rows<'a>(fields: &[(&'a str, &'a str)], rows: &'a [(String, String)]) -> Vec<(&'a str, &'a str)> {
    let mut f = fields.to_vec();
    f.extend(rows.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    f
}

/// Apply and check it worked; returns the signature id.
async fn applied(c: &TestApp, pledge: i64) -> i64 {
    let r = apply_all(c, pledge).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    signature_of(&r)
}

/// Post `action` on a signature with the version its page shows.
async fn act(c: &TestApp, sig: i64, action: &str, reason: &str) -> Response {
    let page = format!("/signatures/{sig}");
    let (status, html) = c.get_html(&page).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let version = field_value(&html, "version").unwrap_or_else(|| "1".into());
    c.post_from(&page, &format!("/signatures/{sig}/{action}"), &[("version", &version), ("reason", reason)]).await
}

async fn acted(c: &TestApp, sig: i64, action: &str, reason: &str) {
    let r = act(c, sig, action, reason).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{action}: {}", r.text().await.unwrap());
    assert_eq!(location(&r), format!("/signatures/{sig}"));
}

async fn clients(app: &TestApp) -> (TestApp, TestApp, TestApp) {
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
                ("password", "editor2-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let editor2 = app.other_client();
    assert_eq!(editor2.login_as("editor2@example.org", "editor2-password").await.status(), StatusCode::SEE_OTHER);
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
async fn a_subset_needs_a_reason_for_each_commitment_left_out() {
    let app = spawn_app().await;
    let (filer, editor, public) = clients(&app).await;
    let p = pledge_id(&app, CONVENTION);
    let cs = commitments(&app, p);
    let keep: Vec<String> =
        cs.iter().filter(|(n, _)| n != "2.2" && n != "4.3").map(|(_, id)| format!("keep_{id}")).collect();
    let id22 = cs.iter().find(|(n, _)| n == "2.2").unwrap().1;
    let id43 = cs.iter().find(|(n, _)| n == "4.3").unwrap().1;
    let (r22, r43) = (format!("reason_{id22}"), format!("reason_{id43}"));
    let apply = format!("/pledges/{p}/apply");

    let mut form: Vec<(&str, &str)> = keep.iter().map(|k| (k.as_str(), "on")).collect();
    form.extend([("representative_name", "李敏"), ("representative_title", "副总裁"), (r22.as_str(), "")]);
    form.push((r43.as_str(), "不直接销售商品"));
    let before = app.count("signatures");
    let r = filer.post_from(&apply, &apply, &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("请说明不承诺该事项的原因"), "reason for 2.2 missing");
    assert!(html.contains("2.2 不承诺的原因：请说明"), "the summary names the commitment");
    assert!(html.contains("请勾选确认"), "confirmation missing");
    assert_eq!(field_value(&html, "representative_name").as_deref(), Some("李敏"), "input kept");
    assert_eq!(field_value(&html, &r43).as_deref(), Some("不直接销售商品"), "reason kept");
    assert!(html.contains(&format!("name=\"{}\" value=\"on\" checked", keep[0])), "ticks kept");
    assert!(!html.contains(&format!("name=\"keep_{id22}\" value=\"on\" checked")), "unticked stays unticked");
    assert!(!html.contains("type=\"radio\""), "no second control that could disagree with the ticks");
    assert_eq!(app.count("signatures"), before);

    // Nothing ticked is refused.
    let reasons: Vec<(String, String)> =
        cs.iter().map(|(_, id)| (format!("reason_{id}"), "不适用".to_owned())).collect();
    let mut f3: Vec<(&str, &str)> = reasons.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    f3.extend([("representative_name", "李敏"), ("representative_title", "副总裁"), ("confirm", "on")]);
    let r = filer.post_from(&apply, &apply, &f3).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("请至少承诺一项事项"));
    assert_eq!(app.count("signatures"), before);

    // With the reasons and the confirmation it is accepted, and listed once verified.
    form.retain(|(k, _)| *k != r22.as_str());
    form.extend([(r22.as_str(), "仅经营团购券，七日无理由退货不适用"), ("confirm", "on")]);
    let r = filer.post_from(&apply, &apply, &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let sig = signature_of(&r);
    acted(&editor, sig, "verify", "").await;
    let (_, html) = public.get_html(&format!("/pledges/{p}")).await;
    let row = &html[html.find("示例平台01").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    let n = cs.len();
    assert!(row.contains(&format!("承诺其中 {} 项，共 {n} 项", n - 2)), "{row}");
    assert!(row.contains("2.2") && row.contains("仅经营团购券，七日无理由退货不适用"));
    assert!(row.contains("4.3") && row.contains("不直接销售商品"));
}

/// Issue 9: the scope follows exactly what is ticked; a request whose parts
/// contradict each other is refused and records nothing.
#[tokio::test]
async fn an_application_records_exactly_the_ticked_commitments() {
    let app = spawn_app().await;
    let (filer, _, _) = clients(&app).await;
    let p = pledge_id(&app, CONVENTION);
    let cs = commitments(&app, p);
    let apply = format!("/pledges/{p}/apply");
    let (_, html) = filer.get_html(&apply).await;
    for (_, id) in &cs {
        assert!(html.contains(&format!("name=\"keep_{id}\" value=\"on\" checked")), "all ticked by default");
    }
    let id11 = cs[0].1;
    let others: Vec<String> = cs[1..].iter().map(|(_, id)| format!("keep_{id}")).collect();
    let r11 = format!("reason_{id11}");
    let k11 = format!("keep_{id11}");
    let base = |extra: &[(&'static str, &'static str)]| -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = others.iter().map(|k| (k.clone(), "on".to_owned())).collect();
        for (k, v) in [("representative_name", "张伟"), ("representative_title", "合规总监"), ("confirm", "on")] {
            f.push((k.to_owned(), v.to_owned()));
        }
        f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        f
    };
    let before = (app.count("signatures"), app.count("signature_exclusions"), app.count("audit_log"));
    let refused = |f: Vec<(String, String)>, message: &'static str| {
        let filer = &filer;
        let apply = apply.clone();
        async move {
            let form: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let r = filer.post_from(&apply, &apply, &form).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{message}");
            let html = r.text().await.unwrap();
            assert!(html.contains(message), "{message}");
            assert!(html.contains("id=\"error-summary\""), "summary at the top");
        }
    };
    // "All" claimed while 1.1 is unticked with a reason: before the fix this
    // recorded every commitment.
    let mut f = base(&[("scope", "all")]);
    f.push((r11.clone(), "不经营直播业务".into()));
    refused(f, "承诺范围与勾选的事项不一致").await;
    // A reason for a ticked commitment.
    let mut f = base(&[]);
    f.push((k11.clone(), "on".into()));
    f.push((r11.clone(), "不经营直播业务".into()));
    refused(f, "该事项已勾选承诺，不应填写不承诺的原因").await;
    // Another pledge's commitment, or a tick that is not "on".
    let other = commitments(&app, pledge_id(&app, INITIATIVE))[0].1;
    let mut f = base(&[]);
    f.push((k11.clone(), "on".into()));
    f.push((format!("keep_{other}"), "on".into()));
    refused(f, "申请中的承诺事项与本公约或倡议不符").await;
    let mut f = base(&[]);
    f.push((k11.clone(), "off".into()));
    refused(f, "申请中的承诺事项与本公约或倡议不符").await;
    // Nothing ticked.
    let f: Vec<(String, String)> = base(&[]).into_iter().filter(|(k, _)| !k.starts_with("keep_")).collect();
    refused(f, "请至少承诺一项事项").await;
    assert_eq!((app.count("signatures"), app.count("signature_exclusions"), app.count("audit_log")), before);

    // The same subset without contradictions is recorded as ticked, and the
    // confirmation lists exactly the commitments subscribed.
    let mut f = base(&[]);
    f.push((r11.clone(), "不经营直播业务".into()));
    let form: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = filer.post_from(&apply, &apply, &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let sig = signature_of(&r);
    let excluded = scalar(
        &app,
        &format!(
            "SELECT COUNT(*) AS n FROM signature_exclusions WHERE signature_id = {sig} AND commitment_id = {id11}"
        ),
    );
    assert_eq!(excluded, 1);
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) AS n FROM signature_exclusions WHERE signature_id = {sig}")), 1);
    let (_, html) = filer.get_html(&format!("/signatures/{sig}")).await;
    let subscribed = &html[html.find("id=\"subscribed-h\"").expect("list of subscribed commitments")..];
    let (kept, left) = subscribed.split_at(subscribed.find("不承诺的事项").expect("left-out list"));
    assert!(!kept.contains(&format!(">{}<", cs[0].0)), "1.1 is not listed as subscribed");
    for (n, _) in &cs[1..] {
        assert!(kept.contains(&format!("<span class=\"num\">{n}</span>")), "{n} subscribed");
    }
    assert!(left.contains(&format!("<span class=\"num\">{}</span>", cs[0].0)) && left.contains("不经营直播业务"));
    assert!(html.contains(&format!("承诺其中 {} 项，共 {} 项", cs.len() - 1, cs.len())));
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
async fn signatories_export_as_csv_and_xlsx() {
    let app = spawn_app().await;
    let p = pledge_id(&app, CONVENTION);
    let r = app.get(&format!("/pledges/{p}/signatories.csv")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "BOM");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].contains("单位名称") && lines[0].contains("统一社会信用代码") && lines[0].contains("承诺范围"));
    // 7 verified + subset + withdrawn + suspended; never the pending one.
    assert_eq!(lines.len(), 1 + 10);
    assert!(!csv.contains("示例平台03"));
    let p10 = lines.iter().find(|l| l.contains("示例平台10")).unwrap();
    assert!(p10.contains("2.2") && p10.contains("七日无理由退货规定不适用") && p10.contains("4.3"));
    let p09 = lines.iter().find(|l| l.contains("示例平台09")).unwrap();
    assert!(p09.contains("已退出") && p09.contains("停止网络直播营销业务"));

    let r = app.get(&format!("/pledges/{p}/signatories.csv?status=suspended")).await;
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().count(), 2);
    assert!(csv.contains("示例平台13") && csv.contains("虚构原价"));

    let r = app.get(&format!("/pledges/{p}/signatories.xlsx")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.sheet_names()[0].clone();
    assert_eq!(sheet, "签署单位");
    let range = wb.worksheet_range(&sheet).unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), 11);
    assert_eq!(rows[0][0], "单位名称");
    assert_eq!(rows[0][2], "统一社会信用代码");
    let p10 = rows.iter().find(|r| r[0] == "示例平台10").unwrap();
    assert_eq!(p10[1], "Sample Platform 10");
    assert!(p10[8].contains("2.2") && p10[8].contains("4.3"));
    assert!(rows.iter().all(|r| r[0] != "示例平台03"));

    // In English, with the initiative's 28 signatories.
    app.get("/lang/en").await;
    let i = pledge_id(&app, INITIATIVE);
    let csv = app.get(&format!("/pledges/{i}/signatories.csv")).await.text().await.unwrap();
    assert!(csv.lines().next().unwrap().contains("Unified social credit code"));
    assert_eq!(csv.lines().count(), 29);
    assert!(csv.contains("All commitments"));
    // A draft's export is as hidden as the draft.
    assert_eq!(app.get("/pledges/999/signatories.csv").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn editor_creates_edits_opens_and_closes_a_pledge() {
    let app = spawn_app().await;
    let (filer, editor, public) = clients(&app).await;
    let bad = rows_form(&[
        ["1.1", "平台责任", "Platform duty", "核验主播资质", "Verify hosts"],
        ["1.1", "重复", "Dup", "文本", "Text"],
        ["x", "a", "b", "c", "d"],
        ["", "", "", "", ""],
        ["2", "区", "", "文本", "Text"],
    ]);
    let form = with_rows(
        &[
            ("kind", "initiative"),
            ("title_zh", "直播间明码标价倡议"),
            ("title_en", ""),
            ("text_md_zh", "## 倡议\n\n请明码标价。"),
        ],
        &bad,
    );
    let before = app.count("pledges");
    let r = editor.post_from("/pledges/new", "/pledges", &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    // Each message beside its cell, and in the summary naming the row and column.
    assert!(html.contains("<p class=\"error\" id=\"e-c1_number\">编号与前面的事项重复。</p>"), "duplicate at row 2");
    assert!(html.contains("<p class=\"error\" id=\"e-c2_number\">编号须为"), "number format at row 3");
    assert!(html.contains("id=\"e-c4_area_en\""), "required cell at row 5");
    assert!(!html.contains("id=\"e-c3_number\""), "a blank row is skipped");
    assert!(html.contains("href=\"#f-c1_number\">第 2 项的编号：编号与前面的事项重复。"), "summary");
    assert!(html.contains("href=\"#f-c4_area_en\">第 5 项的领域（英文）："), "summary");
    assert!(html.contains("此项为必填项"), "English title missing");
    assert_eq!(field_value(&html, "title_zh").as_deref(), Some("直播间明码标价倡议"));
    assert_eq!(field_value(&html, "c0_area_en").as_deref(), Some("Platform duty"), "rows kept");
    assert_eq!(field_value(&html, "c2_number").as_deref(), Some("x"));
    assert!(html.contains(">核验主播资质</textarea>"), "texts kept");
    assert!(!html.contains("name=\"commitments\""), "no text box of |-separated lines");
    assert_eq!(app.count("pledges"), before);

    let good = rows_form(&[
        ["1", "价格", "Pricing", "显著位置明码标价", "Mark prices prominently"],
        ["2", "价格", "Pricing", "不虚构原价", "No fictitious original prices"],
    ]);
    let fields = [
        ("kind", "initiative"),
        ("title_zh", "直播间明码标价倡议"),
        ("title_en", "Initiative on Clear Pricing in Live Rooms"),
        ("guiding_body_zh", "示例市场监督管理局"),
        ("guiding_body_en", "Sample Market Regulation Bureau"),
        ("text_md_zh", "## 倡议\n\n请明码标价。"),
    ];
    // An editor cannot choose another issuer: ignored.
    let mut form = with_rows(&fields, &good);
    form.push(("organization_id", "1"));
    let r = editor.post_from("/pledges/new", "/pledges", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let page = location(&r);
    let id: i64 = page.trim_start_matches("/pledges/").parse().unwrap();
    {
        let mut conn = app.conn();
        let p = pdb::get(&mut conn, id).unwrap().unwrap();
        assert_eq!(p.organization_id, org_id(&app, "示例网络直播电商行业协会"));
        assert_eq!(p.state, "draft");
    }
    // A draft is hidden from everyone but its managers.
    assert_eq!(public.get(&page).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(filer.get(&page).await.status(), StatusCode::NOT_FOUND);
    assert!(!public.get_html("/pledges").await.1.contains("直播间明码标价倡议"));
    let (_, html) = editor.get_html("/pledges").await;
    assert!(html.contains("直播间明码标价倡议") && html.contains("草稿"));

    // The edit page shows the commitments as rows, and spare empty rows.
    let edit = format!("{page}/edit");
    let (_, html) = editor.get_html(&edit).await;
    assert_eq!(field_value(&html, "c0_number").as_deref(), Some("1"));
    assert_eq!(field_value(&html, "c1_area_en").as_deref(), Some("Pricing"));
    assert!(html.contains(">不虚构原价</textarea>"));
    assert_eq!(field_value(&html, "c2_number").as_deref(), Some(""), "spare row");
    assert!(html.contains("name=\"c6_number\"") && !html.contains("name=\"c7_number\""), "five spare rows");
    assert!(html.contains("class=\"breadcrumbs\"") && html.contains(&format!("href=\"{page}\"")));
    // Edit while draft: change a row and fill a spare one; a stale edit is refused.
    let more = rows_form(&[
        ["1", "价格", "Pricing", "在显著位置明码标价", "Mark prices prominently"],
        ["2", "价格", "Pricing", "不虚构原价", "No fictitious original prices"],
        ["3", "投诉", "Complaints", "及时处理投诉", "Handle complaints promptly"],
    ]);
    let mut changed = with_rows(&fields, &more);
    changed.push(("version", "1"));
    let r = editor.post_from(&edit, &edit, &changed).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(commitments(&app, id).len(), 3);
    let texts: Vec<String> = {
        let mut conn = app.conn();
        pdb::commitments(&mut conn, id).unwrap().into_iter().map(|c| c.text_zh).collect()
    };
    assert_eq!(texts[0], "在显著位置明码标价");
    let r = editor.post_from(&edit, &edit, &changed).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "version 1 is stale now");

    // Open: public, and filers may apply.
    let r = editor.post_from(&page, &format!("{page}/open"), &[("version", "2")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, html) = public.get_html(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h2>倡议</h2>") && html.contains("及时处理投诉") && html.contains("投诉"));
    assert_eq!(editor.get(&edit).await.status(), StatusCode::CONFLICT, "no editing once open");
    let sig = applied(&filer, id).await;
    acted(&editor, sig, "verify", "").await;

    // Close: no new applications; existing signatures stand.
    let r = editor.post_from(&page, &format!("{page}/close"), &[("version", "3")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let filer2 = app.other_client();
    filer2.login("filer2@example.org").await;
    assert_eq!(apply_all(&filer2, id).await.status(), StatusCode::CONFLICT);
    let (_, html) = public.get_html(&page).await;
    assert!(html.contains("已截止签署") && html.contains("示例平台01"));
    let audit =
        scalar(&app, &format!("SELECT COUNT(*) AS n FROM audit_log WHERE object_type = 'pledge' AND object_id = {id}"));
    assert_eq!(audit, 4, "create, update, open, close");
}

#[tokio::test]
async fn text_in_every_field_is_escaped() {
    let app = spawn_app().await;
    let (filer, editor, public) = clients(&app).await;
    let x = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>";
    let rows = rows_form(&[["1", x, x, x, x], ["2", "区", "Area", "二", "Two"]]);
    let md = format!("{x}\n\n[link](javascript:alert(1))");
    let form = with_rows(
        &[
            ("kind", "convention"),
            ("title_zh", x),
            ("title_en", x),
            ("guiding_body_zh", x),
            ("guiding_body_en", x),
            ("text_md_zh", md.as_str()),
            ("text_md_en", md.as_str()),
        ],
        &rows,
    );
    let r = editor.post_from("/pledges/new", "/pledges", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = location(&r);
    let id: i64 = page.trim_start_matches("/pledges/").parse().unwrap();
    editor.post_from(&page, &format!("{page}/open"), &[("version", "1")]).await;
    let cs = crate::pledges::commitments(&app, id);
    let apply = format!("{page}/apply");
    let keep = format!("keep_{}", cs[1].1);
    let reason = format!("reason_{}", cs[0].1);
    let r = filer
        .post_from(
            &apply,
            &apply,
            &[
                (keep.as_str(), "on"),
                (reason.as_str(), x),
                ("representative_name", x),
                ("representative_title", x),
                ("confirm", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let sig = signature_of(&r);
    acted(&editor, sig, "verify", x).await;
    acted(&editor, sig, "suspend", x).await;
    // A re-rendered form escapes what was typed, too.
    let r = filer
        .post_from(&apply, &apply, &[(reason.as_str(), x), ("representative_name", x), ("representative_title", "")])
        .await;
    let rerendered = r.text().await.unwrap();

    let mut pages = vec![rerendered];
    for path in [
        "/pledges".to_owned(),
        page.clone(),
        format!("/signatures/{sig}"),
        format!("/orgs/{}", org_id(&app, "示例平台01")),
    ] {
        let (status, html) = public.get_html(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        pages.push(html);
    }
    for html in &pages {
        assert!(!html.contains("<script>alert(1)</script>"));
        assert!(!html.contains("<img src=x"));
        assert!(!html.to_ascii_lowercase().contains("javascript:alert"));
    }
    let pledge_page = &pages[2];
    assert!(pledge_page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let sig_page = &pages[3];
    assert!(sig_page.contains("&lt;script&gt;"), "reasons and representative escaped");
}

#[tokio::test]
async fn english_pages_and_organization_pages() {
    let app = spawn_app().await;
    let public = app.other_client();
    let p = pledge_id(&app, CONVENTION);
    let (_, html) = public.get_html("/orgs?q=平台05").await;
    assert!(html.contains("示例平台05") && !html.contains("示例平台06"));
    let (_, html) = public.get_html("/orgs?q=91310000MA000007").await;
    assert!(html.contains("示例平台07") && !html.contains("示例平台05"));
    let (_, html) = public.get_html("/orgs?q=sample+platform+1").await;
    assert!(html.contains("示例平台12") && !html.contains("示例平台05"));
    let (_, html) = public.get_html(&format!("/orgs/{}", org_id(&app, "示例平台09"))).await;
    assert!(html.contains("已退出") && html.contains(CONVENTION) && html.contains(INITIATIVE));
    // Platform 03's pending application shows to its own side and admins only.
    let p03 = org_id(&app, "示例平台03");
    let (_, html) = public.get_html(&format!("/orgs/{p03}")).await;
    assert!(!html.contains("待核验"));
    let admin = app.other_client();
    admin.login("admin@example.org").await;
    let (_, html) = admin.get_html(&format!("/orgs/{p03}")).await;
    assert!(html.contains("待核验"));
    assert_eq!(public.get("/orgs/999999").await.status(), StatusCode::NOT_FOUND);
    let (_, html) = public.get_html(&format!("/orgs/{}", org_id(&app, "示例网络直播电商行业协会"))).await;
    assert!(html.contains("发起的公约与倡议") && html.contains(CONVENTION) && html.contains(INITIATIVE));

    // English.
    public.get("/lang/en").await;
    let (_, html) = public.get_html("/").await;
    assert!(html.contains("href=\"/pledges\"") && html.contains(">Pledges<") && html.contains(">Organizations<"));
    let (_, html) = public.get_html("/pledges").await;
    assert!(html.contains("Convention on Compliant Operation in Online Trading") && html.contains("Initiative"));
    let (_, html) = public.get_html(&format!("/pledges/{p}")).await;
    for s in [
        "Platform responsibility",
        "Lawful pricing",
        "Sample Platform 10",
        "Left out, with the reason",
        "Withdrawn",
        "Suspended",
    ] {
        assert!(html.contains(s), "{s}");
    }
    let (_, html) = public.get_html("/orgs").await;
    assert!(html.contains("Find by name or credit code"));
}

#[tokio::test]
async fn pledge_queries_do_not_grow_with_the_number_of_signatories() {
    use diesel::connection::{Connection, InstrumentationEvent};
    use selfreg::domain::pledge::SignatureState;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let app = spawn_app().await;
    let mut conn = selfreg::db::Manager::new(app.target.clone()).establish().unwrap();
    let n = Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    conn.set_instrumentation(move |e: InstrumentationEvent<'_>| {
        if matches!(e, InstrumentationEvent::StartQuery { .. }) {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let mut queries = |f: &mut dyn FnMut(&mut selfreg::db::DbConn)| {
        n.store(0, Ordering::SeqCst);
        f(&mut conn);
        n.load(Ordering::SeqCst)
    };
    let public = pdb::SignatoryFilter { states: SignatureState::PUBLIC.to_vec(), ..Default::default() };
    let mut counts = Vec::new();
    for (title, expected) in [(CONVENTION, 10), (INITIATIVE, 28)] {
        let p = pledge_id(&app, title);
        let q = queries(&mut |c| {
            let rows = pdb::signatories(c, p, &public).unwrap();
            assert_eq!(rows.len(), expected);
            assert!(rows.iter().all(|r| r.events.len() >= 2), "history loaded");
        });
        counts.push(q);
    }
    assert_eq!(counts, vec![3, 3], "signatures, exclusions, events: one query each");
    let org = org_id(&app, "示例平台10");
    assert_eq!(queries(&mut |c| assert_eq!(pdb::org_signatures(c, org, &SignatureState::PUBLIC).unwrap().len(), 2)), 1);
    assert_eq!(queries(&mut |c| assert_eq!(pdb::list(c, pdb::Drafts::None).unwrap().len(), 2)), 2);
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

/// Open pledges made behind the application's back, for paging.
fn make_open_pledges(app: &TestApp, n: usize) {
    use selfreg::db::audit::Actor;
    use selfreg::domain::pledge::{parse_commitments, PledgeState};
    let issuer = org_id(app, "示例网络直播电商行业协会");
    let mut conn = app.conn();
    for i in 1..=n {
        let data = pdb::PledgeData {
            kind: "initiative",
            title_zh: format!("批量倡议{i:02}"),
            title_en: format!("Batch initiative {i:02}"),
            organization_id: issuer,
            guiding_body_zh: String::new(),
            guiding_body_en: String::new(),
            text_md_zh: "正文".into(),
            text_md_en: String::new(),
            commitments: parse_commitments("1 | 区 | Area | 一 | One").unwrap(),
        };
        let id = pdb::insert(&mut conn, Actor::SYSTEM, &data).unwrap();
        pdb::seed_state(&mut conn, id, PledgeState::Open, Some(selfreg::db::now()), None).unwrap();
    }
    drop(conn);
    app.data_changed();
}

#[tokio::test]
async fn the_pledge_list_filters_searches_and_pages() {
    let app = spawn_app().await;
    let public = app.other_client();
    let (_, html) = public.get_html("/pledges?kind=initiative").await;
    assert!(html.contains(INITIATIVE) && !html.contains(CONVENTION), "kind");
    let (_, html) = public.get_html("/pledges?kind=convention").await;
    assert!(!html.contains(INITIATIVE) && html.contains(CONVENTION), "kind");
    let (_, html) = public.get_html("/pledges?q=合规经营").await;
    assert!(html.contains(CONVENTION) && !html.contains(INITIATIVE), "words in the title");
    assert!(html.contains("value=\"合规经营\""), "the search stays in its box");
    let (_, html) = public.get_html("/pledges?q=COMPLIANT+operation").await;
    assert!(html.contains(CONVENTION) && !html.contains(INITIATIVE), "English, any case");
    let (_, html) = public.get_html("/pledges?status=closed").await;
    assert!(html.contains("没有符合条件的公约或倡议") && !html.contains(CONVENTION), "status");
    let assoc = org_id(&app, "示例网络直播电商行业协会");
    let (_, html) = public.get_html(&format!("/pledges?issuer={assoc}")).await;
    assert!(html.contains(CONVENTION) && html.contains(INITIATIVE), "issuer");
    assert!(html.contains(&format!("<option value=\"{assoc}\" selected>")), "issuer offered and kept");
    let (_, html) = public.get_html(&format!("/pledges?issuer={}", org_id(&app, "示例平台01"))).await;
    assert!(!html.contains(CONVENTION), "issuer");
    let (_, html) = public.get_html("/pledges?status=draft").await;
    assert!(!html.contains("value=\"draft\""), "the public cannot ask for drafts");

    make_open_pledges(&app, 21);
    let (_, html) = public.get_html("/pledges").await;
    assert!(html.contains("批量倡议21") && !html.contains(CONVENTION), "20 a page, newest first");
    assert!(html.contains("href=\"/pledges?page=2\""), "pager");
    let (_, html) = public.get_html("/pledges?page=2").await;
    assert!(html.contains(CONVENTION) && html.contains(INITIATIVE) && html.contains("批量倡议01"));
    let (_, html) = public.get_html("/pledges?page=99").await;
    assert!(html.contains(CONVENTION), "past the end: the last page");
    let (_, html) = public.get_html("/pledges?q=batch&kind=initiative").await;
    assert!(html.contains("批量倡议21") && !html.contains(INITIATIVE));
    assert!(html.contains("href=\"/pledges?kind=initiative&amp;q=batch&amp;page=2\""), "filters kept by the pager");
    let (_, html) = public.get_html("/pledges?q=batch&kind=initiative&page=2").await;
    assert!(html.contains("批量倡议01") && !html.contains("批量倡议02<"));
}

#[tokio::test]
async fn signatories_are_found_by_name_and_nested_pages_have_breadcrumbs() {
    let app = spawn_app().await;
    let (filer, editor, public) = clients(&app).await;
    let p = pledge_id(&app, CONVENTION);
    let (_, html) = public.get_html(&format!("/pledges/{p}")).await;
    assert!(html.contains("<span class=\"muted\">（10）</span>"), "every public signatory counted");
    let (_, html) = public.get_html(&format!("/pledges/{p}?q=平台10")).await;
    assert!(html.contains("示例平台10") && html.contains("<span class=\"muted\">（1）</span>"), "by name");
    assert!(html.contains("value=\"平台10\""));
    let (_, html) = public.get_html(&format!("/pledges/{p}?q=sample+PLATFORM+10")).await;
    assert!(html.contains("<span class=\"muted\">（1）</span>"), "by English name");
    let (_, html) = public.get_html(&format!("/pledges/{p}?q=没有这个单位")).await;
    assert!(html.contains("暂无符合条件的签署单位"));
    let (_, html) = public.get_html(&format!("/pledges/{p}/signatories.csv?q=平台10")).await;
    assert_eq!(html.lines().count(), 2, "the export follows the search: {html}");

    // Nested pages say where they are.
    let sig = applied(&filer, pledge_id(&app, CONVENTION)).await;
    let crumbs = |html: &str| -> String {
        let start = html.find("<nav class=\"breadcrumbs\"").expect("breadcrumbs");
        html[start..start + html[start..].find("</nav>").unwrap()].to_owned()
    };
    let (_, html) = public.get_html(&format!("/pledges/{p}")).await;
    assert!(crumbs(&html).contains("href=\"/pledges\""));
    let (_, html) = editor.get_html(&format!("/signatures/{sig}")).await;
    let c = crumbs(&html);
    assert!(
        c.contains("href=\"/pledges\"") && c.contains(&format!("href=\"/pledges/{p}\"")) && c.contains("示例平台01")
    );
    let filer2 = app.other_client();
    filer2.login("filer2@example.org").await;
    let (_, html) = filer2.get_html(&format!("/pledges/{p}/apply")).await;
    assert!(crumbs(&html).contains(&format!("href=\"/pledges/{p}\"")));
    let (_, html) = editor.get_html("/pledges/new").await;
    assert!(crumbs(&html).contains("href=\"/pledges\""));
    let (_, html) = public.get_html(&format!("/orgs/{}", org_id(&app, "示例平台01"))).await;
    assert!(crumbs(&html).contains("href=\"/orgs\""));
    // The organizations list: past the end shows the last page, and the search is kept.
    let (_, html) = public.get_html("/orgs?page=9").await;
    assert!(html.contains("示例平台01"));
    let (_, html) = public.get_html("/orgs?q=%E5%B9%B3%E5%8F%B001").await;
    assert!(html.contains("示例平台01") && !html.contains("示例平台02") && html.contains("value=\"平台01\""));
}

/// A double-submitted application (two identical POSTs at once) records one
/// signature and never fails with a server error; two editors verifying the
/// same application from the same page record one decision.
#[tokio::test]
async fn double_submits_record_once() {
    let app = spawn_app().await;
    let (filer, editor, _) = clients(&app).await;
    let p = pledge_id(&app, CONVENTION);
    let before = (app.count("signatures"), app.count("audit_log"));
    let (a, b, c) = tokio::join!(apply_all(&filer, p), apply_all(&filer, p), apply_all(&filer, p));
    let statuses = [a.status(), b.status(), c.status()];
    assert!(statuses.iter().all(|s| !s.is_server_error()), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::SEE_OTHER).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::SEE_OTHER || *s == StatusCode::CONFLICT), "{statuses:?}");
    let org = org_id(&app, "示例平台01");
    let live = scalar(
        &app,
        &format!(
            "SELECT COUNT(*) AS n FROM signatures WHERE pledge_id = {p} AND organization_id = {org} \
             AND state IN ('applied', 'verified', 'suspended')"
        ),
    );
    assert_eq!(live, 1);
    assert_eq!((app.count("signatures"), app.count("audit_log")), (before.0 + 1, before.1 + 1));

    let sig = [a, b, c].iter().find(|r| r.status() == StatusCode::SEE_OTHER).map(signature_of).unwrap();
    let page = format!("/signatures/{sig}");
    let (_, html) = editor.get_html(&page).await;
    let version = field_value(&html, "version").unwrap();
    let editor2 = app.other_client();
    editor2.login("editor@example.org").await;
    let events = app.count("signature_events");
    let verify = format!("{page}/verify");
    let decline = format!("{page}/decline");
    let fx = [("version", version.as_str()), ("reason", "")];
    let fy = [("version", version.as_str()), ("reason", "资料不全")];
    let (x, y) = tokio::join!(editor.post_from(&page, &verify, &fx), editor2.post_from(&page, &decline, &fy));
    let mut st = [x.status(), y.status()];
    st.sort();
    assert_eq!(st, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    assert_eq!(app.count("signature_events"), events + 1, "one decision recorded");
    let (state, v) = signature_state(&app, sig);
    assert!(state == "verified" || state == "declined");
    assert_eq!(v, version.parse::<i32>().unwrap() + 1);
}
