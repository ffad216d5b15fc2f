//! The status document of an execution (`GET …/status/{executionId}`),
//! decoded tolerantly: ToolJet's engine is closed source and this body is
//! not documented, so both state vocabularies (stored and display) and the
//! bare `status: bool` form are accepted, and nothing unknown fails.

use std::fmt;

use serde_json::{Map, Value};
use trigger_sdk_core::{RunFailure, RunId, RunSnapshot, RunStatus, StepSnapshot, StepStatus};

/// An execution's state, in either of ToolJet's vocabularies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExecutionState {
    /// `triggered`: queued, not started.
    Triggered,
    /// `running`.
    Running,
    /// `waiting`: suspended (a Human node); not finished.
    Waiting,
    /// `completed` (stored as `success`).
    Completed,
    /// `failed` (stored as `failure`).
    Failed,
    /// `terminated`: stopped by a user.
    Terminated,
    /// A state this SDK does not know, as the server spelled it.
    Unknown(String),
}

impl ExecutionState {
    /// Parses a state name of either vocabulary (case-insensitive).
    pub fn parse(name: &str) -> Self {
        match name.trim().to_ascii_lowercase().as_str() {
            "triggered" | "queued" | "pending" => Self::Triggered,
            "running" | "started" => Self::Running,
            "waiting" | "suspended" => Self::Waiting,
            "completed" | "success" | "succeeded" => Self::Completed,
            "failed" | "failure" | "error" => Self::Failed,
            "terminated" | "cancelled" | "canceled" => Self::Terminated,
            _ => Self::Unknown(name.to_owned()),
        }
    }

    /// The generic status.
    pub fn run_status(&self) -> RunStatus {
        match self {
            Self::Triggered => RunStatus::Pending,
            Self::Running => RunStatus::Running,
            Self::Waiting => RunStatus::Waiting,
            Self::Completed => RunStatus::Succeeded,
            Self::Failed => RunStatus::Failed,
            Self::Terminated => RunStatus::Cancelled,
            Self::Unknown(name) => RunStatus::Unknown(name.clone()),
        }
    }
}

impl fmt::Display for ExecutionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Triggered => "triggered",
            Self::Running => "running",
            Self::Waiting => "waiting",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Terminated => "terminated",
            Self::Unknown(name) => name,
        })
    }
}

/// One node of an execution.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ExecutionNode {
    /// The node's execution row id.
    pub id: String,
    /// The node's id in the workflow definition (`idOnDefinition`).
    pub id_on_definition: Option<String>,
    /// Whether the node ran.
    pub executed: bool,
    /// Its result, typically `{"status":"ok","data":…}` (decoded when the
    /// server sent it as a JSON string).
    pub result: Option<Value>,
}

impl ExecutionNode {
    fn from_value(value: &Value) -> Option<Self> {
        let map = value.as_object()?;
        let text = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| map.get(*k))
                .and_then(trigger_sdk_core::json::id)
        };
        let result = map.get("result").cloned().map(|r| match r {
            Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
            other => other,
        });
        Some(Self {
            id: text(&["id"]).unwrap_or_default(),
            id_on_definition: text(&["idOnDefinition", "id_on_definition"]),
            executed: map
                .get("executed")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            result: result.filter(|r| !r.is_null()),
        })
    }

    /// The node's own result status (`ok`, `failed`, ...), when it reported one.
    pub fn result_status(&self) -> Option<&str> {
        self.result.as_ref()?.get("status")?.as_str()
    }

    /// Whether the node reported a failure.
    pub fn failed(&self) -> bool {
        self.result_status().is_some_and(|s| {
            matches!(
                s.to_ascii_lowercase().as_str(),
                "failed" | "failure" | "error"
            )
        })
    }

    /// The step it is, for [`RunSnapshot::steps`].
    pub fn to_step(&self) -> StepSnapshot {
        let status = if self.failed() {
            StepStatus::Failed
        } else if self.executed {
            StepStatus::Completed
        } else {
            StepStatus::Pending
        };
        let id = self
            .id_on_definition
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| self.id.clone());
        let mut step = StepSnapshot::new(id, status);
        if let Some(result) = &self.result {
            let data = result
                .get("data")
                .cloned()
                .unwrap_or_else(|| result.clone());
            if self.failed() {
                step = step.with_error(error_text(&data));
            } else {
                step = step.with_output(data);
            }
        }
        step
    }
}

/// The status document of an execution.
///
/// Expected (our choice, best evidence):
/// `{"status": true, "execution_status": "completed", "logs": [...],
///   "nodes": [{"id","idOnDefinition","executed","result"}], "result": ...}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ExecutionStatus {
    /// The boolean `status` ("executed") flag, when present.
    pub executed: Option<bool>,
    /// The state from `execution_status` (or a string `status`), when present.
    pub state: Option<ExecutionState>,
    /// The Response node's value, once there is one.
    pub result: Option<Value>,
    /// An `error` field, when the server sent one.
    pub error: Option<Value>,
    /// The execution's log lines.
    pub logs: Vec<Value>,
    /// Its nodes.
    pub nodes: Vec<ExecutionNode>,
    /// The whole document.
    pub raw: Value,
}

impl ExecutionStatus {
    /// Reads a status document; never fails (unknown shapes give an
    /// [`ExecutionStatus`] with nothing set and `raw` kept).
    pub fn from_value(raw: Value) -> Self {
        let empty = Map::new();
        let map = raw.as_object().unwrap_or(&empty);
        let state_field = ["execution_status", "executionStatus", "state"]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_str));
        let (executed, status_text) = match map.get("status") {
            Some(Value::Bool(b)) => (Some(*b), None),
            Some(Value::String(s)) => (None, Some(s.as_str())),
            _ => (None, None),
        };
        let executed = executed.or_else(|| map.get("executed").and_then(Value::as_bool));
        let state = state_field.or(status_text).map(ExecutionState::parse);
        let nodes = map
            .get("nodes")
            .and_then(Value::as_array)
            .map(|nodes| nodes.iter().filter_map(ExecutionNode::from_value).collect())
            .unwrap_or_default();
        let logs = match map.get("logs") {
            Some(Value::Array(lines)) => lines.clone(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => vec![other.clone()],
        };
        Self {
            executed,
            state,
            result: map.get("result").cloned().filter(|r| !r.is_null()),
            error: map.get("error").cloned().filter(|e| !e.is_null()),
            logs,
            nodes,
            raw,
        }
    }

    /// The generic status: from the state when there is one; otherwise
    /// `status: true` means finished (failed when an error or a failed node
    /// is reported, succeeded otherwise) and `status: false` running.
    pub fn run_status(&self) -> RunStatus {
        if let Some(state) = &self.state {
            return state.run_status();
        }
        match self.executed {
            Some(true) if self.error.is_some() || self.nodes.iter().any(ExecutionNode::failed) => {
                RunStatus::Failed
            }
            Some(true) => RunStatus::Succeeded,
            Some(false) => RunStatus::Running,
            None => RunStatus::Unknown("unreported".into()),
        }
    }

    /// Why the execution failed, when it failed.
    pub fn failure(&self) -> Option<RunFailure> {
        if self.run_status() != RunStatus::Failed {
            return None;
        }
        let failed_node = self.nodes.iter().find(|n| n.failed());
        let mut failure = if let Some(error) = &self.error {
            RunFailure::new(error_text(error)).with_raw(error.clone())
        } else if let Some(node) = failed_node {
            let data = node
                .result
                .as_ref()
                .and_then(|r| r.get("data").or(r.get("error")).cloned())
                .unwrap_or(Value::Null);
            RunFailure::new(error_text(&data)).with_raw(data)
        } else if let Some(line) = self.logs.last() {
            RunFailure::new(error_text(line))
        } else {
            RunFailure::new("the workflow execution failed")
        };
        if let Some(node) = failed_node {
            let step = node.to_step();
            failure = failure.with_step(step.id);
        }
        Some(failure)
    }

    /// The generic snapshot of run `run_id`.
    pub fn to_snapshot(&self, run_id: Option<RunId>) -> RunSnapshot {
        RunSnapshot::new(run_id, self.run_status())
            .with_output(self.result.clone())
            .with_failure(self.failure())
            .with_steps(self.nodes.iter().map(ExecutionNode::to_step).collect())
            .with_raw(self.raw.clone())
    }
}

/// An error value as one line of text (see [`trigger_sdk_core::json::error_message`]).
pub(crate) fn error_text(value: &Value) -> String {
    trigger_sdk_core::json::error_message(value)
        .unwrap_or_else(|| "the workflow execution failed".to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn both_vocabularies_map_to_the_same_status() {
        for (name, status) in [
            ("completed", RunStatus::Succeeded),
            ("success", RunStatus::Succeeded),
            ("failed", RunStatus::Failed),
            ("failure", RunStatus::Failed),
            ("triggered", RunStatus::Pending),
            ("running", RunStatus::Running),
            ("waiting", RunStatus::Waiting),
            ("terminated", RunStatus::Cancelled),
        ] {
            let doc =
                ExecutionStatus::from_value(json!({"status": true, "execution_status": name}));
            assert_eq!(doc.run_status(), status, "{name}");
        }
        let doc = ExecutionStatus::from_value(json!({"execution_status": "paused_by_admin"}));
        assert_eq!(
            doc.run_status(),
            RunStatus::Unknown("paused_by_admin".into())
        );
    }

    #[test]
    fn bare_bool_status_means_finished_or_running() {
        let done = ExecutionStatus::from_value(json!({"status": true, "logs": [], "nodes": []}));
        assert_eq!(done.run_status(), RunStatus::Succeeded);
        let running = ExecutionStatus::from_value(json!({"status": false}));
        assert_eq!(running.run_status(), RunStatus::Running);
        let failed = ExecutionStatus::from_value(json!({
            "status": true,
            "nodes": [{"id": "n1", "idOnDefinition": "query1", "executed": true,
                       "result": "{\"status\":\"failed\",\"data\":{\"message\":\"connection refused\"}}"}]
        }));
        assert_eq!(failed.run_status(), RunStatus::Failed);
        let failure = failed.failure().expect("a failure");
        assert_eq!(failure.message, "connection refused");
        assert_eq!(failure.step.as_deref(), Some("query1"));
    }

    #[test]
    fn snapshot_carries_result_steps_and_raw() {
        let raw = json!({
            "status": true,
            "execution_status": "completed",
            "logs": ["started"],
            "nodes": [
                {"id": "1", "id_on_definition": "start", "executed": true, "result": {"status": "ok", "data": {"a": 1}}},
                {"id": 2, "idOnDefinition": "response", "executed": false}
            ],
            "result": {"message": "Welcome Ada"},
            "extra": "ignored"
        });
        let snapshot = ExecutionStatus::from_value(raw.clone()).to_snapshot(Some(RunId::new("e1")));
        assert_eq!(snapshot.status, RunStatus::Succeeded);
        assert_eq!(snapshot.output, Some(json!({"message": "Welcome Ada"})));
        assert_eq!(snapshot.steps.len(), 2);
        assert_eq!(snapshot.steps[0].id, "start");
        assert_eq!(snapshot.steps[0].output, Some(json!({"a": 1})));
        assert_eq!(snapshot.steps[1].status, StepStatus::Pending);
        assert_eq!(snapshot.raw, Some(raw));
    }

    #[test]
    fn explicit_error_field_is_the_failure() {
        let doc = ExecutionStatus::from_value(
            json!({"execution_status": "failed", "error": {"message": "boom"}}),
        );
        assert_eq!(doc.failure().map(|f| f.message), Some("boom".to_owned()));
        let odd = ExecutionStatus::from_value(json!("not an object"));
        assert_eq!(odd.run_status(), RunStatus::Unknown("unreported".into()));
    }
}
