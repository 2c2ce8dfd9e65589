//! Bad input, everywhere: crawl the demo site as the public and as every demo
//! account, collect every `<form method="post">` the pages render (so a new
//! form is covered without touching this file), and post hostile variants of
//! each: no CSRF token, oversized and over-long fields, invalid UTF-8, script
//! tags, SQL fragments, negative and huge numbers, impossible dates, ids of
//! other organizations (in fields and in the URL).
//!
//! Every answer must be below 500. A refused post (4xx, or a re-rendered form)
//! must leave the database as it was; an accepted one (303) must have written
//! its audit row. Posts without a CSRF token must be refused with 403.

use std::collections::{BTreeMap, HashSet, VecDeque};

use reqwest::StatusCode;

use crate::helpers::{spawn_app, TestApp, DEMO_PASSWORD};

// ------------------------------------------------------------ HTML scanning

/// Attributes of the tag starting at `html[start..]` (just after `<name`).
fn attrs(tag: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let b = tag.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        if start == i {
            i += 1;
            continue;
        }
        let name = tag[start..i].to_ascii_lowercase();
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                i += 1;
                let vs = i;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                value = tag[vs..i].to_owned();
                i += 1;
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                value = tag[vs..i].to_owned();
            }
        }
        out.insert(name, unescape(&value));
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every `<name …>` tag in `html`, as attribute maps, with its byte offset.
fn tags<'a>(html: &'a str, name: &'a str) -> impl Iterator<Item = (usize, BTreeMap<String, String>)> + 'a {
    let open = format!("<{name}");
    let mut pos = 0;
    std::iter::from_fn(move || loop {
        let i = pos + html[pos..].find(&open)?;
        let after = i + open.len();
        let next = html[after..].chars().next()?;
        let end = after + html[after..].find('>')?;
        pos = end;
        if next.is_ascii_whitespace() || next == '>' {
            return Some((i, attrs(&html[after..end])));
        }
    })
}

#[derive(Debug, Clone)]
struct Field {
    name: String,
    kind: String,
    value: String,
}

#[derive(Debug, Clone)]
struct PostForm {
    page: String,
    action: String,
    multipart: bool,
    fields: Vec<Field>,
}

impl PostForm {
    fn csrf(&self) -> Option<&str> {
        self.fields.iter().find(|f| f.name == "csrf_token").map(|f| f.value.as_str())
    }

    /// The action with numbers replaced, and the field names: what makes two forms "the same form".
    fn key(&self) -> String {
        let path = self.action.split('?').next().unwrap_or_default();
        let shape: Vec<String> =
            path.split('/')
                .map(|s| {
                    if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() {
                        "{id}".to_owned()
                    } else {
                        s.to_owned()
                    }
                })
                .collect();
        let mut names: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        format!("{} [{}]", shape.join("/"), names.join(","))
    }
}

fn forms_in(page: &str, html: &str) -> Vec<PostForm> {
    let mut out = Vec::new();
    for (start, a) in tags(html, "form") {
        if !a.get("method").is_some_and(|m| m.eq_ignore_ascii_case("post")) {
            continue;
        }
        let end = start + html[start..].find("</form>").unwrap_or(html.len() - start);
        let inner = &html[start..end];
        let mut fields = Vec::new();
        for (_, f) in tags(inner, "input") {
            let Some(name) = f.get("name") else { continue };
            fields.push(Field {
                name: name.clone(),
                kind: f.get("type").cloned().unwrap_or_else(|| "text".into()),
                value: f.get("value").cloned().unwrap_or_default(),
            });
        }
        for (_, f) in tags(inner, "textarea") {
            let Some(name) = f.get("name") else { continue };
            fields.push(Field { name: name.clone(), kind: "textarea".into(), value: String::new() });
        }
        for (s, f) in tags(inner, "select") {
            let Some(name) = f.get("name") else { continue };
            let close = s + inner[s..].find("</select>").unwrap_or(inner.len() - s);
            let options: Vec<String> =
                tags(&inner[s..close], "option").filter_map(|(_, o)| o.get("value").cloned()).collect();
            let value = options.first().cloned().unwrap_or_default();
            fields.push(Field { name: name.clone(), kind: "select".into(), value });
        }
        for (_, f) in tags(inner, "button") {
            if let (Some(name), Some(value)) = (f.get("name"), f.get("value")) {
                fields.push(Field { name: name.clone(), kind: "submit".into(), value: value.clone() });
            }
        }
        let multipart = a.get("enctype").is_some_and(|e| e.contains("multipart"));
        out.push(PostForm {
            page: page.to_owned(),
            action: a.get("action").cloned().unwrap_or_else(|| page.to_owned()),
            multipart,
            fields,
        });
    }
    out
}

fn links_in(html: &str) -> Vec<String> {
    tags(html, "a")
        .filter_map(|(_, a)| a.get("href").cloned())
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(|h| h.split('#').next().unwrap_or_default().to_owned())
        .filter(|h| {
            !h.is_empty()
                && !h.starts_with("/static/")
                && !h.starts_with("/lang/")
                && !h.starts_with("/feeds/")
                && !h.contains(".csv")
                && !h.contains(".xlsx")
                && !h.contains("/attachments/")
        })
        .collect()
}

fn shape(path: &str) -> String {
    let p = path.split('?').next().unwrap_or_default();
    p.split('/')
        .map(|s| if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) { "{id}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// Visit the site as this client and collect the post forms of every page.
async fn crawl(app: &TestApp) -> (Vec<PostForm>, usize) {
    let mut queue: VecDeque<String> = [
        "/",
        "/standards",
        "/pledges",
        "/orgs",
        "/login",
        "/standards/new",
        "/pledges/new",
        "/admin/users",
        "/admin/users/new",
        "/admin/orgs",
        "/admin/orgs/new",
        "/admin/audit",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut seen: HashSet<String> = queue.iter().cloned().collect();
    let mut per_shape: BTreeMap<String, usize> = BTreeMap::new();
    let mut forms = Vec::new();
    let mut pages = 0;
    while let Some(path) = queue.pop_front() {
        if pages >= 600 {
            break;
        }
        let r = app.get(&path).await;
        let status = r.status();
        assert!(status.as_u16() < 500, "GET {path} answered {status}");
        if status != StatusCode::OK {
            continue;
        }
        pages += 1;
        let html = r.text().await.unwrap();
        forms.extend(forms_in(&path, &html));
        for l in links_in(&html) {
            let n = per_shape.entry(shape(&l)).or_default();
            if *n < 15 && seen.insert(l.clone()) {
                *n += 1;
                queue.push_back(l);
            }
        }
    }
    (forms, pages)
}

// ------------------------------------------------------------ the database's state

/// Row counts of every table but the ones that legitimately change on a
/// refused post (sessions; throttle counters of failed sign-ins and comments),
/// plus per-table version sums and latest update times to see edits.
fn fingerprint(app: &TestApp) -> Vec<(String, String)> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct S {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let mut out = Vec::new();
    let q = |sql: String| -> String {
        let r: S = diesel::sql_query(sql).get_result(&mut *app.conn()).unwrap();
        r.v
    };
    for t in [
        "organizations",
        "users",
        "audit_log",
        "standards",
        "standard_codrafters",
        "standard_events",
        "standard_versions",
        "attachments",
        "comment_periods",
        "comments",
        "review_positions",
        "pledges",
        "pledge_commitments",
        "signatures",
        "signature_exclusions",
        "signature_events",
        "settings",
    ] {
        out.push((t.to_owned(), q(format!("SELECT CAST(COUNT(*) AS TEXT) AS v FROM {t}"))));
    }
    for t in ["organizations", "users", "standards", "pledges", "signatures"] {
        out.push((
            format!("{t}.updated_at"),
            q(format!("SELECT COALESCE(CAST(MAX(updated_at) AS TEXT), '') AS v FROM {t}")),
        ));
    }
    for t in ["standards", "pledges", "signatures"] {
        out.push((format!("{t}.version"), q(format!("SELECT CAST(COALESCE(SUM(version), 0) AS TEXT) AS v FROM {t}"))));
    }
    out.push(("comments.disposed".into(), q("SELECT CAST(COUNT(disposed_at) AS TEXT) AS v FROM comments".into())));
    out.push(("users.hashes".into(), q("SELECT CAST(COUNT(DISTINCT password_hash) AS TEXT) AS v FROM users".into())));
    out
}

fn audit_count(fp: &[(String, String)]) -> i64 {
    fp.iter().find(|(k, _)| k == "audit_log").map(|(_, v)| v.parse().unwrap()).unwrap_or(0)
}

// ------------------------------------------------------------ hostile variants

#[derive(Debug, Clone)]
enum Body {
    Form(Vec<(String, String)>),
    Raw(Vec<u8>),
}

struct Variant {
    name: &'static str,
    action: String,
    body: Body,
    /// Must be refused with exactly this status (else: anything below 500).
    expect: Option<u16>,
}

const HOSTILE: [(&str, &str); 8] = [
    ("script", "<script>alert(1)</script>\"><img src=x onerror=alert(1)>"),
    ("sql", "' OR 1=1; DROP TABLE users; --"),
    ("negative", "-1"),
    ("huge", "99999999999999999999999"),
    ("i64_overflow", "9223372036854775808"),
    ("bad_date", "2026-02-30"),
    ("ancient_date", "0000-00-00"),
    ("far_date", "+275760-09-13"),
];

fn is_id_field(name: &str) -> bool {
    name.ends_with("_id")
        || name.ends_with("_ids")
        || ["org", "org_id", "organization", "codrafters", "commitments", "excluded"].contains(&name)
}

fn variants(form: &PostForm, foreign_org: i64, foreign_ids: &[(&str, i64)]) -> Vec<Variant> {
    let token = form.csrf().unwrap_or_default().to_owned();
    let editable = |f: &Field| f.name != "csrf_token" && f.kind != "submit" && f.kind != "file";
    let with = |value: &dyn Fn(&Field) -> String| -> Vec<(String, String)> {
        form.fields
            .iter()
            .filter(|f| f.kind != "file")
            .map(|f| (f.name.clone(), if editable(f) { value(f) } else { f.value.clone() }))
            .collect()
    };
    let mut out = Vec::new();
    // No CSRF token at all (but everything else as the page had it).
    let no_csrf: Vec<(String, String)> = form
        .fields
        .iter()
        .filter(|f| f.name != "csrf_token" && f.kind != "file")
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect();
    let bare_action = strip_csrf_query(&form.action);
    out.push(Variant { name: "no_csrf", action: bare_action.clone(), body: Body::Form(no_csrf), expect: Some(403) });
    // A body far over the limit (only where the form has a field to fill).
    if form.fields.iter().any(editable) {
        out.push(Variant {
            name: "oversized",
            action: form.action.clone(),
            body: Body::Form(with(&|_| "長".repeat(400_000))),
            // 413 from the body limit of urlencoded forms; an upload form re-renders with its own limits.
            expect: if form.multipart { None } else { Some(413) },
        });
    }
    // Every field just over what any field allows, the whole body under the limit.
    let n = form.fields.iter().filter(|f| editable(f)).count().max(1);
    let each = (60_000 / n).min(5_001);
    out.push(Variant {
        name: "over_long",
        action: form.action.clone(),
        body: Body::Form(with(&|_| "x".repeat(each))),
        expect: None,
    });
    // Invalid UTF-8, percent-encoded and raw.
    let mut raw = format!("csrf_token={token}").into_bytes();
    for f in form.fields.iter().filter(|f| editable(f)) {
        raw.extend_from_slice(format!("&{}=%FF%FE%C0%AF", f.name).as_bytes());
    }
    out.push(Variant { name: "invalid_utf8_encoded", action: form.action.clone(), body: Body::Raw(raw), expect: None });
    let mut raw = format!("csrf_token={token}").into_bytes();
    for f in form.fields.iter().filter(|f| editable(f)) {
        raw.extend_from_slice(format!("&{}=", f.name).as_bytes());
        raw.extend_from_slice(&[0xff, 0xfe, 0xc0, 0xaf]);
    }
    out.push(Variant { name: "invalid_utf8_raw", action: form.action.clone(), body: Body::Raw(raw), expect: None });
    for (name, value) in HOSTILE {
        out.push(Variant {
            name,
            action: form.action.clone(),
            body: Body::Form(with(&|_| value.to_owned())),
            expect: None,
        });
    }
    // Everything missing but the token.
    out.push(Variant {
        name: "empty",
        action: form.action.clone(),
        body: Body::Form(vec![("csrf_token".into(), token.clone())]),
        expect: None,
    });
    // Ids of other organizations (and of nothing) in id-like fields.
    if form.fields.iter().any(|f| is_id_field(&f.name)) {
        for id in [foreign_org, 999_999_999] {
            let v = with(&|f: &Field| if is_id_field(&f.name) { id.to_string() } else { f.value.clone() });
            out.push(Variant {
                name: "foreign_id_field",
                action: form.action.clone(),
                body: Body::Form(v),
                expect: None,
            });
        }
    }
    // The same form aimed at another organization's object, or at nothing.
    let segments: Vec<&str> = bare_action.split('/').collect();
    for (i, s) in segments.iter().enumerate() {
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let kind = segments.get(i.wrapping_sub(1)).copied().unwrap_or_default();
        let mut targets: Vec<String> = vec!["999999999".into(), "-1".into(), "0".into(), "99999999999999999999".into()];
        if let Some((_, id)) = foreign_ids.iter().find(|(k, _)| *k == kind) {
            targets.push(id.to_string());
        }
        for t in targets {
            let mut segs: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
            segs[i] = t;
            let mut action = segs.join("/");
            if form.action.contains("csrf_token=") {
                action = format!("{action}?csrf_token={token}");
            }
            let v: Vec<(String, String)> =
                form.fields.iter().filter(|f| f.kind != "file").map(|f| (f.name.clone(), f.value.clone())).collect();
            out.push(Variant { name: "foreign_id_url", action, body: Body::Form(v), expect: None });
        }
    }
    out
}

fn strip_csrf_query(action: &str) -> String {
    match action.split_once('?') {
        Some((path, q)) => {
            let rest: Vec<&str> = q.split('&').filter(|p| !p.starts_with("csrf_token=")).collect();
            if rest.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{}", rest.join("&"))
            }
        }
        None => action.to_owned(),
    }
}

async fn send(app: &TestApp, form: &PostForm, v: &Variant) -> reqwest::Result<reqwest::Response> {
    let url = app.url(&v.action);
    let req = app.client.post(url);
    let req = match (&v.body, form.multipart) {
        (Body::Form(fields), true) => {
            let mut mp = reqwest::multipart::Form::new();
            for (k, val) in fields {
                mp = mp.text(k.clone(), val.clone());
            }
            for f in form.fields.iter().filter(|f| f.kind == "file") {
                let part = reqwest::multipart::Part::bytes(b"<script>alert(1)</script> not a PDF".to_vec())
                    .file_name("../../etc/passwd.pdf")
                    .mime_str("application/pdf")
                    .unwrap();
                mp = mp.part(f.name.clone(), part);
            }
            req.multipart(mp)
        }
        (Body::Form(fields), false) => req.form(fields),
        (Body::Raw(bytes), _) => req.header("content-type", "application/x-www-form-urlencoded").body(bytes.clone()),
    };
    req.send().await
}

// ------------------------------------------------------------ the walk

#[tokio::test]
async fn every_form_refuses_bad_input_without_a_500() {
    let app = spawn_app().await;
    // Admin last: its forms reset passwords and change roles.
    let people = [
        "",
        "filer@example.org",
        "filer2@example.org",
        "editor@example.org",
        "reviewer@example.org",
        "admin@example.org",
    ];
    let foreign_org: i64 = {
        use diesel::prelude::*;
        use selfreg::db::schema::organizations;
        organizations::table
            .filter(organizations::name_zh.eq("示例平台28"))
            .select(organizations::id)
            .first(&mut *app.conn())
            .unwrap()
    };
    let mut report = Vec::new();
    let mut failures = Vec::new();
    let mut posted = 0;
    let mut covered: BTreeMap<String, usize> = BTreeMap::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for who in people {
        let me = app.other_client();
        if !who.is_empty() {
            me.login(who).await;
        }
        let foreign_ids = foreign_ids_for(&app, who);
        let (forms, pages) = crawl(&me).await;
        let mut seen = HashSet::new();
        // Forms aimed at the signed-in user itself (password reset, role) go to
        // another user instead, so the walk keeps its session.
        let (me_id, other_id) = own_and_other_user(&app, who);
        let forms: Vec<PostForm> = forms
            .into_iter()
            .map(|mut f| {
                let own = format!("/admin/users/{me_id}");
                if f.action == own || f.action.starts_with(&format!("{own}/")) {
                    f.action = f.action.replacen(&own, &format!("/admin/users/{other_id}"), 1);
                }
                f
            })
            .filter(|f| !f.action.starts_with("/logout") && seen.insert(f.key()))
            .collect();
        report.push(format!(
            "{}: {pages} pages, {} distinct post forms",
            if who.is_empty() { "public" } else { who },
            forms.len()
        ));
        for form in &forms {
            *covered.entry(form.key().split(' ').next().unwrap_or_default().to_owned()).or_default() += 1;
            for v in variants(form, foreign_org, &foreign_ids) {
                let before = fingerprint(&app);
                posted += 1;
                let r = match send(&me, form, &v).await {
                    Ok(r) => r,
                    // A server may close the connection on an oversized body before reading it all.
                    Err(e) if v.name == "oversized" => {
                        if fingerprint(&app) != before {
                            failures.push(format!(
                                "{who:?} {} (oversized): connection closed ({e}) but the database changed",
                                v.action
                            ));
                        }
                        *statuses.entry(0).or_default() += 1;
                        continue;
                    }
                    Err(e) => panic!("{who:?} {} ({}): no answer: {e}", v.action, v.name),
                };
                let status = r.status().as_u16();
                *statuses.entry(status).or_default() += 1;
                let location = r.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
                let after = fingerprint(&app);
                let what = format!("{who:?} {} ({} from {}) -> {status} {location}", v.action, v.name, form.page);
                if status >= 500 {
                    let body = r.text().await.unwrap_or_default();
                    failures.push(format!("{what}: server error {}", body.chars().take(200).collect::<String>()));
                    continue;
                }
                if let Some(want) = v.expect {
                    if status != want {
                        failures.push(format!("{what}: expected {want}"));
                    }
                }
                let changed = before != after;
                if status == 303 {
                    if changed && audit_count(&after) <= audit_count(&before) {
                        failures.push(format!("{what}: accepted a change without an audit row"));
                    }
                    if v.expect.is_some() && changed {
                        failures.push(format!("{what}: changed the database"));
                    }
                } else if changed {
                    let diff: Vec<String> = before
                        .iter()
                        .zip(&after)
                        .filter(|(a, b)| a != b)
                        .map(|(a, b)| format!("{} {} -> {}", a.0, a.1, b.1))
                        .collect();
                    failures.push(format!("{what}: refused but changed the database: {}", diff.join("; ")));
                }
            }
        }
        // The walk kept its session: the posts above were judged as this user's, not as a stranger's.
        if !who.is_empty() {
            let (_, home) = me.get_html("/").await;
            assert!(home.contains("action=\"/logout\""), "{who} was signed out during the walk");
        }
    }
    // No filer ever signed or applied for another organization.
    {
        use diesel::prelude::*;
        use selfreg::db::schema::{signatures, users};
        let stray: i64 = signatures::table
            .inner_join(users::table.on(signatures::applied_by.eq(users::id.nullable())))
            .filter(users::role.eq("filer"))
            .filter(signatures::organization_id.ne(users::organization_id))
            .count()
            .get_result(&mut *app.conn())
            .unwrap();
        assert_eq!(stray, 0, "a filer applied for another organization");
    }
    eprintln!("bad input: {}; {posted} hostile posts to {} form shapes", report.join("; "), covered.len());
    eprintln!("  answers by status: {statuses:?}");
    for k in covered.keys() {
        eprintln!("  covered {k}");
    }
    assert!(covered.len() >= 15, "the crawl found too few forms: {covered:?}");
    assert!(failures.is_empty(), "{} bad answers:\n{}", failures.len(), failures.join("\n"));
}

/// The user id of `who` (0 for the public) and of another demo user.
fn own_and_other_user(app: &TestApp, who: &str) -> (i64, i64) {
    use diesel::prelude::*;
    use selfreg::db::schema::users;
    let mut c = app.conn();
    let mut id =
        |email: &str| users::table.filter(users::email.eq(email)).select(users::id).first::<i64>(&mut *c).unwrap_or(0);
    let other = if who == "filer2@example.org" { "filer@example.org" } else { "filer2@example.org" };
    (id(who), id(other))
}

/// For each kind of object in a URL, an object that belongs to another
/// organization than `who`'s.
fn foreign_ids_for(app: &TestApp, who: &str) -> Vec<(&'static str, i64)> {
    use diesel::prelude::*;
    use selfreg::db::schema::{organizations, pledges, signatures, standards, users};
    let mut c = app.conn();
    let my_org: Option<i64> = if who.is_empty() {
        None
    } else {
        users::table.filter(users::email.eq(who)).select(users::organization_id).first(&mut *c).ok()
    };
    let other = my_org.unwrap_or(-1);
    let mut out = Vec::new();
    if let Ok(id) =
        signatures::table.filter(signatures::organization_id.ne(other)).select(signatures::id).first::<i64>(&mut *c)
    {
        out.push(("signatures", id));
    }
    if let Ok(id) =
        standards::table.filter(standards::lead_org_id.ne(other)).select(standards::id).first::<i64>(&mut *c)
    {
        out.push(("standards", id));
    }
    if let Ok(id) = pledges::table.filter(pledges::organization_id.ne(other)).select(pledges::id).first::<i64>(&mut *c)
    {
        out.push(("pledges", id));
    }
    if let Ok(id) = users::table.filter(users::organization_id.ne(other)).select(users::id).first::<i64>(&mut *c) {
        out.push(("users", id));
    }
    if let Ok(id) =
        organizations::table.filter(organizations::id.ne(other)).select(organizations::id).first::<i64>(&mut *c)
    {
        out.push(("orgs", id));
    }
    let _ = DEMO_PASSWORD;
    out
}
