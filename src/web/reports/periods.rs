//! Reporting periods, run by the issuing association's editors.

use super::*;

#[derive(Template)]
#[template(path = "reports/periods.html")]
pub(super) struct PeriodsPage {
    ctx: Ctx,
    pledge: Pledge,
    periods: Vec<(Period, String)>,
    form: Form,
    can_manage: bool,
}

pub(super) async fn periods_page(
    state: &AppState,
    ctx: Ctx,
    pledge_id: i64,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (pledge, periods) = state
        .db(move |c| {
            let p = pdb::get(c, pledge_id)?.ok_or(AppError::NotFound)?;
            Ok((p, rdb::periods_of(c, pledge_id)?))
        })
        .await?;
    if pledge.state == "draft" {
        return Err(AppError::NotFound);
    }
    let lang = ctx.lang;
    let can_manage = viewer(&ctx)
        .is_some_and(|u| u.role == Role::Admin || (u.role == Role::Editor && u.org_id == pledge.organization_id));
    let periods = periods
        .into_iter()
        .map(|p| {
            let d = deadline_text(lang, p.due());
            (p, d)
        })
        .collect();
    render_status(status, &PeriodsPage { ctx, pledge, periods, form, can_manage })
}

pub async fn periods(state: web::Data<AppState>, ctx: Ctx, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    periods_page(&state, ctx, id, Form::new(), StatusCode::OK).await
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
}

pub async fn period_create(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<PeriodInput>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    require_role(&user, Role::Editor)?;
    let pledge = state.db(move |c| pdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    if user.role != Role::Admin && user.org_id != pledge.organization_id {
        return Err(AppError::Forbidden);
    }
    let lang = ctx.lang;
    let mut form = Form::new()
        .with("label_zh", &input.label_zh)
        .with("label_en", &input.label_en)
        .with("covers_from", &input.covers_from)
        .with("covers_to", &input.covers_to)
        .with("opens_on", &input.opens_on)
        .with("due_on", &input.due_on);
    use crate::domain::standard::parse_date;
    let label_zh = form.check(lang, "label_zh", text::bounded(&input.label_zh, true, 100));
    let label_en = form.check(lang, "label_en", text::bounded(&input.label_en, true, 100));
    let covers_from = form.check(lang, "covers_from", parse_date(&input.covers_from));
    let covers_to = form.check(lang, "covers_to", parse_date(&input.covers_to));
    let opens_on = form.check(lang, "opens_on", parse_date(&input.opens_on));
    let due_on = form.check(lang, "due_on", parse_date(&input.due_on));
    if let (Some(a), Some(b)) = (covers_from, covers_to) {
        if b < a {
            form.error(lang, "covers_to", "error.std.period_order");
        }
    }
    if let (Some(o), Some(d)) = (opens_on, due_on) {
        if d < o {
            form.error(lang, "due_on", "error.report.due_before_open");
        }
    }
    let (Some(label_zh), Some(label_en), Some(covers_from), Some(covers_to), Some(opens_on), Some(due_on), false) =
        (label_zh, label_en, covers_from, covers_to, opens_on, due_on, form.has_errors())
    else {
        return periods_page(&state, ctx, id, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let data = PeriodData { label_zh, label_en, covers_from, covers_to, opens_on, due_on };
    let actor = user.actor();
    state.tx(move |c| Ok(rdb::create_period(c, actor, id, &data)?)).await?;
    Ok(redirect_with_flash(&format!("/pledges/{id}/periods"), "flash.report.period_created"))
}
