//! The Flowmatic face (`sdk-flowmatic/docs/contract.md`), nested under `/flowmatic`:
//! signed webhooks (`/api/webhooks/{id}`) and the REST API (`/api/v1`).

// Handlers return `Result<Response, Response>`: the error side is the ready
// answer, so its size does not matter.
#![allow(clippy::result_large_err)]

mod api;
pub(crate) mod config;
pub(crate) mod signature;
mod webhook;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::StatusCode;
use serde_json::{Value, json};

use crate::coded::{self, CodedErrors};
use crate::config::Workflow;
use crate::engine::{RunSnapshot, RunStatus, StartRun};
use crate::ratelimit::FixedWindow;
use crate::state::AppState;
use crate::time::iso8601;

/// State of the Flowmatic face.
struct FlowmaticFace {
    app: AppState,
    limits: FixedWindow,
    /// Workflow id → (createdAt, updatedAt).
    stamps: Mutex<HashMap<String, (SystemTime, SystemTime)>>,
}

type Face = Arc<FlowmaticFace>;

/// The Flowmatic answer shape: `{"error":{..}}`; undecodable path parameters
/// are its 404.
struct FlowmaticShape;

impl CodedErrors for FlowmaticShape {
    fn error(status: StatusCode, code: &str, message: &str) -> Response {
        error(status, code, message)
    }

    fn validation(message: &str) -> Response {
        error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
    }
}

type IdPath<T> = crate::path::FacePath<T, FlowmaticShape>;
type Reply = Result<Response, Response>;

/// The Flowmatic routes, to be nested under `/flowmatic`.
pub(crate) fn router(app: AppState) -> Router {
    let face = Arc::new(FlowmaticFace {
        app,
        limits: FixedWindow::default(),
        stamps: Mutex::new(HashMap::new()),
    });
    let routes = Router::new()
        .route(
            "/api/webhooks/{webhook_id}",
            post(webhook::post_webhook).get(webhook::get_webhook),
        )
        .route(
            "/api/v1/workflows",
            get(api::list_workflows).post(api::create_workflow),
        )
        .route(
            "/api/v1/workflows/{id}",
            get(api::get_workflow)
                .put(api::update_workflow)
                .delete(api::delete_workflow),
        )
        .route(
            "/api/v1/workflows/{id}/execute",
            post(api::execute_workflow),
        )
        .route("/api/v1/executions", get(api::list_executions))
        .route("/api/v1/executions/{id}", get(api::get_execution))
        .route("/api/v1/connectors", get(api::list_connectors));
    coded::fallbacks::<FlowmaticShape, _>(routes).with_state(face)
}

/// `{"error":{"code","message"}}`.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

/// Flowmatic's execution status names.
fn status_name(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Pending => "PENDING",
        RunStatus::Running | RunStatus::Waiting => "RUNNING",
        RunStatus::Succeeded => "SUCCESS",
        RunStatus::Failed => "FAILED",
        RunStatus::Cancelled => "CANCELLED",
        RunStatus::TimedOut => "TIMEOUT",
    }
}

fn new_execution_id() -> String {
    format!("exec-{}", uuid::Uuid::new_v4().simple())
}

fn is_flowmatic_run(s: &RunSnapshot) -> bool {
    s.meta.get("face").and_then(Value::as_str) == Some("flowmatic")
}

impl FlowmaticFace {
    /// Starts a run of an active workflow (409 `WORKFLOW_INACTIVE` otherwise),
    /// started by `trigger` (`api`, `webhook`).
    fn start(&self, wf: &Workflow, input: Value, trigger: &str) -> Result<RunSnapshot, Response> {
        if !wf.flowmatic.as_ref().is_some_and(|f| f.active) {
            return Err(error(
                StatusCode::CONFLICT,
                "WORKFLOW_INACTIVE",
                &format!("Workflow {} is inactive", wf.id),
            ));
        }
        let start = StartRun::new(&wf.id, input, new_execution_id())
            .meta("face", "flowmatic")
            .meta("trigger", trigger);
        self.app
            .engine
            .start_with(start)
            .map_err(coded::internal::<FlowmaticShape>)
    }

    /// The whole body under the body limit (413 `PAYLOAD_TOO_LARGE` past it).
    async fn read_body(&self, body: axum::body::Body) -> Result<axum::body::Bytes, Response> {
        coded::read_body::<FlowmaticShape>(body, self.app.config.body_limit).await
    }

    fn stamps(&self, id: &str) -> (SystemTime, SystemTime) {
        let mut stamps = self
            .stamps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *stamps.entry(id.to_owned()).or_insert_with(|| {
            let now = SystemTime::now();
            (now, now)
        })
    }

    fn touch(&self, id: &str, created: bool) {
        let mut stamps = self
            .stamps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = SystemTime::now();
        let entry = stamps.entry(id.to_owned()).or_insert((now, now));
        if created {
            entry.0 = now;
        }
        entry.1 = now;
    }

    fn workflow_json(&self, w: &Workflow) -> Value {
        let exposure = w.flowmatic.clone().unwrap_or_default();
        let (created, updated) = self.stamps(&w.id);
        json!({
            "id": w.id,
            "name": w.name,
            "description": w.description,
            "status": if exposure.active { "active" } else { "inactive" },
            "triggers": [{
                "id": exposure.trigger_id,
                "type": "webhook",
                "webhookId": exposure.webhook_id,
            }],
            "createdAt": iso8601(created),
            "updatedAt": iso8601(updated),
        })
    }
}

fn execution_json(s: &RunSnapshot) -> Value {
    json!({
        "id": s.id,
        "workflowId": s.workflow_id,
        "status": status_name(s.status),
        "input": s.input,
        "output": s.output,
        "error": s.error.as_ref().map(|e| json!({"code": e.code, "message": e.message, "step": e.step})),
        "startedAt": iso8601(s.started_at.unwrap_or(s.created_at)),
        "finishedAt": s.finished_at.map(iso8601),
    })
}
