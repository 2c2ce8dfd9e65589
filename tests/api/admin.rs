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
        let c = app.other_client();
        c.login(email).await;
        for path in ["/admin/users", "/admin/orgs", "/admin/audit"] {
            let (status, html) = c.get_html(path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email} {path}");
            assert!(html.contains("您没有执行此操作或查看此页面的权限"));
        }
        // Nor can they post, even with a valid token of their own session.
        let orgs = app.count("organizations");
        let r = c
            .post_from(
                "/",
                "/admin/orgs",
                &[
                    ("kind", "platform"),
                    ("name_zh", "越权"),
                    ("name_en", "Escalation"),
                    ("credit_code", "91310000MA1FL1MMXL"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.count("organizations"), orgs);
    }
}

#[tokio::test]
async fn organization_with_wrong_credit_code_is_refused_with_input_kept() {
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let r = app
        .post_from(
            "/admin/orgs/new",
            "/admin/orgs",
            &[
                ("kind", "platform"),
                ("name_zh", "新平台"),
                ("name_en", "New Platform"),
                ("credit_code", "91310000MA1FL1MMX1"),
                ("website", "ftp://x"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("统一社会信用代码校验位不正确"));
    assert!(html.contains("请填写以 http:// 或 https:// 开头的网址"));
    assert_eq!(field_value(&html, "name_zh").as_deref(), Some("新平台"));
    assert_eq!(field_value(&html, "credit_code").as_deref(), Some("91310000MA1FL1MMX1"));
    assert_eq!(app.count("organizations"), 30);

    // Fixed, it is saved and audited.
    let r = app
        .post_from(
            "/admin/orgs/new",
            "/admin/orgs",
            &[
                ("kind", "platform"),
                ("name_zh", "新平台"),
                ("name_en", "New Platform"),
                ("credit_code", "91310000ma1fl1mmxl"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("organizations"), 31);
    let (_, html) = app.get_html("/admin/orgs?q=new+platform").await;
    assert!(html.contains("91310000MA1FL1MMXL") && html.contains("新平台"));
    assert!(!html.contains("示例平台03"), "search filters");

    // The same code again: refused, nothing lost.
    let r = app
        .post_from(
            "/admin/orgs/new",
            "/admin/orgs",
            &[("kind", "agency"), ("name_zh", "重复"), ("name_en", "Duplicate"), ("credit_code", "91310000MA1FL1MMXL")],
        )
        .await;
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
    let org = org_id(&app, "示例平台03");
    let r = app
        .post_from(
            "/admin/users/new",
            "/admin/users",
            &[
                ("email", "not-an-email"),
                ("display_name", ""),
                ("organization_id", &org),
                ("role", "superuser"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for msg in ["电子邮箱格式不正确", "此项为必填项", "请选择有效的角色", "密码至少需要 10 个字符"]
    {
        assert!(html.contains(msg), "{msg}");
    }
    assert_eq!(field_value(&html, "email").as_deref(), Some("not-an-email"));

    let r = app
        .post_from(
            "/admin/users/new",
            "/admin/users",
            &[
                ("email", "Filer3@Example.org"),
                ("display_name", "示例平台03 合规专员"),
                ("organization_id", &org),
                ("role", "filer"),
                ("password", "filer3-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // E-mail is unique regardless of case.
    let r = app
        .post_from(
            "/admin/users/new",
            "/admin/users",
            &[
                ("email", "FILER3@example.org"),
                ("display_name", "x"),
                ("organization_id", &org),
                ("role", "filer"),
                ("password", "filer3-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("该电子邮箱已被注册"));

    let c = app.other_client();
    let r = c.login_as("filer3@example.org", "filer3-password").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

fn org_id(app: &TestApp, name: &str) -> String {
    let mut conn = app.conn();
    let (orgs, _) = selfreg::db::orgs::search(&mut conn, name, 1, 0).unwrap();
    orgs[0].id.to_string()
}

#[tokio::test]
async fn text_that_looks_like_html_is_escaped() {
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let xss = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>";
    let r = app
        .post_from(
            "/admin/orgs/new",
            "/admin/orgs",
            &[
                ("kind", "other"),
                ("name_zh", xss),
                ("name_en", xss),
                ("credit_code", "91110000802100433B"),
                ("contact", xss),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for page in ["/admin/orgs?q=script", "/admin/audit"] {
        let (_, html) = app.get_html(page).await;
        assert!(!html.contains("<script>alert(1)</script>"), "{page}");
        assert!(!html.contains("<img src=x"), "{page}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
    }
    // Re-rendered forms escape kept input too.
    let r = app
        .post_from(
            "/admin/orgs/new",
            "/admin/orgs",
            &[("kind", "other"), ("name_zh", xss), ("name_en", ""), ("credit_code", "bad")],
        )
        .await;
    let html = r.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)</script>") && !html.contains("\"'><img"));
}

#[tokio::test]
async fn admin_cannot_lock_themselves_out() {
    let app = spawn_app().await;
    app.login("admin@example.org").await;
    let id = crate::auth::user_id(&app, "admin@example.org");
    let (_, form) = app.get_html(&format!("/admin/users/{id}")).await;
    let org = crate::auth::selected_value(&form, "organization_id");
    let r = app
        .post_from(
            &format!("/admin/users/{id}"),
            &format!("/admin/users/{id}"),
            &[("display_name", "系统管理员"), ("organization_id", &org), ("role", "admin")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("不能停用自己的账号"));
    assert_eq!(app.get("/admin/users").await.status(), StatusCode::OK);
}
