//! A filer applies to sign a pledge for its own organization.

use super::*;

#[derive(Template)]
#[template(path = "pledges/apply.html")]
struct ApplyPage {
    ctx: Ctx,
    pledge: Pledge,
    commitments: Vec<Commitment>,
    form: Form,
    /// The organization's live application or signature, if any (then no form).
    existing: Option<Signature>,
}

impl ApplyPage {
    fn keep_name(&self, c: &Commitment) -> String {
        format!("keep_{}", c.id)
    }

    fn reason_name(&self, c: &Commitment) -> String {
        format!("reason_{}", c.id)
    }
}

async fn apply_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: i64,
    form: Option<Form>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let org = user.org_id;
    let u = user.clone();
    let (pledge, commitments, existing) = state
        .db(move |c| {
            let p = pdb::get(c, id)?.ok_or(AppError::NotFound)?;
            require_visible(Some(&u), &p)?;
            let commitments = pdb::commitments(c, id)?;
            let existing = pdb::live_signature(c, id, org)?;
            Ok((p, commitments, existing))
        })
        .await?;
    if pledge.state != PledgeState::Open {
        return Err(AppError::Conflict("error.pledge.not_open"));
    }
    // Every commitment is ticked to begin with; unticking one asks for a reason.
    let form = form.unwrap_or_else(|| {
        let mut f = Form::new();
        for c in &commitments {
            f.set(&format!("keep_{}", c.id), "on");
        }
        f
    });
    render_status(status, &ApplyPage { ctx, pledge, commitments, form, existing })
}

pub async fn apply_form(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    require_role(&user, Role::Filer)?;
    apply_page(&state, ctx, &user, id.into_inner().get(), None, StatusCode::OK).await
}

/// The application as sent: the organization it is made for (never taken
/// from the form: a form that names another one is refused by the rules) and
/// its parts. The scope is exactly what is ticked: `keep_{id}=on` for each
/// commitment subscribed, `reason_{id}` for each left out; anything else
/// that names commitments is malformed, never guessed at.
fn application(user: &CurrentUser, fields: &[(String, String)]) -> (i64, rules::ApplicationInput) {
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let signatory = match get("organization_id") {
        None => user.org_id,
        // Something that is no organization id names no organization (0): refused like another one.
        Some(org) => org.trim().parse::<i64>().unwrap_or(0),
    };
    let mut input = rules::ApplicationInput {
        representative_name: get("representative_name").unwrap_or("").to_owned(),
        representative_title: get("representative_title").unwrap_or("").to_owned(),
        confirmed: get("confirm").is_some(),
        scope: get("scope").map(str::to_owned),
        ..Default::default()
    };
    for (k, v) in fields {
        if let Some(n) = k.strip_prefix("keep_") {
            match n.parse::<i64>() {
                Ok(id) if v == "on" => input.kept.push(id),
                _ => input.malformed = true,
            }
        } else if let Some(n) = k.strip_prefix("reason_") {
            match n.parse::<i64>() {
                Ok(id) => input.reasons.push((id, v.clone())),
                Err(_) => input.malformed = true,
            }
        }
    }
    (signatory, input)
}

pub async fn apply(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<Id>,
    input: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    require_role(&user, Role::Filer)?;
    let id = id.into_inner().get();
    let fields = input.into_inner();
    let mut form = Form::new();
    for (k, v) in fields.iter().filter(|(k, _)| k != "csrf_token") {
        form.set(k, v);
    }
    let (signatory, input) = application(&user, &fields);
    let (actor, who) = (user.actor(), acting(&user));
    let outcome = state.act(move |c| pdb::apply(c, actor, who, id, signatory, &input)).await?;
    respond(
        ctx.lang,
        outcome,
        form,
        |sig| redirect_with_flash(&format!("/signatures/{sig}"), "flash.applied"),
        |form, status| apply_page(&state, ctx, &user, id, Some(form), status),
    )
    .await
}
