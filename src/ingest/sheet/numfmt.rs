//! Display text of spreadsheet numbers: a cell's stored float and its number format code
//! (`0.00`, `0.00%`, `#,##0.00`, `General`, `"万元"` literals, `[$¥-804]` currencies …) give
//! the text a person sees in the cell. Floats become exact decimals first (their shortest
//! round-trip form, cut to the 15 significant digits a spreadsheet keeps), and are then
//! rounded half away from zero to the places the format shows, so 2.675 with `0.00` reads
//! "2.68" as in Excel and no binary expansion ever reaches the text. Dates and times use one
//! fixed form (YYYY-MM-DD, YYYY-MM-DD HH:MM), whatever their format, so that facts compare.

use calamine::ExcelDateTime;
use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// Significant digits a spreadsheet stores and shows of a float.
const SIGNIFICANT: u32 = 15;

/// The float as the exact decimal a person typed or a spreadsheet shows; `None` outside the
/// range of `Decimal` (about 1e-28 to 7.9e28), where callers fall back to the float's own form.
pub(crate) fn to_decimal(v: f64) -> Option<Decimal> {
    if !v.is_finite() {
        return None;
    }
    let d = Decimal::from_str(&v.to_string())
        .or_else(|_| Decimal::from_scientific(&format!("{v:e}")))
        .ok()?;
    Some(d.round_sf(SIGNIFICANT).unwrap_or(d).normalize())
}

/// `General`: the shortest text of the number, e.g. "9.4", "10", "0.3" (never
/// "0.30000000000000004").
pub(crate) fn general(v: f64) -> String {
    match to_decimal(v) {
        Some(d) => d.to_string(),
        None => v.to_string(),
    }
}

/// Text of a number under a format code. Codes that do not show a plain number (fractions,
/// text `@`, an unreadable code) give the `General` text.
pub(crate) fn number(v: f64, code: &str) -> String {
    let sections = split_sections(code);
    let (section, value, signed) = if v < 0.0 && sections.len() >= 2 {
        // The negative section writes its own sign, e.g. "(1,234.50)".
        (sections[1], -v, false)
    } else if v == 0.0 && sections.len() >= 3 {
        (sections[2], 0.0, false)
    } else {
        (sections[0], v.abs(), v < 0.0)
    };
    let tokens = tokenize(section);
    if tokens.iter().any(|t| matches!(t, Tok::Fraction)) {
        return general(v);
    }
    let has_digits = tokens.iter().any(|t| matches!(t, Tok::Digit(_)));
    let body = if has_digits {
        match numeric(&tokens, value) {
            Some(s) => s,
            None => return general(v),
        }
    } else {
        // A section of literals, General or text (`@`) alone.
        let shown = general(value);
        let mut out = String::new();
        let mut any = false;
        for t in &tokens {
            match t {
                Tok::Lit(s) => out.push_str(s),
                Tok::General | Tok::At => {
                    out.push_str(&shown);
                    any = true;
                }
                Tok::Percent => out.push('%'),
                _ => {}
            }
        }
        if !any && tokens.iter().all(|t| matches!(t, Tok::Lit(_))) && out.is_empty() {
            // An empty section: nothing readable, so the plain number.
            out = shown;
        }
        out
    };
    if signed && body.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("-{body}")
    } else {
        body
    }
}

/// The number part of a section with digit placeholders, with the section's literals around it.
fn numeric(tokens: &[Tok], value: f64) -> Option<String> {
    let point = tokens.iter().position(|t| matches!(t, Tok::Point));
    let exp = tokens.iter().position(|t| matches!(t, Tok::Exp { .. }));
    let int_end = point.or(exp).unwrap_or(tokens.len());
    let frac_end = exp.unwrap_or(tokens.len());
    let int_ph: Vec<char> = digits_in(&tokens[..int_end]);
    let frac_ph: Vec<char> = match point {
        Some(p) => digits_in(&tokens[p + 1..frac_end]),
        None => Vec::new(),
    };
    // A comma between integer placeholders groups thousands; any other comma scales by 1000.
    let mut thousands = false;
    let mut scale = 0i32;
    for (i, t) in tokens.iter().enumerate() {
        if matches!(t, Tok::Comma) {
            let digit_follows = tokens[i + 1..int_end.max(i + 1)]
                .iter()
                .any(|t| matches!(t, Tok::Digit(_)));
            if i < int_end && digit_follows {
                thousands = true;
            } else {
                scale += 1;
            }
        }
    }
    let percents = tokens.iter().filter(|t| matches!(t, Tok::Percent)).count() as i32;
    let mut d = to_decimal(value)?;
    for _ in 0..percents {
        d = d.checked_mul(Decimal::ONE_HUNDRED)?;
    }
    for _ in 0..scale {
        d = d.checked_div(Decimal::ONE_THOUSAND)?;
    }

    let number = if let Some(Tok::Exp { plus, digits }) = exp.map(|e| &tokens[e]) {
        scientific(d, int_ph.len().max(1), frac_ph.len(), *plus, *digits)?
    } else {
        let mut r =
            d.round_dp_with_strategy(frac_ph.len() as u32, RoundingStrategy::MidpointAwayFromZero);
        r.rescale(frac_ph.len() as u32);
        let text = r.abs().to_string();
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let mut frac: Vec<char> = frac.chars().collect();
        // Optional places (`#`, `?`) drop their trailing zeros.
        while let (Some('0'), Some(ph)) = (
            frac.last(),
            frac.len().checked_sub(1).and_then(|i| frac_ph.get(i)),
        ) {
            if *ph == '0' {
                break;
            }
            frac.pop();
        }
        let min_int = int_ph.iter().filter(|c| **c == '0').count();
        let mut int = if int == "0" && min_int == 0 {
            String::new()
        } else {
            int.to_string()
        };
        while int.len() < min_int {
            int.insert(0, '0');
        }
        if thousands {
            int = group_thousands(&int);
        }
        let mut s = int;
        if point.is_some() {
            s.push('.');
            s.extend(frac);
        }
        s
    };

    let mut out = String::new();
    let mut placed = false;
    for t in tokens {
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Percent => out.push('%'),
            Tok::General | Tok::At => {}
            Tok::Digit(_) | Tok::Point | Tok::Comma | Tok::Exp { .. } => {
                if !placed {
                    out.push_str(&number);
                    placed = true;
                }
            }
            Tok::Fraction => {}
        }
    }
    Some(out)
}

/// `0.00E+00`: a mantissa with `int_len` integer digits and `frac_len` places.
fn scientific(
    d: Decimal,
    int_len: usize,
    frac_len: usize,
    plus: bool,
    exp_digits: usize,
) -> Option<String> {
    let v: f64 = d.abs().to_string().parse().ok()?;
    let s = format!("{:.*e}", frac_len + int_len - 1, v);
    let (mant, e) = s.split_once('e')?;
    let mut e: i32 = e.parse().ok()?;
    // Move the point right for mantissas with more than one integer digit.
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    e -= int_len as i32 - 1;
    let (int, frac) = digits.split_at(int_len.min(digits.len()));
    let mut m = int.to_string();
    if frac_len > 0 {
        m.push('.');
        m.push_str(frac);
    }
    let sign = if e < 0 {
        "-"
    } else if plus {
        "+"
    } else {
        ""
    };
    Some(format!(
        "{m}E{sign}{:0width$}",
        e.abs(),
        width = exp_digits.max(1)
    ))
}

fn group_thousands(int: &str) -> String {
    let n = int.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn digits_in(tokens: &[Tok]) -> Vec<char> {
    tokens
        .iter()
        .filter_map(|t| match t {
            Tok::Digit(c) => Some(*c),
            _ => None,
        })
        .collect()
}

#[derive(Debug, PartialEq)]
enum Tok {
    Lit(String),
    /// `0`, `#` or `?`.
    Digit(char),
    Point,
    Comma,
    Percent,
    Exp {
        plus: bool,
        digits: usize,
    },
    General,
    At,
    Fraction,
}

/// Splits a format code into its `;` sections, outside quotes, brackets and escapes.
fn split_sections(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    let mut start = 0;
    for (i, c) in code.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' | '_' | '*' if !quoted && !bracket => escaped = true,
            '"' if !bracket => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            ';' if !quoted && !bracket => {
                out.push(&code[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&code[start..]);
    out
}

fn tokenize(section: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let chars: Vec<char> = section.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '"' => {
                let mut s = String::new();
                while i < chars.len() && chars[i] != '"' {
                    s.push(chars[i]);
                    i += 1;
                }
                i += 1;
                out.push(Tok::Lit(s));
            }
            '\\' => {
                if let Some(&n) = chars.get(i) {
                    out.push(Tok::Lit(n.to_string()));
                }
                i += 1;
            }
            // Padding to a character's width and fill characters are layout, not text.
            '_' | '*' => i += 1,
            '[' => {
                let mut s = String::new();
                while i < chars.len() && chars[i] != ']' {
                    s.push(chars[i]);
                    i += 1;
                }
                i += 1;
                // `[$¥-804]` writes its currency symbol; colours and conditions write nothing.
                if let Some(cur) = s.strip_prefix('$') {
                    let symbol = cur.split('-').next().unwrap_or("");
                    if !symbol.is_empty() {
                        out.push(Tok::Lit(symbol.to_string()));
                    }
                }
            }
            '0' | '#' | '?' => out.push(Tok::Digit(c)),
            '.' => out.push(Tok::Point),
            ',' => out.push(Tok::Comma),
            '%' => out.push(Tok::Percent),
            '@' => out.push(Tok::At),
            'E' | 'e' if matches!(chars.get(i), Some('+' | '-')) => {
                let plus = chars[i] == '+';
                i += 1;
                let mut digits = 0;
                while matches!(chars.get(i), Some('0' | '#' | '?')) {
                    digits += 1;
                    i += 1;
                }
                out.push(Tok::Exp { plus, digits });
            }
            '/' if matches!(out.last(), Some(Tok::Digit(_))) => out.push(Tok::Fraction),
            'G' | 'g'
                if chars[i - 1..]
                    .iter()
                    .take(7)
                    .collect::<String>()
                    .eq_ignore_ascii_case("general") =>
            {
                out.push(Tok::General);
                i += 6;
            }
            _ => match out.last_mut() {
                Some(Tok::Lit(s)) => s.push(c),
                _ => out.push(Tok::Lit(c.to_string())),
            },
        }
    }
    out
}

/// Codes of the built-in formats (ECMA-376 18.8.30, and the zh-CN date ids), for XLS cells
/// whose style names a format by index without a FORMAT record.
pub(crate) fn builtin(id: u16) -> Option<&'static str> {
    Some(match id {
        0 => "General",
        1 => "0",
        2 => "0.00",
        3 => "#,##0",
        4 => "#,##0.00",
        9 => "0%",
        10 => "0.00%",
        11 => "0.00E+00",
        12 => "# ?/?",
        13 => "# ??/??",
        14 => "mm-dd-yy",
        15 => "d-mmm-yy",
        16 => "d-mmm",
        17 => "mmm-yy",
        18 => "h:mm AM/PM",
        19 => "h:mm:ss AM/PM",
        20 => "h:mm",
        21 => "h:mm:ss",
        22 => "m/d/yy h:mm",
        32..=35 => "h:mm",
        27..=31 | 36 | 50..=58 => "yyyy-mm-dd",
        37 => "#,##0 ;(#,##0)",
        38 => "#,##0 ;[Red](#,##0)",
        39 => "#,##0.00;(#,##0.00)",
        40 => "#,##0.00;[Red](#,##0.00)",
        45 => "mm:ss",
        46 => "[h]:mm:ss",
        47 => "mmss.0",
        48 => "##0.0E+0",
        49 => "@",
        _ => return None,
    })
}

/// Which parts of a date a format code shows: (date, time).
fn date_parts(code: &str) -> (bool, bool) {
    let section = split_sections(code)[0];
    let (mut y, mut d, mut m, mut h, mut s) = (false, false, false, false, false);
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    for c in section.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' | '_' | '*' if !quoted && !bracket => escaped = true,
            '"' if !bracket => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            _ if quoted || bracket => {}
            'y' | 'Y' | 'e' => y = true,
            'd' | 'D' => d = true,
            'm' | 'M' => m = true,
            'h' | 'H' => h = true,
            's' | 'S' => s = true,
            _ => {}
        }
    }
    // `m` next to hours or seconds is minutes.
    let date = y || d || (m && !h && !s);
    (date, h || s)
}

/// A date or time cell as YYYY-MM-DD, YYYY-MM-DD HH:MM or HH:MM, by what its format shows.
pub(crate) fn datetime(dt: &ExcelDateTime, code: Option<&str>) -> String {
    if dt.is_duration() {
        let secs = (dt.as_f64() * 86_400.0).round() as i64;
        let sign = if secs < 0 { "-" } else { "" };
        let secs = secs.abs();
        return format!(
            "{sign}{}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
    }
    let (date, time) = match code {
        Some(c) => date_parts(c),
        None => (true, dt.as_f64().fract() != 0.0),
    };
    let (year, month, day, hour, minute, ..) = dt.to_ymd_hms_milli();
    match (date || !time, time) {
        (true, true) => format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}"),
        (true, false) => format!("{year:04}-{month:02}-{day:02}"),
        (false, _) => format!("{hour:02}:{minute:02}"),
    }
}

/// An ISO 8601 date or date-time (ODS `office:date-value`) in the same fixed form.
pub(crate) fn iso_datetime(s: &str) -> String {
    let (date, time) = s.split_once('T').unwrap_or((s, ""));
    let hm: String = time.chars().take(5).collect();
    if hm.len() == 5 && hm != "00:00" {
        format!("{date} {hm}")
    } else {
        date.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    #[test]
    fn formats_show_their_places() {
        let cases: &[(f64, &str, &str)] = &[
            (300.0, "0.00", "300.00"),
            (315.94, "0.00", "315.94"),
            (1.011, "0.00%", "101.10%"),
            (0.862, "0.0%", "86.2%"),
            (1.0, "0%", "100%"),
            (9.4, "General", "9.4"),
            (10.0, "General", "10"),
            (0.1 + 0.2, "General", "0.3"),
            (9.4, "0.0", "9.4"),
            (1234.5, "#,##0.00", "1,234.50"),
            (1234567.0, "#,##0", "1,234,567"),
            (-1234.5, "#,##0.00", "-1,234.50"),
            (-1234.5, "#,##0.00;(#,##0.00)", "(1,234.50)"),
            (0.0, "#,##0.00;(#,##0.00);\"-\"", "-"),
            (12.5, "0.00\"万元\"", "12.50万元"),
            (5.0, "[$¥-804]#,##0.00", "¥5.00"),
            (5.0, "[Red]0.00", "5.00"),
            (1234567.0, "#,##0,", "1,235"),
            (123456.0, "0.00E+00", "1.23E+05"),
            (0.5, "#.00", ".50"),
            (1.005, "0.00", "1.01"),
            (2.675, "0.00", "2.68"),
            (-0.001, "0.00", "0.00"),
            (7.0, "000", "007"),
            (3.5, "0.##", "3.5"),
            (86.0, "@", "86"),
            (0.75, "# ?/?", "0.75"),
            (
                1234.5,
                "_(* #,##0.00_);_(* (#,##0.00);_(* \"-\"??_);_(@_)",
                "1,234.50",
            ),
        ];
        for (v, code, want) in cases {
            assert_eq!(number(*v, code), *want, "{v} with {code}");
        }
    }

    #[test]
    fn general_is_shortest_and_exact() {
        assert_eq!(general(98.4), "98.4");
        assert_eq!(general(0.1 + 0.7), "0.8");
        assert_eq!(general(1e20), "100000000000000000000");
        assert_eq!(general(-2.5), "-2.5");
        assert_eq!(general(f64::NAN), "NaN");
    }

    #[test]
    fn dates_use_one_form() {
        let d = ExcelDateTime::new(45297.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(datetime(&d, Some("yyyy/m/d")), "2024-01-06");
        assert_eq!(datetime(&d, Some("yyyy\"年\"m\"月\"d\"日\"")), "2024-01-06");
        let t = ExcelDateTime::new(45297.5, ExcelDateTimeType::DateTime, false);
        assert_eq!(datetime(&t, Some("yyyy-mm-dd hh:mm")), "2024-01-06 12:00");
        assert_eq!(datetime(&t, Some("h:mm")), "12:00");
        assert_eq!(datetime(&t, None), "2024-01-06 12:00");
        assert_eq!(iso_datetime("2023-01-05T00:00:00"), "2023-01-05");
        assert_eq!(iso_datetime("2023-01-05T10:30:00"), "2023-01-05 10:30");
    }
}
