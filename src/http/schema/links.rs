//! The shapes of the answers about links across documents (`/api/documents/{id}/related`,
//! `/api/citations`), described for the OpenAPI document like the rest of `schema`.
#![allow(dead_code)]

use utoipa::ToSchema;

/// A related document in short.
#[derive(ToSchema)]
pub struct RelatedDocumentBrief {
    id: i64,
    #[schema(required = true)]
    file_name: Option<String>,
    #[schema(required = true)]
    title: Option<String>,
    #[schema(required = true)]
    region: Option<String>,
    #[schema(required = true)]
    year: Option<i64>,
    #[schema(required = true)]
    doc_number: Option<String>,
}

/// What ties two documents: a cited 发文字号 or title, or a project or department both name.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum RelationKind {
    Number,
    Title,
    Project,
    Department,
}

/// One reason two documents are related.
#[derive(ToSchema)]
pub struct Reason {
    kind: RelationKind,
    /// The normalized key they share: 渠财绩〔2022〕1号, a title, or `region|name` of a project.
    key: String,
    /// The citing `document` fact, for a citation.
    #[schema(required = true)]
    fact_id: Option<i64>,
}

/// A related document and why.
#[derive(ToSchema)]
pub struct RelatedEntry {
    document: RelatedDocumentBrief,
    why: Vec<Reason>,
}

/// Which figure of a project a point is.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum FigureLabel {
    /// 全年预算数 of a self-evaluation form's 年度资金总额.
    Budget,
    /// 全年执行数 of the same row.
    Spent,
    /// 自评等级.
    Grade,
    /// The money of a rated row in a table of evaluated projects.
    Amount,
    /// The grade of that row.
    Rating,
}

/// One figure of a project in one report.
#[derive(ToSchema)]
pub struct ProjectPoint {
    document_id: i64,
    #[schema(required = true)]
    year: Option<i64>,
    label: FigureLabel,
    /// An amount in yuan (a decimal string) or a grade (优/良/中/差).
    value: String,
    fact_id: i64,
}

/// A project the document names and its figures in every report, by year.
#[derive(ToSchema)]
pub struct ProjectSeries {
    /// `region|name`.
    key: String,
    region: String,
    name: String,
    points: Vec<ProjectPoint>,
}

/// `GET /api/documents/{id}/related`.
#[derive(ToSchema)]
pub struct Related {
    document_id: i64,
    /// Documents citing this one's 发文字号 or title.
    cited_by: Vec<RelatedEntry>,
    /// Stored documents this one cites.
    cites: Vec<RelatedEntry>,
    /// Documents naming one of its projects or departments (same name, same region).
    same_project: Vec<RelatedEntry>,
    projects: Vec<ProjectSeries>,
}

/// `GET /api/citations`: a 发文字号 or title, normalized, the stored document that is it and
/// the documents citing it.
#[derive(ToSchema)]
pub struct CitationAnswer {
    #[schema(required = true)]
    number: Option<String>,
    #[schema(required = true)]
    title: Option<String>,
    /// The stored document that is it (the first, when several are), or null.
    #[schema(required = true)]
    document: Option<RelatedDocumentBrief>,
    documents: Vec<RelatedDocumentBrief>,
    cited_by: Vec<RelatedEntry>,
}
