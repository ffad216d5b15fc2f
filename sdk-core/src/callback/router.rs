//! The callback endpoint: `POST` (or `PUT`) `{public_url}{id}?token=…`.

use axum::{
    Router,
    extract::{Path, Request, State},
    response::{IntoResponse, Response},
    routing::post,
};
use http::{HeaderValue, StatusCode, header::CONTENT_TYPE};
use serde_json::json;

use super::{
    CallbackReceiver, STATUS_PARAM, TOKEN_PARAM,
    store::{CallbackResult, CallbackStatus, Completion},
    token_hash,
};
use crate::{signature::constant_time_eq, verify::VerifyRejection};

impl CallbackReceiver {
    /// The callback endpoint as an axum `Router`, to mount where the
    /// receiver's public URL points: `app.nest("/callbacks", receiver.router())`
    /// for `https://app.example.com/callbacks`. It has its state already, so
    /// it fits a router of any state `S`.
    ///
    /// Answers: `200 {"received": true}` for the first callback of a run,
    /// `200 {"received": false, "reason": "duplicate"}` for any later one
    /// (ignored), `404` for an unknown id, `401` for a missing or wrong token
    /// or signature, `400` for an unknown `status`, `413` over the body
    /// limit, `503` when the store fails (the caller may retry).
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use trigger_sdk_core::callback::CallbackReceiver;
    ///
    /// let receiver = CallbackReceiver::builder()
    ///     .public_url("https://app.example.com/callbacks")
    ///     .secret("whsec_callbacks")
    ///     .build()?;
    /// let _app: Router = Router::new()
    ///     .route("/health", get(|| async { "ok" }))
    ///     .nest("/callbacks", receiver.router());
    /// # Ok::<(), trigger_sdk_core::Error>(())
    /// ```
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        Router::new()
            .route("/{id}", post(receive).put(receive))
            .with_state(self.clone())
    }
}

/// How a callback was answered.
#[derive(Debug)]
enum Answer {
    Received,
    Duplicate,
    Unknown,
    Refused(VerifyRejection),
    BadToken,
    BadStatus,
    StoreFailed,
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            Self::Received => (StatusCode::OK, json!({"received": true})),
            Self::Duplicate => (
                StatusCode::OK,
                json!({"received": false, "reason": "duplicate"}),
            ),
            Self::Unknown => (
                StatusCode::NOT_FOUND,
                json!({"received": false, "reason": "unknown callback"}),
            ),
            Self::Refused(rejection) => return rejection.into_response(),
            Self::BadToken => (
                StatusCode::UNAUTHORIZED,
                json!({"error": {"code": "INVALID_TOKEN", "message": "the callback token is missing or wrong"}}),
            ),
            Self::BadStatus => (
                StatusCode::BAD_REQUEST,
                json!({"error": {"code": "INVALID_STATUS", "message": "status must be succeeded or failed"}}),
            ),
            Self::StoreFailed => (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"received": false, "reason": "store unavailable, retry later"}),
            ),
        };
        let mut response = (status, body.to_string()).into_response();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

async fn receive(
    State(receiver): State<CallbackReceiver>,
    Path(id): Path<String>,
    request: Request,
) -> Answer {
    let answer = take(&receiver, &id, request).await;
    tracing::debug!(callback = %id, answer = ?answer, "callback");
    answer
}

async fn take(receiver: &CallbackReceiver, id: &str, request: Request) -> Answer {
    let shared = &receiver.shared;
    let (head, body) = request.into_parts();
    // The signature first: an unsigned request learns nothing about ids.
    let body = match crate::verify::read_limited(&head, body, shared.max_body).await {
        Ok(body) => body,
        Err(rejection) => return Answer::Refused(rejection),
    };
    if let Some(verifier) = &shared.verifier
        && let Err(why) = verifier.verify(&head, &body)
    {
        return Answer::Refused(VerifyRejection::Signature(why));
    }
    let mut token = None;
    let mut status = CallbackStatus::Succeeded;
    for (key, value) in url::form_urlencoded::parse(head.uri.query().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            TOKEN_PARAM => token = Some(value.into_owned()),
            STATUS_PARAM => {
                status = match value.as_ref() {
                    "succeeded" | "success" | "ok" => CallbackStatus::Succeeded,
                    "failed" | "failure" | "error" => CallbackStatus::Failed,
                    _ => return Answer::BadStatus,
                }
            }
            _ => {}
        }
    }
    let record = match shared.store.get(id).await {
        Ok(Some(record)) => record,
        Ok(None) => return Answer::Unknown,
        Err(_) => return Answer::StoreFailed,
    };
    if let Some(expected) = &record.token_hash {
        let given = token.as_deref().map(token_hash).unwrap_or_default();
        if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            return Answer::BadToken;
        }
    }
    let mut result = CallbackResult::new(status, body);
    if let Some(content_type) = head.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        result = result.with_content_type(content_type);
    }
    match shared.store.complete(id, result).await {
        Ok(Completion::Completed) => {
            receiver.waiters().wake(id);
            Answer::Received
        }
        Ok(Completion::Duplicate) => Answer::Duplicate,
        Ok(Completion::Unknown) => Answer::Unknown,
        Err(_) => Answer::StoreFailed,
    }
}
