//! [`HttpResponse`]: an answer read whole, with the helpers every provider uses.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, IntoHeaderName, RETRY_AFTER};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Error, Result};

/// An HTTP answer, read whole.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl HttpResponse {
    /// An answer with `status` and `body` and no headers (add them with
    /// [`HttpResponse::with_header`]): what tests and recorded answers are
    /// built from; the transport reads real answers itself.
    ///
    /// ```
    /// use trigger_sdk_core::reqwest::header::{CONTENT_TYPE, HeaderValue};
    /// use trigger_sdk_core::transport::HttpResponse;
    ///
    /// let answer = HttpResponse::new(200, r#"{"a":1}"#)
    ///     .with_header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    /// assert!(answer.is_success() && answer.is_json());
    /// assert_eq!(answer.text(), r#"{"a":1}"#);
    /// let answer = answer.with_header(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    /// assert_eq!(answer.headers.len(), 1);
    /// assert!(!answer.is_json());
    /// ```
    pub fn new(status: u16, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers: HeaderMap::new(),
            body: body.into(),
        }
    }

    /// This answer with the header `name` set to `value` (replacing any
    /// value it had).
    pub fn with_header(mut self, name: impl IntoHeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The media type of the body, lower-case, without parameters.
    pub fn content_type(&self) -> Option<String> {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
    }

    /// Whether the body is declared as JSON (see [`is_json_content_type`]).
    pub fn is_json(&self) -> bool {
        self.header(CONTENT_TYPE.as_str())
            .is_some_and(is_json_content_type)
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body decoded from JSON as `T`; [`Error::Decode`] keeps the body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::decode(
                format!("HTTP {} body is not the expected JSON: {e}", self.status),
                Some(self.status),
                &self.body,
            )
        })
    }

    /// The body as JSON if it parses, `None` otherwise (empty, HTML, text).
    pub fn json_value(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The `Retry-After` header, in seconds or as an HTTP date.
    pub fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(self.header(RETRY_AFTER.as_str())?)
    }

    /// An [`ApiError`] with this answer's status and raw body and the given message.
    pub fn api_error(&self, message: impl Into<String>) -> ApiError {
        ApiError::new(Some(self.status), message).with_body(self.text())
    }
}

/// Whether a `Content-Type` value declares JSON: `application/json` or a
/// `+json` type, in any case, parameters ignored. It allocates nothing (it
/// runs on every answer).
///
/// ```
/// use trigger_sdk_core::transport::is_json_content_type;
///
/// assert!(is_json_content_type("Application/JSON; charset=utf-8"));
/// assert!(is_json_content_type("application/problem+json"));
/// assert!(!is_json_content_type("text/html"));
/// assert!(!is_json_content_type("application/jsonl"));
/// ```
pub fn is_json_content_type(value: &str) -> bool {
    let media = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .as_bytes();
    media.eq_ignore_ascii_case(b"application/json")
        || media
            .len()
            .checked_sub(5)
            .is_some_and(|at| media[at..].eq_ignore_ascii_case(b"+json"))
}

/// Parses a `Retry-After` value: delay seconds, or an HTTP date (delay from now).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        let parsed = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(parsed <= Duration::from_secs(30) && parsed >= Duration::from_secs(28));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
