//! The runs face (JustPaid Workflows, `sdk-runs/docs/contract.md`), nested under `/runs`.

// Handlers return `Result<Response, Response>`: the error side is the ready
// answer, so its size does not matter.
#![allow(clippy::result_large_err)]

pub(crate) mod config;
mod idempotency;
mod schema;
mod shapes;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use http::request::Parts;
use http::{HeaderMap, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::coded::{self, CodedErrors};
use crate::config::{RunsApiKey, Workflow};
use crate::engine::{EngineError, RunSnapshot, RunStatus, StartRun};
use crate::path::FacePath;
use crate::ratelimit::FixedWindow;
use crate::state::AppState;
use idempotency::{IdempotencyKeys, Started};
use shapes::{run_json, run_summary, status_name, workflow_json};

/// State of the runs face.
struct RunsFace {
    app: AppState,
    limits: FixedWindow,
    /// (workflow id, idempotency key) → the run it started.
    idempotency: Mutex<IdempotencyKeys>,
}

type Face = Arc<RunsFace>;

/// The runs answer shape: `{"success":false,"error":{..}}`; undecodable path
/// parameters are its 404.
struct RunsShape;

impl CodedErrors for RunsShape {
    fn error(status: StatusCode, code: &str, message: &str) -> Response {
        error(status, code, message)
    }

    fn validation(message: &str) -> Response {
        validation(message, Vec::new())
    }
}

type IdPath<T> = FacePath<T, RunsShape>;
type Reply = Result<Response, Response>;

/// The runs routes, to be nested under `/runs`.
pub(crate) fn router(app: AppState) -> Router {
    let opts = &app.config.runs;
    let idempotency = IdempotencyKeys::new(opts.idempotency_ttl, opts.idempotency_max_keys);
    let face = Arc::new(RunsFace {
        app,
        limits: FixedWindow::default(),
        idempotency: Mutex::new(idempotency),
    });
    let routes = Router::new()
        .route("/api/v1/workflows", get(list_workflows))
        .route("/api/v1/workflows/{id}", get(get_workflow))
        .route("/api/v1/workflows/{id}/run", post(run_workflow))
        .route("/api/v1/runs", get(list_runs))
        .route("/api/v1/runs/{id}", get(get_run))
        .route("/api/v1/runs/{id}/cancel", post(cancel_run))
        .route("/api/v1/runs/{id}/retry", post(retry_run));
    coded::fallbacks::<RunsShape, _>(routes).with_state(face)
}

/// `{"success":false,"error":{"code","message"}}`.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"success": false, "error": {"code": code, "message": message}})),
    )
        .into_response()
}

fn validation(message: &str, details: Vec<Value>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"success": false, "error": {
            "code": "VALIDATION_ERROR", "message": message, "details": details}})),
    )
        .into_response()
}

fn ok(status: StatusCode, data: Value) -> Response {
    (status, axum::Json(json!({"success": true, "data": data}))).into_response()
}

/// What a route needs of the API key: its rate-limit class and scope.
trait Need {
    const CLASS: Class;
    const SCOPE: &'static str;
}

/// Declares [`Need`]s, one row each: the marker type, its rate-limit class
/// and the scope it needs.
macro_rules! need {
    ($( $(#[$doc:meta])* $name:ident: $class:ident, $scope:literal; )+) => {
        $(
            $(#[$doc])*
            struct $name;

            impl Need for $name {
                const CLASS: Class = Class::$class;
                const SCOPE: &'static str = $scope;
            }
        )+
    };
}

need! {
    /// `workflows:read`, counted as a read.
    ReadWorkflows: Read, "workflows:read";
    /// `workflows:execute`, counted as an execution.
    ExecuteWorkflows: Execute, "workflows:execute";
    /// `workflows:execute`, counted as a write (cancel, retry).
    ChangeRuns: Write, "workflows:execute";
    /// `runs:read`, counted as a read.
    ReadRuns: Read, "runs:read";
}

/// A request with a valid API key that has the scope `N` needs, counted
/// against the key's limit (an extractor: the handler never runs otherwise).
struct ApiKey<N>(std::marker::PhantomData<N>);

impl<N: Need> FromRequestParts<Face> for ApiKey<N> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, face: &Face) -> Result<Self, Response> {
        face.guard(&parts.headers, N::CLASS, N::SCOPE)
            .map(|_| Self(std::marker::PhantomData))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Execute,
    Write,
    Read,
}

impl RunsFace {
    /// Authenticates, counts the request against the key's limit, checks the scope.
    fn guard(
        &self,
        headers: &HeaderMap,
        class: Class,
        scope: &str,
    ) -> Result<RunsApiKey, Response> {
        // `x-api-key`, or `Authorization: Bearer <key>` as some of their pages show.
        let given = headers
            .get("x-api-key")
            .or_else(|| headers.get(header::AUTHORIZATION))
            .and_then(|v| v.to_str().ok())
            .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim())
            .unwrap_or_default();
        let key = self
            .app
            .config
            .runs
            .api_keys
            .iter()
            .find(|k| !given.is_empty() && k.key == given)
            .cloned()
            .ok_or_else(|| {
                let message = if given.is_empty() {
                    "Missing API key"
                } else {
                    "Invalid API key"
                };
                error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
            })?;
        let opts = &self.app.config.runs;
        let (limit, name) = match class {
            Class::Execute => (opts.execute_per_minute, "execute"),
            Class::Write => (opts.writes_per_minute, "write"),
            Class::Read => (opts.reads_per_minute, "read"),
        };
        self.limits
            .hit(&format!("{name}:{}", key.key), limit, opts.rate_window)
            .map_err(|retry_after| coded::rate_limited::<RunsShape>(limit, retry_after))?;
        if !key.scopes.iter().any(|s| s == scope) {
            return Err(error(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                &format!("API key lacks the required scope: {scope}"),
            ));
        }
        Ok(key)
    }

    fn workflow(&self, id: &str) -> Result<Arc<Workflow>, Response> {
        self.app
            .engine
            .workflow(id)
            .filter(|w| w.runs.is_some())
            .ok_or_else(|| error(StatusCode::NOT_FOUND, "NOT_FOUND", "Workflow not found"))
    }

    fn run(&self, id: &str) -> Result<RunSnapshot, Response> {
        self.app
            .engine
            .snapshot(id)
            .filter(is_runs_run)
            .ok_or_else(|| error(StatusCode::NOT_FOUND, "NOT_FOUND", "Run not found"))
    }
}

fn is_runs_run(s: &RunSnapshot) -> bool {
    s.meta.get("face").and_then(Value::as_str) == Some("runs")
}

fn new_run_id() -> String {
    format!("run_{}", &uuid::Uuid::new_v4().simple().to_string()[..24])
}

async fn list_workflows(State(face): State<Face>, _key: ApiKey<ReadWorkflows>) -> Reply {
    let data: Vec<Value> = face
        .app
        .engine
        .workflows()
        .iter()
        .filter(|w| w.runs.is_some())
        .map(|w| workflow_json(w))
        .collect();
    Ok(ok(StatusCode::OK, Value::Array(data)))
}

async fn get_workflow(
    State(face): State<Face>,
    FacePath(id, _): IdPath<String>,
    _key: ApiKey<ReadWorkflows>,
) -> Reply {
    let wf = face.workflow(&id)?;
    Ok(ok(StatusCode::OK, workflow_json(&wf)))
}

async fn run_workflow(
    State(face): State<Face>,
    FacePath(id, _): IdPath<String>,
    _key: ApiKey<ExecuteWorkflows>,
    body: Body,
) -> Reply {
    start_run(&face, &id, body).await
}

async fn start_run(face: &RunsFace, id: &str, body: Body) -> Reply {
    let request = read_json_object(face, body).await?;
    let wf = face.workflow(id)?;
    let exposure = wf.runs.clone().unwrap_or_default();
    if exposure.status != "active" {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "INVALID_STATUS",
            &format!(
                "Workflow must be active to run. Current status: {}",
                exposure.status
            ),
        ));
    }
    let mut input = match request.get("input") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(other) => {
            return Err(validation(
                "Input validation failed",
                vec![
                    json!({"path": ["input"], "message": format!("Expected object, received {}", type_name(other))}),
                ],
            ));
        }
    };
    let connection = match request.get("connectionId") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) if face.app.config.runs.connections.contains(c) => Some(c.clone()),
        Some(Value::String(_)) => {
            return Err(validation(
                "Input validation failed",
                vec![json!({"path": ["connectionId"], "message": "Connection not found"})],
            ));
        }
        Some(other) => {
            return Err(validation(
                "Input validation failed",
                vec![
                    json!({"path": ["connectionId"], "message": format!("Expected string, received {}", type_name(other))}),
                ],
            ));
        }
    };
    let idempotency_key = match request.get("idempotencyKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) if !k.is_empty() && k.len() <= 255 => Some(k.clone()),
        Some(_) => {
            return Err(validation(
                "Input validation failed",
                vec![
                    json!({"path": ["idempotencyKey"], "message": "Expected a string of 1 to 255 characters"}),
                ],
            ));
        }
    };

    let mut seen = face
        .idempotency
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(key) = &idempotency_key
        && let Some(started) = seen.get(&wf.id, key)
    {
        // A replay starts nothing, even when retention already evicted the run.
        if let Some(existing) = face.app.engine.snapshot(&started.run_id) {
            started.status = status_name(existing.status);
            return Ok(ok(StatusCode::OK, started_json(&existing)));
        }
        let data = json!({
            "runId": started.run_id,
            "status": started.status,
            "workflowId": wf.id,
            "workflowVersion": started.version,
        });
        return Ok(ok(StatusCode::OK, data));
    }
    if let Some(schema) = &exposure.input_schema {
        schema::apply_defaults(schema, &mut input);
        if let Err(details) = schema::validate(schema, &input) {
            return Err(validation("Input validation failed", details));
        }
    }
    let mut start = StartRun::new(&wf.id, input, new_run_id())
        .meta("face", "runs")
        .meta("triggerType", "api")
        .meta("workflowVersion", exposure.version);
    if let Some(c) = &connection {
        start = start.meta("connectionId", c.as_str());
    }
    if let Some(k) = &idempotency_key {
        start = start.meta("idempotencyKey", k.as_str());
    }
    let snapshot = face.app.engine.start_with(start).map_err(engine_error)?;
    if let Some(key) = idempotency_key {
        let started = Started {
            run_id: snapshot.id.to_string(),
            version: exposure.version.into(),
            status: status_name(snapshot.status),
        };
        seen.insert(&wf.id, &key, started);
    }
    drop(seen);
    Ok(ok(StatusCode::CREATED, started_json(&snapshot)))
}

fn started_json(s: &RunSnapshot) -> Value {
    json!({
        "runId": s.id,
        "status": status_name(s.status),
        "workflowId": s.workflow_id,
        "workflowVersion": s.meta.get("workflowVersion").cloned().unwrap_or(Value::from(1)),
    })
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn engine_error(e: EngineError) -> Response {
    match e {
        EngineError::WorkflowNotFound => {
            error(StatusCode::NOT_FOUND, "NOT_FOUND", "Workflow not found")
        }
        EngineError::RunNotFound => error(StatusCode::NOT_FOUND, "NOT_FOUND", "Run not found"),
        other => coded::internal::<RunsShape>(other),
    }
}

/// Reads the body as a JSON object; an empty body is `{}`.
async fn read_json_object(face: &RunsFace, body: Body) -> Result<Map<String, Value>, Response> {
    let bytes = coded::read_body::<RunsShape>(body, face.app.config.body_limit).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    // The body is read as JSON whatever its Content-Type: the docs' own curl
    // examples (`-d '{"input":{}}'` without `-H`) send
    // `application/x-www-form-urlencoded`.
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(validation(
            "Request body must be a JSON object",
            vec![
                json!({"path": [], "message": format!("Expected object, received {}", type_name(&other))}),
            ],
        )),
        Err(e) => Err(validation(
            "Malformed JSON body",
            vec![json!({"path": [], "message": e.to_string()})],
        )),
    }
}

async fn get_run(
    State(face): State<Face>,
    FacePath(id, _): IdPath<String>,
    _key: ApiKey<ReadRuns>,
) -> Reply {
    let run = face.run(&id)?;
    Ok(ok(StatusCode::OK, run_json(&run)))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor {
    after: String,
}

async fn list_runs(
    State(face): State<Face>,
    _key: ApiKey<ReadRuns>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Reply {
    let Query(query) = query.map_err(|e| {
        validation(
            "Invalid query string",
            vec![json!({"path": [], "message": e.body_text()})],
        )
    })?;
    let limit = match query.get("limit") {
        None => 50,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(validation(
                    "Invalid query parameters",
                    vec![
                        json!({"path": ["limit"], "message": "Expected an integer between 1 and 100"}),
                    ],
                ));
            }
        },
    };
    let status = match query.get("status").map(String::as_str) {
        None => None,
        Some(s) => Some(parse_status(s).ok_or_else(|| {
            validation(
                "Invalid query parameters",
                vec![json!({"path": ["status"], "message": format!("Invalid status '{s}'. Expected pending, running, completed, failed, cancelled or timed_out")})],
            )
        })?),
    };
    let workflow_id = query.get("workflowId");
    let mut runs: Vec<RunSnapshot> = face
        .app
        .engine
        .list_runs()
        .into_iter()
        .filter(is_runs_run)
        .filter(|r| workflow_id.is_none_or(|w| *r.workflow_id == **w))
        .filter(|r| status.is_none_or(|s| status_name(r.status) == s))
        .collect();
    runs.reverse();
    let start = match query.get("cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => {
            let bad = || {
                validation(
                    "Invalid cursor",
                    vec![json!({"path": ["cursor"], "message": "Invalid cursor"})],
                )
            };
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(c)
                .map_err(|_| bad())?;
            let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
            runs.iter()
                .position(|r| *r.id == *cursor.after)
                .map(|p| p + 1)
                .ok_or_else(bad)?
        }
    };
    let page: Vec<&RunSnapshot> = runs.iter().skip(start).take(limit).collect();
    let has_more = start + page.len() < runs.len();
    let next = match (has_more, page.last()) {
        (true, Some(last)) => {
            let text = serde_json::to_vec(&Cursor {
                after: last.id.to_string(),
            })
            .unwrap_or_default();
            Value::String(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text))
        }
        _ => Value::Null,
    };
    let data: Vec<Value> = page.iter().map(|r| run_summary(r)).collect();
    Ok((
        StatusCode::OK,
        axum::Json(
            json!({"success": true, "data": data, "meta": {"cursor": next, "hasMore": has_more}}),
        ),
    )
        .into_response())
}

fn parse_status(s: &str) -> Option<&'static str> {
    Some(match s {
        "pending" => "pending",
        "running" => "running",
        "completed" => "completed",
        "failed" => "failed",
        "cancelled" | "canceled" => "cancelled",
        "timed_out" | "timeout" => "timed_out",
        _ => return None,
    })
}

async fn cancel_run(
    State(face): State<Face>,
    FacePath(id, _): IdPath<String>,
    _key: ApiKey<ChangeRuns>,
) -> Reply {
    let run = face.run(&id)?;
    match face.app.engine.cancel(&run.id) {
        Ok(cancelled) => Ok(ok(StatusCode::OK, run_json(&cancelled))),
        Err(EngineError::InvalidStatus(status)) => Err(error(
            StatusCode::BAD_REQUEST,
            "INVALID_STATUS",
            &format!(
                "Only pending or running runs can be cancelled. Current status: {}",
                status_name(status)
            ),
        )),
        Err(other) => Err(engine_error(other)),
    }
}

async fn retry_run(
    State(face): State<Face>,
    FacePath(id, _): IdPath<String>,
    _key: ApiKey<ChangeRuns>,
) -> Reply {
    let run = face.run(&id)?;
    if !matches!(run.status, RunStatus::Failed | RunStatus::TimedOut) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "INVALID_STATUS",
            &format!(
                "Only failed or timed_out runs can be retried. Current status: {}",
                status_name(run.status)
            ),
        ));
    }
    let mut meta = Map::clone(&run.meta);
    meta.remove("idempotencyKey");
    let new = face
        .app
        .engine
        .retry(&run.id, new_run_id(), meta)
        .map_err(engine_error)?;
    let mut data = started_json(&new);
    data["retryOf"] = Value::from(&*run.id);
    Ok(ok(StatusCode::ACCEPTED, data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creds;

    fn face() -> RunsFace {
        RunsFace {
            app: AppState::new(crate::demo::demo()),
            limits: FixedWindow::default(),
            idempotency: Mutex::new(IdempotencyKeys::new(std::time::Duration::from_secs(60), 16)),
        }
    }

    /// The scope a `runs:read`-only key is refused for, or `None` when it passes.
    async fn refused_scope<N: Need>(face: &RunsFace) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", creds::RUNS_READ_KEY.parse().unwrap());
        let answer = face.guard(&headers, N::CLASS, N::SCOPE).err()?;
        assert_eq!(answer.status(), StatusCode::FORBIDDEN);
        let body = axum::body::to_bytes(answer.into_body(), usize::MAX)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        Some(
            message
                .strip_prefix("API key lacks the required scope: ")
                .unwrap()
                .to_owned(),
        )
    }

    #[tokio::test]
    async fn each_need_has_its_class_and_scope() {
        assert_eq!(ReadWorkflows::CLASS, Class::Read);
        assert_eq!(ExecuteWorkflows::CLASS, Class::Execute);
        assert_eq!(ChangeRuns::CLASS, Class::Write);
        assert_eq!(ReadRuns::CLASS, Class::Read);
        let face = face();
        assert_eq!(
            refused_scope::<ReadWorkflows>(&face).await.as_deref(),
            Some("workflows:read")
        );
        assert_eq!(
            refused_scope::<ExecuteWorkflows>(&face).await.as_deref(),
            Some("workflows:execute")
        );
        assert_eq!(
            refused_scope::<ChangeRuns>(&face).await.as_deref(),
            Some("workflows:execute")
        );
        assert_eq!(refused_scope::<ReadRuns>(&face).await, None);
    }
}
