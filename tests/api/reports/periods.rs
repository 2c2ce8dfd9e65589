//! Reporting periods: no overlapping or duplicate periods, editable and
//! deletable until a report is opened, every message under its own field,
//! and the editors' way in (the pledge page and `/periods`).

use reqwest::StatusCode;
use selfreg::domain::Role;

use super::*;

fn initiative(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::pledges::dsl::*;
    pledges.filter(kind.eq("initiative")).select(id).first(&mut *app.conn()).unwrap()
}

fn period_form<'a>(
    label: &'a str,
    en: &'a str,
    from: &'a str,
    to: &'a str,
    opens: &'a str,
    due: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("label_zh", label),
        ("label_en", en),
        ("covers_from", from),
        ("covers_to", to),
        ("opens_on", opens),
        ("due_on", due),
    ]
}

/// The message shown under a field of the period form.
fn message_under(html: &str, field: &str) -> String {
    let marker = format!("id=\"e-{field}\">");
    let Some(i) = html.find(&marker) else { return String::new() };
    let rest = &html[i + marker.len()..];
    rest[..rest.find('<').unwrap()].to_owned()
}

#[tokio::test]
async fn overlapping_and_duplicate_periods_are_refused_under_their_fields() {
    let app = spawn_app().await;
    let editor = signed_in(&app, "editor@example.org").await;
    let page = format!("/pledges/{}/periods", initiative(&app));
    let h1 = period_form("2030年上半年", "2030 H1", "2030-01-01", "2030-06-30", "2030-07-01", "2030-07-31");
    assert_eq!(editor.post_from(&page, &page, &h1).await.status(), StatusCode::SEE_OTHER);

    // A reversed coverage is said under 覆盖期间止, in its own words; a taken
    // name under its field, at the same time.
    let reversed = period_form("2030年上半年", "2030 H2", "2030-12-31", "2030-07-01", "2031-01-01", "2031-01-31");
    let r = editor.post_from(&page, &page, &reversed).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert_eq!(message_under(&html, "covers_to"), "覆盖期间止不能早于覆盖期间起。");
    assert!(html.contains("href=\"#f-covers_to\">覆盖期间止："), "the summary names the field");
    assert_eq!(message_under(&html, "label_zh"), "本公约或倡议已有同名的报告期。", "every problem at once");
    assert_eq!(message_under(&html, "due_on"), "");

    // Overlapping coverage (one shared day is enough).
    let overlap = period_form("2030年全年", "2030", "2030-06-30", "2030-12-31", "2031-01-01", "2031-01-31");
    let r = editor.post_from(&page, &page, &overlap).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert_eq!(
        message_under(&html, "covers_from"),
        "覆盖期间与报告期“2030年上半年”的 2030年01月01日 至 2030年06月30日 重叠。"
    );
    assert_eq!(field_value(&html, "label_en").as_deref(), Some("2030"), "what was typed is kept");
    // The same name again.
    let twin = period_form("2030年上半年", "2030 H1 again", "2031-01-01", "2031-06-30", "2031-07-01", "2031-07-31");
    let r = editor.post_from(&page, &page, &twin).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(message_under(&r.text().await.unwrap(), "label_zh"), "本公约或倡议已有同名的报告期。");
    // The next half-year is fine.
    let h2 = period_form("2030年下半年", "2030 H2", "2030-07-01", "2030-12-31", "2031-01-01", "2031-01-31");
    assert_eq!(editor.post_from(&page, &page, &h2).await.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html(&page).await;
    assert!(html.contains("2030年上半年") && html.contains("2030年下半年") && !html.contains("2030年全年"));
}

#[tokio::test]
async fn a_period_is_edited_or_deleted_until_a_report_is_opened() {
    let app = spawn_app().await;
    let editor = signed_in(&app, "editor@example.org").await;
    let pledge = initiative(&app);
    let page = format!("/pledges/{pledge}/periods");
    let today = selfreg::i18n::beijing_today();
    let (opens, due) = (today.to_string(), (today + chrono::Duration::days(30)).to_string());
    let open_now = period_form("2031年上半年", "2031 H1", "2031-01-01", "2031-06-30", &opens, &due);
    assert_eq!(editor.post_from(&page, &page, &open_now).await.status(), StatusCode::SEE_OTHER);
    let later = period_form("2031年下半年", "2031 H2", "2031-07-01", "2031-12-31", "2032-01-01", "2032-01-31");
    assert_eq!(editor.post_from(&page, &page, &later).await.status(), StatusCode::SEE_OTHER);
    let p1 = period_id(&app, "2031年上半年");
    let p2 = period_id(&app, "2031年下半年");

    // Edited: the name and the dates, from a form with the version it was built from.
    let edit = format!("{page}/{p1}/edit");
    let (status, form) = editor.get_html(&edit).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("value=\"2031-06-30\""));
    let version = field_value(&form, "version").unwrap();
    let mut renamed = period_form("2031年上半年（改）", "2031 H1 (edited)", "2031-01-01", "2031-06-30", &opens, &due);
    renamed.push(("version", &version));
    let r = editor.post_from(&edit, &format!("{page}/{p1}"), &renamed).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app.get_html(&page).await.1.contains("2031年上半年（改）"));
    // The same stale form again: 409, nothing changed.
    let r = editor.post_from(&edit, &format!("{page}/{p1}"), &renamed).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("此报告期已被他人修改或删除"));
    // Editing into an overlap is refused under its field.
    let (_, form) = editor.get_html(&edit).await;
    let version = field_value(&form, "version").unwrap();
    let mut wide = period_form("2031年上半年（改）", "2031 H1 (edited)", "2031-01-01", "2031-07-01", &opens, &due);
    wide.push(("version", &version));
    let r = editor.post_from(&edit, &format!("{page}/{p1}"), &wide).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("id=\"e-covers_from\">覆盖期间与报告期“2031年下半年”"));

    // Once a platform opens its report, the period stays as it is.
    let filer = signed_in(&app, "filer@example.org").await;
    open_report(&filer, p1).await;
    let (_, list) = editor.get_html(&page).await;
    assert!(list.contains("已有单位开始填报，不能修改或删除"));
    assert!(!list.contains(&format!("{page}/{p1}/edit")), "no edit link any more");
    let (_, form) = editor.get_html(&format!("{page}/{p2}/edit")).await;
    let v1 = {
        use diesel::prelude::*;
        use selfreg::db::schema::reporting_periods::dsl::*;
        reporting_periods.find(p1).select(version).first::<i32>(&mut *app.conn()).unwrap().to_string()
    };
    let r = editor.post_from(&page, &format!("{page}/{p1}/delete"), &[("version", &v1)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("已有单位开始填报此报告期，不能再修改或删除。"));
    let mut again = period_form("改名", "Renamed", "2031-01-01", "2031-06-30", &opens, &due);
    again.push(("version", &v1));
    let r = editor.post_from(&page, &format!("{page}/{p1}"), &again).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(editor.get(&format!("{page}/{p1}/edit")).await.status(), StatusCode::CONFLICT);
    // The period without reports is deleted.
    let v2 = field_value(&form, "version").unwrap();
    let r = editor.post_from(&page, &format!("{page}/{p2}/delete"), &[("version", &v2)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, list) = editor.get_html(&page).await;
    assert!(!list.contains("2031年下半年") && list.contains("2031年上半年（改）"));
    // Nobody else may: a filer, or another association's editor.
    let other = add_association(&app);
    add_user(&app, other, "editor2@example.org", Role::Editor);
    let editor2 = signed_in(&app, "editor2@example.org").await;
    let r = editor2.post_from("/", &format!("{page}/{p1}/delete"), &[("version", &v1)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(filer.get(&format!("{page}/{p1}/edit")).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn editors_reach_the_periods_from_the_pledge_page_and_their_overview() {
    let app = spawn_app().await;
    let pledge = initiative(&app);
    let link = format!("href=\"/pledges/{pledge}/periods\"");
    let editor = signed_in(&app, "editor@example.org").await;
    let (_, show) = editor.get_html(&format!("/pledges/{pledge}")).await;
    assert!(show.contains(&link), "the issuing association's editor finds the periods on the pledge page");
    let (status, overview) = editor.get_html("/periods").await;
    assert_eq!(status, StatusCode::OK);
    assert!(overview.contains(&link) && overview.contains("第三期（本期）") && overview.contains("管理报告期"));
    // Another association's editor: none of the demo pledges.
    let other = add_association(&app);
    add_user(&app, other, "editor2@example.org", Role::Editor);
    let editor2 = signed_in(&app, "editor2@example.org").await;
    let (status, overview) = editor2.get_html("/periods").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!overview.contains(&link) && overview.contains("尚无已公开的公约或倡议"));
    let (_, show) = editor2.get_html(&format!("/pledges/{pledge}")).await;
    assert!(!show.contains(&link));
    // Admins see every pledge; filers and reviewers are not editors.
    let admin = signed_in(&app, "admin@example.org").await;
    assert!(admin.get_html("/periods").await.1.contains(&link));
    for who in ["filer@example.org", "reviewer@example.org"] {
        assert_eq!(signed_in(&app, who).await.get("/periods").await.status(), StatusCode::FORBIDDEN, "{who}");
    }
}
