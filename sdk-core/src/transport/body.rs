//! Reading answer bodies: whole up to a cap ([`read_capped`]), or chunk by
//! chunk for long-lived streams ([`BodyStream`]).

use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;

use crate::{
    error::{Error, Result},
    transport::HttpResponse,
};

/// Why reading a body stopped.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The body is over the cap.
    TooLarge,
    /// The connection failed while reading.
    Network(reqwest::Error),
}

/// Reads `response` whole, refusing more than `max` bytes (at once from a
/// declared `Content-Length`, else as soon as the count passes the cap).
/// Borrows the response: an `async fn` keeps its arguments in its state, so
/// taking it by value would hold a second copy.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    max: usize,
) -> std::result::Result<HttpResponse, (u16, ReadError)> {
    let status = response.status().as_u16();
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err((status, ReadError::TooLarge));
    }
    let headers = std::mem::take(response.headers_mut());
    // The common case is one chunk: keep it without copying.
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    let mut len = 0usize;
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => return Err((status, ReadError::Network(e))),
        };
        len += chunk.len();
        if len > max {
            return Err((status, ReadError::TooLarge));
        }
        match (&mut first, &mut rest) {
            (None, None) => first = Some(chunk),
            (Some(head), None) => {
                let mut buf = BytesMut::with_capacity(head.len() + chunk.len());
                buf.extend_from_slice(head);
                buf.extend_from_slice(&chunk);
                first = None;
                rest = Some(buf);
            }
            (_, Some(buf)) => buf.extend_from_slice(&chunk),
        }
    }
    let body = match (first, rest) {
        (_, Some(buf)) => buf.freeze(),
        (Some(head), None) => head,
        (None, None) => Bytes::new(),
    };
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// A 2xx answer whose body is read as it arrives (SSE, NDJSON), from
/// [`crate::transport::Call::stream`].
///
/// It has no timeout of its own: a reader bounds each [`BodyStream::chunk`]
/// by its idle timeout (as [`crate::sse`] does). Line caps are the reader's
/// too ([`crate::transport::lines::LineBuffer`]).
#[derive(Debug)]
pub struct BodyStream {
    response: reqwest::Response,
    status: u16,
    headers: HeaderMap,
}

impl BodyStream {
    pub(crate) fn new(mut response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        Self {
            response,
            status,
            headers,
        }
    }

    /// The status code (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The answer's headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The media type of the body, lower-case, without parameters.
    pub fn content_type(&self) -> Option<String> {
        self.header("content-type")
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
    }

    /// The next chunk of the body; `Ok(None)` at its end.
    ///
    /// # Errors
    ///
    /// [`Error::Transport`] when the connection fails.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        self.response
            .chunk()
            .await
            .map_err(|e| Error::transport("the answer stream failed", Some(Box::new(e) as _)))
    }
}
