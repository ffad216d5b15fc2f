//! The n8n face's part of the configuration: its options ([`N8nOptions`], the
//! release line it answers as) and how a workflow is exposed as a Webhook node
//! ([`N8nExposure`]).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::millis;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

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
