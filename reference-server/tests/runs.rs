//! The runs face against `sdk-runs/docs/contract.md`, over loopback with plain reqwest.

mod support;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Served, answer, eventually, serving};
use trigger_sdk_reference_server::config::{RunsExposure, Step, Workflow};
use trigger_sdk_reference_server::{creds, demo};

type Api = Served;

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.server.runs_url())
    }

    async fn post(&self, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        answer(
            self.http
                .post(self.url(path))
                .header("x-api-key", key)
                .json(&body),
        )
        .await
    }

    async fn get(&self, path: &str, key: &str) -> (StatusCode, Value) {
        answer(self.http.get(self.url(path)).header("x-api-key", key)).await
    }

    /// `POST /workflows/{workflow}/run`.
    async fn start(&self, workflow: &str, key: &str, body: Value) -> (StatusCode, Value) {
        self.post(&format!("/workflows/{workflow}/run"), key, body)
            .await
    }

    /// `POST /runs/{run}/{action}` (`cancel`, `retry`).
    async fn act(&self, run: &str, action: &str, key: &str) -> (StatusCode, Value) {
        self.post(&format!("/runs/{run}/{action}"), key, json!({}))
            .await
    }

    /// Starts a run with the demo key; its id.
    async fn run(&self, workflow: &str, body: Value) -> String {
        let (status, body) = self.start(workflow, creds::RUNS_API_KEY, body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["data"]["runId"].as_str().unwrap().to_owned()
    }

    async fn finished(&self, run_id: &str) -> Value {
        eventually("run reaches a terminal status", || async {
            let (_, body) = self
                .get(&format!("/runs/{run_id}"), creds::RUNS_API_KEY)
                .await;
            let status = body["data"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            ["completed", "failed", "cancelled", "timed_out"]
                .contains(&status.as_str())
                .then_some(body["data"].clone())
        })
        .await
    }
}

/// The docs' order (the issue's two items), with a `customerEmail` for the
/// "Send Confirmation" step.
fn order() -> Value {
    json!({"input": {
        "customerId": "cus_ann",
        "customerEmail": "ann@example.com",
        "items": [
            {"productId": "p1", "quantity": 2, "price": 1999},
            {"productId": "p2", "quantity": 1, "price": 500}
        ]
    }})
}

fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
}

/// Checks that an answer is the error `code` with `status`; its body.
fn assert_refused((got, body): (StatusCode, Value), status: StatusCode, code: &str) -> Value {
    assert_eq!(got, status, "{body}");
    assert_error(&body, code);
    body
}

#[tokio::test]
async fn run_answers_201_with_the_run_id_and_version() {
    let api = Api::demo().await;
    let (status, body) = api
        .start(creds::RUNS_CUSTOMER_ORDER, creds::RUNS_API_KEY, order())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["success"], true);
    let data = &body["data"];
    assert!(data["runId"].as_str().unwrap().starts_with("run_"));
    assert_eq!(data["status"], "pending");
    assert_eq!(data["workflowId"], creds::RUNS_CUSTOMER_ORDER);
    assert_eq!(data["workflowVersion"], 3);
}

#[tokio::test]
async fn customer_order_computes_subtotal_tax_and_total() {
    let api = Api::demo().await;
    let id = api.run(creds::RUNS_CUSTOMER_ORDER, order()).await;
    let run = api.finished(&id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["id"], id);
    assert_eq!(run["workflowVersion"], 3);
    assert_eq!(run["triggerType"], "api");
    assert!(run["durationMs"].as_u64().is_some());
    assert!(
        run["completedAt"].is_string()
            && run["startedAt"].is_string()
            && run["createdAt"].is_string()
    );
    let steps = run["steps"].as_array().unwrap();
    let ids: Vec<&str> = steps.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["calculate-total", "create-invoice", "send-confirmation"]
    );
    let types: Vec<&str> = steps.iter().map(|s| s["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["transform", "action", "email"]);
    assert!(
        steps
            .iter()
            .all(|s| s["status"] == "completed" && s["attempt"] == 1)
    );
    assert_eq!(
        steps[0]["output"],
        json!({"subtotal": 4498, "tax": 359.84, "total": 4857.84})
    );
    let invoice = &steps[1];
    assert_eq!(invoice["name"], "Create Invoice");
    assert_eq!(
        invoice["input"],
        json!({"customerId": "cus_ann", "amount": 4857.84, "metadata": {"source": "api-order"}})
    );
    let number = invoice["output"]["number"].as_str().unwrap();
    assert!(
        invoice["output"]["id"]
            .as_str()
            .unwrap()
            .starts_with("inv_")
    );
    // The run's output is the last step's: the confirmation that was sent.
    let out = &run["output"];
    assert_eq!(out["status"], "sent");
    assert_eq!(out["to"], "ann@example.com");
    assert_eq!(
        out["subject"],
        format!("Order Confirmed - Invoice #{number}")
    );
    let calls = api.server.engine().action_calls();
    let stripe = calls.iter().find(|c| c.connector == "stripe").unwrap();
    assert_eq!(stripe.action, "createInvoice");
    assert_eq!(stripe.params["amount"], json!(4857.84));
    let email = calls.iter().find(|c| c.connector == "email").unwrap();
    assert_eq!(email.action, "send");
    assert_eq!(email.params["to"], "ann@example.com");
    assert_eq!(
        email.params["body"]["html"],
        "<p>Thank you for your order!</p><p>Total: $4857.84</p>"
    );
}

#[tokio::test]
async fn refusals_and_their_codes() {
    use reqwest::Method;
    let api = Api::demo().await;
    let run = |wf: &str| format!("/workflows/{wf}/run");
    let key = Some(creds::RUNS_API_KEY);
    /// What is refused, the request (with `order()` as the body of a POST),
    /// then the status, code and message of the answer.
    type Row<'a> = (
        &'a str,
        Method,
        String,
        Option<&'a str>,
        StatusCode,
        &'a str,
        &'a str,
    );
    #[rustfmt::skip]
    let rows: Vec<Row> = vec![
        ("no key", Method::GET, "/runs".into(), None,
            StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Missing API key"),
        ("an unknown key", Method::GET, "/runs".into(), Some("wfk_nope"),
            StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Invalid API key"),
        ("a key without the scope", Method::POST, run(creds::RUNS_CUSTOMER_ORDER), Some(creds::RUNS_READ_KEY),
            StatusCode::FORBIDDEN, "FORBIDDEN", "API key lacks the required scope: workflows:execute"),
        ("an unknown workflow", Method::POST, run("wf_nope"), key,
            StatusCode::NOT_FOUND, "NOT_FOUND", "Workflow not found"),
        ("an unknown run", Method::GET, "/runs/run_nope".into(), key,
            StatusCode::NOT_FOUND, "NOT_FOUND", "Run not found"),
        ("cancelling an unknown run", Method::POST, "/runs/run_nope/cancel".into(), key,
            StatusCode::NOT_FOUND, "NOT_FOUND", "Run not found"),
        ("retrying an unknown run", Method::POST, "/runs/run_nope/retry".into(), key,
            StatusCode::NOT_FOUND, "NOT_FOUND", "Run not found"),
        ("an unknown route", Method::GET, "/nope".into(), key,
            StatusCode::NOT_FOUND, "NOT_FOUND", "Route not found"),
        ("a draft workflow", Method::POST, run(creds::RUNS_DRAFT), key,
            StatusCode::BAD_REQUEST, "INVALID_STATUS", "Workflow must be active to run. Current status: draft"),
    ];
    for (what, method, path, key, status, code, message) in rows {
        let mut req = api.http.request(method.clone(), api.url(&path));
        if method == Method::POST {
            req = req.json(&order());
        }
        if let Some(k) = key {
            req = req.header("x-api-key", k);
        }
        let (got, body) = answer(req).await;
        assert_eq!(got, status, "{what}: {body}");
        assert_error(&body, code);
        assert_eq!(body["error"]["message"], message, "{what}");
    }
}

#[tokio::test]
async fn bearer_keys_and_read_scopes_are_accepted() {
    let api = Api::demo().await;
    let (status, _) = answer(
        api.http
            .get(api.url("/runs"))
            .bearer_auth(creds::RUNS_API_KEY),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "Bearer is accepted too");
    let (status, _) = api.get("/runs", creds::RUNS_READ_KEY).await;
    assert_eq!(status, StatusCode::OK, "runs:read reads runs");
}

#[tokio::test]
async fn schema_failures_list_details_and_create_no_run() {
    let api = Api::demo().await;
    let body = assert_refused(
        api.start(
            creds::RUNS_CREATE_INVOICE,
            creds::RUNS_API_KEY,
            json!({"input": {"amount": 50, "currency": "yen"}}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    );
    assert_eq!(body["error"]["message"], "Input validation failed");
    let details = body["error"]["details"].as_array().unwrap();
    assert!(details.contains(&json!({"path": ["customerId"], "message": "Required"})));
    assert!(details.iter().any(|d| d["path"] == json!(["amount"])));
    assert!(details.iter().any(|d| d["path"] == json!(["currency"])));
    let (status, body) = api
        .start(
            creds::RUNS_CREATE_INVOICE,
            creds::RUNS_API_KEY,
            json!({"input": {"customerId": "bad id", "amount": 150}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["details"][0]["path"], json!(["customerId"]));
    assert!(api.server.engine().list_runs().is_empty());
}

#[tokio::test]
async fn schema_defaults_are_applied_to_the_input() {
    let api = Api::demo().await;
    let id = api
        .run(
            creds::RUNS_CREATE_INVOICE,
            json!({"input": {"customerId": "cus_42", "amount": 250}}),
        )
        .await;
    let run = api.finished(&id).await;
    assert_eq!(run["status"], "completed");
    assert_eq!(run["input"]["currency"], "usd");
    assert_eq!(run["output"]["currency"], "usd");
    assert_eq!(run["output"]["amount"], 250);
}

#[tokio::test]
async fn malformed_json_and_wrong_shapes_are_validation_errors() {
    let api = Api::demo().await;
    let url = api.url(&format!("/workflows/{}/run", creds::RUNS_CUSTOMER_ORDER));
    let send = |body: &'static str, ct: &'static str| {
        api.http
            .post(&url)
            .header("x-api-key", creds::RUNS_API_KEY)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    for (body, ct) in [
        ("{not json", "application/json"),
        ("[1,2]", "application/json"),
        (r#"{"input": 5}"#, "application/json"),
        ("input=1", "application/x-www-form-urlencoded"),
        (r#"{"idempotencyKey": 7}"#, "application/json"),
    ] {
        let r = send(body, ct).await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_error(&r.json().await.unwrap(), "VALIDATION_ERROR");
    }
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let r = api
        .http
        .post(&url)
        .header("x-api-key", creds::RUNS_API_KEY)
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_error(&r.json().await.unwrap(), "VALIDATION_ERROR");
    // JSON is JSON whatever the Content-Type: the docs' curl examples
    // without `-H` send `application/x-www-form-urlencoded`.
    for ct in ["application/x-www-form-urlencoded", "text/plain"] {
        let r = api
            .http
            .post(&url)
            .header("x-api-key", creds::RUNS_API_KEY)
            .header("content-type", ct)
            .body(order().to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{ct}");
    }
}

#[tokio::test]
async fn unknown_connection_is_a_validation_error_on_its_path() {
    let api = Api::demo().await;
    let body = assert_refused(
        api.start(
            creds::RUNS_CUSTOMER_ORDER,
            creds::RUNS_API_KEY,
            json!({"input": order()["input"], "connectionId": "conn_nope"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    );
    assert_eq!(body["error"]["details"][0]["path"], json!(["connectionId"]));
    let id = api
        .run(
            creds::RUNS_CUSTOMER_ORDER,
            json!({"input": order()["input"], "connectionId": creds::RUNS_CONNECTION}),
        )
        .await;
    let run = api.finished(&id).await;
    assert_eq!(run["connectionId"], creds::RUNS_CONNECTION);
}

#[tokio::test]
async fn same_idempotency_key_returns_the_same_run_with_200() {
    let api = Api::demo().await;
    let mut body = order();
    body["idempotencyKey"] = json!("order-1001");
    let path = format!("/workflows/{}/run", creds::RUNS_CUSTOMER_ORDER);
    let (first_status, first) = api.post(&path, creds::RUNS_API_KEY, body.clone()).await;
    let (second_status, second) = api.post(&path, creds::RUNS_API_KEY, body.clone()).await;
    assert_eq!(first_status, StatusCode::CREATED);
    assert_eq!(second_status, StatusCode::OK);
    assert_eq!(first["data"]["runId"], second["data"]["runId"]);
    assert_eq!(api.server.engine().list_runs().len(), 1);
    // The same key on another workflow is another run.
    let (status, other) = api
        .start(
            creds::RUNS_FAILING,
            creds::RUNS_API_KEY,
            json!({"idempotencyKey": "order-1001"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(other["data"]["runId"], first["data"]["runId"]);
}

#[tokio::test]
async fn concurrent_requests_with_one_key_start_one_run() {
    let api = Api::demo().await;
    let path = format!("/workflows/{}/run", creds::RUNS_CUSTOMER_ORDER);
    let mut body = order();
    body["idempotencyKey"] = json!("same");
    let answers = futures::future::join_all(
        (0..10).map(|_| api.post(&path, creds::RUNS_API_KEY, body.clone())),
    )
    .await;
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1);
    assert!(
        answers
            .iter()
            .all(|(_, b)| b["data"]["runId"] == answers[0].1["data"]["runId"])
    );
}

#[tokio::test]
async fn failing_run_reports_step_error_and_skipped_steps() {
    let api = Api::demo().await;
    let id = api
        .run(creds::RUNS_FAILING, json!({"input": {"amount": 500}}))
        .await;
    let run = api.finished(&id).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["error"]["code"], "STEP_ERROR");
    assert_eq!(run["error"]["message"], "Card declined: insufficient funds");
    assert_eq!(run["output"], Value::Null);
    let statuses: Vec<&str> = run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["completed", "failed", "skipped"]);
    assert_eq!(run["steps"][1]["id"], "charge");
    assert_eq!(
        run["steps"][1]["error"]["message"],
        "Card declined: insufficient funds"
    );
}

#[tokio::test]
async fn retry_starts_a_new_run_with_the_same_input() {
    let api = Api::demo().await;
    let id = api
        .run(creds::RUNS_FAILING, json!({"input": {"amount": 7}}))
        .await;
    api.finished(&id).await;
    let (status, body) = api.act(&id, "retry", creds::RUNS_API_KEY).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let new_id = body["data"]["runId"].as_str().unwrap().to_owned();
    assert_ne!(new_id, id);
    assert_eq!(body["data"]["retryOf"], id);
    let retried = api.finished(&new_id).await;
    assert_eq!(retried["input"], json!({"amount": 7}));
    assert_eq!(retried["retryOf"], id);
    assert_eq!(retried["steps"][0]["status"], "completed");
    assert_eq!(retried["status"], "failed");
    // A completed run cannot be retried.
    let done = api.run(creds::RUNS_CUSTOMER_ORDER, order()).await;
    api.finished(&done).await;
    assert_refused(
        api.act(&done, "retry", creds::RUNS_API_KEY).await,
        StatusCode::BAD_REQUEST,
        "INVALID_STATUS",
    );
}

#[tokio::test]
async fn cancel_a_running_run_and_refuse_a_finished_one() {
    let api = Api::demo().await;
    let id = api.run(creds::RUNS_SLOW, json!({})).await;
    let (status, body) = api.act(&id, "cancel", creds::RUNS_API_KEY).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["status"], "cancelled");
    assert_eq!(body["data"]["id"], id);
    let (_, again) = api.get(&format!("/runs/{id}"), creds::RUNS_API_KEY).await;
    assert_eq!(again["data"]["status"], "cancelled");
    assert_refused(
        api.act(&id, "cancel", creds::RUNS_API_KEY).await,
        StatusCode::BAD_REQUEST,
        "INVALID_STATUS",
    );
    let (status, _) = api.act(&id, "cancel", creds::RUNS_READ_KEY).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn runs_list_pages_with_a_cursor_and_filters() {
    let api = Api::demo().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(api.run(creds::RUNS_FAILING, json!({})).await);
    }
    let other = api.run(creds::RUNS_CUSTOMER_ORDER, order()).await;
    let (status, page1) = api
        .get(
            &format!("/runs?workflowId={}&limit=2", creds::RUNS_FAILING),
            creds::RUNS_API_KEY,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page1["meta"]["hasMore"], true);
    let mut seen: Vec<String> = page1["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let mut cursor = page1["meta"]["cursor"].as_str().unwrap().to_owned();
    loop {
        let (_, page) = api
            .get(
                &format!(
                    "/runs?workflowId={}&limit=2&cursor={cursor}",
                    creds::RUNS_FAILING
                ),
                creds::RUNS_API_KEY,
            )
            .await;
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
        match page["meta"]["cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => {
                assert_eq!(page["meta"]["hasMore"], false);
                break;
            }
        }
    }
    ids.reverse();
    assert_eq!(seen, ids, "newest first, every run once");
    assert!(!seen.contains(&other));

    api.finished(&other).await;
    let (_, completed) = api.get("/runs?status=completed", creds::RUNS_API_KEY).await;
    let all_completed = completed["data"].as_array().unwrap();
    assert!(all_completed.iter().all(|r| r["status"] == "completed"));
    assert!(all_completed.iter().any(|r| r["id"] == other));

    for bad in [
        "limit=0",
        "limit=101",
        "limit=x",
        "status=bogus",
        "cursor=%%%",
        "cursor=bm9wZQ",
    ] {
        assert_refused(
            api.get(&format!("/runs?{bad}"), creds::RUNS_API_KEY).await,
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
        );
    }
}

#[tokio::test]
async fn per_key_rate_limits_answer_429_with_retry_after() {
    let mut config = demo();
    config.runs.execute_per_minute = 2;
    config.runs.reads_per_minute = 3;
    let api = Api::with(config).await;
    let path = format!("/workflows/{}/run", creds::RUNS_FAILING);
    for _ in 0..2 {
        let (status, _) = api.post(&path, creds::RUNS_API_KEY, json!({})).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let r = api
        .http
        .post(api.url(&path))
        .header("x-api-key", creds::RUNS_API_KEY)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    let body: Value = r.json().await.unwrap();
    assert_error(&body, "RATE_LIMITED");
    assert_eq!(
        body["error"]["message"],
        "Rate limit exceeded. Limit: 2 requests per minute."
    );
    // Reads have their own budget, and another key its own.
    for _ in 0..3 {
        assert_eq!(
            api.get("/runs", creds::RUNS_API_KEY).await.0,
            StatusCode::OK
        );
    }
    assert_eq!(
        api.get("/runs", creds::RUNS_API_KEY).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        api.get("/runs", creds::RUNS_READ_KEY).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let mut config = demo();
    config.body_limit = 1024;
    let api = Api::with(config).await;
    let big = json!({"input": {"blob": "x".repeat(4096)}});
    assert_refused(
        api.start(creds::RUNS_CUSTOMER_ORDER, creds::RUNS_API_KEY, big)
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
    );
}

#[tokio::test]
async fn workflows_are_listed_with_their_schema() {
    let api = Api::demo().await;
    let (status, body) = api
        .get(
            &format!("/workflows/{}", creds::RUNS_CREATE_INVOICE),
            creds::RUNS_API_KEY,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let wf = &body["data"];
    assert_eq!(wf["name"], "Create Invoice");
    assert_eq!(wf["status"], "active");
    assert_eq!(wf["trigger"]["type"], "api");
    assert_eq!(
        wf["inputSchema"]["properties"]["customerId"]["pattern"],
        "^cus_[a-zA-Z0-9]+$"
    );
    let (_, list) = api.get("/workflows", creds::RUNS_API_KEY).await;
    let ids: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&creds::RUNS_DRAFT) && ids.contains(&creds::RUNS_CUSTOMER_ORDER));
    assert!(!ids.contains(&creds::FLOWMATIC_WORKFLOW));
    let (status, _) = api.get("/workflows", creds::RUNS_READ_KEY).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn fifty_concurrent_runs_reach_the_right_final_states() {
    let ok = Workflow::new(
        "wf_ok",
        "Ok",
        vec![
            Step::delay("wait", 20),
            Step::transform("double", json!({"n": "{{input.n | times: 2}}"})),
        ],
    );
    let bad = Workflow::new("wf_bad", "Bad", vec![Step::fail("boom", "no {{input.n}}")]);
    let api = Api::with(serving(
        [ok, bad].map(|wf| wf.on_runs(RunsExposure::default())),
    ))
    .await;
    let ids = futures::future::join_all((0..50).map(|i| {
        let wf = if i % 2 == 0 { "wf_ok" } else { "wf_bad" };
        let api = &api;
        async move { (i, api.run(wf, json!({"input": {"n": i}})).await) }
    }))
    .await;
    for (i, id) in ids {
        let run = api.finished(&id).await;
        if i % 2 == 0 {
            assert_eq!(run["status"], "completed");
            assert_eq!(run["output"]["n"], json!(i * 2));
        } else {
            assert_eq!(run["status"], "failed");
            assert_eq!(run["error"]["message"], format!("no {i}"));
        }
    }
    tokio::time::timeout(Duration::from_secs(10), api.server.shutdown())
        .await
        .unwrap();
}

#[tokio::test]
async fn idempotency_keys_expire_after_the_ttl() {
    let mut config = demo();
    config.runs.idempotency_ttl = Duration::from_millis(100);
    let api = Api::with(config).await;
    let path = format!("/workflows/{}/run", creds::RUNS_FAILING);
    let body = json!({"idempotencyKey": "k-expiring"});
    let (status, first) = api.post(&path, creds::RUNS_API_KEY, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    let second = eventually("the key expires and a new run starts", || async {
        let (status, b) = api.post(&path, creds::RUNS_API_KEY, body.clone()).await;
        (status == StatusCode::CREATED).then_some(b)
    })
    .await;
    assert_ne!(second["data"]["runId"], first["data"]["runId"]);
}

#[tokio::test]
async fn timed_out_runs_report_timed_out_and_can_be_retried() {
    let slow = Workflow::new("wf_timeout", "Times out", vec![Step::delay("wait", 60_000)])
        .with_timeout_ms(30)
        .on_runs(RunsExposure::default());
    let api = Api::with(serving([slow])).await;
    let id = api.run("wf_timeout", json!({})).await;
    let run = api.finished(&id).await;
    assert_eq!(run["status"], "timed_out");
    assert_eq!(run["error"]["code"], "TIMEOUT");
    let (_, listed) = api.get("/runs?status=timeout", creds::RUNS_API_KEY).await;
    assert_eq!(
        listed["data"][0]["id"], id,
        "the `timeout` spelling is accepted"
    );
    let (status, retried) = api.act(&id, "retry", creds::RUNS_API_KEY).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(retried["data"]["retryOf"], id);
}

#[tokio::test]
async fn writes_have_their_own_rate_limit() {
    let mut config = demo();
    config.runs.writes_per_minute = 1;
    let api = Api::with(config).await;
    let a = api.run(creds::RUNS_SLOW, json!({})).await;
    let b = api.run(creds::RUNS_SLOW, json!({})).await;
    let (status, _) = api.act(&a, "cancel", creds::RUNS_API_KEY).await;
    assert_eq!(status, StatusCode::OK);
    let body = assert_refused(
        api.act(&b, "cancel", creds::RUNS_API_KEY).await,
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
    );
    assert_eq!(
        body["error"]["message"],
        "Rate limit exceeded. Limit: 1 requests per minute."
    );
}
