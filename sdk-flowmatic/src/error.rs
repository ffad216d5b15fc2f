//! Flowmatic's error answers, `{"error":{"code","message"}}`, mapped to
//! [`trigger_sdk_core::Error`] by status and code.
//!
//! | status | code | `Error` |
//! |---|---|---|
//! | 401 | `UNAUTHORIZED` | [`Error::Unauthorized`] |
//! | 401 | `INVALID_SIGNATURE` | [`Error::Unauthorized`], detail [`FlowmaticErrorCode::InvalidSignature`] |
//! | 404 | `NOT_FOUND` | [`Error::NotFound`] |
//! | 400 | `VALIDATION_ERROR` | [`Error::Validation`] |
//! | 409 | `WORKFLOW_INACTIVE` | [`Error::Conflict`] |
//! | 413 | `PAYLOAD_TOO_LARGE` | [`Error::PayloadTooLarge`] |
//! | 429 | `RATE_LIMITED` | [`Error::RateLimited`] with `Retry-After` |
//! | other | other | by status ([`Error::from_status`]) |
//!
//! Every error that carries a Flowmatic code also carries it typed, as a
//! [`FlowmaticErrorCode`] detail: `err.detail::<FlowmaticErrorCode>()` (or
//! [`error_code`]). An answer that is not the JSON error shape (an HTML page
//! from a proxy, plain text) is mapped by status alone and its body is kept
//! raw in [`trigger_sdk_core::ApiError::body`].

use std::fmt;

use serde_json::Value;
use trigger_sdk_core::{Error, ValidationDetail, transport::HttpResponse};

/// A Flowmatic error code, typed. Attached to every error whose answer had a
/// code; read it back with `err.detail::<FlowmaticErrorCode>()`.
///
/// ```
/// use trigger_sdk_core::{ApiError, Error};
/// use trigger_sdk_flowmatic::FlowmaticErrorCode;
///
/// let code = FlowmaticErrorCode::parse("INVALID_SIGNATURE");
/// assert_eq!(code, FlowmaticErrorCode::InvalidSignature);
/// assert_eq!(code.as_str(), "INVALID_SIGNATURE");
/// let err = Error::Unauthorized(Box::new(ApiError::new(Some(401), "bad").with_detail(code)));
/// assert_eq!(err.detail::<FlowmaticErrorCode>(), Some(&FlowmaticErrorCode::InvalidSignature));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FlowmaticErrorCode {
    /// `UNAUTHORIZED`: missing or wrong API token.
    Unauthorized,
    /// `INVALID_SIGNATURE`: the webhook's `X-Webhook-Signature` is missing or
    /// does not match (wrong secret or altered body).
    InvalidSignature,
    /// `NOT_FOUND`: no such workflow, execution or webhook.
    NotFound,
    /// `VALIDATION_ERROR`: the request body was refused.
    ValidationError,
    /// `WORKFLOW_INACTIVE`: trigger or execute of an inactive workflow.
    WorkflowInactive,
    /// `PAYLOAD_TOO_LARGE`: the body is over the size limit.
    PayloadTooLarge,
    /// `RATE_LIMITED`: too many requests.
    RateLimited,
    /// A code this SDK does not know, as Flowmatic spelled it.
    Other(String),
}

impl FlowmaticErrorCode {
    /// The code for its wire spelling (unknown codes are kept in `Other`).
    pub fn parse(code: &str) -> Self {
        match code {
            "UNAUTHORIZED" => Self::Unauthorized,
            "INVALID_SIGNATURE" => Self::InvalidSignature,
            "NOT_FOUND" => Self::NotFound,
            "VALIDATION_ERROR" => Self::ValidationError,
            "WORKFLOW_INACTIVE" => Self::WorkflowInactive,
            "PAYLOAD_TOO_LARGE" => Self::PayloadTooLarge,
            "RATE_LIMITED" => Self::RateLimited,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unauthorized => "UNAUTHORIZED",
            Self::InvalidSignature => "INVALID_SIGNATURE",
            Self::NotFound => "NOT_FOUND",
            Self::ValidationError => "VALIDATION_ERROR",
            Self::WorkflowInactive => "WORKFLOW_INACTIVE",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::RateLimited => "RATE_LIMITED",
            Self::Other(code) => code,
        }
    }
}

impl fmt::Display for FlowmaticErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for FlowmaticErrorCode {}

/// The Flowmatic code of an error, when the answer had one.
///
/// ```
/// # use trigger_sdk_core::Error;
/// # fn check(err: &Error) {
/// use trigger_sdk_flowmatic::{FlowmaticErrorCode, error_code};
/// if error_code(err) == Some(&FlowmaticErrorCode::InvalidSignature) {
///     eprintln!("check the webhook secret");
/// }
/// # }
/// ```
pub fn error_code(error: &Error) -> Option<&FlowmaticErrorCode> {
    error.detail::<FlowmaticErrorCode>()
}

/// The parts of a `{"error":{"code","message","details"}}` body.
struct Envelope {
    code: Option<String>,
    message: Option<String>,
    details: Vec<ValidationDetail>,
}

/// Reads the error envelope; `None` when the body is not that shape.
fn envelope(body: &[u8]) -> Option<Envelope> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let error = value.get("error")?;
    // Some servers answer `{"error":"text"}`: keep the text as the message.
    if let Some(text) = error.as_str() {
        return Some(Envelope {
            code: None,
            message: Some(text.to_owned()),
            details: Vec::new(),
        });
    }
    let error = error.as_object()?;
    let code = error.get("code").and_then(Value::as_str).map(str::to_owned);
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if code.is_none() && message.is_none() {
        return None;
    }
    let details = error
        .get("details")
        .map(trigger_sdk_core::json::validation_details)
        .unwrap_or_default();
    Some(Envelope {
        code,
        message,
        details,
    })
}

/// Maps an error answer (any non-2xx) to the typed error.
pub(crate) fn error_from_answer(answer: &HttpResponse) -> Error {
    let parsed = envelope(&answer.body);
    let message = parsed
        .as_ref()
        .and_then(|e| e.message.clone())
        .unwrap_or_else(|| format!("Flowmatic answered HTTP {}", answer.status));
    let mut api = answer.api_error(message);
    let code = parsed
        .as_ref()
        .and_then(|e| e.code.as_deref())
        .map(FlowmaticErrorCode::parse);
    if let Some(code) = &code {
        api = api.with_code(code.as_str()).with_detail(code.clone());
    }
    let retry_after = answer.retry_after();
    match code {
        Some(FlowmaticErrorCode::Unauthorized | FlowmaticErrorCode::InvalidSignature) => {
            Error::Unauthorized(Box::new(api))
        }
        Some(FlowmaticErrorCode::NotFound) => Error::NotFound(Box::new(api)),
        Some(FlowmaticErrorCode::ValidationError) => Error::Validation {
            error: Box::new(api),
            details: parsed.map(|e| e.details).unwrap_or_default(),
        },
        Some(FlowmaticErrorCode::WorkflowInactive) => Error::Conflict(Box::new(api)),
        Some(FlowmaticErrorCode::PayloadTooLarge) => Error::PayloadTooLarge(Box::new(api)),
        Some(FlowmaticErrorCode::RateLimited) => Error::RateLimited {
            error: Box::new(api),
            retry_after,
        },
        Some(FlowmaticErrorCode::Other(_)) | None => Error::from_status(api, retry_after),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use trigger_sdk_core::reqwest::header::{HeaderValue, RETRY_AFTER};

    use super::*;

    fn fm(status: u16, code: &str, message: &str) -> HttpResponse {
        HttpResponse::new(
            status,
            serde_json::json!({"error": {"code": code, "message": message}}).to_string(),
        )
    }

    #[test]
    fn invalid_signature_is_unauthorized_with_a_distinct_detail() {
        let sig = error_from_answer(&fm(401, "INVALID_SIGNATURE", "Invalid webhook signature"));
        let token = error_from_answer(&fm(401, "UNAUTHORIZED", "Invalid API token"));
        assert!(matches!(sig, Error::Unauthorized(_)));
        assert!(matches!(token, Error::Unauthorized(_)));
        assert_eq!(
            error_code(&sig),
            Some(&FlowmaticErrorCode::InvalidSignature)
        );
        assert_eq!(error_code(&token), Some(&FlowmaticErrorCode::Unauthorized));
        assert_eq!(sig.code(), Some("INVALID_SIGNATURE"));
        assert_eq!(
            sig.to_string(),
            "unauthorized: HTTP 401 [INVALID_SIGNATURE] Invalid webhook signature"
        );
    }

    #[test]
    fn codes_map_to_variants() {
        assert!(matches!(
            error_from_answer(&fm(409, "WORKFLOW_INACTIVE", "inactive")),
            Error::Conflict(_)
        ));
        assert!(matches!(
            error_from_answer(&fm(404, "NOT_FOUND", "nope")),
            Error::NotFound(_)
        ));
        assert!(matches!(
            error_from_answer(&fm(413, "PAYLOAD_TOO_LARGE", "big")),
            Error::PayloadTooLarge(_)
        ));
        let validation = error_from_answer(&HttpResponse::new(
            400,
            r#"{"error":{"code":"VALIDATION_ERROR","message":"bad","details":[{"path":"input.name","message":"Required"}]}}"#,
        ));
        match validation {
            Error::Validation { details, .. } => {
                assert_eq!(details.len(), 1);
                assert_eq!(details[0].path, ["input", "name"]);
            }
            other => panic!("expected Validation, got {other:?}"),
        }
        let unknown = error_from_answer(&fm(418, "TEAPOT", "short and stout"));
        assert!(matches!(unknown, Error::Http(_)));
        assert_eq!(
            error_code(&unknown),
            Some(&FlowmaticErrorCode::Other("TEAPOT".into()))
        );
    }

    #[test]
    fn rate_limited_keeps_retry_after() {
        let a = fm(429, "RATE_LIMITED", "slow down")
            .with_header(RETRY_AFTER, HeaderValue::from_static("7"));
        let e = error_from_answer(&a);
        assert!(matches!(e, Error::RateLimited { .. }));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    }

    #[test]
    fn non_json_bodies_are_kept_raw_and_mapped_by_status() {
        let e = error_from_answer(&HttpResponse::new(404, "<html>Not Found</html>"));
        assert!(matches!(e, Error::NotFound(_)));
        assert_eq!(e.body(), Some("<html>Not Found</html>"));
        assert_eq!(e.code(), None);
        assert_eq!(error_code(&e), None);
        let text = error_from_answer(&HttpResponse::new(401, r#"{"error":"token expired"}"#));
        assert!(matches!(text, Error::Unauthorized(_)));
        assert_eq!(
            text.api().map(|a| a.message.as_str()),
            Some("token expired")
        );
    }

    #[test]
    fn a_5xx_keeps_flowmatics_own_code_and_a_proxys_has_none() {
        // The core makes a code-less 5xx to a run request `Ambiguous`; a 5xx
        // with Flowmatic's own code is Flowmatic's word and stays as it is.
        let proxy = error_from_answer(&HttpResponse::new(502, "Bad Gateway"));
        assert!(matches!(proxy, Error::Server(_)));
        assert_eq!(proxy.code(), None);
        assert_eq!(proxy.body(), Some("Bad Gateway"));
        let own = error_from_answer(&fm(503, "MAINTENANCE", "down"));
        assert!(matches!(own, Error::Server(_)));
        assert_eq!(own.code(), Some("MAINTENANCE"));
        let client = error_from_answer(&fm(409, "WORKFLOW_INACTIVE", "x"));
        assert!(matches!(client, Error::Conflict(_)));
    }
}
