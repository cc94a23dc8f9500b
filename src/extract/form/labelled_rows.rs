//! Rows led by a label rather than by a header's columns: the form's names (项目名称, 主管部门
//! … each followed by its value), its total (总分 | 100 | 98.84) and its stated grade
//! (自评等级).

use super::columns::{Label, Role, label_of, squash, strip_weight};
use super::grid::{Row, TCell};
use super::{Reader, Rule, value};
use crate::domain::Rating;
use crate::extract::{CellRef, Fact, FactKind, FactValue, Span};

impl Reader<'_> {
    /// 总分 | 100 | 98.84: the weights' total and the scores' total, in the header's order of
    /// 分值 and 得分; a lone number is the score.
    pub(super) fn total(&mut self, row: &Row) {
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
                Rule::FormTotal,
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

    pub(super) fn grade(&mut self, row: &Row) {
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
            Rule::FormGrade,
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
    pub(super) fn key_values(&mut self, row: &Row) {
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
}
