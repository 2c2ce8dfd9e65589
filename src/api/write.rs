//! The one shape of every API write: the caller's `Idempotency-Key` looked
//! up and the answer kept in the transaction of the change, `If-Match`
//! versions, and refusals as problem+json with pointers.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;
use sha2::Digest;

use super::filing::internal;
use super::problem::{ApiError, FieldError, Problem};
use super::tokens::ApiUser;
use crate::db::api_tokens::{self, KeptAnswer};
use crate::db::{DbConn, Fail};
use crate::domain::report::{EntryField, Problem as Missing, Refusal};
use crate::i18n::Lang;
use crate::web::flow::Outcome;
use crate::web::AppState;

type ApiResult = Result<HttpResponse, ApiError>;

/// A problem of a kind documented on `/api`, its title in the client's
/// language from the catalog key `api.problem.{slug}`.
pub(super) fn titled(lang: Lang, status: StatusCode, slug: &str) -> Problem {
    let key = format!("api.problem.{slug}");
    let title = match lang.t(&key) {
        t if t == key => status.canonical_reason().unwrap_or("Error"),
        t => t,
    };
    Problem::typed(status, slug, title)
}

/// The generic problem of a status.
pub(super) fn of_status(lang: Lang, status: StatusCode) -> Problem {
    let slug = match status.as_u16() {
        400 => "bad-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        408 => "timeout",
        409 => "conflict",
        413 => "too-large",
        429 => "too-many-requests",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "bad-request",
    };
    titled(lang, status, slug)
}

/// Why a write was refused: the workflow's refusal (rolled back, nothing kept)
/// or a problem of its own.
pub(super) enum Refused {
    Report(Refusal),
    Problem(Box<Problem>),
}

impl From<Refusal> for Refused {
    fn from(r: Refusal) -> Self {
        Refused::Report(r)
    }
}

pub(super) type Step<T> = Result<T, Fail<Refused>>;

pub(super) fn refused<T>(p: Problem) -> Step<T> {
    Err(Fail::Refused(Refused::Problem(Box::new(p))))
}

pub(super) fn report_refusal(r: Fail<Refusal>) -> Fail<Refused> {
    match r {
        Fail::Refused(r) => Fail::Refused(Refused::Report(r)),
        Fail::Db(e) => Fail::Db(e),
    }
}

/// Where a problem of an entry is, below the entry's pointer.
pub(super) fn field_pointer(f: EntryField) -> String {
    use EntryField as F;
    match f {
        F::Status => "status".into(),
        F::NaReason => "not_applicable_reason".into(),
        F::Measures => "measures".into(),
        F::IndicatorName(r) => format!("indicators/{r}/name"),
        F::IndicatorValue(r) => format!("indicators/{r}/value"),
        F::IndicatorUnit(r) => format!("indicators/{r}/unit"),
        F::LinkUrl(r) => format!("links/{r}/url"),
        F::LinkLabel(r) => format!("links/{r}/label"),
    }
}

/// Every problem, each at `#/entries/{index}/…` (`index`: entry id → its place
/// in the request's or the report's list of entries).
pub(super) fn pointers(lang: Lang, problems: &[Missing], index: &HashMap<i64, usize>) -> Vec<FieldError> {
    problems
        .iter()
        .map(|p| {
            let pointer = match index.get(&p.entry) {
                Some(i) => format!("#/entries/{i}/{}", field_pointer(p.field)),
                None => format!("#/entries/-/{}", field_pointer(p.field)),
            };
            FieldError::pointer(pointer, format!("{} {}", p.number, lang.t(p.key)))
        })
        .collect()
}

/// The problem+json of a refused move.
pub(super) fn problem_of(lang: Lang, r: Refusal, index: &HashMap<i64, usize>, if_match: bool) -> Problem {
    let p = |status: StatusCode, slug: &'static str, key: &str| titled(lang, status, slug).detail(lang.t(key));
    match r {
        Refusal::Hidden => p(StatusCode::NOT_FOUND, "not-found", "api.error.no_report"),
        // The URL names the caller's organization's report: there is none to file.
        Refusal::NotSigned => p(StatusCode::NOT_FOUND, "not-found", "api.error.not_signed"),
        Refusal::WrongRole => p(StatusCode::FORBIDDEN, "forbidden", "api.error.role"),
        Refusal::NotOpen => p(StatusCode::CONFLICT, "not-open", "error.report.not_open"),
        Refusal::NotEditable(s) | Refusal::NotPending(s) => titled(lang, StatusCode::CONFLICT, "not-editable")
            .detail(lang.tf("api.error.not_editable", &[("state", lang.t(&format!("rpt.state.{}", s.as_str())))])),
        Refusal::Stale if if_match => p(StatusCode::PRECONDITION_FAILED, "stale", "api.error.stale"),
        Refusal::Stale => p(StatusCode::CONFLICT, "conflict", "api.error.stale"),
        Refusal::Invalid(problems) => {
            p(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "api.error.invalid").errors(pointers(lang, &problems, index))
        }
        Refusal::NoReturnComment => p(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "error.report.return_comment"),
    }
}

/// A write's answer, built inside its transaction (and kept for its key).
pub(super) struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Answer {
    pub fn response(&self, replayed: bool) -> HttpResponse {
        let mut b = HttpResponse::build(self.status);
        if let Some(v) = self.body.get("version").and_then(Value::as_i64) {
            b.insert_header((header::ETAG, format!("\"{v}\"")));
        }
        if replayed {
            b.insert_header(("Idempotent-Replayed", "true"));
        }
        b.insert_header((header::CACHE_CONTROL, "no-store"));
        if self.status.is_client_error() {
            b.content_type(super::problem::CONTENT_TYPE);
        } else {
            b.content_type("application/json");
        }
        let mut res = b.body(self.body.to_string());
        res.extensions_mut().insert(crate::web::middleware::KeepBody);
        res
    }
}

/// The `Idempotency-Key` of a request, if it sends one (1–255 visible ASCII characters).
pub(super) fn idempotency_key(lang: Lang, req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get("idempotency-key") else { return Ok(None) };
    match v.to_str() {
        Ok(k) if !k.trim().is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k.to_owned()))
        }
        _ => Err(titled(lang, StatusCode::BAD_REQUEST, "bad-request").detail(lang.t("api.error.key")).into()),
    }
}

/// The version an `If-Match` header names (`"3"`, `W/"3"` or `3`); a value
/// that names no version can match none (412).
pub(super) fn if_match(req: &HttpRequest) -> Option<Option<i32>> {
    let v = req.headers().get(header::IF_MATCH)?;
    let s = v.to_str().unwrap_or("").trim();
    let s = s.strip_prefix("W/").unwrap_or(s).trim_matches('"');
    Some(s.parse::<i32>().ok())
}

/// The version a replacement acts on (`If-Match` required to replace, 428
/// without it; naming no version or another one, 412 or 409), or `None` to
/// create the report.
pub(super) fn replacing(lang: Lang, existing: Option<i32>, expected: Option<Option<i32>>) -> Step<Option<i32>> {
    match (existing, expected) {
        (Some(_), None) => refused(
            titled(lang, StatusCode::PRECONDITION_REQUIRED, "if-match-required")
                .detail(lang.t("api.error.if_match_required")),
        ),
        (Some(current), Some(v)) if v != Some(current) => Err(Fail::Refused(Refused::Report(Refusal::Stale))),
        (Some(current), Some(_)) => Ok(Some(current)),
        (None, Some(_)) => {
            refused(titled(lang, StatusCode::PRECONDITION_FAILED, "stale").detail(lang.t("api.error.stale")))
        }
        (None, None) => Ok(None),
    }
}

/// The version a write with an optional `If-Match` acts on: the one it
/// names (one that names no version matches none), else the current one.
pub(super) fn acting_on(expected: Option<Option<i32>>, current: i32) -> i32 {
    match expected {
        Some(v) => v.unwrap_or(-1),
        None => current,
    }
}

/// A digest of what a request asks for (method, path, If-Match and the
/// meaning of its body), to tell a retry from another request with the same key.
pub(super) fn request_hash(req: &HttpRequest, what: &[u8]) -> String {
    let mut h = sha2::Sha256::new();
    h.update(req.method().as_str());
    h.update(b" ");
    h.update(req.path());
    h.update(b"\n");
    h.update(req.headers().get(header::IF_MATCH).map(|v| v.as_bytes()).unwrap_or(b""));
    h.update(b"\n");
    h.update(what);
    hex::encode(h.finalize())
}

/// Run a write in one transaction: with a key, answer a retry with the kept
/// answer (another request with the same key: 422), else do `f` and keep its
/// answer with the change.
pub(super) async fn write<F>(
    state: &AppState,
    user: &ApiUser,
    key: Option<String>,
    hash: String,
    index: HashMap<i64, usize>,
    has_if_match: bool,
    f: F,
) -> ApiResult
where
    F: FnOnce(&mut DbConn) -> Step<Answer> + Send + 'static,
{
    let (lang, token) = (user.lang, user.token.token_id);
    let outcome = state
        .act(move |c| {
            if let Some(key) = &key {
                if let Some(kept) = api_tokens::kept_answer(c, token, key)? {
                    if kept.request_hash != hash {
                        let p = titled(lang, StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused")
                            .detail(lang.t("api.error.key_reused"));
                        return refused(p);
                    }
                    let body = serde_json::from_str(&kept.body).unwrap_or(Value::Null);
                    let status = StatusCode::from_u16(kept.status as u16).unwrap_or(StatusCode::OK);
                    return Ok((Answer { status, body }, true));
                }
            }
            let answer = f(c)?;
            if let Some(key) = &key {
                let kept = KeptAnswer {
                    request_hash: hash,
                    status: answer.status.as_u16().into(),
                    body: answer.body.to_string(),
                };
                match api_tokens::keep_answer(c, token, key, &kept) {
                    Ok(()) => {}
                    // The same key's first request committed meanwhile (PostgreSQL waits
                    // for it at the key's row): this one is undone; its retry gets that answer.
                    Err(diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    )) => {
                        let p = titled(lang, StatusCode::CONFLICT, "idempotency-key-in-use")
                            .detail(lang.t("api.error.key_in_use"))
                            .header("retry-after", "1".into());
                        return refused(p);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Ok((answer, false))
        })
        .await
        .map_err(internal(lang))?;
    match outcome {
        Outcome::Done((answer, replayed)) => Ok(answer.response(replayed)),
        Outcome::Refused(Refused::Problem(p)) => Err(ApiError::Problem(p)),
        Outcome::Refused(Refused::Report(r)) => Err(problem_of(lang, r, &index, has_if_match).into()),
    }
}
