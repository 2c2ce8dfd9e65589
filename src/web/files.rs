//! Uploads and downloads shared by every area: reading a bounded multipart
//! form (its CSRF token first, a size limit up front, a timeout on a stalled
//! body, a fixed number of uploads at a time), telling a file's type by its
//! content, safe file names, and sending a stored file back as a download.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::auth::csrf;
use crate::error::{AppError, AppResult};

/// What an uploaded file really is, by its content: PDF or DOCX, else refused.
pub fn sniff_document(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    if data.starts_with(b"PK\x03\x04") && find(data, b"word/document.xml") && find(data, b"[Content_Types].xml") {
        return Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    }
    None
}

pub fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A file name safe to store and to send back: no path, no control characters.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|'))
        .take(150)
        .collect();
    if cleaned.trim().is_empty() {
        "file".to_owned()
    } else {
        cleaned.trim().to_owned()
    }
}

// ------------------------------------------------------------------ uploads

/// What one multipart request may carry. The whole body is bounded (also up
/// front, by its Content-Length), and so is each part.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// The whole request body.
    pub max_total: usize,
    /// One file.
    pub max_file: usize,
    /// Files kept from one request.
    pub max_files: usize,
    /// One text field.
    pub max_text: usize,
    /// Parts (fields and files) of one request.
    pub max_parts: usize,
}

/// Largest multipart request the site accepts (413 beyond, refused by its
/// Content-Length before anything is read when it declares one).
pub const MAX_UPLOAD: usize = 32 * 1024 * 1024;

impl UploadLimits {
    pub const DEFAULT: UploadLimits = UploadLimits {
        max_total: MAX_UPLOAD,
        max_file: 20 * 1024 * 1024,
        max_files: 10,
        max_text: 64 * 1024,
        max_parts: 100,
    };
}

/// Uploads read at the same time by one instance. Each holds at most
/// [`MAX_UPLOAD`] bytes (and a copy on its way to the database), so this
/// bounds the memory uploads can take.
pub const UPLOAD_SLOTS: usize = 4;
/// An upload that sends nothing for this long is answered 408.
pub const UPLOAD_IDLE: Duration = Duration::from_secs(10);
/// However it trickles, an upload ends (408) after this long.
pub const UPLOAD_DEADLINE: Duration = Duration::from_secs(600);
/// How long a request waits for a free slot before it is answered 503.
const SLOT_WAIT: Duration = Duration::from_secs(1);

/// The slots of concurrent uploads (one per instance, in the application state).
pub struct UploadGate {
    slots: Arc<Semaphore>,
}

impl Default for UploadGate {
    fn default() -> Self {
        UploadGate { slots: Arc::new(Semaphore::new(UPLOAD_SLOTS)) }
    }
}

impl UploadGate {
    async fn enter(&self) -> AppResult<OwnedSemaphorePermit> {
        match tokio::time::timeout(SLOT_WAIT, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::UploadsBusy),
        }
    }
}

/// A file part as received.
pub struct UploadedFile {
    /// The form field it came in.
    pub field: String,
    /// The name it had on the sender's computer, cleaned.
    pub filename: String,
    pub data: Vec<u8>,
}

/// The rest of a multipart form, after the parts a handler read one by one.
#[derive(Default)]
pub struct Rest {
    /// Text fields in the order sent (a name may repeat).
    pub fields: Vec<(String, String)>,
    /// Files kept, in the order sent.
    pub files: Vec<UploadedFile>,
    /// Files read but not kept: (field, file name, why: a catalog key).
    pub dropped: Vec<(String, String, &'static str)>,
}

/// Whether a request carries a multipart body.
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Reads a multipart form part by part within its limits: nothing waits
/// longer than [`UPLOAD_IDLE`] for the sender, and the whole request ends by
/// [`UPLOAD_DEADLINE`]. Holds an upload slot until dropped.
pub struct MultipartReader {
    payload: actix_multipart::Multipart,
    limits: UploadLimits,
    read: usize,
    parts: usize,
    deadline: Instant,
    _slot: OwnedSemaphorePermit,
}

impl MultipartReader {
    /// Starts reading an upload: refuses a declared Content-Length over the
    /// limit (413) before reading anything, takes a slot (503 when none is
    /// free), and checks the CSRF token, which must be the first part (403).
    /// The caller has checked the user's rights before.
    pub async fn open(
        req: &HttpRequest,
        payload: web::Payload,
        gate: &UploadGate,
        limits: UploadLimits,
    ) -> AppResult<MultipartReader> {
        let mut reader = Self::open_for_token(req, payload, gate, limits).await?;
        let token = reader.text(csrf::FIELD).await.map_err(|e| match e {
            AppError::BadRequest(_) => AppError::Csrf("the token is not the first part"),
            e => e,
        })?;
        let deferred = req.extensions().get::<csrf::Deferred>().cloned();
        // Without a deferred check the middleware found the token in a header.
        if deferred.is_some_and(|d| !d.accepts(&token)) {
            return Err(AppError::Csrf("missing or wrong token"));
        }
        Ok(reader)
    }

    /// The same limits, slot and deadlines without a CSRF part: for API
    /// requests, which a Bearer token authorizes (never a session cookie).
    pub async fn open_for_token(
        req: &HttpRequest,
        payload: web::Payload,
        gate: &UploadGate,
        limits: UploadLimits,
    ) -> AppResult<MultipartReader> {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > limits.max_total as u64) {
            return Err(AppError::PayloadTooLarge);
        }
        if !is_multipart(req) {
            return Err(AppError::BadRequest("error.400"));
        }
        let slot = gate.enter().await?;
        Ok(MultipartReader {
            payload: actix_multipart::Multipart::new(req.headers(), payload),
            limits,
            read: 0,
            parts: 0,
            deadline: Instant::now() + UPLOAD_DEADLINE,
            _slot: slot,
        })
    }

    /// Waits for the sender: at most [`UPLOAD_IDLE`], and never past the deadline.
    async fn wait<T>(&self, fut: impl std::future::Future<Output = T>) -> AppResult<T> {
        let until = (Instant::now() + UPLOAD_IDLE).min(self.deadline);
        tokio::time::timeout_at(until, fut).await.map_err(|_| AppError::RequestTimeout)
    }

    async fn next_field(&mut self) -> AppResult<Option<actix_multipart::Field>> {
        let next = {
            let fut = self.payload.next();
            let until = (Instant::now() + UPLOAD_IDLE).min(self.deadline);
            tokio::time::timeout_at(until, fut).await.map_err(|_| AppError::RequestTimeout)?
        };
        match next {
            None => Ok(None),
            Some(Err(_)) => Err(AppError::BadRequest("error.400")),
            Some(Ok(field)) => {
                self.parts += 1;
                if self.parts > self.limits.max_parts {
                    return Err(AppError::PayloadTooLarge);
                }
                Ok(Some(field))
            }
        }
    }

    /// Reads a part's bytes; keeps at most `keep` of them (`None`: over that,
    /// the rest is read and thrown away). The whole body stays within its limit.
    async fn body(&mut self, field: &mut actix_multipart::Field, keep: usize) -> AppResult<Option<Vec<u8>>> {
        let mut data = Vec::new();
        let mut over = false;
        loop {
            let chunk = match self.wait(field.next()).await? {
                None => break,
                Some(Err(_)) => return Err(AppError::BadRequest("error.400")),
                Some(Ok(c)) => c,
            };
            self.read += chunk.len();
            if self.read > self.limits.max_total {
                return Err(AppError::PayloadTooLarge);
            }
            if over || data.len() + chunk.len() > keep {
                over = true;
                data = Vec::new();
                continue;
            }
            data.extend_from_slice(&chunk);
        }
        Ok(if over { None } else { Some(data) })
    }

    /// The next part, which must be the text field `name` (400 otherwise).
    pub async fn text(&mut self, name: &str) -> AppResult<String> {
        let Some(mut field) = self.next_field().await? else { return Err(AppError::BadRequest("error.400")) };
        if field.name() != Some(name) || field.content_disposition().and_then(|cd| cd.get_filename()).is_some() {
            return Err(AppError::BadRequest("error.400"));
        }
        let max = self.limits.max_text;
        let data = self.body(&mut field, max).await?.ok_or(AppError::PayloadTooLarge)?;
        String::from_utf8(data).map_err(|_| AppError::BadRequest("error.form_encoding"))
    }

    /// Every remaining part. Files are kept only if `keep_files` (else they are
    /// read, thrown away and listed as dropped), each within its limit.
    pub async fn rest(mut self, keep_files: bool) -> AppResult<Rest> {
        let mut rest = Rest::default();
        while let Some(mut field) = self.next_field().await? {
            let name = field.name().unwrap_or("").to_owned();
            let filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
            let Some(filename) = filename else {
                let max = self.limits.max_text;
                let data = self.body(&mut field, max).await?.ok_or(AppError::PayloadTooLarge)?;
                let text = String::from_utf8(data).map_err(|_| AppError::BadRequest("error.form_encoding"))?;
                rest.fields.push((name, text));
                continue;
            };
            let keep = if keep_files && rest.files.len() < self.limits.max_files { self.limits.max_file } else { 0 };
            let data = self.body(&mut field, keep).await?;
            let filename = clean_filename(&filename);
            match data {
                // A file input left empty.
                Some(d) if d.is_empty() => {}
                Some(data) => rest.files.push(UploadedFile { field: name, filename, data }),
                None if !keep_files => rest.dropped.push((name, filename, "upload.not_kept")),
                None if keep == 0 => rest.dropped.push((name, filename, "upload.too_many")),
                None => rest.dropped.push((name, filename, "upload.too_big")),
            }
        }
        Ok(rest)
    }
}

/// Fields and files of a multipart form whose first part is the CSRF token.
pub struct Upload {
    pub fields: HashMap<String, String>,
    pub files: Vec<(String, Vec<u8>)>,
}

/// Reads a whole multipart form (the CSRF token first; files of the field
/// `file_field`); any file over its limit makes the request too large.
pub async fn read_multipart(
    req: &HttpRequest,
    payload: web::Payload,
    gate: &UploadGate,
    file_field: &str,
    limits: UploadLimits,
) -> AppResult<Upload> {
    let reader = MultipartReader::open(req, payload, gate, limits).await?;
    let rest = reader.rest(true).await?;
    if !rest.dropped.is_empty() {
        return Err(AppError::PayloadTooLarge);
    }
    Ok(Upload {
        fields: rest.fields.into_iter().collect(),
        files: rest.files.into_iter().filter(|f| f.field == file_field).map(|f| (f.filename, f.data)).collect(),
    })
}

/// What an evidence file really is, by its content: PDF, PNG, JPEG or XLSX.
pub fn sniff_evidence(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if data.starts_with(b"PK\x03\x04") && find(data, b"xl/workbook.xml") && find(data, b"[Content_Types].xml") {
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else {
        None
    }
}

/// A stored file as a download (never rendered inline by the browser).
pub fn file_response(filename: &str, content_type: &str, data: Vec<u8>) -> HttpResponse {
    let ascii: String =
        filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type.to_owned()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", super::urlencode(filename)),
        ))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .body(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_recognised_by_content() {
        assert_eq!(sniff_document(b"%PDF-1.7 rest"), Some("application/pdf"));
        assert_eq!(sniff_document(b"MZ\x90\x00 not a pdf"), None);
        let docx = b"PK\x03\x04....[Content_Types].xml....word/document.xml....";
        assert!(sniff_document(docx).is_some());
        assert_eq!(sniff_document(b"PK\x03\x04 a plain zip"), None);
    }

    #[test]
    fn file_names_are_cleaned() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\Users\\x\\征求意见稿.pdf"), "征求意见稿.pdf");
        assert_eq!(clean_filename("a\u{0}b<c>.pdf"), "abc.pdf");
        assert_eq!(clean_filename(""), "file");
    }
}
