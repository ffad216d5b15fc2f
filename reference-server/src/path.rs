//! Path parameters whose rejection (e.g. invalid UTF-8 in `%FF`) is answered
//! in the face's own error shape instead of axum's plain text.

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, Path};
use axum::response::Response;
use http::request::Parts;
use serde::de::DeserializeOwned;

/// How a face answers a path it cannot decode.
pub(crate) trait RejectShape {
    /// The face's answer (usually its 404).
    fn reject(parts: &Parts) -> Response;
}

/// `Path<T>` with the face's rejection `S`.
pub(crate) struct FacePath<T, S>(pub T, pub PhantomData<S>);

impl<T, S, St> FromRequestParts<St> for FacePath<T, S>
where
    T: DeserializeOwned + Send,
    S: RejectShape,
    St: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Response> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value, PhantomData)),
            Err(_) => Err(S::reject(parts)),
        }
    }
}
