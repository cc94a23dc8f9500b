//! What OCR gets wrong in this genre, put right before anything is matched. Every rule
//! replaces a character by one character, so the geometry of each glyph stays with it and
//! provenance boxes stay true. The rules work on one printed line, where a `' '` stands for a
//! gap between the engine's words.
//!
//! - Full-width digits, Latin letters and `%` become half-width, as the extractor reads them.
//! - `O`/`o` read for 0 and `l`/`I`/`|` read for 1 inside numbers ("2O21", "l5.3").
//! - ASCII brackets and punctuation against Chinese text become the full-width forms the
//!   reports print ("(一)" → "（一）", "完成,"  → "完成，"), and `〈` closed by `）` as `（`.
//! - The brackets of a document number (秀财〔2021〕12号) read as `[ ]`, `［ ］`, `【 】` or
//!   `( )` become 〔〕.
//! - In a cell of its own (a word after a gap or at the line start), "≥95%" read as "295%"
//!   and "≤5" read as "W5" become ≥ and ≤ again.

/// Applies every rule to one line.
pub fn fix_line(chars: &mut [char]) {
    half_width(chars);
    numbers(chars);
    document_number(chars);
    punctuation(chars);
    comparisons(chars);
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

fn half_width(chars: &mut [char]) {
    for c in chars.iter_mut() {
        if ('０'..='９').contains(c) || ('Ａ'..='Ｚ').contains(c) || ('ａ'..='ｚ').contains(c)
        {
            *c = char::from_u32(*c as u32 - 0xFEE0).unwrap_or(*c);
        } else if *c == '％' {
            *c = '%';
        }
    }
}

/// O/o → 0 and l/I/| → 1 where a digit is beside them and no Latin letter is.
fn numbers(chars: &mut [char]) {
    for i in 0..chars.len() {
        let c = chars[i];
        let digit = match c {
            'O' | 'o' => '0',
            'l' | 'I' | '|' => '1',
            _ => continue,
        };
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let next_next = chars.get(i + 2).copied();
        let d = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
        let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
        // Another misread digit may follow ("1OO%").
        let candidate = |c: Option<char>| matches!(c, Some('O' | 'o' | 'l' | 'I' | '|'));
        // "2O21", "1O%", "3.l": after a digit (or a decimal point after one), with no letter
        // following; "l5", "O.5": before a digit, with no letter before.
        let after_digit = (d(prev) || prev == Some('.') && i >= 2 && chars[i - 2].is_ascii_digit())
            && (!latin(next) || candidate(next));
        let before_digit = (d(next) || next == Some('.') && d(next_next)) && !latin(prev);
        if after_digit || before_digit {
            chars[i] = digit;
        }
    }
}

/// `[2021]12号`, `(2021)12号` after Chinese: the brackets of a document number.
fn document_number(chars: &mut [char]) {
    let mut i = 0;
    while i + 5 < chars.len() {
        let open = chars[i];
        let square = matches!(open, '[' | '【' | '［');
        if (square || matches!(open, '(' | '（'))
            && chars[i + 1..i + 5].iter().all(char::is_ascii_digit)
            && matches!(chars[i + 1], '1' | '2')
            && matches!(chars[i + 5], ']' | '】' | '］' | ')' | '）')
        {
            let rest = &chars[i + 6..];
            let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            let numbered = digits > 0 && rest.get(digits) == Some(&'号');
            let after_cjk = i > 0 && is_cjk(chars[i - 1]);
            if (square && (numbered || after_cjk)) || (numbered && after_cjk) {
                chars[i] = '〔';
                chars[i + 5] = '〕';
                i += 6;
                continue;
            }
        }
        i += 1;
    }
}

/// ASCII punctuation touching Chinese text as the full-width form; a `〈` closed by `）` is
/// the `（` it was printed as.
fn punctuation(chars: &mut [char]) {
    for i in 0..chars.len() {
        if chars[i] == '〈' {
            let closing = chars[i + 1..]
                .iter()
                .find(|c| matches!(c, '）' | ')' | '〉' | '（' | '('));
            if matches!(closing, Some('）' | ')')) {
                chars[i] = '（';
            }
        }
        let prev = i.checked_sub(1).map(|j| chars[j]).is_some_and(is_cjk);
        let next = chars.get(i + 1).copied().is_some_and(is_cjk);
        chars[i] = match chars[i] {
            '(' if next => '（',
            ')' if prev => '）',
            ',' if prev => '，',
            ':' if prev => '：',
            ';' if prev => '；',
            '?' if prev => '？',
            '!' if prev => '！',
            c => c,
        };
    }
}

/// A word of its own "295%" → "≥95%" (a share over 100 % after a leading 2 that would be one
/// up to 100 % without it) and "W5" → "≤5".
fn comparisons(chars: &mut [char]) {
    let mut start = 0;
    while start < chars.len() {
        let end = chars[start..]
            .iter()
            .position(|&c| c == ' ')
            .map_or(chars.len(), |p| start + p);
        let word = &chars[start..end];
        let digits_after = |from: usize| word.len() > from && word[from].is_ascii_digit();
        if word.first() == Some(&'W') && digits_after(1) {
            chars[start] = '≤';
        } else if word.first() == Some(&'2') && word.last() == Some(&'%') && digits_after(1) {
            let rest: String = word[1..word.len() - 1].iter().collect();
            let whole: String = word[..word.len() - 1].iter().collect();
            let share = |s: &str| s.parse::<f64>().ok();
            if let (Some(rest), Some(whole)) = (share(&rest), share(&whole))
                && rest <= 100.0
                && whole > 100.0
                && !rest_starts_with_zero(&word[1..])
            {
                chars[start] = '≥';
            }
        }
        start = end + 1;
    }
}

/// "2095%" is not "≥095%": a number does not start with 0 unless it is "0.x".
fn rest_starts_with_zero(rest: &[char]) -> bool {
    rest.first() == Some(&'0') && rest.get(1) != Some(&'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(s: &str) -> String {
        let mut c: Vec<char> = s.chars().collect();
        fix_line(&mut c);
        c.into_iter().collect()
    }

    #[test]
    fn full_width_digits_and_letters() {
        assert_eq!(fixed("２０２１年ＡＢＣ类９５％"), "2021年ABC类95%");
        // Made half-width first, so the rules for numbers see the digits.
        assert_eq!(fixed("２Ｏ２１年"), "2021年");
        assert_eq!(fixed("秀财［２０２１］１２号"), "秀财〔2021〕12号");
    }

    #[test]
    fn letters_inside_numbers() {
        assert_eq!(fixed("2O21年"), "2021年");
        assert_eq!(fixed("1OO%"), "100%");
        assert_eq!(fixed("完成l5个"), "完成15个");
        assert_eq!(fixed("3.l4万元"), "3.14万元");
        assert_eq!(fixed("共|2项"), "共12项");
        assert_eq!(fixed("O.5亿元"), "0.5亿元");
        // Letters in words stay letters.
        assert_eq!(fixed("ISO9001"), "ISO9001");
        assert_eq!(fixed("Office 2019"), "Office 2019");
        assert_eq!(fixed("PM2.5"), "PM2.5");
    }

    #[test]
    fn brackets_of_a_document_number() {
        assert_eq!(fixed("秀财[2021]12号"), "秀财〔2021〕12号");
        assert_eq!(fixed("秀财(2021)12号"), "秀财〔2021〕12号");
        assert_eq!(fixed("秀财（2021）3号"), "秀财〔2021〕3号");
        assert_eq!(fixed("财[2021]"), "财〔2021〕");
        assert_eq!(fixed("秀财【2021】12号"), "秀财〔2021〕12号");
        // A year in brackets in prose is not a document number.
        assert_eq!(fixed("上年(2021)"), "上年(2021)");
        assert_eq!(fixed("(2021)"), "(2021)");
    }

    #[test]
    fn punctuation_against_chinese() {
        assert_eq!(fixed("(一)健全制度"), "（一）健全制度");
        assert_eq!(fixed("完成,其中:退回"), "完成，其中：退回");
        assert_eq!(fixed("(B/A)"), "(B/A)");
        assert_eq!(fixed("1,000"), "1,000");
        assert_eq!(fixed("办法〈试行）》"), "办法（试行）》");
        assert_eq!(fixed("〈一〉"), "〈一〉");
    }

    #[test]
    fn comparison_signs_in_a_cell() {
        assert_eq!(fixed("295%"), "≥95%");
        assert_eq!(fixed("满意度 290%"), "满意度 ≥90%");
        assert_eq!(fixed("2100%"), "≥100%");
        assert_eq!(fixed("W5"), "≤5");
        assert_eq!(fixed("误差 W3%"), "误差 ≤3%");
        // A number in running text keeps its 2; so does one that is no share.
        assert_eq!(fixed("执行率295%"), "执行率295%");
        assert_eq!(fixed("25%"), "25%");
        assert_eq!(fixed("2095%"), "2095%");
        assert_eq!(fixed("WTO5"), "WTO5");
    }
}
