//! `/todo` (待办): what the signed-in user has to do now, by role, each item
//! linking to the page where it is done. Staff land here after signing in.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::CurrentUser;
use crate::db::todo;
use crate::domain::Role;
use crate::error::AppResult;
use crate::i18n::{beijing_today, Lang};
use crate::web::{render_status, AppState, Ctx};

pub struct Item {
    pub text: String,
    pub detail: String,
    pub href: String,
}

pub struct Section {
    pub title: String,
    pub items: Vec<Item>,
    /// A link to the full list when there is one.
    pub all: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "todo.html")]
struct TodoPage {
    ctx: Ctx,
    sections: Vec<Section>,
}

fn days_left(lang: Lang, today: chrono::NaiveDate, due_on: chrono::NaiveDate) -> String {
    let n = (due_on - today).num_days();
    // Due at the end of the day, Beijing time: "2026年12月06日 24:00（北京时间）".
    let end =
        (due_on + chrono::Duration::days(1)).and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(8);
    let due = lang.deadline(end);
    match n {
        n if n < 0 => lang.tf("todo.overdue", &[("due", &due), ("days", &(-n).to_string())]),
        0 => lang.tf("todo.due_today", &[("due", &due)]),
        n => lang.tf("todo.days_left", &[("due", &due), ("days", &n.to_string())]),
    }
}

fn filer_sections(c: &mut crate::db::DbConn, lang: Lang, org: i64) -> diesel::QueryResult<Vec<Section>> {
    let today = beijing_today();
    let own = todo::own_reports(c, org)?;
    let (returned, drafts): (Vec<_>, Vec<_>) = own.into_iter().partition(|r| r.state == "returned");
    let report_item = |r: &todo::OwnReport, with_comment: bool| Item {
        text: format!("{}：{}", lang.pick(&r.pledge_zh, &r.pledge_en), lang.pick(&r.period_zh, &r.period_en)),
        detail: if with_comment && !r.review_comment.is_empty() {
            lang.tf("todo.review_comment", &[("comment", &r.review_comment)])
        } else {
            days_left(lang, today, r.due_on)
        },
        href: format!("/reports/{}/edit", r.report_id),
    };
    let periods = todo::periods_to_file(c, org, today, todo::SOON)?;
    let (open, coming): (Vec<_>, Vec<_>) = periods.into_iter().partition(|p| p.opens_on <= today);
    let period_item = |p: &todo::OpenPeriod, coming: bool| Item {
        text: format!("{}：{}", lang.pick(&p.pledge_zh, &p.pledge_en), lang.pick(&p.period_zh, &p.period_en)),
        detail: if coming {
            lang.tf("todo.opens_on", &[("date", &lang.plain_date(p.opens_on))])
        } else {
            days_left(lang, today, p.due_on)
        },
        href: "/reporting".to_owned(),
    };
    let since = crate::db::now() - chrono::Duration::days(todo::DECLINED_DAYS);
    let declined = todo::declined_applications(c, org, since)?;
    Ok(vec![
        Section {
            title: lang.t("todo.returned").to_owned(),
            items: returned.iter().map(|r| report_item(r, true)).collect(),
            all: None,
        },
        Section {
            title: lang.t("todo.to_file").to_owned(),
            items: open.iter().map(|p| period_item(p, false)).collect(),
            all: Some(("/reporting".into(), lang.t("nav.reporting").to_owned())),
        },
        Section {
            title: lang.t("todo.drafts").to_owned(),
            items: drafts.iter().map(|r| report_item(r, false)).collect(),
            all: None,
        },
        Section {
            title: lang.t("todo.declined").to_owned(),
            items: declined
                .iter()
                .map(|s| Item {
                    text: lang.pick(&s.pledge_zh, &s.pledge_en).to_owned(),
                    detail: s.reason.clone(),
                    href: format!("/signatures/{}", s.signature_id),
                })
                .collect(),
            all: None,
        },
        Section {
            title: lang.t("todo.coming").to_owned(),
            items: coming.iter().map(|p| period_item(p, true)).collect(),
            all: None,
        },
    ])
}

fn editor_sections(c: &mut crate::db::DbConn, lang: Lang, org: i64) -> diesel::QueryResult<Vec<Section>> {
    let comments = todo::comments_to_dispose(c, org)?;
    let applications = todo::applications_to_verify(c, org)?;
    let today = beijing_today();
    let waiting = todo::standards_waiting(c, org, today)?;
    let without_period = todo::pledges_without_period(c, org, today)?;
    Ok(vec![
        Section {
            title: lang.t("todo.next_steps").to_owned(),
            items: waiting
                .iter()
                .map(|s| Item {
                    text: lang.pick(&s.title_zh, &s.title_en).to_owned(),
                    detail: lang.t(&format!("todo.step.{}", s.step.code())).to_owned(),
                    href: match s.step {
                        todo::NextStep::UploadDraft => format!("/standards/{}/versions/new", s.id),
                        _ => format!("/standards/{}", s.id),
                    },
                })
                .collect(),
            all: None,
        },
        Section {
            title: lang.t("todo.comments").to_owned(),
            items: comments
                .iter()
                .map(|(id, zh, en, n)| Item {
                    text: lang.pick(zh, en).to_owned(),
                    detail: lang.tf("todo.pending_comments", &[("n", &n.to_string())]),
                    href: format!("/standards/{id}/comments?pending=1"),
                })
                .collect(),
            all: None,
        },
        Section {
            title: lang.t("todo.applications").to_owned(),
            items: applications
                .iter()
                .map(|s| Item {
                    text: format!("{}：{}", lang.pick(&s.org_zh, &s.org_en), lang.pick(&s.pledge_zh, &s.pledge_en)),
                    detail: lang.tf("todo.applied_at", &[("at", &lang.datetime(s.at))]),
                    href: format!("/signatures/{}", s.signature_id),
                })
                .collect(),
            all: None,
        },
        Section {
            title: lang.t("todo.no_period").to_owned(),
            items: without_period
                .iter()
                .map(|(id, zh, en)| Item {
                    text: lang.pick(zh, en).to_owned(),
                    detail: lang.t("todo.no_period_detail").to_owned(),
                    href: format!("/pledges/{id}/periods"),
                })
                .collect(),
            all: None,
        },
    ])
}

fn admin_sections(c: &mut crate::db::DbConn, lang: Lang) -> diesel::QueryResult<Vec<Section>> {
    let now = crate::db::now();
    let locked = todo::locked_accounts(c, now)?;
    let never = todo::never_signed_in(c)?;
    Ok(vec![
        Section {
            title: lang.t("todo.locked").to_owned(),
            items: locked
                .iter()
                .map(|l| {
                    let until = l.detail.as_deref().and_then(lock_until);
                    Item {
                        text: l.email.clone().unwrap_or_default(),
                        detail: match until {
                            Some(u) if u > now => lang.tf("todo.locked_until", &[("time", &lang.datetime(u))]),
                            _ => lang.tf("todo.locked_at", &[("time", &lang.datetime(l.at))]),
                        },
                        href: "/admin/security?kind=lockout".into(),
                    }
                })
                .collect(),
            all: Some(("/admin/security?kind=lockout".into(), lang.t("nav.security").to_owned())),
        },
        Section {
            title: lang.t("todo.never_signed_in").to_owned(),
            items: never
                .iter()
                .map(|(id, email, name, created)| Item {
                    text: format!("{name} <{email}>"),
                    detail: lang.tf("todo.account_created", &[("at", &lang.datetime(*created))]),
                    href: format!("/admin/users/{id}"),
                })
                .collect(),
            all: None,
        },
    ])
}

/// When a lock-out ends, from the security log's detail `{rule}@{until, UTC}`.
fn lock_until(detail: &str) -> Option<chrono::NaiveDateTime> {
    let (_, until) = detail.split_once('@')?;
    chrono::NaiveDateTime::parse_from_str(until, "%Y-%m-%dT%H:%M:%S").ok()
}

fn reviewer_sections(c: &mut crate::db::DbConn, lang: Lang, user: i64) -> diesel::QueryResult<Vec<Section>> {
    let (reports, total) = todo::reports_to_review(c)?;
    let ballots = todo::ballots(c, user)?;
    let approvals = todo::approvals(c)?;
    let now = crate::db::now();
    let standard = |(id, zh, en): &(i64, String, String)| Item {
        text: lang.pick(zh, en).to_owned(),
        detail: String::new(),
        href: format!("/standards/{id}"),
    };
    Ok(vec![
        Section {
            title: lang.tf("todo.to_review", &[("n", &total.to_string())]),
            items: reports
                .iter()
                .map(|r| Item {
                    text: format!(
                        "{}：{} {}",
                        lang.pick(&r.org_zh, &r.org_en),
                        lang.pick(&r.pledge_zh, &r.pledge_en),
                        lang.pick(&r.period_zh, &r.period_en)
                    ),
                    detail: r
                        .submitted_at
                        .map(|at| lang.tf("todo.waiting_days", &[("days", &(now - at).num_days().to_string())]))
                        .unwrap_or_default(),
                    href: format!("/reports/{}", r.report_id),
                })
                .collect(),
            all: Some(("/review".into(), lang.t("nav.review").to_owned())),
        },
        Section { title: lang.t("todo.ballots").to_owned(), items: ballots.iter().map(standard).collect(), all: None },
        Section {
            title: lang.t("todo.approvals").to_owned(),
            items: approvals.iter().map(standard).collect(),
            all: None,
        },
    ])
}

/// The sections of `role`'s to-do page: a fixed number of queries whatever the data.
pub fn sections(
    c: &mut crate::db::DbConn,
    lang: Lang,
    role: Role,
    org: i64,
    id: i64,
) -> diesel::QueryResult<Vec<Section>> {
    Ok(match role {
        Role::Filer => filer_sections(c, lang, org)?,
        Role::Editor => editor_sections(c, lang, org)?,
        Role::Reviewer => reviewer_sections(c, lang, id)?,
        Role::Admin => {
            let failed = todo::failed_mail(c)?;
            let mut s = vec![Section {
                title: lang.t("todo.failed_mail").to_owned(),
                items: if failed > 0 {
                    vec![Item {
                        text: lang.tf("todo.failed_mail_n", &[("n", &failed.to_string())]),
                        detail: String::new(),
                        href: "/admin/outbox?state=failed".into(),
                    }]
                } else {
                    vec![]
                },
                all: None,
            }];
            s.extend(admin_sections(c, lang)?);
            s.extend(reviewer_sections(c, lang, id)?);
            s
        }
    })
}

pub async fn page(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let (role, org, id) = (user.role, user.org_id, user.id);
    let sections = state.db(move |c| Ok(sections(c, lang, role, org, id)?)).await?;
    render_status(StatusCode::OK, &TodoPage { ctx, sections })
}
