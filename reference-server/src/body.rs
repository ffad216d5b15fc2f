//! Reading request bodies under the configured size limit.

use axum::body::{Body, Bytes};

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Over `body_limit`.
    TooLarge,
    /// The connection failed while reading.
    Read,
}

/// Reads a whole body, refusing more than `limit` bytes.
#[allow(dead_code)]
pub(crate) async fn read_limited(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(err) = source {
            text.push_str(&err.to_string());
            source = err.source();
        }
        if text.contains("length limit") {
            BodyError::TooLarge
        } else {
            BodyError::Read
        }
    })
}
