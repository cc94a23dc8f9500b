//! The OpenAPI document (`/api/v1/openapi.json`, also at `/api/openapi.json`) and Swagger UI
//! (`/api/docs`), both built from the handlers' annotations and the shapes in `schema`; the
//! UI's files are compiled in, nothing is fetched. The document names the versioned paths
//! (`/api/v1/…`); `/api/…` answers the same.

use super::{
    admin, assignments, documents, facts, links, original, reports, schema, tokens, webhooks,
};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, ResponseBuilder, content::ContentBuilder, header::Header};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jixiao",
        version = env!("CARGO_PKG_VERSION"),
        description = "Facts from Chinese budget-performance reports, for review. Every route but \
                       /api/v1/health and /api/v1/ready needs `Authorization: Bearer <token>`. Errors are \
                       `{\"error\": {\"code\", \"message\", \"details\"}}` (schema `Error`). \
                       Every path also answers without `/v1` (`/api/facts` is `/api/v1/facts`). \
                       Requests are limited per token; over the limit the answer is 429 with \
                       `Retry-After`."
    ),
    paths(
        super::health, super::ready,
        documents::upload, documents::list, documents::one, documents::facts_page,
        original::original,
        assignments::assign, assignments::history,
        links::related, links::citations,
        facts::list, facts::one, facts::history,
        facts::confirm, facts::correct, facts::reject, facts::undo, facts::bulk_confirm, facts::bulk_undo,
        reports::export, reports::stats, super::rules::cases,
        tokens::create, tokens::list, tokens::revoke, tokens::me,
        webhooks::create, webhooks::list, webhooks::remove, webhooks::deliveries,
        super::extraction::extract,
        admin::reextract,
    ),
    // Enums that only query parameters name: paths register the bodies' schemas themselves.
    components(schemas(
        schema::FactKind, schema::DocumentStatus, schema::ReviewProgress, schema::CheckKind,
        schema::Severity, schema::ExportFormat, schema::ExportWhat, schema::ReviewStatus,
        schema::StatsBy, schema::FactSort, schema::DocumentSort, schema::SortOrder,
        schema::AssignedFilter,
    )),
    modifiers(&Bearer, &CommonErrors, &Versioned)
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

/// The refusals any route can make, on every operation that does not describe them itself:
/// a malformed request, a missing or unknown token, a role that may not, an unknown id, an
/// invalid value, too many requests; and for writes, a full database.
struct CommonErrors;

impl CommonErrors {
    fn add(op: &mut Operation, status: &str, description: &str, retry_after: bool) {
        if op.responses.responses.contains_key(status) {
            return;
        }
        let mut r = ResponseBuilder::new().description(description).content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Error")))
                .build(),
        );
        if retry_after {
            r = r.header(
                "Retry-After",
                Header::new(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer),
                ),
            );
        }
        op.responses
            .responses
            .insert(status.to_string(), r.build().into());
    }
}

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let public = path.ends_with("/health");
            let write = [&mut item.post, &mut item.put, &mut item.delete];
            for op in write.into_iter().flatten() {
                Self::add(op, "507", "the database is full; nothing was saved", false);
                Self::add(op, "413", "the body is larger than the limit", false);
            }
            let ops = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                Self::add(op, "400", "the request is malformed", false);
                if !public {
                    Self::add(op, "401", "no token, or an unknown or revoked one", false);
                    Self::add(op, "403", "your role may not do this", false);
                    Self::add(op, "404", "no such resource", false);
                    Self::add(op, "422", "a value is not acceptable; see details", false);
                }
                Self::add(
                    op,
                    "429",
                    "too many requests; wait Retry-After seconds",
                    true,
                );
            }
        }
    }
}

/// Writes every path under `/api/v1`, the version this document describes.
struct Versioned;

impl Modify for Versioned {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let paths = std::mem::take(&mut openapi.paths.paths);
        openapi.paths.paths = paths
            .into_iter()
            .map(|(p, item)| (versioned(&p), item))
            .collect();
    }
}

/// `/api/facts` → `/api/v1/facts`.
pub fn versioned(path: &str) -> String {
    match path.strip_prefix("/api/") {
        Some(rest) => format!("/api/v1/{rest}"),
        None => path.to_string(),
    }
}

pub fn router<S: Clone + Send + Sync + 'static>() -> axum::Router<S> {
    let doc = ApiDoc::openapi();
    SwaggerUi::new("/api/docs")
        .url("/api/v1/openapi.json", doc.clone())
        .url("/api/openapi.json", doc)
        .into()
}
