//! Reading a report, and its evidence files.

use super::*;

pub struct EntryView {
    pub id: i64,
    pub number: String,
    pub area: String,
    pub text: String,
    pub status: String,
    pub status_label: String,
    pub na_reason: String,
    pub measures_html: String,
    pub indicators: Vec<rdb::Indicator>,
    pub links: Vec<rdb::EvidenceLink>,
    pub files: Vec<crate::db::attachments::AttachmentMeta>,
    pub review_comment: String,
}

pub(super) fn entry_views(lang: Lang, f: &Full, show_review: bool) -> Vec<EntryView> {
    let en = lang == Lang::En;
    f.entries
        .iter()
        .map(|e| EntryView {
            id: e.row.id,
            number: e.commitment.number.clone(),
            area: e.commitment.area(en).to_owned(),
            text: e.commitment.text(en).to_owned(),
            status: e.row.status_code().to_owned(),
            status_label: lang
                .t(&format!("rpt.status.{}", e.row.status.map_or("empty", EntryStatus::as_str)))
                .to_owned(),
            na_reason: e.row.na_reason.clone(),
            measures_html: markdown::render(&e.row.measures_md),
            indicators: e.indicators.clone(),
            links: e.links.clone(),
            files: e.files.clone(),
            review_comment: if show_review { e.row.review_comment.clone() } else { String::new() },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "reports/view.html")]
pub(super) struct ViewPage {
    ctx: Ctx,
    report: rdb::Report,
    org_name: String,
    period: String,
    deadline: String,
    state_label: String,
    entries: Vec<EntryView>,
    show_review: bool,
    can_edit: bool,
    can_decide: bool,
    decision_form: Form,
    revisions: Vec<i32>,
    has_previous: bool,
    overdue_submission: bool,
}

pub(super) async fn load_full(state: &AppState, id: i64) -> AppResult<(Full, bool)> {
    state
        .db(move |c| {
            let f = rdb::full(c, id)?.ok_or(AppError::NotFound)?;
            let prev = rdb::previous_report(c, &f.report, &f.period)?.is_some();
            Ok((f, prev))
        })
        .await
}

pub(super) async fn view_page(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    decision_form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (f, has_previous) = load_full(state, id).await?;
    let acc = access(&ctx, f.report.organization_id, f.issuer_id, f.report.state)?;
    let lang = ctx.lang;
    let user = viewer(&ctx);
    let show_review = acc != Access::Public;
    let can_edit =
        acc == Access::Own && f.report.state.editable() && user.as_ref().is_some_and(|u| u.role.allows(Role::Filer));
    let can_decide =
        f.report.state == ReportState::Submitted && user.as_ref().is_some_and(|u| u.role.allows(Role::Reviewer));
    let revisions = if show_review { (1..=f.report.revisions).collect() } else { Vec::new() };
    let overdue_submission = f.report.submitted_at.is_some_and(|s| s > f.period.due());
    let en = lang == Lang::En;
    render_status(
        status,
        &ViewPage {
            org_name: f.org.name(en).to_owned(),
            period: f.period.label(en).to_owned(),
            deadline: deadline_text(lang, f.period.due()),
            state_label: lang.t(&format!("rpt.state.{}", f.report.state.as_str())).to_owned(),
            entries: entry_views(lang, &f, show_review),
            report: f.report,
            show_review,
            can_edit,
            can_decide,
            decision_form,
            revisions,
            has_previous: has_previous && show_review,
            overdue_submission,
            ctx,
        },
    )
}

pub async fn view(state: web::Data<AppState>, ctx: Ctx, id: web::Path<Id>) -> AppResult<HttpResponse> {
    view_page(&state, ctx, id.into_inner().get(), Form::new(), StatusCode::OK).await
}

pub async fn evidence_file(state: web::Data<AppState>, ctx: Ctx, path: web::Path<(Id, Id)>) -> AppResult<HttpResponse> {
    let (id, file) = path.into_inner();
    let (id, file) = (id.get(), file.get());
    let (report, issuer) = state.db(move |c| rdb::get_with_issuer(c, id)?.ok_or(AppError::NotFound)).await?;
    // Nothing of the file is read unless the report is visible.
    access(&ctx, report.organization_id, issuer, report.state)?;
    let found = state.db(move |c| Ok(rdb::evidence(c, id, file)?)).await?;
    let (meta, data) = found.ok_or(AppError::NotFound)?;
    Ok(file_response(&meta.filename, &meta.content_type, data))
}
