//! sdk-runs against the reference server's runs face (sdk-runs/docs/contract.md),
//! over a real loopback socket, one test per contract row.

use std::{collections::HashSet, time::Duration};

use futures::TryStreamExt;
use serde_json::{Value, json};
use trigger_sdk_core::{
    Error, PollPolicy, RateLimit, RetryPolicy, RunEvent, RunHandle, RunStatus, StepStatus, Trigger,
    TriggerRequest, WaitOptions,
};
use trigger_sdk_reference_server::{ReferenceServer, creds};
use trigger_sdk_runs::{
    ListRuns, ReplayConflict, RunRequest, RunsApiError, RunsClient, RunsErrorCode,
};

fn fast_poll() -> PollPolicy {
    PollPolicy::default()
        .initial(Duration::from_millis(20))
        .max(Duration::from_millis(100))
        .factor(1.5)
}

fn wait_options() -> WaitOptions {
    WaitOptions::timeout(Duration::from_secs(30)).with_poll(fast_poll())
}

async fn start() -> (ReferenceServer, RunsClient) {
    let server = ReferenceServer::start(trigger_sdk_reference_server::demo())
        .await
        .unwrap();
    let client = client_for(&server, creds::RUNS_API_KEY);
    (server, client)
}

fn client_for(server: &ReferenceServer, key: &str) -> RunsClient {
    RunsClient::builder(server.runs_url(), key)
        .poll(fast_poll())
        .build()
        .unwrap()
}

/// The docs' "Process Customer Order" input: the two items.
fn order_input() -> Value {
    json!({
        "customerId": "cus_ada",
        "customerEmail": "ada@example.com",
        "items": [
            {"productId": "p1", "quantity": 2, "price": 1999},
            {"productId": "p2", "quantity": 1, "price": 500}
        ]
    })
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

#[tokio::test]
async fn process_customer_order_completes_with_the_total_and_step_outputs() {
    let (server, client) = start().await;
    let handle = client
        .run(
            creds::RUNS_CUSTOMER_ORDER,
            RunRequest::new(order_input()).idempotency_key("ORD-1001"),
        )
        .await
        .unwrap();
    assert!(!handle.is_existing_run());
    assert_eq!(
        handle.start_answer().and_then(|s| s.workflow_version),
        Some(3)
    );

    let events: Vec<RunEvent> = handle.events().try_collect().await.unwrap();
    let Some(RunEvent::Finished(outcome)) = events.last() else {
        panic!("the events do not end with Finished: {events:?}");
    };
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(
        events.iter().filter(|e| e.is_terminal()).count(),
        1,
        "Finished only once, at the end"
    );
    let completed_steps: HashSet<&str> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Step(s) if s.status == StepStatus::Completed => Some(s.id.as_str()),
            _ => None,
        })
        .collect();
    assert!(completed_steps.contains("create-invoice"), "{events:?}");

    // The run's output is the last step's: the confirmation sent.
    let output = &outcome.output;
    assert_eq!(output["status"], "sent", "{output}");
    assert_eq!(output["to"], "ada@example.com", "{output}");

    let run = handle.run().await.unwrap();
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(run.steps.len(), 3);
    assert!(run.steps.iter().all(|s| s.status == StepStatus::Completed));
    // subtotal 2 × 1999 + 500 = 4498; tax 8 % = 359.84; total 4857.84.
    let totals = &run.step("calculate-total").unwrap().output;
    assert_eq!(
        totals,
        &json!({"subtotal": 4498, "tax": 359.84, "total": 4857.84})
    );
    let invoice = &run.step("create-invoice").unwrap().output;
    assert!(close(&invoice["amount_due"], 4857.84), "{invoice}");
    let number = invoice["number"].as_str().unwrap();
    assert_eq!(
        output["subject"],
        format!("Order Confirmed - Invoice #{number}")
    );
    assert_eq!(run.workflow_version, Some(3));

    #[derive(serde::Deserialize)]
    struct Confirmation {
        id: String,
        subject: String,
    }
    let typed: Confirmation = handle.wait_for_output(wait_options()).await.unwrap();
    assert!(typed.id.starts_with("msg_"), "{}", typed.id);
    assert!(typed.subject.ends_with(number));
    server.shutdown().await;
}

#[tokio::test]
async fn create_invoice_rejects_bad_input_with_every_detail() {
    let (server, client) = start().await;
    let err = client
        .run(
            creds::RUNS_CREATE_INVOICE,
            RunRequest::new(json!({"amount": 50})),
        )
        .await
        .unwrap_err();
    let Error::Validation { details, .. } = &err else {
        panic!("expected Validation, got {err:?}");
    };
    assert!(
        details
            .iter()
            .any(|d| d.path == ["customerId"] && d.message == "Required"),
        "{details:?}"
    );
    assert!(details.iter().any(|d| d.path == ["amount"]), "{details:?}");
    assert_eq!(err.code(), Some("VALIDATION_ERROR"));
    assert_eq!(
        err.detail::<RunsApiError>().map(|d| d.details.len()),
        Some(details.len())
    );

    let err = client
        .run(
            creds::RUNS_CREATE_INVOICE,
            RunRequest::new(json!({"customerId": "acme", "amount": 99})),
        )
        .await
        .unwrap_err();
    let Error::Validation { details, .. } = &err else {
        panic!("expected Validation, got {err:?}");
    };
    let paths: HashSet<String> = details.iter().map(|d| d.path.join(".")).collect();
    assert_eq!(
        paths,
        HashSet::from(["customerId".to_owned(), "amount".to_owned()]),
        "{details:?}"
    );

    let unknown_connection = client
        .run(
            creds::RUNS_CREATE_INVOICE,
            RunRequest::new(json!({"customerId": "cus_1", "amount": 150}))
                .connection_id("conn_nope"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&unknown_connection, Error::Validation { details, .. }
            if details.iter().any(|d| d.path == ["connectionId"])),
        "{unknown_connection:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn create_invoice_applies_the_currency_default() {
    let (server, client) = start().await;
    let handle = client
        .run(
            creds::RUNS_CREATE_INVOICE,
            RunRequest::new(json!({"customerId": "cus_123", "amount": 2500}))
                .connection_id(creds::RUNS_CONNECTION),
        )
        .await
        .unwrap();
    let outcome = handle.wait(wait_options()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.output["currency"], "usd");
    assert_eq!(outcome.output["customerId"], "cus_123");
    let run = handle.run().await.unwrap();
    assert_eq!(run.input["currency"], "usd");
    server.shutdown().await;
}

#[tokio::test]
async fn a_draft_workflow_is_invalid_status() {
    let (server, client) = start().await;
    let err = client
        .run(creds::RUNS_DRAFT, RunRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    let detail = err.detail::<RunsApiError>().unwrap();
    assert_eq!(detail.code, RunsErrorCode::InvalidStatus);
    assert_eq!(detail.current_status.as_deref(), Some("draft"));
    assert_eq!(err.status(), Some(400));
    server.shutdown().await;
}

#[tokio::test]
async fn keys_without_the_scope_or_unknown_keys_are_refused() {
    let (server, client) = start().await;
    let reader = client_for(&server, creds::RUNS_READ_KEY);
    let err = reader
        .run(creds::RUNS_CUSTOMER_ORDER, RunRequest::new(order_input()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    assert_eq!(
        err.detail::<RunsApiError>()
            .and_then(|d| d.required_scope.as_deref()),
        Some("workflows:execute")
    );

    // The read key may read what the full key started.
    let handle = client
        .run(creds::RUNS_CUSTOMER_ORDER, RunRequest::new(order_input()))
        .await
        .unwrap();
    let seen = reader.get_run(handle.id().as_str()).await.unwrap();
    assert_eq!(&seen.id, handle.id());

    let stranger = client_for(&server, "wfk_unknown000000000000000000000000");
    let err = stranger.get_run(handle.id().as_str()).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");

    let missing = client.get_run("run_does_not_exist").await.unwrap_err();
    assert!(matches!(missing, Error::NotFound(_)), "{missing:?}");
    let no_workflow = client
        .run("wf_nope", RunRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(no_workflow, Error::NotFound(_)), "{no_workflow:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn the_same_idempotency_key_twice_gives_one_run() {
    let (server, client) = start().await;
    let request = RunRequest::new(order_input()).idempotency_key("order-ORD-1001");
    let first = client
        .run(creds::RUNS_CUSTOMER_ORDER, request.clone())
        .await
        .unwrap();
    let second = client
        .run(creds::RUNS_CUSTOMER_ORDER, request)
        .await
        .unwrap();
    assert!(!first.is_existing_run());
    assert!(second.is_existing_run());
    assert_eq!(first.id(), second.id());
    let runs: Vec<_> = client
        .list_runs(ListRuns::new().workflow_id(creds::RUNS_CUSTOMER_ORDER))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);

    // Without a key, each call is a new run (the SDK generates a fresh key).
    let a = client
        .run(creds::RUNS_CUSTOMER_ORDER, RunRequest::new(order_input()))
        .await
        .unwrap();
    let b = client
        .run(creds::RUNS_CUSTOMER_ORDER, RunRequest::new(order_input()))
        .await
        .unwrap();
    assert_ne!(a.id(), b.id());
    assert_ne!(a.idempotency_key(), b.idempotency_key());
    server.shutdown().await;
}

/// The docs' idempotency request, replayed with another order: the server
/// gives back the first run (as documented); the opt-in check says so.
#[tokio::test]
async fn a_replay_with_another_input_is_reported_by_the_opt_in_check() {
    let (server, client) = start().await;
    let request = |order: &str| {
        RunRequest::new(json!({"orderId": order})).idempotency_key("process-order-123")
    };
    let workflow = creds::RUNS_ORDER_CONFIRMATION;
    let first = client
        .run(workflow, request("order_123").check_replay())
        .await
        .unwrap();
    assert!(!first.is_existing_run());
    let same = client
        .run(workflow, request("order_123").check_replay())
        .await
        .unwrap();
    assert!(same.is_existing_run());
    assert_eq!(same.id(), first.id());

    let err = client
        .run(workflow, request("order_124").check_replay())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    let conflict = err.detail::<ReplayConflict>().unwrap();
    assert_eq!(&conflict.run_id, first.id());
    assert_eq!(conflict.existing, json!({"orderId": "order_123"}));
    assert_eq!(conflict.sent, json!({"orderId": "order_124"}));
    assert!(err.to_string().contains("process-order-123"), "{err}");

    // Unchecked, the replay is the first run, as the API answers it.
    let unchecked = client.run(workflow, request("order_124")).await.unwrap();
    assert!(unchecked.is_existing_run());
    assert_eq!(unchecked.id(), first.id());

    // Schema defaults the server added are not a difference.
    let invoice = |amount: u32| {
        RunRequest::new(json!({"customerId": "cus_xxx", "amount": amount}))
            .idempotency_key("invoice-1")
            .check_replay()
    };
    client
        .run(creds::RUNS_CREATE_INVOICE, invoice(9900))
        .await
        .unwrap();
    let again = client
        .run(creds::RUNS_CREATE_INVOICE, invoice(9900))
        .await
        .unwrap();
    assert!(again.is_existing_run());
    let changed = client
        .run(creds::RUNS_CREATE_INVOICE, invoice(9901))
        .await
        .unwrap_err();
    assert!(matches!(changed, Error::Conflict(_)), "{changed:?}");

    // Through the Trigger interface too.
    let trigger: Box<dyn Trigger> = Box::new(client.workflow(workflow).with_replay_check());
    let err = trigger
        .trigger(
            TriggerRequest::new(json!({"orderId": "order_125"}))
                .idempotency_key("process-order-123"),
        )
        .await
        .err()
        .unwrap();
    assert!(err.detail::<ReplayConflict>().is_some(), "{err:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn the_failing_workflow_ends_failed_with_step_error_and_the_step() {
    let (server, client) = start().await;
    let handle = client
        .run(creds::RUNS_FAILING, RunRequest::default())
        .await
        .unwrap();
    let outcome = handle.wait(wait_options()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Failed);
    let failure = outcome.failure.clone().unwrap();
    assert_eq!(failure.code.as_deref(), Some("STEP_ERROR"));
    assert_eq!(failure.step.as_deref(), Some("charge"));
    assert!(failure.message.contains("Card declined"), "{failure:?}");
    let charge = outcome.steps.iter().find(|s| s.id == "charge").unwrap();
    assert_eq!(charge.status, StepStatus::Failed);

    let err = outcome.into_result().unwrap_err();
    assert!(matches!(err, Error::WorkflowFailed(_)), "{err:?}");
    assert_eq!(err.code(), Some("STEP_ERROR"));
    server.shutdown().await;
}

#[tokio::test]
async fn cancel_works_on_a_running_run_and_refuses_a_finished_one() {
    let (server, client) = start().await;
    let handle = client
        .run(creds::RUNS_SLOW, RunRequest::default())
        .await
        .unwrap();
    handle.cancel().await.unwrap();
    let outcome = handle.wait(wait_options()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Cancelled);

    let again = client.cancel_run(handle.id().as_str()).await.unwrap_err();
    assert!(matches!(again, Error::Conflict(_)), "{again:?}");
    assert_eq!(
        again
            .detail::<RunsApiError>()
            .and_then(|d| d.current_status.as_deref()),
        Some("cancelled")
    );
    let retry = client.retry_run(handle.id().as_str()).await.unwrap_err();
    assert!(matches!(retry, Error::Conflict(_)), "{retry:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn retry_starts_a_new_run_of_a_failed_one_and_refuses_a_completed_one() {
    let (server, client) = start().await;
    let failed = client
        .run(creds::RUNS_FAILING, RunRequest::new(json!({"amount": 250})))
        .await
        .unwrap();
    assert_eq!(
        failed.wait(wait_options()).await.unwrap().status,
        RunStatus::Failed
    );
    let retried = failed.retry().await.unwrap();
    assert_ne!(retried.id(), failed.id());
    let run = retried.run().await.unwrap();
    assert_eq!(run.input["amount"], 250, "the same input");
    // The failing step fails again: the retry ran it.
    let outcome = retried.wait(wait_options()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Failed);
    assert_eq!(
        outcome.failure.and_then(|f| f.step).as_deref(),
        Some("charge")
    );

    let done = client
        .run(
            creds::RUNS_CREATE_INVOICE,
            RunRequest::new(json!({"customerId": "cus_1", "amount": 100})),
        )
        .await
        .unwrap();
    done.wait(wait_options()).await.unwrap();
    let err = done.retry().await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    let err = done.cancel().await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn listing_follows_the_cursor_over_several_pages() {
    let (server, client) = start().await;
    let requests = (0..5).map(|n| {
        (
            creds::RUNS_CREATE_INVOICE,
            RunRequest::new(json!({"customerId": format!("cus_{n}"), "amount": 100 + n})),
        )
    });
    let started: HashSet<String> = client
        .run_many(requests, 2)
        .await
        .into_iter()
        .map(|r| r.unwrap().id().to_string())
        .collect();
    assert_eq!(started.len(), 5);
    // Another workflow's run, filtered out.
    client
        .run(creds::RUNS_CUSTOMER_ORDER, RunRequest::new(order_input()))
        .await
        .unwrap();

    let filter = ListRuns::new()
        .workflow_id(creds::RUNS_CREATE_INVOICE)
        .limit(2);
    let first = client.list_runs_page(&filter, None).await.unwrap();
    assert_eq!(first.items.len(), 2);
    assert!(first.next.is_some(), "a first page of 2 out of 5 has more");

    let listed: Vec<String> = client
        .list_runs(filter)
        .map_ok(|r| r.id.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 5, "{listed:?}");
    assert_eq!(listed.iter().cloned().collect::<HashSet<_>>(), started);
    server.shutdown().await;
}

#[tokio::test]
async fn a_trigger_runs_the_workflow_and_resumes_a_run_by_id() {
    let (server, client) = start().await;
    let trigger: Box<dyn Trigger> = Box::new(client.workflow(creds::RUNS_CUSTOMER_ORDER));
    let handle = trigger
        .trigger(TriggerRequest::new(order_input()).idempotency_key("trigger-1"))
        .await
        .unwrap();
    let run_id = handle.run_id().cloned().unwrap();
    let resumed = trigger.resume(run_id.clone()).unwrap();
    let outcome = resumed.wait(wait_options()).await.unwrap();
    assert_eq!(outcome.run_id.as_ref(), Some(&run_id));
    let total = outcome
        .steps
        .iter()
        .find(|s| s.id == "calculate-total")
        .and_then(|s| s.output.as_ref())
        .map(|o| o["total"].clone());
    assert_eq!(total, Some(json!(4857.84)));
    server.shutdown().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_payload_too_large() {
    let mut config = trigger_sdk_reference_server::demo();
    config.body_limit = 4 * 1024;
    let server = ReferenceServer::start(config).await.unwrap();
    let client = client_for(&server, creds::RUNS_API_KEY);
    let big = "x".repeat(8 * 1024);
    let err = client
        .run(
            creds::RUNS_CREATE_INVOICE,
            RunRequest::new(json!({"customerId": "cus_1", "amount": 100, "description": big})),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PayloadTooLarge(_)), "{err:?}");
    assert_eq!(err.code(), Some("PAYLOAD_TOO_LARGE"));
    server.shutdown().await;
}

#[tokio::test]
async fn past_the_execute_limit_a_run_is_rate_limited_with_retry_after() {
    let mut config = trigger_sdk_reference_server::demo();
    config.runs.execute_per_minute = 2;
    let server = ReferenceServer::start(config).await.unwrap();
    // No SDK retries, so the 429 comes back whatever `Retry-After` says.
    let client = RunsClient::builder(server.runs_url(), creds::RUNS_API_KEY)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    for _ in 0..2 {
        client
            .run(creds::RUNS_DRAFT, RunRequest::default())
            .await
            .unwrap_err();
    }
    let err = client
        .run(creds::RUNS_CUSTOMER_ORDER, RunRequest::new(order_input()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    let retry_after = err.retry_after().unwrap();
    assert!(retry_after >= Duration::from_secs(1) && retry_after <= Duration::from_secs(60));
    assert!(
        err.to_string().contains("Limit: 2 requests per minute"),
        "{err}"
    );
    // Reads have their own limit.
    assert!(matches!(
        client.get_run("run_none").await,
        Err(Error::NotFound(_))
    ));
    server.shutdown().await;
}

/// The demo set with an execute limit of 50 per window, and a server window
/// shortened to 2 s (`config.runs.rate_window`) so that the limited batch
/// takes seconds, not minutes: a batch of 100 is twice one window's limit.
fn low_execute_limit() -> trigger_sdk_reference_server::Config {
    let mut config = trigger_sdk_reference_server::demo();
    config.runs.execute_per_minute = EXECUTE_LIMIT;
    config.runs.rate_window = WINDOW;
    config
}

const EXECUTE_LIMIT: u32 = 50;
const WINDOW: Duration = Duration::from_secs(2);

fn invoices(count: u64) -> impl Iterator<Item = (&'static str, RunRequest)> {
    (0..count).map(|n| {
        (
            creds::RUNS_CREATE_INVOICE,
            RunRequest::new(json!({"customerId": format!("cus_{n}"), "amount": 100 + n}))
                .idempotency_key(format!("invoice-{n}")),
        )
    })
}

#[tokio::test]
async fn a_batch_of_100_completes_with_the_limiter_and_is_rate_limited_without_it() {
    // No SDK retries in either case: only the limiter keeps the batch under the limit.
    let server = ReferenceServer::start(low_execute_limit()).await.unwrap();
    let limited = RunsClient::builder(server.runs_url(), creds::RUNS_API_KEY)
        .retry(RetryPolicy::none())
        .execute_rate_limit(RateLimit::within_window(EXECUTE_LIMIT, WINDOW))
        .build()
        .unwrap();
    let results = limited.run_many(invoices(100), 10).await;
    let mut ids = HashSet::new();
    for (n, result) in results.into_iter().enumerate() {
        match result {
            Ok(handle) => assert!(ids.insert(handle.id().clone())),
            Err(e) => panic!("item {n} failed with the limiter: {e:?}"),
        }
    }
    assert_eq!(ids.len(), 100);
    server.shutdown().await;

    let server = ReferenceServer::start(low_execute_limit()).await.unwrap();
    let unlimited = RunsClient::builder(server.runs_url(), creds::RUNS_API_KEY)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let results = unlimited.run_many(invoices(100), 10).await;
    let refused: Vec<&Error> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        !refused.is_empty(),
        "100 runs at once went under a limit of 50"
    );
    for e in &refused {
        assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
        assert!(e.retry_after().is_some());
    }
    // Each item says what happened to it, in order: the refused ones can be sent again.
    assert_eq!(results.len(), 100);
    server.shutdown().await;
}
