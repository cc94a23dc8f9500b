//! Live decisions: `GET /api/events[?document_id=N]` is a stream of Server-Sent Events, one
//! per decision taken through any server on the database, so the page shows other
//! assessors' decisions within a second. One task per process reads the review log a few
//! times a second while anyone listens and hands new rows to every open stream; the streams
//! end when the server shuts down.

use super::AppState;
use super::auth::Auth;
use super::error::ApiError;
use super::extract::ApiQuery;
use crate::store::{LogEvent, Role, Store};
use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OnceCell, broadcast};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::{BroadcastStream, WatchStream};

/// How often the log is read while anyone listens.
const POLL: Duration = Duration::from_millis(250);
/// Log ids at most this far below the highest one seen are read again: PostgreSQL numbers a
/// row when it is inserted, not when its transaction commits, so a row may become visible
/// after one with a higher id. Ids already sent are not sent twice.
const LOOK_BACK: i64 = 256;
/// Decisions a slow stream may fall behind by before it is told to reload.
const BUFFER: usize = 1024;

pub fn router() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

/// The decisions read from the log, for every open stream of this process.
pub struct LiveLog {
    sender: broadcast::Sender<Arc<LogEvent>>,
    started: OnceCell<()>,
}

impl Default for LiveLog {
    fn default() -> Self {
        LiveLog {
            sender: broadcast::channel(BUFFER).0,
            started: OnceCell::new(),
        }
    }
}

impl LiveLog {
    /// A receiver of every decision from now on. The first one reads where the log stands
    /// before it returns, so nothing decided after it is taken for old news, and starts
    /// the reading task.
    async fn subscribe(&self, store: &Store) -> broadcast::Receiver<Arc<LogEvent>> {
        let receiver = self.sender.subscribe();
        self.started
            .get_or_init(|| async {
                let high = store.last_log_id().await.unwrap_or(0);
                // What is in the log already is no news: remembered, not sent.
                let seen = match store
                    .log_events_after(high - LOOK_BACK, BUFFER as i64)
                    .await
                {
                    Ok(rows) => rows.iter().map(|e| e.id).collect(),
                    Err(_) => BTreeSet::new(),
                };
                tokio::spawn(read_log(store.clone(), self.sender.clone(), high, seen));
            })
            .await;
        receiver
    }
}

async fn read_log(
    store: Store,
    sender: broadcast::Sender<Arc<LogEvent>>,
    mut high: i64,
    mut seen: BTreeSet<i64>,
) {
    loop {
        tokio::time::sleep(POLL).await;
        if sender.receiver_count() == 0 {
            continue;
        }
        let rows = match store
            .log_events_after(high - LOOK_BACK, BUFFER as i64)
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "live decisions: the review log could not be read");
                continue;
            }
        };
        for event in rows {
            high = high.max(event.id);
            if seen.insert(event.id) {
                let _ = sender.send(Arc::new(event));
            }
        }
        // Forget what fell out of the look-back window.
        seen = seen.split_off(&(high - LOOK_BACK));
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(super) struct EventsQuery {
    /// Only the decisions on this document's facts.
    document_id: Option<i64>,
}

/// Decisions as they are taken, as Server-Sent Events (`event: decision`, data
/// `{id, fact_id, document_id, action, version, status, actor, at}`; `event: reload` when
/// this stream fell behind and should read the document again). A reader is told of
/// decisions on facts they may see; of others only that the fact left their view
/// (`status: "hidden"`). Not in the OpenAPI document: a stream has no end to check.
pub(super) async fn events(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Result<Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    auth.require(&[Role::Assessor, Role::Reader])?;
    let reader = auth.role() == Role::Reader;
    let receiver = st.live.subscribe(&st.store).await;
    let decisions = BroadcastStream::new(receiver).filter_map(move |item| match item {
        Ok(e) if q.document_id.is_some_and(|d| d != e.document_id) => None,
        Ok(e) => Some(Some(decision_event(&e, reader))),
        Err(_lagged) => Some(Some(Event::default().event("reload").data("{}"))),
    });
    // Shutdown ends the stream (a `None` the stream stops at), so graceful shutdown does
    // not wait for pages that never close.
    let shutdown = WatchStream::new(st.stopping.clone())
        .filter(|stopping| *stopping)
        .map(|_| None);
    let stream = decisions
        .merge(shutdown)
        .take_while(Option::is_some)
        .map(|event| Ok(event.unwrap_or_default()));
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn decision_event(e: &LogEvent, reader: bool) -> Event {
    let settled = matches!(e.status.as_str(), "confirmed" | "corrected");
    let data = if reader && !settled {
        serde_json::json!({ "fact_id": e.fact_id, "document_id": e.document_id, "status": "hidden" })
    } else {
        serde_json::to_value(e).unwrap_or_default()
    };
    Event::default()
        .event("decision")
        .id(e.id.to_string())
        .data(data.to_string())
}
