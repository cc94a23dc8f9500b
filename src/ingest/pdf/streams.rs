//! Compressed streams measured before any PDF library touches them. lopdf inflates object
//! streams while loading and pdf-extract inflates content streams and fonts while reading,
//! both into memory and without a limit, so a small file of highly compressed zeros (1 MiB
//! that inflates to 1 GiB) would take gigabytes. Here every Flate-compressed stream of the
//! file is inflated once into nothing, through a reader with a byte budget per stream and
//! for the whole file, as the ZIP readers do (`zipsafe`): a file over either budget is
//! refused before it is loaded, in constant memory. Images are skipped: they are never
//! inflated here (their streams are replaced by empty ones before the content is read).

use crate::ingest::IngestError;
use crate::ingest::zipsafe::{LIMIT_HIT, LimitedReader};
use regex::bytes::Regex;
use std::sync::LazyLock;
use std::time::Instant;

/// Most bytes one stream may inflate to: far more than any page's content or font.
pub const MAX_STREAM_INFLATED: u64 = 64 * 1024 * 1024;
/// Most bytes all streams of one file together may inflate to.
pub const MAX_DOCUMENT_INFLATED: u64 = 256 * 1024 * 1024;
/// How far before its `stream` keyword a stream's dictionary is looked for.
const MAX_DICTIONARY_BYTES: usize = 64 * 1024;

/// The `stream` keyword and its end of line, where a stream's data starts.
static STREAM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)stream(?:\r\n|\n|\r)").expect("valid pattern"));
static ENDSTREAM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)endstream").expect("valid pattern"));
static FLATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)/Filter\s*\[?\s*/(?:FlateDecode|Fl)\b").expect("valid"));
static IMAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)/Subtype\s*/Image\b").expect("valid pattern"));

/// Refuses a file whose Flate streams inflate to more than the budgets allow, or whose
/// measuring runs past `deadline`.
pub fn check_inflated_sizes(bytes: &[u8], deadline: Instant) -> Result<(), IngestError> {
    check_within(bytes, deadline, MAX_STREAM_INFLATED, MAX_DOCUMENT_INFLATED)
}

fn check_within(
    bytes: &[u8],
    deadline: Instant,
    per_stream: u64,
    per_document: u64,
) -> Result<(), IngestError> {
    let mut left = per_document;
    let mut from = 0;
    while let Some(m) = STREAM.find_at(bytes, from) {
        from = m.end();
        // "endstream" ends in "stream": not the start of one.
        if bytes[..m.start()].ends_with(b"end") {
            continue;
        }
        let dict_from = m.start().saturating_sub(MAX_DICTIONARY_BYTES);
        let head = &bytes[dict_from..m.start()];
        // The dictionary: from this object's `obj` keyword on.
        let dict = head
            .windows(3)
            .rposition(|w| w == b"obj")
            .map_or(head, |k| &head[k..]);
        let data_end = ENDSTREAM
            .find_at(bytes, m.end())
            .map_or(bytes.len(), |e| e.start());
        from = data_end.max(m.end());
        if !FLATE.is_match(dict) || IMAGE.is_match(dict) {
            continue;
        }
        if Instant::now() >= deadline {
            return Err(IngestError::Limit(
                "reading the PDF took longer than its time limit".into(),
            ));
        }
        let budget = left.min(per_stream);
        let inflated = inflated_size(&bytes[m.end()..data_end], budget).map_err(|_| {
            let whole_file = budget < per_stream;
            IngestError::Limit(if whole_file {
                format!(
                    "the PDF's compressed streams inflate to more than {} MiB in all (a \
                     decompression bomb?)",
                    per_document >> 20
                )
            } else {
                format!(
                    "a compressed stream of the PDF inflates to more than {} MiB (a \
                     decompression bomb?)",
                    per_stream >> 20
                )
            })
        })?;
        left -= inflated;
    }
    Ok(())
}

/// Bytes a zlib stream inflates to, up to `budget`; `Err` past it. A stream that is not valid
/// zlib counts what inflated before the error: the PDF library will fail on it the same way.
fn inflated_size(data: &[u8], budget: u64) -> Result<u64, ()> {
    let decoder = flate2::read::ZlibDecoder::new(data);
    let mut limited = LimitedReader {
        inner: decoder,
        left: budget,
    };
    let mut sink = CountingSink(0);
    match std::io::copy(&mut limited, &mut sink) {
        Ok(n) => Ok(n),
        Err(e) if e.to_string().contains(LIMIT_HIT) => Err(()),
        Err(_) => Ok(sink.0),
    }
}

/// Discards what is written, counting it.
struct CountingSink(u64);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::Duration;

    fn zlib_zeros(n: u64) -> Vec<u8> {
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let chunk = vec![0u8; 1 << 20];
        let mut left = n;
        while left > 0 {
            let k = left.min(chunk.len() as u64) as usize;
            enc.write_all(&chunk[..k]).unwrap();
            left -= k as u64;
        }
        enc.finish().unwrap()
    }

    fn pdf_with(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n".to_vec();
        for (i, (dict, data)) in streams.iter().enumerate() {
            out.extend_from_slice(format!("{} 0 obj\n{dict}\nstream\n", i + 1).as_bytes());
            out.extend_from_slice(data);
            out.extend_from_slice(b"\nendstream\nendobj\n");
        }
        out
    }

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    const MIB: u64 = 1 << 20;

    #[test]
    fn a_stream_over_its_budget_is_refused() {
        let bomb = zlib_zeros(2 * MIB + 1);
        let pdf = pdf_with(&[("<< /Length 1 /Filter /FlateDecode >>", bomb.clone())]);
        let err = check_within(&pdf, far(), 2 * MIB, 8 * MIB).unwrap_err();
        assert!(err.to_string().contains("a compressed stream"), "{err}");
        assert!(check_within(&pdf, far(), 3 * MIB, 8 * MIB).is_ok());
        // The same bytes as an image are not inflated here.
        let image = pdf_with(&[("<< /Subtype /Image /Filter /FlateDecode /Length 1 >>", bomb)]);
        assert!(check_within(&image, far(), 2 * MIB, 8 * MIB).is_ok());
    }

    #[test]
    fn streams_together_over_the_file_budget_are_refused() {
        let part = zlib_zeros(2 * MIB);
        let each = "<< /Filter [/FlateDecode] /Length 1 >>";
        let streams: Vec<(&str, Vec<u8>)> = (0..5).map(|_| (each, part.clone())).collect();
        let err = check_within(&pdf_with(&streams), far(), 4 * MIB, 9 * MIB).unwrap_err();
        assert!(err.to_string().contains("in all"), "{err}");
        assert!(check_within(&pdf_with(&streams[..4]), far(), 4 * MIB, 9 * MIB).is_ok());
    }

    #[test]
    fn broken_and_plain_streams_pass() {
        let pdf = pdf_with(&[
            ("<< /Filter /FlateDecode >>", b"not zlib at all".to_vec()),
            ("<< /Length 5 >>", b"BT ET".to_vec()),
        ]);
        assert!(check_inflated_sizes(&pdf, far()).is_ok());
        let past = Instant::now();
        let flate = pdf_with(&[("<< /Filter /FlateDecode >>", zlib_zeros(10))]);
        assert!(check_inflated_sizes(&flate, past).is_err());
    }
}
