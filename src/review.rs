//! Review decisions on a stored fact: what an assessor may say about it (confirm, correct,
//! reject with a reason code, undo) and the validation a correction passes before it is
//! stored — the same rules extraction output follows (exact decimals, known units and grades,
//! qualifiers from the closed set), so a corrected fact is indistinguishable in shape from an
//! extracted one.

use crate::domain::{AmountUnit, DocNumber, Qualifier, Rating, parse_decimal};
use crate::extract::FactKind;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// OCR confidence, in hundredths, below which a fact is marked for a second look
/// (`low_confidence` in the API, 识别存疑 on the page). A fact's confidence is the mean of the
/// engine's word confidences over its line, weighted by characters. Tesseract rates words it
/// reads right on clean print in the nineties, and a page that reads under 60 is taken to lie
/// on its side (`ingest::ocr`); a line under 80 holds words the engine itself doubted, which is
/// where a misread digit in an amount hides. Above it, a second look at every line would cost
/// more than it finds; the threshold is a setting to revisit as scored scans accumulate.
pub const LOW_CONFIDENCE_BELOW: i64 = 80;

/// Where a fact stands in review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Pending,
    Confirmed,
    Corrected,
    Rejected,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] = [
        ReviewStatus::Pending,
        ReviewStatus::Confirmed,
        ReviewStatus::Corrected,
        ReviewStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Confirmed => "confirmed",
            ReviewStatus::Corrected => "corrected",
            ReviewStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ReviewStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Why a fact was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    NotAFact,
    WrongValue,
    WrongUnit,
    WrongSpan,
    WrongSubject,
    Duplicate,
}

impl RejectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::NotAFact => "not_a_fact",
            RejectReason::WrongValue => "wrong_value",
            RejectReason::WrongUnit => "wrong_unit",
            RejectReason::WrongSpan => "wrong_span",
            RejectReason::WrongSubject => "wrong_subject",
            RejectReason::Duplicate => "duplicate",
        }
    }
}

/// A correction as the assessor sends it: every field optional, absent means "keep".
/// `subject`/`unit` set to an empty string clear the field.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CorrectionInput {
    /// The new value: a decimal as a string for amounts (in yuan), percents and scores; an
    /// integer for counts; 优/良/中/差 for ratings; `{"title", "number"}` for documents.
    #[schema(value_type = Option<CorrectionValue>)]
    pub value: Option<serde_json::Value>,
    pub unit: Option<String>,
    pub subject: Option<String>,
    pub qualifier: Option<String>,
    pub start: Option<usize>,
    pub end: Option<usize>,
}

/// The shapes a corrected value may take, for the OpenAPI document; the fact's kind decides
/// which one is valid (a wrong one is refused with the field named).
#[derive(utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum CorrectionValue {
    /// A decimal, a count, or a grade (优/良/中/差, or 优秀, 良好 …).
    Text(String),
    Number(LiteralNumber),
    Document(DocumentValue),
}

/// A JSON number, read by its literal digits, never through a float.
#[derive(utoipa::ToSchema)]
#[schema(value_type = f64)]
#[allow(dead_code)]
struct LiteralNumber(());

/// A document's corrected title and/or 发文字号 (at least one).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct DocumentValue {
    title: Option<String>,
    number: Option<String>,
}

/// A correction after validation: values in their stored (normalized) form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Correction {
    pub value: Option<String>,
    pub unit: Option<Option<String>>,
    pub subject: Option<Option<String>>,
    pub qualifier: Option<Qualifier>,
    pub span: Option<(usize, usize)>,
}

/// A field of a correction that failed validation, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// A decision on one fact.
#[derive(Clone, Debug)]
pub enum Decision {
    Confirm {
        note: Option<String>,
    },
    Correct {
        correction: Correction,
        note: Option<String>,
    },
    Reject {
        reason: RejectReason,
        note: Option<String>,
    },
}

impl Decision {
    pub fn action(&self) -> &'static str {
        match self {
            Decision::Confirm { .. } => "confirm",
            Decision::Correct { .. } => "correct",
            Decision::Reject { .. } => "reject",
        }
    }
}

/// The decimal as stored: exact, no exponent, no trailing zeros.
pub fn decimal_text(d: Decimal) -> String {
    d.normalize().to_string()
}

fn value_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.trim().to_string()),
        // A JSON number is taken by its literal digits, never through a float.
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn non_negative_decimal(v: &serde_json::Value) -> Result<Decimal, String> {
    let text = value_text(v).ok_or("expected a decimal written as a string")?;
    let d = parse_decimal(&text).ok_or_else(|| format!("{text:?} is not a decimal number"))?;
    if d.is_sign_negative() {
        return Err("must not be negative".into());
    }
    Ok(d)
}

/// Validates a correction of a fact of `kind` against the rules extraction output follows.
pub fn validate_correction(
    kind: FactKind,
    input: &CorrectionInput,
) -> Result<Correction, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = Correction::default();
    let mut err = |field: &'static str, message: String| errors.push(FieldError { field, message });

    if let Some(v) = &input.value {
        let parsed: Result<String, String> = match kind {
            FactKind::Amount | FactKind::Score => non_negative_decimal(v).map(decimal_text),
            FactKind::Percent => non_negative_decimal(v).and_then(|d| {
                if d > Decimal::from(1000) {
                    Err("a percent above 1000 is not plausible".into())
                } else {
                    Ok(decimal_text(d))
                }
            }),
            FactKind::Count => match v {
                serde_json::Value::Number(n) => n
                    .as_u64()
                    .map(|n| n.to_string())
                    .ok_or_else(|| "a count is a non-negative integer".to_string()),
                serde_json::Value::String(s) => s
                    .trim()
                    .parse::<u64>()
                    .map(|n| n.to_string())
                    .map_err(|_| "a count is a non-negative integer".to_string()),
                _ => Err("a count is a non-negative integer".into()),
            },
            FactKind::Rating => value_text(v)
                .and_then(|s| Rating::parse(&s))
                .map(|r| r.as_str().to_string())
                .ok_or_else(|| "a rating is one of 优, 良, 中, 差 (or 优秀, 良好 …)".to_string()),
            FactKind::Document => document_value(v),
        };
        match parsed {
            Ok(s) => out.value = Some(s),
            Err(m) => err("value", m),
        }
    }

    if let Some(u) = &input.unit {
        let u = u.trim();
        let ok = match kind {
            _ if u.is_empty() => !matches!(
                kind,
                FactKind::Amount | FactKind::Percent | FactKind::Score | FactKind::Count
            ),
            FactKind::Amount => AmountUnit::parse(u).is_some(),
            FactKind::Percent => u == "%",
            FactKind::Score => u == "分",
            FactKind::Count => u.chars().count() <= 4 && !u.chars().any(|c| c.is_ascii_digit()),
            FactKind::Rating | FactKind::Document => false,
        };
        if ok {
            out.unit = Some((!u.is_empty()).then(|| u.to_string()));
        } else {
            err(
                "unit",
                match kind {
                    FactKind::Amount => {
                        "an amount's unit is one of 元, 千元, 万元, 亿元, 千, 万, 亿"
                    }
                    FactKind::Percent => "a percent's unit is %",
                    FactKind::Score => "a score's unit is 分",
                    FactKind::Count => "a count's unit is a measure word (个, 家, 项 …)",
                    FactKind::Rating | FactKind::Document => "this kind of fact has no unit",
                }
                .to_string(),
            );
        }
    }

    if let Some(s) = &input.subject {
        let s = s.trim();
        if s.chars().count() > 200 {
            err("subject", "at most 200 characters".into());
        } else {
            out.subject = Some((!s.is_empty()).then(|| s.to_string()));
        }
    }

    if let Some(q) = &input.qualifier {
        match Qualifier::parse(q) {
            Some(q) => out.qualifier = Some(q),
            None => err(
                "qualifier",
                "one of exact, approx, at_least, at_most".to_string(),
            ),
        }
    }

    match (input.start, input.end) {
        (None, None) => {}
        (Some(s), Some(e)) if s < e => out.span = Some((s, e)),
        (Some(_), Some(_)) => err("span", "start must be before end".into()),
        _ => err("span", "give both start and end".into()),
    }

    let unchanged = out == Correction::default();
    if errors.is_empty() && unchanged {
        errors.push(FieldError {
            field: "value",
            message: "a correction changes at least one field".into(),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A document's value as stored: `{"title": …, "number": …}` with the number normalized.
fn document_value(v: &serde_json::Value) -> Result<String, String> {
    let obj = v
        .as_object()
        .ok_or("a document's value is {\"title\": …, \"number\": …}")?;
    let field = |k: &str| -> Result<Option<String>, String> {
        match obj.get(k) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(_) => Err(format!("{k} must be a string")),
        }
    };
    let title = field("title")?.map(|t| t.trim_matches(['《', '》']).to_string());
    let number = match field("number")? {
        Some(n) => Some(
            DocNumber::parse(&n)
                .map(|d| d.normalized())
                .ok_or_else(|| format!("{n:?} is not a 发文字号 like 财预〔2020〕10号"))?,
        ),
        None => None,
    };
    if title.is_none() && number.is_none() {
        return Err("a document needs a title or a number".into());
    }
    Ok(serde_json::json!({ "title": title, "number": number }).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: serde_json::Value) -> CorrectionInput {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn amounts_are_exact_decimals_with_known_units() {
        let c = validate_correction(
            FactKind::Amount,
            &input(json!({"value": "269161700.00", "unit": "万元"})),
        )
        .unwrap();
        assert_eq!(c.value.as_deref(), Some("269161700"));
        assert_eq!(c.unit, Some(Some("万元".into())));
        let e = validate_correction(
            FactKind::Amount,
            &input(json!({"value": "abc", "unit": "美元"})),
        )
        .unwrap_err();
        assert_eq!(e.len(), 2);
    }

    #[test]
    fn ratings_counts_and_qualifiers() {
        let c = validate_correction(FactKind::Rating, &input(json!({"value": "良好"}))).unwrap();
        assert_eq!(c.value.as_deref(), Some("良"));
        assert!(validate_correction(FactKind::Count, &input(json!({"value": -3}))).is_err());
        assert!(validate_correction(FactKind::Count, &input(json!({"value": 57}))).is_ok());
        assert!(
            validate_correction(FactKind::Score, &input(json!({"qualifier": "about"}))).is_err()
        );
        assert!(validate_correction(FactKind::Score, &input(json!({}))).is_err());
        assert!(
            validate_correction(FactKind::Score, &input(json!({"start": 5, "end": 2}))).is_err()
        );
    }
}
