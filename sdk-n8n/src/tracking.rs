//! How a webhook run is followed once n8n has answered: [`Tracking`] (not at all, through
//! the execution id the answer carries, or through the correlation marker), reading an
//! execution id out of an answer, and the handle each answer gets.

use serde_json::Value;
use trigger_sdk_core::{FinishedRun, Provider, RunHandle, RunId, RunOutcome};

use crate::{
    N8nClient, accepted::AcceptedRun, body::WebhookResponse, correlate::CorrelatedRun,
    webhook::ResponseMode,
};

/// The header that carries a trigger's correlation marker (a fresh UUID per call). The
/// Webhook node records every request header in its output, so the execution that call
/// started is the one whose data carries the marker (`GET /executions?includeData=true`).
///
/// It is sent only by triggers built with an n8n API client
/// ([`crate::WebhookTriggerBuilder::track_by_marker`] or
/// [`crate::WebhookTriggerBuilder::track_execution_id`]).
pub const MARKER_HEADER: &str = "x-trigger-sdk-marker";

/// What `{{$execution.id}}` reads on n8n 1.x in an `onReceived` answer, which 1.x sends
/// before the execution exists.
const UNKNOWN_ID: &str = "__UNKNOWN__";

/// How an `onReceived` run (or a `responseNode` answer without a body) is followed.
#[derive(Debug, Clone, Default)]
pub(crate) enum Tracking {
    /// Not followed: `status()` is `Accepted`, `wait()` is `NotTrackable`.
    #[default]
    None,
    /// The answer carries the execution id at this JSON pointer.
    ExecutionId { pointer: String, client: N8nClient },
    /// The execution whose data carries this call's marker (of this workflow, when known).
    Marker {
        workflow_id: Option<String>,
        client: N8nClient,
    },
}

impl Tracking {
    /// The API client, when the trigger has one.
    pub(crate) fn client(&self) -> Option<&N8nClient> {
        match self {
            Self::None => None,
            Self::ExecutionId { client, .. } | Self::Marker { client, .. } => Some(client),
        }
    }

    /// A fresh marker for one call, when the trigger can look executions up.
    pub(crate) fn new_marker(&self) -> Option<String> {
        self.client()
            .map(|_| uuid::Uuid::new_v4().simple().to_string())
    }

    /// The marker search of this trigger's runs.
    fn search(&self, marker: Option<String>) -> Option<(N8nClient, Option<String>, String)> {
        let marker = marker?;
        match self {
            Self::None => None,
            Self::ExecutionId { client, .. } => Some((client.clone(), None, marker)),
            Self::Marker {
                workflow_id,
                client,
            } => Some((client.clone(), workflow_id.clone(), marker)),
        }
    }
}

/// What an answer holds at the execution-id pointer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum IdAt {
    /// An n8n execution id.
    Found(RunId),
    /// Nothing (or `null`, or an empty string) there.
    Missing,
    /// Something that is not an n8n execution id (digits), such as `"__UNKNOWN__"`.
    NotAnId(Value),
}

impl IdAt {
    fn id(self) -> Option<RunId> {
        match self {
            Self::Found(id) => Some(id),
            _ => None,
        }
    }
}

/// Reads an execution id at a JSON pointer: a string of digits, or a non-negative integer
/// (n8n's ids are numbers); anything else is [`IdAt::NotAnId`], never an id. A text answer
/// (n8n sends custom `onReceived` bodies as `text/html`) is read as JSON for this lookup.
pub(crate) fn execution_id_at(output: &Value, pointer: &str) -> IdAt {
    let parsed;
    let output = match output {
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(value) => {
                parsed = value;
                &parsed
            }
            Err(_) => return IdAt::Missing,
        },
        other => other,
    };
    match output.pointer(pointer) {
        None | Some(Value::Null) => IdAt::Missing,
        Some(Value::String(s)) if s.is_empty() => IdAt::Missing,
        Some(Value::String(s)) if s.bytes().all(|b| b.is_ascii_digit()) => {
            IdAt::Found(RunId::new(s.clone()))
        }
        Some(Value::Number(n)) if n.is_u64() => IdAt::Found(RunId::new(n.to_string())),
        Some(other) => IdAt::NotAnId(other.clone()),
    }
}

/// Why an `onReceived` answer gave no usable id, with advice that works on the server's
/// release line.
fn no_id_reason(pointer: &str, found: &IdAt) -> String {
    match found {
        IdAt::NotAnId(Value::String(s)) if s == UNKNOWN_ID => format!(
            "the onReceived answer has \"{UNKNOWN_ID}\" at {pointer:?}: n8n 1.x answers an \
             onReceived call before the execution exists, so {{{{$execution.id}}}} cannot be \
             read there. Set the Webhook node to respond \"Using 'Respond to Webhook' node\" \
             and put a Respond to Webhook node first that returns {{{{$execution.id}}}}, or \
             follow the run with WebhookTriggerBuilder::track_by_marker"
        ),
        IdAt::NotAnId(other) => format!(
            "the onReceived answer has {other} at {pointer:?}, which is not an n8n execution \
             id (a string of digits); make the workflow's response carry {{{{$execution.id}}}} \
             there, or follow the run with WebhookTriggerBuilder::track_by_marker"
        ),
        _ => format!(
            "the onReceived answer has no execution id at the JSON pointer {pointer:?}; make \
             the workflow's response carry {{{{$execution.id}}}} there (on n8n 1.x, from a \
             Respond to Webhook node), or follow the run with \
             WebhookTriggerBuilder::track_by_marker"
        ),
    }
}

const UNTRACKED: &str = "an onReceived webhook answers before the run ends and gives no \
     execution id; to follow the run, build the trigger with \
     WebhookTriggerBuilder::track_by_marker (or return {{$execution.id}} from the workflow \
     and use WebhookTriggerBuilder::track_execution_id)";

const RESPOND_NOT_REACHED: &str = "n8n answered 200 with an empty body: the workflow's \
     Respond to Webhook node was not reached (the run ended on a branch without it or, on \
     n8n 1.x, a node failed before it), or it responds with no data. The run is not reported \
     as succeeded: build the trigger with an n8n API client \
     (WebhookTriggerBuilder::track_by_marker) to learn the execution's real status";

/// Whether a `responseNode` answer is n8n's "Respond node not reached": 200, empty body.
fn respond_not_reached(answer: &WebhookResponse) -> bool {
    answer.status == 200 && answer.body.is_empty()
}

/// The handle of a webhook answer: terminal for an answer that is the result; followed
/// (by id or by marker) or `Accepted` otherwise.
pub(crate) fn handle_for(
    mode: ResponseMode,
    tracking: &Tracking,
    id_pointer: Option<&str>,
    marker: Option<String>,
    answer: WebhookResponse,
) -> Box<dyn RunHandle> {
    let output = answer.output();
    let found = id_pointer.map_or(IdAt::Missing, |p| execution_id_at(&output, p));
    let followed_by_marker = |answer: WebhookResponse, output: Value, reason: &str| match tracking
        .search(marker.clone())
    {
        Some((client, workflow_id, marker)) => Box::new(CorrelatedRun::new(
            client,
            workflow_id,
            marker,
            answer,
            output,
        )) as Box<dyn RunHandle>,
        None => Box::new(AcceptedRun::new(answer, output, reason.to_owned())),
    };
    match mode {
        ResponseMode::OnReceived => match tracking {
            Tracking::ExecutionId { pointer, client } => match found {
                IdAt::Found(id) => Box::new(client.execution_handle(id.as_str().to_owned())),
                other => Box::new(AcceptedRun::new(
                    answer,
                    output,
                    no_id_reason(pointer, &other),
                )),
            },
            Tracking::Marker { .. } => followed_by_marker(answer, output, UNTRACKED),
            Tracking::None => Box::new(AcceptedRun::new(answer, output, UNTRACKED.to_owned())),
        },
        ResponseMode::ResponseNode if respond_not_reached(&answer) => {
            followed_by_marker(answer, output, RESPOND_NOT_REACHED)
        }
        _ => {
            let outcome =
                RunOutcome::succeeded(found.id(), output).with_http(answer.status, answer.body);
            FinishedRun::new(Provider::N8n, outcome).boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn execution_ids_at_pointers() {
        let v = json!({"executionId": "12", "n": 7, "neg": -1, "unknown": "__UNKNOWN__",
                       "empty": "", "null": null, "float": 1.5});
        let found = |p| execution_id_at(&v, p);
        assert_eq!(found("/executionId"), IdAt::Found(RunId::new("12")));
        assert_eq!(found("/n"), IdAt::Found(RunId::new("7")));
        assert_eq!(found("/missing"), IdAt::Missing);
        assert_eq!(found("/empty"), IdAt::Missing);
        assert_eq!(found("/null"), IdAt::Missing);
        assert_eq!(found("/unknown"), IdAt::NotAnId(json!("__UNKNOWN__")));
        assert_eq!(found("/neg"), IdAt::NotAnId(json!(-1)));
        assert_eq!(found("/float"), IdAt::NotAnId(json!(1.5)));
        let text = Value::String(r#"{"executionId":"13"}"#.into());
        assert_eq!(
            execution_id_at(&text, "/executionId"),
            IdAt::Found(RunId::new("13"))
        );
        assert_eq!(
            execution_id_at(&json!("queued"), "/executionId"),
            IdAt::Missing
        );
    }

    #[test]
    fn unknown_ids_get_advice_for_1x() {
        let reason = no_id_reason("/executionId", &IdAt::NotAnId(json!("__UNKNOWN__")));
        assert!(reason.contains("n8n 1.x"), "{reason}");
        assert!(reason.contains("Respond to Webhook node first"), "{reason}");
        assert!(reason.contains("track_by_marker"), "{reason}");
        let reason = no_id_reason("/id", &IdAt::NotAnId(json!({"a": 1})));
        assert!(reason.contains("not an n8n execution id"), "{reason}");
    }
}
