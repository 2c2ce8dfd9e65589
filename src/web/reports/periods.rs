//! Reporting periods, run by the issuing association's editors: a pledge's
//! periods (create, edit and delete until a report is opened), and the
//! editors' overview of the pledges they issue (`/periods`).

use crate::db::reports::{PeriodProblem, PeriodRefusal};

use super::*;

/// A period as listed: its deadline in words and how many reports were opened for it.
pub struct PeriodRow {
    pub p: Period,
    pub due: String,
    pub reports: i64,
}

#[derive(Template)]
#[template(path = "reports/periods.html")]
pub(super) struct PeriodsPage {
    ctx: Ctx,
    pledge: Pledge,
    rows: Vec<PeriodRow>,
    form: Form,
    can_manage: bool,
    /// A refusal about a listed period (reports opened, changed meanwhile).
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "reports/period_edit.html")]
pub(super) struct PeriodEditPage {
    ctx: Ctx,
    pledge: Pledge,
    period: Period,
    form: Form,
}

#[derive(Template)]
#[template(path = "reports/periods_overview.html")]
pub(super) struct OverviewPage {
    ctx: Ctx,
    pledges: Vec<(Pledge, Vec<PeriodRow>)>,
}

fn rows(lang: Lang, periods: Vec<Period>, counts: &HashMap<i64, i64>) -> Vec<PeriodRow> {
    periods
        .into_iter()
        .map(|p| PeriodRow { due: deadline_text(lang, p.due()), reports: counts.get(&p.id).copied().unwrap_or(0), p })
        .collect()
}

/// Editors of the issuing association, and admins.
fn manages(user: Option<&CurrentUser>, pledge: &Pledge) -> bool {
    user.is_some_and(|u| u.role == Role::Admin || (u.role == Role::Editor && u.org_id == pledge.organization_id))
}

/// The pledge (not a draft) and its periods with their report counts.
async fn load(state: &AppState, pledge_id: i64) -> AppResult<(Pledge, Vec<Period>, HashMap<i64, i64>)> {
    let (pledge, periods, counts) = state
        .db(move |c| {
            let p = pdb::get(c, pledge_id)?.ok_or(AppError::NotFound)?;
            let periods = rdb::periods_of(c, pledge_id)?;
            let ids: Vec<i64> = periods.iter().map(|p| p.id).collect();
            Ok((p, periods, rdb::report_counts(c, &ids)?))
        })
        .await?;
    if pledge.state == crate::domain::pledge::PledgeState::Draft {
        return Err(AppError::NotFound);
    }
    Ok((pledge, periods, counts))
}

pub(super) async fn periods_page(
    state: &AppState,
    ctx: Ctx,
    pledge_id: i64,
    form: Form,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (pledge, periods, counts) = load(state, pledge_id).await?;
    let can_manage = manages(viewer(&ctx).as_ref(), &pledge);
    let rows = rows(ctx.lang, periods, &counts);
    render_status(status, &PeriodsPage { ctx, pledge, rows, form, can_manage, notice })
}

pub async fn periods(state: web::Data<AppState>, ctx: Ctx, id: web::Path<Id>) -> AppResult<HttpResponse> {
    periods_page(&state, ctx, id.into_inner().get(), Form::new(), None, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
pub struct PeriodInput {
    #[serde(default)]
    label_zh: String,
    #[serde(default)]
    label_en: String,
    #[serde(default)]
    covers_from: String,
    #[serde(default)]
    covers_to: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    version: String,
}

/// What each field of the period form is called in messages.
fn period_label(lang: Lang, name: &str) -> &'static str {
    match name {
        "label_zh" => lang.t("rpt.periods.f.label_zh"),
        "label_en" => lang.t("rpt.periods.f.label_en"),
        "covers_from" => lang.t("rpt.periods.covers_from"),
        "covers_to" => lang.t("rpt.periods.covers_to"),
        "opens_on" => lang.t("rpt.periods.opens"),
        _ => lang.t("rpt.periods.due_on"),
    }
}

fn refuse(lang: Lang, form: &mut Form, name: &str, message: String) {
    form.error_labelled(name, period_label(lang, name), message);
}

/// The form as typed, and the period it describes if every field parses.
fn parse_period(lang: Lang, input: &PeriodInput) -> (Form, Option<PeriodData>) {
    use crate::domain::standard::parse_date;
    let mut form = Form::new()
        .with("label_zh", &input.label_zh)
        .with("label_en", &input.label_en)
        .with("covers_from", &input.covers_from)
        .with("covers_to", &input.covers_to)
        .with("opens_on", &input.opens_on)
        .with("due_on", &input.due_on);
    let mut check = |name: &str, r: Result<NaiveDate, &'static str>| match r {
        Ok(v) => Some(v),
        Err(key) => {
            refuse(lang, &mut form, name, lang.t(key).to_owned());
            None
        }
    };
    let covers_from = check("covers_from", parse_date(&input.covers_from));
    let covers_to = check("covers_to", parse_date(&input.covers_to));
    let opens_on = check("opens_on", parse_date(&input.opens_on));
    let due_on = check("due_on", parse_date(&input.due_on));
    let mut text = |name: &str, v: &str| match text::bounded(v, true, 100) {
        Ok(v) => Some(v),
        Err(key) => {
            refuse(lang, &mut form, name, lang.t(key).to_owned());
            None
        }
    };
    let label_zh = text("label_zh", &input.label_zh);
    let label_en = text("label_en", &input.label_en);
    let data = match (label_zh, label_en, covers_from, covers_to, opens_on, due_on) {
        // The rules between the dates and with the other periods are checked in
        // the transaction, all at once.
        (Some(label_zh), Some(label_en), Some(covers_from), Some(covers_to), Some(opens_on), Some(due_on)) => {
            Some(PeriodData { label_zh, label_en, covers_from, covers_to, opens_on, due_on })
        }
        _ => None,
    };
    (form, data)
}

impl UserError for PeriodRefusal {
    fn kind(&self) -> RefusalKind {
        match self {
            PeriodRefusal::NotFound => RefusalKind::NotFound,
            PeriodRefusal::Invalid(_) => RefusalKind::Invalid,
            PeriodRefusal::HasReports | PeriodRefusal::Stale => RefusalKind::Stale,
        }
    }

    /// Problems of the period under the fields they are about; the others above the form.
    fn place(&self, lang: Lang, form: &mut Form) {
        match self {
            PeriodRefusal::Invalid(problems) => {
                for p in problems {
                    match p {
                        PeriodProblem::Dates((name, key)) => refuse(lang, form, name, lang.t(key).to_owned()),
                        PeriodProblem::Overlaps(other) => {
                            let message = lang.tf(
                                "error.period.overlaps",
                                &[
                                    ("label", other.label(lang == Lang::En)),
                                    ("from", &lang.plain_date(other.covers_from)),
                                    ("to", &lang.plain_date(other.covers_to)),
                                ],
                            );
                            refuse(lang, form, "covers_from", message);
                        }
                        PeriodProblem::LabelTaken(name) => {
                            refuse(lang, form, name, lang.t("error.period.label_taken").to_owned())
                        }
                    }
                }
            }
            PeriodRefusal::HasReports => form.message = Some(lang.t("error.period.has_reports").to_owned()),
            PeriodRefusal::Stale => form.message = Some(lang.t("error.period.stale").to_owned()),
            PeriodRefusal::NotFound => {}
        }
    }
}

/// The pledge, if the user manages its periods (403 otherwise; 404 for a draft).
async fn managed_pledge(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Pledge> {
    require_role(user, Role::Editor)?;
    let pledge = state.db(move |c| pdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    if pledge.state == crate::domain::pledge::PledgeState::Draft {
        return Err(AppError::NotFound);
    }
    if !manages(Some(user), &pledge) {
        return Err(AppError::Forbidden);
    }
    Ok(pledge)
}

pub async fn period_create(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
    input: web::Form<PeriodInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner().get();
    managed_pledge(&state, &user, id).await?;
    let lang = ctx.lang;
    let (form, data) = parse_period(lang, &input);
    let (Some(data), false) = (data, form.has_errors()) else {
        return periods_page(&state, ctx, id, form, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let actor = user.actor();
    let outcome = state.act(move |c| rdb::create_period(c, actor, id, &data)).await?;
    respond(
        lang,
        outcome,
        form,
        |_| redirect_with_flash(&format!("/pledges/{id}/periods"), "flash.report.period_created"),
        |form, status| periods_page(&state, ctx, id, form, None, status),
    )
    .await
}

async fn edit_page(
    state: &AppState,
    ctx: Ctx,
    pledge: Pledge,
    period_id: i64,
    form: Option<Form>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let pledge_id = pledge.id;
    let period = state
        .db(move |c| Ok(rdb::period(c, period_id)?.filter(|p| p.pledge_id == pledge_id)))
        .await?
        .ok_or(AppError::NotFound)?;
    let form = form.unwrap_or_else(|| {
        Form::new()
            .with("label_zh", &period.label_zh)
            .with("label_en", &period.label_en)
            .with("covers_from", &period.covers_from.to_string())
            .with("covers_to", &period.covers_to.to_string())
            .with("opens_on", &period.opens_on.to_string())
            .with("due_on", &period.due_on.to_string())
    });
    render_status(status, &PeriodEditPage { ctx, pledge, period, form })
}

pub async fn period_edit(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    path: web::Path<(Id, Id)>,
) -> AppResult<HttpResponse> {
    let (id, period_id) = path.into_inner();
    let (id, period_id) = (id.get(), period_id.get());
    let pledge = managed_pledge(&state, &user, id).await?;
    let opened = state.db(move |c| Ok(rdb::report_counts(c, &[period_id])?)).await?;
    if opened.get(&period_id).is_some_and(|n| *n > 0) {
        let notice = ctx.lang.t("error.period.has_reports").to_owned();
        return periods_page(&state, ctx, id, Form::new(), Some(notice), StatusCode::CONFLICT).await;
    }
    edit_page(&state, ctx, pledge, period_id, None, StatusCode::OK).await
}

pub async fn period_update(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    path: web::Path<(Id, Id)>,
    input: web::Form<PeriodInput>,
) -> AppResult<HttpResponse> {
    let (id, period_id) = path.into_inner();
    let (id, period_id) = (id.get(), period_id.get());
    let pledge = managed_pledge(&state, &user, id).await?;
    let lang = ctx.lang;
    let expected: i32 = input.version.trim().parse().map_err(|_| AppError::Conflict("error.period.stale"))?;
    let (form, data) = parse_period(lang, &input);
    let (Some(data), false) = (data, form.has_errors()) else {
        return edit_page(&state, ctx, pledge, period_id, Some(form), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let actor = user.actor();
    let outcome = state.act(move |c| rdb::update_period(c, actor, id, period_id, expected, &data)).await?;
    respond(
        lang,
        outcome,
        form,
        |()| redirect_with_flash(&format!("/pledges/{id}/periods"), "flash.report.period_updated"),
        |form, status| edit_page(&state, ctx, pledge, period_id, Some(form), status),
    )
    .await
}

#[derive(Deserialize)]
pub struct VersionInput {
    #[serde(default)]
    version: String,
}

pub async fn period_delete(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    path: web::Path<(Id, Id)>,
    input: web::Form<VersionInput>,
) -> AppResult<HttpResponse> {
    let (id, period_id) = path.into_inner();
    let (id, period_id) = (id.get(), period_id.get());
    managed_pledge(&state, &user, id).await?;
    let expected: i32 = input.version.trim().parse().map_err(|_| AppError::Conflict("error.period.stale"))?;
    let actor = user.actor();
    let outcome = state.act(move |c| rdb::delete_period(c, actor, id, period_id, expected)).await?;
    respond(
        ctx.lang,
        outcome,
        Form::new(),
        |()| redirect_with_flash(&format!("/pledges/{id}/periods"), "flash.report.period_deleted"),
        |form, status| periods_page(&state, ctx, id, form, None, status),
    )
    .await
}

/// `/periods`: the pledges the editor's association issues (admins: all),
/// each with its periods and a link to manage them.
pub async fn overview(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    require_role(&user, Role::Editor)?;
    let lang = ctx.lang;
    let (admin, org) = (user.role == Role::Admin, user.org_id);
    let (pledges, periods, counts) = state
        .db(move |c| {
            let pledges = if admin { rdb::public_pledges(c)? } else { pdb::issued_by(c, org)? };
            let ids: Vec<i64> = pledges.iter().map(|p| p.id).collect();
            let periods = rdb::periods_of_pledges(c, &ids)?;
            let period_ids: Vec<i64> = periods.iter().map(|p| p.id).collect();
            Ok((pledges, periods, rdb::report_counts(c, &period_ids)?))
        })
        .await?;
    let mut by_pledge: HashMap<i64, Vec<Period>> = HashMap::new();
    for p in periods.into_iter().rev() {
        by_pledge.entry(p.pledge_id).or_default().push(p);
    }
    let pledges = pledges
        .into_iter()
        .map(|p| {
            let own = by_pledge.remove(&p.id).unwrap_or_default();
            (p, rows(lang, own, &counts))
        })
        .collect();
    render(&OverviewPage { ctx, pledges })
}
