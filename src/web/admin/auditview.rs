//! The audit log as sentences in the reader's language. This is the one
//! mapping from what `audit::record` stores (object type, action, before and
//! after as JSON) to catalog keys:
//!
//! - sentence `audit.s.{type}.{action}` (or a state move: `audit.s.forward`,
//!   `.back`, `.change`; anything unknown: `audit.s.other`), with `{actor}`,
//!   `{object}` (a link), `{from}`, `{to}`, `{what}`, `{n}`;
//! - the object `audit.obj.{type}` (a standard's title, a signature's
//!   organization and pledge, …), linked to its page;
//! - each changed field `audit.field.{key}` with its value made readable
//!   (states, roles and kinds by their names, organizations by name, dates
//!   in the page's format, yes/no), never the stored code or JSON.

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use crate::db::audit::AuditRow;
use crate::db::auditnames::{Bilingual, Names, Wanted};
use crate::i18n::Lang;

/// A piece of a sentence: text, or the object as a link to its page.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Link(String, String),
}

/// One field that changed (or, for a new record, was set): readable values, "" for none.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub label: String,
    pub before: String,
    pub after: String,
}

/// One row of the audit log, ready to show or export.
#[derive(Debug, Clone)]
pub struct Line {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub actor_email: String,
    /// The network address the change came from, when known.
    pub address: String,
    pub object_type: String,
    pub type_label: String,
    pub object_id: Option<i64>,
    pub action_label: String,
    pub parts: Vec<Part>,
    pub changes: Vec<Change>,
}

impl Line {
    /// The sentence as plain text (for the CSV export).
    pub fn sentence(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) | Part::Link(_, t) => t.as_str(),
            })
            .collect()
    }

    /// The log of this actor alone.
    pub fn actor_href(&self) -> String {
        format!("/admin/audit?actor={}", crate::web::urlencode(&self.actor_email))
    }

    /// The log of this object alone.
    pub fn object_href(&self) -> Option<String> {
        let id = self.object_id?;
        Some(format!("/admin/audit?object_type={}&object_id={id}", crate::web::urlencode(&self.object_type)))
    }

    /// The changes as plain text: `label: before → after; …`.
    pub fn changes_text(&self, lang: Lang) -> String {
        let sep = if lang == Lang::Zh { "：" } else { ": " };
        self.changes
            .iter()
            .map(|c| match (c.before.is_empty(), c.after.is_empty()) {
                (true, _) => format!("{}{sep}{}", c.label, c.after),
                (false, true) => format!("{}{sep}{} → —", c.label, c.before),
                (false, false) => format!("{}{sep}{} → {}", c.label, c.before, c.after),
            })
            .collect::<Vec<_>>()
            .join(if lang == Lang::Zh { "；" } else { "; " })
    }
}

/// Keys whose numbers are organizations.
const ORG_KEYS: [&str; 4] = ["organization_id", "proposing_org_id", "lead_org_id", "actor_org_id"];
/// Keys that say nothing to a reader (counters, ids already in the sentence).
const SKIP_KEYS: [&str; 7] = ["id", "version", "review_round", "comment_seq", "year", "revision_of_id", "search_text"];
/// The order fields are listed in; others follow in stored order.
const FIELD_ORDER: [&str; 36] = [
    "kind",
    "title_zh",
    "title_en",
    "name_zh",
    "name_en",
    "label_zh",
    "label_en",
    "email",
    "display_name",
    "role",
    "active",
    "organization_id",
    "credit_code",
    "website",
    "contact",
    "number",
    "scope",
    "proposing_org_id",
    "lead_org_id",
    "codrafters",
    "ics",
    "ccs",
    "replaces_id",
    "release_date",
    "implementation_date",
    "withdrawn_date",
    "guiding_body_zh",
    "guiding_body_en",
    "text_md_zh",
    "text_md_en",
    "commitments",
    "state",
    "reason",
    "representative_name",
    "representative_title",
    "all_commitments",
];

fn parse(json: &Option<String>) -> Option<Value> {
    json.as_deref().and_then(|s| serde_json::from_str(s).ok())
}

/// What a page of rows needs loaded to be told as sentences.
pub fn wanted(rows: &[AuditRow]) -> Wanted {
    let mut w = Wanted::default();
    for r in rows {
        w.users.extend(r.actor_user_id);
        w.orgs.extend(r.actor_org_id);
        w.tokens.extend(r.actor_token_id);
        if let Some(id) = r.object_id {
            match r.object_type.as_str() {
                "standard" => w.standards.insert(id),
                "pledge" => w.pledges.insert(id),
                "signature" => w.signatures.insert(id),
                "report" => w.reports.insert(id),
                "reporting_period" => w.periods.insert(id),
                "organization" => w.orgs.insert(id),
                "user" | "session" => w.users.insert(id),
                "comment" => w.comments.insert(id),
                "standard_version" => w.versions.insert(id),
                _ => false,
            };
        }
        for v in [parse(&r.before_json), parse(&r.after_json)].into_iter().flatten() {
            match v {
                Value::Object(m) => {
                    for (k, v) in &m {
                        let ids = v.as_i64().into_iter().chain(
                            v.as_array().into_iter().flatten().filter_map(Value::as_i64).filter(|_| k == "codrafters"),
                        );
                        for id in ids {
                            if ORG_KEYS.contains(&k.as_str()) || k == "codrafters" {
                                w.orgs.insert(id);
                            } else if k == "pledge_id" {
                                w.pledges.insert(id);
                            } else if k == "replaces_id" {
                                w.standards.insert(id);
                            }
                        }
                    }
                }
                Value::Array(a) => {
                    let first = a.first().and_then(Value::as_i64);
                    match (r.object_type.as_str(), r.action.as_str(), first) {
                        ("report", "create", Some(period)) => {
                            w.periods.insert(period);
                            w.orgs.extend(a.get(1).and_then(Value::as_i64));
                        }
                        ("comment" | "standard_version", "create", Some(s)) => {
                            w.standards.insert(s);
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
    w
}

fn pick(lang: Lang, b: &Bilingual) -> &str {
    if lang == Lang::En && !b.en.is_empty() {
        &b.en
    } else {
        &b.zh
    }
}

/// A code as words when the catalog has no name for it: `not_started` → "not started".
fn humanize(code: &str) -> String {
    code.replace(['_', '-'], " ")
}

/// The catalog text of `prefix.code`, or the code made readable.
fn label(lang: Lang, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}.{code}");
    match lang.t(&key) {
        t if t == key => humanize(code),
        t => t.to_owned(),
    }
}

fn title(lang: Lang, t: &str) -> String {
    match lang {
        Lang::Zh => format!("《{t}》"),
        Lang::En => format!("“{t}”"),
    }
}

fn org(lang: Lang, names: &Names, id: i64) -> String {
    names.orgs.get(&id).map(|o| pick(lang, o).to_owned()).unwrap_or_else(|| lang.tf("audit.obj.unknown_org", &[]))
}

fn standard(lang: Lang, names: &Names, id: i64) -> String {
    match names.standards.get(&id) {
        Some(s) => lang.tf("audit.obj.standard", &[("title", &title(lang, pick(lang, s)))]),
        None => numbered(lang, "standard", id),
    }
}

fn pledge(lang: Lang, names: &Names, id: i64) -> String {
    match names.pledges.get(&id) {
        Some(p) => lang.tf(
            "audit.obj.pledge",
            &[("kind", &label(lang, "pledge_kind", &p.kind)), ("title", &title(lang, pick(lang, &p.title)))],
        ),
        None => numbered(lang, "pledge", id),
    }
}

/// "标准 #12" for a record whose name is gone.
fn numbered(lang: Lang, object_type: &str, id: i64) -> String {
    lang.tf("audit.obj.numbered", &[("type", &type_label(lang, object_type)), ("id", &id.to_string())])
}

/// The name of an object type (for the filter menu and the export).
pub fn type_label(lang: Lang, object_type: &str) -> String {
    let key = format!("audit.type.{object_type}");
    match lang.t(&key) {
        t if t == key => lang.t("audit.type.other").to_owned(),
        t => t.to_owned(),
    }
}

/// The name of an action (for the filter menu and the export).
pub fn action_label(lang: Lang, action: &str) -> String {
    label(lang, "audit.action", action)
}

/// The object of a row as words, and its page.
fn object(lang: Lang, r: &AuditRow, names: &Names) -> Option<(String, Option<String>)> {
    let id = r.object_id?;
    let t = r.object_type.as_str();
    let known = |found: bool, text: String, href: String| {
        if found {
            (text, Some(href))
        } else {
            (numbered(lang, t, id), None)
        }
    };
    Some(match t {
        "standard" => known(names.standards.contains_key(&id), standard(lang, names, id), format!("/standards/{id}")),
        "pledge" => known(names.pledges.contains_key(&id), pledge(lang, names, id), format!("/pledges/{id}")),
        "organization" => known(
            names.orgs.contains_key(&id),
            lang.tf("audit.obj.organization", &[("name", &org(lang, names, id))]),
            format!("/admin/orgs/{id}"),
        ),
        "user" | "session" => match names.users.get(&id) {
            Some(u) => (lang.tf("audit.obj.user", &[("name", &u.display_name)]), Some(format!("/admin/users/{id}"))),
            None => (numbered(lang, "user", id), None),
        },
        "signature" => match names.signatures.get(&id) {
            Some((p, o)) => (
                lang.tf("audit.obj.signature", &[("org", &org(lang, names, *o)), ("pledge", &pledge(lang, names, *p))]),
                Some(format!("/signatures/{id}")),
            ),
            None => (numbered(lang, t, id), None),
        },
        "report" => match names.reports.get(&id).map(|(o, p)| (o, names.periods.get(p))) {
            Some((o, Some(p))) => (
                lang.tf("audit.obj.report", &[("org", &org(lang, names, *o)), ("period", pick(lang, &p.label))]),
                Some(format!("/reports/{id}")),
            ),
            _ => (numbered(lang, t, id), None),
        },
        "reporting_period" => match names.periods.get(&id) {
            Some(p) => (
                lang.tf(
                    "audit.obj.reporting_period",
                    &[("period", pick(lang, &p.label)), ("pledge", &pledge(lang, names, p.pledge_id))],
                ),
                Some(format!("/pledges/{}/periods", p.pledge_id)),
            ),
            None => (numbered(lang, t, id), None),
        },
        "comment" => match names.comments.get(&id) {
            Some((s, seq)) => (
                lang.tf("audit.obj.comment", &[("standard", &standard(lang, names, *s)), ("n", &seq.to_string())]),
                Some(format!("/standards/{s}/comments/{seq}")),
            ),
            None => (numbered(lang, t, id), None),
        },
        "standard_version" => match names.versions.get(&id) {
            Some((s, n)) => (
                lang.tf(
                    "audit.obj.standard_version",
                    &[("standard", &standard(lang, names, *s)), ("n", &n.to_string())],
                ),
                Some(format!("/standards/{s}/versions/{n}")),
            ),
            None => (numbered(lang, t, id), None),
        },
        _ => (numbered(lang, t, id), None),
    })
}

/// Who acted: "编辑 张三（示例协会）", the system, or the public (anonymous comments).
fn actor(lang: Lang, r: &AuditRow, names: &Names) -> (String, String) {
    match r.actor_user_id {
        Some(uid) => match names.users.get(&uid) {
            Some(u) => {
                let org_id = r.actor_org_id.unwrap_or(u.organization_id);
                let mut text = lang.tf(
                    "audit.actor_text",
                    &[
                        ("role", &label(lang, "audit.role", &u.role)),
                        ("name", &u.display_name),
                        ("org", &org(lang, names, org_id)),
                    ],
                );
                if let Some(t) = r.actor_token_id {
                    let name = names.tokens.get(&t).cloned().unwrap_or_else(|| format!("#{t}"));
                    text = lang.tf("audit.via_token", &[("actor", &text), ("token", &name)]);
                }
                (text, u.email.clone())
            }
            None => (numbered(lang, "user", uid), String::new()),
        },
        None if r.object_type == "comment" && r.action == "create" => {
            (lang.t("audit.public").to_owned(), String::new())
        }
        None => (lang.t("audit.system").to_owned(), String::new()),
    }
}

/// The name of a state of an object of this type.
fn state_label(lang: Lang, object_type: &str, code: &str) -> String {
    let prefix = match object_type {
        "standard" => "std.state",
        "pledge" => "pledge_state",
        "signature" => "signature_state",
        "report" => "rpt.state",
        "comment" => "std.disposition",
        _ => "audit.state",
    };
    label(lang, prefix, code)
}

fn yes_no(lang: Lang, b: bool) -> String {
    lang.t(if b { "audit.yes" } else { "audit.no" }).to_owned()
}

fn shorten(s: &str) -> String {
    const MAX: usize = 120;
    let s = s.trim();
    if s.chars().count() > MAX {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    } else {
        s.to_owned()
    }
}

fn list_sep(lang: Lang) -> &'static str {
    if lang == Lang::Zh {
        "、"
    } else {
        ", "
    }
}

/// A stored value made readable for the reader.
fn value_text(lang: Lang, object_type: &str, key: &str, v: &Value, names: &Names) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => yes_no(lang, *b),
        Value::Number(n) => match n.as_i64() {
            Some(id) if ORG_KEYS.contains(&key) => org(lang, names, id),
            Some(id) if key == "pledge_id" => pledge(lang, names, id),
            Some(id) if key == "replaces_id" => standard(lang, names, id),
            _ => n.to_string(),
        },
        Value::String(s) => match key {
            "role" => label(lang, "role", s),
            "state" => state_label(lang, object_type, s),
            "kind" => match object_type {
                "organization" => label(lang, "org_kind", s),
                "standard" => label(lang, "std.kind", s),
                "pledge" => label(lang, "pledge_kind", s),
                _ => humanize(s),
            },
            _ => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => lang.plain_date(d),
                Err(_) => shorten(s),
            },
        },
        Value::Array(items) => match key {
            "codrafters" => items.iter().filter_map(Value::as_i64).map(|id| org(lang, names, id)).collect::<Vec<_>>(),
            "commitments" | "excluded" | "entry_comments" => {
                return lang.tf("audit.count", &[("n", &items.len().to_string())]);
            }
            _ => items.iter().map(|i| value_text(lang, object_type, "", i, names)).collect(),
        }
        .join(list_sep(lang)),
        Value::Object(_) => String::new(),
    }
}

fn field_label(lang: Lang, key: &str) -> String {
    label(lang, "audit.field", key)
}

fn ordered(m: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut v: Vec<(&String, &Value)> = m.iter().filter(|(k, _)| !SKIP_KEYS.contains(&k.as_str())).collect();
    v.sort_by_key(|(k, _)| FIELD_ORDER.iter().position(|f| f == k).unwrap_or(FIELD_ORDER.len()));
    v
}

/// The fields of a new record that have a value.
fn fields_of(lang: Lang, object_type: &str, after: Option<&Value>, names: &Names) -> Vec<Change> {
    let Some(Value::Object(m)) = after else { return Vec::new() };
    ordered(m)
        .into_iter()
        .map(|(k, v)| Change {
            label: field_label(lang, k),
            before: String::new(),
            after: value_text(lang, object_type, k, v, names),
        })
        .filter(|c| !c.after.is_empty())
        .collect()
}

/// The fields present before and after whose value changed.
fn diff(lang: Lang, object_type: &str, before: Option<&Value>, after: Option<&Value>, names: &Names) -> Vec<Change> {
    let (Some(Value::Object(b)), Some(Value::Object(a))) = (before, after) else {
        return fields_of(lang, object_type, after, names);
    };
    ordered(a)
        .into_iter()
        .filter(|(k, v)| b.get(*k).is_some_and(|old| old != *v))
        .map(|(k, v)| Change {
            label: field_label(lang, k),
            before: value_text(lang, object_type, k, &b[k.as_str()], names),
            after: value_text(lang, object_type, k, v, names),
        })
        .filter(|c| c.before != c.after)
        .collect()
}

fn change(lang: Lang, key: &str, before: String, after: String) -> Change {
    Change { label: field_label(lang, key), before, after }
}

fn str_at(v: Option<&Value>, i: usize) -> Option<&str> {
    v.and_then(|v| v.get(i)).and_then(Value::as_str)
}

/// A state as stored: a plain string, or the `state` of an object.
fn state_of(v: Option<&Value>) -> Option<&str> {
    match v? {
        Value::String(s) => Some(s),
        Value::Object(m) => m.get("state").and_then(Value::as_str),
        Value::Array(a) => a.first().and_then(Value::as_str),
        _ => None,
    }
}

/// The sentence key, its extra placeholders and the changes of one row.
fn interpret(lang: Lang, r: &AuditRow, names: &Names) -> (String, Vec<(&'static str, String)>, Vec<Change>) {
    let (before, after) = (parse(&r.before_json), parse(&r.after_json));
    let (b, a) = (before.as_ref(), after.as_ref());
    let t = r.object_type.as_str();
    let specific = format!("audit.s.{t}.{}", r.action);
    let has_specific = lang.t(&specific) != specific;
    let states = || {
        let from = state_of(b).map(|s| state_label(lang, t, s)).unwrap_or_default();
        let to = state_of(a).map(|s| state_label(lang, t, s)).unwrap_or_default();
        vec![("from", from), ("to", to)]
    };
    match (t, r.action.as_str()) {
        ("standard", "review_position") => {
            let what = str_at(a, 0).map(|p| label(lang, "std.position", p)).unwrap_or_default();
            let opinion = str_at(a, 1).map(shorten).unwrap_or_default();
            let changes =
                if opinion.is_empty() { vec![] } else { vec![change(lang, "opinion", String::new(), opinion)] };
            (specific, vec![("what", what)], changes)
        }
        ("standard_version", "create") => {
            let mut changes = Vec::new();
            if let Some(l) = str_at(a, 2) {
                changes.push(change(lang, "label", String::new(), label(lang, "std.label", l)));
            }
            if let Some(files) = a.and_then(|a| a.get(3)) {
                let text = value_text(lang, t, "files", files, names);
                if !text.is_empty() {
                    changes.push(change(lang, "files", String::new(), text));
                }
            }
            (specific, vec![], changes)
        }
        ("comment", "create") => {
            let org = str_at(a, 2).map(shorten).unwrap_or_default();
            let changes = if org.is_empty() { vec![] } else { vec![change(lang, "organization", String::new(), org)] };
            (specific, vec![], changes)
        }
        ("comment", "dispose") => {
            let from = str_at(b, 0).unwrap_or("pending");
            let to = str_at(a, 0).unwrap_or("pending");
            let mut changes = vec![change(lang, "disposition", state_label(lang, t, from), state_label(lang, t, to))];
            let (old, new) = (str_at(b, 1).unwrap_or(""), str_at(a, 1).unwrap_or(""));
            if old != new {
                changes.push(change(lang, "reason", shorten(old), shorten(new)));
            }
            (specific, vec![("to", state_label(lang, t, to))], changes)
        }
        ("report", "save") => {
            let n = a.and_then(|a| a.get(0)).and_then(Value::as_i64).unwrap_or(0);
            (specific, vec![], vec![change(lang, "entries", String::new(), n.to_string())])
        }
        ("report", "add_evidence") => {
            let files: Vec<String> = a
                .and_then(|a| a.get(1))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|f| f.get(0).and_then(Value::as_str).map(shorten))
                .collect();
            (specific, vec![], vec![change(lang, "files", String::new(), files.join(list_sep(lang)))])
        }
        ("report", "submit") => {
            let n = a.and_then(|a| a.get(1)).and_then(Value::as_i64).unwrap_or(1);
            let s = states();
            let changes = vec![change(lang, "state", s[0].1.clone(), s[1].1.clone())];
            (specific, vec![("n", n.to_string())], changes)
        }
        ("report", "accept" | "return") => {
            let s = states();
            let mut changes = vec![change(lang, "state", s[0].1.clone(), s[1].1.clone())];
            if let Some(c) = str_at(a, 1).map(shorten).filter(|c| !c.is_empty()) {
                changes.push(change(lang, "comment", String::new(), c));
            }
            let entry_comments = a.and_then(|a| a.get(2)).and_then(Value::as_array).map_or(0, Vec::len);
            if entry_comments > 0 {
                changes.push(change(
                    lang,
                    "entry_comments",
                    String::new(),
                    lang.tf("audit.count", &[("n", &entry_comments.to_string())]),
                ));
            }
            (specific, vec![], changes)
        }
        (_, "create" | "apply" | "demo_signatures" | "dev_gen_data") if has_specific => {
            (specific, vec![], fields_of(lang, t, a, names))
        }
        (_, "update" | "disable" | "set_publication") if has_specific => (specific, vec![], diff(lang, t, b, a, names)),
        _ if has_specific => {
            let s = states();
            let changes = diff(lang, t, b, a, names).into_iter().filter(|c| !c.before.is_empty()).collect();
            (specific, s, changes)
        }
        // A move between two states, told by its direction.
        ("standard", action) if state_of(b).is_some() && state_of(a).is_some() => {
            let key = match (action, state_of(a)) {
                ("return_to_drafting", _) | ("close_review", Some("drafting")) => "audit.s.back",
                ("reject" | "withdraw" | "supersede", _) => "audit.s.change",
                _ => "audit.s.forward",
            };
            (key.to_owned(), states(), vec![])
        }
        _ if state_of(b).is_some() && state_of(a).is_some() => {
            let changes =
                diff(lang, t, b, a, names).into_iter().filter(|c| c.label != field_label(lang, "state")).collect();
            ("audit.s.change".to_owned(), states(), changes)
        }
        _ => ("audit.s.other".to_owned(), vec![], diff(lang, t, b, a, names)),
    }
}

/// Fill a sentence in one pass (a name that contains `{to}` stays as typed);
/// the object becomes a link when it has a page.
fn sentence(lang: Lang, key: &str, args: &[(&str, String)], object: Option<(String, Option<String>)>) -> Vec<Part> {
    let (object_text, href) = object.unwrap_or_else(|| (lang.t("audit.obj.none").to_owned(), None));
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = lang.t(key);
    while let Some(i) = rest.find('{') {
        text.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let name = after.find('}').map(|j| &after[..j]);
        match name {
            Some("object") => {
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(match &href {
                    Some(h) => Part::Link(h.clone(), object_text.clone()),
                    None => Part::Text(object_text.clone()),
                });
            }
            Some(n) => match args.iter().find(|(k, _)| *k == n) {
                Some((_, v)) => text.push_str(v),
                None => text.push_str(&rest[i..i + n.len() + 2]),
            },
            None => {
                text.push_str(&rest[i..]);
                rest = "";
                break;
            }
        }
        rest = &after[name.map_or(0, |n| n.len() + 1)..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    parts
}

/// One row as a sentence with its changes.
pub fn line(lang: Lang, r: &AuditRow, names: &Names) -> Line {
    let (actor_text, actor_email) = actor(lang, r, names);
    let (key, mut args, changes) = interpret(lang, r, names);
    args.push(("actor", actor_text.clone()));
    Line {
        id: r.id,
        at: r.at,
        actor: actor_text,
        actor_email,
        address: r.source_address.clone().unwrap_or_default(),
        object_type: r.object_type.clone(),
        type_label: type_label(lang, &r.object_type),
        object_id: r.object_id,
        action_label: action_label(lang, &r.action),
        parts: sentence(lang, &key, &args, object(lang, r, names)),
        changes,
    }
}

#[cfg(test)]
#[path = "auditview_tests.rs"]
mod tests;
