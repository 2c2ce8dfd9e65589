//! The public dashboard: its menus and search, the standing vocabulary (filing
//! standing and implementation) on the dashboard, its exports, the feed and
//! the history pages, and the demo data that shows every standing.

use diesel::prelude::*;
use reqwest::StatusCode;
use selfreg::db::schema::{organizations, pledges, reporting_periods, reports};

use crate::helpers::*;

const INITIATIVE: &str = "提升平台企业合规水平促进电商行业高质量发展";
const CONVENTION: &str = "网络交易合规经营自律公约";

fn pledge_id(app: &TestApp, title: &str) -> i64 {
    pledges::table.filter(pledges::title_zh.eq(title)).select(pledges::id).first(&mut *app.conn()).unwrap()
}

fn period_id(app: &TestApp, label: &str) -> i64 {
    reporting_periods::table
        .filter(reporting_periods::label_zh.eq(label))
        .select(reporting_periods::id)
        .first(&mut *app.conn())
        .unwrap()
}

fn org_id(app: &TestApp, name: &str) -> i64 {
    organizations::table
        .filter(organizations::name_zh.eq(name))
        .select(organizations::id)
        .first(&mut *app.conn())
        .unwrap()
}

/// The report of platform `org` for period `period`.
fn report_of(app: &TestApp, period: i64, org: &str) -> i64 {
    reports::table
        .filter(reports::period_id.eq(period))
        .filter(reports::organization_id.eq(org_id(app, org)))
        .select(reports::id)
        .first(&mut *app.conn())
        .unwrap()
}

/// The matrix row of an organization (from its name to the end of the row).
fn row_of(html: &str, name: &str) -> String {
    let table = &html[html.find("<table class=\"matrix\">").expect("the matrix")..];
    let at = table.find(&format!(">{name}</a>")).unwrap_or_else(|| panic!("no row for {name}"));
    let r = &table[at..];
    r[..r.find("</tr>").unwrap()].to_owned()
}

/// The value of the selected option of the select `name`.
fn selected(html: &str, name: &str) -> String {
    let s = &html[html.find(&format!("name=\"{name}\"")).unwrap()..];
    let s = &s[..s.find("</select>").unwrap()];
    let at = s.find(" selected>").unwrap_or_else(|| panic!("nothing selected in {name}"));
    let v = &s[..at];
    let v = &v[v.rfind("value=\"").unwrap() + 7..];
    v[..v.find('"').unwrap()].to_owned()
}

/// The label of the period shown (the line under the menus).
fn shown_period(html: &str) -> String {
    let s = &html[html.find("class=\"period-line\"><strong>").unwrap() + 28..];
    s[..s.find("</strong>").unwrap()].to_owned()
}

#[tokio::test]
async fn every_combination_of_the_menus_answers_and_shows_what_it_shows() {
    let app = spawn_app().await;
    let (init, conv) = (pledge_id(&app, INITIATIVE), pledge_id(&app, CONVENTION));
    let p2 = period_id(&app, "第二期（下半年度）");
    let annual = period_id(&app, "年度报告");

    // A period of another pledge: the pledge's current period, and a word why.
    let (status, html) = app.get_html(&format!("/dashboard?pledge={conv}&period={p2}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(selected(&html, "pledge"), conv.to_string());
    assert_eq!(selected(&html, "period"), annual.to_string(), "the menu shows the period shown");
    assert_eq!(shown_period(&html), "年度报告");
    assert!(html.contains("所选报告期不属于该公约或倡议，现显示其当前报告期。"));
    assert!(
        html.contains(&format!("/dashboard.csv?pledge={conv}&amp;period={annual}")),
        "exports follow what is shown"
    );

    // A period alone chooses its pledge.
    let (_, html) = app.get_html(&format!("/dashboard?period={annual}")).await;
    assert_eq!((selected(&html, "pledge"), shown_period(&html)), (conv.to_string(), "年度报告".to_owned()));
    assert!(!html.contains("class=\"notice\""), "nothing to explain");

    // Unknown, foreign or malformed values in every combination: 200, and the
    // menus always name what is shown.
    let pledges = ["", "abc", "-1", "0", "999999", "1e3", &init.to_string(), &conv.to_string()].map(String::from);
    let periods = ["", "x", "999999", "-5", &p2.to_string(), &annual.to_string()].map(String::from);
    for pledge in &pledges {
        for period in &periods {
            let url = format!("/dashboard?pledge={pledge}&period={period}");
            let (status, html) = app.get_html(&url).await;
            assert_eq!(status, StatusCode::OK, "{url}");
            let shown = selected(&html, "period");
            let label: String = reporting_periods::table
                .find(shown.parse::<i64>().unwrap())
                .select(reporting_periods::label_zh)
                .first(&mut *app.conn())
                .unwrap();
            assert_eq!(shown_period(&html), label, "{url}: the menu and the page agree");
            let pledge_shown = selected(&html, "pledge");
            let period_pledge: i64 = reporting_periods::table
                .find(shown.parse::<i64>().unwrap())
                .select(reporting_periods::pledge_id)
                .first(&mut *app.conn())
                .unwrap();
            assert_eq!(pledge_shown, period_pledge.to_string(), "{url}: the period is the pledge's");
            for export in ["/dashboard.csv", "/dashboard.xlsx"] {
                let r = app.get(&format!("{export}?pledge={pledge}&period={period}")).await;
                assert_eq!(r.status(), StatusCode::OK, "{export} {pledge} {period}");
            }
        }
    }
    // Repeated or odd parameters do not break the page either.
    for url in ["/dashboard?pledge=1&pledge=2&period=&period=x", "/dashboard?q=%FF%FE&other=1", "/dashboard?pledge"] {
        assert_eq!(app.get(url).await.status(), StatusCode::OK, "{url}");
    }
    // Default: the initiative and its latest period past the deadline.
    let (_, html) = app.get_html("/dashboard").await;
    assert_eq!((selected(&html, "pledge"), shown_period(&html)), (init.to_string(), "第二期（下半年度）".to_owned()));
}

#[tokio::test]
async fn the_dashboard_finds_a_platform_by_name() {
    let app = spawn_app().await;
    let p2 = period_id(&app, "第二期（下半年度）");
    let (status, html) = app.get_html(&format!("/dashboard?period={p2}&q=%E5%B9%B3%E5%8F%B002")).await; // 平台02
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"平台02\""), "the search box keeps what was typed");
    assert!(row_of(&html, "示例平台02").contains("退回整改"));
    let matrix = &html[html.find("<table class=\"matrix\">").unwrap()..];
    assert!(!matrix.contains("示例平台01") && !matrix.contains("示例平台03"), "only the platform asked for");
    assert!(html.contains("名称含“平台02”的签署单位 1 家，共 28 家。"));
    assert!(html.contains("本期概况：28 家签署单位"), "the totals stay those of the whole period");
    // English names, any case; the export lists what the page lists.
    let r = app
        .client
        .get(app.url(&format!("/dashboard?period={p2}&q=sample+PLATFORM+1")))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains(">Sample Platform 12</a>") && !html.contains(">Sample Platform 02</a>"));
    let csv = app.get(&format!("/dashboard.csv?period={p2}&q=%E5%B9%B3%E5%8F%B002")).await.text().await.unwrap();
    assert_eq!(csv.lines().filter(|l| l.starts_with("示例平台")).count(), 1, "{csv}");
    // Nothing found: said so.
    let (status, html) = app.get_html(&format!("/dashboard?period={p2}&q=%E6%97%A0%E6%AD%A4%E5%B9%B3%E5%8F%B0")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("没有名称含所查字词的签署单位。"));
}

#[tokio::test]
async fn standings_say_what_they_mean() {
    let app = spawn_app().await;
    let p1 = period_id(&app, "第一期（上半年度）");
    let p2 = period_id(&app, "第二期（下半年度）");
    let p3 = period_id(&app, "第三期（本期）");
    let next = period_id(&app, "下一年度报告");
    let annual = period_id(&app, "年度报告");

    // Submitted and awaiting review is not "in good standing"; nor is a period not yet open.
    let (_, html) = app.get_html(&format!("/dashboard?period={p3}")).await;
    assert!(!html.contains("履约良好"));
    let row = row_of(&html, "示例平台03");
    assert!(row.contains("已提交待审核") && row.contains("（北京时间）提交，尚待审核。"), "{row}");
    assert!(row_of(&html, "示例平台05").contains("即将到期"));
    let (_, html) = app.get_html(&format!("/dashboard?period={next}")).await;
    let row = row_of(&html, "示例平台05");
    assert!(row.contains("未到期") && row.contains("开始，截止时间"), "{row}");

    // Both dimensions, never one word: the filing standing and the implementation.
    let (_, html) = app.get_html(&format!("/dashboard?period={p1}")).await;
    let row = row_of(&html, "示例平台01");
    assert!(row.contains("按期报告并通过") && row.contains("审核通过"), "{row}");
    assert!(row.contains("已落实 ") && row.contains("/6 项（"), "implementation of the accepted report: {row}");
    assert!(row_of(&html, "示例平台21").contains("逾期报告并通过"));
    assert!(row_of(&html, "示例平台27").contains("未按期报告"));
    let (_, html) = app.get_html(&format!("/dashboard?period={p2}")).await;
    let row = row_of(&html, "示例平台02");
    assert!(row.contains("退回整改") && row.contains("退回整改，尚未重新提交。") && !row.contains("已落实"), "{row}");
    assert!(row_of(&html, "示例平台23").contains("逾期未报"));
    let row = row_of(&html, "示例平台25");
    assert!(row.contains("已提交待审核") && row.contains("晚于截止时间"), "{row}");
    let (_, html) = app.get_html(&format!("/dashboard?period={annual}")).await;
    let row = row_of(&html, "示例平台09");
    assert!(row.contains("已退出") && row.contains("2025年09月30日退出"), "{row}");
    assert!(row_of(&html, "示例平台13").contains("已暂停"));

    // The same words in English.
    let r = app
        .client
        .get(app.url(&format!("/dashboard?period={p1}")))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    let row = row_of(&html, "Sample Platform 21");
    assert!(row.contains("Accepted, filed late") && row.contains("after the deadline"), "{row}");
    assert!(row_of(&html, "Sample Platform 01").contains(" of 6 implemented ("));

    // Exports, the feed and the history pages use the same vocabulary.
    let csv = app.get(&format!("/dashboard.csv?period={p2}")).await.text().await.unwrap();
    assert!(csv.contains("报告情况,依据,落实情况"), "{}", csv.lines().next().unwrap_or_default());
    let line = csv.lines().find(|l| l.starts_with("示例平台02")).unwrap();
    assert!(line.contains("退回整改"), "{line}");
    let line = csv.lines().find(|l| l.starts_with("示例平台01")).unwrap();
    assert!(line.contains("按期报告并通过") && line.contains("已落实 "), "{line}");
    let feed = app.get("/feeds/reports.atom").await.text().await.unwrap();
    assert!(feed.contains("按期报告并通过") && feed.contains("落实情况：已落实 "), "{feed}");
    assert!(feed.contains("逾期报告并通过"), "the late one is in the feed too");
    let (_, html) = app.get_html(&format!("/orgs/{}/reports", org_id(&app, "示例平台02"))).await;
    assert!(html.contains("退回整改") && html.contains("按期报告并通过") && html.contains("已落实 "), "{html}");
    let (_, html) = app.get_html(&format!("/orgs/{}", org_id(&app, "示例平台21"))).await;
    assert!(html.contains("逾期报告并通过"));
    let filer = app.other_client();
    filer.login("filer@example.org").await;
    let (_, html) = filer.get_html("/reporting").await;
    assert!(html.contains("按期报告并通过") && html.contains("即将到期") && html.contains("已落实 "), "{html}");
    assert!(!html.contains("履约良好"));
}

/// On time or late, decided by the accepted submission's time to the minute.
#[tokio::test]
async fn accepted_on_time_or_late_follows_the_submission_to_the_minute() {
    let app = spawn_app().await;
    let p2 = period_id(&app, "第二期（下半年度）");
    let due: chrono::NaiveDate =
        reporting_periods::table.find(p2).select(reporting_periods::due_on).first(&mut *app.conn()).unwrap();
    let deadline = selfreg::domain::standing::due_instant(due);
    let rid = report_of(&app, p2, "示例平台14");
    let accept_submitted_at = |t: chrono::NaiveDateTime| {
        diesel::update(reports::table.find(rid))
            .set((reports::state.eq("accepted"), reports::submitted_at.eq(t), reports::decided_at.eq(t)))
            .execute(&mut *app.conn())
            .unwrap();
        app.data_changed();
    };
    accept_submitted_at(deadline - chrono::Duration::minutes(1));
    let (_, html) = app.get_html(&format!("/dashboard?period={p2}")).await;
    let row = row_of(&html, "示例平台14");
    assert!(row.contains("按期报告并通过") && row.contains("23:59（北京时间）提交"), "a minute before 24:00: {row}");
    accept_submitted_at(deadline);
    let (_, html) = app.get_html(&format!("/dashboard?period={p2}")).await;
    let row = row_of(&html, "示例平台14");
    assert!(row.contains("逾期报告并通过") && row.contains("24:00（北京时间）提交，晚于截止时间"), "at 24:00: {row}");
}

/// Totals show both dimensions, and implementation (row, totals, trend) is
/// read from accepted reports only.
#[tokio::test]
async fn implementation_comes_from_accepted_reports_only() {
    let app = spawn_app().await;
    let p2 = period_id(&app, "第二期（下半年度）");
    let url = format!("/dashboard?period={p2}");
    let (_, before) = app.get_html(&url).await;
    assert!(before.contains("报告情况：各类单位数") && before.contains("落实情况：审核通过的报告"));
    assert!(before.contains("审核通过的报告 20 份，已落实 "), "the period's implementation");
    let trend = |html: &str| -> String {
        let t = &html[html.find("各报告期已落实的比例").unwrap()..];
        t[..t.find("</figure>").unwrap()].to_owned()
    };
    assert!(trend(&before).contains("第一期（上半年度）") && trend(&before).contains("审核通过的报告 20 份"));
    // Platform 14's report is submitted, not accepted: marking all of it
    // implemented changes nothing public.
    let rid = report_of(&app, p2, "示例平台14");
    diesel::update(
        selfreg::db::schema::report_entries::table.filter(selfreg::db::schema::report_entries::report_id.eq(rid)),
    )
    .set(selfreg::db::schema::report_entries::status.eq("implemented"))
    .execute(&mut *app.conn())
    .unwrap();
    app.data_changed();
    let (_, html) = app.get_html(&url).await;
    assert_eq!(trend(&html), trend(&before), "a submitted report is not in the trend");
    assert!(html.contains("审核通过的报告 20 份，已落实 "));
    let row = row_of(&html, "示例平台14");
    assert!(row.contains("已提交待审核") && !row.contains("已落实"), "{row}");
    // Once a reviewer accepts it, it counts.
    let reviewer = app.other_client();
    reviewer.login("reviewer@example.org").await;
    let (_, page) = reviewer.get_html(&format!("/reports/{rid}")).await;
    let r = reviewer
        .client
        .post(reviewer.url(&format!("/reports/{rid}/decision")))
        .form(&[
            ("csrf_token", csrf_in(&page).as_str()),
            ("version", field_value(&page, "version").unwrap().as_str()),
            ("decision", "accept"),
            ("comment", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html(&url).await;
    assert!(html.contains("审核通过的报告 21 份，已落实 "));
    assert!(trend(&html).contains("审核通过的报告 21 份"));
    let row = row_of(&html, "示例平台14");
    assert!(row.contains("按期报告并通过") && row.contains("已落实 6/6 项（100%）"), "{row}");
}

/// The demo shows every filing standing somewhere on the dashboard.
#[tokio::test]
async fn the_demo_shows_every_standing() {
    let app = spawn_app().await;
    let periods: Vec<i64> = reporting_periods::table.select(reporting_periods::id).load(&mut *app.conn()).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for p in periods {
        let (_, html) = app.get_html(&format!("/dashboard?period={p}")).await;
        let matrix = &html[html.find("<table class=\"matrix\">").unwrap()..];
        for code in selfreg::domain::standing::Standing::ALL.map(|s| s.as_str()) {
            if matrix.contains(&format!("badge st-{code}\"")) {
                seen.insert(code);
            }
        }
    }
    let all: std::collections::BTreeSet<_> = selfreg::domain::standing::Standing::ALL.map(|s| s.as_str()).into();
    assert_eq!(seen, all);
}

/// Demo reports say things that fit their commitment.
#[tokio::test]
async fn demo_report_texts_fit_their_commitments() {
    let app = spawn_app().await;
    let p1 = period_id(&app, "第一期（上半年度）");
    let rid = report_of(&app, p1, "示例平台03");
    let (_, html) = app.get_html(&format!("/reports/{rid}")).await;
    // The measures of the entry of commitment `number`.
    let entry = |number: &str| -> String {
        let at = html.find(&format!("<span class=\"num\">{number}</span>")).unwrap_or_else(|| panic!("entry {number}"));
        let e = &html[at..];
        let e = &e[e.find("<div class=\"doc\">").unwrap()..];
        e[..e.find("</div>").unwrap()].to_owned()
    };
    assert!(entry("1.1").contains("资质"), "1.1 is about merchants' qualifications");
    assert!(entry("1.2").contains("巡查"), "1.2 is about patrolling live rooms");
    assert!(entry("2.1").contains("投诉"), "2.1 is about complaints");
    assert!(entry("3.1").contains("线索"), "3.1 is about leads for the regulator");
}
