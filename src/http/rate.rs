//! Per-token rate limits: each bearer token (hashed; requests without one share a bucket)
//! draws from its own token bucket — `burst` requests at once, refilled at `per_minute` —
//! and a request over it is refused with 429 and `Retry-After`, before any database work.
//! One consumer pulling in a tight loop then cannot crowd out the assessors.

use super::error::ApiError;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Buckets kept before full ones (idle callers) are forgotten: random tokens sent by a
/// stranger cannot grow the map without bound.
const MAX_BUCKETS: usize = 10_000;

/// How many requests a token may make.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Sustained requests per minute.
    pub per_minute: u32,
    /// Requests at once before the rate applies.
    pub burst: u32,
}

impl RateLimit {
    /// 6000 a minute (100 a second) with bursts of 300: far above what a person at the
    /// review page or a syncing consumer needs, and a script deciding fact by fact still
    /// gets a hundred decisions a second.
    pub const DEFAULT: RateLimit = RateLimit {
        per_minute: 6000,
        burst: 300,
    };
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of every caller; cheap to clone.
#[derive(Clone, Debug)]
pub struct Limiter {
    limit: RateLimit,
    buckets: Arc<Mutex<HashMap<[u8; 16], Bucket>>>,
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Limiter {
        Limiter {
            limit,
            buckets: Arc::default(),
        }
    }

    fn per_second(&self) -> f64 {
        f64::from(self.limit.per_minute.max(1)) / 60.0
    }

    /// Takes one request from `key`'s bucket at `now`: `Ok`, or the whole seconds to wait.
    fn take(&self, key: [u8; 16], now: Instant) -> Result<(), u64> {
        let burst = f64::from(self.limit.burst.max(1));
        let rate = self.per_second();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(&key) {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let b = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let refilled = b.tokens + now.duration_since(b.at).as_secs_f64() * rate;
        b.tokens = refilled.min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

/// The middleware: refuses a request whose token's bucket is empty.
pub async fn limit(State(limiter): State<Limiter>, req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let digest = Sha256::digest(token);
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    match limiter.take(key, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(seconds) => ApiError::RateLimited {
            retry_after: seconds,
        }
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_the_rate() {
        let l = Limiter::new(RateLimit {
            per_minute: 60,
            burst: 3,
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.take([1; 16], t0), Ok(()));
        }
        assert_eq!(l.take([1; 16], t0), Err(1));
        // Another token has its own bucket.
        assert_eq!(l.take([2; 16], t0), Ok(()));
        // One a second comes back.
        assert_eq!(l.take([1; 16], t0 + Duration::from_millis(1000)), Ok(()));
        assert_eq!(l.take([1; 16], t0 + Duration::from_millis(1000)), Err(1));
    }

    #[test]
    fn retry_after_counts_the_seconds_to_the_next_request() {
        let l = Limiter::new(RateLimit {
            per_minute: 6,
            burst: 1,
        });
        let t0 = Instant::now();
        assert_eq!(l.take([1; 16], t0), Ok(()));
        assert_eq!(l.take([1; 16], t0), Err(10));
    }
}
