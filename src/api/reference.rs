//! `/api`: the API's reference page in the reader's language, generated from
//! the OpenAPI document (`super::document`) so that it lists exactly the
//! operations there are, each with its parameters, answers and a `curl`
//! example. Operation titles and parameter descriptions come from the
//! catalogs (`locales/*/api.txt`; a test checks every one has text).

use actix_web::HttpResponse;
use askama::Template;
use serde_json::Value;

use crate::error::AppResult;
use crate::i18n::Lang;
use crate::web::{render, AppState, Ctx};

pub struct ParamView {
    pub name: String,
    pub location: &'static str,
    pub required: bool,
    pub kind: String,
    pub description: String,
}

pub struct OpView {
    pub id: String,
    pub method: &'static str,
    pub path: String,
    pub title: String,
    pub params: Vec<ParamView>,
    /// (status, what it means)
    pub statuses: Vec<(String, String)>,
    pub curl: String,
}

pub struct TagView {
    pub title: String,
    pub ops: Vec<OpView>,
}

#[derive(Template)]
#[template(path = "api.html")]
struct ReferencePage {
    ctx: Ctx,
    base: String,
    rate_limit: u32,
    tags: Vec<TagView>,
}

/// A parameter's description: for this operation, else for every operation.
fn param_key(lang: Lang, op: &str, name: &str) -> Option<String> {
    [format!("api.param.{op}.{name}"), format!("api.param.{name}")]
        .into_iter()
        .find_map(|k| Some(lang.t(&k)).filter(|t| *t != k).map(str::to_owned))
}

/// The type a parameter's schema names (`integer`, `string`).
fn kind_of(schema: &Value) -> String {
    match &schema["type"] {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("").to_owned(),
        _ => String::new(),
    }
}

fn example_of(p: &Value) -> Option<String> {
    let e = p.get("example").or_else(|| p["schema"].get("example"))?;
    Some(match e {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// The `curl` line of an operation: with a token where it needs one, its
/// example headers, and an example body of its request's shape.
fn curl(method: &str, bearer: bool, headers: &[String], body: Option<String>, url: &str) -> String {
    let mut parts = vec![String::from("curl -s")];
    if bearer {
        parts.push("-H 'Authorization: Bearer srg_…'".into());
    }
    if method != "GET" {
        parts[0].push_str(&format!(" -X {method}"));
    }
    parts.extend(headers.iter().map(|h| format!("-H '{h}'")));
    parts.extend(body);
    parts.push(format!("'{url}'"));
    // One line when short; else one option a line, as a shell continues them.
    if parts.iter().map(String::len).sum::<usize>() < 100 {
        parts.join(" ")
    } else {
        parts.join(" \\\n  ")
    }
}

/// A schema's component, if it names one.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => &doc["components"]["schemas"][name],
        None => schema,
    }
}

/// An example value of a schema: its own example, else one made of its
/// properties' examples (a list of one item).
fn example_value(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if let Some(e) = schema.get("example") {
        return e.clone();
    }
    if depth > 6 {
        return Value::Null;
    }
    match kind_of(schema).as_str() {
        "object" => Value::Object(
            schema["properties"]
                .as_object()
                .map(|ps| ps.iter().map(|(k, v)| (k.clone(), example_value(doc, v, depth + 1))).collect())
                .unwrap_or_default(),
        ),
        "array" => Value::Array(vec![example_value(doc, &schema["items"], depth + 1)]),
        "integer" | "number" => Value::from(1),
        "boolean" => Value::Bool(false),
        _ => Value::String(String::new()),
    }
}

/// The body part of an operation's `curl`: JSON sent as data, a form as fields.
fn curl_body(doc: &Value, op: &Value) -> Option<String> {
    let content = op["requestBody"]["content"].as_object()?;
    if let Some(json) = content.get("application/json") {
        let example = example_value(doc, &json["schema"], 0);
        let pretty = serde_json::to_string_pretty(&example).unwrap_or_default();
        return Some(format!("-H 'Content-Type: application/json' -d '{pretty}'"));
    }
    let form = content.get("multipart/form-data")?;
    let schema = resolve(doc, &form["schema"]);
    let fields: Vec<String> = schema["properties"]
        .as_object()?
        .iter()
        .map(|(k, v)| match v["format"].as_str() {
            Some("binary") => format!("-F {k}=@evidence.pdf"),
            _ => format!("-F {k}={}", example_value(doc, v, 0).as_str().unwrap_or("")),
        })
        .collect();
    Some(fields.join(" "))
}

/// Every operation of the document, grouped by its tag in the document's order.
pub fn operations(lang: Lang, doc: &Value, base: &str) -> Vec<TagView> {
    let tags: Vec<String> = doc["tags"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["name"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let mut out: Vec<TagView> =
        tags.iter().map(|t| TagView { title: lang.t(&format!("api.tag.{t}")).to_owned(), ops: Vec::new() }).collect();
    let Some(paths) = doc["paths"].as_object() else { return out };
    let methods = [("get", "GET"), ("put", "PUT"), ("post", "POST")];
    for (path, item, method) in
        paths.iter().flat_map(|(p, i)| methods.iter().filter_map(move |(m, name)| Some((p, i.get(*m)?, *name))))
    {
        let op = item;
        let id = op["operationId"].as_str().unwrap_or("").to_owned();
        let mut url_path = path.clone();
        let mut query = Vec::new();
        let mut headers = Vec::new();
        let params: Vec<ParamView> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        let name = p["name"].as_str().unwrap_or("").to_owned();
                        let location = match p["in"].as_str() {
                            Some("path") => "path",
                            Some("header") => "header",
                            _ => "query",
                        };
                        match (location, example_of(p)) {
                            ("path", e) => {
                                url_path = url_path.replace(&format!("{{{name}}}"), &e.unwrap_or("1".into()))
                            }
                            ("header", Some(e)) => headers.push(format!("{name}: {e}")),
                            ("query", Some(e)) => query.push(format!("{name}={e}")),
                            _ => {}
                        }
                        ParamView {
                            description: param_key(lang, &id, &name)
                                .unwrap_or_else(|| p["description"].as_str().unwrap_or("").to_owned()),
                            required: p["required"].as_bool().unwrap_or(false),
                            kind: kind_of(&p["schema"]),
                            location,
                            name,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let statuses = op["responses"]
            .as_object()
            .map(|r| r.keys().map(|code| (code.clone(), lang.t(&format!("api.status.{code}")).to_owned())).collect())
            .unwrap_or_default();
        let url = if query.is_empty() {
            format!("{base}{url_path}")
        } else {
            format!("{base}{url_path}?{}", query.join("&"))
        };
        let view = OpView {
            title: lang.t(&format!("api.op.{id}")).to_owned(),
            curl: curl(method, op.get("security").is_some(), &headers, curl_body(doc, op), &url),
            method,
            path: path.clone(),
            params,
            statuses,
            id,
        };
        let tag = op["tags"][0].as_str().unwrap_or("");
        match tags.iter().position(|t| t == tag) {
            Some(i) => out[i].ops.push(view),
            None => out.push(TagView { title: tag.to_owned(), ops: vec![view] }),
        }
    }
    out.retain(|t| !t.ops.is_empty());
    out
}

pub async fn page(state: actix_web::web::Data<AppState>, ctx: Ctx) -> AppResult<HttpResponse> {
    let doc = serde_json::to_value(super::document()).map_err(|e| crate::error::AppError::Internal(e.into()))?;
    let base = state.settings.public_url.clone();
    let tags = operations(ctx.lang, &doc, &base);
    render(&ReferencePage { ctx, base, rate_limit: state.settings.api_rate_limit, tags })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation, tag, parameter and status of the document has its words in both catalogs.
    #[test]
    fn every_operation_and_parameter_has_text_in_both_languages() {
        let doc = serde_json::to_value(crate::api::document()).unwrap();
        for lang in [Lang::Zh, Lang::En] {
            let tags = operations(lang, &doc, "");
            assert!(tags.iter().map(|t| t.ops.len()).sum::<usize>() >= 12);
            for t in &tags {
                assert!(!t.title.starts_with("api."), "{:?}: {}", lang, t.title);
                for op in &t.ops {
                    assert!(!op.title.starts_with("api."), "{lang:?}: {}", op.title);
                    for p in &op.params {
                        assert!(param_key(lang, &op.id, &p.name).is_some(), "{lang:?}: {} {}", op.id, p.name);
                    }
                    for (code, text) in &op.statuses {
                        assert!(!text.starts_with("api."), "{lang:?}: status {code}");
                    }
                }
            }
        }
    }

    /// The filing operations' examples send what the operation takes: the
    /// version and key as headers (never in the query), the draft as JSON, a
    /// file as a form field.
    #[test]
    fn write_examples_send_headers_and_a_body_of_the_operations_shape() {
        let doc = serde_json::to_value(crate::api::document()).unwrap();
        let tags = operations(Lang::En, &doc, "https://x");
        let op = |id: &str| tags.iter().flat_map(|t| &t.ops).find(|o| o.id == id).unwrap().curl.clone();
        let put = op("putOwnReport");
        assert!(put.starts_with("curl -s -X PUT") && put.contains(" -H 'If-Match: \"3\"'"), "{put}");
        assert!(put.contains("-d '{\n  \"entries\": [") && put.contains("\"commitment\": \"1.1\""), "{put}");
        assert!(put.ends_with(" 'https://x/api/v1/periods/1/report'"), "no header in the query: {put}");
        let evidence = op("postEvidence");
        assert!(evidence.contains("-F commitment=1.1 -F file=@evidence.pdf"), "{evidence}");
        assert!(!op("listPledges").contains(" -H "), "the open data needs no header");
    }
}
