//! Server configuration: per-face options and the declared workflows.
//!
//! A [`Config`] serializes to and from the JSON fixture file read by the
//! binary (`--config FILE`). Durations are written as milliseconds.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

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

/// Options of the n8n face.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct N8nOptions {
    /// Model a server that has `POST /api/v1/workflows/{id}/execute` (false by default).
    pub execute_endpoint: bool,
    /// Delay between `/activate` answering and the production webhook answering.
    #[serde(with = "millis")]
    pub activation_delay: Duration,
    /// API keys accepted in `X-N8N-API-KEY`.
    pub api_keys: Vec<String>,
    /// Which n8n release line the face answers as (`"2.x"` by default, or `"1.x"`).
    pub version: N8nVersion,
}

impl Default for N8nOptions {
    fn default() -> Self {
        Self {
            execute_endpoint: false,
            activation_delay: Duration::ZERO,
            api_keys: Vec::new(),
            version: N8nVersion::default(),
        }
    }
}

/// An n8n release line, for the answers where 1.x and 2.x differ (checked against real
/// 1.123.81 and 2.41.1; `docs/evidence/n8n-real.md`, "1.x vs 2.x differences").
///
/// 1.x differs in: basic auth with a wrong password (403 `Authorization data is wrong!`),
/// a `responseNode` workflow failing before its Respond node (200, empty body),
/// `{{$execution.id}}` in an `onReceived` answer (`"__UNKNOWN__"`: 1.x answers before the
/// execution exists), the public API's 401 bodies (`'X-N8N-API-KEY' header required`,
/// `unauthorized`), retrying a successful execution (400), no `stop`/`publish`/`unpublish`
/// routes, no `Deprecation` header, a numeric `retryOf` in the retry answer, the status and
/// id validation messages, activating an unknown id (404 `Not Found`) and synchronous
/// activation (the activation delay does not apply).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum N8nVersion {
    /// n8n 1.x, as 1.123.81 answers.
    #[serde(rename = "1.x")]
    V1,
    /// n8n 2.x, as 2.41.1 answers (the default).
    #[default]
    #[serde(rename = "2.x")]
    V2,
}

impl N8nVersion {
    /// `1.x` or `2.x`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "1.x",
            Self::V2 => "2.x",
        }
    }
}

impl std::fmt::Display for N8nVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for N8nVersion {
    type Err = String;

    /// `1.x`, `1`, `v1`, or a 1.x version such as `1.123.81` (and the same for 2).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let major = s.strip_prefix(['v', 'V']).unwrap_or(s);
        let major = major.split('.').next().unwrap_or_default();
        match major {
            "1" => Ok(Self::V1),
            "2" => Ok(Self::V2),
            _ => Err(format!("unknown n8n version {s:?} (expected 1.x or 2.x)")),
        }
    }
}

/// Options of the ToolJet face.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ToolJetOptions {
    /// Requests allowed per client IP and route within `throttle_ttl` (100),
    /// on every webhook route: trigger, trigger-async, status, stream.
    pub throttle_limit: u32,
    /// Throttle window (60 s). Tests shorten it to watch a client's limiter
    /// stay under the throttle in seconds.
    #[serde(with = "millis")]
    pub throttle_ttl: Duration,
    /// When set, every SSE connection is closed after sending this many events.
    pub stream_drop_after: Option<usize>,
    /// Server-side run timeout (`WORKFLOW_TIMEOUT_SECONDS`, 60 s).
    #[serde(with = "millis")]
    pub workflow_timeout: Duration,
}

impl Default for ToolJetOptions {
    fn default() -> Self {
        Self {
            throttle_limit: 100,
            throttle_ttl: Duration::from_secs(60),
            stream_drop_after: None,
            workflow_timeout: Duration::from_secs(60),
        }
    }
}

/// Options of the Flowmatic face.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlowmaticOptions {
    /// How long a sync webhook (Response node) waits before acknowledging (30 s).
    #[serde(with = "millis")]
    pub sync_timeout: Duration,
    /// Bearer tokens accepted by the REST API.
    pub api_tokens: Vec<String>,
    /// Connectors listed by `GET /api/v1/connectors`.
    pub connectors: Vec<FlowmaticConnector>,
    /// REST API requests per token per minute (1000); past it, 429 `RATE_LIMITED`.
    pub requests_per_minute: u32,
}

impl Default for FlowmaticOptions {
    fn default() -> Self {
        Self {
            sync_timeout: Duration::from_secs(30),
            api_tokens: Vec::new(),
            connectors: Vec::new(),
            requests_per_minute: 1000,
        }
    }
}

/// A connector listed by the Flowmatic REST API.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct FlowmaticConnector {
    /// Connector id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Category, e.g. `communication`.
    pub category: String,
    /// Action names.
    pub actions: Vec<String>,
}

/// Options of the runs face.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunsOptions {
    /// Run requests per key per minute (500).
    pub execute_per_minute: u32,
    /// Other writes (cancel, retry) per key per minute (200).
    pub writes_per_minute: u32,
    /// Reads per key per minute (1000).
    pub reads_per_minute: u32,
    /// The length of the "minute" the three limits count in (60 s). Tests
    /// shorten it to watch a client stay under a limit in seconds.
    #[serde(with = "millis")]
    pub rate_window: Duration,
    /// API keys and their scopes.
    pub api_keys: Vec<RunsApiKey>,
    /// Known connection ids (`connectionId` in a run request).
    pub connections: Vec<String>,
    /// How long idempotency keys are remembered (24 h).
    #[serde(with = "millis")]
    pub idempotency_ttl: Duration,
    /// At most this many idempotency keys are remembered (50,000); past it
    /// the oldest is forgotten before its 24 h. A replay of a key whose run
    /// retention already evicted still starts nothing and answers 200 with
    /// the run's id and the status last seen.
    pub idempotency_max_keys: usize,
}

impl Default for RunsOptions {
    fn default() -> Self {
        Self {
            execute_per_minute: 500,
            writes_per_minute: 200,
            reads_per_minute: 1000,
            rate_window: Duration::from_secs(60),
            api_keys: Vec::new(),
            connections: Vec::new(),
            idempotency_ttl: Duration::from_secs(24 * 3600),
            idempotency_max_keys: 50_000,
        }
    }
}

/// A runs API key with its scopes (`workflows:read`, `workflows:write`,
/// `workflows:execute`, `runs:read`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RunsApiKey {
    /// The key (`wfk_<32 chars>`).
    pub key: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
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

/// How an n8n webhook exposes a workflow (the Webhook node's settings).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct N8nExposure {
    /// Webhook path, e.g. `send-email` or `users/:id`.
    pub path: String,
    /// HTTP method (`POST`).
    pub method: String,
    /// Webhook authentication.
    pub auth: N8nAuth,
    /// When and what the webhook answers.
    pub response_mode: N8nResponseMode,
    /// What `lastNode` returns.
    pub response_data: N8nResponseData,
    /// Status code of the answer (200).
    pub response_code: u16,
    /// Custom body for `onReceived`; `Some("")` = no body.
    pub on_received_body: Option<String>,
    /// Whether the workflow is active.
    pub active: bool,
    /// The Webhook node's id (prefix of dynamic paths).
    pub webhook_id: String,
    /// Tag names.
    pub tags: Vec<String>,
}

impl Default for N8nExposure {
    fn default() -> Self {
        Self {
            path: String::new(),
            method: "POST".to_owned(),
            auth: N8nAuth::None,
            response_mode: N8nResponseMode::OnReceived,
            response_data: N8nResponseData::FirstEntryJson,
            response_code: 200,
            on_received_body: None,
            active: true,
            webhook_id: String::new(),
            tags: Vec::new(),
        }
    }
}

/// n8n Webhook node authentication.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum N8nAuth {
    /// No authentication.
    #[default]
    None,
    /// A header with an exact value (name case-insensitive).
    Header {
        /// Header name.
        name: String,
        /// Expected value.
        value: String,
    },
    /// HTTP basic auth.
    Basic {
        /// User.
        user: String,
        /// Password.
        password: String,
    },
    /// Bearer JWT signed with HS256.
    Jwt {
        /// HS256 secret.
        secret: String,
    },
}

/// n8n `responseMode`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum N8nResponseMode {
    /// Answer immediately.
    #[default]
    OnReceived,
    /// Answer with the last node's output.
    LastNode,
    /// A Respond to Webhook node answers.
    ResponseNode,
    /// NDJSON streaming.
    Streaming,
}

/// n8n `responseData` for `lastNode`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum N8nResponseData {
    /// The first item's JSON.
    #[default]
    FirstEntryJson,
    /// All items as an array.
    AllEntries,
    /// Empty body.
    NoData,
}

/// How ToolJet exposes a workflow.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ToolJetExposure {
    /// The workflow's bearer token.
    pub token: String,
    /// Whether the workflow is enabled.
    pub enabled: bool,
    /// Whether the webhook trigger is enabled.
    pub webhook_enabled: bool,
    /// Environment names.
    pub environments: Vec<String>,
    /// Version names.
    pub versions: Vec<String>,
    /// Declared parameters.
    pub params: Vec<ToolJetParam>,
}

impl Default for ToolJetExposure {
    fn default() -> Self {
        Self {
            token: String::new(),
            enabled: true,
            webhook_enabled: true,
            environments: vec![
                "development".to_owned(),
                "staging".to_owned(),
                "production".to_owned(),
            ],
            versions: vec!["v1".to_owned()],
            params: Vec::new(),
        }
    }
}

/// A declared ToolJet parameter.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ToolJetParam {
    /// Parameter name.
    pub key: String,
    /// `string number boolean object array null`.
    #[serde(rename = "dataType", alias = "data_type")]
    pub data_type: String,
}

/// How Flowmatic exposes a workflow.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlowmaticExposure {
    /// Webhook id (`/api/webhooks/{webhookId}`).
    pub webhook_id: String,
    /// Trigger id.
    pub trigger_id: String,
    /// HMAC secret; signature required when set.
    pub secret: Option<String>,
    /// Whether the workflow is active.
    pub active: bool,
}

impl Default for FlowmaticExposure {
    fn default() -> Self {
        Self {
            webhook_id: String::new(),
            trigger_id: String::new(),
            secret: None,
            active: true,
        }
    }
}

/// How the runs API exposes a workflow. In a fixture these are the
/// document's top-level `trigger`, `status`, `version` and `inputSchema`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RunsExposure {
    /// `active` or `draft`.
    pub status: String,
    /// Version number.
    pub version: u32,
    /// JSON Schema of the input.
    pub input_schema: Option<Value>,
    /// The document's `trigger` (`{"type": "api"}`); any workflow can be run
    /// through the API, whatever its trigger type.
    pub trigger: Value,
}

impl Default for RunsExposure {
    fn default() -> Self {
        Self {
            status: "active".to_owned(),
            version: 1,
            input_schema: None,
            trigger: serde_json::json!({"type": "api"}),
        }
    }
}

impl RunsExposure {
    /// An active exposure of this version with this input schema.
    pub fn active(version: u32, input_schema: Option<Value>) -> Self {
        Self {
            version,
            input_schema,
            ..Self::default()
        }
    }

    /// Sets the document's trigger (`{"type": "webhook"}`, …).
    pub fn with_trigger(mut self, trigger: Value) -> Self {
        self.trigger = trigger;
        self
    }

    /// A draft exposure (runs are refused with `INVALID_STATUS`).
    pub fn draft() -> Self {
        Self {
            status: "draft".to_owned(),
            ..Self::default()
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

mod millis {
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
    fn n8n_version_reads_as_1x_or_2x() {
        let config: Config = serde_json::from_str(r#"{"n8n": {"version": "1.x"}}"#).unwrap();
        assert_eq!(config.n8n.version, N8nVersion::V1);
        assert_eq!(
            serde_json::to_value(N8nVersion::V2).unwrap(),
            serde_json::json!("2.x")
        );
        assert!(serde_json::from_str::<Config>(r#"{"n8n": {"version": "3.x"}}"#).is_err());
        for (text, version) in [
            ("1.x", N8nVersion::V1),
            ("1.123.81", N8nVersion::V1),
            ("v2", N8nVersion::V2),
            ("2.41.1", N8nVersion::V2),
        ] {
            assert_eq!(text.parse::<N8nVersion>(), Ok(version), "{text}");
        }
        assert!("0.9".parse::<N8nVersion>().is_err());
    }
}
