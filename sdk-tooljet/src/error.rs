//! ToolJet's error answers: the `{statusCode,timestamp,path,message}` body,
//! mapped to [`trigger_sdk_core::Error`] by HTTP status only — never by message
//! text, which differs between ToolJet versions.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;
use trigger_sdk_core::{Error, transport::HttpResponse};

/// Which ToolJet endpoint answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// `POST …/trigger` (synchronous run).
    Trigger,
    /// `POST …/trigger-async`.
    TriggerAsync,
    /// `GET …/status/{executionId}`.
    Status,
    /// `GET …/execution/{executionId}/stream` (SSE).
    Stream,
}

impl Route {
    /// Whether a request to this route may start a run.
    pub fn starts_runs(self) -> bool {
        matches!(self, Self::Trigger | Self::TriggerAsync)
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Trigger => "trigger",
            Self::TriggerAsync => "trigger-async",
            Self::Status => "status",
            Self::Stream => "stream",
        })
    }
}

/// The body of every ToolJet error (NestJS `AllExceptionsFilter`), decoded
/// tolerantly: every field is optional, unknown fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorBody {
    /// The HTTP status, repeated.
    pub status_code: Option<u16>,
    /// When the error happened (ISO-8601).
    pub timestamp: Option<String>,
    /// The request path, with the query string.
    pub path: Option<String>,
    /// The message: usually a string; NestJS validation errors may give a list.
    pub message: Option<Value>,
}

impl ErrorBody {
    /// The message as one line of text.
    pub fn message_text(&self) -> Option<String> {
        match self.message.as_ref()? {
            Value::String(s) => Some(s.clone()),
            Value::Array(items) => Some(
                items
                    .iter()
                    .map(trigger_sdk_core::json::text)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }
}

/// The typed detail attached to every error born from a ToolJet answer;
/// read it back with `err.detail::<ToolJetError>()`.
///
/// ```
/// # fn show(err: &trigger_sdk_core::Error) {
/// if let Some(detail) = err.detail::<trigger_sdk_tooljet::ToolJetError>() {
///     println!("{} answered {}: {}", detail.route, detail.status, detail.message);
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("ToolJet {route} answered HTTP {status}: {message}")]
#[non_exhaustive]
pub struct ToolJetError {
    /// The endpoint that answered.
    pub route: Route,
    /// The HTTP status.
    pub status: u16,
    /// The server's message (or the text body, for answers not in the error shape).
    pub message: String,
    /// The error body, when it had ToolJet's shape.
    pub body: Option<ErrorBody>,
}

/// The longest text body kept as a message.
const MAX_TEXT_MESSAGE: usize = 300;

/// The message of an error answer: the body's `message`, else its text.
fn message_of(response: &HttpResponse, body: Option<&ErrorBody>) -> String {
    if let Some(message) = body.and_then(ErrorBody::message_text) {
        return message;
    }
    let text = response.text();
    let text = text.trim();
    if text.is_empty() {
        return format!("HTTP {} without a body", response.status);
    }
    match text.char_indices().nth(MAX_TEXT_MESSAGE) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Maps an error answer of `route` to the typed error for its status.
///
/// - 400 → [`Error::Validation`] (a missing or mistyped declared parameter,
///   a version not promoted to the environment);
/// - 401 → [`Error::Unauthorized`], 403 → [`Error::Forbidden`] (workflow or
///   webhook trigger disabled), 404 → [`Error::NotFound`] (workflow,
///   environment, version or execution);
/// - 413 → [`Error::PayloadTooLarge`], 451 → [`Error::QuotaExceeded`];
/// - 429 → [`Error::RateLimited`] with `Retry-After`. ToolJet's throttler
///   refuses before any workflow code runs, so a 429 on a trigger is safe
///   to report (and to send again later): no run was started;
/// - 500 on the synchronous trigger → [`Error::WorkflowFailed`] (the run
///   failed);
/// - any other 5xx on a trigger → [`Error::Ambiguous`]: the request was
///   sent without an idempotency key and may have started a run;
/// - everything else as [`Error::from_status`].
pub fn error_from_response(response: &HttpResponse, route: Route) -> Error {
    let body: Option<ErrorBody> = response
        .json_value()
        .filter(Value::is_object)
        .and_then(|v| serde_json::from_value(v).ok());
    let message = message_of(response, body.as_ref());
    let detail = ToolJetError {
        route,
        status: response.status,
        message: message.clone(),
        body,
    };
    let api = response.api_error(message).with_detail(detail);
    match response.status {
        400 => Error::Validation {
            error: Box::new(api),
            details: Vec::new(),
        },
        451 => Error::QuotaExceeded(Box::new(api)),
        500 if route == Route::Trigger => Error::WorkflowFailed(Box::new(api)),
        // Any other 5xx to a trigger is made `Ambiguous` by the core (the
        // request takes no idempotency key and may have started a run).
        _ => Error::from_status(api, response.retry_after()),
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    use super::*;

    fn shaped(status: u16, message: &str) -> String {
        serde_json::json!({
            "statusCode": status,
            "timestamp": "2025-05-15T10:30:45.123Z",
            "path": "/api/v2/webhooks/workflows/x/trigger?environment=development",
            "message": message,
        })
        .to_string()
    }

    #[test]
    fn maps_by_status_and_keeps_the_message() {
        let e = error_from_response(
            &HttpResponse::new(404, shaped(404, "Invalid environment")),
            Route::Trigger,
        );
        assert!(matches!(e, Error::NotFound(_)));
        assert_eq!(
            e.api().map(|a| a.message.as_str()),
            Some("Invalid environment")
        );
        let detail = e.detail::<ToolJetError>().expect("detail attached");
        assert_eq!(detail.route, Route::Trigger);
        assert_eq!(
            detail.body.as_ref().and_then(|b| b.path.as_deref()),
            Some("/api/v2/webhooks/workflows/x/trigger?environment=development")
        );

        let e = error_from_response(
            &HttpResponse::new(400, shaped(400, "name has incorrect datatype")),
            Route::Trigger,
        );
        assert!(matches!(e, Error::Validation { .. }));
        let e = error_from_response(
            &HttpResponse::new(451, shaped(451, "Maximum daily limit")),
            Route::TriggerAsync,
        );
        assert!(matches!(e, Error::QuotaExceeded(_)));
        let e = error_from_response(
            &HttpResponse::new(500, shaped(500, "Workflow execution failed: boom")),
            Route::Trigger,
        );
        assert!(matches!(e, Error::WorkflowFailed(_)));
        // The table maps a proxy's 502 by status; the core's rule then makes it
        // `Ambiguous` for a trigger (tests/wiremock_faults.rs proves that end).
        let e = error_from_response(&HttpResponse::new(502, "Bad Gateway"), Route::TriggerAsync);
        assert!(matches!(e, Error::Server(_)));
        let e = error_from_response(&HttpResponse::new(503, ""), Route::Status);
        assert!(matches!(e, Error::Server(_)));
    }

    #[test]
    fn throttled_answers_carry_retry_after() {
        let e = error_from_response(
            &HttpResponse::new(429, shaped(429, "ThrottlerException: Too Many Requests"))
                .with_header(RETRY_AFTER, HeaderValue::from_static("7")),
            Route::Trigger,
        );
        assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(7)));
        assert!(matches!(e, Error::RateLimited { .. }));
    }

    #[test]
    fn text_bodies_become_the_message() {
        let e = error_from_response(
            &HttpResponse::new(413, "PayloadTooLargeError: request entity too large"),
            Route::Trigger,
        );
        assert!(matches!(e, Error::PayloadTooLarge(_)));
        assert_eq!(
            e.api().map(|a| a.message.as_str()),
            Some("PayloadTooLargeError: request entity too large")
        );
        let e = error_from_response(&HttpResponse::new(401, ""), Route::Stream);
        assert!(matches!(e, Error::Unauthorized(_)));
        assert_eq!(
            e.api().map(|a| a.message.as_str()),
            Some("HTTP 401 without a body")
        );
    }

    #[test]
    fn list_messages_are_joined() {
        let body =
            serde_json::json!({"statusCode": 400, "message": ["a is bad", "b is bad"]}).to_string();
        let e = error_from_response(&HttpResponse::new(400, body), Route::TriggerAsync);
        assert_eq!(
            e.api().map(|a| a.message.as_str()),
            Some("a is bad; b is bad")
        );
    }
}
