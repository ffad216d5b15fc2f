//! Helpers shared by the face tests: a served fixture, requests the tests
//! send again and again, polling with a deadline, Flowmatic signatures.

#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;
use trigger_sdk_reference_server::config::{Config, ToolJetExposure, Workflow};
use trigger_sdk_reference_server::engine::RunSnapshot;
use trigger_sdk_reference_server::{ReferenceServer, creds, demo};

/// A running server and a client: each face test's fixture (the face's
/// helpers are `impl Served` blocks in its own test file).
pub struct Served {
    pub server: ReferenceServer,
    pub http: reqwest::Client,
}

impl Served {
    /// The demo set.
    pub async fn demo() -> Self {
        Self::with(demo()).await
    }

    /// A server for `config`.
    pub async fn with(config: Config) -> Self {
        Self {
            server: ReferenceServer::start(config).await.expect("server starts"),
            http: client(),
        }
    }
}

/// Only these workflows, with the demo's API keys and tokens; every other
/// option at its default.
pub fn serving(workflows: impl IntoIterator<Item = Workflow>) -> Config {
    let demo = demo();
    let mut config = Config::default();
    config.n8n.api_keys = demo.n8n.api_keys;
    config.runs.api_keys = demo.runs.api_keys;
    config.flowmatic.api_tokens = demo.flowmatic.api_tokens;
    config.workflows = workflows.into_iter().collect();
    config
}

/// A ToolJet exposure with this bearer token (the rest as default).
pub fn tooljet(token: &str) -> ToolJetExposure {
    ToolJetExposure {
        token: token.to_owned(),
        ..ToolJetExposure::default()
    }
}

/// Sends `req`: the status and the body as JSON (`null` when empty, the text
/// as a string when it is not JSON).
pub async fn answer(req: RequestBuilder) -> (StatusCode, Value) {
    let r = req.send().await.expect("request sent");
    let status = r.status();
    let text = r.text().await.expect("body read");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// A call of the demo's n8n `send-email` webhook with its secret header (add
/// the body).
pub fn send_email(server: &ReferenceServer) -> RequestBuilder {
    client()
        .post(format!("{}/webhook/send-email", server.n8n_url()))
        .header(creds::N8N_WEBHOOK_HEADER, creds::N8N_WEBHOOK_SECRET)
}

/// A `GET` of n8n's public API (`path` below `/api/v1`) with the demo key.
pub fn n8n_api(server: &ReferenceServer, path: &str) -> RequestBuilder {
    client()
        .get(format!("{}/api/v1{path}", server.n8n_url()))
        .header("x-n8n-api-key", creds::N8N_API_KEY)
}

/// A run request of the runs API with the demo key (add the body).
pub fn start_run(server: &ReferenceServer, workflow: &str) -> RequestBuilder {
    client()
        .post(format!(
            "{}/api/v1/workflows/{workflow}/run",
            server.runs_url()
        ))
        .header("x-api-key", creds::RUNS_API_KEY)
}

/// The first run of `workflow` to finish, once one has.
pub async fn finished_run(server: &ReferenceServer, workflow: &str) -> RunSnapshot {
    eventually("a run finishes", || async {
        server
            .runs_of(workflow)
            .into_iter()
            .find(|r| r.status.is_terminal())
    })
    .await
}

/// Polls `probe` until it returns `Some`, or panics after 15 s.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not reached before the deadline: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A plain reqwest client.
pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// `sha256=<hex HMAC-SHA256(secret, payload)>`: Flowmatic's `X-Webhook-Signature`.
pub fn sign(secret: &str, payload: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(payload);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}
