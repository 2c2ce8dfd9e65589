//! Machine filing: a filer's token files its own organization's reports with
//! the same domain rules, database functions (`db::reports::open` and
//! `db::reports::file`, which the form uses too) and audit rows as the form;
//! the audit rows name the token.
//!
//! - `GET  /api/v1/me/periods` — periods open for filing, each with the report's state and version;
//! - `GET  /api/v1/periods/{period_id}/report` — the organization's report for the period;
//! - `PUT  /api/v1/periods/{period_id}/report` — create or replace the draft (`If-Match` to replace);
//! - `POST /api/v1/periods/{period_id}/report/evidence` — upload an evidence file;
//! - `POST /api/v1/periods/{period_id}/report/submit` — submit, or every missing piece at once.
//!
//! Writes accept an `Idempotency-Key`: the first answer that changed
//! something is kept (per token and key, in the transaction of the change), a
//! retry gets it again and nothing is written twice; the same key with
//! another request is 422.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;
use sha2::Digest;

use super::filing_shapes::*;
use super::orgs::Ref;
use super::problem::{segment, ApiError, FieldError, Problem};
use super::reports::period_item;
use super::tokens::authenticate;
use super::types::Names;
use super::write::*;
use crate::db::attachments::NewAttachment;
use crate::db::audit::Actor;
use crate::db::reports::{self as rdb, EntryInput, Filed, Filing, Full, NewEvidence};
use crate::db::{DbConn, Fail};
use crate::domain::report::{Refusal, ReportAction, Who};
use crate::domain::token::Scope;
use crate::i18n::Lang;
use crate::web::files::{sniff_evidence, MultipartReader, UploadLimits};
use crate::web::flow::Id;
use crate::web::AppState;

type ApiResult = Result<HttpResponse, ApiError>;

/// A shape as the JSON kept with an idempotency key.
fn to_value<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).expect("plain data")
}

pub(super) fn internal(lang: Lang) -> impl Fn(crate::error::AppError) -> Problem {
    move |e| {
        log::error!("api: {e}");
        let status = actix_web::ResponseError::status_code(&e);
        of_status(lang, if status.is_server_error() { status } else { StatusCode::INTERNAL_SERVER_ERROR })
    }
}

// ------------------------------------------------------------------ reading

/// `GET /api/v1/me/periods`
#[utoipa::path(
    get,
    path = "/api/v1/me/periods",
    tag = "filing",
    operation_id = "myPeriods",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The open periods of the caller's organization's pledges", body = MyPeriods, content_type = "application/json"),
        (status = 401, description = "No live token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the scope, or the user the role", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn my_periods(state: web::Data<AppState>, req: HttpRequest) -> ApiResult {
    let user = authenticate(&state, &req, Scope::ReportsRead).await?;
    let (org, lang) = (user.token.org_id, user.lang);
    let now = crate::db::now();
    let base = state.settings.public_url.clone();
    let items = state
        .db(move |c| {
            let sigs = crate::db::pledges::org_signatures(c, org, &[crate::domain::pledge::SignatureState::Verified])?;
            let pledge_ids: Vec<i64> = sigs.iter().map(|(s, _)| s.pledge_id).collect();
            let mut items = Vec::new();
            for p in rdb::periods_of_pledges(c, &pledge_ids)?.into_iter().filter(|p| p.opened(now)) {
                let Some((_, pledge)) = sigs.iter().find(|(s, _)| s.pledge_id == p.pledge_id) else { continue };
                let report = rdb::for_period_and_org(c, p.id, org)?;
                items.push(MyPeriod {
                    period: period_item(&base, &p),
                    pledge: Ref {
                        id: pledge.id,
                        title: Names::new(&pledge.title_zh, &pledge.title_en),
                        href: format!("{base}/api/v1/pledges/{}", pledge.id),
                    },
                    report: report.map(|r| ReportBrief {
                        id: r.id,
                        state: r.state.as_str().to_owned(),
                        version: r.version,
                        editable: r.state.editable(),
                    }),
                });
            }
            Ok(items)
        })
        .await
        .map_err(internal(lang))?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(MyPeriods { periods: items }))
}

/// `GET /api/v1/periods/{period_id}/report`
#[utoipa::path(
    get,
    path = "/api/v1/periods/{period}/report",
    tag = "filing",
    operation_id = "getOwnReport",
    security(("bearer" = [])),
    params(("period" = i64, Path, description = "The reporting period's id", minimum = 1, example = 1)),
    responses(
        (status = 200, description = "The caller's organization's report of the period, its version in ETag", body = OwnReport, content_type = "application/json"),
        (status = 401, description = "No live token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the scope, or the user the role", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such period, or not the caller's organization's report", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn get_report(state: web::Data<AppState>, req: HttpRequest, period: web::Path<Id>) -> ApiResult {
    let user = authenticate(&state, &req, Scope::ReportsRead).await?;
    let (org, lang, period) = (user.token.org_id, user.lang, period.into_inner().get());
    let found = state
        .db(move |c| {
            let Some(r) = rdb::for_period_and_org(c, period, org)? else { return Ok(None) };
            Ok(rdb::full(c, r.id)?)
        })
        .await
        .map_err(internal(lang))?;
    let f = found.ok_or_else(|| titled(lang, StatusCode::NOT_FOUND, "not-found"))?;
    Ok(with_etag(HttpResponse::Ok(), f.report.version).json(to_value(OwnReport::of(&f))))
}

fn with_etag(mut b: actix_web::HttpResponseBuilder, version: i32) -> actix_web::HttpResponseBuilder {
    b.insert_header((header::ETAG, format!("\"{version}\""))).insert_header((header::CACHE_CONTROL, "no-store"));
    b
}

/// The caller's report for the period, opened (created, with the form's own
/// function) if `create`; `None` if there is none.
fn own_report(c: &mut DbConn, actor: Actor, who: Who, period: i64, create: bool) -> Step<Option<(i64, bool)>> {
    if let Some(r) = rdb::for_period_and_org(c, period, who.org_id)? {
        return Ok(Some((r.id, false)));
    }
    if !create {
        return Ok(None);
    }
    let id = rdb::open(c, actor, who, period, crate::db::now()).map_err(report_refusal)?;
    Ok(Some((id, true)))
}

fn full(c: &mut DbConn, id: i64) -> Step<Full> {
    rdb::full(c, id)?.ok_or(Fail::Refused(Refused::Report(Refusal::Hidden)))
}

/// File through the form's function, against version `seen`.
fn file(c: &mut DbConn, user: (Actor, Who), id: i64, f: &Filing) -> Step<Filed> {
    rdb::file(c, user.0, user.1, id, f).map_err(report_refusal)
}

fn bad_body(lang: Lang, why: String) -> Problem {
    titled(lang, StatusCode::BAD_REQUEST, "bad-request").detail(format!("{} {why}", lang.t("api.error.body")))
}

/// `PUT /api/v1/periods/{period_id}/report`: the draft as sent (entries not
/// sent are left empty; evidence files stay). Creating needs no `If-Match`;
/// replacing needs the version (`If-Match`), 428 without it, 412 if stale.
#[utoipa::path(
    put,
    path = "/api/v1/periods/{period}/report",
    tag = "filing",
    operation_id = "putOwnReport",
    security(("bearer" = [])),
    params(
        ("period" = i64, Path, description = "The reporting period's id", minimum = 1, example = 1),
        ("If-Match" = Option<String>, Header, description = "The report's version (its ETag), required to replace a draft", example = "\"3\""),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer")
    ),
    request_body(content = DraftBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The draft as saved", body = OwnReport, content_type = "application/json"),
        (status = 201, description = "The draft created", body = OwnReport, content_type = "application/json"),
        (status = 400, description = "A body or an Idempotency-Key that cannot be read", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No live token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the scope, or the user the role", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such period, or not the caller's organization's report", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not open, no longer editable, or an idempotency key in use", body = super::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale version (If-Match)", body = super::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid content, each field at fault with its pointer", body = super::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match required to replace a draft", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn put_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    period: web::Path<Id>,
    body: web::Bytes,
) -> ApiResult {
    let user = authenticate(&state, &req, Scope::ReportsWrite).await?;
    let lang = user.lang;
    let key = idempotency_key(lang, &req)?;
    let value: Value = serde_json::from_slice(&body).map_err(|e| bad_body(lang, e.to_string()))?;
    let draft: DraftBody = serde_json::from_value(value.clone()).map_err(|e| bad_body(lang, e.to_string()))?;
    let hash = request_hash(&req, value.to_string().as_bytes());
    let expected = if_match(&req);
    let (period, actor, who) = (period.into_inner().get(), user.actor(), user.who());
    let index = HashMap::new();
    write(&state, &user, key, hash, index, expected.is_some(), move |c| {
        let existing = rdb::for_period_and_org(c, period, who.org_id)?;
        let seen = replacing(lang, existing.map(|r| r.version), expected)?;
        let (id, created) = own_report(c, actor, who, period, true)?.ok_or(Fail::Refused(Refusal::Hidden.into()))?;
        let f = full(c, id)?;
        let seen = seen.unwrap_or(f.report.version);
        // Each entry of the body names its commitment; every one of the report's entries is written.
        let mut errors = Vec::new();
        let mut index = HashMap::new();
        let mut sent: HashMap<i64, &EntryBody> = HashMap::new();
        for (i, e) in draft.entries.iter().enumerate() {
            match f.entries.iter().find(|x| x.commitment.number == e.commitment.trim()) {
                Some(x) if sent.contains_key(&x.row.id) => errors.push(FieldError::pointer(
                    format!("#/entries/{i}/commitment"),
                    lang.tf("api.error.commitment_twice", &[("number", &segment(&e.commitment))]),
                )),
                Some(x) => {
                    sent.insert(x.row.id, e);
                    index.insert(x.row.id, i);
                }
                None => errors.push(FieldError::pointer(
                    format!("#/entries/{i}/commitment"),
                    lang.tf("api.error.no_commitment", &[("number", &e.commitment)]),
                )),
            }
        }
        if !errors.is_empty() {
            let p = titled(lang, StatusCode::UNPROCESSABLE_ENTITY, "invalid")
                .detail(lang.t("api.error.invalid"))
                .errors(errors);
            return refused(p);
        }
        let inputs: Vec<EntryInput> = f
            .entries
            .iter()
            .map(|x| match sent.get(&x.row.id) {
                Some(e) => EntryInput {
                    entry_id: x.row.id,
                    status: e.status.trim().to_owned(),
                    na_reason: e.not_applicable_reason.clone(),
                    measures: e.measures.clone(),
                    indicators: e
                        .indicators
                        .iter()
                        .map(|i| (i.name.trim().to_owned(), i.value.trim().to_owned(), i.unit.trim().to_owned()))
                        .collect(),
                    links: e.links.iter().map(|l| (l.url.trim().to_owned(), l.label.trim().to_owned())).collect(),
                    remove_files: Vec::new(),
                },
                None => EntryInput { entry_id: x.row.id, ..EntryInput::default() },
            })
            .collect();
        let filing = Filing { action: ReportAction::Save, seen, inputs: &inputs, files: &[] };
        match rdb::file(c, actor, who, id, &filing) {
            Ok(_) => {}
            Err(Fail::Refused(Refusal::Invalid(problems))) => {
                let p = titled(lang, StatusCode::UNPROCESSABLE_ENTITY, "invalid")
                    .detail(lang.t("api.error.invalid"))
                    .errors(pointers(lang, &problems, &index));
                return refused(p);
            }
            Err(e) => return Err(report_refusal(e)),
        }
        let f = full(c, id)?;
        let status = if created { StatusCode::CREATED } else { StatusCode::OK };
        Ok(Answer { status, body: to_value(OwnReport::of(&f)) })
    })
    .await
}

/// Evidence uploads: one file a request, the form's limit per file.
const EVIDENCE_UPLOAD: UploadLimits = UploadLimits {
    max_file: crate::web::reports::MAX_EVIDENCE,
    max_files: 1,
    max_text: 1024,
    max_parts: 4,
    max_total: crate::web::reports::MAX_EVIDENCE + 64 * 1024,
};

/// `POST /api/v1/periods/{period_id}/report/evidence`: multipart with the
/// field `commitment` (its number) and one `file` — the form's checks (type
/// by content, size); `If-Match` optional.
#[utoipa::path(
    post,
    path = "/api/v1/periods/{period}/report/evidence",
    tag = "filing",
    operation_id = "postEvidence",
    security(("bearer" = [])),
    params(
        ("period" = i64, Path, description = "The reporting period's id", minimum = 1, example = 1),
        ("If-Match" = Option<String>, Header, description = "The report's version (its ETag); when sent, a stale one is 412"),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer")
    ),
    request_body(content = EvidenceForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The report with the new evidence, the file stored in `file`", body = OwnReport, content_type = "application/json"),
        (status = 400, description = "A body or an Idempotency-Key that cannot be read", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No live token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the scope, or the user the role", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such period, or not the caller's organization's report", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not open, no longer editable, or an idempotency key in use", body = super::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale version (If-Match)", body = super::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is too large", body = super::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid content, each field at fault with its pointer", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn post_evidence(
    state: web::Data<AppState>,
    req: HttpRequest,
    period: web::Path<Id>,
    payload: web::Payload,
) -> ApiResult {
    let user = authenticate(&state, &req, Scope::ReportsWrite).await?;
    let lang = user.lang;
    let key = idempotency_key(lang, &req)?;
    let too_large = |lang: Lang| {
        titled(lang, StatusCode::PAYLOAD_TOO_LARGE, "too-large").detail(lang.tf(
            "upload.too_big",
            &[("name", "file"), ("mib", &(crate::web::reports::MAX_EVIDENCE / 1024 / 1024).to_string())],
        ))
    };
    let reader =
        MultipartReader::open_for_token(&req, payload, &state.uploads, EVIDENCE_UPLOAD).await.map_err(|e| match e {
            crate::error::AppError::PayloadTooLarge => too_large(lang),
            e => of_status(lang, actix_web::ResponseError::status_code(&e)).detail(lang.t("api.error.multipart")),
        })?;
    let rest = reader.rest(true).await.map_err(|e| match e {
        crate::error::AppError::PayloadTooLarge => too_large(lang),
        e => of_status(lang, actix_web::ResponseError::status_code(&e)),
    })?;
    let invalid = move |pointer: &str, detail: String| {
        titled(lang, StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            .detail(lang.t("api.error.invalid"))
            .errors(vec![FieldError::pointer(pointer, detail)])
    };
    if let Some((_, name, why)) = rest.dropped.first() {
        let mib = (crate::web::reports::MAX_EVIDENCE / 1024 / 1024).to_string();
        if *why == "upload.too_big" {
            return Err(too_large(lang).into());
        }
        return Err(invalid("#/file", lang.tf(why, &[("name", name), ("mib", &mib), ("n", "1")])).into());
    }
    let number = rest.fields.iter().find(|(k, _)| k == "commitment").map(|(_, v)| v.trim().to_owned());
    let Some(number) = number.filter(|n| !n.is_empty()) else {
        return Err(invalid("#/commitment", lang.t("api.error.commitment_required").to_owned()).into());
    };
    let Some(upload) = rest.files.into_iter().find(|f| f.field == "file") else {
        return Err(invalid("#/file", lang.t("api.error.file_required").to_owned()).into());
    };
    let Some(content_type) = sniff_evidence(&upload.data) else {
        return Err(invalid("#/file", lang.tf("error.report.file_type", &[("names", &upload.filename)])).into());
    };
    let sha256 = hex::encode(sha2::Sha256::digest(&upload.data));
    let hash = request_hash(&req, format!("{number}\n{}\n{sha256}", upload.filename).as_bytes());
    let expected = if_match(&req);
    let (period, actor, who) = (period.into_inner().get(), user.actor(), user.who());
    let file_data = NewAttachment { filename: upload.filename, content_type, data: upload.data, sha256 };
    write(&state, &user, key, hash, HashMap::new(), expected.is_some(), move |c| {
        let (id, _) = own_report(c, actor, who, period, false)?.ok_or(Fail::Refused(Refusal::Hidden.into()))?;
        let f = full(c, id)?;
        let seen = acting_on(expected, f.report.version);
        let Some(entry) = f.entries.iter().find(|e| e.commitment.number == number) else {
            return refused(invalid("#/commitment", lang.tf("api.error.no_commitment", &[("number", &number)])));
        };
        let files = [NewEvidence { entry_id: entry.row.id, file: file_data }];
        file(c, (actor, who), id, &Filing { action: ReportAction::Save, seen, inputs: &[], files: &files })?;
        let f = full(c, id)?;
        let mut report = OwnReport::of(&f);
        // The file just stored: the newest of its entry.
        let entry = f.entries.iter().position(|e| e.commitment.number == number);
        report.file = entry.and_then(|i| {
            let newest = f.entries[i].files.iter().enumerate().max_by_key(|(_, a)| a.id)?.0;
            Some(report.entries[i].files[newest].clone())
        });
        let body = to_value(report);
        Ok(Answer { status: StatusCode::CREATED, body })
    })
    .await
}

/// `POST /api/v1/periods/{period_id}/report/submit`: submitted with a kept
/// revision (200), or 422 with every missing piece, each with its pointer
/// into the report's `entries` (the report stays a draft).
#[utoipa::path(
    post,
    path = "/api/v1/periods/{period}/report/submit",
    tag = "filing",
    operation_id = "submitOwnReport",
    security(("bearer" = [])),
    params(
        ("period" = i64, Path, description = "The reporting period's id", minimum = 1, example = 1),
        ("If-Match" = Option<String>, Header, description = "The report's version (its ETag); when sent, a stale one is 412"),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer")
    ),
    responses(
        (status = 200, description = "The report as submitted", body = OwnReport, content_type = "application/json"),
        (status = 400, description = "A body or an Idempotency-Key that cannot be read", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No live token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the scope, or the user the role", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such period, or not the caller's organization's report", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not open, no longer editable, or an idempotency key in use", body = super::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale version (If-Match)", body = super::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Incomplete: every missing piece with its pointer", body = super::Problem, content_type = "application/problem+json")
    )
)]
pub async fn submit(state: web::Data<AppState>, req: HttpRequest, period: web::Path<Id>) -> ApiResult {
    let user = authenticate(&state, &req, Scope::ReportsWrite).await?;
    let lang = user.lang;
    let key = idempotency_key(lang, &req)?;
    let hash = request_hash(&req, b"");
    let expected = if_match(&req);
    let (period, actor, who) = (period.into_inner().get(), user.actor(), user.who());
    write(&state, &user, key, hash, HashMap::new(), expected.is_some(), move |c| {
        let (id, _) = own_report(c, actor, who, period, false)?.ok_or(Fail::Refused(Refusal::Hidden.into()))?;
        let f = full(c, id)?;
        let index: HashMap<i64, usize> = f.entries.iter().enumerate().map(|(i, e)| (e.row.id, i)).collect();
        let seen = acting_on(expected, f.report.version);
        let filed = file(c, (actor, who), id, &Filing { action: ReportAction::Submit, seen, inputs: &[], files: &[] })?;
        match filed {
            Filed::Incomplete(_, missing) => {
                let p = titled(lang, StatusCode::UNPROCESSABLE_ENTITY, "incomplete")
                    .detail(lang.tf("error.report.incomplete", &[("n", &missing.len().to_string())]))
                    .errors(pointers(lang, &missing, &index));
                // Nothing of the report changed but its version: answered, not kept.
                refused(p)
            }
            Filed::Submitted(_) | Filed::Saved => {
                let f = full(c, id)?;
                Ok(Answer { status: StatusCode::OK, body: to_value(OwnReport::of(&f)) })
            }
        }
    })
    .await
}

/// The filing operations, inside the `/api/v1` scope.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/me/periods", web::get().to(my_periods))
        .route("/periods/{period}/report", web::get().to(get_report))
        .route("/periods/{period}/report", web::put().to(put_report))
        .route("/periods/{period}/report/evidence", web::post().to(post_evidence))
        .route("/periods/{period}/report/submit", web::post().to(submit));
}
