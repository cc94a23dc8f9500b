//! The data rows of a form's two blocks: a funds row (年初预算数, 全年预算数, 全年执行数,
//! 执行率, 分值, 得分) and an indicator row (一级/二级/三级指标, 年度指标值, 实际完成值, 分值,
//! 得分, 偏差原因). Each cell is matched to its header's column (by position, by display
//! column, or by `align` where a pasted row lost or gained empty cells) and its number read
//! into a fact.

use super::columns::{Role, is_funds_row_name, is_funds_total, squash, strip_weight};
use super::grid::{Row, TCell, fits, is_placeholder, is_value_like};
use super::{BlockWeight, FundsRow, IndicatorRow, Reader, Rule, Target, value};
use crate::extract::FactKind;

impl Reader<'_> {
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

    /// A row of the funds block; false when the row is not one (the block has ended).
    pub(super) fn funds_row(&mut self, row: &Row) -> bool {
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
                        Rule::FormFunds,
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
                    Rule::FormFunds,
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
                    Rule::FormFunds,
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

    pub(super) fn indicator_row(&mut self, row: &Row) {
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
                            Rule::FormIndicatorValue,
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
                        Rule::FormIndicatorScore,
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
