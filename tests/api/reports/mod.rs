//! Commitment reports over HTTP: filing, uploads, review, periods, visibility.

use reqwest::multipart::{Form as Multipart, Part};
use reqwest::StatusCode;

use crate::helpers::*;

mod filing;
mod lifecycle;
mod periods;
mod queue;
mod races;
mod uploads;
mod visibility;
mod words;

/// The id of the demo initiative's current (open) period.
pub fn period_id(app: &TestApp, label: &str) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::reporting_periods::dsl::*;
    reporting_periods.filter(label_zh.eq(label)).select(id).first(&mut *app.conn()).unwrap()
}

pub fn report_state(app: &TestApp, rid: i64) -> String {
    use diesel::prelude::*;
    use selfreg::db::schema::reports::dsl::*;
    reports.find(rid).select(state).first(&mut *app.conn()).unwrap()
}

/// Entry ids of a report's edit form, in page order.
pub fn entry_ids(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("name=\"e_") {
        let after = &rest[i + 8..];
        let id: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
        if after[id.len()..].starts_with("_status\"") && !out.contains(&id) {
            out.push(id.clone());
        }
        rest = &after[id.len()..];
    }
    out
}

/// Open (create) the signed-in filer's report for a period; its id.
pub async fn open_report(filer: &TestApp, period: i64) -> i64 {
    let r = filer.post_from("/reporting", &format!("/reporting/{period}/open"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let loc = location(&r);
    loc.trim_start_matches("/reports/").trim_end_matches("/edit").parse().unwrap()
}

/// The edit form as the page `html` would send it: its token and version,
/// the button, and the fields `fill` gives for every entry.
pub fn report_form(
    html: &str,
    action: &str,
    fill: impl Fn(usize, &str) -> Vec<(String, String)>,
) -> Vec<(String, String)> {
    let version = field_value(html, "version").unwrap();
    let mut form: Vec<(String, String)> =
        vec![("csrf_token".into(), csrf_in(html)), ("version".into(), version), ("action".into(), action.into())];
    for (i, e) in entry_ids(html).iter().enumerate() {
        form.extend(fill(i, e));
    }
    form
}

/// Post the edit form with `fields` for every entry (built by `fill`), as save or submit.
pub async fn post_report(
    filer: &TestApp,
    rid: i64,
    action: &str,
    fill: impl Fn(usize, &str) -> Vec<(String, String)>,
) -> reqwest::Response {
    let (_, html) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    let form = report_form(&html, action, fill);
    filer.client.post(filer.url(&format!("/reports/{rid}/save"))).form(&form).send().await.unwrap()
}

pub fn complete(i: usize, e: &str) -> Vec<(String, String)> {
    vec![
        (format!("e_{e}_status"), if i == 0 { "in_progress".into() } else { "implemented".into() }),
        (format!("e_{e}_measures"), format!("第 {i} 项措施：建立核验台账。")),
        (format!("e_{e}_iname_0"), "主播资质核验率".into()),
        (format!("e_{e}_ivalue_0"), "98.5".into()),
        (format!("e_{e}_iunit_0"), "%".into()),
        (format!("e_{e}_lurl_0"), "https://platform01.example.com/report".into()),
        (format!("e_{e}_llabel_0"), "公示页面".into()),
    ]
}

pub async fn decide(
    reviewer: &TestApp,
    rid: i64,
    decision: &str,
    comment: &str,
    entry_comment: Option<(&str, &str)>,
) -> reqwest::Response {
    let (_, html) = reviewer.get_html(&format!("/reports/{rid}")).await;
    let version = field_value(&html, "version").unwrap();
    let token = csrf_in(&html);
    let mut form = vec![
        ("csrf_token", token.as_str()),
        ("version", version.as_str()),
        ("decision", decision),
        ("comment", comment),
    ];
    let key;
    if let Some((e, c)) = entry_comment {
        key = format!("c_{e}");
        form.push((key.as_str(), c));
    }
    reviewer.client.post(reviewer.url(&format!("/reports/{rid}/decision"))).form(&form).send().await.unwrap()
}

/// The id of the organization with this Chinese name.
pub fn org_id(app: &TestApp, name: &str) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::organizations::dsl::*;
    organizations.filter(name_zh.eq(name)).select(id).first(&mut *app.conn()).unwrap()
}

/// A second association, which issues none of the demo pledges; its id.
pub fn add_association(app: &TestApp) -> i64 {
    use selfreg::db::orgs::{insert, OrgData};
    let data = OrgData {
        kind: selfreg::domain::OrgKind::Association,
        name_zh: "另一行业协会".into(),
        name_en: "Another Association".into(),
        credit_code: "91310000MA1FL1MMXL".into(),
        website: String::new(),
        contact: String::new(),
    };
    insert(&mut app.conn(), selfreg::db::audit::Actor::SYSTEM, &data).unwrap()
}

/// A new user of organization `org` with the demo password.
pub fn add_user(app: &TestApp, org: i64, email: &str, role: selfreg::domain::Role) {
    use selfreg::db::users::{insert, NewUser};
    let hash = selfreg::auth::password::hash_blocking(DEMO_PASSWORD);
    let email = selfreg::domain::Email::parse(email).unwrap();
    let u = NewUser { email: &email, display_name: "测试用户", organization_id: org, role, password_hash: &hash };
    insert(&mut app.conn(), selfreg::db::audit::Actor::SYSTEM, &u).unwrap();
}

/// A client of the same app signed in as `email`.
pub async fn signed_in(app: &TestApp, email: &str) -> TestApp {
    let c = app.other_client();
    c.login(email).await;
    c
}

/// A file to attach: (entry id, file name, bytes).
pub type Attach<'a> = (&'a str, &'a str, Vec<u8>);

/// Post the edit form as a browser does: one multipart form, the CSRF token
/// first, then the version, the fields, each entry's files, and the button.
pub async fn post_upload(
    filer: &TestApp,
    rid: i64,
    action: &str,
    fields: &[(String, String)],
    files: Vec<Attach<'_>>,
) -> reqwest::Response {
    let (_, html) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    let mut form = Multipart::new()
        .text("csrf_token", csrf_in(&html))
        .text("version", field_value(&html, "version").expect("the edit form has a version"));
    for (k, v) in fields {
        form = form.text(k.clone(), v.clone());
    }
    for (entry, name, data) in files {
        form = form.part(format!("e_{entry}_files"), Part::bytes(data).file_name(name.to_owned()));
    }
    form = form.text("action", action.to_owned());
    filer.client.post(filer.url(&format!("/reports/{rid}/save"))).multipart(form).send().await.unwrap()
}

/// The href of the first evidence file named `name` on a page.
pub fn file_href(html: &str, name: &str) -> Option<String> {
    let end = html.find(&format!("\">{name}</a>"))?;
    let start = html[..end].rfind("href=\"")? + 6;
    Some(html[start..end].to_owned())
}

/// Evidence files stored for reports (shown or removed-but-kept).
pub fn evidence_count(app: &TestApp, owner: &str) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::attachments::dsl::*;
    attachments.filter(owner_type.eq(owner)).count().get_result(&mut *app.conn()).unwrap()
}

/// The latest audit row.
pub fn last_audit(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::audit_log::dsl::*;
    audit_log.select(diesel::dsl::max(id)).first::<Option<i64>>(&mut *app.conn()).unwrap().unwrap_or(0)
}

/// The decisions recorded for a report since audit row `since` (a report id
/// may come again after a report is removed).
pub fn decisions(app: &TestApp, rid: i64, since: i64) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::audit_log::dsl::*;
    audit_log
        .filter(id.gt(since))
        .filter(object_type.eq("report"))
        .filter(object_id.eq(rid))
        .filter(action.eq_any(vec!["accept", "return"]))
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}
