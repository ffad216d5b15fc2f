//! sdk-runs against wiremock: retries with one idempotency key, 429 with
//! `Retry-After`, envelope decoding errors, polling, events, pagination and
//! batches.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use futures::TryStreamExt;
use serde_json::{Value, json};
use trigger_sdk_core::{
    Error, PollPolicy, RetryPolicy, RunEvent, RunHandle, RunStatus, StepStatus, Trigger,
    TriggerRequest, WaitOptions,
};
use trigger_sdk_runs::{ListRuns, RunRequest, RunsApiError, RunsClient, RunsErrorCode};
use wiremock::{
    Mock, MockServer, Request, Respond, ResponseTemplate,
    matchers::{header, method, path, query_param},
};

const KEY: &str = "wfk_test0000000000000000000000000000";

/// Tiny backoffs: retries and polls take milliseconds.
fn client(server: &MockServer) -> RunsClient {
    client_with(server, fast_retry())
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(3)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .max_retry_after(Duration::from_secs(1))
        .jitter(false)
}

fn client_with(server: &MockServer, retry: RetryPolicy) -> RunsClient {
    RunsClient::builder(server.uri(), KEY)
        .retry(retry)
        .poll(fast_poll())
        .build()
        .unwrap()
}

fn fast_poll() -> PollPolicy {
    PollPolicy::default()
        .initial(Duration::from_millis(1))
        .max(Duration::from_millis(5))
        .factor(2.0)
}

fn created(run_id: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({
        "success": true,
        "data": {"runId": run_id, "status": "pending", "workflowId": "wf_1", "workflowVersion": 3}
    }))
}

fn error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "success": false, "error": {"code": code, "message": message}
    }))
}

async fn post_bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| r.body_json::<Value>().unwrap())
        .collect()
}

#[tokio::test]
async fn two_503s_then_201_is_three_requests_with_one_key_and_one_handle() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/wf_1/run"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream unavailable"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/wf_1/run"))
        .and(header("x-api-key", KEY))
        .respond_with(created("run_1"))
        .mount(&server)
        .await;

    let handle = client(&server)
        .run("wf_1", RunRequest::new(json!({"orderId": "A1"})))
        .await
        .unwrap();

    let bodies = post_bodies(&server).await;
    assert_eq!(bodies.len(), 3, "exactly three requests");
    let key = bodies[0]["idempotencyKey"].as_str().unwrap();
    assert!(!key.is_empty());
    assert!(bodies.iter().all(|b| b["idempotencyKey"] == key));
    assert!(
        bodies
            .iter()
            .all(|b| b["input"] == json!({"orderId": "A1"}))
    );
    assert_eq!(handle.id().as_str(), "run_1");
    assert_eq!(handle.idempotency_key(), Some(key));
    assert!(!handle.is_existing_run());
}

#[tokio::test]
async fn the_callers_key_and_connection_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(created("run_2"))
        .mount(&server)
        .await;
    client(&server)
        .run(
            "wf_1",
            RunRequest::default()
                .connection_id("conn_1")
                .idempotency_key("order-7"),
        )
        .await
        .unwrap();
    let bodies = post_bodies(&server).await;
    assert_eq!(
        bodies,
        [json!({"connectionId": "conn_1", "idempotencyKey": "order-7"})]
    );
}

#[tokio::test]
async fn a_replayed_key_says_it_is_an_existing_run() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": true,
            "data": {"runId": "run_old", "status": "completed", "workflowId": "wf_1", "workflowVersion": 3}
        })))
        .mount(&server)
        .await;
    let handle = client(&server)
        .run("wf_1", RunRequest::default().idempotency_key("k"))
        .await
        .unwrap();
    assert!(handle.is_existing_run());
    assert_eq!(handle.id().as_str(), "run_old");
    assert_eq!(
        handle.start_answer().map(|s| s.status.clone()),
        Some(RunStatus::Succeeded)
    );
}

fn gets(requests: &[Request]) -> usize {
    requests
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .count()
}

/// The replay check reads the run once on a replay (200), never on a new run
/// (201), and reports another input as a typed conflict.
#[tokio::test]
async fn the_replay_check_reads_once_only_on_replays() {
    let server = MockServer::start().await;
    let replies = Arc::new(AtomicUsize::new(0));
    let seen = replies.clone();
    Mock::given(method("POST"))
        .respond_with(move |_: &Request| {
            let status = if seen.fetch_add(1, Ordering::SeqCst) == 0 { 201 } else { 200 };
            ResponseTemplate::new(status).set_body_json(json!({
                "success": true,
                "data": {"runId": "run_1", "status": "pending", "workflowId": "wf_1", "workflowVersion": 3}
            }))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/runs/run_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": true,
            "data": {"id": "run_1", "status": "completed",
                     "input": {"orderId": "order_123", "currency": "usd"}}
        })))
        .mount(&server)
        .await;
    let client = client(&server);
    let request = |order: &str| {
        RunRequest::new(json!({"orderId": order}))
            .idempotency_key("process-order-123")
            .check_replay()
    };

    let first = client.run("wf_1", request("order_123")).await.unwrap();
    assert!(!first.is_existing_run());
    assert_eq!(gets(&server.received_requests().await.unwrap()), 0);

    // The same input again: the existing run, after one read.
    let same = client.run("wf_1", request("order_123")).await.unwrap();
    assert!(same.is_existing_run());
    assert_eq!(gets(&server.received_requests().await.unwrap()), 1);

    let err = client.run("wf_1", request("order_124")).await.unwrap_err();
    assert_eq!(gets(&server.received_requests().await.unwrap()), 2);
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(err.code(), Some(trigger_sdk_runs::REPLAY_CONFLICT_CODE));
    let conflict = err.detail::<trigger_sdk_runs::ReplayConflict>().unwrap();
    assert_eq!(conflict.run_id.as_str(), "run_1");
    assert_eq!(conflict.idempotency_key, "process-order-123");
    assert_eq!(
        conflict.differences,
        ["orderId: sent \"order_124\", the run has \"order_123\""]
    );

    // Without the check, a replay is never read.
    let unchecked = client
        .run(
            "wf_1",
            RunRequest::new(json!({"orderId": "order_999"})).idempotency_key("process-order-123"),
        )
        .await
        .unwrap();
    assert!(unchecked.is_existing_run());
    assert_eq!(gets(&server.received_requests().await.unwrap()), 2);
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_with_the_same_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            error(
                429,
                "RATE_LIMITED",
                "Rate limit exceeded. Limit: 500 requests per minute.",
            )
            .insert_header("retry-after", "0"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(created("run_3"))
        .mount(&server)
        .await;
    let handle = client(&server)
        .run("wf_1", RunRequest::default())
        .await
        .unwrap();
    assert_eq!(handle.id().as_str(), "run_3");
    let bodies = post_bodies(&server).await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["idempotencyKey"], bodies[1]["idempotencyKey"]);
}

#[tokio::test]
async fn a_long_retry_after_surfaces_rate_limited_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            error(
                429,
                "RATE_LIMITED",
                "Rate limit exceeded. Limit: 500 requests per minute.",
            )
            .insert_header("retry-after", "120"),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .run("wf_1", RunRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(
        err.detail::<RunsApiError>().map(|d| d.code.clone()),
        Some(RunsErrorCode::RateLimited)
    );
    assert_eq!(post_bodies(&server).await.len(), 1);
}

#[tokio::test]
async fn persistent_429s_end_as_rate_limited_after_the_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error(429, "RATE_LIMITED", "slow down").insert_header("retry-after", "0"))
        .mount(&server)
        .await;
    let err = client(&server)
        .run("wf_1", RunRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    assert_eq!(post_bodies(&server).await.len(), 4, "1 attempt + 3 retries");
}

#[tokio::test]
async fn envelope_decoding_errors_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/html/run"))
        .respond_with(ResponseTemplate::new(201).set_body_string("<html>created</html>"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/no-id/run"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"success": true, "data": {}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/no-flag/run"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"data": {"runId": "r"}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/runs/false-success"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": false, "error": {"code": "NOT_FOUND", "message": "Run not found"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/runs/bad-gateway"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
        .mount(&server)
        .await;
    let client = client_with(&server, RetryPolicy::none());

    let html = client.run("html", RunRequest::default()).await.unwrap_err();
    assert!(
        matches!(&html, Error::Decode { status: Some(201), body: Some(b), .. } if b.contains("created")),
        "{html:?}"
    );
    let no_id = client
        .run("no-id", RunRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(no_id, Error::Decode { .. }), "{no_id:?}");
    let no_flag = client
        .run("no-flag", RunRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(no_flag, Error::Decode { .. }), "{no_flag:?}");
    let not_found = client.get_run("false-success").await.unwrap_err();
    assert!(matches!(not_found, Error::NotFound(_)), "{not_found:?}");
    let gateway = client.get_run("bad-gateway").await.unwrap_err();
    assert!(matches!(gateway, Error::Server(_)), "{gateway:?}");
    assert_eq!(gateway.body(), Some("<html>bad gateway</html>"));
}

#[tokio::test]
async fn validation_errors_carry_every_path_and_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "success": false,
            "error": {"code": "VALIDATION_ERROR", "message": "Input validation failed",
                      "details": [{"path": ["customerId"], "message": "Required"},
                                  {"path": ["amount"], "message": "Number must be greater than or equal to 100"}]}
        })))
        .mount(&server)
        .await;
    let err = client(&server)
        .run("wf_1", RunRequest::new(json!({"amount": 5})))
        .await
        .unwrap_err();
    let Error::Validation { details, .. } = &err else {
        panic!("expected Validation, got {err:?}");
    };
    let paths: Vec<String> = details.iter().map(|d| d.path.join(".")).collect();
    assert_eq!(paths, ["customerId", "amount"]);
    assert_eq!(details[0].message, "Required");
    assert_eq!(post_bodies(&server).await.len(), 1);
}

/// Answers `GET /runs/{id}` with the next document of a list (the last one
/// repeats).
struct Sequence {
    documents: Vec<Value>,
    next: AtomicUsize,
}

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        let doc = &self.documents[i.min(self.documents.len() - 1)];
        ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": doc}))
    }
}

fn run_doc(status: &str, steps: Value, output: Value, error: Value) -> Value {
    json!({"id": "run_p", "workflowId": "wf_1", "workflowVersion": 1, "status": status,
           "triggerType": "api", "input": {}, "output": output, "error": error, "steps": steps})
}

async fn mount_sequence(server: &MockServer, documents: Vec<Value>) {
    Mock::given(method("GET"))
        .and(path("/api/v1/runs/run_p"))
        .respond_with(Sequence {
            documents,
            next: AtomicUsize::new(0),
        })
        .mount(server)
        .await;
}

#[tokio::test]
async fn events_yield_status_and_step_changes_then_the_outcome() {
    let server = MockServer::start().await;
    mount_sequence(
        &server,
        vec![
            run_doc("pending", json!([]), Value::Null, Value::Null),
            run_doc(
                "running",
                json!([{"id": "a", "name": "A", "type": "transform", "status": "running"}]),
                Value::Null,
                Value::Null,
            ),
            run_doc(
                "running",
                json!([{"id": "a", "name": "A", "type": "transform", "status": "completed", "output": {"x": 1}},
                       {"id": "b", "name": "B", "type": "action", "status": "running"}]),
                Value::Null,
                Value::Null,
            ),
            run_doc(
                "completed",
                json!([{"id": "a", "name": "A", "type": "transform", "status": "completed", "output": {"x": 1}},
                       {"id": "b", "name": "B", "type": "action", "status": "completed", "output": {"id": "inv_1"}}]),
                json!({"total": 54.0}),
                Value::Null,
            ),
        ],
    )
    .await;
    let handle = client(&server).handle("run_p");
    let events: Vec<RunEvent> = handle.events().try_collect().await.unwrap();
    let summary: Vec<String> = events
        .iter()
        .map(|e| match e {
            RunEvent::Status(s) => format!("status {s}"),
            RunEvent::Step(step) => format!("step {} {}", step.id, step.status),
            RunEvent::Finished(o) => format!("finished {}", o.status),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        summary,
        [
            "status pending",
            "step a running",
            "status running",
            "step a completed",
            "step b running",
            "step b completed",
            "finished succeeded"
        ]
    );
    let Some(RunEvent::Finished(outcome)) = events.last() else {
        panic!("no Finished event");
    };
    assert_eq!(outcome.output["total"], 54.0);
    assert_eq!(outcome.steps[1].output, Some(json!({"id": "inv_1"})));
}

#[tokio::test]
async fn a_failed_run_ends_failed_with_the_code_and_the_step() {
    let server = MockServer::start().await;
    mount_sequence(
        &server,
        vec![
            run_doc("running", json!([]), Value::Null, Value::Null),
            run_doc(
                "failed",
                json!([{"id": "prepare", "status": "completed"},
                       {"id": "charge", "name": "Charge", "status": "failed",
                        "error": {"message": "Card declined"}},
                       {"id": "notify", "status": "skipped"}]),
                Value::Null,
                json!({"code": "STEP_ERROR", "message": "Card declined"}),
            ),
        ],
    )
    .await;
    let handle = client(&server).handle("run_p");
    let outcome = handle
        .wait(WaitOptions::timeout(Duration::from_secs(30)).with_poll(fast_poll()))
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Failed);
    let failure = outcome.failure.clone().unwrap();
    assert_eq!(failure.code.as_deref(), Some("STEP_ERROR"));
    assert_eq!(failure.step.as_deref(), Some("charge"));
    assert_eq!(outcome.steps[2].status, StepStatus::Skipped);
    let err = handle
        .wait_for_output::<Value>(WaitOptions::default().with_poll(fast_poll()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WorkflowFailed(_)), "{err:?}");
    assert_eq!(err.code(), Some("STEP_ERROR"));
}

#[tokio::test]
async fn unknown_statuses_are_kept_and_timeout_is_terminal() {
    let server = MockServer::start().await;
    mount_sequence(
        &server,
        vec![
            run_doc("paused", json!([]), Value::Null, Value::Null),
            run_doc("timeout", json!([]), Value::Null, Value::Null),
        ],
    )
    .await;
    let handle = client(&server).handle("run_p");
    assert_eq!(
        handle.status().await.unwrap().status,
        RunStatus::Unknown("paused".into())
    );
    let outcome = handle
        .wait(WaitOptions::default().with_poll(fast_poll()))
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::TimedOut);
}

#[tokio::test]
async fn cancel_of_a_finished_run_is_a_typed_conflict() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/runs/run_done/cancel"))
        .respond_with(error(
            400,
            "INVALID_STATUS",
            "Cannot cancel run with status: completed",
        ))
        .mount(&server)
        .await;
    let err = client(&server)
        .handle("run_done")
        .cancel()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    let detail = err.detail::<RunsApiError>().unwrap();
    assert_eq!(detail.code, RunsErrorCode::InvalidStatus);
    assert_eq!(detail.current_status.as_deref(), Some("completed"));
}

#[tokio::test]
async fn list_runs_follows_the_cursor_with_the_filters() {
    let server = MockServer::start().await;
    let summary = |id: &str| json!({"id": id, "workflowId": "wf_1", "status": "completed"});
    Mock::given(method("GET"))
        .and(path("/api/v1/runs"))
        .and(query_param("cursor", "c2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": true, "data": [summary("r3")], "meta": {"cursor": null, "hasMore": false}
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/runs"))
        .and(query_param("workflowId", "wf_1"))
        .and(query_param("status", "completed"))
        .and(query_param("limit", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": true, "data": [summary("r1"), summary("r2")], "meta": {"cursor": "c2", "hasMore": true}
        })))
        .mount(&server)
        .await;
    let runs: Vec<_> = client(&server)
        .list_runs(
            ListRuns::new()
                .workflow_id("wf_1")
                .status(RunStatus::Succeeded)
                .limit(2),
        )
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["r1", "r2", "r3"]);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1]
            .url
            .query_pairs()
            .any(|(k, v)| k == "workflowId" && v == "wf_1")
    );
}

/// Answers each run request with a run id made from its input's `n`.
struct RunIdFromInput;

impl Respond for RunIdFromInput {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = request.body_json().unwrap_or_default();
        match body["input"]["n"].as_u64() {
            Some(3) => error(404, "NOT_FOUND", "Workflow not found"),
            Some(n) => created(&format!("run_{n}")),
            None => error(400, "VALIDATION_ERROR", "Input validation failed"),
        }
    }
}

#[tokio::test]
async fn run_many_returns_each_items_result_in_order_with_its_own_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(RunIdFromInput)
        .mount(&server)
        .await;
    let items = (0..10u64).map(|n| ("wf_1", RunRequest::new(json!({"n": n}))));
    let results = client(&server).run_many(items, 3).await;
    assert_eq!(results.len(), 10);
    for (n, result) in results.iter().enumerate() {
        match (n, result) {
            (3, Err(Error::NotFound(_))) => {}
            (3, other) => panic!("item 3: {other:?}"),
            (n, Ok(handle)) => assert_eq!(handle.id().as_str(), format!("run_{n}")),
            (n, Err(e)) => panic!("item {n}: {e:?}"),
        }
    }
    let mut keys: Vec<String> = post_bodies(&server)
        .await
        .iter()
        .map(|b| b["idempotencyKey"].as_str().unwrap().to_owned())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 10, "one key per item");
}

#[tokio::test]
async fn the_trigger_sends_payload_and_key_and_resumes_by_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/wf_1/run"))
        .respond_with(created("run_t"))
        .mount(&server)
        .await;
    let trigger: Box<dyn Trigger> = Box::new(client(&server).workflow("wf_1"));
    let handle = trigger
        .trigger(TriggerRequest::new(json!({"a": 1})).idempotency_key("t-1"))
        .await
        .unwrap();
    assert_eq!(handle.run_id().map(|r| r.as_str()), Some("run_t"));
    assert_eq!(
        post_bodies(&server).await,
        [json!({"input": {"a": 1}, "idempotencyKey": "t-1"})]
    );
    let resumed = trigger.resume("run_t".into()).unwrap();
    assert_eq!(resumed.run_id().map(|r| r.as_str()), Some("run_t"));
    let unsupported = trigger
        .trigger(TriggerRequest::new(json!({})).query("a", "b"))
        .await
        .unwrap_err();
    assert!(matches!(unsupported, Error::Unsupported { .. }));
}

#[tokio::test]
async fn a_base_url_with_api_v1_is_not_doubled() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/runs/run_x"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": true, "data": {"id": "run_x", "status": "running"}
        })))
        .mount(&server)
        .await;
    let client = RunsClient::builder(format!("{}/api/v1/", server.uri()), KEY)
        .build()
        .unwrap();
    assert_eq!(
        client.get_run("run_x").await.unwrap().status,
        RunStatus::Running
    );
    assert!(format!("{client:?}").contains("[REDACTED]"));
    assert!(!format!("{client:?}").contains(KEY));
}

/// A server that reads each request whole, drops the first `drops`
/// connections without answering, then answers 201; it records each body.
async fn dropping_server(drops: usize) -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    tokio::spawn(async move {
        let mut served = 0;
        while let Ok((stream, _)) = listener.accept().await {
            let Some(body) = read_request(&stream).await else {
                continue;
            };
            seen.lock().unwrap().push(body);
            served += 1;
            if served <= drops {
                drop(stream);
                continue;
            }
            let answer =
                json!({"success": true, "data": {"runId": "run_net", "status": "pending"}})
                    .to_string();
            let response = format!(
                "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
            write_all(&stream, response.as_bytes()).await;
        }
    });
    (url, bodies)
}

async fn read_request(stream: &tokio::net::TcpStream) -> Option<Value> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        stream.readable().await.ok()?;
        match stream.try_read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return None,
        }
        let text = String::from_utf8_lossy(&data);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                let body = &data[end + 4..end + 4 + length];
                return Some(serde_json::from_slice(body).unwrap_or(Value::Null));
            }
        }
    }
}

async fn write_all(stream: &tokio::net::TcpStream, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        if stream.writable().await.is_err() {
            return;
        }
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return,
        }
    }
}

#[tokio::test]
async fn a_dropped_connection_after_sending_is_retried_with_the_same_key() {
    let (url, bodies) = dropping_server(1).await;
    let client = RunsClient::builder(url, KEY)
        .retry(fast_retry())
        .build()
        .unwrap();
    let handle = client
        .run("wf_1", RunRequest::new(json!({"n": 1})))
        .await
        .unwrap();
    assert_eq!(handle.id().as_str(), "run_net");
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert_eq!(bodies[0]["idempotencyKey"], bodies[1]["idempotencyKey"]);
    assert!(bodies[0]["idempotencyKey"].is_string());
}

#[tokio::test]
async fn a_retry_request_that_may_have_started_a_run_is_ambiguous_not_resent() {
    let (url, bodies) = dropping_server(1).await;
    let client = RunsClient::builder(url, KEY)
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = client.retry_run("run_failed").await.unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err:?}");
    assert_eq!(bodies.lock().unwrap().len(), 1, "sent once");
}

#[tokio::test]
async fn a_proxy_502_on_retry_run_is_ambiguous_and_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/runs/run_9/retry"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .mount(&server)
        .await;
    let err = client(&server).retry_run("run_9").await.unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err:?}");
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.idempotency_key(), None);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_run_whose_retries_ran_out_says_a_run_may_exist_and_carries_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/wf_1/run"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream unavailable"))
        .mount(&server)
        .await;
    let err = client(&server)
        .run("wf_1", RunRequest::new(json!({"n": 1})))
        .await
        .unwrap_err();
    assert!(err.may_have_started(), "{err:?}");
    let bodies = post_bodies(&server).await;
    assert_eq!(bodies.len(), 4, "the first attempt and three retries");
    let sent = bodies[0]["idempotencyKey"].as_str().unwrap().to_owned();
    assert!(bodies.iter().all(|b| b["idempotencyKey"] == sent));
    // The key the SDK generated is in the error: resending with it is safe.
    assert_eq!(err.idempotency_key(), Some(sent.as_str()));
    assert!(err.to_string().contains(&sent), "{err}");
}
