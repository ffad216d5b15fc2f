//! An in-memory server that speaks the n8n, ToolJet, Flowmatic and runs APIs.
//!
//! One [`engine::Engine`] runs the declared workflows; four faces, each under
//! its own path prefix on one listener, answer in each platform's shapes.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let server = trigger_sdk_reference_server::ReferenceServer::start_demo().await?;
//! println!("runs API at {}", server.runs_url());
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod body;
pub mod config;
pub mod creds;
mod demo;
pub mod document;
pub mod engine;
mod flowmatic;
mod n8n;
mod path;
mod ratelimit;
mod runs;
mod serve;
mod state;
pub mod time;
mod tooljet;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::StatusCode;
use serde_json::{Value, json};
use std::net::SocketAddr;
use tokio::task::JoinHandle;

pub use config::Config;
pub use demo::demo;
use engine::Engine;
pub(crate) use state::AppState;

/// A running reference server.
pub struct ReferenceServer {
    addr: SocketAddr,
    state: AppState,
    task: JoinHandle<()>,
}

impl ReferenceServer {
    /// Starts a server for `config` on `127.0.0.1:0`.
    pub async fn start(config: Config) -> std::io::Result<Self> {
        Self::bind(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts a server with the demo set ([`demo()`]).
    pub async fn start_demo() -> std::io::Result<Self> {
        Self::start(demo()).await
    }

    /// Starts a server for `config` on `addr`.
    pub async fn bind(config: Config, addr: SocketAddr) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = AppState::new(config);
        let app = router(state.clone());
        let limits = state.config.http.clone();
        let task = tokio::spawn(serve::serve(
            listener,
            app,
            limits,
            state.closing.subscribe(),
        ));
        Ok(Self { addr, state, task })
    }

    /// The listening address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The n8n face: `{n8n_url}/webhook/..`, `{n8n_url}/api/v1/..`.
    pub fn n8n_url(&self) -> String {
        format!("{}/n8n", self.base_url())
    }

    /// The ToolJet face: `{tooljet_url}/api/v2/webhooks/workflows/{id}/trigger`.
    pub fn tooljet_url(&self) -> String {
        format!("{}/tooljet", self.base_url())
    }

    /// The Flowmatic face: `{flowmatic_url}/api/webhooks/{id}`, `{flowmatic_url}/api/v1/..`.
    pub fn flowmatic_url(&self) -> String {
        format!("{}/flowmatic", self.base_url())
    }

    /// The runs face: `{runs_url}/api/v1/workflows/{id}/run`.
    pub fn runs_url(&self) -> String {
        format!("{}/runs", self.base_url())
    }

    /// Arms the n8n test webhook (`/webhook-test/..`) of a workflow for one call.
    /// Returns false when no n8n workflow has this id.
    pub fn arm_n8n_test_webhook(&self, workflow_id: &str) -> bool {
        self.state.n8n.arm_test_webhook(workflow_id)
    }

    /// The engine behind the faces (runs, events, recorded action calls).
    pub fn engine(&self) -> &Engine {
        &self.state.engine
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &Config {
        &self.state.config
    }

    /// Stops accepting connections and waits (up to 5 s) for open ones to
    /// finish; long-lived streams still open after that are cut.
    pub async fn shutdown(mut self) {
        self.state.closing.send_replace(true);
        let graceful =
            tokio::time::timeout(std::time::Duration::from_secs(5), &mut self.task).await;
        if graceful.is_err() {
            self.task.abort();
        }
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The full router: the four faces under their prefixes plus `/__admin`.
fn router(state: AppState) -> Router {
    let n8n = n8n::router(state.n8n.clone());
    Router::new()
        .route("/__admin/n8n/arm-test-webhook", post(arm_test_webhook))
        .route("/__admin/actions", get(action_calls))
        .route("/__admin/health", get(|| async { "ok" }))
        .fallback(not_found)
        .with_state(state.clone())
        .nest("/n8n", n8n)
        .nest("/runs", runs::router(state.clone()))
        .nest("/flowmatic", flowmatic::router(state.clone()))
        .nest("/tooljet", tooljet::router(state.clone()))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn(log_request))
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"error": "not found"})),
    )
        .into_response()
}

async fn arm_test_webhook(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let id = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
        v.get("workflowId")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    match id {
        Some(id) if state.n8n.arm_test_webhook(&id) => {
            (StatusCode::OK, axum::Json(json!({"armed": id}))).into_response()
        }
        Some(id) => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": format!("no n8n workflow {id}")})),
        )
            .into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "body must be {\"workflowId\":\"..\"}"})),
        )
            .into_response(),
    }
}

async fn action_calls(State(state): State<AppState>) -> Response {
    let calls: Vec<Value> = state
        .engine
        .action_calls()
        .into_iter()
        .map(|c| {
            json!({"runId": c.run_id, "step": c.step, "connector": c.connector,
                   "action": c.action, "params": c.params, "id": c.id})
        })
        .collect();
    axum::Json(json!({ "data": calls })).into_response()
}

async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}
