use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn admin_pages_refuse_other_roles_and_the_public() {
    let app = spawn_app().await;
    for path in ["/admin/users", "/admin/orgs", "/admin/audit", "/admin/users/new", "/admin/orgs/1"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&r), format!("/login?next={path}"));
    }
    for email in ["editor@example.org", "reviewer@example.org", "filer@example.org"] {
        let c = app.signed_in_as(email).await;
        // Admin pages do not exist for them: 404, as anything they cannot see (no 403 telling it is there).
        for path in ["/admin/users", "/admin/orgs", "/admin/audit", "/admin/security", "/admin/outbox", "/admin/orgs/1"]
        {
            let (status, html) = c.get_html(path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{email} {path}");
            assert!(html.contains("找不到您要访问的页面"), "{email} {path}");
        }
        // Nor can they post, even with a valid token of their own session.
        let orgs = app.count("organizations");
        let r = c.post_from("/", "/admin/orgs", &OrgForm::new("越权", "91310000MA1FL1MMXL").fields()).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.count("organizations"), orgs);
    }
}

#[tokio::test]
async fn organization_with_wrong_credit_code_is_refused_with_input_kept() {
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let new_platform = OrgForm { name_en: "New Platform", ..OrgForm::new("新平台", "91310000ma1fl1mmxl") };
    let r = app.create_org(&OrgForm { credit_code: "91310000MA1FL1MMX1", website: "ftp://x", ..new_platform }).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("统一社会信用代码校验码不正确"));
    assert!(html.contains("请填写以 http:// 或 https:// 开头的网址"));
    assert_eq!(field_value(&html, "name_zh").as_deref(), Some("新平台"));
    assert_eq!(field_value(&html, "credit_code").as_deref(), Some("91310000MA1FL1MMX1"));
    assert_eq!(app.count("organizations"), 30);

    // Fixed, it is saved and audited.
    let r = app.create_org(&new_platform).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("organizations"), 31);
    let (_, html) = app.get_html("/admin/orgs?q=new+platform").await;
    assert!(html.contains("91310000MA1FL1MMXL") && html.contains("新平台"));
    assert!(!html.contains("示例平台03"), "search filters");

    // The same code again: refused, nothing lost.
    let r = app.create_org(&OrgForm { kind: "agency", ..OrgForm::new("重复", "91310000MA1FL1MMXL") }).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("该统一社会信用代码已登记"));

    let (_, audit) =
        app.get_html("/admin/audit?object_type=organization&action=create&actor=admin%40example.org").await;
    assert!(audit.contains("91310000MA1FL1MMXL"), "audit shows the created organization");
    assert!(audit.contains("admin@example.org"));
}

#[tokio::test]
async fn admin_creates_and_edits_users_with_messages_for_bad_input() {
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let (_, form) = app.get_html("/admin/users/new").await;
    assert!(form.contains("示例平台28"));
    let org = org_named(&app, "示例平台03");
    let bad = UserForm { display_name: "", role: "superuser", ..UserForm::new("not-an-email", org) };
    let r = app.create_user(&bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for msg in ["电子邮箱格式不正确", "此项为必填项", "请选择有效的角色"] {
        assert!(html.contains(msg), "{msg}");
    }
    assert_eq!(field_value(&html, "email").as_deref(), Some("not-an-email"));
    assert_eq!(app.count("outbox WHERE kind = 'invitation'"), 0, "nobody is invited by a refused form");

    // No password typed by the admin: the new user is invited to set one.
    let filer3 = UserForm { display_name: "示例平台03 合规专员", ..UserForm::new("Filer3@Example.org", org) };
    let r = app.create_user(&filer3).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // E-mail is unique regardless of case.
    let r = app.create_user(&UserForm { email: "FILER3@example.org", ..filer3 }).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("该电子邮箱已被注册"));
    assert_eq!(app.count("outbox WHERE kind = 'invitation'"), 1, "one invitation, to the one account made");

    // The invitation's link sets the password; then they sign in with it.
    let c = app.other_client();
    let r = c.login_as("filer3@example.org", "filer3-password").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "no password before the invitation is used");
    let link = crate::password::mailed_link(&app, "filer3@example.org", "invitation");
    let r = c.post_from(&link, &link, &[("password", "filer3-晨光-核验-台账")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c.login_as("filer3@example.org", "filer3-晨光-核验-台账").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn text_that_looks_like_html_is_escaped() {
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let xss = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>";
    let hostile = OrgForm { kind: "other", name_en: xss, contact: xss, ..OrgForm::new(xss, "91110000802100433B") };
    let r = app.create_org(&hostile).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for page in ["/admin/orgs?q=script", "/admin/audit"] {
        let (_, html) = app.get_html(page).await;
        assert!(!html.contains("<script>alert(1)</script>"), "{page}");
        assert!(!html.contains("<img src=x"), "{page}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
    }
    // Re-rendered forms escape kept input too.
    let r = app.create_org(&OrgForm { name_en: "", credit_code: "bad", ..hostile }).await;
    let html = r.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)</script>") && !html.contains("\"'><img"));
}

#[tokio::test]
async fn admin_cannot_lock_themselves_out() {
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let id = user_id(&app, "admin@example.org");
    let r = app.edit_user(id, &[], &["active"]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("不能停用自己的账号"));
    // Nor give up their own administrator role.
    let r = app.edit_user(id, &[("role", "editor")], &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("不能停用自己的账号"));
    assert_eq!(app.get("/admin/users").await.status(), StatusCode::OK);
}

/// The id of a reporting period of the demo initiative.
fn period_id(app: &TestApp, label: &str) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::reporting_periods::dsl::*;
    reporting_periods.filter(label_zh.eq(label)).select(id).first(&mut *app.conn()).unwrap()
}

/// The entries of the audit page: the list between `<ol class="audit-log">` and `</ol>`.
fn audit_list(html: &str) -> &str {
    match html.find("<ol class=\"audit-log\">") {
        Some(i) => &html[i..i + html[i..].find("</ol>").unwrap()],
        None => "",
    }
}

#[tokio::test]
async fn the_audit_log_reads_as_sentences_in_the_readers_language() {
    let app = spawn_app().await;
    // A filer opens and saves a report.
    let filer = app.signed_in_as("filer@example.org").await;
    let period = period_id(&app, "第三期（本期）");
    let r = filer.post_from("/reporting", &format!("/reporting/{period}/open"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let rid: i64 = location(&r).trim_start_matches("/reports/").trim_end_matches("/edit").parse().unwrap();
    let (_, edit) = filer.get_html(&format!("/reports/{rid}/edit")).await;
    let version = field_value(&edit, "version").unwrap();
    let token = csrf_in(&edit);
    let form = [("csrf_token", token.as_str()), ("version", version.as_str()), ("action", "save")];
    let r = filer.client.post(filer.url(&format!("/reports/{rid}/save"))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // An editor proposes a standard and a reviewer approves it.
    let editor = app.signed_in_as("editor@example.org").await;
    let org = {
        let mut conn = app.conn();
        selfreg::db::orgs::search(&mut conn, "示例网络直播电商行业协会", 1, 0).unwrap().0[0].id.to_string()
    };
    let fields = [
        ("kind", "group"),
        ("title_zh", "审计测试标准"),
        ("title_en", "Audit test standard"),
        ("scope", "适用范围"),
        ("proposing_org_id", org.as_str()),
        ("lead_org_id", org.as_str()),
        ("ics", "03.080"),
        ("ccs", "A 10"),
    ];
    let r = editor.post_from("/standards/new", "/standards", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let sid: i64 = location(&r).trim_start_matches("/standards/").parse().unwrap();
    let reviewer = app.signed_in_as("reviewer@example.org").await;
    let (_, page) = reviewer.get_html(&format!("/standards/{sid}")).await;
    let version = field_value(&page, "version").unwrap();
    let r = reviewer
        .post_from(&format!("/standards/{sid}"), &format!("/standards/{sid}/actions/approve"), &[("version", &version)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());

    app.login("admin@example.org").await;
    let (_, html) = app.get_html("/admin/audit").await;
    let log = audit_list(&html);
    assert!(
        log.contains(&format!(
            "审查员 监管局 李审查（示例市场监督管理局）将<a href=\"/standards/{sid}\">标准《审计测试标准》</a>从「提案」推进到「已立项」"
        )),
        "{log}"
    );
    assert!(log.contains(&format!(
        "填报员 示例平台01 合规专员（示例平台01）保存了<a href=\"/reports/{rid}\">示例平台01的「第三期（本期）」履约报告</a>"
    )));
    assert!(log.contains("编辑 协会秘书处 王编辑（示例网络直播电商行业协会）提出了"));
    assert!(log.contains(
        "<span class=\"field-name\">牵头起草单位：</span><span class=\"after\">示例网络直播电商行业协会</span>"
    ));
    assert!(log.contains("（北京时间）</time>"));
    for raw in ["[", "{", "&quot;", ">report<", ">save<", "approve", "_org_id", "#null"] {
        assert!(!log.contains(raw), "the log shows {raw}");
    }
    // The same in English.
    let r = app.get("/lang/en?next=/admin/audit").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html("/admin/audit").await;
    let log = audit_list(&html);
    assert!(
        log.contains(&format!("saved <a href=\"/reports/{rid}\">the commitment report of Sample Platform 01 for “"))
    );
    assert!(log.contains(" (Beijing time)</time>") && !log.contains("北京时间"));
}

#[tokio::test]
async fn the_audit_log_filters_by_actor_object_and_dates_pages_and_exports() {
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let mut ids = Vec::new();
    for (name, code) in [("审计甲", "91310000MA1FL1MMXL"), ("审计乙", "91110000802100433B")] {
        let r = app.create_org(&OrgForm { name_en: "Audit", ..OrgForm::new(name, code) }).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        ids.push(org_named(&app, name));
    }
    let sentences = |html: &str| audit_list(html).matches("class=\"sentence\"").count();

    // By actor: the admin's two registrations and sign-in, none of the demo loading.
    let (_, html) = app.get_html("/admin/audit?actor=admin%40example.org").await;
    assert!(html.contains("登记了<a href=\"/admin/orgs/") && html.contains("单位「审计甲」"));
    assert!(!audit_list(&html).contains("单位「示例平台01」"), "the system's rows are not the admin's");
    assert_eq!(sentences(&html), 3);
    let (_, html) = app.get_html("/admin/audit?actor=nobody%40example.org").await;
    assert_eq!(sentences(&html), 0);
    assert!(html.contains("没有符合条件的记录"));
    // By object.
    let (_, html) = app.get_html(&format!("/admin/audit?object_type=organization&object_id={}", ids[1])).await;
    assert_eq!(sentences(&html), 1);
    assert!(html.contains("单位「审计乙」") && !html.contains("单位「审计甲」"));
    assert!(html.contains("<option value=\"organization\" selected>单位</option>"), "the menu names types");
    // By dates (Beijing days).
    let today = selfreg::i18n::beijing_today();
    let (_, html) = app.get_html(&format!("/admin/audit?actor=admin%40example.org&from={today}&until={today}")).await;
    assert_eq!(sentences(&html), 3);
    let tomorrow = today.succ_opt().unwrap();
    let (_, html) = app.get_html(&format!("/admin/audit?from={tomorrow}")).await;
    assert_eq!(sentences(&html), 0);
    // A filter that does not parse is said beside its field and at the top, with the input kept.
    let (status, html) = app.get_html(&format!("/admin/audit?object_id=abc&from={tomorrow}&until={today}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("请填写数字") && html.contains("结束日期不能早于起始日期"));
    assert!(html.contains("id=\"error-summary\"") && html.contains("href=\"#f-object_id\""));
    assert_eq!(field_value(&html, "object_id").as_deref(), Some("abc"));

    // Pages of 50, newest first.
    let (_, first) = app.get_html("/admin/audit").await;
    assert_eq!(sentences(&first), 50);
    assert!(first.contains("page=2"));
    let (_, second) = app.get_html("/admin/audit?page=2").await;
    assert!(sentences(&second) > 0);
    assert!(audit_list(&first).find("单位「审计乙」") < audit_list(&first).find("单位「审计甲」"));

    // The filtered log as CSV: UTF-8 with BOM, one row per entry.
    let r = app.get("/admin/audit.csv?object_type=organization").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with(
        "\u{feff}编号,时间（北京时间）,操作人,操作人电子邮箱,来源地址,对象类型,对象编号,操作,说明,变更内容\r\n"
    ));
    assert_eq!(csv.lines().count(), 1 + 30 + 2, "header, the demo's 30 organizations and the two new ones");
    assert!(csv.contains("系统管理员 系统管理员（示例市场监督管理局）登记了单位「审计乙」"));
    assert!(csv.contains("统一社会信用代码：91110000802100433B"));
    assert!(!csv.contains("{\"") && !csv.contains("credit_code"));
    // Only for admins.
    let filer = app.signed_in_as("filer@example.org").await;
    assert_eq!(filer.get("/admin/audit.csv").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.other_client().get("/admin/audit.csv").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_unknown_role_in_the_database_is_an_error_not_a_filer() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let id = user_id(&app, "filer2@example.org");
    diesel::sql_query(format!("UPDATE users SET role = 'superuser' WHERE id = {id}"))
        .execute(&mut *app.conn())
        .unwrap();
    for page in ["/admin/users".to_string(), format!("/admin/users/{id}")] {
        let (status, html) = app.get_html(&page).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{page}");
        assert!(!html.contains("filer2@example.org"), "{page} does not show the account as something it is not");
    }
    // Nor can the account sign in as anything.
    let r = app.other_client().login_as("filer2@example.org", DEMO_PASSWORD).await;
    assert_ne!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn ids_that_are_not_records_answer_404_and_change_nothing() {
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    for page in ["/admin/users/abc", "/admin/users/0", "/admin/users/-1", "/admin/users/999999", "/admin/orgs/x1"] {
        assert_eq!(app.get(page).await.status(), StatusCode::NOT_FOUND, "{page}");
    }
    let audit = app.count("audit_log");
    let org = org_named(&app, "示例平台03");
    let edit = [("display_name", "x"), ("organization_id", &org.to_string()), ("role", "filer")];
    for action in ["/admin/users/999999", "/admin/users/abc"] {
        assert_eq!(app.post_from("/admin/users", action, &edit).await.status(), StatusCode::NOT_FOUND, "{action}");
    }
    let r = app.post_from("/admin/users", "/admin/users/999999/password", &[("password", "a brand new secret")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .post_from("/admin/orgs", "/admin/orgs/999999", &OrgForm::new("无此单位", "91310000MA1FL1MMXL").fields())
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("audit_log"), audit);
}

#[tokio::test]
async fn disabling_a_user_keeps_the_rest_of_the_form_and_is_audited_as_a_disable() {
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let id = user_id(&app, "editor@example.org");
    // A user moved to an organization that is not there: refused beside the field, input kept.
    let r = app.edit_user(id, &[("organization_id", "999999"), ("display_name", "改名")], &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#f-organization_id\""), "the summary links to the field");
    assert_eq!(field_value(&html, "display_name").as_deref(), Some("改名"));
    // Disabled with every other field as it was.
    let r = app.edit_user(id, &[], &["active"]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, list) = app.get_html("/admin/users").await;
    assert!(list.contains("已停用"), "{list}");
    let (_, log) = app.get_html(&format!("/admin/audit?object_type=user&object_id={id}&action=disable")).await;
    assert_eq!(audit_list(&log).matches("class=\"sentence\"").count(), 1, "{log}");
    assert_eq!(app.count("users"), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_creating_one_account_at_once_make_it_once_and_the_other_is_told() {
    let app = spawn_app().await;
    let admins = [app.signed_in_as("admin@example.org").await, app.signed_in_as("admin@example.org").await];
    let org = org_named(&app, "示例平台03");
    for round in 0..20 {
        let email = format!("race{round}@example.org");
        let mut posts = Vec::new();
        for admin in &admins {
            posts.push(admin.prepare("/admin/users/new", "/admin/users", &UserForm::new(&email, org).fields()).await);
        }
        let answers = at_once(posts).await;
        let statuses: Vec<StatusCode> = answers.iter().map(|(s, _)| *s).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::SEE_OTHER).count(), 1, "round {round}: {statuses:?}");
        for (status, html) in answers.iter().filter(|(s, _)| *s != StatusCode::SEE_OTHER) {
            assert_eq!(*status, StatusCode::UNPROCESSABLE_ENTITY, "round {round}: {html}");
            assert!(html.contains("该电子邮箱已被注册"), "round {round}");
        }
    }
    assert_eq!(app.count("users"), 5 + 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_editing_one_user_at_once_one_wins_and_the_other_gets_409() {
    let app = spawn_app().await;
    let admins = [app.signed_in_as("admin@example.org").await, app.signed_in_as("admin@example.org").await];
    let id = user_id(&app, "reviewer@example.org");
    let page = format!("/admin/users/{id}");
    for round in 0..20 {
        let mut posts = Vec::new();
        for (n, admin) in admins.iter().enumerate() {
            let (_, html) = admin.get_html(&page).await;
            let mut fields = form_fields(&html, &page);
            for (name, value) in fields.iter_mut() {
                if name == "display_name" {
                    *value = format!("第{round}轮 管理员{n}");
                }
            }
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            posts.push(admin.prepare(&page, &page, &fields).await);
        }
        let answers = at_once(posts).await;
        let statuses: Vec<StatusCode> = answers.iter().map(|(s, _)| *s).collect();
        let winners: Vec<usize> = (0..2).filter(|n| statuses[*n] == StatusCode::SEE_OTHER).collect();
        assert_eq!(winners.len(), 1, "round {round}: {statuses:?}");
        let loser = 1 - winners[0];
        assert_eq!(statuses[loser], StatusCode::CONFLICT, "round {round}");
        assert!(answers[loser].1.contains("该用户在您打开页面后已被他人修改"), "round {round}");
        let stored = selfreg::db::users::get(&mut app.conn(), id).unwrap().unwrap();
        assert_eq!(stored.display_name, format!("第{round}轮 管理员{}", winners[0]), "the winner's edit, whole");
    }
}

#[tokio::test]
async fn an_edit_from_a_page_someone_else_changed_since_is_refused_with_409() {
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let other_admin = app.signed_in_as("admin@example.org").await;
    let id = user_id(&app, "editor@example.org");
    let page = format!("/admin/users/{id}");
    // The first admin opens the form; meanwhile the other renames the user.
    let (_, html) = app.get_html(&page).await;
    let mut seen = form_fields(&html, &page);
    let r = other_admin.edit_user(id, &[("display_name", "另一位管理员改的名")], &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The first admin's save from the old page changes nothing and says why.
    for (name, value) in seen.iter_mut() {
        if name == "display_name" {
            *value = "旧页面上的改名".into();
        }
    }
    let r = app.client.post(app.url(&page)).form(&seen).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains("该用户在您打开页面后已被他人修改"), "{html}");
    assert_eq!(field_value(&html, "display_name").as_deref(), Some("旧页面上的改名"), "the input is kept");
    let (_, list) = app.get_html("/admin/users").await;
    assert!(list.contains("另一位管理员改的名") && !list.contains("旧页面上的改名"));
    // Saved again from the page now shown, it is a deliberate choice and goes through.
    let again = form_fields(&html, &page);
    assert_eq!(app.client.post(app.url(&page)).form(&again).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    assert!(app.get_html("/admin/users").await.1.contains("旧页面上的改名"));
}

#[tokio::test]
async fn an_organization_edit_from_a_page_someone_else_changed_since_is_refused_with_409() {
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let other_admin = app.signed_in_as("admin@example.org").await;
    let id = org_named(&app, "示例平台03");
    let page = format!("/admin/orgs/{id}");
    let (_, html) = app.get_html(&page).await;
    let mut seen = form_fields(&html, &page);
    // Meanwhile the other admin changes the English name.
    let (_, theirs) = other_admin.get_html(&page).await;
    let mut theirs = form_fields(&theirs, &page);
    for (name, value) in theirs.iter_mut() {
        if name == "name_en" {
            *value = "Renamed by the other admin".into();
        }
    }
    let r = other_admin.client.post(other_admin.url(&page)).form(&theirs).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The first admin's save from the old page changes nothing and says why, keeping the input.
    for (name, value) in seen.iter_mut() {
        if name == "contact" {
            *value = "旧页面上填的联系人".into();
        }
    }
    let audit = app.count("audit_log");
    let r = app.client.post(app.url(&page)).form(&seen).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains("该单位在您打开页面后已被他人修改"), "{html}");
    assert_eq!(field_value(&html, "contact").as_deref(), Some("旧页面上填的联系人"), "the input is kept");
    let stored = selfreg::db::orgs::get(&mut app.conn(), id).unwrap().unwrap();
    assert_eq!(stored.name_en, "Renamed by the other admin", "their change stands");
    assert_ne!(stored.contact, "旧页面上填的联系人", "nothing of the stale form was written");
    assert_eq!(app.count("audit_log"), audit);
    // Saved again from the page now shown, it is a deliberate choice and goes through.
    let again = form_fields(&html, &page);
    assert_eq!(app.client.post(app.url(&page)).form(&again).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(selfreg::db::orgs::get(&mut app.conn(), id).unwrap().unwrap().contact, "旧页面上填的联系人");
    // A form without the stamp (or a forged one) is stale too, never a blind overwrite.
    let r = app.post_from(&page, &page, &OrgForm::new("示例平台03", &stored.credit_code).fields()).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}
