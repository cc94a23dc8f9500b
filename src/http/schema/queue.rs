//! The shapes of the work queue: how the document list sorts and filters by assignee, and
//! the assignments of a document.
#![allow(dead_code)]

use super::Time;
use utoipa::ToSchema;

/// What `GET /api/documents` sorts by; ties by id.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum DocumentSort {
    Uploaded,
    Region,
    Year,
    Progress,
    Findings,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum SortOrder {
    Asc,
    Desc,
}

/// `me`: documents assigned to the caller; `none`: to nobody.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum AssignedFilter {
    Me,
    None,
}

/// The user a document is assigned to.
#[derive(ToSchema)]
pub struct Assignee {
    id: i64,
    name: String,
}

/// Who made a change.
#[derive(ToSchema)]
pub struct ChangedBy {
    /// Null when the change was made outside the API.
    #[schema(required = true)]
    id: Option<i64>,
    name: String,
}

/// One change of a document's assignee.
#[derive(ToSchema)]
pub struct Assignment {
    id: i64,
    /// The assessor's user id before the change; null is nobody.
    #[schema(required = true)]
    before: Option<i64>,
    /// The assessor's user id after it; null is nobody.
    #[schema(required = true)]
    after: Option<i64>,
    by: ChangedBy,
    at: Time,
}

/// `GET /api/documents/{id}/assignments`: oldest first.
#[derive(ToSchema)]
pub struct AssignmentList {
    assignments: Vec<Assignment>,
}
