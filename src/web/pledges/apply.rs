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
    if pledge.state() != PledgeState::Open {
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
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    require_role(&user, Role::Filer)?;
    let id = parse_id(&id)?;
    apply_page(&state, ctx, &user, id, None, StatusCode::OK).await
}

pub async fn apply(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    id: web::Path<String>,
    input: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    require_role(&user, Role::Filer)?;
    let id = parse_id(&id)?;
    let lang = ctx.lang;
    let fields = input.into_inner();
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    // A filer signs for its own organization only: the organization is never
    // taken from the form, and a form that names another one is refused.
    if let Some(org) = get("organization_id") {
        if org.trim().parse::<i64>().ok() != Some(user.org_id) {
            return Err(AppError::Forbidden);
        }
    }
    let mut form = Form::new();
    for (k, v) in &fields {
        if k != "csrf_token" {
            form.set(k, v);
        }
    }
    let commitments = {
        let u = user.clone();
        state
            .db(move |c| {
                let p = pdb::get(c, id)?.ok_or(AppError::NotFound)?;
                require_visible(Some(&u), &p)?;
                Ok(pdb::commitments(c, id)?)
            })
            .await?
    };
    let ids: Vec<i64> = commitments.iter().map(|c| c.id).collect();
    // The scope is exactly what is ticked: `keep_{id}=on` for each commitment
    // subscribed, `reason_{id}` for each left out. Anything else that names
    // commitments (another pledge's, a value other than "on", a stated scope
    // that disagrees with the ticks) is refused, never guessed at.
    let mut kept = Vec::new();
    let mut reasons: Vec<(i64, &str)> = Vec::new();
    let mut scope = None;
    for (k, v) in &fields {
        if let Some(n) = k.strip_prefix("keep_") {
            kept.push(if v == "on" { n.parse::<i64>().unwrap_or(-1) } else { -1 });
        } else if let Some(n) = k.strip_prefix("reason_") {
            reasons.push((n.parse::<i64>().unwrap_or(-1), v.as_str()));
        } else if k == "scope" {
            scope = Some(v.as_str());
        }
    }
    let number_of = |cid: i64| commitments.iter().find(|c| c.id == cid).map(|c| c.number.as_str()).unwrap_or("");
    let subscription = match Subscription::from_ticks(&ids, &kept, &reasons, scope) {
        Ok(s) => Some(s),
        Err(errors) => {
            for e in errors {
                match e {
                    SubsetError::Reason { commitment_id, .. } | SubsetError::ReasonForKept { commitment_id } => {
                        let label = lang.tf("apply.reason_for", &[("number", number_of(commitment_id))]);
                        form.error_labelled(&format!("reason_{commitment_id}"), &label, lang.t(e.key()).to_owned())
                    }
                    _ => form.error(lang, "commitments", e.key()),
                }
            }
            None
        }
    };
    let name =
        form.check(lang, "representative_name", text::bounded(get("representative_name").unwrap_or(""), true, 100));
    let title =
        form.check(lang, "representative_title", text::bounded(get("representative_title").unwrap_or(""), true, 100));
    if get("confirm").is_none() {
        form.error(lang, "confirm", "error.apply.confirm");
    }
    let (Some(subscription), Some(name), Some(title), false) = (subscription, name, title, form.has_errors()) else {
        return apply_page(&state, ctx, &user, id, Some(form), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let u = user.clone();
    let sig_id = state
        .tx(move |c| {
            let p = pdb::get(c, id)?.ok_or(AppError::NotFound)?;
            if p.state() != PledgeState::Open {
                return Err(AppError::Conflict("error.pledge.not_open"));
            }
            let current = pdb::live_signature(c, id, u.org_id)?.map(|s| s.state());
            transition(current, SignatureAction::Apply, u.role).map_err(|e| match e {
                TransitionError::Illegal => AppError::Conflict("error.signature.duplicate"),
                e => transition_error(e),
            })?;
            let a = Application {
                pledge_id: id,
                organization_id: u.org_id,
                representative_name: name,
                representative_title: title,
                subscription,
            };
            pdb::apply(c, u.actor(), &a).map_err(|e| match e {
                pdb::ApplyError::Duplicate => AppError::Conflict("error.signature.duplicate"),
                pdb::ApplyError::Db(e) => e.into(),
            })
        })
        .await?;
    Ok(redirect_with_flash(&format!("/signatures/{sig_id}"), "flash.applied"))
}
