//! Pledges over HTTP, the forms: an application records exactly the ticked
//! commitments; the pledge form's commitment rows; escaping. Double submits
//! are in `pledge_races`.

use reqwest::StatusCode;
use selfreg::db::pledges as pdb;

use crate::helpers::*;
use crate::pledges::*;

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
        assert_eq!(p.state, selfreg::domain::pledge::PledgeState::Draft);
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
