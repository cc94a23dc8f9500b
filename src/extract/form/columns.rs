//! The words of a self-evaluation form (绩效自评表): what a header cell says its column holds
//! (年初预算数, 全年执行数, 分值, 得分, 年度指标值 … in the wordings provinces use), and the
//! labels of the form's other rows (项目名称, 总分, 自评等级, 年度总体目标 …). Everything is
//! matched on text with white space removed, so "年初⏎预算数" reads as 年初预算数.

use serde::Serialize;

/// What a column of a form holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 资金来源: the column of the funds rows' names.
    Source,
    /// 年初预算数.
    Initial,
    /// 全年预算数, 调整后预算数, 预算数(A).
    Budget,
    /// 全年执行数, 预算执行数, 执行数(B).
    Spent,
    /// 执行率, 预算执行率, 执行率(B/A).
    Rate,
    /// 分值, 权重, 指标权重.
    Weight,
    /// 得分, 指标得分, 执行率得分.
    Score,
    /// 偏差原因分析及改进措施, 未完成原因分析.
    Reason,
    /// 序号.
    RowNumber,
    /// 一级指标.
    Level1,
    /// 二级指标.
    Level2,
    /// 三级指标, 指标名称: the most specific indicator name.
    Level3,
    /// 指标性质: the comparison (≥ ≤ =) or 定量/定性.
    Nature,
    /// 年度指标值, 指标值, 年初指标值.
    Target,
    /// 调整指标值: replaces the target where stated.
    AdjustedTarget,
    /// 度量单位, 计量单位.
    Unit,
    /// 实际完成值, 完成值, 全年实际值.
    Actual,
    /// 得分系数(%).
    Coefficient,
    /// 是否核心指标.
    Core,
    /// 评分标准: a rubric's words (湖南-style 部门整体 forms).
    Standard,
}

impl Role {
    /// Funds-block columns holding money.
    pub fn is_money(self) -> bool {
        matches!(self, Role::Initial | Role::Budget | Role::Spent)
    }

    /// Indicator-name columns, least specific first.
    pub fn level(self) -> Option<usize> {
        match self {
            Role::Level1 => Some(0),
            Role::Level2 => Some(1),
            Role::Level3 => Some(2),
            _ => None,
        }
    }
}

/// Text with white space removed, for matching words of a form.
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The role a header cell names, if any.
pub fn role_of(header: &str) -> Option<Role> {
    // Prose lines are long: no header word is, so they are turned away before any copying.
    if header.len() > 120 {
        return None;
    }
    let h = squash(header);
    let h = h.as_str();
    if h.is_empty() || h.chars().count() > 24 {
        return None;
    }
    let has = |w: &str| h.contains(w);
    Some(
        if has("原因") || has("改进措施") || h == "备注" || h == "说明" {
            Role::Reason
        } else if h == "序号" || h == "编号" {
            Role::RowNumber
        } else if has("一级指标") {
            Role::Level1
        } else if has("二级指标") {
            Role::Level2
        } else if has("三级指标") || h == "指标名称" || h == "指标内容" || h == "绩效指标名称"
        {
            Role::Level3
        } else if has("指标性质") || h == "指标方向" || h == "比较符" {
            Role::Nature
        } else if has("调整") && (has("指标值") || has("目标值")) {
            Role::AdjustedTarget
        } else if has("完成值") || has("实际值") || h == "实际完成" || h == "实际完成数"
        {
            Role::Actual
        } else if has("指标值") || has("目标值") || h == "计划值" {
            Role::Target
        } else if has("计量单位") || has("度量单位") || h == "单位" {
            Role::Unit
        } else if has("得分系数") || h == "完成系数" {
            Role::Coefficient
        } else if has("是否核心") {
            Role::Core
        } else if has("评分标准") || has("评分细则") || has("评分要点") || has("评价标准")
        {
            Role::Standard
        } else if h == "完成情况" || h == "实际完成情况说明" {
            Role::Actual
        } else if has("执行率") && has("权重") {
            Role::Weight
        } else if has("执行率") && has("得分") {
            Role::Score
        } else if has("年初") && (has("预算") || has("资金")) {
            Role::Initial
        } else if has("执行数") || has("支出数") || h == "执行金额" || h == "实际支出"
        {
            Role::Spent
        } else if has("执行率") {
            Role::Rate
        } else if has("预算数") || has("调整后预算") || has("全年预算") || h == "预算金额"
        {
            Role::Budget
        } else if has("分值") || has("权重") || h == "满分" || h == "标准分" {
            Role::Weight
        } else if has("得分") || h == "自评分" || h == "评分" {
            Role::Score
        } else if h == "资金来源" || h == "资金性质" || h == "资金类别" {
            Role::Source
        } else {
            return None;
        },
    )
}

/// A header row of a funds block (预算执行情况): two money columns, or one and a rate.
pub fn is_funds_header(roles: &[Role]) -> bool {
    let money = roles.iter().filter(|r| r.is_money()).count();
    let rate = roles.contains(&Role::Rate);
    let indicator = roles.iter().any(|r| r.level().is_some());
    !indicator && (money >= 2 || (money >= 1 && rate))
}

/// A header row of an indicator block: an indicator name and its weight or score.
pub fn is_indicator_header(roles: &[Role]) -> bool {
    let weighed = roles.contains(&Role::Weight) || roles.contains(&Role::Score);
    let valued = roles.contains(&Role::Target)
        || roles.contains(&Role::Actual)
        || roles.contains(&Role::Standard);
    roles.contains(&Role::Level3) && weighed && valued
}

/// What a row label (the first cell of a row that is not a table row) says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    /// 项目名称: the graded project.
    Project,
    /// 部门名称: a department's own form (部门整体).
    Department,
    /// 主管部门 (the region comes from it).
    Authority,
    /// 实施单位, 填报单位.
    Implementer,
    /// 项目负责人, 联系电话 …: read, but no fact.
    Other,
    /// 总分, 合计, 自评总分: the form's total.
    Total,
    /// 自评等级, 评价等级: the stated grade.
    Grade,
    /// 项目资金, 预算执行情况: the funds block's own label (unit, weight).
    Funds,
    /// 绩效指标, 年度绩效目标: the indicator block's own label.
    Indicators,
    /// 年度总体目标, 预期目标, 评价结论 …: prose cells follow.
    Prose,
}

/// The label a cell is, if it is one.
pub fn label_of(cell: &str) -> Option<Label> {
    if cell.len() > 120 {
        return None;
    }
    let h = squash(cell);
    let h = strip_weight(&h);
    let h = h.trim_end_matches(['：', ':']);
    if h.is_empty() || h.chars().count() > 16 {
        return None;
    }
    let has = |w: &str| h.contains(w);
    Some(match h {
        "项目名称" | "专项名称" | "资金名称" => Label::Project,
        "部门名称" | "单位名称" | "部门（单位）名称" | "部门(单位)名称" => {
            Label::Department
        }
        "主管部门" | "主管部门及代码" | "主管单位" | "预算部门" => {
            Label::Authority
        }
        "实施单位" | "填报单位" | "项目实施单位" | "填报单位（盖章）" | "填报单位(盖章)" => {
            Label::Implementer
        }
        "项目负责人" | "联系电话" | "联系人" | "填报人" | "填报日期" => {
            Label::Other
        }
        "总分"
        | "合计"
        | "总计"
        | "自评总分"
        | "综合得分"
        | "得分合计"
        | "总得分"
        | "自评得分"
        | "自评总分(分)"
        | "自评总分（分）" => Label::Total,
        "自评等级" | "评价等级" | "自评结果" | "等级" | "评价结果" | "自评等次" | "等次" => {
            Label::Grade
        }
        _ if has("项目资金") || has("预算执行情况") || has("资金情况") => {
            Label::Funds
        }
        _ if h == "绩效指标" || has("年度绩效目标") || h == "绩效目标" || h == "指标完成情况" => {
            Label::Indicators
        }
        _ if has("总体目标")
            || h == "预期目标"
            || h == "实际完成情况"
            || h == "评价结论"
            || h == "存在问题"
            || h == "改进措施"
            || h == "整改措施"
            || h == "自评结论"
            || h == "主要绩效" =>
        {
            Label::Prose
        }
        _ => return None,
    })
}

/// A block label without its weight: "产出指标(50分)" → "产出指标".
pub fn strip_weight(h: &str) -> String {
    match h.find(['(', '（']) {
        Some(i) if h.ends_with([')', '）']) && i > 0 => h[..i].to_string(),
        _ => h.to_string(),
    }
}

/// Words that name a funds row (年度资金总额, 其中：财政拨款, 上年结转资金 …).
pub fn is_funds_row_name(cell: &str) -> bool {
    let h = squash(cell);
    let n = h.chars().count();
    n > 0
        && n <= 20
        && [
            "资金", "拨款", "总额", "其中", "合计", "小计", "总计", "结转", "财政", "预算", "收入",
            "支出", "经费",
        ]
        .iter()
        .any(|w| h.contains(w))
}

/// Whether a funds row is the block's total (年度资金总额, 总额, 合计).
pub fn is_funds_total(name: &str) -> bool {
    let h = squash(name);
    let h = h.trim_end_matches(['：', ':']);
    !h.starts_with("其中")
        && (h.contains("总额") || h == "合计" || h == "总计" || h == "资金总计" || h == "小计")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_words_in_provincial_wordings() {
        let cases = [
            ("年初⏎预算数", Role::Initial),
            ("全年（调整）预算数", Role::Budget),
            ("调整后预算数", Role::Budget),
            ("预算数(A)", Role::Budget),
            ("执行数(B)", Role::Spent),
            ("预算执行数", Role::Spent),
            ("执行率(B/A)", Role::Rate),
            ("执行率(%)", Role::Rate),
            ("执行率权重", Role::Weight),
            ("执行率得分(分)", Role::Score),
            ("得分（20分*执行率）", Role::Score),
            ("预算执行率未达到90%的需说明原因", Role::Reason),
            ("指标权重(分)", Role::Weight),
            ("得分系数(%)", Role::Coefficient),
            ("全年实际值", Role::Actual),
            ("年初指标值", Role::Target),
            ("调整指标值", Role::AdjustedTarget),
            ("度量单位", Role::Unit),
            ("指标名称", Role::Level3),
        ];
        for (h, want) in cases {
            assert_eq!(role_of(&h.replace('⏎', "\n")), Some(want), "{h}");
        }
        assert_eq!(role_of("项目名称"), None);
        assert_eq!(role_of("实际完成情况"), None);
    }

    #[test]
    fn labels() {
        assert_eq!(label_of("产出指标(50分)"), None);
        assert_eq!(label_of("项目资金\n（万元）"), Some(Label::Funds));
        assert_eq!(label_of("预算执行情况\n(10分)"), Some(Label::Funds));
        assert_eq!(label_of("绩效指标(90分)"), Some(Label::Indicators));
        assert_eq!(label_of("年度总体目标\n完成情况"), Some(Label::Prose));
        assert_eq!(label_of("年度资金总额："), None);
        assert_eq!(label_of("合计"), Some(Label::Total));
        assert!(is_funds_total("年度资金总额："));
        assert!(!is_funds_total("其中：财政资金"));
    }
}
