//! Text pasted one cell a line: the run of such cells is cleaned (page numbers dropped, a cell
//! broken over two lines joined again), headers are found and a two-row header folded into
//! one, and the run is cut into rows as long as the header says a funds or indicator row is.

use super::{Row, TCell, fits, is_bracketed, is_value_like, number_in};
use crate::extract::form::columns::{
    Label, Role, is_funds_header, is_indicator_header, label_of, role_of,
};
use crate::extract::form::value;

pub(super) fn flush_stream(stream: &mut Vec<TCell>, rows: &mut Vec<Row>) {
    if !stream.is_empty() {
        let mut cells = std::mem::take(stream);
        // Columns are a matter of aligned rows; a one-cell line has none.
        for c in &mut cells {
            c.col = None;
        }
        // A page number printed inside a table pasted from a PDF is no cell of it.
        cells.retain(|c| !is_page_number(&c.key()));
        rows.extend(cut_stream(join_fragments(cells)));
    }
}

/// "— 2 —", "-2-", "第2页", "第 2 页 共 5 页": a page number, never a bare number (that may be a
/// cell's value).
pub(super) fn is_page_number(key: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let dashes = ['-', '—', '－', '–'];
    if let Some(inner) = key
        .strip_prefix(dashes)
        .and_then(|k| k.strip_suffix(dashes))
    {
        return digits(inner.trim_matches(dashes));
    }
    if let Some(rest) = key.strip_prefix('第') {
        let (page, tail) = rest.split_once('页').unwrap_or(("", ""));
        return digits(page)
            && (tail.is_empty()
                || tail
                    .strip_prefix('共')
                    .and_then(|t| t.strip_suffix('页'))
                    .is_some_and(digits));
    }
    false
}

/// Joins the lines of one cell that a one-cell-a-line paste broke apart: a bracketed note
/// ("（万元）", "(70分)") and a header word split over two lines ("年初⏎预算数").
fn join_fragments(cells: Vec<TCell>) -> Vec<TCell> {
    let mut out: Vec<TCell> = Vec::with_capacity(cells.len());
    let next_is_value: Vec<bool> = (0..cells.len())
        .map(|k| cells.get(k + 1).is_some_and(|n| is_value_like(&n.text)))
        .collect();
    for (k, c) in cells.into_iter().enumerate() {
        if let Some(prev) = out.last_mut()
            && !prev.is_empty()
            && !c.is_empty()
        {
            let (pk, ck) = (prev.key(), c.key());
            let joined = format!("{pk}{ck}");
            let known = |s: &str| role_of(s).is_some() || label_of(s).is_some();
            let unknown_prev = !known(&pk) && !is_value_like(&pk);
            let label_tail = label_of(&pk).is_some()
                && (!known(&ck) || (pk.ends_with("目标") && ck == "完成情况"))
                && ck.chars().count() <= 6
                && label_of(&joined) == label_of(&pk);
            let header_tail = role_of(&pk).is_some()
                && (ck.starts_with('及') || ck.starts_with('和'))
                && role_of(&joined) == role_of(&pk);
            if (is_bracketed(&ck) && !is_value_like(&pk))
                || (unknown_prev
                    && known(&joined)
                    // A header word is followed by more header words, a row's name by values.
                    && !next_is_value[k]
                    && (2..=8).contains(&pk.chars().count())
                    && joined.chars().count() <= 14
                    && !ck.contains(['：', '。', '，', '；', ':']))
                || label_tail
                || header_tail
            {
                prev.text.push('\n');
                prev.text.push_str(&c.text);
                prev.end = c.end;
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Most cells a header row is read over: real forms have a dozen columns at most. Without a
/// bound, a long run of header words (one a line) was read again from each of its cells.
const MAX_HEADER_CELLS: usize = 32;

/// A run of header cells starting at `i`: their roles.
fn header_run(cells: &[TCell], i: usize) -> Vec<Role> {
    cells[i..]
        .iter()
        .take(MAX_HEADER_CELLS)
        .map_while(|c| role_of(&c.text))
        .collect()
}

/// The header starting at `i`, with a header of two rows folded into one: "资金来源 | 预算执行情况
/// | 分值 | 执行率 | 得分 | 备注" over "年初预算数 | 全年预算数 | 全年执行数" reads as 资金来源,
/// 年初预算数, 全年预算数, 全年执行数, 分值 …. The upper row ends with its 原因/备注 column (or
/// where a word repeats a column it already has); its group words (预算执行情况, 绩效指标,
/// 指标值, 评分) give way to the lower row's columns. Returns the header's cells with their
/// roles and how many cells it took.
fn header_at(cells: &[TCell], i: usize) -> (Vec<(TCell, Role)>, usize) {
    let is_group = |k: usize| {
        let c = &cells[k];
        if c.text.len() > 60 {
            return false;
        }
        let key = c.key();
        role_of(&key).is_none()
            && !key.is_empty()
            && key.chars().count() <= 10
            && !is_value_like(&key)
            && matches!(
                label_of(&key),
                Some(Label::Funds | Label::Indicators) | None
            )
            && cells.get(k + 1).is_some_and(|n| role_of(&n.text).is_some())
    };
    // The upper row: roles and group words, up to and with its reason column.
    let mut top: Vec<(usize, Option<Role>)> = Vec::new();
    let mut k = i;
    while k < cells.len() && top.len() < MAX_HEADER_CELLS {
        match role_of(&cells[k].text) {
            Some(r) => {
                top.push((k, Some(r)));
                k += 1;
                if r == Role::Reason {
                    break;
                }
            }
            None if is_group(k) => {
                top.push((k, None));
                k += 1;
            }
            None => break,
        }
    }
    let plain = |n: usize| -> (Vec<(TCell, Role)>, usize) {
        let run: Vec<(TCell, Role)> = cells[i..]
            .iter()
            .take(MAX_HEADER_CELLS)
            .map_while(|c| role_of(&c.text).map(|r| (c.clone(), r)))
            .collect();
        let len = run.len().min(n);
        (run.into_iter().take(len).collect(), len)
    };
    let groups = top.iter().filter(|(_, r)| r.is_none()).count();
    let sub: Vec<(usize, Role)> = cells[k.min(cells.len())..]
        .iter()
        .take(MAX_HEADER_CELLS)
        .enumerate()
        .map_while(|(j, c)| role_of(&c.text).map(|r| (k + j, r)))
        .collect();
    if groups == 0
        || sub.len() < 2
        || top.first().is_some_and(|(_, r)| r.is_none()) && groups > 1 && sub.len() < 3
    {
        return plain(usize::MAX);
    }
    // Fold: each group word, and each upper word the lower row repeats, gives way to the
    // lower row (once, at the first such place).
    let sub_roles: Vec<Role> = sub.iter().map(|(_, r)| *r).collect();
    let mut out: Vec<(TCell, Role)> = Vec::new();
    let mut placed = false;
    for (idx, role) in &top {
        let covered = match role {
            None => true,
            Some(Role::Target) => {
                sub_roles.contains(&Role::Target) || sub_roles.contains(&Role::Actual)
            }
            Some(Role::Score) => sub_roles.contains(&Role::Score),
            Some(r) => sub_roles.contains(r),
        };
        if covered {
            if !placed {
                out.extend(sub.iter().map(|(j, r)| (cells[*j].clone(), *r)));
                placed = true;
            }
        } else if let Some(r) = role {
            out.push((cells[*idx].clone(), *r));
        }
    }
    let used = k - i + sub.len();
    (out, used)
}

/// Cuts one-cell-a-line text into rows. Outside a form every cell is a row of its own; a
/// run of header cells starts a block whose rows hold as many cells as the header names
/// (a funds row adds its name in front; an indicator row may leave out the 一级/二级 names
/// it shares with the row above, as merged cells do).
fn cut_stream(cells: Vec<TCell>) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut i = 0;
    while i < cells.len() {
        let (header, used) = header_at(&cells, i);
        let roles: Vec<Role> = header.iter().map(|(_, r)| *r).collect();
        let header_row = || Row {
            cells: header.iter().map(|(c, _)| c.clone()).collect(),
            roles: Some(roles.iter().copied().map(Some).collect()),
        };
        if roles.len() >= 3 && is_funds_header(&roles) {
            rows.push(header_row());
            i = cut_funds_rows(&cells, i + used, &roles, &mut rows);
            continue;
        }
        if roles.len() >= 3 && is_indicator_header(&roles) {
            rows.push(header_row());
            i = cut_indicator_rows(&cells, i + used, &roles, &mut rows);
            continue;
        }
        match label_of(&cells[i].text) {
            Some(Label::Total) => {
                // The total's numbers follow it, up to the next word.
                let mut n = 1;
                while i + n < cells.len()
                    && n < 6
                    && (cells[i + n].is_empty() || is_value_like(&cells[i + n].text))
                {
                    n += 1;
                }
                rows.push(Row {
                    cells: cells[i..i + n].to_vec(),
                    roles: None,
                });
                i += n;
            }
            Some(
                Label::Project
                | Label::Department
                | Label::Authority
                | Label::Implementer
                | Label::Other
                | Label::Grade,
            ) if i + 1 < cells.len() && label_of(&cells[i + 1].text).is_none() => {
                rows.push(Row {
                    cells: cells[i..i + 2].to_vec(),
                    roles: None,
                });
                i += 2;
            }
            _ => {
                rows.push(Row {
                    cells: vec![cells[i].clone()],
                    roles: None,
                });
                i += 1;
            }
        }
    }
    rows
}

fn cut_funds_rows(cells: &[TCell], mut i: usize, header: &[Role], rows: &mut Vec<Row>) -> usize {
    let has_source = header.first() == Some(&Role::Source);
    let values: Vec<Role> = header
        .iter()
        .copied()
        .filter(|r| *r != Role::Source)
        .collect();
    while i < cells.len() {
        let first = &cells[i];
        let named = !first.is_empty() && !is_value_like(&first.text);
        if named && (label_of(&first.text).is_some() || header_run(cells, i).len() >= 3) {
            break;
        }
        if !named && (has_source || first.is_empty()) {
            break;
        }
        let start = if named { i + 1 } else { i };
        let end = start + values.len();
        if end > cells.len() {
            break;
        }
        let row = &cells[start..end];
        let fit = values.iter().zip(row).all(|(r, c)| fits(*r, c));
        let any_number = row.iter().any(|c| number_in(&c.key()).is_some());
        if !fit || !any_number {
            break;
        }
        let mut roles = Vec::new();
        if named {
            roles.push(Some(Role::Source));
        }
        roles.extend(values.iter().copied().map(Some));
        rows.push(Row {
            cells: cells[i..end].to_vec(),
            roles: Some(roles),
        });
        i = end;
    }
    i
}

fn cut_indicator_rows(
    cells: &[TCell],
    mut i: usize,
    header: &[Role],
    rows: &mut Vec<Row>,
) -> usize {
    // The 一级/二级 names a row may leave to the row above.
    let optional: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, Role::Level1 | Role::Level2))
        .map(|(k, _)| k)
        .collect();
    while i < cells.len() {
        let first = &cells[i];
        if first.is_empty() || label_of(&first.text).is_some() || header_run(cells, i).len() >= 3 {
            break;
        }
        // Of the cuts that fit, the one that fills the weight and score columns with numbers
        // and leaves digits out of the names; then the one that keeps more names.
        let mut chosen: Option<(Vec<Role>, i32)> = None;
        for k in (0..=optional.len()).rev() {
            // Keep the last k optional names: a row that shares its 一级 name still has its 二级.
            let dropped: Vec<usize> = optional[..optional.len() - k].to_vec();
            let roles: Vec<Role> = header
                .iter()
                .enumerate()
                .filter(|(j, _)| !dropped.contains(j))
                .map(|(_, r)| *r)
                .collect();
            let end = i + roles.len();
            if end > cells.len() {
                continue;
            }
            if !roles.iter().zip(&cells[i..end]).all(|(r, c)| fits(*r, c)) {
                continue;
            }
            let row = &cells[i..end];
            let mut score = 0;
            for (r, c) in roles.iter().zip(row) {
                let numeric = value::read_number(&c.text).is_some();
                match r {
                    Role::Weight | Role::Score | Role::Coefficient if numeric => score += 2,
                    Role::Level1 | Role::Level2 | Role::Level3
                        if c.text.chars().any(|d| d.is_ascii_digit()) =>
                    {
                        score -= 3
                    }
                    _ => {}
                }
            }
            // The next row must start with a name, or the block ends there.
            let next_ok = cells.get(end).is_none_or(|c| {
                c.is_empty() || !is_value_like(&c.text) || header.first() == Some(&Role::RowNumber)
            });
            if next_ok {
                score += 1;
            }
            if chosen.as_ref().is_none_or(|(_, best)| score > *best) {
                chosen = Some((roles, score));
            }
        }
        let Some((roles, _)) = chosen else { break };
        let end = i + roles.len();
        rows.push(Row {
            cells: cells[i..end].to_vec(),
            roles: Some(roles.into_iter().map(Some).collect()),
        });
        i = end;
    }
    i
}
