//! The fixture format of workflows: the runs API's documented workflow
//! document (`platform-docs/justpaid-workflows-api-triggers.txt`, "Complete
//! Example"), read as written, plus the other faces' exposures.
//!
//! ```json
//! {
//!   "id": "wf_customer_order", "status": "active", "version": 3,
//!   "name": "Process Customer Order",
//!   "description": "Create invoice and send confirmation for customer order",
//!   "trigger": {"type": "api"},
//!   "inputSchema": {"type": "object", "required": ["customerId", "items"]},
//!   "steps": [
//!     {"id": "calculate-total", "type": "transform", "name": "Calculate Order Total",
//!      "config": {"mapping": {"total": "{{input.items | map: 'quantity * price' | sum | times: 1.08}}"}}},
//!     {"id": "create-invoice", "type": "action", "name": "Create Invoice",
//!      "action": "stripe.createInvoice",
//!      "config": {"customerId": "{{input.customerId}}", "amount": "{{steps.calculate-total.output.total}}"}},
//!     {"id": "send-confirmation", "type": "email", "name": "Send Confirmation",
//!      "config": {"action": "send", "to": "{{input.customerEmail}}",
//!                 "subject": "Invoice #{{steps.create-invoice.output.number}}"}}
//!   ]
//! }
//! ```
//!
//! - A workflow with any of `trigger`, `status`, `version`, `inputSchema` is
//!   exposed on the runs API (`status` `active`, `version` 1 and
//!   `trigger` `{"type": "api"}` when absent). `id` is ours: the docs'
//!   example has none.
//! - Step types: the documented `transform` (`config.mapping`), `action`
//!   (`"action": "<connector>.<method>"`, `config` = its parameters) and
//!   `email` (`config` = the message), and the reference server's own
//!   `delay` (`config.ms`), `respond` (`config.status`, `config.headers`,
//!   `config.body`: the answer of sync webhooks), `fail`
//!   (`config.message`, `config.code`) and `http_request` (`config.url`,
//!   `config.method`, `config.headers`, `config.body`, `config.secret`,
//!   `config.timeoutMs`: n8n's HTTP Request node, e.g. a callback; the
//!   secret is never written back out).
//! - Besides, a workflow may carry `output` (a template for the run's output;
//!   the last step's output when absent), `timeout_ms`, and `n8n`,
//!   `tooljet`, `flowmatic` exposures. Unknown fields are refused, so a typo
//!   is an error rather than a silently ignored setting.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::config::{
    FlowmaticExposure, N8nExposure, RunsExposure, Step, StepKind, ToolJetExposure, Workflow,
};

/// A workflow as a fixture writes it.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct WorkflowDocument {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trigger: Option<Value>,
    #[serde(rename = "inputSchema", skip_serializing_if = "Option::is_none")]
    input_schema: Option<Value>,
    steps: Vec<Step>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n8n: Option<N8nExposure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tooljet: Option<ToolJetExposure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flowmatic: Option<FlowmaticExposure>,
}

impl From<WorkflowDocument> for Workflow {
    fn from(doc: WorkflowDocument) -> Self {
        let exposed = doc.trigger.is_some()
            || doc.status.is_some()
            || doc.version.is_some()
            || doc.input_schema.is_some();
        let runs = exposed.then(|| {
            let defaults = RunsExposure::default();
            let mut runs = RunsExposure::active(doc.version.unwrap_or(defaults.version), None);
            runs.status = doc.status.unwrap_or(defaults.status);
            runs.input_schema = doc.input_schema;
            runs.trigger = doc.trigger.unwrap_or(defaults.trigger);
            runs
        });
        Self {
            id: doc.id,
            name: doc.name,
            description: doc.description,
            steps: doc.steps,
            output: doc.output,
            timeout_ms: doc.timeout_ms,
            n8n: doc.n8n,
            tooljet: doc.tooljet,
            flowmatic: doc.flowmatic,
            runs,
        }
    }
}

impl From<Workflow> for WorkflowDocument {
    fn from(wf: Workflow) -> Self {
        let (status, version, trigger, input_schema) = match wf.runs {
            Some(r) => (
                Some(r.status),
                Some(r.version),
                Some(r.trigger),
                r.input_schema,
            ),
            None => (None, None, None, None),
        };
        Self {
            id: wf.id,
            name: wf.name,
            description: wf.description,
            status,
            version,
            trigger,
            input_schema,
            steps: wf.steps,
            output: wf.output,
            timeout_ms: wf.timeout_ms,
            n8n: wf.n8n,
            tooljet: wf.tooljet,
            flowmatic: wf.flowmatic,
        }
    }
}

/// A step as a fixture writes it: `{"id", "type", "name", "action"?, "config"}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct StepDocument {
    id: String,
    #[serde(rename = "type")]
    step_type: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    action: Option<String>,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    config: Value,
    /// Our addition: the prefix of a simulated action's id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    id_prefix: String,
}

impl TryFrom<StepDocument> for Step {
    type Error = String;

    fn try_from(doc: StepDocument) -> Result<Self, String> {
        let id = doc.id;
        let config = doc.config;
        let field = |name: &str| config.get(name).cloned();
        let missing = |what: &str| format!("{} step '{id}' needs {what}", doc.step_type);
        let kind = match doc.step_type.as_str() {
            "transform" => StepKind::Transform {
                output: field("mapping").ok_or_else(|| missing("config.mapping"))?,
            },
            "action" => {
                let full = doc
                    .action
                    .ok_or_else(|| missing("\"action\": \"<connector>.<method>\""))?;
                let (connector, method) = full
                    .split_once('.')
                    .filter(|(c, m)| !c.is_empty() && !m.is_empty())
                    .ok_or_else(|| {
                        format!("action step '{id}': \"action\" must be \"<connector>.<method>\", got {full:?}")
                    })?;
                StepKind::Action {
                    connector: connector.to_owned(),
                    action: method.to_owned(),
                    params: config.clone(),
                    id_prefix: doc.id_prefix,
                }
            }
            "email" => StepKind::Email {
                config: config.clone(),
            },
            "delay" => StepKind::Delay {
                ms: field("ms")
                    .and_then(|v| v.as_u64())
                    .ok_or_else(|| missing("config.ms (milliseconds)"))?,
            },
            "respond" => StepKind::Respond {
                status: match field("status") {
                    None => 200,
                    Some(v) => v
                        .as_u64()
                        .and_then(|n| u16::try_from(n).ok())
                        .ok_or_else(|| missing("config.status to be an HTTP status"))?,
                },
                headers: match field("headers") {
                    None => BTreeMap::new(),
                    Some(v) => serde_json::from_value(v)
                        .map_err(|_| missing("config.headers to map names to strings"))?,
                },
                body: field("body").unwrap_or(Value::Null),
            },
            "fail" => StepKind::Fail {
                code: field("code")
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                message: field("message")
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .ok_or_else(|| missing("config.message"))?,
            },
            "http_request" => {
                let text = |name: &str| field(name).and_then(|v| v.as_str().map(str::to_owned));
                StepKind::HttpRequest {
                    method: text("method").unwrap_or_else(|| "POST".to_owned()),
                    url: text("url").ok_or_else(|| missing("config.url"))?,
                    headers: match field("headers") {
                        None => BTreeMap::new(),
                        Some(v) => serde_json::from_value(v)
                            .map_err(|_| missing("config.headers to map names to strings"))?,
                    },
                    body: field("body").unwrap_or(Value::Null),
                    secret: text("secret"),
                    timeout_ms: match field("timeoutMs") {
                        None => crate::config::HTTP_REQUEST_TIMEOUT_MS,
                        Some(v) => v
                            .as_u64()
                            .filter(|ms| *ms > 0)
                            .ok_or_else(|| missing("config.timeoutMs (milliseconds)"))?,
                    },
                }
            }
            other => {
                return Err(format!(
                    "step '{id}' has unknown type {other:?} (expected transform, action, email, delay, respond, fail or http_request)"
                ));
            }
        };
        Ok(Step {
            id,
            name: doc.name,
            kind,
        })
    }
}

impl From<Step> for StepDocument {
    fn from(step: Step) -> Self {
        let step_type = step.type_name().to_owned();
        let mut action = None;
        let mut id_prefix = String::new();
        let config = match step.kind {
            StepKind::Transform { output } => json!({ "mapping": output }),
            StepKind::Action {
                connector,
                action: method,
                params,
                id_prefix: prefix,
            } => {
                action = Some(format!("{connector}.{method}"));
                id_prefix = prefix;
                params
            }
            StepKind::Email { config } => config,
            StepKind::Delay { ms } => json!({ "ms": ms }),
            StepKind::Respond {
                status,
                headers,
                body,
            } => {
                let mut config = Map::new();
                config.insert("status".into(), status.into());
                if !headers.is_empty() {
                    config.insert("headers".into(), json!(headers));
                }
                config.insert("body".into(), body);
                Value::Object(config)
            }
            StepKind::Fail { code, message } => {
                let mut config = Map::new();
                config.insert("message".into(), message.into());
                if !code.is_empty() {
                    config.insert("code".into(), code.into());
                }
                Value::Object(config)
            }
            // The secret stays out: documents are what the APIs list.
            StepKind::HttpRequest {
                method,
                url,
                headers,
                body,
                secret: _,
                timeout_ms,
            } => {
                let mut config = Map::new();
                config.insert("method".into(), method.into());
                config.insert("url".into(), url.into());
                if !headers.is_empty() {
                    config.insert("headers".into(), json!(headers));
                }
                config.insert("body".into(), body);
                config.insert("timeoutMs".into(), timeout_ms.into());
                Value::Object(config)
            }
        };
        Self {
            id: step.id,
            step_type,
            name: step.name,
            action,
            config,
            id_prefix,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<Workflow, String> {
        serde_json::from_value(v).map_err(|e| e.to_string())
    }

    #[test]
    fn every_step_type_round_trips() {
        let wf = Workflow::new(
            "w",
            "W",
            vec![
                Step::transform("t", json!({"a": "{{input.a}}"})).named("T"),
                Step::action("a", "stripe", "createInvoice", "", json!({"amount": 1})),
                Step::action("b", "slack", "send", "msg", json!(null)),
                Step::email("e", json!({"to": "{{input.to}}"})),
                Step::delay("d", 5),
                Step::respond("r", 201, json!({"ok": true})),
                Step::fail("f", "boom"),
                Step::http_request("h", "{{input.callbackUrl}}", json!({"ok": true}), None),
            ],
        )
        .on_runs(RunsExposure::draft());
        let text = serde_json::to_value(&wf).unwrap();
        assert_eq!(text["status"], "draft");
        assert_eq!(text["trigger"], json!({"type": "api"}));
        assert_eq!(text["steps"][1]["action"], "stripe.createInvoice");
        assert_eq!(text["steps"][0]["config"]["mapping"]["a"], "{{input.a}}");
        let back = parse(text.clone()).unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), text);
        assert_eq!(back.steps[2].type_name(), "action");
        assert_eq!(back.steps[3].type_name(), "email");
        assert!(back.runs.is_some_and(|r| r.status == "draft"));
        assert_eq!(text["steps"][7]["config"]["url"], "{{input.callbackUrl}}");
        assert_eq!(text["steps"][7]["config"]["timeoutMs"], 10_000);
    }

    #[test]
    fn an_http_request_secret_is_read_but_never_written_out() {
        let wf = parse(json!({"id": "w", "steps": [{"id": "cb", "type": "http_request",
            "config": {"url": "{{input.body.callbackUrl}}", "secret": "whsec_cb", "timeoutMs": 500}}]}))
        .unwrap();
        match &wf.steps[0].kind {
            StepKind::HttpRequest {
                method,
                secret,
                timeout_ms,
                ..
            } => {
                assert_eq!(method, "POST");
                assert_eq!(secret.as_deref(), Some("whsec_cb"));
                assert_eq!(*timeout_ms, 500);
            }
            other => panic!("expected an http_request step, got {other:?}"),
        }
        let listed = serde_json::to_string(&wf).unwrap();
        let parameters = serde_json::to_string(&wf.steps[0].kind).unwrap();
        assert!(!listed.contains("whsec_cb") && !parameters.contains("whsec_cb"));
    }

    #[test]
    fn a_document_without_runs_fields_is_not_on_the_runs_api() {
        let wf = parse(json!({"id": "w", "name": "W", "steps": []})).unwrap();
        assert!(wf.runs.is_none());
        let wf = parse(json!({"id": "w", "inputSchema": {"type": "object"}})).unwrap();
        let runs = wf.runs.unwrap();
        assert_eq!((runs.status.as_str(), runs.version), ("active", 1));
        assert_eq!(runs.trigger, json!({"type": "api"}));
    }

    #[test]
    fn bad_steps_are_refused_with_what_is_missing() {
        let step = |s: Value| parse(json!({"id": "w", "steps": [s]})).unwrap_err();
        assert!(
            step(json!({"id": "t", "type": "transform", "config": {}})).contains("config.mapping")
        );
        assert!(
            step(json!({"id": "a", "type": "action", "config": {}}))
                .contains("<connector>.<method>")
        );
        assert!(
            step(json!({"id": "a", "type": "action", "action": "stripe"})).contains("\"stripe\"")
        );
        assert!(step(json!({"id": "d", "type": "delay"})).contains("config.ms"));
        assert!(step(json!({"id": "f", "type": "fail", "config": {}})).contains("config.message"));
        assert!(step(json!({"id": "x", "type": "loop", "config": {}})).contains("unknown type"));
        assert!(
            step(json!({"id": "h", "type": "http_request", "config": {}})).contains("config.url")
        );
        assert!(
            step(
                json!({"id": "h", "type": "http_request", "config": {"url": "x", "timeoutMs": 0}})
            )
            .contains("config.timeoutMs")
        );
        assert!(
            step(json!({"id": "r", "type": "respond", "config": {"status": 70000}}))
                .contains("HTTP status")
        );
        // The old flat form names the field it does not know.
        assert!(step(json!({"id": "t", "type": "transform", "output": {}})).contains("output"));
        assert!(
            parse(json!({"id": "w", "runs": {}}))
                .unwrap_err()
                .contains("runs")
        );
    }
}
