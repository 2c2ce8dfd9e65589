//! Public organization pages: find an organization, and one page joining
//! everything it does in the registry (its signatures now; its standards and
//! reporting standing are added by those areas).

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::flow::Id;
use super::{query_base, render, AppState, Ctx, Pager};
use crate::auth::CurrentUser;
use crate::db::orgs::{self, Org};
use crate::db::pledges::{self as pdb, Pledge, PledgeBrief, Signature};
use crate::domain::pledge::SignatureState;
use crate::domain::Role;
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/orgs", web::get().to(list)).route("/orgs/{id}", web::get().to(show));
}

const PER_PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "orgs/list.html")]
struct ListPage {
    ctx: Ctx,
    orgs: Vec<Org>,
    pager: Pager,
    q: String,
}

pub async fn list(state: web::Data<AppState>, ctx: Ctx, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let offset = Pager::offset(q.page, PER_PAGE);
    let search = q.q.trim().chars().take(100).collect::<String>();
    let (orgs, total) = {
        let search = search.clone();
        state
            .db(move |c| {
                let (rows, total) = orgs::search(c, &search, PER_PAGE, offset)?;
                // A page past the end shows the last page (as the pager says), not an empty list.
                let last = Pager::offset(Some((total + PER_PAGE - 1) / PER_PAGE), PER_PAGE);
                if rows.is_empty() && total > 0 && offset > last {
                    return Ok(orgs::search(c, &search, PER_PAGE, last)?);
                }
                Ok((rows, total))
            })
            .await?
    };
    let pager = Pager::new(q.page, PER_PAGE, total, query_base("/orgs", &[("q", &search)]));
    render(&ListPage { ctx, orgs, pager, q: search })
}

/// One of the organization's signatures, ready to show.
pub struct SignatureRow {
    pub id: i64,
    pub pledge: PledgeBrief,
    pub state: SignatureState,
    pub signed: String,
    pub since: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "orgs/show.html")]
struct ShowPage {
    ctx: Ctx,
    org: Org,
    /// Pledges the organization issues (associations).
    issued: Vec<Pledge>,
    signatures: Vec<SignatureRow>,
    /// Whether the viewer also sees applications not (yet) public.
    private: bool,
    /// Standards it proposes, leads or co-drafts: row and its part.
    standards: Vec<(super::standards::Row, String)>,
    /// Its reporting across periods (named as the shared history table expects).
    items: Vec<super::reports::HistoryItem>,
}

pub async fn show(state: web::Data<AppState>, ctx: Ctx, id: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = id.into_inner().get();
    let user = ctx.user.as_ref().and_then(CurrentUser::from_session);
    // The organization's own users and admins also see pending and declined applications.
    let private = user.as_ref().is_some_and(|u| u.role == Role::Admin || u.org_id == id);
    let states: Vec<SignatureState> =
        if private { SignatureState::ALL.to_vec() } else { SignatureState::PUBLIC.to_vec() };
    let lang = ctx.lang;
    let today = crate::i18n::beijing_today();
    let at = crate::db::now();
    let reports_viewer = user.as_ref().map(|u| (u.role, u.org_id));
    type Loaded = (
        Org,
        Vec<Pledge>,
        Vec<(Signature, PledgeBrief)>,
        Vec<(crate::db::standards::ListRow, &'static str)>,
        Vec<super::reports::HistoryItem>,
    );
    let (org, issued, sigs, std_rows, reports): Loaded = state
        .db(move |c| {
            let org = orgs::get(c, id)?.ok_or(AppError::NotFound)?;
            let issued = pdb::issued_by(c, id)?;
            let sigs = pdb::org_signatures(c, id, &states)?;
            let std_rows = crate::db::standards::of_org(c, id, today)?;
            let reports = super::reports::org_history_items(c, lang, id, reports_viewer, at)?;
            Ok((org, issued, sigs, std_rows, reports))
        })
        .await?;
    let standards = std_rows
        .into_iter()
        .map(|(r, part)| {
            (super::standards::list_row(lang, r, today), lang.t(&format!("org.std_part.{part}")).to_owned())
        })
        .collect();
    let signatures = sigs
        .into_iter()
        // Drafts have no signatures, so every listed pledge is public.
        .map(|(s, pledge)| {
            let state = s.state;
            SignatureRow {
                id: s.id,
                signed: match (state.is_public(), s.decided_at) {
                    (true, Some(d)) => lang.date(d),
                    _ => String::new(),
                },
                since: lang.date(s.state_changed_at),
                reason: s.reason,
                state,
                pledge,
            }
        })
        .collect();
    render(&ShowPage { ctx, org, issued, signatures, private, standards, items: reports })
}
