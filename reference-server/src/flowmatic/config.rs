//! The Flowmatic face's part of the configuration: its options and how a
//! workflow is exposed ([`FlowmaticExposure`]).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::millis;

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
