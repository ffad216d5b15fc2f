use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use axum::{
    Router,
    body::{Body, Bytes},
    http::{Request, StatusCode},
};
use futures::StreamExt;
use serde_json::{Value, json};
use tower_service::Service as _;

use super::*;
use crate::{
    FinishedRun, PollPolicy, RunEvent, RunHandle, RunOutcome, RunStatus, WaitOptions,
    run::Provider, signature,
};

const SECRET: &str = "whsec_callbacks";

fn builder() -> CallbackReceiverBuilder {
    CallbackReceiver::builder().public_url("http://app.test/callbacks")
}

fn receiver() -> CallbackReceiver {
    builder().build().unwrap()
}

fn signed_receiver() -> CallbackReceiver {
    builder().secret(SECRET).build().unwrap()
}

/// Posts `body` to `url` (an absolute callback URL) through the receiver's
/// router, as the workflow platform would; the status and the JSON answer.
async fn post(
    receiver: &CallbackReceiver,
    url: &str,
    body: &str,
    signature: Option<&str>,
) -> (StatusCode, Value) {
    let path_and_query = url
        .strip_prefix(receiver.public_url())
        .map(|rest| format!("/{rest}"))
        .unwrap_or_else(|| panic!("{url} is not under {}", receiver.public_url()));
    let mut request = Request::post(path_and_query).header("content-type", "application/json");
    if let Some(signature) = signature {
        request = request.header("X-Webhook-Signature", signature);
    }
    let mut app: Router = receiver.router();
    let response = app
        .call(request.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn sign(body: &str) -> String {
    signature::sign_sha256(&Secret::new(SECRET), body.as_bytes())
}

fn soon() -> WaitOptions {
    WaitOptions::timeout(Duration::from_secs(30))
}

#[tokio::test]
async fn a_callback_before_wait_is_kept_for_a_late_wait() {
    let receiver = receiver();
    let pending = receiver.register().await.unwrap();
    let body = r#"{"sent": true,  "to": "ada@example.com"}"#;
    let (status, answer) = post(&receiver, pending.url(), body, None).await;
    assert_eq!(
        (status, answer),
        (StatusCode::OK, json!({"received": true}))
    );

    let run = pending.into_run();
    let outcome = run.wait(soon()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(
        outcome.output,
        json!({"sent": true, "to": "ada@example.com"})
    );
    assert_eq!(outcome.body.as_deref(), Some(body.as_bytes()));
    // Waiting again (or asking) gives the same answer.
    assert_eq!(run.wait(soon()).await.unwrap(), outcome);
    assert_eq!(run.status().await.unwrap().status, RunStatus::Succeeded);
}

#[tokio::test]
async fn wait_is_woken_by_the_callback() {
    let receiver = receiver();
    let pending = receiver.register().await.unwrap();
    let url = pending.url().to_owned();
    let run = pending.into_run();
    // Polling once an hour: only the wake-up can end this wait in time.
    let options = soon().with_poll(PollPolicy::fixed(Duration::from_secs(3600)));
    let waiting = tokio::spawn(async move { run.wait(options).await });
    let (status, _) = post(&receiver, &url, r#"{"n": 1}"#, None).await;
    assert_eq!(status, StatusCode::OK);
    let outcome = waiting.await.unwrap().unwrap();
    assert_eq!(outcome.output, json!({"n": 1}));
    assert_eq!(receiver.waiters().len(), 0, "the waiter left");
}

#[tokio::test]
async fn a_forged_callback_is_refused_and_changes_nothing() {
    let receiver = signed_receiver();
    let pending = receiver.register().await.unwrap();
    let body = r#"{"total": 42}"#;

    let forged = signature::sign_sha256(&Secret::new("whsec_forged"), body.as_bytes());
    for (signature, code) in [
        (None, "MISSING_SIGNATURE"),
        (Some(forged.as_str()), "INVALID_SIGNATURE"),
        (Some("sha256=zz"), "MALFORMED_SIGNATURE"),
    ] {
        let (status, answer) = post(&receiver, pending.url(), body, signature).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{code}");
        assert_eq!(answer["error"]["code"], code);
    }
    // Signed, but without the run's token or with another one.
    let id_only = format!("{}{}", receiver.public_url(), pending.id());
    let (status, answer) = post(&receiver, &id_only, body, Some(&sign(body))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["error"]["code"], "INVALID_TOKEN");
    let other = receiver.register().await.unwrap();
    let swapped = other.url().replace(other.id(), pending.id());
    let (status, _) = post(&receiver, &swapped, body, Some(&sign(body))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let run = pending.clone().into_run();
    assert_eq!(run.status().await.unwrap().status, RunStatus::Running);
    let nothing = run
        .wait(WaitOptions::timeout(Duration::from_millis(20)))
        .await;
    assert!(matches!(nothing, Err(Error::Timeout { .. })), "{nothing:?}");

    // The genuine one still completes the run.
    let (status, _) = post(&receiver, pending.url(), body, Some(&sign(body))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(run.wait(soon()).await.unwrap().output, json!({"total": 42}));
}

#[tokio::test]
async fn a_duplicate_callback_is_answered_and_ignored() {
    let receiver = receiver();
    let pending = receiver.register().await.unwrap();
    let (status, _) = post(&receiver, pending.url(), r#"{"n": 1}"#, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = post(&receiver, pending.url(), r#"{"n": 2}"#, None).await;
    assert_eq!(
        (status, answer),
        (
            StatusCode::OK,
            json!({"received": false, "reason": "duplicate"})
        )
    );
    // A late failure report does not overturn the first result either.
    let (status, _) = post(
        &receiver,
        pending.failure_url(),
        r#"{"message": "x"}"#,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let outcome = pending.into_run().wait(soon()).await.unwrap();
    assert_eq!(
        (outcome.status, outcome.output),
        (RunStatus::Succeeded, json!({"n": 1}))
    );
}

#[tokio::test]
async fn an_unknown_callback_is_answered_and_ignored() {
    let receiver = signed_receiver();
    let url = format!("{}not-registered?token=abc", receiver.public_url());
    let (status, answer) = post(&receiver, &url, "{}", Some(&sign("{}"))).await;
    assert_eq!(
        (status, answer),
        (
            StatusCode::NOT_FOUND,
            json!({"received": false, "reason": "unknown callback"})
        )
    );
    // Unsigned, it is refused before the id is even looked up.
    let (status, _) = post(&receiver, &url, "{}", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A forgotten registration is unknown too.
    let pending = receiver.register().await.unwrap();
    assert!(receiver.forget(pending.id()).await.unwrap());
    let (status, _) = post(&receiver, pending.url(), "{}", Some(&sign("{}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let gone = pending.into_run().wait(soon()).await;
    assert!(matches!(gone, Err(Error::NotFound(_))), "{gone:?}");
}

#[tokio::test]
async fn the_deadline_passes_then_a_later_wait_still_gets_the_callback() {
    let receiver = receiver();
    let pending = receiver.register().await.unwrap();
    let url = pending.url().to_owned();
    let run = pending.into_run();
    let late = run
        .wait(WaitOptions::timeout(Duration::from_millis(50)))
        .await;
    match late {
        Err(Error::Timeout { message, .. }) => {
            assert!(message.contains(run.correlation_id()), "{message}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(receiver.waiters().len(), 0, "a timed-out wait leaves too");
    let (status, _) = post(&receiver, &url, "done", None).await;
    assert_eq!(status, StatusCode::OK);
    let outcome = run.wait(soon()).await.unwrap();
    assert_eq!(outcome.output, json!("done"));
}

#[tokio::test]
async fn a_failure_callback_fails_the_run() {
    let receiver = receiver();
    let pending = receiver.register().await.unwrap();
    assert!(pending.failure_url().ends_with("&status=failed"));
    let body = r#"{"message": "card declined", "code": "DECLINED", "step": "charge"}"#;
    let (status, _) = post(&receiver, pending.failure_url(), body, None).await;
    assert_eq!(status, StatusCode::OK);
    let outcome = pending.into_run().wait(soon()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Failed);
    match outcome.into_result() {
        Err(Error::WorkflowFailed(api)) => {
            assert_eq!(api.code.as_deref(), Some("DECLINED"));
            assert!(api.message.contains("card declined") && api.message.contains("charge"));
        }
        other => panic!("expected WorkflowFailed, got {other:?}"),
    }
    let odd = format!("{}x?status=maybe", receiver.public_url());
    assert_eq!(
        post(&receiver, &odd, "{}", None).await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn events_say_running_then_finished() {
    let receiver = receiver();
    let pending = receiver.register().await.unwrap();
    let url = pending.url().to_owned();
    let run = pending.into_run();
    let mut events = run.events();
    assert_eq!(
        events.next().await.unwrap().unwrap(),
        RunEvent::Status(RunStatus::Running)
    );
    post(&receiver, &url, r#"{"ok": true}"#, None).await;
    match events.next().await.unwrap().unwrap() {
        RunEvent::Finished(outcome) => assert_eq!(outcome.output, json!({"ok": true})),
        other => panic!("expected Finished, got {other:?}"),
    }
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn a_shared_store_lets_another_receiver_take_the_callback() {
    // Two instances (or a process before and after a restart) share a store.
    let store: Arc<InMemoryCallbackStore> = Arc::new(InMemoryCallbackStore::new());
    let first = builder().store(store.clone()).build().unwrap();
    let second = builder().store(store.clone()).build().unwrap();
    let pending = first.register().await.unwrap();
    let run = pending.clone().into_run();
    let options = soon().with_poll(PollPolicy::fixed(Duration::from_millis(10)));
    let waiting = tokio::spawn(async move { run.wait(options).await });
    // The callback reaches the other instance: this one finds it by polling.
    let (status, _) = post(&second, pending.url(), r#"{"n": 3}"#, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(waiting.await.unwrap().unwrap().output, json!({"n": 3}));
    let resumed = second.resume(pending.id());
    assert_eq!(resumed.wait(soon()).await.unwrap().output, json!({"n": 3}));
    assert_eq!(store.len(), 1);
}

#[tokio::test]
async fn registrations_are_checked_and_expire() {
    let receiver = receiver();
    let pending = receiver.register_as("order-1001").await.unwrap();
    assert_eq!(pending.id(), "order-1001");
    assert!(
        pending
            .url()
            .starts_with("http://app.test/callbacks/order-1001?token=")
    );
    assert!(matches!(
        receiver.register_as("order-1001").await,
        Err(Error::Conflict(_))
    ));
    for bad in ["", "a/b", "a b", "é", &"x".repeat(129)] {
        assert!(
            matches!(receiver.register_as(bad).await, Err(Error::Config(_))),
            "{bad:?}"
        );
    }
    let short = builder().ttl(Duration::ZERO).build().unwrap();
    let expired = short.register().await.unwrap();
    assert_eq!(
        post(&short, expired.url(), "{}", None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn the_builder_refuses_unauthenticated_receivers_and_odd_urls() {
    let config = |b: CallbackReceiverBuilder| matches!(b.build(), Err(Error::Config(_)));
    assert!(config(CallbackReceiver::builder()));
    assert!(config(builder().url_tokens(false)));
    assert!(config(
        CallbackReceiver::builder().public_url("ftp://app.test/cb")
    ));
    assert!(config(
        CallbackReceiver::builder().public_url("http://app.test/cb?x=1")
    ));
    assert!(config(CallbackReceiver::builder().public_url("not a url")));
    // Signature only is fine.
    assert!(builder().url_tokens(false).secret(SECRET).build().is_ok());
}

#[tokio::test]
async fn signature_only_urls_carry_no_token() {
    let receiver = builder().url_tokens(false).secret(SECRET).build().unwrap();
    let pending = receiver.register().await.unwrap();
    assert_eq!(
        pending.url(),
        format!("{}{}", receiver.public_url(), pending.id())
    );
    let (status, _) = post(&receiver, pending.url(), "{}", Some(&sign("{}"))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn nothing_secret_prints() {
    let receiver = signed_receiver();
    let pending = receiver.register().await.unwrap();
    let token = pending.url().split("token=").nth(1).unwrap().to_owned();
    let record = receiver.store().get(pending.id()).await.unwrap().unwrap();
    let printed = format!(
        "{receiver:?} {pending:?} {:?} {record:?} {:?}",
        pending.clone().into_run(),
        builder().secret(SECRET)
    );
    assert!(!printed.contains(&token), "{printed}");
    assert!(!printed.contains(SECRET), "{printed}");
    // Only the token's hash is stored.
    assert_ne!(record.token_hash.as_deref(), Some(token.as_str()));
}

/// A trigger that records what it was asked and answers a fire-and-forget run.
#[derive(Debug, Default)]
struct Recording {
    seen: std::sync::Mutex<Vec<TriggerRequest>>,
    fail: Option<fn() -> Error>,
}

#[async_trait]
impl Trigger for Recording {
    fn provider(&self) -> Provider {
        Provider::N8n
    }

    fn target(&self) -> String {
        "send-email-callback".into()
    }

    async fn trigger(&self, request: TriggerRequest) -> Result<Box<dyn RunHandle>> {
        self.seen.lock().unwrap().push(request);
        if let Some(fail) = self.fail {
            return Err(fail());
        }
        let mut accepted = RunOutcome::succeeded(None, json!({"message": "Workflow was started"}));
        accepted.status = RunStatus::Accepted;
        Ok(FinishedRun::new(Provider::N8n, accepted).boxed())
    }
}

#[tokio::test]
async fn trigger_puts_the_url_where_asked_and_follows_the_run() {
    let receiver = receiver();
    let trigger = Recording::default();
    let request = TriggerRequest::new(json!({"to": "ada@example.com"}));
    let run = receiver
        .trigger(&trigger, request, UrlPlacement::field("callbackUrl"))
        .await
        .unwrap();
    assert_eq!(run.provider(), Provider::N8n);
    let url = {
        let seen = trigger.seen.lock().unwrap();
        assert_eq!(seen[0].payload["to"], "ada@example.com");
        seen[0].payload["callbackUrl"].as_str().unwrap().to_owned()
    };
    assert!(url.contains(run.correlation_id()));
    post(&receiver, &url, r#"{"sent": true}"#, None).await;
    assert_eq!(
        run.wait(soon()).await.unwrap().output,
        json!({"sent": true})
    );

    let run = receiver
        .trigger(
            &trigger,
            TriggerRequest::new(Value::Null),
            UrlPlacement::header("x-callback-url"),
        )
        .await
        .unwrap();
    {
        let seen = trigger.seen.lock().unwrap();
        assert_eq!(seen[1].headers[0].0, "x-callback-url");
        assert!(seen[1].headers[0].1.contains(run.correlation_id()));
    }

    let refused = receiver
        .trigger(
            &trigger,
            TriggerRequest::new(json!([1])),
            UrlPlacement::field("cb"),
        )
        .await;
    assert!(matches!(refused, Err(Error::Config(_))));
}

#[tokio::test]
async fn a_failed_trigger_forgets_its_registration_unless_a_run_may_exist() {
    let store = Arc::new(InMemoryCallbackStore::new());
    let receiver = builder().store(store.clone()).build().unwrap();
    let refused = Recording {
        fail: Some(|| Error::Config("no such webhook".into())),
        ..Recording::default()
    };
    let request = TriggerRequest::new(json!({}));
    assert!(
        receiver
            .trigger(&refused, request.clone(), UrlPlacement::field("cb"))
            .await
            .is_err()
    );
    assert!(store.is_empty());
    let ambiguous = Recording {
        fail: Some(|| Error::ambiguous("the connection dropped after sending")),
        ..Recording::default()
    };
    assert!(
        receiver
            .trigger(&ambiguous, request, UrlPlacement::field("cb"))
            .await
            .is_err()
    );
    assert_eq!(store.len(), 1, "its callback may still come");
}

#[tokio::test]
async fn the_standalone_server_takes_callbacks_over_http() {
    let server = CallbackServer::bind("127.0.0.1:0", CallbackReceiver::builder().max_body(64))
        .await
        .unwrap();
    let base = format!("http://{}/callbacks/", server.local_addr());
    assert_eq!(server.receiver().public_url(), base);
    let pending = server.receiver().register().await.unwrap();
    let client = reqwest::Client::new();
    let too_big = client
        .post(pending.url())
        .body("x".repeat(65))
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let answer = client
        .put(pending.url())
        .body(r#"{"ok": true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let outcome = pending.into_run().wait(soon()).await.unwrap();
    assert_eq!(outcome.output, json!({"ok": true}));
    server.shutdown().await;
    assert!(client.post(base).send().await.is_err(), "stopped");
}

#[tokio::test]
async fn the_standalone_server_mounts_under_a_given_public_path() {
    let builder = CallbackReceiver::builder().public_url("http://127.0.0.1:9/hooks/done");
    let server = CallbackServer::bind("127.0.0.1:0", builder).await.unwrap();
    let pending = server.receiver().register().await.unwrap();
    // Reach it on its real port, under the public URL's path.
    let local = pending
        .url()
        .replace("127.0.0.1:9", &server.local_addr().to_string());
    assert!(local.contains("/hooks/done/"));
    let answer = reqwest::Client::new()
        .post(local)
        .body(Bytes::from_static(b"{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
}
