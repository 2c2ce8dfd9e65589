//! Static files, embedded in the binary and served under versioned URLs
//! (`/static/{hash}/{name}`) with a year-long cache lifetime.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    url: String,
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    let files: [(&str, &str, &[u8]); 2] = [
        ("site.css", "text/css; charset=utf-8", include_bytes!("../../static/css/site.css")),
        ("favicon.svg", "image/svg+xml", include_bytes!("../../static/img/favicon.svg")),
    ];
    files
        .into_iter()
        .map(|(name, content_type, body)| {
            let version = &crate::auth::sha256_hex(&String::from_utf8_lossy(body))[..12];
            Asset { name, content_type, body, url: format!("/static/{version}/{name}") }
        })
        .collect()
});

/// The versioned URL of an asset.
pub fn url(name: &str) -> &'static str {
    ASSETS.iter().find(|a| a.name == name).map(|a| a.url.as_str()).unwrap_or("/static/missing")
}

pub async fn serve(path: web::Path<(String, String)>) -> HttpResponse {
    let (version, name) = path.into_inner();
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => {
            // Only the current version may be cached for ever.
            let cache = if a.url.ends_with(&format!("{version}/{name}")) {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, a.content_type))
                .insert_header((header::CACHE_CONTROL, cache))
                .body(a.body)
        }
        None => HttpResponse::NotFound().finish(),
    }
}
