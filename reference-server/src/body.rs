//! Reading request bodies under the configured size limit.

use axum::body::{Body, Bytes};
use bytes::BytesMut;
use http_body_util::{BodyExt, LengthLimitError, Limited};

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
#[allow(dead_code)]
pub(crate) async fn read_limited(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    let mut body = Limited::new(body, limit);
    // Most bodies come in one frame: it is the answer, with no buffer to gather frames in.
    let mut first = Bytes::new();
    let mut gathered: Option<BytesMut> = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            if e.is::<LengthLimitError>() {
                BodyError::TooLarge
            } else {
                BodyError::Read
            }
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if let Some(all) = &mut gathered {
            all.extend_from_slice(&data);
        } else if first.is_empty() {
            first = data;
        } else if !data.is_empty() {
            let mut all = BytesMut::with_capacity(first.len() + data.len());
            all.extend_from_slice(&first);
            all.extend_from_slice(&data);
            gathered = Some(all);
        }
    }
    Ok(gathered.map_or(first, BytesMut::freeze))
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
        let frames = futures::stream::iter([
            Ok::<_, std::io::Error>(Bytes::from_static(b"ab")),
            Ok(Bytes::new()),
            Ok(Bytes::from_static(b"cd")),
            Ok(Bytes::from_static(b"e")),
        ]);
        assert_eq!(
            &read_limited(Body::from_stream(frames), 5).await.unwrap()[..],
            b"abcde"
        );
        let over = futures::stream::iter([
            Ok::<_, std::io::Error>(Bytes::from_static(b"abc")),
            Ok(Bytes::from_static(b"def")),
        ]);
        assert!(matches!(
            read_limited(Body::from_stream(over), 5).await,
            Err(BodyError::TooLarge)
        ));
        assert!(read_limited(Body::empty(), 5).await.unwrap().is_empty());
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
