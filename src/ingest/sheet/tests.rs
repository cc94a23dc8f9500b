//! Workbooks built in memory (rust_xlsxwriter for XLSX, a hand-written `content.xml` for ODS,
//! cfb for a broken XLS) read through `ingest`, as uploads are.

use super::*;
use crate::ingest::ingest;
use rust_xlsxwriter::{ExcelDateTime, Format as XlFormat, Formula, Workbook};
use std::io::Write;

/// Every cell's text is its slice of the document text, and the grid is full width.
fn assert_cells(doc: &Ingested) {
    let chars: Vec<char> = doc.text.chars().collect();
    for b in &doc.blocks {
        let Block::Table { table, provenance } = b else {
            panic!("a sheet gives table blocks only");
        };
        assert_eq!(table.rows.len(), provenance.len());
        for (row, provs) in table.rows.iter().zip(provenance) {
            assert_eq!(row.len(), table.rows[0].len());
            assert_eq!(row.len(), provs.len());
            for c in row {
                assert_eq!(chars[c.start..c.end].iter().collect::<String>(), c.text);
            }
        }
    }
}

fn table(doc: &Ingested, i: usize) -> (&Table, &Vec<Vec<Provenance>>) {
    match &doc.blocks[i] {
        Block::Table { table, provenance } => (table, provenance),
        _ => panic!("not a table"),
    }
}

fn form_workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let fmt = |code: &str| XlFormat::new().set_num_format(code);
    let plain = XlFormat::new();
    let ws = wb.add_worksheet().set_name("自评表").unwrap();
    ws.merge_range(0, 0, 0, 3, "项目支出绩效自评表", &plain)
        .unwrap();
    ws.merge_range(1, 0, 2, 0, "项目资金\n（万元）", &plain)
        .unwrap();
    ws.write_string(1, 1, "预算数").unwrap();
    ws.merge_range(1, 2, 1, 3, "执行", &plain).unwrap();
    ws.write_number_with_format(2, 1, 300.0, &fmt("0.00"))
        .unwrap();
    ws.write_number_with_format(2, 2, 1.011, &fmt("0.00%"))
        .unwrap();
    ws.write_number_with_format(2, 3, 1234.5, &fmt("#,##0.00"))
        .unwrap();
    ws.write_number(3, 0, 9.4).unwrap();
    // A target written as text, not a formula.
    ws.write_string(3, 1, "=100%").unwrap();
    ws.write_formula(3, 2, Formula::new("=B3*2").set_result("600"))
        .unwrap();
    let date = ExcelDateTime::from_ymd(2024, 1, 6).unwrap();
    ws.write_datetime_with_format(3, 3, &date, &fmt("yyyy/m/d"))
        .unwrap();
    // Row 5 stays empty and is skipped.
    ws.write_number(5, 0, 0.1 + 0.2).unwrap();
    ws.write_boolean(5, 3, true).unwrap();
    wb.add_worksheet().set_name("空").unwrap();
    let hidden = wb.add_worksheet().set_name("隐藏").unwrap();
    hidden.write_string(0, 0, "秘密").unwrap();
    hidden.set_hidden(true);
    let last = wb.add_worksheet().set_name("附").unwrap();
    last.write_number_with_format(0, 1, 86.0, &fmt("0\"分\""))
        .unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_form_one_cell_a_line() {
    let doc = ingest(&form_workbook()).unwrap();
    assert_eq!(doc.format, Format::Xlsx);
    assert_eq!(
        doc.text,
        concat!(
            "项目支出绩效自评表\n",
            "项目资金\n（万元）\n预算数\n执行\n",
            "300.00\n101.10%\n1,234.50\n",
            "9.4\n=100%\n600\n2024-01-06\n",
            "0.3\n\n\nTRUE\n",
            "86分\n"
        )
    );
    assert!(!doc.low_confidence);
    assert_eq!(doc.encoding, None);
    assert_cells(&doc);
    // Two sheets with cells: the empty and the hidden one give no block.
    assert_eq!(doc.blocks.len(), 2);
    let (t, provs) = table(&doc, 0);
    assert_eq!(t.rows.len(), 5);
    assert_eq!(t.rows[0].len(), 4);
    // The title's merge covers B1:D1: empty cells at the title's start.
    for c in 1..4 {
        assert_eq!((t.rows[0][c].start, t.rows[0][c].end), (0, 0));
    }
    assert_eq!(
        provs[0][2],
        Provenance::SheetCell {
            sheet: "自评表".into(),
            row: 0,
            column: 2,
            merged: Some([0, 0, 0, 3]),
        }
    );
    // A3 is covered by the two-row merge that starts at A2 (offset 10).
    assert_eq!(t.rows[1][0].text, "项目资金\n（万元）");
    assert_eq!((t.rows[2][0].start, t.rows[2][0].end), (10, 10));
    assert_eq!(
        provs[2][0],
        Provenance::SheetCell {
            sheet: "自评表".into(),
            row: 2,
            column: 0,
            merged: Some([1, 0, 2, 0]),
        }
    );
    // The skipped empty row keeps the sheet's own row numbers in provenance.
    assert!(matches!(
        provs[4][3],
        Provenance::SheetCell {
            row: 5,
            column: 3,
            merged: None,
            ..
        }
    ));
    let (t, provs) = table(&doc, 1);
    // The second sheet's used range is B1 alone.
    assert_eq!(t.rows, vec![vec![t.rows[0][0].clone()]]);
    assert!(
        matches!(&provs[0][0], Provenance::SheetCell { sheet, row: 0, column: 1, .. }
            if sheet == "附")
    );
}

#[test]
fn xlsx_limits() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "a").unwrap();
    ws.write_string(0, MAX_COLUMNS as u16, "b").unwrap();
    let err = ingest(&wb.save_to_buffer().unwrap()).unwrap_err();
    assert!(
        matches!(&err, IngestError::Limit(m) if m.contains("columns")),
        "{err}"
    );

    let mut wb = Workbook::new();
    for _ in 0..=MAX_SHEETS {
        wb.add_worksheet();
    }
    let err = ingest(&wb.save_to_buffer().unwrap()).unwrap_err();
    assert!(
        matches!(&err, IngestError::Limit(m) if m.contains("sheets")),
        "{err}"
    );

    let mut budget = Budget::default();
    budget.take(MAX_CELLS).unwrap();
    assert!(matches!(budget.take(1), Err(IngestError::Limit(_))));
}

fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn broken_workbooks_are_malformed_not_panics() {
    let xlsx = zip_of(&[
        ("[Content_Types].xml", "<Types/>"),
        ("xl/workbook.xml", "<workbook><sheets><sheet name="),
    ]);
    assert!(matches!(ingest(&xlsx), Err(IngestError::Malformed(_))));

    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    cf.create_stream("/Workbook")
        .unwrap()
        .write_all(&[0x09, 0x08, 0x02, 0x00, 0x00])
        .unwrap();
    cf.flush().unwrap();
    let xls = cf.into_inner().into_inner();
    assert!(
        matches!(ingest(&xls), Err(IngestError::Malformed(_))),
        "{:?}",
        ingest(&xls).err()
    );

    let ods = zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("content.xml", "<office:document-content><table:table"),
    ]);
    assert!(matches!(ingest(&ods), Err(IngestError::Malformed(_))));
}

const ODS_CONTENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="o" xmlns:style="s" xmlns:table="t" xmlns:text="x">
<office:automatic-styles>
 <style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style>
 <style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>
</office:automatic-styles>
<office:body><office:spreadsheet>
<table:table table:name="隐藏" table:style-name="ta2"><table:table-row><table:table-cell office:value-type="string"><text:p>秘密</text:p></table:table-cell></table:table-row></table:table>
<table:table table:name="自评表" table:style-name="ta1">
 <table:table-column table:number-columns-repeated="3"/>
 <table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
 <table:table-row>
  <table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="2" office:value-type="string"><text:p>年初</text:p><text:p>预算数</text:p></table:table-cell>
  <table:covered-table-cell/>
  <table:table-cell office:value-type="percentage" office:value="0.862"><text:p>86.20%</text:p></table:table-cell>
 </table:table-row>
 <table:table-row>
  <table:covered-table-cell table:number-columns-repeated="2"/>
  <table:table-cell office:value-type="float" office:value="12.5"/>
 </table:table-row>
 <table:table-row table:number-rows-repeated="2">
  <table:table-cell office:value-type="date" office:date-value="2023-01-05"><text:p>2023/1/5</text:p></table:table-cell>
  <table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>真</text:p></table:table-cell>
  <table:table-cell office:value-type="string"><text:p>A&amp;B<text:s text:c="2"/>C</text:p><office:annotation><text:p>注</text:p></office:annotation></table:table-cell>
 </table:table-row>
 <table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table>
</office:spreadsheet></office:body></office:document-content>"#;

#[test]
fn ods_shows_its_written_text_and_merges() {
    let ods = zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("content.xml", ODS_CONTENT),
    ]);
    let doc = ingest(&ods).unwrap();
    assert_eq!(doc.format, Format::Ods);
    assert_eq!(
        doc.text,
        "年初\n预算数\n86.20%\n12.5\n2023-01-05\nTRUE\nA&B  C\n2023-01-05\nTRUE\nA&B  C\n"
    );
    assert_cells(&doc);
    let (t, provs) = table(&doc, 0);
    assert_eq!(t.rows.len(), 4);
    assert_eq!((t.rows[1][0].start, t.rows[1][1].start), (0, 0));
    assert_eq!(
        provs[1][1],
        Provenance::SheetCell {
            sheet: "自评表".into(),
            row: 3,
            column: 1,
            merged: Some([2, 0, 3, 1]),
        }
    );
}

#[test]
fn sniffing_tells_packages_apart() {
    let odt = zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.text"),
        ("content.xml", "<x/>"),
    ]);
    let err = ingest(&odt).unwrap_err().to_string();
    assert!(err.contains(".odt"), "{err}");
    let xlsb = zip_of(&[("xl/workbook.bin", "")]);
    assert!(ingest(&xlsb).unwrap_err().to_string().contains("XLSB"));
    assert_eq!(Format::Xls.as_str(), "xls");
    assert_eq!(Format::Ods.as_str(), "ods");
}
