//! The ToolJet face's part of the configuration: its options and how a workflow
//! is exposed ([`ToolJetExposure`]).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::millis;

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
