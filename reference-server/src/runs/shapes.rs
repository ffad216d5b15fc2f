//! JSON shapes of the runs API: run, run summary, workflow.

use serde_json::{Value, json};

use crate::config::Workflow;
use crate::engine::{RunError, RunSnapshot, RunStatus, StepState};
use crate::time::iso8601;

/// The runs API's name of a run status.
pub(crate) fn status_name(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Pending => "pending",
        RunStatus::Running | RunStatus::Waiting => "running",
        RunStatus::Succeeded => "completed",
        RunStatus::Failed => "failed",
        RunStatus::Cancelled => "cancelled",
        RunStatus::TimedOut => "timed_out",
    }
}

fn time(t: Option<std::time::SystemTime>) -> Value {
    t.map_or(Value::Null, |t| Value::String(iso8601(t)))
}

fn run_error(s: &RunSnapshot) -> Value {
    match (&s.error, s.status) {
        (Some(e), RunStatus::Failed) => json!({
            "code": "STEP_ERROR",
            "message": e.message,
            "stepId": e.step,
        }),
        (Some(e), _) => json!({"code": e.code, "message": e.message}),
        (None, _) => Value::Null,
    }
}

fn step_error(e: &Option<RunError>) -> Value {
    e.as_ref().map_or(
        Value::Null,
        |e| json!({"code": e.code, "message": e.message}),
    )
}

fn step_json(st: &StepState) -> Value {
    json!({
        "id": st.id,
        "name": st.name,
        "type": st.step_type,
        "status": st.status.as_str(),
        "input": st.input,
        "output": st.output,
        "error": step_error(&st.error),
        "attempt": st.attempt,
        "startedAt": time(st.started_at),
        "completedAt": time(st.finished_at),
    })
}

/// A run summary (list item).
pub(crate) fn run_summary(s: &RunSnapshot) -> Value {
    let finished = s.status.is_terminal();
    json!({
        "id": s.id,
        "workflowId": s.workflow_id,
        "workflowVersion": s.meta.get("workflowVersion").cloned().unwrap_or(Value::from(1)),
        "status": status_name(s.status),
        "triggerType": s.meta.get("triggerType").cloned().unwrap_or(Value::from("api")),
        "startedAt": time(s.started_at),
        "completedAt": time(s.finished_at),
        "durationMs": if finished { s.duration_ms().map_or(Value::Null, Value::from) } else { Value::Null },
        "createdAt": iso8601(s.created_at),
    })
}

/// The full run (`GET /runs/{id}`).
pub(crate) fn run_json(s: &RunSnapshot) -> Value {
    let mut v = run_summary(s);
    v["input"] = Value::clone(&s.input);
    v["output"] = s.output.as_deref().cloned().unwrap_or(Value::Null);
    v["error"] = run_error(s);
    v["steps"] = Value::Array(s.steps.iter().map(step_json).collect());
    for key in ["connectionId", "idempotencyKey"] {
        if let Some(val) = s.meta.get(key) {
            v[key] = val.clone();
        }
    }
    if let Some(r) = &s.retry_of {
        v["retryOf"] = Value::from(&**r);
    }
    v
}

/// A workflow as the runs API shows it: the document (`name`, `description`,
/// `trigger`, `inputSchema`, `steps` with their `config`) with its id,
/// status and version; nothing of the other faces' exposures.
pub(crate) fn workflow_json(w: &Workflow) -> Value {
    let exposure = w.runs.clone().unwrap_or_default();
    let mut v = json!({
        "id": w.id,
        "name": w.name,
        "description": w.description,
        "status": exposure.status,
        "version": exposure.version,
        "trigger": exposure.trigger,
        "steps": serde_json::to_value(&w.steps).unwrap_or(Value::Null),
    });
    if let Some(schema) = exposure.input_schema {
        v["inputSchema"] = schema;
    }
    v
}
