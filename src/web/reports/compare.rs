//! Comparing a report's submissions, and with the previous period.

use super::*;

pub struct IndicatorChange {
    pub name: String,
    pub from: String,
    pub to: String,
    pub changed: bool,
}

pub struct EntryChange {
    pub number: String,
    pub text: String,
    pub from_label: String,
    pub to_label: String,
    pub status_changed: bool,
    pub regression: bool,
    pub measures: Vec<PieceView>,
    pub indicators: Vec<IndicatorChange>,
}

pub(super) fn compare_snapshots(
    lang: Lang,
    commitments: &[Commitment],
    old: &[SnapshotEntry],
    new: &[SnapshotEntry],
) -> Vec<EntryChange> {
    let label = |s: &str| {
        if s.is_empty() {
            lang.t("rpt.status.empty").to_owned()
        } else {
            lang.t(&format!("rpt.status.{s}")).to_owned()
        }
    };
    let rank = |s: &str| EntryStatus::parse(s).map(|s| s.rank());
    let mut ids: Vec<i64> = new.iter().map(|e| e.commitment_id).collect();
    for e in old {
        if !ids.contains(&e.commitment_id) {
            ids.push(e.commitment_id);
        }
    }
    ids.sort_by_key(|id| commitments.iter().position(|c| c.id == *id).unwrap_or(usize::MAX));
    ids.into_iter()
        .map(|cid| {
            let o = old.iter().find(|e| e.commitment_id == cid);
            let n = new.iter().find(|e| e.commitment_id == cid);
            let c = commitments.iter().find(|c| c.id == cid);
            let from = o.map(|e| e.status.as_str()).unwrap_or("");
            let to = n.map(|e| e.status.as_str()).unwrap_or("");
            let mut names: Vec<String> =
                n.map(|e| e.indicators.iter().map(|i| i.0.clone()).collect()).unwrap_or_default();
            for i in o.map(|e| e.indicators.as_slice()).unwrap_or(&[]) {
                if !names.contains(&i.0) {
                    names.push(i.0.clone());
                }
            }
            let find = |e: Option<&SnapshotEntry>, name: &str| {
                e.and_then(|e| e.indicators.iter().find(|i| i.0 == name))
                    .map(|i| format!("{} {}", i.1, i.2).trim().to_owned())
                    .unwrap_or_default()
            };
            EntryChange {
                number: c
                    .map(|c| c.number.clone())
                    .or(n.map(|e| e.number.clone()))
                    .or(o.map(|e| e.number.clone()))
                    .unwrap_or_default(),
                text: c.map(|c| c.text(lang == Lang::En).to_owned()).unwrap_or_default(),
                from_label: label(from),
                to_label: label(to),
                status_changed: from != to,
                regression: matches!((rank(from), rank(to)), (Some(a), Some(b)) if b < a && b > 0),
                measures: pieces(diff(
                    o.map(|e| e.measures.as_str()).unwrap_or(""),
                    n.map(|e| e.measures.as_str()).unwrap_or(""),
                )),
                indicators: names
                    .into_iter()
                    .map(|name| {
                        let (from, to) = (find(o, &name), find(n, &name));
                        IndicatorChange { changed: from != to, name, from, to }
                    })
                    .collect(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "reports/compare.html")]
pub(super) struct ComparePage {
    ctx: Ctx,
    report_id: i64,
    org_id: i64,
    org_name: String,
    /// The report, as its breadcrumb reads: organization · period.
    report_label: String,
    /// This page, as its breadcrumb reads.
    crumb: String,
    title: String,
    left: String,
    right: String,
    changes: Vec<EntryChange>,
    revisions: Vec<i32>,
    from: i32,
    to: i32,
    regressions: usize,
}

impl ComparePage {
    fn is_from(&self, n: &i32) -> bool {
        *n == self.from
    }

    fn is_to(&self, n: &i32) -> bool {
        *n == self.to
    }
}

#[derive(Deserialize)]
pub struct RevQuery {
    from: Option<i32>,
    to: Option<i32>,
}

pub async fn revisions(
    state: web::Data<AppState>,
    ctx: Ctx,
    id: web::Path<Id>,
    q: web::Query<RevQuery>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner().get();
    let (report, issuer) = state.db(move |c| rdb::get_with_issuer(c, id)?.ok_or(AppError::NotFound)).await?;
    // Revisions (and the reviewers' comments in them) are never public.
    if access(&ctx, report.organization_id, issuer, report.state)? == Access::Public {
        return Err(AppError::NotFound);
    }
    let (period_id, org_id) = (report.period_id, report.organization_id);
    let (revs, commitments, org, period) = state
        .db(move |c| {
            let revs = rdb::revisions(c, id)?;
            let p = rdb::period(c, period_id)?.ok_or(AppError::NotFound)?;
            let commitments = pdb::commitments(c, p.pledge_id)?;
            let org = crate::db::orgs::get(c, org_id)?.ok_or(AppError::NotFound)?;
            Ok((revs, commitments, org, p))
        })
        .await?;
    let lang = ctx.lang;
    let last = revs.last().map(|r| r.n).ok_or(AppError::NotFound)?;
    let to = q.to.unwrap_or(last);
    let from = q.from.unwrap_or((to - 1).max(1));
    let old = revs.iter().find(|r| r.n == from).ok_or(AppError::NotFound)?;
    let new = revs.iter().find(|r| r.n == to).ok_or(AppError::NotFound)?;
    let changes = compare_snapshots(lang, &commitments, &old.entries, &new.entries);
    let regressions = changes.iter().filter(|c| c.regression).count();
    let name = if lang == Lang::En { org.name_en } else { org.name_zh };
    render(&ComparePage {
        report_id: id,
        org_id,
        report_label: format!("{name} · {}", period.label(lang == Lang::En)),
        org_name: name.clone(),
        crumb: lang.t("rpt.view.compare_revisions").to_owned(),
        title: lang.tf("rpt.compare.revisions_title", &[("org", &name)]),
        left: lang.tf("rpt.compare.revision", &[("n", &from.to_string())]),
        right: lang.tf("rpt.compare.revision", &[("n", &to.to_string())]),
        changes,
        revisions: revs.iter().map(|r| r.n).collect(),
        from,
        to,
        regressions,
        ctx,
    })
}

pub async fn previous(state: web::Data<AppState>, ctx: Ctx, id: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = id.into_inner().get();
    let (cur, prev, prev_period, commitments) = state
        .db(move |c| {
            let cur = rdb::full(c, id)?.ok_or(AppError::NotFound)?;
            let prev = rdb::previous_report(c, &cur.report, &cur.period)?.ok_or(AppError::NotFound)?;
            let prev_full = rdb::full(c, prev.id)?.ok_or(AppError::NotFound)?;
            let commitments = pdb::commitments(c, cur.period.pledge_id)?;
            let pp = prev_full.period.clone();
            Ok((cur, prev_full, pp, commitments))
        })
        .await?;
    // Both reports must be visible to the viewer.
    access(&ctx, cur.report.organization_id, cur.issuer_id, cur.report.state)?;
    access(&ctx, prev.report.organization_id, prev.issuer_id, prev.report.state)?;
    let lang = ctx.lang;
    let en = lang == Lang::En;
    let changes = compare_snapshots(lang, &commitments, &rdb::snapshot(&prev.entries), &rdb::snapshot(&cur.entries));
    let regressions = changes.iter().filter(|c| c.regression).count();
    render(&ComparePage {
        report_id: id,
        org_id: cur.org.id,
        org_name: cur.org.name(en).to_owned(),
        report_label: format!("{} · {}", cur.org.name(en), cur.period.label(en)),
        crumb: lang.t("rpt.view.compare_previous").to_owned(),
        title: lang.tf("rpt.compare.previous_title", &[("org", cur.org.name(en))]),
        left: prev_period.label(en).to_owned(),
        right: cur.period.label(en).to_owned(),
        changes,
        revisions: Vec::new(),
        from: 0,
        to: 0,
        regressions,
        ctx,
    })
}
