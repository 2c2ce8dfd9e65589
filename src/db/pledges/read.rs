//! Reading pledges, commitments and signatures: a fixed number of queries per page.

use std::collections::HashMap;

use super::*;

// ---------------------------------------------------------------- reading

/// Every pledge a viewer may see, newest first (tools and tests).
pub fn list(conn: &mut DbConn, drafts: Drafts) -> QueryResult<Vec<PledgeListItem>> {
    Ok(search(conn, drafts, &PledgeFilter::default(), i64::MAX, 0)?.0)
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// What the list of pledges is narrowed to (every part optional).
#[derive(Debug, Clone, Default)]
pub struct PledgeFilter {
    pub kind: Option<PledgeKind>,
    pub state: Option<PledgeState>,
    pub issuer: Option<i64>,
    /// Words in the title, the guiding body or the issuer's name (either language).
    pub text: String,
}

type ListQuery<'a> = diesel::helper_types::IntoBoxed<
    'a,
    diesel::helper_types::InnerJoin<pledges::table, organizations::table>,
    <DbConn as diesel::Connection>::Backend,
>;

fn filtered<'a>(drafts: Drafts, f: &PledgeFilter) -> ListQuery<'a> {
    let mut q = pledges::table.inner_join(organizations::table).into_boxed();
    q = match drafts {
        Drafts::All => q,
        Drafts::OfOrg(org) => {
            q.filter(pledges::state.ne(Code(PledgeState::Draft)).or(pledges::organization_id.eq(org)))
        }
        Drafts::None => q.filter(pledges::state.ne(Code(PledgeState::Draft))),
    };
    if let Some(k) = f.kind {
        q = q.filter(pledges::kind.eq(Code(k)));
    }
    if let Some(st) = f.state {
        q = q.filter(pledges::state.eq(Code(st)));
    }
    if let Some(org) = f.issuer {
        q = q.filter(pledges::organization_id.eq(org));
    }
    let text = f.text.trim();
    if !text.is_empty() {
        let p = format!("%{}%", super::super::orgs::escape_like(text));
        let lp = p.to_lowercase();
        q = q.filter(
            pledges::title_zh
                .like(p.clone())
                .escape('\\')
                .or(lower(pledges::title_en).like(lp.clone()).escape('\\'))
                .or(pledges::guiding_body_zh.like(p.clone()).escape('\\'))
                .or(lower(pledges::guiding_body_en).like(lp.clone()).escape('\\'))
                .or(organizations::name_zh.like(p).escape('\\'))
                .or(lower(organizations::name_en).like(lp).escape('\\')),
        );
    }
    q
}

/// One page of the pledges a viewer may see, narrowed by `f`, newest first,
/// and how many there are in all (two queries; a third counts them when the
/// page is full or past the end).
pub fn search(
    conn: &mut DbConn,
    drafts: Drafts,
    f: &PledgeFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<PledgeListItem>, i64)> {
    search_from(conn, drafts, f, limit, Start::Offset(offset))
}

/// [`search`] from a numbered page or after a pledge (the list's key is its
/// id, newest first), with the same filters.
pub fn search_from(
    conn: &mut DbConn,
    drafts: Drafts,
    f: &PledgeFilter,
    limit: i64,
    start: Start<i64>,
) -> QueryResult<(Vec<PledgeListItem>, i64)> {
    let mut q = filtered(drafts, f);
    if let Some(id) = start.after() {
        q = q.filter(pledges::id.lt(*id));
    }
    let rows: Vec<(Pledge, OrgBrief)> = q
        .select((Pledge::as_select(), OrgBrief::as_select()))
        .order(pledges::id.desc())
        .limit(limit)
        .offset(start.offset())
        .load(conn)?;
    let n = rows.len() as i64;
    // A numbered page that is not full ends the list: its rows say how many there are.
    let total = match start {
        Start::Offset(offset) if n < limit && (n > 0 || offset == 0) => offset + n,
        _ => filtered(drafts, f).count().get_result(conn)?,
    };
    let ids: Vec<i64> = rows.iter().map(|(p, _)| p.id).collect();
    let counts: Vec<(i64, i64)> = signatures::table
        .filter(signatures::state.eq(Code(SignatureState::Verified)))
        .filter(signatures::pledge_id.eq_any(ids))
        .group_by(signatures::pledge_id)
        .select((signatures::pledge_id, diesel::dsl::count_star()))
        .load(conn)?;
    let counts: HashMap<i64, i64> = counts.into_iter().collect();
    let items = rows
        .into_iter()
        .map(|(pledge, issuer)| {
            let verified = counts.get(&pledge.id).copied().unwrap_or(0);
            PledgeListItem { pledge, issuer, verified }
        })
        .collect();
    Ok((items, total))
}

/// The associations that issue a pledge the viewer may see (for the list's filter).
pub fn issuers(conn: &mut DbConn, drafts: Drafts) -> QueryResult<Vec<OrgBrief>> {
    let mut rows: Vec<OrgBrief> = filtered(drafts, &PledgeFilter::default())
        .select(OrgBrief::as_select())
        .order(organizations::name_zh)
        .load(conn)?;
    rows.dedup_by_key(|o| o.id);
    Ok(rows)
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<Pledge>> {
    pledges::table.find(id).select(Pledge::as_select()).first(conn).optional()
}

/// A pledge with its issuing association (one query).
pub fn get_with_issuer(conn: &mut DbConn, id: i64) -> QueryResult<Option<(Pledge, OrgBrief)>> {
    pledges::table
        .inner_join(organizations::table)
        .filter(pledges::id.eq(id))
        .select((Pledge::as_select(), OrgBrief::as_select()))
        .first(conn)
        .optional()
}

pub fn commitments(conn: &mut DbConn, pledge_id: i64) -> QueryResult<Vec<Commitment>> {
    pledge_commitments::table
        .filter(pledge_commitments::pledge_id.eq(pledge_id))
        .order((pledge_commitments::position, pledge_commitments::id))
        .select(Commitment::as_select())
        .load(conn)
}

/// Which signatures of a pledge to load.
#[derive(Debug, Clone, Default)]
pub struct SignatoryFilter {
    /// States to include (empty: none).
    pub states: Vec<SignatureState>,
    pub org_kind: Option<OrgKind>,
    pub org_id: Option<i64>,
    pub signature_id: Option<i64>,
    /// Words in the organization's name (either language) or its credit code.
    pub name: String,
}

/// A signature's place in a pledge's list of signatories:
/// `(organization kind, organization name_zh, signature id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatoryKey {
    pub kind: OrgKind,
    pub name_zh: String,
    pub id: i64,
}

impl Signatory {
    /// Its place in the list's order.
    pub fn key(&self) -> SignatoryKey {
        SignatoryKey { kind: self.org.kind, name_zh: self.org.name_zh.clone(), id: self.sig.id }
    }
}

type SignatoryQuery<'a> = diesel::helper_types::IntoBoxed<
    'a,
    diesel::helper_types::InnerJoin<signatures::table, organizations::table>,
    <DbConn as diesel::Connection>::Backend,
>;

/// The signatures of a pledge `f` asks for, with their organizations (not ordered).
fn signatory_query<'a>(pledge_id: i64, states: &[Code<SignatureState>], f: &SignatoryFilter) -> SignatoryQuery<'a> {
    let mut q = signatures::table
        .inner_join(organizations::table)
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::state.eq_any(states.to_vec()))
        .into_boxed();
    if let Some(kind) = f.org_kind {
        q = q.filter(organizations::kind.eq(Code(kind)));
    }
    if let Some(org) = f.org_id {
        q = q.filter(signatures::organization_id.eq(org));
    }
    if let Some(id) = f.signature_id {
        q = q.filter(signatures::id.eq(id));
    }
    let name = f.name.trim();
    if !name.is_empty() {
        let p = format!("%{}%", super::super::orgs::escape_like(name));
        q = q.filter(
            organizations::name_zh
                .like(p.clone())
                .escape('\\')
                .or(lower(organizations::name_en).like(p.to_lowercase()).escape('\\'))
                .or(organizations::credit_code.like(p.to_ascii_uppercase()).escape('\\')),
        );
    }
    q
}

/// Signatures of a pledge with their organizations, exclusions and events:
/// three queries, whatever their number.
pub fn signatories(conn: &mut DbConn, pledge_id: i64, f: &SignatoryFilter) -> QueryResult<Vec<Signatory>> {
    let states: Vec<Code<SignatureState>> = f.states.iter().copied().map(Code).collect();
    if states.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Signature, OrgBrief)> = signatory_query(pledge_id, &states, f)
        .select((Signature::as_select(), OrgBrief::as_select()))
        .order((organizations::kind, organizations::name_zh, signatures::id))
        .load(conn)?;
    with_details(conn, pledge_id, &states, f, rows, false)
}

/// One page of [`signatories`] (at most `limit`, in the same order, strictly
/// after `after` when given) and how many there are in all: four queries
/// (three on a first page that is not full), whatever their number.
pub fn signatories_page(
    conn: &mut DbConn,
    pledge_id: i64,
    f: &SignatoryFilter,
    limit: i64,
    after: Option<&SignatoryKey>,
) -> QueryResult<(Vec<Signatory>, i64)> {
    let states: Vec<Code<SignatureState>> = f.states.iter().copied().map(Code).collect();
    if states.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let mut q = signatory_query(pledge_id, &states, f);
    if let Some(k) = after {
        let (kind, name) = (Code(k.kind), k.name_zh.clone());
        q = q.filter(organizations::kind.gt(kind).or(organizations::kind.eq(kind).and(
            organizations::name_zh.gt(name.clone()).or(organizations::name_zh.eq(name).and(signatures::id.gt(k.id))),
        )));
    }
    let rows: Vec<(Signature, OrgBrief)> = q
        .select((Signature::as_select(), OrgBrief::as_select()))
        .order((organizations::kind, organizations::name_zh, signatures::id))
        .limit(limit)
        .load(conn)?;
    let n = rows.len() as i64;
    let total = if after.is_none() && n < limit {
        n
    } else {
        signatory_query(pledge_id, &states, f).count().get_result(conn)?
    };
    Ok((with_details(conn, pledge_id, &states, f, rows, true)?, total))
}

/// The signatures' exclusions and events (one query each), grouped in Rust.
/// `by_id`: narrowed to these signatures' ids (a page); otherwise filtered the
/// same way as the signatures in SQL (by pledge and state, and by organization
/// or id when asked) rather than by a long list of ids.
fn with_details(
    conn: &mut DbConn,
    pledge_id: i64,
    states: &[Code<SignatureState>],
    f: &SignatoryFilter,
    rows: Vec<(Signature, OrgBrief)>,
    by_id: bool,
) -> QueryResult<Vec<Signatory>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut xq = signature_exclusions::table
        .inner_join(signatures::table)
        .inner_join(pledge_commitments::table)
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::state.eq_any(states.to_vec()))
        .into_boxed();
    let mut eq = signature_events::table
        .inner_join(signatures::table)
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::state.eq_any(states.to_vec()))
        .into_boxed();
    if by_id {
        let ids: Vec<i64> = rows.iter().map(|(s, _)| s.id).collect();
        xq = xq.filter(signatures::id.eq_any(ids.clone()));
        eq = eq.filter(signatures::id.eq_any(ids));
    }
    if let Some(org) = f.org_id {
        xq = xq.filter(signatures::organization_id.eq(org));
        eq = eq.filter(signatures::organization_id.eq(org));
    }
    if let Some(id) = f.signature_id {
        xq = xq.filter(signatures::id.eq(id));
        eq = eq.filter(signatures::id.eq(id));
    }
    let exclusions: Vec<ExclusionRow> = xq
        .select(ExclusionRow::as_select())
        .order((signature_exclusions::signature_id, pledge_commitments::position))
        .load(conn)?;
    let events: Vec<Event> = eq
        .select(Event::as_select())
        .order((signature_events::signature_id, signature_events::at, signature_events::id))
        .load(conn)?;

    let mut by_sig_x: HashMap<i64, Vec<ExclusionRow>> = HashMap::new();
    for x in exclusions {
        by_sig_x.entry(x.signature_id).or_default().push(x);
    }
    let mut by_sig_e: HashMap<i64, Vec<Event>> = HashMap::new();
    for e in events {
        by_sig_e.entry(e.signature_id).or_default().push(e);
    }
    Ok(rows
        .into_iter()
        .map(|(sig, org)| {
            let exclusions = by_sig_x.remove(&sig.id).unwrap_or_default();
            let events = by_sig_e.remove(&sig.id).unwrap_or_default();
            Signatory { sig, org, exclusions, events }
        })
        .collect())
}

pub fn signature(conn: &mut DbConn, id: i64) -> QueryResult<Option<Signature>> {
    signatures::table.find(id).select(Signature::as_select()).first(conn).optional()
}

/// The organization's live (applied, verified or suspended) signature of a pledge.
pub fn live_signature(conn: &mut DbConn, pledge_id: i64, org_id: i64) -> QueryResult<Option<Signature>> {
    signatures::table
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::organization_id.eq(org_id))
        .filter(signatures::state.eq_any(SignatureState::LIVE.map(Code)))
        .select(Signature::as_select())
        .first(conn)
        .optional()
}

/// An organization's signatures in the given states, newest first (one query).
pub fn org_signatures(
    conn: &mut DbConn,
    org_id: i64,
    states: &[SignatureState],
) -> QueryResult<Vec<(Signature, PledgeBrief)>> {
    let states: Vec<Code<SignatureState>> = states.iter().copied().map(Code).collect();
    signatures::table
        .inner_join(pledges::table)
        .filter(signatures::organization_id.eq(org_id))
        .filter(signatures::state.eq_any(states))
        .select((Signature::as_select(), PledgeBrief::as_select()))
        .order((signatures::applied_at.desc(), signatures::id.desc()))
        .load(conn)
}

/// Public pledges issued by an association, newest first (one query).
pub fn issued_by(conn: &mut DbConn, org_id: i64) -> QueryResult<Vec<Pledge>> {
    pledges::table
        .filter(pledges::organization_id.eq(org_id))
        .filter(pledges::state.ne(Code(PledgeState::Draft)))
        .order(pledges::id.desc())
        .select(Pledge::as_select())
        .load(conn)
}

/// Pending applications of a pledge (for its editors), oldest first.
pub fn pending(conn: &mut DbConn, pledge_id: i64) -> QueryResult<Vec<(Signature, OrgBrief)>> {
    signatures::table
        .inner_join(organizations::table)
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::state.eq(Code(SignatureState::Applied)))
        .select((Signature::as_select(), OrgBrief::as_select()))
        .order((signatures::applied_at, signatures::id))
        .load(conn)
}
