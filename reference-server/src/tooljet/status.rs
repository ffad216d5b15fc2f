//! `GET {id}/status/{executionId}`.

use axum::extract::State;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::auth::AuthorizedExecution;
use super::{Face, Reply, result_of, status_name};
use crate::engine::{EventKind, RunSnapshot, StepStatus};
use crate::time::iso8601;

pub(super) async fn status(
    State(face): State<Face>,
    _: super::Throttled,
    AuthorizedExecution { run, .. }: AuthorizedExecution,
) -> Reply {
    let logs = logs(&face, &run);
    Ok(axum::Json(status_json(&run, logs)).into_response())
}

fn logs(face: &super::ToolJetFace, run: &RunSnapshot) -> Vec<Value> {
    let events = face.app.engine.events(&run.id).unwrap_or_default();
    events
        .iter()
        .filter_map(|e| {
            let text = match &e.kind {
                EventKind::Created => "Workflow execution triggered".to_owned(),
                EventKind::Started => "Workflow execution started".to_owned(),
                EventKind::StepStarted { step } => format!("Node {step} started"),
                EventKind::StepCompleted { step, .. } => format!("Node {step} completed"),
                EventKind::StepFailed { step, error } => {
                    format!("Node {step} failed: {}", error.message)
                }
                EventKind::Finished { status, .. } => {
                    format!("Workflow execution {}", status_name(*status))
                }
                _ => return None,
            };
            Some(Value::String(format!("[{}] {text}", iso8601(e.at))))
        })
        .collect()
}

fn status_json(run: &RunSnapshot, logs: Vec<Value>) -> Value {
    let nodes: Vec<Value> = run
        .steps
        .iter()
        .map(|s| {
            let executed = matches!(s.status, StepStatus::Completed | StepStatus::Failed);
            let result = match s.status {
                StepStatus::Completed => json!({"status": "ok", "data": s.output}),
                StepStatus::Failed => json!({
                    "status": "failed",
                    "error": s.error.as_ref().map(|e| e.message.clone()),
                }),
                _ => Value::Null,
            };
            json!({
                "id": format!("{}:{}", run.id, s.id),
                "idOnDefinition": s.id,
                "executed": executed,
                "result": result,
            })
        })
        .collect();
    let mut body = json!({
        "status": run.status.is_terminal(),
        "execution_status": status_name(run.status),
        "logs": logs,
        "nodes": nodes,
        "result": result_of(run),
    });
    if let Some(e) = &run.error {
        body["error"] = Value::String(e.message.clone());
    }
    body
}
