//! Shared setup of the n8n-face tests: the demo set plus workflows for every contract row.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use trigger_sdk_reference_server::config::{
    N8nAuth, N8nExposure, N8nResponseData, N8nResponseMode, Step, Workflow,
};
use trigger_sdk_reference_server::{Config, ReferenceServer, creds};

/// The JWT secret of the `jwt-hook` workflow.
pub const JWT_SECRET: &str = "jwt-test-secret";
/// The webhook id of the dynamic-path workflow.
pub const DYNAMIC_WEBHOOK_ID: &str = "0a1b2c3d-0010-4000-8000-000000000010";

fn exposure(path: &str, method: &str, mode: N8nResponseMode) -> N8nExposure {
    N8nExposure {
        path: path.to_owned(),
        method: method.to_owned(),
        response_mode: mode,
        ..N8nExposure::default()
    }
}

fn workflow(id: &str, steps: Vec<Step>, n8n: N8nExposure) -> Workflow {
    let mut wf = Workflow::new(id, id, steps);
    wf.n8n = Some(n8n);
    wf
}

fn echo() -> Vec<Step> {
    vec![Step::transform("echo", json!("{{input}}")).named("Echo")]
}

fn two_items() -> Vec<Step> {
    vec![Step::transform("two", json!([{"a": 1}, {"a": 2}])).named("Two items")]
}

/// The demo set plus one workflow per response mode / auth / body row.
pub fn config() -> Config {
    use N8nResponseMode::{LastNode, OnReceived, ResponseNode, Streaming};
    let mut c = trigger_sdk_reference_server::demo();
    let mut add = |wf| c.workflows.push(wf);
    add(workflow(
        "EchoItemTest0001",
        echo(),
        exposure("echo-item", "POST", LastNode),
    ));
    add(workflow(
        "EchoGetTest00001",
        echo(),
        exposure("search", "GET", LastNode),
    ));
    add(workflow(
        "FirstEntryTest01",
        two_items(),
        exposure("first-entry", "POST", LastNode),
    ));
    add(workflow(
        "AllEntriesTest01",
        two_items(),
        N8nExposure {
            response_data: N8nResponseData::AllEntries,
            ..exposure("all-entries", "POST", LastNode)
        },
    ));
    add(workflow(
        "NoDataTest000001",
        two_items(),
        N8nExposure {
            response_data: N8nResponseData::NoData,
            ..exposure("no-data", "POST", LastNode)
        },
    ));
    add(workflow(
        "EmptyItemsTest01",
        vec![Step::transform("drop", json!([])).named("Drop")],
        exposure("empty-items", "POST", LastNode),
    ));
    add(workflow(
        "CutOffTest000001",
        vec![
            Step::transform("drop", json!([])).named("Drop"),
            Step::transform("after", json!({"never": true})).named("After"),
        ],
        exposure("cut-off", "POST", LastNode),
    ));
    add(workflow(
        "RespondSkipTest1",
        vec![
            Step::transform("drop", json!([])).named("Drop"),
            Step::respond("respond", 200, json!({"reached": true})).named("Respond"),
        ],
        exposure("respond-skip", "POST", ResponseNode),
    ));
    add(workflow(
        "NoRespondTest001",
        vec![Step::transform("t", json!({"a": 1})).named("T")],
        exposure("no-respond", "POST", ResponseNode),
    ));
    add(workflow(
        "RespondFailTest1",
        vec![
            Step::fail("boom", "boom before respond").named("Boom"),
            Step::respond("respond", 200, json!({"reached": true})).named("Respond"),
        ],
        exposure("respond-fail", "POST", ResponseNode),
    ));
    add(workflow(
        "AcceptedTest0001",
        vec![],
        N8nExposure {
            response_code: 202,
            on_received_body: Some("queued".to_owned()),
            ..exposure("accepted", "POST", OnReceived)
        },
    ));
    add(workflow(
        "ExecIdTest000001",
        vec![
            Step::delay("wait", 50).named("Wait"),
            Step::transform("done", json!({"done": "{{input.body.n}}"})).named("Done"),
        ],
        N8nExposure {
            on_received_body: Some(r#"{"executionId":"{{execution.id}}"}"#.to_owned()),
            ..exposure("exec-id", "POST", OnReceived)
        },
    ));
    add(workflow(
        "SilentTest000001",
        vec![],
        N8nExposure {
            on_received_body: Some(String::new()),
            ..exposure("silent", "POST", OnReceived)
        },
    ));
    add(workflow(
        "FireFailTest0001",
        vec![Step::fail("boom", "boom after ack").named("Boom")],
        exposure("fire-and-fail", "POST", OnReceived),
    ));
    add(workflow(
        "DynamicTest00001",
        echo(),
        N8nExposure {
            webhook_id: DYNAMIC_WEBHOOK_ID.to_owned(),
            ..exposure("users/:userId", "GET", LastNode)
        },
    ));
    add(workflow(
        "JwtTest000000001",
        echo(),
        N8nExposure {
            auth: N8nAuth::Jwt {
                secret: JWT_SECRET.to_owned(),
            },
            ..exposure("jwt-hook", "POST", LastNode)
        },
    ));
    add(workflow(
        "StreamTest000001",
        vec![
            Step::transform("first", json!({"part": 1})).named("First"),
            Step::transform("second", json!("plain text")).named("Second"),
        ],
        exposure("stream", "POST", Streaming),
    ));
    add(workflow(
        "StreamFailTest01",
        vec![
            Step::transform("first", json!({"part": 1})).named("First"),
            Step::fail("boom", "stream broke").named("Boom"),
        ],
        exposure("stream-fail", "POST", Streaming),
    ));
    add(workflow(
        "SlowTest00000001",
        vec![
            Step::delay("wait", 60_000).named("Wait"),
            Step::transform("done", json!({"done": true})).named("Done"),
        ],
        exposure("slow", "POST", LastNode),
    ));
    for method in ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"] {
        add(workflow(
            &format!("Method{method}Test"),
            echo(),
            exposure(
                &format!("method-{}", method.to_ascii_lowercase()),
                method,
                LastNode,
            ),
        ));
    }
    add(workflow(
        "MultiGetTest0001",
        echo(),
        exposure("multi", "GET", LastNode),
    ));
    add(workflow(
        "MultiPutTest0001",
        echo(),
        exposure("multi", "PUT", LastNode),
    ));
    c
}

/// A server with [`config`].
pub async fn server() -> ReferenceServer {
    ReferenceServer::start(config())
        .await
        .expect("server starts")
}

thread_local! {
    static CLIENT: reqwest::Client = reqwest::Client::builder()
        .user_agent("n8n-face-tests/1.0")
        .build()
        .expect("client");
}

/// A plain client, one per test thread (building one per request is slow).
pub fn client() -> reqwest::Client {
    CLIENT.with(Clone::clone)
}

/// `GET {n8n}/api/v1/{path}` with the demo key; status and JSON body.
pub async fn api_get(s: &ReferenceServer, path: &str) -> (u16, Value) {
    let r = client()
        .get(format!("{}/api/v1/{path}", s.n8n_url()))
        .header("X-N8N-API-KEY", creds::N8N_API_KEY)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A request with the demo key; status and JSON body (`null` when empty / not JSON).
pub async fn api(
    s: &ReferenceServer,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut rb = client()
        .request(method, format!("{}/api/v1/{path}", s.n8n_url()))
        .header("X-N8N-API-KEY", creds::N8N_API_KEY);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Polls an execution until `done(status)` holds, with a deadline.
pub async fn wait_execution(s: &ReferenceServer, id: &str, done: impl Fn(&str) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, body) = api_get(s, &format!("executions/{id}")).await;
        assert_eq!(code, 200, "execution {id}: {body}");
        if done(body["status"].as_str().unwrap_or_default()) {
            return body;
        }
        assert!(Instant::now() < deadline, "execution {id} stuck: {body}");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// How many executions the API lists (all statuses, running ones included).
pub async fn execution_count(s: &ReferenceServer) -> usize {
    let (_, done) = api_get(s, "executions?limit=0").await;
    let (_, running) = api_get(s, "executions?limit=0&status=running").await;
    let (_, new) = api_get(s, "executions?limit=0&status=new").await;
    [done, running, new]
        .iter()
        .map(|b| b["data"].as_array().map_or(0, Vec::len))
        .sum()
}
