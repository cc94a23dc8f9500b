//! `Rule`: which rule of the extractor produced a fact. One id per pattern family that a
//! developer would fix on its own (the regular expression of a scanner, a way a table or a
//! form gives a value), so that review decisions can be counted per rule and a rule that
//! fails shows itself. The ids are stored with every fact and counted over years of review:
//! once given, an id is never renamed or reused (a rule that goes away keeps its id unused).

use serde::{Serialize, Serializer};

/// The rule that produced a fact. `as_str` is the stable dotted id (`amount.inline`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// A number with 元/万元/亿元 after it: "500万元", "3000余万元".
    AmountInline,
    /// A number with a bare 万/亿 and money around it: "涉及资金 1.80 亿".
    AmountBareMultiplier,
    /// One bound of a range of money: "100—200万元", "50万元至100万元".
    AmountRange,
    /// An Arabic number with a measure word: "12项", "5万人次".
    CountMeasure,
    /// Chinese numerals with a measure word: "三个", "十二项".
    CountChinese,
    /// One bound of a range of counts: "3至5个".
    CountRange,
    /// A number with %: "98.46%".
    PercentInline,
    /// 百分之 and Chinese numerals: "百分之九十".
    PercentChinese,
    /// One bound of a range of percents: "20%-30%".
    PercentRange,
    /// A number with 分: "自评得分100分".
    ScoreInline,
    /// A number beside the name of its score, without 分: "得分为95.5", "93.25综合得分".
    ScoreNamed,
    /// One bound of a range of scores: "70-80分".
    ScoreRange,
    /// A grade in quotation marks: "评价等级为“优”".
    RatingQuoted,
    /// A grade after 评价/评定/等级 and a link word: "评价结果为优秀".
    RatingAfterEvaluation,
    /// A grade as an item of a list of tallies: "8个优、3个良".
    RatingListItem,
    /// The later grades of "分别为优、良": one for each item.
    RatingRespectively,
    /// A grade followed by its count: "优秀3个".
    RatingTally,
    /// "良及以上", "良好以上": at least a grade.
    RatingAtLeast,
    /// A grade naming a level: "优秀等次", "良级".
    RatingLevel,
    /// The later items of a list that dropped its verb: "2个区评为优秀,3个县为良好".
    RatingContinuedList,
    /// A grade standing alone after a score: "得分87分,良好(B);".
    RatingAfterScore,
    /// A title in 《》, with the 发文字号 after it where there is one.
    DocumentTitle,
    /// A 发文字号 alone: "渠财绩〔2022〕1号".
    DocumentDocNumber,
    /// A 发文字号 written straight before its title: "…〔2023〕10号文件《…》".
    DocumentNumberBeforeTitle,
    /// A cell of a table's money column (预算数, 执行数 … with the caption's unit).
    TableMoneyColumn,
    /// A bare number under a table's 执行率(%) column.
    TablePercentColumn,
    /// A number under a table's score column (得分, 评分).
    TableScoreColumn,
    /// A grade under a table's 评价等级 column.
    TableGradeColumn,
    /// A cell of a form's funds block: 年初预算数, 全年执行数, 执行率, 分值, 得分.
    FormFunds,
    /// A form indicator's target or actual value: 年度指标值, 实际完成值.
    FormIndicatorValue,
    /// A form indicator's 分值, 得分 or 得分系数.
    FormIndicatorScore,
    /// A block weight written in a form's label: "产出指标(50分)".
    FormBlockWeight,
    /// A form's total weight or score (合计, 总分).
    FormTotal,
    /// A form's stated grade (自评等级).
    FormGrade,
}

impl Rule {
    /// Every rule, in the order of the extractor's stages.
    pub const ALL: [Rule; 34] = [
        Rule::AmountInline,
        Rule::AmountBareMultiplier,
        Rule::AmountRange,
        Rule::CountMeasure,
        Rule::CountChinese,
        Rule::CountRange,
        Rule::PercentInline,
        Rule::PercentChinese,
        Rule::PercentRange,
        Rule::ScoreInline,
        Rule::ScoreNamed,
        Rule::ScoreRange,
        Rule::RatingQuoted,
        Rule::RatingAfterEvaluation,
        Rule::RatingListItem,
        Rule::RatingRespectively,
        Rule::RatingTally,
        Rule::RatingAtLeast,
        Rule::RatingLevel,
        Rule::RatingContinuedList,
        Rule::DocumentTitle,
        Rule::DocumentDocNumber,
        Rule::DocumentNumberBeforeTitle,
        Rule::TableMoneyColumn,
        Rule::TablePercentColumn,
        Rule::TableScoreColumn,
        Rule::TableGradeColumn,
        Rule::FormFunds,
        Rule::FormIndicatorValue,
        Rule::FormIndicatorScore,
        Rule::FormBlockWeight,
        Rule::FormTotal,
        Rule::FormGrade,
        Rule::RatingAfterScore,
    ];

    /// The stable id, as stored and as the JSON writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::AmountInline => "amount.inline",
            Rule::AmountBareMultiplier => "amount.bare_multiplier",
            Rule::AmountRange => "amount.range",
            Rule::CountMeasure => "count.measure",
            Rule::CountChinese => "count.chinese",
            Rule::CountRange => "count.range",
            Rule::PercentInline => "percent.inline",
            Rule::PercentChinese => "percent.chinese",
            Rule::PercentRange => "percent.range",
            Rule::ScoreInline => "score.inline",
            Rule::ScoreNamed => "score.named",
            Rule::ScoreRange => "score.range",
            Rule::RatingQuoted => "rating.quoted",
            Rule::RatingAfterEvaluation => "rating.after_evaluation",
            Rule::RatingListItem => "rating.list_item",
            Rule::RatingRespectively => "rating.respectively",
            Rule::RatingTally => "rating.tally",
            Rule::RatingAtLeast => "rating.at_least",
            Rule::RatingLevel => "rating.level",
            Rule::RatingContinuedList => "rating.continued_list",
            Rule::DocumentTitle => "document.title",
            Rule::DocumentDocNumber => "document.doc_number",
            Rule::DocumentNumberBeforeTitle => "document.number_before_title",
            Rule::TableMoneyColumn => "table.money_column",
            Rule::TablePercentColumn => "table.percent_column",
            Rule::TableScoreColumn => "table.score_column",
            Rule::TableGradeColumn => "table.grade_column",
            Rule::FormFunds => "form.funds",
            Rule::FormIndicatorValue => "form.indicator_value",
            Rule::FormIndicatorScore => "form.indicator_score",
            Rule::FormBlockWeight => "form.block_weight",
            Rule::FormTotal => "form.total",
            Rule::FormGrade => "form.grade",
            Rule::RatingAfterScore => "rating.after_score",
        }
    }

    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The range rule of the same kind, for a fact that turned out to bound a range.
    pub(crate) fn as_range(self) -> Rule {
        match self {
            Rule::AmountInline | Rule::AmountBareMultiplier => Rule::AmountRange,
            Rule::CountMeasure | Rule::CountChinese => Rule::CountRange,
            Rule::PercentInline | Rule::PercentChinese => Rule::PercentRange,
            Rule::ScoreInline | Rule::ScoreNamed => Rule::ScoreRange,
            other => other,
        }
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_parse_back() {
        let ids: HashSet<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(ids.len(), Rule::ALL.len());
        for r in Rule::ALL {
            assert_eq!(Rule::parse(r.as_str()), Some(r));
        }
        assert_eq!(Rule::parse("amount"), None);
    }

    #[test]
    fn ids_are_dotted_kind_then_family() {
        for r in Rule::ALL {
            let (stage, family) = r.as_str().split_once('.').expect("a dot");
            assert!(
                [
                    "amount", "count", "percent", "score", "rating", "document", "table", "form"
                ]
                .contains(&stage),
                "{r}"
            );
            assert!(
                !family.is_empty() && family.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{r}"
            );
        }
    }

    /// The ids are stored with decisions: changing one splits a rule's history in two.
    #[test]
    fn ids_are_stable() {
        let all: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            all.join(" "),
            "amount.inline amount.bare_multiplier amount.range count.measure count.chinese \
             count.range percent.inline percent.chinese percent.range score.inline score.named \
             score.range rating.quoted rating.after_evaluation rating.list_item \
             rating.respectively rating.tally rating.at_least rating.level rating.continued_list \
             document.title document.doc_number document.number_before_title table.money_column \
             table.percent_column table.score_column table.grade_column form.funds \
             form.indicator_value form.indicator_score form.block_weight form.total form.grade \
             rating.after_score"
        );
    }

    /// What the extractor records for facts of a few shapes.
    #[test]
    fn facts_carry_the_rule_that_read_them() {
        let text = "投入资金100—200万元，另安排50万元至80万元，涉及资金1.80亿，完成12项，\
                    培训三期，执行率98.46%，得分为95.5，自评得分92分，评价等级为“优”。\
                    依据《桐川县预算绩效管理办法》和渠财绩〔2022〕1号。";
        let got: Vec<(String, &str)> = crate::extract::Extractor::shared()
            .extract_text(text)
            .facts
            .into_iter()
            .map(|f| (f.text, f.rule.expect("a rule").as_str()))
            .collect();
        let want = [
            ("100", "amount.range"),
            ("200万元", "amount.range"),
            ("50万元", "amount.range"),
            ("80万元", "amount.range"),
            ("1.80亿", "amount.bare_multiplier"),
            ("12项", "count.measure"),
            ("三期", "count.chinese"),
            ("98.46%", "percent.inline"),
            ("95.5", "score.named"),
            ("92分", "score.inline"),
            ("“优”", "rating.quoted"),
            ("《桐川县预算绩效管理办法》", "document.title"),
            ("渠财绩〔2022〕1号", "document.doc_number"),
        ];
        for (t, rule) in want {
            assert!(
                got.iter().any(|(text, r)| text == t && *r == rule),
                "{t} by {rule}: {got:?}"
            );
        }
    }

    #[test]
    fn ranges_of_each_kind() {
        assert_eq!(Rule::AmountBareMultiplier.as_range(), Rule::AmountRange);
        assert_eq!(Rule::CountChinese.as_range(), Rule::CountRange);
        assert_eq!(Rule::ScoreNamed.as_range(), Rule::ScoreRange);
        assert_eq!(Rule::RatingQuoted.as_range(), Rule::RatingQuoted);
    }
}
