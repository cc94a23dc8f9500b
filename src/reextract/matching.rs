//! Which stored fact a fact of a newer extraction is. A fact is identified by what the
//! extractor read — its kind, normalized value, span and text — never by what a reviewer made
//! of it, so a corrected fact is still recognized by the reading it corrected.
//!
//! Three passes, each over what the ones before left unmatched:
//! 1. **same**: same kind, value and span;
//! 2. **moved**: same kind, value and text at another span (the text was re-read, or a fact
//!    appeared before it): equal keys are paired in their order of occurrence, so the second
//!    "100万元" of the old reading is the second of the new one;
//! 3. **changed**: same kind and span, another value.
//!
//! What is left is new (the newer extractor's only) or gone (the older one's only).

use std::collections::{HashMap, VecDeque};

/// What an extractor read: the identity of a fact across extractions.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    pub kind: String,
    /// The normalized value as the JSON contract writes it (`"1200000"`, `3`, `"优"`, …).
    pub value: serde_json::Value,
    pub start: i64,
    pub end: i64,
    pub text: String,
}

impl Reading {
    /// A fact's reading from its JSON (a fresh fact serialized, or a stored fact's
    /// `original`); `None` when the JSON lacks one of the fields.
    pub fn from_json(v: &serde_json::Value) -> Option<Reading> {
        Some(Reading {
            kind: v.get("kind")?.as_str()?.to_string(),
            value: v.get("value")?.clone(),
            start: v.get("start")?.as_i64()?,
            end: v.get("end")?.as_i64()?,
            text: v.get("text")?.as_str()?.to_string(),
        })
    }

    /// The value as a key (JSON text: exact, and equal values write equally).
    fn value_key(&self) -> String {
        self.value.to_string()
    }
}

/// How a new fact matched an old one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    Same,
    Moved,
    Changed,
}

/// Old fact `old` is new fact `new` (indexes into the slices given to [`match_facts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    pub old: usize,
    pub new: usize,
    pub how: How,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Matching {
    /// In the order of the new facts.
    pub matches: Vec<Match>,
    /// Old facts the newer extraction no longer produces.
    pub gone: Vec<usize>,
    /// New facts no old one matches.
    pub fresh: Vec<usize>,
}

/// The key a pass pairs readings by.
type KeyOf = fn(&Reading) -> String;

/// Pairs old facts with new ones (see the module's note). Old facts are taken in order of
/// their span; new facts in their order, which is the text's.
pub fn match_facts(old: &[Reading], new: &[Reading]) -> Matching {
    let mut order: Vec<usize> = (0..old.len()).collect();
    order.sort_by_key(|&i| (old[i].start, old[i].end, i));
    let mut matched_old = vec![false; old.len()];
    let mut matched_new: Vec<Option<Match>> = vec![None; new.len()];

    let passes: [(How, KeyOf); 3] = [
        (How::Same, |r| {
            format!(
                "{}\u{0}{}\u{0}{}\u{0}{}",
                r.kind,
                r.value_key(),
                r.start,
                r.end
            )
        }),
        (How::Moved, |r| {
            format!("{}\u{0}{}\u{0}{}", r.kind, r.value_key(), r.text)
        }),
        (How::Changed, |r| {
            format!("{}\u{0}{}\u{0}{}", r.kind, r.start, r.end)
        }),
    ];
    for (how, key) in passes {
        let mut waiting: HashMap<String, VecDeque<usize>> = HashMap::new();
        for &i in order.iter().filter(|&&i| !matched_old[i]) {
            waiting.entry(key(&old[i])).or_default().push_back(i);
        }
        for (n, reading) in new.iter().enumerate() {
            if matched_new[n].is_some() {
                continue;
            }
            if let Some(o) = waiting.get_mut(&key(reading)).and_then(VecDeque::pop_front) {
                matched_old[o] = true;
                matched_new[n] = Some(Match {
                    old: o,
                    new: n,
                    how,
                });
            }
        }
    }
    Matching {
        matches: matched_new.iter().flatten().copied().collect(),
        gone: order.into_iter().filter(|&i| !matched_old[i]).collect(),
        fresh: (0..new.len())
            .filter(|&n| matched_new[n].is_none())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(kind: &str, value: serde_json::Value, start: i64, text: &str) -> Reading {
        Reading {
            kind: kind.into(),
            value,
            start,
            end: start + text.chars().count() as i64,
            text: text.into(),
        }
    }

    #[test]
    fn the_same_reading_matches_itself() {
        let old = vec![
            r("amount", json!("1000000"), 3, "100万元"),
            r("count", json!(3), 20, "3个"),
        ];
        let m = match_facts(&old, &old);
        assert_eq!(
            m.matches,
            vec![
                Match {
                    old: 0,
                    new: 0,
                    how: How::Same
                },
                Match {
                    old: 1,
                    new: 1,
                    how: How::Same
                },
            ]
        );
        assert!(m.gone.is_empty() && m.fresh.is_empty());
    }

    #[test]
    fn text_inserted_before_moves_spans_and_equal_keys_pair_in_order() {
        let old = vec![
            r("amount", json!("1000000"), 3, "100万元"),
            r("amount", json!("1000000"), 30, "100万元"),
        ];
        // A fact appeared at the front and everything moved by 10.
        let new = vec![
            r("count", json!(2), 0, "2项"),
            r("amount", json!("1000000"), 13, "100万元"),
            r("amount", json!("1000000"), 40, "100万元"),
        ];
        let m = match_facts(&old, &new);
        assert_eq!(
            m.matches,
            vec![
                Match {
                    old: 0,
                    new: 1,
                    how: How::Moved
                },
                Match {
                    old: 1,
                    new: 2,
                    how: How::Moved
                },
            ]
        );
        assert_eq!(m.fresh, vec![0]);
        assert!(m.gone.is_empty());
    }

    #[test]
    fn a_new_value_at_the_same_span_is_a_change_and_the_rest_is_gone_or_fresh() {
        let old = vec![
            r("percent", json!("95"), 5, "95%"),
            r("rating", json!("优"), 12, "优"),
        ];
        let new = vec![
            r("percent", json!("96"), 5, "96%"),
            r("score", json!("90"), 40, "90分"),
        ];
        let m = match_facts(&old, &new);
        assert_eq!(
            m.matches,
            vec![Match {
                old: 0,
                new: 0,
                how: How::Changed
            }]
        );
        assert_eq!(m.gone, vec![1]);
        assert_eq!(m.fresh, vec![1]);
    }

    #[test]
    fn a_same_span_match_wins_over_a_moved_one() {
        // The old fact at 10 stays at 10; the one at 50 is what moved to 60.
        let old = vec![
            r("amount", json!("5"), 10, "5元"),
            r("amount", json!("5"), 50, "5元"),
        ];
        let new = vec![
            r("amount", json!("5"), 10, "5元"),
            r("amount", json!("5"), 60, "5元"),
        ];
        let m = match_facts(&old, &new);
        assert_eq!(
            m.matches[0],
            Match {
                old: 0,
                new: 0,
                how: How::Same
            }
        );
        assert_eq!(
            m.matches[1],
            Match {
                old: 1,
                new: 1,
                how: How::Moved
            }
        );
    }

    #[test]
    fn a_reading_is_parsed_from_a_facts_json() {
        let v = json!({"id": 0, "kind": "count", "text": "3个", "start": 4, "end": 6,
                       "value": 3, "qualifier": "exact", "subject": null});
        let reading = Reading::from_json(&v).unwrap();
        assert_eq!(reading, r("count", json!(3), 4, "3个"));
        assert_eq!(Reading::from_json(&json!({"kind": "count"})), None);
    }
}
