//! The REST API's documents: workflows, executions, connectors, list pages,
//! and the bodies sent to create and update workflows.
//!
//! Every answer type tolerates unknown fields and missing optional ones;
//! ids are read as strings even when sent as numbers; enums keep values this
//! SDK does not know (`Unknown(String)`).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use trigger_sdk_core::{RunFailure, RunStatus};

use trigger_sdk_core::{
    json::de::{id, opt_id as optional_id},
    wire_enum,
};

wire_enum! {
    /// Where a Flowmatic execution is.
    ///
    /// ```
    /// use trigger_sdk_core::RunStatus;
    /// use trigger_sdk_flowmatic::ExecutionStatus;
    /// assert_eq!(ExecutionStatus::parse("SUCCESS").to_run_status(), RunStatus::Succeeded);
    /// assert_eq!(ExecutionStatus::parse("PAUSED"), ExecutionStatus::Unknown("PAUSED".into()));
    /// ```
    ExecutionStatus {
        /// `PENDING`: queued.
        Pending = "PENDING",
        /// `RUNNING`.
        Running = "RUNNING",
        /// `SUCCESS`: finished with success.
        Success = "SUCCESS",
        /// `FAILED`.
        Failed = "FAILED",
        /// `CANCELLED` (also read from `CANCELED`).
        Cancelled = "CANCELLED" | "CANCELED",
        /// `TIMEOUT`: stopped by a timeout.
        Timeout = "TIMEOUT",
    }
}

impl ExecutionStatus {
    /// The matching [`RunStatus`].
    pub fn to_run_status(&self) -> RunStatus {
        match self {
            Self::Pending => RunStatus::Pending,
            Self::Running => RunStatus::Running,
            Self::Success => RunStatus::Succeeded,
            Self::Failed => RunStatus::Failed,
            Self::Cancelled => RunStatus::Cancelled,
            Self::Timeout => RunStatus::TimedOut,
            Self::Unknown(value) => RunStatus::Unknown(value.clone()),
        }
    }

    /// Whether the execution has ended.
    pub fn is_terminal(&self) -> bool {
        self.to_run_status().is_terminal()
    }
}

impl Default for ExecutionStatus {
    fn default() -> Self {
        Self::Unknown(String::new())
    }
}

wire_enum! {
    /// Whether a workflow accepts triggers.
    WorkflowStatus {
        /// `active`.
        Active = "active",
        /// `inactive`: triggers and execute answer 409 `WORKFLOW_INACTIVE`.
        Inactive = "inactive",
    }
}

impl Default for WorkflowStatus {
    fn default() -> Self {
        Self::Unknown(String::new())
    }
}

/// A trigger of a workflow (`{"id","type":"webhook","webhookId"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkflowTrigger {
    /// The trigger's id.
    #[serde(default, deserialize_with = "optional_id")]
    pub id: Option<String>,
    /// The trigger type (`webhook`).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The webhook id, for webhook triggers (`/api/webhooks/{webhookId}`).
    #[serde(default, deserialize_with = "optional_id")]
    pub webhook_id: Option<String>,
}

impl WorkflowTrigger {
    /// A webhook trigger with this webhook id.
    pub fn webhook(webhook_id: impl Into<String>) -> Self {
        Self {
            id: None,
            kind: Some("webhook".to_owned()),
            webhook_id: Some(webhook_id.into()),
        }
    }
}

/// A workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Workflow {
    /// The workflow's id (`wf-456`).
    #[serde(deserialize_with = "id")]
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// `active` or `inactive`.
    #[serde(default)]
    pub status: WorkflowStatus,
    /// Its triggers.
    #[serde(default)]
    pub triggers: Vec<WorkflowTrigger>,
    /// When it was created (ISO 8601, as sent).
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it was last updated (ISO 8601, as sent).
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl Workflow {
    /// The webhook ids of its webhook triggers.
    pub fn webhook_ids(&self) -> impl Iterator<Item = &str> {
        self.triggers.iter().filter_map(|t| t.webhook_id.as_deref())
    }
}

/// The body of `POST /api/v1/workflows`.
///
/// ```
/// use trigger_sdk_flowmatic::{NewWorkflow, WorkflowStatus, WorkflowTrigger};
/// let body = NewWorkflow::new("Nightly report")
///     .description("Sends the nightly report")
///     .status(WorkflowStatus::Inactive)
///     .trigger(WorkflowTrigger::webhook("nightly"))
///     .field("tags", serde_json::json!(["reports"]));
/// let json = serde_json::to_value(&body)?;
/// assert_eq!(json["name"], "Nightly report");
/// assert_eq!(json["status"], "inactive");
/// assert_eq!(json["triggers"][0]["webhookId"], "nightly");
/// assert_eq!(json["tags"][0], "reports");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewWorkflow {
    /// Its name.
    pub name: String,
    /// Its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `active` or `inactive` (the server's default when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<WorkflowStatus>,
    /// Its triggers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<WorkflowTrigger>,
    /// Any other field to send (steps, nodes, settings).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl NewWorkflow {
    /// A workflow with a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: None,
            status: None,
            triggers: Vec::new(),
            extra: Map::new(),
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the status.
    pub fn status(mut self, status: WorkflowStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Adds a trigger.
    pub fn trigger(mut self, trigger: WorkflowTrigger) -> Self {
        self.triggers.push(trigger);
        self
    }

    /// Sets any other field.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }
}

/// The body of `PUT /api/v1/workflows/{id}`: only the fields set are sent.
///
/// ```
/// use trigger_sdk_flowmatic::{WorkflowStatus, WorkflowUpdate};
/// let body = WorkflowUpdate::new().status(WorkflowStatus::Active);
/// assert_eq!(serde_json::to_string(&body)?, r#"{"status":"active"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkflowUpdate {
    /// A new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A new status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<WorkflowStatus>,
    /// New triggers (replacing the old ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triggers: Option<Vec<WorkflowTrigger>>,
    /// Any other field to send.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl WorkflowUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the status.
    pub fn status(mut self, status: WorkflowStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Replaces the triggers.
    pub fn triggers(mut self, triggers: Vec<WorkflowTrigger>) -> Self {
        self.triggers = Some(triggers);
        self
    }

    /// Sets any other field.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }
}

/// An execution (a run) of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Execution {
    /// The execution's id (`exec-789`).
    #[serde(deserialize_with = "id")]
    pub id: String,
    /// The workflow it runs.
    #[serde(default, deserialize_with = "optional_id")]
    pub workflow_id: Option<String>,
    /// Where it is.
    #[serde(default)]
    pub status: ExecutionStatus,
    /// Its input.
    #[serde(default)]
    pub input: Value,
    /// Its output, once there is one.
    #[serde(default)]
    pub output: Option<Value>,
    /// Its error, when it failed: a message or an object.
    #[serde(default)]
    pub error: Option<Value>,
    /// When it started (ISO 8601, as sent).
    #[serde(default)]
    pub started_at: Option<String>,
    /// When it finished (ISO 8601, as sent).
    #[serde(default)]
    pub finished_at: Option<String>,
}

impl Execution {
    /// Why it failed, from its `error` (a message, or an object with
    /// `message`, `code` and `step`/`node`).
    pub fn failure(&self) -> Option<RunFailure> {
        let error = self.error.as_ref().filter(|e| !e.is_null())?;
        let failure = match error {
            Value::String(message) => RunFailure::new(message.clone()),
            Value::Object(fields) => {
                let text = |key: &str| fields.get(key).and_then(Value::as_str);
                let mut failure = RunFailure::new(
                    text("message").map_or_else(|| error.to_string(), str::to_owned),
                );
                if let Some(code) = text("code") {
                    failure = failure.with_code(code);
                }
                if let Some(step) = text("step").or_else(|| text("node")) {
                    failure = failure.with_step(step);
                }
                failure
            }
            other => RunFailure::new(other.to_string()),
        };
        Some(failure.with_raw(error.clone()))
    }
}

/// The answer of `POST /api/v1/workflows/{id}/execute` (202).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExecutionAccepted {
    /// The new execution's id.
    #[serde(deserialize_with = "id")]
    pub execution_id: String,
    /// The workflow.
    #[serde(default, deserialize_with = "optional_id")]
    pub workflow_id: Option<String>,
    /// Its status (`RUNNING`).
    #[serde(default)]
    pub status: ExecutionStatus,
}

/// A connector (`{"id","name","category","actions"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Connector {
    /// Its id (`slack`).
    #[serde(deserialize_with = "id")]
    pub id: String,
    /// Its display name.
    #[serde(default)]
    pub name: String,
    /// Its category (`communication`).
    #[serde(default)]
    pub category: Option<String>,
    /// Its actions (`send_message`); an action sent as an object is read
    /// from its `id` or `name`.
    #[serde(default, deserialize_with = "actions")]
    pub actions: Vec<String>,
}

fn actions<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let items = Option::<Vec<Value>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(items
        .into_iter()
        .filter_map(|item| match item {
            Value::String(name) => Some(name),
            Value::Object(fields) => fields
                .get("id")
                .or_else(|| fields.get("name"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            _ => None,
        })
        .collect())
}

/// The `pagination` of a list answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Pagination {
    /// This page's number, from 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// The page size.
    #[serde(default)]
    pub limit: Option<u32>,
    /// The number of items over all pages.
    #[serde(default)]
    pub total: Option<u64>,
}

/// One page of a list answer: `{"data":[..],"pagination":{..}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListPage<T> {
    /// The items of this page.
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    /// Where this page is, when the server says.
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

impl<T> ListPage<T> {
    /// The number of the page after this one, or `None` when this is the
    /// last: with a `total`, when `page × limit` reaches it; without one,
    /// when the page is shorter than `limit` (`requested` when the server
    /// does not say). An empty page is always the last.
    pub fn next_page(&self, page: u32, requested: u32) -> Option<u32> {
        if self.data.is_empty() {
            return None;
        }
        let pagination = self.pagination.unwrap_or_default();
        let page = pagination.page.unwrap_or(page).max(1);
        let limit = u64::from(pagination.limit.unwrap_or(requested).max(1));
        let more = match pagination.total {
            Some(total) => u64::from(page) * limit < total,
            None => self.data.len() as u64 >= limit,
        };
        more.then(|| page.saturating_add(1))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn workflow_tolerates_unknown_fields_and_numeric_ids() {
        let w: Workflow = serde_json::from_value(json!({
            "id": 42, "name": "W", "status": "archived", "nodes": [1, 2],
            "triggers": [{"id": "t1", "type": "webhook", "webhookId": "abc-123", "extra": true}]
        }))
        .unwrap();
        assert_eq!(w.id, "42");
        assert_eq!(w.status, WorkflowStatus::Unknown("archived".into()));
        assert_eq!(w.webhook_ids().collect::<Vec<_>>(), ["abc-123"]);
        assert_eq!(w.description, None);
    }

    #[test]
    fn execution_status_known_unknown_and_failure() {
        let e: Execution = serde_json::from_value(json!({
            "id": "exec-1", "workflowId": "wf-1", "status": "FAILED",
            "error": {"message": "boom", "code": "STEP_ERROR", "node": "charge"}
        }))
        .unwrap();
        assert_eq!(e.status.to_run_status(), RunStatus::Failed);
        let failure = e.failure().unwrap();
        assert_eq!(failure.message, "boom");
        assert_eq!(failure.code.as_deref(), Some("STEP_ERROR"));
        assert_eq!(failure.step.as_deref(), Some("charge"));
        let odd: Execution =
            serde_json::from_value(json!({"id": "e", "status": "QUEUED_REMOTE", "error": null}))
                .unwrap();
        assert_eq!(odd.status, ExecutionStatus::Unknown("QUEUED_REMOTE".into()));
        assert_eq!(
            odd.status.to_run_status(),
            RunStatus::Unknown("QUEUED_REMOTE".into())
        );
        assert_eq!(odd.failure(), None);
        assert_eq!(
            ExecutionStatus::parse("canceled"),
            ExecutionStatus::Cancelled
        );
        assert_eq!(
            serde_json::to_value(ExecutionStatus::Timeout).unwrap(),
            json!("TIMEOUT")
        );
    }

    #[test]
    fn connector_actions_as_strings_or_objects() {
        let c: Connector = serde_json::from_value(json!({
            "id": "slack", "name": "Slack", "category": "communication",
            "actions": ["send_message", {"id": "create_channel", "label": "Create"}, 7]
        }))
        .unwrap();
        assert_eq!(c.actions, ["send_message", "create_channel"]);
    }

    #[test]
    fn next_page_from_total_or_from_a_short_page() {
        let page = |n: usize, pagination: Option<Pagination>| ListPage {
            data: vec![0u8; n],
            pagination,
        };
        let p = |page, limit, total| Pagination {
            page: Some(page),
            limit: Some(limit),
            total,
        };
        assert_eq!(page(2, Some(p(1, 2, Some(5)))).next_page(1, 2), Some(2));
        assert_eq!(page(1, Some(p(3, 2, Some(5)))).next_page(3, 2), None);
        assert_eq!(page(2, Some(p(2, 2, Some(4)))).next_page(2, 2), None);
        assert_eq!(page(2, None).next_page(1, 2), Some(2));
        assert_eq!(page(1, None).next_page(1, 2), None);
        assert_eq!(page(0, Some(p(1, 2, Some(9)))).next_page(1, 2), None);
    }
}
