//! The Flowmatic REST API (`/api/v1`, bearer token).

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, StatusCode, header};
use serde_json::{Map, Value, json};

use super::{
    Face, FlowmaticFace, FlowmaticShape, IdPath, Reply, error, execution_json, is_flowmatic_run,
    status_name,
};
use crate::coded;
use crate::config::{FlowmaticExposure, Step, Workflow};
use crate::engine::RunSnapshot;
use crate::path::FacePath;

/// A request of the REST API with a valid bearer token, counted against the
/// token's rate limit (an extractor: the handler never runs otherwise).
pub(super) struct ApiToken;

impl FromRequestParts<Face> for ApiToken {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, face: &Face) -> Result<Self, Response> {
        face.guard(&parts.headers).map(|()| Self)
    }
}

impl FlowmaticFace {
    /// Checks the bearer token and the per-token rate limit.
    fn guard(&self, headers: &HeaderMap) -> Result<(), Response> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        if token.is_empty()
            || !self
                .app
                .config
                .flowmatic
                .api_tokens
                .iter()
                .any(|t| t == token)
        {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "Missing or invalid API token",
            ));
        }
        let limit = self.app.config.flowmatic.requests_per_minute;
        self.limits
            .hit(token, limit, Duration::from_secs(60))
            .map_err(|retry_after| coded::rate_limited::<FlowmaticShape>(limit, retry_after))
    }

    fn flowmatic_workflow(&self, id: &str) -> Result<std::sync::Arc<Workflow>, Response> {
        self.app
            .engine
            .workflow(id)
            .filter(|w| w.flowmatic.is_some())
            .ok_or_else(|| error(StatusCode::NOT_FOUND, "NOT_FOUND", "Workflow not found"))
    }
}

fn validation(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
}

/// `page` (≥ 1, default 1) and `limit` (1–100, default 20).
fn paging(
    query: &Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<(usize, usize), Response> {
    let Ok(Query(q)) = query else {
        return Err(validation("Malformed query string"));
    };
    let page = match q.get("page") {
        None => 1,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| validation("page must be an integer ≥ 1"))?,
    };
    let limit = match q.get("limit") {
        None => 20,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| validation("limit must be an integer between 1 and 100"))?,
    };
    Ok((page, limit))
}

fn page_of(items: Vec<Value>, page: usize, limit: usize) -> Response {
    let total = items.len();
    let data: Vec<Value> = items
        .into_iter()
        .skip((page - 1).saturating_mul(limit))
        .take(limit)
        .collect();
    axum::Json(json!({
        "data": data,
        "pagination": {"page": page, "limit": limit, "total": total},
    }))
    .into_response()
}

async fn read_object(face: &FlowmaticFace, body: Body) -> Result<Map<String, Value>, Response> {
    let bytes = face.read_body(body).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(validation("Request body must be a JSON object")),
        Err(e) => Err(validation(&format!("Invalid JSON body: {e}"))),
    }
}

pub(super) async fn list_workflows(
    State(face): State<Face>,
    _token: ApiToken,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Reply {
    let (page, limit) = paging(&query)?;
    let items: Vec<Value> = face
        .app
        .engine
        .workflows()
        .iter()
        .filter(|w| w.flowmatic.is_some())
        .map(|w| face.workflow_json(w))
        .collect();
    Ok(page_of(items, page, limit))
}

pub(super) async fn get_workflow(
    State(face): State<Face>,
    FacePath(id, _): IdPath<String>,
    _token: ApiToken,
) -> Reply {
    let wf = face.flowmatic_workflow(&id)?;
    Ok(axum::Json(face.workflow_json(&wf)).into_response())
}

/// Applies `name`, `description`, `status`, `steps` and `triggers[0]` of a
/// create/update body to a workflow.
fn apply(
    face: &FlowmaticFace,
    wf: &mut Workflow,
    body: &Map<String, Value>,
    creating: bool,
) -> Result<(), Response> {
    match body.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() => wf.name = n.clone(),
        None if !creating => {}
        _ => {
            return Err(validation(
                "name is required and must be a non-empty string",
            ));
        }
    }
    match body.get("description") {
        Some(Value::String(d)) => wf.description = d.clone(),
        Some(Value::Null) | None => {}
        Some(_) => return Err(validation("description must be a string")),
    }
    let exposure = wf.flowmatic.get_or_insert_with(FlowmaticExposure::default);
    match body.get("status").map(Value::as_str) {
        None => {}
        Some(Some("active")) => exposure.active = true,
        Some(Some("inactive")) => exposure.active = false,
        Some(_) => return Err(validation("status must be \"active\" or \"inactive\"")),
    }
    if let Some(steps) = body.get("steps") {
        wf.steps = serde_json::from_value::<Vec<Step>>(steps.clone())
            .map_err(|e| validation(&format!("Invalid steps: {e}")))?;
    }
    if let Some(triggers) = body.get("triggers") {
        let Some(first) = triggers.as_array().and_then(|t| t.first()) else {
            return Err(validation("triggers must be a non-empty array"));
        };
        if first
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("webhook")
            != "webhook"
        {
            return Err(validation("Only webhook triggers are supported"));
        }
        if let Some(id) = first.get("webhookId") {
            let Some(id) = id.as_str().filter(|s| !s.is_empty()) else {
                return Err(validation("webhookId must be a non-empty string"));
            };
            let taken = face.app.engine.find_workflow(|other| {
                other.id != wf.id && other.flowmatic.as_ref().is_some_and(|f| f.webhook_id == id)
            });
            if taken.is_some() {
                return Err(validation(&format!("webhookId {id} is already in use")));
            }
            exposure.webhook_id = id.to_owned();
        }
        if let Some(secret) = first.get("secret") {
            exposure.secret = secret.as_str().map(str::to_owned);
        }
    }
    if exposure.webhook_id.is_empty() {
        exposure.webhook_id = format!("wh-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    }
    if exposure.trigger_id.is_empty() {
        exposure.trigger_id = format!("trg-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    }
    Ok(())
}

pub(super) async fn create_workflow(
    State(face): State<Face>,
    _token: ApiToken,
    body: Body,
) -> Reply {
    let body = read_object(&face, body).await?;
    let id = format!("wf-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let mut wf = Workflow::new(&id, "", Vec::new());
    wf.flowmatic = Some(FlowmaticExposure::default());
    apply(&face, &mut wf, &body, true)?;
    face.app.engine.put_workflow(wf.clone());
    face.touch(&id, true);
    Ok((StatusCode::CREATED, axum::Json(face.workflow_json(&wf))).into_response())
}

pub(super) async fn update_workflow(
    State(face): State<Face>,
    FacePath(id, _): IdPath<String>,
    _token: ApiToken,
    body: Body,
) -> Reply {
    let current = face.flowmatic_workflow(&id)?;
    let body = read_object(&face, body).await?;
    let mut wf = Workflow::clone(&current);
    apply(&face, &mut wf, &body, false)?;
    face.app.engine.put_workflow(wf.clone());
    face.touch(&id, false);
    Ok(axum::Json(face.workflow_json(&wf)).into_response())
}

pub(super) async fn delete_workflow(
    State(face): State<Face>,
    FacePath(id, _): IdPath<String>,
    _token: ApiToken,
) -> Reply {
    face.flowmatic_workflow(&id)?;
    face.app.engine.remove_workflow(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn execute_workflow(
    State(face): State<Face>,
    FacePath(id, _): IdPath<String>,
    _token: ApiToken,
    body: Body,
) -> Reply {
    execute(&face, &id, body).await
}

async fn execute(face: &FlowmaticFace, id: &str, body: Body) -> Reply {
    let wf = face.flowmatic_workflow(id)?;
    let body = read_object(face, body).await?;
    let input = match body.get("input") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err(validation("input must be an object")),
    };
    let run = face.start(&wf, input, "api")?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(json!({"executionId": run.id, "workflowId": wf.id, "status": "RUNNING"})),
    )
        .into_response())
}

const STATUSES: [&str; 6] = [
    "PENDING",
    "RUNNING",
    "SUCCESS",
    "FAILED",
    "CANCELLED",
    "TIMEOUT",
];

pub(super) async fn list_executions(
    State(face): State<Face>,
    _token: ApiToken,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Reply {
    let (page, limit) = paging(&query)?;
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let status = q.get("status").map(|s| s.to_ascii_uppercase());
    if let Some(s) = &status
        && !STATUSES.contains(&s.as_str())
    {
        return Err(validation(&format!(
            "status must be one of {}",
            STATUSES.join(", ")
        )));
    }
    let workflow_id = q.get("workflowId");
    let mut runs: Vec<RunSnapshot> = face
        .app
        .engine
        .list_runs()
        .into_iter()
        .filter(is_flowmatic_run)
        .filter(|r| workflow_id.is_none_or(|w| *r.workflow_id == **w))
        .filter(|r| status.as_deref().is_none_or(|s| status_name(r.status) == s))
        .collect();
    runs.reverse();
    Ok(page_of(
        runs.iter().map(execution_json).collect(),
        page,
        limit,
    ))
}

pub(super) async fn get_execution(
    State(face): State<Face>,
    FacePath(id, _): IdPath<String>,
    _token: ApiToken,
) -> Reply {
    let run = face
        .app
        .engine
        .snapshot(&id)
        .filter(is_flowmatic_run)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "NOT_FOUND", "Execution not found"))?;
    Ok(axum::Json(execution_json(&run)).into_response())
}

pub(super) async fn list_connectors(State(face): State<Face>, _token: ApiToken) -> Reply {
    let data: Vec<Value> = face
        .app
        .config
        .flowmatic
        .connectors
        .iter()
        .map(|c| json!({"id": c.id, "name": c.name, "category": c.category, "actions": c.actions}))
        .collect();
    Ok(axum::Json(json!({ "data": data })).into_response())
}
