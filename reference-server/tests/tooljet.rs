//! The ToolJet face against `sdk-tooljet/docs/contract.md`, over loopback with plain reqwest.

mod support;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Served, answer, eventually, serving, tooljet};
use trigger_sdk_reference_server::config::{Step, ToolJetExposure, ToolJetParam, Workflow};
use trigger_sdk_reference_server::{creds, demo};

type Tj = Served;

const TOKEN: &str = creds::TOOLJET_TOKEN;

impl Tj {
    fn url(&self, path: &str) -> String {
        format!(
            "{}/api/v2/webhooks/workflows/{path}",
            self.server.tooljet_url()
        )
    }

    async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        answer(req).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        answer(self.http.get(self.url(path)).bearer_auth(TOKEN)).await
    }

    async fn start_async(&self, body: &Value) -> String {
        let (status, started) = self
            .post(
                &format!(
                    "{}/trigger-async?environment=development",
                    creds::TOOLJET_WORKFLOW
                ),
                Some(TOKEN),
                body,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{started}");
        started["workflow_execution_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The stream of an execution of the demo workflow, without a token.
    fn stream_of(&self, execution: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(&format!(
            "{}/execution/{execution}/stream",
            creds::TOOLJET_WORKFLOW
        )))
    }

    /// Reads one SSE connection to its end: (id, data) frames.
    async fn read_stream(
        &self,
        execution: &str,
        last_event_id: Option<u64>,
    ) -> Vec<(Option<u64>, Value)> {
        let mut req = self.stream_of(execution).bearer_auth(TOKEN);
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id.to_string());
        }
        let r = tokio::time::timeout(Duration::from_secs(15), req.send())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        let text = tokio::time::timeout(Duration::from_secs(15), r.text())
            .await
            .unwrap()
            .unwrap();
        parse_sse(&text)
    }
}

fn parse_sse(text: &str) -> Vec<(Option<u64>, Value)> {
    text.split("\n\n")
        .filter(|f| !f.trim().is_empty())
        .map(|frame| {
            let mut id = None;
            let mut data = Value::Null;
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = Some(v.parse().unwrap());
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = serde_json::from_str(v).unwrap();
                }
            }
            (id, data)
        })
        .collect()
}

fn types(frames: &[(Option<u64>, Value)]) -> Vec<String> {
    frames
        .iter()
        .map(|(_, d)| d["type"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_error(body: &Value, status: u16, message: &str) {
    assert_eq!(body["statusCode"], status, "{body}");
    assert_eq!(body["message"], message, "{body}");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(
        body["path"]
            .as_str()
            .unwrap()
            .starts_with("/tooljet/api/v2/webhooks/workflows/")
    );
}

fn welcome() -> Value {
    json!({"name": "Ann", "emp_id": 7})
}

fn trigger(env: &str) -> String {
    format!("{}/trigger?environment={env}", creds::TOOLJET_WORKFLOW)
}

#[tokio::test]
async fn sync_trigger_answers_the_response_node() {
    let tj = Tj::demo().await;
    for env in ["development", "staging", "production"] {
        let (status, body) = tj.post(&trigger(env), Some(TOKEN), &welcome()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({"message": "Welcome Ann", "emp_id": 7}));
    }
    let (status, _) = tj
        .post(
            &format!("{}&version=v2", trigger("staging")),
            Some(TOKEN),
            &welcome(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn string_response_is_raw_text_and_status_is_the_nodes() {
    let config = serving([Workflow::new(
        "00000000-0000-4000-8000-000000000001",
        "Text",
        vec![Step::respond("r", 202, json!("hello {{input.name}}"))],
    )
    .on_tooljet(tooljet("tok"))]);
    let tj = Tj::with(config).await;
    let r = tj
        .http
        .post(tj.url("00000000-0000-4000-8000-000000000001/trigger?environment=development"))
        .bearer_auth("tok")
        .json(&json!({"name": "Bo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(r.text().await.unwrap(), "hello Bo");
}

#[tokio::test]
async fn async_trigger_then_status_until_completed() {
    let tj = Tj::demo().await;
    let (status, started) = tj
        .post(
            &format!(
                "{}/trigger-async?environment=development",
                creds::TOOLJET_WORKFLOW
            ),
            Some(TOKEN),
            &json!({"name": "Cy", "emp_id": 9, "extra": [1]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = started["workflow_execution_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36, "a uuid");
    assert!(started["timestamp"].as_str().unwrap().ends_with('Z'));
    let done = eventually("status completed", || async {
        let (_, s) = tj
            .get(&format!("{}/status/{id}", creds::TOOLJET_WORKFLOW))
            .await;
        (s["status"] == true).then_some(s)
    })
    .await;
    assert_eq!(done["execution_status"], "completed");
    assert_eq!(
        done["result"],
        json!({"message": "Welcome Cy", "emp_id": 9})
    );
    let nodes = done["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[1]["idOnDefinition"], "response");
    assert_eq!(nodes[1]["executed"], true);
    assert_eq!(nodes[1]["result"]["status"], "ok");
    assert!(!done["logs"].as_array().unwrap().is_empty());
    let run = tj.server.engine().snapshot(&id).unwrap();
    assert_eq!(run.input["extra"], json!([1]), "extra keys pass through");
}

#[tokio::test]
async fn status_of_unknown_execution_is_404() {
    let tj = Tj::demo().await;
    let (status, body) = tj
        .get(&format!("{}/status/nope", creds::TOOLJET_WORKFLOW))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, 404, "Execution not found");
    let (status, body) = tj
        .get(&format!("{}/status/nope", creds::TOOLJET_DISABLED_WORKFLOW))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, 404, "Execution not found");
    let r = tj
        .http
        .get(tj.url(&format!("{}/status/nope", creds::TOOLJET_WORKFLOW)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn error_rows_and_their_messages() {
    let tj = Tj::demo().await;
    let wf = creds::TOOLJET_WORKFLOW;
    let cases: Vec<(String, Option<&str>, Value, StatusCode, String)> = vec![
        (
            "2f6c3e8a-0000-0000-0000-000000000000/trigger?environment=development".into(),
            Some(TOKEN),
            welcome(),
            StatusCode::NOT_FOUND,
            "Workflow doesn't exists".into(),
        ),
        (
            trigger("development"),
            None,
            welcome(),
            StatusCode::UNAUTHORIZED,
            "Invalid authentication token".into(),
        ),
        (
            trigger("development"),
            Some("wrong"),
            welcome(),
            StatusCode::UNAUTHORIZED,
            "Invalid authentication token".into(),
        ),
        (
            format!(
                "{}/trigger?environment=development",
                creds::TOOLJET_DISABLED_WORKFLOW
            ),
            Some(TOKEN),
            welcome(),
            StatusCode::FORBIDDEN,
            "Webhook endpoint disabled or doesn't exists".into(),
        ),
        (
            format!("{wf}/trigger"),
            Some(TOKEN),
            welcome(),
            StatusCode::NOT_FOUND,
            "Invalid environment".into(),
        ),
        (
            trigger("qa"),
            Some(TOKEN),
            welcome(),
            StatusCode::NOT_FOUND,
            "Invalid environment".into(),
        ),
        (
            format!("{}&version=v9", trigger("development")),
            Some(TOKEN),
            welcome(),
            StatusCode::NOT_FOUND,
            "Version \"v9\" not found for workflow \"Employee Welcome\"".into(),
        ),
        (
            trigger("development"),
            Some(TOKEN),
            json!({"name": "Ann"}),
            StatusCode::BAD_REQUEST,
            "Parameter \"emp_id\" is required".into(),
        ),
        (
            trigger("development"),
            Some(TOKEN),
            json!({"name": "Ann", "emp_id": "7"}),
            StatusCode::BAD_REQUEST,
            "Parameter \"emp_id\" has an incorrect datatype".into(),
        ),
    ];
    for (path, token, body, status, message) in cases {
        let (got, answer) = tj.post(&path, token, &body).await;
        assert_eq!(got, status, "{path}: {answer}");
        assert_error(&answer, status.as_u16(), &message);
        assert_eq!(
            answer["path"],
            format!("/tooljet/api/v2/webhooks/workflows/{path}"),
            "path includes the query"
        );
    }
    // The scheme must be exactly `Bearer `.
    let r = tj
        .http
        .post(tj.url(&trigger("development")))
        .header("authorization", format!("bearer {TOKEN}"))
        .json(&welcome())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        tj.server.engine().list_runs().is_empty(),
        "no error starts a run"
    );
}

#[tokio::test]
async fn checks_run_in_the_contract_order() {
    let mut config = demo();
    let mut off = Workflow::new(
        "2f6c3e8a-1d4b-4c5e-9f7a-0b1c2d3e4f59",
        "Off",
        vec![Step::transform("t", json!({}))],
    );
    off.tooljet = Some(ToolJetExposure {
        token: TOKEN.into(),
        enabled: false,
        webhook_enabled: false,
        params: vec![ToolJetParam {
            key: "x".into(),
            data_type: "string".into(),
        }],
        ..ToolJetExposure::default()
    });
    config.workflows.push(off);
    let tj = Tj::with(config).await;
    let off = "2f6c3e8a-1d4b-4c5e-9f7a-0b1c2d3e4f59";
    let version = |query: &str| format!("{}/trigger?{query}&version=v9", creds::TOOLJET_WORKFLOW);
    #[rustfmt::skip]
    let rows: Vec<(&str, String, Option<&str>, StatusCode, &str)> = vec![
        ("lookup before token", "2f6c3e8a-0000-0000-0000-000000000009/trigger".into(), None,
            StatusCode::NOT_FOUND, "Workflow doesn't exists"),
        ("token before the enabled flags", format!("{off}/trigger?environment=x"), Some("bad"),
            StatusCode::UNAUTHORIZED, "Invalid authentication token"),
        ("workflow disabled before webhook disabled, environment and params",
            format!("{off}/trigger?environment=x"), Some(TOKEN),
            StatusCode::FORBIDDEN, "Workflow is disabled or does not exist"),
        ("environment before version", version("environment=x"), Some(TOKEN),
            StatusCode::NOT_FOUND, "Invalid environment"),
        ("version before parameters", version("environment=staging"), Some(TOKEN),
            StatusCode::NOT_FOUND, "Version \"v9\" not found for workflow \"Employee Welcome\""),
    ];
    for (what, path, token, status, message) in rows {
        let (got, body) = tj.post(&path, token, &json!({})).await;
        assert_eq!(got, status, "{what}: {body}");
        assert_eq!(body["message"], message, "{what}");
    }
}

#[tokio::test]
async fn throttling_is_per_route_with_retry_after() {
    let mut config = demo();
    config.tooljet.throttle_limit = 2;
    let tj = Tj::with(config).await;
    for _ in 0..2 {
        let (s, _) = tj
            .post(&trigger("development"), Some("bad"), &welcome())
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let r = tj
        .http
        .post(tj.url(&trigger("development")))
        .bearer_auth(TOKEN)
        .json(&welcome())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_error(
        &r.json().await.unwrap(),
        429,
        "ThrottlerException: Too Many Requests",
    );
    // Another route has its own budget.
    tj.start_async(&welcome()).await;
}

/// ToolJet throttles every webhook route, status polls included: at the
/// default 100 per 60 s, 105 polls in a row get 5 refusals. The budget is the
/// route's, shared by every execution; the stream route has its own.
#[tokio::test]
async fn status_polls_and_streams_are_throttled_per_route() {
    let tj = Tj::demo().await;
    assert_eq!(tj.server.config().tooljet.throttle_limit, 100);
    let first = tj.start_async(&welcome()).await;
    let second = tj.start_async(&welcome()).await;
    let status = |execution: &str| format!("{}/status/{execution}", creds::TOOLJET_WORKFLOW);
    let mut refused = Vec::new();
    for n in 0..105 {
        let execution = if n % 2 == 0 { &first } else { &second };
        let r = tj
            .http
            .get(tj.url(&status(execution)))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry));
            let body: Value = r.json().await.unwrap();
            assert_error(&body, 429, "ThrottlerException: Too Many Requests");
            assert_eq!(
                body["path"],
                format!("/tooljet/api/v2/webhooks/workflows/{}", status(execution))
            );
            refused.push(n);
        } else {
            assert_eq!(r.status(), StatusCode::OK, "poll {n}");
        }
    }
    assert_eq!(refused, (100..105).collect::<Vec<_>>());
    // The throttle answers before the workflow lookup and the token check.
    let (code, _) = tj.get("no-such-workflow/status/x").await;
    assert_eq!(code, StatusCode::TOO_MANY_REQUESTS);
    // The stream route counts on its own, and is throttled too.
    tj.read_stream(&first, None).await;
    let mut config = demo();
    config.tooljet.throttle_limit = 1;
    let tight = Tj::with(config).await;
    let execution = tight.start_async(&welcome()).await;
    tight.read_stream(&execution, None).await;
    let (status, _) = answer(tight.stream_of(&execution).bearer_auth(TOKEN)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn body_over_the_limit_is_plain_413() {
    let mut config = demo();
    config.body_limit = 512;
    let tj = Tj::with(config).await;
    let r = tj
        .http
        .post(tj.url(&trigger("development")))
        .bearer_auth(TOKEN)
        .json(&json!({"name": "x".repeat(2048), "emp_id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let text = r.text().await.unwrap();
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "plain text: {text}"
    );
    // The body is parsed before the token guard (and the workflow lookup) runs.
    let big = json!({"name": "x".repeat(2048), "emp_id": 1});
    for (path, token) in [
        (trigger("development"), None),
        (trigger("development"), Some("wrong")),
        (
            "2f6c3e8a-0000-0000-0000-000000000000/trigger?environment=development".to_owned(),
            Some(TOKEN),
        ),
    ] {
        let (status, _) = tj.post(&path, token, &big).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path} {token:?}");
    }
    let r = tj
        .http
        .post(tj.url(&trigger("development")))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{bad")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

/// A server with one ToolJet workflow of `step` (token `tok`) and the
/// `workflow_timeout`, and the answer of one sync trigger of it.
async fn sync_trigger_of(step: Step, workflow_timeout: Duration) -> (Tj, StatusCode, Value) {
    let id = "00000000-0000-4000-8000-0000000000ff";
    let mut config =
        serving([Workflow::new(id, "One step", vec![step]).on_tooljet(tooljet("tok"))]);
    config.tooljet.workflow_timeout = workflow_timeout;
    let tj = Tj::with(config).await;
    let path = format!("{id}/trigger?environment=production");
    let (status, body) = tj.post(&path, Some("tok"), &json!({})).await;
    (tj, status, body)
}

#[tokio::test]
async fn failing_sync_run_is_500_with_the_first_error() {
    let step = Step::fail("boom", "database unreachable");
    let (_, status, body) = sync_trigger_of(step, Duration::from_secs(60)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_error(
        &body,
        500,
        "Workflow execution failed: database unreachable",
    );
}

#[tokio::test]
async fn stream_sends_numbered_events_and_closes_after_the_terminal_one() {
    let tj = Tj::demo().await;
    let id = tj.start_async(&welcome()).await;
    let frames = tj.read_stream(&id, None).await;
    assert_eq!(
        types(&frames),
        [
            "workflow_connection_initialized",
            "workflow_execution_triggered",
            "workflow_execution_running",
            "workflow_execution_completed",
            "workflow_connection_close"
        ]
    );
    assert_eq!(frames[1].0, Some(1), "ids start at 1");
    let ids: Vec<u64> = frames.iter().filter_map(|(i, _)| *i).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let completed = &frames[3].1;
    assert_eq!(completed["executionId"], id);
    assert_eq!(
        completed["result"],
        json!({"message": "Welcome Ann", "emp_id": 7})
    );

    // Reopened with Last-Event-ID: only what came after.
    let after_first = tj.read_stream(&id, Some(1)).await;
    assert_eq!(
        types(&after_first),
        [
            "workflow_connection_initialized",
            "workflow_execution_running",
            "workflow_execution_completed",
            "workflow_connection_close"
        ]
    );
}

#[tokio::test]
async fn dropped_streams_resume_with_last_event_id() {
    let mut config = demo();
    config.tooljet.stream_drop_after = Some(1);
    let tj = Tj::with(config).await;
    let id = tj.start_async(&welcome()).await;
    let mut last = None;
    let mut seen = Vec::new();
    let mut connections = 0;
    loop {
        connections += 1;
        assert!(connections < 20, "too many reconnects");
        let frames = tj.read_stream(&id, last).await;
        let numbered: Vec<_> = frames.iter().filter(|(i, _)| i.is_some()).collect();
        assert!(numbered.len() <= 1, "closed after one event");
        for (i, d) in &numbered {
            last = *i;
            seen.push(d["type"].as_str().unwrap().to_owned());
        }
        if types(&frames)
            .iter()
            .any(|t| t == "workflow_connection_close")
        {
            break;
        }
    }
    assert_eq!(
        seen,
        [
            "workflow_execution_triggered",
            "workflow_execution_running",
            "workflow_execution_completed"
        ]
    );
    assert_eq!(connections, 3);
}

#[tokio::test]
async fn stream_errors_use_the_error_shape() {
    let tj = Tj::demo().await;
    let (status, body) = answer(tj.stream_of("nope").bearer_auth(TOKEN)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, 404, "Execution not found");
    let id = tj.start_async(&welcome()).await;
    let (status, _) = answer(tj.stream_of(&id)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let r = tj.http.get(tj.url("x/unknown-route")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.json::<Value>().await.unwrap()["statusCode"], 404);
}

#[tokio::test]
async fn fifty_async_runs_complete() {
    let tj = Tj::demo().await;
    let ids = futures::future::join_all((0..50).map(|i| {
        let tj = &tj;
        async move {
            (
                i,
                tj.start_async(&json!({"name": format!("E{i}"), "emp_id": i}))
                    .await,
            )
        }
    }))
    .await;
    for (i, id) in ids {
        let done = tj.server.engine();
        let snap = eventually("run ends", || async {
            done.snapshot(&id).filter(|s| s.status.is_terminal())
        })
        .await;
        assert_eq!(
            snap.response.unwrap().body,
            json!({"message": format!("Welcome E{i}"), "emp_id": i})
        );
    }
}

#[tokio::test]
async fn sync_trigger_past_the_workflow_timeout_is_500_and_status_failed() {
    let step = Step::delay("wait", 60_000);
    let (tj, status, body) = sync_trigger_of(step, Duration::from_millis(50)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Workflow execution failed: Workflow execution timed out")
    );
    let runs = tj.server.engine().list_runs();
    assert_eq!(
        runs[0].status,
        trigger_sdk_reference_server::engine::RunStatus::TimedOut
    );
}

#[tokio::test]
async fn failed_async_run_streams_an_error_event_and_status_failed() {
    let id = "00000000-0000-4000-8000-0000000000bb";
    let config = serving([
        Workflow::new(id, "Fails", vec![Step::fail("boom", "exploded")]).on_tooljet(tooljet(TOKEN)),
    ]);
    let tj = Tj::with(config).await;
    let (_, started) = tj
        .post(
            &format!("{id}/trigger-async?environment=development"),
            Some(TOKEN),
            &json!({}),
        )
        .await;
    let exec = started["workflow_execution_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = tj
        .http
        .get(tj.url(&format!("{id}/execution/{exec}/stream")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let frames = parse_sse(&r.text().await.unwrap());
    let error = frames
        .iter()
        .find(|(_, d)| d["type"] == "workflow_execution_error")
        .unwrap();
    assert_eq!(error.1["error"], "exploded");
    assert_eq!(types(&frames).last().unwrap(), "workflow_connection_close");
    let (_, status) = tj.get(&format!("{id}/status/{exec}")).await;
    assert_eq!(status["status"], true);
    assert_eq!(status["execution_status"], "failed");
    assert_eq!(status["result"], Value::Null);
    assert_eq!(status["nodes"][0]["result"]["status"], "failed");
}
