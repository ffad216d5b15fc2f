//! sdk-flowmatic against the reference server's Flowmatic face, one test per
//! row of `sdk-flowmatic/docs/contract.md` (the demo set, `trigger_sdk_reference_server::creds`).

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use trigger_sdk::{
    Error, RunEvent, RunHandle, RunId, RunStatus, Secret, Trigger, TriggerRequest, WaitOptions,
    flowmatic::{
        ExecuteTrigger, ExecutionFilter, ExecutionStatus, FlowmaticClient, FlowmaticErrorCode,
        FlowmaticWebhook, NewWorkflow, WebhookAnswer, WebhookMethod, WorkflowStatus,
        WorkflowTrigger, WorkflowUpdate, error_code,
    },
    signature,
};
use trigger_sdk_reference_server::{ReferenceServer, creds};

const WAIT: Duration = Duration::from_secs(30);

async fn demo() -> ReferenceServer {
    ReferenceServer::start(trigger_sdk_reference_server::demo())
        .await
        .expect("the reference server starts")
}

fn client(server: &ReferenceServer) -> FlowmaticClient {
    FlowmaticClient::new(server.flowmatic_url(), creds::FLOWMATIC_TOKEN).unwrap()
}

fn small_pages(server: &ReferenceServer, size: u32) -> FlowmaticClient {
    FlowmaticClient::builder(server.flowmatic_url(), creds::FLOWMATIC_TOKEN)
        .page_size(size)
        .build()
        .unwrap()
}

fn signed(server: &ReferenceServer, method: WebhookMethod) -> FlowmaticWebhook {
    FlowmaticWebhook::builder(server.flowmatic_url(), creds::FLOWMATIC_WEBHOOK)
        .method(method)
        .secret(creds::FLOWMATIC_SECRET)
        .client(client(server))
        .build()
        .unwrap()
}

fn assert_invalid_signature(result: Result<WebhookAnswer, Error>) {
    match result {
        Err(err) => {
            assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
            assert_eq!(err.status(), Some(401));
            assert_eq!(err.code(), Some("INVALID_SIGNATURE"));
            assert_eq!(
                error_code(&err),
                Some(&FlowmaticErrorCode::InvalidSignature)
            );
        }
        Ok(answer) => panic!("expected INVALID_SIGNATURE, got {answer:?}"),
    }
}

#[tokio::test]
async fn signed_post_is_acknowledged_then_polled_to_success_with_output() {
    let server = demo().await;
    let webhook = signed(&server, WebhookMethod::Post);
    let answer = webhook
        .send(TriggerRequest::new(json!({"event": "user.created"})))
        .await
        .unwrap();
    let WebhookAnswer::Acknowledged(execution) = answer else {
        panic!("expected an acknowledgement, got {answer:?}");
    };
    let ack = execution.acknowledgement().unwrap().clone();
    assert_eq!(ack.webhook_id, creds::FLOWMATIC_WEBHOOK);
    assert_eq!(ack.workflow_id.as_deref(), Some(creds::FLOWMATIC_WORKFLOW));
    assert_eq!(ack.execution_status, ExecutionStatus::Running);
    assert_eq!(ack.message, "Webhook received and workflow triggered");

    let outcome = execution.wait(WaitOptions::timeout(WAIT)).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.run_id.as_ref(), Some(execution.execution_id()));
    assert_eq!(
        outcome.output,
        json!({"processed": true, "event": "user.created"})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn signed_get_is_acknowledged_and_its_query_is_the_input() {
    let server = demo().await;
    let webhook = signed(&server, WebhookMethod::Get);
    let handle = webhook
        .trigger(TriggerRequest::default().query("event", "order placed"))
        .await
        .unwrap();
    assert!(handle.run_id().is_some());
    let outcome = handle.wait(WaitOptions::timeout(WAIT)).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.output["event"], "order placed");
    server.shutdown().await;
}

#[tokio::test]
async fn a_tampered_body_is_rejected_as_invalid_signature() {
    let server = demo().await;
    // Sign one body, send another with that signature: the SDK passes a
    // caller's own signature header through when it has no secret itself.
    let original = serde_json::to_vec(&json!({"event": "user.created"})).unwrap();
    let signature = signature::sign_sha256(&Secret::new(creds::FLOWMATIC_SECRET), &original);
    let webhook = FlowmaticWebhook::new(server.flowmatic_url(), creds::FLOWMATIC_WEBHOOK).unwrap();
    let tampered = TriggerRequest::new(json!({"event": "user.deleted"}))
        .header(trigger_sdk::flowmatic::SIGNATURE_HEADER, signature.clone());
    assert_invalid_signature(webhook.send(tampered).await);
    // The same signature over the original bytes is accepted.
    let untouched = TriggerRequest::new(json!({"event": "user.created"}))
        .header(trigger_sdk::flowmatic::SIGNATURE_HEADER, signature);
    assert!(matches!(
        webhook.send(untouched).await,
        Ok(WebhookAnswer::Acknowledged(_))
    ));
    server.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_or_no_signature_is_rejected_as_invalid_signature() {
    let server = demo().await;
    for method in [WebhookMethod::Post, WebhookMethod::Get] {
        let wrong = FlowmaticWebhook::builder(server.flowmatic_url(), creds::FLOWMATIC_WEBHOOK)
            .method(method)
            .secret("whsec_wrong")
            .build()
            .unwrap();
        assert_invalid_signature(wrong.send(TriggerRequest::new(json!({"event": "x"}))).await);
        let unsigned = FlowmaticWebhook::builder(server.flowmatic_url(), creds::FLOWMATIC_WEBHOOK)
            .method(method)
            .build()
            .unwrap();
        assert_invalid_signature(
            unsigned
                .send(TriggerRequest::new(json!({"event": "x"})))
                .await,
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn sync_response_node_answers_its_body_and_the_run_is_over() {
    let server = demo().await;
    let webhook =
        FlowmaticWebhook::new(server.flowmatic_url(), creds::FLOWMATIC_SYNC_WEBHOOK).unwrap();
    let handle = webhook
        .trigger(TriggerRequest::new(json!({"data": {"orderId": "A-1001"}})))
        .await
        .unwrap();
    let snapshot = handle.status().await.unwrap();
    assert_eq!(snapshot.status, RunStatus::Succeeded);
    let outcome = handle.wait(WaitOptions::timeout(WAIT)).await.unwrap();
    assert_eq!(outcome.http_status, Some(200));
    assert_eq!(
        outcome.output,
        json!({"orderId": "A-1001", "status": "confirmed"})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn inactive_workflow_is_a_409_conflict_on_webhook_and_execute() {
    let server = demo().await;
    let webhook =
        FlowmaticWebhook::new(server.flowmatic_url(), creds::FLOWMATIC_INACTIVE_WEBHOOK).unwrap();
    let err = webhook
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(err.status(), Some(409));
    assert_eq!(
        error_code(&err),
        Some(&FlowmaticErrorCode::WorkflowInactive)
    );

    let err = client(&server)
        .execute_workflow(creds::FLOWMATIC_INACTIVE_WORKFLOW, json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(err.code(), Some("WORKFLOW_INACTIVE"));
    server.shutdown().await;
}

#[tokio::test]
async fn without_an_api_token_the_run_is_accepted_but_not_trackable() {
    let server = demo().await;
    let webhook = FlowmaticWebhook::builder(server.flowmatic_url(), creds::FLOWMATIC_WEBHOOK)
        .secret(creds::FLOWMATIC_SECRET)
        .build()
        .unwrap();
    let handle = webhook
        .trigger(TriggerRequest::new(json!({"event": "e"})))
        .await
        .unwrap();
    let snapshot = handle.status().await.unwrap();
    assert_eq!(snapshot.status, RunStatus::Accepted);
    let id = snapshot.run_id.clone().unwrap();
    match handle.wait(WaitOptions::timeout(WAIT)).await {
        Err(Error::NotTrackable(message)) => assert!(message.contains("token"), "{message}"),
        other => panic!("expected NotTrackable, got {other:?}"),
    }
    // The same execution, followed from its id with the token.
    let outcome = client(&server)
        .execution_handle(id)
        .wait(WaitOptions::timeout(WAIT))
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    server.shutdown().await;
}

#[tokio::test]
async fn a_handle_is_rebuilt_from_its_execution_id() {
    let server = demo().await;
    let webhook = signed(&server, WebhookMethod::Post);
    let id: RunId = webhook
        .trigger(TriggerRequest::new(json!({"event": "resume"})))
        .await
        .unwrap()
        .run_id()
        .cloned()
        .unwrap();
    let resumed = webhook.resume(id.clone()).unwrap();
    assert_eq!(resumed.run_id(), Some(&id));
    let outcome = resumed.wait(WaitOptions::timeout(WAIT)).await.unwrap();
    assert_eq!(outcome.output["event"], "resume");
    server.shutdown().await;
}

#[tokio::test]
async fn workflows_list_walks_more_than_one_page() {
    let server = demo().await;
    let client = small_pages(&server, 1);
    let first = client.workflows_page(1, 1).await.unwrap();
    assert_eq!(first.data.len(), 1);
    let pagination = first.pagination.unwrap();
    assert_eq!(pagination.page, Some(1));
    assert_eq!(pagination.limit, Some(1));
    let total = pagination.total.unwrap();
    assert!(total >= 3, "the demo has three Flowmatic workflows");

    let workflows: Vec<_> = client.workflows().try_collect().await.unwrap();
    assert_eq!(workflows.len() as u64, total);
    let ids: Vec<&str> = workflows.iter().map(|w| w.id.as_str()).collect();
    for id in [
        creds::FLOWMATIC_WORKFLOW,
        creds::FLOWMATIC_SYNC_WORKFLOW,
        creds::FLOWMATIC_INACTIVE_WORKFLOW,
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn get_workflow_has_its_webhook_trigger_and_status() {
    let server = demo().await;
    let client = client(&server);
    let workflow = client.workflow(creds::FLOWMATIC_WORKFLOW).await.unwrap();
    assert_eq!(workflow.id, creds::FLOWMATIC_WORKFLOW);
    assert_eq!(workflow.status, WorkflowStatus::Active);
    assert!(!workflow.name.is_empty());
    assert_eq!(
        workflow.webhook_ids().collect::<Vec<_>>(),
        [creds::FLOWMATIC_WEBHOOK]
    );
    let inactive = client
        .workflow(creds::FLOWMATIC_INACTIVE_WORKFLOW)
        .await
        .unwrap();
    assert_eq!(inactive.status, WorkflowStatus::Inactive);
    let err = client.workflow("wf-missing").await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert_eq!(error_code(&err), Some(&FlowmaticErrorCode::NotFound));
    server.shutdown().await;
}

#[tokio::test]
async fn workflow_create_update_delete() {
    let server = demo().await;
    let client = client(&server);
    let created = client
        .create_workflow(
            &NewWorkflow::new("Contract workflow")
                .description("made by the contract suite")
                .status(WorkflowStatus::Inactive)
                .trigger(WorkflowTrigger::webhook("contract-hook")),
        )
        .await
        .unwrap();
    assert!(!created.id.is_empty());
    assert_eq!(created.name, "Contract workflow");
    assert_eq!(created.status, WorkflowStatus::Inactive);
    assert_eq!(
        client.workflow(&created.id).await.unwrap().name,
        "Contract workflow"
    );

    let updated = client
        .update_workflow(
            &created.id,
            &WorkflowUpdate::new()
                .name("Renamed")
                .status(WorkflowStatus::Active),
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Renamed");
    assert_eq!(updated.status, WorkflowStatus::Active);

    client.delete_workflow(&created.id).await.unwrap();
    let err = client.workflow(&created.id).await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn execute_is_202_and_the_execution_is_polled_to_success() {
    let server = demo().await;
    let client = client(&server);
    let accepted = client
        .execute_workflow(creds::FLOWMATIC_WORKFLOW, json!({"event": "manual"}))
        .await
        .unwrap();
    assert_eq!(
        accepted.workflow_id.as_deref(),
        Some(creds::FLOWMATIC_WORKFLOW)
    );
    assert_eq!(accepted.status, ExecutionStatus::Running);
    let outcome = client
        .execution_handle(accepted.execution_id.clone())
        .wait(WaitOptions::timeout(WAIT))
        .await
        .unwrap();
    assert_eq!(
        outcome.output,
        json!({"processed": true, "event": "manual"})
    );

    let execution = client.execution(&accepted.execution_id).await.unwrap();
    assert_eq!(execution.id, accepted.execution_id);
    assert_eq!(execution.status, ExecutionStatus::Success);
    assert_eq!(
        execution.workflow_id.as_deref(),
        Some(creds::FLOWMATIC_WORKFLOW)
    );
    assert_eq!(execution.input["event"], "manual");
    assert!(execution.started_at.is_some());
    assert!(execution.finished_at.is_some());
    let err = client.execution("exec-missing").await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn executions_list_filters_and_walks_more_than_one_page() {
    let server = demo().await;
    let client = small_pages(&server, 2);
    let mut ids = Vec::new();
    for n in 0..3 {
        let handle = client
            .execute(creds::FLOWMATIC_WORKFLOW, json!({"event": format!("e{n}")}))
            .await
            .unwrap();
        handle.wait(WaitOptions::timeout(WAIT)).await.unwrap();
        ids.push(handle.execution_id().as_str().to_owned());
    }
    // One run of another workflow, which the filter must leave out.
    let other = FlowmaticWebhook::new(server.flowmatic_url(), creds::FLOWMATIC_SYNC_WEBHOOK)
        .unwrap()
        .send(TriggerRequest::new(json!({"data": {"orderId": "B-2"}})))
        .await
        .unwrap();
    assert!(matches!(other, WebhookAnswer::Responded(_)));

    let listed: Vec<_> = client
        .executions(ExecutionFilter::new().workflow_id(creds::FLOWMATIC_WORKFLOW))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 3, "three executions over two pages of two");
    for execution in &listed {
        assert_eq!(
            execution.workflow_id.as_deref(),
            Some(creds::FLOWMATIC_WORKFLOW)
        );
        assert!(ids.contains(&execution.id));
    }
    let succeeded: Vec<_> = client
        .executions(
            ExecutionFilter::new()
                .workflow_id(creds::FLOWMATIC_WORKFLOW)
                .status(ExecutionStatus::Success),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(succeeded.len(), 3);
    let running: Vec<_> = client
        .executions(
            ExecutionFilter::new()
                .workflow_id(creds::FLOWMATIC_WORKFLOW)
                .status(ExecutionStatus::Running),
        )
        .try_collect()
        .await
        .unwrap();
    assert!(running.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn connectors_are_listed() {
    let server = demo().await;
    let connectors = client(&server).connectors().await.unwrap();
    let slack = connectors
        .iter()
        .find(|c| c.id == "slack")
        .expect("the demo lists slack");
    assert_eq!(slack.name, "Slack");
    assert_eq!(slack.category.as_deref(), Some("communication"));
    assert!(slack.actions.iter().any(|a| a == "send_message"));
    assert_eq!(connectors.len(), 4);
    server.shutdown().await;
}

#[tokio::test]
async fn a_wrong_api_token_is_unauthorized_not_invalid_signature() {
    let server = demo().await;
    let client = FlowmaticClient::new(server.flowmatic_url(), "fm_wrong").unwrap();
    let err = client.connectors().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert_eq!(err.code(), Some("UNAUTHORIZED"));
    assert_eq!(error_code(&err), Some(&FlowmaticErrorCode::Unauthorized));
    assert!(!err.to_string().contains("fm_wrong"));
    server.shutdown().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_payload_too_large() {
    let mut config = trigger_sdk_reference_server::demo();
    config.body_limit = 1024;
    let server = ReferenceServer::start(config).await.unwrap();
    let webhook =
        FlowmaticWebhook::new(server.flowmatic_url(), creds::FLOWMATIC_SYNC_WEBHOOK).unwrap();
    let big: Value = json!({"data": {"orderId": "x".repeat(4096)}});
    let err = webhook.send(TriggerRequest::new(big)).await.unwrap_err();
    assert!(matches!(err, Error::PayloadTooLarge(_)), "{err:?}");
    assert_eq!(err.status(), Some(413));
    server.shutdown().await;
}

#[tokio::test]
async fn a_sync_webhook_past_its_cap_acknowledges_and_can_be_polled() {
    use trigger_sdk_reference_server::config::{FlowmaticExposure, Step, Workflow};
    let mut config = trigger_sdk_reference_server::demo();
    config.flowmatic.sync_timeout = Duration::from_millis(100);
    let mut slow = Workflow::new(
        "wf-slow-sync",
        "Slow sync",
        vec![
            Step::delay("wait", 600),
            Step::respond("response", 200, json!({"done": true})),
        ],
    );
    slow.flowmatic = Some(FlowmaticExposure {
        webhook_id: "slow-sync".to_owned(),
        trigger_id: "trg-slow-sync".to_owned(),
        secret: None,
        active: true,
    });
    config.workflows.push(slow);
    let server = ReferenceServer::start(config).await.unwrap();
    let webhook = FlowmaticWebhook::builder(server.flowmatic_url(), "slow-sync")
        .client(client(&server))
        .build()
        .unwrap();
    let answer = webhook.send(TriggerRequest::new(json!({}))).await.unwrap();
    let WebhookAnswer::Acknowledged(execution) = answer else {
        panic!("expected an acknowledgement past the sync cap, got {answer:?}");
    };
    assert_eq!(
        execution.acknowledgement().unwrap().execution_status,
        ExecutionStatus::Running
    );
    let outcome = execution.wait(WaitOptions::timeout(WAIT)).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    server.shutdown().await;
}

#[tokio::test]
async fn execute_trigger_starts_a_followable_run_and_resumes_by_id() {
    let server = demo().await;
    let trigger = ExecuteTrigger::new(client(&server), creds::FLOWMATIC_WORKFLOW);
    let handle = trigger
        .trigger(TriggerRequest::new(json!({"event": "by-id"})))
        .await
        .unwrap();
    let id = handle.run_id().cloned().unwrap();
    let outcome = handle.wait(WaitOptions::timeout(WAIT)).await.unwrap();
    assert_eq!(outcome.output, json!({"processed": true, "event": "by-id"}));
    let resumed = trigger.resume(id).unwrap();
    assert_eq!(resumed.status().await.unwrap().status, RunStatus::Succeeded);
    server.shutdown().await;
}

#[tokio::test]
async fn invalid_bodies_are_validation_errors() {
    let server = demo().await;
    let client = client(&server);
    let err = client
        .create_workflow(&NewWorkflow::new(""))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert_eq!(err.status(), Some(400));
    assert_eq!(error_code(&err), Some(&FlowmaticErrorCode::ValidationError));
    let err = client
        .execute_workflow(creds::FLOWMATIC_WORKFLOW, json!([1, 2]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn events_of_an_acknowledged_run_end_with_finished() {
    let server = demo().await;
    let handle = signed(&server, WebhookMethod::Post)
        .trigger(TriggerRequest::new(json!({"event": "streamed"})))
        .await
        .unwrap();
    let events: Vec<RunEvent> = handle.events().try_collect().await.unwrap();
    match events.last() {
        Some(RunEvent::Finished(outcome)) => {
            assert_eq!(outcome.status, RunStatus::Succeeded);
            assert_eq!(outcome.output["event"], "streamed");
        }
        other => panic!("expected Finished last, got {other:?}"),
    }
    assert_eq!(events.iter().filter(|e| e.is_terminal()).count(), 1);
    // Without the token, the stream says so instead of polling.
    let untracked = FlowmaticWebhook::builder(server.flowmatic_url(), creds::FLOWMATIC_WEBHOOK)
        .secret(creds::FLOWMATIC_SECRET)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({"event": "x"})))
        .await
        .unwrap();
    let items: Vec<_> = untracked.events().collect().await;
    assert!(matches!(items.last(), Some(Err(Error::NotTrackable(_)))));
    server.shutdown().await;
}

#[tokio::test]
async fn over_the_rate_limit_reads_are_rate_limited_with_retry_after() {
    let mut config = trigger_sdk_reference_server::demo();
    config.flowmatic.requests_per_minute = 2;
    let server = ReferenceServer::start(config).await.unwrap();
    let client = client(&server);
    client.connectors().await.unwrap();
    client.workflow(creds::FLOWMATIC_WORKFLOW).await.unwrap();
    // The server asks for about a minute, over the longest wait the client
    // honours (30 s), so the 429 comes back typed instead of being waited out.
    let err = client.connectors().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(error_code(&err), Some(&FlowmaticErrorCode::RateLimited));
    let retry_after = err.retry_after().expect("a Retry-After");
    assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(60));
    server.shutdown().await;
}
