//! The self-evaluation forms as ruled PDF tables (LibreOffice's rendering of `STEM.docx`:
//! merged cells, cells of several lines). For each of the eight forms in the shared corpus
//! the text of `STEM.pdf` must equal `STEM.txt`, the form flattened one cell a line, except
//! for the cells listed in `JOINED`: there the document breaks a cell's text in two
//! paragraphs where the cell is so narrow that the first paragraph's last line is full
//! ("项目资金" above "（万元）" in a two-character column), so the page cannot tell the break
//! from a wrap and the PDF reader joins the two lines. The table block must be the form's
//! full grid (as many rows and columns as `STEM-tab.txt`), covered positions empty at their
//! merge origin's start. Skips, saying so, when the shared corpus is not there
//! (`JIXIAO_SHARED`, else `../shared`).

use jixiao::ingest::{Block, Cell};
use std::path::{Path, PathBuf};

/// Cells whose line break a PDF cannot show, as the PDF text writes them.
const JOINED: &[(&str, &[&str])] = &[
    ("se01_xiangmu_yinshui", &["项目资金（万元）"]),
    ("se02_xiangmu_xiaoshe", &["项目资金（万元）"]),
    ("se03_xiangmu_nongtian", &["项目资金（万元）"]),
    ("se04_sichuan_yanglao", &["预算执行情况(10分)"]),
    (
        "se05_qu_wenhua",
        &["（万元）（20分）", "满意度指标（10分）"],
    ),
    ("se06_chongqing_zhengti", &[]),
    ("se07_zhuanyi_xianjie", &["项目资金（万元）"]),
    ("se08_baogao_tushuguan", &["项目资金（万元）"]),
];

fn selfeval() -> Option<PathBuf> {
    let shared = std::env::var_os("JIXIAO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let dir = shared.join("corpus/selfeval");
    dir.is_dir().then_some(dir)
}

/// Compares the PDF's text with the TXT line by line; a PDF line may stand for several TXT
/// lines joined (a cell whose break it lost). Returns those lines, or the first difference.
fn joined_lines(got: &str, want: &str) -> Result<Vec<String>, String> {
    let g: Vec<&str> = got.split('\n').collect();
    let w: Vec<&str> = want.split('\n').collect();
    let (mut i, mut j) = (0, 0);
    let mut joined = Vec::new();
    while i < g.len() && j < w.len() {
        if g[i] == w[j] {
            i += 1;
            j += 1;
            continue;
        }
        let mut acc = w[j].to_string();
        let mut k = j + 1;
        while k < w.len() && acc.len() < g[i].len() {
            acc.push_str(w[k]);
            k += 1;
        }
        if acc != g[i] || k == j + 1 {
            return Err(format!("line {}: got {:?}, want {:?}", i + 1, g[i], w[j]));
        }
        joined.push(g[i].to_string());
        i += 1;
        j = k;
    }
    if i < g.len() || j < w.len() {
        return Err(format!(
            "lengths differ: got {:?}, want {:?}",
            g.get(i),
            w.get(j)
        ));
    }
    Ok(joined)
}

#[test]
fn pdf_text_equals_the_one_cell_a_line_txt() {
    let Some(dir) = selfeval() else {
        println!("skipped: no shared corpus/selfeval (set JIXIAO_SHARED)");
        return;
    };
    let mut failures = Vec::new();
    for (stem, expected) in JOINED {
        let want = std::fs::read_to_string(dir.join(format!("{stem}.txt"))).unwrap();
        let bytes = std::fs::read(dir.join(format!("{stem}.pdf"))).unwrap();
        let doc = match jixiao::ingest::ingest(&bytes) {
            Ok(doc) => doc,
            Err(e) => {
                failures.push(format!("{stem}: {e}"));
                continue;
            }
        };
        match joined_lines(&doc.text, &want) {
            Ok(joined) if joined == *expected => {
                println!("{stem}.pdf: equal, but for {joined:?}");
            }
            Ok(joined) => failures.push(format!(
                "{stem}: cells joined {joined:?}, expected {expected:?}"
            )),
            Err(e) => failures.push(format!("{stem}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Rows and columns of a form's grid, from its spreadsheet-copy rendering (rows with one
/// field are the title lines and prose around the table).
fn tab_grid(path: &Path) -> (usize, usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = Vec::new();
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            '"' if quoted => quoted = false,
            '"' if fields.last().unwrap().is_empty() => quoted = true,
            '\t' if !quoted => fields.push(String::new()),
            '\n' if !quoted => rows.push(std::mem::replace(&mut fields, vec![String::new()])),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    let table: Vec<&Vec<String>> = rows.iter().filter(|r| r.len() > 1).collect();
    let width = table.iter().map(|r| r.len()).max().unwrap_or(0);
    (table.len(), width)
}

#[test]
fn pdf_forms_are_full_grids() {
    let Some(dir) = selfeval() else {
        println!("skipped: no shared corpus/selfeval (set JIXIAO_SHARED)");
        return;
    };
    for (stem, _) in JOINED {
        let bytes = std::fs::read(dir.join(format!("{stem}.pdf"))).unwrap();
        let doc = jixiao::ingest::ingest(&bytes).unwrap();
        let chars: Vec<char> = doc.text.chars().collect();
        let tables: Vec<&Vec<Vec<Cell>>> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table { table, provenance } => {
                    assert_eq!(provenance.len(), table.rows.len(), "{stem}");
                    Some(&table.rows)
                }
                _ => None,
            })
            .collect();
        assert_eq!(tables.len(), 1, "{stem}: one table over its pages");
        let rows = tables[0];
        let (want_rows, want_cols) = tab_grid(&dir.join(format!("{stem}-tab.txt")));
        assert_eq!(rows.len(), want_rows, "{stem}: rows");
        let mut origins: Vec<usize> = Vec::new();
        for row in rows {
            assert_eq!(row.len(), want_cols, "{stem}: every row full width");
            for cell in row {
                let text: String = chars[cell.start..cell.end].iter().collect();
                assert_eq!(text, cell.text, "{stem}: cell text is its span");
                if cell.end > cell.start || !origins.contains(&cell.start) {
                    // A cell of its own, written where the text stands.
                    origins.push(cell.start);
                    assert_eq!(chars.get(cell.end), Some(&'\n'), "{stem}: a cell a line");
                } else {
                    assert!(cell.text.is_empty(), "{stem}: covered cells are empty");
                }
            }
        }
        // Each cell written once, each on its own line(s), in row-major order.
        let mut sorted = origins.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, origins, "{stem}: cells in row-major order");
    }
}
