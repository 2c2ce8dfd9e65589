//! Who sees proposals, and for which association an editor may act.

use reqwest::StatusCode;

use super::*;
use crate::helpers::*;

fn org_id(app: &TestApp, name: &str) -> String {
    use diesel::prelude::*;
    use selfreg::db::schema::organizations;
    organizations::table
        .filter(organizations::name_zh.eq(name))
        .select(organizations::id)
        .first::<i64>(&mut *app.conn())
        .unwrap()
        .to_string()
}

/// A version and a comment on a proposal, behind the application's back (the
/// lifecycle would not allow them yet), so that every route has something to show.
fn give_text(app: &TestApp, sid: i64) {
    use diesel::prelude::*;
    use selfreg::db::schema::standard_versions::dsl::*;
    diesel::insert_into(standard_versions)
        .values((
            standard_id.eq(sid),
            n.eq(1),
            label.eq("comment_draft"),
            body_md.eq("## 1 范围\n秘密草案。"),
            note.eq(""),
            created_at.eq(selfreg::db::now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
}

#[tokio::test]
async fn proposals_are_seen_only_by_their_associations_editors_reviewers_and_admins() {
    let app = spawn_app().await;
    let proposal = std_id(&app, "直播间虚拟礼物消费提示规范");
    give_text(&app, proposal);
    let association = association_id(&app);
    let public = app.other_client();
    let filer = app.other_client();
    filer.login("filer@example.org").await;
    let other = other_association_editor(&app).await;
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    let admin = app.other_client();
    admin.login("admin@example.org").await;
    let pages = [
        format!("/standards/{proposal}"),
        format!("/standards/{proposal}/versions/1"),
        format!("/standards/{proposal}/compare"),
        format!("/standards/{proposal}/comments"),
        format!("/standards/{proposal}/comments?pending=1"),
        format!("/standards/{proposal}/comments.csv"),
        format!("/standards/{proposal}/comments.xlsx"),
    ];
    for (who, name) in [(&public, "public"), (&filer, "filer"), (&other, "another association's editor")] {
        for p in &pages {
            assert_eq!(who.get(p).await.status(), StatusCode::NOT_FOUND, "{name}: {p}");
        }
        let (_, list) = who.get_html("/standards?q=%E8%99%9A%E6%8B%9F%E7%A4%BC%E7%89%A9").await; // 虚拟礼物
        assert!(!list.contains("直播间虚拟礼物消费提示规范"), "{name}: not listed");
        let (_, list) = who.get_html("/standards?status=proposed").await;
        assert!(!list.contains("直播间虚拟礼物消费提示规范"), "{name}: not listed by status");
        let (_, org_page) = who.get_html(&format!("/orgs/{association}")).await;
        assert!(!org_page.contains("直播间虚拟礼物消费提示规范"), "{name}: not on the organization's page");
    }
    let (_, feed) = public.get_html("/feeds/standards.atom").await;
    assert!(!feed.contains("直播间虚拟礼物消费提示规范"));
    // Forms aimed at it answer 404 too, and change nothing.
    let (_, page) = other.get_html("/standards").await;
    let token = csrf_in(&page);
    for path in [
        format!("/standards/{proposal}/edit"),
        format!("/standards/{proposal}/actions/start_drafting"),
        format!("/standards/{proposal}/publication"),
        format!("/standards/{proposal}/comments"),
        format!("/standards/{proposal}/comments/disposition"),
        format!("/standards/{proposal}/comments/1/disposition"),
    ] {
        let r = other.post_raw(&path, &[("csrf_token", &token), ("version", "0"), ("body", "x")]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for path in [format!("/standards/{proposal}/edit"), format!("/standards/{proposal}/versions/new")] {
        assert_eq!(other.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let r = public
        .post_from(
            "/login",
            &format!("/standards/{proposal}/comments"),
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
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "commenting on a proposal");
    assert_eq!(state_of(&app, proposal), "proposed");
    // Its association's editors, reviewers and admins see it everywhere.
    for (who, name) in [(&editor, "editor"), (&reviewer, "reviewer"), (&admin, "admin")] {
        for p in &pages {
            assert_eq!(who.get(p).await.status(), StatusCode::OK, "{name}: {p}");
        }
        let (_, list) = who.get_html("/standards?q=%E8%99%9A%E6%8B%9F%E7%A4%BC%E7%89%A9").await;
        assert!(list.contains("直播间虚拟礼物消费提示规范"), "{name}: listed");
    }
    // Rejected, it stays out of sight.
    assert_eq!(act(&reviewer, proposal, "reject", &[("note", "不予立项")]).await.status(), StatusCode::SEE_OTHER);
    for who in [&public, &filer, &other] {
        assert_eq!(who.get(&format!("/standards/{proposal}")).await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(editor.get(&format!("/standards/{proposal}")).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_revision_still_proposed_is_not_linked_from_the_public_page() {
    let app = spawn_app().await;
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let in_force = std_id(&app, "网络直播营销主播服务规范");
    let r = act(&editor, in_force, "start_revision", &[("note", "复审结论：修订")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let revision = location(&r);
    let (_, page) = app.get_html(&format!("/standards/{in_force}")).await;
    assert!(!page.contains(&format!("href=\"{revision}\"")), "the public does not see the proposed revision");
    let (_, page) = editor.get_html(&format!("/standards/{in_force}")).await;
    assert!(page.contains(&format!("href=\"{revision}\"")), "its association does");
}

#[tokio::test]
async fn editors_act_only_for_their_own_association() {
    let app = spawn_app().await;
    let editor = app.other_client();
    editor.login("editor@example.org").await;
    let admin = app.other_client();
    admin.login("admin@example.org").await;
    let _other = other_association_editor(&app).await;
    let ours = association_id(&app);
    let theirs = org_id(&app, "另一协会");
    let platform = org_id(&app, "示例平台01");
    let before = app.count("standards");
    let propose_with = |who: &'static str, proposer: String, lead: String, replaces: String| {
        let c = if who == "admin" { &admin } else { &editor };
        async move {
            c.post_from(
                "/standards/new",
                "/standards",
                &[
                    ("kind", "group"),
                    ("title_zh", "测试项目"),
                    ("title_en", "Test project"),
                    ("proposing_org_id", &proposer),
                    ("lead_org_id", &lead),
                    ("replaces_id", &replaces),
                ],
            )
            .await
        }
    };
    // The form offers only the editor's own association as lead.
    let (_, form) = editor.get_html("/standards/new").await;
    let lead_select = &form[form.find("id=\"f-lead_org_id\"").unwrap()..];
    let lead_select = &lead_select[..lead_select.find("</select>").unwrap()];
    assert!(
        lead_select.contains(&format!("value=\"{ours}\"")) && !lead_select.contains(&format!("value=\"{theirs}\""))
    );
    // Another association as lead, or as proposer: refused with a clear message.
    let r = propose_with("editor", ours.clone(), theirs.clone(), String::new()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("牵头起草单位须为本单位"));
    let r = propose_with("editor", theirs.clone(), ours.clone(), String::new()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("不能以其他行业协会的名义提出标准项目"));
    assert_eq!(app.count("standards"), before);
    // A platform may propose what the association leads.
    let r = propose_with("editor", platform.clone(), ours.clone(), String::new()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let own: i64 = location(&r).trim_start_matches("/standards/").parse().unwrap();
    // Admins may set up a project led by another association; once published, our editor cannot replace it.
    let r = propose_with("admin", theirs.clone(), theirs.clone(), String::new()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let foreign: i64 = location(&r).trim_start_matches("/standards/").parse().unwrap();
    force_state(&app, foreign, "published");
    let (_, form) = editor.get_html("/standards/new").await;
    let replaces = &form[form.find("id=\"f-replaces_id\"").unwrap()..];
    let replaces = &replaces[..replaces.find("</select>").unwrap()];
    assert!(!replaces.contains(&format!("<option value=\"{foreign}\"")), "not offered for replacement");
    assert!(replaces.contains("T/SHDSXH 002—2025"), "its own are");
    let r = propose_with("editor", ours.clone(), ours.clone(), foreign.to_string()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("只能代替本单位牵头起草的标准"));
    // Its own published standard it may replace.
    let in_force = std_id(&app, "网络直播营销主播服务规范");
    let r = propose_with("editor", ours.clone(), ours.clone(), in_force.to_string()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Editing: the lead cannot be handed to another association either.
    let (_, page) = editor.get_html(&format!("/standards/{own}/edit")).await;
    let version = field_value(&page, "version").unwrap();
    let r = editor
        .post_from(
            &format!("/standards/{own}/edit"),
            &format!("/standards/{own}/edit"),
            &[
                ("kind", "group"),
                ("title_zh", "测试项目"),
                ("title_en", "Test project"),
                ("proposing_org_id", &platform),
                ("lead_org_id", &theirs),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("牵头起草单位须为本单位"));
    let lead: i64 = {
        use diesel::prelude::*;
        use selfreg::db::schema::standards::dsl::*;
        standards.find(own).select(lead_org_id).first(&mut *app.conn()).unwrap()
    };
    assert_eq!(lead.to_string(), ours, "unchanged");
}
