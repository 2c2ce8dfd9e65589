//! One signature: its page and its moves (verify, decline, withdraw, suspend, reinstate).

use super::*;

#[derive(Template)]
#[template(path = "pledges/signature.html")]
struct SignaturePage {
    ctx: Ctx,
    pledge: Pledge,
    /// The signature (named as the shared partials expect).
    r: SignatoryView,
    form: Form,
    /// Moves this viewer may make now.
    actions: Vec<SignatureAction>,
}

impl SignaturePage {
    fn action_needs_reason(&self, a: &SignatureAction) -> bool {
        a.needs_reason()
    }

    fn action_label(&self, a: &SignatureAction) -> &'static str {
        match a {
            SignatureAction::Apply => "signature.action.apply",
            SignatureAction::Verify => "signature.action.verify",
            SignatureAction::Decline => "signature.action.decline",
            SignatureAction::Withdraw => "signature.action.withdraw",
            SignatureAction::Suspend => "signature.action.suspend",
            SignatureAction::Reinstate => "signature.action.reinstate",
        }
    }
}

/// Whether `user` may see signature `sig` of `pledge`: public states of a
/// public pledge to anyone; otherwise the organization's own users and the
/// pledge's managers.
fn may_see(user: Option<&CurrentUser>, pledge: &Pledge, sig: &Signature) -> bool {
    (pledge.state().is_public() && sig.state().is_public())
        || can_manage(user, pledge)
        || user.is_some_and(|u| u.org_id == sig.organization_id)
}

/// Whether `user` may make `action` on `sig` (role, organization and state).
fn may_act(user: &CurrentUser, pledge: &Pledge, sig: &Signature, action: SignatureAction) -> Result<(), AppError> {
    match action.role() {
        Role::Filer => {
            if !(user.role == Role::Admin || (user.role == Role::Filer && user.org_id == sig.organization_id)) {
                return Err(AppError::Forbidden);
            }
        }
        _ => require_manager(user, pledge)?,
    }
    transition(Some(sig.state()), action, user.role).map(|_| ()).map_err(transition_error)
}

async fn signature_view(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = viewer(&ctx);
    let u = user.clone();
    let (pledge, s, commitments) = state
        .db(move |c| {
            let sig = pdb::signature(c, id)?.ok_or(AppError::NotFound)?;
            let pledge = pdb::get(c, sig.pledge_id)?.ok_or(AppError::NotFound)?;
            if !may_see(u.as_ref(), &pledge, &sig) {
                return Err(AppError::NotFound);
            }
            let filter =
                SignatoryFilter { states: SignatureState::ALL.to_vec(), signature_id: Some(id), ..Default::default() };
            let s = pdb::signatories(c, pledge.id, &filter)?.pop().ok_or(AppError::NotFound)?;
            let commitments = pdb::commitments(c, pledge.id)?;
            Ok((pledge, s, commitments))
        })
        .await?;
    let actions = match &user {
        Some(u) => SignatureAction::ALL
            .into_iter()
            .filter(|a| *a != SignatureAction::Apply && may_act(u, &pledge, &s.sig, *a).is_ok())
            .collect(),
        None => Vec::new(),
    };
    let r = signatory_view(ctx.lang, &pledge, &commitments, &s);
    render_status(status, &SignaturePage { ctx, pledge, r, form, actions })
}

pub async fn signature_page(state: web::Data<AppState>, ctx: Ctx, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = parse_id(&id)?;
    signature_view(&state, ctx, id, Form::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ActionInput {
    #[serde(default)]
    version: String,
    #[serde(default)]
    reason: String,
}

pub async fn signature_action(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    input: web::Form<ActionInput>,
) -> AppResult<HttpResponse> {
    let (id, action) = path.into_inner();
    let id = parse_id(&id)?;
    let action = SignatureAction::parse(&action).map_err(|_| AppError::NotFound)?;
    if action == SignatureAction::Apply {
        return Err(AppError::NotFound);
    }
    // Roles that can never make this move are refused before anything is read.
    require_role(&user, action.role())?;
    let version = parse_version(&input.version)?;
    let reason_input = input.reason.clone();
    let u = user.clone();
    let outcome = state
        .tx(move |c| {
            let sig = pdb::signature(c, id)?.ok_or(AppError::NotFound)?;
            let pledge = pdb::get(c, sig.pledge_id)?.ok_or(AppError::NotFound)?;
            if !may_see(Some(&u), &pledge, &sig) {
                // An editor of another association is told no; others learn nothing.
                return Err(if u.role == Role::Editor { AppError::Forbidden } else { AppError::NotFound });
            }
            may_act(&u, &pledge, &sig, action)?;
            let from = sig.state();
            let to = transition(Some(from), action, u.role).map_err(transition_error)?;
            if sig.version != version {
                return Err(AppError::Conflict("error.stale"));
            }
            let reason = match rules::reason(action, &reason_input) {
                Ok(r) => r,
                Err(key) => return Ok(Err(key)),
            };
            pdb::change_state(c, u.actor(), id, from, version, action, to, &reason).map_err(cas_error)?;
            Ok(Ok(()))
        })
        .await?;
    if let Err(key) = outcome {
        let mut form = Form::new().with("action", action.as_str()).with("reason", &input.reason);
        form.error(ctx.lang, &format!("reason_{}", action.as_str()), key);
        return signature_view(&state, ctx, id, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let flash = match action {
        SignatureAction::Verify => "flash.signature_verified",
        SignatureAction::Decline => "flash.signature_declined",
        SignatureAction::Withdraw => "flash.signature_withdrawn",
        SignatureAction::Suspend => "flash.signature_suspended",
        _ => "flash.signature_reinstated",
    };
    Ok(redirect_with_flash(&format!("/signatures/{id}"), flash))
}
