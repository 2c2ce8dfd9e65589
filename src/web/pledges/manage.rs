//! Creating and editing a pledge (editors of the issuing association, admins); opening and closing it.

use super::*;
use crate::domain::pledge::{CommitmentField, CommitmentRow, COMMITMENTS_MAX};

/// Empty rows offered under a pledge's commitments (more after saving).
const SPARE_ROWS: usize = 5;
/// Rows offered on a new pledge.
const NEW_ROWS: usize = 10;
/// Most rows the form accepts, blank ones included.
const ROWS_MAX: usize = COMMITMENTS_MAX + 50;

/// The form's name of one cell of the commitments table: `c{row}_{column}`.
fn cell_name(row: usize, f: CommitmentField) -> String {
    format!("c{row}_{}", f.as_str())
}

fn parse_cell(name: &str) -> Option<(usize, CommitmentField)> {
    let (row, f) = name.strip_prefix('c')?.split_once('_')?;
    if !row.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((row.parse().ok()?, CommitmentField::parse(f)?))
}

/// One cell of the commitments table, ready to show.
pub struct CellView {
    pub name: String,
    pub column: &'static str,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
    /// A text (textarea) rather than a short field.
    pub long: bool,
}

/// One row of the commitments table, ready to show.
pub struct RowView {
    pub legend: String,
    pub cells: Vec<CellView>,
}

impl RowView {
    pub fn invalid(&self) -> bool {
        self.cells.iter().any(|c| c.error.is_some())
    }
}

fn row_views(lang: Lang, form: &Form, count: usize) -> Vec<RowView> {
    (0..count)
        .map(|i| RowView {
            legend: lang.tf("commitment.row", &[("n", &(i + 1).to_string())]),
            cells: CommitmentField::ALL
                .into_iter()
                .map(|f| {
                    let name = cell_name(i, f);
                    CellView {
                        value: form.v(&name).to_owned(),
                        error: form.e(&name).map(str::to_owned),
                        name,
                        column: f.as_str(),
                        label: lang.t(f.label_key()).to_owned(),
                        long: matches!(f, CommitmentField::TextZh | CommitmentField::TextEn),
                    }
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "pledges/form.html")]
struct FormPage {
    ctx: Ctx,
    form: Form,
    pledge_id: Option<i64>,
    /// The pledge's title as saved (for the breadcrumbs of the edit page).
    saved_title: String,
    kinds: [PledgeKind; 2],
    /// Associations an admin may choose as issuer (empty for editors).
    issuers: Vec<Org>,
    rows: Vec<RowView>,
}

/// The pledge form as posted: named fields and the commitments table.
#[derive(Default)]
pub struct PledgeInput {
    kind: String,
    title_zh: String,
    title_en: String,
    organization_id: String,
    guiding_body_zh: String,
    guiding_body_en: String,
    text_md_zh: String,
    text_md_en: String,
    version: String,
    rows: Vec<CommitmentRow>,
    /// A cell beyond [`ROWS_MAX`] rows was sent.
    too_many_rows: bool,
}

impl PledgeInput {
    fn from_fields(fields: Vec<(String, String)>) -> Self {
        let mut input = PledgeInput::default();
        for (k, v) in fields {
            let slot = match k.as_str() {
                "kind" => &mut input.kind,
                "title_zh" => &mut input.title_zh,
                "title_en" => &mut input.title_en,
                "organization_id" => &mut input.organization_id,
                "guiding_body_zh" => &mut input.guiding_body_zh,
                "guiding_body_en" => &mut input.guiding_body_en,
                "text_md_zh" => &mut input.text_md_zh,
                "text_md_en" => &mut input.text_md_en,
                "version" => &mut input.version,
                name => {
                    match parse_cell(name) {
                        Some((row, f)) if row < ROWS_MAX => {
                            if input.rows.len() <= row {
                                input.rows.resize(row + 1, CommitmentRow::default());
                            }
                            input.rows[row].set(f, &v);
                        }
                        Some(_) => input.too_many_rows = true,
                        None => {}
                    }
                    continue;
                }
            };
            *slot = v;
        }
        input
    }

    /// Rows to show again: every row sent, and spare ones after the last filled.
    fn rows_shown(&self) -> usize {
        let filled = self.rows.iter().rposition(|r| !r.is_blank()).map_or(0, |i| i + 1);
        self.rows.len().max(filled + SPARE_ROWS)
    }

    fn form(&self) -> Form {
        let mut form = Form::new()
            .with("kind", &self.kind)
            .with("title_zh", &self.title_zh)
            .with("title_en", &self.title_en)
            .with("organization_id", &self.organization_id)
            .with("guiding_body_zh", &self.guiding_body_zh)
            .with("guiding_body_en", &self.guiding_body_en)
            .with("text_md_zh", &self.text_md_zh)
            .with("text_md_en", &self.text_md_en)
            .with("version", &self.version);
        set_rows(&mut form, &self.rows);
        form
    }

    /// Check every field; on failure the form carries a message per field
    /// (per cell of the commitments table).
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
        let commitments = match rules::parse_commitment_rows(&self.rows) {
            Ok(c) if !self.too_many_rows => Some(c),
            Ok(_) => {
                form.error(lang, &cell_name(0, CommitmentField::Number), "error.commitment.too_many");
                None
            }
            Err(errors) => {
                for e in errors {
                    let label = lang.tf(
                        "commitment.cell",
                        &[("n", &(e.row + 1).to_string()), ("column", lang.t(e.field.label_key()))],
                    );
                    form.error_labelled(&cell_name(e.row, e.field), &label, lang.t(e.key).to_owned());
                }
                None
            }
        };
        match (kind, title_zh, title_en, guiding_zh, guiding_en, text_zh, text_en, org, commitments) {
            (Some(k), Some(tz), Some(te), Some(gz), Some(ge), Some(xz), Some(xe), Some(org), Some(c)) => {
                Ok(PledgeData {
                    kind: k,
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

fn set_rows(form: &mut Form, rows: &[CommitmentRow]) {
    for (i, r) in rows.iter().enumerate() {
        for f in CommitmentField::ALL {
            form.set(&cell_name(i, f), r.get(f));
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: Form,
    rows: usize,
    pledge: Option<(i64, String)>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let issuers = if user.role == Role::Admin && pledge.is_none() {
        state.db(|c| Ok(orgs::all(c)?)).await?.into_iter().filter(|o| o.kind() == OrgKind::Association).collect()
    } else {
        Vec::new()
    };
    let rows = row_views(ctx.lang, &form, rows);
    let (pledge_id, saved_title) = match pledge {
        Some((id, title)) => (Some(id), title),
        None => (None, String::new()),
    };
    render_status(status, &FormPage { ctx, form, pledge_id, saved_title, kinds: PledgeKind::ALL, issuers, rows })
}

pub async fn new_form(state: web::Data<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<HttpResponse> {
    require_role(&user, Role::Editor)?;
    let form = Form::new().with("kind", "convention");
    form_page(&state, ctx, &user, form, NEW_ROWS, None, StatusCode::OK).await
}

pub async fn create(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    input: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    require_role(&user, Role::Editor)?;
    let input = PledgeInput::from_fields(input.into_inner());
    let rows = input.rows_shown();
    // Editors issue for their own association; only an admin chooses the issuer.
    let issuer = if user.role == Role::Admin { None } else { Some(user.org_id) };
    let data = match input.parse(ctx.lang, issuer) {
        Ok(d) => d,
        Err(form) => return form_page(&state, ctx, &user, form, rows, None, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let (actor, who) = (user.actor(), acting(&user));
    let outcome = state.act(move |c| pdb::create(c, actor, who, &data)).await?;
    respond(
        ctx.lang,
        outcome,
        input.form(),
        |id| redirect_with_flash(&format!("/pledges/{id}"), "flash.pledge_created"),
        |form, status| form_page(&state, ctx, &user, form, rows, None, status),
    )
    .await
}

/// The edit form of draft `id`, for those who run it: as saved, or `again`
/// as typed (with the number of rows to show).
async fn edit_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: i64,
    again: Option<(Form, usize)>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let u = user.clone();
    let (p, commitments) = state
        .db(move |c| {
            let p = pdb::get(c, id)?.ok_or(AppError::NotFound)?;
            require_manager(&u, &p)?;
            if p.state != PledgeState::Draft {
                return Err(AppError::Conflict("error.pledge.not_draft"));
            }
            let commitments = pdb::commitments(c, id)?;
            Ok((p, commitments))
        })
        .await?;
    let (form, rows) = again.unwrap_or_else(|| {
        let rows: Vec<CommitmentRow> = commitments.iter().map(|c| CommitmentRow::from(&c.draft())).collect();
        let mut form = Form::new()
            .with("kind", p.kind.as_str())
            .with("title_zh", &p.title_zh)
            .with("title_en", &p.title_en)
            .with("guiding_body_zh", &p.guiding_body_zh)
            .with("guiding_body_en", &p.guiding_body_en)
            .with("text_md_zh", &p.text_md_zh)
            .with("text_md_en", &p.text_md_en)
            .with("version", &p.version.to_string());
        set_rows(&mut form, &rows);
        (form, rows.len() + SPARE_ROWS)
    });
    let title = p.title(ctx.is_en()).to_owned();
    form_page(state, ctx, user, form, rows, Some((id, title)), status).await
}

pub async fn edit_form(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    edit_page(&state, ctx, &user, id.into_inner().get(), None, StatusCode::OK).await
}

pub async fn update(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
    input: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner().get();
    require_role(&user, Role::Editor)?;
    let input = PledgeInput::from_fields(input.into_inner());
    let seen = parse_version(&input.version)?;
    let rows = input.rows_shown();
    // The issuer of a pledge never changes: the one given here is not written.
    let data = match input.parse(ctx.lang, Some(user.org_id)) {
        Ok(d) => d,
        Err(form) => {
            return edit_page(&state, ctx, &user, id, Some((form, rows)), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let (actor, who) = (user.actor(), acting(&user));
    let outcome = state.act(move |c| pdb::edit(c, actor, who, id, seen, &data)).await?;
    respond(
        ctx.lang,
        outcome,
        input.form(),
        |()| redirect_with_flash(&format!("/pledges/{id}"), "flash.pledge_saved"),
        |form, status| edit_page(&state, ctx, &user, id, Some((form, rows)), status),
    )
    .await
}

#[derive(Deserialize)]
pub struct VersionInput {
    #[serde(default)]
    version: String,
}

/// Open or close a pledge from its page (`/pledges/{id}/open`, `…/close`);
/// a refusal shows the page again with what happened.
pub async fn move_pledge(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    path: web::Path<(Id, String)>,
    input: web::Form<VersionInput>,
) -> AppResult<HttpResponse> {
    let (id, action) = path.into_inner();
    let id = id.get();
    let action = match action.as_str() {
        "open" => PledgeAction::Open,
        "close" => PledgeAction::Close,
        _ => return Err(AppError::NotFound),
    };
    require_role(&user, Role::Editor)?;
    let seen = parse_version(&input.version)?;
    let (actor, who) = (user.actor(), acting(&user));
    let outcome = state.act(move |c| pdb::move_pledge(c, actor, who, id, action, seen)).await?;
    respond(
        ctx.lang,
        outcome,
        Form::new(),
        |to| {
            let flash = if to == PledgeState::Open { "flash.pledge_opened" } else { "flash.pledge_closed" };
            redirect_with_flash(&format!("/pledges/{id}"), flash)
        },
        |form, status| show::pledge_page(&state, ctx, id, form, status),
    )
    .await
}
