//! TXT uploads: BOM first (UTF-8, UTF-16), then strict UTF-8, then a charset guess
//! (chardetng, over the first thousands of characters of a long file, over all of it when
//! that guess does not decode the whole) decoded with encoding_rs (GBK is decoded as
//! GB18030, so four-byte sequences work too). The decoded text is the document's text,
//! unchanged.

use super::{Block, Format, IngestError, Ingested, Provenance};
use encoding_rs::Encoding;

/// Decodes text bytes, returning the text and the encoding's name.
pub fn decode_text(bytes: &[u8]) -> Result<(String, &'static str), IngestError> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(IngestError::NotText(format!(
                "invalid {} after its byte-order mark",
                encoding.name()
            )));
        }
        return checked(text.into_owned(), encoding.name());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return checked(text.to_string(), "UTF-8");
    }
    if let Some(mixed) = mixed_utf8(bytes) {
        return Err(IngestError::NotText(mixed));
    }
    let beginning = beginning_end(bytes);
    let mut encoding = guess_encoding(bytes, beginning);
    let (mut text, mut had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors && beginning.is_some() {
        // The beginning was not the whole story: the guess over every byte decides.
        encoding = guess_encoding(bytes, None);
        (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    }
    if had_errors {
        return Err(IngestError::NotText(format!(
            "bytes are neither UTF-8 nor valid {}",
            encoding.name()
        )));
    }
    checked(text.into_owned(), encoding.name())
}

/// How much of a long file the charset guess reads: its beginning up to the line holding
/// this many bytes outside ASCII. chardetng runs every candidate encoding over each byte it is
/// fed (about 4,000 instructions a byte, several times the cost of extracting the text
/// itself), and thousands of characters settle a report's encoding as surely as the rest
/// would. ASCII does not count towards it: it says nothing of the encoding.
const GUESS_NON_ASCII: usize = 8 * 1024;

/// chardetng's guess, over `bytes[..end]` when an end is given (the beginning of the file,
/// see [`beginning_end`]; the detector is told more would follow), else over every byte.
fn guess_encoding(bytes: &[u8], end: Option<usize>) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    match end {
        Some(end) => detector.feed(&bytes[..end], false),
        None => detector.feed(bytes, true),
    };
    detector.guess(None, chardetng::Utf8Detection::Deny)
}

/// Where the beginning the guess reads ends: just after the first line break once
/// [`GUESS_NON_ASCII`] bytes outside ASCII were seen (a line break is never part of a
/// multi-byte character in GBK, Big5 or the others, so none is cut); `None` when the file is
/// not longer.
fn beginning_end(bytes: &[u8]) -> Option<usize> {
    let mut non_ascii = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x80 {
            non_ascii += 1;
        } else if b == b'\n' && non_ascii >= GUESS_NON_ASCII {
            return (i + 1 < bytes.len()).then_some(i + 1);
        }
    }
    None
}

/// A file that is UTF-8 but for some places (a part pasted in from a GBK file, say): no
/// single encoding reads all of it, and guessing one would garble the rest. Says where the
/// first invalid byte stands. `None` when the file is not mostly UTF-8.
fn mixed_utf8(bytes: &[u8]) -> Option<String> {
    let mut valid_multibyte = 0usize;
    let mut invalid = 0usize;
    let mut places = 0usize;
    let mut first_invalid = None;
    let mut at = 0usize;
    for chunk in bytes.utf8_chunks() {
        valid_multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        at += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            first_invalid.get_or_insert(at);
            invalid += chunk.invalid().len();
            places += 1;
            at += chunk.invalid().len();
        }
    }
    // Text in another multi-byte encoding (GBK, Big5) is almost never valid UTF-8 for long:
    // most of its non-ASCII bytes fail. Here most non-ASCII characters are valid UTF-8.
    let first = first_invalid?;
    (valid_multibyte >= 8 && valid_multibyte * 3 >= invalid * 2).then(|| {
        format!(
            "invalid UTF-8 at byte offset {first} ({invalid} bytes in {places} places) in a file \
             that is otherwise UTF-8: it looks like mixed encodings (a part in GBK?); save the \
             whole file as UTF-8 / 第 {first} 字节起不是有效的 UTF-8，文件似乎混用了多种编码"
        )
    })
}

/// Rejects decoded "text" that is mostly control characters (a binary file that happened to
/// decode) or has no visible character at all.
fn checked(text: String, encoding: &'static str) -> Result<(String, &'static str), IngestError> {
    let mut visible = 0usize;
    let mut control = 0usize;
    for c in text.chars() {
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}') {
            control += 1;
        } else if !c.is_whitespace() {
            visible += 1;
        }
    }
    if visible == 0 {
        return Err(IngestError::Empty);
    }
    if control * 20 > visible {
        return Err(IngestError::NotText(format!(
            "{control} control characters among {visible} visible ones"
        )));
    }
    Ok((text, encoding))
}

pub(super) fn ingest_text(bytes: &[u8]) -> Result<Ingested, IngestError> {
    let (text, encoding) = decode_text(bytes)?;
    let blocks = paragraphs(&text);
    Ok(Ingested {
        format: Format::Txt,
        text,
        blocks,
        low_confidence: false,
        encoding: Some(encoding),
        ocr: None,
    })
}

/// One paragraph block per non-blank line, with its line number.
fn paragraphs(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut offset = 0usize;
    for (index, line) in text.split('\n').enumerate() {
        let len = line.chars().count();
        if !line.trim().is_empty() {
            blocks.push(Block::Paragraph {
                start: offset,
                end: offset + len,
                provenance: Provenance::Text {
                    line: index as u32 + 1,
                    column: 1,
                },
            });
        }
        offset += len + 1;
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode_text("预算".as_bytes()).unwrap().0, "预算");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("预算".as_bytes());
        assert_eq!(decode_text(&bom).unwrap().0, "预算");
    }

    #[test]
    fn utf16_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "绩效 12".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode_text(&bytes).unwrap().0, "绩效 12");
    }

    #[test]
    fn gbk_is_detected() {
        let (bytes, _, _) = encoding_rs::GBK.encode("预算绩效管理工作总结，涉及资金 1.80 亿元。");
        let (text, enc) = decode_text(&bytes).unwrap();
        assert_eq!(text, "预算绩效管理工作总结，涉及资金 1.80 亿元。");
        assert_eq!(enc, "GBK");
    }

    #[test]
    fn a_long_file_is_guessed_from_its_beginning_as_from_all_of_it() {
        for (line, encoding, name) in [
            (
                "预算绩效管理工作总结，涉及资金 1.80 亿元，评价等级为良好。",
                encoding_rs::GBK,
                "GBK",
            ),
            (
                "預算績效管理工作總結，涉及資金 1.80 億元，評價等級為良好。",
                encoding_rs::BIG5,
                "Big5",
            ),
            (
                "予算の業績管理報告、資金は1.80億円、評価は良好です。",
                encoding_rs::SHIFT_JIS,
                "Shift_JIS",
            ),
        ] {
            let report = format!("{line}\n").repeat(2000);
            let (bytes, _, unmappable) = encoding.encode(&report);
            assert!(!unmappable);
            let end = beginning_end(&bytes).expect("a long file");
            assert!(end < bytes.len() / 4 && bytes[end - 1] == b'\n');
            assert_eq!(guess_encoding(&bytes, None).name(), name);
            assert_eq!(guess_encoding(&bytes, Some(end)).name(), name);
            let (text, enc) = decode_text(&bytes).unwrap();
            assert_eq!((text.as_str(), enc), (report.as_str(), name));
        }
        // One line longer than the beginning: nothing to cut at, all of it is read.
        let line = "预算绩效管理工作总结，涉及资金 1.80 亿元。".repeat(1000);
        let (bytes, _, _) = encoding_rs::GBK.encode(&line);
        assert_eq!(beginning_end(&bytes), None);
        assert_eq!(decode_text(&bytes).unwrap(), (line, "GBK"));
    }

    #[test]
    fn ascii_lines_first_do_not_shorten_the_beginning() {
        // 40 KiB of ASCII, then GBK: the beginning reaches into the GBK lines.
        let ascii = "budget line 12.5\n".repeat(2400);
        let chinese = "预算绩效管理工作总结。\n".repeat(1000);
        let mut bytes = ascii.clone().into_bytes();
        let (gbk, _, _) = encoding_rs::GBK.encode(&chinese);
        bytes.extend_from_slice(&gbk);
        let end = beginning_end(&bytes).expect("a long file");
        assert!(end > ascii.len() + GUESS_NON_ASCII && end < bytes.len());
        let (text, enc) = decode_text(&bytes).unwrap();
        assert_eq!((text, enc), (ascii + &chinese, "GBK"));
    }

    #[test]
    fn a_gbk_part_in_a_utf8_file_is_named() {
        let mut bytes = "预算绩效管理工作总结，涉及资金 1.80 亿元。\n"
            .repeat(20)
            .into_bytes();
        let at = bytes.len();
        let (gbk, _, _) = encoding_rs::GBK.encode("涉及资金");
        bytes.extend_from_slice(&gbk);
        bytes.extend_from_slice("其余内容仍是 UTF-8。".as_bytes());
        match decode_text(&bytes) {
            Err(IngestError::NotText(m)) => {
                assert!(
                    m.contains(&format!("invalid UTF-8 at byte offset {at}")),
                    "{m}"
                );
                assert!(m.contains("mixed encodings"), "{m}");
            }
            other => panic!("expected a mixed-encoding error, got {other:?}"),
        }
    }

    #[test]
    fn binary_garbage_is_rejected() {
        let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert!(decode_text(&bytes).is_err());
        assert_eq!(decode_text(b"  \n\t ").unwrap_err(), IngestError::Empty);
    }
}
