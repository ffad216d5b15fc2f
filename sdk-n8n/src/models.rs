//! Typed models of the n8n public API: workflows, executions, tags, list
//! filters. Every model tolerates unknown fields (kept in `extra`), ids are
//! strings (JSON numbers accepted), and unknown enum values are kept.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, de};
use serde_json::{Map, Value};

/// Reads an id that n8n sends as a string (`"18"`) or a number (`18`, in
/// `DELETE /executions/{id}`).
pub(crate) fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_id_string(d)?.unwrap_or_default())
}

/// Like [`id_string`], for ids that may be `null` or absent.
pub(crate) fn opt_id_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(de::Error::custom(format!(
            "expected an id (string or number), got {other}"
        ))),
    }
}

/// A `null` or absent list as an empty list.
fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// One page of a public-API list: `{"data":[..],"nextCursor":string|null}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
#[non_exhaustive]
pub struct ListPage<T> {
    /// The items of this page.
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    pub data: Vec<T>,
    /// The cursor of the next page; `None` on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Tag {
    /// The tag id.
    #[serde(default, deserialize_with = "id_string")]
    pub id: String,
    /// The tag name.
    #[serde(default)]
    pub name: String,
    /// When it was created (ISO 8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it was last updated (ISO 8601).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Fields this SDK does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A workflow as the public API returns it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Workflow {
    /// The workflow id.
    #[serde(default, deserialize_with = "id_string")]
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Whether it is active (production webhooks served).
    #[serde(default)]
    pub active: bool,
    /// Its nodes, as n8n stores them.
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    pub nodes: Vec<Value>,
    /// Its connections.
    #[serde(default)]
    pub connections: Value,
    /// Its settings.
    #[serde(default)]
    pub settings: Value,
    /// Its tags.
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    pub tags: Vec<Tag>,
    /// When it was created (ISO 8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it was last updated (ISO 8601).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Its version id.
    #[serde(default, deserialize_with = "opt_id_string")]
    pub version_id: Option<String>,
    /// Fields this SDK does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A Webhook node of a workflow: what `activate_and_wait` probes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookNode {
    /// The node's name.
    pub name: String,
    /// The path, as configured (`send-email`, `users/:userId`).
    pub path: String,
    /// The HTTP methods it accepts (upper case).
    pub methods: Vec<String>,
    /// The node's webhook id (the prefix of dynamic paths).
    pub webhook_id: Option<String>,
}

impl WebhookNode {
    /// The path under `/webhook/`: dynamic paths (with `:param` segments) are
    /// prefixed with the webhook id, as n8n serves them.
    pub fn url_path(&self) -> String {
        let path = self.path.trim_matches('/');
        match &self.webhook_id {
            Some(id) if path.split('/').any(|s| s.starts_with(':')) => format!("{id}/{path}"),
            _ => path.to_owned(),
        }
    }
}

impl Workflow {
    /// The workflow's Webhook nodes (type `n8n-nodes-base.webhook`).
    pub fn webhook_nodes(&self) -> Vec<WebhookNode> {
        self.nodes
            .iter()
            .filter(|n| n.get("type").and_then(Value::as_str) == Some("n8n-nodes-base.webhook"))
            .filter_map(|n| {
                let params = n.get("parameters")?;
                let path = params.get("path")?.as_str()?.to_owned();
                let multiple = params
                    .get("multipleMethods")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let methods = match params.get("httpMethod") {
                    Some(Value::String(m)) => vec![m.to_ascii_uppercase()],
                    Some(Value::Array(ms)) if multiple || !ms.is_empty() => ms
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_ascii_uppercase)
                        .collect(),
                    // The Webhook node's default method.
                    _ => vec!["GET".to_owned()],
                };
                Some(WebhookNode {
                    name: n
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    path,
                    methods,
                    webhook_id: n
                        .get("webhookId")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                })
            })
            .collect()
    }
}

/// The body of `POST /workflows` and `PUT /workflows/{id}`: n8n requires
/// `name`, `nodes`, `connections` and `settings` (and refuses `active`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NewWorkflow {
    /// The name.
    pub name: String,
    /// The nodes.
    pub nodes: Vec<Value>,
    /// The connections (`{}` for none).
    pub connections: Value,
    /// The settings (`{}` for the defaults).
    pub settings: Value,
}

impl NewWorkflow {
    /// A workflow with a name, no nodes, no connections and default settings.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            nodes: Vec::new(),
            connections: Value::Object(Map::new()),
            settings: Value::Object(Map::new()),
        }
    }

    /// Adds a node.
    pub fn node(mut self, node: Value) -> Self {
        self.nodes.push(node);
        self
    }

    /// Sets the connections.
    pub fn connections(mut self, connections: Value) -> Self {
        self.connections = connections;
        self
    }

    /// Sets the settings.
    pub fn settings(mut self, settings: Value) -> Self {
        self.settings = settings;
        self
    }
}

/// An execution's status as n8n reports it. Unknown values are kept in
/// [`ExecutionStatus::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExecutionStatus {
    /// `new` (2.x): created, not started.
    New,
    /// `running`.
    Running,
    /// `waiting`: a Wait node paused it.
    Waiting,
    /// `success`.
    Success,
    /// `error`.
    Error,
    /// `crashed` (2.x).
    Crashed,
    /// `canceled`.
    Canceled,
    /// `unknown` (2.x), n8n's own "unknown" status.
    Unknown,
    /// A status this SDK does not know, as n8n spelled it.
    Other(String),
}

impl ExecutionStatus {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::New => "new",
            Self::Running => "running",
            Self::Waiting => "waiting",
            Self::Success => "success",
            Self::Error => "error",
            Self::Crashed => "crashed",
            Self::Canceled => "canceled",
            Self::Unknown => "unknown",
            Self::Other(s) => s,
        }
    }

    /// Parses a wire name; anything unknown becomes [`ExecutionStatus::Other`].
    pub fn parse(s: &str) -> Self {
        match s {
            "new" => Self::New,
            "running" => Self::Running,
            "waiting" => Self::Waiting,
            "success" => Self::Success,
            "error" => Self::Error,
            "crashed" => Self::Crashed,
            "canceled" => Self::Canceled,
            "unknown" => Self::Unknown,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The run status (contract §4): `new`/`running`/`waiting` → running,
    /// `success` → succeeded, `error`/`crashed` → failed, `canceled` →
    /// cancelled, anything else → `Unknown`.
    pub fn run_status(&self) -> trigger_sdk_core::RunStatus {
        use trigger_sdk_core::RunStatus;
        match self {
            Self::New | Self::Running | Self::Waiting => RunStatus::Running,
            Self::Success => RunStatus::Succeeded,
            Self::Error | Self::Crashed => RunStatus::Failed,
            Self::Canceled => RunStatus::Cancelled,
            Self::Unknown | Self::Other(_) => RunStatus::Unknown(self.as_str().to_owned()),
        }
    }
}

impl fmt::Display for ExecutionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ExecutionStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}

impl Serialize for ExecutionStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An execution (a run of a workflow).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Execution {
    /// The execution id (a string of digits; numbers accepted).
    #[serde(default, deserialize_with = "id_string")]
    pub id: String,
    /// Whether it finished.
    #[serde(default)]
    pub finished: bool,
    /// How it started: `webhook`, `retry`, `manual`, `trigger`, …
    #[serde(default)]
    pub mode: Option<String>,
    /// The execution this one retries.
    #[serde(default, deserialize_with = "opt_id_string")]
    pub retry_of: Option<String>,
    /// The successful retry of this execution.
    #[serde(default, deserialize_with = "opt_id_string")]
    pub retry_success_id: Option<String>,
    /// When it started (ISO 8601).
    #[serde(default)]
    pub started_at: Option<String>,
    /// When it stopped (ISO 8601).
    #[serde(default)]
    pub stopped_at: Option<String>,
    /// Its workflow.
    #[serde(default, deserialize_with = "opt_id_string")]
    pub workflow_id: Option<String>,
    /// Until when a Wait node pauses it.
    #[serde(default)]
    pub wait_till: Option<String>,
    /// Its status; absent in some 1.x answers.
    #[serde(default)]
    pub status: Option<ExecutionStatus>,
    /// Run data (with `includeData=true`): node outputs under
    /// `resultData.runData`, the error under `resultData.error`.
    #[serde(default)]
    pub data: Option<Value>,
    /// The workflow as it ran (with `includeData=true`).
    #[serde(default)]
    pub workflow_data: Option<Value>,
    /// Fields this SDK does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Filters of `GET /workflows`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkflowFilter {
    /// Only active (or inactive) workflows.
    pub active: Option<bool>,
    /// Only workflows with all these tag names.
    pub tags: Vec<String>,
    /// Only workflows with exactly this name.
    pub name: Option<String>,
    /// Only workflows of this project.
    pub project_id: Option<String>,
    /// Leave pinned data out.
    pub exclude_pinned_data: Option<bool>,
    /// Page size, 1–250 (n8n's default is 100). `0` is never sent: n8n
    /// answers it with a cursor that points at the same page forever.
    pub limit: Option<u32>,
}

impl WorkflowFilter {
    /// Only active (`true`) or inactive (`false`) workflows.
    pub fn active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// Only workflows with this tag name (repeat for several).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Only workflows named exactly `name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Only workflows of this project.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Leave pinned data out of the answer.
    pub fn exclude_pinned_data(mut self, exclude: bool) -> Self {
        self.exclude_pinned_data = Some(exclude);
        self
    }

    /// Sets the page size (clamped to 1–250).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(active) = self.active {
            q.push(("active", active.to_string()));
        }
        if !self.tags.is_empty() {
            q.push(("tags", self.tags.join(",")));
        }
        if let Some(name) = &self.name {
            q.push(("name", name.clone()));
        }
        if let Some(p) = &self.project_id {
            q.push(("projectId", p.clone()));
        }
        if let Some(e) = self.exclude_pinned_data {
            q.push(("excludePinnedData", e.to_string()));
        }
        if let Some(limit) = self.limit {
            q.push(("limit", clamp_limit(limit).to_string()));
        }
        q
    }
}

/// Filters of `GET /executions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExecutionFilter {
    /// Include run data (`data`) in each item.
    pub include_data: bool,
    /// Only executions with this status. n8n leaves running executions out
    /// of the list unless this is `running`.
    pub status: Option<ExecutionStatus>,
    /// Only executions of this workflow.
    pub workflow_id: Option<String>,
    /// Only executions of this project.
    pub project_id: Option<String>,
    /// Page size, 1–250 (never `0`).
    pub limit: Option<u32>,
}

impl ExecutionFilter {
    /// Include run data.
    pub fn include_data(mut self, include: bool) -> Self {
        self.include_data = include;
        self
    }

    /// Only executions with this status.
    pub fn status(mut self, status: ExecutionStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only executions of this workflow.
    pub fn workflow_id(mut self, id: impl Into<String>) -> Self {
        self.workflow_id = Some(id.into());
        self
    }

    /// Only executions of this project.
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }

    /// Sets the page size (clamped to 1–250).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if self.include_data {
            q.push(("includeData", "true".to_owned()));
        }
        if let Some(s) = &self.status {
            q.push(("status", s.as_str().to_owned()));
        }
        if let Some(w) = &self.workflow_id {
            q.push(("workflowId", w.clone()));
        }
        if let Some(p) = &self.project_id {
            q.push(("projectId", p.clone()));
        }
        if let Some(limit) = self.limit {
            q.push(("limit", clamp_limit(limit).to_string()));
        }
        q
    }
}

/// Page sizes the SDK sends: 1–250, never 0.
pub(crate) fn clamp_limit(limit: u32) -> u32 {
    limit.clamp(1, 250)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn execution_ids_accept_numbers_and_unknown_statuses_are_kept() {
        let e: Execution = serde_json::from_value(json!({
            "id": 19, "finished": false, "mode": "retry", "retryOf": 17,
            "status": "paused-by-alien", "startedAt": "2026-01-01T00:00:00.000Z",
            "workflowId": "wf1", "newField": [1]
        }))
        .unwrap();
        assert_eq!(e.id, "19");
        assert_eq!(e.retry_of.as_deref(), Some("17"));
        assert_eq!(
            e.status,
            Some(ExecutionStatus::Other("paused-by-alien".into()))
        );
        assert_eq!(e.extra["newField"], json!([1]));
        assert_eq!(
            e.status.unwrap().run_status(),
            trigger_sdk_core::RunStatus::Unknown("paused-by-alien".into())
        );
    }

    #[test]
    fn status_mapping_follows_the_contract() {
        use trigger_sdk_core::RunStatus;
        for (s, want) in [
            ("new", RunStatus::Running),
            ("running", RunStatus::Running),
            ("waiting", RunStatus::Running),
            ("success", RunStatus::Succeeded),
            ("error", RunStatus::Failed),
            ("crashed", RunStatus::Failed),
            ("canceled", RunStatus::Cancelled),
            ("unknown", RunStatus::Unknown("unknown".into())),
        ] {
            assert_eq!(ExecutionStatus::parse(s).run_status(), want, "{s}");
            assert_eq!(ExecutionStatus::parse(s).as_str(), s);
        }
    }

    #[test]
    fn limits_are_never_zero() {
        let q = WorkflowFilter::default().limit(0).query();
        assert_eq!(q, vec![("limit", "1".to_owned())]);
        let q = ExecutionFilter::default().limit(1000).query();
        assert_eq!(q, vec![("limit", "250".to_owned())]);
    }

    #[test]
    fn webhook_nodes_and_dynamic_paths() {
        let wf: Workflow = serde_json::from_value(json!({
            "id": "w", "name": "n", "active": true, "nodes": [
                {"name": "Webhook", "type": "n8n-nodes-base.webhook", "webhookId": "abc",
                 "parameters": {"path": "users/:userId", "httpMethod": "GET"}},
                {"name": "Hook2", "type": "n8n-nodes-base.webhook",
                 "parameters": {"path": "plain"}},
                {"name": "Set", "type": "n8n-nodes-base.set", "parameters": {}}
            ], "tags": null
        }))
        .unwrap();
        let nodes = wf.webhook_nodes();
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0].url_path(), "abc/users/:userId");
        assert_eq!(nodes[0].methods, ["GET"]);
        assert_eq!(nodes[1].url_path(), "plain");
        assert_eq!(nodes[1].methods, ["GET"]);
        assert!(wf.tags.is_empty());
    }
}
