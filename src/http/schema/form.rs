//! The shape of a self-evaluation form (绩效自评表) as documents and extraction answer it:
//! its funds rows, indicator rows, block weights, total and grade, each numeric cell given as
//! the id of its fact; described for the OpenAPI document like the rest of `schema`.
#![allow(dead_code)]

use super::Qualifier;
use utoipa::ToSchema;

/// A self-evaluation form read from a document's table.
#[derive(ToSchema)]
pub struct Form {
    /// Index of the table the form stands in.
    table: i64,
    /// 项目名称 (or 部门名称).
    #[schema(required = true)]
    project: Option<String>,
    /// 主管部门.
    #[schema(required = true)]
    authority: Option<String>,
    /// The unit of the funds block.
    unit: String,
    /// The funds block's own weight ("预算执行情况(10分)").
    #[schema(required = true)]
    funds_weight: Option<i64>,
    funds: Vec<FundsRow>,
    indicators: Vec<IndicatorRow>,
    /// Weights stated on a block's label: "产出指标(50分)".
    blocks: Vec<BlockWeight>,
    total: FormTotal,
    /// The fact of the stated grade (自评等级).
    #[schema(required = true)]
    grade: Option<i64>,
    /// Whether the form says its scores were rescaled (折算).
    rescaled: bool,
    /// Code-point span of the form in the document text.
    start: Option<i64>,
    end: Option<i64>,
}

/// A row of the funds block (年度资金总额 and its 其中 rows); each cell is a fact id.
#[derive(ToSchema)]
pub struct FundsRow {
    #[schema(required = true)]
    name: Option<String>,
    /// The block's total row; the others are its parts.
    total: bool,
    /// 年初预算数.
    #[schema(required = true)]
    initial: Option<i64>,
    /// 全年预算数.
    #[schema(required = true)]
    budget: Option<i64>,
    /// 全年执行数.
    #[schema(required = true)]
    spent: Option<i64>,
    /// 执行率.
    #[schema(required = true)]
    rate: Option<i64>,
    /// 分值.
    #[schema(required = true)]
    weight: Option<i64>,
    /// 得分.
    #[schema(required = true)]
    score: Option<i64>,
}

/// A row of the indicator table; each numeric cell is a fact id.
#[derive(ToSchema)]
pub struct IndicatorRow {
    /// The row's 序号, where the form numbers its rows.
    #[schema(required = true)]
    row: Option<i64>,
    /// 一级, 二级 and 三级指标.
    levels: Vec<Option<String>>,
    /// The most specific name.
    name: String,
    /// 年度指标值.
    #[schema(required = true)]
    target: Option<FormValue>,
    /// 实际完成值.
    #[schema(required = true)]
    actual: Option<FormValue>,
    /// 分值.
    #[schema(required = true)]
    weight: Option<i64>,
    /// 得分.
    #[schema(required = true)]
    score: Option<i64>,
    /// 得分系数, where the form has one.
    #[schema(required = true)]
    coefficient: Option<i64>,
    /// 偏差原因分析及改进措施.
    #[schema(required = true)]
    reason: Option<String>,
}

/// A target or actual value: its text, the comparison a target states, and its fact.
#[derive(ToSchema)]
pub struct FormValue {
    text: String,
    #[schema(required = true)]
    direction: Option<Qualifier>,
    #[schema(required = true)]
    fact: Option<i64>,
}

/// A weight stated on a block's label.
#[derive(ToSchema)]
pub struct BlockWeight {
    name: String,
    weight: i64,
}

/// The form's 总分 row: fact ids of its weight and score.
#[derive(ToSchema)]
pub struct FormTotal {
    #[schema(required = true)]
    weight: Option<i64>,
    #[schema(required = true)]
    score: Option<i64>,
}
