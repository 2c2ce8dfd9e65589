//! The open data API under `/api/v1`: JSON for everything the public sees,
//! thin handlers over the same db functions and visibility rules as the
//! pages (`web`), problem details for errors, and the OpenAPI document
//! generated from the handlers' annotations (`ApiDoc`).
//!
//! Each group of operations lives in its own file and is listed twice here:
//! its routes in [`routes`] and its operations in [`ApiDoc`]'s `paths`
//! (a test checks that every documented path answers).

use actix_web::middleware::from_fn;
use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

pub mod filing;
pub mod filing_shapes;
pub mod gate;
pub mod orgs;
pub mod pledges;
pub mod problem;
pub mod reference;
pub mod reports;
pub mod respond;
pub mod standards;
pub mod tokens;
pub mod types;
mod write;

pub use problem::{ApiError, ApiResult, FieldError, Problem};

/// The OpenAPI 3.1 document of `/api/v1`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "selfreg open data API",
        version = "1",
        description = "Standards, pledges, signatories, reporting periods, accepted reports and the dashboard of the \
                       live-stream e-commerce self-regulation registry, as the public sees them on the site. Names are \
                       given in Chinese (`zh`) and English (`en`); moments in ISO 8601 with their offset (Beijing \
                       time); errors as RFC 9457 problem details.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(
        openapi_json,
        standards::list,
        standards::show,
        standards::comments,
        pledges::list,
        pledges::show,
        pledges::signatories,
        reports::periods,
        orgs::list,
        orgs::show,
        reports::dashboard,
        reports::report,
        filing::my_periods,
        filing::get_report,
        filing::put_report,
        filing::post_evidence,
        filing::submit
    ),
    modifiers(&BearerScheme),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "standards", description = "Group and local standards, their lifecycle and public comments"),
        (name = "pledges", description = "Conventions and initiatives, their commitments and signatories"),
        (name = "orgs", description = "Organizations: associations, platforms, MCNs, merchants"),
        (name = "reports", description = "Reporting periods, the dashboard and accepted reports"),
        (name = "filing", description = "Machine filing: an organization's own reports, with an API token (Bearer)"),
        (name = "meta", description = "This document")
    )
)]
pub struct ApiDoc;

/// The `bearer` security scheme of the filing operations: `Authorization: Bearer srg_…`.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("srg_…").build();
        doc.components.get_or_insert_with(Default::default).add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi)
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    operation_id = "openapi",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
pub async fn openapi_json(req: actix_web::HttpRequest) -> ApiResult<HttpResponse> {
    respond::json(&req, document())
}

/// The routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api", web::get().to(reference::page)).service(
        web::scope("/api/v1")
            .wrap(from_fn(gate::gate))
            .route("/openapi.json", web::get().to(openapi_json))
            .configure(standards::routes)
            .configure(pledges::routes)
            .configure(reports::routes)
            .configure(orgs::routes)
            .configure(filing::routes)
            .default_service(web::to(not_found)),
    );
}

async fn not_found() -> ApiResult<HttpResponse> {
    Err(ApiError::not_found())
}
