//! Uploads and downloads shared by every area: reading a bounded multipart
//! form, telling a file's type by its content, safe file names, and sending
//! a stored file back as a download.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::HttpResponse;

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

/// Fields and files of a multipart form, each bounded.
pub struct Upload {
    pub fields: HashMap<String, String>,
    pub files: Vec<(String, Vec<u8>)>,
}

pub async fn read_multipart(
    mut payload: actix_multipart::Multipart,
    file_field: &str,
    max_file: usize,
    max_text: usize,
    max_files: usize,
) -> AppResult<Upload> {
    use futures_util::StreamExt;
    let mut up = Upload { fields: HashMap::new(), files: Vec::new() };
    let mut parts = 0;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|_| AppError::BadRequest("error.400"))?;
        parts += 1;
        if parts > 50 {
            return Err(AppError::BadRequest("error.400"));
        }
        let name = field.name().unwrap_or("").to_owned();
        let filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
        let is_file = name == file_field;
        let limit = if is_file { max_file } else { max_text };
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| AppError::BadRequest("error.400"))?;
            if data.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge);
            }
            data.extend_from_slice(&chunk);
        }
        if is_file {
            let Some(filename) = filename.filter(|f| !f.is_empty()) else { continue };
            if data.is_empty() {
                continue;
            }
            if up.files.len() >= max_files {
                return Err(AppError::PayloadTooLarge);
            }
            up.files.push((clean_filename(&filename), data));
        } else {
            let text = String::from_utf8(data).map_err(|_| AppError::BadRequest("error.form_encoding"))?;
            up.fields.insert(name, text);
        }
    }
    Ok(up)
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
