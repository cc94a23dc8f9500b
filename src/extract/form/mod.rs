//! Self-evaluation forms (绩效自评表) as one model, whatever they came in: a DOCX, PDF or
//! spreadsheet table, or text with one row a line or one cell a line (`grid`). A form has a
//! funds block (预算执行情况: 年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分 per
//! funds row), indicator rows (一级/二级/三级指标, 年度指标值, 实际完成值, 分值, 得分,
//! 偏差原因), a total (总分) and often a stated grade (自评等级). `read` finds them and
//! turns every numeric cell into a fact with its cell; the checks of `crate::check` compare
//! them the way an assessor does.

pub mod columns;
pub mod grid;
pub mod value;

use super::lexicon::Lexicon;
use super::{CellRef, Fact, FactKind, FactValue, Span};
use crate::domain::{AmountUnit, Qualifier, Rating};
use crate::ingest::{Block, Ingested};
use columns::{
    Label, Role, is_funds_header, is_funds_row_name, is_funds_total, is_indicator_header, label_of,
    role_of, squash, strip_weight,
};
use grid::{Row, Rows, TCell, fits, is_placeholder, is_value_like};
use rust_decimal::Decimal;
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

    /// The role of each cell of a data row, by the header.
    fn roles_of(&self, row: &Row) -> Vec<Option<Role>> {
        if let Some(r) = &row.roles {
            return r.clone();
        }
        let Some(h) = &self.header else {
            return vec![None; row.cells.len()];
        };
        // A row as wide as its header lines up with it (a grid, or tab-separated text that
        // keeps merged cells as empty ones).
        let aligned_cols = row.cells.iter().all(|c| c.col.is_some());
        if (self.full_grid || !aligned_cols) && row.cells.len() == h.cells.len() {
            return h.roles.clone();
        }
        if row.cells.iter().all(|c| c.col.is_some()) && h.cells.iter().all(|c| c.col.is_some()) {
            return row
                .cells
                .iter()
                .map(|c| {
                    let col = c.col.unwrap_or(0);
                    h.cells
                        .iter()
                        .zip(&h.roles)
                        .filter(|(hc, _)| hc.col.unwrap_or(0) <= col + 1)
                        .max_by_key(|(hc, _)| hc.col)
                        .and_then(|(_, r)| *r)
                })
                .collect();
        }
        align(&row.cells, &h.roles)
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

    /// A row of the funds block; false when the row is not one (the block has ended).
    fn funds_row(&mut self, row: &Row) -> bool {
        let roles = self.roles_of(row);
        let mut name: Option<String> = None;
        let mut cells: Vec<(Role, &TCell)> = Vec::new();
        for (c, r) in row.cells.iter().zip(&roles) {
            if c.is_empty() {
                continue;
            }
            match r {
                Some(Role::Source) | None if name.is_none() && !is_value_like(&c.text) => {
                    name = Some(c.text.clone())
                }
                Some(r) if *r != Role::Source => cells.push((*r, c)),
                _ => {}
            }
        }
        let numbers = cells
            .iter()
            .filter(|(r, c)| *r != Role::Reason && value::read_number(&c.text).is_some())
            .count();
        if numbers == 0 || name.as_deref().is_some_and(|n| !is_funds_row_name(n)) {
            return false;
        }
        let subject = name
            .as_deref()
            .map(|n| {
                let n = squash(n);
                let n = n.trim_end_matches(['：', ':']);
                n.strip_prefix("其中：")
                    .or_else(|| n.strip_prefix("其中:"))
                    .or_else(|| n.strip_prefix("其中"))
                    .unwrap_or(n)
                    .to_string()
            })
            .filter(|n| !n.is_empty());
        let total = self.form.funds.is_empty() || name.as_deref().is_some_and(is_funds_total);
        let mut out = FundsRow {
            name: subject.clone(),
            total,
            sub: name
                .as_deref()
                .is_some_and(|n| squash(n).starts_with("其中")),
            ..FundsRow::default()
        };
        for (role, c) in cells {
            self.touch(c);
            let Some((v, _, from, to)) = value::read_number(&c.text) else {
                if role == Role::Reason {
                    self.found.claimed.push((c.start, c.end));
                }
                continue;
            };
            let (start, end) = (c.start + from, c.start + to);
            let column = self.column_name(role);
            let score_subject = Some("预算执行率".to_string());
            let id = match role {
                Role::Initial | Role::Budget | Role::Spent => {
                    let unit = self.unit;
                    Some(self.push(
                        FactKind::Amount,
                        v * unit.yuan(),
                        unit.as_str(),
                        start,
                        end,
                        subject.clone(),
                        &column,
                        None,
                    ))
                }
                Role::Rate => Some(self.push(
                    FactKind::Percent,
                    v,
                    "%",
                    start,
                    end,
                    subject.clone(),
                    &column,
                    None,
                )),
                Role::Weight | Role::Score => Some(self.push(
                    FactKind::Score,
                    v,
                    "分",
                    start,
                    end,
                    score_subject,
                    &column,
                    None,
                )),
                _ => None,
            };
            self.found.claimed.push((c.start, c.end));
            match role {
                Role::Initial => out.initial = id,
                Role::Budget => out.budget = id,
                Role::Spent => out.spent = id,
                Role::Rate => out.rate = id,
                Role::Weight => out.weight = id,
                Role::Score => out.score = id,
                _ => {}
            }
        }
        self.form.funds.push(out);
        true
    }

    fn indicator_row(&mut self, row: &Row) {
        let roles = self.roles_of(row);
        let mut cell_of = |role: Role| -> Option<&TCell> {
            row.cells
                .iter()
                .zip(&roles)
                .find(|(c, r)| **r == Some(role) && !c.is_empty())
                .map(|(c, _)| c)
        };
        let levels_here: Vec<Option<&TCell>> = [Role::Level1, Role::Level2, Role::Level3]
            .into_iter()
            .map(&mut cell_of)
            .collect();
        // Merged 一级/二级 cells: a new higher level resets the lower ones.
        for (i, cell) in levels_here.iter().enumerate() {
            if let Some(c) = cell {
                // An indicator's name counts nothing ("残疾人两项补贴覆盖率").
                self.found.claimed.push((c.start, c.end));
                self.levels[i] = Some(strip_weight(&squash(&c.text)));
                for lower in self.levels.iter_mut().skip(i + 1) {
                    *lower = None;
                }
                if i < 2 {
                    let column = self.column_name([Role::Level1, Role::Level2][i]);
                    let name = self.levels[i].clone().unwrap_or_default();
                    if let Some(id) = self.weight_in_label(c, &name, &column) {
                        self.form.blocks.push(BlockWeight { name, weight: id });
                    }
                }
            }
        }
        let Some(name_cell) = levels_here[2] else {
            return;
        };
        let name = squash(&name_cell.text);
        if is_placeholder(&name) {
            return;
        }
        let number = cell_of(Role::RowNumber).and_then(|c| c.key().parse::<u32>().ok());
        let unit_hint = cell_of(Role::Unit)
            .map(|c| c.key())
            .filter(|u| !is_placeholder(u));
        let nature = cell_of(Role::Nature).and_then(|c| value::comparison(&c.key()));
        let mut out = IndicatorRow {
            row: number,
            levels: self.levels.clone(),
            name: name.clone(),
            ..IndicatorRow::default()
        };
        for (c, r) in row.cells.iter().zip(&roles) {
            self.touch(c);
            let Some(role) = *r else { continue };
            if c.is_empty() {
                continue;
            }
            let column = self.column_name(role);
            match role {
                Role::Target | Role::AdjustedTarget | Role::Actual => {
                    if is_placeholder(&c.key()) {
                        continue;
                    }
                    let nature = if role == Role::Actual { None } else { nature };
                    let read = value::read_value(&c.text, unit_hint.as_deref(), nature, self.lex);
                    let fact = read.as_ref().map(|v| {
                        let chars: Vec<char> = c.text.chars().collect();
                        let from = v.from.min(chars.len());
                        self.push(
                            v.kind,
                            v.value,
                            &v.unit,
                            c.start + from,
                            c.start + v.to.min(chars.len()),
                            Some(name.clone()),
                            &column,
                            number,
                        )
                    });
                    // The cell's fact replaces what the prose scanners read there; a cell of
                    // words ("实有在编人数86人") keeps its prose facts.
                    if read.is_some() {
                        self.found.claimed.push((c.start, c.end));
                    }
                    let direction = read.as_ref().map(|v| v.qualifier).or(nature).or_else(|| {
                        let k = c.key();
                        value::comparison(&k.chars().take(1).collect::<String>())
                    });
                    let target = Target {
                        text: c.text.clone(),
                        direction: if role == Role::Actual {
                            None
                        } else {
                            direction
                        },
                        fact,
                    };
                    match role {
                        Role::Actual => out.actual = Some(target),
                        // The adjusted target replaces the first one where stated.
                        Role::AdjustedTarget => out.target = Some(target),
                        _ if out.target.is_none() => out.target = Some(target),
                        _ => {}
                    }
                }
                Role::Weight | Role::Score | Role::Coefficient => {
                    self.found.claimed.push((c.start, c.end));
                    let Some((v, _, from, to)) = value::read_number(&c.text) else {
                        continue;
                    };
                    let (kind, unit) = if role == Role::Coefficient {
                        (FactKind::Percent, "%")
                    } else {
                        (FactKind::Score, "分")
                    };
                    let id = self.push(
                        kind,
                        v,
                        unit,
                        c.start + from,
                        c.start + to,
                        Some(name.clone()),
                        &column,
                        number,
                    );
                    match role {
                        Role::Weight => out.weight = Some(id),
                        Role::Score => out.score = Some(id),
                        _ => out.coefficient = Some(id),
                    }
                }
                Role::Reason => {
                    self.found.claimed.push((c.start, c.end));
                    out.reason = Some(c.text.clone());
                }
                Role::Nature | Role::Unit | Role::RowNumber | Role::Core | Role::Standard => {
                    self.found.claimed.push((c.start, c.end));
                }
                _ => {}
            }
        }
        self.form.indicators.push(out);
    }

    /// 总分 | 100 | 98.84: the weights' total and the scores' total, in the header's order of
    /// 分值 and 得分; a lone number is the score.
    fn total(&mut self, row: &Row) {
        let label = squash(
            &row.cells
                .iter()
                .find(|c| !c.is_empty())
                .map(|c| c.text.clone())
                .unwrap_or_default(),
        );
        let subject = strip_weight(label.trim_end_matches(['：', ':']));
        let numbers: Vec<&TCell> = row
            .cells
            .iter()
            .filter(|c| value::read_number(&c.text).is_some())
            .collect();
        let weight_first = self.header.as_ref().is_none_or(|h| {
            let w = h.roles.iter().position(|r| *r == Some(Role::Weight));
            let s = h.roles.iter().position(|r| *r == Some(Role::Score));
            w.unwrap_or(0) <= s.unwrap_or(usize::MAX)
        });
        let (weight, score) = match numbers.as_slice() {
            [s] => (None, Some(*s)),
            [a, b, ..] if weight_first => (Some(*a), Some(*b)),
            [a, b, ..] => (Some(*b), Some(*a)),
            [] => (None, None),
        };
        for (cell, role) in [(weight, Role::Weight), (score, Role::Score)] {
            let Some(c) = cell else { continue };
            self.touch(c);
            self.found.claimed.push((c.start, c.end));
            let (v, _, from, to) = value::read_number(&c.text).expect("filtered above");
            let column = if numbers.len() == 1 {
                label.clone()
            } else {
                self.column_name(role)
            };
            let id = self.push(
                FactKind::Score,
                v,
                "分",
                c.start + from,
                c.start + to,
                Some(subject.clone()),
                &column,
                None,
            );
            match role {
                Role::Weight => self.form.total.weight = Some(id),
                _ => self.form.total.score = Some(id),
            }
        }
    }

    fn grade(&mut self, row: &Row) {
        let label = squash(
            &row.cells
                .iter()
                .find(|c| !c.is_empty())
                .map(|c| c.text.clone())
                .unwrap_or_default(),
        );
        let Some(cell) = row
            .cells
            .iter()
            .skip_while(|c| c.key() != label)
            .skip(1)
            .find(|c| !c.is_empty())
        else {
            return;
        };
        let Some(r) = Rating::parse(&cell.text) else {
            return;
        };
        self.touch(cell);
        self.found.claimed.push((cell.start, cell.end));
        let subject = self.form.project.clone();
        let mut f = Fact::new(
            FactKind::Rating,
            FactValue::Rating(r),
            Span {
                start: cell.start,
                end: cell.end,
            },
        );
        f.subject = subject;
        f.table = Some(self.table as u32);
        f.cell = Some(CellRef {
            table: self.table as u32,
            row: self.row_no as u32,
            column: label,
        });
        self.found.facts.push(f);
        self.form.grade = Some(self.found.facts.len() - 1);
    }

    /// 项目名称 | X | 主管部门 | Y: names of the form.
    fn key_values(&mut self, row: &Row) {
        let cells: Vec<&TCell> = row.cells.iter().filter(|c| !c.is_empty()).collect();
        let mut i = 0;
        while i < cells.len() {
            let label = label_of(&cells[i].text);
            match (label, cells.get(i + 1)) {
                (Some(Label::Total), Some(v)) if value::read_number(&v.text).is_some() => {
                    self.total(&Row {
                        cells: vec![cells[i].clone(), (*v).clone()],
                        roles: None,
                    });
                    i += 2;
                }
                (Some(Label::Grade), Some(_)) => {
                    self.grade(&Row {
                        cells: vec![cells[i].clone(), cells[i + 1].clone()],
                        roles: None,
                    });
                    i += 2;
                }
                (Some(l), Some(v)) if label_of(&v.text).is_none() => {
                    // A name is no quantity: "困难残疾人两项补贴资金" counts nothing.
                    if l != Label::Other {
                        self.found.claimed.push((v.start, v.end));
                    }
                    let value = squash(&v.text);
                    // "[315]青崖县民政局": the department code is not part of the name.
                    let value = match value.strip_prefix('[').and_then(|r| r.split_once(']')) {
                        Some((_, rest)) => rest.to_string(),
                        None => value,
                    };
                    match l {
                        Label::Project => self.form.project = Some(value),
                        Label::Department => {
                            if self.form.project.is_none() {
                                self.form.project = Some(value.clone());
                            }
                            self.form.authority.get_or_insert(value);
                        }
                        Label::Authority => self.form.authority = Some(value),
                        _ => {}
                    }
                    i += 2;
                }
                _ => i += 1,
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
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
        let mut f = Fact::new(kind, value, Span { start, end });
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

/// Cells of a row matched to the header's roles in order, where the row's cells do not line
/// up with the header's (a pasted row that lost or gained empty cells): each non-empty cell
/// takes the next role it fits, names filling the most specific level they can.
fn align(cells: &[TCell], header: &[Option<Role>]) -> Vec<Option<Role>> {
    let roles: Vec<Role> = header.iter().flatten().copied().collect();
    let idx: Vec<usize> = cells
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_empty())
        .map(|(i, _)| i)
        .collect();
    let (n, m) = (idx.len(), roles.len());
    // best[i][j]: best score placing cells i.. into roles j..
    const NEG: i32 = -1_000_000;
    let mut best = vec![vec![NEG; m + 1]; n + 1];
    let score = |r: Role, c: &TCell| -> i32 {
        if !fits(r, c) {
            return -20;
        }
        match r {
            Role::Weight
            | Role::Score
            | Role::Rate
            | Role::Initial
            | Role::Budget
            | Role::Spent => 4,
            Role::Nature | Role::RowNumber | Role::Coefficient => 4,
            Role::Reason => 2,
            _ => 3,
        }
    };
    // Leaving a column empty costs nothing where merged cells leave it so (一级/二级 names,
    // reasons); a row without its name, target or actual value is less likely.
    let skip = |r: Role| -> i32 {
        match r {
            Role::Level3 | Role::Target | Role::Actual => 2,
            Role::Weight
            | Role::Score
            | Role::Initial
            | Role::Budget
            | Role::Spent
            | Role::Rate => 1,
            _ => 0,
        }
    };
    best[n][m] = 0;
    for j in (0..m).rev() {
        best[n][j] = best[n][j + 1] - skip(roles[j]);
    }
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let take = score(roles[j], &cells[idx[i]]) + best[i + 1][j + 1];
            let skip_role = best[i][j + 1] - skip(roles[j]);
            let skip_cell = best[i + 1][j] - 10;
            best[i][j] = take.max(skip_role).max(skip_cell);
        }
        best[i][m] = best[i + 1][m] - 10;
    }
    let mut out = vec![None; cells.len()];
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        let take = score(roles[j], &cells[idx[i]]) + best[i + 1][j + 1];
        if best[i][j] == take {
            out[idx[i]] = Some(roles[j]);
            i += 1;
            j += 1;
        } else if best[i][j] == best[i][j + 1] - skip(roles[j]) {
            j += 1;
        } else {
            i += 1;
        }
    }
    out
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
