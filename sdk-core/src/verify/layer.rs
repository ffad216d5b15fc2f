//! [`VerifyLayer`]: a tower layer that verifies the raw body before the
//! inner service (an axum `Router`, a route, any `Service`) sees it.

use std::{
    convert::Infallible,
    fmt,
    task::{Context, Poll},
};

use axum::{
    body::Body,
    response::{IntoResponse, Response},
};
use futures::future::BoxFuture;
use http::Request;
use tower_layer::Layer;
use tower_service::Service;

use super::Verifier;

/// Verifies every request with a [`Verifier`] before the inner service:
/// the inner service gets the same bytes, with a [`super::Verified`]
/// extension; a refused request is answered by the layer
/// ([`super::VerifyRejection`]) and never reaches it.
///
/// `Router::layer(verifier.layer())` covers every route of the router;
/// `Router::route_layer` only matched routes (unknown paths stay `404`).
#[derive(Clone)]
pub struct VerifyLayer {
    verifier: Verifier,
}

impl fmt::Debug for VerifyLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VerifyLayer").field(&self.verifier).finish()
    }
}

impl VerifyLayer {
    /// A layer checking with `verifier`.
    pub fn new(verifier: Verifier) -> Self {
        Self { verifier }
    }
}

impl<S> Layer<S> for VerifyLayer {
    type Service = VerifyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifyService {
            inner,
            verifier: self.verifier.clone(),
        }
    }
}

/// The service of a [`VerifyLayer`].
#[derive(Clone)]
pub struct VerifyService<S> {
    inner: S,
    verifier: Verifier,
}

impl<S> fmt::Debug for VerifyService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyService")
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<Request<B>> for VerifyService<S>
where
    S: Service<Request<Body>, Error = Infallible> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send + 'static,
    B: axum::body::HttpBody<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone that was driven ready serves this request.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let verifier = self.verifier.clone();
        Box::pin(async move {
            match verifier.check(request.map(Body::new)).await {
                Ok(request) => Ok(inner.call(request).await.into_response()),
                Err(rejection) => {
                    tracing::debug!(code = rejection.code(), "webhook refused: {rejection}");
                    Ok(rejection.into_response())
                }
            }
        })
    }
}
