use reqwest::multipart::{Form as Multipart, Part};
use reqwest::StatusCode;

use crate::helpers::*;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The id of the demo standard with this Chinese title.
fn std_id(app: &TestApp, title: &str) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::standards::dsl::*;
    standards.filter(title_zh.eq(title)).select(id).first(&mut *app.conn()).unwrap()
}

fn state_of(app: &TestApp, sid: i64) -> String {
    use diesel::prelude::*;
    use selfreg::db::schema::standards::dsl::*;
    standards.find(sid).select(state).first(&mut *app.conn()).unwrap()
}

fn comment_count(app: &TestApp, sid: i64) -> i64 {
    use diesel::prelude::*;
    use selfreg::db::schema::comments::dsl::*;
    comments.filter(standard_id.eq(sid)).count().get_result(&mut *app.conn()).unwrap()
}

/// Move the latest comment period of a standard (e.g. to end it).
fn set_period(app: &TestApp, sid: i64, starts: chrono::NaiveDate, ends: chrono::NaiveDate) {
    use diesel::prelude::*;
    use selfreg::db::schema::comment_periods::dsl::*;
    diesel::update(comment_periods.filter(standard_id.eq(sid)))
        .set((starts_on.eq(starts), ends_on.eq(ends)))
        .execute(&mut *app.conn())
        .unwrap();
    app.data_changed();
}

fn today() -> chrono::NaiveDate {
    selfreg::i18n::beijing_today()
}

/// Post a lifecycle action from the standard's page (its CSRF token and version).
async fn act(app: &TestApp, sid: i64, action: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let (_, html) = app.get_html(&format!("/standards/{sid}")).await;
    let version = field_value(&html, "version").unwrap_or_else(|| "0".into());
    let mut form: Vec<(&str, &str)> = extra.to_vec();
    form.push(("version", &version));
    app.post_from(&format!("/standards/{sid}"), &format!("/standards/{sid}/actions/{action}"), &form).await
}

async fn upload(app: &TestApp, sid: i64, body: &str, files: Vec<(&str, Vec<u8>)>) -> reqwest::Response {
    let (_, html) = app.get_html(&format!("/standards/{sid}/versions/new")).await;
    let token = csrf_in(&html);
    let mut form = Multipart::new()
        .text("csrf_token", token)
        .text("label", "comment_draft")
        .text("body", body.to_owned())
        .text("note", "测试版本");
    for (name, data) in files {
        form = form.part("attachments", Part::bytes(data).file_name(name.to_owned()));
    }
    app.client.post(app.url(&format!("/standards/{sid}/versions"))).multipart(form).send().await.unwrap()
}

async fn propose(app: &TestApp, title: &str, kind: &str) -> i64 {
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

fn association_id(app: &TestApp) -> String {
    let mut conn = app.conn();
    selfreg::db::orgs::search(&mut conn, "示例网络直播电商行业协会", 1, 0).unwrap().0[0].id.to_string()
}

#[tokio::test]
async fn the_whole_lifecycle_from_proposal_to_publication() {
    let app = spawn_app().await;
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    let public = app.other_client();

    let sid = propose(&editor, "直播营销测试规范", "local").await;
    assert_eq!(state_of(&app, sid), "proposed");
    assert_eq!(
        public.get(&format!("/standards/{sid}")).await.status(),
        StatusCode::NOT_FOUND,
        "proposals are not public"
    );
    let (_, list) = public.get_html("/standards?q=%E7%9B%B4%E6%92%AD%E8%90%A5%E9%94%80%E6%B5%8B%E8%AF%95").await;
    assert!(!list.contains("直播营销测试规范"));

    // Editors cannot approve their own proposal; reviewers can.
    assert_eq!(act(&editor, sid, "approve", &[]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(act(&reviewer, sid, "approve", &[("note", "同意立项")]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(act(&editor, sid, "start_drafting", &[]).await.status(), StatusCode::SEE_OTHER);

    // Opening comment needs a version first.
    let start = today().to_string();
    let short = (today() + chrono::Duration::days(28)).to_string();
    let r = act(&editor, sid, "open_comment", &[("starts_on", &start), ("ends_on", &short)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("地方标准征求意见期不得少于 30 天"), "29 days are too few");
    assert_eq!(field_value(&html, "ends_on").as_deref(), Some(short.as_str()), "input kept");
    let end = (today() + chrono::Duration::days(29)).to_string();
    let r = act(&editor, sid, "open_comment", &[("starts_on", &start), ("ends_on", &end)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("发起征求意见前须先上传至少一个版本"));

    let v1 = "## 1 范围\n本文件规定了直播间要求。\n## 2 主播\n主播应持证上岗。\n";
    let r = upload(&editor, sid, v1, vec![("征求意见稿.pdf", PDF.to_vec())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, vpage) = public.get_html(&format!("/standards/{sid}/versions/1")).await;
    assert!(vpage.contains("<h2>1 范围</h2>") && vpage.contains("征求意见稿.pdf") && vpage.contains("SHA-256"));
    let href = {
        let i = vpage.find("/attachments/").unwrap();
        let s = &vpage[..i];
        let start = s.rfind('"').unwrap() + 1;
        let e = vpage[i..].find('"').unwrap() + i;
        vpage[start..e].to_owned()
    };
    let file = public.get(&href).await;
    assert_eq!(file.headers().get("content-type").unwrap(), "application/pdf");
    assert!(file.headers().get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment"));
    assert_eq!(file.bytes().await.unwrap().as_ref(), PDF);

    let r = act(&editor, sid, "open_comment", &[("starts_on", &start), ("ends_on", &end)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = public.get_html(&format!("/standards/{sid}")).await;
    assert!(page.contains("征求意见中，截止"), "status badge says why");

    // The public comments, without signing in.
    let r = public
        .post_from(
            &format!("/standards/{sid}"),
            &format!("/standards/{sid}/comments"),
            &[
                ("version_n", "1"),
                ("clause_ref", "2"),
                ("kind", "technical"),
                ("body", "建议明确持证类型。"),
                ("proposed_change", "改为“持有效资格证书上岗”。"),
                ("name", "公众甲"),
                ("organization", "某消费者协会"),
                ("email", "jia@example.net"),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let confirmation = location(&r);
    assert_eq!(confirmation, format!("/standards/{sid}/comments/1"));
    let (_, conf) = public.get_html(&confirmation).await;
    assert!(conf.contains("建议明确持证类型") && conf.contains("待处理") && conf.contains("感谢您的意见"));
    assert!(!conf.contains("jia@example.net"), "e-mail never public");

    // Leaving public comment: not before the period ends, not with undisposed comments.
    let r = act(&editor, sid, "submit_for_review", &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    set_period(&app, sid, today() - chrono::Duration::days(31), today() - chrono::Duration::days(1));
    let r = act(&editor, sid, "submit_for_review", &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains("还有意见尚未处理（序号：1）"), "refusal lists the comments");
    assert_eq!(state_of(&app, sid), "public_comment");

    // Dispose: "not accepted" needs a reason.
    let dispose_page = format!("/standards/{sid}/comments");
    let r = editor
        .post_from(
            &dispose_page,
            &format!("/standards/{sid}/comments/1/disposition"),
            &[("disposition", "not_accepted"), ("reason", ""), ("previous", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("“不采纳”须说明理由"));
    let r = editor
        .post_from(
            &dispose_page,
            &format!("/standards/{sid}/comments/1/disposition"),
            &[("disposition", "not_accepted"), ("reason", "证书类型由其他规定明确。"), ("previous", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, table) = public.get_html(&dispose_page).await;
    assert!(table.contains("不采纳") && table.contains("证书类型由其他规定明确"));
    assert!(!table.contains("jia@example.net"));

    assert_eq!(act(&editor, sid, "submit_for_review", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, sid), "technical_review");

    // Technical review: a disapproval needs an opinion; 3/4 approving passes.
    let r = reviewer
        .post_from(
            &format!("/standards/{sid}"),
            &format!("/standards/{sid}/positions"),
            &[("position", "disapprove"), ("opinion", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = reviewer
        .post_from(
            &format!("/standards/{sid}"),
            &format!("/standards/{sid}/positions"),
            &[("position", "approve_with_changes"), ("opinion", "修改第2章")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        editor
            .post_from(&format!("/standards/{sid}"), &format!("/standards/{sid}/positions"), &[("position", "approve")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = act(&editor, sid, "close_review", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, sid), "submitted_for_approval");

    // Publication details: malformed, year mismatch, implementation before release, duplicate.
    let page = format!("/standards/{sid}");
    let publish = |number: &'static str, release: String, implementation: String| {
        let editor = &editor;
        let page = page.clone();
        async move {
            let (_, html) = editor.get_html(&page).await;
            let v = field_value(&html, "version").unwrap();
            editor
                .post_from(
                    &page,
                    &format!("{page}/publication"),
                    &[
                        ("number", number),
                        ("release_date", &release),
                        ("implementation_date", &implementation),
                        ("version", &v),
                    ],
                )
                .await
        }
    };
    let year = chrono::Datelike::year(&today());
    let release = today().to_string();
    let r = publish("DB31 1700-2026", release.clone(), release.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("地方标准编号格式应为 DB31/T NNNN—YYYY"));
    let r = publish("DB31/T 1700-1999", release.clone(), release.clone()).await;
    assert!(r.text().await.unwrap().contains("年份应与发布日期的年份一致"));
    let before = (today() - chrono::Duration::days(1)).to_string();
    let num: &'static str = Box::leak(format!("DB31/T 1700-{year}").into_boxed_str());
    let r = publish(num, release.clone(), before).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("实施日期不得早于发布日期"));
    let taken: &'static str = Box::leak(format!("DB31/T 1600-{year}").into_boxed_str());
    let r = publish(taken, release.clone(), release.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("该标准编号已被使用"));
    let implementation = (today() + chrono::Duration::days(10)).to_string();
    assert_eq!(publish(num, release.clone(), implementation).await.status(), StatusCode::SEE_OTHER);

    assert_eq!(
        act(&editor, sid, "publish", &[]).await.status(),
        StatusCode::FORBIDDEN,
        "editors do not approve publication"
    );
    assert_eq!(act(&reviewer, sid, "publish", &[]).await.status(), StatusCode::SEE_OTHER);
    let (_, page) = public.get_html(&format!("/standards/{sid}")).await;
    assert!(page.contains(&format!("DB31/T 1700—{year}")), "shown with the em dash");
    assert!(page.contains("即将实施") && page.contains("将于"));
    // In force from the implementation date, computed from dates.
    {
        use diesel::prelude::*;
        use selfreg::db::schema::standards::dsl::*;
        diesel::update(standards.find(sid))
            .set(implementation_date.eq(Some(today())))
            .execute(&mut *app.conn())
            .unwrap();
    }
    app.data_changed();
    let (_, page) = public.get_html(&format!("/standards/{sid}")).await;
    assert!(page.contains("现行") && page.contains("现行有效"));
    // The timeline records every step with the organization.
    for step in [
        "提出提案",
        "批准立项",
        "开始起草",
        "上传新版本",
        "发起征求意见",
        "提交技术审查",
        "结束技术审查",
        "登记发布信息",
        "批准发布",
    ] {
        assert!(page.contains(step), "timeline has {step}");
    }
    assert!(page.contains("示例市场监督管理局"));
    // The feed announces the comment period and the publication.
    let feed = public.get("/feeds/standards.atom").await;
    assert!(feed.headers().get("content-type").unwrap().to_str().unwrap().starts_with("application/atom+xml"));
    let feed = feed.text().await.unwrap();
    assert!(feed.contains("征求意见：《直播营销测试规范》") && feed.contains("发布：DB31/T 1700"));
}

#[tokio::test]
async fn other_roles_and_the_public_cannot_act() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let proposal = std_id(&app, "直播间虚拟礼物消费提示规范");
    let before = state_of(&app, sid);
    // The public: redirected to sign in, nothing changes.
    let public = app.other_client();
    let (_, page) = public.get_html(&format!("/standards/{sid}")).await;
    let token = csrf_in(&page);
    for (path, form) in [
        (format!("/standards/{sid}/actions/submit_for_review"), vec![("version", "0")]),
        (format!("/standards/{proposal}/actions/approve"), vec![("version", "0")]),
        (format!("/standards/{sid}/comments/1/disposition"), vec![("disposition", "accepted")]),
        (format!("/standards/{sid}/positions"), vec![("position", "approve")]),
        ("/standards".to_owned(), vec![("kind", "local")]),
    ] {
        let mut f = form.clone();
        f.push(("csrf_token", &token));
        let r = public.post_raw(&path, &f).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(location(&r).starts_with("/login"), "{path}");
    }
    // A filer: 403 on every staff action.
    let filer = app.other_client();
    filer.login("filer@example.org").await;
    assert_eq!(act(&filer, sid, "submit_for_review", &[]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(filer.get(&format!("/standards/{proposal}")).await.status(), StatusCode::NOT_FOUND);
    let r = filer
        .post_from(
            &format!("/standards/{sid}/comments"),
            &format!("/standards/{sid}/comments/1/disposition"),
            &[("disposition", "accepted")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(filer.get("/standards/new").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(filer.get(&format!("/standards/{sid}/versions/new")).await.status(), StatusCode::FORBIDDEN);
    // A reviewer cannot take editors' actions, an editor cannot take reviewers'.
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    assert_eq!(act(&reviewer, sid, "submit_for_review", &[]).await.status(), StatusCode::FORBIDDEN);
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let r = editor
        .post_from(
            &format!("/standards/{proposal}"),
            &format!("/standards/{proposal}/actions/approve"),
            &[("version", "0")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An editor of another organization cannot touch the association's standard.
    let other = other_association_editor(&app).await;
    assert_eq!(act(&other, sid, "return_to_drafting", &[("note", "x")]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(other.get(&format!("/standards/{sid}/edit")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(state_of(&app, sid), before);
    // Without a CSRF token, even the right editor changes nothing.
    let r = editor
        .post_raw(&format!("/standards/{sid}/actions/return_to_drafting"), &[("version", "0"), ("note", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(state_of(&app, sid), before);
}

async fn other_association_editor(app: &TestApp) -> TestApp {
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

#[tokio::test]
async fn comments_outside_the_period_are_refused_with_its_dates() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let form = [
        ("version_n", "2"),
        ("kind", "general"),
        ("body", "迟到的意见"),
        ("name", "某人"),
        ("organization", "某单位"),
        ("email", "a@example.net"),
    ];
    // Close the period (it ended yesterday).
    let start = today() - chrono::Duration::days(40);
    let end = today() - chrono::Duration::days(1);
    set_period(&app, sid, start, end);
    let (_, page) = app.get_html(&format!("/standards/{sid}")).await;
    assert!(!page.contains("name=\"body\""), "no form outside the period");
    let n = comment_count(&app, sid);
    // A forged post (token taken from another form of the site).
    let r = app.post_from("/login", &format!("/standards/{sid}/comments"), &form).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    let start_text = selfreg::i18n::Lang::Zh.plain_date(start);
    assert!(html.contains(&format!("本标准的征求意见期为 {start_text}")), "message gives the dates");
    assert_eq!(comment_count(&app, sid), n);
    // A standard in drafting takes no comments.
    let dr = std_id(&app, "直播带货商品质量抽检规程");
    let r = app
        .post_from(
            "/login",
            &format!("/standards/{dr}/comments"),
            &[
                ("version_n", "1"),
                ("kind", "general"),
                ("body", "x"),
                ("name", "x"),
                ("organization", "x"),
                ("email", "x@example.net"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn comment_form_validates_throttles_and_traps_bots() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let page = format!("/standards/{sid}");
    let post = format!("/standards/{sid}/comments");
    let n = comment_count(&app, sid);
    // Missing fields and a bad e-mail: messages beside each, input kept.
    let long = "长".repeat(5001);
    let r = app
        .post_from(
            &page,
            &post,
            &[
                ("version_n", "2"),
                ("kind", "general"),
                ("body", &long),
                ("name", ""),
                ("organization", ""),
                ("email", "not-mail"),
                ("clause_ref", "5.1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("内容过长") && html.contains("此项为必填项") && html.contains("电子邮箱格式不正确"));
    assert_eq!(field_value(&html, "clause_ref").as_deref(), Some("5.1"));
    assert_eq!(comment_count(&app, sid), n);
    // The honeypot: accepted in appearance, stored nowhere.
    let r = app
        .post_from(
            &page,
            &post,
            &[
                ("version_n", "2"),
                ("kind", "general"),
                ("body", "spam"),
                ("name", "bot"),
                ("organization", "bot"),
                ("email", "bot@example.net"),
                ("website", "http://spam.example"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(comment_count(&app, sid), n);
    // Ten an hour per address; the eleventh is refused with a time to come back.
    for i in 0..10 {
        let body = format!("意见 {i}");
        let r = app
            .post_from(
                &page,
                &post,
                &[
                    ("version_n", "2"),
                    ("kind", "editorial"),
                    ("body", &body),
                    ("name", "甲"),
                    ("organization", "乙"),
                    ("email", "c@example.net"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "comment {i}");
    }
    let r = app
        .post_from(
            &page,
            &post,
            &[
                ("version_n", "2"),
                ("kind", "editorial"),
                ("body", "第十一条"),
                ("name", "甲"),
                ("organization", "乙"),
                ("email", "c@example.net"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("每小时最多提交 10 条意见"));
    assert_eq!(comment_count(&app, sid), n + 10);
    // Another address may still comment.
    let other = app.other_client();
    let r = other
        .post_from(
            &page,
            &post,
            &[
                ("version_n", "2"),
                ("kind", "editorial"),
                ("body", "另一地址"),
                ("name", "丙"),
                ("organization", "丁"),
                ("email", "d@example.net"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn stale_forms_and_illegal_transitions_change_nothing() {
    let app = spawn_app().await;
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let sid = std_id(&app, "直播带货商品质量抽检规程");
    // An action that does not apply in this state (URL tampering).
    let r = act(&editor, sid, "submit_for_review", &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("不可执行"));
    // A stale version number.
    let r = editor
        .post_from(
            &format!("/standards/{sid}"),
            &format!("/standards/{sid}/actions/return_to_drafting"),
            &[("version", "999"), ("note", "x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(state_of(&app, sid), "drafting");
    assert_eq!(
        editor
            .post_from(&format!("/standards/{sid}"), &format!("/standards/{sid}/actions/fly"), &[("version", "0")])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn two_editors_acting_at_once_one_wins() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    {
        use diesel::prelude::*;
        use selfreg::db::schema::comments::dsl::*;
        diesel::update(comments.filter(standard_id.eq(sid)))
            .set((disposition.eq(Some("noted")), disposition_reason.eq("x")))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let a = app.other_client();
    a.login("editor@example.org").await;
    let b = app.other_client();
    b.login("editor@example.org").await;
    let (_, pa) = a.get_html(&format!("/standards/{sid}")).await;
    let (_, pb) = b.get_html(&format!("/standards/{sid}")).await;
    let (ta, va) = (csrf_in(&pa), field_value(&pa, "version").unwrap());
    let (tb, vb) = (csrf_in(&pb), field_value(&pb, "version").unwrap());
    let path = app.url(&format!("/standards/{sid}/actions/return_to_drafting"));
    let fa = [("version", va.as_str()), ("note", "甲退回"), ("csrf_token", ta.as_str())];
    let fb = [("version", vb.as_str()), ("note", "乙退回"), ("csrf_token", tb.as_str())];
    let (ra, rb) = tokio::join!(a.client.post(&path).form(&fa).send(), b.client.post(&path).form(&fb).send());
    let mut statuses = vec![ra.unwrap().status(), rb.unwrap().status()];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    assert_eq!(state_of(&app, sid), "drafting");
    let events: i64 = {
        use diesel::prelude::*;
        use selfreg::db::schema::standard_events::dsl::*;
        standard_events
            .filter(standard_id.eq(sid))
            .filter(action.eq("return_to_drafting"))
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(events, 1, "exactly one decision recorded");
}

#[tokio::test]
async fn uploads_are_bounded_and_checked_by_content() {
    let app = spawn_app().await;
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let sid = std_id(&app, "直播带货商品质量抽检规程");
    let png = b"\x89PNG\r\n\x1a\n not a pdf".to_vec();
    let r = upload(&editor, sid, "## 1 范围\n正文", vec![("renamed.pdf", png)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("renamed.pdf") && html.contains("不是 PDF 或 DOCX 文件"));
    assert!(html.contains("正文"), "text kept");
    let big = vec![b'%'; 21 * 1024 * 1024];
    let r = upload(&editor, sid, "## 1 范围\n正文", vec![("big.pdf", big)]).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let versions: i64 = {
        use diesel::prelude::*;
        use selfreg::db::schema::standard_versions::dsl::*;
        standard_versions.filter(standard_id.eq(sid)).count().get_result(&mut *app.conn()).unwrap()
    };
    assert_eq!(versions, 0);
    // Without the token in the query, refused.
    let form = Multipart::new().text("label", "comment_draft").text("body", "x");
    let r = editor.client.post(editor.url(&format!("/standards/{sid}/versions"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A real DOCX-shaped file is accepted.
    let docx = b"PK\x03\x04 [Content_Types].xml word/document.xml".to_vec();
    let r = upload(&editor, sid, "## 1 范围\n正文", vec![("草案.docx", docx)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn text_that_looks_like_html_is_escaped_everywhere() {
    let app = spawn_app().await;
    let xss = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let org = association_id(&app);
    let r = editor
        .post_from(
            "/standards/new",
            "/standards",
            &[
                ("kind", "group"),
                ("title_zh", xss),
                ("title_en", xss),
                ("scope", xss),
                ("proposing_org_id", &org),
                ("lead_org_id", &org),
                ("ics", "<b>x</b>"),
                ("ccs", "<i>y</i>"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let new_id = location(&r);
    let sid = std_id(&app, "品质电商直播间管理规范");
    let page = format!("/standards/{sid}");
    let r = app
        .post_from(
            &page,
            &format!("/standards/{sid}/comments"),
            &[
                ("version_n", "2"),
                ("clause_ref", xss),
                ("kind", "general"),
                ("body", xss),
                ("proposed_change", xss),
                ("name", xss),
                ("organization", xss),
                ("email", "x@example.net"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let seq = location(&r).rsplit('/').next().unwrap().to_owned();
    let r = editor
        .post_from(
            &format!("/standards/{sid}/comments"),
            &format!("/standards/{sid}/comments/{seq}/disposition"),
            &[("disposition", "not_accepted"), ("reason", xss)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let dr = std_id(&app, "直播带货商品质量抽检规程");
    let md = format!("## 1 范围\n{xss}\n\n[link](javascript:alert(3))");
    assert_eq!(upload(&editor, dr, &md, vec![]).await.status(), StatusCode::SEE_OTHER);
    for path in [
        new_id.clone(),
        format!("/standards/{sid}/comments"),
        format!("/standards/{sid}/comments/{seq}"),
        format!("/standards/{dr}/versions/1"),
        "/standards?q=script".to_owned(),
    ] {
        let (_, html) = editor.get_html(&path).await;
        assert!(!html.contains("<script>alert(1)</script>"), "{path}");
        assert!(!html.contains("<img src=x"), "{path}");
        assert!(!html.contains("javascript:alert(3)"), "{path}");
    }
    let (_, html) = editor.get_html(&new_id).await;
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;") && !html.contains("<b>x</b>"));
}

#[tokio::test]
async fn chinese_search_and_filters() {
    let app = spawn_app().await;
    let (_, html) = app.get_html("/standards?q=%E7%9B%B4%E6%92%AD").await; // 直播
    for t in ["品质电商直播间管理规范", "网络直播营销主播服务规范", "直播电商售后服务规范"]
    {
        assert!(html.contains(t), "{t}");
    }
    assert!(!html.contains("直播间虚拟礼物消费提示规范"), "proposals are not listed publicly");
    let (_, html) = app.get_html("/standards?q=%E5%94%AE%E5%90%8E").await; // 售后
    assert!(html.contains("直播电商售后服务规范") && !html.contains("品质电商直播间管理规范"));
    // Numbers with either dash, English titles, drafting organizations.
    let (_, html) = app.get_html("/standards?q=T%2FSHDSXH+002-2025").await;
    assert!(html.contains("网络直播营销主播服务规范"));
    let (_, html) = app.get_html("/standards?q=after-sales").await;
    assert!(html.contains("直播电商售后服务规范"));
    let (_, html) = app.get_html("/standards?q=%E7%A4%BA%E4%BE%8B%E5%B9%B3%E5%8F%B005").await; // 示例平台05
    assert!(html.contains("直播电商售后服务规范"));
    // Filters in the URL.
    let (_, html) = app.get_html("/standards?status=in_force").await;
    assert!(html.contains("网络直播营销主播服务规范") && !html.contains("品质电商直播间管理规范"));
    let (_, html) = app.get_html("/standards?status=superseded").await;
    assert!(html.contains("网络直播营销服务规范") && html.contains("被代替"));
    let (_, html) = app.get_html("/standards?kind=local").await;
    assert!(html.contains("品质电商直播间管理规范") && !html.contains("网络直播营销主播服务规范"));
    let (_, html) = app.get_html("/standards?year=2025").await;
    assert!(html.contains("网络直播营销主播服务规范") && !html.contains("网络直播营销服务规范<"));
    let (status, _) = app.get_html("/standards?status=bogus").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, html) = app.get_html("/standards?status=withdrawn").await;
    assert!(html.contains("直播电商仓储配送服务要求") && html.contains("废止"));
    // Every badge of the demo shows somewhere.
    let (_, all) = app.get_html("/standards").await;
    for badge in ["征求意见", "现行", "即将实施", "技术审查", "起草中", "被代替", "废止"] {
        assert!(all.contains(&format!(">{badge}<")), "badge {badge}");
    }
    assert!(all.contains("制定中"), "number placeholder before publication");
}

#[tokio::test]
async fn disposition_table_exports_csv_and_xlsx() {
    use calamine::{Reader, Xlsx};
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let r = app.get(&format!("/standards/{sid}/comments.csv")).await;
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
    let csv = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(csv.contains("序号,标准章条编号,意见内容,修改建议,提出单位,处理意见,理由"));
    assert!(csv.contains("部分采纳") && csv.contains("示例平台03"));
    assert!(!csv.contains("@example.net"), "no e-mail in public exports");
    assert_eq!(csv.lines().count(), 13);

    let r = app.get(&format!("/standards/{sid}/comments.xlsx")).await;
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0], ["序号", "标准章条编号", "意见内容", "修改建议", "提出单位", "处理意见", "理由"]);
    assert_eq!(rows.len(), 13);
    assert_eq!(rows[1][0], "1");
    assert_eq!(rows[1][5], "部分采纳");
    assert_eq!(rows[4][5], "不采纳");
    assert!(rows.iter().flatten().all(|c| !c.contains("@example.net")));
    // English pages and exports.
    let r = app
        .client
        .get(app.url(&format!("/standards/{sid}/comments.csv")))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("No.,Clause,Comment,Proposed change,Organization,Disposition,Reason"));
}

#[tokio::test]
async fn compare_marks_added_and_removed_text_by_clause() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let (status, html) = app.get_html(&format!("/standards/{sid}/compare?from=1&to=2")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<ins>12</ins>") || html.contains("<ins>12 </ins>") || html.contains("<ins>1</ins>"),
        "changed hours marked"
    );
    assert!(html.contains("c-added") && html.contains("5.3") && html.contains("信用记录"), "new clause 5.3");
    assert!(html.contains("<del>"), "removed text marked");
    assert_eq!(app.get(&format!("/standards/{sid}/compare?from=x")).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.get(&format!("/standards/{sid}/compare?from=1&to=9")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn publishing_a_replacement_supersedes_the_old_standard_and_review_outcomes() {
    let app = spawn_app().await;
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    let in_force = std_id(&app, "网络直播营销主播服务规范");
    // Periodic review: withdrawing needs a reason.
    let r = act(&editor, in_force, "withdraw", &[("note", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Revising creates a linked project.
    let r = act(&editor, in_force, "start_revision", &[("note", "复审结论：修订")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let new_id: i64 = location(&r).trim_start_matches("/standards/").parse().unwrap();
    assert_ne!(new_id, in_force);
    assert_eq!(state_of(&app, in_force), "revising");
    assert_eq!(state_of(&app, new_id), "proposed");
    let (_, html) = editor.get_html(&format!("/standards/{new_id}")).await;
    assert!(html.contains("修订自") && html.contains("T/SHDSXH 002—2025"));
    // Fast-forward the revision to approval, then publish it.
    {
        use diesel::prelude::*;
        use selfreg::db::schema::standards::dsl::*;
        diesel::update(standards.find(new_id))
            .set(state.eq("submitted_for_approval"))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let (_, html) = editor.get_html(&format!("/standards/{new_id}")).await;
    let v = field_value(&html, "version").unwrap();
    let r = editor
        .post_from(
            &format!("/standards/{new_id}"),
            &format!("/standards/{new_id}/publication"),
            &[
                ("number", "T/SHDSXH 002—2026"),
                ("release_date", "2026-01-05"),
                ("implementation_date", "2026-02-01"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(act(&reviewer, new_id, "publish", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, in_force), "superseded");
    let (_, old) = app.get_html(&format!("/standards/{in_force}")).await;
    assert!(old.contains("被代替") && old.contains(&format!("/standards/{new_id}")), "link from old to new");
    let (_, new) = app.get_html(&format!("/standards/{new_id}")).await;
    assert!(
        new.contains(&format!("/standards/{in_force}")) && new.contains("T/SHDSXH 002—2026"),
        "link from new to old"
    );
}

#[tokio::test]
async fn list_totals_follow_changes() {
    let app = spawn_app().await;
    let total = |html: &str| -> i64 {
        let i = html.find("共 ").unwrap();
        html[i + "共 ".len()..].chars().take_while(|c| c.is_ascii_digit()).collect::<String>().parse().unwrap()
    };
    let (_, before) = app.get_html("/standards").await;
    let n = total(&before);
    let (_, again) = app.get_html("/standards").await;
    assert_eq!(total(&again), n, "the kept total is the same");
    // Approving the proposal makes it public: the total moves at once.
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    let proposal = std_id(&app, "直播间虚拟礼物消费提示规范");
    assert_eq!(act(&reviewer, proposal, "approve", &[]).await.status(), StatusCode::SEE_OTHER);
    let (_, after) = app.get_html("/standards").await;
    assert_eq!(total(&after), n + 1);
}

#[tokio::test]
async fn kept_pages_carry_each_visitors_own_form_token() {
    let app = spawn_app().await;
    let sid = std_id(&app, "品质电商直播间管理规范");
    let page = format!("/standards/{sid}");
    let a = app.other_client();
    let b = app.other_client();
    let (_, pa) = a.get_html(&page).await;
    let (_, pb) = b.get_html(&page).await;
    let (ta, tb) = (csrf_in(&pa), csrf_in(&pb));
    assert_ne!(ta, tb, "the second visitor gets the kept page with its own token");
    assert!(!pb.contains("CSRFSLOT"), "no placeholder leaks");
    for (c, t) in [(&a, ta), (&b, tb)] {
        let r = c
            .client
            .post(c.url(&format!("/standards/{sid}/comments")))
            .form(&[
                ("csrf_token", t.as_str()),
                ("version_n", "2"),
                ("kind", "general"),
                ("body", "同一页面"),
                ("name", "甲"),
                ("organization", "乙"),
                ("email", "k@example.net"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
}
