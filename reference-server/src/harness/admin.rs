//! The harness over HTTP: `/__admin/runs`, `/__admin/expectations`,
//! `/__admin/faults`, `/__admin/n8n/arm-test-webhook`.

// Handlers return `Result<Response, Response>`: the error side is the ready
// answer, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::{Expectation, Fault, Route, faults::fault_json};
use crate::engine::RunSnapshot;
use crate::state::AppState;
use crate::time::iso8601;

type Reply = Result<Response, Response>;

/// The harness routes (merged into the server's router under `/__admin`).
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/__admin/runs", get(list_runs))
        .route(
            "/__admin/expectations",
            get(verify).post(add_expectation).delete(clear_expectations),
        )
        .route(
            "/__admin/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/__admin/n8n/arm-test-webhook", post(arm_test_webhook))
}

/// `POST /__admin/n8n/arm-test-webhook` with `{"workflowId": ".."}`.
async fn arm_test_webhook(State(state): State<AppState>, body: axum::body::Bytes) -> Reply {
    let id = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
        v.get("workflowId")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let Some(id) = id else {
        return Err(bad_request("body must be {\"workflowId\":\"..\"}"));
    };
    if !state.harness.arm_test_webhook(&id) {
        return Err((
            StatusCode::NOT_FOUND,
            Json(json!({"error": format!("no n8n workflow {id}")})),
        )
            .into_response());
    }
    Ok(Json(json!({"armed": id})).into_response())
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}

fn json_body(body: &[u8]) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(bad_request("body must be a JSON object")),
    }
}

/// A run as the harness shows it: what it received and how it ended.
pub(crate) fn run_json(run: &RunSnapshot) -> Value {
    let headers: Map<String, Value> = run
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
            )
        })
        .collect();
    json!({
        "runId": run.id,
        "workflowId": run.workflow_id,
        "status": run.status.as_str(),
        "input": run.input,
        "headers": headers,
        "output": run.output,
        "error": run.error.as_ref().map(|e| json!({"code": e.code, "message": e.message, "step": e.step})),
        "createdAt": iso8601(run.created_at),
    })
}

async fn list_runs(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let runs: Vec<Value> = state
        .engine
        .list_runs()
        .iter()
        .filter(|r| {
            query
                .get("workflowId")
                .is_none_or(|w| *r.workflow_id == **w)
        })
        .map(run_json)
        .collect();
    Json(json!({ "data": runs })).into_response()
}

async fn add_expectation(State(state): State<AppState>, body: axum::body::Bytes) -> Reply {
    let body = json_body(&body)?;
    let workflow = body
        .get("workflowId")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_request("workflowId (a string) is required"))?;
    let mut expectation = Expectation::runs_of(workflow);
    if let Some(input) = body.get("input") {
        expectation = expectation.with_input(input.clone());
    }
    match body.get("headers") {
        None => {}
        Some(Value::Object(headers)) => {
            for (name, value) in headers {
                let value = value
                    .as_str()
                    .ok_or_else(|| bad_request("header values must be strings"))?;
                expectation = expectation.with_header(name, value);
            }
        }
        Some(_) => return Err(bad_request("headers must be an object of strings")),
    }
    let count = |key: &str| -> Result<Option<usize>, Response> {
        match body.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| bad_request(&format!("{key} must be a non-negative integer"))),
        }
    };
    expectation = match (count("times")?, count("atLeast")?, count("atMost")?) {
        (Some(n), None, None) => expectation.times(n),
        (None, Some(n), None) => expectation.at_least(n),
        (None, None, Some(n)) => expectation.at_most(n),
        (None, None, None) => expectation,
        _ => return Err(bad_request("give one of times, atLeast, atMost")),
    };
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        expectation = expectation.named(name);
    }
    let id = state.harness.expectations.add(expectation);
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

/// 200 when every expectation is met, 417 otherwise; the body has each
/// expectation's count and the readable report.
async fn verify(State(state): State<AppState>) -> Response {
    let report = state.harness.expectations.report();
    let lines: Vec<Value> = report
        .expectations()
        .iter()
        .map(|c| {
            json!({"expectation": c.description, "expected": c.times.to_string(),
                   "got": c.got, "met": c.met, "notMatched": c.near_misses})
        })
        .collect();
    let status = if report.is_met() {
        StatusCode::OK
    } else {
        StatusCode::EXPECTATION_FAILED
    };
    let body = json!({"met": report.is_met(), "expectations": lines, "report": report.to_string()});
    (status, Json(body)).into_response()
}

async fn clear_expectations(State(state): State<AppState>) -> StatusCode {
    state.harness.expectations.clear();
    StatusCode::NO_CONTENT
}

fn millis(body: &Map<String, Value>, key: &str) -> Result<Option<Duration>, Response> {
    match body.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(|ms| Some(Duration::from_millis(ms)))
            .ok_or_else(|| bad_request(&format!("{key} must be milliseconds"))),
    }
}

/// `{"method"?, "path", "times"?, "fault": {"status"} | {"status":429,"retryAfterMs"}
/// | {"drop":"connection"|"answer"} | {"delayMs"}}`.
async fn add_fault(State(state): State<AppState>, body: axum::body::Bytes) -> Reply {
    let body = json_body(&body)?;
    let path = body
        .get("path")
        .and_then(Value::as_str)
        .filter(|p| p.starts_with('/'))
        .ok_or_else(|| bad_request("path (starting with /) is required"))?;
    let route = match body.get("method").and_then(Value::as_str) {
        None => Route::any(path),
        Some(m) => Route::new(
            Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                .map_err(|_| bad_request("method is not an HTTP method"))?,
            path,
        ),
    };
    let spec = match body.get("fault") {
        Some(Value::Object(spec)) => spec,
        _ => return Err(bad_request("fault (an object) is required")),
    };
    let fault = if let Some(status) = spec.get("status") {
        let status = status
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .filter(|s| (400..600).contains(s))
            .ok_or_else(|| bad_request("fault.status must be 400..599"))?;
        match (status, millis(spec, "retryAfterMs")?) {
            (429, Some(after)) => Fault::too_many_requests(after),
            (_, _) => Fault::status(status),
        }
    } else if let Some(drop) = spec.get("drop") {
        match drop.as_str() {
            Some("connection") => Fault::drop_connection(),
            Some("answer") => Fault::drop_answer(),
            _ => {
                return Err(bad_request(
                    "fault.drop must be \"connection\" or \"answer\"",
                ));
            }
        }
    } else if let Some(delay) = millis(spec, "delayMs")? {
        Fault::delay(delay)
    } else {
        return Err(bad_request("fault needs status, drop or delayMs"));
    };
    let times = match body.get("times") {
        None => 1,
        Some(t) => t
            .as_u64()
            .and_then(|t| usize::try_from(t).ok())
            .filter(|t| *t > 0)
            .ok_or_else(|| bad_request("times must be a positive integer"))?,
    };
    let fault = fault.times(times);
    let answer = fault_json(&route, &fault);
    state.harness.faults.inject(route, fault);
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

async fn list_faults(State(state): State<AppState>) -> Response {
    let data: Vec<Value> = state
        .harness
        .faults
        .pending()
        .iter()
        .map(|(route, fault)| fault_json(route, fault))
        .collect();
    Json(json!({ "data": data })).into_response()
}

async fn clear_faults(State(state): State<AppState>) -> StatusCode {
    state.harness.faults.clear();
    StatusCode::NO_CONTENT
}
