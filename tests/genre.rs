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
    let e = jixiao::analyze_text(&Extractor::shared(), "扣减下年度预算50万元至100万元。");
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
    // A period word after another measure word is an adjective: "12项年度任务" is a count.
    has("下达12项年度考核任务。", FactKind::Count, "12项", "12");
    has("编印工作手册1,200册。", FactKind::Count, "1,200册", "1200");
    // 前 ends a word here (目前, 当前); it is not "the first 14".
    has("目前14个村完成改造。", FactKind::Count, "14个", "14");
    has("当前3家机构在评。", FactKind::Count, "3家", "3");
}

#[test]
fn secondary_and_program_names_are_not_counts() {
    for text in [
        "因线路变更造成二次开挖，导致二次施工。",
        "列为2023年十件民生实事之一。",
    ] {
        assert!(facts(text).is_empty(), "{text}: {:?}", facts(text));
    }
    has("共开展两次检查。", FactKind::Count, "两次", "2");
}

#[test]
fn a_unit_wrapped_to_the_next_line_stays_with_its_number() {
    has(
        "项目批复总投资2,350.00\n万元，已全部到位。",
        FactKind::Amount,
        "2,350.00\n万元",
        "23500000",
    );
    has(
        "资金1,200万\n元。",
        FactKind::Amount,
        "1,200万\n元",
        "12000000",
    );
    // A line that ends in a number and a line that starts a new item stay apart.
    assert!(
        facts("完成率达到100\n分项指标如下")
            .iter()
            .all(|f| f.1 != "100\n分")
    );
}

fn subject(text: &str, surface: &str) -> Option<String> {
    facts(text)
        .into_iter()
        .find(|f| f.1 == surface)
        .unwrap_or_else(|| panic!("{text}: no fact {surface}"))
        .3
}

#[test]
fn subjects_of_the_genre() {
    // A rate or form jieba splits off as a one-character verb is still the head noun.
    assert_eq!(
        subject("预算调整率达到6.8%。", "6.8%").as_deref(),
        Some("预算调整率")
    );
    assert_eq!(subject("公开率100%。", "100%").as_deref(), Some("公开率"));
    assert!(
        subject("在线审核绩效目标表1,352张。", "1,352张")
            .is_some_and(|s| s.ends_with("绩效目标表"))
    );
    // "仅为", "由 … 提高到": linking words between a subject and its number.
    assert_eq!(
        subject("指标得分率仅为72%。", "72%").as_deref(),
        Some("指标得分率")
    );
    assert_eq!(
        subject("农村自来水普及率由81.5%提高到96.2%。", "96.2%").as_deref(),
        Some("农村自来水普及率")
    );
    // Quantifiers and predicates after the counted noun are not part of it.
    assert_eq!(
        subject("14个受益村全部完成。", "14个").as_deref(),
        Some("受益村")
    );
    assert_eq!(
        subject("仅有5个村明确了专职人员。", "5个").as_deref(),
        Some("村")
    );
    // A description before 的 leads to the counted noun; a count's own 的 does not.
    assert_eq!(
        subject("对其中23个金额较大的项目组织会审。", "23个").as_deref(),
        Some("项目")
    );
    assert!(
        subject("解决季节性缺水人口两千余人的饮水问题。", "两千余人")
            .is_some_and(|s| s.ends_with("季节性缺水人口"))
    );
    // The lower bound of a range counts what the upper bound counts.
    assert_eq!(
        subject("覆盖10至15个行政村。", "10").as_deref(),
        Some("行政村")
    );
    // A time word alone names nothing.
    assert_eq!(subject("目前14个受益村中仅有5个。", "14个"), None);
    // Both ends of a change from one figure to another measure what stands before 由/从.
    let change = "调整后，监控项目预算总额由18.74亿元调整为18.647亿元。";
    for end in ["18.74亿元", "18.647亿元"] {
        assert_eq!(
            subject(change, end).as_deref(),
            Some("监控项目预算总额"),
            "{end}"
        );
    }
    assert_eq!(
        subject("专项资金从120万元增加到150万元。", "120万元").as_deref(),
        Some("专项资金")
    );
    // The lowest and highest score name themselves.
    let scores = "平均得分84.6分，最高分97.5分，最低分52分。";
    assert_eq!(subject(scores, "52分").as_deref(), Some("最低分"));
    assert_eq!(subject(scores, "97.5分").as_deref(), Some("最高分"));
}

#[test]
fn a_table_with_budget_and_spending_columns() {
    let text = "重点项目执行情况：\n\
        项目名称    预算数（万元）    执行数（万元）    执行率    评价等级\n\
        家庭医生签约服务    412.00    322.82    78.35%    中\n\
        疾病预防控制专项    318.50    301.95    94.80%    良\n\
        合计    730.50    624.77    85.53%\n";
    let e = jixiao::analyze_text(&Extractor::shared(), text);
    let amounts: Vec<(String, Option<String>)> = e
        .facts
        .iter()
        .filter(|f| f.kind == FactKind::Amount)
        .map(|f| (f.value.display(), f.subject.clone()))
        .collect();
    for (value, subject) in [
        ("4120000", "家庭医生签约服务"),
        ("3228200", "家庭医生签约服务"),
        ("7305000", "合计"),
        ("6247700", "合计"),
    ] {
        assert!(
            amounts.contains(&(value.to_string(), Some(subject.to_string()))),
            "{value} {subject}: {amounts:?}"
        );
    }
    // A rate alone in its cell belongs to the row.
    assert_eq!(subject(text, "78.35%").as_deref(), Some("家庭医生签约服务"));
    // Each money column is checked against its own 合计.
    let totals = e
        .checks
        .iter()
        .filter(|c| c.kind == jixiao::check::CheckKind::TableTotal && c.ok)
        .count();
    assert_eq!(totals, 2, "{:?}", e.checks);
}

#[test]
fn wrapped_counts_and_zero_incidents() {
    has(
        "共审核项目327\n个，退回修改。",
        FactKind::Count,
        "327\n个",
        "327",
    );
    has("较大食品安全事故0起。", FactKind::Count, "0起", "0");
    assert!(facts("自2024年起施行。").is_empty());
    assert_eq!(
        subject("其中决策类指标满分15分，得14分。", "15分").as_deref(),
        Some("决策类指标")
    );
}

#[test]
fn tables_written_one_row_a_line() {
    let text = "重点项目自评情况如下：\n\
        序号  项目名称  财政资金（单位：万元）  评价等级\n\
        1  高标准农田建设项目  2,846.30  优\n\
        2  耕地地力保护补贴（县级配套）  968.42  良\n\
        合计      3,814.72\n\
        \n\
        一级指标\t分值\t自评得分\n\
        决策\t20\t19\n\
        合计\t100\t92.5\n";
    let e = jixiao::analyze_text(&Extractor::shared(), text);
    let row = |kind: FactKind, value: &str| {
        e.facts
            .iter()
            .find(|f| f.kind == kind && f.value.display() == value)
            .map(|f| (f.subject.clone().unwrap_or_default(), f.row))
            .unwrap_or_else(|| panic!("no {kind:?} {value}: {:?}", e.facts))
    };
    assert_eq!(
        row(FactKind::Amount, "28463000"),
        ("高标准农田建设项目".into(), Some(1))
    );
    assert_eq!(
        row(FactKind::Rating, "良"),
        ("耕地地力保护补贴（县级配套）".into(), Some(2))
    );
    assert_eq!(row(FactKind::Amount, "38147200"), ("合计".into(), None));
    assert_eq!(row(FactKind::Score, "19"), ("决策".into(), None));
    assert_eq!(row(FactKind::Score, "92.5"), ("合计".into(), None));
    // The rows add up to the 合计 row: the cross-check finds it consistent.
    assert!(
        e.checks
            .iter()
            .any(|c| c.kind == jixiao::check::CheckKind::TableTotal && c.ok),
        "{:?}",
        e.checks
    );
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
        let e = jixiao::analyze_text(&Extractor::shared(), text);
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
    let e = jixiao::analyze_text(&Extractor::shared(), text);
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
    let e = jixiao::analyze_text(&Extractor::shared(), text);
    let diff = e
        .checks
        .iter()
        .find(|c| c.kind == jixiao::check::CheckKind::Difference)
        .expect("a difference check");
    assert!(diff.ok);
}

fn split_checks(text: &str) -> Vec<(bool, String, String)> {
    jixiao::analyze_text(&Extractor::shared(), text)
        .checks
        .into_iter()
        .filter(|c| c.kind == jixiao::check::CheckKind::Split)
        .map(|c| (c.ok, c.stated, c.computed))
        .collect()
}

#[test]
fn split_runs_only_when_every_listed_grade_was_read() {
    // "2个中" (a bare one-character grade after its count) is no rating the extractor reads,
    // so the parts it found (8+10) would wrongly accuse the report: no check at all.
    assert!(split_checks("共评价20个项目,其中8个“优”、10个“良”、2个中。").is_empty());
    // The same list with every grade read is checked, and it adds up.
    assert_eq!(
        split_checks("共评价20个项目,其中8个“优”、10个“良”、2个“中”。"),
        [(true, "20".into(), "20".into())]
    );
    // An item graded 合格 (no rating) and a noun with a bracket are items of the list too.
    assert!(
        split_checks("28个部门中,5个部门评为优秀(A),17个部门为良好(B),6个部门为合格(C)。")
            .is_empty()
    );
    assert_eq!(
        split_checks("20个地区中,6个地区评为优秀,11个县(市、区)为良好,3个县为中等。"),
        [(true, "20".into(), "20".into())]
    );
    // A list that goes on after ";" with the next grade is one list.
    assert_eq!(
        split_checks("共有40个项目参评。考评等次为“优秀”的10个,占比25%;“良好”的30个,占比75%。"),
        [(true, "40".into(), "40".into())]
    );
}

#[test]
fn text_tables_with_bars_captions_sections_and_subtotals() {
    // Bars part the cells; the caption gives the unit of a header that names none.
    let text = "表1 重点评价项目\n单位：万元\n序号｜项目名称｜主管部门｜评价资金｜评价得分｜评价等级\n\
        1｜白茶产业项目｜县农业农村局｜3,260.00｜82.5｜良\n\
        2｜供水工程项目｜县水利局｜6,120.00｜91.5｜优\n";
    let e = jixiao::analyze_text(&Extractor::shared(), text);
    let got: Vec<(String, String, Option<String>)> = e
        .facts
        .iter()
        .map(|f| {
            (
                f.kind.as_str().to_string(),
                f.value.display(),
                f.subject.clone(),
            )
        })
        .collect();
    for want in [
        ("amount", "32600000", "白茶产业项目"),
        ("score", "82.5", "白茶产业项目"),
        ("rating", "良", "白茶产业项目"),
        ("amount", "61200000", "供水工程项目"),
    ] {
        assert!(
            got.contains(&(want.0.into(), want.1.into(), Some(want.2.into()))),
            "{want:?}: {got:?}"
        );
    }

    // Section headings between rows, negative cells, a rate column, 小计 and 总计.
    let text = "单位：万元\n部门  年初预算  调整数  执行率(%)\n一、党政机关\n\
        区委办  2,860.50  -120.30  98.46\n区发改局  1,935.00  86.40  98.33\n\
        小计  4,795.50  -33.90  98.40\n二、社会事业\n区教育局  126,480.00  -6,957.00  97.75\n\
        小计  126,480.00  -6,957.00  97.75\n总计  131,275.50  -6,990.90  97.80\n";
    let e = jixiao::analyze_text(&Extractor::shared(), text);
    let find = |value: &str| {
        e.facts
            .iter()
            .find(|f| f.value.display() == value)
            .map(|f| (f.kind.as_str(), f.subject.clone().unwrap_or_default()))
    };
    assert_eq!(find("-1203000"), Some(("amount", "区委办".into())));
    assert_eq!(find("98.46"), Some(("percent", "区委办".into())));
    assert_eq!(find("-69909000"), Some(("amount", "总计".into())));
    let totals: Vec<(bool, String)> = e
        .checks
        .iter()
        .filter(|c| c.kind == jixiao::check::CheckKind::TableTotal)
        .map(|c| (c.ok, c.stated.clone()))
        .collect();
    // Two 小计 and one 总计 per money column, all adding up.
    assert_eq!(totals.len(), 6, "{totals:?}");
    assert!(totals.iter().all(|(ok, _)| *ok), "{totals:?}");

    // A wrong 小计 is found; the 总计 sums the rows, not the rows and the 小计.
    let wrong = text.replace("小计  4,795.50", "小计  4,796.50");
    let e = jixiao::analyze_text(&Extractor::shared(), &wrong);
    let failed: Vec<String> = e
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.stated.clone())
        .collect();
    assert_eq!(failed, ["47965000"]);
}

#[test]
fn subjects_of_tallies_single_grades_and_changes() {
    // A tally's items grade what its whole counts, and their counts count it too.
    let text = "对纳入预算管理的14个项目开展自评,自评结果为优秀的9个、良好的4个、中等的1个。";
    assert_eq!(subject(text, "良好").as_deref(), Some("项目"));
    assert_eq!(subject(text, "4个").as_deref(), Some("项目"));
    // "其中优秀1个": the count is of the graded things, not of the grade.
    let text = "共评价7个项目,其中优秀1个、良好2个、中等4个。";
    assert_eq!(subject(text, "2个").as_deref(), Some("项目"));
    // A single grade names what its sentence scored.
    assert_eq!(
        subject(
            "其中市卫生健康局综合得分91.3分,评价等级为优秀。",
            "评价等级为优秀"
        )
        .as_deref(),
        Some("市卫生健康局")
    );
    assert_eq!(
        subject(
            "其中白茶产业提升项目受施工推迟影响,工期延误,等级为中。",
            "等级为中"
        )
        .as_deref(),
        Some("白茶产业提升项目")
    );
    // A change on last year measures what the number before it measured.
    assert_eq!(
        subject("全年三公经费支出8.36万元,较上年下降12.4%。", "12.4%").as_deref(),
        Some("全年三公经费支出")
    );
    // An adjective after a count starts the predicate: the counted noun stands before.
    assert_ne!(
        subject("带动脱贫户126户稳定增收。", "126户").as_deref(),
        Some("稳定")
    );
}

#[test]
fn a_table_pasted_one_cell_a_line_is_read_and_totalled() {
    let text = "附表：2022年度重点绩效评价项目情况（单位：万元）\n序号\n项目名称\n预算金额\n评价得分\n评价等级\n1\n村级河道长效管护\n920\n91\n优秀\n2\n农村公路提档升级\n800\n85\n良好\n合计\n1,730\n\n某镇人民政府\n";
    let extraction = jixiao::analyze_text(&Extractor::shared(), text);
    let row: Vec<_> = extraction
        .facts
        .iter()
        .filter(|f| f.subject.as_deref() == Some("农村公路提档升级"))
        .map(|f| (f.kind, f.value.display()))
        .collect();
    assert_eq!(
        row,
        [
            (FactKind::Amount, "8000000".to_string()),
            (FactKind::Score, "85".to_string()),
            (FactKind::Rating, "良".to_string()),
        ]
    );
    // 920 + 800 = 1,720, not the 1,730 the 合计 states.
    let total = extraction
        .checks
        .iter()
        .find(|c| c.kind.as_str() == "table_total")
        .expect("a table_total check");
    assert!(!total.ok, "{total:?}");
}

/// Checks that ran on the wrong numbers accused correct reports; each of these texts is
/// consistent and must raise no failing check.
#[test]
fn lists_that_are_not_a_whole_and_its_parts_raise_no_alarm() {
    for text in [
        // Grade + count items the extractor may not read as tallies: a graded count is an
        // item of the list, never its whole.
        "各部门对860个项目开展自评，自评结果优秀215个、良好590个、中等50个、较差5个。\n",
        // The list's whole is not stated; a count of other things stands before scores.
        "指标体系由3个一级指标、9个二级指标和27个三级指标构成，各项目得分在70.5—93.0分之间，平均得分82.1分，其中评价等级为“优”的2个、“良”的3个、“中”的1个。\n",
        // Two items of one list are no whole and part of a reduction.
        "开展事前评估20项，涉及资金9.5亿元，其中予以支持的15项、资金6.2亿元，调整后支持的3项、资金2.1亿元，不予支持的2项、核减资金1.2亿元。\n",
    ] {
        let extraction = jixiao::analyze_text(&Extractor::shared(), text);
        let failing: Vec<_> = extraction.checks.iter().filter(|c| !c.ok).collect();
        assert!(failing.is_empty(), "{text}{failing:#?}");
    }
}
