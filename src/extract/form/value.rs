//! What one cell of a form says: a target or an actual value ("≥95%", "168起", "≤90万元",
//! a bare number under a 度量单位 column, a words-only "有效改善"), a money cell under the
//! block's unit, a weight or a score. The comparison decides the fact's qualifier and, for
//! targets, the direction an assessor checks the actual value against.

use crate::domain::{AmountUnit, Qualifier, parse_decimal};
use crate::extract::FactKind;
use crate::extract::lexicon::Lexicon;
use rust_decimal::Decimal;

/// A number read from a cell, with where it stands in the cell (code points).
#[derive(Clone, Debug, PartialEq)]
pub struct CellValue {
    pub kind: FactKind,
    /// Yuan for amounts, the number for the other kinds.
    pub value: Decimal,
    pub unit: String,
    pub qualifier: Qualifier,
    /// Offsets inside the cell's text: the span of the fact.
    pub from: usize,
    pub to: usize,
    /// Decimal places shown, for the tolerance of checks.
    pub places: u32,
}

/// The comparison a target states.
pub fn comparison(word: &str) -> Option<Qualifier> {
    Some(match word {
        "≥" | "≧" | "＞" | ">" | "不低于" | "不少于" | "至少" | "大于等于" | "高于" | "超过"
        | "达到" => Qualifier::AtLeast,
        "≤" | "≦" | "＜" | "<" | "不高于" | "不超过" | "不多于" | "小于等于" | "低于"
        | "控制在" => Qualifier::AtMost,
        "=" | "＝" | "﹦" => Qualifier::Exact,
        _ => return None,
    })
}

const SIGNS: &[&str] = &[
    "大于等于",
    "小于等于",
    "不低于",
    "不少于",
    "不高于",
    "不超过",
    "不多于",
    "控制在",
    "至少",
    "高于",
    "超过",
    "达到",
    "低于",
    "≥",
    "≧",
    "＞",
    ">",
    "≤",
    "≦",
    "＜",
    "<",
    "=",
    "＝",
    "﹦",
];

fn is_percent_unit(u: &str) -> bool {
    matches!(u, "%" | "％" | "百分比" | "百分率")
}

/// Reads a value cell: an optional comparison, a number, and a unit written after it or
/// given by the row's unit column. `None` for words-only values, dates and periods.
pub fn read_value(
    text: &str,
    unit_hint: Option<&str>,
    nature: Option<Qualifier>,
    lex: &Lexicon,
) -> Option<CellValue> {
    let chars: Vec<char> = text.chars().collect();
    let squashed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    // A comparison word, then the number right after it.
    let mut k = 0;
    while k < chars.len() && chars[k].is_whitespace() {
        k += 1;
    }
    let rest: String = chars[k..].iter().collect();
    let mut qualifier = nature;
    let from = k;
    if let Some(sign) = SIGNS.iter().find(|s| rest.starts_with(**s)) {
        qualifier = comparison(sign);
        k += sign.chars().count();
        while k < chars.len() && chars[k].is_whitespace() {
            k += 1;
        }
    }
    let num_start = k;
    while k < chars.len() && (chars[k].is_ascii_digit() || chars[k] == '.' || chars[k] == ',') {
        k += 1;
    }
    while k > num_start && !chars[k - 1].is_ascii_digit() {
        k -= 1;
    }
    if k == num_start {
        return None;
    }
    let number: String = chars[num_start..k].iter().collect();
    let value = parse_decimal(&number)?;
    let places = number.split_once('.').map_or(0, |(_, f)| f.len() as u32);
    let tail: String = chars[k..].iter().collect();
    let tail = tail.trim();
    // Dates and periods are not facts: "2023年11月底前", "30个工作日内", "≥56小时".
    if tail.starts_with('年') || tail.starts_with('月') || lex.starts_with_period(tail) {
        return None;
    }
    // "260万人次": 万 before a measure word scales the count.
    let (value, tail, wan) = match tail.strip_prefix('万') {
        Some(rest)
            if lex
                .measure_words
                .iter()
                .any(|m| rest.starts_with(m.as_str())) =>
        {
            (value * Decimal::from(10_000), rest, 1)
        }
        _ => (value, tail, 0),
    };
    let (unit, unit_len) = unit_after(tail, lex)
        .map(|u| (u.to_string(), u.chars().count()))
        .or_else(|| unit_hint.map(|u| (u.to_string(), 0)))?;
    let mut to = k + if unit_len > 0 {
        chars[k..].iter().take_while(|c| c.is_whitespace()).count() + wan + unit_len
    } else {
        0
    };
    // "95%以上", "15个以上".
    let after: String = chars[to.min(chars.len())..].iter().collect();
    for (word, q) in [
        ("及以上", Qualifier::AtLeast),
        ("以上", Qualifier::AtLeast),
        ("及以下", Qualifier::AtMost),
        ("以下", Qualifier::AtMost),
        ("以内", Qualifier::AtMost),
    ] {
        if after.starts_with(word) {
            qualifier = Some(qualifier.unwrap_or(Qualifier::Exact).combine(q));
            to += word.chars().count();
            break;
        }
    }
    let unit = unit.trim();
    // "3个工作日": a measure word that begins a period.
    if unit_len > 0 && lex.starts_with_period(tail) {
        return None;
    }
    let (kind, value, unit) = if is_percent_unit(unit) {
        (FactKind::Percent, value, "%".to_string())
    } else if let Some(u) =
        AmountUnit::parse(unit).filter(|u| unit.ends_with('元') || *u != AmountUnit::Qian)
    {
        (FactKind::Amount, value * u.yuan(), unit.to_string())
    } else if unit == "分" {
        (FactKind::Score, value, "分".to_string())
    } else if lex.measure_words.iter().any(|m| m == unit) || matches!(unit, "亩" | "公里") {
        if value.fract() != Decimal::ZERO {
            return None;
        }
        (FactKind::Count, value, unit.to_string())
    } else {
        return None;
    };
    if kind != FactKind::Count && squashed.is_empty() {
        return None;
    }
    Some(CellValue {
        kind,
        value,
        unit,
        qualifier: qualifier.unwrap_or(Qualifier::Exact),
        from,
        to,
        places,
    })
}

/// The unit written right after a number: a money unit, %, or a measure word.
fn unit_after<'a>(tail: &'a str, lex: &Lexicon) -> Option<&'a str> {
    const UNITS: &[&str] = &[
        "亿元",
        "万元",
        "千元",
        "元",
        "百分比",
        "%",
        "％",
        "分",
        "亩",
        "公里",
    ];
    if let Some(u) = UNITS.iter().find(|u| tail.starts_with(**u)) {
        return Some(&tail[..u.len()]);
    }
    lex.measure_words
        .iter()
        .find(|m| tail.starts_with(m.as_str()))
        .map(|m| &tail[..m.len()])
}

/// A bare number cell (money, weight, score, rate): its value and decimal places shown.
/// "101.10%" and "10分" are read too; anything else is `None`.
pub fn read_number(text: &str) -> Option<(Decimal, u32, usize, usize)> {
    let t = text.trim();
    let lead = text.chars().count() - text.trim_start().chars().count();
    let core = t.trim_end_matches(['%', '％', '分']);
    let value = parse_decimal(core)?;
    let places = core.split_once('.').map_or(0, |(_, f)| f.len() as u32);
    Some((value, places, lead, lead + t.chars().count()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Extractor;

    fn read(
        text: &str,
        unit: Option<&str>,
    ) -> Option<(FactKind, String, String, Qualifier, String)> {
        let lex = Extractor::shared();
        read_value(text, unit, None, lex.lexicon()).map(|v| {
            let shown: String = text.chars().skip(v.from).take(v.to - v.from).collect();
            (
                v.kind,
                v.value.normalize().to_string(),
                v.unit,
                v.qualifier,
                shown,
            )
        })
    }

    #[test]
    fn targets_with_their_comparison() {
        use FactKind::*;
        use Qualifier::*;
        assert_eq!(
            read("≥12处", None),
            Some((Count, "12".into(), "处".into(), AtLeast, "≥12处".into()))
        );
        assert_eq!(
            read("=100%", None),
            Some((Percent, "100".into(), "%".into(), Exact, "=100%".into()))
        );
        assert_eq!(
            read("≤25万元", None),
            Some((
                Amount,
                "250000".into(),
                "万元".into(),
                AtMost,
                "≤25万元".into()
            ))
        );
        assert_eq!(
            read("不低于95%", None),
            Some((
                Percent,
                "95".into(),
                "%".into(),
                AtLeast,
                "不低于95%".into()
            ))
        );
        assert_eq!(read("≥98百分比", None).map(|v| v.0), Some(Percent));
        assert_eq!(read("15个以上", None).map(|v| v.3), Some(AtLeast));
        assert_eq!(
            read("1562", Some("人")),
            Some((Count, "1562".into(), "人".into(), Exact, "1562".into()))
        );
        assert_eq!(
            read("≥85", Some("%")).map(|v| (v.1, v.3)),
            Some(("85".into(), AtLeast))
        );
    }

    #[test]
    fn words_dates_and_periods_are_not_values() {
        assert_eq!(read("有效改善", None), None);
        assert_eq!(read("2023年11月底前", None), None);
        assert_eq!(read("≥56小时", None), None);
        assert_eq!(read("演出结束后30个工作日内", None), None);
        assert_eq!(read("12", None), None);
    }

    #[test]
    fn bare_numbers() {
        assert_eq!(
            read_number("101.10%").map(|v| (v.0.normalize().to_string(), v.1)),
            Some(("101.1".into(), 2))
        );
        assert_eq!(read_number(" 10 ").map(|v| (v.2, v.3)), Some((1, 3)));
        assert_eq!(read_number("/"), None);
    }
}
