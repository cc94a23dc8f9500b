//! Precision per extraction rule, as review implies it. The store hands over counts and the
//! facts review found wrong; this module owns the arithmetic: precision over decided facts,
//! its 95 % Wilson score interval, corrections by field, rejections by reason and the
//! documents where a rule failed most. Pure functions, so the numbers are tested by hand.

use serde::Serialize;
use std::collections::BTreeMap;

/// z for a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

/// The 95 % Wilson score interval of `successes` out of `trials`, or `None` for no trials.
/// Unlike the normal approximation it stays inside [0, 1] and is honest for small counts
/// (0 of 3 is not "precision 0 ± 0").
pub fn wilson_interval(successes: u64, trials: u64) -> Option<(f64, f64)> {
    if trials == 0 || successes > trials {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let margin = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some(((centre - margin).max(0.0), (centre + margin).min(1.0)))
}

/// How many documents the stats list for each rule, worst first.
pub const WORST_DOCUMENTS: usize = 5;

/// Counts of one rule's facts by review status (the store's `GROUP BY`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusCounts {
    pub pending: u64,
    pub confirmed: u64,
    pub corrected: u64,
    pub rejected: u64,
}

/// A fact review found wrong: corrected (with the fields that changed) or rejected (with
/// the reason given).
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub rule: Option<String>,
    pub document_id: i64,
    pub file_name: Option<String>,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The fields a correction changed against the fact as extracted (value, unit, …).
    Corrected { fields: Vec<&'static str> },
    /// The reject reason (`not_a_fact` …), `None` where none was recorded.
    Rejected { reason: Option<String> },
}

/// A document where a rule failed, with how often.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocumentFailures {
    pub document_id: i64,
    pub file_name: Option<String>,
    pub corrected: u64,
    pub rejected: u64,
}

/// One rule's review record and the precision it implies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleStats {
    /// The rule's id; `None` for facts stored before rules were recorded.
    pub rule: Option<String>,
    pub total: u64,
    pub pending: u64,
    pub confirmed: u64,
    pub corrected: u64,
    pub rejected: u64,
    pub decided: u64,
    /// Corrected facts by the field corrected; a fact corrected in two fields counts in both.
    pub corrected_fields: BTreeMap<String, u64>,
    /// Rejected facts by reason (`unspecified` where none was given).
    pub rejected_reasons: BTreeMap<String, u64>,
    /// confirmed / decided; `None` when nothing is decided.
    pub precision: Option<f64>,
    /// The 95 % Wilson score interval of `precision`, as `[low, high]`.
    pub interval: Option<[f64; 2]>,
    /// The documents with the most corrected and rejected facts of this rule.
    pub worst_documents: Vec<DocumentFailures>,
}

/// Rounds to four places, as the API's other ratios are.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// One `RuleStats` per rule that has facts, ordered by rule id (the unrecorded rule last).
pub fn per_rule(
    counts: Vec<(Option<String>, StatusCounts)>,
    failures: &[Failure],
) -> Vec<RuleStats> {
    let mut out: Vec<RuleStats> = counts
        .into_iter()
        .map(|(rule, c)| {
            let decided = c.confirmed + c.corrected + c.rejected;
            let mut corrected_fields = BTreeMap::new();
            let mut rejected_reasons = BTreeMap::new();
            let mut documents: BTreeMap<i64, DocumentFailures> = BTreeMap::new();
            for f in failures.iter().filter(|f| f.rule == rule) {
                let doc = documents
                    .entry(f.document_id)
                    .or_insert_with(|| DocumentFailures {
                        document_id: f.document_id,
                        file_name: f.file_name.clone(),
                        corrected: 0,
                        rejected: 0,
                    });
                match &f.outcome {
                    Outcome::Corrected { fields } => {
                        doc.corrected += 1;
                        for field in fields {
                            *corrected_fields.entry((*field).to_string()).or_insert(0) += 1;
                        }
                    }
                    Outcome::Rejected { reason } => {
                        doc.rejected += 1;
                        let reason = reason.clone().unwrap_or_else(|| "unspecified".into());
                        *rejected_reasons.entry(reason).or_insert(0) += 1;
                    }
                }
            }
            let mut worst: Vec<DocumentFailures> = documents.into_values().collect();
            // Most failures first; the older document first among equals.
            worst.sort_by_key(|d| (std::cmp::Reverse(d.corrected + d.rejected), d.document_id));
            worst.truncate(WORST_DOCUMENTS);
            RuleStats {
                total: c.pending + decided,
                pending: c.pending,
                confirmed: c.confirmed,
                corrected: c.corrected,
                rejected: c.rejected,
                decided,
                corrected_fields,
                rejected_reasons,
                precision: (decided > 0).then(|| round4(c.confirmed as f64 / decided as f64)),
                interval: wilson_interval(c.confirmed, decided)
                    .map(|(lo, hi)| [round4(lo), round4(hi)]),
                worst_documents: worst,
                rule,
            }
        })
        .collect();
    out.sort_by(|a, b| match (&a.rule, &b.rule) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    out
}

/// The fields a correction changed: the fact as extracted (the state before its first
/// decision, from the review log) against the fact as it stands. Either side is a JSON
/// object with `value`, `unit`, `qualifier`, `subject`, `start`, `end`.
pub fn changed_fields(before: &serde_json::Value, now: &serde_json::Value) -> Vec<&'static str> {
    let differs = |k: &str| before.get(k) != now.get(k);
    let mut out = Vec::new();
    for field in ["value", "unit", "qualifier", "subject"] {
        if differs(field) {
            out.push(field);
        }
    }
    if differs("start") || differs("end") {
        out.push("span");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn close(got: (f64, f64), want: (f64, f64)) {
        assert!(
            (got.0 - want.0).abs() < 5e-4 && (got.1 - want.1).abs() < 5e-4,
            "{got:?} against {want:?}"
        );
    }

    /// Values worked by hand from (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n).
    #[test]
    fn wilson_against_hand_computed_values() {
        close(wilson_interval(8, 10).unwrap(), (0.490, 0.943));
        // p = 1, n = 10: centre 0.8612, margin 0.1388.
        close(wilson_interval(10, 10).unwrap(), (0.722, 1.0));
        close(wilson_interval(0, 10).unwrap(), (0.0, 0.278));
        close(wilson_interval(1, 2).unwrap(), (0.095, 0.905));
        close(wilson_interval(50, 100).unwrap(), (0.404, 0.596));
        close(wilson_interval(1, 1).unwrap(), (0.207, 1.0));
    }

    #[test]
    fn wilson_of_nothing_is_none() {
        assert_eq!(wilson_interval(0, 0), None);
        assert_eq!(wilson_interval(3, 2), None);
    }

    #[test]
    fn wilson_narrows_with_more_trials() {
        let (lo10, hi10) = wilson_interval(8, 10).unwrap();
        let (lo1000, hi1000) = wilson_interval(800, 1000).unwrap();
        assert!(hi1000 - lo1000 < hi10 - lo10);
        assert!(lo1000 < 0.8 && 0.8 < hi1000);
    }

    #[test]
    fn fields_a_correction_changed() {
        let before = json!({"value": "5", "unit": "万元", "qualifier": "exact",
                            "subject": "资金", "start": 3, "end": 6});
        let mut now = before.clone();
        assert!(changed_fields(&before, &now).is_empty());
        now["value"] = json!("50");
        now["subject"] = json!(null);
        assert_eq!(changed_fields(&before, &now), vec!["value", "subject"]);
        now["end"] = json!(7);
        assert_eq!(
            changed_fields(&before, &now),
            vec!["value", "subject", "span"]
        );
    }

    #[test]
    fn per_rule_counts_reasons_fields_and_documents() {
        let rule = Some("amount.inline".to_string());
        let failure = |doc: i64, outcome| Failure {
            rule: rule.clone(),
            document_id: doc,
            file_name: Some(format!("{doc}.txt")),
            outcome,
        };
        let failures = vec![
            failure(
                2,
                Outcome::Corrected {
                    fields: vec!["value"],
                },
            ),
            failure(
                1,
                Outcome::Corrected {
                    fields: vec!["value", "subject"],
                },
            ),
            failure(
                1,
                Outcome::Rejected {
                    reason: Some("not_a_fact".into()),
                },
            ),
            failure(2, Outcome::Rejected { reason: None }),
            failure(
                3,
                Outcome::Rejected {
                    reason: Some("not_a_fact".into()),
                },
            ),
            Failure {
                rule: None,
                document_id: 9,
                file_name: None,
                outcome: Outcome::Rejected { reason: None },
            },
        ];
        let counts = vec![
            (
                None,
                StatusCounts {
                    rejected: 1,
                    ..Default::default()
                },
            ),
            (
                rule.clone(),
                StatusCounts {
                    pending: 4,
                    confirmed: 3,
                    corrected: 2,
                    rejected: 3,
                },
            ),
        ];
        let stats = per_rule(counts, &failures);
        assert_eq!(stats.len(), 2);
        let s = &stats[0];
        assert_eq!(s.rule, rule);
        assert_eq!((s.total, s.decided), (12, 8));
        assert_eq!(s.precision, Some(0.375));
        let (lo, hi) = wilson_interval(3, 8).unwrap();
        assert_eq!(s.interval, Some([round4(lo), round4(hi)]));
        assert_eq!(s.corrected_fields.get("value"), Some(&2));
        assert_eq!(s.corrected_fields.get("subject"), Some(&1));
        assert_eq!(s.rejected_reasons.get("not_a_fact"), Some(&2));
        assert_eq!(s.rejected_reasons.get("unspecified"), Some(&1));
        let worst: Vec<(i64, u64, u64)> = s
            .worst_documents
            .iter()
            .map(|d| (d.document_id, d.corrected, d.rejected))
            .collect();
        assert_eq!(worst, vec![(1, 1, 1), (2, 1, 1), (3, 0, 1)]);
        assert_eq!(stats[1].rule, None);
        assert_eq!(stats[1].precision, Some(0.0));
    }
}
