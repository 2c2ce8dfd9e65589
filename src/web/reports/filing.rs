//! Filing: the filer's edit page — one form with the whole report, its
//! evidence files and their removal — saving a draft (whatever is typed) and
//! submitting (where completeness is checked, every problem at once).

use actix_web::HttpRequest;
use futures_util::StreamExt;

use super::*;
use crate::db::reports::NewEvidence;
use crate::domain::report::{EntryField, Problem};
use crate::web::files::{is_multipart, MultipartReader, UploadLimits, UploadedFile};

/// Blank indicator rows offered under the filled ones (the site works without
/// JavaScript: rows are added by filling a spare one and saving).
const SPARE_INDICATORS: usize = 3;
const SPARE_LINKS: usize = 2;
/// Largest urlencoded report (the multipart form has its own limits).
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// An upload of the report form: the whole report's text and its files.
const REPORT_UPLOAD: UploadLimits = UploadLimits {
    max_file: MAX_EVIDENCE,
    max_files: 10,
    max_text: 128 * 1024,
    max_parts: 5000,
    ..UploadLimits::DEFAULT
};

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

pub struct EditEntry {
    pub v: EntryView,
    pub indicator_rows: Vec<IndicatorRow>,
    pub link_rows: Vec<LinkRow>,
    pub status_err: Option<String>,
    pub na_err: Option<String>,
    pub measures_err: Option<String>,
    pub files_err: Option<String>,
    /// Evidence files ticked for removal.
    pub removing: Vec<i64>,
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
    max_mib: usize,
    total_mib: usize,
}

/// What the filer typed, per entry id.
#[derive(Default, Clone)]
pub(super) struct Typed {
    entries: HashMap<i64, EntryInput>,
    version: String,
    action: String,
}

impl Typed {
    /// The entry whose upload button was pressed ("upload:{entry}"), if any.
    fn upload_entry(&self) -> Option<i64> {
        self.action.strip_prefix("upload:").and_then(|e| e.parse().ok())
    }
}

pub(super) fn parse_typed(pairs: Vec<(String, String)>) -> Typed {
    let mut t = Typed::default();
    let mut indicators: HashMap<(i64, usize), (String, String, String)> = HashMap::new();
    let mut links: HashMap<(i64, usize), (String, String)> = HashMap::new();
    for (k, v) in pairs {
        match k.as_str() {
            "version" => t.version = v,
            "action" => t.action = v,
            _ => {
                // e_{entry}_{field}[_{row}]
                let mut parts = k.splitn(4, '_');
                if parts.next() != Some("e") {
                    continue;
                }
                let Some(entry) = parts.next().and_then(|e| e.parse::<i64>().ok()) else { continue };
                let field = parts.next().unwrap_or("");
                let row = parts.next().and_then(|r| r.parse::<usize>().ok());
                let e =
                    t.entries.entry(entry).or_insert_with(|| EntryInput { entry_id: entry, ..EntryInput::default() });
                match (field, row) {
                    ("status", None) => e.status = v,
                    ("na", None) => e.na_reason = v,
                    ("measures", None) => e.measures = v,
                    ("del", None) => e.remove_files.extend(v.trim().parse::<i64>().ok()),
                    ("iname", Some(r)) if r < 50 => indicators.entry((entry, r)).or_default().0 = v,
                    ("ivalue", Some(r)) if r < 50 => indicators.entry((entry, r)).or_default().1 = v,
                    ("iunit", Some(r)) if r < 50 => indicators.entry((entry, r)).or_default().2 = v,
                    ("lurl", Some(r)) if r < 20 => links.entry((entry, r)).or_default().0 = v,
                    ("llabel", Some(r)) if r < 20 => links.entry((entry, r)).or_default().1 = v,
                    _ => {}
                }
            }
        }
    }
    // Blank rows are dropped; the others keep their order (and are numbered anew).
    let mut ind: Vec<_> = indicators.into_iter().collect();
    ind.sort_by_key(|((e, r), _)| (*e, *r));
    for ((entry, _), (n, v, u)) in ind {
        if n.trim().is_empty() && v.trim().is_empty() && u.trim().is_empty() {
            continue;
        }
        if let Some(e) = t.entries.get_mut(&entry) {
            e.indicators.push((n.trim().to_owned(), v.trim().to_owned(), u.trim().to_owned()));
        }
    }
    let mut lk: Vec<_> = links.into_iter().collect();
    lk.sort_by_key(|((e, r), _)| (*e, *r));
    for ((entry, _), (url, label)) in lk {
        if url.trim().is_empty() && label.trim().is_empty() {
            continue;
        }
        if let Some(e) = t.entries.get_mut(&entry) {
            e.links.push((url.trim().to_owned(), label.trim().to_owned()));
        }
    }
    t
}

/// Where on the page a problem belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Spot {
    Field(EntryField),
    Files,
}

/// A problem of one entry, ready to show.
pub(super) struct Found {
    entry: i64,
    spot: Spot,
    message: String,
}

/// The form field (and, prefixed with `f-`, the input's id) of a spot.
fn field_name(entry: i64, spot: Spot) -> String {
    use EntryField as F;
    match spot {
        Spot::Field(F::Status) => format!("e_{entry}_status"),
        Spot::Field(F::NaReason) => format!("e_{entry}_na"),
        Spot::Field(F::Measures) => format!("e_{entry}_measures"),
        Spot::Field(F::IndicatorName(r)) => format!("e_{entry}_iname_{r}"),
        Spot::Field(F::IndicatorValue(r)) => format!("e_{entry}_ivalue_{r}"),
        Spot::Field(F::IndicatorUnit(r)) => format!("e_{entry}_iunit_{r}"),
        Spot::Field(F::LinkUrl(r)) => format!("e_{entry}_lurl_{r}"),
        Spot::Field(F::LinkLabel(r)) => format!("e_{entry}_llabel_{r}"),
        Spot::Files => format!("e_{entry}_files"),
    }
}

/// What the summary calls a spot: the commitment's number and the field.
fn spot_label(lang: Lang, number: &str, spot: Spot) -> String {
    use EntryField as F;
    let row = |key: &str, r: usize, field: &str| {
        format!("{} {}", lang.tf(key, &[("row", &(r + 1).to_string())]), lang.t(field))
    };
    let part = match spot {
        Spot::Field(F::Status) => lang.t("rpt.field.status").to_owned(),
        Spot::Field(F::NaReason) => lang.t("rpt.field.na_reason").to_owned(),
        Spot::Field(F::Measures) => lang.t("rpt.field.measures").to_owned(),
        Spot::Field(F::IndicatorName(r)) => row("rpt.spot.indicator", r, "rpt.field.indicator"),
        Spot::Field(F::IndicatorValue(r)) => row("rpt.spot.indicator", r, "rpt.field.value"),
        Spot::Field(F::IndicatorUnit(r)) => row("rpt.spot.indicator", r, "rpt.field.unit"),
        Spot::Field(F::LinkUrl(r)) => row("rpt.spot.link", r, "rpt.field.link_url"),
        Spot::Field(F::LinkLabel(r)) => row("rpt.spot.link", r, "rpt.field.link_label"),
        Spot::Files => lang.t("rpt.edit.evidence").to_owned(),
    };
    lang.tf("rpt.spot", &[("number", number), ("field", &part)])
}

/// The domain's problems (by commitment number) placed on the page's entries.
fn place(lang: Lang, f: &Full, problems: &[Problem]) -> Vec<Found> {
    problems
        .iter()
        .filter_map(|p| {
            let e = f.entries.iter().find(|e| e.commitment.number == p.number)?;
            Some(Found { entry: e.row.id, spot: Spot::Field(p.field), message: lang.t(p.key).to_owned() })
        })
        .collect()
}

/// The drafts of what was typed, for the domain's checks.
fn typed_drafts(f: &Full, t: &Typed) -> Vec<rules::EntryDraft> {
    f.entries
        .iter()
        .filter_map(|e| {
            let i = t.entries.get(&e.row.id)?;
            Some(rules::EntryDraft {
                commitment_number: e.commitment.number.clone(),
                status: i.status.clone(),
                not_applicable_reason: i.na_reason.clone(),
                measures: i.measures.clone(),
                indicators: i.indicators.clone(),
                links: i.links.clone(),
            })
        })
        .collect()
}

pub(super) fn edit_page(
    ctx: Ctx,
    f: Full,
    typed: Option<&Typed>,
    found: Vec<Found>,
    message: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let en = lang == Lang::En;
    let mut summary = Form::new();
    summary.message = message;
    let mut at: HashMap<String, String> = HashMap::new();
    for p in &found {
        let number = f.entries.iter().find(|e| e.row.id == p.entry).map(|e| e.commitment.number.as_str()).unwrap_or("");
        let name = field_name(p.entry, p.spot);
        summary.error_labelled(&name, &spot_label(lang, number, p.spot), p.message.clone());
        at.insert(name, p.message.clone());
    }
    let views = entry_views(lang, &f, true);
    let mut entries = Vec::new();
    for (e, mut v) in f.entries.iter().zip(views) {
        let id = e.row.id;
        let typed_entry = typed.and_then(|t| t.entries.get(&id));
        type Rows = (Vec<(String, String, String)>, Vec<(String, String)>, Vec<i64>);
        let (ind, links, removing): Rows = match typed_entry {
            Some(t) => {
                v.status = t.status.clone();
                v.na_reason = t.na_reason.clone();
                v.measures_html = t.measures.clone();
                (t.indicators.clone(), t.links.clone(), t.remove_files.clone())
            }
            None => {
                v.measures_html = e.row.measures_md.clone();
                (
                    e.indicators.iter().map(|i| (i.name.clone(), i.value.clone(), i.unit.clone())).collect(),
                    e.links.iter().map(|l| (l.url.clone(), l.label.clone())).collect(),
                    Vec::new(),
                )
            }
        };
        let err = |spot: Spot| at.get(&field_name(id, spot)).cloned();
        use EntryField as F;
        let mut indicator_rows: Vec<IndicatorRow> = ind
            .into_iter()
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
        indicator_rows.extend((0..SPARE_INDICATORS).map(|_| IndicatorRow {
            name: String::new(),
            value: String::new(),
            unit: String::new(),
            name_err: None,
            value_err: None,
            unit_err: None,
        }));
        let mut link_rows: Vec<LinkRow> = links
            .into_iter()
            .enumerate()
            .map(|(r, (url, label))| LinkRow {
                url,
                label,
                url_err: err(Spot::Field(F::LinkUrl(r))),
                label_err: err(Spot::Field(F::LinkLabel(r))),
            })
            .collect();
        link_rows.extend((0..SPARE_LINKS).map(|_| LinkRow {
            url: String::new(),
            label: String::new(),
            url_err: None,
            label_err: None,
        }));
        entries.push(EditEntry {
            status_err: err(Spot::Field(F::Status)),
            na_err: err(Spot::Field(F::NaReason)),
            measures_err: err(Spot::Field(F::Measures)),
            files_err: err(Spot::Files),
            removing,
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
            max_mib: MAX_EVIDENCE / 1024 / 1024,
            total_mib: REPORT_UPLOAD.max_total / 1024 / 1024,
            ctx,
        },
    )
}

pub(super) fn require_filer_of(user: &CurrentUser, org_id: i64) -> AppResult<()> {
    require_role(user, Role::Filer)?;
    require_same_organization(user, org_id)
}

pub async fn edit(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let (f, _) = load_full(&state, id).await?;
    if user.org_id != f.report.organization_id && user.role != Role::Admin {
        // Another organization's report: as if it did not exist.
        return Err(AppError::NotFound);
    }
    require_filer_of(&user, f.report.organization_id)?;
    if !f.report.state().editable() {
        return Ok(redirect_with_flash(&format!("/reports/{id}"), "flash.report.read_only"));
    }
    edit_page(ctx, f, None, Vec::new(), None, StatusCode::OK)
}

/// The report form as sent: its fields, the files kept, and the files read
/// but not kept (field, file name, why).
struct Sent {
    typed: Typed,
    files: Vec<UploadedFile>,
    dropped: Vec<(String, String, &'static str)>,
}

/// The multipart form: the CSRF token and the version come first and are
/// checked before any file is read; the files of a stale form are not kept.
async fn read_upload(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    report: &rdb::Report,
) -> AppResult<Sent> {
    let mut reader = MultipartReader::open(req, payload, &state.uploads, REPORT_UPLOAD).await?;
    let version = reader.text("version").await.map_err(|e| match e {
        AppError::BadRequest(_) => AppError::Conflict("error.report.stale"),
        e => e,
    })?;
    let current = version.trim().parse::<i32>().ok() == Some(report.version) && report.state().editable();
    let rest = reader.rest(current).await?;
    let mut pairs = rest.fields;
    pairs.push(("version".to_owned(), version));
    Ok(Sent { typed: parse_typed(pairs), files: rest.files, dropped: rest.dropped })
}

/// The urlencoded form (no files; e.g. scripts and older pages).
async fn read_form(mut payload: web::Payload) -> AppResult<Sent> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest("error.400"))?;
        if body.len() + chunk.len() > FORM_LIMIT {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| AppError::BadRequest("error.form_encoding"))?;
    Ok(Sent { typed: parse_typed(pairs), files: Vec::new(), dropped: Vec::new() })
}

/// The entry a file field (`e_{entry}_files`) belongs to, if it is one of this report's.
fn file_entry(f: &Full, field: &str) -> Option<i64> {
    let id: i64 = field.strip_prefix("e_")?.strip_suffix("_files")?.parse().ok()?;
    f.entries.iter().any(|e| e.row.id == id).then_some(id)
}

/// Check the files sent: their type by content, their size and number.
fn check_files(lang: Lang, f: &Full, sent: Sent) -> (Typed, Vec<NewEvidence>, Vec<Found>, usize) {
    let mut found = Vec::new();
    let mut files = Vec::new();
    let attached = sent.files.len() + sent.dropped.len();
    for u in sent.files {
        let Some(entry) = file_entry(f, &u.field) else { continue };
        match sniff_evidence(&u.data) {
            Some(ct) => {
                use sha2::Digest;
                let sha256 = hex::encode(sha2::Sha256::digest(&u.data));
                let file = NewAttachment { filename: u.filename, content_type: ct, data: u.data, sha256 };
                files.push(NewEvidence { entry_id: entry, file });
            }
            None => found.push(Found {
                entry,
                spot: Spot::Files,
                message: lang.tf("error.report.file_type", &[("names", &u.filename)]),
            }),
        }
    }
    for (field, name, why) in sent.dropped {
        let Some(entry) = file_entry(f, &field) else { continue };
        let mib = (MAX_EVIDENCE / 1024 / 1024).to_string();
        let n = REPORT_UPLOAD.max_files.to_string();
        let message = lang.tf(why, &[("name", &name), ("mib", &mib), ("n", &n)]);
        found.push(Found { entry, spot: Spot::Files, message });
    }
    (sent.typed, files, found, attached)
}

pub async fn save(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    // Rights first: nothing of the body is read for anyone else.
    let report = state.db(move |c| rdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    if user.org_id != report.organization_id && user.role != Role::Admin {
        return Err(AppError::NotFound);
    }
    require_filer_of(&user, report.organization_id)?;
    let sent = if is_multipart(&req) {
        read_upload(&state, &req, payload, &report).await?
    } else {
        read_form(payload).await?
    };
    let stale_files = sent.dropped.iter().any(|d| d.2 == "upload.not_kept");
    let expected: i32 = sent.typed.version.trim().parse().map_err(|_| AppError::Conflict("error.report.stale"))?;
    let (f, _) = load_full(&state, id).await?;
    let (typed, files, mut found, attached) = check_files(lang, &f, sent);
    if !stale_files {
        found.splice(0..0, place(lang, &f, &rules::save_problems(&typed_drafts(&f, &typed))));
    }
    if !found.is_empty() && !stale_files {
        // Nothing saved: everything typed comes back; files must be chosen again.
        let mut message = lang.t("form.has_errors").to_owned();
        if attached > 0 {
            message = format!("{message} {}", lang.t("rpt.edit.files_again"));
        }
        return edit_page(ctx, f, Some(&typed), found, Some(message), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let actor = user.actor();
    let role = user.role;
    let inputs: Vec<EntryInput> = typed.entries.values().cloned().collect();
    let changed_files = !files.is_empty() || inputs.iter().any(|i| !i.remove_files.is_empty());
    let saved = if stale_files {
        Err(ReportError::Conflict)
    } else {
        state
            .tx(move |c| match rdb::save(c, actor, role, id, expected, &inputs, &files) {
                Ok(()) => Ok(Ok(())),
                Err(e @ (ReportError::Conflict | ReportError::Transition(_))) => Ok(Err(e)),
                Err(e) => Err(report_error(e)),
            })
            .await?
    };
    if let Err(e) = saved {
        // Submitted from another tab, or changed meanwhile: say so, keep what was typed.
        let (f, _) = load_full(&state, id).await?;
        let mut message = if f.report.state().editable() {
            lang.t("error.report.stale").to_owned()
        } else {
            lang.t("error.report.submitted_elsewhere").to_owned()
        };
        if matches!(e, ReportError::Conflict) && attached > 0 {
            message = format!("{message} {}", lang.t("rpt.edit.files_again"));
        }
        if !f.report.state().editable() {
            let mut form = Form::new();
            form.message = Some(message);
            return view_page(&state, ctx, id, form, StatusCode::CONFLICT).await;
        }
        return edit_page(ctx, f, Some(&typed), Vec::new(), Some(message), StatusCode::CONFLICT);
    }
    let flash = if changed_files { "flash.report.evidence_saved" } else { "flash.report.saved" };
    if let Some(entry) = typed.upload_entry() {
        return Ok(redirect_with_flash(&format!("/reports/{id}/edit#e{entry}"), flash));
    }
    if typed.action != "submit" {
        return Ok(redirect_with_flash(&format!("/reports/{id}/edit"), flash));
    }
    let submitted = state
        .tx(move |c| {
            let current = rdb::get(c, id)?.ok_or(AppError::NotFound)?;
            match rdb::submit(c, actor, role, id, current.version) {
                Ok(n) => Ok(Ok(n)),
                Err(ReportError::Incomplete(p)) => Ok(Err(p)),
                Err(e) => Err(report_error(e)),
            }
        })
        .await?;
    match submitted {
        Ok(_) => Ok(redirect_with_flash(&format!("/reports/{id}"), "flash.report.submitted")),
        Err(problems) => {
            let (f, _) = load_full(&state, id).await?;
            let found = place(lang, &f, &problems);
            let message = lang.tf("error.report.incomplete", &[("n", &found.len().to_string())]);
            edit_page(ctx, f, None, found, Some(message), StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}
