//! The layers point down only: web → auth → db → domain, and the demo data
//! is reached from start-up and the command line alone. These tests read the
//! sources and fail on an import that points the wrong way.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/{rel}` (or the file itself).
fn sources(rel: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(rel);
    let mut out = Vec::new();
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                todo.push(e.unwrap().path());
            }
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    assert!(!out.is_empty(), "no sources under src/{rel}");
    out
}

/// The lines of `src/{rel}` that mention any of `forbidden`, as `file:line: text`.
fn offending(rel: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in sources(rel) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if forbidden.iter().any(|f| code.contains(f)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

fn assert_none(rel: &str, forbidden: &[&str]) {
    let found = offending(rel, forbidden);
    assert!(found.is_empty(), "src/{rel} must not use {forbidden:?}:\n{}", found.join("\n"));
}

#[test]
fn auth_db_domain_and_error_do_not_reach_up_into_web() {
    for rel in ["auth", "db", "domain", "error.rs", "mail"] {
        assert_none(rel, &["crate::web", "crate::startup", "crate::cli"]);
    }
}

#[test]
fn db_and_domain_do_not_reach_up_into_auth() {
    for rel in ["db", "domain"] {
        // The outbox is written by db; only the mail layer above it renders and sends.
        assert_none(rel, &["crate::auth", "crate::mail"]);
    }
}

#[test]
fn the_domain_is_pure() {
    assert_none("domain", &["crate::db", "diesel", "actix", "crate::error"]);
}

#[test]
fn only_start_up_and_the_command_line_know_the_demo_data() {
    for rel in ["web", "auth", "db", "domain", "error.rs", "mail"] {
        assert_none(rel, &["crate::demo", "demo::"]);
    }
}

#[test]
fn only_start_up_knows_the_api() {
    // The API (src/api) sits beside web and uses it; nothing below or beside it uses the API.
    for rel in ["web", "auth", "db", "domain", "error.rs", "mail", "demo"] {
        assert_none(rel, &["crate::api"]);
    }
}

#[test]
fn the_check_finds_what_it_looks_for() {
    assert!(!offending("layers.rs", &["crate::web"]).is_empty());
    assert!(offending("layers.rs", &[concat!("no such ", "import anywhere")]).is_empty());
}

#[test]
fn only_start_up_and_the_command_line_reach_the_operator_commands() {
    for rel in ["web", "auth", "db", "domain", "error.rs", "mail"] {
        assert_none(rel, &["crate::ops"]);
    }
    // The operator commands work on the database, never through the web layer.
    assert_none("ops", &["crate::web", "crate::auth", "crate::demo"]);
}
