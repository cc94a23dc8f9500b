//! The time one document may take from its bytes to its checked facts. Ingestion and
//! extraction run in time linear in the input, but a large upload on a busy machine can still
//! take long, and a worker busy with one document is a worker the others wait for: past its
//! deadline a document is given up with a clear error. The PDF reader gets what is left of the
//! budget as its own time limit; the other stages look at the clock between their steps.

use crate::ingest::IngestError;
use std::time::{Duration, Instant};

/// How long one document may take unless configured otherwise.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(60);

/// Environment variable that sets the time limit per document, in seconds.
pub const TIME_LIMIT_ENV: &str = "JIXIAO_DOCUMENT_TIME_LIMIT";

/// When the processing of one document must be done by.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Option<Instant>,
    limit: Duration,
}

impl Deadline {
    /// No deadline (tests, benchmarks).
    pub fn none() -> Deadline {
        Deadline {
            at: None,
            limit: Duration::MAX,
        }
    }

    /// `limit` from now.
    pub fn after(limit: Duration) -> Deadline {
        Deadline {
            at: Instant::now().checked_add(limit),
            limit,
        }
    }

    /// The configured limit (`JIXIAO_DOCUMENT_TIME_LIMIT` seconds, else 60 s) from now.
    pub fn from_env() -> Deadline {
        Deadline::after(configured_limit())
    }

    /// Time left, `None` when there is no deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// An error once the deadline has passed.
    pub fn check(&self) -> Result<(), IngestError> {
        match self.at {
            Some(at) if Instant::now() >= at => Err(IngestError::Limit(format!(
                "reading the document took longer than its time limit of {} s / 文档处理超过时限 {} 秒",
                self.limit.as_secs_f64(),
                self.limit.as_secs_f64()
            ))),
            _ => Ok(()),
        }
    }
}

/// The time limit per document: `JIXIAO_DOCUMENT_TIME_LIMIT` (seconds, fractions allowed) when
/// set to a positive number, else `DEFAULT_TIME_LIMIT`.
pub fn configured_limit() -> Duration {
    std::env::var(TIME_LIMIT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(DEFAULT_TIME_LIMIT, Duration::from_secs_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passed_deadline_is_an_error() {
        assert!(Deadline::none().check().is_ok());
        assert!(Deadline::after(Duration::from_secs(3600)).check().is_ok());
        let past = Deadline::after(Duration::ZERO);
        match past.check() {
            Err(IngestError::Limit(m)) => assert!(m.contains("time limit of 0 s"), "{m}"),
            other => panic!("expected the time limit, got {other:?}"),
        }
        assert_eq!(past.remaining(), Some(Duration::ZERO));
    }
}
