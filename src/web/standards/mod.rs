//! Standards: public list, pages, versions, comparison, public comment and the
//! disposition table; the editors' and reviewers' workflow.

use actix_web::web;
use chrono::NaiveDate;

use super::forms::Form;
use super::{viewer, Ctx};
use crate::auth::CurrentUser;
use crate::db::orgs::Org;
use crate::db::standards as sdb;
use crate::domain::standard::{
    may_edit as access_may_edit, visible_to, CommentPeriod, Person, Refusal, StandardState, Standing, VersionLabel,
};
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::web::flow::{RefusalKind, UserError};

mod comments;
mod disposition;
mod events;
mod feed;
mod list;
mod markdiff;
mod meta;
mod show;
mod versions;
mod workflow;

pub use events::{wording, Wording};
pub use list::{list_row, parse_year, standing_of, status_codes, Row};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/standards", web::get().to(list::list))
        .route("/standards", web::post().to(meta::create))
        .route("/standards/new", web::get().to(meta::new_form))
        .route("/standards/{id}", web::get().to(show::show))
        .route("/standards/{id}/edit", web::get().to(meta::edit_form))
        .route("/standards/{id}/edit", web::post().to(meta::update))
        .route("/standards/{id}/actions/{action}", web::post().to(workflow::act))
        .route("/standards/{id}/publication", web::post().to(workflow::publication))
        .route("/standards/{id}/positions", web::post().to(workflow::position))
        .route("/standards/{id}/versions/new", web::get().to(versions::version_form))
        .route("/standards/{id}/versions", web::post().to(versions::version_upload))
        .route("/standards/{id}/versions/{n}", web::get().to(versions::version_show))
        .route("/standards/{id}/versions/{n}/attachments/{aid}", web::get().to(versions::attachment))
        .route("/standards/{id}/compare", web::get().to(versions::compare))
        .route("/standards/{id}/comments", web::get().to(disposition::comments))
        .route("/standards/{id}/comments", web::post().to(comments::comment_submit))
        .route("/standards/{id}/comments.csv", web::get().to(disposition::comments_csv))
        .route("/standards/{id}/comments.xlsx", web::get().to(disposition::comments_xlsx))
        .route("/standards/{id}/comments/disposition", web::post().to(disposition::dispose_many))
        .route("/standards/{id}/comments/{seq}", web::get().to(comments::comment_show))
        .route("/standards/{id}/comments/{seq}/disposition", web::post().to(disposition::dispose))
        .route("/feeds/standards.atom", web::get().to(feed::feed));
}

pub const PER_PAGE: i64 = 20;
/// Attachments: at most this many bytes each.
pub const MAX_ATTACHMENT: usize = 20 * 1024 * 1024;
/// A version's Markdown text: at most this many bytes.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

fn is_staff(ctx: &Ctx) -> bool {
    matches!(ctx.role(), Some(Role::Editor | Role::Reviewer | Role::Admin))
}

/// The user as the domain's access rules see them.
fn person(u: &CurrentUser) -> Person {
    Person { role: u.role, org_id: u.org_id }
}

/// Editors of the lead drafting or proposing organization, and admins.
fn may_edit(user: &CurrentUser, s: &sdb::Standard) -> bool {
    access_may_edit(person(user), s.proposing_org_id, s.lead_org_id)
}

fn require_editor_of(user: &CurrentUser, s: &sdb::Standard) -> AppResult<()> {
    if may_edit(user, s) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether the viewer sees the standard at all (proposals: only their
/// association's editors, reviewers and admins).
fn sees(ctx: &Ctx, state: StandardState, proposing_org: i64, lead_org: i64) -> bool {
    visible_to(state, proposing_org, lead_org, viewer(ctx).map(|u| person(&u)))
}

/// Anything the viewer may not see answers 404, as if it did not exist.
pub(crate) fn check_visible(ctx: &Ctx, s: &sdb::Standard) -> AppResult<()> {
    if sees(ctx, s.state, s.proposing_org_id, s.lead_org_id) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The version of a record a form showed. A form without one cannot be
/// checked for staleness: it is taken as stale (no version is negative).
fn shown_version(v: &str) -> i32 {
    v.trim().parse().unwrap_or(-1)
}

/// Numbers of comments as a list in the user's language.
fn seq_list(lang: Lang, seqs: &[i32]) -> String {
    seqs.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(if lang == Lang::En { ", " } else { "、" })
}

/// Every refusal of the area answers the same way on whichever form it came
/// from: input problems beside their fields (422); a page that is out of
/// date or a condition not met yet with its reason above the form (409 or
/// 422); not visible 404, not theirs 403.
impl UserError for Refusal {
    fn kind(&self) -> RefusalKind {
        match self {
            Refusal::NotFound => RefusalKind::NotFound,
            Refusal::Forbidden => RefusalKind::Forbidden,
            Refusal::Invalid(_) | Refusal::Unmet(_) | Refusal::UnknownClause { .. } => RefusalKind::Invalid,
            Refusal::Stale
            | Refusal::NotInState
            | Refusal::NotInForce
            | Refusal::Undisposed(_)
            | Refusal::Closed(_)
            | Refusal::Throttled(_)
            | Refusal::StaleComments(_) => RefusalKind::Stale,
        }
    }

    fn place(&self, lang: Lang, form: &mut Form) {
        let message = match self {
            Refusal::NotFound | Refusal::Forbidden => return,
            Refusal::Invalid(errors) => {
                for (field, key) in errors {
                    form.error(lang, field, key);
                }
                return;
            }
            Refusal::UnknownClause { version_n, unknown, existing } => {
                let sep = if lang == Lang::En { ", " } else { "、" };
                let message = lang.tf(
                    "error.std.clause_unknown",
                    &[
                        ("refs", &unknown.join(sep)),
                        ("version", &format!("v{version_n}")),
                        ("list", &existing.join(sep)),
                    ],
                );
                form.error_labelled("clause_ref", lang.t("std.field.clause_ref"), message);
                return;
            }
            Refusal::Stale => lang.t("error.409").to_owned(),
            Refusal::NotInState => lang.t("error.std.transition").to_owned(),
            Refusal::NotInForce => lang.t("error.std.not_in_force").to_owned(),
            Refusal::Unmet(key) => lang.t(key).to_owned(),
            Refusal::Undisposed(seqs) => lang.tf("error.std.undisposed", &[("list", &seq_list(lang, seqs))]),
            Refusal::Closed(Some(CommentPeriod { closed_at: Some(at), .. })) => {
                lang.tf("error.std.period_closed_early", &[("date", &lang.date(*at))])
            }
            Refusal::Closed(Some(p)) => lang.tf(
                "error.std.period_closed",
                &[("start", &date(lang, p.window.starts_on)), ("end", &date(lang, p.window.ends_on))],
            ),
            Refusal::Closed(None) => lang.t("error.std.no_period").to_owned(),
            Refusal::Throttled(until) => lang.tf("error.std.comment_throttled", &[("time", &lang.time(*until))]),
            Refusal::StaleComments(seqs) => lang.tf("error.std.stale_comments", &[("list", &seq_list(lang, seqs))]),
        };
        form.message = Some(message);
    }
}

pub fn org_name(lang: Lang, o: Option<&Org>) -> String {
    match o {
        Some(o) if lang == Lang::En => o.name_en.clone(),
        Some(o) => o.name_zh.clone(),
        None => String::new(),
    }
}

/// The badge of a standing and its one-line reason.
pub struct Badge {
    pub code: &'static str,
    pub label: String,
    pub why: String,
}

fn date(lang: Lang, d: NaiveDate) -> String {
    lang.plain_date(d)
}

/// The badge of a standard and its reason, in the tense its dates call for.
pub fn badge(lang: Lang, d: &sdb::Detail, today: NaiveDate) -> Badge {
    let s = &d.std;
    let standing = s.standing(today);
    let code = standing.code();
    let label = lang.t(&format!("std.state.{code}")).to_owned();
    let on = |x: Option<NaiveDate>| x.map(|x| date(lang, x)).unwrap_or_default();
    let why = match standing {
        Standing::InForce => lang.tf("std.why.in_force", &[("date", &on(s.implementation_date))]),
        Standing::Upcoming => {
            let key =
                if s.release_date.is_some_and(|r| r > today) { "std.why.to_be_released" } else { "std.why.upcoming" };
            lang.tf(key, &[("release", &on(s.release_date)), ("date", &on(s.implementation_date))])
        }
        Standing::State(StandardState::PublicComment) => match &d.period {
            Some(p) if today < p.starts_on => {
                lang.tf("std.why.comment_soon", &[("start", &date(lang, p.starts_on)), ("end", &date(lang, p.ends_on))])
            }
            Some(p) if today <= p.ends_on => lang.tf("std.why.comment_open", &[("end", &date(lang, p.ends_on))]),
            Some(p) if d.counts.undisposed == 0 => {
                lang.tf("std.why.comment_ended_disposed", &[("end", &date(lang, p.ends_on))])
            }
            Some(p) => lang.tf(
                "std.why.comment_ended",
                &[("end", &date(lang, p.ends_on)), ("n", &d.counts.undisposed.to_string())],
            ),
            None => lang.t("std.why.public_comment").to_owned(),
        },
        Standing::State(StandardState::TechnicalReview) => {
            lang.tf("std.why.technical_review", &[("n", &d.positions.len().to_string())])
        }
        Standing::State(StandardState::Withdrawn) => lang.tf("std.why.withdrawn", &[("date", &on(s.withdrawn_date))]),
        Standing::State(st) => lang.t(&format!("std.why.{}", st.as_str())).to_owned(),
    };
    Badge { code, label, why }
}

pub struct LinkView {
    pub id: i64,
    pub label: String,
}

fn link_view(lang: Lang, l: &sdb::Link) -> LinkView {
    let title = if lang == Lang::En { &l.title_en } else { &l.title_zh };
    LinkView {
        id: l.id,
        label: match &l.number {
            Some(n) => format!("{n} {title}"),
            None => title.clone(),
        },
    }
}

fn version_label(lang: Lang, label: VersionLabel) -> String {
    lang.t(&format!("std.label.{}", label.as_str())).to_owned()
}

#[cfg(test)]
mod tests {
    use crate::domain::clauses;
    use crate::domain::standard::{
        CommentKind, Disposition, ReviewPosition, StandardAction, StandardKind, StandardState, VersionLabel,
    };
    use crate::i18n::Lang;

    /// Every code shown through `ctx.label(prefix, code)` has text in both languages.
    #[test]
    fn every_vocabulary_code_has_text() {
        let mut keys: Vec<String> = Vec::new();
        for s in StandardState::ALL {
            keys.push(format!("std.state.{}", s.as_str()));
            if !matches!(
                s,
                StandardState::PublicComment
                    | StandardState::TechnicalReview
                    | StandardState::Withdrawn
                    | StandardState::Published
            ) {
                keys.push(format!("std.why.{}", s.as_str()));
            }
        }
        keys.push("std.state.in_force".into());
        for a in StandardAction::ALL.into_iter().filter(|a| *a != StandardAction::Supersede) {
            keys.push(format!("std.action.{}", a.as_str()));
            keys.push(format!("std.action_hint.{}", a.as_str()));
        }
        for a in StandardAction::ALL {
            keys.push(format!("std.event.{}", a.as_str()));
        }
        for k in StandardKind::ALL {
            keys.push(format!("std.kind.{}", k.as_str()));
            keys.push(format!("std.publication.hint.{}", k.as_str()));
        }
        for l in VersionLabel::ALL {
            keys.push(format!("std.label.{}", l.as_str()));
        }
        for k in CommentKind::ALL {
            keys.push(format!("std.comment_kind.{}", k.as_str()));
        }
        for d in Disposition::ALL {
            keys.push(format!("std.disposition.{}", d.as_str()));
        }
        for p in ReviewPosition::ALL {
            keys.push(format!("std.position.{}", p.as_str()));
            keys.push(format!("std.event.position_{}", p.as_str()));
        }
        for c in
            [clauses::Change::Unchanged, clauses::Change::Changed, clauses::Change::Added, clauses::Change::Removed]
        {
            keys.push(format!("std.change.{}", c.as_str()));
        }
        for k in keys {
            for lang in Lang::ALL {
                assert_ne!(lang.t(&k), k, "{k} missing in {lang:?}");
            }
        }
    }

    fn values(catalog: &str) -> Vec<(&str, &str)> {
        catalog
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(" = "))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect()
    }

    /// Chinese: full-width punctuation (a colon only in a clock time), no
    /// brackets inside brackets, one word per meaning. English: no Chinese
    /// punctuation.
    #[test]
    fn the_catalog_reads_consistently() {
        let zh = values(include_str!("../../../locales/zh-CN/standards.txt"));
        for (k, v) in &zh {
            let chars: Vec<char> = v.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                let clock = *c == ':' && i > 0 && chars[i - 1].is_ascii_digit();
                assert!(!",;?!()\"".contains(*c) && (*c != ':' || clock), "{k}: ASCII {c:?} in Chinese: {v}");
            }
            let mut depth = 0;
            for c in v.chars() {
                match c {
                    '（' | '(' | '【' => {
                        depth += 1;
                        assert!(depth < 2, "{k}: brackets inside brackets: {v}");
                    }
                    '）' | ')' | '】' => depth -= 1,
                    _ => {}
                }
            }
            for (other, one) in [
                ("未予立项", "不予立项"),
                ("未立项", "不予立项"),
                ("处理结果", "处理意见"),
                ("不予通过", "未通过"),
                ("未予通过", "未通过"),
            ] {
                assert!(!v.contains(other), "{k}: {other} (we say {one}): {v}");
            }
        }
        for (k, v) in values(include_str!("../../../locales/en/standards.txt")) {
            assert!(!v.contains(['、', '，', '。', '：', '（', '）']), "{k}: Chinese punctuation in English: {v}");
        }
    }
}
