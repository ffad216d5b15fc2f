//! `GET {id}/execution/{executionId}/stream`: Server-Sent Events with `id:`
//! from the run's event log, so `Last-Event-ID` resumes where a client left.

use std::convert::Infallible;

use axum::extract::{OriginalUri, State};
use axum::response::IntoResponse;
use axum::response::sse::{Event, Sse};
use futures::StreamExt;
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::auth::AuthorizedExecution;
use super::{Face, Reply, result_of, status_name};
use crate::engine::{EventKind, RunEvent, RunStatus};
use crate::time::iso8601;

pub(super) async fn stream(
    State(face): State<Face>,
    _: super::Throttled,
    AuthorizedExecution { wf, run }: AuthorizedExecution,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Reply {
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let events = face
        .app
        .engine
        .subscribe(&run.id, after)
        .ok_or_else(|| super::error(StatusCode::NOT_FOUND, &uri, "Execution not found"))?;
    let drop_after = face.app.config.tooljet.stream_drop_after;
    let execution = run.id.clone();
    let workflow = wf.id.clone();
    let opening = frame(
        None,
        &json!({
            "type": "workflow_connection_initialized",
            "executionId": execution,
            "workflowId": workflow,
            "timestamp": crate::time::now_iso(),
        }),
    );
    let ids = (execution.clone(), workflow.clone());
    let engine = face.app.engine.clone();
    // Map engine events to ToolJet frames; stop after `drop_after` frames
    // with ids, or after the terminal event plus the close frame.
    let body = futures::stream::once(async move { opening })
        .chain(
            events
                .filter_map(move |e| {
                    let ids = ids.clone();
                    let result = engine
                        .snapshot(&ids.0)
                        .map_or(Value::Null, |s| result_of(&s));
                    async move { sse_event(&e, &ids.0, &ids.1, result).map(|d| (e.seq, d)) }
                })
                .enumerate()
                .take_while(move |(n, _)| {
                    let keep = drop_after.is_none_or(|max| *n < max);
                    async move { keep }
                })
                .flat_map(move |(_, (seq, data))| {
                    let terminal = is_terminal(&data);
                    let mut frames = vec![frame(Some(seq), &data)];
                    if terminal {
                        frames.push(frame(
                            None,
                            &json!({
                                "type": "workflow_connection_close",
                                "executionId": data["executionId"],
                                "timestamp": crate::time::now_iso(),
                            }),
                        ));
                    }
                    futures::stream::iter(frames)
                }),
        )
        .take_until(face.app.closed())
        .map(Ok::<Event, Infallible>);
    // `Sse` sets `text/event-stream` and `no-cache`.
    Ok(([("x-accel-buffering", "no")], Sse::new(body)).into_response())
}

fn is_terminal(data: &Value) -> bool {
    matches!(
        data["type"].as_str(),
        Some(
            "workflow_execution_completed"
                | "workflow_execution_error"
                | "workflow_execution_terminated"
        )
    )
}

/// One SSE event: `id: <seq>` when given, then `data: <json>`.
fn frame(id: Option<u64>, data: &Value) -> Event {
    let event = Event::default();
    let event = match id {
        Some(id) => event.id(id.to_string()),
        None => event,
    };
    event.data(data.to_string())
}

/// The ToolJet event for an engine event (None for events ToolJet has no name for).
fn sse_event(e: &RunEvent, execution: &str, workflow: &str, result: Value) -> Option<Value> {
    let mut data = json!({
        "executionId": execution,
        "workflowId": workflow,
        "timestamp": iso8601(e.at),
    });
    match &e.kind {
        EventKind::Created => data["type"] = json!("workflow_execution_triggered"),
        EventKind::Started => data["type"] = json!("workflow_execution_running"),
        EventKind::Finished {
            status,
            output,
            error,
        } => match status {
            RunStatus::Succeeded => {
                data["type"] = json!("workflow_execution_completed");
                data["result"] = if result.is_null() {
                    output.as_deref().cloned().unwrap_or(Value::Null)
                } else {
                    result
                };
            }
            RunStatus::Cancelled => {
                data["type"] = json!("workflow_execution_terminated");
            }
            other => {
                data["type"] = json!("workflow_execution_error");
                data["status"] = json!(status_name(*other));
                data["error"] = json!(error.as_ref().map(|e| e.message.clone()));
            }
        },
        _ => return None,
    }
    Some(data)
}
