//! The gazetteer of China's administrative divisions (`dictionaries/divisions.txt`, built by
//! `scripts/build_divisions.py` from the national division codes): provinces, prefectures,
//! counties and townships with their short forms, and the development zones named after a
//! city. It answers which place names a line of a report holds, so that a report's region is
//! always a real place ("秀洲区", "王江泾镇"), never a fragment of prose ("年全区").
//!
//! The names are prepared by `build.rs` into a finite-state transducer (name → level) that
//! the binary embeds and walks in place, byte by byte from each character of a line: a
//! process builds nothing (a trie of the names built at start-up cost 72 M instructions, an
//! Aho-Corasick automaton 349 M), and the gazetteer is asked about a few head and tail lines
//! only, where a walk no longer than the longest name costs no more than an automaton.

/// The divisions' names, each to its level (1–4), as `build.rs` wrote them.
static NAMES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/divisions.fst"));

/// How specific a division is; a township is more specific than its county.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Province = 1,
    Prefecture = 2,
    County = 3,
    Township = 4,
}

impl Level {
    fn from_code(code: u64) -> Level {
        match code {
            1 => Level::Province,
            2 => Level::Prefecture,
            3 => Level::County,
            _ => Level::Township,
        }
    }
}

/// A place name found in a line: byte offsets into the line, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub start: usize,
    pub end: usize,
    pub name: String,
    pub level: Level,
}

pub struct Gazetteer {
    names: fst::raw::Fst<&'static [u8]>,
}

impl Gazetteer {
    /// The names in `line`, leftmost first and the longest of those starting at one place,
    /// each search going on after the last name found: (start, end, level), in order.
    fn find_iter(&self, line: &str) -> Vec<(usize, usize, Level)> {
        let bytes = line.as_bytes();
        let mut found = Vec::new();
        let mut at = 0;
        while let Some(first) = line[at..].chars().next() {
            let mut node = self.names.root();
            let mut output = fst::raw::Output::zero();
            let mut longest = None;
            for (offset, &b) in bytes[at..].iter().enumerate() {
                let Some(i) = node.find_input(b) else {
                    break;
                };
                let t = node.transition(i);
                output = output.cat(t.out);
                node = self.names.node(t.addr);
                // Names are whole characters, so a final state ends on a character boundary.
                if node.is_final() {
                    let level = output.cat(node.final_output()).value();
                    longest = Some((at + offset + 1, Level::from_code(level)));
                }
            }
            match longest {
                Some((end, level)) => {
                    found.push((at, end, level));
                    at = end;
                }
                None => at += first.len_utf8(),
            }
        }
        found
    }
}

/// Words after which a place name starts even though a Han character precedes it.
const LEADING_WORDS: &[&str] = &[
    "关于", "对于", "印发", "转发", "中共", "对", "于", "在", "据", "和", "与", "及", "由",
];

static SHARED: std::sync::LazyLock<Gazetteer> = std::sync::LazyLock::new(Gazetteer::load);

impl Gazetteer {
    /// The process-wide gazetteer, built on first use.
    pub fn shared() -> &'static Gazetteer {
        &SHARED
    }

    fn load() -> Gazetteer {
        Gazetteer {
            names: fst::raw::Fst::new(NAMES).expect("build.rs wrote a valid transducer"),
        }
    }

    /// The place names of a line, in order. A two-character name (渠县, 城区, 浙江) counts
    /// only where a name can start: at the line's start, after a non-Han character, right
    /// after another place, or after a leading word (关于, 对); inside prose ("主城区") it is
    /// part of another word.
    pub fn places_in(&self, line: &str) -> Vec<Place> {
        let mut places: Vec<Place> = Vec::new();
        for (start, end, level) in self.find_iter(line) {
            let name = &line[start..end];
            let before = &line[..start];
            let starts_a_name = name.chars().count() > 2
                || before
                    .chars()
                    .next_back()
                    .is_none_or(|c| !super::count::is_han(c))
                || places.last().is_some_and(|p| p.end == start)
                || LEADING_WORDS.iter().any(|w| before.ends_with(w));
            if !starts_a_name {
                continue;
            }
            places.push(Place {
                start,
                end,
                name: name.to_string(),
                level,
            });
        }
        places
    }

    /// The most specific place of the first run of places in a line: "浙江省嘉兴市秀洲区财政局"
    /// → 秀洲区; a later, separate place ("…关于转发某市的通知") is not the line's own.
    pub fn region_in(&self, line: &str) -> Option<Place> {
        let plain: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        let places = self.places_in(&plain);
        let mut chain = places.into_iter();
        let mut best = chain.next()?;
        let mut end = best.end;
        for p in chain {
            if p.start != end {
                break;
            }
            end = p.end;
            if p.level >= best.level {
                best = p;
            }
        }
        Some(best)
    }

    /// Whether a line is nothing but a run of places ("新疆维吾尔自治区阿克苏地区库车市"), as
    /// written above a title.
    pub fn is_only_places(&self, line: &str) -> bool {
        let plain: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        let places = self.places_in(&plain);
        !places.is_empty()
            && places[0].start == 0
            && places.windows(2).all(|w| w[0].end == w[1].start)
            && places.last().is_some_and(|p| p.end == plain.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(line: &str) -> Option<String> {
        Gazetteer::shared().region_in(line).map(|p| p.name)
    }

    #[test]
    fn every_province() {
        for name in [
            "北京市",
            "天津市",
            "河北省",
            "山西省",
            "内蒙古自治区",
            "辽宁省",
            "吉林省",
            "黑龙江省",
            "上海市",
            "江苏省",
            "浙江省",
            "安徽省",
            "福建省",
            "江西省",
            "山东省",
            "河南省",
            "湖北省",
            "湖南省",
            "广东省",
            "广西壮族自治区",
            "海南省",
            "重庆市",
            "四川省",
            "贵州省",
            "云南省",
            "西藏自治区",
            "陕西省",
            "甘肃省",
            "青海省",
            "宁夏回族自治区",
            "新疆维吾尔自治区",
        ] {
            let line = format!("{name}财政厅关于2022年度预算绩效管理工作的报告");
            let found = Gazetteer::shared().region_in(&line).expect(name);
            assert_eq!((found.name.as_str(), found.level), (name, Level::Province));
        }
        assert_eq!(
            region("广西2021年预算绩效工作总结").as_deref(),
            Some("广西")
        );
    }

    #[test]
    fn counties_and_townships() {
        for (line, want) in [
            ("渠县财政局关于预算绩效工作的报告", "渠县"),
            ("莒县2022年度绩效自评报告", "莒县"),
            ("关于澧县2021年度部门整体支出评价的通报", "澧县"),
            ("喀什地区本级2021年度全面实施预算绩效", "喀什地区"),
            ("四川省达州市渠县财政局", "渠县"),
            ("嘉兴市秀洲区王江泾镇人民政府", "王江泾镇"),
            ("深圳市龙华区龙华街道办事处", "龙华街道"),
            ("库车市伊西哈拉镇2021年度绩效评价报告", "伊西哈拉镇"),
            ("恩施州2022年预算绩效报告", "恩施州"),
            ("中共中山市委办公室", "中山市"),
            ("长春高新区财政局", "长春高新区"),
            (
                "西安高新区财政局关于2023年度绩效评价结果的报告",
                "西安高新区",
            ),
            ("昆山经济技术开发区管委会", "昆山经济技术开发区"),
        ] {
            assert_eq!(region(line).as_deref(), Some(want), "{line}");
        }
    }

    #[test]
    fn fragments_are_not_places() {
        for line in [
            "2022年全区预算绩效工作开展情况",
            "为全面贯彻省委省政府决策部署",
            "我市各县区全面实施预算绩效管理",
            "主城区道路改造项目",
            "本级部门整体支出绩效评价",
            "各乡镇、街道财政所",
        ] {
            assert_eq!(region(line), None, "{line}");
        }
    }

    #[test]
    fn a_line_of_places_only() {
        let g = Gazetteer::shared();
        assert!(g.is_only_places("新疆维吾尔自治区阿克苏地区库车市伊西哈拉镇"));
        assert!(!g.is_only_places("伊西哈拉镇2021年度绩效评价报告"));
    }
}
