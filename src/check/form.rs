//! The checks an assessor makes on a self-evaluation form (FACTS.md "Checks: kinds and
//! shape"): scores within their weights, weights and scores adding up, the execution rate and
//! its score, the funds total against its 其中 rows, targets against actual values, the
//! stated grade against the total, and the prose against the form. Sums and differences must
//! match exactly; a division or a product may be off by one unit of the stated value's last
//! shown decimal place (reports round and truncate). A check runs only where all its inputs
//! were read, so a form read in part never raises a false alarm.

use super::{Check, CheckKind, Severity};
use crate::domain::Qualifier;
use crate::extract::form::{Form, IndicatorRow};
use crate::extract::{Fact, FactKind, FactValue};
use rust_decimal::Decimal;

/// The value of a fact (yuan for amounts) and one unit of its last shown decimal place.
struct Num {
    id: usize,
    value: Decimal,
    unit: Decimal,
}

fn num(facts: &[Fact], id: Option<usize>) -> Option<Num> {
    let f = facts.get(id?)?;
    let value = f.value.as_decimal()?;
    Some(Num {
        id: f.id,
        value,
        unit: last_place(f),
    })
}

/// One unit of the last decimal place shown in a fact's text, in the fact's value units.
fn last_place(f: &Fact) -> Decimal {
    let digits: String = f
        .text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .collect();
    let places = digits.split_once('.').map_or(0, |(_, d)| d.len() as u32);
    let one = Decimal::new(1, places);
    match (&f.value, f.kind, f.unit.as_deref()) {
        (FactValue::Decimal(_), FactKind::Amount, Some(u)) => {
            one * crate::domain::AmountUnit::parse(u).map_or(Decimal::ONE, |u| u.yuan())
        }
        _ => one,
    }
}

fn close(stated: &Num, computed: Decimal) -> bool {
    (stated.value - computed).abs() <= stated.unit
}

fn show(d: Decimal) -> String {
    d.round_dp(4).normalize().to_string()
}

struct Out<'a> {
    checks: &'a mut Vec<Check>,
}

impl Out<'_> {
    fn push(
        &mut self,
        kind: CheckKind,
        ok: bool,
        facts: Vec<usize>,
        stated: Decimal,
        computed: Decimal,
        message: String,
    ) {
        // The message says what is wrong; a check that holds says so plainly.
        let message = if ok {
            format!(
                "{}：核对无误（{} / {}）",
                kind.label(),
                show(stated),
                show(computed)
            )
        } else {
            message
        };
        let severity = if kind == CheckKind::TargetMetDocked {
            Severity::Warning
        } else {
            Severity::Error
        };
        self.checks.push(Check {
            kind,
            ok,
            severity,
            facts,
            stated: show(stated),
            computed: show(computed),
            message,
        });
    }
}

pub fn run(facts: &[Fact], forms: &[Form], text: &str, chars: &[usize], checks: &mut Vec<Check>) {
    let mut out = Out { checks };
    for form in forms {
        score_caps(facts, form, &mut out);
        weights_total(facts, form, &mut out);
        execution(facts, form, &mut out);
        funds_total(facts, form, &mut out);
        score_total(facts, form, &mut out);
        targets(facts, form, &mut out);
        grade_band(facts, form, &mut out);
        text_table(facts, form, text, chars, &mut out);
    }
}

/// The funds block's total row.
fn funds_total_row(form: &Form) -> Option<&crate::extract::form::FundsRow> {
    form.funds.iter().find(|r| r.total)
}

/// The weight of the execution rate: the 分值 cell, else the block label's "(10分)".
fn execution_weight(form: &Form) -> Option<usize> {
    funds_total_row(form)
        .and_then(|r| r.weight)
        .or(form.funds_weight)
}

fn score_caps(facts: &[Fact], form: &Form, out: &mut Out) {
    let funds =
        funds_total_row(form).map(|r| ("预算执行率".to_string(), execution_weight(form), r.score));
    let rows = form
        .indicators
        .iter()
        .map(|r| (r.name.clone(), r.weight, r.score));
    for (name, weight, score) in funds.into_iter().chain(rows) {
        let (Some(w), Some(s)) = (num(facts, weight), num(facts, score)) else {
            continue;
        };
        let ok = s.value <= w.value && s.value >= Decimal::ZERO;
        out.push(
            CheckKind::ScoreCap,
            ok,
            vec![s.id, w.id],
            s.value,
            w.value,
            format!("{name}：得分 {} 超过分值 {}", show(s.value), show(w.value)),
        );
    }
}

fn weights_total(facts: &[Fact], form: &Form, out: &mut Out) {
    if form.rescaled {
        return;
    }
    let exec = num(facts, execution_weight(form));
    let weights: Vec<Num> = form
        .indicators
        .iter()
        .filter_map(|r| num(facts, r.weight))
        .collect();
    if weights.is_empty()
        || form
            .indicators
            .iter()
            .any(|r| r.score.is_some() && r.weight.is_none())
    {
        return;
    }
    let stated = num(facts, form.total.weight);
    let sum: Decimal = exec.iter().chain(&weights).map(|n| n.value).sum();
    let target = stated.as_ref().map_or(Decimal::from(100), |s| s.value);
    // Without a funds weight the form may weigh budget execution elsewhere: only a stated
    // total is compared then.
    if exec.is_some() || stated.is_some() {
        let mut ids: Vec<usize> = stated.iter().map(|s| s.id).collect();
        ids.extend(exec.iter().chain(&weights).map(|n| n.id));
        out.push(
            CheckKind::WeightsTotal,
            sum == target,
            ids,
            target,
            sum,
            format!(
                "分值合计 {}，应为 {}（未说明折算）",
                show(sum),
                show(target)
            ),
        );
    }
    // Each block with a stated weight: its rows' weights.
    for block in &form.blocks {
        let Some(b) = num(facts, Some(block.weight)) else {
            continue;
        };
        let rows: Vec<&IndicatorRow> = form
            .indicators
            .iter()
            .filter(|r| r.levels.iter().take(2).flatten().any(|l| *l == block.name))
            .collect();
        let (ids, sum) = if rows.is_empty() {
            // A label over the whole indicator block ("绩效指标(90分)").
            if !matches!(
                block.name.as_str(),
                "绩效指标" | "年度绩效目标" | "绩效目标"
            ) {
                continue;
            }
            (
                weights.iter().map(|n| n.id).collect::<Vec<_>>(),
                weights.iter().map(|n| n.value).sum::<Decimal>(),
            )
        } else {
            let ws: Vec<Num> = rows.iter().filter_map(|r| num(facts, r.weight)).collect();
            if ws.len() != rows.len() {
                continue;
            }
            (
                ws.iter().map(|n| n.id).collect(),
                ws.iter().map(|n| n.value).sum(),
            )
        };
        let mut all = vec![b.id];
        all.extend(ids);
        out.push(
            CheckKind::WeightsTotal,
            sum == b.value,
            all,
            b.value,
            sum,
            format!(
                "{} 各指标分值合计 {}，与标明的 {} 分不符",
                block.name,
                show(sum),
                show(b.value)
            ),
        );
    }
}

fn execution(facts: &[Fact], form: &Form, out: &mut Out) {
    for row in &form.funds {
        let (Some(rate), Some(spent)) = (num(facts, row.rate), num(facts, row.spent)) else {
            continue;
        };
        let Some(budget) = num(facts, row.budget).or_else(|| num(facts, row.initial)) else {
            continue;
        };
        // A budget of 0 has no rate.
        if budget.value.is_zero() {
            continue;
        }
        let computed = spent.value / budget.value * Decimal::ONE_HUNDRED;
        out.push(
            CheckKind::ExecutionRate,
            close(&rate, computed),
            vec![rate.id, spent.id, budget.id],
            rate.value,
            computed,
            format!(
                "{}：执行率 {}% ≠ 执行数 / 预算数 = {}%",
                row.name.as_deref().unwrap_or("资金"),
                show(rate.value),
                show(computed)
            ),
        );
    }
    let Some(total) = funds_total_row(form) else {
        return;
    };
    let (Some(score), Some(weight)) = (num(facts, total.score), num(facts, execution_weight(form)))
    else {
        return;
    };
    let rate = match num(facts, total.rate) {
        Some(r) => Some((r.value, vec![r.id])),
        None => match (num(facts, total.spent), num(facts, total.budget)) {
            (Some(s), Some(b)) if !b.value.is_zero() => {
                Some((s.value / b.value * Decimal::ONE_HUNDRED, vec![s.id, b.id]))
            }
            _ => None,
        },
    };
    let Some((rate, ids)) = rate else { return };
    let computed = rate.min(Decimal::ONE_HUNDRED) / Decimal::ONE_HUNDRED * weight.value;
    let mut all = vec![score.id];
    all.extend(ids);
    all.push(weight.id);
    out.push(
        CheckKind::ExecutionScore,
        close(&score, computed),
        all,
        score.value,
        computed,
        format!(
            "预算执行率得分 {} ≠ min(执行率 {}%, 100%) × 分值 {} = {}",
            show(score.value),
            show(rate),
            show(weight.value),
            show(computed)
        ),
    );
}

fn funds_total(facts: &[Fact], form: &Form, out: &mut Out) {
    let Some(total) = funds_total_row(form) else {
        return;
    };
    let mut parts: Vec<_> = form.funds.iter().filter(|r| !r.total).collect();
    if parts.is_empty() {
        return;
    }
    // "财政拨款 / 其中：一般公共预算 / 政府性基金预算": a 其中 row after the first part splits
    // the row above it. Its parts run until they add up to it; they are not parts of the total.
    if let Some(k) = parts.iter().skip(1).position(|r| r.sub).map(|k| k + 1) {
        let parent = parts[k - 1];
        let first = |r: &crate::extract::form::FundsRow| {
            num(facts, r.budget)
                .or_else(|| num(facts, r.initial))
                .or_else(|| num(facts, r.spent))
        };
        let Some(whole) = first(parent) else { return };
        let mut sum = Decimal::ZERO;
        let mut end = None;
        for (j, r) in parts.iter().enumerate().skip(k) {
            let Some(n) = first(r) else { return };
            sum += n.value;
            if sum == whole.value {
                end = Some(j);
                break;
            }
        }
        // Where the split cannot be told, the total is not checked.
        let Some(end) = end else { return };
        parts.drain(k..=end);
    }
    type Pick = fn(&crate::extract::form::FundsRow) -> Option<usize>;
    let columns: [(&str, Pick); 3] = [
        ("年初预算数", |r| r.initial),
        ("全年预算数", |r| r.budget),
        ("全年执行数", |r| r.spent),
    ];
    for (name, pick) in columns {
        let Some(t) = num(facts, pick(total)) else {
            continue;
        };
        let ps: Vec<Num> = parts.iter().filter_map(|r| num(facts, pick(r))).collect();
        // Every 其中 row must state the column, or the sum is not theirs.
        if ps.len() != parts.len() {
            continue;
        }
        let sum: Decimal = ps.iter().map(|n| n.value).sum();
        let mut ids = vec![t.id];
        ids.extend(ps.iter().map(|n| n.id));
        out.push(
            CheckKind::FundsTotal,
            sum == t.value,
            ids,
            t.value,
            sum,
            format!(
                "年度资金总额（{name}）{} 元 ≠ 其中各项合计 {} 元",
                show(t.value),
                show(sum)
            ),
        );
    }
}

fn score_total(facts: &[Fact], form: &Form, out: &mut Out) {
    let Some(stated) = num(facts, form.total.score) else {
        return;
    };
    let mut parts: Vec<Num> = Vec::new();
    if let Some(s) = funds_total_row(form).and_then(|r| num(facts, r.score)) {
        parts.push(s);
    }
    let rows: Vec<&IndicatorRow> = form
        .indicators
        .iter()
        .filter(|r| r.weight.is_some() || r.score.is_some())
        .collect();
    if rows.is_empty()
        || rows
            .iter()
            .any(|r| r.weight.is_some() && r.score.is_none() && !is_zero_weight(facts, r))
    {
        return;
    }
    parts.extend(rows.iter().filter_map(|r| num(facts, r.score)));
    let sum: Decimal = parts.iter().map(|n| n.value).sum();
    // A total shown with fewer decimals than its parts is their sum rounded ("98" for 98.4).
    let finest = parts.iter().map(|n| n.unit).min().unwrap_or(Decimal::ONE);
    let ok = sum == stated.value || (stated.unit > finest && close(&stated, sum));
    let mut ids = vec![stated.id];
    ids.extend(parts.iter().map(|n| n.id));
    out.push(
        CheckKind::ScoreTotal,
        ok,
        ids,
        stated.value,
        sum,
        format!("总分 {} ≠ 各项得分合计 {}", show(stated.value), show(sum)),
    );
}

fn is_zero_weight(facts: &[Fact], r: &IndicatorRow) -> bool {
    num(facts, r.weight).is_some_and(|w| w.value.is_zero())
}

/// Whether an actual value meets its target, by the target's direction.
fn meets(direction: Qualifier, target: Decimal, actual: Decimal) -> bool {
    match direction {
        Qualifier::AtLeast => actual >= target,
        Qualifier::AtMost => actual <= target,
        Qualifier::Exact | Qualifier::Approx => actual == target,
    }
}

fn targets(facts: &[Fact], form: &Form, out: &mut Out) {
    for r in &form.indicators {
        let (Some(t), Some(a)) = (&r.target, &r.actual) else {
            continue;
        };
        let (Some(tf), Some(af)) = (
            t.fact.and_then(|i| facts.get(i)),
            a.fact.and_then(|i| facts.get(i)),
        ) else {
            continue;
        };
        // Only like with like: 95% against 96.3%, 12处 against 14处.
        if tf.kind != af.kind || (tf.kind == FactKind::Count && tf.unit != af.unit) {
            continue;
        }
        let (Some(tv), Some(av)) = (tf.value.as_decimal(), af.value.as_decimal()) else {
            continue;
        };
        let (Some(w), Some(s)) = (num(facts, r.weight), num(facts, r.score)) else {
            continue;
        };
        let direction = t.direction.unwrap_or(Qualifier::Exact);
        let met = meets(direction, tv, av);
        let ids = vec![s.id, w.id, tf.id, af.id];
        if !met && s.value >= w.value {
            out.push(
                CheckKind::TargetScore,
                false,
                ids,
                s.value,
                w.value,
                format!(
                    "{}：实际 {} 未达到目标 {}，却得满分 {}",
                    r.name,
                    a.text,
                    t.text,
                    show(s.value)
                ),
            );
        } else if met
            && s.value < w.value
            && r.reason.as_deref().is_none_or(|x| x.trim().is_empty())
        {
            out.push(
                CheckKind::TargetMetDocked,
                false,
                ids,
                s.value,
                w.value,
                format!(
                    "{}：目标 {} 已完成（{}），扣分至 {} 却未说明偏差原因",
                    r.name,
                    t.text,
                    a.text,
                    show(s.value)
                ),
            );
        }
    }
}

fn grade_band(facts: &[Fact], form: &Form, out: &mut Out) {
    let Some(g) = form.grade.and_then(|i| facts.get(i)) else {
        return;
    };
    let Some(total) = num(facts, form.total.score) else {
        return;
    };
    let FactValue::Rating(stated) = g.value else {
        return;
    };
    let t = total.value;
    let want = if t >= Decimal::from(90) {
        "优"
    } else if t >= Decimal::from(80) {
        "良"
    } else if t >= Decimal::from(60) {
        "中"
    } else {
        "差"
    };
    let ok = stated.as_str() == want;
    let message = if ok {
        format!(
            "{}：核对无误（{} 分，{want}）",
            CheckKind::GradeBand.label(),
            show(t)
        )
    } else {
        format!(
            "自评等级“{}”与总分 {} 不符（应为“{want}”）",
            stated.as_str(),
            show(t)
        )
    };
    out.checks.push(Check {
        kind: CheckKind::GradeBand,
        ok,
        severity: Severity::Error,
        facts: vec![g.id, total.id],
        stated: stated.as_str().into(),
        computed: want.into(),
        message,
    });
}

/// Which quantity of the form a prose figure restates, by the words just before it in its
/// clause: 年初预算, 全年预算 / 调整后, 执行 / 支出, 执行率, 总分 / 得分.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Restated {
    Initial,
    Budget,
    Spent,
    Rate,
    Total,
    /// 安排 …资金: the 年初 or the 全年 budget, whichever the form agrees with.
    Allotted,
}

fn restated(clause: &str, kind: FactKind) -> Option<Restated> {
    match kind {
        FactKind::Amount => {
            if clause.contains("年初预算") || clause.contains("年初安排") {
                Some(Restated::Initial)
            } else if clause.contains("全年预算") || clause.contains("调整后预算") {
                Some(Restated::Budget)
            } else if clause.contains("执行") || clause.contains("支出") {
                Some(Restated::Spent)
            } else if clause.contains("安排") || clause.contains("预算") {
                Some(Restated::Allotted)
            } else {
                None
            }
        }
        FactKind::Percent if clause.contains("执行率") => Some(Restated::Rate),
        FactKind::Score
            if ["总分", "自评得分", "综合得分", "评价得分", "得分为", "得分"]
                .iter()
                .any(|w| clause.contains(w)) =>
        {
            Some(Restated::Total)
        }
        _ => None,
    }
}

/// The clause before a fact: back to the last punctuation mark or line break, at most 24
/// characters.
fn clause_before(text: &str, chars: &[usize], start: usize) -> String {
    let from = start.saturating_sub(24);
    let window = &text[chars[from.min(chars.len() - 1)]..chars[start.min(chars.len() - 1)]];
    window
        .rsplit(['，', '。', '；', '：', '、', ',', ';', '\n'])
        .next()
        .unwrap_or_default()
        .to_string()
}

fn text_table(facts: &[Fact], form: &Form, text: &str, chars: &[usize], out: &mut Out) {
    let total = funds_total_row(form);
    // The column the last figure of the sentence restated: "全年预算数为320.00万元，其中当年
    // 财政拨款280.00万元" restates both in one column.
    let mut last: Option<(Restated, usize)> = None;
    for f in facts {
        if f.cell.is_some() {
            continue;
        }
        let clause = clause_before(text, chars, f.start);
        let context = format!("{}{}", clause, f.text);
        let same_sentence = |from: usize| {
            !text[chars[from.min(chars.len() - 1)]..chars[f.start.min(chars.len() - 1)]]
                .contains('。')
        };
        let what = match restated(&context, f.kind) {
            Some(w) => w,
            None => match last {
                Some((w, at))
                    if clause.starts_with("其中")
                        && same_sentence(at)
                        && f.kind == FactKind::Amount =>
                {
                    w
                }
                _ => continue,
            },
        };
        // A clause that names a 其中 row restates that row, not the total.
        let row = form
            .funds
            .iter()
            .filter(|r| !r.total)
            .find(|r| {
                r.name.as_deref().is_some_and(|n| {
                    clause.contains(n) || clause.contains(n.trim_end_matches("资金"))
                })
            })
            .or(total);
        let Some(prose) = num(facts, Some(f.id)) else {
            continue;
        };
        let column = |w: Restated| match w {
            Restated::Initial => row.and_then(|r| r.initial),
            Restated::Budget => row.and_then(|r| r.budget),
            Restated::Spent => row.and_then(|r| r.spent),
            Restated::Rate => row.and_then(|r| r.rate),
            Restated::Total => form.total.score,
            Restated::Allotted => None,
        };
        let what = if what == Restated::Allotted {
            // Only a column that agrees tells which budget is meant; none agreeing is no finding.
            let agreeing = [Restated::Initial, Restated::Budget]
                .into_iter()
                .find(|w| num(facts, column(*w)).is_some_and(|t| close(&prose, t.value)));
            match agreeing {
                Some(w) => w,
                None => continue,
            }
        } else {
            what
        };
        last = Some((what, f.end));
        let Some(table) = num(facts, column(what)) else {
            continue;
        };
        // A figure in the prose is the form's, rounded to what the prose shows.
        let ok = close(&prose, table.value);
        out.push(
            CheckKind::TextTable,
            ok,
            vec![prose.id, table.id],
            prose.value,
            table.value,
            format!("正文所述 {} 与表中 {} 不符", f.text, facts[table.id].text),
        );
    }
}
