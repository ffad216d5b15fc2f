//! What a callback means for its run: the outcome built from the posted
//! body, and the failure read from an error callback.

use serde_json::Value;

use super::store::{CallbackRecord, CallbackResult, CallbackStatus};
use crate::{
    json::body_value,
    run::{RunFailure, RunId, RunOutcome, RunSnapshot, RunStatus},
};

/// Where a failure callback's fields are looked for, first match wins: the
/// SDK's own shape, an `{"error": …}` wrapper, and the data of n8n's Error
/// Trigger (`execution.error.message`, `execution.lastNodeExecuted`).
const MESSAGES: &[&str] = &[
    "/message",
    "/error/message",
    "/error",
    "/execution/error/message",
];
const CODES: &[&str] = &["/code", "/error/code"];
const STEPS: &[&str] = &["/step", "/node", "/execution/lastNodeExecuted"];

/// The run's outcome once its callback arrived.
pub(super) fn outcome(
    run_id: Option<RunId>,
    record: &CallbackRecord,
    result: &CallbackResult,
) -> RunOutcome {
    let output = body_value(&result.body);
    let mut outcome = RunOutcome::succeeded(run_id, output);
    outcome.body = Some(result.body.clone());
    outcome.elapsed = result.received_at.duration_since(record.created_at).ok();
    if result.status == CallbackStatus::Failed {
        outcome.status = RunStatus::Failed;
        outcome.failure = Some(failure(&outcome.output));
    }
    outcome
}

/// The snapshot of a run whose callback arrived.
pub(super) fn snapshot(outcome: RunOutcome) -> RunSnapshot {
    RunSnapshot::new(outcome.run_id, outcome.status)
        .with_output(Some(outcome.output))
        .with_failure(outcome.failure)
}

/// The failure a failure callback describes.
fn failure(body: &Value) -> RunFailure {
    let first = |pointers: &[&str]| {
        pointers.iter().find_map(|p| {
            body.pointer(p)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        })
    };
    let message = first(MESSAGES)
        .or_else(|| body.as_str().filter(|s| !s.is_empty()).map(str::to_owned))
        .unwrap_or_else(|| "the run reported a failure through its callback".to_owned());
    let mut failure = RunFailure::new(message);
    if let Some(code) = first(CODES) {
        failure = failure.with_code(code);
    }
    if let Some(step) = first(STEPS) {
        failure = failure.with_step(step);
    }
    if !body.is_null() {
        failure = failure.with_raw(body.clone());
    }
    failure
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use bytes::Bytes;
    use serde_json::json;

    use super::*;

    fn failed(body: &'static str) -> RunOutcome {
        let record = CallbackRecord::new("id", None, SystemTime::now() + Duration::from_secs(60));
        let result =
            CallbackResult::new(CallbackStatus::Failed, Bytes::from_static(body.as_bytes()));
        outcome(None, &record, &result)
    }

    #[test]
    fn a_failure_is_read_from_the_usual_shapes() {
        let sdk = failed(r#"{"message": "card declined", "code": "DECLINED", "step": "charge"}"#);
        assert_eq!(sdk.status, RunStatus::Failed);
        let f = sdk.failure.unwrap();
        assert_eq!(
            (f.message.as_str(), f.code.as_deref(), f.step.as_deref()),
            ("card declined", Some("DECLINED"), Some("charge"))
        );
        let wrapped = failed(r#"{"error": {"message": "boom", "code": "E1"}}"#)
            .failure
            .unwrap();
        assert_eq!(
            (wrapped.message.as_str(), wrapped.code.as_deref()),
            ("boom", Some("E1"))
        );
        // n8n's Error Trigger data.
        let n8n = failed(
            r#"{"execution": {"id": "231", "error": {"message": "Request failed"}, "lastNodeExecuted": "HTTP Request"}}"#,
        )
        .failure
        .unwrap();
        assert_eq!(
            (n8n.message.as_str(), n8n.step.as_deref()),
            ("Request failed", Some("HTTP Request"))
        );
        assert_eq!(n8n.raw.unwrap()["execution"]["id"], "231");
        let text = failed("out of stock").failure.unwrap();
        assert_eq!(text.message, "out of stock");
        let empty = failed("").failure.unwrap();
        assert!(empty.message.contains("reported a failure"));
        assert_eq!(empty.raw, None);
    }

    #[test]
    fn a_success_keeps_the_body_whole() {
        let record = CallbackRecord::new("id", None, SystemTime::now() + Duration::from_secs(60));
        let body = Bytes::from_static(br#"{"b": 1,  "a": 2}"#);
        let result = CallbackResult::new(CallbackStatus::Succeeded, body.clone());
        let done = outcome(Some(RunId::new("7")), &record, &result);
        assert_eq!(done.status, RunStatus::Succeeded);
        assert_eq!(done.output, json!({"b": 1, "a": 2}));
        assert_eq!(done.body, Some(body));
        assert_eq!(done.run_id, Some(RunId::new("7")));
        assert!(done.failure.is_none() && done.elapsed.is_some());
    }
}
