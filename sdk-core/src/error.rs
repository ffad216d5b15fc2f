//! The one error type of trigger-sdk: [`Error`], and [`ApiError`], what an HTTP answer said.

use std::{fmt, sync::Arc, time::Duration};

/// `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The cause behind an [`Error`]: any error, boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything an error answer from a provider said, kept whole.
///
/// `Display` shows the status, the provider's code and its message; the raw
/// body stays available in [`ApiError::body`] for anything the SDK does not
/// decode. A provider may attach a typed detail of its own (for example the
/// n8n crate's `N8nErrorKind`), read back with [`Error::detail`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status code, when the error came from an HTTP answer.
    pub status: Option<u16>,
    /// The provider's error code (`NOT_FOUND`, `INVALID_SIGNATURE`, `STEP_ERROR`, …).
    pub code: Option<String>,
    /// The provider's message, or a short description by the SDK.
    pub message: String,
    /// The raw body of the answer (lossy UTF-8), when there was one.
    pub body: Option<String>,
    /// A provider-specific typed detail.
    pub detail: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl ApiError {
    /// An error with a status and a message.
    pub fn new(status: Option<u16>, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            ..Self::default()
        }
    }

    /// Sets the provider's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the raw body.
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Attaches a provider-specific typed detail.
    pub fn with_detail(mut self, detail: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.detail = Some(Arc::new(detail));
        self
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(status) = self.status {
            write!(f, "HTTP {status} ")?;
        }
        if let Some(code) = &self.code {
            write!(f, "[{code}] ")?;
        }
        f.write_str(&self.message)
    }
}

/// One failing field of a validation error.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ValidationDetail {
    /// Where in the input: `["customerId"]`, `["items", "0", "price"]`.
    pub path: Vec<String>,
    /// What is wrong there.
    pub message: String,
}

impl fmt::Display for ValidationDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path.join("."), self.message)
        }
    }
}

/// `": <cause>"`: the first line of each distinct message down the cause
/// chain that `message` does not already say; empty without a cause.
fn cause_suffix(
    source: Option<&(dyn std::error::Error + Send + Sync + 'static)>,
    message: &str,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = source.map(|s| s as _);
    while let Some(error) = next {
        let text = error.to_string();
        let line = text.lines().next().unwrap_or_default().trim();
        if !line.is_empty() && !message.contains(line) && !parts.iter().any(|p| p.contains(line)) {
            parts.push(line.to_owned());
        }
        next = error.source();
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(": {}", parts.join(": "))
    }
}

fn ambiguous_advice(key: Option<&str>) -> String {
    match key {
        Some(key) => format!(
            "a run may exist; resending with idempotency key {key:?} is safe and returns it"
        ),
        None => "the request may have started a run, so it was not sent again".to_owned(),
    }
}

fn fmt_details(details: &[ValidationDetail]) -> String {
    if details.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = details.iter().map(ToString::to_string).collect();
    format!(" ({})", parts.join("; "))
}

/// Every failure of every provider, typed.
///
/// HTTP-born variants keep the whole answer in an [`ApiError`] (status,
/// provider code, message, raw body).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Missing or wrong credentials (HTTP 401, and the webhook 403s of n8n).
    #[error("unauthorized: {0}")]
    Unauthorized(Box<ApiError>),
    /// The credentials are valid but lack a permission or scope (HTTP 403).
    #[error("forbidden: {0}")]
    Forbidden(Box<ApiError>),
    /// The workflow, run, webhook or environment does not exist (HTTP 404).
    #[error("not found: {0}")]
    NotFound(Box<ApiError>),
    /// The request was refused as malformed (HTTP 400 or 422 without field details).
    #[error("bad request: {0}")]
    BadRequest(Box<ApiError>),
    /// The input failed validation; `details` names each failing field.
    #[error("validation failed: {error}{}", fmt_details(details))]
    Validation {
        /// The answer.
        error: Box<ApiError>,
        /// Each failing path and its message.
        details: Vec<ValidationDetail>,
    },
    /// Too many requests (HTTP 429); `retry_after` is the server's `Retry-After`.
    #[error("rate limited: {error}")]
    RateLimited {
        /// The answer.
        error: Box<ApiError>,
        /// How long the server asked to wait.
        retry_after: Option<Duration>,
    },
    /// The target is in a state that does not allow the request (HTTP 409,
    /// an inactive or draft workflow, cancel of a finished run).
    #[error("conflict: {0}")]
    Conflict(Box<ApiError>),
    /// The body is over the provider's size limit (HTTP 413).
    #[error("payload too large: {0}")]
    PayloadTooLarge(Box<ApiError>),
    /// A plan or quota limit was reached (ToolJet 451).
    #[error("quota exceeded: {0}")]
    QuotaExceeded(Box<ApiError>),
    /// The workflow ran and failed.
    #[error("workflow failed: {0}")]
    WorkflowFailed(Box<ApiError>),
    /// The provider failed (HTTP 5xx) on a request that is safe to report as failed.
    #[error("server error: {0}")]
    Server(Box<ApiError>),
    /// Any other unexpected HTTP answer.
    #[error("unexpected answer: {0}")]
    Http(Box<ApiError>),
    /// The provider cannot do this; the message says what to do instead.
    #[error("unsupported: {message}")]
    Unsupported {
        /// What is not supported and what to do instead.
        message: String,
        /// The answer that told us, if any.
        error: Option<Box<ApiError>>,
    },
    /// The run was started but cannot be followed (no run id to poll).
    #[error("run not trackable: {0}")]
    NotTrackable(String),
    /// A request that can start a run whose outcome is unknown: it was sent
    /// and may have started a run, so it was not sent again.
    ///
    /// Without an idempotency key, decide yourself (look the run up, or
    /// resend if a duplicate is harmless). With one
    /// ([`Error::idempotency_key`]), resending with the same key is safe: the
    /// provider answers with the run that key started, if any.
    #[error("ambiguous outcome: {reason}{} ({})", cause_suffix(source.as_deref(), reason), ambiguous_advice(idempotency_key.as_deref()))]
    Ambiguous {
        /// What happened after the request was sent.
        reason: String,
        /// The answer, when one came (a 5xx from a proxy, say).
        error: Option<Box<ApiError>>,
        /// The idempotency key the request carried (the caller's or one the
        /// SDK generated): resending with it cannot start a second run.
        idempotency_key: Option<String>,
        /// The underlying failure (a timeout, a dropped connection).
        #[source]
        source: Option<BoxError>,
    },
    /// A deadline passed (a `wait` deadline or the total request timeout).
    #[error("timed out: {message}{}", cause_suffix(source.as_deref(), message))]
    Timeout {
        /// What did not finish in time.
        message: String,
        /// The underlying failure, if any.
        #[source]
        source: Option<BoxError>,
    },
    /// The request could not be sent or the answer not read.
    #[error("transport error: {message}{}", cause_suffix(source.as_deref(), message))]
    Transport {
        /// What failed.
        message: String,
        /// The underlying failure (the HTTP client's error, say).
        #[source]
        source: Option<BoxError>,
    },
    /// The server answered with a redirect the SDK does not follow: one that
    /// changes origin (credentials never go to another host), or any redirect
    /// of a request that can start a run.
    #[error("redirect not followed: {reason} (to {location})")]
    Redirect {
        /// Why it was not followed.
        reason: String,
        /// The `Location` the server named.
        location: String,
        /// The redirect answer.
        error: Box<ApiError>,
    },
    /// An answer, a stream line or a stream event was larger than the
    /// configured limit (see `ClientOptions::max_answer_size` and
    /// `sse::SseOptions`); reading stopped there.
    #[error("{what} is over the limit of {limit} bytes")]
    TooLarge {
        /// What was too large (`"the answer body"`, `"an SSE line"`, …).
        what: String,
        /// The limit, in bytes.
        limit: usize,
        /// HTTP status of the answer, when there was one.
        status: Option<u16>,
    },
    /// The answer could not be decoded.
    #[error("could not decode the answer: {message}")]
    Decode {
        /// What did not decode.
        message: String,
        /// HTTP status of the answer.
        status: Option<u16>,
        /// The raw body.
        body: Option<String>,
    },
    /// Bad client-side configuration or arguments (an invalid URL or header).
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    /// Maps an HTTP error answer to the variant for its status; providers
    /// refine this with their own codes.
    pub fn from_status(error: ApiError, retry_after: Option<Duration>) -> Self {
        let error = Box::new(error);
        match error.status.unwrap_or(0) {
            400 | 422 => Self::BadRequest(error),
            401 => Self::Unauthorized(error),
            403 => Self::Forbidden(error),
            404 => Self::NotFound(error),
            409 => Self::Conflict(error),
            413 => Self::PayloadTooLarge(error),
            429 => Self::RateLimited { error, retry_after },
            500..=599 => Self::Server(error),
            _ => Self::Http(error),
        }
    }

    /// The answer behind this error, for HTTP-born variants.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Unauthorized(e)
            | Self::Forbidden(e)
            | Self::NotFound(e)
            | Self::BadRequest(e)
            | Self::Conflict(e)
            | Self::PayloadTooLarge(e)
            | Self::QuotaExceeded(e)
            | Self::WorkflowFailed(e)
            | Self::Server(e)
            | Self::Http(e)
            | Self::Validation { error: e, .. }
            | Self::RateLimited { error: e, .. } => Some(e),
            Self::Redirect { error, .. } => Some(error),
            Self::Unsupported { error, .. } | Self::Ambiguous { error, .. } => error.as_deref(),
            _ => None,
        }
    }

    /// HTTP status of the answer behind this error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Decode { status, .. } | Self::TooLarge { status, .. } => *status,
            _ => self.api().and_then(|e| e.status),
        }
    }

    /// The provider's error code.
    pub fn code(&self) -> Option<&str> {
        self.api().and_then(|e| e.code.as_deref())
    }

    /// The raw body of the answer behind this error.
    pub fn body(&self) -> Option<&str> {
        match self {
            Self::Decode { body, .. } => body.as_deref(),
            _ => self.api().and_then(|e| e.body.as_deref()),
        }
    }

    /// The provider-specific typed detail, if it is a `T`.
    pub fn detail<T: std::error::Error + 'static>(&self) -> Option<&T> {
        self.api()
            .and_then(|e| e.detail.as_deref())
            .and_then(|d| (d as &(dyn std::error::Error + 'static)).downcast_ref::<T>())
    }

    /// The idempotency key of an [`Error::Ambiguous`] keyed request: resend
    /// with this key to get the run it may have started, without starting a
    /// second one.
    pub fn idempotency_key(&self) -> Option<&str> {
        match self {
            Self::Ambiguous {
                idempotency_key, ..
            } => idempotency_key.as_deref(),
            _ => None,
        }
    }

    /// Whether the request may have started a run ([`Error::Ambiguous`]).
    pub fn may_have_started(&self) -> bool {
        matches!(self, Self::Ambiguous { .. })
    }

    /// An [`Error::Timeout`] without a cause.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::Timeout {
            message: message.into(),
            source: None,
        }
    }

    /// An [`Error::Transport`] with a cause.
    pub fn transport(message: impl Into<String>, source: impl Into<Option<BoxError>>) -> Self {
        Self::Transport {
            message: message.into(),
            source: source.into(),
        }
    }

    /// An [`Error::Ambiguous`] without an answer, key or cause.
    pub fn ambiguous(reason: impl Into<String>) -> Self {
        Self::Ambiguous {
            reason: reason.into(),
            error: None,
            idempotency_key: None,
            source: None,
        }
    }

    /// The server's `Retry-After`, for [`Error::RateLimited`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A decode error for an answer body.
    pub fn decode(message: impl Into<String>, status: Option<u16>, body: &[u8]) -> Self {
        Self::Decode {
            message: message.into(),
            status,
            body: Some(String::from_utf8_lossy(body).into_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("detail")]
    struct Detail(u8);

    #[test]
    fn display_shows_status_code_and_message() {
        let e = Error::from_status(
            ApiError::new(Some(404), "Run not found").with_code("NOT_FOUND"),
            None,
        );
        assert!(matches!(e, Error::NotFound(_)));
        assert_eq!(
            e.to_string(),
            "not found: HTTP 404 [NOT_FOUND] Run not found"
        );
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.code(), Some("NOT_FOUND"));
    }

    #[test]
    fn status_mapping_and_detail_downcast() {
        let e = Error::from_status(
            ApiError::new(Some(429), "slow down").with_detail(Detail(7)),
            Some(Duration::from_secs(3)),
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(e.detail::<Detail>().map(|d| d.0), Some(7));
        assert!(matches!(
            Error::from_status(ApiError::new(Some(503), "x"), None),
            Error::Server(_)
        ));
        assert!(matches!(
            Error::from_status(ApiError::new(Some(418), "x"), None),
            Error::Http(_)
        ));
    }

    #[test]
    fn validation_display_lists_details() {
        let e = Error::Validation {
            error: Box::new(ApiError::new(Some(400), "Input validation failed")),
            details: vec![ValidationDetail {
                path: vec!["customerId".into()],
                message: "Required".into(),
            }],
        };
        assert_eq!(
            e.to_string(),
            "validation failed: HTTP 400 Input validation failed (customerId: Required)"
        );
    }
}
