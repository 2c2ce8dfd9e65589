//! Pledges over HTTP, the lists: the list of pledges (filters, search, pages),
//! the signatory list (search, exports), organization pages, breadcrumbs.

use reqwest::StatusCode;
use selfreg::db::pledges as pdb;

use crate::helpers::*;
use crate::pledges::*;

#[tokio::test]
async fn signatories_export_as_csv_and_xlsx() {
    let app = spawn_app().await;
    let p = pledge_id(&app, CONVENTION);
    let r = app.get(&format!("/pledges/{p}/signatories.csv")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "BOM");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].contains("单位名称") && lines[0].contains("统一社会信用代码") && lines[0].contains("承诺范围"));
    // 7 verified + subset + withdrawn + suspended; never the pending one.
    assert_eq!(lines.len(), 1 + 10);
    assert!(!csv.contains("示例平台03"));
    let p10 = lines.iter().find(|l| l.contains("示例平台10")).unwrap();
    assert!(p10.contains("2.2") && p10.contains("七日无理由退货规定不适用") && p10.contains("4.3"));
    let p09 = lines.iter().find(|l| l.contains("示例平台09")).unwrap();
    assert!(p09.contains("已退出") && p09.contains("停止网络直播营销业务"));

    let r = app.get(&format!("/pledges/{p}/signatories.csv?status=suspended")).await;
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().count(), 2);
    assert!(csv.contains("示例平台13") && csv.contains("虚构原价"));

    let r = app.get(&format!("/pledges/{p}/signatories.xlsx")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.sheet_names()[0].clone();
    assert_eq!(sheet, "签署单位");
    let range = wb.worksheet_range(&sheet).unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), 11);
    assert_eq!(rows[0][0], "单位名称");
    assert_eq!(rows[0][2], "统一社会信用代码");
    let p10 = rows.iter().find(|r| r[0] == "示例平台10").unwrap();
    assert_eq!(p10[1], "Sample Platform 10");
    assert!(p10[8].contains("2.2") && p10[8].contains("4.3"));
    assert!(rows.iter().all(|r| r[0] != "示例平台03"));

    // In English, with the initiative's 28 signatories.
    app.get("/lang/en").await;
    let i = pledge_id(&app, INITIATIVE);
    let csv = app.get(&format!("/pledges/{i}/signatories.csv")).await.text().await.unwrap();
    assert!(csv.lines().next().unwrap().contains("Unified social credit code"));
    assert_eq!(csv.lines().count(), 29);
    assert!(csv.contains("All commitments"));
    // A draft's export is as hidden as the draft.
    assert_eq!(app.get("/pledges/999/signatories.csv").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn english_pages_and_organization_pages() {
    let app = spawn_app().await;
    let public = app.other_client();
    let p = pledge_id(&app, CONVENTION);
    let (_, html) = public.get_html("/orgs?q=平台05").await;
    assert!(html.contains("示例平台05") && !html.contains("示例平台06"));
    let (_, html) = public.get_html("/orgs?q=91310000MA000007").await;
    assert!(html.contains("示例平台07") && !html.contains("示例平台05"));
    let (_, html) = public.get_html("/orgs?q=sample+platform+1").await;
    assert!(html.contains("示例平台12") && !html.contains("示例平台05"));
    let (_, html) = public.get_html(&format!("/orgs/{}", org_id(&app, "示例平台09"))).await;
    assert!(html.contains("已退出") && html.contains(CONVENTION) && html.contains(INITIATIVE));
    // Platform 03's pending application shows to its own side and admins only.
    let p03 = org_id(&app, "示例平台03");
    let (_, html) = public.get_html(&format!("/orgs/{p03}")).await;
    assert!(!html.contains("待核验"));
    let admin = app.other_client();
    admin.login("admin@example.org").await;
    let (_, html) = admin.get_html(&format!("/orgs/{p03}")).await;
    assert!(html.contains("待核验"));
    assert_eq!(public.get("/orgs/999999").await.status(), StatusCode::NOT_FOUND);
    let (_, html) = public.get_html(&format!("/orgs/{}", org_id(&app, "示例网络直播电商行业协会"))).await;
    assert!(html.contains("发起的公约与倡议") && html.contains(CONVENTION) && html.contains(INITIATIVE));

    // English.
    public.get("/lang/en").await;
    let (_, html) = public.get_html("/").await;
    assert!(html.contains("href=\"/pledges\"") && html.contains(">Pledges<") && html.contains(">Organizations<"));
    let (_, html) = public.get_html("/pledges").await;
    assert!(html.contains("Convention on Compliant Operation in Online Trading") && html.contains("Initiative"));
    let (_, html) = public.get_html(&format!("/pledges/{p}")).await;
    for s in [
        "Platform responsibility",
        "Lawful pricing",
        "Sample Platform 10",
        "Left out, with the reason",
        "Withdrawn",
        "Suspended",
    ] {
        assert!(html.contains(s), "{s}");
    }
    let (_, html) = public.get_html("/orgs").await;
    assert!(html.contains("Find by name or credit code"));
}

#[tokio::test]
async fn pledge_queries_do_not_grow_with_the_number_of_signatories() {
    use selfreg::domain::pledge::SignatureState;

    let app = spawn_app().await;
    let mut conn = CountingConn::new(&app);
    let mut queries = |f: &mut dyn FnMut(&mut selfreg::db::DbConn)| conn.queries(f).1;
    let public = pdb::SignatoryFilter { states: SignatureState::PUBLIC.to_vec(), ..Default::default() };
    let mut counts = Vec::new();
    for (title, expected) in [(CONVENTION, 10), (INITIATIVE, 28)] {
        let p = pledge_id(&app, title);
        let q = queries(&mut |c| {
            let rows = pdb::signatories(c, p, &public).unwrap();
            assert_eq!(rows.len(), expected);
            assert!(rows.iter().all(|r| r.events.len() >= 2), "history loaded");
        });
        counts.push(q);
    }
    assert_eq!(counts, vec![3, 3], "signatures, exclusions, events: one query each");
    let org = org_id(&app, "示例平台10");
    assert_eq!(queries(&mut |c| assert_eq!(pdb::org_signatures(c, org, &SignatureState::PUBLIC).unwrap().len(), 2)), 1);
    assert_eq!(queries(&mut |c| assert_eq!(pdb::list(c, pdb::Drafts::None).unwrap().len(), 2)), 2);
}

/// Open pledges made behind the application's back, for paging.
fn make_open_pledges(app: &TestApp, n: usize) {
    use selfreg::db::audit::Actor;
    use selfreg::domain::pledge::{parse_commitments, PledgeState};
    let issuer = org_id(app, "示例网络直播电商行业协会");
    let mut conn = app.conn();
    for i in 1..=n {
        let data = pdb::PledgeData {
            kind: selfreg::domain::pledge::PledgeKind::Initiative,
            title_zh: format!("批量倡议{i:02}"),
            title_en: format!("Batch initiative {i:02}"),
            organization_id: issuer,
            guiding_body_zh: String::new(),
            guiding_body_en: String::new(),
            text_md_zh: "正文".into(),
            text_md_en: String::new(),
            commitments: parse_commitments("1 | 区 | Area | 一 | One").unwrap(),
        };
        let id = pdb::insert(&mut conn, Actor::SYSTEM, &data).unwrap();
        pdb::seed_state(&mut conn, id, PledgeState::Open, Some(selfreg::db::now()), None).unwrap();
    }
    drop(conn);
    app.data_changed();
}

#[tokio::test]
async fn the_pledge_list_filters_searches_and_pages() {
    let app = spawn_app().await;
    let public = app.other_client();
    let (_, html) = public.get_html("/pledges?kind=initiative").await;
    assert!(html.contains(INITIATIVE) && !html.contains(CONVENTION), "kind");
    let (_, html) = public.get_html("/pledges?kind=convention").await;
    assert!(!html.contains(INITIATIVE) && html.contains(CONVENTION), "kind");
    let (_, html) = public.get_html("/pledges?q=合规经营").await;
    assert!(html.contains(CONVENTION) && !html.contains(INITIATIVE), "words in the title");
    assert!(html.contains("value=\"合规经营\""), "the search stays in its box");
    let (_, html) = public.get_html("/pledges?q=COMPLIANT+operation").await;
    assert!(html.contains(CONVENTION) && !html.contains(INITIATIVE), "English, any case");
    let (_, html) = public.get_html("/pledges?status=closed").await;
    assert!(html.contains("没有符合条件的公约或倡议") && !html.contains(CONVENTION), "status");
    let assoc = org_id(&app, "示例网络直播电商行业协会");
    let (_, html) = public.get_html(&format!("/pledges?issuer={assoc}")).await;
    assert!(html.contains(CONVENTION) && html.contains(INITIATIVE), "issuer");
    assert!(html.contains(&format!("<option value=\"{assoc}\" selected>")), "issuer offered and kept");
    let (_, html) = public.get_html(&format!("/pledges?issuer={}", org_id(&app, "示例平台01"))).await;
    assert!(!html.contains(CONVENTION), "issuer");
    let (_, html) = public.get_html("/pledges?status=draft").await;
    assert!(!html.contains("value=\"draft\""), "the public cannot ask for drafts");

    make_open_pledges(&app, 21);
    let (_, html) = public.get_html("/pledges").await;
    assert!(html.contains("批量倡议21") && !html.contains(CONVENTION), "20 a page, newest first");
    assert!(html.contains("href=\"/pledges?page=2\""), "pager");
    let (_, html) = public.get_html("/pledges?page=2").await;
    assert!(html.contains(CONVENTION) && html.contains(INITIATIVE) && html.contains("批量倡议01"));
    let (_, html) = public.get_html("/pledges?page=99").await;
    assert!(html.contains(CONVENTION), "past the end: the last page");
    let (_, html) = public.get_html("/pledges?q=batch&kind=initiative").await;
    assert!(html.contains("批量倡议21") && !html.contains(INITIATIVE));
    assert!(html.contains("href=\"/pledges?kind=initiative&amp;q=batch&amp;page=2\""), "filters kept by the pager");
    let (_, html) = public.get_html("/pledges?q=batch&kind=initiative&page=2").await;
    assert!(html.contains("批量倡议01") && !html.contains("批量倡议02<"));
}

#[tokio::test]
async fn signatories_are_found_by_name_and_nested_pages_have_breadcrumbs() {
    let app = spawn_app().await;
    let (filer, editor, public) = clients(&app).await;
    let p = pledge_id(&app, CONVENTION);
    let (_, html) = public.get_html(&format!("/pledges/{p}")).await;
    assert!(html.contains("<span class=\"muted\">（10）</span>"), "every public signatory counted");
    let (_, html) = public.get_html(&format!("/pledges/{p}?q=平台10")).await;
    assert!(html.contains("示例平台10") && html.contains("<span class=\"muted\">（1）</span>"), "by name");
    assert!(html.contains("value=\"平台10\""));
    let (_, html) = public.get_html(&format!("/pledges/{p}?q=sample+PLATFORM+10")).await;
    assert!(html.contains("<span class=\"muted\">（1）</span>"), "by English name");
    let (_, html) = public.get_html(&format!("/pledges/{p}?q=没有这个单位")).await;
    assert!(html.contains("暂无符合条件的签署单位"));
    let (_, html) = public.get_html(&format!("/pledges/{p}/signatories.csv?q=平台10")).await;
    assert_eq!(html.lines().count(), 2, "the export follows the search: {html}");

    // Nested pages say where they are.
    let sig = applied(&filer, pledge_id(&app, CONVENTION)).await;
    let crumbs = |html: &str| -> String {
        let start = html.find("<nav class=\"breadcrumbs\"").expect("breadcrumbs");
        html[start..start + html[start..].find("</nav>").unwrap()].to_owned()
    };
    let (_, html) = public.get_html(&format!("/pledges/{p}")).await;
    assert!(crumbs(&html).contains("href=\"/pledges\""));
    let (_, html) = editor.get_html(&format!("/signatures/{sig}")).await;
    let c = crumbs(&html);
    assert!(
        c.contains("href=\"/pledges\"") && c.contains(&format!("href=\"/pledges/{p}\"")) && c.contains("示例平台01")
    );
    let filer2 = app.other_client();
    filer2.login("filer2@example.org").await;
    let (_, html) = filer2.get_html(&format!("/pledges/{p}/apply")).await;
    assert!(crumbs(&html).contains(&format!("href=\"/pledges/{p}\"")));
    let (_, html) = editor.get_html("/pledges/new").await;
    assert!(crumbs(&html).contains("href=\"/pledges\""));
    let (_, html) = public.get_html(&format!("/orgs/{}", org_id(&app, "示例平台01"))).await;
    assert!(crumbs(&html).contains("href=\"/orgs\""));
    // The organizations list: past the end shows the last page, and the search is kept.
    let (_, html) = public.get_html("/orgs?page=9").await;
    assert!(html.contains("示例平台01"));
    let (_, html) = public.get_html("/orgs?q=%E5%B9%B3%E5%8F%B001").await;
    assert!(html.contains("示例平台01") && !html.contains("示例平台02") && html.contains("value=\"平台01\""));
}
