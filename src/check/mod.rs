//! Arithmetic cross-checks over a document's facts: a table's rows against its 合计 row; a
//! split against its whole (8 个“优”、24 个“良”… against the 57 projects evaluated); a
//! difference (申报 26916.17 万元 − 支持 24655.51 万元 = 压减 2260.66 万元); a stated share
//! against its parts (57 of 496 = 11.49%); and the checks of self-evaluation forms
//! (`form`). A failed check is a finding for the reviewer. `run` checks an extraction;
//! `rerun` checks a stored document again after an assessor corrected one of its facts.

pub mod cross;
mod form;

use crate::extract::form::Form;
use crate::extract::table::LocatedTable;
use crate::extract::{Extraction, Fact, FactKind, FactValue};
use regex::Regex;
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::LazyLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    TableTotal,
    Split,
    Difference,
    Share,
    ScoreCap,
    WeightsTotal,
    ScoreTotal,
    ExecutionRate,
    ExecutionScore,
    FundsTotal,
    TargetScore,
    TargetMetDocked,
    GradeBand,
    TextTable,
    /// A project's figure stated differently by two reports of the same year (`cross`).
    CrossDocument,
}

impl CheckKind {
    pub const ALL: [CheckKind; 15] = [
        CheckKind::TableTotal,
        CheckKind::Split,
        CheckKind::Difference,
        CheckKind::Share,
        CheckKind::ScoreCap,
        CheckKind::WeightsTotal,
        CheckKind::ScoreTotal,
        CheckKind::ExecutionRate,
        CheckKind::ExecutionScore,
        CheckKind::FundsTotal,
        CheckKind::TargetScore,
        CheckKind::TargetMetDocked,
        CheckKind::GradeBand,
        CheckKind::TextTable,
        CheckKind::CrossDocument,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::TableTotal => "table_total",
            CheckKind::Split => "split",
            CheckKind::Difference => "difference",
            CheckKind::Share => "share",
            CheckKind::ScoreCap => "score_cap",
            CheckKind::WeightsTotal => "weights_total",
            CheckKind::ScoreTotal => "score_total",
            CheckKind::ExecutionRate => "execution_rate",
            CheckKind::ExecutionScore => "execution_score",
            CheckKind::FundsTotal => "funds_total",
            CheckKind::TargetScore => "target_score",
            CheckKind::TargetMetDocked => "target_met_docked",
            CheckKind::GradeBand => "grade_band",
            CheckKind::TextTable => "text_table",
            CheckKind::CrossDocument => "cross_document",
        }
    }

    pub fn parse(s: &str) -> Option<CheckKind> {
        CheckKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The check's name as an assessor says it.
    pub fn label(self) -> &'static str {
        match self {
            CheckKind::TableTotal => "表内合计",
            CheckKind::Split => "分项之和",
            CheckKind::Difference => "差额",
            CheckKind::Share => "占比",
            CheckKind::ScoreCap => "得分不超过分值",
            CheckKind::WeightsTotal => "分值合计",
            CheckKind::ScoreTotal => "总分合计",
            CheckKind::ExecutionRate => "预算执行率",
            CheckKind::ExecutionScore => "执行率得分",
            CheckKind::FundsTotal => "资金总额",
            CheckKind::TargetScore => "未完成指标得满分",
            CheckKind::TargetMetDocked => "已完成指标扣分无说明",
            CheckKind::GradeBand => "自评等级与总分",
            CheckKind::TextTable => "正文与表格一致",
            CheckKind::CrossDocument => "跨报告一致",
        }
    }
}

/// How much a failed check matters: an arithmetic error, or a point to look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub kind: CheckKind,
    pub ok: bool,
    pub severity: Severity,
    /// Ids of the facts involved; the stated whole (or share) first.
    pub facts: Vec<usize>,
    /// The value the text states.
    pub stated: String,
    /// The value its parts give.
    pub computed: String,
    pub message: String,
}

/// How many facts back a check looks for the whole of a part.
const MAX_LOOK_BACK: usize = 64;

/// Reduction words: the amount after one is the difference of the two before it.
const REDUCTION_WORDS: &[&str] = &["压减", "核减", "调减", "减少", "节约", "收回"];

/// Every check over what extraction found in a document whose text is `text`.
pub fn run(extraction: &Extraction, text: &str) -> Vec<Check> {
    run_parts(
        &extraction.facts,
        &extraction.tables,
        text,
        &extraction.forms,
    )
}

/// The checks over facts, tables and forms (also after a correction changed a fact).
pub fn run_parts(
    facts: &[Fact],
    tables: &[LocatedTable],
    text: &str,
    forms: &[Form],
) -> Vec<Check> {
    let mut checks = Vec::new();
    let chars = char_starts(text);
    form::run(facts, forms, text, &chars, &mut checks);
    table_totals(facts, tables, &mut checks);
    splits(facts, text, &chars, &mut checks);
    differences(facts, text, &chars, &mut checks);
    shares(facts, text, &chars, &mut checks);
    checks
}

/// A document's checks computed again after its facts changed (an assessor corrected a
/// value), from what is kept of it: its facts, text and forms. The tables themselves are
/// not kept, so each table total is summed again over the facts its earlier check covered
/// (`table_totals`: one list of fact ids each, the 合计 row's first). Same order as `run`.
pub fn rerun(
    facts: &[Fact],
    text: &str,
    forms: &[Form],
    table_totals: &[Vec<usize>],
) -> Vec<Check> {
    let mut checks = Vec::new();
    let chars = char_starts(text);
    form::run(facts, forms, text, &chars, &mut checks);
    for ids in table_totals {
        let mut covered = ids.iter().filter_map(|&id| facts.get(id));
        if let Some(total) = covered.next() {
            let rows: Vec<&Fact> = covered.collect();
            if !rows.is_empty() {
                checks.push(table_total(total, &rows));
            }
        }
    }
    splits(facts, text, &chars, &mut checks);
    differences(facts, text, &chars, &mut checks);
    shares(facts, text, &chars, &mut checks);
    checks
}

fn dec(f: &Fact) -> Option<Decimal> {
    f.value.as_decimal()
}

fn table_totals(facts: &[Fact], tables: &[LocatedTable], checks: &mut Vec<Check>) {
    // Each table's amounts, gathered in one pass (a document may hold thousands of tables).
    let mut by_table: Vec<Vec<&Fact>> = vec![Vec::new(); tables.len()];
    for f in facts.iter().filter(|f| f.kind == FactKind::Amount) {
        if let Some(list) = f.table.and_then(|t| by_table.get_mut(t as usize)) {
            list.push(f);
        }
    }
    for (table, amounts) in tables.iter().zip(&by_table) {
        // Each money column (财政资金; or 预算数 and 执行数) is summed on its own.
        for (column, _) in table.money_columns() {
            let mut starts: Vec<usize> = table
                .rows
                .iter()
                .filter_map(|r| r.get(column))
                .map(|c| c.start)
                .collect();
            starts.sort_unstable();
            let in_column: Vec<&&Fact> = amounts
                .iter()
                .filter(|f| starts.binary_search(&f.start).is_ok())
                .collect();
            // The grand total (合计/总计, above or below the rows) totals every row; a 小计
            // totals the rows since the last 小计. A 小计 written above its rows cannot be told
            // from one below them, so 小计 rows are checked only where a row comes first.
            let rows: Vec<&Fact> = in_column
                .iter()
                .map(|f| **f)
                .filter(|f| label(f).is_none())
                .collect();
            if rows.is_empty() {
                continue;
            }
            let subtotals_below = in_column.first().is_some_and(|f| label(f).is_none());
            let mut section: Vec<&Fact> = Vec::new();
            for f in in_column.iter().map(|f| **f) {
                match label(f) {
                    None => section.push(f),
                    Some("小计") => {
                        if subtotals_below && !section.is_empty() {
                            checks.push(table_total(f, &section));
                        }
                        section.clear();
                    }
                    Some(_) => checks.push(table_total(f, &rows)),
                }
            }
        }
    }
}

/// The label of a totals row's fact (合计, 总计, 小计), `None` for an ordinary row's.
fn label(f: &Fact) -> Option<&str> {
    f.subject
        .as_deref()
        .filter(|s| crate::extract::table::TOTAL_LABELS.contains(s))
}

/// A table's rows against its 合计 row.
fn table_total(total: &Fact, rows: &[&Fact]) -> Check {
    let sum: Decimal = rows.iter().filter_map(|f| dec(f)).sum();
    let stated = dec(total).unwrap_or_default();
    let mut ids = vec![total.id];
    ids.extend(rows.iter().map(|f| f.id));
    Check {
        kind: CheckKind::TableTotal,
        ok: sum == stated,
        severity: Severity::Error,
        facts: ids,
        stated: stated.normalize().to_string(),
        computed: sum.normalize().to_string(),
        message: format!(
            "{} rows sum to {} yuan; the {} row states {} yuan",
            rows.len(),
            sum.normalize(),
            total.subject.as_deref().unwrap_or("合计"),
            stated.normalize()
        ),
    }
}

/// Text between two facts, by code points.
fn between<'a>(text: &'a str, chars: &[usize], from: usize, to: usize) -> &'a str {
    if from >= to {
        return "";
    }
    &text[chars[from]..chars[to]]
}

fn char_starts(text: &str) -> Vec<usize> {
    let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    v.push(text.len());
    v
}

fn splits(facts: &[Fact], text: &str, chars: &[usize], checks: &mut Vec<Check>) {
    let mut i = 0;
    while i < facts.len() {
        // A run of ratings with counts, in one sentence, with at least two grades.
        if !(facts[i].kind == FactKind::Rating && facts[i].count.is_some()) {
            i += 1;
            continue;
        }
        let mut group = vec![i];
        let mut gap = Gap::after(chars[facts[i].end]);
        let mut j = i + 1;
        while j < facts.len() {
            let (start, end) = (chars[facts[j].start], chars[facts[j].end]);
            gap.read_to(text, start);
            if gap.sentence_end {
                break;
            }
            if let Some(after_gap) = gap.after_semicolon {
                // The next fact's own text tells whether a ";" goes on with the list
                // ("；“良好”"): what follows the last ";" before its end.
                let own = &text[start.max(gap.from).min(end)..end];
                let after = own
                    .rfind(['；', ';'])
                    .map(|k| {
                        let at = start.max(gap.from) + k;
                        at + text[at..].chars().next().map_or(0, char::len_utf8)
                    })
                    .unwrap_or(after_gap);
                if !starts_with_grade(&text[after.min(end)..end]) {
                    break;
                }
            }
            if facts[j].kind == FactKind::Rating && facts[j].count.is_some() {
                group.push(j);
                gap = Gap::after(end);
            }
            j += 1;
        }
        let distinct: std::collections::HashSet<_> =
            group.iter().map(|&k| facts[k].value.display()).collect();
        if group.len() >= 2 && distinct.len() == group.len() {
            // The count of the first grade stands before it ("8 个项目…“优”") or after it
            // ("“优”的194个项目"); the whole stands before both.
            let first_count_start = (group[0].saturating_sub(3)..(group[0] + 3).min(facts.len()))
                .filter(|&k| {
                    facts[k].kind == FactKind::Count
                        && Some(value_u64(&facts[k])) == facts[group[0]].count
                })
                .min_by_key(|&k| k.abs_diff(group[0]));
            let Some(count_of_first) = first_count_start else {
                i = group[group.len() - 1] + 1;
                continue;
            };
            let first_count_start = count_of_first.min(group[0]);
            // A grade of the list that extraction missed would make a correct report look
            // wrong: check only when the text lists as many graded items as were found.
            let last_end = facts[group[group.len() - 1]].end;
            let listed = tally_items(list_text(
                text,
                chars,
                facts[first_count_start].start,
                last_end,
            ));
            if listed != group.len() {
                i = group[group.len() - 1] + 1;
                continue;
            }
            let unit = facts[count_of_first].unit.clone();
            let parts: u64 = group.iter().filter_map(|&k| facts[k].count).sum();
            // The whole: the nearest count before the group, in the same unit, larger than
            // every part, within the paragraph.
            // A count that is itself some grade's ("6个项目评为良") is a part of another
            // tally, and a whole of other things (项目 for a list of 部门) is no whole.
            // Facts are in reading order: the grade of a count follows it within a few facts.
            let counts_a_grade = |f: &Fact| {
                let next = facts.partition_point(|r| r.start < f.end);
                facts[next..].iter().take(4).any(|r| {
                    r.kind == FactKind::Rating
                        && r.count == Some(value_u64(f))
                        && r.start - f.end <= 16
                        && !between(text, chars, f.end, r.start).contains([',', '，', '。'])
                })
            };
            let same_things = |f: &Fact| match (&f.subject, &facts[group[0]].subject) {
                (Some(w), Some(p)) => w.contains(p.as_str()) || p.contains(w.as_str()),
                _ => true,
            };
            // "由3个一级指标、9个二级指标和27个三级指标构成": a count that ends a list of
            // counts of other things is no whole of a list of grades.
            let last_of_a_list_of_counts = |k: usize| {
                k > 0
                    && facts[k - 1].kind == FactKind::Count
                    && between(text, chars, facts[k - 1].end, facts[k].start)
                        .contains(['、', '和', '及'])
                    && !between(text, chars, facts[k - 1].end, facts[k].start)
                        .contains([',', '，', '。', ';', '；'])
            };
            // A count right after a grade word ("良好1,036个") is an item of the list that
            // extraction did not read as one, not its whole.
            let graded_by_the_word_before = |f: &Fact| {
                let before = between(text, chars, f.start.saturating_sub(6), f.start);
                let before = before.trim_end_matches(['的', '有', '为', '”', '"', '」', ' ']);
                GRADE_WORDS.iter().any(|g| before.ends_with(g))
            };
            let whole = facts[..first_count_start]
                .iter()
                .enumerate()
                .rev()
                .take(8)
                .find(|&(k, f)| {
                    f.kind == FactKind::Count
                        && f.unit == unit
                        && !between(text, chars, f.end, facts[group[0]].start).contains('\n')
                        && group
                            .iter()
                            .all(|&k| facts[k].count.unwrap_or(0) <= value_u64(f))
                        && !counts_a_grade(f)
                        && same_things(f)
                        && !graded_by_the_word_before(f)
                        // Another count between a count and the list ("对860个项目…优秀215个、
                        // 良好590个"): the list began before the grades read.
                        && facts[k + 1..first_count_start]
                            .iter()
                            .all(|m| m.kind != FactKind::Count)
                        && !last_of_a_list_of_counts(k)
                })
                .map(|(_, f)| f);
            if let Some(whole) = whole {
                let stated = value_u64(whole);
                let mut ids = vec![whole.id];
                ids.extend(group.iter().map(|&k| facts[k].id));
                checks.push(Check {
                    kind: CheckKind::Split,
                    ok: parts == stated,
                    severity: Severity::Error,
                    facts: ids,
                    stated: stated.to_string(),
                    computed: parts.to_string(),
                    message: format!(
                        "the grades' counts add up to {parts}; the whole is stated as {stated}"
                    ),
                });
            }
        }
        i = group[group.len() - 1] + 1;
    }
}

/// The text after a fact of a list, read up to each next fact's start as the list goes on:
/// each character once, however many facts follow in the sentence (reading the whole gap
/// again for every next fact made a long line quadratic).
struct Gap {
    /// Byte offset where the gap starts (the list's last fact's end).
    from: usize,
    /// Byte offset read up to.
    to: usize,
    /// A "。" or a line break was read.
    sentence_end: bool,
    /// Byte offset right after the last ";" read.
    after_semicolon: Option<usize>,
}

impl Gap {
    fn after(from: usize) -> Gap {
        Gap {
            from,
            to: from,
            sentence_end: false,
            after_semicolon: None,
        }
    }

    fn read_to(&mut self, text: &str, to: usize) {
        if to <= self.to {
            return;
        }
        for (k, c) in text[self.to..to].char_indices() {
            match c {
                '。' | '\n' => self.sentence_end = true,
                '；' | ';' => self.after_semicolon = Some(self.to + k + c.len_utf8()),
                _ => {}
            }
        }
        self.to = to;
    }
}

/// A grade standing as an item of a tally, with its count before it ("8 个“优”", "4个乡评为
/// 优秀") or after it ("“良”的12个", "良好的4个", "优秀5个"). Counted on the text, not on the
/// facts found, so that a missed item is noticed.
static TALLY_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    const N: &str = r"(?:\d|[一二两三四五六七八九十百])+";
    // 合格 and 达标 are no ratings, but an item graded so is still an item of the list.
    const GRADE: &str = r#"[“"「]?(?:优秀|良好|中等|较差|一般|基本合格|不合格|合格|未达标|达标|优|良|中|差)[”"」]?"#;
    const BAND: &str = r"(?:\s*[(（][^)）]{0,16}[)）])?";
    Regex::new(&format!(
        r"{N}\s*(?:个|项|家|所|类)(?:[^\d,，、;；。\n(（]|[(（][^)）]{{0,10}}[)）]){{0,12}}?{GRADE}{BAND}(?:[,，、;；。和及\n]|$)|{GRADE}{BAND}\s*的有?\s*{N}|(?:优秀|良好|中等|较差)\s*{N}"
    ))
    .expect("valid pattern")
});

/// How many graded items the text of a list names.
fn tally_items(list: &str) -> usize {
    TALLY_ITEM.find_iter(list).count()
}

/// Whether a text starts with a grade word (after white space and an opening quote): after a
/// ";", whether the list goes on ("“优秀”的7个,占比14%;“良好”的30个").
fn starts_with_grade(after: &str) -> bool {
    let after = after.trim_start().trim_start_matches(['“', '"', '「']);
    GRADE_WORDS.iter().any(|g| after.starts_with(g))
}

/// The grades as tallies write them.
const GRADE_WORDS: &[&str] = &[
    "优秀", "良好", "中等", "较差", "一般", "优", "良", "中", "差",
];

/// The text of a list of grades: from its first count to the end of the sentence holding its
/// last grade, where a ";" ends it unless the list goes on after it. Items after the last
/// grade found ("…、2个中。") are in it, so a missed one is counted.
fn list_text<'a>(text: &'a str, chars: &[usize], from: usize, last_end: usize) -> &'a str {
    let start = chars[from];
    let tail_start = chars[last_end];
    let mut end = text.len();
    for (k, c) in text[tail_start..].char_indices() {
        let at = tail_start + k;
        let ends_sentence = matches!(c, '。' | '\n')
            || (matches!(c, '；' | ';') && !starts_with_grade(&text[at + c.len_utf8()..]));
        if ends_sentence {
            end = at;
            break;
        }
    }
    &text[start..end]
}

fn value_u64(f: &Fact) -> u64 {
    match f.value {
        FactValue::Integer(n) => n,
        _ => 0,
    }
}

fn differences(facts: &[Fact], text: &str, chars: &[usize], checks: &mut Vec<Check>) {
    let amounts: Vec<&Fact> = facts
        .iter()
        .filter(|f| f.kind == FactKind::Amount && f.table.is_none())
        .collect();
    for k in 2..amounts.len() {
        let (a, b, c) = (amounts[k - 2], amounts[k - 1], amounts[k]);
        // "压减 2260.66 万元" or "压减支出 2260.66 万元": a reduction word just before.
        let lead_start = c.start.saturating_sub(8);
        let lead = between(text, chars, lead_start.max(b.end), c.start);
        if !REDUCTION_WORDS.iter().any(|w| lead.contains(w)) {
            continue;
        }
        // The three stand in one paragraph, in order whole > part > difference.
        if between(text, chars, a.end, c.start).contains('\n') {
            continue;
        }
        // "其中予以支持的33项、资金15.08亿元，调整完善后支持的5项、资金1.92亿元": two items
        // of one list measure the same thing; neither is the other's whole.
        if a.subject.is_some() && a.subject == b.subject {
            continue;
        }
        let (Some(x), Some(y), Some(z)) = (dec(a), dec(b), dec(c)) else {
            continue;
        };
        if !(x > y && x > z) {
            continue;
        }
        let computed = x - y;
        checks.push(Check {
            kind: CheckKind::Difference,
            ok: computed == z,
            severity: Severity::Error,
            facts: vec![c.id, a.id, b.id],
            stated: z.normalize().to_string(),
            computed: computed.normalize().to_string(),
            message: format!(
                "{} − {} = {} yuan; the text states {} yuan",
                x.normalize(),
                y.normalize(),
                computed.normalize(),
                z.normalize()
            ),
        });
    }
}

fn shares(facts: &[Fact], text: &str, chars: &[usize], checks: &mut Vec<Check>) {
    for (i, p) in facts.iter().enumerate() {
        if p.kind != FactKind::Percent || i == 0 {
            continue;
        }
        // "57 个项目（11.49%）": a percent in brackets right after a count.
        let part = &facts[i - 1];
        let gap = between(text, chars, part.end, p.start);
        if part.kind != FactKind::Count
            || !(gap.ends_with('（') || gap.ends_with('('))
            || gap.chars().count() > 12
        {
            continue;
        }
        // The whole: the nearest earlier count of the same unit and subject head.
        let head = |f: &Fact| {
            f.subject
                .as_deref()
                .map(|s| s.chars().rev().take(2).collect::<String>())
        };
        let Some(whole) = facts[..i - 1].iter().rev().take(MAX_LOOK_BACK).find(|f| {
            f.kind == FactKind::Count
                && f.unit == part.unit
                && head(f) == head(part)
                && value_u64(f) > value_u64(part)
        }) else {
            continue;
        };
        let Some(stated) = dec(p) else { continue };
        let ratio =
            Decimal::from(value_u64(part)) * Decimal::from(100) / Decimal::from(value_u64(whole));
        let scale = stated.scale();
        let last_place = Decimal::new(1, scale);
        // Reports truncate as often as they round: one unit in the last place either way.
        let ok = (ratio - stated).abs() <= last_place;
        checks.push(Check {
            kind: CheckKind::Share,
            ok,
            severity: Severity::Error,
            facts: vec![p.id, part.id, whole.id],
            stated: stated.normalize().to_string(),
            computed: ratio.round_dp(scale.max(2)).normalize().to_string(),
            message: format!(
                "{} of {} is {}%; the text states {}%",
                value_u64(part),
                value_u64(whole),
                ratio.round_dp(4).normalize(),
                stated.normalize()
            ),
        });
    }
}
