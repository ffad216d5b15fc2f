//! The opt-in replay check ([`crate::RunRequest::check_replay_input`]): when
//! an idempotency key gives back an existing run, is that run's input what
//! this request sent?
//!
//! The API answers a replayed key with the existing run whatever the second
//! request's input is ([the contract](crate::contract)). With the check on, the SDK reads
//! that run once and reports a mismatch as [`trigger_sdk_core::Error::Conflict`]
//! carrying a [`ReplayConflict`].

use std::fmt;

use serde_json::Value;
use trigger_sdk_core::{ApiError, Error, RunId};

/// The code of the conflict the replay check reports (the SDK's, not the API's).
pub const REPLAY_CONFLICT_CODE: &str = "IDEMPOTENCY_INPUT_MISMATCH";

/// An idempotency key that had already started a run with another input.
///
/// Read it with `error.detail::<ReplayConflict>()`; the existing run can
/// still be followed with [`crate::RunsClient::handle`]`(conflict.run_id)`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub struct ReplayConflict {
    /// The run the key had started.
    pub run_id: RunId,
    /// The key.
    pub idempotency_key: String,
    /// What this request sent as `input`.
    pub sent: Value,
    /// The existing run's input.
    pub existing: Value,
    /// Each difference: a dotted path and what differs there.
    pub differences: Vec<String>,
}

impl fmt::Display for ReplayConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "idempotency key {:?} had already started run {} with another input ({})",
            self.idempotency_key,
            self.run_id,
            self.differences.join("; ")
        )
    }
}

impl ReplayConflict {
    /// The typed error for this conflict.
    pub(crate) fn into_error(self) -> Error {
        let api = ApiError::new(None, self.to_string())
            .with_code(REPLAY_CONFLICT_CODE)
            .with_detail(self);
        Error::Conflict(Box::new(api))
    }
}

/// The differences between what was sent and the existing run's input,
/// empty when they agree.
///
/// Every value sent must be in the existing input, equal (numbers by value:
/// `100` and `100.0` agree; arrays element by element, same length). Object
/// keys only the existing input has are accepted: the server adds the input
/// schema's defaults to the input a run sees, and the SDK cannot tell those
/// from a field the first request had and this one leaves out. A request
/// without input (`Null`) sent `{}`.
pub(crate) fn differences(sent: &Value, existing: &Value) -> Vec<String> {
    let empty = Value::Object(Default::default());
    let sent = if sent.is_null() { &empty } else { sent };
    let mut found = Vec::new();
    compare(sent, existing, &mut Vec::new(), &mut found);
    found
}

fn compare(sent: &Value, existing: &Value, path: &mut Vec<String>, found: &mut Vec<String>) {
    let here = |path: &[String]| {
        if path.is_empty() {
            "input".to_owned()
        } else {
            path.join(".")
        }
    };
    match (sent, existing) {
        (Value::Object(sent), Value::Object(existing)) => {
            for (key, value) in sent {
                path.push(key.clone());
                match existing.get(key) {
                    Some(other) => compare(value, other, path, found),
                    None => found.push(format!("{}: sent {value}, the run has none", here(path))),
                }
                path.pop();
            }
        }
        (Value::Array(sent), Value::Array(existing)) if sent.len() == existing.len() => {
            for (i, (value, other)) in sent.iter().zip(existing).enumerate() {
                path.push(i.to_string());
                compare(value, other, path, found);
                path.pop();
            }
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        (a, b) if a == b => {}
        (a, b) => found.push(format!("{}: sent {a}, the run has {b}", here(path))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_same_input_agrees_even_with_server_defaults() {
        let sent = json!({"customerId": "cus_1", "amount": 100, "items": [{"q": 1}]});
        let existing = json!({"customerId": "cus_1", "amount": 100.0, "currency": "usd", "items": [{"q": 1, "unit": "pc"}]});
        assert!(differences(&sent, &existing).is_empty());
        assert!(differences(&Value::Null, &json!({"currency": "usd"})).is_empty());
    }

    #[test]
    fn each_difference_is_named_by_its_path() {
        let sent = json!({"orderId": "order_124", "items": [{"q": 2}], "note": "x"});
        let existing = json!({"orderId": "order_123", "items": [{"q": 1}]});
        assert_eq!(
            differences(&sent, &existing),
            [
                "orderId: sent \"order_124\", the run has \"order_123\"",
                "items.0.q: sent 2, the run has 1",
                "note: sent \"x\", the run has none",
            ]
        );
        assert_eq!(
            differences(&json!({"a": [1, 2]}), &json!({"a": [1]})),
            ["a: sent [1,2], the run has [1]"]
        );
        assert_eq!(
            differences(&json!([1]), &json!({})),
            ["input: sent [1], the run has {}"]
        );
    }

    #[test]
    fn the_conflict_is_a_typed_error_with_the_run() {
        let conflict = ReplayConflict {
            run_id: RunId::from("run_1"),
            idempotency_key: "k".into(),
            sent: json!({"a": 2}),
            existing: json!({"a": 1}),
            differences: vec!["a: sent 2, the run has 1".into()],
        };
        let error = conflict.clone().into_error();
        assert!(matches!(error, Error::Conflict(_)), "{error:?}");
        assert_eq!(error.code(), Some(REPLAY_CONFLICT_CODE));
        assert_eq!(error.detail::<ReplayConflict>(), Some(&conflict));
        assert!(error.to_string().contains("run_1"), "{error}");
        assert_eq!(error.status(), None, "no HTTP answer was an error");
    }
}
