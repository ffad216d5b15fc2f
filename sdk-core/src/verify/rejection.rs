//! [`VerifyRejection`]: why a webhook was refused, and the answer it gets.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header::CONTENT_TYPE};

use crate::signature::SignatureError;

/// Why a request was refused before the handler; answered as a short JSON
/// error, `{"error": {"code": "INVALID_SIGNATURE", "message": "…"}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyRejection {
    /// The signature is missing, malformed, wrong, expired or replayed: `401`.
    #[error(transparent)]
    Signature(SignatureError),
    /// The body is over the limit: `413`.
    #[error("the body is over the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body could not be read (the client went away): `400`.
    #[error("the body could not be read: {0}")]
    Body(String),
    /// The signature checked out but the body is not the JSON expected
    /// ([`super::VerifiedJson`]): `400`.
    #[error("the body is not the JSON expected: {0}")]
    Json(String),
}

impl VerifyRejection {
    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Signature(_) => StatusCode::UNAUTHORIZED,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Body(_) | Self::Json(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// The code in the answer (`MISSING_SIGNATURE`, `INVALID_SIGNATURE`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Signature(SignatureError::Missing) => "MISSING_SIGNATURE",
            Self::Signature(SignatureError::Malformed(_)) => "MALFORMED_SIGNATURE",
            Self::Signature(SignatureError::Expired { .. }) => "EXPIRED_SIGNATURE",
            Self::Signature(SignatureError::Replayed) => "REPLAYED_DELIVERY",
            Self::Signature(_) => "INVALID_SIGNATURE",
            Self::TooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Self::Body(_) => "BAD_BODY",
            Self::Json(_) => "INVALID_JSON",
        }
    }
}

impl IntoResponse for VerifyRejection {
    fn into_response(self) -> Response {
        let message = match &self {
            // Says nothing about the configuration to an unknown sender.
            Self::Signature(SignatureError::NoSecrets) => "webhook signature does not match".into(),
            other => other.to_string(),
        };
        let body = serde_json::json!({"error": {"code": self.code(), "message": message}});
        let mut response = (self.status(), body.to_string()).into_response();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}
