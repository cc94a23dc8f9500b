//! The OpenAPI document (`/api/openapi.json`) and Swagger UI (`/api/docs`), both built from
//! the handlers' annotations; the UI's files are compiled in, nothing is fetched.

use super::{documents, facts, reports, tokens};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jixiao",
        description = "Facts from Chinese budget-performance reports, for review. Every route but \
                       /api/health and /api/ready needs `Authorization: Bearer <token>`. Errors are \
                       `{\"error\": {\"code\", \"message\", \"details\"}}`."
    ),
    paths(
        super::health, super::ready,
        documents::upload, documents::list, documents::one, documents::facts_page,
        facts::list, facts::one, facts::history,
        facts::confirm, facts::correct, facts::reject, facts::undo, facts::bulk_confirm, facts::bulk_undo,
        reports::export, reports::stats,
        tokens::create, tokens::list, tokens::revoke, tokens::me,
    ),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router<S: Clone + Send + Sync + 'static>() -> axum::Router<S> {
    SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", ApiDoc::openapi())
        .into()
}
