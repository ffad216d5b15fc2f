//! `FlowmaticWebhook` against wiremock: signatures over the exact bytes sent,
//! the acknowledgement / Response node rule, errors, and no retry once sent.

use std::time::Duration;

use serde_json::{Value, json};
use trigger_sdk_core::{
    Error, RetryPolicy, RunHandle, RunId, RunStatus, Secret, Timeouts, Trigger, TriggerRequest,
    WaitOptions, signature,
};
use trigger_sdk_flowmatic::{
    FlowmaticClient, FlowmaticErrorCode, FlowmaticWebhook, WebhookAnswer, WebhookMethod, error_code,
};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{header, method, path},
};

const HOOK: &str = "abc-123";
const SECRET: &str = "whsec_demo_secret";

fn ack(execution_id: &str) -> Value {
    json!({"status":"success","message":"Webhook received and workflow triggered",
           "webhookId": HOOK,"workflowId":"wf-456","executionId": execution_id,
           "executionStatus":"RUNNING"})
}

async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1, "expected exactly one request");
    requests.remove(0)
}

fn signature_of(request: &Request) -> String {
    request
        .headers
        .get("x-webhook-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn signed_post_signs_the_exact_body_bytes_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/webhooks/abc-123"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ack("exec-789")))
        .mount(&server)
        .await;
    let webhook = FlowmaticWebhook::builder(server.uri(), HOOK)
        .secret(SECRET)
        .build()
        .unwrap();

    let payload = json!({"event": "user.created", "name": "Zoë \"Z\"", "n": 1.5});
    let answer = webhook
        .send(TriggerRequest::new(payload.clone()).header("x-request-id", "42"))
        .await
        .unwrap();

    let request = only_request(&server).await;
    let sig = signature_of(&request);
    assert!(sig.starts_with("sha256="), "{sig}");
    assert_eq!(
        signature::verify_sha256(&sig, &request.body, &[Secret::new(SECRET)]),
        Ok(())
    );
    assert_eq!(
        sig,
        signature::sign_sha256(&Secret::new(SECRET), &request.body)
    );
    assert_eq!(request.body_json::<Value>().unwrap(), payload);
    assert_eq!(
        request.headers.get("x-request-id").map(|v| v.as_bytes()),
        Some(b"42".as_slice())
    );
    match answer {
        WebhookAnswer::Acknowledged(execution) => {
            assert_eq!(execution.execution_id().as_str(), "exec-789");
            let ack = execution.acknowledgement().unwrap();
            assert_eq!(ack.workflow_id.as_deref(), Some("wf-456"));
        }
        other => panic!("expected an acknowledgement, got {other:?}"),
    }
}

#[tokio::test]
async fn signed_get_signs_the_raw_query_string_as_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/webhooks/abc-123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ack("exec-1")))
        .mount(&server)
        .await;
    let webhook = FlowmaticWebhook::builder(server.uri(), HOOK)
        .method(WebhookMethod::Get)
        .secret(SECRET)
        .build()
        .unwrap();

    let handle = webhook
        .trigger(TriggerRequest::new(json!({"event": "a b&c", "n": 2})).query("source", "docs"))
        .await
        .unwrap();
    assert_eq!(handle.run_id().map(RunId::as_str), Some("exec-1"));

    let request = only_request(&server).await;
    let query = request.url.query().unwrap_or_default().to_owned();
    assert_eq!(query, "event=a+b%26c&n=2&source=docs");
    assert!(request.body.is_empty());
    assert_eq!(
        signature_of(&request),
        signature::sign_sha256(&Secret::new(SECRET), query.as_bytes())
    );
}

#[tokio::test]
async fn unsigned_webhook_sends_no_signature_and_an_empty_object_for_no_payload() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ack("exec-2")))
        .mount(&server)
        .await;
    let webhook = FlowmaticWebhook::new(server.uri(), HOOK).unwrap();
    webhook.send(TriggerRequest::default()).await.unwrap();
    let request = only_request(&server).await;
    assert!(request.headers.get("x-webhook-signature").is_none());
    assert_eq!(request.body, b"{}");
}

#[tokio::test]
async fn response_node_answer_is_a_finished_run_with_its_body_and_status() {
    let server = MockServer::start().await;
    let body = json!({"orderId": "A-1", "status": "confirmed"});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(body.clone()))
        .mount(&server)
        .await;
    let webhook = FlowmaticWebhook::new(server.uri(), "order-sync").unwrap();
    let handle = webhook
        .trigger(TriggerRequest::new(json!({"data": {"orderId": "A-1"}})))
        .await
        .unwrap();
    assert_eq!(handle.run_id(), None);
    let outcome = handle.wait(WaitOptions::default()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.output, body);
    assert_eq!(outcome.http_status, Some(201));
    assert_eq!(handle.status().await.unwrap().status, RunStatus::Succeeded);
}

#[tokio::test]
async fn a_look_alike_from_another_webhook_is_a_response_node_answer() {
    let server = MockServer::start().await;
    let mut look_alike = ack("exec-3");
    look_alike["webhookId"] = json!("someone-else");
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(look_alike.clone()))
        .mount(&server)
        .await;
    let webhook = FlowmaticWebhook::new(server.uri(), HOOK).unwrap();
    match webhook.send(TriggerRequest::default()).await.unwrap() {
        WebhookAnswer::Responded(finished) => assert_eq!(finished.outcome().output, look_alike),
        other => panic!("expected a Response node answer, got {other:?}"),
    }
}

#[tokio::test]
async fn without_a_token_the_handle_is_accepted_and_wait_says_a_token_is_needed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ack("exec-4")))
        .mount(&server)
        .await;
    let webhook = FlowmaticWebhook::new(server.uri(), HOOK).unwrap();
    let handle = webhook.trigger(TriggerRequest::default()).await.unwrap();
    let snapshot = handle.status().await.unwrap();
    assert_eq!(snapshot.status, RunStatus::Accepted);
    assert_eq!(snapshot.run_id.as_ref().map(RunId::as_str), Some("exec-4"));
    match handle.wait(WaitOptions::default()).await {
        Err(Error::NotTrackable(message)) => {
            assert!(message.contains("API token"), "{message}");
            assert!(message.contains("exec-4"), "{message}");
        }
        other => panic!("expected NotTrackable, got {other:?}"),
    }
    // Only the trigger went out: nothing was polled.
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1
    );
}

#[tokio::test]
async fn with_a_client_the_acknowledged_run_is_polled_to_success() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/webhooks/abc-123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ack("exec-5")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions/exec-5"))
        .and(header("authorization", "Bearer fm_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "exec-5", "status": "RUNNING", "output": null})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions/exec-5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "exec-5", "workflowId": "wf-456", "status": "SUCCESS",
            "output": {"processed": true}, "error": null
        })))
        .mount(&server)
        .await;
    let client = FlowmaticClient::new(server.uri(), "fm_token").unwrap();
    let webhook = FlowmaticWebhook::builder(server.uri(), HOOK)
        .client(client)
        .build()
        .unwrap();
    let handle = webhook.trigger(TriggerRequest::default()).await.unwrap();
    let outcome = handle
        .wait(WaitOptions::timeout(Duration::from_secs(30)))
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.output, json!({"processed": true}));
    // The webhook call itself never carries the API token.
    let requests = server.received_requests().await.unwrap_or_default();
    assert!(requests[0].headers.get("authorization").is_none());
    assert!(requests.len() >= 3);

    // Rebuilt from the id alone, the handle reads the same execution.
    let resumed = webhook.resume(RunId::new("exec-5")).unwrap();
    assert_eq!(resumed.status().await.unwrap().status, RunStatus::Succeeded);
}

#[tokio::test]
async fn failed_execution_carries_its_failure() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/executions/exec-6"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "exec-6", "status": "FAILED", "error": "card declined"
        })))
        .mount(&server)
        .await;
    let client = FlowmaticClient::new(server.uri(), "fm_token").unwrap();
    let outcome = client
        .execution_handle("exec-6")
        .wait(WaitOptions::default())
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Failed);
    assert_eq!(
        outcome.failure.as_ref().map(|f| f.message.as_str()),
        Some("card declined")
    );
    assert!(matches!(
        outcome.into_result(),
        Err(Error::WorkflowFailed(_))
    ));
}

#[tokio::test]
async fn slow_sync_answer_past_the_timeout_is_ambiguous_after_one_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"orderId": "A-1"}))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let webhook = FlowmaticWebhook::builder(server.uri(), "order-sync")
        .timeouts(
            Timeouts::default()
                .connect(Duration::from_secs(5))
                .attempt(Some(Duration::from_millis(300)))
                .total(Some(Duration::from_secs(30))),
        )
        .retry(
            RetryPolicy::default()
                .max_retries(5)
                .initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let result = webhook
        .trigger(TriggerRequest::new(json!({"data": {"orderId": "A-1"}})))
        .await;
    assert!(matches!(result, Err(Error::Ambiguous { .. })), "{result:?}");
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1
    );
}

#[tokio::test]
async fn proxy_5xx_is_ambiguous_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .mount(&server)
        .await;
    let webhook = FlowmaticWebhook::new(server.uri(), HOOK).unwrap();
    let err = webhook.send(TriggerRequest::default()).await.unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err:?}");
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.body(), Some("<html>Bad Gateway</html>"));
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1
    );
}

#[tokio::test]
async fn invalid_signature_is_told_apart_from_other_errors() {
    let server = MockServer::start().await;
    let fm_error = |status: u16, code: &str, message: &str| {
        ResponseTemplate::new(status)
            .set_body_json(json!({"error": {"code": code, "message": message}}))
    };
    Mock::given(path("/api/webhooks/abc-123"))
        .respond_with(fm_error(
            401,
            "INVALID_SIGNATURE",
            "Invalid webhook signature",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/api/webhooks/inactive-hook"))
        .respond_with(fm_error(409, "WORKFLOW_INACTIVE", "Workflow is inactive"))
        .mount(&server)
        .await;
    Mock::given(path("/api/webhooks/busy"))
        .respond_with(
            fm_error(429, "RATE_LIMITED", "Too many requests").insert_header("retry-after", "9"),
        )
        .mount(&server)
        .await;

    let signed = FlowmaticWebhook::builder(server.uri(), HOOK)
        .secret("wrong")
        .build()
        .unwrap();
    let err = signed.send(TriggerRequest::default()).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)));
    assert_eq!(
        error_code(&err),
        Some(&FlowmaticErrorCode::InvalidSignature)
    );

    let inactive = FlowmaticWebhook::new(server.uri(), "inactive-hook").unwrap();
    let err = inactive.send(TriggerRequest::default()).await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)));
    assert_eq!(err.code(), Some("WORKFLOW_INACTIVE"));

    let busy = FlowmaticWebhook::new(server.uri(), "busy").unwrap();
    let err = busy.send(TriggerRequest::default()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(9)));
    // A trigger is never retried on 429: three calls, three requests.
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        3
    );
}
