//! sdk-tooljet against the reference server's ToolJet face (`sdk-tooljet/docs/contract.md`),
//! over a real loopback socket: one test per contract row.

#![cfg(feature = "tooljet")]

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};
use trigger_sdk_core::{
    Error, PollPolicy, RateLimit, RetryPolicy, RunEvent, RunHandle, RunId, RunStatus, Trigger,
    TriggerMode, TriggerRequest, WaitOptions, sse::SseOptions,
};
use trigger_sdk_reference_server::config::{Config, Step, ToolJetExposure, Workflow};
use trigger_sdk_reference_server::{ReferenceServer, creds, demo};
use trigger_sdk_tooljet::{
    DataType, ExecutionState, StreamEventKind, ToolJetWorkflow, ToolJetWorkflowBuilder,
};

const FAILING: &str = "2f6c3e8a-1d4b-4c5e-9f7a-0b1c2d3e4f5f";
const SWITCHED_OFF: &str = "2f6c3e8a-1d4b-4c5e-9f7a-0b1c2d3e4f5e";

fn wait_options() -> WaitOptions {
    WaitOptions::timeout(Duration::from_secs(20))
}

fn ada() -> Value {
    json!({"name": "Ada", "emp_id": 7})
}

/// The demo set plus a workflow whose run fails and one that is switched off.
fn config() -> Config {
    let mut config = demo();
    let exposure = ToolJetExposure {
        token: creds::TOOLJET_TOKEN.to_owned(),
        ..ToolJetExposure::default()
    };
    let mut failing = Workflow::new(
        FAILING,
        "Always Fails",
        vec![
            Step::delay("wait", 50),
            Step::fail("query1", "connection refused"),
        ],
    );
    failing.tooljet = Some(exposure.clone());
    let mut off = Workflow::new(SWITCHED_OFF, "Switched Off", vec![Step::delay("wait", 1)]);
    off.tooljet = Some(ToolJetExposure {
        enabled: false,
        ..exposure
    });
    config.workflows.push(failing);
    config.workflows.push(off);
    config
}

async fn start(config: Config) -> ReferenceServer {
    ReferenceServer::start(config)
        .await
        .expect("reference server starts")
}

fn builder(server: &ReferenceServer, workflow_id: &str) -> ToolJetWorkflowBuilder {
    ToolJetWorkflow::builder(server.tooljet_url(), workflow_id, creds::TOOLJET_TOKEN)
        .stream_options(SseOptions::default().backoff(Duration::from_millis(20)))
}

fn demo_workflow(server: &ReferenceServer) -> ToolJetWorkflow {
    builder(server, creds::TOOLJET_WORKFLOW)
        .build()
        .expect("workflow builds")
}

#[tokio::test]
async fn sync_trigger_returns_the_response_node_value() {
    let server = start(config()).await;
    let workflow = demo_workflow(&server);
    let answer = workflow.trigger_sync(&ada()).await.expect("sync answer");
    assert_eq!(answer.status, 200);
    assert!(answer.is_json());
    assert_eq!(answer.output["message"], "Welcome Ada");
    assert_eq!(answer.output["emp_id"], json!(7));

    // The same through `dyn Trigger` with `Wait`: a finished handle.
    let trigger: Box<dyn Trigger> = Box::new(workflow);
    let handle = trigger
        .trigger(
            TriggerRequest::json(&json!({"name": "Grace", "emp_id": 8}))
                .expect("json")
                .mode(TriggerMode::Wait),
        )
        .await
        .expect("triggered");
    let outcome = handle.wait(wait_options()).await.expect("finished");
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.http_status, Some(200));
    assert_eq!(outcome.output["message"], "Welcome Grace");
    server.shutdown().await;
}

#[tokio::test]
async fn sync_trigger_runs_in_the_chosen_environment_and_version() {
    let server = start(config()).await;
    let workflow = builder(&server, creds::TOOLJET_WORKFLOW)
        .environment("production")
        .version("v2")
        .build()
        .expect("builds");
    let answer = workflow.trigger_sync(&ada()).await.expect("sync answer");
    assert_eq!(answer.output["message"], "Welcome Ada");
    server.shutdown().await;
}

#[tokio::test]
async fn async_trigger_then_status_until_completion() {
    let server = start(config()).await;
    let workflow = demo_workflow(&server);
    let run = workflow.trigger_async(&ada()).await.expect("accepted");
    assert!(!run.execution_id().is_empty());
    assert!(run.accepted_at().is_some());

    let first = run.status().await.expect("status");
    assert!(
        matches!(
            first.status,
            RunStatus::Pending | RunStatus::Running | RunStatus::Succeeded
        ),
        "{first:?}"
    );
    let outcome = run.wait(wait_options()).await.expect("finished");
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(
        outcome.run_id.as_ref().map(RunId::as_str),
        Some(run.execution_id())
    );
    assert_eq!(outcome.output["message"], "Welcome Ada");
    assert!(
        outcome.steps.iter().any(|s| s.id == "response"),
        "{:?}",
        outcome.steps
    );

    let typed = run.execution_status().await.expect("status document");
    assert_eq!(typed.executed, Some(true));
    server.shutdown().await;
}

#[tokio::test]
async fn a_handle_is_rebuilt_from_workflow_and_execution_ids() {
    let server = start(config()).await;
    let run = demo_workflow(&server)
        .trigger_async(&ada())
        .await
        .expect("accepted");
    let execution_id = run.execution_id().to_owned();
    drop(run);

    // Another "process": a new workflow object, the same ids.
    let elsewhere = demo_workflow(&server);
    let rebuilt = elsewhere.run(execution_id.clone());
    let outcome = rebuilt.wait(wait_options()).await.expect("finished");
    assert_eq!(outcome.status, RunStatus::Succeeded);

    let resumed = elsewhere
        .resume(RunId::new(execution_id.clone()))
        .expect("resumable");
    let snapshot = resumed.status().await.expect("status");
    assert_eq!(snapshot.status, RunStatus::Succeeded);
    assert_eq!(snapshot.run_id, Some(RunId::new(execution_id)));
    server.shutdown().await;
}

#[tokio::test]
async fn follow_mode_through_dyn_trigger_gives_a_trackable_run() {
    let server = start(config()).await;
    let trigger: Box<dyn Trigger> = Box::new(demo_workflow(&server));
    let handle = trigger
        .trigger(TriggerRequest::json(&ada()).expect("json"))
        .await
        .expect("triggered");
    assert!(handle.run_id().is_some());
    let outcome = handle.wait(wait_options()).await.expect("finished");
    assert_eq!(outcome.output["message"], "Welcome Ada");
    server.shutdown().await;
}

/// Every frame with an id, read with plain reqwest (resuming with
/// `Last-Event-ID` by hand), until the terminal event: the oracle.
async fn raw_frames(server: &ReferenceServer, execution_id: &str) -> Vec<(String, String)> {
    let url = format!(
        "{}/api/v2/webhooks/workflows/{}/execution/{execution_id}/stream",
        server.tooljet_url(),
        creds::TOOLJET_WORKFLOW
    );
    let http = reqwest::Client::new();
    let mut frames: Vec<(String, String)> = Vec::new();
    for _ in 0..20 {
        let mut request = http.get(&url).bearer_auth(creds::TOOLJET_TOKEN);
        if let Some((id, _)) = frames.last() {
            request = request.header("last-event-id", id.as_str());
        }
        let text = request
            .send()
            .await
            .expect("stream answers")
            .text()
            .await
            .expect("stream body");
        for block in text.split("\n\n") {
            let id = block.lines().find_map(|l| l.strip_prefix("id: "));
            let data = block.lines().find_map(|l| l.strip_prefix("data: "));
            if let (Some(id), Some(data)) = (id, data) {
                let kind = serde_json::from_str::<Value>(data).expect("JSON data")["type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                frames.push((id.to_owned(), kind));
            }
        }
        if frames
            .last()
            .is_some_and(|(_, kind)| StreamEventKind::parse(kind).is_terminal())
        {
            return frames;
        }
    }
    panic!("no terminal frame in 20 connections: {frames:?}");
}

#[tokio::test]
async fn async_trigger_then_stream_sees_every_event_in_order() {
    let server = start(config()).await;
    let run = demo_workflow(&server)
        .trigger_async(&ada())
        .await
        .expect("accepted");

    let events: Vec<RunEvent> = run
        .events()
        .map(|e| e.expect("no stream error"))
        .collect()
        .await;
    assert_eq!(
        events.len(),
        3,
        "triggered, running, then finished: {events:?}"
    );
    assert_eq!(
        events[..2],
        [
            RunEvent::Status(RunStatus::Pending),
            RunEvent::Status(RunStatus::Running)
        ]
    );
    match events.last() {
        Some(RunEvent::Finished(outcome)) => {
            assert_eq!(outcome.status, RunStatus::Succeeded);
            assert_eq!(outcome.output["message"], "Welcome Ada");
        }
        other => panic!("expected Finished last, got {other:?}"),
    }

    // The typed stream gives exactly the server's frames, in order.
    let seen: Vec<(String, String)> = run
        .stream()
        .map(|e| e.expect("no stream error"))
        .filter(|e| futures::future::ready(e.id.is_some()))
        .map(|e| (e.id.unwrap_or_default(), e.kind.as_str().to_owned()))
        .collect()
        .await;
    assert_eq!(seen, raw_frames(&server, run.execution_id()).await);
    server.shutdown().await;
}

#[tokio::test]
async fn a_stream_cut_by_the_server_is_resumed_without_loss_or_repeats() {
    let mut config = config();
    config.tooljet.stream_drop_after = Some(2);
    let server = start(config).await;
    let run = demo_workflow(&server)
        .trigger_async(&ada())
        .await
        .expect("accepted");

    let oracle = raw_frames(&server, run.execution_id()).await;
    assert!(
        oracle.len() > 2,
        "the run has more events than one connection carries: {oracle:?}"
    );

    let stream: Vec<_> = run
        .stream()
        .map(|e| e.expect("no stream error"))
        .collect()
        .await;
    let with_ids: Vec<(String, String)> = stream
        .iter()
        .filter_map(|e| Some((e.id.clone()?, e.kind.as_str().to_owned())))
        .collect();
    assert_eq!(with_ids, oracle, "every event once, in order");
    assert!(
        stream
            .iter()
            .filter(|e| e.kind == StreamEventKind::ConnectionInitialized)
            .count()
            >= 2,
        "the SDK reconnected"
    );

    let events: Vec<RunEvent> = run
        .events()
        .map(|e| e.expect("no stream error"))
        .collect()
        .await;
    let statuses: Vec<&RunStatus> = events.iter().filter_map(RunEvent::status).collect();
    assert_eq!(
        statuses,
        vec![
            &RunStatus::Pending,
            &RunStatus::Running,
            &RunStatus::Succeeded
        ]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_failing_run_fails_sync_and_async() {
    let server = start(config()).await;
    let workflow = builder(&server, FAILING).build().expect("builds");

    let e = workflow.trigger_sync(&json!({})).await.unwrap_err();
    assert!(matches!(e, Error::WorkflowFailed(_)), "{e:?}");
    assert_eq!(e.status(), Some(500));
    assert!(
        e.api()
            .is_some_and(|a| a.message.starts_with("Workflow execution failed")),
        "{e:?}"
    );

    let run = workflow.trigger_async(&json!({})).await.expect("accepted");
    let events: Vec<RunEvent> = run
        .events()
        .map(|e| e.expect("no stream error"))
        .collect()
        .await;
    match events.last() {
        Some(RunEvent::Finished(outcome)) => {
            assert_eq!(outcome.status, RunStatus::Failed);
            assert!(
                outcome
                    .failure
                    .as_ref()
                    .is_some_and(|f| f.message.contains("connection refused")),
                "{outcome:?}"
            );
        }
        other => panic!("expected Finished last, got {other:?}"),
    }
    let outcome = run.wait(wait_options()).await.expect("finished");
    assert_eq!(outcome.status, RunStatus::Failed);
    assert!(matches!(
        outcome.clone().into_result(),
        Err(Error::WorkflowFailed(_))
    ));
    let failure = outcome.failure.expect("a failure");
    assert!(
        failure.message.contains("connection refused"),
        "{failure:?}"
    );
    server.shutdown().await;
}

fn message(e: &Error) -> &str {
    e.api().map(|a| a.message.as_str()).unwrap_or_default()
}

#[tokio::test]
async fn error_rows_map_by_status() {
    let mut config = config();
    config.body_limit = 4096;
    let server = start(config).await;
    let url = server.tooljet_url();

    // Unknown workflow → 404.
    let e = builder(&server, "2f6c3e8a-1d4b-4c5e-9f7a-ffffffffffff")
        .build()
        .expect("builds")
        .trigger_sync(&ada())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    assert_eq!(message(&e), "Workflow doesn't exists");

    // Wrong token → 401.
    let e = ToolJetWorkflow::new(&url, creds::TOOLJET_WORKFLOW, "not-the-token")
        .expect("builds")
        .trigger_async(&ada())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unauthorized(_)), "{e:?}");
    assert_eq!(message(&e), "Invalid authentication token");

    // Workflow disabled → 403.
    let e = builder(&server, SWITCHED_OFF)
        .build()
        .expect("builds")
        .trigger_sync(&json!({}))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)), "{e:?}");
    assert_eq!(message(&e), "Workflow is disabled or does not exist");

    // Webhook trigger disabled → 403.
    let e = builder(&server, creds::TOOLJET_DISABLED_WORKFLOW)
        .build()
        .expect("builds")
        .trigger_async(&ada())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)), "{e:?}");
    assert_eq!(message(&e), "Webhook endpoint disabled or doesn't exists");

    // Unknown environment → 404.
    let e = builder(&server, creds::TOOLJET_WORKFLOW)
        .environment("developmen")
        .build()
        .expect("builds")
        .trigger_sync(&ada())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    assert_eq!(message(&e), "Invalid environment");

    // Unknown version → 404.
    let e = builder(&server, creds::TOOLJET_WORKFLOW)
        .version("v9")
        .build()
        .expect("builds")
        .trigger_sync(&ada())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    assert!(message(&e).starts_with("Version \"v9\" not found"), "{e:?}");

    // Declared parameter missing / of the wrong type → 400 from the server.
    let workflow = demo_workflow(&server);
    let e = workflow
        .trigger_sync(&json!({"name": "Ada"}))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
    assert_eq!(e.status(), Some(400));
    let e = workflow
        .trigger_async(&json!({"name": "Ada", "emp_id": "7"}))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
    assert_eq!(e.status(), Some(400));

    // The same with the parameters declared in the SDK: refused before sending.
    let checked = builder(&server, creds::TOOLJET_WORKFLOW)
        .param("name", DataType::String)
        .param("emp_id", DataType::Number)
        .build()
        .expect("builds");
    let e = checked
        .trigger_sync(&json!({"name": "Ada", "emp_id": "7"}))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
    assert_eq!(e.status(), None, "no request was made");

    // Body over the limit → 413 (plain text).
    let big = json!({"name": "x".repeat(8192), "emp_id": 1});
    let e = workflow.trigger_sync(&big).await.unwrap_err();
    assert!(matches!(e, Error::PayloadTooLarge(_)), "{e:?}");

    // Unknown execution → 404.
    let e = workflow
        .run("00000000-0000-4000-8000-000000000000")
        .status()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    assert_eq!(message(&e), "Execution not found");
    server.shutdown().await;
}

fn throttled_config(limit: u32, ttl: Duration) -> Config {
    let mut config = config();
    config.tooljet.throttle_limit = limit;
    config.tooljet.throttle_ttl = ttl;
    config
}

#[tokio::test]
async fn without_the_limiter_throttled_triggers_are_rate_limited() {
    let server = start(throttled_config(10, Duration::from_secs(60))).await;
    let workflow = demo_workflow(&server);
    let params = ada();
    let results = futures::future::join_all((0..50).map(|_| workflow.trigger_async(&params))).await;
    let accepted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(accepted, 10, "the server admits its limit per window");
    for result in results.iter().filter(|r| r.is_err()) {
        match result {
            Err(e @ Error::RateLimited { .. }) => {
                assert_eq!(e.status(), Some(429));
                assert!(e.retry_after().is_some(), "{e:?}");
                assert_eq!(message(e), "ThrottlerException: Too Many Requests");
            }
            other => panic!("expected RateLimited, got {other:?}"),
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn with_the_limiter_a_batch_of_50_sees_no_429() {
    // 20 per 2 s: the batch takes about 5 s (the limiter never sends more
    // than 20 in any 2 s).
    let limit = RateLimit::new(20, Duration::from_secs(2));
    let server = start(throttled_config(limit.requests, limit.per)).await;
    let workflow = builder(&server, creds::TOOLJET_WORKFLOW)
        .rate_limit(limit)
        .build()
        .expect("builds");
    let params = ada();
    let results = futures::future::join_all((0..50).map(|_| workflow.trigger_async(&params))).await;
    let errors: Vec<&Error> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(results.len(), 50);
    server.shutdown().await;
}

/// The demo set plus a ToolJet workflow that runs for 3 s, throttled at
/// `limit` per `ttl`.
fn slow_throttled_config(limit: u32, ttl: Duration) -> Config {
    let mut config = throttled_config(limit, ttl);
    let mut slow = Workflow::new(
        SLOW,
        "Slow Report",
        vec![
            Step::delay("collect", 3_000),
            Step::respond("response", 200, json!({"rows": 42})),
        ],
    );
    slow.tooljet = Some(ToolJetExposure {
        token: creds::TOOLJET_TOKEN.to_owned(),
        ..ToolJetExposure::default()
    });
    config.workflows.push(slow);
    config
}

const SLOW: &str = "2f6c3e8a-1d4b-4c5e-9f7a-0b1c2d3e4f5d";

/// ToolJet throttles status polls like triggers (100 per 60 s per client IP
/// and route): 105 polls without the limiter get 5 refusals; through the
/// limiter (window shortened to 2 s on both sides) none, and a follow loop
/// polling every millisecond for 3 s sees no 429 either. No SDK retries, so
/// a 429 could not hide behind one.
#[tokio::test]
async fn status_polls_stay_under_the_throttle_with_the_limiter() {
    let server = start(throttled_config(100, Duration::from_secs(60))).await;
    let unlimited = builder(&server, creds::TOOLJET_WORKFLOW)
        .retry(RetryPolicy::none())
        .build()
        .expect("builds");
    let run = unlimited.trigger_async(&ada()).await.expect("started");
    let polls = futures::future::join_all((0..105).map(|_| run.execution_status())).await;
    let refused: Vec<&Error> = polls.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(refused.len(), 5, "{refused:?}");
    for e in refused {
        assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
        assert_eq!(message(e), "ThrottlerException: Too Many Requests");
    }
    server.shutdown().await;

    let window = Duration::from_secs(2);
    let server = start(slow_throttled_config(100, window)).await;
    let limited = |workflow_id: &str| {
        builder(&server, workflow_id)
            .rate_limit(RateLimit::new(100, window))
            .retry(RetryPolicy::none())
            .build()
            .expect("builds")
    };
    let workflow = limited(creds::TOOLJET_WORKFLOW);
    let run = workflow.trigger_async(&ada()).await.expect("started");
    let polls = futures::future::join_all((0..105).map(|_| run.execution_status())).await;
    let errors: Vec<&Error> = polls.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(errors.is_empty(), "{errors:?}");

    let slow = limited(SLOW);
    let run = slow.trigger_async(&ada()).await.expect("started");
    let every_millisecond = PollPolicy::default()
        .initial(Duration::from_millis(1))
        .max(Duration::from_millis(1))
        .factor(1.0);
    let outcome = run
        .wait(WaitOptions::timeout(Duration::from_secs(60)).with_poll(every_millisecond))
        .await
        .expect("no 429 while following");
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.output, json!({"rows": 42}));
    server.shutdown().await;
}

/// Every stream connection counts on the stream route's throttle. Cut after
/// each event, a stream reconnects once per event; with one reconnect
/// allowed in a row, a refused connection ends the stream with the 429.
/// Without the limiter the third connection within the window is refused;
/// with it (2 per 2 s on both sides) every event arrives.
#[tokio::test]
async fn stream_reconnects_stay_under_the_throttle_with_the_limiter() {
    let cut_after_each_event = |ttl: Duration| {
        let mut config = throttled_config(2, ttl);
        config.tooljet.stream_drop_after = Some(1);
        config
    };
    let one_reconnect = SseOptions::default()
        .max_reconnects(1)
        .backoff(Duration::from_millis(20));
    let server = start(cut_after_each_event(Duration::from_secs(60))).await;
    let run = builder(&server, creds::TOOLJET_WORKFLOW)
        .stream_options(one_reconnect.clone())
        .build()
        .expect("builds")
        .trigger_async(&ada())
        .await
        .expect("accepted");
    let items: Vec<_> = run.stream().collect().await;
    let refused = items
        .iter()
        .find_map(|item| item.as_ref().err())
        .expect("the third connection is throttled");
    assert_eq!(refused.status(), Some(429), "{refused:?}");
    server.shutdown().await;

    let window = Duration::from_secs(2);
    let server = start(cut_after_each_event(window)).await;
    let run = builder(&server, creds::TOOLJET_WORKFLOW)
        .stream_options(one_reconnect)
        .rate_limit(RateLimit::new(2, window))
        .build()
        .expect("builds")
        .trigger_async(&ada())
        .await
        .expect("accepted");
    let events: Vec<_> = run
        .stream()
        .map(|e| e.expect("no 429 through the limiter"))
        .collect()
        .await;
    let connections = events
        .iter()
        .filter(|e| e.kind == StreamEventKind::ConnectionInitialized)
        .count();
    assert!(connections >= 3, "{events:?}");
    assert_eq!(
        events
            .iter()
            .rev()
            .find(|e| e.id.is_some())
            .map(|e| e.kind.clone()),
        Some(StreamEventKind::Execution(ExecutionState::Completed)),
        "{events:?}"
    );
    server.shutdown().await;
}
