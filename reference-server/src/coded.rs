//! The `{code, message}` errors the runs API and Flowmatic answer with (each in
//! its own envelope): the answers the two faces share, written once.

use std::fmt::Display;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};

use crate::body::{BodyError, read_limited};

/// A face whose errors are `{code, message}` in its own envelope.
pub(crate) trait CodedErrors {
    /// The face's error answer.
    fn error(status: StatusCode, code: &str, message: &str) -> Response;

    /// The face's 400 `VALIDATION_ERROR`.
    fn validation(message: &str) -> Response;
}

/// Undecodable path parameters are the face's 404 `Not found`.
impl<E: CodedErrors> crate::path::RejectShape for E {
    fn reject(_: &http::request::Parts) -> Response {
        E::error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not found")
    }
}

/// The face's two fallbacks: 404 `Route not found` and 405 `Method not allowed`.
pub(crate) fn fallbacks<E, S>(router: Router<S>) -> Router<S>
where
    E: CodedErrors + 'static,
    S: Clone + Send + Sync + 'static,
{
    router
        .fallback(|| async { E::error(StatusCode::NOT_FOUND, "NOT_FOUND", "Route not found") })
        .method_not_allowed_fallback(|| async {
            E::error(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "Method not allowed",
            )
        })
}

/// 429 `RATE_LIMITED` naming the limit, with `Retry-After`.
pub(crate) fn rate_limited<E: CodedErrors>(limit: u32, retry_after: u64) -> Response {
    let mut response = E::error(
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        &format!("Rate limit exceeded. Limit: {limit} requests per minute."),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

/// The whole body under `limit`: past it 413 `PAYLOAD_TOO_LARGE` naming the
/// limit, a body that breaks off the face's validation error.
pub(crate) async fn read_body<E: CodedErrors>(body: Body, limit: usize) -> Result<Bytes, Response> {
    read_limited(body, limit).await.map_err(|e| match e {
        BodyError::TooLarge => E::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &format!("Request body exceeds the limit of {limit} bytes"),
        ),
        BodyError::Read => E::validation("Could not read the request body"),
    })
}

/// 500 `INTERNAL_ERROR` with the cause as the message.
pub(crate) fn internal<E: CodedErrors>(cause: impl Display) -> Response {
    E::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_ERROR",
        &cause.to_string(),
    )
}
