//! Self-evaluation forms (绩效自评表) as one model, whatever they came in: a DOCX, PDF or
//! spreadsheet table, or text with one row a line or one cell a line (`grid`). A form has a
//! funds block (预算执行情况: 年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分 per
//! funds row), indicator rows (一级/二级/三级指标, 年度指标值, 实际完成值, 分值, 得分,
//! 偏差原因), a total (总分) and often a stated grade (自评等级). `read` finds them and
//! turns every numeric cell into a fact with its cell; the checks of `crate::check` compare
//! them the way an assessor does.
//! `model` holds the form itself; the `Reader` here walks a source's rows and tells headers
//! from data, `data_rows` reads the rows of the funds block and the indicators, and
//! `labelled_rows` the form's names, total and grade.

pub mod columns;
mod data_rows;
pub mod grid;
mod labelled_rows;
mod model;
pub mod value;

pub use model::{BlockWeight, Form, Found, FundsRow, IndicatorRow, Target, Total};

pub(crate) use super::Rule;
use super::lexicon::Lexicon;
use super::{CellRef, Fact, FactKind, FactValue, Span};
use crate::domain::AmountUnit;
use crate::ingest::{Block, Ingested};
use columns::{
    Label, Role, is_funds_header, is_indicator_header, label_of, role_of, squash, strip_weight,
};
use grid::{Row, Rows, TCell};
use rust_decimal::Decimal;

/// Finds the forms of a document: in its ingested tables, else in its text.
pub fn read(text: &str, blocks: &[Block], doc: Option<&Ingested>, lex: &Lexicon) -> Found {
    let _ = doc;
    let offsets = std::cell::OnceCell::new();
    // A caption just above a table ("单位：元") gives its money unit.
    let caption = |rows: &Rows| -> Option<AmountUnit> {
        let start = rows
            .rows
            .iter()
            .flat_map(|r| &r.cells)
            .map(|c| c.start)
            .min()?;
        let from = start.saturating_sub(160);
        offsets
            .get_or_init(|| crate::text::CharOffsets::new(text))
            .slice(from, start)
            .lines()
            .rev()
            .take(3)
            .filter(|l| l.contains("单位"))
            .find_map(unit_in)
    };
    let sources: Vec<Rows> = {
        let tables: Vec<Rows> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table { table, .. } => Some(table),
                _ => None,
            })
            .enumerate()
            .map(|(i, t)| grid::from_table(t, i))
            .collect();
        if !tables.is_empty() {
            tables
        } else if might_hold_form(text) {
            grid::from_text(text)
        } else {
            Vec::new()
        }
    };
    let mut found = Found::default();
    let mut table_index = 0;
    for rows in &sources {
        let mut reader = Reader::new(
            &mut found,
            lex,
            rows.full_grid,
            rows.table.unwrap_or(table_index),
        );
        if rows.table.is_some()
            && let Some(u) = caption(rows)
        {
            reader.unit = u;
            reader.form.unit = u.as_str().into();
        }
        for row in &rows.rows {
            reader.row(row);
        }
        if reader.finish() {
            table_index += 1;
        }
    }
    found
}

#[derive(Clone)]
struct Header {
    cells: Vec<TCell>,
    roles: Vec<Option<Role>>,
    /// The header's name of each role's column (for `cell.column`).
    names: Vec<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Outside,
    Funds,
    Indicators,
}

struct Reader<'a> {
    found: &'a mut Found,
    lex: &'a Lexicon,
    full_grid: bool,
    form: Form,
    seen: bool,
    state: State,
    header: Option<Header>,
    /// A label row waiting for its block's header (one-cell-a-line forms put it first).
    pending: Option<TCell>,
    unit: AmountUnit,
    levels: [Option<String>; 3],
    /// Grid row counter, for `cell.row`.
    row_no: usize,
    /// Where the current block's label stands, for funds weights.
    table: usize,
    /// The row before, where it was an upper header row ("资金来源 | 预算执行情况 | 分值 …").
    upper: Option<(Vec<TCell>, Vec<Option<Role>>)>,
    /// What `found` held before this source: a source without a form takes back what it added.
    facts_before: usize,
    claimed_before: usize,
}

impl<'a> Reader<'a> {
    fn new(found: &'a mut Found, lex: &'a Lexicon, full_grid: bool, table: usize) -> Self {
        let (facts_before, claimed_before) = (found.facts.len(), found.claimed.len());
        Reader {
            found,
            lex,
            full_grid,
            form: Form {
                table,
                unit: "万元".into(),
                start: usize::MAX,
                ..Form::default()
            },
            seen: false,
            state: State::Outside,
            header: None,
            pending: None,
            unit: AmountUnit::WanYuan,
            levels: Default::default(),
            row_no: 0,
            table,
            upper: None,
            facts_before,
            claimed_before,
        }
    }

    /// Keeps the form if it had a block; whether it did.
    fn finish(self) -> bool {
        // Indicator rows make a form; a funds block alone does where the form names its project.
        let is_form = !self.form.indicators.is_empty()
            || (!self.form.funds.is_empty() && self.form.project.is_some());
        if self.seen && is_form {
            self.found.forms.push(self.form);
            true
        } else {
            // A 合计 row or a 项目名称 line outside any form is no form's.
            self.found.facts.truncate(self.facts_before);
            self.found.claimed.truncate(self.claimed_before);
            false
        }
    }

    fn touch(&mut self, cell: &TCell) {
        self.form.start = self.form.start.min(cell.start);
        self.form.end = self.form.end.max(cell.end);
    }

    fn row(&mut self, row: &Row) {
        self.row_no += 1;
        // Header rows are told by their words; a data row's cells name no column.
        let roles: Vec<Option<Role>> = row.cells.iter().map(|c| role_of(&c.text)).collect();
        let role_cells = roles.iter().filter(|r| r.is_some()).count();
        // A list of projects with budget columns (项目名称 | 预算数 | 执行数) is a table, not a
        // form's funds block.
        let names_projects = row.cells.iter().any(|c| {
            matches!(
                c.key().as_str(),
                "项目名称" | "项目" | "单位名称" | "单位" | "序号" | "部门"
            )
        });
        // The lower row of a two-row header takes the upper row's columns where it has none.
        let mut merged = roles.clone();
        let mut names_from: Option<Vec<TCell>> = None;
        if let Some((up_cells, up_roles)) = self.upper.take()
            && up_roles.len() == roles.len()
            && row.cells.iter().all(|c| c.col.is_none())
        {
            for (k, r) in merged.iter_mut().enumerate() {
                if r.is_none() && up_roles[k].is_some() {
                    *r = up_roles[k];
                }
            }
            names_from = Some(up_cells);
        }
        let merged_present: Vec<Role> = merged.iter().flatten().copied().collect();
        if role_cells >= 3 && is_funds_header(&merged_present) && !names_projects {
            self.start_block(State::Funds, row, merged, names_from);
            return;
        }
        if role_cells >= 3 && is_indicator_header(&merged_present) {
            self.start_block(State::Indicators, row, merged, names_from);
            return;
        }
        // A row of header words that is no block's header yet may be the upper row of one.
        if role_cells >= 2
            && row
                .cells
                .iter()
                .all(|c| value::read_number(&c.text).is_none())
        {
            self.upper = Some((row.cells.clone(), roles.clone()));
        }
        let Some(first) = row.cells.iter().find(|c| !c.is_empty()) else {
            return;
        };
        // A caption "单位：元" above the table gives the funds' unit.
        if self.state != State::Funds
            && row.cells.iter().filter(|c| !c.is_empty()).count() == 1
            && first.text.contains("单位")
            && let Some(u) = unit_in(&first.text)
        {
            self.unit = u;
            self.form.unit = u.as_str().into();
            return;
        }
        let label = label_of(&first.text);
        // A funds block's own total row may read 合计 or 总计.
        if self.state == State::Funds
            && matches!(label, None | Some(Label::Total))
            && self.funds_row(row)
        {
            return;
        }
        match label {
            Some(Label::Total) => {
                // 合计 and 总计 total whatever table stands above them: the form's scores only
                // right after its indicator rows; 总分 and 自评总分 always.
                let generic = matches!(strip_weight(&first.key()).as_str(), "合计" | "总计");
                if !generic || self.state == State::Indicators {
                    self.total(row);
                }
                self.state = State::Outside;
                return;
            }
            Some(Label::Grade) => {
                self.grade(row);
                return;
            }
            Some(
                Label::Project
                | Label::Department
                | Label::Authority
                | Label::Implementer
                | Label::Other,
            ) => {
                self.key_values(row);
                return;
            }
            Some(Label::Funds | Label::Indicators) => {
                self.pending = Some(first.clone());
                self.state = State::Outside;
                return;
            }
            Some(Label::Prose) => {
                self.state = State::Outside;
                return;
            }
            None => {}
        }
        if self.state == State::Indicators {
            self.indicator_row(row);
        } else if row.cells.iter().filter(|c| !c.is_empty()).count() == 1
            && is_rescaled(&first.text)
        {
            self.form.rescaled = true;
        }
    }

    fn start_block(
        &mut self,
        state: State,
        row: &Row,
        roles: Vec<Option<Role>>,
        upper: Option<Vec<TCell>>,
    ) {
        self.seen = true;
        self.state = state;
        // Label cells before the header words ("项目资金（万元）", "绩效指标(90分)").
        let first_role = roles.iter().position(|r| r.is_some()).unwrap_or(0);
        let mut labels: Vec<TCell> = row.cells[..first_role]
            .iter()
            .filter(|c| !c.is_empty())
            .cloned()
            .collect();
        if labels.is_empty()
            && let Some(p) = self.pending.take()
        {
            labels.push(p);
        }
        self.pending = None;
        for l in &labels {
            self.touch(l);
            self.block_label(state, l);
        }
        let names = row
            .cells
            .iter()
            .enumerate()
            .map(|(k, c)| {
                // A column the upper header row names keeps the upper row's words.
                let text = match upper.as_ref().and_then(|u| u.get(k)) {
                    Some(u) if c.is_empty() => &u.text,
                    _ => &c.text,
                };
                text.chars().filter(|c| !c.is_whitespace()).collect()
            })
            .collect();
        // Label cells of the upper row ("项目资金（万元）", "绩效指标（90分）").
        if let Some(u) = &upper {
            let first_role = roles.iter().position(|r| r.is_some()).unwrap_or(0);
            for l in u[..first_role.min(u.len())]
                .iter()
                .filter(|c| !c.is_empty())
            {
                if label_of(&l.text).is_some() {
                    self.block_label(state, l);
                }
            }
        }
        for c in &row.cells {
            self.touch(c);
            // Words of a header ("预算执行率未达到90%的需说明原因") are no prose.
            self.found.claimed.push((c.start, c.end));
            // A header that states the unit: 资金量(万元).
            if let Some(u) = unit_in(&c.text) {
                self.unit = u;
                self.form.unit = u.as_str().into();
            }
        }
        self.header = Some(Header {
            cells: row.cells.clone(),
            roles,
            names,
        });
        self.levels = Default::default();
    }

    /// A block's label: the unit it states and its weight.
    fn block_label(&mut self, state: State, cell: &TCell) {
        if let Some(u) = unit_in(&cell.text) {
            self.unit = u;
            self.form.unit = u.as_str().into();
        }
        let name = strip_weight(&squash(&cell.text))
            .split(['(', '（'])
            .next()
            .unwrap_or_default()
            .to_string();
        let column = squash(&cell.text);
        if let Some(id) = self.weight_in_label(cell, &name, &column) {
            match state {
                State::Funds => self.form.funds_weight = Some(id),
                _ => self.form.blocks.push(BlockWeight { name, weight: id }),
            }
        }
    }

    /// "产出指标(50分)": the "50分" inside a label as a score fact.
    fn weight_in_label(&mut self, cell: &TCell, name: &str, column: &str) -> Option<usize> {
        let chars: Vec<char> = cell.text.chars().collect();
        let fen = chars.iter().position(|&c| c == '分')?;
        let mut s = fen;
        while s > 0 && (chars[s - 1].is_ascii_digit() || chars[s - 1] == '.') {
            s -= 1;
        }
        if s == fen || !matches!(chars.get(s.wrapping_sub(1)), Some('(' | '（')) {
            return None;
        }
        let number: String = chars[s..fen].iter().collect();
        let value = crate::domain::parse_decimal(&number)?;
        let start = cell.pos(s);
        let end = cell.pos(fen) + 1;
        self.found.claimed.push((start, end));
        Some(self.push(
            Rule::FormBlockWeight,
            FactKind::Score,
            value,
            "分",
            start,
            end,
            Some(name.to_string()),
            column,
            None,
        ))
    }

    fn column_name(&self, role: Role) -> String {
        self.header
            .as_ref()
            .and_then(|h| {
                h.roles
                    .iter()
                    .position(|r| *r == Some(role))
                    .map(|i| h.names[i].clone())
            })
            .unwrap_or_default()
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: Rule,
        kind: FactKind,
        value: Decimal,
        unit: &str,
        start: usize,
        end: usize,
        subject: Option<String>,
        column: &str,
        row: Option<u32>,
    ) -> usize {
        let value = match kind {
            FactKind::Count => FactValue::Integer(value.trunc().try_into().unwrap_or(0)),
            _ => FactValue::Decimal(value.normalize()),
        };
        let mut f = Fact::new(kind, value, Span { start, end }, rule);
        f.unit = Some(unit.to_string());
        f.subject = subject;
        f.row = row;
        f.table = Some(self.table as u32);
        f.cell = Some(CellRef {
            table: self.table as u32,
            row: self.row_no as u32,
            column: column.to_string(),
        });
        self.found.facts.push(f);
        self.found.facts.len() - 1
    }
}

/// Whether a text can hold a form at all: a funds block or indicator rows have headers with at
/// least two of these words. Prose reports skip the row reader entirely.
fn might_hold_form(text: &str) -> bool {
    const HEADER_WORDS: [&str; 9] = [
        "三级指标",
        "指标名称",
        "指标内容",
        "执行数",
        "预算数",
        "指标值",
        "完成值",
        "分值",
        "权重",
    ];
    HEADER_WORDS
        .iter()
        .filter(|w| text.contains(**w))
        .take(2)
        .count()
        == 2
}

/// Whether a note says the scores were rescaled (折算) to 100.
fn is_rescaled(text: &str) -> bool {
    text.contains("折算")
}

/// A money unit a label or caption states: "（万元）", "单位：万元", "(单位:元)".
fn unit_in(text: &str) -> Option<AmountUnit> {
    let t = squash(text);
    for (w, u) in [
        ("亿元", AmountUnit::YiYuan),
        ("万元", AmountUnit::WanYuan),
        ("千元", AmountUnit::QianYuan),
    ] {
        if t.contains(&format!("({w})"))
            || t.contains(&format!("（{w}）"))
            || t.contains(&format!("单位：{w}"))
            || t.contains(&format!("单位:{w}"))
        {
            return Some(u);
        }
    }
    if t.contains("(元)") || t.contains("（元）") || t.contains("单位：元") || t.contains("单位:元")
    {
        return Some(AmountUnit::Yuan);
    }
    None
}
