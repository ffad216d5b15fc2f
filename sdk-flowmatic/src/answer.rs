//! What a webhook call answered: Flowmatic's acknowledgement, or the body of
//! the workflow's Response node — and the rule that tells them apart.
//!
//! # The rule
//!
//! A Response node may answer any body, including one that looks like an
//! acknowledgement, so the SDK does not guess from a field or two. A 2xx
//! answer is the **acknowledgement** only when all of these hold:
//!
//! 1. the HTTP status is `200`;
//! 2. the body is a JSON object;
//! 3. `status` is the string `"success"`;
//! 4. `message` is a string;
//! 5. `webhookId` is a string equal to the webhook id that was called;
//! 6. `executionId` is a non-empty string;
//! 7. `executionStatus` is a string;
//! 8. `workflowId`, when present, is a string.
//!
//! Other keys do not change the decision (Flowmatic may add fields to its
//! acknowledgement). Every other 2xx answer — another status such as 201,
//! a non-JSON or non-object body, an object missing any of those fields or
//! with a different `webhookId` — is the **Response node's answer**, and the
//! run is over: its body and status become a [`trigger_sdk_core::FinishedRun`].
//!
//! A non-2xx answer is an error (see [`crate::error`]); a Response node that
//! answers a 4xx/5xx status shows up as that error, with its body kept raw.

use bytes::Bytes;
use serde_json::Value;
use trigger_sdk_core::{FinishedRun, Provider, RunId, RunOutcome};

use crate::{execution::FlowmaticExecution, model::ExecutionStatus};

/// Flowmatic's acknowledgement of a webhook call: the run started and goes on.
///
/// ```
/// use trigger_sdk_flowmatic::{Acknowledgement, ExecutionStatus};
/// let body = br#"{"status":"success","message":"Webhook received and workflow triggered",
///   "webhookId":"abc-123","workflowId":"wf-456","executionId":"exec-789","executionStatus":"RUNNING"}"#;
/// let ack = Acknowledgement::recognize("abc-123", 200, body).expect("an acknowledgement");
/// assert_eq!(ack.execution_id, "exec-789");
/// assert_eq!(ack.execution_status, ExecutionStatus::Running);
/// // The same body from another webhook, or with status 201, is a Response node's answer.
/// assert!(Acknowledgement::recognize("other-hook", 200, body).is_none());
/// assert!(Acknowledgement::recognize("abc-123", 201, body).is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Acknowledgement {
    /// `message` (`Webhook received and workflow triggered`).
    pub message: String,
    /// The webhook that was called.
    pub webhook_id: String,
    /// The workflow it started, when given.
    pub workflow_id: Option<String>,
    /// The execution it started.
    pub execution_id: String,
    /// The execution's status when Flowmatic answered (`RUNNING`).
    pub execution_status: ExecutionStatus,
    /// The whole body, as sent.
    pub raw: Value,
}

impl Acknowledgement {
    /// The acknowledgement in an answer of webhook `webhook_id`, by the rule
    /// in the [module docs](crate::answer); `None` when the answer is a
    /// Response node's.
    pub fn recognize(webhook_id: &str, status: u16, body: &[u8]) -> Option<Self> {
        if status != 200 {
            return None;
        }
        let raw: Value = serde_json::from_slice(body).ok()?;
        let fields = raw.as_object()?;
        let text = |key: &str| fields.get(key).and_then(Value::as_str);
        if text("status")? != "success" {
            return None;
        }
        let message = text("message")?.to_owned();
        if text("webhookId")? != webhook_id {
            return None;
        }
        let execution_id = text("executionId").filter(|id| !id.is_empty())?.to_owned();
        let execution_status = ExecutionStatus::parse(text("executionStatus")?);
        let workflow_id = match fields.get("workflowId") {
            None => None,
            Some(Value::String(id)) => Some(id.clone()),
            Some(_) => return None,
        };
        Some(Self {
            message,
            webhook_id: webhook_id.to_owned(),
            workflow_id,
            execution_id,
            execution_status,
            raw,
        })
    }
}

/// What a webhook call gave back.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookAnswer {
    /// The acknowledgement: the run goes on; the handle follows it (with an
    /// API client) or reports it `Accepted` (without one).
    Acknowledged(FlowmaticExecution),
    /// The Response node's answer: the run is over.
    Responded(FinishedRun),
}

impl WebhookAnswer {
    /// The answer as a boxed [`trigger_sdk_core::RunHandle`].
    pub fn into_handle(self) -> Box<dyn trigger_sdk_core::RunHandle> {
        match self {
            Self::Acknowledged(execution) => Box::new(execution),
            Self::Responded(finished) => finished.boxed(),
        }
    }

    /// The execution id, for an acknowledgement.
    pub fn execution_id(&self) -> Option<&RunId> {
        match self {
            Self::Acknowledged(execution) => Some(execution.execution_id()),
            Self::Responded(_) => None,
        }
    }
}

/// The outcome of a Response node's answer: succeeded, with the body as JSON
/// when it parses (as a JSON string of the text otherwise, `Null` when
/// empty), and the HTTP status and raw bytes.
pub(crate) fn response_outcome(status: u16, body: Bytes) -> RunOutcome {
    RunOutcome::succeeded(None, trigger_sdk_core::json::body_value(&body)).with_http(status, body)
}

/// A finished run from a Response node's answer.
pub(crate) fn responded(status: u16, body: Bytes) -> FinishedRun {
    FinishedRun::new(Provider::Flowmatic, response_outcome(status, body))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ack() -> Value {
        json!({"status":"success","message":"Webhook received and workflow triggered",
               "webhookId":"abc-123","workflowId":"wf-456","executionId":"exec-789",
               "executionStatus":"RUNNING"})
    }

    fn recognize(body: &Value) -> Option<Acknowledgement> {
        Acknowledgement::recognize("abc-123", 200, body.to_string().as_bytes())
    }

    fn without(key: &str) -> Value {
        let mut v = ack();
        v.as_object_mut().unwrap().remove(key);
        v
    }

    fn with(key: &str, value: Value) -> Value {
        let mut v = ack();
        v[key] = value;
        v
    }

    #[test]
    fn the_published_acknowledgement_is_recognized() {
        let a = recognize(&ack()).unwrap();
        assert_eq!(a.execution_id, "exec-789");
        assert_eq!(a.workflow_id.as_deref(), Some("wf-456"));
        assert_eq!(a.execution_status, ExecutionStatus::Running);
        assert_eq!(a.message, "Webhook received and workflow triggered");
    }

    #[test]
    fn extra_keys_and_a_missing_workflow_id_still_acknowledge() {
        assert!(recognize(&with("receivedAt", json!("2026-01-01T00:00:00Z"))).is_some());
        assert_eq!(recognize(&without("workflowId")).unwrap().workflow_id, None);
        let done = recognize(&with("executionStatus", json!("SUCCESS"))).unwrap();
        assert_eq!(done.execution_status, ExecutionStatus::Success);
    }

    #[test]
    fn each_missing_field_makes_it_a_response_node_answer() {
        for key in [
            "status",
            "message",
            "webhookId",
            "executionId",
            "executionStatus",
        ] {
            assert!(recognize(&without(key)).is_none(), "without {key}");
        }
    }

    #[test]
    fn wrong_values_or_types_make_it_a_response_node_answer() {
        let cases = [
            with("status", json!("ok")),
            with("status", json!("SUCCESS")),
            with("webhookId", json!("another-hook")),
            with("executionId", json!(789)),
            with("executionId", json!("")),
            with("executionStatus", json!(null)),
            with("message", json!({"text": "hi"})),
            with("workflowId", json!(456)),
        ];
        for body in cases {
            assert!(recognize(&body).is_none(), "{body}");
        }
    }

    #[test]
    fn user_bodies_are_response_node_answers() {
        let bodies: [&[u8]; 6] = [
            br#"{"orderId":"A-1","status":"confirmed"}"#,
            br#"{"status":"success","message":"done"}"#,
            br#"[{"status":"success"}]"#,
            b"OK",
            b"",
            b"null",
        ];
        for body in bodies {
            assert!(Acknowledgement::recognize("abc-123", 200, body).is_none());
        }
    }

    #[test]
    fn only_status_200_acknowledges() {
        let body = ack().to_string();
        for status in [201, 202, 204] {
            assert!(Acknowledgement::recognize("abc-123", status, body.as_bytes()).is_none());
        }
    }

    #[test]
    fn response_outcome_keeps_body_status_and_text() {
        let json = response_outcome(201, Bytes::from_static(br#"{"orderId":"A-1"}"#));
        assert_eq!(json.output, json!({"orderId": "A-1"}));
        assert_eq!(json.http_status, Some(201));
        assert_eq!(
            json.body.as_deref(),
            Some(br#"{"orderId":"A-1"}"#.as_slice())
        );
        let text = response_outcome(200, Bytes::from_static(b"thanks"));
        assert_eq!(text.output, json!("thanks"));
        let empty = response_outcome(204, Bytes::new());
        assert_eq!(empty.output, Value::Null);
        assert!(empty.is_success());
    }
}
