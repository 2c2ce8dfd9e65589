//! The home page.

use actix_web::HttpResponse;
use askama::Template;

use super::{render, Ctx};
use crate::error::AppResult;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
}

pub async fn home(ctx: Ctx) -> AppResult<HttpResponse> {
    render(&HomePage { ctx })
}
