//! 待办, second half: the count in the navigation, the editors' next steps
//! on standards and pledges without a coming period, the admins' locked and
//! never-signed-in accounts, and a fixed number of queries per page.

use diesel::RunQueryDsl;
use reqwest::StatusCode;

use crate::helpers::*;
use crate::reports::{complete, open_report, period_id, post_report};

/// One number from SQL (`SELECT ... AS n`).
pub fn one(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(sql).get_result(&mut *app.conn()).unwrap();
    n.n
}

fn exec(app: &TestApp, sql: &str) {
    diesel::sql_query(sql).execute(&mut *app.conn()).unwrap();
}

/// The count the navigation shows beside 待办 (None: no badge).
fn badge(html: &str) -> Option<i64> {
    let start = html.find("class=\"badge todo-count\"")?;
    let rest = &html[start..];
    let n = &rest[rest.find('>')? + 1..rest.find("</span>")?];
    Some(n.trim().parse().unwrap())
}

/// How many items the to-do page lists.
fn items(html: &str) -> usize {
    html.split("<ul class=\"todo-list\">")
        .skip(1)
        .map(|ul| ul[..ul.find("</ul>").unwrap()].matches("<li>").count())
        .sum()
}

/// The section of the to-do page whose heading starts with `title` ("" if none).
fn section<'a>(html: &'a str, title: &str) -> &'a str {
    let Some(start) = html.find(&format!("\">{title}")) else { return "" };
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

fn org_of(app: &TestApp, email: &str) -> i64 {
    one(app, &format!("SELECT organization_id AS n FROM users WHERE email = '{email}'"))
}

/// A copy of one of `org`'s standards in `state`, without versions, comments or periods.
fn standard_copy(app: &TestApp, org: i64, title: &str, state: &str) -> i64 {
    let from = one(app, &format!("SELECT MIN(id) AS n FROM standards WHERE lead_org_id = {org}"));
    exec(
        app,
        &format!(
            "INSERT INTO standards (kind, title_zh, title_en, scope, proposing_org_id, lead_org_id, ics, ccs, \
             replaces_id, revision_of_id, number, release_date, implementation_date, withdrawn_date, state, version, \
             review_round, comment_seq, year, search_text, created_at, updated_at) \
             SELECT kind, '{title}', '{title}', scope, proposing_org_id, lead_org_id, ics, ccs, NULL, NULL, NULL, \
             NULL, NULL, NULL, '{state}', 1, review_round, 0, year, '{title}', created_at, updated_at \
             FROM standards WHERE id = {from}"
        ),
    );
    one(app, &format!("SELECT MAX(id) AS n FROM standards WHERE title_zh = '{title}'"))
}

/// A copy of one of `org`'s pledges, open, without periods or signatures.
fn open_pledge_copy(app: &TestApp, org: i64, title: &str) -> i64 {
    let from = one(app, &format!("SELECT MIN(id) AS n FROM pledges WHERE organization_id = {org}"));
    exec(
        app,
        &format!(
            "INSERT INTO pledges (kind, title_zh, title_en, organization_id, guiding_body_zh, guiding_body_en, \
             text_md_zh, text_md_en, state, opened_at, closed_at, version, created_at, updated_at) \
             SELECT kind, '{title}', '{title}', organization_id, guiding_body_zh, guiding_body_en, text_md_zh, \
             text_md_en, 'open', opened_at, NULL, 1, created_at, updated_at FROM pledges WHERE id = {from}"
        ),
    );
    one(app, &format!("SELECT MAX(id) AS n FROM pledges WHERE title_zh = '{title}'"))
}

#[tokio::test]
async fn the_navigation_counts_the_items_to_do_and_the_count_follows_the_work() {
    let app = spawn_app().await;
    let filer = app.signed_in_as("filer@example.org").await;
    let (_, html) = filer.get_html("/todo").await;
    let n = badge(&html).expect("the filer has work, the navigation counts it");
    assert!(n > 0);
    assert_eq!(n as usize, items(&html), "the count is the number of items listed");
    let (_, home) = filer.get_html("/standards").await;
    assert_eq!(badge(&home), Some(n), "every page shows it");

    // Acting changes it: a period to file becomes a draft (same count), the submitted draft leaves.
    let p3 = period_id(&app, "第三期（本期）");
    let rid = open_report(&filer, p3).await;
    assert_eq!(post_report(&filer, rid, "save", complete).await.status(), StatusCode::SEE_OTHER);
    let (_, html) = filer.get_html("/todo").await;
    assert_eq!(badge(&html), Some(n), "to file → draft: still one item");
    assert_eq!(post_report(&filer, rid, "submit", complete).await.status(), StatusCode::SEE_OTHER);
    let (_, html) = filer.get_html("/todo").await;
    assert_eq!(badge(&html).unwrap_or(0), n - 1, "submitted: one item less (none: no badge)");
    assert_eq!(items(&html), (n - 1) as usize);

    // The reviewer's count grew by the submitted report.
    let reviewer = app.signed_in_as("reviewer@example.org").await;
    let (_, html) = reviewer.get_html("/todo").await;
    assert_eq!(badge(&html).unwrap_or(0) as usize, items(&html));
    assert!(section(&html, "待审核的报告").contains(&format!("/reports/{rid}\"")));

    // The public sees no count; a user with nothing to do sees no badge.
    let (_, html) = app.get_html("/standards").await;
    assert!(!html.contains("todo-count"));
    exec(&app, "UPDATE reports SET state = 'accepted' WHERE state = 'submitted'");
    exec(
        &app,
        "UPDATE standards SET state = 'published' WHERE state IN ('technical_review', 'submitted_for_approval')",
    );
    let (_, html) = reviewer.get_html("/todo").await;
    assert_eq!(items(&html), 0, "{html}");
    assert_eq!(badge(&html), None, "zero shows no badge");
    assert!(html.contains("href=\"/todo\""), "待办 is still in the navigation");
}

#[tokio::test]
async fn an_editor_sees_standards_waiting_on_their_next_step() {
    let app = spawn_app().await;
    let editor = app.signed_in_as("editor@example.org").await;
    let org = org_of(&app, "editor@example.org");
    let approved = standard_copy(&app, org, "立项待起草", "approved");
    let drafting = standard_copy(&app, org, "起草无文本", "drafting");
    let commented = standard_copy(&app, org, "征求意见已结束", "public_comment");
    let running = standard_copy(&app, org, "征求意见进行中", "public_comment");
    exec(
        &app,
        &format!(
            "INSERT INTO comment_periods (standard_id, starts_on, ends_on, opened_at, closed_at) \
             VALUES ({running}, '2020-01-01', '2099-12-31', CURRENT_TIMESTAMP, NULL), \
             ({commented}, '2020-01-01', '2020-02-01', CURRENT_TIMESTAMP, NULL)"
        ),
    );
    let published = standard_copy(&app, org, "已发布的标准", "published");

    let (status, html) = editor.get_html("/todo").await;
    assert_eq!(status, StatusCode::OK);
    let steps = section(&html, "等待编辑下一步的标准");
    assert!(steps.contains(&format!("href=\"/standards/{approved}\">立项待起草")), "{steps}");
    assert!(steps.contains("已立项，请开始起草"));
    assert!(
        steps.contains(&format!("href=\"/standards/{drafting}/versions/new\">起草无文本")),
        "upload the text there"
    );
    assert!(steps.contains("起草中，尚未上传草案文本"));
    assert!(steps.contains(&format!("href=\"/standards/{commented}\">征求意见已结束")));
    assert!(steps.contains("征求意见期已结束，意见均已处理，请提交技术审查"));
    assert!(!steps.contains("征求意见进行中"), "the comment period still runs");
    assert!(!steps.contains(&format!("/standards/{published}\"")), "nothing to do on a published standard");
    assert_eq!(badge(&html).unwrap_or(0) as usize, items(&html));

    // A comment without disposition holds the step back; a version of the text ends the upload step.
    exec(
        &app,
        &format!(
            "INSERT INTO comments (standard_id, period_id, seq, version_n, clause_ref, kind, body, proposed_change, \
             name, organization, email, created_at, disposition, disposition_reason, version) \
             SELECT {commented}, id, 1, 1, '', 'general', '意见', '', '某人', '', '', CURRENT_TIMESTAMP, NULL, '', 1 \
             FROM comment_periods WHERE standard_id = {commented}"
        ),
    );
    exec(
        &app,
        &format!(
            "INSERT INTO standard_versions (standard_id, n, label, body_md, note, created_at, created_by) \
             VALUES ({drafting}, 1, 'working_draft', '正文', '', CURRENT_TIMESTAMP, NULL)"
        ),
    );
    let (_, html) = editor.get_html("/todo").await;
    let steps = section(&html, "等待编辑下一步的标准");
    assert!(steps.contains("立项待起草"));
    assert!(!steps.contains("起草无文本") && !steps.contains("征求意见已结束"), "{steps}");

    // Another association's editor sees none of it; filers have no such section.
    let filer = app.signed_in_as("filer@example.org").await;
    let (_, html) = filer.get_html("/todo").await;
    assert!(!html.contains("立项待起草"));
}

#[tokio::test]
async fn an_editor_sees_open_pledges_without_a_period_for_the_coming_cycle() {
    let app = spawn_app().await;
    let editor = app.signed_in_as("editor@example.org").await;
    let org = org_of(&app, "editor@example.org");
    let pledge = open_pledge_copy(&app, org, "尚无下期的承诺");
    let (_, html) = editor.get_html("/todo").await;
    let without = section(&html, "下一周期没有报告期的承诺");
    assert!(without.contains(&format!("href=\"/pledges/{pledge}/periods\">尚无下期的承诺")), "{without}");
    let before = badge(&html).unwrap();
    assert_eq!(before as usize, items(&html));

    // A period that opens after today takes it off the list.
    exec(
        &app,
        &format!(
            "INSERT INTO reporting_periods (pledge_id, label_zh, label_en, covers_from, covers_to, opens_on, due_on, \
             created_at, created_by, version) VALUES ({pledge}, '下一期', 'Next', '2099-01-01', '2099-06-30', \
             '2099-07-01', '2099-07-31', CURRENT_TIMESTAMP, NULL, 1)"
        ),
    );
    let (_, html) = editor.get_html("/todo").await;
    assert!(!section(&html, "下一周期没有报告期的承诺").contains("尚无下期的承诺"));
    assert_eq!(badge(&html), Some(before - 1));
}

#[tokio::test]
async fn an_admin_sees_locked_accounts_and_users_who_never_signed_in() {
    let app = spawn_app().await;
    let admin = app.signed_in_as("admin@example.org").await;
    let (_, html) = admin.get_html("/todo").await;
    let never = section(&html, "从未登录的用户");
    let filer2 = user_id(&app, "filer2@example.org");
    assert!(never.contains(&format!("href=\"/admin/users/{filer2}\"")), "{never}");
    assert!(never.contains("filer2@example.org"));
    assert!(!never.contains("admin@example.org"), "the admin signed in");
    assert!(section(&html, "被锁定登录的账号").contains("暂无"));
    let before = badge(&html).unwrap();
    assert_eq!(before as usize, items(&html));

    // filer2 signs in: no longer listed. Someone guesses filer's password: locked.
    app.signed_in_as("filer2@example.org").await;
    let guesser = app.other_client();
    for _ in 0..5 {
        let r = guesser.login_as("filer@example.org", "wrong-password").await;
        assert_ne!(r.status(), StatusCode::SEE_OTHER);
    }
    let other = app.other_client();
    for _ in 0..5 {
        other.login_as("nobody@example.org", "wrong-password").await;
    }
    let (_, html) = admin.get_html("/todo").await;
    assert!(!html.contains("nobody@example.org"), "no account, nothing locked");
    assert!(!section(&html, "从未登录的用户").contains("filer2@example.org"));
    let locked = section(&html, "被锁定登录的账号");
    assert!(locked.contains("filer@example.org") && locked.contains("锁定至"), "{locked}");
    assert!(locked.contains("href=\"/admin/security?kind=lockout\""));
    assert_eq!(badge(&html), Some(before), "one less never signed in, one more locked");
    assert_eq!(items(&html), before as usize);

    // Editors do not see the admins' items.
    let editor = app.signed_in_as("editor@example.org").await;
    let (_, html) = editor.get_html("/todo").await;
    assert!(!html.contains("从未登录的用户") && !html.contains("被锁定登录的账号"));
}

#[tokio::test]
async fn the_to_do_queries_do_not_grow_with_the_data() {
    use selfreg::domain::Role;
    use selfreg::i18n::Lang;

    let app = spawn_app().await;
    let org = org_of(&app, "editor@example.org");
    let editor = user_id(&app, "editor@example.org");
    let admin = user_id(&app, "admin@example.org");
    let mut conn = CountingConn::new(&app);
    let mut measure = |role: Role, user: i64| {
        let (sections, page) = conn.queries(|c| selfreg::web::todo::sections(c, Lang::Zh, role, org, user).unwrap());
        let now = selfreg::db::now();
        let (count, q) = conn
            .queries(|c| selfreg::db::todo::count(c, role, org, user, selfreg::i18n::beijing_today(), now).unwrap());
        assert_eq!(q, 1, "the navigation's count is one query");
        let listed: usize = sections.iter().map(|s| s.items.len()).sum();
        assert_eq!(count as usize, listed, "the count matches the items");
        (page, listed)
    };
    let mut seen = Vec::new();
    for total in [3, 30] {
        while one(&app, "SELECT COUNT(*) AS n FROM standards WHERE title_zh LIKE '批量%'") < total {
            let k = one(&app, "SELECT COUNT(*) AS n FROM standards");
            standard_copy(&app, org, &format!("批量{k}"), "approved");
            open_pledge_copy(&app, org, &format!("批量承诺{k}"));
        }
        exec(&app, &format!("UPDATE users SET last_login_at = NULL WHERE id <> {admin}"));
        let (editor_queries, listed) = measure(Role::Editor, editor);
        assert!(listed >= total as usize * 2);
        let (admin_queries, _) = measure(Role::Admin, admin);
        seen.push((editor_queries, admin_queries));
    }
    assert_eq!(seen[0], seen[1], "3 or 30 standards and pledges: the same number of queries");
}
