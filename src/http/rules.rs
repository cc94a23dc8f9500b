//! Review by extraction rule: `/api/stats?by=rule` (counts, corrections by field, rejections
//! by reason, precision with its 95 % Wilson interval and the documents where each rule
//! failed most) and `/api/stats/rules/{rule}/cases`, a rule's corrected and rejected facts as
//! JSON Lines for developers to turn into unit tests.

use super::AppState;
use super::auth::Auth;
use super::error::ApiError;
use super::schema;
use crate::extract::Rule;
use crate::store::{Role, Store};
use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new().route("/stats/rules/{rule}/cases", get(cases))
}

/// The answer of `/api/stats?by=rule`; the CLI's `stats --by rule --format json` prints it too.
pub async fn rule_stats_json(store: &Store) -> Result<Value, crate::store::StoreError> {
    let counts = store.rule_counts().await?;
    let failures = store.rule_failures().await?;
    let rules = crate::precision::per_rule(counts, &failures);
    Ok(json!({ "by": "rule", "rules": rules }))
}

/// A rule id from the path: one the extractor knows.
pub(super) struct RulePath(Rule);

impl<S: Send + Sync> FromRequestParts<S> for RulePath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::BadRequest("the rule is a text id".into()))?;
        Rule::parse(&raw).map(RulePath).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "unknown rule {raw:?}: a rule is an id such as amount.inline (see /api/stats?by=rule)"
            ))
        })
    }
}

/// A rule's corrected and rejected facts as JSON Lines, one fact a line: the document text
/// 80 characters either side of the fact, the fact as extracted, the correction or the
/// reject reason, and the document's id and name.
#[utoipa::path(get, path = "/api/stats/rules/{rule}/cases", operation_id = "getRuleCases",
    tag = "reports",
    params(("rule" = String, Path, description = "a rule id, such as amount.inline")),
    responses((status = 200, description = "one JSON object a line (JSON Lines)",
        content((schema::RuleCase = "application/x-ndjson")))),
    security(("bearer" = [])))]
pub(super) async fn cases(
    State(st): State<AppState>,
    auth: Auth,
    RulePath(rule): RulePath,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Assessor])?;
    let cases = st.store.rule_cases(rule.as_str()).await?;
    let mut body = String::new();
    for c in &cases {
        body += &c.to_json().to_string();
        body.push('\n');
    }
    let file = format!(
        "attachment; filename=\"jixiao-cases-{}.jsonl\"",
        rule.as_str()
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/x-ndjson; charset=utf-8".to_string(),
            ),
            (header::CONTENT_DISPOSITION, file),
        ],
        body,
    )
        .into_response())
}

/// `/api/stats?by=rule`, answered by `reports::stats`.
pub(super) async fn stats_by_rule(st: &AppState) -> Result<Json<Value>, ApiError> {
    Ok(Json(rule_stats_json(&st.store).await?))
}
