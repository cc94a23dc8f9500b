//! TXT uploads: BOM first (UTF-8, UTF-16), then strict UTF-8, then a charset guess over the
//! whole file (chardetng) decoded with encoding_rs (GBK is decoded as GB18030, so four-byte
//! sequences work too). The decoded text is the document's text, unchanged.

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
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let encoding = detector.guess(None, chardetng::Utf8Detection::Deny);
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(IngestError::NotText(format!(
            "bytes are neither UTF-8 nor valid {}",
            encoding.name()
        )));
    }
    checked(text.into_owned(), encoding.name())
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
    fn binary_garbage_is_rejected() {
        let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert!(decode_text(&bytes).is_err());
        assert_eq!(decode_text(b"  \n\t ").unwrap_err(), IngestError::Empty);
    }
}
