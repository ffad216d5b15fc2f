//! Rows only the reference server can show (an armed test URL, a small body limit, a long
//! activation delay, the optional execute endpoint, hundreds of workflows, streamed chunks
//! from nodes that do not stream on a real n8n), through the SDK, on both of its lines.

use std::time::Duration;

use futures::TryStreamExt;
use serde_json::json;
use trigger_sdk_core::{Error, RunEvent, RunHandle, RunId, RunStatus, Trigger, TriggerRequest};
use trigger_sdk_n8n::{N8nErrorKind, NewWorkflow, ResponseMode, WorkflowFilter};
use trigger_sdk_reference_server::config::N8nVersion;

use crate::sdk::{client, hook, wait};
use crate::target::{Line, reference_target, reference_target_with};

const LINES: [N8nVersion; 2] = [N8nVersion::V2, N8nVersion::V1];

fn kind(err: &Error) -> Option<&N8nErrorKind> {
    err.detail::<N8nErrorKind>()
}

#[tokio::test]
async fn test_url_answers_once_per_arming() {
    for version in LINES {
        let t = reference_target(version).await;
        let test_hook = hook(&t, "echo", ResponseMode::OnReceived)
            .test_url()
            .build()
            .expect("trigger");
        let err = test_hook
            .trigger(TriggerRequest::new(json!({})))
            .await
            .expect_err("not armed");
        match kind(&err) {
            Some(N8nErrorKind::NotRegistered { method, path, hint }) => {
                assert_eq!(*method, None, "{}", t.label);
                assert_eq!(path, "echo", "{}", t.label);
                assert!(
                    hint.as_deref()
                        .is_some_and(|h| h.contains("Execute workflow"))
                );
            }
            other => panic!("{}: expected NotRegistered, got {other:?}", t.label),
        }
        assert!(t.server().arm_n8n_test_webhook(&t.id("ECHO_ONRECEIVED")));
        let run = test_hook
            .trigger(TriggerRequest::new(json!({})))
            .await
            .expect("armed once");
        assert_eq!(
            run.status().await.expect("status").status,
            RunStatus::Accepted
        );
        let again = test_hook.trigger(TriggerRequest::new(json!({}))).await;
        assert!(
            matches!(again, Err(Error::NotFound(_))),
            "{}: {again:?}",
            t.label
        );
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_500_execution_problem() {
    for version in LINES {
        let t = reference_target_with(version, |c| c.body_limit = 64 * 1024).await;
        let big = "x".repeat(100 * 1024);
        let err = hook(&t, "echo-last", ResponseMode::LastNode)
            .build()
            .expect("trigger")
            .trigger(TriggerRequest::new(json!({ "big": big })))
            .await
            .expect_err("too large");
        assert_eq!(err.status(), Some(500), "{}", t.label);
        assert_eq!(
            kind(&err),
            Some(&N8nErrorKind::ExecutionProblem),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn activate_and_wait_outlasts_a_long_activation_delay() {
    for version in LINES {
        let t = reference_target_with(version, |c| {
            c.n8n.activation_delay = Duration::from_millis(1_500);
        })
        .await;
        let c = client(&t);
        let inactive = hook(&t, "inactive-path", ResponseMode::OnReceived)
            .build()
            .expect("trigger");
        c.activate_workflow(&t.id("INACTIVE"))
            .await
            .expect("activated");
        let right_after = inactive.trigger(TriggerRequest::new(json!({}))).await;
        match t.line {
            // 2.x registers webhooks after /activate answers; 1.x before.
            Line::V2 => assert!(
                matches!(
                    right_after.as_ref().err().and_then(kind),
                    Some(N8nErrorKind::NotRegistered { .. })
                ),
                "{}: {right_after:?}",
                t.label
            ),
            Line::V1 => assert!(right_after.is_ok(), "{}: {right_after:?}", t.label),
        }
        c.deactivate_workflow(&t.id("INACTIVE"))
            .await
            .expect("deactivated");
        let workflow = c
            .activate_and_wait(&t.id("INACTIVE"), Duration::from_secs(20))
            .await
            .expect("registered");
        assert!(workflow.active, "{}", t.label);
        let run = inactive
            .trigger(TriggerRequest::new(json!({})))
            .await
            .expect("served");
        assert_eq!(
            run.status().await.expect("status").status,
            RunStatus::Accepted
        );
    }
}

#[tokio::test]
async fn an_execute_endpoint_when_the_server_has_one() {
    for version in LINES {
        let t = reference_target_with(version, |c| c.n8n.execute_endpoint = true).await;
        let c = client(&t);
        let handle = c
            .execute_workflow(&t.id("ECHO_LASTNODE_FIRST"), json!({"to": "a@b.c"}))
            .await
            .expect("executed");
        let outcome = handle.wait(wait()).await.expect("terminal");
        assert_eq!(outcome.status, RunStatus::Succeeded, "{}", t.label);
        assert_eq!(outcome.run_id, Some(RunId::new(handle.id())), "{}", t.label);
        let err = c
            .execute_workflow("nope123", json!({}))
            .await
            .expect_err("unknown");
        assert!(matches!(err, Error::NotFound(_)), "{}: {err:?}", t.label);
    }
}

#[tokio::test]
async fn workflow_lists_follow_cursors_over_several_pages() {
    let t = reference_target(N8nVersion::V2).await;
    let c = client(&t);
    for i in 0..260 {
        c.create_workflow(&NewWorkflow::new(format!("bulk {i:03}")))
            .await
            .expect("created");
    }
    let all: Vec<_> = c
        .workflows(WorkflowFilter::default().limit(100))
        .try_collect()
        .await
        .expect("listed");
    assert_eq!(all.len(), t.ids.len() + 260);
    let mut ids: Vec<&str> = all.iter().map(|w| w.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "no workflow listed twice");
}

/// Real n8n streams only from AI/agent nodes (the fixture's Code node sends no chunk); the
/// reference server streams begin/item/end for every step.
#[tokio::test]
async fn streamed_chunks_then_finished() {
    for version in LINES {
        let t = reference_target(version).await;
        let run = hook(&t, "stream", ResponseMode::Streaming)
            .build()
            .expect("trigger")
            .trigger(TriggerRequest::new(json!({"q": "hi"})))
            .await
            .expect("streaming");
        let events: Vec<RunEvent> = run.events().try_collect().await.expect("events");
        let kinds: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                RunEvent::Chunk { kind, .. } => Some(kind.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(kinds, ["begin", "item", "end"], "{}", t.label);
        match events.last() {
            Some(RunEvent::Finished(outcome)) => {
                assert_eq!(outcome.status, RunStatus::Succeeded, "{}", t.label)
            }
            other => panic!("{}: expected Finished last, got {other:?}", t.label),
        }
    }
}
