//! [`VerifiedBody`] and [`VerifiedJson`]: extractors that verify the raw
//! body of one route with the [`Verifier`] of the router's state.

use axum::extract::{FromRef, FromRequest, Request};
use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::{Verified, Verifier, VerifyRejection};

/// The raw body, verified: the extractor reads it (up to
/// [`Verifier::body_limit`]) and checks it with the [`Verifier`] it gets
/// from the state (`Verifier: FromRef<S>`); otherwise the request is
/// answered with the [`VerifyRejection`].
///
/// Behind a [`super::VerifyLayer`] the layer's check counts: the body is not
/// verified twice (a replay store would take the second check for a replay).
///
/// ```
/// use axum::{Router, routing::post};
/// use trigger_sdk_core::verify::{VerifiedBody, Verifier};
///
/// async fn hook(VerifiedBody(body): VerifiedBody) -> String {
///     format!("{} verified bytes", body.len())
/// }
///
/// let verifier = Verifier::flowmatic(["whsec_demo"])?;
/// let _app: Router = Router::new().route("/hook", post(hook)).with_state(verifier);
/// # Ok::<(), trigger_sdk_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedBody(pub Bytes);

impl<S> FromRequest<S> for VerifiedBody
where
    S: Send + Sync,
    Verifier: FromRef<S>,
{
    type Rejection = VerifyRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        let (head, body) = request.into_parts();
        let body = verifier.read(&head, body).await?;
        if head.extensions.get::<Verified>().is_none() {
            verifier
                .verify(&head, &body)
                .map_err(VerifyRejection::Signature)?;
        }
        Ok(Self(body))
    }
}

/// The body, verified as [`VerifiedBody`] does, then decoded from JSON
/// (`400` [`VerifyRejection::Json`] when it is not a `T`).
///
/// ```
/// use axum::{Router, routing::post};
/// use trigger_sdk_core::verify::{VerifiedJson, Verifier};
///
/// #[derive(serde::Deserialize)]
/// struct OrderPaid { #[serde(rename = "orderId")] order_id: u64 }
///
/// async fn hook(VerifiedJson(event): VerifiedJson<OrderPaid>) -> String {
///     format!("order {} paid", event.order_id)
/// }
///
/// let verifier = Verifier::flowmatic(["whsec_demo"])?;
/// let _app: Router = Router::new().route("/hook", post(hook)).with_state(verifier);
/// # Ok::<(), trigger_sdk_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedJson<T>(pub T);

impl<S, T> FromRequest<S> for VerifiedJson<T>
where
    S: Send + Sync,
    Verifier: FromRef<S>,
    T: DeserializeOwned,
{
    type Rejection = VerifyRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let VerifiedBody(body) = VerifiedBody::from_request(request, state).await?;
        serde_json::from_slice(&body)
            .map(Self)
            .map_err(|e| VerifyRejection::Json(e.to_string()))
    }
}
