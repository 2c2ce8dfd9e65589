//! Standards, black-box over HTTP: one file per page group.

mod access;
mod comments;
mod demo;
mod disposition;
mod lifecycle;
mod pages;
mod publication;
mod races;

use reqwest::multipart::{Form as Multipart, Part};
use reqwest::StatusCode;

use crate::helpers::*;

pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The id of the demo standard with this Chinese title.
pub fn std_id(app: &TestApp, title: &str) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::standards::dsl::*;
    standards.filter(title_zh.eq(title)).select(id).first(&mut *app.conn()).unwrap()
}

pub fn state_of(app: &TestApp, sid: i64) -> String {
    use diesel::prelude::*;
    use selfreg::db::schema::standards::dsl::*;
    standards.find(sid).select(state).first(&mut *app.conn()).unwrap()
}

pub fn comment_count(app: &TestApp, sid: i64) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::comments::dsl::*;
    comments.filter(standard_id.eq(sid)).count().get_result(&mut *app.conn()).unwrap()
}

/// Move the latest comment period of a standard (e.g. to end it).
pub fn set_period(app: &TestApp, sid: i64, starts: chrono::NaiveDate, ends: chrono::NaiveDate) {
    use diesel::prelude::*;
    use selfreg::db::schema::comment_periods::dsl::*;
    diesel::update(comment_periods.filter(standard_id.eq(sid)))
        .set((starts_on.eq(starts), ends_on.eq(ends)))
        .execute(&mut *app.conn())
        .unwrap();
    app.data_changed();
}

pub fn today() -> chrono::NaiveDate {
    selfreg::i18n::beijing_today()
}

/// Post a lifecycle action from the standard's page (its CSRF token and version).
pub async fn act(app: &TestApp, sid: i64, action: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let (_, html) = app.get_html(&format!("/standards/{sid}")).await;
    let version = field_value(&html, "version").unwrap_or_else(|| "0".into());
    let mut form: Vec<(&str, &str)> = extra.to_vec();
    form.push(("version", &version));
    app.post_from(&format!("/standards/{sid}"), &format!("/standards/{sid}/actions/{action}"), &form).await
}

pub async fn upload(app: &TestApp, sid: i64, body: &str, files: Vec<(&str, Vec<u8>)>) -> reqwest::Response {
    upload_labelled(app, sid, "comment_draft", body, files).await
}

/// Upload a version with this label (comment_draft, review_draft, approval_draft, final).
pub async fn upload_labelled(
    app: &TestApp,
    sid: i64,
    label: &str,
    body: &str,
    files: Vec<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let (_, html) = app.get_html(&format!("/standards/{sid}/versions/new")).await;
    let token = csrf_in(&html);
    let mut form = Multipart::new()
        .text("csrf_token", token)
        .text("label", label.to_owned())
        .text("body", body.to_owned())
        .text("note", "测试版本");
    for (name, data) in files {
        form = form.part("attachments", Part::bytes(data).file_name(name.to_owned()));
    }
    app.client.post(app.url(&format!("/standards/{sid}/versions"))).multipart(form).send().await.unwrap()
}

pub async fn propose(app: &TestApp, title: &str, kind: &str) -> i64 {
    let org = association_id(app);
    let r = app
        .post_from(
            "/standards/new",
            "/standards",
            &[
                ("kind", kind),
                ("title_zh", title),
                ("title_en", "Test standard"),
                ("scope", "适用范围"),
                ("proposing_org_id", &org),
                ("lead_org_id", &org),
                ("ics", "03.080"),
                ("ccs", "A 10"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    location(&r).trim_start_matches("/standards/").parse().unwrap()
}

pub fn association_id(app: &TestApp) -> String {
    let mut conn = app.conn();
    selfreg::db::orgs::search(&mut conn, "示例网络直播电商行业协会", 1, 0).unwrap().0[0].id.to_string()
}

pub async fn other_association_editor(app: &TestApp) -> TestApp {
    use selfreg::db::{audit::Actor, orgs, users};
    use selfreg::domain::{CreditCode, Email, OrgKind, Role};
    {
        let mut conn = app.conn();
        let code = CreditCode::complete("51310000MC0000099").unwrap();
        let org = orgs::insert(
            &mut conn,
            Actor::SYSTEM,
            &orgs::OrgData::new(
                OrgKind::Association,
                "另一协会".into(),
                "Another Association".into(),
                &code,
                String::new(),
                String::new(),
            ),
        )
        .unwrap();
        let hash = selfreg::auth::password::hash_blocking(DEMO_PASSWORD);
        let email = Email::parse("editor2@example.org").unwrap();
        users::insert(
            &mut conn,
            Actor::SYSTEM,
            &users::NewUser {
                email: &email,
                display_name: "另一协会编辑",
                organization_id: org,
                role: Role::Editor,
                password_hash: &hash,
            },
        )
        .unwrap();
    }
    let c = app.other_client();
    c.login("editor2@example.org").await;
    c
}

/// The HTML of comment `seq`'s row in the disposition table.
pub fn row_of(html: &str, seq: i32) -> String {
    let start = html.find(&format!("<tr id=\"c{seq}\"")).unwrap_or_else(|| panic!("row {seq} is shown"));
    let end = start + html[start..].find("</tr>").unwrap();
    html[start..end].to_owned()
}

/// The version a row's disposing form carries.
pub fn row_version(html: &str, seq: i32) -> String {
    field_value(&row_of(html, seq), "version").expect("the row form carries the comment's version")
}

/// Dispose one comment from its row of the table, as the form shows it now.
pub async fn dispose(app: &TestApp, sid: i64, seq: i32, disposition: &str, reason: &str) -> reqwest::Response {
    let page = format!("/standards/{sid}/comments");
    let (_, html) = app.get_html(&page).await;
    let version = row_version(&html, seq);
    let form = [
        ("disposition", disposition),
        ("reason", reason),
        ("version", version.as_str()),
        ("csrf_token", &csrf_in(&html)),
    ];
    app.client.post(app.url(&format!("/standards/{sid}/comments/{seq}/disposition"))).form(&form).send().await.unwrap()
}

/// (disposition, reason, version) of a comment, read from the database.
pub fn comment_state(app: &TestApp, sid: i64, seq_no: i32) -> (Option<String>, String, i32) {
    use diesel::prelude::*;
    use selfreg::db::schema::comments::dsl::*;
    comments
        .filter(standard_id.eq(sid))
        .filter(seq.eq(seq_no))
        .select((disposition, disposition_reason, version))
        .first(&mut *app.conn())
        .unwrap()
}

/// Move a standard to `state` behind the application's back (to test a later step).
pub fn force_state(app: &TestApp, sid: i64, to: &str) {
    use diesel::prelude::*;
    use selfreg::db::schema::standards::dsl::*;
    diesel::update(standards.find(sid)).set(state.eq(to)).execute(&mut *app.conn()).unwrap();
    app.data_changed();
}
