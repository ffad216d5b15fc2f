//! The runs face's part of the configuration: its options (limits, keys,
//! idempotency) and how a workflow is exposed ([`RunsExposure`]).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::millis;

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
