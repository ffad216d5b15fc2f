//! Every provider at the edges, through its public API, against hostile
//! loopback servers: a redirect to a second listener (no credential,
//! signature or body may reach it), an endless answer (capped), a status
//! endpoint that never answers (`wait` ends at its deadline), a huge SSE
//! event and a line that never ends (linear, capped, then polling).
//!
//! The rows are one table: each provider operation is a closure from a base
//! URL and client options to a future of its outcome.

use std::{future::Future, pin::Pin, time::Duration};

use bytes::Bytes;
use futures::StreamExt;
use serde_json::json;
use trigger_sdk::{
    ClientOptions, Error, RetryPolicy, RunHandle, Trigger, TriggerRequest, WaitOptions,
    flowmatic::{FlowmaticClient, FlowmaticWebhook},
    n8n::{N8nClient, WebhookTrigger},
    runs::{RunRequest, RunsClient},
    sse::SseOptions,
    tooljet::ToolJetWorkflow,
};
use trigger_sdk_test_support::{
    carries, chunked_server, endless_server, ok_server, redirect_server, silent_server,
};

const KEY: &str = "sk-edge-credential-0123456789";

type Outcome = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

/// One provider operation: (name, what it does with a base URL and options).
type Row = (&'static str, fn(String, ClientOptions) -> Outcome);

fn options() -> ClientOptions {
    ClientOptions::new().retry(
        RetryPolicy::default()
            .max_retries(1)
            .initial_backoff(Duration::from_millis(1))
            .jitter(false),
    )
}

/// Every request each provider makes that carries a credential, a signature
/// or a body that starts a run.
fn rows() -> Vec<Row> {
    vec![
        ("runs run", |base, o| {
            Box::pin(async move {
                let client = RunsClient::builder(base, KEY).options(o).build()?;
                client
                    .run("wf_1", RunRequest::new(json!({"order": 1})))
                    .await
                    .map(drop)
            })
        }),
        ("runs get_run", |base, o| {
            Box::pin(async move {
                let client = RunsClient::builder(base, KEY).options(o).build()?;
                client.get_run("run_1").await.map(drop)
            })
        }),
        ("n8n api", |base, o| {
            Box::pin(async move {
                let client = N8nClient::builder(base, KEY).options(o).build()?;
                client.workflow("1").await.map(drop)
            })
        }),
        ("n8n retry_execution", |base, o| {
            Box::pin(async move {
                let client = N8nClient::builder(base, KEY).options(o).build()?;
                client.retry_execution("1", None).await.map(drop)
            })
        }),
        ("n8n webhook with header auth", |base, o| {
            Box::pin(async move {
                let hook = WebhookTrigger::builder(base, "send-email")
                    .header_auth("x-webhook-secret", KEY)
                    .options(o)
                    .build()?;
                hook.trigger(TriggerRequest::new(json!({"to": "a@example.com"})))
                    .await
                    .map(drop)
            })
        }),
        ("flowmatic signed webhook", |base, o| {
            Box::pin(async move {
                let hook = FlowmaticWebhook::builder(base, "abc-123")
                    .secret(KEY)
                    .options(o)
                    .build()?;
                hook.send(TriggerRequest::new(json!({"event": "signup"})))
                    .await
                    .map(drop)
            })
        }),
        ("flowmatic api", |base, o| {
            Box::pin(async move {
                let client = FlowmaticClient::builder(base, KEY).options(o).build()?;
                client.workflow("wf-1").await.map(drop)
            })
        }),
        ("tooljet trigger-async", |base, o| {
            Box::pin(async move {
                let wf = ToolJetWorkflow::builder(base, "wf-uuid", KEY)
                    .options(o)
                    .build()?;
                wf.trigger_async(&json!({"name": "a"})).await.map(drop)
            })
        }),
        ("tooljet status", |base, o| {
            Box::pin(async move {
                let wf = ToolJetWorkflow::builder(base, "wf-uuid", KEY)
                    .options(o)
                    .build()?;
                wf.run("exec-1").status().await.map(drop)
            })
        }),
    ]
}

#[tokio::test]
async fn no_provider_sends_anything_to_another_origin() {
    let target = ok_server().await;
    for status in [301, 302, 303, 307, 308] {
        let redirector = redirect_server(status, format!("{}/elsewhere", target.base)).await;
        for (name, operation) in rows() {
            let err = operation(redirector.base.clone(), options())
                .await
                .expect_err(name);
            assert!(
                matches!(&err, Error::Redirect { location, .. } if location.contains("/elsewhere")),
                "{name} ({status}): {err:?}"
            );
        }
        // Each operation reached the redirector once (nothing was resent)
        // and carried its credential there, the origin it was built for.
        let received = redirector.received.requests();
        assert_eq!(received.len(), rows().len(), "{status}");
        assert!(received.iter().any(|r| carries(r, KEY)));
    }
    assert_eq!(
        target.received.count(),
        0,
        "the second listener received {:?}",
        target.received.requests()
    );
}

#[tokio::test]
async fn every_provider_caps_an_endless_answer() {
    let server = endless_server("application/json").await;
    for (name, operation) in rows() {
        let err = operation(server.base.clone(), options().max_answer_size(256 * 1024))
            .await
            .expect_err(name);
        assert!(
            matches!(err, Error::TooLarge { limit: 262_144, .. }),
            "{name}: {err:?}"
        );
    }
}

/// Handles whose `status()` goes to a server that never answers.
fn silent_handles(base: &str) -> Vec<(&'static str, Box<dyn RunHandle>)> {
    let o = || options().attempt_timeout(Some(Duration::from_secs(30)));
    vec![
        (
            "runs",
            Box::new(
                RunsClient::builder(base, KEY)
                    .options(o())
                    .build()
                    .unwrap()
                    .handle("run_1"),
            ),
        ),
        (
            "n8n",
            Box::new(
                N8nClient::builder(base, KEY)
                    .options(o())
                    .build()
                    .unwrap()
                    .execution_handle("7"),
            ),
        ),
        (
            "flowmatic",
            Box::new(
                FlowmaticClient::builder(base, KEY)
                    .options(o())
                    .build()
                    .unwrap()
                    .execution_handle("exec-1"),
            ),
        ),
        (
            "tooljet",
            Box::new(
                ToolJetWorkflow::builder(base, "wf-uuid", KEY)
                    .options(o())
                    .build()
                    .unwrap()
                    .run("exec-1"),
            ),
        ),
    ]
}

#[tokio::test(start_paused = true)]
async fn wait_ends_at_its_deadline_when_the_status_endpoint_never_answers() {
    let server = silent_server().await;
    for (name, handle) in silent_handles(&server.base) {
        let start = tokio::time::Instant::now();
        let err = handle
            .wait(WaitOptions::timeout(Duration::from_secs(2)))
            .await
            .expect_err(name);
        assert!(matches!(err, Error::Timeout { .. }), "{name}: {err:?}");
        // On the paused clock the wait ends exactly at its deadline, not
        // after the 30 s attempt timeout of the status call inside it.
        assert_eq!(start.elapsed(), Duration::from_secs(2), "{name}");
    }
}

/// An SSE body: one event of `size` bytes of data, with an id.
fn huge_event(size: usize) -> Vec<Bytes> {
    let text = format!(
        "id: 1\ndata: {{\"type\":\"workflow_execution_running\",\"pad\":\"{}\"}}\n\n",
        "x".repeat(size)
    );
    text.into_bytes()
        .chunks(16 * 1024)
        .map(Bytes::copy_from_slice)
        .collect()
}

#[tokio::test]
async fn a_huge_sse_event_arrives_whole_and_one_over_the_cap_is_too_large() {
    let server = chunked_server("text/event-stream", huge_event(4 << 20), Duration::ZERO).await;
    let wf = ToolJetWorkflow::builder(&server.base, "wf-uuid", KEY)
        .stream_options(
            SseOptions::default()
                .max_line(8 << 20)
                .max_event(8 << 20)
                .max_reconnects(0),
        )
        .build()
        .unwrap();
    let event = wf.run("exec-1").stream().next().await.unwrap().unwrap();
    assert!(event.data.to_string().len() > 4 << 20);

    let wf = ToolJetWorkflow::builder(&server.base, "wf-uuid", KEY)
        .stream_options(SseOptions::default().max_line(1 << 20).max_reconnects(0))
        .build()
        .unwrap();
    let err = wf.run("exec-1").stream().next().await.unwrap().unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn a_line_that_never_ends_is_cut_at_the_cap_and_events_fall_back_to_polling() {
    // 64 chunks of 4 KiB without a line end, then silence.
    let chunks = (0..64).map(|_| Bytes::from(vec![b'a'; 4096])).collect();
    let server = chunked_server("text/event-stream", chunks, Duration::ZERO).await;
    let wf = ToolJetWorkflow::builder(&server.base, "wf-uuid", KEY)
        .stream_options(SseOptions::default().max_line(64 * 1024).max_reconnects(0))
        .retry(RetryPolicy::none())
        .timeouts(trigger_sdk::Timeouts::default().attempt(Some(Duration::from_millis(300))))
        .build()
        .unwrap();
    let run = wf.run("exec-1");
    let err = run.stream().next().await.unwrap().unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
    // `events()` does not hang on it: it falls back to polling the status,
    // which this server answers with the same endless stream (not a status
    // document), so the poll times out and reports instead of waiting forever.
    let polled = run.events().next().await.unwrap();
    assert!(polled.is_err(), "{polled:?}");
    let paths: Vec<String> = server
        .received
        .requests()
        .into_iter()
        .map(|r| r.uri)
        .collect();
    assert!(
        paths.iter().any(|p| p.contains("/status/exec-1")),
        "{paths:?}"
    );
}
