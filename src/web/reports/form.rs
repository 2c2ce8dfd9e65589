//! The filer's report form as a request carries it: one multipart form (or
//! an urlencoded one from scripts) with every entry's fields, the evidence
//! files and the ones to remove; read into [`Typed`], and the names its
//! fields have on the page.

use actix_web::HttpRequest;
use futures_util::StreamExt;
use sha2::Digest;

use super::*;
use crate::db::reports::NewEvidence;
use crate::domain::report::EntryField;
use crate::web::files::{is_multipart, MultipartReader, UploadLimits, UploadedFile};

/// Largest urlencoded report (the multipart form has its own limits).
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// An upload of the report form: the whole report's text and its files.
pub(super) const REPORT_UPLOAD: UploadLimits = UploadLimits {
    max_file: MAX_EVIDENCE,
    max_files: 10,
    max_text: 128 * 1024,
    max_parts: 5000,
    ..UploadLimits::DEFAULT
};

/// What the filer typed, per entry id.
#[derive(Default, Clone)]
pub(super) struct Typed {
    pub entries: HashMap<i64, EntryInput>,
    /// Per entry: the fingerprint of the entry as the form showed it (see [`fingerprint`]).
    pub seen: HashMap<i64, String>,
    pub version: String,
    pub action: String,
}

impl Typed {
    /// The entry whose upload button was pressed ("upload:{entry}"), if any.
    pub fn upload_entry(&self) -> Option<i64> {
        self.action.strip_prefix("upload:").and_then(|e| e.parse().ok())
    }

    /// Save, or save and submit.
    pub fn action(&self) -> ReportAction {
        if self.action == "submit" {
            ReportAction::Submit
        } else {
            ReportAction::Save
        }
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
                if (field, row) == ("seen", None) {
                    t.seen.insert(entry, v);
                    continue;
                }
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

/// A short digest of what an entry holds (status, texts, rows, files): the
/// form carries it for each entry, so that after someone else changed the
/// report meanwhile the page can tell which entries they touched.
pub(super) fn fingerprint(e: &rdb::Entry) -> String {
    let d = e.draft();
    let mut h = sha2::Sha256::new();
    let mut put = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    put(&d.status);
    put(&d.not_applicable_reason);
    put(&d.measures);
    for (name, value, unit) in &d.indicators {
        put(name);
        put(value);
        put(unit);
    }
    put("|");
    for (url, label) in &d.links {
        put(url);
        put(label);
    }
    put("|");
    for f in &e.files {
        put(&f.id.to_string());
    }
    hex::encode(&h.finalize()[..12])
}

/// Where on the page a problem belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Spot {
    Field(EntryField),
    Files,
}

/// The form field (and, prefixed with `f-`, the input's id) of a spot.
pub(super) fn field_name(entry: i64, spot: Spot) -> String {
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
pub(super) fn spot_label(lang: Lang, number: &str, spot: Spot) -> String {
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

/// The report form as sent: its fields, the files kept, and the files read
/// but not kept (field, file name, why).
pub(super) struct Sent {
    pub typed: Typed,
    files: Vec<UploadedFile>,
    dropped: Vec<(String, String, &'static str)>,
}

impl Sent {
    /// A stale tab's files are not read (its version was checked first).
    pub fn stale_files(&self) -> bool {
        self.dropped.iter().any(|d| d.2 == "upload.not_kept")
    }
}

/// Read the form of the edit page: multipart (the browser's) or urlencoded.
/// In the multipart form the CSRF token and the version come first and are
/// checked before any file is read; the files of a stale form are not kept.
pub(super) async fn read_sent(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    report: &rdb::Report,
) -> AppResult<Sent> {
    if !is_multipart(req) {
        return read_form(payload).await;
    }
    let mut reader = MultipartReader::open(req, payload, &state.uploads, REPORT_UPLOAD).await?;
    let version = reader.text("version").await.map_err(|e| match e {
        AppError::BadRequest(_) => AppError::Conflict("error.report.stale"),
        e => e,
    })?;
    let current = version.trim().parse::<i32>().ok() == Some(report.version) && report.state.editable();
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

/// The files sent, checked: their type by content, their size and number.
pub(super) struct Checked {
    pub typed: Typed,
    pub files: Vec<NewEvidence>,
    /// Files refused, beside their entry's file input (and in the summary).
    pub problems: Form,
    /// How many files the form carried.
    pub attached: usize,
}

pub(super) fn check_files(lang: Lang, f: &Full, sent: Sent) -> Checked {
    let mut problems = Form::new();
    let mut refuse = |entry: i64, message: String| {
        let number = f.entries.iter().find(|e| e.row.id == entry).map_or("", |e| e.commitment.number.as_str());
        problems.error_labelled(&field_name(entry, Spot::Files), &spot_label(lang, number, Spot::Files), message);
    };
    let mut files = Vec::new();
    let attached = sent.files.len() + sent.dropped.len();
    for u in sent.files {
        let Some(entry) = file_entry(f, &u.field) else { continue };
        match sniff_evidence(&u.data) {
            Some(ct) => {
                let sha256 = hex::encode(sha2::Sha256::digest(&u.data));
                let file = NewAttachment { filename: u.filename, content_type: ct, data: u.data, sha256 };
                files.push(NewEvidence { entry_id: entry, file });
            }
            None => refuse(entry, lang.tf("error.report.file_type", &[("names", &u.filename)])),
        }
    }
    for (field, name, why) in sent.dropped {
        let Some(entry) = file_entry(f, &field) else { continue };
        let mib = (MAX_EVIDENCE / 1024 / 1024).to_string();
        let n = REPORT_UPLOAD.max_files.to_string();
        refuse(entry, lang.tf(why, &[("name", &name), ("mib", &mib), ("n", &n)]));
    }
    Checked { typed: sent.typed, files, problems, attached }
}
