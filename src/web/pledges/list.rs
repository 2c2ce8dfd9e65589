//! The list of pledges: filters (kind, state, issuing association, words)
//! in the URL, paged.

use super::*;

/// Pledges per page of the list.
const PER_PAGE: i64 = 20;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "pledges/list.html")]
struct ListPage {
    ctx: Ctx,
    items: Vec<PledgeListItem>,
    can_create: bool,
    pager: crate::web::Pager,
    kinds: [PledgeKind; 2],
    /// States the viewer may filter by (drafts only for those who see some).
    states: Vec<PledgeState>,
    issuers: Vec<OrgBrief>,
    filter_kind: String,
    filter_status: String,
    filter_issuer: String,
    q: String,
    /// Whether any filter is set (the empty list then says so).
    filtered: bool,
}

pub async fn list(state: web::Data<AppState>, ctx: Ctx, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let user = viewer(&ctx);
    let drafts = match &user {
        Some(u) if u.role == Role::Admin => Drafts::All,
        Some(u) if u.role == Role::Editor => Drafts::OfOrg(u.org_id),
        _ => Drafts::None,
    };
    let states: Vec<PledgeState> =
        PledgeState::ALL.into_iter().filter(|s| s.is_public() || drafts != Drafts::None).collect();
    let filter = PledgeFilter {
        kind: PledgeKind::parse(&q.kind).ok(),
        state: PledgeState::parse(&q.status).ok().filter(|s| states.contains(s)),
        issuer: q.issuer.trim().parse::<i64>().ok(),
        text: q.q.chars().take(100).collect(),
    };
    let filter_kind = filter.kind.map(|k| k.as_str()).unwrap_or("").to_owned();
    let filter_status = filter.state.map(|s| s.as_str()).unwrap_or("").to_owned();
    let filter_issuer = filter.issuer.map(|i| i.to_string()).unwrap_or_default();
    let base = query_base(
        "/pledges",
        &[("kind", &filter_kind), ("status", &filter_status), ("issuer", &filter_issuer), ("q", &filter.text)],
    );
    let offset = crate::web::Pager::offset(q.page, PER_PAGE);
    let f = filter.clone();
    let ((items, total), issuers) = state
        .db(move |c| {
            let mut found = pdb::search(c, drafts, &f, PER_PAGE, offset)?;
            // A page past the end shows the last page (as the pager says), not an empty list.
            let last = crate::web::Pager::offset(Some((found.1 + PER_PAGE - 1) / PER_PAGE), PER_PAGE);
            if found.0.is_empty() && found.1 > 0 && offset > last {
                found = pdb::search(c, drafts, &f, PER_PAGE, last)?;
            }
            Ok((found, pdb::issuers(c, drafts)?))
        })
        .await?;
    let pager = crate::web::Pager::new(q.page, PER_PAGE, total, base);
    let can_create = user.as_ref().is_some_and(|u| u.role.allows(Role::Editor));
    let filtered =
        filter.kind.is_some() || filter.state.is_some() || filter.issuer.is_some() || !filter.text.is_empty();
    render(&ListPage {
        ctx,
        items,
        can_create,
        pager,
        kinds: PledgeKind::ALL,
        states,
        issuers,
        filter_kind,
        filter_status,
        filter_issuer,
        q: filter.text,
        filtered,
    })
}
