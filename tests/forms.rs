//! Self-evaluation forms end to end: a form written by the test in every text layout a
//! person pastes (one cell a line, tabs, bars, aligned spaces) gives the same facts and no
//! finding when it is consistent; each check kind fails exactly where an assessor would, at
//! the edges of the tolerance FACTS.md sets.

use jixiao::Extractor;
use jixiao::check::CheckKind;
use proptest::prelude::*;

/// A form: funds rows (name, 年初, 全年, 执行, 分值, 执行率, 得分), indicator rows (一级,
/// 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因; empty 一级/二级 are merged
/// with the row above), the total's 分值 and 得分, and the stated grade.
#[derive(Clone, Debug)]
struct Spec {
    funds: Vec<[String; 7]>,
    rows: Vec<[String; 8]>,
    total: [String; 2],
    grade: String,
}

/// A grid cell: its text and how many columns it spans; `None` where a merge covers it.
type Grid = Vec<Vec<Option<(String, usize)>>>;

const WIDTH: usize = 9;

fn grid(spec: &Spec) -> Grid {
    let mut g: Grid = Vec::new();
    let cell = |s: &str, span: usize| Some((s.to_string(), span));
    let mut row = vec![cell("项目名称", 1), cell("桐川县2023年农村饮水安全工程", 8)];
    row.extend(std::iter::repeat_n(None, 7));
    g.push(row);
    let mut row = vec![cell("主管部门", 1), cell("桐川县水利局", 3), None, None];
    row.extend([
        cell("实施单位", 2),
        None,
        cell("桐川县供水站", 3),
        None,
        None,
    ]);
    g.push(row);
    let head = [
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
    ];
    let mut row = vec![cell("项目资金\n（万元）", 1), cell("", 2), None];
    row.extend(head.iter().map(|h| cell(h, 1)));
    g.push(row);
    for f in &spec.funds {
        let mut row = vec![None, cell(&f[0], 2), None];
        row.extend(f[1..].iter().map(|v| cell(v, 1)));
        g.push(row);
    }
    let head = [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ];
    let mut row = vec![cell("绩效指标", 1)];
    row.extend(head.iter().map(|h| cell(h, 1)));
    g.push(row);
    for r in &spec.rows {
        let mut row = vec![None];
        for (k, v) in r.iter().enumerate() {
            // A merged 一级/二级 cell: nothing where the row shares the name above.
            row.push(if k < 2 && v.is_empty() {
                None
            } else {
                cell(v, 1)
            });
        }
        g.push(row);
    }
    let mut row = vec![cell("总分", 6), None, None, None, None, None];
    row.extend([
        cell(&spec.total[0], 1),
        cell(&spec.total[1], 1),
        cell("", 1),
    ]);
    g.push(row);
    let mut row = vec![cell("自评等级", 6), None, None, None, None, None];
    row.extend([cell(&spec.grade, 3), None, None]);
    g.push(row);
    g
}

#[derive(Clone, Copy, Debug)]
enum Layout {
    Cells,
    Tabs,
    Bars,
    Spaces,
}

fn render(spec: &Spec, layout: Layout) -> String {
    let mut out = String::from("项目支出绩效自评表\n（2023年度）\n");
    let g = grid(spec);
    match layout {
        Layout::Cells => {
            for row in &g {
                for (text, _) in row.iter().flatten() {
                    out.push_str(text);
                    out.push('\n');
                }
            }
        }
        Layout::Tabs => {
            for row in &g {
                let cells: Vec<String> = row
                    .iter()
                    .map(|c| match c {
                        Some((t, _)) if t.contains('\n') => format!("\"{t}\""),
                        Some((t, _)) => t.clone(),
                        None => String::new(),
                    })
                    .collect();
                out.push_str(&cells.join("\t"));
                out.push('\n');
            }
        }
        Layout::Bars => {
            for row in &g {
                out.push('|');
                for c in row {
                    match c {
                        Some((t, _)) if !t.is_empty() => out.push_str(&format!(" {t} |")),
                        _ => out.push('|'),
                    }
                }
                out.push('\n');
            }
        }
        Layout::Spaces => {
            let w =
                |s: &str| -> usize { s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum() };
            let mut widths = [2usize; WIDTH];
            for row in &g {
                for (c, cell) in row.iter().enumerate() {
                    if let Some((t, 1)) = cell {
                        widths[c] = widths[c].max(t.split('\n').map(w).max().unwrap_or(0));
                    }
                }
            }
            let mut at = [0usize; WIDTH];
            for c in 1..WIDTH {
                at[c] = at[c - 1] + widths[c - 1] + 2;
            }
            for row in &g {
                let lines = row
                    .iter()
                    .flatten()
                    .map(|(t, _)| t.split('\n').count())
                    .max()
                    .unwrap_or(1);
                for k in 0..lines {
                    let mut line = String::new();
                    for (c, cell) in row.iter().enumerate() {
                        let Some((t, _)) = cell else { continue };
                        let Some(part) = t.split('\n').nth(k).filter(|p| !p.is_empty()) else {
                            continue;
                        };
                        let pad =
                            at[c]
                                .saturating_sub(w(&line))
                                .max(if line.is_empty() { 0 } else { 2 });
                        line.push_str(&" ".repeat(pad));
                        line.push_str(part);
                    }
                    out.push_str(line.trim_end());
                    out.push('\n');
                }
            }
        }
    }
    out
}

fn s(v: &str) -> String {
    v.to_string()
}

/// A consistent form: funds add up, rates and scores are right, targets met with full marks.
fn consistent() -> Spec {
    Spec {
        funds: vec![
            [
                s("年度资金总额"),
                s("300.00"),
                s("312.50"),
                s("300.00"),
                s("10"),
                s("96.00%"),
                s("9.6"),
            ],
            [
                s("其中：当年财政拨款"),
                s("280.00"),
                s("280.00"),
                s("270.00"),
                s("/"),
                s("96.43%"),
                s("/"),
            ],
            [
                s("上年结转资金"),
                s("20.00"),
                s("32.50"),
                s("30.00"),
                s("/"),
                s("92.31%"),
                s("/"),
            ],
        ],
        rows: vec![
            [
                s("产出指标"),
                s("数量指标"),
                s("新建供水工程数量"),
                s("≥12处"),
                s("14处"),
                s("30"),
                s("30"),
                s(""),
            ],
            [
                s(""),
                s(""),
                s("安装智能水表户数"),
                s("≥3200户"),
                s("3415户"),
                s("20"),
                s("20"),
                s(""),
            ],
            [
                s(""),
                s("成本指标"),
                s("单处工程平均造价"),
                s("≤25万元"),
                s("22.36万元"),
                s("10"),
                s("10"),
                s(""),
            ],
            [
                s("效益指标"),
                s("社会效益指标"),
                s("农村自来水普及率"),
                s("≥92%"),
                s("93.5%"),
                s("20"),
                s("20"),
                s(""),
            ],
            [
                s("满意度指标"),
                s("服务对象满意度指标"),
                s("受益群众满意度"),
                s("≥90%"),
                s("93%"),
                s("10"),
                s("10"),
                s(""),
            ],
        ],
        total: [s("100"), s("99.6")],
        grade: s("优"),
    }
}

fn failed(text: &str) -> Vec<CheckKind> {
    let e = jixiao::analyze_text(&Extractor::shared(), text);
    assert_eq!(e.forms.len(), 1, "one form in:\n{text}");
    let mut kinds: Vec<CheckKind> = e.checks.iter().filter(|c| !c.ok).map(|c| c.kind).collect();
    kinds.sort_by_key(|k| k.as_str());
    kinds
}

fn facts(text: &str) -> Vec<(String, String)> {
    let e = jixiao::analyze_text(&Extractor::shared(), text);
    let mut v: Vec<(String, String)> = e
        .facts
        .iter()
        .map(|f| (f.kind.as_str().to_string(), f.value.display()))
        .collect();
    v.sort();
    v
}

#[test]
fn a_consistent_form_raises_no_finding_in_any_layout() {
    let spec = consistent();
    let base = facts(&render(&spec, Layout::Cells));
    assert!(base.len() >= 35, "{base:?}");
    for layout in [Layout::Cells, Layout::Tabs, Layout::Bars, Layout::Spaces] {
        let text = render(&spec, layout);
        assert_eq!(failed(&text), vec![], "{layout:?}:\n{text}");
        assert_eq!(facts(&text), base, "{layout:?}:\n{text}");
    }
}

/// The failing kinds after one edit of the consistent form.
fn with(edit: impl FnOnce(&mut Spec)) -> Vec<CheckKind> {
    let mut spec = consistent();
    edit(&mut spec);
    let kinds = failed(&render(&spec, Layout::Cells));
    assert_eq!(
        kinds,
        failed(&render(&spec, Layout::Tabs)),
        "layouts disagree"
    );
    kinds
}

#[test]
fn score_cap() {
    assert_eq!(with(|f| f.rows[0][6] = s("30")), vec![]);
    assert_eq!(
        with(|f| {
            f.rows[0][6] = s("30.5");
            f.total[1] = s("100.1")
        }),
        vec![CheckKind::ScoreCap]
    );
}

#[test]
fn weights_total_and_rescaling() {
    assert_eq!(
        with(|f| f.rows[0][5] = s("40")),
        vec![CheckKind::TargetMetDocked, CheckKind::WeightsTotal]
    );
}

#[test]
fn score_total_is_exact_unless_the_total_is_rounded() {
    assert_eq!(
        with(|f| f.total[1] = s("99.61")),
        vec![CheckKind::ScoreTotal]
    );
    // "100" shown without decimals for 99.6: rounding, not a wrong sum.
    assert_eq!(with(|f| f.total[1] = s("100")), vec![]);
    assert_eq!(with(|f| f.total[1] = s("98")), vec![CheckKind::ScoreTotal]);
}

#[test]
fn execution_rate_within_one_unit_of_its_last_place() {
    // 300.00 / 312.50 = 96.00 %.
    assert_eq!(with(|f| f.funds[0][5] = s("96.01%")), vec![]);
    assert_eq!(with(|f| f.funds[0][5] = s("95.99%")), vec![]);
    assert_eq!(
        with(|f| f.funds[0][5] = s("96.02%")),
        vec![CheckKind::ExecutionRate]
    );
    // A budget of 0 has no rate: nothing to check, whatever is printed.
    assert_eq!(
        with(|f| {
            f.funds[2] = [
                s("其他资金"),
                s("0.00"),
                s("0.00"),
                s("0.00"),
                s("/"),
                s("0.00%"),
                s("/"),
            ];
            f.funds[0] = [
                s("年度资金总额"),
                s("280.00"),
                s("280.00"),
                s("270.00"),
                s("10"),
                s("96.43%"),
                s("9.64"),
            ];
            f.total[1] = s("99.64");
        }),
        vec![]
    );
}

#[test]
fn execution_score_is_capped_at_full_marks() {
    // 96 % of 10 is 9.6: "9.7" is within one unit of its last place, "9.8" is not.
    assert_eq!(
        with(|f| f.funds[0][6] = s("9.7")),
        vec![CheckKind::ScoreTotal]
    );
    assert_eq!(
        with(|f| f.funds[0][6] = s("9.8")),
        vec![CheckKind::ExecutionScore, CheckKind::ScoreTotal]
    );
    // 9.6 shown without decimals: "10" is within one unit of its last place, "8" is not.
    assert_eq!(
        with(|f| {
            f.funds[0][6] = s("10");
            f.total[1] = s("100")
        }),
        vec![]
    );
    assert_eq!(
        with(|f| {
            f.funds[0][6] = s("8");
            f.total[1] = s("98")
        }),
        vec![CheckKind::ExecutionScore]
    );
    // Above 100 % the score is capped, and the rate is no finding.
    assert_eq!(
        with(|f| {
            f.funds[0] = [
                s("年度资金总额"),
                s("300.00"),
                s("312.50"),
                s("315.94"),
                s("10"),
                s("101.10%"),
                s("10"),
            ];
            f.funds[2][3] = s("45.94");
            f.funds[2][5] = s("141.35%");
            f.total[1] = s("100");
        }),
        vec![]
    );
}

#[test]
fn funds_total_adds_the_parts_exactly() {
    assert_eq!(
        with(|f| f.funds[2][2] = s("32.51")),
        vec![CheckKind::ExecutionRate, CheckKind::FundsTotal]
    );
}

#[test]
fn targets_by_their_direction() {
    // Missed (≥12 but 11) with full marks.
    assert_eq!(
        with(|f| f.rows[0][4] = s("11处")),
        vec![CheckKind::TargetScore]
    );
    // A cost target ≤25万元 met at 25万元 exactly: met.
    assert_eq!(with(|f| f.rows[2][4] = s("25万元")), vec![]);
    assert_eq!(
        with(|f| f.rows[2][4] = s("25.01万元")),
        vec![CheckKind::TargetScore]
    );
    // Met but docked: a warning without a reason, nothing with one.
    let docked = |f: &mut Spec| {
        f.rows[3][6] = s("19");
        f.total[1] = s("98.6");
        f.grade = s("优");
    };
    assert_eq!(with(docked), vec![CheckKind::TargetMetDocked]);
    assert_eq!(
        with(|f| {
            docked(f);
            f.rows[3][7] = s("个别村组管网老化");
        }),
        vec![]
    );
}

#[test]
fn grade_band_uses_half_open_bands() {
    assert_eq!(
        with(|f| {
            f.rows[0][6] = s("20");
            f.total[1] = s("89.6");
            f.rows[0][7] = s("部分工程延期");
        }),
        vec![CheckKind::GradeBand]
    );
    assert_eq!(
        with(|f| {
            f.rows[0][6] = s("20");
            f.total[1] = s("89.6");
            f.rows[0][7] = s("部分工程延期");
            f.grade = s("良");
        }),
        vec![]
    );
}

#[test]
fn text_table_compares_the_prose_with_the_form() {
    let spec = consistent();
    let form = render(&spec, Layout::Cells);
    let ok = format!("2023年全年预算数为312.50万元，全年执行300万元，自评得分99.6分。\n{form}");
    assert_eq!(failed(&ok), vec![]);
    let bad = format!("2023年全年预算数为321.50万元，项目自评得分99.8分。\n{form}");
    assert_eq!(
        failed(&bad),
        vec![CheckKind::TextTable, CheckKind::TextTable]
    );
}

fn arb_spec() -> impl Strategy<Value = Spec> {
    // Weights of five rows that add up to 90 with the funds' 10, and actual values that meet
    // their targets by a margin: a consistent form whatever the draw.
    (
        proptest::collection::vec(1u32..40, 5),
        proptest::collection::vec(0u32..500, 5),
        1_000u32..90_000,
        0u32..1_000,
    )
        .prop_map(|(w, extra, budget_cents, unspent)| {
            let total_w: u32 = w.iter().sum();
            let mut weights: Vec<u32> = w.iter().map(|x| x * 90 / total_w).collect();
            let diff = 90 - weights.iter().sum::<u32>();
            weights[0] += diff;
            let mut spec = consistent();
            for (k, row) in spec.rows.iter_mut().enumerate() {
                row[5] = weights[k].to_string();
                row[6] = weights[k].to_string();
            }
            spec.rows[0][4] = format!("{}处", 12 + extra[0]);
            spec.rows[1][4] = format!("{}户", 3200 + extra[1]);
            // Budget and spending in 万元 with two decimals; the rate rounded to two decimals.
            let budget = budget_cents as i64;
            let spent = budget - (unspent as i64).min(budget);
            let part = budget / 3;
            let fmt = |c: i64| format!("{}.{:02}", c / 100, c % 100);
            let rate = (spent as i128 * 100_000 / budget as i128 + 5) / 10; // hundredths of a percent
            let rate_s = format!("{}.{:02}%", rate / 100, rate % 100);
            let score = (rate.min(10_000) + 5) / 10; // hundredths of a point, of 10
            let score_s = format!("{}.{:02}", score / 100, score % 100);
            spec.funds = vec![
                [
                    s("年度资金总额"),
                    fmt(budget),
                    fmt(budget),
                    fmt(spent),
                    s("10"),
                    rate_s,
                    score_s.clone(),
                ],
                [
                    s("其中：当年财政拨款"),
                    fmt(budget - part),
                    fmt(budget - part),
                    s("/"),
                    s("/"),
                    s("/"),
                    s("/"),
                ],
                [
                    s("上年结转资金"),
                    fmt(part),
                    fmt(part),
                    s("/"),
                    s("/"),
                    s("/"),
                    s("/"),
                ],
            ];
            let total = score + 9_000;
            spec.total = [s("100"), format!("{}.{:02}", total / 100, total % 100)];
            spec.grade = s("优");
            spec
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn layout_changes_no_fact_and_raises_no_finding(spec in arb_spec()) {
        let base = facts(&render(&spec, Layout::Cells));
        for layout in [Layout::Cells, Layout::Tabs, Layout::Bars, Layout::Spaces] {
            let text = render(&spec, layout);
            prop_assert_eq!(failed(&text), vec![], "{:?}:\n{}", layout, text);
            prop_assert_eq!(facts(&text), base.clone(), "{:?}", layout);
        }
    }
}

#[test]
fn a_caption_gives_the_unit() {
    let text = render(&consistent(), Layout::Cells).replace("项目资金\n（万元）", "项目资金");
    let text = text.replacen("项目名称", "单位：元\n项目名称", 1);
    let e = jixiao::analyze_text(&Extractor::shared(), &text);
    let total = e
        .facts
        .iter()
        .find(|f| f.text == "312.50")
        .expect("the budget cell");
    assert_eq!(total.value.display(), "312.5");
    assert_eq!(total.unit.as_deref(), Some("元"));
}

#[test]
fn page_numbers_and_repeated_headers_inside_a_pasted_table() {
    let spec = consistent();
    let base = facts(&render(&spec, Layout::Cells));
    let header = "一级指标\n二级指标\n三级指标\n年度指标值\n实际完成值\n分值\n得分\n偏差原因分析及改进措施\n";
    let text = render(&spec, Layout::Cells).replacen(
        "效益指标\n",
        &format!("— 2 —\n{header}效益指标\n"),
        1,
    );
    assert_eq!(failed(&text), vec![], "{text}");
    assert_eq!(facts(&text), base);
}
