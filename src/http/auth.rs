//! Bearer-token authentication and role checks. No token (or an unknown one) is 401; a
//! known token whose role a route does not admit is 403. Admin is admitted everywhere.

use super::{AppState, error::ApiError};
use crate::store::{Actor, Role, User};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The authenticated caller.
#[derive(Clone, Debug)]
pub struct Auth(pub User);

impl Auth {
    /// Admits the caller if its role is one of `roles` (or admin).
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.0.role == Role::Admin || roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    pub fn role(&self) -> Role {
        self.0.role
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.0.id),
            name: self.0.name.clone(),
        }
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(ApiError::Unauthorized)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or(ApiError::Unauthorized)?
            .trim();
        match state.store.authenticate(token).await? {
            Some(user) => Ok(Auth(user)),
            None => Err(ApiError::Unauthorized),
        }
    }
}
