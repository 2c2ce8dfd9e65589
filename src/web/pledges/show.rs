//! One pledge: text, commitments, signatories (paged, filtered) and their exports.

use super::*;

#[derive(Deserialize, serde::Serialize, Default, Clone)]
pub struct ShowQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    /// Words in the signatory's name or its credit code.
    #[serde(default)]
    q: String,
    /// Page of the signatory list.
    page: Option<i64>,
}

impl ShowQuery {
    fn kind(&self) -> Option<OrgKind> {
        OrgKind::parse(&self.kind).ok()
    }

    fn states(&self) -> Vec<SignatureState> {
        match SignatureState::parse(&self.status) {
            Ok(s) if s.is_public() => vec![s],
            _ => SignatureState::PUBLIC.to_vec(),
        }
    }

    fn name(&self) -> String {
        self.q.trim().chars().take(100).collect()
    }

    fn filter(&self) -> SignatoryFilter {
        SignatoryFilter { states: self.states(), org_kind: self.kind(), name: self.name(), ..Default::default() }
    }

    fn query_string(&self) -> String {
        let base = query_base(
            "",
            &[
                ("kind", self.kind().map(|k| k.as_str()).unwrap_or("")),
                ("status", if self.states().len() == 1 { self.status.trim() } else { "" }),
                ("q", &self.name()),
            ],
        );
        base.trim_end_matches(['&', '?']).to_owned()
    }
}

struct PledgePage {
    pledge: Pledge,
    issuer: OrgBrief,
    commitments: Vec<Commitment>,
    signatories: Vec<pdb::Signatory>,
    pending: Vec<(Signature, OrgBrief)>,
    own: Vec<pdb::Signatory>,
}

/// Everything the pledge page needs, in a fixed number of queries.
async fn load_pledge(
    state: &AppState,
    id: i64,
    user: Option<&CurrentUser>,
    filter: SignatoryFilter,
    with_private: bool,
) -> AppResult<PledgePage> {
    let user = user.cloned();
    state
        .db(move |c| {
            let (pledge, issuer) = pdb::get_with_issuer(c, id)?.ok_or(AppError::NotFound)?;
            require_visible(user.as_ref(), &pledge)?;
            let commitments = pdb::commitments(c, id)?;
            let signatories = pdb::signatories(c, id, &filter)?;
            let manager = can_manage(user.as_ref(), &pledge);
            let pending = if with_private && manager { pdb::pending(c, id)? } else { Vec::new() };
            let own = match &user {
                Some(u) if with_private => pdb::signatories(
                    c,
                    id,
                    &SignatoryFilter {
                        states: SignatureState::ALL.to_vec(),
                        org_id: Some(u.org_id),
                        ..Default::default()
                    },
                )?,
                _ => Vec::new(),
            };
            Ok(PledgePage { pledge, issuer, commitments, signatories, pending, own })
        })
        .await
}

#[derive(Template)]
#[template(path = "pledges/show.html")]
struct ShowPage {
    ctx: Ctx,
    pledge: Pledge,
    issuer: OrgBrief,
    text_html: String,
    text_zh_only: bool,
    areas: Vec<AreaGroup>,
    rows: Vec<SignatoryView>,
    pager: crate::web::Pager,
    kinds: [OrgKind; 5],
    public_states: [SignatureState; 3],
    filter_kind: String,
    filter_status: String,
    filter_q: String,
    export_query: String,
    manager: bool,
    /// What happened to a move made from this page (opening, closing).
    form: Form,
    pending: Vec<(Signature, OrgBrief)>,
    own: Vec<SignatoryView>,
    can_apply: bool,
    is_filer: bool,
    follow: crate::web::watch::FollowView,
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<Id>,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    let st = &state;
    let q = q.into_inner();
    let reads = q.clone();
    let id = id.into_inner().get();
    state.pages.through(&state, &ctx, &reads, |c| show_page(st, c, id, q, Form::new(), StatusCode::OK)).await
}

/// The pledge's page again after a move made from it, with what happened.
pub(super) async fn pledge_page(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    show_page(state, ctx, id, ShowQuery::default(), form, status).await
}

async fn show_page(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    q: ShowQuery,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let user = viewer(&ctx);
    let filter = q.filter();
    let d = load_pledge(state, id, user.as_ref(), filter, true).await?;
    let lang = ctx.lang;
    let en = ctx.is_en();
    let manager = can_manage(user.as_ref(), &d.pledge);
    let is_filer = user.as_ref().is_some_and(|u| u.role == Role::Filer);
    let has_live = d.own.iter().any(|s| s.sig.state.is_live());
    let can_apply = is_filer && d.pledge.state == PledgeState::Open && !has_live;
    let (text_html, text_zh_only) = pledge_text_html(&d.pledge, en);
    // The signatory list in pages of a hundred (a pledge may have a thousand).
    let pager = crate::web::Pager::new(
        q.page,
        SIGNATORIES_PER_PAGE,
        d.signatories.len() as i64,
        format!("/pledges/{}{}", d.pledge.id, {
            let qs = q.query_string();
            if qs.is_empty() {
                "?".to_owned()
            } else {
                format!("{qs}&")
            }
        }),
    );
    let first = ((pager.page - 1) * SIGNATORIES_PER_PAGE) as usize;
    let rows = d
        .signatories
        .iter()
        .skip(first)
        .take(SIGNATORIES_PER_PAGE as usize)
        .map(|s| signatory_view(lang, &d.pledge, &d.commitments, s))
        .collect();
    let follow =
        crate::web::watch::follow_view(state, user.as_ref(), crate::domain::watch::Followed::Pledge, id).await?;
    let own = d.own.iter().map(|s| signatory_view(lang, &d.pledge, &d.commitments, s)).collect();
    let page = ShowPage {
        text_html,
        text_zh_only,
        areas: group_by_area(d.commitments, en),
        rows,
        pager,
        kinds: OrgKind::ALL,
        public_states: SignatureState::PUBLIC,
        filter_kind: q.kind().map(|k| k.as_str().to_owned()).unwrap_or_default(),
        filter_status: if q.states().len() == 1 { q.status.trim().to_owned() } else { String::new() },
        filter_q: q.name(),
        export_query: q.query_string(),
        manager,
        form,
        pending: d.pending,
        own,
        can_apply,
        is_filer,
        follow,
        pledge: d.pledge,
        issuer: d.issuer,
        ctx,
    };
    render_status(status, &page)
}

// ---------------------------------------------------------------- exports

/// A UTC timestamp as a Beijing calendar date, `YYYY-MM-DD` (what spreadsheets sort).
fn iso_date(utc: chrono::NaiveDateTime) -> String {
    use chrono::TimeZone;
    crate::i18n::beijing().from_utc_datetime(&utc).format("%Y-%m-%d").to_string()
}

async fn export_table(state: &AppState, ctx: &Ctx, id: i64, q: &ShowQuery) -> AppResult<Table> {
    let user = viewer(ctx);
    let filter = q.filter();
    let d = load_pledge(state, id, user.as_ref(), filter, false).await?;
    let lang = ctx.lang;
    let header = [
        "export.org_name_zh",
        "export.org_name_en",
        "export.credit_code",
        "export.org_kind",
        "export.status",
        "export.signed",
        "export.representative",
        "export.representative_title",
        "export.scope",
        "export.status_since",
        "export.reason",
    ]
    .iter()
    .map(|k| lang.t(k).to_owned())
    .collect();
    let rows = d
        .signatories
        .iter()
        .map(|s| {
            let v = signatory_view(lang, &d.pledge, &d.commitments, s);
            let scope = v.scope_text(lang);
            let signed =
                if v.signed.is_empty() { String::new() } else { s.sig.decided_at.map(iso_date).unwrap_or_default() };
            vec![
                v.org_name_zh,
                v.org_name_en,
                v.credit_code,
                v.org_kind,
                v.state_label,
                signed,
                v.representative_name,
                v.representative_title,
                scope,
                iso_date(s.sig.state_changed_at),
                v.reason,
            ]
        })
        .collect();
    Ok(Table { header, rows })
}

/// The signatories as a table: `signatories.csv` or `signatories.xlsx`.
pub async fn export(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<(Id, String)>,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    let (id, format) = path.into_inner();
    let table = export_table(&state, &ctx, id.get(), &q).await?;
    let name = format!("signatories-{id}.{format}");
    match format.as_str() {
        "csv" => Ok(export::csv_response(&name, &table)),
        _ => export::xlsx_response(&name, ctx.t("export.sheet"), &table),
    }
}
