//! Extraction: the normalized text of one document in, typed facts out. One file per fact
//! kind, each a scanner over the normalized text; `Extractor` runs them, resolves overlaps
//! (a number inside a document title is not a count), fills subjects, reads tables and the
//! document's own metadata. The shapes here are the JSON contract of `shared/FACTS.md`.

mod amount;
mod count;
mod document;
pub mod form;
mod gazetteer;
pub mod lexicon;
mod meta;
mod near;
mod number;
mod percent;
mod rating;
pub mod rule;
mod score;
mod segmenter;
mod subject;
pub mod table;

pub use meta::DocumentMeta;
pub use rule::Rule;

use crate::deadline::Deadline;
use crate::domain::{Qualifier, Rating};
use crate::ingest::{Block, Ingested, LineIndex, Provenance};
use crate::text::NormalizedText;
use lexicon::Lexicon;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use std::sync::{Arc, OnceLock};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FactKind {
    Amount,
    Count,
    Percent,
    Score,
    Rating,
    Document,
}

impl FactKind {
    pub const ALL: [FactKind; 6] = [
        FactKind::Amount,
        FactKind::Count,
        FactKind::Percent,
        FactKind::Score,
        FactKind::Rating,
        FactKind::Document,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Amount => "amount",
            FactKind::Count => "count",
            FactKind::Percent => "percent",
            FactKind::Score => "score",
            FactKind::Rating => "rating",
            FactKind::Document => "document",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        FactKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A fact's normalized value.
#[derive(Clone, Debug, PartialEq)]
pub enum FactValue {
    /// Amounts (in yuan), percents and scores: exact, written as a JSON string.
    Decimal(Decimal),
    /// Counts.
    Integer(u64),
    Rating(Rating),
    Document {
        title: Option<String>,
        number: Option<String>,
    },
}

impl Serialize for FactValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Doc<'a> {
            title: &'a Option<String>,
            number: &'a Option<String>,
        }
        match self {
            FactValue::Decimal(d) => s.serialize_str(&d.normalize().to_string()),
            FactValue::Integer(n) => s.serialize_u64(*n),
            FactValue::Rating(r) => s.serialize_str(r.as_str()),
            FactValue::Document { title, number } => Doc { title, number }.serialize(s),
        }
    }
}

impl FactValue {
    /// The value as plain text (decimals without exponent, documents as title or number).
    pub fn display(&self) -> String {
        match self {
            FactValue::Decimal(d) => d.normalize().to_string(),
            FactValue::Integer(n) => n.to_string(),
            FactValue::Rating(r) => r.as_str().to_string(),
            FactValue::Document { title, number } => match (title, number) {
                (Some(t), Some(n)) => format!("《{t}》{n}"),
                (Some(t), None) => format!("《{t}》"),
                (None, Some(n)) => n.clone(),
                (None, None) => String::new(),
            },
        }
    }

    pub fn as_decimal(&self) -> Option<Decimal> {
        match self {
            FactValue::Decimal(d) => Some(*d),
            FactValue::Integer(n) => Some(Decimal::from(*n)),
            _ => None,
        }
    }
}

/// One fact, with its span on the document's text (code points, end exclusive).
#[derive(Clone, Debug, Serialize)]
pub struct Fact {
    pub id: usize,
    pub kind: FactKind,
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub value: FactValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub qualifier: Qualifier,
    pub subject: Option<String>,
    /// For a rating: how many items got this grade, where the text says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// For a table cell (or prose inside a row): the row's 序号.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// For a table fact: which table of the document (0-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc_year: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// For a form's cell: where it stands, so a consumer can rebuild the form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<CellRef>,
    /// The rule that produced the fact; `None` only for a stored fact read back from a
    /// database row written before rules were recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
}

/// A table cell: the table (0-based), the grid row and the header of its column.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CellRef {
    pub table: u32,
    pub row: u32,
    pub column: String,
}

impl Fact {
    /// A fact with the common fields set; kind modules fill the rest.
    pub(crate) fn new(kind: FactKind, value: FactValue, span: Span, rule: Rule) -> Fact {
        Fact {
            id: 0,
            kind,
            text: String::new(),
            start: span.start,
            end: span.end,
            value,
            unit: None,
            qualifier: Qualifier::Exact,
            subject: None,
            count: None,
            row: None,
            table: None,
            issuer: None,
            doc_year: None,
            seq: None,
            provenance: None,
            cell: None,
            rule: Some(rule),
        }
    }
}

/// A span in normalized byte offsets while extracting; converted to original code points at
/// the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A candidate fact in the normalized text: the kind modules produce these.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    pub fact: Fact,
    /// Normalized byte span of the whole fact text (qualifier words included).
    pub span: Span,
    /// For a document: the span of its title inside 《》.
    pub title: Option<Span>,
}

/// Most facts read from one document. No report comes near it (the largest self-evaluation
/// forms hold a few thousand); past it an input is a list of numbers, not a report, and every
/// further fact would cost memory and time downstream (storage, review, the API's JSON).
pub const MAX_FACTS: usize = 20_000;

/// Whether a scanner holding `found` candidates has as many as a document may have facts:
/// it stops there, so a text of nothing but numbers costs no more than a report.
pub(crate) fn scan_full(found: usize) -> bool {
    found >= MAX_FACTS
}

/// Set when a document had more facts than `MAX_FACTS`: facts were read up to `at` only.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Truncated {
    /// The cap that was reached.
    pub limit: usize,
    /// Code-point offset in the text where reading stopped: no fact starts at or after it.
    pub at: usize,
    /// For people, in Chinese and English.
    pub message: String,
}

impl Truncated {
    fn at(at: usize) -> Truncated {
        Truncated {
            limit: MAX_FACTS,
            at,
            message: format!(
                "事实数量超过上限 {MAX_FACTS} 条，仅提取了第 {at} 个字符之前的内容 / more than \
                 {MAX_FACTS} facts: only the text before character {at} was read"
            ),
        }
    }
}

/// Everything extracted from one document.
#[derive(Clone, Debug, Serialize)]
pub struct Extraction {
    pub document: DocumentMeta,
    /// Present when the document had more facts than `MAX_FACTS` and only its start was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<Truncated>,
    pub facts: Vec<Fact>,
    pub checks: Vec<crate::check::Check>,
    /// Self-evaluation forms found, their cells given as fact ids.
    pub forms: Vec<form::Form>,
    /// The tables read (for the checks of their totals).
    #[serde(skip)]
    pub tables: Vec<table::LocatedTable>,
}

/// The loaded dictionaries and segmenter; build once per process and share.
pub struct Extractor {
    lexicon: Lexicon,
}

impl Default for Extractor {
    fn default() -> Self {
        Self::new()
    }
}

impl Extractor {
    pub fn new() -> Self {
        Extractor {
            lexicon: Lexicon::load(),
        }
    }

    #[cfg(test)]
    pub(crate) fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// The process-wide extractor (jieba's dictionary takes ~100 ms to build).
    pub fn shared() -> Arc<Extractor> {
        static SHARED: OnceLock<Arc<Extractor>> = OnceLock::new();
        SHARED.get_or_init(|| Arc::new(Extractor::new())).clone()
    }

    /// Extracts from plain text (as if it were an uploaded TXT file).
    pub fn extract_text(&self, text: &str) -> Extraction {
        let blocks = Vec::new();
        self.extract_parts(text, &blocks, None, &Deadline::none())
            .expect("no deadline to miss")
    }

    /// Extracts from an ingested document; tables come from its table blocks as well as from
    /// tables flattened into the text.
    pub fn extract(&self, doc: &Ingested) -> Extraction {
        self.extract_within(doc, &Deadline::none())
            .expect("no deadline to miss")
    }

    /// `extract`, giving up with a limit error once `deadline` has passed (looked at between
    /// the steps, each of which takes time linear in the text).
    pub fn extract_within(
        &self,
        doc: &Ingested,
        deadline: &Deadline,
    ) -> Result<Extraction, crate::IngestError> {
        self.extract_parts(&doc.text, &doc.blocks, Some(doc), deadline)
    }

    fn extract_parts(
        &self,
        text: &str,
        blocks: &[Block],
        doc: Option<&Ingested>,
        deadline: &Deadline,
    ) -> Result<Extraction, crate::IngestError> {
        deadline.check()?;
        let norm = NormalizedText::new(text);
        let lex = &self.lexicon;
        let s = norm.as_str();

        let mut candidates = Vec::new();
        // Where a scanner that filled up stopped (normalized bytes): facts are kept before the
        // earliest such point only, so what is kept is everything up to one place in the text.
        let mut stop = usize::MAX;
        for found in [
            document::scan(s),
            amount::scan(s, lex),
            percent::scan(s, lex),
            score::scan(s, lex),
            count::scan(s, lex),
            rating::scan(s, lex),
        ] {
            if scan_full(found.len())
                && let Some(last) = found.iter().map(|c| c.span.start).max()
            {
                stop = stop.min(last + 1);
            }
            candidates.extend(found);
        }
        candidates.retain(|c| c.span.start < stop);
        let mut candidates = resolve_overlaps(candidates);
        if candidates.len() > MAX_FACTS {
            stop = candidates[MAX_FACTS].span.start;
            candidates.truncate(MAX_FACTS);
        }
        // The same place in the original text, for the tables and forms read from it.
        while stop < s.len() && !s.is_char_boundary(stop) {
            stop += 1;
        }
        let mut stop_at = (stop < s.len()).then(|| norm.to_original(stop, stop).0);
        mark_ranges(s, &mut candidates);
        let banned = lex.not_fact_spans(s);
        candidates.retain(|c| {
            !banned
                .iter()
                .any(|b| c.span.start < b.end && b.start < c.span.end)
        });

        deadline.check()?;
        // Forms first: their cells are facts of their own, and the prose facts the scanners
        // found inside value cells give way to them.
        let mut found = form::read(text, blocks, doc, lex);
        if !found.claimed.is_empty() {
            let mut claimed = found.claimed.clone();
            claimed.sort_unstable();
            candidates.retain(|c| {
                let (s0, e0) = norm.to_original(c.span.start, c.span.end);
                // Cells do not nest, so only the last few starting before the end can overlap.
                let at = claimed.partition_point(|&(s, _)| s < e0);
                !claimed[..at].iter().rev().take(4).any(|&(_, e)| e > s0)
            });
        }
        deadline.check()?;
        // Subjects after the forms took their cells: the tagger reads only prose.
        subject::assign(&norm, lex, &mut candidates);
        rating::attach_counts(s, &mut candidates);
        subject::assign_single_grades(&norm, lex, &mut candidates);

        let in_form = |start: usize| {
            found
                .forms
                .iter()
                .any(|f| f.start <= start && start < f.end)
        };

        deadline.check()?;
        // Tables: real ones from ingestion, else ones flattened into the text; a form's
        // table is read as a form only.
        let mut tables: Vec<table::LocatedTable> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table { table, .. } => Some(table::LocatedTable::from_cells(table)),
                _ => None,
            })
            .collect();
        if tables.is_empty() {
            let until = stop_at.unwrap_or(usize::MAX);
            for read in [
                table::from_flattened_text(text, until),
                table::from_row_lines(text, until),
                table::from_cell_lines(text, until),
            ] {
                tables.extend(read.tables);
                if let Some(at) = read.stopped_at {
                    stop_at = Some(stop_at.map_or(at, |s| s.min(at)));
                }
            }
        }
        tables.retain(|t| !t.rows.iter().flatten().any(|c| in_form(c.start)));
        for t in &mut tables {
            t.read_caption(&norm);
        }
        let table_facts = table::facts(&tables, &norm, &mut candidates);
        let form_facts = std::mem::take(&mut found.facts);
        let form_count = form_facts.len();

        let mut facts: Vec<Fact> = candidates
            .into_iter()
            .map(|c| {
                let mut f = c.fact;
                let (s0, e0) = norm.to_original(c.span.start, c.span.end);
                f.start = s0;
                f.end = e0;
                if let (Some(t), FactValue::Document { title, .. }) = (c.title, &mut f.value) {
                    // The title as written, white space inside removed.
                    let (ts, te) = norm.to_original(t.start, t.end);
                    let written: String = norm
                        .original_slice(ts, te)
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect();
                    *title = Some(written);
                }
                f
            })
            .chain(table_facts)
            .chain(form_facts)
            .collect();
        // Form facts were added last: remember them to renumber the forms after sorting.
        let first_form = facts.len() - form_count;
        for (k, f) in facts[first_form..].iter_mut().enumerate() {
            f.id = usize::MAX - k;
        }
        facts.sort_by_key(|f| (f.start, f.end));
        // Tables and forms add facts of their own: the cap holds for all of them together.
        if let Some(at) = stop_at {
            facts.truncate(facts.partition_point(|f| f.start < at));
        }
        if facts.len() > MAX_FACTS {
            let at = facts[MAX_FACTS].start;
            facts.truncate(facts.partition_point(|f| f.start < at));
            stop_at = Some(stop_at.map_or(at, |s| s.min(at)));
        }
        for f in &mut facts {
            f.text = norm.original_slice(f.start, f.end).to_string();
        }
        let lines = LineIndex::new(text);
        let mut form_ids = vec![None; form_count];
        let block_index = BlockIndex::new(blocks, doc);
        for (i, f) in facts.iter_mut().enumerate() {
            if form_count > 0 && f.id >= usize::MAX - (form_count - 1) {
                form_ids[usize::MAX - f.id] = Some(i);
            }
            f.id = i;
            f.provenance = Some(provenance_of(&lines, f.start, &block_index));
        }
        found.renumber(&form_ids);
        let mut document = meta::read(&norm, &facts);
        // A form names its department (主管部门 / 部门名称): the region is the department's.
        if let Some(region) = found.forms.iter().find_map(|f| {
            f.authority
                .as_deref()
                .or(f.project.as_deref())
                .and_then(meta::region_in)
        }) {
            document.region = Some(region);
        }
        // The checks are the next stage: `crate::analyze` runs it.
        Ok(Extraction {
            document,
            truncated: stop_at.map(Truncated::at),
            facts,
            checks: Vec::new(),
            forms: found.forms,
            tables,
        })
    }
}

/// What a scanner found in a text, as (surface, value, qualifier), sorted by position:
/// the unit tests of each kind read their results through this.
#[cfg(test)]
pub(crate) fn scanned(
    text: &str,
    scan: fn(&str, &Lexicon) -> Vec<Candidate>,
) -> Vec<(String, String, Qualifier)> {
    let mut found = scan(text, &Extractor::shared().lexicon);
    found.sort_by_key(|c| c.span.start);
    found
        .into_iter()
        .map(|c| {
            (
                text[c.span.start..c.span.end].to_string(),
                c.fact.value.display(),
                c.fact.qualifier,
            )
        })
        .collect()
}

/// Keeps the earliest, longest candidate where spans overlap; a document (its title and
/// number) always wins over the numbers inside it.
fn resolve_overlaps(mut cands: Vec<Candidate>) -> Vec<Candidate> {
    cands.sort_by_key(|c| {
        (
            c.fact.kind != FactKind::Document,
            c.span.start,
            std::cmp::Reverse(c.span.end),
        )
    });
    let mut kept: Vec<Candidate> = Vec::with_capacity(cands.len());
    // Kept spans are disjoint, so only the last one starting before a candidate's end can
    // overlap it.
    let mut taken: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    for c in cands {
        let overlaps = taken
            .range(..c.span.end)
            .next_back()
            .is_some_and(|(_, &end)| end > c.span.start);
        if !overlaps {
            taken.insert(c.span.start, c.span.end);
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| c.span.start);
    kept
}

/// "50万元至100万元", "70分-80分": two facts of one kind joined by a range separator are
/// the bounds of one range; the lower is at least, the upper at most.
fn mark_ranges(s: &str, cands: &mut [Candidate]) {
    const SEPARATORS: &[&str] = &["-", "—", "–", "~", "至", "到", "——"];
    for i in 1..cands.len() {
        let (a, b) = (&cands[i - 1], &cands[i]);
        let numeric = matches!(
            a.fact.kind,
            FactKind::Amount | FactKind::Count | FactKind::Percent | FactKind::Score
        );
        if !numeric
            || a.fact.kind != b.fact.kind
            || a.fact.qualifier != Qualifier::Exact
            || b.fact.qualifier != Qualifier::Exact
            || a.span.end > b.span.start
            || !SEPARATORS.contains(&&s[a.span.end..b.span.start])
        {
            continue;
        }
        for (j, q) in [(i - 1, Qualifier::AtLeast), (i, Qualifier::AtMost)] {
            let f = &mut cands[j].fact;
            f.qualifier = q;
            f.rule = f.rule.map(Rule::as_range);
        }
    }
}

/// Where each block and table cell of a document stands, for finding a fact's provenance by
/// binary search (a spreadsheet form has thousands of cells and a fact for many of them).
struct BlockIndex<'a> {
    /// (start, effective end, order in the document, provenance), sorted by start.
    spans: Vec<(usize, usize, usize, &'a Provenance)>,
}

impl<'a> BlockIndex<'a> {
    fn new(blocks: &'a [Block], doc: Option<&Ingested>) -> Self {
        let mut spans = Vec::new();
        // A text file's blocks are its lines, which the line index already answers.
        if doc.is_some_and(|d| d.format != crate::ingest::Format::Txt) {
            for b in blocks {
                match b {
                    Block::Paragraph {
                        start,
                        end,
                        provenance,
                    } => spans.push((*start, (*end).max(*start + 1), spans.len(), provenance)),
                    Block::Table { table, provenance } => {
                        for (row, provs) in table.rows.iter().zip(provenance) {
                            for (cell, p) in row.iter().zip(provs) {
                                spans.push((
                                    cell.start,
                                    cell.end.max(cell.start + 1),
                                    spans.len(),
                                    p,
                                ));
                            }
                        }
                    }
                }
            }
        }
        spans.sort_by_key(|s| (s.0, s.2));
        BlockIndex { spans }
    }

    /// The first block or cell (in document order) holding the offset.
    fn find(&self, at: usize) -> Option<&'a Provenance> {
        let idx = self.spans.partition_point(|s| s.0 <= at);
        let last_start = self.spans.get(idx.checked_sub(1)?)?.0;
        self.spans[..idx]
            .iter()
            .rev()
            .take_while(|s| s.0 == last_start)
            .filter(|s| at < s.1)
            .min_by_key(|s| s.2)
            .map(|s| s.3)
    }
}

fn provenance_of(lines: &LineIndex, start: usize, index: &BlockIndex) -> Provenance {
    match index.find(start) {
        Some(Provenance::Text { .. }) | None => {
            let (line, column) = lines.line_column(start);
            Provenance::Text { line, column }
        }
        Some(p) => p.clone(),
    }
}
