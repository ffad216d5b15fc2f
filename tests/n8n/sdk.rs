//! SDK rows: the same contract through `trigger-sdk-n8n`'s public API. Wherever 1.x and 2.x
//! mean the same, the SDK gives the same typed result on both; where n8n itself differs
//! (no stop route on 1.x, say), the row states both.

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use trigger_sdk_core::{Error, RunHandle, RunStatus, Trigger, TriggerRequest, WaitOptions};
use trigger_sdk_n8n::{
    BodyFormat, Execution, ExecutionFilter, ExecutionStatus, N8nClient, N8nErrorKind, NewWorkflow,
    ResponseMode, WebhookBody, WebhookTrigger, WebhookTriggerBuilder, WorkflowFilter,
};

use crate::target::{Line, Target};
use crate::{PATH_PARAM_WEBHOOK_ID, digits};

pub fn client(t: &Target) -> N8nClient {
    N8nClient::new(t.base.clone(), t.api_key.clone()).expect("client")
}

pub fn hook(t: &Target, path: &str, mode: ResponseMode) -> WebhookTriggerBuilder {
    WebhookTrigger::builder(t.base.clone(), path).response_mode(mode)
}

pub fn wait() -> WaitOptions {
    WaitOptions::timeout(Duration::from_secs(60))
}

fn kind(err: &Error) -> Option<&N8nErrorKind> {
    err.detail::<N8nErrorKind>()
}

/// Calls `hook` and returns its typed error.
async fn error_of(t: &Target, hook: WebhookTriggerBuilder, payload: Value) -> Error {
    match hook
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(payload))
        .await
    {
        Ok(run) => panic!("{}: expected an error, got a run {run:?}", t.label),
        Err(e) => e,
    }
}

/// Asserts `err` is `Unauthorized` with n8n's plain text `text` as its detail.
fn assert_auth_rejected(t: &Target, err: &Error, text: &str) {
    assert!(
        matches!(err, Error::Unauthorized(_)),
        "{}: {err:?}",
        t.label
    );
    assert_eq!(
        kind(err),
        Some(&N8nErrorKind::AuthRejected {
            message: text.to_owned()
        }),
        "{}",
        t.label
    );
}

/// The newest execution `filter` lists, once it lists one (30 s deadline).
async fn first_listed(t: &Target, c: &N8nClient, filter: &ExecutionFilter) -> Execution {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let page = c.executions_page(filter, None).await.expect("page");
        if let Some(e) = page.data.into_iter().next() {
            return e;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}: nothing listed for {filter:?}",
            t.label
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// §4 onReceived without tracking: `Accepted`, and `wait` says `NotTrackable`.
pub async fn sdk_on_received_untracked(t: Arc<Target>) {
    let run = hook(&t, "echo", ResponseMode::OnReceived)
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({"a": 1})))
        .await
        .expect("accepted");
    let snap = run.status().await.expect("status");
    assert_eq!(snap.status, RunStatus::Accepted, "{}", t.label);
    assert_eq!(
        snap.output,
        Some(json!({"message": "Workflow was started"})),
        "{}",
        t.label
    );
    let err = run.wait(wait()).await.expect_err("not trackable");
    assert!(
        matches!(err, Error::NotTrackable(_)),
        "{}: {err:?}",
        t.label
    );
}

/// §4 onReceived whose custom body carries `$execution.id` (text/html on real n8n): on 2.x
/// tracked through `GET /executions/{id}` to `Succeeded`; on 1.x the answer reads
/// `"__UNKNOWN__"`, which is `NotTrackable` with advice for 1.x, never taken as an id.
pub async fn sdk_on_received_tracked_by_execution_id(t: Arc<Target>) {
    let run = hook(&t, "accepted-id", ResponseMode::OnReceived)
        .track_execution_id("/executionId", client(&t))
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({"n": 1})))
        .await
        .expect("started");
    if t.line == Line::V1 {
        assert!(run.run_id().is_none(), "{}", t.label);
        assert_eq!(
            run.status().await.expect("status").status,
            RunStatus::Accepted
        );
        match run.wait(wait()).await {
            Err(Error::NotTrackable(reason)) => {
                assert!(reason.contains("__UNKNOWN__"), "{}: {reason}", t.label);
                assert!(
                    reason.contains("Respond to Webhook node first"),
                    "{}: {reason}",
                    t.label
                );
                assert!(reason.contains("track_by_marker"), "{}: {reason}", t.label);
            }
            other => panic!("{}: expected NotTrackable, got {other:?}", t.label),
        }
        return;
    }
    let id = run
        .run_id()
        .expect("execution id from the answer")
        .as_str()
        .to_owned();
    digits(&json!(id));
    let outcome = run.wait(wait()).await.expect("finished");
    assert_eq!(
        outcome.status,
        RunStatus::Succeeded,
        "{}: {outcome:?}",
        t.label
    );
    assert_eq!(
        outcome.run_id.as_ref().map(|r| r.as_str()),
        Some(id.as_str()),
        "{}",
        t.label
    );
}

/// §4 the `tracked` fixture answers at once (Respond first, then a 2 s Wait): an
/// onReceived-style trigger tracks it through the returned execution id to the last node's
/// output; while it runs the handle says `Running`.
pub async fn sdk_tracked_run_reaches_succeeded_with_output(t: Arc<Target>) {
    let run = hook(&t, "tracked", ResponseMode::OnReceived)
        .track_execution_id("/executionId", client(&t))
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({"order": 42})))
        .await
        .expect("started");
    assert!(run.run_id().is_some(), "{}", t.label);
    let snap = run.status().await.expect("status");
    assert_eq!(snap.status, RunStatus::Running, "{}", t.label);
    let outcome = run.wait(wait()).await.expect("finished");
    assert_eq!(
        outcome.status,
        RunStatus::Succeeded,
        "{}: {outcome:?}",
        t.label
    );
    assert_eq!(
        outcome.output,
        json!([{"done": true, "body": {"order": 42}}]),
        "{}",
        t.label
    );
}

/// §1/§4 lastNode, allEntries, noData, responseNode: a terminal handle with the body as sent.
pub async fn sdk_answer_modes(t: Arc<Target>) {
    let first = hook(&t, "echo-last", ResponseMode::LastNode)
        .query("tag", "a")
        .query("tag", "b")
        .header("X-Request-Id", "req-1")
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({"hello": "world"})).query("q", "rust"))
        .await
        .expect("run");
    let outcome = first.wait(wait()).await.expect("terminal");
    assert_eq!(outcome.status, RunStatus::Succeeded, "{}", t.label);
    assert_eq!(outcome.http_status, Some(200), "{}", t.label);
    let seen = &outcome.output["seen"];
    assert_eq!(
        seen["query"],
        json!({"tag": ["a", "b"], "q": "rust"}),
        "{}",
        t.label
    );
    assert_eq!(seen["body"], json!({"hello": "world"}), "{}", t.label);
    assert_eq!(seen["headers"]["x-request-id"], "req-1", "{}", t.label);

    let all = hook(&t, "echo-all", ResponseMode::LastNode)
        .build()
        .expect("trigger")
        .send(TriggerRequest::new(json!({"k": 1})))
        .await
        .expect("answer");
    assert_eq!(all.items().len(), 2, "{}", t.label);
    assert_eq!(all.output()[0]["body"], json!({"k": 1}), "{}", t.label);

    let nodata = hook(&t, "nodata", ResponseMode::LastNode)
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({})))
        .await
        .expect("run")
        .wait(wait())
        .await
        .expect("terminal");
    assert_eq!(nodata.status, RunStatus::Succeeded, "{}", t.label);
    assert_eq!(
        nodata.output,
        Value::Null,
        "{}: an empty body is never decoded",
        t.label
    );

    let respond = hook(&t, "respond", ResponseMode::ResponseNode)
        .build()
        .expect("trigger")
        .send(TriggerRequest::new(json!({"order": 7})))
        .await
        .expect("answer");
    assert_eq!(respond.status, 201, "{}", t.label);
    assert_eq!(
        respond.header("x-fixture"),
        Some("respond-node"),
        "{}",
        t.label
    );
    assert_eq!(
        respond.output()["received"],
        json!({"order": 7}),
        "{}",
        t.label
    );
}

/// §1 body types through the SDK: text, form, empty body with a JSON content type, bytes.
pub async fn sdk_body_types(t: Arc<Target>) {
    let body_seen =
        |answer: trigger_sdk_n8n::WebhookResponse| answer.output()["seen"]["body"].clone();
    let text = hook(&t, "echo-last", ResponseMode::LastNode)
        .body_format(BodyFormat::Text)
        .build()
        .expect("trigger")
        .send(TriggerRequest::new(json!("just text")))
        .await
        .expect("answer");
    assert_eq!(body_seen(text), json!("just text"), "{}", t.label);
    let trigger = hook(&t, "echo-last", ResponseMode::LastNode)
        .build()
        .expect("trigger");
    let form = trigger
        .send_body(
            WebhookBody::Form(vec![("a".into(), "1".into()), ("b".into(), "two".into())]),
            TriggerRequest::default(),
        )
        .await
        .expect("answer");
    assert_eq!(
        body_seen(form),
        json!({"a": "1", "b": "two"}),
        "{}",
        t.label
    );
    let empty_json = trigger
        .send_body(
            WebhookBody::Bytes {
                content_type: "application/json".into(),
                bytes: Default::default(),
            },
            TriggerRequest::default(),
        )
        .await
        .expect("answer");
    assert_eq!(body_seen(empty_json), json!({}), "{}", t.label);
    let empty = trigger
        .send_body(WebhookBody::Empty, TriggerRequest::default())
        .await
        .expect("answer");
    assert_eq!(body_seen(empty), json!({}), "{}", t.label);
}

/// §1 dynamic path: the SDK builds `/webhook/{webhookId}/users/42`.
pub async fn sdk_dynamic_path(t: Arc<Target>) {
    let answer = hook(&t, "users/:userId", ResponseMode::LastNode)
        .method(trigger_sdk_n8n::Method::GET)
        .webhook_id(PATH_PARAM_WEBHOOK_ID)
        .param("userId", "42")
        .build()
        .expect("trigger")
        .send(TriggerRequest::default())
        .await
        .expect("answer");
    assert_eq!(
        answer.output()["seen"]["params"],
        json!({"userId": "42"}),
        "{}",
        t.label
    );
}

/// §1 the typed errors: NotRegistered (production and test), MethodNotAllowed,
/// BodyNotParsed (422), WorkflowError / NoItemToReturn (500); TRACE is refused locally.
pub async fn sdk_webhook_errors(t: Arc<Target>) {
    let err = error_of(
        &t,
        hook(&t, "does-not-exist", ResponseMode::OnReceived),
        json!({}),
    )
    .await;
    assert!(matches!(err, Error::NotFound(_)), "{}: {err:?}", t.label);
    assert!(
        matches!(kind(&err), Some(N8nErrorKind::NotRegistered { method: Some(m), path, hint: Some(_) })
            if *m == trigger_sdk_n8n::Method::POST && path == "does-not-exist"),
        "{}: {err:?}",
        t.label
    );
    let err = error_of(
        &t,
        hook(&t, "inactive-path", ResponseMode::OnReceived),
        json!({}),
    )
    .await;
    assert!(
        matches!(kind(&err), Some(N8nErrorKind::NotRegistered { .. })),
        "{}: {err:?}",
        t.label
    );
    let err = error_of(
        &t,
        hook(&t, "echo", ResponseMode::OnReceived).test_url(),
        json!({}),
    )
    .await;
    assert!(
        matches!(kind(&err), Some(N8nErrorKind::NotRegistered { method: None, path, .. }) if path == "echo"),
        "{}: {err:?}",
        t.label
    );
    let err = error_of(
        &t,
        hook(&t, "echo", ResponseMode::OnReceived).method(trigger_sdk_n8n::Method::GET),
        json!({}),
    )
    .await;
    assert_eq!(
        kind(&err),
        Some(&N8nErrorKind::MethodNotAllowed {
            allowed: vec![trigger_sdk_n8n::Method::POST]
        }),
        "{}: {err:?}",
        t.label
    );
    let bad = hook(&t, "echo-last", ResponseMode::LastNode)
        .build()
        .expect("trigger")
        .send_body(
            WebhookBody::Bytes {
                content_type: "application/json".into(),
                bytes: "{bad json".into(),
            },
            TriggerRequest::default(),
        )
        .await
        .expect_err("422");
    assert!(matches!(bad, Error::BadRequest(_)), "{}: {bad:?}", t.label);
    assert!(
        matches!(
            kind(&bad),
            Some(N8nErrorKind::BodyNotParsed { hint: Some(_) })
        ),
        "{}",
        t.label
    );
    for (path, mode) in [
        ("fail", ResponseMode::LastNode),
        ("respond-fail", ResponseMode::ResponseNode),
    ] {
        if path == "respond-fail" && t.line == Line::V1 {
            continue; // 1.x answers 200 empty: sdk_response_node_not_reached
        }
        let err = error_of(&t, hook(&t, path, mode), json!({})).await;
        assert!(
            matches!(err, Error::WorkflowFailed(_)),
            "{}: {path}: {err:?}",
            t.label
        );
        assert_eq!(
            kind(&err),
            Some(&N8nErrorKind::WorkflowError),
            "{}: {path}",
            t.label
        );
    }
    let err = error_of(&t, hook(&t, "empty", ResponseMode::LastNode), json!({})).await;
    assert_eq!(
        kind(&err),
        Some(&N8nErrorKind::NoItemToReturn),
        "{}: {err:?}",
        t.label
    );
    // a method n8n does not support is refused before any request is sent
    let trace = hook(&t, "echo", ResponseMode::OnReceived)
        .method(trigger_sdk_n8n::Method::from_bytes(b"TRACE").expect("method"))
        .build();
    assert!(
        matches!(trace, Err(Error::Config(_))),
        "{}: {trace:?}",
        t.label
    );
}

/// §1 header and basic auth through the SDK: right → run; wrong or missing → `Unauthorized`
/// with n8n's plain text kept, on both lines (a wrong basic password is 401 on 2.x and 403
/// on 1.x: one variant).
pub async fn sdk_webhook_auth(t: Arc<Target>) {
    let (name, value) = t.header.clone();
    let ok = hook(&t, "secure-header", ResponseMode::OnReceived)
        .header_auth(name.clone(), value)
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({})))
        .await;
    assert!(ok.is_ok(), "{}: {ok:?}", t.label);
    let (user, password) = t.basic.clone();
    let ok = hook(&t, "secure-basic", ResponseMode::OnReceived)
        .basic_auth(user.clone(), password)
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({})))
        .await;
    assert!(ok.is_ok(), "{}: {ok:?}", t.label);
    for (builder, text) in [
        (
            hook(&t, "secure-header", ResponseMode::OnReceived),
            "Authorization data is wrong!",
        ),
        (
            hook(&t, "secure-header", ResponseMode::OnReceived).header_auth(name, "nope"),
            "Authorization data is wrong!",
        ),
        (
            hook(&t, "secure-basic", ResponseMode::OnReceived),
            "Authorization is required!",
        ),
        (
            hook(&t, "secure-basic", ResponseMode::OnReceived).basic_auth(user, "nope"),
            t.on(
                "Authorization data is wrong!",
                "Authentication data is wrong!",
            ),
        ),
    ] {
        let err = error_of(&t, builder, json!({})).await;
        assert_auth_rejected(&t, &err, text);
    }
}

/// §3 `execute_workflow` on a server without the endpoint → `Unsupported`, pointing at the
/// Webhook trigger.
pub async fn sdk_execute_workflow_unsupported(t: Arc<Target>) {
    let err = client(&t)
        .execute_workflow(&t.id("ECHO_ONRECEIVED"), json!({"a": 1}))
        .await
        .expect_err("no execute endpoint");
    match &err {
        Error::Unsupported { message, .. } => {
            assert!(message.contains("Webhook"), "{}: {message}", t.label)
        }
        other => panic!("{}: expected Unsupported, got {other:?}", t.label),
    }
}

/// §2 the list streams follow `nextCursor` for workflows and executions.
pub async fn sdk_list_streams(t: Arc<Target>) {
    let c = client(&t);
    let workflows: Vec<_> = c
        .workflows(WorkflowFilter::default().limit(3))
        .try_collect()
        .await
        .expect("workflows");
    for (key, id) in &t.ids {
        assert_eq!(
            workflows.iter().filter(|w| &w.id == id).count(),
            1,
            "{}: {key}",
            t.label
        );
    }
    let mut ours = Vec::new();
    for n in 0..3 {
        let r = t.post_json("echo-all", json!({"n": n})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.label);
    }
    let wf = t.id("ECHO_LASTNODE_ALL");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let all: Vec<_> = c
            .executions(ExecutionFilter::default().workflow_id(wf.clone()).limit(2))
            .try_collect()
            .await
            .expect("executions");
        if all.len() >= 3 {
            ours = all;
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}: {} executions",
            t.label,
            ours.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        ours.iter()
            .all(|e| e.workflow_id.as_deref() == Some(wf.as_str())),
        "{}",
        t.label
    );
    let numbers: Vec<u64> = ours.iter().map(|e| e.id.parse().unwrap_or(0)).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] > w[1]),
        "{}: {numbers:?}",
        t.label
    );
}

/// §2 get with and without `includeData`: the last node and its output.
pub async fn sdk_get_execution_include_data(t: Arc<Target>) {
    let c = client(&t);
    let run = hook(&t, "echo", ResponseMode::OnReceived)
        .track_by_marker(t.id("ECHO_ONRECEIVED"), c.clone())
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({"x": 1})))
        .await
        .expect("started");
    run.wait(wait()).await.expect("finished");
    let id = run.run_id().expect("id").as_str().to_owned();
    let plain = c.execution(&id, false).await.expect("execution");
    assert_eq!(plain.id, id, "{}", t.label);
    assert_eq!(plain.status, Some(ExecutionStatus::Success), "{}", t.label);
    assert!(plain.data.is_none(), "{}", t.label);
    let full = c.execution(&id, true).await.expect("execution");
    assert_eq!(full.last_node().as_deref(), Some("Webhook"), "{}", t.label);
    let output = full.output().expect("output");
    assert_eq!(output[0]["body"], json!({"x": 1}), "{}", t.label);
    let err = c.execution("99999999", false).await.expect_err("unknown");
    assert!(matches!(err, Error::NotFound(_)), "{}: {err:?}", t.label);
}

/// §2 retry (a success → `Conflict` on both lines, though 1.x answers 400 and 2.x 409; a
/// new `retry` execution for a failed one), stop through `cancel` (2.x: `Cancelled`, then
/// a finished one → `Conflict`; 1.x has no stop route: `Unsupported`), delete (numeric id
/// in the answer, then 404).
pub async fn sdk_retry_stop_delete(t: Arc<Target>) {
    let c = client(&t);
    let ok = hook(&t, "echo", ResponseMode::OnReceived)
        .track_by_marker(t.id("ECHO_ONRECEIVED"), c.clone())
        .build()
        .expect("trigger");
    let run = ok
        .trigger(TriggerRequest::new(json!({})))
        .await
        .expect("started");
    run.wait(wait()).await.expect("finished");
    let done = run.run_id().expect("id").as_str().to_owned();
    let err = c.retry_execution(&done, None).await.expect_err("refused");
    assert!(matches!(err, Error::Conflict(_)), "{}: {err:?}", t.label);
    assert_eq!(
        err.status(),
        Some(t.on(400, 409)),
        "{}: the raw status is kept",
        t.label
    );
    let err = c.stop_execution(&done).await.expect_err("refused");
    match t.line {
        Line::V1 => assert!(
            matches!(err, Error::Unsupported { .. }),
            "{}: {err:?}",
            t.label
        ),
        Line::V2 => assert!(matches!(err, Error::Conflict(_)), "{}: {err:?}", t.label),
    }

    let failing = hook(&t, "fire-and-fail", ResponseMode::OnReceived)
        .build()
        .expect("trigger");
    failing
        .trigger(TriggerRequest::new(json!({})))
        .await
        .expect("accepted");
    let errors = ExecutionFilter::default()
        .workflow_id(t.id("ONRECEIVED_ERROR"))
        .status(ExecutionStatus::Error);
    let failed = first_listed(&t, &c, &errors).await;
    let retried = c
        .retry_execution(&failed.id, Some(true))
        .await
        .expect("retry");
    assert_eq!(retried.mode.as_deref(), Some("retry"), "{}", t.label);
    assert_eq!(
        retried.retry_of.as_deref(),
        Some(failed.id.as_str()),
        "{}",
        t.label
    );

    let slow = hook(&t, "tracked", ResponseMode::OnReceived)
        .track_execution_id("/executionId", c.clone())
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({})))
        .await
        .expect("started");
    match t.line {
        Line::V1 => {
            let err = slow.cancel().await.expect_err("no stop route");
            assert!(
                matches!(err, Error::Unsupported { .. }),
                "{}: {err:?}",
                t.label
            );
            let outcome = slow.wait(wait()).await.expect("finished");
            assert_eq!(outcome.status, RunStatus::Succeeded, "{}", t.label);
        }
        Line::V2 => {
            slow.cancel().await.expect("stopped");
            let outcome = slow.wait(wait()).await.expect("finished");
            assert_eq!(outcome.status, RunStatus::Cancelled, "{}", t.label);
        }
    }

    let deleted = c.delete_execution(&done).await.expect("deleted");
    assert_eq!(deleted.id, done, "{}: numeric id read as a string", t.label);
    let err = c.delete_execution(&done).await.expect_err("gone");
    assert!(matches!(err, Error::NotFound(_)), "{}: {err:?}", t.label);
}

/// §2 `activate_and_wait`: a new workflow's webhook answers as soon as the call returns
/// (real 2.x registers it 90–380 ms after `/activate`; the reference models 250 ms).
pub async fn sdk_activate_and_wait(t: Arc<Target>) {
    let c = client(&t);
    let path = format!("sdk-activate-{}", uuid::Uuid::new_v4().simple());
    let node = json!({"id": "webhook-node", "name": "Webhook", "type": "n8n-nodes-base.webhook",
        "typeVersion": 2, "position": [0, 0], "webhookId": uuid::Uuid::new_v4().to_string(),
        "parameters": {"httpMethod": "POST", "path": path, "responseMode": "onReceived",
                       "options": {}}});
    let created = c
        .create_workflow(
            &NewWorkflow::new(format!("fx {path}"))
                .node(node)
                .settings(json!({"executionOrder": "v1"})),
        )
        .await
        .expect("created");
    assert!(!created.active, "{}", t.label);
    let active = c
        .activate_and_wait(&created.id, Duration::from_secs(10))
        .await
        .expect("activated and registered");
    assert!(active.active, "{}", t.label);
    let run = hook(&t, &path, ResponseMode::OnReceived)
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({})))
        .await;
    assert!(
        run.is_ok(),
        "{}: the webhook answers right after activate_and_wait: {run:?}",
        t.label
    );
    c.deactivate_workflow(&created.id)
        .await
        .expect("deactivated");
    // REAL-N8N ROW: 2.x answers 409 "Workflow is still being unpublished" for a moment.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match c.delete_workflow(&created.id).await {
            Ok(w) => {
                assert_eq!(w.id, created.id, "{}", t.label);
                break;
            }
            Err(Error::Conflict(_)) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("{}: delete failed: {e:?}", t.label),
        }
    }
}

/// §1/§4 a `responseNode` answer of 200 with an empty body is never `Succeeded`. Without
/// an API client: `NotTrackable`, saying the Respond node was not reached. With one
/// (`track_by_marker`): the execution's real status: success when the branch ended before
/// the Respond node; failed when a node failed before it (1.x; 2.x answers 500 there).
pub async fn sdk_response_node_not_reached(t: Arc<Target>) {
    let mut cases = vec![(
        "respond-skip",
        "RESPOND_NODE_UNREACHED",
        RunStatus::Succeeded,
    )];
    if t.line == Line::V1 {
        cases.push(("respond-fail", "RESPOND_NODE_ERROR", RunStatus::Failed));
    }
    for (path, key, status) in cases {
        let bare = hook(&t, path, ResponseMode::ResponseNode)
            .build()
            .expect("trigger")
            .trigger(TriggerRequest::new(json!({})))
            .await
            .expect("answered");
        let snap = bare.status().await.expect("status");
        assert_eq!(snap.status, RunStatus::Accepted, "{}: {path}", t.label);
        match bare.wait(wait()).await {
            Err(Error::NotTrackable(reason)) => assert!(
                reason.contains("Respond to Webhook node was not reached"),
                "{}: {reason}",
                t.label
            ),
            other => panic!("{}: {path}: expected NotTrackable, got {other:?}", t.label),
        }
        let followed = hook(&t, path, ResponseMode::ResponseNode)
            .track_by_marker(t.id(key), client(&t))
            .build()
            .expect("trigger")
            .trigger(TriggerRequest::new(json!({"path": path})))
            .await
            .expect("answered");
        let outcome = followed.wait(wait()).await.expect("followed to its end");
        assert_eq!(outcome.status, status, "{}: {path}: {outcome:?}", t.label);
        assert!(outcome.run_id.is_some(), "{}: {path}", t.label);
        // Any API client will do: a trigger that expects the id in the answer finds the
        // execution by its marker too (without a workflow id to narrow the search).
        let by_id = hook(&t, path, ResponseMode::ResponseNode)
            .track_execution_id("/executionId", client(&t))
            .build()
            .expect("trigger")
            .trigger(TriggerRequest::new(json!({"path": path, "by": "id"})))
            .await
            .expect("answered")
            .wait(wait())
            .await
            .expect("followed to its end");
        assert_eq!(by_id.status, status, "{}: {path}: {by_id:?}", t.label);
        assert_ne!(by_id.run_id, outcome.run_id, "{}: {path}", t.label);
        if status == RunStatus::Failed {
            let failure = outcome.failure.clone().expect("failure");
            assert!(
                failure.message.contains("boom before respond"),
                "{}: {failure:?}",
                t.label
            );
            assert!(
                matches!(outcome.into_result(), Err(Error::WorkflowFailed(_))),
                "{}",
                t.label
            );
        }
    }
}

/// §1 JWT auth through the SDK: a signed token → the payload; none, a bad signature or an
/// expired token → `Unauthorized` with n8n's text.
pub async fn sdk_jwt_auth(t: Arc<Target>) {
    let answer = hook(&t, "secure-jwt", ResponseMode::LastNode)
        .jwt_auth(t.jwt_secret.clone(), json!({"sub": "ada"}))
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({})))
        .await
        .expect("run")
        .wait(wait())
        .await
        .expect("terminal");
    assert_eq!(answer.output, json!({"sub": "ada"}), "{}", t.label);
    for (builder, text) in [
        (
            hook(&t, "secure-jwt", ResponseMode::LastNode),
            "No token provided",
        ),
        (
            hook(&t, "secure-jwt", ResponseMode::LastNode)
                .jwt_auth("not-the-secret", json!({"sub": "ada"})),
            "invalid signature",
        ),
        (
            hook(&t, "secure-jwt", ResponseMode::LastNode).jwt_auth(
                t.jwt_secret.clone(),
                json!({"sub": "ada", "exp": 1_000_000}),
            ),
            "jwt expired",
        ),
    ] {
        let err = error_of(&t, builder, json!({})).await;
        assert_auth_rejected(&t, &err, text);
    }
}

/// §4 a failed execution followed by id: `Failed`, the node's message and name, and
/// `into_result` is `WorkflowFailed`.
pub async fn sdk_failed_execution_handle(t: Arc<Target>) {
    let c = client(&t);
    let err = error_of(&t, hook(&t, "fail", ResponseMode::LastNode), json!({})).await;
    assert!(
        matches!(err, Error::WorkflowFailed(_)),
        "{}: {err:?}",
        t.label
    );
    let failed = t.newest_execution("ERROR_LASTNODE", "error").await;
    let outcome = c
        .execution_handle(failed)
        .wait(wait())
        .await
        .expect("terminal");
    assert_eq!(outcome.status, RunStatus::Failed, "{}", t.label);
    let failure = outcome.failure.clone().expect("failure");
    assert!(
        failure.message.contains("boom from fixture"),
        "{}: {failure:?}",
        t.label
    );
    assert_eq!(failure.step.as_deref(), Some("Boom"), "{}", t.label);
    assert!(
        matches!(outcome.into_result(), Err(Error::WorkflowFailed(_))),
        "{}",
        t.label
    );
}

/// §2 a running execution: delete → `BadRequest` (`Cannot delete a running execution`);
/// then the handle follows it to `Succeeded` with the last node's output.
pub async fn sdk_running_execution(t: Arc<Target>) {
    let c = client(&t);
    let run = hook(&t, "tracked", ResponseMode::OnReceived)
        .track_execution_id("/executionId", c.clone())
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({"n": 5})))
        .await
        .expect("started");
    let id = run.run_id().expect("id").as_str().to_owned();
    let err = c.delete_execution(&id).await.expect_err("running");
    assert!(matches!(err, Error::BadRequest(_)), "{}: {err:?}", t.label);
    assert_eq!(
        err.api().map(|a| a.message.as_str()),
        Some("Cannot delete a running execution"),
        "{}",
        t.label
    );
    let outcome = run.wait(wait()).await.expect("finished");
    assert_eq!(
        outcome.output,
        json!([{"done": true, "body": {"n": 5}}]),
        "{}",
        t.label
    );
}

/// §1/§2 a `lastNode` call whose execution is stopped (2.x) answers 500 `There was a
/// problem executing the workflow`: `WorkflowFailed` with `ExecutionProblem`. 1.x cannot
/// stop executions (`Unsupported`), and the call ends with the last node's output.
pub async fn sdk_stopped_last_node_call(t: Arc<Target>) {
    let c = client(&t);
    let trigger = hook(&t, "slow", ResponseMode::LastNode)
        .build()
        .expect("trigger");
    let call = tokio::spawn(async move { trigger.trigger(TriggerRequest::new(json!({}))).await });
    let running = ExecutionFilter::default()
        .workflow_id(t.id("SLOW_LASTNODE"))
        .status(ExecutionStatus::Running);
    let id = first_listed(&t, &c, &running).await.id;
    match t.line {
        Line::V1 => {
            let err = c.stop_execution(&id).await.expect_err("no stop route");
            assert!(
                matches!(err, Error::Unsupported { .. }),
                "{}: {err:?}",
                t.label
            );
            let outcome = call
                .await
                .expect("joined")
                .expect("answered")
                .wait(wait())
                .await
                .expect("terminal");
            assert_eq!(outcome.output["done"], true, "{}", t.label);
        }
        Line::V2 => {
            let stopped = c.stop_execution(&id).await.expect("stopped");
            assert_eq!(
                stopped.status,
                Some(ExecutionStatus::Canceled),
                "{}",
                t.label
            );
            let err = call.await.expect("joined").expect_err("500");
            assert!(
                matches!(err, Error::WorkflowFailed(_)),
                "{}: {err:?}",
                t.label
            );
            assert_eq!(
                kind(&err),
                Some(&N8nErrorKind::ExecutionProblem),
                "{}",
                t.label
            );
        }
    }
}

/// §1 text answers through the SDK: a Respond node's text is the output string; an
/// onReceived call without a response body is `Accepted` with a `Null` output.
pub async fn sdk_text_and_empty_answers(t: Arc<Target>) {
    let text = hook(&t, "respond-text", ResponseMode::ResponseNode)
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({})))
        .await
        .expect("run")
        .wait(wait())
        .await
        .expect("terminal");
    assert_eq!(text.output, json!("plain text"), "{}", t.label);
    let silent = hook(&t, "no-body", ResponseMode::OnReceived)
        .build()
        .expect("trigger")
        .trigger(TriggerRequest::new(json!({})))
        .await
        .expect("accepted");
    let snap = silent.status().await.expect("status");
    assert_eq!(snap.status, RunStatus::Accepted, "{}", t.label);
    assert_eq!(snap.output, Some(Value::Null), "{}", t.label);
}
