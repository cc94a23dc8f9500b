//! Users and their API tokens. A token is shown once, when it is made; only its SHA-256 is
//! stored. Tokens are 256 random bits, so a plain hash is enough: there is nothing to
//! brute-force that a slow password hash would protect.

use super::{Result, Store, StoreError, now_ms};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a token stays trusted without reading `users` again. A revocation in this
/// process takes effect at once; one made by another process sharing the database, within
/// this time.
const AUTH_CACHE_TTL: Duration = Duration::from_secs(5);

/// Known good tokens by hash. Unknown tokens are never cached, so guessing cannot grow it.
pub(crate) type AuthCache = Arc<Mutex<HashMap<String, (User, Instant)>>>;

/// What a token may do; every route names the roles it admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Uploads documents and sees its own.
    Uploader,
    /// Reviews facts.
    Assessor,
    /// An API consumer: reads and exports confirmed facts.
    Reader,
    /// Everything, and manages tokens.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Uploader, Role::Assessor, Role::Reader, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Uploader => "uploader",
            Role::Assessor => "assessor",
            Role::Reader => "reader",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: i64,
    pub revoked: bool,
}

type UserTuple = (i64, String, String, i64, Option<i64>);

fn user_from(t: UserTuple) -> User {
    User {
        id: t.0,
        name: t.1,
        role: Role::parse(&t.2).unwrap_or(Role::Reader),
        created_at: t.3,
        revoked: t.4.is_some(),
    }
}

pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn new_token() -> String {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).expect("the OS random number generator is available");
    format!("jx_{}", hex(&buf))
}

impl Store {
    /// Creates a user and returns it with its token (the only time the token is seen).
    pub async fn create_user(&self, name: &str, role: Role) -> Result<(User, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::Invalid("a name has 1 to 100 characters".into()));
        }
        let token = new_token();
        let now = now_ms();
        let mut conn = self.conn().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (name, role, token_hash, created_at) VALUES ($1, $2, $3, $4)
             RETURNING id",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(hash_token(&token))
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        conn.finish().await?;
        let user = User {
            id,
            name: name.to_string(),
            role,
            created_at: now,
            revoked: false,
        };
        Ok((user, token))
    }

    /// The user a token belongs to, unless it is unknown or revoked.
    pub async fn authenticate(&self, token: &str) -> Result<Option<User>> {
        let hash = hash_token(token);
        if let Ok(cache) = self.auth_cache.lock()
            && let Some((user, at)) = cache.get(&hash)
            && at.elapsed() < AUTH_CACHE_TTL
        {
            return Ok(Some(user.clone()));
        }
        let row: Option<UserTuple> = sqlx::query_as(
            "SELECT id, name, role, created_at, revoked_at FROM users
             WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(&hash)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let user = row.map(user_from);
        if let (Some(u), Ok(mut cache)) = (&user, self.auth_cache.lock()) {
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(hash, (u.clone(), Instant::now()));
        }
        Ok(user)
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows: Vec<UserTuple> =
            sqlx::query_as("SELECT id, name, role, created_at, revoked_at FROM users ORDER BY id")
                .fetch_all(&mut *self.conn().await?)
                .await?;
        Ok(rows.into_iter().map(user_from).collect())
    }

    pub async fn revoke_user(&self, id: i64) -> Result<()> {
        let mut conn = self.conn().await?;
        let done =
            sqlx::query("UPDATE users SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now_ms())
                .bind(id)
                .execute(&mut *conn)
                .await?;
        conn.finish().await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if let Ok(mut cache) = self.auth_cache.lock() {
            cache.clear();
        }
        Ok(())
    }

    pub async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *self.conn().await?)
            .await?)
    }
}
