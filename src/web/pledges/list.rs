//! The list of pledges.

use super::*;

#[derive(Template)]
#[template(path = "pledges/list.html")]
struct ListPage {
    ctx: Ctx,
    items: Vec<PledgeListItem>,
    can_create: bool,
}

pub async fn list(state: web::Data<AppState>, ctx: Ctx) -> AppResult<HttpResponse> {
    let user = viewer(&ctx);
    let drafts = match &user {
        Some(u) if u.role == Role::Admin => Drafts::All,
        Some(u) if u.role == Role::Editor => Drafts::OfOrg(u.org_id),
        _ => Drafts::None,
    };
    let items = state.db(move |c| Ok(pdb::list(c, drafts)?)).await?;
    let can_create = user.as_ref().is_some_and(|u| u.role.allows(Role::Editor));
    render(&ListPage { ctx, items, can_create })
}
