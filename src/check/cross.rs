//! The one check across documents (`cross_document`): a project's figure — its total budget
//! (全年预算数) or spending (全年执行数) on a self-evaluation form, its grade, its money or
//! rating in a table of evaluated projects — stated differently by two reports of the same
//! year. `project_figures` says which facts of one document state such figures; the caller
//! (the store) gathers the figures of the documents that name the same project and passes
//! them in, so this never reads anything but its arguments.
//!
//! Conservative by design, since an assessor stops trusting findings after a few false ones:
//! two figures are compared only when they are the same label of the same project key
//! (region and name), the two reports are of the same known year, each report states that
//! figure once (a project listed twice with two amounts in one report is no basis), both are
//! exact (no 约, no 以上), and grades only between two self-evaluations or two evaluations by
//! others (a finance bureau grading a project lower than its department did is the point of
//! evaluating it, not an inconsistency). Amounts agree within one unit of the coarser of the
//! two figures' last shown decimal place, in their own units (548.95 万元 and 5 489 512 元).

use super::{Check, CheckKind, Severity};
use crate::domain::{AmountUnit, ProjectKey, Qualifier};
use crate::extract::form::Form;
use crate::extract::{Fact, FactKind, FactValue};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// Which figure of a project a fact states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FigureLabel {
    /// A self-evaluation form's 年度资金总额 全年预算数 (调整后预算数).
    Budget,
    /// The same row's 全年执行数.
    Spent,
    /// The form's 自评等级.
    Grade,
    /// The only money cell of a rated row in a table of evaluated projects.
    Amount,
    /// That row's grade.
    Rating,
}

impl FigureLabel {
    pub const ALL: [FigureLabel; 5] = [
        FigureLabel::Budget,
        FigureLabel::Spent,
        FigureLabel::Grade,
        FigureLabel::Amount,
        FigureLabel::Rating,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FigureLabel::Budget => "budget",
            FigureLabel::Spent => "spent",
            FigureLabel::Grade => "grade",
            FigureLabel::Amount => "amount",
            FigureLabel::Rating => "rating",
        }
    }

    pub fn parse(s: &str) -> Option<FigureLabel> {
        FigureLabel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// As an assessor names it.
    pub fn label(self) -> &'static str {
        match self {
            FigureLabel::Budget => "全年预算数",
            FigureLabel::Spent => "全年执行数",
            FigureLabel::Grade => "自评等级",
            FigureLabel::Amount => "财政资金",
            FigureLabel::Rating => "评价等级",
        }
    }

    fn is_grade(self) -> bool {
        matches!(self, FigureLabel::Grade | FigureLabel::Rating)
    }
}

/// A project or department a document names, and the facts that state its figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    /// A department (主管部门) rather than a project.
    pub department: bool,
    /// (label, index of the fact in the document).
    pub figures: Vec<(FigureLabel, usize)>,
}

/// The projects and departments a document names with the facts stating their figures:
/// each self-evaluation form's project (年度资金总额's 全年预算数 and 全年执行数, 自评等级) and
/// 主管部门, and each rated row of a table outside the forms (its grade and, when the row has
/// exactly one, its money). A row naming its project twice is left without figures.
pub fn project_figures(facts: &[Fact], forms: &[Form]) -> Vec<Named> {
    let mut out: Vec<Named> = Vec::new();
    let mut push = |name: &str, department: bool, figures: Vec<(FigureLabel, usize)>| {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        match out
            .iter_mut()
            .find(|n| n.name == name && n.department == department)
        {
            Some(n) => n.figures.extend(figures),
            None => out.push(Named {
                name: name.to_string(),
                department,
                figures,
            }),
        }
    };
    for form in forms {
        if let Some(project) = &form.project {
            let mut figures = Vec::new();
            if let Some(total) = form.funds.iter().find(|r| r.total) {
                figures.extend(total.budget.map(|id| (FigureLabel::Budget, id)));
                figures.extend(total.spent.map(|id| (FigureLabel::Spent, id)));
            }
            figures.extend(form.grade.map(|id| (FigureLabel::Grade, id)));
            push(project, false, figures);
        }
        if let Some(authority) = &form.authority {
            push(authority, true, Vec::new());
        }
    }
    // Rows of tables of evaluated projects: grouped by table and the row's project name.
    let form_tables: Vec<u32> = forms
        .iter()
        .filter_map(|f| u32::try_from(f.table).ok())
        .collect();
    // (table, project) → (its ratings, its amounts), as fact indexes.
    type Row = (Vec<usize>, Vec<usize>);
    let mut rows: BTreeMap<(u32, &str), Row> = BTreeMap::new();
    for (i, f) in facts.iter().enumerate() {
        let (Some(table), Some(subject)) = (f.table, f.subject.as_deref()) else {
            continue;
        };
        if form_tables.contains(&table) || f.cell.is_some() {
            continue;
        }
        let row = rows.entry((table, subject)).or_default();
        match f.kind {
            FactKind::Rating => row.0.push(i),
            FactKind::Amount => row.1.push(i),
            _ => {}
        }
    }
    for ((_, name), (ratings, amounts)) in rows {
        if ratings.is_empty() {
            continue; // not a table of evaluated projects
        }
        let mut figures = Vec::new();
        if let [r] = ratings[..] {
            figures.push((FigureLabel::Rating, r));
            if let [a] = amounts[..] {
                figures.push((FigureLabel::Amount, a));
            }
        }
        push(name, false, figures);
    }
    out
}

/// One figure as the cross-document check reads it.
#[derive(Clone, Debug)]
pub struct Figure {
    pub document_id: i64,
    /// The fact's index in its document.
    pub fact: usize,
    /// The fiscal year of the report.
    pub year: Option<i64>,
    pub project: ProjectKey,
    pub label: FigureLabel,
    pub value: FactValue,
    pub qualifier: Qualifier,
    /// The unit as written (万元 …), for the precision of an amount.
    pub unit: Option<String>,
    /// The report is a self-evaluation (自评): its grades are the department's own.
    pub self_evaluation: bool,
    /// How the message names the report: its title or file name.
    pub document_name: String,
}

/// A finding (or an agreement) between one figure of the document checked and the same
/// figure in another report.
#[derive(Clone, Debug)]
pub struct CrossCheck {
    /// `facts` hold the checked document's fact only; the other is `other_*`.
    pub check: Check,
    pub other_document_id: i64,
    pub other_fact: usize,
}

/// The smallest step the figure as written can show, in yuan: 548.95 万元 → 100.
fn quantum(f: &Figure, amount: Decimal) -> Decimal {
    let unit = f
        .unit
        .as_deref()
        .and_then(AmountUnit::parse)
        .map_or(Decimal::ONE, AmountUnit::yuan);
    let written = (amount / unit).normalize();
    Decimal::new(1, written.scale()) * unit
}

fn agree(a: &Figure, b: &Figure) -> Option<bool> {
    match (&a.value, &b.value) {
        (FactValue::Rating(x), FactValue::Rating(y)) => Some(x == y),
        (FactValue::Decimal(x), FactValue::Decimal(y)) => {
            let step = quantum(a, *x).max(quantum(b, *y));
            Some((*x - *y).abs() < step)
        }
        _ => None,
    }
}

fn shown(f: &Figure) -> String {
    match &f.value {
        FactValue::Decimal(d) if !f.label.is_grade() => {
            format!("{}万元", (*d / Decimal::from(10_000)).normalize())
        }
        v => v.display(),
    }
}

/// The cross-document checks of document `document_id`: each of its figures against the
/// same figure in every other report of the same year among `figures` (which holds the
/// document's own figures and those of the reports naming the same projects).
pub fn cross_document(document_id: i64, figures: &[Figure]) -> Vec<CrossCheck> {
    // Per document, per (project, label): the figures; only single ones are compared.
    let mut by_doc: HashMap<(i64, &ProjectKey, FigureLabel), Vec<&Figure>> = HashMap::new();
    for f in figures {
        by_doc
            .entry((f.document_id, &f.project, f.label))
            .or_default()
            .push(f);
    }
    let mut own: Vec<&Figure> = figures
        .iter()
        .filter(|f| f.document_id == document_id)
        .filter(|f| by_doc[&(f.document_id, &f.project, f.label)].len() == 1)
        .collect();
    own.sort_by_key(|f| f.fact);
    let mut others: Vec<&Figure> = figures
        .iter()
        .filter(|f| f.document_id != document_id)
        .filter(|f| by_doc[&(f.document_id, &f.project, f.label)].len() == 1)
        .collect();
    others.sort_by_key(|f| (f.document_id, f.fact));
    let mut out = Vec::new();
    for a in own {
        let Some(year) = a.year else { continue };
        if a.qualifier != Qualifier::Exact {
            continue;
        }
        for b in &others {
            let comparable = b.project == a.project
                && b.label == a.label
                && b.year == Some(year)
                && b.qualifier == Qualifier::Exact
                && (!a.label.is_grade() || a.self_evaluation == b.self_evaluation);
            if !comparable {
                continue;
            }
            let Some(ok) = agree(a, b) else { continue };
            let (stated, other) = (shown(a), shown(b));
            let message = if ok {
                format!(
                    "{}的{}与{}一致：{stated}",
                    a.project.name(),
                    a.label.label(),
                    b.document_name
                )
            } else {
                format!(
                    "同一年度（{year}年）两份报告所述不一致：{}的{}，本报告为{stated}，{}为{other}",
                    a.project.name(),
                    a.label.label(),
                    b.document_name
                )
            };
            out.push(CrossCheck {
                check: Check {
                    kind: CheckKind::CrossDocument,
                    ok,
                    severity: Severity::Error,
                    facts: vec![a.fact],
                    stated: a.value.display(),
                    computed: b.value.display(),
                    message,
                },
                other_document_id: b.document_id,
                other_fact: b.fact,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Rating;
    use crate::extract::form::FundsRow;
    use crate::extract::{Rule, Span};

    fn figure(doc: i64, year: i64, label: FigureLabel, value: FactValue, unit: &str) -> Figure {
        Figure {
            document_id: doc,
            fact: doc as usize * 10,
            year: Some(year),
            project: ProjectKey::new("渠县", "渠县校舍维修改造项目").unwrap(),
            label,
            value,
            qualifier: Qualifier::Exact,
            unit: Some(unit.to_string()),
            self_evaluation: false,
            document_name: format!("报告{doc}"),
        }
    }

    fn amount(doc: i64, year: i64, yuan: i64, unit: &str) -> Figure {
        figure(
            doc,
            year,
            FigureLabel::Amount,
            FactValue::Decimal(yuan.into()),
            unit,
        )
    }

    fn failed(checks: &[CrossCheck]) -> usize {
        checks.iter().filter(|c| !c.check.ok).count()
    }

    #[test]
    fn same_year_different_amounts_are_a_finding() {
        let figures = [
            amount(1, 2022, 5_489_500, "万元"),
            amount(2, 2022, 5_589_500, "万元"),
        ];
        let checks = cross_document(1, &figures);
        assert_eq!(checks.len(), 1);
        let c = &checks[0];
        assert!(!c.check.ok);
        assert_eq!(c.check.kind, CheckKind::CrossDocument);
        assert_eq!(c.check.facts, [10]);
        assert_eq!((c.other_document_id, c.other_fact), (2, 20));
        assert_eq!(
            (c.check.stated.as_str(), c.check.computed.as_str()),
            ("5489500", "5589500")
        );
        assert!(
            c.check.message.contains("548.95万元"),
            "{}",
            c.check.message
        );
        assert!(c.check.message.contains("报告2"));
        // Seen from the other report, the same finding.
        assert_eq!(failed(&cross_document(2, &figures)), 1);
    }

    #[test]
    fn agreeing_figures_and_other_years_raise_nothing() {
        let same = [
            amount(1, 2022, 5_489_500, "万元"),
            amount(2, 2022, 5_489_500, "元"),
        ];
        let checks = cross_document(1, &same);
        assert_eq!((checks.len(), failed(&checks)), (1, 0));
        let years = [
            amount(1, 2022, 5_489_500, "万元"),
            amount(2, 2023, 6_000_000, "万元"),
        ];
        assert!(cross_document(1, &years).is_empty());
        let mut unknown = amount(2, 2022, 6_000_000, "万元");
        unknown.year = None;
        assert!(cross_document(1, &[amount(1, 2022, 5_489_500, "万元"), unknown]).is_empty());
    }

    #[test]
    fn rounding_to_the_coarser_figure_agrees() {
        // 548.95 万元 against 5 489 512 元: the first shows hundreds of yuan.
        let figures = [
            amount(1, 2022, 5_489_500, "万元"),
            amount(2, 2022, 5_489_512, "元"),
        ];
        assert_eq!(failed(&cross_document(1, &figures)), 0);
        // A whole unit of the coarser place apart is a difference.
        let figures = [
            amount(1, 2022, 5_489_500, "万元"),
            amount(2, 2022, 5_489_600, "元"),
        ];
        assert_eq!(failed(&cross_document(1, &figures)), 1);
    }

    #[test]
    fn only_like_with_like() {
        let mut other_project = amount(2, 2022, 1, "万元");
        other_project.project = ProjectKey::new("渠县", "渠县饮水工程").unwrap();
        let mut other_label = amount(2, 2022, 1, "万元");
        other_label.label = FigureLabel::Budget;
        let mut approx = amount(2, 2022, 1, "万元");
        approx.qualifier = Qualifier::Approx;
        for other in [other_project, other_label, approx] {
            assert!(cross_document(1, &[amount(1, 2022, 5_489_500, "万元"), other]).is_empty());
        }
        // A report stating the project's money twice is no basis for either.
        let mut twice = amount(2, 2022, 7_000_000, "万元");
        twice.fact = 21;
        let figures = [
            amount(1, 2022, 5_489_500, "万元"),
            amount(2, 2022, 5_589_500, "万元"),
            twice,
        ];
        assert!(cross_document(1, &figures).is_empty());
    }

    #[test]
    fn grades_compare_self_evaluations_with_self_evaluations() {
        let grade = |doc, r: &str, own: bool| {
            let mut f = figure(
                doc,
                2022,
                FigureLabel::Rating,
                FactValue::Rating(Rating::parse(r).unwrap()),
                "",
            );
            f.self_evaluation = own;
            f
        };
        assert_eq!(
            failed(&cross_document(
                1,
                &[grade(1, "优", false), grade(2, "良", false)]
            )),
            1
        );
        assert_eq!(
            failed(&cross_document(
                1,
                &[grade(1, "优", false), grade(2, "优", false)]
            )),
            0
        );
        assert!(cross_document(1, &[grade(1, "优", true), grade(2, "良", false)]).is_empty());
    }

    #[test]
    fn figures_of_forms_and_rated_table_rows() {
        let fact = |kind, value, table: Option<u32>, subject: &str| {
            let mut f = Fact::new(
                kind,
                value,
                Span { start: 0, end: 1 },
                Rule::TableMoneyColumn,
            );
            f.table = table;
            f.subject = Some(subject.to_string());
            f
        };
        let good = || FactValue::Rating(Rating::parse("良").unwrap());
        let money = || FactValue::Decimal(100.into());
        let facts = vec![
            fact(FactKind::Amount, money(), Some(0), "校舍项目"), // 0
            fact(FactKind::Rating, good(), Some(0), "校舍项目"),  // 1
            fact(FactKind::Amount, money(), Some(0), "合计"),     // 2: no rating, no project
            fact(FactKind::Amount, money(), Some(0), "饮水项目"), // 3
            fact(FactKind::Amount, money(), Some(0), "饮水项目"), // 4: two money cells
            fact(FactKind::Rating, good(), Some(0), "饮水项目"),  // 5
            fact(FactKind::Amount, money(), Some(1), "年度资金总额"), // 6: the form's
            fact(FactKind::Amount, money(), Some(1), "年度资金总额"), // 7
        ];
        let form = Form {
            table: 1,
            project: Some("道路项目".into()),
            authority: Some("交通运输局".into()),
            funds: vec![FundsRow {
                name: Some("年度资金总额".into()),
                total: true,
                budget: Some(6),
                spent: Some(7),
                ..FundsRow::default()
            }],
            ..Form::default()
        };
        let named = project_figures(&facts, &[form]);
        let find = |n: &str| named.iter().find(|x| x.name == n).unwrap();
        assert_eq!(
            find("道路项目").figures,
            [(FigureLabel::Budget, 6), (FigureLabel::Spent, 7)]
        );
        assert!(find("交通运输局").department);
        assert_eq!(
            find("校舍项目").figures,
            [(FigureLabel::Rating, 1), (FigureLabel::Amount, 0)]
        );
        assert_eq!(find("饮水项目").figures, [(FigureLabel::Rating, 5)]);
        assert!(
            named
                .iter()
                .all(|n| n.name != "合计" && n.name != "年度资金总额")
        );
    }
}
