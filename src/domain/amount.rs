//! `Amount`: money as an exact number of yuan, parsed from a number and the unit written
//! after it ("1.02 亿元", "117.2 万", "45,983.93万元").

use rust_decimal::Decimal;
use std::str::FromStr;

/// The unit of money as written in the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountUnit {
    Yuan,
    Qian,
    Wan,
    Yi,
    QianYuan,
    WanYuan,
    YiYuan,
}

impl AmountUnit {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "元" => AmountUnit::Yuan,
            "千" => AmountUnit::Qian,
            "万" => AmountUnit::Wan,
            "亿" => AmountUnit::Yi,
            "千元" => AmountUnit::QianYuan,
            "万元" => AmountUnit::WanYuan,
            "亿元" => AmountUnit::YiYuan,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AmountUnit::Yuan => "元",
            AmountUnit::Qian => "千",
            AmountUnit::Wan => "万",
            AmountUnit::Yi => "亿",
            AmountUnit::QianYuan => "千元",
            AmountUnit::WanYuan => "万元",
            AmountUnit::YiYuan => "亿元",
        }
    }

    /// How many yuan one of this unit is.
    pub fn yuan(self) -> Decimal {
        match self {
            AmountUnit::Yuan => Decimal::ONE,
            AmountUnit::Qian | AmountUnit::QianYuan => Decimal::from(1_000),
            AmountUnit::Wan | AmountUnit::WanYuan => Decimal::from(10_000),
            AmountUnit::Yi | AmountUnit::YiYuan => Decimal::from(100_000_000),
        }
    }
}

/// A sum of money in yuan, exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amount {
    pub yuan: Decimal,
    pub unit: AmountUnit,
}

impl Amount {
    /// `number` as written (thousands separators allowed), `unit` as written.
    pub fn parse(number: &str, unit: &str) -> Option<Amount> {
        let unit = AmountUnit::parse(unit)?;
        let yuan = parse_decimal(number)?.checked_mul(unit.yuan())?.normalize();
        Some(Amount { yuan, unit })
    }
}

/// Parses "45,983.93", "1，234.5", "０.６" into an exact decimal; `None` for anything else.
/// Separators must group digits by three, so "1,2" is not a number.
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    let mut plain = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32)?,
            '．' => '.',
            '，' => ',',
            c => c,
        };
        plain.push(c);
    }
    let (int, frac) = match plain.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (plain.as_str(), None),
    };
    if int.is_empty()
        || frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let groups: Vec<&str> = int.split(',').collect();
    let grouped_ok = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    if !grouped_ok || !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let joined = match frac {
        Some(f) => format!("{}.{}", groups.concat(), f),
        None => groups.concat(),
    };
    Decimal::from_str(&joined).ok().map(|d| d.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan(n: &str, u: &str) -> String {
        Amount::parse(n, u).unwrap().yuan.to_string()
    }

    #[test]
    fn scales_exactly() {
        assert_eq!(yuan("1.02", "亿元"), "102000000");
        assert_eq!(yuan("117.2", "万"), "1172000");
        assert_eq!(yuan("26916.17", "万元"), "269161700");
        assert_eq!(yuan("684.23", "亿元"), "68423000000");
        assert_eq!(yuan("0.01", "元"), "0.01");
        assert_eq!(yuan("1.80", "亿"), "180000000");
        assert_eq!(yuan("5", "千元"), "5000");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(yuan("45,983.93", "万元"), "459839300");
        assert_eq!(yuan("1，234.5", "万元"), "12345000");
        assert_eq!(parse_decimal("1,2"), None);
        assert_eq!(parse_decimal("1234,567"), None);
        assert_eq!(parse_decimal("12."), None);
    }

    #[test]
    fn full_width_digits() {
        assert_eq!(parse_decimal("１２３．５").unwrap().to_string(), "123.5");
    }

    #[test]
    fn unknown_unit_is_rejected() {
        assert!(Amount::parse("3", "美元").is_none());
    }
}
