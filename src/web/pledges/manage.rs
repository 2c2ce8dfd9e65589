//! Creating and editing a pledge (editors of the issuing association, admins); opening and closing it.

use super::*;

#[derive(Template)]
#[template(path = "pledges/form.html")]
struct FormPage {
    ctx: Ctx,
    form: Form,
    pledge_id: Option<i64>,
    kinds: [PledgeKind; 2],
    /// Associations an admin may choose as issuer (empty for editors).
    issuers: Vec<Org>,
}

#[derive(Deserialize, Default)]
pub struct PledgeInput {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title_zh: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    organization_id: String,
    #[serde(default)]
    guiding_body_zh: String,
    #[serde(default)]
    guiding_body_en: String,
    #[serde(default)]
    text_md_zh: String,
    #[serde(default)]
    text_md_en: String,
    #[serde(default)]
    commitments: String,
    #[serde(default)]
    version: String,
}

impl PledgeInput {
    fn form(&self) -> Form {
        Form::new()
            .with("kind", &self.kind)
            .with("title_zh", &self.title_zh)
            .with("title_en", &self.title_en)
            .with("organization_id", &self.organization_id)
            .with("guiding_body_zh", &self.guiding_body_zh)
            .with("guiding_body_en", &self.guiding_body_en)
            .with("text_md_zh", &self.text_md_zh)
            .with("text_md_en", &self.text_md_en)
            .with("commitments", &self.commitments)
            .with("version", &self.version)
    }

    /// Check every field; on failure the form carries a message per field.
    fn parse(&self, lang: Lang, issuer: Option<i64>) -> Result<PledgeData, Form> {
        let mut form = self.form();
        let kind = form.check(lang, "kind", PledgeKind::parse(&self.kind));
        let title_zh = form.check(lang, "title_zh", text::bounded(&self.title_zh, true, 300));
        let title_en = form.check(lang, "title_en", text::bounded(&self.title_en, true, 300));
        let guiding_zh = form.check(lang, "guiding_body_zh", text::bounded(&self.guiding_body_zh, false, 300));
        let guiding_en = form.check(lang, "guiding_body_en", text::bounded(&self.guiding_body_en, false, 300));
        let text_zh = form.check(lang, "text_md_zh", text::bounded(&self.text_md_zh, true, TEXT_MAX));
        let text_en = form.check(lang, "text_md_en", text::bounded(&self.text_md_en, false, TEXT_MAX));
        let org = match issuer {
            Some(id) => Some(id),
            None => form.check(
                lang,
                "organization_id",
                self.organization_id.trim().parse::<i64>().map_err(|_| "error.org.choose"),
            ),
        };
        let commitments = match rules::parse_commitments(&self.commitments) {
            Ok(c) => Some(c),
            Err(errors) => {
                let msgs: Vec<String> = errors
                    .iter()
                    .map(|(line, key)| {
                        if *line == 0 {
                            lang.t(key).to_owned()
                        } else {
                            lang.tf(
                                "pledge.commitments.line_error",
                                &[("line", &line.to_string()), ("msg", lang.t(key))],
                            )
                        }
                    })
                    .collect();
                form.error_text("commitments", msgs.join(" "));
                None
            }
        };
        match (kind, title_zh, title_en, guiding_zh, guiding_en, text_zh, text_en, org, commitments) {
            (Some(k), Some(tz), Some(te), Some(gz), Some(ge), Some(xz), Some(xe), Some(org), Some(c)) => {
                Ok(PledgeData {
                    kind: k.as_str(),
                    title_zh: tz,
                    title_en: te,
                    organization_id: org,
                    guiding_body_zh: gz,
                    guiding_body_en: ge,
                    text_md_zh: xz,
                    text_md_en: xe,
                    commitments: c,
                })
            }
            _ => Err(form),
        }
    }
}

async fn form_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: Form,
    pledge_id: Option<i64>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let issuers = if user.role == Role::Admin && pledge_id.is_none() {
        state.db(|c| Ok(orgs::all(c)?)).await?.into_iter().filter(|o| o.kind() == OrgKind::Association).collect()
    } else {
        Vec::new()
    };
    render_status(status, &FormPage { ctx, form, pledge_id, kinds: PledgeKind::ALL, issuers })
}

pub async fn new_form(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    require_role(&user, Role::Editor)?;
    let form = Form::new().with("kind", "convention");
    form_page(&state, ctx, &user, form, None, StatusCode::OK).await
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    input: web::Form<PledgeInput>,
) -> AppResult<HttpResponse> {
    require_role(&user, Role::Editor)?;
    // Editors issue for their own association; only an admin chooses the issuer.
    let issuer = if user.role == Role::Admin { None } else { Some(user.org_id) };
    let data = match input.parse(ctx.lang, issuer) {
        Ok(d) => d,
        Err(form) => return form_page(&state, ctx, &user, form, None, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let actor = user.actor();
    let result = state
        .tx(move |c| {
            match orgs::get(c, data.organization_id)? {
                Some(o) if o.kind() == OrgKind::Association => {}
                _ => return Ok(None),
            }
            Ok(Some(pdb::insert(c, actor, &data)?))
        })
        .await?;
    match result {
        Some(id) => Ok(redirect_with_flash(&format!("/pledges/{id}"), "flash.pledge_created")),
        None => {
            let mut form = input.form();
            form.error(ctx.lang, "organization_id", "error.pledge.issuer");
            form_page(&state, ctx, &user, form, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn edit_form(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    let u = user.clone();
    let (p, commitments) = state
        .db(move |c| {
            let p = pdb::get(c, id)?.ok_or(AppError::NotFound)?;
            require_manager(&u, &p)?;
            pledge_transition(p.state(), PledgeAction::Edit, u.role)
                .map_err(|_| AppError::Conflict("error.pledge.not_draft"))?;
            let commitments = pdb::commitments(c, id)?;
            Ok((p, commitments))
        })
        .await?;
    let drafts: Vec<_> = commitments.iter().map(Commitment::draft).collect();
    let form = Form::new()
        .with("kind", &p.kind)
        .with("title_zh", &p.title_zh)
        .with("title_en", &p.title_en)
        .with("guiding_body_zh", &p.guiding_body_zh)
        .with("guiding_body_en", &p.guiding_body_en)
        .with("text_md_zh", &p.text_md_zh)
        .with("text_md_en", &p.text_md_en)
        .with("commitments", &rules::format_commitments(&drafts))
        .with("version", &p.version.to_string());
    form_page(&state, ctx, &user, form, Some(id), StatusCode::OK).await
}

pub async fn update(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<PledgeInput>,
) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    require_role(&user, Role::Editor)?;
    let existing = state.db(move |c| Ok(pdb::get(c, id)?)).await?.ok_or(AppError::NotFound)?;
    require_manager(&user, &existing)?;
    let version = parse_version(&input.version)?;
    let data = match input.parse(ctx.lang, Some(existing.organization_id)) {
        Ok(d) => d,
        Err(form) => return form_page(&state, ctx, &user, form, Some(id), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let u = user.clone();
    state
        .tx(move |c| {
            let p = pdb::get(c, id)?.ok_or(AppError::NotFound)?;
            require_manager(&u, &p)?;
            pledge_transition(p.state(), PledgeAction::Edit, u.role)
                .map_err(|_| AppError::Conflict("error.pledge.not_draft"))?;
            pdb::update_draft(c, u.actor(), id, version, &data).map_err(cas_error)
        })
        .await?;
    Ok(redirect_with_flash(&format!("/pledges/{id}"), "flash.pledge_saved"))
}

#[derive(Deserialize)]
pub struct VersionInput {
    #[serde(default)]
    version: String,
}

async fn move_pledge(
    state: &AppState,
    user: CurrentUser,
    id: &str,
    action: PledgeAction,
    version: &str,
) -> AppResult<HttpResponse> {
    let id = parse_id(id)?;
    require_role(&user, Role::Editor)?;
    let version = parse_version(version)?;
    state
        .tx(move |c| {
            let p = pdb::get(c, id)?.ok_or(AppError::NotFound)?;
            require_manager(&user, &p)?;
            let from = p.state();
            let to = pledge_transition(from, action, user.role).map_err(|e| match e {
                TransitionError::Forbidden => AppError::Forbidden,
                TransitionError::Illegal => AppError::Conflict("error.pledge.illegal"),
            })?;
            pdb::set_state(c, user.actor(), id, from, version, to).map_err(cas_error)
        })
        .await?;
    let flash = if action == PledgeAction::Open { "flash.pledge_opened" } else { "flash.pledge_closed" };
    Ok(redirect_with_flash(&format!("/pledges/{id}"), flash))
}

pub async fn open(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<VersionInput>,
) -> AppResult<HttpResponse> {
    move_pledge(&state, user, &id, PledgeAction::Open, &input.version).await
}

pub async fn close(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<VersionInput>,
) -> AppResult<HttpResponse> {
    move_pledge(&state, user, &id, PledgeAction::Close, &input.version).await
}
