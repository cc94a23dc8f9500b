//! Webhooks: what an admin registers (a URL, the events it wants, a secret) and how an event
//! is sent to it — the JSON, the HMAC-SHA256 signature over `timestamp.body`, the retry
//! policy. The events themselves are written to an outbox by the database in the transaction
//! that makes them (migrations `*_webhooks.sql`); [`deliver`] sends them from there.

pub mod deliver;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use std::time::Duration;

pub use deliver::{DeliveryOptions, Dispatcher};

/// Header with the Unix time (seconds) the signature was made at.
pub const TIMESTAMP_HEADER: &str = "X-Jixiao-Timestamp";
/// Header with `sha256=<hex>`: HMAC-SHA256 with the secret over `timestamp + "." + body`.
pub const SIGNATURE_HEADER: &str = "X-Jixiao-Signature";
/// Header with the event's id: the same on every retry, so a receiver can drop repeats.
pub const EVENT_ID_HEADER: &str = "X-Jixiao-Event-Id";
/// Header with the event's type (`decision`, `document`).
pub const EVENT_HEADER: &str = "X-Jixiao-Event";

/// A URL deliveries can be sent to: absolute, http or https, with a host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub const MAX_LEN: usize = 2048;

    pub fn parse(raw: &str) -> Result<WebhookUrl, String> {
        let raw = raw.trim();
        if raw.len() > Self::MAX_LEN {
            return Err(format!("the URL is longer than {} bytes", Self::MAX_LEN));
        }
        let url = reqwest::Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("only http and https URLs can receive webhooks".into());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("the URL has no host".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("put no user or password in the URL; deliveries are signed instead".into());
        }
        Ok(WebhookUrl(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The kinds of event a webhook may subscribe to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A fact confirmed, corrected, rejected, or a decision undone.
    Decision,
    /// A document finished processing: done, failed or needs_ocr.
    Document,
}

impl EventKind {
    pub const ALL: [EventKind; 2] = [EventKind::Decision, EventKind::Document];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Decision => "decision",
            EventKind::Document => "document",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The events a webhook subscribes to: at least one, each once, in a fixed order; stored
/// comma-separated, as the outbox triggers read them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSet(Vec<EventKind>);

impl EventSet {
    pub fn new(kinds: &[EventKind]) -> Result<EventSet, String> {
        let mut kinds = kinds.to_vec();
        kinds.sort();
        kinds.dedup();
        if kinds.is_empty() {
            return Err("name at least one event: decision, document".into());
        }
        Ok(EventSet(kinds))
    }

    pub fn all() -> EventSet {
        EventSet(EventKind::ALL.to_vec())
    }

    /// From the stored form; unknown names (of a newer jixiao) are left out.
    pub fn from_stored(s: &str) -> EventSet {
        EventSet(s.split(',').filter_map(EventKind::parse).collect())
    }

    pub fn to_stored(&self) -> String {
        self.names().join(",")
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|k| k.as_str()).collect()
    }
}

/// The key deliveries are signed with. Generated (`whsec_` and 32 random bytes in hex) or
/// given by the admin: 16 to 256 visible ASCII characters.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    pub fn parse(s: &str) -> Result<Secret, String> {
        if !(16..=256).contains(&s.len()) {
            return Err("a secret has 16 to 256 characters".into());
        }
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("a secret is visible ASCII characters, no spaces".into());
        }
        Ok(Secret(s.to_string()))
    }

    pub fn generate() -> Secret {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system's random source");
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Secret(format!("whsec_{hex}"))
    }

    /// As stored; only the database and the signing see it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `sha256=<hex>` of HMAC-SHA256 over `timestamp + "." + body`.
    pub fn sign(&self, timestamp: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.0.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        let tag = mac.finalize().into_bytes();
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256={hex}")
    }
}

/// When a failed delivery is tried again: `base × 2^(attempts − 1)`, at most `cap`; after
/// `max_attempts` tries it is given up (`failed`) and shown so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 10 s, 20 s, 40 s … up to an hour between tries, 12 tries: about 3½ hours in all.
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(3600),
            max_attempts: 12,
        }
    }
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed try, or `None` when that was the last one.
    pub fn after_failure(&self, attempts: u32) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let doublings = attempts.saturating_sub(1).min(30);
        Some(self.base.saturating_mul(1 << doublings).min(self.cap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_urls_with_a_host() {
        assert_eq!(
            WebhookUrl::parse(" https://example.org/hook?x=1 ")
                .unwrap()
                .as_str(),
            "https://example.org/hook?x=1"
        );
        assert!(WebhookUrl::parse("http://127.0.0.1:9000/").is_ok());
        for bad in [
            "ftp://example.org/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "example.org/hook",
            "",
            "https://user:pw@example.org/",
            "http://",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
        let long = format!("https://example.org/{}", "a".repeat(WebhookUrl::MAX_LEN));
        assert!(WebhookUrl::parse(&long).is_err());
    }

    #[test]
    fn events_are_a_non_empty_set() {
        let set = EventSet::new(&[
            EventKind::Document,
            EventKind::Decision,
            EventKind::Document,
        ])
        .unwrap();
        assert_eq!(set.to_stored(), "decision,document");
        assert_eq!(EventSet::from_stored("document").names(), vec!["document"]);
        assert_eq!(
            EventSet::from_stored("decision,later"),
            EventSet::new(&[EventKind::Decision]).unwrap()
        );
        assert!(EventSet::new(&[]).is_err());
    }

    #[test]
    fn secrets_are_long_enough_and_visible() {
        assert!(Secret::parse("0123456789abcdef").is_ok());
        assert!(Secret::parse("short").is_err());
        assert!(Secret::parse("0123456789 abcdef").is_err());
        assert!(Secret::parse(&"x".repeat(257)).is_err());
        let a = Secret::generate();
        assert!(a.expose().starts_with("whsec_") && a.expose().len() == 6 + 64);
        assert_ne!(a, Secret::generate());
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed apart from this code, with Python's hmac module:
        // hmac.new(b"Jefe", b"1700000000.do ya want for nothing?", hashlib.sha256).hexdigest()
        let key = Secret("Jefe".into());
        assert_eq!(
            key.sign(1_700_000_000, b"do ya want for nothing?"),
            "sha256=226590a1d2f5ad7131fe00fe6bf863d71c6ef4632d963013dbebaf1d0f725f3a"
        );
        assert_ne!(
            key.sign(1_700_000_001, b"do ya want for nothing?"),
            key.sign(1_700_000_000, b"do ya want for nothing?")
        );
    }

    #[test]
    fn retries_back_off_to_a_cap_then_stop() {
        let p = RetryPolicy {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(60),
            max_attempts: 5,
        };
        let waits: Vec<_> = (1..=5).map(|n| p.after_failure(n)).collect();
        assert_eq!(
            waits,
            vec![
                Some(Duration::from_secs(10)),
                Some(Duration::from_secs(20)),
                Some(Duration::from_secs(40)),
                Some(Duration::from_secs(60)),
                None
            ]
        );
        assert_eq!(RetryPolicy::default().after_failure(40), None);
        let long = RetryPolicy {
            max_attempts: 100,
            ..RetryPolicy::default()
        };
        assert_eq!(long.after_failure(60), Some(Duration::from_secs(3600)));
    }
}
