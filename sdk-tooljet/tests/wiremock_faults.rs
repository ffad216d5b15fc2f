//! sdk-tooljet against scripted answers (wiremock): older servers' wordings,
//! status codes and bodies, retries, the stream and its fallback.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};
use trigger_sdk_core::{
    Error, PollPolicy, RetryPolicy, RunEvent, RunHandle, RunId, RunStatus, Trigger, TriggerMode,
    TriggerRequest, WaitOptions, sse::SseOptions,
};
use trigger_sdk_tooljet::{
    DataType, ExecutionState, StreamEventKind, ToolJetError, ToolJetWorkflow,
    ToolJetWorkflowBuilder,
};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_json, header, method, path, query_param},
};

const WF: &str = "2f6c3e8a-1d4b-4c5e-9f7a-0b1c2d3e4f50";
const TOKEN: &str = "7d3f1c2a-9b8e-4f6d-a5c4-3b2a1f0e9d8c";
const EXEC: &str = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d";

fn base() -> String {
    format!("/api/v2/webhooks/workflows/{WF}")
}

fn builder(server: &MockServer) -> ToolJetWorkflowBuilder {
    ToolJetWorkflow::builder(server.uri(), WF, TOKEN)
        .retry(
            RetryPolicy::default()
                .max_retries(3)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(5))
                .max_retry_after(Duration::from_secs(1))
                .jitter(false),
        )
        .poll(
            PollPolicy::default()
                .initial(Duration::from_millis(5))
                .max(Duration::from_millis(20))
                .factor(2.0),
        )
        .stream_options(
            SseOptions::default()
                .max_reconnects(2)
                .backoff(Duration::from_millis(5)),
        )
}

fn workflow(server: &MockServer) -> ToolJetWorkflow {
    builder(server).build().expect("workflow builds")
}

fn error_body(status: u16, message: &str) -> Value {
    json!({
        "statusCode": status,
        "timestamp": "2025-05-15T10:30:45.123Z",
        "path": format!("/api/v2/webhooks/workflows/{WF}/trigger?environment=development"),
        "message": message,
    })
}

async fn received(server: &MockServer, route_path: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == route_path)
        .count()
}

#[tokio::test]
async fn older_message_wordings_map_by_status() {
    let server = MockServer::start().await;
    let trigger = format!("{}/trigger", base());
    for (env, status, message) in [
        ("missing", 400, "Params - name is missing"),
        ("wrongtype", 400, "name has incorrect datatype"),
        (
            "hookoff",
            404,
            "Webhook endpoint disabled or doesn't exists",
        ),
        ("wfoff", 403, "Workflow is disabled or does not exist"),
        (
            "quota",
            451,
            "Maximum daily limit for workflow execution has reached for this workspace",
        ),
    ] {
        Mock::given(method("POST"))
            .and(path(trigger.as_str()))
            .and(query_param("environment", env))
            .respond_with(ResponseTemplate::new(status).set_body_json(error_body(status, message)))
            .mount(&server)
            .await;
    }
    let run = |env: &str| builder(&server).environment(env).build().expect("builds");

    let e = run("missing").trigger_sync(&json!({})).await.unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
    assert_eq!(
        e.api().map(|a| a.message.as_str()),
        Some("Params - name is missing")
    );

    let e = run("wrongtype")
        .trigger_sync(&json!({"name": 1}))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
    let detail = e.detail::<ToolJetError>().expect("typed detail");
    assert_eq!(detail.message, "name has incorrect datatype");

    // Before Aug 2025 a disabled webhook trigger answered 404, not 403.
    let e = run("hookoff").trigger_sync(&json!({})).await.unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    assert_eq!(
        e.api().map(|a| a.message.as_str()),
        Some("Webhook endpoint disabled or doesn't exists")
    );

    let e = run("wfoff").trigger_sync(&json!({})).await.unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)), "{e:?}");
    let e = run("quota").trigger_sync(&json!({})).await.unwrap_err();
    assert!(matches!(e, Error::QuotaExceeded(_)), "{e:?}");
}

#[tokio::test]
async fn sync_201_with_json_through_trigger_wait() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{}/trigger", base())))
        .and(query_param("environment", "staging"))
        .and(query_param("version", "v2"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(body_json(json!({"name": "Ada", "emp_id": 7})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"message": "Welcome Ada"})))
        .expect(1)
        .mount(&server)
        .await;
    let wf = builder(&server)
        .environment("staging")
        .version("v2")
        .build()
        .expect("builds");
    let handle = wf
        .trigger(
            TriggerRequest::json(&json!({"name": "Ada", "emp_id": 7}))
                .expect("json")
                .mode(TriggerMode::Wait),
        )
        .await
        .expect("triggered");
    let outcome = handle
        .wait(WaitOptions::timeout(Duration::from_secs(5)))
        .await
        .expect("finished at once");
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.http_status, Some(201));
    assert_eq!(outcome.output, json!({"message": "Welcome Ada"}));
}

#[tokio::test]
async fn sync_text_body_is_a_string_value() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{}/trigger", base())))
        .and(query_param("environment", "development"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("testvalue", "text/html; charset=utf-8"),
        )
        .mount(&server)
        .await;
    let answer = workflow(&server)
        .trigger_sync(&json!({}))
        .await
        .expect("answered");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.output, Value::String("testvalue".into()));
    assert!(!answer.is_json());
    assert_eq!(answer.text(), "testvalue");
    assert_eq!(answer.into_outcome().output_text(), "testvalue");
}

#[tokio::test]
async fn status_polls_retry_5xx_and_count_requests() {
    let server = MockServer::start().await;
    let status_path = format!("{}/status/{EXEC}", base());
    Mock::given(method("GET"))
        .and(path(status_path.as_str()))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(status_path.as_str()))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": true, "execution_status": "completed", "logs": [], "nodes": [],
            "result": {"ok": true}
        })))
        .with_priority(2)
        .mount(&server)
        .await;
    let run = workflow(&server).run(EXEC);
    let snapshot = run.status().await.expect("retried to success");
    assert_eq!(snapshot.status, RunStatus::Succeeded);
    assert_eq!(snapshot.output, Some(json!({"ok": true})));
    assert_eq!(
        received(&server, &status_path).await,
        3,
        "two 503s then the answer"
    );
}

#[tokio::test]
async fn status_poll_gives_up_after_the_retry_budget() {
    let server = MockServer::start().await;
    let status_path = format!("{}/status/{EXEC}", base());
    Mock::given(method("GET"))
        .and(path(status_path.as_str()))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(error_body(500, "Internal server error")),
        )
        .mount(&server)
        .await;
    let e = workflow(&server).run(EXEC).status().await.unwrap_err();
    assert!(matches!(e, Error::Server(_)), "{e:?}");
    assert_eq!(
        received(&server, &status_path).await,
        4,
        "first attempt + 3 retries"
    );
}

#[tokio::test]
async fn triggers_are_never_retried_after_sending() {
    let server = MockServer::start().await;
    let sync_path = format!("{}/trigger", base());
    let async_path = format!("{}/trigger-async", base());
    Mock::given(method("POST"))
        .and(path(sync_path.as_str()))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_json(error_body(429, "ThrottlerException: Too Many Requests"))
                .insert_header("retry-after", "12"),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(async_path.as_str()))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .mount(&server)
        .await;
    let wf = workflow(&server);
    let e = wf.trigger_sync(&json!({})).await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(12)));
    let e = wf.trigger_async(&json!({})).await.unwrap_err();
    assert!(matches!(e, Error::Ambiguous { .. }), "{e:?}");
    assert_eq!(received(&server, &sync_path).await, 1);
    assert_eq!(received(&server, &async_path).await, 1);
}

#[tokio::test]
async fn sync_500_is_workflow_failed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{}/trigger", base())))
        .respond_with(ResponseTemplate::new(500).set_body_json(error_body(
            500,
            "Workflow execution failed: query1 timed out",
        )))
        .mount(&server)
        .await;
    let e = workflow(&server)
        .trigger_sync(&json!({}))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::WorkflowFailed(_)), "{e:?}");
    assert_eq!(e.status(), Some(500));
}

#[tokio::test]
async fn declared_params_fail_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let wf = builder(&server)
        .param("name", DataType::String)
        .param("emp_id", DataType::Number)
        .build()
        .expect("builds");
    let e = wf
        .trigger_sync(&json!({"name": "Ada", "emp_id": "7"}))
        .await
        .unwrap_err();
    match &e {
        Error::Validation { details, error } => {
            assert_eq!(details.len(), 1);
            assert_eq!(details[0].path, vec!["emp_id".to_owned()]);
            assert_eq!(error.status, None);
        }
        other => panic!("expected Validation, got {other:?}"),
    }
    let e = wf.trigger_async(&json!({"name": "Ada"})).await.unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        0
    );
}

#[tokio::test]
async fn async_trigger_accepts_any_2xx_and_rebuilds_by_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{}/trigger-async", base())))
        .and(query_param("environment", "development"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "workflow_execution_id": EXEC, "timestamp": "2025-05-15T10:30:45Z"
        })))
        .mount(&server)
        .await;
    let wf = workflow(&server);
    let run = wf
        .trigger_async(&json!({"name": "Ada"}))
        .await
        .expect("accepted");
    assert_eq!(run.execution_id(), EXEC);
    assert_eq!(run.accepted_at(), Some("2025-05-15T10:30:45Z"));
    let resumed = wf.resume(RunId::new(EXEC)).expect("resumable");
    assert_eq!(resumed.run_id().map(RunId::as_str), Some(EXEC));
}

fn sse(frames: &[(u32, Value)]) -> String {
    let mut body = String::from("\n");
    for (id, data) in frames {
        body.push_str(&format!("id: {id}\ndata: {data}\n\n"));
    }
    body
}

fn ev(kind: &str) -> Value {
    json!({"type": kind, "executionId": EXEC})
}

#[tokio::test]
async fn stream_resumes_with_last_event_id_and_sends_the_token() {
    let server = MockServer::start().await;
    let stream_path = format!("{}/execution/{EXEC}/stream", base());
    let auth = format!("Bearer {TOKEN}");
    // First connection: two events, then the server closes it.
    Mock::given(method("GET"))
        .and(path(stream_path.as_str()))
        .and(header("authorization", auth.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            sse(&[
                (1, ev("workflow_connection_initialized")),
                (2, ev("workflow_execution_triggered")),
            ]),
            "text/event-stream",
        ))
        .with_priority(5)
        .mount(&server)
        .await;
    // Resumed after id 2: replays id 2 (must be skipped), then the rest.
    Mock::given(method("GET"))
        .and(path(stream_path.as_str()))
        .and(header("authorization", auth.as_str()))
        .and(header("last-event-id", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            sse(&[
                (2, ev("workflow_execution_triggered")),
                (3, ev("workflow_execution_running")),
                (
                    4,
                    json!({"type": "workflow_node_progress", "node": "query1"}),
                ),
            ]),
            "text/event-stream",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(stream_path.as_str()))
        .and(header("last-event-id", "4"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            sse(&[
                (5, json!({"type": "workflow_execution_completed", "executionId": EXEC, "result": {"message": "done"}})),
                (6, ev("workflow_connection_close")),
            ]),
            "text/event-stream",
        ))
        .with_priority(1)
        .mount(&server)
        .await;

    let run = workflow(&server).run(EXEC);
    let raw: Vec<_> = run.stream().collect().await;
    let kinds: Vec<StreamEventKind> = raw
        .iter()
        .map(|e| e.as_ref().expect("no stream error").kind.clone())
        .collect();
    assert_eq!(
        kinds,
        vec![
            StreamEventKind::ConnectionInitialized,
            StreamEventKind::Execution(ExecutionState::Triggered),
            StreamEventKind::Execution(ExecutionState::Running),
            StreamEventKind::Unknown("workflow_node_progress".into()),
            StreamEventKind::Execution(ExecutionState::Completed),
        ]
    );

    let events: Vec<RunEvent> = run.events().map(|e| e.expect("no error")).collect().await;
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(events[0], RunEvent::Status(RunStatus::Pending));
    assert_eq!(events[1], RunEvent::Status(RunStatus::Running));
    assert!(
        matches!(&events[2], RunEvent::Provider { kind, .. } if kind == "workflow_node_progress")
    );
    match &events[3] {
        RunEvent::Finished(outcome) => {
            assert_eq!(outcome.status, RunStatus::Succeeded);
            assert_eq!(outcome.output, json!({"message": "done"}));
        }
        other => panic!("expected Finished, got {other:?}"),
    }
}

#[tokio::test]
async fn a_closed_stream_is_never_the_end_and_polling_takes_over() {
    let server = MockServer::start().await;
    let stream_path = format!("{}/execution/{EXEC}/stream", base());
    let status_path = format!("{}/status/{EXEC}", base());
    // Every connection closes without a terminal event and without new events.
    Mock::given(method("GET"))
        .and(path(stream_path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            sse(&[(1, ev("workflow_execution_running"))]),
            "text/event-stream",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(status_path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": true, "execution_status": "failed", "logs": ["query1 failed"],
            "nodes": [{"id": "n1", "idOnDefinition": "query1", "executed": true,
                       "result": {"status": "failed", "data": {"message": "connection refused"}}}],
            "result": null
        })))
        .mount(&server)
        .await;
    let events: Vec<RunEvent> = workflow(&server)
        .run(EXEC)
        .events()
        .map(|e| e.expect("no error"))
        .collect()
        .await;
    assert_eq!(events.first(), Some(&RunEvent::Status(RunStatus::Running)));
    match events.last() {
        Some(RunEvent::Finished(outcome)) => {
            assert_eq!(outcome.status, RunStatus::Failed);
            let failure = outcome.failure.as_ref().expect("a failure");
            assert_eq!(failure.message, "connection refused");
            assert_eq!(failure.step.as_deref(), Some("query1"));
        }
        other => panic!("expected Finished last, got {other:?}"),
    }
    assert!(
        received(&server, &stream_path).await >= 2,
        "the stream was resumed before falling back"
    );
    assert!(received(&server, &status_path).await >= 1);
}

#[tokio::test]
async fn a_missing_stream_falls_back_to_polling() {
    let server = MockServer::start().await;
    let status_path = format!("{}/status/{EXEC}", base());
    Mock::given(method("GET"))
        .and(path(status_path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": false})))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(status_path.as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": true, "result": "ok"})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    // No stream mock: wiremock answers 404.
    let events: Vec<RunEvent> = workflow(&server)
        .run(EXEC)
        .events()
        .map(|e| e.expect("no error"))
        .collect()
        .await;
    assert_eq!(
        events.first(),
        Some(&RunEvent::Status(RunStatus::Running)),
        "status:false is running"
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, RunEvent::Status(_)))
            .count(),
        1,
        "an unchanged status is reported once: {events:?}"
    );
    match events.last() {
        Some(RunEvent::Finished(outcome)) => {
            assert_eq!(outcome.status, RunStatus::Succeeded);
            assert_eq!(outcome.output, json!("ok"));
        }
        other => panic!("expected Finished last, got {other:?}"),
    }
}

#[tokio::test]
async fn wait_honours_its_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{}/status/{EXEC}", base())))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": false, "execution_status": "running"})),
        )
        .mount(&server)
        .await;
    let e = workflow(&server)
        .run(EXEC)
        .wait(
            WaitOptions::timeout(Duration::from_millis(50)).with_poll(
                PollPolicy::default()
                    .initial(Duration::from_millis(5))
                    .max(Duration::from_millis(10))
                    .factor(1.5),
            ),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
}

#[tokio::test]
async fn unknown_execution_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{}/status/{EXEC}", base())))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(error_body(404, "Execution not found")),
        )
        .mount(&server)
        .await;
    let e = workflow(&server).run(EXEC).status().await.unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    assert_eq!(
        e.api().map(|a| a.message.as_str()),
        Some("Execution not found")
    );
}

#[tokio::test]
async fn an_unanswered_sync_trigger_is_ambiguous_and_sent_once() {
    let server = MockServer::start().await;
    let sync_path = format!("{}/trigger", base());
    Mock::given(method("POST"))
        .and(path(sync_path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    // Long enough for the request to reach the server on a loaded machine,
    // far shorter than the answer's delay.
    let wf = builder(&server)
        .sync_timeout(Duration::from_secs(1))
        .build()
        .expect("builds");
    let e = wf.trigger_sync(&json!({})).await.unwrap_err();
    assert!(matches!(e, Error::Ambiguous { .. }), "{e:?}");
    assert_eq!(received(&server, &sync_path).await, 1);
}

#[tokio::test]
async fn trigger_requests_carry_extra_query_and_headers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{}/trigger-async", base())))
        .and(query_param("environment", "development"))
        .and(query_param("source", "docs"))
        .and(header("x-request-id", "42"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "workflow_execution_id": 12345, "timestamp": "2025-05-15T10:30:45Z"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let handle = workflow(&server)
        .trigger(
            TriggerRequest::new(Value::Null)
                .query("source", "docs")
                .header("x-request-id", "42")
                .idempotency_key("ignored-by-tooljet")
                .mode(TriggerMode::Follow),
        )
        .await
        .expect("accepted");
    assert_eq!(
        handle.run_id().map(RunId::as_str),
        Some("12345"),
        "numeric ids are kept as text"
    );
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].body, b"{}",
        "a null payload is sent as an empty object"
    );
    assert!(requests[0].headers.get("idempotency-key").is_none());
}
