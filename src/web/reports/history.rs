//! An organization's reporting history and the filer's list of periods.

use super::*;

pub struct HistoryItem {
    pub report_id: Option<i64>,
    pub pledge_title: String,
    pub period: String,
    pub deadline: String,
    pub standing: StandingView,
    pub state_label: String,
}

/// An organization's reporting across every period of every pledge it signed,
/// newest first, with the standing of each; a report's state and link only
/// where `viewer` may see the report. Fixed number of queries.
pub fn org_history_items(
    conn: &mut crate::db::DbConn,
    lang: Lang,
    org_id: i64,
    viewer: Viewer,
    at: NaiveDateTime,
) -> AppResult<Vec<HistoryItem>> {
    let sigs = pdb::org_signatures(conn, org_id, &crate::domain::pledge::SignatureState::PUBLIC)?;
    let reports = rdb::history(conn, org_id)?;
    let pledge_ids: Vec<i64> = sigs.iter().map(|(s, _)| s.pledge_id).collect();
    let periods = rdb::periods_of_pledges(conn, &pledge_ids)?;
    let implementation = implementation_of(conn, &reports)?;
    let en = lang == Lang::En;
    let mut out = Vec::new();
    for p in periods.iter().filter(|p| p.opened(at)) {
        let Some((sig, pledge)) = sigs.iter().find(|(s, _)| s.pledge_id == p.pledge_id) else { continue };
        if !st::bound(sig.decided_at, p.due_on) {
            continue;
        }
        let r = reports.iter().find(|r| r.period_id == p.id);
        let rs = r.map(|r| r.state);
        let d = derive(sig.state(), sig.state_changed_at, (p.opens_on, p.due_on), r.map(rdb::HistoryRow::facts), at);
        let visible = r.is_some_and(|r| rs.is_some_and(|s| visibility(viewer, org_id, r.issuer_id, s).is_some()));
        let readable = r.filter(|_| visible).map(|r| r.report_id);
        out.push(HistoryItem {
            report_id: readable,
            pledge_title: pledge.title(en).to_owned(),
            period: p.label(en).to_owned(),
            deadline: deadline_text(lang, p.due()),
            standing: standing_view(lang, d, r.and_then(|r| implementation.get(&r.report_id))),
            state_label: match rs {
                Some(s) if visible => lang.t(&format!("rpt.state.{}", s.as_str())).to_owned(),
                Some(_) => lang.t("rpt.state.in_progress_public").to_owned(),
                None => lang.t("rpt.state.none").to_owned(),
            },
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "reports/history.html")]
pub(super) struct HistoryPage {
    ctx: Ctx,
    org_id: i64,
    org_name: String,
    items: Vec<HistoryItem>,
}

pub async fn org_history(state: web::Data<AppState>, ctx: Ctx, id: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = id.into_inner().get();
    let lang = ctx.lang;
    let who = viewer_of(&ctx);
    let at = now();
    let (org, items) = state
        .db(move |c| {
            let org = crate::db::orgs::get(c, id)?.ok_or(AppError::NotFound)?;
            Ok((org, org_history_items(c, lang, id, who, at)?))
        })
        .await?;
    let org_name = if lang == Lang::En { org.name_en } else { org.name_zh };
    render(&HistoryPage { ctx, org_id: id, org_name, items })
}

// ------------------------------------------------------------------ filer's home

pub struct MineItem {
    pub period_id: i64,
    pub pledge_title: String,
    pub period: String,
    pub deadline: String,
    pub opened: bool,
    pub report_id: Option<i64>,
    pub state: Option<ReportState>,
    pub state_label: String,
    pub standing: StandingView,
}

#[derive(Template)]
#[template(path = "reports/mine.html")]
pub(super) struct MinePage {
    ctx: Ctx,
    items: Vec<MineItem>,
    /// Why a report could not be opened.
    notice: Option<String>,
}

pub async fn mine(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    mine_page(&state, ctx, &user, None, StatusCode::OK).await
}

async fn mine_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    require_role(user, Role::Filer)?;
    let lang = ctx.lang;
    let org_id = user.org_id;
    let at = now();
    let items = state
        .db(move |c| {
            let sigs = pdb::org_signatures(c, org_id, &[crate::domain::pledge::SignatureState::Verified])?;
            let reports = rdb::history(c, org_id)?;
            let pledge_ids: Vec<i64> = sigs.iter().map(|(s, _)| s.pledge_id).collect();
            let periods = rdb::periods_of_pledges(c, &pledge_ids)?;
            let implementation = implementation_of(c, &reports)?;
            let en = lang == Lang::En;
            Ok(periods
                .iter()
                .filter_map(|p| {
                    let (sig, pledge) = sigs.iter().find(|(s, _)| s.pledge_id == p.pledge_id)?;
                    let r = reports.iter().find(|r| r.period_id == p.id);
                    let st = r.map(|r| r.state);
                    let facts = r.map(rdb::HistoryRow::facts);
                    let d = derive(sig.state(), sig.state_changed_at, (p.opens_on, p.due_on), facts, at);
                    Some(MineItem {
                        period_id: p.id,
                        pledge_title: pledge.title(en).to_owned(),
                        period: p.label(en).to_owned(),
                        deadline: deadline_text(lang, p.due()),
                        opened: p.opened(at),
                        report_id: r.map(|r| r.report_id),
                        state: st,
                        state_label: st
                            .map(|s| lang.t(&format!("rpt.state.{}", s.as_str())).to_owned())
                            .unwrap_or_else(|| lang.t("rpt.state.none").to_owned()),
                        standing: standing_view(lang, d, r.and_then(|r| implementation.get(&r.report_id))),
                    })
                })
                .collect::<Vec<_>>())
        })
        .await?;
    render_status(status, &MinePage { ctx, items, notice })
}

/// Open the organization's report for a period (a draft, the first time) and
/// go to its form; a second click at once finds the same report.
pub async fn open(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    period: web::Path<Id>,
) -> AppResult<HttpResponse> {
    let period = period.into_inner().get();
    let (actor, who) = (user.actor(), who(&user));
    let outcome = state.act(move |c| rdb::open(c, actor, who, period, now())).await?;
    respond(
        ctx.lang,
        outcome,
        Form::new(),
        |id| super::super::redirect(&format!("/reports/{id}/edit")),
        |form, status| mine_page(&state, ctx, &user, form.message, status),
    )
    .await
}
