//! The lifecycle: moves, roles, stale forms, publication and replacement.

use reqwest::StatusCode;

use super::*;
use crate::helpers::*;

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
    assert!(vpage.contains("1 范围</h2>") && vpage.contains("征求意见稿.pdf") && vpage.contains("SHA-256"));
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
    let r = dispose(&editor, sid, 1, "not_accepted", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("“不采纳”须说明理由"));
    let r = dispose(&editor, sid, 1, "not_accepted", "证书类型由其他规定明确。").await;
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
    let r = act(&reviewer, sid, "publish", &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "not without its text");
    assert!(r.text().await.unwrap().contains("批准发布前须上传报批稿或发布稿"));
    let text = "## 1 范围\n本文件规定了直播间要求。\n## 2 主播\n主播应持有效资格证书上岗。\n";
    assert_eq!(upload_labelled(&editor, sid, "approval_draft", text, vec![]).await.status(), StatusCode::SEE_OTHER);
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
    // Fast-forward the revision to approval, then publish it with its text.
    force_state(&app, new_id, "submitted_for_approval");
    let r = upload_labelled(&editor, new_id, "final", "## 1 范围\n修订后的范围。\n", vec![]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
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
async fn an_unknown_kind_in_the_database_is_an_error_never_a_group_standard() {
    let app = spawn_app().await;
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    let sid = propose(&editor, "未知类别测试规范", "local").await;
    assert_eq!(act(&reviewer, sid, "approve", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(act(&editor, sid, "start_drafting", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(upload(&editor, sid, "## 1 范围\n正文。\n", vec![]).await.status(), StatusCode::SEE_OTHER);
    let (_, html) = editor.get_html(&format!("/standards/{sid}")).await;
    let (version, token) = (field_value(&html, "version").unwrap(), csrf_in(&html));
    {
        use diesel::prelude::*;
        use selfreg::db::schema::standards::dsl::*;
        diesel::update(standards.find(sid)).set(kind.eq("national")).execute(&mut *app.conn()).unwrap();
    }
    app.data_changed();
    // Five days would do for a group standard; a kind nobody knows is not read as one.
    let (start, end) = (today().to_string(), (today() + chrono::Duration::days(4)).to_string());
    let form = [("starts_on", start.as_str()), ("ends_on", &end), ("version", &version), ("csrf_token", &token)];
    let r = editor
        .client
        .post(editor.url(&format!("/standards/{sid}/actions/open_comment")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_server_error(), "{}", r.status());
    assert_eq!(state_of(&app, sid), "drafting", "no comment period opened");
    assert_eq!(app.get(&format!("/standards/{sid}")).await.status(), StatusCode::INTERNAL_SERVER_ERROR);
}
