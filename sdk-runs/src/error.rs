//! The runs API's error answers: [`RunsApiError`], the typed detail attached
//! to every [`trigger_sdk_core::Error`] this crate returns for an error answer, and
//! the mapping from its codes to the error variants.

use std::{fmt, time::Duration};

use serde::Deserialize;
use serde_json::Value;

use trigger_sdk_core::{ApiError, Error, ValidationDetail};

/// The `code` of an error answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RunsErrorCode {
    /// `UNAUTHORIZED` (401): missing or unknown key.
    Unauthorized,
    /// `FORBIDDEN` (403): the key lacks a scope.
    Forbidden,
    /// `NOT_FOUND` (404): no such workflow or run.
    NotFound,
    /// `INVALID_STATUS` (400): the workflow or run is in a state that does
    /// not allow the request (a draft workflow, cancel of a finished run).
    InvalidStatus,
    /// `VALIDATION_ERROR` (400): the input failed the schema, or the body is
    /// not JSON.
    ValidationError,
    /// `RATE_LIMITED` (429).
    RateLimited,
    /// `PAYLOAD_TOO_LARGE` (413).
    PayloadTooLarge,
    /// A code this crate does not know, as sent.
    Other(String),
}

impl RunsErrorCode {
    /// Reads a code as the API spells it.
    pub fn parse(code: &str) -> Self {
        match code {
            "UNAUTHORIZED" => Self::Unauthorized,
            "FORBIDDEN" => Self::Forbidden,
            "NOT_FOUND" => Self::NotFound,
            "INVALID_STATUS" => Self::InvalidStatus,
            "VALIDATION_ERROR" => Self::ValidationError,
            "RATE_LIMITED" => Self::RateLimited,
            "PAYLOAD_TOO_LARGE" => Self::PayloadTooLarge,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The code as the API spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unauthorized => "UNAUTHORIZED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::InvalidStatus => "INVALID_STATUS",
            Self::ValidationError => "VALIDATION_ERROR",
            Self::RateLimited => "RATE_LIMITED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::Other(code) => code,
        }
    }
}

impl fmt::Display for RunsErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answer of the runs API, typed. Every error this crate builds from
/// an error answer carries one; read it back with
/// `error.detail::<RunsApiError>()`.
///
/// ```
/// use trigger_sdk_runs::{RunsApiError, RunsErrorCode};
/// # fn check(error: trigger_sdk_core::Error) {
/// if let Some(detail) = error.detail::<RunsApiError>() {
///     if detail.code == RunsErrorCode::InvalidStatus {
///         println!("the workflow is {:?}", detail.current_status);
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
#[non_exhaustive]
pub struct RunsApiError {
    /// The code.
    pub code: RunsErrorCode,
    /// The message.
    pub message: String,
    /// Each failing path of a `VALIDATION_ERROR`.
    pub details: Vec<ValidationDetail>,
    /// The scope a `FORBIDDEN` answer names (`workflows:execute`).
    pub required_scope: Option<String>,
    /// The state an `INVALID_STATUS` answer names (`draft`, `completed`).
    pub current_status: Option<String>,
}

/// `error` of an error envelope.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    details: Value,
}

/// Builds the typed error of an error answer: by code first, by status when
/// the code is missing or unknown.
pub(crate) fn api_error(
    status: u16,
    body: Option<ErrorBody>,
    raw: &str,
    retry_after: Option<Duration>,
) -> Error {
    let body = body.unwrap_or_default();
    let message = body
        .message
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| default_message(status, raw));
    let code = body.code.as_deref().map(RunsErrorCode::parse);
    let details = trigger_sdk_core::json::validation_details(&body.details);
    let mut api = ApiError::new(Some(status), message.clone()).with_body(raw);
    if let Some(code) = &body.code {
        api = api.with_code(code.clone());
    }
    let Some(code) = code else {
        return Error::from_status(api, retry_after);
    };
    let detail = RunsApiError {
        required_scope: (code == RunsErrorCode::Forbidden)
            .then(|| required_scope(&message))
            .flatten(),
        current_status: (code == RunsErrorCode::InvalidStatus)
            .then(|| current_status(&message))
            .flatten(),
        code: code.clone(),
        message,
        details: details.clone(),
    };
    let api = Box::new(api.with_detail(detail));
    match code {
        RunsErrorCode::Unauthorized => Error::Unauthorized(api),
        RunsErrorCode::Forbidden => Error::Forbidden(api),
        RunsErrorCode::NotFound => Error::NotFound(api),
        RunsErrorCode::InvalidStatus => Error::Conflict(api),
        RunsErrorCode::ValidationError => Error::Validation {
            error: api,
            details,
        },
        RunsErrorCode::RateLimited => Error::RateLimited {
            error: api,
            retry_after,
        },
        RunsErrorCode::PayloadTooLarge => Error::PayloadTooLarge(api),
        RunsErrorCode::Other(_) => Error::from_status(*api, retry_after),
    }
}

fn default_message(status: u16, raw: &str) -> String {
    let text = raw.trim();
    if text.is_empty() || text.len() > 200 {
        format!("HTTP {status} without an error message")
    } else {
        text.to_owned()
    }
}

/// The scope a `FORBIDDEN` message names: the first `word:word` token.
fn required_scope(message: &str) -> Option<String> {
    message
        .split(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '`' | ',' | '(' | ')'))
        .map(|t| t.trim_end_matches(['.', ';']))
        .find(|t| {
            t.split_once(':').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.chars().all(|c| c.is_ascii_alphabetic())
                    && b.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
            })
        })
        .map(str::to_owned)
}

/// The state an `INVALID_STATUS` message names (`... Current status: draft`).
fn current_status(message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find("status:")? + "status:".len();
    message[at..]
        .split_whitespace()
        .next()
        .map(|s| s.trim_end_matches(['.', ',', ';']).to_owned())
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(value: Value) -> Option<ErrorBody> {
        serde_json::from_value(value).ok()
    }

    #[test]
    fn validation_error_lists_every_path() {
        let e = api_error(
            400,
            body(
                json!({"code": "VALIDATION_ERROR", "message": "Input validation failed",
                "details": [{"path": ["customerId"], "message": "Required"},
                            {"path": ["items", 0, "price"], "message": "Expected number"},
                            {"path": "amount", "message": "Too small"}]}),
            ),
            "{}",
            None,
        );
        let Error::Validation { details, error } = &e else {
            panic!("expected Validation, got {e:?}");
        };
        assert_eq!(error.code.as_deref(), Some("VALIDATION_ERROR"));
        assert_eq!(details[0].path, ["customerId"]);
        assert_eq!(details[1].path, ["items", "0", "price"]);
        assert_eq!(details[2].path, ["amount"]);
        assert_eq!(e.detail::<RunsApiError>().map(|d| d.details.len()), Some(3));
    }

    #[test]
    fn invalid_status_is_a_typed_conflict() {
        let e = api_error(
            400,
            body(json!({"code": "INVALID_STATUS",
                "message": "Workflow must be active to run. Current status: draft"})),
            "{}",
            None,
        );
        assert!(matches!(e, Error::Conflict(_)));
        let detail = e.detail::<RunsApiError>().unwrap();
        assert_eq!(detail.code, RunsErrorCode::InvalidStatus);
        assert_eq!(detail.current_status.as_deref(), Some("draft"));
        assert_eq!(e.status(), Some(400));
    }

    #[test]
    fn forbidden_names_the_scope() {
        let e = api_error(
            403,
            body(json!({"code": "FORBIDDEN",
                "message": "API key lacks required scope: workflows:execute"})),
            "{}",
            None,
        );
        assert!(matches!(e, Error::Forbidden(_)));
        assert_eq!(
            e.detail::<RunsApiError>()
                .and_then(|d| d.required_scope.as_deref()),
            Some("workflows:execute")
        );
    }

    #[test]
    fn codes_win_and_status_is_the_fallback() {
        let limited = api_error(
            429,
            body(
                json!({"code": "RATE_LIMITED", "message": "Rate limit exceeded. Limit: 500 requests per minute."}),
            ),
            "{}",
            Some(Duration::from_secs(7)),
        );
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(7)));
        assert!(matches!(
            api_error(413, body(json!({"code": "PAYLOAD_TOO_LARGE"})), "", None),
            Error::PayloadTooLarge(_)
        ));
        assert!(matches!(
            api_error(
                404,
                body(json!({"code": "NOT_FOUND", "message": "Run not found"})),
                "",
                None
            ),
            Error::NotFound(_)
        ));
        assert!(matches!(
            api_error(401, body(json!({"code": "UNAUTHORIZED"})), "", None),
            Error::Unauthorized(_)
        ));
        let gateway = api_error(502, None, "<html>bad gateway</html>", None);
        assert!(matches!(gateway, Error::Server(_)));
        assert_eq!(gateway.body(), Some("<html>bad gateway</html>"));
        let odd = api_error(
            409,
            body(json!({"code": "LOCKED", "message": "m"})),
            "",
            None,
        );
        assert!(matches!(odd, Error::Conflict(_)));
        assert_eq!(
            odd.detail::<RunsApiError>().map(|d| d.code.clone()),
            Some(RunsErrorCode::Other("LOCKED".into()))
        );
    }
}
