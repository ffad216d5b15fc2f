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
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod coded;
pub mod config;
pub mod creds;
mod demo;
pub mod document;
pub mod engine;
mod flowmatic;
pub mod harness;
mod n8n;
mod path;
mod ratelimit;
mod runs;
mod serve;
mod state;
pub mod time;
mod tooljet;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
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
            state.harness.clone(),
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
        self.state.harness.arm_test_webhook(workflow_id)
    }

    /// The engine behind the faces (runs, events, recorded action calls).
    pub fn engine(&self) -> &Engine {
        &self.state.engine
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &Config {
        &self.state.config
    }

    /// The runs of a workflow still kept, oldest first, each with the input
    /// and the request headers it received ([`engine::RunSnapshot::headers`]).
    ///
    /// ```no_run
    /// # async fn t() -> std::io::Result<()> {
    /// # let server = trigger_sdk_reference_server::ReferenceServer::start_demo().await?;
    /// for run in server.runs_of("SendEmailDemo001") {
    ///     println!("{} {} {:?}", run.id, run.input["body"], run.headers.get("user-agent"));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn runs_of(&self, workflow_id: &str) -> Vec<engine::RunSnapshot> {
        let mut runs = self.state.engine.list_runs();
        runs.retain(|r| *r.workflow_id == *workflow_id);
        runs
    }

    /// Registers an expectation on the runs that start from now on; checked
    /// by [`verify`](Self::verify) and when the server is dropped (a panic
    /// with the report, unless the thread is panicking already).
    pub fn expect(&self, expectation: harness::Expectation) {
        self.state.harness.expectations.add(expectation);
    }

    /// Every expectation and its count so far.
    pub fn report(&self) -> harness::Report {
        self.state.harness.expectations.report()
    }

    /// `Ok` when every expectation is met; otherwise the report, whose
    /// `Display` says which were not and what arrived instead.
    pub fn verify(&self) -> Result<(), harness::Report> {
        let report = self.report();
        if report.is_met() { Ok(()) } else { Err(report) }
    }

    /// Forgets every expectation (nothing is checked on drop).
    pub fn clear_expectations(&self) {
        self.state.harness.expectations.clear();
    }

    /// Arms a fault for the next requests of a route (see [`harness::Fault`]);
    /// faults on one route apply in the order they were armed.
    ///
    /// ```no_run
    /// # async fn t() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use trigger_sdk_reference_server::harness::{Fault, Route};
    /// # let server = trigger_sdk_reference_server::ReferenceServer::start_demo().await?;
    /// let hook = Route::post("/n8n/webhook/send-email");
    /// server.inject(hook.clone(), Fault::status(503).times(2));
    /// server.inject(hook, Fault::too_many_requests(Duration::from_secs(1)));
    /// // the next two calls get 503, the third 429 with Retry-After: 1, then normal answers
    /// # Ok(()) }
    /// ```
    pub fn inject(&self, route: harness::Route, fault: harness::Fault) {
        self.state.harness.faults.inject(route, fault);
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.state.harness.faults.clear();
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
        if std::thread::panicking() || self.state.harness.expectations.is_empty() {
            return;
        }
        let report = self.report();
        if !report.is_met() {
            panic!("reference server expectations not met\n{report}");
        }
    }
}

/// The full router: the four faces under their prefixes plus `/__admin`.
/// The faces read bodies under their own limit; the admin routes' `Bytes`
/// extractors have none. The harness goes around it all (in [`serve`]).
fn router(state: AppState) -> Router {
    let (n8n_webhooks, n8n) = n8n::routers(state.clone());
    Router::new()
        .merge(harness::admin::router().layer(axum::extract::DefaultBodyLimit::disable()))
        .route("/__admin/actions", get(action_calls))
        .route("/__admin/health", get(|| async { "ok" }))
        .fallback(not_found)
        .with_state(state.clone())
        .merge(n8n_webhooks)
        .nest(n8n::PREFIX, n8n)
        .nest("/runs", runs::router(state.clone()))
        .nest("/flowmatic", flowmatic::router(state.clone()))
        .nest("/tooljet", tooljet::router(state))
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"error": "not found"})),
    )
        .into_response()
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

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
