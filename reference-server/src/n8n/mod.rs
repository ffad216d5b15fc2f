//! The n8n face: production and test webhooks and the public API (`/api/v1`), served by
//! the server under `/n8n` ([`routers`]). Answers follow `sdk-n8n/docs/contract.md` and what a real n8n 2.41.1 sent,
//! or 1.123.81 with the `n8n.version` option set to `1.x` ([`crate::config::N8nVersion`]).

mod answers;
mod api;
mod auth;
pub(crate) mod config;
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
use axum::routing::any;

use crate::config::{N8nOptions, N8nVersion};
use crate::engine::Engine;
use crate::state::AppState;
use tags::Tag;
use workflows::N8nWorkflow;

/// State of the n8n face: the shared state plus n8n's own records (workflow objects,
/// tags, activation times, test-webhook armings, retry links).
pub(crate) struct N8nFace {
    app: AppState,
    registry: Mutex<Registry>,
    /// The run metadata of each (mode, workflow, version) seen, shared by
    /// the runs that carry it ([`webhook::start_run`]).
    run_meta: Mutex<Vec<webhook::KnownMeta>>,
}

type Face = Arc<N8nFace>;

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

impl N8nFace {
    /// The face over the shared state, with the workflows that have an n8n exposure.
    fn new(app: AppState) -> Self {
        let mut registry = Registry::default();
        for wf in app.engine.workflows() {
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
            app,
            registry: Mutex::new(registry),
            run_meta: Mutex::default(),
        }
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.app.engine
    }

    pub(crate) fn options(&self) -> &N8nOptions {
        &self.app.config.n8n
    }

    pub(crate) fn body_limit(&self) -> usize {
        self.app.config.body_limit
    }

    /// The delay between activation and the webhook answering; none on 1.x, which
    /// registers webhooks before `/activate` answers.
    pub(crate) fn activation_delay(&self) -> Duration {
        match self.version() {
            N8nVersion::V1 => Duration::ZERO,
            _ => self.options().activation_delay,
        }
    }

    /// The release line the face answers as.
    pub(crate) fn version(&self) -> N8nVersion {
        self.options().version
    }

    /// Whether the face answers as n8n 1.x.
    pub(crate) fn is_v1(&self) -> bool {
        self.version() == N8nVersion::V1
    }

    pub(crate) fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Allocates an execution id (numeric string).
    pub(crate) fn next_execution_id(&self) -> String {
        self.app.engine.next_number().to_string()
    }
}

impl crate::harness::TestWebhooks for N8nFace {
    /// Arms the test webhook (`/webhook-test/..`) of a workflow for one call, as clicking
    /// "Execute workflow" in the editor does. False when no such n8n workflow exists.
    fn arm(&self, workflow_id: &str) -> bool {
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

/// Where the server serves the n8n face.
pub(crate) const PREFIX: &str = "/n8n";

/// The n8n routes: the webhooks (`/n8n/webhook/*`, `/n8n/webhook-test/*`), to be merged
/// into the server's router (routed directly, so a webhook call pays no nesting), and the
/// rest, to be nested under [`PREFIX`]: `/api/v1/*` and `/healthz`. The face's test
/// webhooks are armed through the harness ([`crate::harness::Harness::arm_test_webhook`]).
pub(crate) fn routers(app: AppState) -> (Router, Router) {
    let face = Arc::new(N8nFace::new(app));
    let arming: Arc<dyn crate::harness::TestWebhooks> = face.clone();
    face.app.harness.serve_test_webhooks(&arming);
    let webhooks = webhook::routes().with_state(face.clone());
    let rest = Router::new()
        .route("/api/v1", any(api::handle))
        .route("/api/v1/", any(api::handle))
        .route("/api/v1/{*rest}", any(api::handle))
        .route("/healthz", any(api::healthz))
        .route("/healthz/readiness", any(api::healthz))
        .fallback(|| async { answers::api_error(http::StatusCode::NOT_FOUND, "not found") })
        .with_state(face);
    (webhooks, rest)
}
