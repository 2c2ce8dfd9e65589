//! Filing: the filer's edit page, saving and submitting, evidence uploads.

use super::*;

pub struct EditEntry {
    pub v: EntryView,
    /// Indicator rows to show (existing plus blank ones).
    pub indicator_rows: Vec<(String, String, String)>,
    pub link_rows: Vec<(String, String)>,
    pub problems: Vec<String>,
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
    message: Option<String>,
    problem_count: usize,
    max_mib: usize,
}

/// What the filer typed, per entry id.
#[derive(Default, Clone)]
pub(super) struct Typed {
    entries: HashMap<i64, EntryInput>,
    version: String,
    action: String,
}

pub(super) fn parse_typed(body: &web::Bytes) -> AppResult<Typed> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|_| AppError::BadRequest("error.form_encoding"))?;
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
    Ok(t)
}

/// Field-level checks of what was typed (lengths, links, numbers): entry number → messages.
pub(super) fn check_typed(lang: Lang, f: &Full, t: &Typed) -> HashMap<i64, Vec<String>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for e in &f.entries {
        let Some(i) = t.entries.get(&e.row.id) else { continue };
        let mut msgs = Vec::new();
        if !i.status.is_empty() && EntryStatus::parse(&i.status).is_none() {
            msgs.push(lang.t("error.report.status").to_owned());
        }
        if text::bounded(&i.measures, false, MAX_MEASURES).is_err() || text::bounded(&i.na_reason, false, 2000).is_err()
        {
            msgs.push(lang.t("error.too_long").to_owned());
        }
        for (n, v, u) in &i.indicators {
            if n.chars().count() > 100 || u.chars().count() > 20 || v.len() > 30 {
                msgs.push(lang.t("error.too_long").to_owned());
            }
            if !v.is_empty() && rules::parse_value(v).is_none() {
                msgs.push(lang.tf("error.report.indicator_value_named", &[("name", n), ("value", v)]));
            }
        }
        for (url, label) in &i.links {
            if text::url(url).is_err() || url.is_empty() {
                msgs.push(lang.tf("error.report.link", &[("url", url)]));
            }
            if label.chars().count() > 200 {
                msgs.push(lang.t("error.too_long").to_owned());
            }
        }
        if !msgs.is_empty() {
            out.insert(e.row.id, msgs);
        }
    }
    out
}

pub(super) fn edit_page(
    ctx: Ctx,
    f: Full,
    typed: Option<&Typed>,
    problems: HashMap<i64, Vec<String>>,
    message: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let en = lang == Lang::En;
    let views = entry_views(lang, &f, true);
    let mut entries = Vec::new();
    for (e, mut v) in f.entries.iter().zip(views) {
        let typed_entry = typed.and_then(|t| t.entries.get(&e.row.id));
        type Rows = (Vec<(String, String, String)>, Vec<(String, String)>);
        let (mut ind, mut links): Rows = match typed_entry {
            Some(t) => {
                v.status = t.status.clone();
                v.na_reason = t.na_reason.clone();
                v.measures_html = t.measures.clone();
                (t.indicators.clone(), t.links.clone())
            }
            None => {
                v.measures_html = e.row.measures_md.clone();
                (
                    e.indicators.iter().map(|i| (i.name.clone(), i.value.clone(), i.unit.clone())).collect(),
                    e.links.iter().map(|l| (l.url.clone(), l.label.clone())).collect(),
                )
            }
        };
        ind.extend(std::iter::repeat_n((String::new(), String::new(), String::new()), 2));
        links.push((String::new(), String::new()));
        entries.push(EditEntry {
            problems: problems.get(&e.row.id).cloned().unwrap_or_default(),
            v,
            indicator_rows: ind,
            link_rows: links,
        });
    }
    let problem_count = problems.values().map(Vec::len).sum();
    render_status(
        status,
        &EditPage {
            org_name: f.org.name(en).to_owned(),
            period: f.period.label(en).to_owned(),
            deadline: deadline_text(lang, f.period.due()),
            report: f.report,
            entries,
            statuses: EntryStatus::ALL,
            message,
            problem_count,
            max_mib: MAX_EVIDENCE / 1024 / 1024,
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
    edit_page(ctx, f, None, HashMap::new(), None, StatusCode::OK)
}

pub(super) fn entry_number_map(f: &Full) -> HashMap<String, i64> {
    f.entries.iter().map(|e| (e.commitment.number.clone(), e.row.id)).collect()
}

pub async fn save(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    let report = state.db(move |c| rdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    if user.org_id != report.organization_id && user.role != Role::Admin {
        return Err(AppError::NotFound);
    }
    require_filer_of(&user, report.organization_id)?;
    let typed = parse_typed(&body)?;
    let expected: i32 = typed.version.trim().parse().map_err(|_| AppError::Conflict("error.report.stale"))?;
    let (f, _) = load_full(&state, id).await?;
    let problems = check_typed(lang, &f, &typed);
    if !problems.is_empty() {
        return edit_page(
            ctx,
            f,
            Some(&typed),
            problems,
            Some(lang.t("form.has_errors").to_owned()),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let actor = user.actor();
    let role = user.role;
    let inputs: Vec<EntryInput> = typed.entries.values().cloned().collect();
    let saved = state
        .tx(move |c| match rdb::save(c, actor, role, id, expected, &inputs) {
            Ok(()) => Ok(Ok(())),
            Err(e @ (ReportError::Conflict | ReportError::Transition(_))) => Ok(Err(e)),
            Err(e) => Err(report_error(e)),
        })
        .await?;
    if let Err(e) = saved {
        // Submitted from another tab, or changed meanwhile: say so, keep what was typed.
        let message = match e {
            ReportError::Transition(ReportTransitionError::NotAllowedInState) => {
                lang.t("error.report.submitted_elsewhere").to_owned()
            }
            _ => lang.t("error.report.stale").to_owned(),
        };
        let (f, _) = load_full(&state, id).await?;
        if !f.report.state().editable() {
            let mut form = Form::new();
            form.message = Some(message);
            return view_page(&state, ctx, id, form, StatusCode::CONFLICT).await;
        }
        return edit_page(ctx, f, Some(&typed), HashMap::new(), Some(message), StatusCode::CONFLICT);
    }
    if typed.action != "submit" {
        return Ok(redirect_with_flash(&format!("/reports/{id}/edit"), "flash.report.saved"));
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
            let numbers = entry_number_map(&f);
            let mut by_entry: HashMap<i64, Vec<String>> = HashMap::new();
            for (number, key) in &problems {
                if let Some(e) = numbers.get(number) {
                    by_entry.entry(*e).or_default().push(lang.t(key).to_owned());
                }
            }
            let message = lang.tf("error.report.incomplete", &[("n", &problems.len().to_string())]);
            edit_page(ctx, f, None, by_entry, Some(message), StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

pub async fn evidence_upload(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    let report = state.db(move |c| rdb::get(c, id)?.ok_or(AppError::NotFound)).await?;
    if user.org_id != report.organization_id && user.role != Role::Admin {
        return Err(AppError::NotFound);
    }
    require_filer_of(&user, report.organization_id)?;
    let up = read_multipart(payload, "files", MAX_EVIDENCE, 1000, 5).await?;
    let expected: i32 =
        up.fields.get("version").and_then(|v| v.trim().parse().ok()).ok_or(AppError::Conflict("error.report.stale"))?;
    let entry: i64 =
        up.fields.get("entry").and_then(|v| v.trim().parse().ok()).ok_or(AppError::BadRequest("error.400"))?;
    let mut files = Vec::new();
    let mut bad = Vec::new();
    for (name, data) in up.files {
        match sniff_evidence(&data) {
            Some(ct) => {
                use sha2::Digest;
                let sha256 = hex::encode(sha2::Sha256::digest(&data));
                files.push(NewAttachment { filename: clean_filename(&name), content_type: ct, data, sha256 });
            }
            None => bad.push(name),
        }
    }
    if !bad.is_empty() || files.is_empty() {
        let (f, _) = load_full(&state, id).await?;
        let msg = if bad.is_empty() {
            lang.t("error.report.no_file").to_owned()
        } else {
            lang.tf("error.report.file_type", &[("names", &bad.join("、"))])
        };
        let mut problems = HashMap::new();
        problems.insert(entry, vec![msg.clone()]);
        return edit_page(ctx, f, None, problems, Some(msg), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let actor = user.actor();
    let role = user.role;
    state.tx(move |c| rdb::add_evidence(c, actor, role, id, expected, entry, &files).map_err(report_error)).await?;
    Ok(redirect_with_flash(&format!("/reports/{id}/edit#e{entry}"), "flash.report.evidence_added"))
}
