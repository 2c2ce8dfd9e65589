//! Filing: the filer's edit page — one form with the whole report, its
//! evidence files and their removal — and its one handler: save a draft
//! (whatever is typed), or save and submit (completeness checked, every
//! problem at once), in one transaction against the version the form was
//! built from.

use actix_web::HttpRequest;

use super::refusal::place_problems;
use super::*;
use crate::db::reports::{Filed, Filing};
use crate::domain::report::EntryField;

/// Blank indicator rows offered under the filled ones (the site works without
/// JavaScript: rows are added by filling a spare one and saving).
const SPARE_INDICATORS: usize = 3;
const SPARE_LINKS: usize = 2;

pub struct IndicatorRow {
    pub name: String,
    pub value: String,
    pub unit: String,
    pub name_err: Option<String>,
    pub value_err: Option<String>,
    pub unit_err: Option<String>,
}

pub struct LinkRow {
    pub url: String,
    pub label: String,
    pub url_err: Option<String>,
    pub label_err: Option<String>,
}

/// What the filer typed for an entry that someone else changed meanwhile:
/// shown under the entry's newer content, each part only where it differs.
#[derive(Default)]
pub struct Mine {
    pub status: Option<String>,
    pub na_reason: Option<String>,
    pub measures: Option<String>,
    pub indicators: Vec<String>,
    pub links: Vec<String>,
}

pub struct EditEntry {
    pub v: EntryView,
    /// The fingerprint of the entry as shown (the form sends it back).
    pub seen: String,
    pub indicator_rows: Vec<IndicatorRow>,
    pub link_rows: Vec<LinkRow>,
    pub status_err: Option<String>,
    pub na_err: Option<String>,
    pub measures_err: Option<String>,
    pub files_err: Option<String>,
    /// Evidence files ticked for removal.
    pub removing: Vec<i64>,
    pub mine: Option<Mine>,
}

impl EditEntry {
    pub fn invalid(&self) -> bool {
        self.status_err.is_some()
            || self.na_err.is_some()
            || self.measures_err.is_some()
            || self.files_err.is_some()
            || self.indicator_rows.iter().any(|r| r.name_err.is_some() || r.value_err.is_some() || r.unit_err.is_some())
            || self.link_rows.iter().any(|r| r.url_err.is_some() || r.label_err.is_some())
    }

    pub fn ticked(&self, file: &i64) -> bool {
        self.removing.contains(file)
    }
}

#[derive(Template)]
#[template(path = "reports/edit.html")]
pub(super) struct EditPage {
    ctx: Ctx,
    report: rdb::Report,
    org_name: String,
    period: String,
    deadline: String,
    entries: Vec<EditEntry>,
    statuses: [EntryStatus; 4],
    summary: Form,
    /// Someone else changed the report meanwhile: the page shows the newer one.
    conflict: bool,
    max_mib: usize,
    total_mib: usize,
}

/// What the entries of the edit page show.
#[derive(Clone, Copy)]
pub(super) enum Shown<'a> {
    /// The report as stored.
    Stored,
    /// What the filer typed (nothing was saved), over the report as stored.
    Typed(&'a Typed),
    /// The newer report someone else saved meanwhile, with what the filer
    /// typed kept in the entries the other change did not touch, and listed
    /// under those it did.
    OverNewer(&'a Typed),
}

type Rows = (Vec<(String, String, String)>, Vec<(String, String)>);

/// What the filer typed for an entry where it differs from `stored`.
fn mine(lang: Lang, stored: &rules::EntryDraft, t: &EntryInput) -> Option<Mine> {
    let differs = |a: &str, b: &str| (a.trim() != b.trim()).then(|| a.to_owned());
    let m = Mine {
        status: differs(&t.status, &stored.status).map(|s| match rules::entry_status(&s) {
            Ok(Some(st)) => lang.t(&format!("rpt.status.{}", st.as_str())).to_owned(),
            Ok(None) => lang.t("rpt.status.empty").to_owned(),
            Err(_) => s,
        }),
        na_reason: differs(&t.na_reason, &stored.not_applicable_reason),
        measures: differs(&t.measures, &stored.measures),
        indicators: if t.indicators == stored.indicators {
            Vec::new()
        } else {
            t.indicators.iter().map(|(n, v, u)| format!("{n} {v} {u}").trim().to_owned()).collect()
        },
        links: if t.links == stored.links {
            Vec::new()
        } else {
            t.links.iter().map(|(url, label)| format!("{label} {url}").trim().to_owned()).collect()
        },
    };
    let empty = m.status.is_none()
        && m.na_reason.is_none()
        && m.measures.is_none()
        && m.indicators.is_empty()
        && m.links.is_empty();
    (!empty).then_some(m)
}

pub(super) fn edit_page(ctx: Ctx, f: Full, shown: Shown, summary: Form, status: StatusCode) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let en = lang == Lang::En;
    let views = entry_views(lang, &f, true);
    let mut entries = Vec::new();
    for (e, mut v) in f.entries.iter().zip(views) {
        let id = e.row.id;
        let seen = fingerprint(e);
        let stored = e.draft();
        let (typed, mine) = match shown {
            Shown::Stored => (None, None),
            Shown::Typed(t) => (t.entries.get(&id), None),
            // The other change did not touch this entry: what was typed stays.
            Shown::OverNewer(t) if t.seen.get(&id) == Some(&seen) => (t.entries.get(&id), None),
            Shown::OverNewer(t) => (None, t.entries.get(&id).and_then(|t| mine(lang, &stored, t))),
        };
        let (rows, removing): (Rows, Vec<i64>) = match typed {
            Some(t) => {
                v.status = t.status.clone();
                v.na_reason = t.na_reason.clone();
                v.measures_html = t.measures.clone();
                ((t.indicators.clone(), t.links.clone()), t.remove_files.clone())
            }
            None => {
                v.measures_html = stored.measures.clone();
                ((stored.indicators, stored.links), Vec::new())
            }
        };
        let err = |spot: Spot| summary.e(&field_name(id, spot)).map(str::to_owned);
        use EntryField as F;
        let blank = || (String::new(), String::new(), String::new());
        let indicator_rows = rows
            .0
            .into_iter()
            .chain(std::iter::repeat_with(blank).take(SPARE_INDICATORS))
            .enumerate()
            .map(|(r, (name, value, unit))| IndicatorRow {
                name,
                value,
                unit,
                name_err: err(Spot::Field(F::IndicatorName(r))),
                value_err: err(Spot::Field(F::IndicatorValue(r))),
                unit_err: err(Spot::Field(F::IndicatorUnit(r))),
            })
            .collect();
        let link_rows = rows
            .1
            .into_iter()
            .chain(std::iter::repeat_with(|| (String::new(), String::new())).take(SPARE_LINKS))
            .enumerate()
            .map(|(r, (url, label))| LinkRow {
                url,
                label,
                url_err: err(Spot::Field(F::LinkUrl(r))),
                label_err: err(Spot::Field(F::LinkLabel(r))),
            })
            .collect();
        entries.push(EditEntry {
            status_err: err(Spot::Field(F::Status)),
            na_err: err(Spot::Field(F::NaReason)),
            measures_err: err(Spot::Field(F::Measures)),
            files_err: err(Spot::Files),
            seen,
            removing,
            mine,
            v,
            indicator_rows,
            link_rows,
        });
    }
    render_status(
        status,
        &EditPage {
            org_name: f.org.name(en).to_owned(),
            period: f.period.label(en).to_owned(),
            deadline: deadline_text(lang, f.period.due()),
            report: f.report,
            entries,
            statuses: EntryStatus::ALL,
            summary,
            conflict: matches!(shown, Shown::OverNewer(_)),
            max_mib: MAX_EVIDENCE / 1024 / 1024,
            total_mib: REPORT_UPLOAD.max_total / 1024 / 1024,
            ctx,
        },
    )
}

/// Only the filing organization's filers (and admins) file its report; to
/// anyone else it does not exist. Checked before anything of a form is read.
fn require_filer_of(user: &CurrentUser, report: &rdb::Report) -> AppResult<()> {
    if user.org_id != report.organization_id && user.role != Role::Admin {
        return Err(AppError::NotFound);
    }
    require_role(user, Role::Filer)
}

pub async fn edit(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner().get();
    let (f, _) = load_full(&state, id).await?;
    require_filer_of(&user, &f.report)?;
    if !f.report.state.editable() {
        // Submitted: wait for the review; accepted: final.
        let why = if f.report.state == crate::domain::report::ReportState::Accepted {
            "flash.alert.report_accepted"
        } else {
            "flash.alert.report_read_only"
        };
        return Ok(redirect_with_flash(&format!("/reports/{id}"), why));
    }
    edit_page(ctx, f, Shown::Stored, Form::new(), StatusCode::OK)
}

pub async fn save(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let id = id.into_inner().get();
    let lang = ctx.lang;
    // Rights first: nothing of the body is read for anyone else.
    let report = state.db(move |c| rdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    require_filer_of(&user, &report)?;
    let sent = read_sent(&state, &req, payload, &report).await?;
    let stale_files = sent.stale_files();
    let seen: i32 = sent.typed.version.trim().parse().map_err(|_| AppError::Conflict("error.report.stale"))?;
    let (f, _) = load_full(&state, id).await?;
    let Checked { typed, files, problems, attached } = check_files(lang, &f, sent);
    // Files that cannot be kept: nothing is saved, everything typed comes back
    // (a stale tab's files are not read at all: its form is answered below).
    if problems.has_errors() && !stale_files {
        let mut form = problems;
        form.message = Some(format!("{} {}", lang.t("form.has_errors"), lang.t("rpt.edit.files_again")));
        return edit_page(ctx, f, Shown::Typed(&typed), form, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let inputs: Vec<EntryInput> = typed.entries.values().cloned().collect();
    let changed_files = !files.is_empty() || inputs.iter().any(|i| !i.remove_files.is_empty());
    let (actor, who, action) = (user.actor(), who(&user), typed.action());
    let outcome = state
        .act(move |c| rdb::file(c, actor, who, id, &Filing { action, seen, inputs: &inputs, files: &files }))
        .await?;
    let done_ctx = ctx.clone();
    let anchor = typed.upload_entry().map(|e| format!("#e{e}")).unwrap_or_default();
    respond(
        lang,
        outcome,
        Form::new(),
        |filed| match filed {
            Filed::Submitted(_) => redirect_with_flash(&format!("/reports/{id}"), "flash.report.submitted"),
            Filed::Saved => {
                let flash = if changed_files { "flash.report.evidence_saved" } else { "flash.report.saved" };
                redirect_with_flash(&format!("/reports/{id}/edit{anchor}"), flash)
            }
            // Saved as a draft; every missing piece listed at the top and beside its field.
            Filed::Incomplete(f, missing) => {
                let mut form = Form::new();
                place_problems(lang, &mut form, &missing);
                form.message = Some(lang.tf("error.report.incomplete", &[("n", &missing.len().to_string())]));
                edit_page(done_ctx, *f, Shown::Stored, form, StatusCode::UNPROCESSABLE_ENTITY)
                    .unwrap_or_else(|e| actix_web::ResponseError::error_response(&e))
            }
        },
        |mut form, status| async move {
            if attached > 0 {
                let base = form.message.take().unwrap_or_else(|| lang.t("form.has_errors").to_owned());
                form.message = Some(format!("{base} {}", lang.t("rpt.edit.files_again")));
            }
            let (f, _) = load_full(&state, id).await?;
            if !f.report.state.editable() {
                // Submitted from another tab meanwhile: the report as it now is.
                return view_page(&state, ctx, id, form, status).await;
            }
            let shown = if status == StatusCode::CONFLICT { Shown::OverNewer(&typed) } else { Shown::Typed(&typed) };
            edit_page(ctx, f, shown, form, status)
        },
    )
    .await
}
