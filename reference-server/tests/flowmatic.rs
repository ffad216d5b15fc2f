//! The Flowmatic face against `sdk-flowmatic/docs/contract.md`, over loopback with plain reqwest.

mod support;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Served, answer, eventually, serving, sign};
use trigger_sdk_reference_server::config::{FlowmaticExposure, Step, Workflow};
use trigger_sdk_reference_server::{creds, demo};

type Fm = Served;

impl Fm {
    fn hook(&self, id: &str) -> String {
        format!("{}/api/webhooks/{id}", self.server.flowmatic_url())
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.server.flowmatic_url())
    }

    async fn signed_post(&self, body: &Value) -> reqwest::Response {
        let raw = serde_json::to_vec(body).unwrap();
        self.http
            .post(self.hook(creds::FLOWMATIC_WEBHOOK))
            .header("content-type", "application/json")
            .header("x-webhook-signature", sign(creds::FLOWMATIC_SECRET, &raw))
            .header("user-agent", "fm-test/1.0")
            .body(raw)
            .send()
            .await
            .unwrap()
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, self.api(path))
            .bearer_auth(creds::FLOWMATIC_TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        answer(req).await
    }

    async fn execution_done(&self, id: &str) -> Value {
        eventually("execution finishes", || async {
            let (_, e) = self
                .call(reqwest::Method::GET, &format!("/executions/{id}"), None)
                .await;
            let s = e["status"].as_str().unwrap_or_default().to_owned();
            (!["PENDING", "RUNNING"].contains(&s.as_str())).then_some(e)
        })
        .await
    }
}

fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
}

#[tokio::test]
async fn signed_post_is_acknowledged_and_runs() {
    let fm = Fm::demo().await;
    let r = fm
        .signed_post(&json!({"event": "order.created", "id": 7}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let ack: Value = r.json().await.unwrap();
    assert_eq!(ack["status"], "success");
    assert_eq!(ack["message"], "Webhook received and workflow triggered");
    assert_eq!(ack["webhookId"], creds::FLOWMATIC_WEBHOOK);
    assert_eq!(ack["workflowId"], creds::FLOWMATIC_WORKFLOW);
    assert_eq!(ack["executionStatus"], "RUNNING");
    let exec_id = ack["executionId"].as_str().unwrap();
    let exec = fm.execution_done(exec_id).await;
    assert_eq!(exec["status"], "SUCCESS");
    assert_eq!(
        exec["output"],
        json!({"processed": true, "event": "order.created"})
    );
    assert_eq!(exec["workflowId"], creds::FLOWMATIC_WORKFLOW);
    assert_eq!(exec["input"]["id"], 7);
    let ctx = &exec["input"]["_webhook"];
    assert_eq!(ctx["webhookId"], creds::FLOWMATIC_WEBHOOK);
    assert_eq!(ctx["triggerId"], "trg-abc-123");
    assert_eq!(ctx["headers"]["user-agent"], "fm-test/1.0");
    assert!(ctx["receivedAt"].as_str().unwrap().ends_with('Z'));
    assert!(exec["startedAt"].is_string() && exec["finishedAt"].is_string());
}

#[tokio::test]
async fn missing_or_wrong_signature_is_401() {
    let fm = Fm::demo().await;
    let body = br#"{"event":"x"}"#;
    let cases = [
        None,
        Some(sign("wrong-secret", body)),
        Some(sign(creds::FLOWMATIC_SECRET, br#"{"event":"y"}"#)),
        Some("sha256=nothex".to_owned()),
        Some(sign(creds::FLOWMATIC_SECRET, body).replace("sha256=", "")),
    ];
    for sig in cases {
        let mut req = fm
            .http
            .post(fm.hook(creds::FLOWMATIC_WEBHOOK))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(s) = &sig {
            req = req.header("x-webhook-signature", s);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{sig:?}");
        let got: Value = r.json().await.unwrap();
        assert_eq!(
            got,
            json!({"error": {"code": "INVALID_SIGNATURE", "message": "Invalid webhook signature"}})
        );
    }
    assert!(fm.server.engine().list_runs().is_empty());
}

#[tokio::test]
async fn get_webhook_signs_the_raw_query_and_uses_it_as_input() {
    let fm = Fm::demo().await;
    let query = "event=ping&tag=a&tag=b";
    let r = fm
        .http
        .get(format!("{}?{query}", fm.hook(creds::FLOWMATIC_WEBHOOK)))
        .header(
            "x-webhook-signature",
            sign(creds::FLOWMATIC_SECRET, query.as_bytes()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ack: Value = r.json().await.unwrap();
    let exec = fm
        .execution_done(ack["executionId"].as_str().unwrap())
        .await;
    assert_eq!(exec["output"]["event"], "ping");
    assert_eq!(exec["input"]["tag"], json!(["a", "b"]));
    assert_eq!(exec["input"]["_webhook"]["query"]["event"], "ping");
    let r = fm
        .http
        .get(format!("{}?{query}", fm.hook(creds::FLOWMATIC_WEBHOOK)))
        .header(
            "x-webhook-signature",
            sign(creds::FLOWMATIC_SECRET, b"event=ping"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sync_webhook_answers_the_response_node() {
    let fm = Fm::demo().await;
    let r = fm
        .http
        .post(fm.hook(creds::FLOWMATIC_SYNC_WEBHOOK))
        .json(&json!({"data": {"orderId": "ord_9"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"orderId": "ord_9", "status": "confirmed"})
    );
}

#[tokio::test]
async fn sync_webhook_past_the_cap_acknowledges_running() {
    let slow = Workflow::new(
        "wf-slow",
        "Slow",
        vec![
            Step::delay("wait", 300),
            Step::respond(
                "response",
                202,
                json!({"ua": "{{_webhook.headers.user-agent}}"}),
            ),
        ],
    )
    .on_flowmatic(FlowmaticExposure {
        webhook_id: "slow-hook".into(),
        ..FlowmaticExposure::default()
    });
    let mut config = serving([slow]);
    config.flowmatic.sync_timeout = Duration::from_millis(50);
    let fm = Fm::with(config).await;
    let r = fm
        .http
        .post(fm.hook("slow-hook"))
        .header("user-agent", "agent-x")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ack: Value = r.json().await.unwrap();
    assert_eq!(ack["executionStatus"], "RUNNING");
    let exec = fm
        .execution_done(ack["executionId"].as_str().unwrap())
        .await;
    assert_eq!(exec["status"], "SUCCESS");
    assert_eq!(exec["output"], json!({"ua": "agent-x"}));
}

#[tokio::test]
async fn webhook_errors_have_the_error_shape() {
    let mut config = demo();
    config.body_limit = 1024;
    let fm = Fm::with(config).await;
    let r = fm
        .http
        .post(fm.hook("nope"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_error(&r.json().await.unwrap(), "NOT_FOUND");

    let r = fm
        .http
        .post(fm.hook(creds::FLOWMATIC_INACTIVE_WEBHOOK))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_error(&r.json().await.unwrap(), "WORKFLOW_INACTIVE");

    let r = fm
        .http
        .post(fm.hook(creds::FLOWMATIC_SYNC_WEBHOOK))
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_error(&r.json().await.unwrap(), "VALIDATION_ERROR");

    let r = fm
        .http
        .post(fm.hook(creds::FLOWMATIC_SYNC_WEBHOOK))
        .json(&json!({"blob": "x".repeat(2000)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&r.json().await.unwrap(), "PAYLOAD_TOO_LARGE");

    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let r = fm
        .http
        .post(fm.hook(creds::FLOWMATIC_SYNC_WEBHOOK))
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(fm.server.engine().list_runs().is_empty());
}

#[tokio::test]
async fn rest_api_needs_the_bearer_token() {
    let fm = Fm::demo().await;
    for auth in [None, Some("Bearer wrong"), Some(creds::FLOWMATIC_TOKEN)] {
        let mut req = fm.http.get(fm.api("/workflows"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_error(&r.json().await.unwrap(), "UNAUTHORIZED");
    }
    let r = fm.http.get(fm.api("/nope")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_error(&r.json().await.unwrap(), "NOT_FOUND");
}

#[tokio::test]
async fn workflows_list_pages() {
    let fm = Fm::demo().await;
    let (status, all) = fm.call(reqwest::Method::GET, "/workflows", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        all["pagination"],
        json!({"page": 1, "limit": 20, "total": 4})
    );
    let wf = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == creds::FLOWMATIC_WORKFLOW)
        .unwrap();
    assert_eq!(wf["status"], "active");
    assert_eq!(wf["triggers"][0]["type"], "webhook");
    assert_eq!(wf["triggers"][0]["webhookId"], creds::FLOWMATIC_WEBHOOK);
    assert!(wf["createdAt"].is_string() && wf["updatedAt"].is_string());
    let (_, page2) = fm
        .call(reqwest::Method::GET, "/workflows?page=2&limit=2", None)
        .await;
    assert_eq!(page2["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        page2["pagination"],
        json!({"page": 2, "limit": 2, "total": 4})
    );
    for bad in ["limit=0", "limit=101", "page=0", "page=x"] {
        let (status, body) = fm
            .call(reqwest::Method::GET, &format!("/workflows?{bad}"), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_error(&body, "VALIDATION_ERROR");
    }
}

#[tokio::test]
async fn workflow_crud_and_its_webhook() {
    let fm = Fm::demo().await;
    let (status, created) = fm
        .call(
            reqwest::Method::POST,
            "/workflows",
            Some(json!({
                "name": "Greeter",
                "description": "says hi",
                "triggers": [{"type": "webhook", "webhookId": "greet"}],
                "steps": [{"id": "r", "type": "respond", "config": {"status": 200, "body": {"hi": "{{input.name}}"}}}]
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["name"], "Greeter");
    assert_eq!(created["status"], "active");
    assert_eq!(created["triggers"][0]["webhookId"], "greet");
    let r = fm
        .http
        .post(fm.hook("greet"))
        .json(&json!({"name": "Bo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"hi": "Bo"}));

    let (status, updated) = fm
        .call(
            reqwest::Method::PUT,
            &format!("/workflows/{id}"),
            Some(json!({"name": "Greeter 2", "status": "inactive"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["name"], "Greeter 2");
    assert_eq!(updated["status"], "inactive");
    let (_, got) = fm
        .call(reqwest::Method::GET, &format!("/workflows/{id}"), None)
        .await;
    assert_eq!(got["description"], "says hi");

    let (status, body) = fm
        .call(
            reqwest::Method::POST,
            "/workflows",
            Some(json!({"description": "no name"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "VALIDATION_ERROR");
    let (status, _) = fm
        .call(
            reqwest::Method::POST,
            "/workflows",
            Some(json!({"name": "dup", "triggers": [{"webhookId": creds::FLOWMATIC_WEBHOOK}]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, _) = fm
        .call(reqwest::Method::DELETE, &format!("/workflows/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let (status, body) = fm.call(method, &format!("/workflows/{id}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_error(&body, "NOT_FOUND");
    }
    let (status, _) = fm
        .call(
            reqwest::Method::PUT,
            "/workflows/wf-nope",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn execute_and_list_executions() {
    let fm = Fm::demo().await;
    let (status, started) = fm
        .call(
            reqwest::Method::POST,
            &format!("/workflows/{}/execute", creds::FLOWMATIC_WORKFLOW),
            Some(json!({"input": {"event": "manual"}})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(started["workflowId"], creds::FLOWMATIC_WORKFLOW);
    assert_eq!(started["status"], "RUNNING");
    let id = started["executionId"].as_str().unwrap().to_owned();
    let exec = fm.execution_done(&id).await;
    assert_eq!(
        exec["output"],
        json!({"processed": true, "event": "manual"})
    );

    let (status, body) = fm
        .call(
            reqwest::Method::POST,
            &format!("/workflows/{}/execute", creds::FLOWMATIC_INACTIVE_WORKFLOW),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "WORKFLOW_INACTIVE");
    let (status, _) = fm
        .call(
            reqwest::Method::POST,
            "/workflows/wf-nope/execute",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = fm
        .call(
            reqwest::Method::POST,
            &format!("/workflows/{}/execute", creds::FLOWMATIC_WORKFLOW),
            Some(json!({"input": [1]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (_, list) = fm
        .call(
            reqwest::Method::GET,
            &format!(
                "/executions?workflowId={}&status=SUCCESS",
                creds::FLOWMATIC_WORKFLOW
            ),
            None,
        )
        .await;
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(list["data"][0]["id"], id);
    let (_, none) = fm
        .call(reqwest::Method::GET, "/executions?status=FAILED", None)
        .await;
    assert_eq!(none["pagination"]["total"], 0);
    let (status, _) = fm
        .call(reqwest::Method::GET, "/executions?status=bogus", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = fm
        .call(reqwest::Method::GET, "/executions/exec-nope", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "NOT_FOUND");
}

#[tokio::test]
async fn connectors_are_listed() {
    let fm = Fm::demo().await;
    let (status, body) = fm.call(reqwest::Method::GET, "/connectors", None).await;
    assert_eq!(status, StatusCode::OK);
    let slack = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "slack")
        .unwrap();
    assert_eq!(slack["category"], "communication");
    assert!(
        slack["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("send_message"))
    );
}

#[tokio::test]
async fn rest_api_rate_limit_is_429_with_retry_after() {
    let mut config = demo();
    config.flowmatic.requests_per_minute = 2;
    let fm = Fm::with(config).await;
    for _ in 0..2 {
        assert_eq!(
            fm.call(reqwest::Method::GET, "/connectors", None).await.0,
            StatusCode::OK
        );
    }
    let r = fm
        .http
        .get(fm.api("/connectors"))
        .bearer_auth(creds::FLOWMATIC_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_error(&r.json().await.unwrap(), "RATE_LIMITED");
}
