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

/// Reads a whole body, refusing more than `limit` bytes; an oversized body is
/// told apart by its error type ([`LengthLimitError`]).
///
/// [`LengthLimitError`]: http_body_util::LengthLimitError
#[allow(dead_code)]
pub(crate) async fn read_limited(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        if e.into_inner()
            .downcast::<http_body_util::LengthLimitError>()
            .is_ok()
        {
            BodyError::TooLarge
        } else {
            BodyError::Read
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_oversized_body_is_too_large_and_a_broken_one_is_a_read_error() {
        assert!(matches!(
            read_limited(Body::from("0123456789"), 4).await,
            Err(BodyError::TooLarge)
        ));
        assert_eq!(
            &read_limited(Body::from("0123"), 4).await.unwrap()[..],
            b"0123"
        );
        let broken = futures::stream::iter([
            Ok(Bytes::from_static(b"ab")),
            Err(std::io::Error::other("reset")),
        ]);
        assert!(matches!(
            read_limited(Body::from_stream(broken), 1_000).await,
            Err(BodyError::Read)
        ));
    }
}
