//! Atom feeds: one template and one response for every area's feed.

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;

use super::Ctx;
use crate::error::{AppError, AppResult};

/// The standards feed: new comment periods and publications.
pub const STANDARDS: (&str, &str) = ("/feeds/standards.atom", "std.feed.title");
/// The reports feed: accepted commitment reports.
pub const REPORTS: (&str, &str) = ("/feeds/reports.atom", "rpt.feed.title");

/// The feeds a page announces with `<link rel="alternate" type="application/atom+xml">`
/// (path and title key): standards pages the standards feed, the dashboard and
/// report pages the reports feed, the home page both.
pub fn feeds_for(path: &str) -> &'static [(&'static str, &'static str)] {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if path == "/" {
        &[STANDARDS, REPORTS]
    } else if under("/standards") {
        &[STANDARDS]
    } else if under("/dashboard")
        || path.starts_with("/dashboard.")
        || under("/reports")
        || under("/reporting")
        || under("/review")
        || under("/periods")
        || (path.starts_with("/orgs/") && path.ends_with("/reports"))
    {
        &[REPORTS]
    } else {
        &[]
    }
}

pub struct Entry {
    pub id: String,
    pub title: String,
    /// Site-relative path of the entry's page.
    pub path: String,
    pub updated: NaiveDateTime,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "feeds/feed.xml")]
struct Feed<'a> {
    ctx: &'a Ctx,
    title: &'a str,
    /// The feed's own path and the page it follows.
    path: &'a str,
    alternate: &'a str,
    base: String,
    updated: String,
    entries: Vec<(&'a Entry, String)>,
}

fn rfc3339(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The feed at `path` (following the page `alternate`), newest entry first.
pub fn atom(
    ctx: &Ctx,
    req: &HttpRequest,
    title_key: &str,
    path: &str,
    alternate: &str,
    entries: &[Entry],
) -> AppResult<HttpResponse> {
    // Absolute links come from --public-url, never from request headers (Host, X-Forwarded-Host).
    let base = req
        .app_data::<actix_web::web::Data<super::AppState>>()
        .map(|s| s.settings.public_url.clone())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
    let updated = rfc3339(entries.first().map(|e| e.updated).unwrap_or_else(crate::db::now));
    let body = Feed {
        ctx,
        title: ctx.t(title_key),
        path,
        alternate,
        base,
        updated,
        entries: entries.iter().map(|e| (e, rfc3339(e.updated))).collect(),
    }
    .render()
    .map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))?;
    Ok(HttpResponse::Ok().content_type("application/atom+xml; charset=utf-8").body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_announce_the_feed_of_their_area() {
        assert_eq!(feeds_for("/"), &[STANDARDS, REPORTS]);
        assert_eq!(feeds_for("/standards?status=in_force"), &[STANDARDS]);
        assert_eq!(feeds_for("/standards/3/comments"), &[STANDARDS]);
        assert_eq!(feeds_for("/dashboard?period=2"), &[REPORTS]);
        assert_eq!(feeds_for("/reports/4"), &[REPORTS]);
        assert_eq!(feeds_for("/orgs/4/reports"), &[REPORTS]);
        assert!(feeds_for("/standardsx").is_empty());
        assert!(feeds_for("/orgs/4").is_empty());
        assert!(feeds_for("/admin/audit").is_empty());
    }
}
