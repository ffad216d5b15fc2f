//! The ToolJet face (`sdk-tooljet/docs/contract.md`), nested under `/tooljet`:
//! `/api/v2/webhooks/workflows/{id}/trigger`, `trigger-async`, `status`, SSE `stream`.

// Handlers return `Result<Response, Response>`: the error side is the ready
// answer, so its size does not matter.
#![allow(clippy::result_large_err)]

mod auth;
pub(crate) mod config;
mod params;
mod status;
mod stream;
mod throttle;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderValue, StatusCode};
use serde_json::{Map, Value, json};

use crate::config::Workflow;
use crate::engine::{RunSnapshot, RunStatus, StartRun};
use crate::ratelimit::FixedWindow;
use crate::state::AppState;
use crate::time::now_iso;
use auth::AuthorizedTrigger;
use throttle::Throttled;

/// State of the ToolJet face.
struct ToolJetFace {
    app: AppState,
    throttle: FixedWindow,
}

type Face = Arc<ToolJetFace>;

/// Undecodable path parameters: the workflow cannot exist.
struct ToolJetShape;

impl crate::path::RejectShape for ToolJetShape {
    fn reject(parts: &http::request::Parts) -> Response {
        error(
            StatusCode::NOT_FOUND,
            &original_uri(parts),
            "Workflow doesn't exists",
        )
    }
}

type IdPath<T> = crate::path::FacePath<T, ToolJetShape>;
type Reply = Result<Response, Response>;

/// The request's URI as the client sent it (before `/tooljet` was stripped).
fn original_uri(parts: &http::request::Parts) -> OriginalUri {
    parts
        .extensions
        .get::<OriginalUri>()
        .cloned()
        .unwrap_or_else(|| OriginalUri(parts.uri.clone()))
}

/// The ToolJet routes, to be nested under `/tooljet`.
pub(crate) fn router(app: AppState) -> Router {
    let face = Arc::new(ToolJetFace {
        app,
        throttle: FixedWindow::default(),
    });
    Router::new()
        .route(
            "/api/v2/webhooks/workflows/{id}/trigger",
            post(trigger_sync),
        )
        .route(
            "/api/v2/webhooks/workflows/{id}/trigger-async",
            post(trigger_async),
        )
        .route(
            "/api/v2/webhooks/workflows/{id}/status/{execution_id}",
            get(status::status),
        )
        .route(
            "/api/v2/webhooks/workflows/{id}/execution/{execution_id}/stream",
            get(stream::stream),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(face)
}

/// `{"statusCode","timestamp","path","message"}`; `path` is the request path with its query.
fn error(status: StatusCode, uri: &OriginalUri, message: &str) -> Response {
    let path = uri
        .0
        .path_and_query()
        .map_or_else(|| uri.0.path().to_owned(), |p| p.as_str().to_owned());
    (
        status,
        axum::Json(json!({
            "statusCode": status.as_u16(),
            "timestamp": now_iso(),
            "path": path,
            "message": message,
        })),
    )
        .into_response()
}

async fn not_found(uri: OriginalUri, method: http::Method) -> Response {
    let message = format!("Cannot {} {}", method, uri.0.path());
    error(StatusCode::NOT_FOUND, &uri, &message)
}

/// ToolJet's display name of a run status.
fn status_name(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Pending => "triggered",
        RunStatus::Running => "running",
        RunStatus::Waiting => "waiting",
        RunStatus::Succeeded => "completed",
        RunStatus::Failed | RunStatus::TimedOut => "failed",
        RunStatus::Cancelled => "terminated",
    }
}

/// What a finished run answers: the Response node's value, else the output.
fn result_of(s: &RunSnapshot) -> Value {
    if s.status != RunStatus::Succeeded {
        return Value::Null;
    }
    match &s.response {
        Some(r) => r.body.clone(),
        None => s.output.as_deref().cloned().unwrap_or(Value::Null),
    }
}

impl ToolJetFace {
    /// Everything a trigger checks after the token, in the contract's order;
    /// then the run is started.
    fn start_trigger(&self, trigger: &AuthorizedTrigger) -> Result<RunSnapshot, Response> {
        let AuthorizedTrigger {
            wf,
            body,
            query,
            uri,
        } = trigger;
        let exposure = wf.tooljet.clone().unwrap_or_default();
        if !exposure.enabled {
            return Err(error(
                StatusCode::FORBIDDEN,
                uri,
                "Workflow is disabled or does not exist",
            ));
        }
        if !exposure.webhook_enabled {
            return Err(error(
                StatusCode::FORBIDDEN,
                uri,
                "Webhook endpoint disabled or doesn't exists",
            ));
        }
        let env = query
            .get("environment")
            .map(String::as_str)
            .unwrap_or_default();
        if !exposure.environments.iter().any(|e| e == env) {
            return Err(error(StatusCode::NOT_FOUND, uri, "Invalid environment"));
        }
        if let Some(version) = query.get("version")
            && !exposure.versions.iter().any(|v| v == version)
        {
            return Err(error(
                StatusCode::NOT_FOUND,
                uri,
                &format!(
                    "Version \"{version}\" not found for workflow \"{}\"",
                    wf.name
                ),
            ));
        }
        let params = if body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => map,
                Ok(_) => {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        uri,
                        "Parameters must be a JSON object",
                    ));
                }
                Err(e) => {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        uri,
                        &format!("Invalid JSON body: {e}"),
                    ));
                }
            }
        };
        params::check(&exposure.params, &params)
            .map_err(|m| error(StatusCode::BAD_REQUEST, uri, &m))?;
        self.start(wf, params, query, uri)
    }

    fn start(
        &self,
        wf: &Workflow,
        params: Map<String, Value>,
        query: &HashMap<String, String>,
        uri: &OriginalUri,
    ) -> Result<RunSnapshot, Response> {
        let mut start = StartRun::new(
            &wf.id,
            Value::Object(params),
            uuid::Uuid::new_v4().to_string(),
        )
        .meta("face", "tooljet");
        if let Some(env) = query.get("environment") {
            start = start.meta("environment", env.as_str());
        }
        if let Some(v) = query.get("version") {
            start = start.meta("version", v.as_str());
        }
        self.app
            .engine
            .start_with(start)
            .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, uri, &e.to_string()))
    }
}

async fn trigger_sync(State(face): State<Face>, _: Throttled, trigger: AuthorizedTrigger) -> Reply {
    let run = face.start_trigger(&trigger)?;
    let uri = trigger.uri;
    let timeout = face.app.config.tooljet.workflow_timeout;
    let done = match tokio::time::timeout(timeout, face.app.engine.wait(&run.id)).await {
        Ok(Some(done)) => done,
        Ok(None) => {
            return Err(error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &uri,
                "Execution lost",
            ));
        }
        Err(_) => {
            let message = format!(
                "Workflow execution timed out after {} seconds",
                timeout.as_secs()
            );
            match face.app.engine.time_out(&run.id, &message) {
                Ok(s) => s,
                Err(_) => face.app.engine.snapshot(&run.id).unwrap_or(run),
            }
        }
    };
    if done.status != RunStatus::Succeeded {
        let first = done.error.as_ref().map_or_else(
            || status_name(done.status).to_owned(),
            |e| e.message.clone(),
        );
        return Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &uri,
            &format!("Workflow execution failed: {first}"),
        ));
    }
    let status = done
        .response
        .as_ref()
        .and_then(|r| StatusCode::from_u16(r.status).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = match result_of(&done) {
        Value::String(text) => (status, text).into_response(),
        Value::Null => (status, axum::Json(json!({}))).into_response(),
        other => (status, axum::Json(other)).into_response(),
    };
    if let Some(r) = &done.response {
        for (k, v) in &r.headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::try_from(k.as_str()),
                HeaderValue::try_from(v.as_str()),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
    }
    Ok(response)
}

async fn trigger_async(
    State(face): State<Face>,
    _: Throttled,
    trigger: AuthorizedTrigger,
) -> Reply {
    let run = face.start_trigger(&trigger)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "workflow_execution_id": run.id,
            "timestamp": crate::time::iso8601(run.created_at),
        })),
    )
        .into_response())
}
