//! Server configuration: the shared options, each face's options and the
//! declared workflows.
//!
//! A [`Config`] serializes to and from the JSON fixture file read by the
//! binary (`--config FILE`). Durations are written as milliseconds. Each face
//! defines its own options and exposure types in its module; they are
//! re-exported here, and [`Config`] and [`Workflow`] compose them.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::flowmatic::config::{FlowmaticConnector, FlowmaticExposure, FlowmaticOptions};
pub use crate::n8n::config::{
    N8nAuth, N8nExposure, N8nOptions, N8nResponseData, N8nResponseMode, N8nVersion,
};
pub use crate::runs::config::{RunsApiKey, RunsExposure, RunsOptions};
pub use crate::tooljet::config::{ToolJetExposure, ToolJetOptions, ToolJetParam};

/// Everything the server needs: options per face and the workflows.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Largest accepted request body in bytes (16 MiB by default).
    pub body_limit: usize,
    /// n8n face options.
    pub n8n: N8nOptions,
    /// ToolJet face options.
    pub tooljet: ToolJetOptions,
    /// Flowmatic face options.
    pub flowmatic: FlowmaticOptions,
    /// runs face options.
    pub runs: RunsOptions,
    /// How long finished runs are kept.
    pub retention: Retention,
    /// Connection limits: slow and idle clients are shed.
    pub http: HttpOptions,
    /// The declared workflows.
    pub workflows: Vec<Workflow>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            body_limit: 16 * 1024 * 1024,
            n8n: N8nOptions::default(),
            tooljet: ToolJetOptions::default(),
            flowmatic: FlowmaticOptions::default(),
            runs: RunsOptions::default(),
            retention: Retention::default(),
            http: HttpOptions::default(),
            workflows: Vec::new(),
        }
    }
}

/// Connection limits, so slow or idle clients cannot hold the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct HttpOptions {
    /// A request head must be complete this long after its first byte
    /// arrived (10 s); a slower client is disconnected.
    #[serde(with = "millis")]
    pub header_read_timeout: Duration,
    /// A connection with no request in flight is closed after this long
    /// (60 s). A long answer (a waiting webhook, an SSE stream) is in flight.
    #[serde(with = "millis")]
    pub idle_timeout: Duration,
    /// Open connections at most (1,024). Past it, the oldest connection
    /// without a request in flight is closed to make room; when every one
    /// is busy, the new connection is closed instead.
    pub max_connections: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// How long the engine keeps finished runs (with their events and step data),
/// so a server left running under load keeps a flat memory. A finished run is
/// evicted once it is older than `max_age` or once `max_finished_runs` newer
/// ones have finished, whichever comes first; runs still going are never
/// evicted. An evicted run is gone from every face (404, absent from lists),
/// as if the platform had pruned it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Retention {
    /// Finished runs kept (2,000).
    pub max_finished_runs: usize,
    /// How long a finished run is kept after it ended (1 h).
    #[serde(with = "millis")]
    pub max_age: Duration,
    /// Recorded `action` step calls kept, newest (10,000).
    pub max_action_calls: usize,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            max_finished_runs: 2_000,
            max_age: Duration::from_secs(3600),
            max_action_calls: 10_000,
        }
    }
}

/// A workflow: steps plus how each face exposes it.
///
/// In a fixture it is written in the runs API's documented format
/// ([`crate::document`]): `name`, `description`, `trigger`, `inputSchema`,
/// `steps[]` of `{id, type, name, config}`, plus `id`, `status`, `version`
/// and the other faces' exposures.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(
    from = "crate::document::WorkflowDocument",
    into = "crate::document::WorkflowDocument"
)]
pub struct Workflow {
    /// Id, used by every face that exposes the workflow.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Steps, run in order.
    pub steps: Vec<Step>,
    /// Template for the run output; the last step's output when absent.
    pub output: Option<Value>,
    /// Run timeout in milliseconds; the run ends `timed_out` past it.
    pub timeout_ms: Option<u64>,
    /// n8n exposure.
    pub n8n: Option<N8nExposure>,
    /// ToolJet exposure.
    pub tooljet: Option<ToolJetExposure>,
    /// Flowmatic exposure.
    pub flowmatic: Option<FlowmaticExposure>,
    /// runs exposure.
    pub runs: Option<RunsExposure>,
}

/// One step of a workflow, written `{"id", "type", "name", "config"}` (and
/// `"action": "<connector>.<method>"` for actions) as the runs API documents
/// it ([`crate::document`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(
    try_from = "crate::document::StepDocument",
    into = "crate::document::StepDocument"
)]
pub struct Step {
    /// Step id (`{{steps.<id>.output..}}`).
    pub id: String,
    /// Display name (the id when empty).
    pub name: String,
    /// What the step does.
    pub kind: StepKind,
}

/// What a step does.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StepKind {
    /// Renders a template tree (`config.mapping`); the result is the step output.
    Transform {
        /// Template tree (strings are templates).
        output: Value,
    },
    /// Sets the run's response (status, headers, body); output = body.
    Respond {
        /// HTTP status (200).
        status: u16,
        /// Extra headers (values are templates).
        headers: BTreeMap<String, String>,
        /// Body template tree.
        body: Value,
    },
    /// Waits; output = the previous output.
    Delay {
        /// Milliseconds to wait.
        ms: u64,
    },
    /// Fails the run.
    Fail {
        /// Error code (`STEP_ERROR` when empty).
        code: String,
        /// Error message (a template).
        message: String,
    },
    /// Simulated connector call (`"action": "stripe.createInvoice"`): records
    /// what it was sent and answers like the connector would
    /// ([`crate::engine`]'s connector table), at least `{"id": "<prefix>_<n>"}`.
    Action {
        /// Connector, e.g. `stripe`.
        connector: String,
        /// Method, e.g. `createInvoice`.
        action: String,
        /// Parameters template tree (`config`).
        params: Value,
        /// Prefix of the returned id (the connector table's, else `act`, when empty).
        id_prefix: String,
    },
    /// Simulated e-mail send: renders `config` (`to`, `subject`, `body`, …),
    /// records it like an action (connector `email`) and answers
    /// `{"id": "msg_<n>", "status": "sent", "to", "subject"}`.
    Email {
        /// The message template tree.
        config: Value,
    },
    /// An HTTP request, as n8n's HTTP Request node sends it: the body
    /// template rendered and sent as JSON to the rendered `url` (a callback
    /// URL taken from the input, say), signed with `secret` when one is set
    /// (`X-Webhook-Signature: sha256=<hex of HMAC-SHA256(secret, body)>`).
    /// Bounded by `timeout_ms`; no redirect is followed and at most 64 KiB of
    /// the answer is read. Output = `{"status": <code>, "body": <answer>}`;
    /// a transport error, a timeout or a non-2xx answer fails the step.
    HttpRequest {
        /// `POST` unless set.
        method: String,
        /// The URL (a template).
        url: String,
        /// Extra headers (values are templates).
        headers: BTreeMap<String, String>,
        /// Body template tree, sent as JSON (`null`: no body).
        body: Value,
        /// HMAC secret signing the body; never listed with the workflow.
        #[serde(skip_serializing)]
        secret: Option<String>,
        /// The whole exchange must end within this many milliseconds.
        timeout_ms: u64,
    },
}

/// The `timeout_ms` of an `http_request` step without one: 10 s.
pub const HTTP_REQUEST_TIMEOUT_MS: u64 = 10_000;

impl Step {
    /// A `transform` step.
    pub fn transform(id: &str, output: Value) -> Self {
        Self::new(id, StepKind::Transform { output })
    }

    /// A `respond` step.
    pub fn respond(id: &str, status: u16, body: Value) -> Self {
        Self::new(
            id,
            StepKind::Respond {
                status,
                headers: BTreeMap::new(),
                body,
            },
        )
    }

    /// A `delay` step.
    pub fn delay(id: &str, ms: u64) -> Self {
        Self::new(id, StepKind::Delay { ms })
    }

    /// A `fail` step.
    pub fn fail(id: &str, message: &str) -> Self {
        Self::new(
            id,
            StepKind::Fail {
                code: String::new(),
                message: message.to_owned(),
            },
        )
    }

    /// An `action` step.
    pub fn action(id: &str, connector: &str, action: &str, id_prefix: &str, params: Value) -> Self {
        Self::new(
            id,
            StepKind::Action {
                connector: connector.to_owned(),
                action: action.to_owned(),
                params,
                id_prefix: id_prefix.to_owned(),
            },
        )
    }

    /// An `email` step.
    pub fn email(id: &str, config: Value) -> Self {
        Self::new(id, StepKind::Email { config })
    }

    /// An `http_request` step: `POST` of `body` (JSON) to `url`, signed
    /// with `secret` when given, within [`HTTP_REQUEST_TIMEOUT_MS`].
    pub fn http_request(id: &str, url: &str, body: Value, secret: Option<&str>) -> Self {
        Self::new(
            id,
            StepKind::HttpRequest {
                method: "POST".to_owned(),
                url: url.to_owned(),
                headers: BTreeMap::new(),
                body,
                secret: secret.map(str::to_owned),
                timeout_ms: HTTP_REQUEST_TIMEOUT_MS,
            },
        )
    }

    /// A step with a name.
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    fn new(id: &str, kind: StepKind) -> Self {
        Self {
            id: id.to_owned(),
            name: String::new(),
            kind,
        }
    }

    /// The step type as written in fixtures (`transform`, `respond`, ...).
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            StepKind::Transform { .. } => "transform",
            StepKind::Respond { .. } => "respond",
            StepKind::Delay { .. } => "delay",
            StepKind::Fail { .. } => "fail",
            StepKind::Action { .. } => "action",
            StepKind::Email { .. } => "email",
            StepKind::HttpRequest { .. } => "http_request",
        }
    }

    /// The display name, or the id when no name is set.
    pub fn display_name(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

impl Workflow {
    /// A workflow with an id, a name and steps, exposed nowhere yet.
    pub fn new(id: &str, name: &str, steps: Vec<Step>) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            steps,
            ..Self::default()
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: &str) -> Self {
        self.description = description.to_owned();
        self
    }

    /// Sets the output template (otherwise the last step's output).
    pub fn with_output(mut self, template: Value) -> Self {
        self.output = Some(template);
        self
    }

    /// Sets the run timeout.
    pub fn with_timeout_ms(mut self, ms: u64) -> Self {
        self.timeout_ms = Some(ms);
        self
    }

    /// Exposes the workflow as an n8n webhook.
    pub fn on_n8n(mut self, exposure: N8nExposure) -> Self {
        self.n8n = Some(exposure);
        self
    }

    /// Exposes the workflow on ToolJet.
    pub fn on_tooljet(mut self, exposure: ToolJetExposure) -> Self {
        self.tooljet = Some(exposure);
        self
    }

    /// Exposes the workflow on Flowmatic.
    pub fn on_flowmatic(mut self, exposure: FlowmaticExposure) -> Self {
        self.flowmatic = Some(exposure);
        self
    }

    /// Exposes the workflow on the runs API.
    pub fn on_runs(mut self, exposure: RunsExposure) -> Self {
        self.runs = Some(exposure);
        self
    }

    /// Whether any step is a `respond` step (a Response node).
    pub fn has_respond_step(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s.kind, StepKind::Respond { .. }))
    }
}

/// Durations as milliseconds in fixtures (`#[serde(with = "millis")]`).
pub(crate) mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_sets_every_part() {
        let wf = Workflow::new("w", "W", vec![Step::transform("t", serde_json::json!(1))])
            .with_description("d")
            .with_output(serde_json::json!("{{steps.t.output}}"))
            .with_timeout_ms(5)
            .on_runs(RunsExposure::default())
            .on_flowmatic(FlowmaticExposure::default())
            .on_tooljet(ToolJetExposure::default())
            .on_n8n(N8nExposure::default());
        assert_eq!(wf.description, "d");
        assert_eq!(wf.timeout_ms, Some(5));
        assert!(wf.output.is_some() && wf.runs.is_some() && wf.flowmatic.is_some());
        assert!(wf.tooljet.is_some() && wf.n8n.is_some());
        assert!(!wf.has_respond_step());
    }

    #[test]
    fn config_round_trips_through_json() {
        let mut config = Config::default();
        config.workflows.push(Workflow::new(
            "w",
            "W",
            vec![Step::delay("d", 5), Step::fail("f", "boom")],
        ));
        let text = serde_json::to_string(&config).unwrap();
        let back: Config = serde_json::from_str(&text).unwrap();
        assert_eq!(back.workflows[0].steps.len(), 2);
        assert_eq!(back.tooljet.throttle_ttl, Duration::from_secs(60));
        assert_eq!(back.body_limit, 16 * 1024 * 1024);
        assert_eq!(back.n8n.version, N8nVersion::V2);
    }

    #[test]
    fn every_section_refuses_unknown_fields_and_the_demo_round_trips() {
        for section in ["n8n", "tooljet", "flowmatic", "runs", "retention", "http"] {
            let text = format!(r#"{{"{section}": {{"bogus": 1}}}}"#);
            let err = serde_json::from_str::<Config>(&text).unwrap_err();
            assert!(
                err.to_string().contains("unknown field `bogus`"),
                "{section}: {err}"
            );
        }
        let demo = serde_json::to_value(crate::demo()).unwrap();
        let back: Config = serde_json::from_value(demo.clone()).unwrap();
        assert_eq!(serde_json::to_value(back).unwrap(), demo);
        assert_eq!(demo["n8n"]["activation_delay"], 0, "durations in ms");
        assert_eq!(demo["runs"]["idempotency_ttl"], 86_400_000);
    }
}
