//! Verifying signed inbound webhooks on the raw body, before any handler
//! sees the request (feature `verify`).
//!
//! A [`Verifier`] holds one [`Scheme`] — Flowmatic's `sha256=<hex>` body
//! signature ([`Sha256Body`]), the timestamped `t=…,v1=…` scheme with a
//! tolerance window and a replay store ([`Timestamped`]), or your own
//! ([`from_fn`], or any type implementing [`Scheme`]) — and checks requests
//! with the HMAC machinery of [`crate::signature`]: constant-time compares,
//! several secrets at once so a secret can be rotated without downtime.
//!
//! Mount it in axum either way:
//!
//! - [`VerifyLayer`] (a tower layer): reads the body up to
//!   [`Verifier::max_body`], verifies it, and passes the request on with
//!   the very same bytes and a [`Verified`] extension; anything else is
//!   answered `401` with a short reason (`413` for a body over the limit).
//! - [`VerifiedBody`] / [`VerifiedJson`] (extractors), for one route, with
//!   the [`Verifier`] in the router's state (`FromRef`).
//!
//! The bytes checked are the bytes received. Verifying JSON that was parsed
//! and serialized again — the most common mistake with these schemes —
//! fails as soon as the sender's spacing or key order differs.
//!
//! ```
//! use axum::{Router, body::{Body, Bytes}, http::{Request, StatusCode}, routing::post};
//! use tower_service::Service as _;
//! use trigger_sdk_core::{Secret, signature, verify::Verifier};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The current secret first, the one being rotated out second.
//! let verifier = Verifier::flowmatic([Secret::new("whsec_new"), Secret::new("whsec_old")])?;
//! let mut app: Router = Router::new()
//!     .route("/hooks/flowmatic", post(|body: Bytes| async move {
//!         // Only verified bytes get here: parse them now.
//!         format!("got {} bytes", body.len())
//!     }))
//!     .layer(verifier.layer());
//!
//! let raw = r#"{"orderId": 42,  "event":"order.paid"}"#;
//! let signed = |body: &str, secret: &str| {
//!     Request::post("/hooks/flowmatic")
//!         .header("X-Webhook-Signature", signature::sign_sha256(&Secret::new(secret), raw.as_bytes()))
//!         .body(Body::from(body.to_owned()))
//! };
//! // The raw body, signed with the old secret: accepted.
//! let ok = app.call(signed(raw, "whsec_old")?).await?;
//! assert_eq!(ok.status(), StatusCode::OK);
//! // The same JSON re-serialized: refused.
//! let reserialized = serde_json::to_string(&serde_json::from_str::<serde_json::Value>(raw)?)?;
//! let refused = app.call(signed(&reserialized, "whsec_new")?).await?;
//! assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
//! # Ok(())
//! # }
//! ```

mod extract;
mod layer;
mod rejection;
mod schemes;

use std::{fmt, sync::Arc};

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use http::{Request, request::Parts};

pub use extract::{VerifiedBody, VerifiedJson};
pub use layer::{VerifyLayer, VerifyService};
pub use rejection::VerifyRejection;
pub use schemes::{FLOWMATIC_SIGNATURE_HEADER, FnScheme, Sha256Body, Timestamped, from_fn};

use crate::{Secret, error::Result, signature::SignatureError};

/// The default [`Verifier::max_body`]: 4 MiB.
pub const DEFAULT_MAX_BODY: usize = 4 * 1024 * 1024;

/// A way of signing webhooks: checks one request's head and raw body.
///
/// Implement it for a scheme that is not built in (or use [`from_fn`]);
/// reuse [`crate::signature`]'s functions inside, they compare in constant
/// time.
pub trait Scheme: Send + Sync + 'static {
    /// `Ok` when `body`, received with `head`, is signed by a known secret.
    fn verify(&self, head: &Parts, body: &[u8]) -> Result<(), SignatureError>;

    /// A short name for logs and [`Verified::scheme`] (`"sha256"`, …).
    fn name(&self) -> &'static str {
        "custom"
    }
}

/// Checks signed webhooks: one [`Scheme`] and a body size limit. Cheap to
/// clone (the scheme is shared).
#[derive(Clone)]
pub struct Verifier {
    scheme: Arc<dyn Scheme>,
    max_body: usize,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("scheme", &self.scheme.name())
            .field("max_body", &self.max_body)
            .finish()
    }
}

/// What a [`VerifyLayer`] or an extractor leaves in the request's
/// extensions once the signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The name of the scheme that verified the request ([`Scheme::name`]).
    pub scheme: &'static str,
}

impl Verifier {
    /// A verifier for `scheme`, with a body limit of [`DEFAULT_MAX_BODY`].
    pub fn new(scheme: impl Scheme) -> Self {
        Self {
            scheme: Arc::new(scheme),
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// Flowmatic's signature: `X-Webhook-Signature: sha256=<hex>` over the
    /// raw body, any of `secrets` accepted ([`Sha256Body::flowmatic`]).
    ///
    /// # Errors
    ///
    /// [`crate::Error::Config`] when `secrets` is empty.
    pub fn flowmatic<S: Into<Secret>>(secrets: impl IntoIterator<Item = S>) -> Result<Self> {
        Ok(Self::new(Sha256Body::flowmatic(secrets)?))
    }

    /// Sets the largest body read (bytes); a longer one is refused with
    /// `413` before any signature is computed.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The largest body read.
    pub fn body_limit(&self) -> usize {
        self.max_body
    }

    /// The scheme's name.
    pub fn scheme(&self) -> &'static str {
        self.scheme.name()
    }

    /// Checks a request's head and raw body.
    ///
    /// # Errors
    ///
    /// The scheme's [`SignatureError`].
    pub fn verify(&self, head: &Parts, body: &[u8]) -> Result<(), SignatureError> {
        self.scheme.verify(head, body)
    }

    /// A tower layer that verifies every request before the inner service.
    pub fn layer(&self) -> VerifyLayer {
        VerifyLayer::new(self.clone())
    }

    /// Reads the body of `request` (up to the limit) and verifies it; gives
    /// back the request with the same bytes and a [`Verified`] extension.
    ///
    /// # Errors
    ///
    /// A [`VerifyRejection`]: the answer to send instead.
    pub async fn check(&self, request: Request<Body>) -> Result<Request<Body>, VerifyRejection> {
        let (mut head, body) = request.into_parts();
        let body = self.read(&head, body).await?;
        self.verify(&head, &body)
            .map_err(VerifyRejection::Signature)?;
        head.extensions.insert(Verified {
            scheme: self.scheme(),
        });
        Ok(Request::from_parts(head, Body::from(body)))
    }

    /// Reads a body up to [`Verifier::body_limit`].
    pub(crate) async fn read(&self, head: &Parts, body: Body) -> Result<Bytes, VerifyRejection> {
        read_limited(head, body, self.max_body).await
    }
}

/// Reads `body` whole, refusing it once it passes `limit` bytes (or when
/// its `Content-Length` says it will).
pub(crate) async fn read_limited(
    head: &Parts,
    body: Body,
    limit: usize,
) -> Result<Bytes, VerifyRejection> {
    let declared = head
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(VerifyRejection::TooLarge { limit });
    }
    let mut stream = body.into_data_stream();
    let mut buffer = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| VerifyRejection::Body(e.to_string()))?;
        if buffer.len() + chunk.len() > limit {
            return Err(VerifyRejection::TooLarge { limit });
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(buffer.freeze())
}

#[cfg(test)]
mod tests;
