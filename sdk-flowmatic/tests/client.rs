//! `FlowmaticClient` against wiremock: pagination, filters, writes, retries
//! on reads, no retries on execute, error bodies.

use std::time::Duration;

use futures::TryStreamExt;
use serde_json::{Value, json};
use trigger_sdk_core::{Error, RetryPolicy, Timeouts};
use trigger_sdk_flowmatic::{
    ExecutionFilter, ExecutionStatus, FlowmaticClient, FlowmaticErrorCode, NewWorkflow,
    WorkflowStatus, WorkflowUpdate, error_code,
};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_json, header, method, path, query_param},
};

fn fast_retries(max_retries: usize) -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(max_retries)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .jitter(false)
}

fn client(server: &MockServer) -> FlowmaticClient {
    FlowmaticClient::builder(server.uri(), "fm_token")
        .retry(fast_retries(3))
        .page_size(2)
        .build()
        .unwrap()
}

fn workflow(id: &str) -> Value {
    json!({"id": id, "name": format!("W {id}"), "status": "active",
           "triggers": [{"id": format!("t-{id}"), "type": "webhook", "webhookId": format!("hook-{id}")}]})
}

#[tokio::test]
async fn workflows_stream_walks_every_page_with_the_bearer_token() {
    let server = MockServer::start().await;
    for (page, ids) in [
        ("1", ["a", "b"].as_slice()),
        ("2", &["c", "d"]),
        ("3", &["e"]),
    ] {
        Mock::given(method("GET"))
            .and(path("/api/v1/workflows"))
            .and(query_param("page", page))
            .and(query_param("limit", "2"))
            .and(header("authorization", "Bearer fm_token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "data": ids.iter().map(|id| workflow(id)).collect::<Vec<_>>(),
                "pagination": {"page": page.parse::<u32>().unwrap(), "limit": 2, "total": 5}
            })))
            .expect(1)
            .mount(&server)
            .await;
    }
    let ids: Vec<String> = client(&server)
        .workflows()
        .map_ok(|w| w.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
}

#[tokio::test]
async fn executions_stream_sends_filters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions"))
        .and(query_param("workflowId", "wf-456"))
        .and(query_param("status", "SUCCESS"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "exec-1", "workflowId": "wf-456", "status": "SUCCESS", "output": {"ok": true}}],
            "pagination": {"page": 1, "limit": 2, "total": 1}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let executions: Vec<_> = client(&server)
        .executions(
            ExecutionFilter::new()
                .workflow_id("wf-456")
                .status(ExecutionStatus::Success),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(executions.len(), 1);
    assert_eq!(executions[0].status, ExecutionStatus::Success);
    assert_eq!(executions[0].output, Some(json!({"ok": true})));
}

#[tokio::test]
async fn workflow_crud_execute_and_connectors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows"))
        .and(body_json(json!({"name": "New", "status": "inactive"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(workflow("wf-new")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/wf-new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(workflow("wf-new")))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/workflows/wf-new"))
        .and(body_json(json!({"name": "Renamed"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "wf-new", "name": "Renamed", "status": "active"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/workflows/wf-new"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/workflows/wf-new/execute"))
        .and(body_json(json!({"input": {"x": 1}})))
        .respond_with(ResponseTemplate::new(202).set_body_json(
            json!({"executionId": "exec-9", "workflowId": "wf-new", "status": "RUNNING"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/connectors"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"id": "slack", "name": "Slack", "category": "communication", "actions": ["send_message"]}
        ]})))
        .mount(&server)
        .await;

    let client = client(&server);
    let created = client
        .create_workflow(&NewWorkflow::new("New").status(WorkflowStatus::Inactive))
        .await
        .unwrap();
    assert_eq!(created.id, "wf-new");
    assert_eq!(client.workflow("wf-new").await.unwrap().name, "W wf-new");
    let updated = client
        .update_workflow("wf-new", &WorkflowUpdate::new().name("Renamed"))
        .await
        .unwrap();
    assert_eq!(updated.name, "Renamed");
    let accepted = client
        .execute_workflow("wf-new", json!({"x": 1}))
        .await
        .unwrap();
    assert_eq!(accepted.execution_id, "exec-9");
    assert_eq!(accepted.status, ExecutionStatus::Running);
    client.delete_workflow("wf-new").await.unwrap();
    let connectors = client.connectors().await.unwrap();
    assert_eq!(connectors[0].actions, ["send_message"]);
}

#[tokio::test]
async fn reads_are_retried_after_429_with_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions/exec-1"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": {"code": "RATE_LIMITED", "message": "slow down"}})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions/exec-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "exec-1", "status": "SUCCESS", "output": 7})),
        )
        .mount(&server)
        .await;
    let execution = client(&server).execution("exec-1").await.unwrap();
    assert_eq!(execution.output, Some(json!(7)));
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        2
    );
}

#[tokio::test]
async fn a_429_that_outlasts_the_retries_is_rate_limited_with_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "120")
                .set_body_json(json!({"error": {"code": "RATE_LIMITED", "message": "slow down"}})),
        )
        .mount(&server)
        .await;
    let err = client(&server).workflow("wf-1").await.unwrap_err();
    match &err {
        Error::RateLimited { retry_after, .. } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(120)));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(error_code(&err), Some(&FlowmaticErrorCode::RateLimited));
    // 120 s is over the longest Retry-After honoured: no second request.
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1
    );
}

#[tokio::test]
async fn non_json_error_bodies_are_kept_raw() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/workflows/missing"))
        .respond_with(
            ResponseTemplate::new(404).set_body_string("Cannot GET /api/v1/workflows/missing"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/connectors"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_raw("<html><body>Service Unavailable</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    let client = FlowmaticClient::builder(server.uri(), "fm_token")
        .retry(fast_retries(1))
        .build()
        .unwrap();

    let missing = client.workflow("missing").await.unwrap_err();
    assert!(matches!(missing, Error::NotFound(_)), "{missing:?}");
    assert_eq!(missing.body(), Some("Cannot GET /api/v1/workflows/missing"));
    assert_eq!(missing.code(), None);

    let down = client.connectors().await.unwrap_err();
    assert!(matches!(down, Error::Server(_)), "{down:?}");
    assert_eq!(
        down.body(),
        Some("<html><body>Service Unavailable</body></html>")
    );
    assert_eq!(down.status(), Some(503));
}

#[tokio::test]
async fn a_success_body_that_is_not_json_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>login</html>"))
        .mount(&server)
        .await;
    let err = client(&server).workflow("wf-1").await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(err.body(), Some("<html>login</html>"));
}

#[tokio::test]
async fn execute_is_not_retried_after_it_was_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(202)
                .set_body_json(json!({"executionId": "e", "status": "RUNNING"}))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = FlowmaticClient::builder(server.uri(), "fm_token")
        .retry(fast_retries(3))
        .timeouts(
            Timeouts::default()
                .connect(Duration::from_secs(5))
                .attempt(Some(Duration::from_millis(300)))
                .total(Some(Duration::from_secs(30))),
        )
        .build()
        .unwrap();
    let err = client
        .execute_workflow("wf-1", json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err:?}");
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1
    );
}

#[tokio::test]
async fn unauthorized_token_is_not_an_invalid_signature() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": {"code": "UNAUTHORIZED", "message": "Invalid API token"}}),
        ))
        .mount(&server)
        .await;
    let err = client(&server).connectors().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)));
    assert_eq!(error_code(&err), Some(&FlowmaticErrorCode::Unauthorized));
    assert!(!err.to_string().contains("fm_token"));
}
