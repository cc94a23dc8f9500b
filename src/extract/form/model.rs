//! The form as the rest of the crate sees it: its funds rows, indicator rows, block weights,
//! total and grade, each numeric cell held as the id of its fact; and `Found`, the forms of
//! one document with the facts of their cells. `map_fact_refs` is the one place that lists
//! every fact reference a form holds.

use crate::domain::Qualifier;
use crate::extract::Fact;
use serde::{Deserialize, Serialize};

/// A form as found: its rows, each numeric cell given as the id of its fact.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Form {
    /// Index of the table the form stands in (0-based, in document order).
    pub table: usize,
    /// 项目名称 (or 部门名称 for a department's own form).
    pub project: Option<String>,
    /// 主管部门.
    pub authority: Option<String>,
    /// The unit of the funds block (万元 unless the form says otherwise).
    pub unit: String,
    /// The funds block's own weight ("预算执行情况(10分)"), where its label states one.
    pub funds_weight: Option<usize>,
    pub funds: Vec<FundsRow>,
    pub indicators: Vec<IndicatorRow>,
    /// Weights stated on a block's label: "产出指标(50分)", "绩效指标(90分)".
    pub blocks: Vec<BlockWeight>,
    pub total: Total,
    /// The stated grade (自评等级).
    pub grade: Option<usize>,
    /// Whether the form says its scores were rescaled (折算).
    pub rescaled: bool,
    /// Code-point span of the form in the document text.
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FundsRow {
    pub name: Option<String>,
    /// The block's total row (年度资金总额); the others are its 其中 rows.
    pub total: bool,
    /// Whether the row's name begins with 其中 (its parts follow a row that is itself a part).
    #[serde(skip)]
    pub sub: bool,
    pub initial: Option<usize>,
    pub budget: Option<usize>,
    pub spent: Option<usize>,
    pub rate: Option<usize>,
    pub weight: Option<usize>,
    pub score: Option<usize>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct IndicatorRow {
    /// The row's 序号, where the form numbers its rows.
    pub row: Option<u32>,
    /// 一级, 二级 and 三级指标 (merged cells inherited from the rows above).
    pub levels: [Option<String>; 3],
    /// The most specific name.
    pub name: String,
    pub target: Option<Target>,
    pub actual: Option<Target>,
    pub weight: Option<usize>,
    pub score: Option<usize>,
    pub coefficient: Option<usize>,
    pub reason: Option<String>,
}

/// A target or actual value: its text, the comparison a target states, and its fact.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Target {
    pub text: String,
    pub direction: Option<Qualifier>,
    pub fact: Option<usize>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BlockWeight {
    pub name: String,
    pub weight: usize,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Total {
    pub weight: Option<usize>,
    pub score: Option<usize>,
}

/// Forms of a document and the facts of their cells. Fact references inside the forms are
/// indexes into `facts` until `renumber` maps them to the final ids.
#[derive(Default)]
pub struct Found {
    pub forms: Vec<Form>,
    pub facts: Vec<Fact>,
    /// Spans (original code points) of cells whose prose facts the form replaces or drops.
    pub claimed: Vec<(usize, usize)>,
}

impl Found {
    /// Maps the forms' fact references (indexes into `facts`) to the final fact ids, given
    /// where each of `facts` ended up; a fact that did not (past the cap on facts) is no
    /// longer referred to.
    pub fn renumber(&mut self, ids: &[Option<usize>]) {
        for f in &mut self.forms {
            f.map_fact_refs(|i| ids.get(i).copied().flatten());
        }
    }
}

impl Form {
    /// Maps every fact reference of the form through `f` (an index or sequence number to a
    /// fact id); a reference `f` does not know is dropped. The one place that lists them all.
    pub fn map_fact_refs(&mut self, f: impl Fn(usize) -> Option<usize>) {
        let map = |r: &mut Option<usize>| *r = r.and_then(&f);
        map(&mut self.funds_weight);
        for row in &mut self.funds {
            for r in [
                &mut row.initial,
                &mut row.budget,
                &mut row.spent,
                &mut row.rate,
                &mut row.weight,
                &mut row.score,
            ] {
                map(r);
            }
        }
        for row in &mut self.indicators {
            map(&mut row.weight);
            map(&mut row.score);
            map(&mut row.coefficient);
            for t in [&mut row.target, &mut row.actual].into_iter().flatten() {
                map(&mut t.fact);
            }
        }
        self.blocks.retain_mut(|b| match f(b.weight) {
            Some(id) => {
                b.weight = id;
                true
            }
            None => false,
        });
        map(&mut self.total.weight);
        map(&mut self.total.score);
        map(&mut self.grade);
    }
}
