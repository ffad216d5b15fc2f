//! n8n executions: engine runs started by this face, shown the way n8n's public API shows them.

use serde_json::{Map, Value, json};

use crate::engine::{RunSnapshot, RunStatus, StepState, StepStatus};
use crate::time::iso8601;

use super::workflows::{N8nWorkflow, WEBHOOK_NODE};

/// Run metadata key holding the n8n execution mode (`webhook`, `manual`, `retry`, `trigger`).
pub(crate) const MODE_KEY: &str = "n8nMode";
/// Run metadata key holding the n8n workflow id (the engine id may differ).
pub(crate) const WORKFLOW_KEY: &str = "n8nWorkflowId";
/// Run metadata key holding the workflow version the run used.
pub(crate) const VERSION_KEY: &str = "n8nVersionId";

/// Whether a run was started by the n8n face.
pub(crate) fn is_n8n(snap: &RunSnapshot) -> bool {
    snap.meta.contains_key(MODE_KEY) && numeric_id(&snap.id).is_some()
}

/// A positive integer id, as n8n's `executionId` parameter requires.
pub(crate) fn numeric_id(id: &str) -> Option<u64> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok().filter(|n| *n > 0)
}

/// The n8n workflow id of a run.
pub(crate) fn workflow_id(snap: &RunSnapshot) -> &str {
    snap.meta
        .get(WORKFLOW_KEY)
        .and_then(Value::as_str)
        .unwrap_or(&snap.workflow_id)
}

/// n8n's status name for a run.
pub(crate) fn status_of(snap: &RunSnapshot) -> &'static str {
    match snap.status {
        RunStatus::Pending => "new",
        RunStatus::Running => "running",
        RunStatus::Waiting => "waiting",
        RunStatus::Succeeded => "success",
        RunStatus::Failed => "error",
        RunStatus::Cancelled | RunStatus::TimedOut => "canceled",
    }
}

/// The fields every execution object starts with, in n8n's order.
const HEAD: [&str; 6] = [
    "id",
    "finished",
    "mode",
    "retryOf",
    "retrySuccessId",
    "status",
];

/// The rest of a list item.
const LIST_ITEM: [&str; 4] = ["startedAt", "stoppedAt", "workflowId", "waitTill"];

/// The rest of `GET /executions/{id}`, before the fields 2.x added.
const DETAIL: [&str; 6] = [
    "createdAt",
    "startedAt",
    "stoppedAt",
    "deletedAt",
    "workflowId",
    "waitTill",
];

/// The execution fields 2.x added; a 1.x face leaves them out.
pub(crate) const V2_FIELDS: [&str; 7] = [
    "storedAt",
    "tracingContext",
    "deduplicationKey",
    "jsonSizeBytes",
    "binaryDataSizeBytes",
    "workflowVersionId",
    "usedPrivateCredentials",
];

/// One field of an execution object; `retry_success` is the id of the run's
/// successful retry. Fields this server has nothing for are `null`.
fn field(name: &str, snap: &RunSnapshot, retry_success: Option<&str>) -> Value {
    match name {
        "id" => json!(snap.id),
        "finished" => json!(snap.status == RunStatus::Succeeded),
        "mode" => snap
            .meta
            .get(MODE_KEY)
            .cloned()
            .unwrap_or_else(|| json!("webhook")),
        "retryOf" => json!(snap.retry_of),
        "retrySuccessId" => json!(retry_success),
        "status" => json!(status_of(snap)),
        "createdAt" => json!(iso8601(snap.created_at)),
        "startedAt" => json!(iso8601(snap.started_at.unwrap_or(snap.created_at))),
        "stoppedAt" => json!(snap.finished_at.map(iso8601)),
        "workflowId" => json!(workflow_id(snap)),
        "storedAt" => json!("db"),
        "jsonSizeBytes" => json!(run_data(snap).to_string().len()),
        "binaryDataSizeBytes" => json!(0),
        "workflowVersionId" => snap.meta.get(VERSION_KEY).cloned().unwrap_or(Value::Null),
        "usedPrivateCredentials" => json!(false),
        _ => Value::Null,
    }
}

/// The named fields of a run's execution object, in the order named.
pub(crate) fn fields<'a>(
    snap: &RunSnapshot,
    retry_success: Option<&str>,
    names: impl IntoIterator<Item = &'a &'a str>,
) -> Map<String, Value> {
    names
        .into_iter()
        .map(|name| ((*name).to_owned(), field(name, snap, retry_success)))
        .collect()
}

/// The list item: `{"id","finished","mode","retryOf","retrySuccessId","status","startedAt","stoppedAt","workflowId","waitTill"}`.
pub(crate) fn list_item(snap: &RunSnapshot, retry_success: Option<&str>) -> Map<String, Value> {
    fields(snap, retry_success, HEAD.iter().chain(&LIST_ITEM))
}

/// The object of `GET /executions/{id}` (and of DELETE, with a numeric id).
pub(crate) fn detail(snap: &RunSnapshot, retry_success: Option<&str>) -> Map<String, Value> {
    fields(
        snap,
        retry_success,
        HEAD.iter().chain(&DETAIL).chain(&V2_FIELDS),
    )
}

/// Adds `data`, `workflowData` and `customData` (`includeData=true`).
pub(crate) fn add_data(m: &mut Map<String, Value>, snap: &RunSnapshot, wf: Option<&N8nWorkflow>) {
    m.insert("data".into(), run_data(snap));
    let workflow_data = wf.map_or(Value::Null, |w| {
        json!({
            "id": w.id,
            "name": w.name,
            "active": w.active,
            "nodes": w.nodes,
            "connections": w.connections,
            "settings": w.settings,
            "pinData": w.pin_data,
            "versionId": w.version_id,
        })
    });
    m.insert("workflowData".into(), workflow_data);
    m.insert("customData".into(), json!({}));
}

/// Whether a step output is zero n8n items (`[]`).
pub(crate) fn is_no_items(v: &Value) -> bool {
    v.as_array().is_some_and(Vec::is_empty)
}

/// n8n items from a value: an array's elements, or the value itself; `null` → none.
pub(crate) fn items_of(v: &Value) -> Vec<Value> {
    item_slice(v).to_vec()
}

/// [`items_of`] without copying: the items of a value, borrowed.
fn item_slice(v: &Value) -> &[Value] {
    match v {
        Value::Null => &[],
        Value::Array(items) => items,
        other => std::slice::from_ref(other),
    }
}

/// The items the last node emitted: the run output, or the webhook item for a workflow
/// without steps (borrowed from the snapshot: an answer serializes them without a copy).
pub(crate) fn last_node_items(snap: &RunSnapshot) -> &[Value] {
    if snap.steps.is_empty() {
        return std::slice::from_ref(&*snap.input);
    }
    // A node that emits no items ends the branch: it is the last node that ran.
    if snap
        .steps
        .iter()
        .any(|s| s.output.as_deref().is_some_and(is_no_items))
    {
        return &[];
    }
    item_slice(snap.output.as_deref().unwrap_or(&Value::Null))
}

fn wrap_items(items: Vec<Value>) -> Value {
    Value::Array(
        items
            .into_iter()
            .map(|json| json!({"json": json, "pairedItem": {"item": 0}}))
            .collect(),
    )
}

fn error_json(message: &str, node: Option<&StepState>) -> Value {
    let mut e = json!({
        "level": "info",
        "shouldReport": false,
        "description": null,
        "tags": {},
        "name": "NodeOperationError",
        "message": message,
        "stack": format!("NodeOperationError: {message}"),
    });
    if let (Some(step), Some(obj)) = (node, e.as_object_mut()) {
        obj.insert(
            "node".into(),
            json!({"name": step.name, "type": node_type(step.step_type)}),
        );
    }
    e
}

fn node_type(step_type: &str) -> &'static str {
    match step_type {
        "transform" => "n8n-nodes-base.set",
        "respond" => "n8n-nodes-base.respondToWebhook",
        "delay" => "n8n-nodes-base.wait",
        "fail" => "n8n-nodes-base.stopAndError",
        _ => "n8n-nodes-base.httpRequest",
    }
}

/// `data` of an execution: `resultData.runData[<node>][0].data.main[0] = [{"json":..}]`,
/// `resultData.error` when the run failed.
pub(crate) fn run_data(snap: &RunSnapshot) -> Value {
    let start_ms = |t: Option<std::time::SystemTime>| {
        t.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as u64)
    };
    let mut run_data = Map::new();
    run_data.insert(
        WEBHOOK_NODE.into(),
        json!([{
            "startTime": start_ms(Some(snap.created_at)),
            "executionIndex": 0,
            "source": [],
            "hints": [],
            "executionTime": 0,
            "executionStatus": "success",
            "data": {"main": [wrap_items(vec![Value::clone(&snap.input)])]},
        }]),
    );
    let mut last = WEBHOOK_NODE.to_owned();
    let mut previous = WEBHOOK_NODE.to_owned();
    let mut index = 1;
    for step in &snap.steps {
        if matches!(step.status, StepStatus::Pending | StepStatus::Skipped) {
            continue;
        }
        let execution_time = match (step.started_at, step.finished_at) {
            (Some(a), Some(b)) => crate::time::millis_between(a, b),
            _ => 0,
        };
        let mut entry = json!({
            "startTime": start_ms(step.started_at),
            "executionIndex": index,
            "source": [{"previousNode": previous, "previousNodeOutput": 0, "previousNodeRun": 0}],
            "hints": [],
            "executionTime": execution_time,
            "executionStatus": match step.status {
                StepStatus::Completed => "success",
                StepStatus::Failed => "error",
                _ => "running",
            },
        });
        if let Some(obj) = entry.as_object_mut() {
            match (&step.error, &step.output) {
                (Some(err), _) => {
                    obj.insert("error".into(), error_json(&err.message, Some(step)));
                }
                (None, Some(output)) => {
                    obj.insert(
                        "data".into(),
                        json!({"main": [wrap_items(items_of(output))]}),
                    );
                }
                _ => {}
            }
        }
        run_data.insert(step.name.to_string(), json!([entry]));
        last = step.name.to_string();
        previous = step.name.to_string();
        index += 1;
    }
    let mut result = Map::new();
    if let Some(err) = &snap.error
        && matches!(
            snap.status,
            RunStatus::Failed | RunStatus::TimedOut | RunStatus::Cancelled
        )
    {
        let step = err
            .step
            .as_ref()
            .and_then(|id| snap.steps.iter().find(|s| *s.id == **id));
        result.insert("error".into(), error_json(&err.message, step));
    }
    result.insert("runData".into(), Value::Object(run_data));
    result.insert("lastNodeExecuted".into(), json!(last));
    json!({
        "version": 1,
        "startData": {},
        "resultData": Value::Object(result),
        "executionData": {
            "contextData": {},
            "nodeExecutionStack": [],
            "metadata": {},
            "waitingExecution": {},
            "waitingExecutionSource": {},
        },
    })
}
