//! Sentences of the genre that are not in the samples: the extractor must read them as
//! FACTS.md says. Each case is a whole little report run through the public API.

use jixiao::{Extractor, FactKind};

fn facts(text: &str) -> Vec<(FactKind, String, String, Option<String>)> {
    Extractor::shared()
        .extract_text(text)
        .facts
        .into_iter()
        .map(|f| (f.kind, f.text, f.value.display(), f.subject))
        .collect()
}

fn has(text: &str, kind: FactKind, surface: &str, value: &str) {
    let got = facts(text);
    assert!(
        got.iter()
            .any(|(k, t, v, _)| *k == kind && t == surface && v == value),
        "{text}: want {kind:?} {surface} = {value}, got {got:?}"
    );
}

#[test]
fn amounts_in_many_forms() {
    has(
        "全年下达资金45,983.93万元。",
        FactKind::Amount,
        "45,983.93万元",
        "459839300",
    );
    has(
        "共安排资金１，２３４．５万元。",
        FactKind::Amount,
        "１，２３４．５万元",
        "12345000",
    );
    has(
        "涉及金额约3.5亿元。",
        FactKind::Amount,
        "约3.5亿元",
        "350000000",
    );
    has(
        "单个项目不超过200万元。",
        FactKind::Amount,
        "不超过200万元",
        "2000000",
    );
    has("补助标准为每人5000元。", FactKind::Amount, "5000元", "5000");
}

#[test]
fn ranges_written_with_both_units() {
    let e = Extractor::shared().extract_text("扣减下年度预算50万元至100万元。");
    let q: Vec<_> = e
        .facts
        .iter()
        .map(|f| (f.value.display(), f.qualifier))
        .collect();
    assert_eq!(
        q,
        vec![
            ("500000".to_string(), jixiao::domain::Qualifier::AtLeast),
            ("1000000".to_string(), jixiao::domain::Qualifier::AtMost)
        ]
    );
}

#[test]
fn counts_with_other_measure_words() {
    has("共抽查12所学校。", FactKind::Count, "12所", "12");
    has("发现问题近30条。", FactKind::Count, "近30条", "30");
    has(
        "培训基层财务人员2000余人次。",
        FactKind::Count,
        "2000余人次",
        "2000",
    );
    has("覆盖五个乡镇。", FactKind::Count, "五个", "5");
    has(
        "共有１２３个项目纳入监控。",
        FactKind::Count,
        "１２３个",
        "123",
    );
    assert!(facts("在三个月内完成整改，作为一项重要任务。").is_empty());
}

#[test]
fn percents_scores_ratings() {
    has(
        "资金执行率达到95.6%以上。",
        FactKind::Percent,
        "95.6%以上",
        "95.6",
    );
    has("权重不低于15%。", FactKind::Percent, "不低于15%", "15");
    has("综合评价得分为88.5分。", FactKind::Score, "88.5分", "88.5");
    has("该项目评价等级为“良”。", FactKind::Rating, "“良”", "良");
    has("经评价，结果为优秀。", FactKind::Rating, "结果为优秀", "优");
    assert!(facts("评价结果均为优良。").is_empty());
}

#[test]
fn document_numbers_in_every_bracket_form() {
    for (text, number) in [
        (
            "依据《某某办法》（财预〔2021〕12号）执行。",
            "财预〔2021〕12号",
        ),
        ("依据《某某办法》(财预[2021]12号)执行。", "财预〔2021〕12号"),
        (
            "依据《某某办法》【财预【2021】12号】执行。",
            "财预〔2021〕12号",
        ),
        ("根据市财政局财预（2021）12号文件精神。", "财预〔2021〕12号"),
    ] {
        let e = Extractor::shared().extract_text(text);
        let numbers: Vec<String> = e
            .facts
            .iter()
            .filter_map(|f| match &f.value {
                jixiao::FactValue::Document { number, .. } => number.clone(),
                _ => None,
            })
            .collect();
        assert_eq!(numbers, vec![number.to_string()], "{text}");
        assert!(
            e.facts.iter().all(|f| f.kind == FactKind::Document),
            "no digits of a number as facts: {text}"
        );
    }
}

#[test]
fn nested_titles_are_one_document() {
    let e = Extractor::shared()
        .extract_text("印发《关于转发〈某省预算绩效管理办法〉的通知》，请遵照执行。");
    assert_eq!(e.facts.len(), 1);
    match &e.facts[0].value {
        jixiao::FactValue::Document { title, number } => {
            assert_eq!(
                title.as_deref(),
                Some("关于转发〈某省预算绩效管理办法〉的通知")
            );
            assert!(number.is_none());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn not_facts() {
    for text in [
        "2021年6月29日印发。",
        "“十四五”规划开局之年，构建“1+X”制度体系和四梁八柱。",
        "位列全疆第三，前二十名。",
        "实行三本预算全覆盖，建立三级监控体系。",
        "一是加强领导；二是完善制度。",
    ] {
        assert!(facts(text).is_empty(), "{text}: {:?}", facts(text));
    }
}

#[test]
fn checks_find_failed_arithmetic() {
    let text = "共评价20个项目。经评价，8个项目评价等级为“优”，10个“良”、3个“中”。";
    let e = Extractor::shared().extract_text(text);
    let split = e
        .checks
        .iter()
        .find(|c| c.kind == jixiao::check::CheckKind::Split)
        .expect("a split check");
    assert!(!split.ok, "8+10+3 = 21 is not 20");
    assert_eq!(
        (split.stated.as_str(), split.computed.as_str()),
        ("20", "21")
    );

    let text = "申报项目10个，涉及金额1000万元。予以支持金额800万元，压减支出200万元。";
    let e = Extractor::shared().extract_text(text);
    let diff = e
        .checks
        .iter()
        .find(|c| c.kind == jixiao::check::CheckKind::Difference)
        .expect("a difference check");
    assert!(diff.ok);
}
