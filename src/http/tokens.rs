//! `/api/tokens`: an admin makes, lists and revokes tokens. A new token is in the response
//! once; only its hash is kept. `/api/me` tells any caller who its token says it is, so a
//! client (the web page) can show the name and role and offer only what the role may do.

use super::AppState;
use super::auth::Auth;
use super::error::ApiError;
use super::extract::{ApiJson, Id};
use super::schema;
use crate::store::{Role, User, format_time};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list).post(create))
        .route("/tokens/{id}", delete(revoke))
        .route("/me", get(me))
}

fn user_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "name": u.name,
        "role": u.role,
        "created_at": format_time(u.created_at),
        "revoked": u.revoked,
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct CreateBody {
    name: String,
    #[schema(value_type = schema::Role)]
    role: Role,
}

/// Make a token; the response holds it, the only time it is shown.
#[utoipa::path(post, path = "/api/tokens", operation_id = "createToken", tag = "tokens", request_body = CreateBody,
    responses((status = 201, description = "the user and its token", body = schema::NewToken)),
    security(("bearer" = [])))]
pub(super) async fn create(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<CreateBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require(&[])?;
    let (user, token) = st.store.create_user(&b.name, b.role).await?;
    let mut body = user_json(&user);
    body["token"] = json!(token);
    Ok((StatusCode::CREATED, Json(body)))
}

/// List token holders (never the tokens).
#[utoipa::path(get, path = "/api/tokens", operation_id = "listTokens", tag = "tokens",
    responses((status = 200, description = "every token holder", body = schema::TokenList)),
    security(("bearer" = [])))]
pub(super) async fn list(State(st): State<AppState>, auth: Auth) -> Result<Json<Value>, ApiError> {
    auth.require(&[])?;
    let users = st.store.list_users().await?;
    Ok(Json(
        json!({ "tokens": users.iter().map(user_json).collect::<Vec<_>>() }),
    ))
}

/// Revoke a token.
#[utoipa::path(delete, path = "/api/tokens/{id}", operation_id = "revokeToken", tag = "tokens",
    params(("id" = i64, Path, description = "user id")),
    responses((status = 204, description = "revoked"),
              (status = 422, description = "your own token", body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn revoke(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    auth.require(&[])?;
    // An admin who revoked their own token could not undo it through the API.
    if id == auth.0.id {
        return Err(ApiError::invalid(
            "you cannot revoke your own token; another admin can",
        ));
    }
    st.store.revoke_user(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the token belongs to: name and role, for any role.
#[utoipa::path(get, path = "/api/me", operation_id = "getMe", tag = "tokens",
    responses((status = 200, description = "who the token belongs to", body = schema::Token),
              (status = 401, description = "no token or an unknown one", body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn me(auth: Auth) -> Json<Value> {
    Json(user_json(&auth.0))
}
