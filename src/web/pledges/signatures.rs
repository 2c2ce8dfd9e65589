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

/// The moves `user` may make on `sig` now (what the page offers).
fn moves(user: &CurrentUser, pledge: &Pledge, sig: &Signature) -> Vec<SignatureAction> {
    rules::signature_moves(sig.state, acting(user), &signature_facts(pledge, sig))
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
            if !rules::sees_signature(u.as_ref().map(acting), sig.state, &signature_facts(&pledge, &sig)) {
                return Err(AppError::NotFound);
            }
            let filter =
                SignatoryFilter { states: SignatureState::ALL.to_vec(), signature_id: Some(id), ..Default::default() };
            let s = pdb::signatories(c, pledge.id, &filter)?.pop().ok_or(AppError::NotFound)?;
            let commitments = pdb::commitments(c, pledge.id)?;
            Ok((pledge, s, commitments))
        })
        .await?;
    let actions = user.as_ref().map(|u| moves(u, &pledge, &s.sig)).unwrap_or_default();
    let r = signatory_view(ctx.lang, &pledge, &commitments, &s);
    render_status(status, &SignaturePage { ctx, pledge, r, form, actions })
}

pub async fn signature_page(state: web::Data<AppState>, ctx: Ctx, id: web::Path<Id>) -> AppResult<HttpResponse> {
    signature_view(&state, ctx, id.into_inner().get(), Form::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ActionInput {
    #[serde(default)]
    version: String,
    #[serde(default)]
    reason: String,
}

/// The flash that confirms a move.
fn moved(action: SignatureAction) -> &'static str {
    match action {
        SignatureAction::Verify => "flash.signature_verified",
        SignatureAction::Decline => "flash.signature_declined",
        SignatureAction::Withdraw => "flash.signature_withdrawn",
        SignatureAction::Suspend => "flash.signature_suspended",
        _ => "flash.signature_reinstated",
    }
}

pub async fn signature_action(
    state: web::Data<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    path: web::Path<(Id, String)>,
    input: web::Form<ActionInput>,
) -> AppResult<HttpResponse> {
    let (id, action) = path.into_inner();
    let id = id.get();
    let action = match SignatureAction::parse(&action) {
        Ok(SignatureAction::Apply) | Err(_) => return Err(AppError::NotFound),
        Ok(a) => a,
    };
    // Roles that can never make this move are refused before anything is read.
    require_role(&user, action.role())?;
    let seen = parse_version(&input.version)?;
    let (actor, who, note) = (user.actor(), acting(&user), input.reason.clone());
    let outcome = state.act(move |c| pdb::move_signature(c, actor, who, id, action, seen, &note)).await?;
    let form = Form::new().with("action", action.as_str()).with("reason", &input.reason);
    respond(
        ctx.lang,
        outcome,
        form,
        |_| redirect_with_flash(&format!("/signatures/{id}"), moved(action)),
        |form, status| signature_view(&state, ctx, id, form, status),
    )
    .await
}
