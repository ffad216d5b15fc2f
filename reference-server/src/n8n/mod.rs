//! The n8n face: production and test webhooks and the public API (`/api/v1`), nested by
//! the server under `/n8n`. Answers follow `sdk-n8n/docs/contract.md` and what a real n8n 2.41.1 sent,
//! or 1.123.81 with the `n8n.version` option set to `1.x` ([`crate::config::N8nVersion`]).

mod answers;
mod api;
mod auth;
mod cursor;
mod executions;
mod request;
mod tags;
mod webhook;
mod workflows;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;

use crate::config::{Config, N8nOptions, N8nVersion};
use crate::engine::Engine;
use tags::Tag;
use workflows::N8nWorkflow;

/// State of the n8n face: the engine plus n8n's own records (workflow objects, tags,
/// activation times, test-webhook armings, retry links). Cheap to clone.
#[derive(Clone)]
pub struct N8nState {
    inner: Arc<Shared>,
}

struct Shared {
    engine: Engine,
    options: N8nOptions,
    body_limit: usize,
    registry: Mutex<Registry>,
}

/// n8n's records, behind one lock (never held across an await).
#[derive(Default)]
pub(crate) struct Registry {
    pub workflows: Vec<N8nWorkflow>,
    pub tags: Vec<Tag>,
    /// Workflow id → test-webhook calls still allowed.
    pub armed: HashMap<String, u32>,
    /// Execution id → the id of its successful retry.
    pub retry_success: HashMap<String, String>,
}

impl N8nState {
    /// The face over `engine`, with the workflows of `config` that have an n8n exposure.
    pub fn new(engine: Engine, config: &Config) -> Self {
        let mut registry = Registry::default();
        for wf in engine.workflows() {
            let Some(exposure) = &wf.n8n else { continue };
            let tag_ids = exposure
                .tags
                .iter()
                .map(|name| registry.tag_id_for(name))
                .collect();
            registry
                .workflows
                .push(N8nWorkflow::from_config(&wf, exposure, tag_ids));
        }
        Self {
            inner: Arc::new(Shared {
                engine,
                options: config.n8n.clone(),
                body_limit: config.body_limit,
                registry: Mutex::new(registry),
            }),
        }
    }

    /// Arms the test webhook (`/webhook-test/..`) of a workflow for one call, as clicking
    /// "Execute workflow" in the editor does. False when no such n8n workflow exists.
    pub fn arm_test_webhook(&self, workflow_id: &str) -> bool {
        let mut reg = self.registry();
        if !reg
            .workflows
            .iter()
            .any(|w| w.id == workflow_id && w.webhook.is_some())
        {
            return false;
        }
        *reg.armed.entry(workflow_id.to_owned()).or_default() += 1;
        true
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub(crate) fn options(&self) -> &N8nOptions {
        &self.inner.options
    }

    pub(crate) fn body_limit(&self) -> usize {
        self.inner.body_limit
    }

    /// The delay between activation and the webhook answering; none on 1.x, which
    /// registers webhooks before `/activate` answers.
    pub(crate) fn activation_delay(&self) -> Duration {
        match self.version() {
            N8nVersion::V1 => Duration::ZERO,
            _ => self.inner.options.activation_delay,
        }
    }

    /// The release line the face answers as.
    pub(crate) fn version(&self) -> N8nVersion {
        self.inner.options.version
    }

    /// Whether the face answers as n8n 1.x.
    pub(crate) fn is_v1(&self) -> bool {
        self.version() == N8nVersion::V1
    }

    pub(crate) fn registry(&self) -> MutexGuard<'_, Registry> {
        self.inner
            .registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Allocates an execution id (numeric string).
    pub(crate) fn next_execution_id(&self) -> String {
        self.inner.engine.next_number().to_string()
    }
}

impl Registry {
    /// The id of the tag with this name, creating it when missing.
    pub(crate) fn tag_id_for(&mut self, name: &str) -> String {
        if let Some(t) = self.tags.iter().find(|t| t.name == name) {
            return t.id.clone();
        }
        let tag = Tag::new(name);
        let id = tag.id.clone();
        self.tags.push(tag);
        id
    }

    pub(crate) fn workflow(&self, id: &str) -> Option<&N8nWorkflow> {
        self.workflows.iter().find(|w| w.id == id)
    }

    pub(crate) fn workflow_mut(&mut self, id: &str) -> Option<&mut N8nWorkflow> {
        self.workflows.iter_mut().find(|w| w.id == id)
    }

    /// Whether a workflow's production webhook is being served now: active and past the
    /// activation delay, or deactivated less than the delay ago.
    pub(crate) fn is_live(wf: &N8nWorkflow, now: Instant) -> bool {
        if wf.active {
            wf.live_from.is_some_and(|t| t <= now)
        } else {
            wf.serving_until.is_some_and(|t| now < t)
        }
    }

    /// Whether a deactivated workflow's webhook is still being unregistered.
    pub(crate) fn is_unpublishing(wf: &N8nWorkflow, now: Instant) -> bool {
        !wf.active && wf.serving_until.is_some_and(|t| now < t)
    }
}

/// The n8n routes, to be nested under `/n8n`: `/webhook/*`, `/webhook-test/*`,
/// `/api/v1/*` and `/healthz`. One fallback routes by path prefix (no matchit routes, so
/// nesting cannot clash with the other faces' routes).
pub fn router(state: N8nState) -> Router {
    Router::new().fallback(dispatch).with_state(state)
}

/// Whether `path` is `prefix` itself or below it.
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

async fn dispatch(State(state): State<N8nState>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    if under(&path, "/webhook") {
        webhook::production(State(state), req).await
    } else if under(&path, "/webhook-test") {
        webhook::test(State(state), req).await
    } else if under(&path, "/api/v1") {
        api::handle(State(state), req).await
    } else if path == "/healthz" || path == "/healthz/readiness" {
        api::healthz().await
    } else {
        answers::api_error(http::StatusCode::NOT_FOUND, "not found")
    }
}
