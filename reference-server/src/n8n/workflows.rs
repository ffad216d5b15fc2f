//! n8n's view of the workflows: what the public API lists and what the webhooks serve.
//!
//! Declared workflows (the Config) become a Webhook node followed by one node per step;
//! workflows created through the API keep the nodes they were given, and their Webhook
//! node (if any) is served once they are activated.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use serde_json::{Map, Value, json};

use crate::config::{
    N8nAuth, N8nExposure, N8nResponseData, N8nResponseMode, Step, StepKind, Workflow,
};
use crate::time::iso8601;

/// The project every workflow belongs to (`projectId` filter, `shared[].projectId`).
pub(crate) const PROJECT_ID: &str = "RefProject000001";
/// The Webhook node's name (a key of `runData`).
pub(crate) const WEBHOOK_NODE: &str = "Webhook";
const WEBHOOK_TYPE: &str = "n8n-nodes-base.webhook";

/// One workflow as n8n stores it.
#[derive(Debug, Clone)]
pub(crate) struct N8nWorkflow {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// `active` as the API reports it.
    pub active: bool,
    /// When the production webhook starts answering (activation delay).
    pub live_from: Option<Instant>,
    /// After a deactivation: the webhook keeps answering until then (the same delay).
    pub serving_until: Option<Instant>,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub version_id: String,
    pub version_counter: u64,
    pub active_version_id: Option<String>,
    pub tag_ids: Vec<String>,
    pub nodes: Value,
    pub connections: Value,
    pub settings: Value,
    pub static_data: Value,
    pub pin_data: Value,
    /// How the Webhook node is set up, when there is one.
    pub webhook: Option<Arc<N8nExposure>>,
    /// Engine steps run after the Webhook node (declared workflows).
    pub steps: Vec<Step>,
    /// Engine workflow id, when the engine knows this workflow.
    pub engine_id: Option<String>,
    /// Created through `POST /workflows` (its engine workflow belongs to this face).
    pub api_created: bool,
}

impl N8nWorkflow {
    /// A workflow with nothing in it yet: inactive, no nodes, no webhook, version 1.
    fn blank(id: String) -> Self {
        let now = SystemTime::now();
        Self {
            id,
            name: String::new(),
            description: None,
            active: false,
            live_from: None,
            serving_until: None,
            created_at: now,
            updated_at: now,
            version_id: uuid::Uuid::new_v4().to_string(),
            version_counter: 1,
            active_version_id: None,
            tag_ids: Vec::new(),
            nodes: json!([]),
            connections: json!({}),
            settings: json!({}),
            static_data: Value::Null,
            pin_data: Value::Null,
            webhook: None,
            steps: Vec::new(),
            engine_id: None,
            api_created: false,
        }
    }

    /// A declared workflow, as the Config has it.
    pub(crate) fn from_config(wf: &Workflow, exposure: &N8nExposure, tag_ids: Vec<String>) -> Self {
        let mut exposure = exposure.clone();
        if exposure.webhook_id.is_empty() {
            exposure.webhook_id = uuid::Uuid::new_v4().to_string();
        }
        let (nodes, connections) = nodes_for(&exposure, &wf.steps);
        let mut n8n = Self::blank(wf.id.clone());
        n8n.name = wf.name.clone();
        n8n.description = (!wf.description.is_empty()).then(|| wf.description.clone());
        n8n.active = exposure.active;
        n8n.live_from = exposure.active.then(Instant::now);
        n8n.active_version_id = exposure.active.then(|| n8n.version_id.clone());
        n8n.tag_ids = tag_ids;
        n8n.nodes = nodes;
        n8n.connections = connections;
        n8n.settings = json!({"executionOrder": "v1"});
        n8n.webhook = Some(Arc::new(exposure));
        n8n.steps = wf.steps.clone();
        n8n.engine_id = Some(wf.id.clone());
        n8n
    }

    /// A workflow created through `POST /workflows` (inactive).
    pub(crate) fn from_api(id: String, body: &Map<String, Value>) -> Self {
        let mut wf = Self::blank(id);
        wf.apply(body);
        wf
    }

    /// Applies a validated create/update body.
    pub(crate) fn apply(&mut self, body: &Map<String, Value>) {
        if let Some(name) = body.get("name").and_then(Value::as_str) {
            self.name = name.to_owned();
        }
        if let Some(d) = body.get("description") {
            self.description = d.as_str().map(str::to_owned);
        }
        if let Some(nodes) = body.get("nodes") {
            self.nodes = nodes.clone();
            let declared_steps = !self.api_created && self.nodes_unchanged_shape();
            if !declared_steps {
                self.webhook = webhook_from_nodes(&self.nodes).map(Arc::new);
                self.steps.clear();
                self.api_created = true;
                self.engine_id = Some(format!("n8n-api-{}", self.id));
            }
        }
        if let Some(c) = body.get("connections") {
            self.connections = c.clone();
        }
        if let Some(s) = body.get("settings") {
            self.settings = s.clone();
        }
        if let Some(s) = body.get("staticData") {
            self.static_data = s.clone();
        }
        if let Some(p) = body.get("pinData") {
            self.pin_data = p.clone();
        }
        self.updated_at = SystemTime::now();
        self.version_id = uuid::Uuid::new_v4().to_string();
        self.version_counter += 1;
        if self.active {
            self.active_version_id = Some(self.version_id.clone());
        }
    }

    /// Whether the nodes still are the declared Webhook node + step nodes (so an update
    /// that only renames or re-sends the same nodes keeps the engine steps).
    fn nodes_unchanged_shape(&self) -> bool {
        let Some(webhook) = &self.webhook else {
            return false;
        };
        let (declared, _) = nodes_for(webhook, &self.steps);
        let names = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|n| n.get("name").and_then(Value::as_str).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        names(&declared) == names(&self.nodes)
            && webhook_from_nodes(&self.nodes).is_some_and(|w| same_webhook(&w, webhook))
    }

    /// Number of trigger nodes (`triggerCount`).
    pub(crate) fn trigger_count(&self) -> usize {
        usize::from(self.webhook.is_some())
    }

    /// The workflow object of the public API.
    pub(crate) fn to_json(&self, tags: Vec<Value>, exclude_pinned: bool) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(self.id));
        out.insert("name".into(), json!(self.name));
        out.insert("description".into(), json!(self.description));
        out.insert("active".into(), json!(self.active));
        out.insert("activeVersionId".into(), json!(self.active_version_id));
        out.insert("createdAt".into(), json!(iso8601(self.created_at)));
        out.insert("updatedAt".into(), json!(iso8601(self.updated_at)));
        out.insert("isArchived".into(), json!(false));
        out.insert("versionId".into(), json!(self.version_id));
        out.insert("versionCounter".into(), json!(self.version_counter));
        out.insert("sourceWorkflowId".into(), Value::Null);
        out.insert("triggerCount".into(), json!(self.trigger_count()));
        out.insert("nodes".into(), self.nodes.clone());
        out.insert("connections".into(), self.connections.clone());
        out.insert("nodeGroups".into(), json!([]));
        out.insert("settings".into(), self.settings.clone());
        out.insert("staticData".into(), self.static_data.clone());
        if !exclude_pinned {
            out.insert("pinData".into(), self.pin_data.clone());
        }
        out.insert("meta".into(), Value::Null);
        out.insert("tags".into(), Value::Array(tags));
        out.insert(
            "shared".into(),
            json!([{
                "role": "workflow:owner",
                "workflowId": self.id,
                "projectId": PROJECT_ID,
                "createdAt": iso8601(self.created_at),
                "updatedAt": iso8601(self.created_at),
            }]),
        );
        let active_version = match &self.active_version_id {
            Some(v) if self.active => json!({
                "versionId": v,
                "workflowId": self.id,
                "nodes": self.nodes,
                "connections": self.connections,
                "authors": "Reference Server",
                "name": null,
                "description": null,
                "autosaved": false,
                "createdAt": iso8601(self.updated_at),
                "updatedAt": iso8601(self.updated_at),
            }),
            _ => Value::Null,
        };
        out.insert("activeVersion".into(), active_version);
        Value::Object(out)
    }

    /// The version object of `GET /workflows/{id}/{versionId}`.
    pub(crate) fn version_json(&self) -> Value {
        json!({
            "versionId": self.version_id,
            "workflowId": self.id,
            "nodes": self.nodes,
            "connections": self.connections,
            "authors": "Reference Server",
            "name": null,
            "description": null,
            "createdAt": iso8601(self.updated_at),
            "updatedAt": iso8601(self.updated_at),
        })
    }
}

fn same_webhook(a: &N8nExposure, b: &N8nExposure) -> bool {
    a.path == b.path
        && a.method.eq_ignore_ascii_case(&b.method)
        && a.response_mode == b.response_mode
        && a.response_data == b.response_data
}

fn mode_name(mode: N8nResponseMode) -> &'static str {
    match mode {
        N8nResponseMode::LastNode => "lastNode",
        N8nResponseMode::ResponseNode => "responseNode",
        N8nResponseMode::Streaming => "streaming",
        _ => "onReceived",
    }
}

fn data_name(data: N8nResponseData) -> &'static str {
    match data {
        N8nResponseData::AllEntries => "allEntries",
        N8nResponseData::NoData => "noData",
        _ => "firstEntryJson",
    }
}

/// The Webhook node and step nodes of a declared workflow, chained.
fn nodes_for(exposure: &N8nExposure, steps: &[Step]) -> (Value, Value) {
    let mut params = Map::new();
    params.insert(
        "httpMethod".into(),
        json!(exposure.method.to_ascii_uppercase()),
    );
    params.insert("path".into(), json!(exposure.path));
    let auth = match &exposure.auth {
        N8nAuth::Header { .. } => "headerAuth",
        N8nAuth::Basic { .. } => "basicAuth",
        N8nAuth::Jwt { .. } => "jwtAuth",
        _ => "none",
    };
    if auth != "none" {
        params.insert("authentication".into(), json!(auth));
    }
    params.insert(
        "responseMode".into(),
        json!(mode_name(exposure.response_mode)),
    );
    if exposure.response_mode == N8nResponseMode::LastNode {
        params.insert(
            "responseData".into(),
            json!(data_name(exposure.response_data)),
        );
    }
    let mut options = Map::new();
    if exposure.response_code != 200 {
        options.insert(
            "responseCode".into(),
            json!({"values": {"responseCode": "customCode", "customCode": exposure.response_code}}),
        );
    }
    match exposure.on_received_body.as_deref() {
        Some("") => {
            options.insert("noResponseBody".into(), json!(true));
        }
        Some(body) => {
            options.insert("responseData".into(), json!(body));
        }
        None => {}
    }
    params.insert("options".into(), Value::Object(options));
    let mut nodes = vec![json!({
        "id": format!("{}-webhook", exposure.webhook_id),
        "name": WEBHOOK_NODE,
        "webhookId": exposure.webhook_id,
        "type": WEBHOOK_TYPE,
        "typeVersion": 2.1,
        "position": [0, 0],
        "parameters": Value::Object(params),
    })];
    let mut connections = Map::new();
    let mut previous = WEBHOOK_NODE.to_owned();
    for (i, step) in steps.iter().enumerate() {
        let node_type = match step.kind {
            StepKind::Transform { .. } => "n8n-nodes-base.set",
            StepKind::Respond { .. } => "n8n-nodes-base.respondToWebhook",
            StepKind::Delay { .. } => "n8n-nodes-base.wait",
            StepKind::Fail { .. } => "n8n-nodes-base.stopAndError",
            _ => "n8n-nodes-base.httpRequest",
        };
        let parameters = serde_json::to_value(&step.kind).unwrap_or(Value::Null);
        nodes.push(json!({
            "id": step.id,
            "name": step.display_name(),
            "type": node_type,
            "typeVersion": 1,
            "position": [220 * (i + 1), 0],
            "parameters": parameters,
        }));
        connections.insert(
            previous.clone(),
            json!({"main": [[{"node": step.display_name(), "type": "main", "index": 0}]]}),
        );
        previous = step.display_name().to_owned();
    }
    (Value::Array(nodes), Value::Object(connections))
}

/// Reads the Webhook node of API-created nodes into an exposure.
pub(crate) fn webhook_from_nodes(nodes: &Value) -> Option<N8nExposure> {
    let node = nodes
        .as_array()?
        .iter()
        .find(|n| n.get("type").and_then(Value::as_str) == Some(WEBHOOK_TYPE))?;
    if node.get("disabled").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let params = node.get("parameters").cloned().unwrap_or(json!({}));
    let text = |k: &str| params.get(k).and_then(Value::as_str).map(str::to_owned);
    let options = params.get("options").cloned().unwrap_or(json!({}));
    let response_mode = match text("responseMode").as_deref() {
        Some("lastNode") => N8nResponseMode::LastNode,
        Some("responseNode") => N8nResponseMode::ResponseNode,
        Some("streaming") => N8nResponseMode::Streaming,
        _ => N8nResponseMode::OnReceived,
    };
    let response_data = match text("responseData").as_deref() {
        Some("allEntries") => N8nResponseData::AllEntries,
        Some("noData") => N8nResponseData::NoData,
        _ => N8nResponseData::FirstEntryJson,
    };
    let response_code = options
        .pointer("/responseCode/values/customCode")
        .or_else(|| options.pointer("/responseCode/values/responseCode"))
        .or_else(|| params.get("responseCode"))
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .and_then(|c| u16::try_from(c).ok())
        .filter(|c| (100..=599).contains(c))
        .unwrap_or(200);
    let on_received_body = if options.get("noResponseBody").and_then(Value::as_bool) == Some(true) {
        Some(String::new())
    } else {
        options
            .get("responseData")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Some(N8nExposure {
        path: text("path")
            .unwrap_or_default()
            .trim_matches('/')
            .to_owned(),
        method: text("httpMethod")
            .unwrap_or_else(|| "GET".to_owned())
            .to_ascii_uppercase(),
        auth: N8nAuth::None,
        response_mode,
        response_data,
        response_code,
        on_received_body,
        active: false,
        webhook_id: node
            .get("webhookId")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        tags: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_workflow_becomes_webhook_plus_step_nodes() {
        let wf = Workflow::new(
            "W1",
            "Demo",
            vec![Step::transform("t", json!({"a": 1})).named("Shape")],
        );
        let exposure = N8nExposure {
            path: "p".into(),
            webhook_id: "wh".into(),
            ..N8nExposure::default()
        };
        let n = N8nWorkflow::from_config(&wf, &exposure, vec![]);
        let nodes = n.nodes.as_array().unwrap();
        assert_eq!(nodes[0]["parameters"]["path"], "p");
        assert_eq!(nodes[1]["name"], "Shape");
        assert_eq!(n.connections["Webhook"]["main"][0][0]["node"], "Shape");
        let back = webhook_from_nodes(&n.nodes).unwrap();
        assert_eq!(back.path, "p");
        assert_eq!(back.webhook_id, "wh");
    }
}
