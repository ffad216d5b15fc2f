//! Contract tests: `trigger-sdk-n8n` against the reference server's n8n face, one
//! test per row of `contracts/n8n.md` (webhooks §1, public API §2, the
//! execute endpoint §3, following runs §4).
//!
//! Every row is written as `async fn row(t: &Target)`: it knows the server
//! only through a [`Target`] (base URL, API key, credentials, workflow ids
//! and paths by fixture key), so the same bodies can run against a real n8n
//! given its base URL, key and fixture ids (issue 9). The `#[tokio::test]`
//! wrappers start an in-process reference server with the demo set plus the
//! extra fixtures of [`extra_workflows`].
#![cfg(feature = "n8n")]

use std::{collections::HashMap, time::Duration};

use futures::TryStreamExt;
use serde_json::{Value, json};
use trigger_sdk_core::{
    Error, RunEvent, RunHandle, RunId, RunStatus, Trigger, TriggerRequest, WaitOptions,
};
use trigger_sdk_n8n::{
    BodyFormat, ExecutionFilter, ExecutionStatus, Method, N8nClient, N8nErrorKind, NewWorkflow,
    ResponseMode, WebhookBody, WebhookTrigger, WorkflowFilter,
};
use trigger_sdk_reference_server::{
    Config, ReferenceServer,
    config::{N8nAuth, N8nExposure, N8nResponseData, N8nResponseMode, Step, Workflow},
    creds,
};

// ---- the target -------------------------------------------------------------

/// One n8n server under test, whichever it is.
struct Target {
    /// n8n base URL (webhooks at `{base}/webhook/..`, API at `{base}/api/v1`).
    base: String,
    /// `X-N8N-API-KEY`.
    api_key: String,
    /// Header-auth credential: name, value.
    header: (String, String),
    /// Basic-auth credential: user, password.
    basic: (String, String),
    /// JWT-auth HS256 secret.
    jwt_secret: String,
    /// Fixture key → (workflow id, webhook path).
    fixtures: HashMap<&'static str, (String, String)>,
    /// Keeps the in-process server alive.
    server: Option<ReferenceServer>,
}

impl Target {
    fn id(&self, key: &str) -> String {
        self.fixtures
            .get(key)
            .unwrap_or_else(|| panic!("no fixture {key}"))
            .0
            .clone()
    }

    fn path(&self, key: &str) -> String {
        self.fixtures
            .get(key)
            .unwrap_or_else(|| panic!("no fixture {key}"))
            .1
            .clone()
    }

    fn client(&self) -> N8nClient {
        N8nClient::new(self.base.clone(), self.api_key.clone()).unwrap()
    }

    fn hook(&self, key: &str, mode: ResponseMode) -> trigger_sdk_n8n::WebhookTriggerBuilder {
        WebhookTrigger::builder(self.base.clone(), self.path(key)).response_mode(mode)
    }

    fn server(&self) -> &ReferenceServer {
        self.server
            .as_ref()
            .expect("an in-process reference server")
    }
}

const JWT_SECRET: &str = "demo-jwt-secret";
const DYNAMIC_WEBHOOK_ID: &str = "7c1d2e3f-0000-4000-8000-00000000d1a1";

fn exposure(path: &str, method: &str, mode: N8nResponseMode, n: u32) -> N8nExposure {
    N8nExposure {
        path: path.to_owned(),
        method: method.to_owned(),
        response_mode: mode,
        webhook_id: format!("7c1d2e3f-0000-4000-8000-0000000000{n:02}"),
        ..N8nExposure::default()
    }
}

fn workflow(id: &str, steps: Vec<Step>, n8n: N8nExposure) -> Workflow {
    let mut wf = Workflow::new(id, id, steps);
    wf.n8n = Some(n8n);
    wf
}

/// Fixtures the demo set does not have: (key, workflow).
fn extra_workflows() -> Vec<(&'static str, Workflow)> {
    use N8nResponseMode::*;
    vec![
        (
            "BODY_ECHO",
            workflow(
                "BodyEchoFixture1",
                vec![Step::transform("echo", json!({"body": "{{input.body}}"})).named("Echo")],
                exposure("body-echo", "POST", LastNode, 1),
            ),
        ),
        (
            "NO_DATA",
            workflow(
                "NoDataFixture001",
                vec![Step::transform("echo", json!({"a": 1})).named("Echo")],
                N8nExposure {
                    response_data: N8nResponseData::NoData,
                    ..exposure("nodata", "POST", LastNode, 2)
                },
            ),
        ),
        (
            "QUEUED",
            workflow(
                "QueuedFixture001",
                vec![Step::transform("noop", json!({"ok": true})).named("Noop")],
                N8nExposure {
                    response_code: 202,
                    on_received_body: Some("queued".to_owned()),
                    ..exposure("accepted", "POST", OnReceived, 3)
                },
            ),
        ),
        (
            "NO_BODY",
            workflow(
                "NoBodyFixture001",
                vec![Step::transform("noop", json!({"ok": true})).named("Noop")],
                N8nExposure {
                    on_received_body: Some(String::new()),
                    ..exposure("no-body", "POST", OnReceived, 4)
                },
            ),
        ),
        (
            "TRACKED",
            workflow(
                "TrackedFixture01",
                vec![
                    Step::delay("wait", 100).named("Wait"),
                    Step::transform("done", json!({"done": true, "to": "{{input.body.to}}"}))
                        .named("Done"),
                ],
                N8nExposure {
                    on_received_body: Some(r#"{"executionId":"{{execution.id}}"}"#.to_owned()),
                    ..exposure("tracked", "POST", OnReceived, 5)
                },
            ),
        ),
        (
            "STREAM",
            workflow(
                "StreamFixture001",
                vec![
                    Step::transform("first", json!("Hello, ")).named("First"),
                    Step::transform("second", json!("world")).named("Second"),
                ],
                exposure("stream", "POST", Streaming, 6),
            ),
        ),
        (
            "STREAM_FAIL",
            workflow(
                "StreamFailFix01",
                vec![Step::fail("boom", "stream broke").named("Boom")],
                exposure("stream-fail", "POST", Streaming, 7),
            ),
        ),
        (
            "RESPOND_TEXT",
            workflow(
                "RespondTextFix01",
                vec![Step::respond("respond", 200, json!("plain text")).named("Respond")],
                exposure("respond-text", "POST", ResponseNode, 8),
            ),
        ),
        (
            "RESPOND_UNREACHED",
            workflow(
                "RespondSkipFix01",
                vec![Step::transform("drop", json!({"dropped": true})).named("Drop")],
                exposure("respond-skip", "POST", ResponseNode, 9),
            ),
        ),
        (
            "RESPOND_FAIL",
            workflow(
                "RespondFailFix01",
                vec![
                    Step::fail("boom", "boom before respond").named("Boom"),
                    Step::respond("respond", 200, json!({"never": true})).named("Respond"),
                ],
                exposure("respond-fail", "POST", ResponseNode, 10),
            ),
        ),
        (
            "EMPTY",
            workflow(
                "EmptyFixture0001",
                vec![Step::transform("drop", json!([])).named("Drop")],
                exposure("empty", "POST", LastNode, 11),
            ),
        ),
        (
            "SLOW_LAST_NODE",
            workflow(
                "SlowLastNodeFix1",
                vec![
                    Step::delay("wait", 5_000).named("Wait"),
                    Step::transform("done", json!({"done": true})).named("Done"),
                ],
                exposure("slow", "POST", LastNode, 12),
            ),
        ),
        (
            "SLOW_ON_RECEIVED",
            workflow(
                "SlowOnRecvFix001",
                vec![
                    Step::delay("wait", 5_000).named("Wait"),
                    Step::transform("done", json!({"done": true})).named("Done"),
                ],
                exposure("slow-async", "POST", OnReceived, 13),
            ),
        ),
        (
            "DYNAMIC",
            workflow(
                "DynamicFixture01",
                vec![
                    Step::transform(
                        "echo",
                        json!({"user": "{{input.params.userId}}", "query": "{{input.query}}"}),
                    )
                    .named("Echo"),
                ],
                N8nExposure {
                    webhook_id: DYNAMIC_WEBHOOK_ID.to_owned(),
                    ..exposure("users/:userId", "GET", LastNode, 14)
                },
            ),
        ),
        (
            "JWT",
            workflow(
                "JwtFixture000001",
                vec![
                    Step::transform("who", json!({"sub": "{{input.jwtPayload.sub}}"})).named("Who"),
                ],
                N8nExposure {
                    auth: N8nAuth::Jwt {
                        secret: JWT_SECRET.to_owned(),
                    },
                    ..exposure("jwt-hook", "POST", LastNode, 15)
                },
            ),
        ),
    ]
}

fn config() -> Config {
    let mut config = trigger_sdk_reference_server::demo();
    config
        .workflows
        .extend(extra_workflows().into_iter().map(|(_, wf)| wf));
    config
}

async fn start_with(config: Config) -> Target {
    let server = ReferenceServer::start(config).await.unwrap();
    let mut fixtures: HashMap<&'static str, (String, String)> = [
        ("SEND_EMAIL", creds::N8N_SEND_EMAIL, "send-email"),
        ("FIRE_FORGET", creds::N8N_FIRE_FORGET, "send-email-async"),
        ("ECHO_QUERY", creds::N8N_ECHO_QUERY, "echo"),
        ("BROKEN", creds::N8N_BROKEN, "broken"),
        ("INACTIVE", creds::N8N_INACTIVE, "inactive-hook"),
        ("RESPOND", creds::N8N_RESPOND_NODE, "respond"),
        ("BASIC", creds::N8N_BASIC_AUTH, "basic-hook"),
    ]
    .into_iter()
    .map(|(k, id, path)| (k, (id.to_owned(), path.to_owned())))
    .collect();
    for (key, wf) in extra_workflows() {
        let path = wf.n8n.as_ref().map(|e| e.path.clone()).unwrap_or_default();
        fixtures.insert(key, (wf.id, path));
    }
    Target {
        base: server.n8n_url(),
        api_key: creds::N8N_API_KEY.to_owned(),
        header: (
            creds::N8N_WEBHOOK_HEADER.to_owned(),
            creds::N8N_WEBHOOK_SECRET.to_owned(),
        ),
        basic: (
            creds::N8N_BASIC_USER.to_owned(),
            creds::N8N_BASIC_PASSWORD.to_owned(),
        ),
        jwt_secret: JWT_SECRET.to_owned(),
        fixtures,
        server: Some(server),
    }
}

async fn start() -> Target {
    start_with(config()).await
}

fn wait() -> WaitOptions {
    WaitOptions::timeout(Duration::from_secs(30))
}

fn kind(err: &Error) -> Option<&N8nErrorKind> {
    err.detail::<N8nErrorKind>()
}

/// Polls (with a deadline) until `workflow_id` has a running execution.
async fn running_execution(client: &N8nClient, workflow_id: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let filter = ExecutionFilter::default()
        .workflow_id(workflow_id)
        .status(ExecutionStatus::Running);
    loop {
        let page = client.executions_page(&filter, None).await.unwrap();
        if let Some(e) = page.data.first() {
            return e.id.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no running execution of {workflow_id}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---- §1 response modes ----------------------------------------------------

async fn on_received_default_ack_is_accepted_and_not_trackable(t: &Target) {
    let run = t
        .hook("FIRE_FORGET", ResponseMode::OnReceived)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({"to": "ada@example.com"})))
        .await
        .unwrap();
    assert!(run.run_id().is_none());
    let snapshot = run.status().await.unwrap();
    assert_eq!(snapshot.status, RunStatus::Accepted);
    assert_eq!(
        snapshot.output,
        Some(json!({"message": "Workflow was started"}))
    );
    assert!(matches!(
        run.wait(wait()).await,
        Err(Error::NotTrackable(_))
    ));
}

#[tokio::test]
async fn on_received_default_ack() {
    on_received_default_ack_is_accepted_and_not_trackable(&start().await).await;
}

async fn on_received_custom_text_and_empty_bodies_are_kept(t: &Target) {
    let answer = t
        .hook("QUEUED", ResponseMode::OnReceived)
        .build()
        .unwrap()
        .send(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    assert_eq!(answer.status, 202);
    assert_eq!(answer.output(), json!("queued"));
    let run = t
        .hook("NO_BODY", ResponseMode::OnReceived)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    let snapshot = run.status().await.unwrap();
    assert_eq!(snapshot.status, RunStatus::Accepted);
    assert_eq!(snapshot.output, Some(Value::Null));
}

#[tokio::test]
async fn on_received_custom_and_empty_bodies() {
    on_received_custom_text_and_empty_bodies_are_kept(&start().await).await;
}

async fn last_node_first_entry_with_header_auth(t: &Target) {
    let run = t
        .hook("SEND_EMAIL", ResponseMode::LastNode)
        .header_auth(t.header.0.clone(), t.header.1.clone())
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(
            json!({"to": "ada@example.com", "subject": "Welcome"}),
        ))
        .await
        .unwrap();
    let outcome = run.wait(wait()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.http_status, Some(200));
    assert_eq!(
        outcome.output,
        json!({"success": true, "to": "ada@example.com", "subject": "Welcome"})
    );
    // Exactly as sent: the raw bytes are n8n's, key order included.
    assert_eq!(
        outcome.body.as_deref(),
        Some(&br#"{"success":true,"to":"ada@example.com","subject":"Welcome"}"#[..])
    );
}

#[tokio::test]
async fn last_node_first_entry_json() {
    last_node_first_entry_with_header_auth(&start().await).await;
}

async fn last_node_all_entries_with_query_arrays_and_bare_keys(t: &Target) {
    let trigger = t
        .hook("ECHO_QUERY", ResponseMode::LastNode)
        .method(Method::GET)
        .query("tag", "a")
        .build()
        .unwrap();
    let run = trigger
        .trigger(
            TriggerRequest::default()
                .query("tag", "b")
                .query("q", "hello world")
                .query("flag", ""),
        )
        .await
        .unwrap();
    let outcome = run.wait(wait()).await.unwrap();
    // allEntries: a bare array of the items' JSON, never [{"json":..}].
    assert_eq!(
        outcome.output,
        json!([{"query": {"tag": ["a", "b"], "q": "hello world", "flag": ""}}])
    );
    assert_eq!(
        trigger_sdk_n8n::n8n_items(&outcome.output),
        vec![json!({"query": {"tag": ["a", "b"], "q": "hello world", "flag": ""}})]
    );
}

#[tokio::test]
async fn last_node_all_entries() {
    last_node_all_entries_with_query_arrays_and_bare_keys(&start().await).await;
}

async fn last_node_no_data_is_an_empty_body_never_decoded(t: &Target) {
    let run = t
        .hook("NO_DATA", ResponseMode::LastNode)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    let outcome = run.wait(wait()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.output, Value::Null);
    assert_eq!(outcome.body.as_deref(), Some(&b""[..]));
}

#[tokio::test]
async fn last_node_no_data() {
    last_node_no_data_is_an_empty_body_never_decoded(&start().await).await;
}

async fn response_node_answers_with_its_status_body_and_execution_id(t: &Target) {
    let client = t.client();
    let trigger = t
        .hook("RESPOND", ResponseMode::ResponseNode)
        .track_execution_id("/executionId", client.clone())
        .build()
        .unwrap();
    let run = trigger
        .trigger(TriggerRequest::new(json!({"order": 7})))
        .await
        .unwrap();
    let outcome = run.wait(wait()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.http_status, Some(201));
    assert_eq!(outcome.output["received"], json!({"order": 7}));
    let id = run
        .run_id()
        .expect("the Respond node returned the id")
        .clone();
    assert_eq!(outcome.output["executionId"], json!(id.as_str()));
    // The same run, followed through the public API.
    let followed = client
        .execution_handle(id.as_str())
        .wait(wait())
        .await
        .unwrap();
    assert_eq!(followed.status, RunStatus::Succeeded);
}

#[tokio::test]
async fn response_node_json() {
    response_node_answers_with_its_status_body_and_execution_id(&start().await).await;
}

async fn response_node_text_unreached_and_failing(t: &Target) {
    let outcome = t
        .hook("RESPOND_TEXT", ResponseMode::ResponseNode)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap()
        .wait(wait())
        .await
        .unwrap();
    assert_eq!(outcome.output, json!("plain text"));

    // Respond node never reached: 200, application/json, empty body: never Succeeded.
    let err = t
        .hook("RESPOND_UNREACHED", ResponseMode::ResponseNode)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap()
        .wait(wait())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotTrackable(_)), "{err:?}");

    // A node fails before the Respond node: 500 {"message":"Error in workflow"}.
    let err = t
        .hook("RESPOND_FAIL", ResponseMode::ResponseNode)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WorkflowFailed(_)), "{err:?}");
    assert_eq!(kind(&err), Some(&N8nErrorKind::WorkflowError));
    assert_eq!(err.body(), Some(r#"{"message":"Error in workflow"}"#));
}

#[tokio::test]
async fn response_node_text_unreached_failing() {
    response_node_text_unreached_and_failing(&start().await).await;
}

async fn streaming_yields_chunks_then_finished(t: &Target) {
    let run = t
        .hook("STREAM", ResponseMode::Streaming)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({"q": "hi"})))
        .await
        .unwrap();
    let events: Vec<RunEvent> = run.events().try_collect().await.unwrap();
    let kinds: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Chunk { kind, .. } => Some(kind.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["begin", "item", "end", "begin", "item", "end"]);
    match events.last() {
        Some(RunEvent::Finished(outcome)) => {
            assert_eq!(outcome.status, RunStatus::Succeeded);
            assert_eq!(outcome.output, json!("Hello, world"));
        }
        other => panic!("expected Finished last, got {other:?}"),
    }

    let run = t
        .hook("STREAM_FAIL", ResponseMode::Streaming)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    let outcome = run.wait(wait()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Failed);
    assert_eq!(outcome.failure.unwrap().message, "stream broke");
}

#[tokio::test]
async fn streaming_mode() {
    streaming_yields_chunks_then_finished(&start().await).await;
}

async fn body_types_reach_the_workflow_as_n8n_reads_them(t: &Target) {
    let echo = |format: BodyFormat| {
        t.hook("BODY_ECHO", ResponseMode::LastNode)
            .body_format(format)
            .build()
            .unwrap()
    };
    let out = |run: Box<dyn RunHandle>| async move { run.wait(wait()).await.unwrap().output };
    let json_body = echo(BodyFormat::Json)
        .trigger(TriggerRequest::new(json!({"hello": "world", "n": [1, 2]})))
        .await
        .unwrap();
    assert_eq!(
        out(json_body).await,
        json!({"body": {"hello": "world", "n": [1, 2]}})
    );
    let text = echo(BodyFormat::Text)
        .trigger(TriggerRequest::new(json!("just text")))
        .await
        .unwrap();
    assert_eq!(out(text).await, json!({"body": "just text"}));
    let form = echo(BodyFormat::Form)
        .trigger(TriggerRequest::new(json!({"a": 1, "b": "two"})))
        .await
        .unwrap();
    assert_eq!(out(form).await, json!({"body": {"a": "1", "b": "two"}}));
    let empty = echo(BodyFormat::Json)
        .trigger_with_body(
            WebhookBody::Bytes {
                content_type: "application/json".into(),
                bytes: bytes::Bytes::new(),
            },
            TriggerRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(out(empty).await, json!({"body": {}}));
    let raw = echo(BodyFormat::Json)
        .trigger_with_body(
            WebhookBody::Bytes {
                content_type: "application/json".into(),
                bytes: bytes::Bytes::from_static(br#"{"raw":true}"#),
            },
            TriggerRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(out(raw).await, json!({"body": {"raw": true}}));
}

#[tokio::test]
async fn body_types() {
    body_types_reach_the_workflow_as_n8n_reads_them(&start().await).await;
}

async fn dynamic_paths_need_the_webhook_id_prefix(t: &Target) {
    let with_id = t
        .hook("DYNAMIC", ResponseMode::LastNode)
        .method(Method::GET)
        .webhook_id(DYNAMIC_WEBHOOK_ID)
        .param("userId", "42")
        .build()
        .unwrap();
    let outcome = with_id
        .trigger(TriggerRequest::default().query("x", "1"))
        .await
        .unwrap()
        .wait(wait())
        .await
        .unwrap();
    assert_eq!(outcome.output, json!({"user": "42", "query": {"x": "1"}}));
    let without_id = t
        .hook("DYNAMIC", ResponseMode::LastNode)
        .method(Method::GET)
        .param("userId", "42")
        .build()
        .unwrap();
    let err = without_id
        .trigger(TriggerRequest::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            kind(&err),
            Some(N8nErrorKind::NotRegistered { method: Some(m), path, .. }) if *m == Method::GET && path == "users/42"
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn dynamic_path() {
    dynamic_paths_need_the_webhook_id_prefix(&start().await).await;
}

// ---- §1 auth outcomes -----------------------------------------------------

async fn auth_failure(result: trigger_sdk_core::Result<Box<dyn RunHandle>>, body: &str) {
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert_eq!(err.body(), Some(body));
    assert_eq!(
        kind(&err),
        Some(&N8nErrorKind::AuthRejected {
            message: body.to_owned()
        })
    );
}

async fn header_auth_outcomes(t: &Target) {
    let payload = || TriggerRequest::new(json!({"to": "a@example.com", "subject": "s"}));
    let missing = t
        .hook("SEND_EMAIL", ResponseMode::LastNode)
        .build()
        .unwrap();
    auth_failure(
        missing.trigger(payload()).await,
        "Authorization data is wrong!",
    )
    .await;
    assert_eq!(
        missing.trigger(payload()).await.unwrap_err().status(),
        Some(403)
    );
    let wrong = t
        .hook("SEND_EMAIL", ResponseMode::LastNode)
        .header_auth(t.header.0.clone(), "wrong")
        .build()
        .unwrap();
    auth_failure(
        wrong.trigger(payload()).await,
        "Authorization data is wrong!",
    )
    .await;
    // The header name is case-insensitive.
    let upper = t
        .hook("SEND_EMAIL", ResponseMode::LastNode)
        .header_auth(t.header.0.to_ascii_uppercase(), t.header.1.clone())
        .build()
        .unwrap();
    let outcome = upper
        .trigger(payload())
        .await
        .unwrap()
        .wait(wait())
        .await
        .unwrap();
    assert_eq!(outcome.output["success"], true);
}

#[tokio::test]
async fn header_auth() {
    header_auth_outcomes(&start().await).await;
}

async fn basic_auth_outcomes(t: &Target) {
    let payload = || TriggerRequest::new(json!({"x": 1}));
    let none = t.hook("BASIC", ResponseMode::LastNode).build().unwrap();
    auth_failure(none.trigger(payload()).await, "Authorization is required!").await;
    let wrong = t
        .hook("BASIC", ResponseMode::LastNode)
        .basic_auth(t.basic.0.clone(), "wrong")
        .build()
        .unwrap();
    let err = wrong.trigger(payload()).await;
    auth_failure(err, "Authentication data is wrong!").await;
    let right = t
        .hook("BASIC", ResponseMode::LastNode)
        .basic_auth(t.basic.0.clone(), t.basic.1.clone())
        .build()
        .unwrap();
    let outcome = right
        .trigger(payload())
        .await
        .unwrap()
        .wait(wait())
        .await
        .unwrap();
    assert_eq!(
        outcome.output,
        json!({"authenticated": true, "received": {"x": 1}})
    );
}

#[tokio::test]
async fn basic_auth() {
    basic_auth_outcomes(&start().await).await;
}

async fn jwt_auth_outcomes(t: &Target) {
    let payload = || TriggerRequest::new(json!({}));
    let none = t.hook("JWT", ResponseMode::LastNode).build().unwrap();
    auth_failure(none.trigger(payload()).await, "No token provided").await;
    let wrong = t
        .hook("JWT", ResponseMode::LastNode)
        .jwt_auth("not-the-secret", json!({"sub": "ada"}))
        .build()
        .unwrap();
    auth_failure(wrong.trigger(payload()).await, "invalid signature").await;
    let expired = t
        .hook("JWT", ResponseMode::LastNode)
        .jwt_auth(
            t.jwt_secret.clone(),
            json!({"sub": "ada", "exp": 1_000_000}),
        )
        .build()
        .unwrap();
    auth_failure(expired.trigger(payload()).await, "jwt expired").await;
    let right = t
        .hook("JWT", ResponseMode::LastNode)
        .jwt_auth(t.jwt_secret.clone(), json!({"sub": "ada"}))
        .build()
        .unwrap();
    let outcome = right
        .trigger(payload())
        .await
        .unwrap()
        .wait(wait())
        .await
        .unwrap();
    assert_eq!(outcome.output, json!({"sub": "ada"}));
}

#[tokio::test]
async fn jwt_auth() {
    jwt_auth_outcomes(&start().await).await;
}

async fn api_key_outcomes(t: &Target) {
    let wrong = N8nClient::new(t.base.clone(), "wrong-key").unwrap();
    let err = wrong.workflow(&t.id("SEND_EMAIL")).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert_eq!(err.api().unwrap().message, "Unauthorized");
    let right = t.client().workflow(&t.id("SEND_EMAIL")).await.unwrap();
    assert_eq!(right.id, t.id("SEND_EMAIL"));
}

#[tokio::test]
async fn api_key() {
    api_key_outcomes(&start().await).await;
}

// ---- §1 error rows ------------------------------------------------------

async fn not_registered_rows(t: &Target) {
    let unknown = WebhookTrigger::builder(t.base.clone(), "does-not-exist")
        .build()
        .unwrap();
    let err = unknown
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
    match kind(&err) {
        Some(N8nErrorKind::NotRegistered { method, path, hint }) => {
            assert_eq!(method.as_ref(), Some(&Method::POST));
            assert_eq!(path, "does-not-exist");
            assert!(
                hint.as_deref()
                    .unwrap()
                    .starts_with("The workflow must be active")
            );
        }
        other => panic!("expected NotRegistered, got {other:?}"),
    }
    let inactive = t
        .hook("INACTIVE", ResponseMode::OnReceived)
        .build()
        .unwrap();
    let err = inactive
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(
        kind(&err),
        Some(N8nErrorKind::NotRegistered { path, .. }) if *path == t.path("INACTIVE")
    ));
    // Wrong method on a registered path: "Did you mean…".
    let get = t
        .hook("SEND_EMAIL", ResponseMode::LastNode)
        .method(Method::GET)
        .build()
        .unwrap();
    let err = get.trigger(TriggerRequest::default()).await.unwrap_err();
    assert_eq!(
        kind(&err),
        Some(&N8nErrorKind::MethodNotAllowed {
            allowed: vec![Method::POST]
        })
    );
}

#[tokio::test]
async fn not_registered_and_wrong_method() {
    not_registered_rows(&start().await).await;
}

async fn test_url_works_once_per_arming(t: &Target) {
    let test_hook = t
        .hook("FIRE_FORGET", ResponseMode::OnReceived)
        .test_url()
        .build()
        .unwrap();
    let err = test_hook
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap_err();
    match kind(&err) {
        Some(N8nErrorKind::NotRegistered { method, path, hint }) => {
            assert_eq!(*method, None);
            assert_eq!(*path, t.path("FIRE_FORGET"));
            assert!(hint.as_deref().unwrap().contains("Execute workflow"));
        }
        other => panic!("expected NotRegistered, got {other:?}"),
    }
    assert!(t.server().arm_n8n_test_webhook(&t.id("FIRE_FORGET")));
    let run = test_hook
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    assert_eq!(run.status().await.unwrap().status, RunStatus::Accepted);
    let again = test_hook.trigger(TriggerRequest::new(json!({}))).await;
    assert!(matches!(again, Err(Error::NotFound(_))));
}

#[tokio::test]
async fn test_url() {
    test_url_works_once_per_arming(&start().await).await;
}

async fn unparsable_body_is_bad_request(t: &Target) {
    let err = t
        .hook("BODY_ECHO", ResponseMode::LastNode)
        .build()
        .unwrap()
        .trigger_with_body(
            WebhookBody::Bytes {
                content_type: "application/json".into(),
                bytes: bytes::Bytes::from_static(b"{bad"),
            },
            TriggerRequest::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
    assert_eq!(err.status(), Some(422));
    assert!(matches!(
        kind(&err),
        Some(N8nErrorKind::BodyNotParsed { hint: Some(_) })
    ));
}

#[tokio::test]
async fn unparsable_body() {
    unparsable_body_is_bad_request(&start().await).await;
}

async fn failing_and_empty_workflows_are_workflow_failed(t: &Target) {
    let err = t
        .hook("BROKEN", ResponseMode::LastNode)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WorkflowFailed(_)), "{err:?}");
    assert_eq!(kind(&err), Some(&N8nErrorKind::WorkflowError));
    let err = t
        .hook("EMPTY", ResponseMode::LastNode)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WorkflowFailed(_)), "{err:?}");
    assert_eq!(kind(&err), Some(&N8nErrorKind::NoItemToReturn));
}

#[tokio::test]
async fn workflow_errors() {
    failing_and_empty_workflows_are_workflow_failed(&start().await).await;
}

async fn stopped_last_node_run_is_an_execution_problem(t: &Target) {
    let client = t.client();
    let trigger = t
        .hook("SLOW_LAST_NODE", ResponseMode::LastNode)
        .build()
        .unwrap();
    let call = tokio::spawn(async move { trigger.trigger(TriggerRequest::new(json!({}))).await });
    let id = running_execution(&client, &t.id("SLOW_LAST_NODE")).await;
    let stopped = client.stop_execution(&id).await.unwrap();
    assert_eq!(stopped.status, Some(ExecutionStatus::Canceled));
    let err = call.await.unwrap().unwrap_err();
    assert!(matches!(err, Error::WorkflowFailed(_)), "{err:?}");
    assert_eq!(kind(&err), Some(&N8nErrorKind::ExecutionProblem));
}

#[tokio::test]
async fn stopped_last_node() {
    stopped_last_node_run_is_an_execution_problem(&start().await).await;
}

#[tokio::test]
async fn body_over_the_limit_is_a_500_execution_problem() {
    let mut config = config();
    config.body_limit = 64 * 1024;
    let t = start_with(config).await;
    let big = "x".repeat(100 * 1024);
    let err = t
        .hook("BODY_ECHO", ResponseMode::LastNode)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({ "big": big })))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(kind(&err), Some(&N8nErrorKind::ExecutionProblem));
}

// ---- §2 public API --------------------------------------------------------

async fn workflow_pagination_over_several_pages(t: &Target) {
    let client = t.client();
    let before = client
        .workflows(WorkflowFilter::default())
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .len();
    for i in 0..260 {
        client
            .create_workflow(&NewWorkflow::new(format!("bulk {i:03}")))
            .await
            .unwrap();
    }
    let filter = WorkflowFilter::default().limit(100);
    let all: Vec<_> = client
        .workflows(filter.clone())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), before + 260);
    let mut ids: Vec<&str> = all.iter().map(|w| w.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "no workflow listed twice");
    // Page by page: at least three pages of at most 100.
    let mut pages = 0;
    let mut cursor = None;
    loop {
        let page = client.workflows_page(&filter, cursor).await.unwrap();
        assert!(page.data.len() <= 100);
        pages += 1;
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert!(pages >= 3, "{pages} pages");
}

#[tokio::test]
async fn workflow_pagination() {
    workflow_pagination_over_several_pages(&start().await).await;
}

async fn workflow_filters(t: &Target) {
    let client = t.client();
    let active: Vec<_> = client
        .workflows(WorkflowFilter::default().active(false))
        .try_collect()
        .await
        .unwrap();
    assert!(active.iter().all(|w| !w.active));
    assert!(active.iter().any(|w| w.id == t.id("INACTIVE")));
    let tagged: Vec<_> = client
        .workflows(WorkflowFilter::default().tag("email"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        tagged.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(),
        [t.id("SEND_EMAIL")]
    );
    assert!(tagged[0].tags.iter().any(|tag| tag.name == "email"));
    let named: Vec<_> = client
        .workflows(WorkflowFilter::default().name("Echo Query"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(named.len(), 1);
    assert_eq!(named[0].id, t.id("ECHO_QUERY"));
}

#[tokio::test]
async fn workflow_list_filters() {
    workflow_filters(&start().await).await;
}

async fn workflow_crud_and_activation(t: &Target) {
    let client = t.client();
    let created = client
        .create_workflow(&NewWorkflow::new("crud test").settings(json!({"executionOrder": "v1"})))
        .await
        .unwrap();
    assert!(!created.active);
    assert!(!created.id.is_empty());
    let fetched = client.workflow(&created.id).await.unwrap();
    assert_eq!(fetched.name, "crud test");
    let updated = client
        .update_workflow(&created.id, &NewWorkflow::new("crud renamed"))
        .await
        .unwrap();
    assert_eq!(updated.name, "crud renamed");
    let inactive = t.id("INACTIVE");
    assert!(client.activate_workflow(&inactive).await.unwrap().active);
    assert!(!client.deactivate_workflow(&inactive).await.unwrap().active);
    let deleted = client.delete_workflow(&created.id).await.unwrap();
    assert_eq!(deleted.id, created.id);
    let err = client.workflow(&created.id).await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
    assert_eq!(err.api().unwrap().message, "Not Found");
    let err = client.activate_workflow("nope123").await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn workflow_crud() {
    workflow_crud_and_activation(&start().await).await;
}

#[tokio::test]
async fn activate_and_wait_waits_for_the_webhook_to_be_registered() {
    let mut config = config();
    config.n8n.activation_delay = Duration::from_millis(1_500);
    let t = start_with(config).await;
    let client = t.client();
    let hook = t
        .hook("INACTIVE", ResponseMode::OnReceived)
        .build()
        .unwrap();
    // Activation is asynchronous: right after /activate the webhook is not served yet.
    client.activate_workflow(&t.id("INACTIVE")).await.unwrap();
    let err = hook
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(kind(&err), Some(N8nErrorKind::NotRegistered { .. })),
        "{err:?}"
    );
    client.deactivate_workflow(&t.id("INACTIVE")).await.unwrap();
    let workflow = client
        .activate_and_wait(&t.id("INACTIVE"), Duration::from_secs(20))
        .await
        .unwrap();
    assert!(workflow.active);
    let run = hook.trigger(TriggerRequest::new(json!({}))).await.unwrap();
    assert_eq!(run.status().await.unwrap().status, RunStatus::Accepted);
}

async fn execution_pagination_and_filters(t: &Target) {
    let client = t.client();
    let echo = t
        .hook("ECHO_QUERY", ResponseMode::LastNode)
        .method(Method::GET)
        .build()
        .unwrap();
    for i in 0..25 {
        echo.trigger(TriggerRequest::default().query("i", i.to_string()))
            .await
            .unwrap();
    }
    let filter = ExecutionFilter::default()
        .workflow_id(t.id("ECHO_QUERY"))
        .limit(10);
    let all: Vec<_> = client
        .executions(filter.clone())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 25);
    assert!(
        all.iter()
            .all(|e| e.status == Some(ExecutionStatus::Success))
    );
    // Newest first.
    let numbers: Vec<u64> = all.iter().map(|e| e.id.parse().unwrap()).collect();
    assert!(numbers.windows(2).all(|w| w[0] > w[1]), "{numbers:?}");
    let first = client.executions_page(&filter, None).await.unwrap();
    assert_eq!(first.data.len(), 10);
    assert!(first.next_cursor.is_some());
    let errors: Vec<_> = client
        .executions(
            ExecutionFilter::default()
                .workflow_id(t.id("ECHO_QUERY"))
                .status(ExecutionStatus::Error),
        )
        .try_collect()
        .await
        .unwrap();
    assert!(errors.is_empty());
    // Bad cursor, bad status.
    let err = client
        .executions_page(&filter, Some("garbage".into()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)));
    assert_eq!(err.api().unwrap().message, "An invalid cursor was provided");
    let err = client
        .executions_page(
            &ExecutionFilter::default().status(ExecutionStatus::parse("bogus")),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)));
    assert!(err.api().unwrap().message.contains("received 'bogus'"));
}

#[tokio::test]
async fn execution_list() {
    execution_pagination_and_filters(&start().await).await;
}

async fn execution_get_delete_retry_stop(t: &Target) {
    let client = t.client();
    // A successful run, read with its data.
    let outcome = t
        .hook("SEND_EMAIL", ResponseMode::LastNode)
        .header_auth(t.header.0.clone(), t.header.1.clone())
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({"to": "a@b.c", "subject": "s"})))
        .await
        .unwrap()
        .wait(wait())
        .await
        .unwrap();
    assert!(outcome.is_success());
    let latest = client
        .executions_page(
            &ExecutionFilter::default().workflow_id(t.id("SEND_EMAIL")),
            None,
        )
        .await
        .unwrap()
        .data
        .remove(0);
    let full = client.execution(&latest.id, true).await.unwrap();
    assert_eq!(full.status, Some(ExecutionStatus::Success));
    assert_eq!(full.mode.as_deref(), Some("webhook"));
    assert_eq!(
        full.output(),
        Some(json!([{"success": true, "to": "a@b.c", "subject": "s"}]))
    );
    assert!(
        client
            .execution(&latest.id, false)
            .await
            .unwrap()
            .data
            .is_none()
    );
    let err = client.execution("abc", false).await.unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
    let err = client.execution("99999", false).await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));

    // Retry: a success → 409; a failure → the new execution; unknown → 404.
    let err = client.retry_execution(&latest.id, None).await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(
        err.api().unwrap().message,
        "The execution succeeded, so it cannot be retried."
    );
    let _ = t
        .hook("BROKEN", ResponseMode::LastNode)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({})))
        .await;
    let failed = client
        .executions_page(
            &ExecutionFilter::default().workflow_id(t.id("BROKEN")),
            None,
        )
        .await
        .unwrap()
        .data
        .remove(0);
    assert_eq!(failed.status, Some(ExecutionStatus::Error));
    let failure = client
        .execution(&failed.id, true)
        .await
        .unwrap()
        .failure()
        .unwrap();
    assert_eq!(failure.message, "Something went wrong in the workflow");
    let retried = client
        .retry_execution(&failed.id, Some(true))
        .await
        .unwrap();
    assert_eq!(retried.mode.as_deref(), Some("retry"));
    assert_eq!(retried.retry_of.as_deref(), Some(failed.id.as_str()));
    let err = client.retry_execution("99999", None).await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));

    // Stop a finished one → 409.
    let err = client.stop_execution(&latest.id).await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");

    // Delete: the answer's id is a number in JSON; read as a string.
    let deleted = client.delete_execution(&latest.id).await.unwrap();
    assert_eq!(deleted.id, latest.id);
    let err = client.delete_execution(&latest.id).await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
}

#[tokio::test]
async fn execution_rows() {
    execution_get_delete_retry_stop(&start().await).await;
}

async fn running_executions_cannot_be_deleted_and_can_be_cancelled(t: &Target) {
    let client = t.client();
    t.hook("SLOW_ON_RECEIVED", ResponseMode::OnReceived)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    let id = running_execution(&client, &t.id("SLOW_ON_RECEIVED")).await;
    let err = client.delete_execution(&id).await.unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
    assert_eq!(
        err.api().unwrap().message,
        "Cannot delete a running execution"
    );
    let handle = client.execution_handle(id.clone());
    assert_eq!(handle.status().await.unwrap().status, RunStatus::Running);
    handle.cancel().await.unwrap();
    let outcome = handle.wait(wait()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Cancelled);
    assert_eq!(outcome.run_id, Some(RunId::new(id)));
}

#[tokio::test]
async fn running_executions() {
    running_executions_cannot_be_deleted_and_can_be_cancelled(&start().await).await;
}

async fn tag_rows(t: &Target) {
    let client = t.client();
    let tag = client.create_tag("contract-tag").await.unwrap();
    assert_eq!(tag.name, "contract-tag");
    let err = client.create_tag("contract-tag").await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(err.api().unwrap().message, "Tag already exists");
    assert_eq!(client.tag(&tag.id).await.unwrap().name, "contract-tag");
    let renamed = client
        .update_tag(&tag.id, "contract-renamed")
        .await
        .unwrap();
    assert_eq!(renamed.name, "contract-renamed");
    let names: Vec<String> = client
        .tags(Some(1))
        .map_ok(|t| t.name)
        .try_collect()
        .await
        .unwrap();
    assert!(names.contains(&"contract-renamed".to_owned()));
    assert!(names.contains(&"demo".to_owned()));
    client.delete_tag(&tag.id).await.unwrap();
    assert!(matches!(client.tag(&tag.id).await, Err(Error::NotFound(_))));
}

#[tokio::test]
async fn tags() {
    tag_rows(&start().await).await;
}

// ---- §3 execute endpoint --------------------------------------------------

async fn execute_endpoint_missing_is_unsupported(t: &Target) {
    let err = t
        .client()
        .execute_workflow(&t.id("SEND_EMAIL"), json!({"to": "a@b.c"}))
        .await
        .unwrap_err();
    match &err {
        Error::Unsupported { message, .. } => {
            assert!(message.contains("Add a Webhook trigger"), "{message}")
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
    assert_eq!(err.status(), Some(405));
    assert_eq!(kind(&err), Some(&N8nErrorKind::NoExecuteEndpoint));
}

#[tokio::test]
async fn execute_endpoint_absent() {
    execute_endpoint_missing_is_unsupported(&start().await).await;
}

#[tokio::test]
async fn execute_endpoint_present_returns_a_followable_handle() {
    let mut config = config();
    config.n8n.execute_endpoint = true;
    let t = start_with(config).await;
    let handle = t
        .client()
        .execute_workflow(&t.id("SEND_EMAIL"), json!({"to": "a@b.c", "subject": "hi"}))
        .await
        .unwrap();
    assert!(!handle.id().is_empty());
    let outcome = handle.wait(wait()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(
        outcome.run_id.as_ref().map(RunId::as_str),
        Some(handle.id())
    );
    let err = t
        .client()
        .execute_workflow("nope123", json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}

// ---- §4 following runs ----------------------------------------------------

async fn tracked_on_received_run_reaches_succeeded_with_output(t: &Target) {
    let client = t.client();
    let trigger = t
        .hook("TRACKED", ResponseMode::OnReceived)
        .track_execution_id("/executionId", client.clone())
        .build()
        .unwrap();
    let run = trigger
        .trigger(TriggerRequest::new(json!({"to": "ada@example.com"})))
        .await
        .unwrap();
    let id = run.run_id().expect("the answer carried the id").clone();
    let events: Vec<RunEvent> = run.events().try_collect().await.unwrap();
    match events.last() {
        Some(RunEvent::Finished(outcome)) => {
            assert_eq!(outcome.status, RunStatus::Succeeded);
            assert_eq!(
                outcome.output,
                json!([{"done": true, "to": "ada@example.com"}])
            );
            assert!(outcome.steps.iter().any(|s| s.id == "Done"));
        }
        other => panic!("expected Finished, got {other:?}"),
    }
    // Rebuilt from the id, as another process would.
    let resumed = trigger.resume(id.clone()).unwrap();
    let outcome = resumed.wait(wait()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.run_id, Some(id));
}

#[tokio::test]
async fn tracked_on_received() {
    tracked_on_received_run_reaches_succeeded_with_output(&start().await).await;
}

async fn correlated_on_received_run_is_found(t: &Target) {
    let trigger = t
        .hook("FIRE_FORGET", ResponseMode::OnReceived)
        .track_by_marker(t.id("FIRE_FORGET"), t.client())
        .build()
        .unwrap();
    let run = trigger
        .trigger(TriggerRequest::new(json!({"to": "ada@example.com"})))
        .await
        .unwrap();
    let outcome = run.wait(wait()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(
        outcome.output,
        json!([{"sent": true, "to": "ada@example.com"}])
    );
    assert!(run.run_id().is_some());
}

#[tokio::test]
async fn correlated_on_received() {
    correlated_on_received_run_is_found(&start().await).await;
}

async fn failed_execution_handle_reports_the_failure(t: &Target) {
    let client = t.client();
    let _ = t
        .hook("BROKEN", ResponseMode::LastNode)
        .build()
        .unwrap()
        .trigger(TriggerRequest::new(json!({})))
        .await;
    let failed = client
        .executions_page(
            &ExecutionFilter::default().workflow_id(t.id("BROKEN")),
            None,
        )
        .await
        .unwrap()
        .data
        .remove(0);
    let outcome = client
        .execution_handle(failed.id)
        .wait(wait())
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Failed);
    let failure = outcome.failure.clone().unwrap();
    assert_eq!(failure.message, "Something went wrong in the workflow");
    assert_eq!(failure.step.as_deref(), Some("Stop and Error"));
    assert!(matches!(
        outcome.into_result(),
        Err(Error::WorkflowFailed(_))
    ));
}

#[tokio::test]
async fn failed_execution_handle() {
    failed_execution_handle_reports_the_failure(&start().await).await;
}
