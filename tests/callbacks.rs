//! Callbacks end to end: the reference server's demo `send-email-callback`
//! workflow (n8n, `onReceived`) calls back a [`CallbackServer`] over real
//! loopback sockets, and the SDK's handle ends with what was posted.

use std::time::Duration;

use serde_json::json;
use trigger_sdk::callback::{CallbackReceiver, CallbackServer, UrlPlacement};
use trigger_sdk::n8n::WebhookTrigger;
use trigger_sdk::{Error, Provider, RunHandle, RunStatus, TriggerRequest, WaitOptions};
use trigger_sdk_reference_server::{ReferenceServer, creds, engine::RunSnapshot};

const HOOK: &str = "send-email-callback";

fn wait() -> WaitOptions {
    WaitOptions::timeout(Duration::from_secs(30))
}

async fn receiver(secret: &str) -> CallbackServer {
    CallbackServer::bind("127.0.0.1:0", CallbackReceiver::builder().secret(secret))
        .await
        .unwrap()
}

/// The demo workflow's run, once it has ended on the server.
async fn finished_run(server: &ReferenceServer) -> RunSnapshot {
    let run = server
        .runs_of(creds::N8N_CALLBACK)
        .into_iter()
        .next()
        .expect("the trigger started a run");
    tokio::time::timeout(Duration::from_secs(60), server.engine().wait(&run.id))
        .await
        .expect("the run ends")
        .expect("the run is kept")
}

async fn trigger(
    server: &ReferenceServer,
    callbacks: &CallbackServer,
) -> trigger_sdk::callback::CallbackRun {
    let hook = WebhookTrigger::builder(server.n8n_url(), HOOK)
        .build()
        .unwrap();
    callbacks
        .receiver()
        .trigger(
            &hook,
            TriggerRequest::new(json!({"to": "ada@example.com"})),
            UrlPlacement::field("callbackUrl"),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn an_n8n_fire_and_forget_run_ends_with_what_its_callback_posted() {
    let server = ReferenceServer::start_demo().await.unwrap();
    let callbacks = receiver(creds::N8N_CALLBACK_SECRET).await;
    let run = trigger(&server, &callbacks).await;
    assert_eq!(run.provider(), Provider::N8n);

    let outcome = tokio::time::timeout(Duration::from_secs(60), run.wait(wait()))
        .await
        .expect("wait keeps its own deadline")
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(
        outcome.output["result"],
        json!({"sent": true, "to": "ada@example.com"})
    );
    // The body is kept as the workflow sent it.
    let raw: serde_json::Value = serde_json::from_slice(outcome.body.as_deref().unwrap()).unwrap();
    assert_eq!(raw, outcome.output);

    // The server's side: the callback step got the receiver's 200.
    let done = finished_run(&server).await;
    assert_eq!(outcome.output["executionId"], &*done.id);
    assert_eq!(
        done.output.as_deref(),
        Some(&json!({"status": 200, "body": {"received": true}}))
    );
    callbacks.shutdown().await;
}

#[tokio::test]
async fn a_wait_after_the_run_ended_gets_the_kept_callback() {
    let server = ReferenceServer::start_demo().await.unwrap();
    let callbacks = receiver(creds::N8N_CALLBACK_SECRET).await;
    let run = trigger(&server, &callbacks).await;
    // The run ends, its callback taken, before anyone waits.
    assert_eq!(
        finished_run(&server).await.status,
        trigger_sdk_reference_server::engine::RunStatus::Succeeded
    );
    assert_eq!(run.status().await.unwrap().status, RunStatus::Succeeded);
    let outcome = run.wait(wait()).await.unwrap();
    assert_eq!(outcome.output["result"]["sent"], true);
}

#[tokio::test]
async fn a_callback_signed_with_another_secret_is_refused_and_the_wait_times_out() {
    let server = ReferenceServer::start_demo().await.unwrap();
    // The receiver expects another secret than the workflow signs with.
    let callbacks = receiver("whsec_not_the_workflows").await;
    let run = trigger(&server, &callbacks).await;
    let done = finished_run(&server).await;
    // The workflow's callback step was answered 401 …
    let error = done.error.expect("the callback step failed");
    assert_eq!(error.step.as_deref(), Some("callback"));
    assert!(error.message.contains("answered 401"), "{}", error.message);
    // … and the run was not completed by it.
    assert_eq!(run.status().await.unwrap().status, RunStatus::Running);
    let late = run
        .wait(WaitOptions::timeout(Duration::from_millis(100)))
        .await;
    assert!(matches!(late, Err(Error::Timeout { .. })), "{late:?}");
}
