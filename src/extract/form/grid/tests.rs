//! Unit tests of the text row readers: pipe, tab and aligned rows, page numbers, and
//! one-cell-a-line text cut by its header.

use super::stream::is_page_number;
use super::*;

fn texts(rows: &[Row]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.cells.iter().map(|c| c.text.clone()).collect())
        .collect()
}

#[test]
fn page_numbers() {
    for p in ["—2—", "-12-", "第3页", "第3页共5页", "－ 4 －"] {
        assert!(is_page_number(&squash(p)), "{p}");
    }
    for p in ["2", "—", "第三次", "12处", "-"] {
        assert!(!is_page_number(p), "{p}");
    }
}

#[test]
fn pipe_rows_run_over_lines() {
    let text = "| 项目资金\n（万元） ||| 年初\n预算数 | 全年预算数 |\n|| 总额 || 1.00 | 2.00 |\n";
    let rows = &from_text(text)[0].rows;
    let t = texts(rows);
    assert_eq!(t[0][0], "项目资金\n（万元）");
    assert_eq!(t[0][3], "年初\n预算数");
    assert_eq!(t[1], vec!["", "总额", "", "1.00", "2.00"]);
    let c = &rows[1].cells[3];
    assert_eq!(
        text.chars()
            .skip(c.start)
            .take(c.end - c.start)
            .collect::<String>(),
        "1.00"
    );
}

#[test]
fn quoted_tab_cells() {
    let text = "\"项目资金\n（万元）\"\t\t年初预算数\t全年预算数\n\t总额\t1.00\t2.00\n";
    let t = texts(&from_text(text)[0].rows);
    assert_eq!(
        t[0],
        vec!["项目资金\n（万元）", "", "年初预算数", "全年预算数"]
    );
    assert_eq!(t[1], vec!["", "总额", "1.00", "2.00"]);
}

#[test]
fn aligned_rows_continue_under_their_columns() {
    let text = "项目资金  年初    全年\n（万元）  预算数  预算数\n          1.00    2.00\n";
    let t = texts(&from_text(text)[0].rows);
    assert_eq!(
        t[0],
        vec!["项目资金\n（万元）", "年初\n预算数", "全年\n预算数"]
    );
    assert_eq!(t[1], vec!["1.00", "2.00"]);
}

#[test]
fn one_cell_a_line_is_cut_by_its_header() {
    let text = "项目资金\n（万元）\n\n年初\n预算数\n全年预算数\n全年执行数\n得分\n年度资金总额\n1.00\n2.00\n3.00\n9\n\
                绩效指标\n一级指标\n二级指标\n三级指标\n年度指标值\n实际完成值\n分值\n得分\n偏差原因\n\
                产出指标\n数量指标\n甲\n≥1个\n1个\n10\n10\n\n乙\n≥2个\n3个\n5\n5\n\n质量指标\n丙\n=100%\n90%\n5\n4\n未完成\n总分\n100\n98\n";
    let t = texts(&from_text(text)[0].rows);
    assert!(t.contains(&vec![
        "年初\n预算数".into(),
        "全年预算数".into(),
        "全年执行数".into(),
        "得分".into()
    ]));
    assert!(t.contains(&vec![
        "年度资金总额".into(),
        "1.00".into(),
        "2.00".into(),
        "3.00".into(),
        "9".into()
    ]));
    assert!(t.contains(&vec![
        "乙".into(),
        "≥2个".into(),
        "3个".into(),
        "5".into(),
        "5".into(),
        "".into()
    ]));
    assert!(t.contains(&vec![
        "质量指标".into(),
        "丙".into(),
        "=100%".into(),
        "90%".into(),
        "5".into(),
        "4".into(),
        "未完成".into()
    ]));
    assert!(
        t.iter()
            .any(|r| r.starts_with(&["总分".into(), "100".into(), "98".into()]))
    );
}
