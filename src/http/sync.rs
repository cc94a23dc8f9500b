//! Incremental sync over the list routes: `GET /api/facts` and `GET /api/documents` given a
//! `cursor` (or `updated_since`, for a first pull from a point in time) answer the rows
//! changed since, oldest change first, with the cursor to come back with. A consumer keeps
//! the last `next_cursor` and asks again; it gets every change once, however decisions
//! interleave with its pulls (`store::sync` says why).

use super::error::ApiError;
use crate::store::{SyncCursor, SyncRequest};
use serde::Deserialize;

/// Rows per sync page unless asked otherwise, and the most a page holds.
const PAGE: i64 = 100;
const PAGE_MAX: i64 = 1000;

/// The query of a sync pull; absent both fields, the route lists as before.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SyncQuery {
    /// Switches the route to incremental sync: the rows changed after this point, given as
    /// `next_cursor` by the pull before. `0` (or no cursor with `updated_since`) starts at
    /// the beginning.
    pub cursor: Option<String>,
    /// With no cursor: start with the rows last changed at or after this time (RFC 3339,
    /// e.g. `2026-01-31T00:00:00Z`). Only a starting point: clocks are not commit order, so
    /// later pulls go by the cursor.
    #[param(format = DateTime)]
    pub updated_since: Option<String>,
}

impl SyncQuery {
    /// The sync request this query makes, or `None` for a plain listing.
    pub fn request(&self, limit: Option<i64>) -> Result<Option<SyncRequest>, ApiError> {
        if self.cursor.is_none() && self.updated_since.is_none() {
            return Ok(None);
        }
        let after = match self.cursor.as_deref() {
            None | Some("0") => SyncCursor::default(),
            Some(c) => SyncCursor::decode(c).ok_or_else(|| {
                ApiError::invalid("cursor is a next_cursor given by an earlier pull, or 0")
            })?,
        };
        let updated_since = match self.updated_since.as_deref() {
            None => None,
            Some(t) => Some(parse_time(t).ok_or_else(|| {
                ApiError::invalid("updated_since is a time in RFC 3339, e.g. 2026-01-31T00:00:00Z")
            })?),
        };
        Ok(Some(SyncRequest {
            after,
            updated_since,
            limit: limit.unwrap_or(PAGE).clamp(1, PAGE_MAX),
        }))
    }
}

/// RFC 3339 to Unix milliseconds.
fn parse_time(t: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(cursor: Option<&str>, since: Option<&str>) -> SyncQuery {
        SyncQuery {
            cursor: cursor.map(str::to_string),
            updated_since: since.map(str::to_string),
        }
    }

    #[test]
    fn no_cursor_and_no_time_is_a_plain_listing() {
        assert!(q(None, None).request(None).unwrap().is_none());
    }

    #[test]
    fn zero_starts_at_the_beginning() {
        let r = q(Some("0"), None).request(Some(5000)).unwrap().unwrap();
        assert_eq!(r.after, SyncCursor::default());
        assert_eq!(r.limit, PAGE_MAX);
    }

    #[test]
    fn a_cursor_comes_back_as_it_went_out() {
        let c = SyncCursor { seq: 9, id: 3 };
        let r = q(Some(&c.encode()), None).request(None).unwrap().unwrap();
        assert_eq!((r.after, r.limit), (c, PAGE));
    }

    #[test]
    fn times_are_rfc3339() {
        let r = q(None, Some("1970-01-01T00:00:01.5Z"))
            .request(None)
            .unwrap()
            .unwrap();
        assert_eq!(r.updated_since, Some(1500));
        assert!(q(None, Some("yesterday")).request(None).is_err());
        assert!(q(Some("12"), None).request(None).is_err());
    }
}
