//! sdk-n8n against wiremock: what the reference server does not do — n8n 1.x
//! answers, stack traces in error bodies, proxy HTML pages, empty 204s,
//! retries of reads (counted) and no retries of webhook calls.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use trigger_sdk_core::{Error, RetryPolicy, RunStatus, Trigger, TriggerRequest, WaitOptions};
use trigger_sdk_n8n::{
    ExecutionFilter, ExecutionHandle, N8nClient, N8nErrorKind, ResponseMode, WebhookTrigger,
    WorkflowFilter,
};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_json, header, method, path, query_param, query_param_is_missing},
};

fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .jitter(false)
}

fn client(server: &MockServer) -> N8nClient {
    N8nClient::builder(server.uri(), "key-123")
        .retry(fast_retry())
        .build()
        .unwrap()
}

fn hook(server: &MockServer, mode: ResponseMode) -> WebhookTrigger {
    WebhookTrigger::builder(server.uri(), "hook")
        .response_mode(mode)
        .build()
        .unwrap()
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

// ---- n8n 1.x answers --------------------------------------------------------

#[tokio::test]
async fn v1_basic_auth_403_is_unauthorized_with_the_plain_text_kept() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("WWW-Authenticate", "Basic realm=\"Webhook\"")
                .set_body_bytes("Authorization data is wrong!"),
        )
        .mount(&server)
        .await;
    let trigger = WebhookTrigger::builder(server.uri(), "hook")
        .basic_auth("demo", "wrong")
        .build()
        .unwrap();
    let err = trigger
        .trigger(TriggerRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert_eq!(err.body(), Some("Authorization data is wrong!"));
    assert_eq!(
        err.detail::<N8nErrorKind>(),
        Some(&N8nErrorKind::AuthRejected {
            message: "Authorization data is wrong!".into()
        })
    );
    let sent = &server.received_requests().await.unwrap()[0];
    assert!(sent.headers.get("authorization").is_some());
}

#[tokio::test]
async fn v1_api_key_messages_are_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/w1"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"message": "'X-N8N-API-KEY' header required"})),
        )
        .mount(&server)
        .await;
    let err = client(&server).workflow("w1").await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert_eq!(
        err.api().unwrap().message,
        "'X-N8N-API-KEY' header required"
    );
    // Not retried: a 401 is final.
    assert_eq!(requests(&server).await, 1);
}

// ---- stack traces, HTML pages, empty bodies ---------------------------------

#[tokio::test]
async fn stacktrace_in_error_bodies_is_ignored_but_kept_raw() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "message": "Error in workflow",
            "stacktrace": "Error: boom\n    at Object.execute (/usr/lib/node_modules/n8n/x.js:1:1)"
        })))
        .mount(&server)
        .await;
    let err = hook(&server, ResponseMode::LastNode)
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WorkflowFailed(_)), "{err:?}");
    assert_eq!(
        err.detail::<N8nErrorKind>(),
        Some(&N8nErrorKind::WorkflowError)
    );
    assert!(err.body().unwrap().contains("stacktrace"));
    assert_eq!(requests(&server).await, 1);

    Mock::given(method("GET"))
        .and(path("/api/v1/executions/5"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": 404, "message": "Not Found", "stacktrace": "ResponseError: Not Found\n at x"
        })))
        .mount(&server)
        .await;
    let err = client(&server).execution("5", false).await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert_eq!(err.api().unwrap().message, "Not Found");
}

#[tokio::test]
async fn html_error_page_on_a_webhook_post_is_ambiguous_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(
            "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
        ))
        .mount(&server)
        .await;
    let err = hook(&server, ResponseMode::OnReceived)
        .trigger(TriggerRequest::new(json!({"to": "a@b"})))
        .await
        .unwrap_err();
    match &err {
        Error::Ambiguous {
            error: Some(api), ..
        } => {
            assert_eq!(api.status, Some(502));
            assert!(api.message.contains("HTML page"), "{}", api.message);
            assert!(api.body.as_deref().unwrap().contains("Bad Gateway"));
        }
        other => panic!("expected Ambiguous, got {other:?}"),
    }
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn html_error_page_on_a_read_is_retried_then_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/w1"))
        .respond_with(
            ResponseTemplate::new(502)
                .set_body_raw("<html><body>bad gateway</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    let err = client(&server).workflow("w1").await.unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert!(err.api().unwrap().message.contains("HTML page"));
    assert_eq!(requests(&server).await, 1 + fast_retry().max_retries);
}

#[tokio::test]
async fn empty_204_webhook_answer_is_a_null_output() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let run = hook(&server, ResponseMode::LastNode)
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    let outcome = run.wait(WaitOptions::default()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.http_status, Some(204));
    assert_eq!(outcome.output, Value::Null);
}

#[tokio::test]
async fn empty_204_api_answer_is_a_decode_error_that_explains_itself() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let err = client(&server)
        .workflows_page(&WorkflowFilter::default(), None)
        .await
        .unwrap_err();
    match err {
        Error::Decode {
            message, status, ..
        } => {
            assert_eq!(status, Some(204));
            assert!(message.contains("bot"), "{message}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    let sent = &server.received_requests().await.unwrap()[0];
    let agent = sent.headers.get("user-agent").unwrap().to_str().unwrap();
    assert!(!agent.to_ascii_lowercase().contains("bot"));
    assert_eq!(sent.headers.get("x-n8n-api-key").unwrap(), "key-123");
}

// ---- retries ---------------------------------------------------------------

#[tokio::test]
async fn reads_are_retried_on_5xx_and_429() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions/9"))
        .respond_with(ResponseTemplate::new(503).set_body_string("unavailable"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions/9"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "0")
                .set_body_json(json!({"message": "Too many requests"})),
        )
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions/9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "9", "finished": true, "mode": "webhook", "status": "success",
            "workflowId": "w1", "startedAt": "2026-11-22T10:00:00.000Z"
        })))
        .with_priority(3)
        .mount(&server)
        .await;
    let execution = client(&server).execution("9", false).await.unwrap();
    assert_eq!(execution.id, "9");
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn webhook_5xx_and_429_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream down"))
        .mount(&server)
        .await;
    let err = hook(&server, ResponseMode::LastNode)
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err:?}");
    assert_eq!(requests(&server).await, 1);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .mount(&server)
        .await;
    let err = hook(&server, ResponseMode::LastNode)
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn dropped_connection_on_a_webhook_post_is_ambiguous() {
    // A server that reads the request and closes the connection without answering.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = tokio::spawn(async move {
        let mut count = 0;
        while let Ok((mut socket, _)) = listener.accept().await {
            count += 1;
            let mut buf = [0u8; 4096];
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await;
            drop(socket);
            if count == 1 {
                return count;
            }
        }
        count
    });
    let trigger = WebhookTrigger::builder(format!("http://{addr}"), "hook")
        .build()
        .unwrap();
    let err = trigger
        .trigger(TriggerRequest::new(json!({"x": 1})))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Ambiguous { error: None, .. }),
        "{err:?}"
    );
    assert_eq!(accepted.await.unwrap(), 1);
}

// ---- webhook error rows ---------------------------------------------------

#[tokio::test]
async fn webhook_404_and_422_rows_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/webhook/hook"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": 404,
            "message": "This webhook is not registered for GET requests. Did you mean to make a GET, PUT or POST request?"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "code": 422, "message": "Failed to parse request body",
            "hint": "Expected property name or '}' in JSON at position 1 (line 1 column 2)"
        })))
        .mount(&server)
        .await;
    let get = WebhookTrigger::builder(server.uri(), "hook")
        .method(trigger_sdk_n8n::Method::GET)
        .build()
        .unwrap();
    let err = get.trigger(TriggerRequest::default()).await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
    assert_eq!(
        err.detail::<N8nErrorKind>(),
        Some(&N8nErrorKind::MethodNotAllowed {
            allowed: vec![
                trigger_sdk_n8n::Method::GET,
                trigger_sdk_n8n::Method::PUT,
                trigger_sdk_n8n::Method::POST
            ]
        })
    );
    let err = hook(&server, ResponseMode::LastNode)
        .send_body(
            trigger_sdk_n8n::WebhookBody::Bytes {
                content_type: "application/json".into(),
                bytes: bytes_of("{bad"),
            },
            TriggerRequest::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)));
    assert!(matches!(
        err.detail::<N8nErrorKind>(),
        Some(N8nErrorKind::BodyNotParsed { hint: Some(h) }) if h.starts_with("Expected property")
    ));
}

fn bytes_of(s: &str) -> bytes::Bytes {
    bytes::Bytes::copy_from_slice(s.as_bytes())
}

// ---- pagination, tracking, activation, execute ---------------------------

#[tokio::test]
async fn lists_follow_next_cursor_and_stop_on_a_repeated_cursor() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions"))
        .and(query_param_is_missing("cursor"))
        .and(query_param("limit", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "3", "status": "success"}], "nextCursor": "c1"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions"))
        .and(query_param("cursor", "c1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": 2, "status": "crashed"}], "nextCursor": "c1"
        })))
        .mount(&server)
        .await;
    let ids: Vec<String> = client(&server)
        .executions(ExecutionFilter::default().limit(0))
        .map_ok(|e| e.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["3", "2"]);
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn on_received_tracked_through_the_execution_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"executionId": "41"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions/41"))
        .and(query_param("includeData", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "41", "finished": true, "status": "success",
            "data": {"resultData": {"lastNodeExecuted": "Set", "runData": {
                "Set": [{"executionStatus": "success", "data": {"main": [[{"json": {"ok": true}}]]}}]
            }}}
        })))
        .mount(&server)
        .await;
    let trigger = WebhookTrigger::builder(server.uri(), "hook")
        .track_execution_id("/executionId", client(&server))
        .build()
        .unwrap();
    let run = trigger
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    assert_eq!(run.run_id().map(|r| r.as_str()), Some("41"));
    let outcome = run
        .wait(WaitOptions::timeout(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.output, json!([{"ok": true}]));
}

#[tokio::test]
async fn on_received_without_tracking_is_accepted_and_not_trackable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"message": "Workflow was started"})),
        )
        .mount(&server)
        .await;
    let run = hook(&server, ResponseMode::OnReceived)
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    let snapshot = run.status().await.unwrap();
    assert_eq!(snapshot.status, RunStatus::Accepted);
    assert_eq!(
        snapshot.output,
        Some(json!({"message": "Workflow was started"}))
    );
    assert!(matches!(
        run.wait(WaitOptions::default()).await,
        Err(Error::NotTrackable(_))
    ));
    let events: Vec<_> = run.events().collect().await;
    assert!(matches!(events.last(), Some(Err(Error::NotTrackable(_)))));
}

/// Answers the executions list with the marker the webhook call carried: execution `id`
/// holds it, the others hold other markers and started earlier or later.
struct MarkedList {
    marker: Arc<Mutex<Option<String>>>,
    ours: &'static str,
    others: &'static [(&'static str, &'static str)],
}

fn webhook_item(marker: &str) -> Value {
    json!({"resultData": {"runData": {"Webhook": [{"data": {"main": [[
        {"json": {"headers": {"x-trigger-sdk-marker": marker}, "body": {}}}
    ]]}}]}}})
}

impl wiremock::Respond for MarkedList {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let marker = self.marker.lock().unwrap().clone().unwrap_or_default();
        let mut data: Vec<Value> = self
            .others
            .iter()
            .map(|(id, started)| {
                json!({"id": id, "status": "success", "workflowId": "w1", "startedAt": started,
                       "data": webhook_item("someone-else")})
            })
            .collect();
        data.push(
            json!({"id": self.ours, "status": "success", "workflowId": "w1",
                         "startedAt": "2026-11-22T10:00:05.300Z", "data": webhook_item(&marker)}),
        );
        ResponseTemplate::new(200).set_body_json(json!({"data": data, "nextCursor": null}))
    }
}

#[tokio::test]
async fn marker_tracking_finds_the_execution_that_carries_the_calls_marker() {
    let server = MockServer::start().await;
    let marker = Arc::new(Mutex::new(None::<String>));
    let seen = marker.clone();
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(move |req: &wiremock::Request| {
            let value = req
                .headers
                .get("x-trigger-sdk-marker")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            *seen.lock().unwrap() = value;
            ResponseTemplate::new(200)
                .insert_header("Date", "Sun, 22 Nov 2026 10:00:05 GMT")
                .set_body_json(json!({"message": "Workflow was started"}))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions"))
        .and(query_param("status", "running"))
        .and(query_param("includeData", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "14", "status": "running", "workflowId": "w1",
                      "startedAt": "2026-11-22T10:00:05.500Z", "data": webhook_item("someone-else")}],
            "nextCursor": null
        })))
        .mount(&server)
        .await;
    // 11 started before the call (inside the old one-second window), 13 after it: neither
    // carries this call's marker; 12 does.
    Mock::given(method("GET"))
        .and(path("/api/v1/executions"))
        .and(query_param_is_missing("status"))
        .and(query_param("workflowId", "w1"))
        .and(query_param("includeData", "true"))
        .respond_with(MarkedList {
            marker: marker.clone(),
            ours: "12",
            others: &[
                ("13", "2026-11-22T10:00:05.400Z"),
                ("11", "2026-11-22T10:00:04.900Z"),
            ],
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions/12"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "12", "status": "success", "finished": true
        })))
        .mount(&server)
        .await;
    let trigger = WebhookTrigger::builder(server.uri(), "hook")
        .track_by_marker("w1", client(&server))
        .build()
        .unwrap();
    let run = trigger
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    assert!(run.run_id().is_none());
    let sent = marker
        .lock()
        .unwrap()
        .clone()
        .expect("the call carried a marker");
    assert_eq!(sent.len(), 32, "a UUID: {sent}");
    let outcome = run
        .wait(WaitOptions::timeout(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(outcome.run_id.as_ref().map(|r| r.as_str()), Some("12"));
    assert_eq!(run.run_id().map(|r| r.as_str()), Some("12"));
}

#[tokio::test]
async fn untracked_triggers_send_no_marker() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"message": "ok"})))
        .mount(&server)
        .await;
    hook(&server, ResponseMode::OnReceived)
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert!(!requests[0].headers.contains_key("x-trigger-sdk-marker"));
}

#[tokio::test]
async fn a_1x_unknown_execution_id_is_not_trackable_with_advice() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html; charset=utf-8")
                .set_body_string(r#"{"executionId":"__UNKNOWN__"}"#),
        )
        .mount(&server)
        .await;
    let run = WebhookTrigger::builder(server.uri(), "hook")
        .track_execution_id("/executionId", client(&server))
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    assert!(run.run_id().is_none());
    assert_eq!(run.status().await.unwrap().status, RunStatus::Accepted);
    match run.wait(WaitOptions::default()).await {
        Err(Error::NotTrackable(reason)) => {
            assert!(
                reason.contains("__UNKNOWN__") && reason.contains("n8n 1.x"),
                "{reason}"
            );
            assert!(reason.contains("Respond to Webhook node first"), "{reason}");
        }
        other => panic!("expected NotTrackable, got {other:?}"),
    }
    // Nothing was looked up with the non-id.
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| !r.url.path().starts_with("/api/")));
}

#[tokio::test]
async fn an_empty_200_from_a_response_node_webhook_is_never_succeeded() {
    // 1.x answers an error before the Respond node like an unreached one: 200, no body.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json; charset=utf-8"),
        )
        .mount(&server)
        .await;
    let run = hook(&server, ResponseMode::ResponseNode)
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    assert_eq!(run.status().await.unwrap().status, RunStatus::Accepted);
    match run.wait(WaitOptions::default()).await {
        Err(Error::NotTrackable(reason)) => {
            assert!(
                reason.contains("Respond to Webhook node was not reached"),
                "{reason}"
            )
        }
        other => panic!("expected NotTrackable, got {other:?}"),
    }
}

#[tokio::test]
async fn retrying_a_success_is_conflict_on_1x_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/executions/8/retry"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(
                json!({"message": "The execution succeeded, so it cannot be retried."}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/executions/9/retry"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"message": "request/body/loadWorkflow must be boolean"})),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.retry_execution("8", None).await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(err.status(), Some(400), "the raw status is kept");
    let err = c.retry_execution("9", None).await.unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
}

#[tokio::test]
async fn activate_and_wait_probes_until_did_you_mean() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/w1/activate"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "w1", "name": "x", "active": true, "nodes": [
                {"name": "Webhook", "type": "n8n-nodes-base.webhook", "webhookId": "wh",
                 "parameters": {"path": "echo", "httpMethod": "DELETE"}}
            ]
        })))
        .mount(&server)
        .await;
    // DELETE is accepted, so the probe uses the next method: PATCH.
    Mock::given(method("PATCH"))
        .and(path("/webhook/echo"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": 404, "message": "The requested webhook \"PATCH echo\" is not registered.",
            "hint": "The workflow must be active for a production URL to run successfully."
        })))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/webhook/echo"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": 404,
            "message": "This webhook is not registered for PATCH requests. Did you mean to make a DELETE request?"
        })))
        .with_priority(2)
        .mount(&server)
        .await;
    let workflow = client(&server)
        .activate_and_wait("w1", Duration::from_secs(10))
        .await
        .unwrap();
    assert!(workflow.active);
    let probes = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "PATCH")
        .count();
    assert_eq!(probes, 3);
}

#[tokio::test]
async fn execute_workflow_405_is_unsupported_and_says_what_to_do() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/w1/execute"))
        .and(header("x-n8n-api-key", "key-123"))
        .and(body_json(json!({"a": 1})))
        .respond_with(
            ResponseTemplate::new(405).set_body_json(json!({"message": "POST method not allowed"})),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .execute_workflow("w1", json!({"a": 1}))
        .await
        .unwrap_err();
    match &err {
        Error::Unsupported { message, .. } => {
            assert!(message.contains("Webhook trigger"), "{message}")
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
    assert_eq!(
        err.detail::<N8nErrorKind>(),
        Some(&N8nErrorKind::NoExecuteEndpoint)
    );
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn execution_handle_cancel_maps_409() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/executions/18/stop"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "message": "Only running or waiting executions can be stopped and 18 is currently success"
        })))
        .mount(&server)
        .await;
    let handle: ExecutionHandle = client(&server).execution_handle("18");
    let err = trigger_sdk_core::RunHandle::cancel(&handle)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
}

#[tokio::test]
async fn n8n_shaped_500s_are_workflow_failed_other_json_500s_ambiguous() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/hook"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "code": 0, "message": "The execution was cancelled manually"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/webhook/other"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": "upstream"})))
        .mount(&server)
        .await;
    let err = hook(&server, ResponseMode::ResponseNode)
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WorkflowFailed(_)), "{err:?}");
    assert_eq!(
        err.detail::<N8nErrorKind>(),
        Some(&N8nErrorKind::ExecutionProblem)
    );
    let other = WebhookTrigger::builder(server.uri(), "other")
        .build()
        .unwrap();
    let err = other
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err:?}");
    assert_eq!(err.status(), Some(500));
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn v1_has_no_stop_route_which_is_unsupported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/executions/18/stop"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})))
        .mount(&server)
        .await;
    let err = client(&server).stop_execution("18").await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn a_proxy_502_on_retry_execution_or_execute_workflow_is_ambiguous_and_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .mount(&server)
        .await;
    let client = client(&server);
    let err = client.retry_execution("41", None).await.unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err:?}");
    assert_eq!(err.status(), Some(502));
    assert_eq!(requests(&server).await, 1);
    let err = client
        .execute_workflow("wf1", json!({"n": 1}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err:?}");
    assert_eq!(requests(&server).await, 2);
}
