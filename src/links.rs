//! What ties a document to others, worked out from its own facts when they are stored: the
//! 发文字号 and title it bears, the documents it cites (its `document` facts), and the
//! projects and departments it names with the facts stating their figures
//! (`check::cross::project_figures`). The store keeps these as an index of normalized keys
//! per document, so "who cites 渠财绩〔2022〕1号" and "the same project in other years" are
//! indexed lookups rather than scans of every fact.

use crate::check::cross::{FigureLabel, project_figures};
use crate::domain::{NumberKey, ProjectKey, TitleKey};
use crate::extract::form::Form;
use crate::extract::{Fact, FactValue};

/// What a key says of its document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkKind {
    /// The document's own 发文字号.
    Number,
    /// The document's own title.
    Title,
    /// A 发文字号 it cites.
    CitesNumber,
    /// A 《title》 it cites.
    CitesTitle,
    /// A project it names (with its region).
    Project,
    /// A department it names (主管部门, with its region).
    Department,
}

impl LinkKind {
    pub const ALL: [LinkKind; 6] = [
        LinkKind::Number,
        LinkKind::Title,
        LinkKind::CitesNumber,
        LinkKind::CitesTitle,
        LinkKind::Project,
        LinkKind::Department,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Number => "number",
            LinkKind::Title => "title",
            LinkKind::CitesNumber => "cites_number",
            LinkKind::CitesTitle => "cites_title",
            LinkKind::Project => "project",
            LinkKind::Department => "department",
        }
    }

    pub fn parse(s: &str) -> Option<LinkKind> {
        LinkKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One key of a document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Link {
    pub kind: LinkKind,
    pub key: String,
    /// For a project's figure: which one (the project's own row has none).
    pub label: Option<FigureLabel>,
    /// The fact it comes from: a citation's `document` fact, a figure's fact.
    pub fact: Option<usize>,
}

/// The document as its metadata describes it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta<'a> {
    pub title: Option<&'a str>,
    pub doc_number: Option<&'a str>,
    pub region: Option<&'a str>,
}

/// Every key of a document. A citation of its own number or title (a report's header
/// restating its 发文字号) is not a citation.
pub fn document_links(meta: Meta<'_>, facts: &[Fact], forms: &[Form]) -> Vec<Link> {
    let own_number = meta.doc_number.and_then(NumberKey::parse);
    let own_title = meta.title.and_then(TitleKey::parse);
    let mut links = Vec::new();
    let mut own = |kind, key: Option<String>| {
        if let Some(key) = key {
            links.push(Link {
                kind,
                key,
                label: None,
                fact: None,
            });
        }
    };
    own(
        LinkKind::Number,
        own_number.as_ref().map(|k| k.as_str().to_string()),
    );
    own(
        LinkKind::Title,
        own_title.as_ref().map(|k| k.as_str().to_string()),
    );
    for (i, f) in facts.iter().enumerate() {
        let FactValue::Document { title, number } = &f.value else {
            continue;
        };
        if let Some(n) = number.as_deref().and_then(NumberKey::parse)
            && Some(&n) != own_number.as_ref()
        {
            links.push(cite(LinkKind::CitesNumber, n.as_str(), i));
        }
        if let Some(t) = title.as_deref().and_then(TitleKey::parse)
            && Some(&t) != own_title.as_ref()
        {
            links.push(cite(LinkKind::CitesTitle, t.as_str(), i));
        }
    }
    if let Some(region) = meta.region {
        for named in project_figures(facts, forms) {
            let Some(key) = ProjectKey::new(region, &named.name) else {
                continue;
            };
            let kind = if named.department {
                LinkKind::Department
            } else {
                LinkKind::Project
            };
            links.push(Link {
                kind,
                key: key.as_str().to_string(),
                label: None,
                fact: None,
            });
            for (label, fact) in named.figures {
                links.push(Link {
                    kind,
                    key: key.as_str().to_string(),
                    label: Some(label),
                    fact: Some(fact),
                });
            }
        }
    }
    links.sort();
    links.dedup();
    links
}

fn cite(kind: LinkKind, key: &str, fact: usize) -> Link {
    Link {
        kind,
        key: key.to_string(),
        label: None,
        fact: Some(fact),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Rating;
    use crate::extract::{FactKind, Rule, Span};

    fn doc_fact(title: Option<&str>, number: Option<&str>) -> Fact {
        Fact::new(
            FactKind::Document,
            FactValue::Document {
                title: title.map(str::to_string),
                number: number.map(str::to_string),
            },
            Span { start: 0, end: 1 },
            Rule::DocumentDocNumber,
        )
    }

    #[test]
    fn citations_are_normalized_and_self_citations_dropped() {
        let meta = Meta {
            title: Some("渠县2022年度绩效评价结果通报"),
            doc_number: Some("渠财绩[2023]5号"),
            region: Some("渠县"),
        };
        let facts = [
            doc_fact(None, Some("渠财绩【2023】5号")), // its own header
            doc_fact(Some("渠县预算绩效管理办法"), Some("渠财绩（2021）3号")),
        ];
        let links = document_links(meta, &facts, &[]);
        let of = |k| {
            links
                .iter()
                .filter(|l| l.kind == k)
                .map(|l| (l.key.as_str(), l.fact))
                .collect::<Vec<_>>()
        };
        assert_eq!(of(LinkKind::Number), [("渠财绩〔2023〕5号", None)]);
        assert_eq!(of(LinkKind::CitesNumber), [("渠财绩〔2021〕3号", Some(1))]);
        assert_eq!(
            of(LinkKind::CitesTitle),
            [("渠县预算绩效管理办法", Some(1))]
        );
        assert_eq!(of(LinkKind::Title).len(), 1);
    }

    #[test]
    fn projects_need_a_region() {
        let mut rating = Fact::new(
            FactKind::Rating,
            FactValue::Rating(Rating::parse("良").unwrap()),
            Span { start: 0, end: 1 },
            Rule::TableGradeColumn,
        );
        rating.table = Some(0);
        rating.subject = Some("渠县校舍维修改造项目".into());
        let facts = [rating];
        let with = document_links(
            Meta {
                region: Some("渠县"),
                ..Meta::default()
            },
            &facts,
            &[],
        );
        assert_eq!(
            with.iter()
                .map(|l| (l.kind, l.key.as_str(), l.label, l.fact))
                .collect::<Vec<_>>(),
            [
                (LinkKind::Project, "渠县|渠县校舍维修改造项目", None, None),
                (
                    LinkKind::Project,
                    "渠县|渠县校舍维修改造项目",
                    Some(FigureLabel::Rating),
                    Some(0)
                ),
            ]
        );
        assert!(document_links(Meta::default(), &facts, &[]).is_empty());
    }
}
