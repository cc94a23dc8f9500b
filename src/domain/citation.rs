//! Keys that tie documents together: a cited 发文字号 or 《title》, and a project or department
//! named in a report. Reports write the same number as 渠财绩[2022]1号, 渠财绩【2022】1号 or
//! 渠财绩﹝２０２２﹞1 号; each key is the one spelling all of them come to, so that a citation
//! is found again by an indexed equality, never by a scan with string functions in SQL.

use super::DocNumber;

/// Full-width ASCII forms (０-９, Ａ-Ｚ, （）…) as ASCII, the ideographic space as a space.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        c => c,
    }
}

/// A cited or stated 发文字号, normalized as `ISSUER〔YEAR〕N号`: every bracket form
/// (〔〕 [] ［］ ﹝﹞ 【】 () （）) becomes 〔〕, full-width digits ASCII, spaces dropped.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NumberKey(String);

impl NumberKey {
    /// `None` when nothing is left once spaces are dropped.
    pub fn parse(raw: &str) -> Option<NumberKey> {
        if let Some(n) = DocNumber::parse(raw) {
            return Some(NumberKey(n.normalized()));
        }
        // A number the strict form does not read (a letter in the issuer, a year of two
        // digits) is still folded the same way, so two spellings of it meet.
        let key: String = raw
            .chars()
            .map(half_width)
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '[' | '【' | '﹝' | '(' => '〔',
                ']' | '】' | '﹞' | ')' => '〕',
                c => c,
            })
            .collect();
        (!key.is_empty()).then_some(NumberKey(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A cited or stated title: the words inside 《》 with the brackets, spaces and the
/// difference between full-width and half-width forms gone (（）→ (), ２ → 2, 〈〉 and <>
/// alike, 〔〕 [] 【】 ﹝﹞ as 〔〕).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TitleKey(String);

impl TitleKey {
    /// `None` for a title of fewer than two characters: too little to tie two reports.
    pub fn parse(raw: &str) -> Option<TitleKey> {
        let key: String = raw
            .chars()
            .map(half_width)
            .filter(|c| !c.is_whitespace() && !matches!(c, '《' | '》' | '“' | '”' | '"'))
            .map(|c| match c {
                '〈' | '<' => '<',
                '〉' | '>' => '>',
                '[' | '【' | '﹝' => '〔',
                ']' | '】' | '﹞' => '〕',
                c => c,
            })
            .collect();
        (key.chars().count() >= 2).then_some(TitleKey(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A project (项目名称) or a department (部门名称, 主管部门) with the region of the report that
/// names it: `渠县|渠县校舍维修改造项目`. The same name in two regions is two projects; a
/// report whose region is not known gives no key, so it ties to nothing by name alone.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectKey(String);

impl ProjectKey {
    pub fn new(region: &str, name: &str) -> Option<ProjectKey> {
        let fold = |s: &str| -> String {
            s.chars()
                .map(half_width)
                .filter(|c| !c.is_whitespace() && *c != '|')
                .collect()
        };
        let (region, name) = (fold(region), fold(name));
        // A name of one character, or a label that heads a row rather than naming a
        // project, ties nothing.
        let generic = ["合计", "总计", "小计", "项目名称", "部门名称", "主管部门"];
        if region.is_empty() || name.chars().count() < 2 || generic.contains(&name.as_str()) {
            return None;
        }
        Some(ProjectKey(format!("{region}|{name}")))
    }

    /// A key as stored, read back.
    pub fn from_stored(stored: &str) -> Option<ProjectKey> {
        let (region, name) = stored.split_once('|')?;
        ProjectKey::new(region, name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn region(&self) -> &str {
        self.0.split_once('|').map_or("", |(r, _)| r)
    }

    pub fn name(&self) -> &str {
        self.0.split_once('|').map_or("", |(_, n)| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bracket_and_digit_form_is_one_number() {
        let forms = [
            "渠财绩〔2022〕1号",
            "渠财绩[2022]1号",
            "渠财绩【2022】1号",
            "渠财绩﹝2022﹞1号",
            "渠财绩（2022）1号",
            "渠财绩(2022)1 号",
            "渠财绩［２０２２］１号",
            "渠财绩 〔2022〕 1号",
        ];
        for f in forms {
            assert_eq!(
                NumberKey::parse(f).unwrap().as_str(),
                "渠财绩〔2022〕1号",
                "{f}"
            );
        }
        assert_ne!(
            NumberKey::parse("渠财绩〔2022〕2号"),
            NumberKey::parse(forms[0])
        );
        assert_eq!(NumberKey::parse("  "), None);
    }

    #[test]
    fn a_number_the_strict_form_misses_still_folds() {
        assert_eq!(
            NumberKey::parse("X财[22] 3号").unwrap(),
            NumberKey::parse("X财【22】3号").unwrap()
        );
    }

    #[test]
    fn titles_fold_brackets_widths_and_spaces() {
        let a = TitleKey::parse("《渠县预算绩效管理办法（试行）》").unwrap();
        let b = TitleKey::parse("渠县预算绩效 管理办法(试行)").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "渠县预算绩效管理办法(试行)");
        assert_eq!(
            TitleKey::parse("关于印发〈办法〉的通知"),
            TitleKey::parse("关于印发<办法>的通知")
        );
        assert_eq!(
            TitleKey::parse("２０２２年度报告"),
            TitleKey::parse("2022年度报告")
        );
        assert_eq!(TitleKey::parse("《a》"), None);
    }

    #[test]
    fn projects_are_keyed_with_their_region() {
        let k = ProjectKey::new("渠县", "渠县 校舍维修改造项目").unwrap();
        assert_eq!(k.as_str(), "渠县|渠县校舍维修改造项目");
        assert_eq!((k.region(), k.name()), ("渠县", "渠县校舍维修改造项目"));
        assert_ne!(
            Some(k.clone()),
            ProjectKey::new("相山区", "渠县校舍维修改造项目")
        );
        assert_eq!(ProjectKey::from_stored(k.as_str()), Some(k));
        assert_eq!(ProjectKey::new("", "校舍维修改造项目"), None);
        assert_eq!(ProjectKey::new("渠县", "合计"), None);
        assert_eq!(ProjectKey::new("渠县", "项"), None);
    }
}
