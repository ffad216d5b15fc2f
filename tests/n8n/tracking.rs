//! Tracking rows: every tracked call is followed to the execution it started, never to
//! another call's, whatever runs at the same time (`track_by_marker`: a fresh marker
//! header per call, recorded by the Webhook node, found through `includeData`).

use std::collections::HashSet;
use std::sync::Arc;

use futures::future::join_all;
use serde_json::json;
use trigger_sdk_core::{RunStatus, Trigger, TriggerRequest};
use trigger_sdk_n8n::{MARKER_HEADER, ResponseMode};

use crate::sdk::{client, hook, wait};
use crate::target::Target;

/// Triggers `echo` (onReceived, no other node: the execution's output is the Webhook
/// node's item) with body `{"n": n}` and follows it; the execution id and the body it saw.
async fn tracked_echo(t: &Target, n: usize) -> (String, serde_json::Value) {
    let run = hook(t, "echo", ResponseMode::OnReceived)
        .track_by_marker(t.id("ECHO_ONRECEIVED"), client(t))
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({"n": n})))
        .await
        .expect("accepted");
    let outcome = run.wait(wait()).await.expect("followed to its end");
    assert_eq!(
        outcome.status,
        RunStatus::Succeeded,
        "{}: call {n}",
        t.label
    );
    let id = outcome
        .run_id
        .as_ref()
        .map(|r| r.as_str().to_owned())
        .expect("the execution id");
    let item = &outcome.output[0];
    assert!(
        item["headers"][MARKER_HEADER].is_string(),
        "{}: the Webhook node recorded the marker: {item}",
        t.label
    );
    (id, item["body"].clone())
}

/// The case: two onReceived calls back to back (the old time window handed the
/// second call the first call's execution on real 2.41.1). Five in a row, each followed to
/// its own execution.
pub async fn tracking_back_to_back_calls_reach_their_own_executions(t: Arc<Target>) {
    let mut ids = HashSet::new();
    for n in 0..5 {
        let (id, body) = tracked_echo(&t, n).await;
        assert_eq!(body, json!({"n": n}), "{}: call {n} got {id}", t.label);
        assert!(ids.insert(id.clone()), "{}: {id} handed out twice", t.label);
    }
}

/// 20 concurrent tracked onReceived calls: each reaches the execution that saw its own body,
/// and no execution is handed out twice.
pub async fn tracking_twenty_concurrent_calls_reach_their_own_executions(t: Arc<Target>) {
    let results = join_all((0..20).map(|n| {
        let t = t.clone();
        async move { (n, tracked_echo(&t, n).await) }
    }))
    .await;
    let mut ids = HashSet::new();
    for (n, (id, body)) in results {
        assert_eq!(body, json!({"n": n}), "{}: call {n} got {id}", t.label);
        assert!(ids.insert(id.clone()), "{}: {id} handed out twice", t.label);
    }
    assert_eq!(ids.len(), 20, "{}", t.label);
}

/// A marked run is found while it still runs (n8n lists running executions only when asked):
/// `Pending` or `Running` first, then `Succeeded` with the last node's output.
pub async fn tracking_finds_a_running_execution(t: Arc<Target>) {
    let run = hook(&t, "tracked", ResponseMode::OnReceived)
        .track_by_marker(t.id("TRACKED"), client(&t))
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({"order": 9})))
        .await
        .expect("accepted");
    let first = run.status().await.expect("status").status;
    assert!(
        matches!(first, RunStatus::Pending | RunStatus::Running),
        "{}: {first:?}",
        t.label
    );
    let outcome = run.wait(wait()).await.expect("finished");
    assert_eq!(outcome.status, RunStatus::Succeeded, "{}", t.label);
    assert_eq!(
        outcome.output,
        json!([{"done": true, "body": {"order": 9}}]),
        "{}",
        t.label
    );
    assert!(run.run_id().is_some(), "{}: resolved", t.label);
    assert!(
        outcome.steps.iter().any(|s| s.id == "Done"),
        "{}: {:?}",
        t.label,
        outcome.steps
    );
}
