//! The REST API under `/api/v1` (and, the same, under `/api`): one router per resource
//! (documents and their original files, facts, stateless extraction, exports and statistics, tokens, webhooks), behind the
//! per-token rate limit, merged here together with the web page at `/`; `app` builds the
//! router for a state so tests can call it without a socket, and `serve` binds it, runs the
//! workers and shuts down gracefully.

mod admin;
mod assignments;
mod auth;
mod documents;
mod error;
mod etag;
mod events;
mod extract;
mod extraction;
mod facts;
mod input;
mod links;
mod openapi;
mod original;
mod rate;
mod reports;
pub mod rules;
mod schema;
mod shape;
mod sheet;
mod sync;
mod tokens;
mod web;
mod webhooks;

pub use auth::Auth;
pub use error::ApiError;
pub use rate::{Limiter, RateLimit};
pub use sheet::init_local_offset;

use crate::store::Store;
use axum::Router;
use axum::routing::get;
use std::sync::Arc;
use tokio::sync::{Notify, watch};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Wakes this process's workers when an upload arrives.
    pub notify: Arc<Notify>,
    pub max_upload_bytes: usize,
    /// Decisions read from the review log, for the live streams of `/api/events`.
    pub live: Arc<events::LiveLog>,
    /// Turns true when the server starts shutting down: long streams end then.
    pub stopping: watch::Receiver<bool>,
    /// Per-token request limits; none unless set (`serve` sets one).
    pub limiter: Option<Limiter>,
}

impl AppState {
    pub fn new(store: Store) -> AppState {
        AppState {
            store,
            notify: Arc::new(Notify::new()),
            max_upload_bytes: crate::ingest::MAX_UPLOAD_BYTES,
            live: Default::default(),
            // No server stops this state: the sender is gone, which streams take as never.
            stopping: watch::channel(false).1,
            limiter: None,
        }
    }
}

/// The whole API as a router.
pub fn app(state: AppState) -> Router {
    let mut api = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .merge(documents::router(&state))
        .merge(original::router())
        .merge(assignments::router())
        .merge(extraction::router(&state))
        .merge(facts::router())
        .merge(links::router())
        .merge(reports::router())
        .merge(rules::router())
        .merge(tokens::router())
        .merge(admin::router())
        .merge(events::router())
        .merge(webhooks::router())
        .fallback(|| async { ApiError::NotFound })
        .layer(axum::middleware::from_fn(input::reject_unsafe_text));
    if let Some(limiter) = state.limiter.clone() {
        api = api.layer(axum::middleware::from_fn_with_state(limiter, rate::limit));
    }
    // `/api/v1` is the versioned API; `/api` answers the same, for clients written before
    // it had a version (README: deprecation policy).
    Router::new()
        .merge(openapi::router())
        .nest("/api/v1", api.clone())
        .nest("/api", api)
        .merge(web::router())
        .fallback(|| async { ApiError::NotFound })
        .layer(axum::middleware::map_response(shape::json_errors))
        .layer(axum::middleware::from_fn(shape::limit_headers))
        .layer(axum::middleware::from_fn(shape::security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Liveness: answers without a token.
#[utoipa::path(get, path = "/api/health", operation_id = "getHealth", tag = "meta",
    responses((status = 200, description = "the service is up", body = schema::Health)))]
pub(super) async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// Readiness, for a load balancer: the database answers and its schema is exactly the one
/// this binary was built for (a server left running after a newer jixiao migrated the
/// database stops taking traffic). Answers without a token.
#[utoipa::path(get, path = "/api/ready", tag = "meta",
    responses((status = 200, description = "`{status: ready, schema_version}`", body = schema::Ready),
              (status = 503, description = "the database does not answer or its schema is not this binary's")))]
pub(super) async fn ready(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    match state.store.schema_status().await {
        Ok(crate::store::SchemaStatus::Current { version }) => Ok(axum::Json(
            serde_json::json!({ "status": "ready", "schema_version": version }),
        )),
        Ok(status) => Err(ApiError::NotReady(status.describe())),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            Err(ApiError::NotReady(
                "the database does not answer / 数据库无法连接".into(),
            ))
        }
    }
}

/// How `serve` runs.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub workers: usize,
    /// Workers for scans beside `workers` (see `worker::lanes`).
    pub ocr_workers: usize,
    pub max_upload_bytes: usize,
    pub lease: crate::worker::Lease,
    /// Per-token request limits; `None` serves without.
    pub rate_limit: Option<RateLimit>,
}

/// Serves the API on `listener` with `options.workers` in-process workers until `shutdown`
/// resolves; then stops taking requests and tells the workers at once, who put the
/// documents in hand back in the queue; returns when requests in flight are answered.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    options: ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut state = AppState::new(store.clone());
    state.max_upload_bytes = options.max_upload_bytes;
    state.limiter = options.rate_limit.map(Limiter::new);
    let (stop_tx, stop_rx) = watch::channel(false);
    state.stopping = stop_rx.clone();
    let mut workers = Vec::new();
    let lanes = crate::worker::lanes(options.workers, options.ocr_workers);
    if !lanes.is_empty()
        && let Err(e) = crate::worker::release_stale_leases(&store).await
    {
        tracing::warn!(error = %e, "stale leases not released; they run out by themselves");
    }
    for (i, lane) in lanes.into_iter().enumerate() {
        workers.push(tokio::spawn(crate::worker::run(
            store.clone(),
            crate::worker::worker_name(i),
            state.notify.clone(),
            stop_rx.clone(),
            options.lease,
            lane,
        )));
    }
    let shutdown = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    let result = axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await;
    for w in workers {
        let _ = w.await;
    }
    result
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down: finishing requests and jobs in hand");
}
