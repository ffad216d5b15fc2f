//! Every request the platforms' own pages show (`platform-docs/`: the runs
//! API's "API Triggers", ToolJet's "Trigger Using Webhook", Flowmatic's
//! "Webhook & REST API", the two n8n guides), sent as written to the demo
//! set, with the answer the page shows. Where a page and the real platform
//! disagree, the row expects what the providers' contracts (`sdk-*/docs/contract.md`) says and its `contract`
//! says why. Placeholders of the pages (`{WORKFLOW_ID}`, `:id`,
//! `{webhookId}`) are the demo set's ids.
//!
//! Expected bodies are patterns: objects match when every key given matches
//! (`exact` answers allow no other key), arrays element by element with the
//! same length, and strings `<any>`, `<string>`, `<number>`, `<iso>`,
//! `<uuid>`, `<prefix:…>`, `<save:name>` (keeps the value for later
//! `{name}` in paths) and `<saved:name>` stand for what they say.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use support::{client, sign};
use trigger_sdk_reference_server::{ReferenceServer, creds, demo};

/// Where a request goes.
#[derive(Clone, Copy, Debug)]
enum Face {
    N8n,
    ToolJet,
    Flowmatic,
    Runs,
    /// The reference server's own `/__admin` (arming an n8n test webhook).
    Admin,
}

/// The body as the page sends it.
enum Body {
    None,
    /// JSON text with `Content-Type: application/json`, as the page's curl
    /// `-H` and its Python `json=` / Node `JSON.stringify` send it.
    Json(Value),
    /// `curl -d` without `-H`: the text with curl's default
    /// `application/x-www-form-urlencoded`.
    CurlData(&'static str),
}

/// What the answer's body must be.
enum Answer {
    /// A JSON pattern; objects may have more keys.
    Json(Value),
    /// A JSON pattern; objects have exactly these keys.
    Exact(Value),
    /// This text, exactly.
    Text(&'static str),
    /// Text that contains each of these.
    Contains(Vec<&'static str>),
}

struct Exchange {
    face: Face,
    method: Method,
    path: String,
    headers: Vec<(&'static str, String)>,
    /// `X-Webhook-Signature` computed over the body with this secret.
    sign_with: Option<&'static str>,
    body: Body,
    /// Send it this many times, each answered as expected.
    times: usize,
    /// Poll (with a deadline) until the answer is the expected one.
    until: bool,
    status: u16,
    answer: Answer,
    answer_headers: Vec<(&'static str, &'static str)>,
}

fn send(face: Face, method: Method, path: &str) -> Exchange {
    Exchange {
        face,
        method,
        path: path.to_owned(),
        headers: Vec::new(),
        sign_with: None,
        body: Body::None,
        times: 1,
        until: false,
        status: 200,
        answer: Answer::Json(json!({})),
        answer_headers: Vec::new(),
    }
}

fn post(face: Face, path: &str) -> Exchange {
    send(face, Method::POST, path)
}

fn get(face: Face, path: &str) -> Exchange {
    send(face, Method::GET, path)
}

impl Exchange {
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The runs API's `x-api-key`.
    fn api_key(self) -> Self {
        self.header("x-api-key", creds::RUNS_API_KEY)
    }

    /// ToolJet's workflow token.
    fn tooljet_token(self) -> Self {
        self.header("authorization", format!("Bearer {}", creds::TOOLJET_TOKEN))
    }

    /// Flowmatic's REST API token.
    fn flowmatic_token(self) -> Self {
        self.header(
            "authorization",
            format!("Bearer {}", creds::FLOWMATIC_TOKEN),
        )
    }

    fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    fn curl_data(mut self, body: &'static str) -> Self {
        self.body = Body::CurlData(body);
        self
    }

    fn signed(mut self, secret: &'static str) -> Self {
        self.sign_with = Some(secret);
        self
    }

    fn times(mut self, n: usize) -> Self {
        self.times = n;
        self
    }

    fn until(mut self) -> Self {
        self.until = true;
        self
    }

    fn answers(mut self, status: u16, answer: Answer) -> Self {
        self.status = status;
        self.answer = answer;
        self
    }

    fn with_header(mut self, name: &'static str, pattern: &'static str) -> Self {
        self.answer_headers.push((name, pattern));
        self
    }
}

struct Row {
    /// The page, its section and the snippets that send this request.
    source: &'static str,
    /// Where the page and the real platform disagree: what the contract
    /// says the answer is, and why.
    contract: Option<&'static str>,
    exchanges: Vec<Exchange>,
}

fn row(source: &'static str, exchanges: Vec<Exchange>) -> Row {
    Row {
        source,
        contract: None,
        exchanges,
    }
}

impl Row {
    fn contract(mut self, why: &'static str) -> Self {
        self.contract = Some(why);
        self
    }
}

// ----- the runs API: justpaid-workflows-api-triggers.txt -----

fn runs_rows() -> Vec<Row> {
    use Answer::{Exact, Json};
    use Face::Runs;
    let run_path = |wf: &str| format!("/api/v1/workflows/{wf}/run");
    let order_items = json!([
        {"productId": "p1", "quantity": 2, "price": 1999},
        {"productId": "p2", "quantity": 1, "price": 500}
    ]);
    let document: Value =
        serde_json::from_str(include_str!("../fixtures/runs/process-customer-order.json")).unwrap();
    let mut served = document.clone();
    served["id"] = json!(creds::RUNS_CUSTOMER_ORDER);
    served["status"] = json!("active");
    served["version"] = json!(3);
    vec![
        row(
            "runs: Running a Workflow, Basic Request (curl; the Node and Python snippets send the same request), then Checking Run Status (curl; the Node waitForCompletion loop polls it until completed)",
            vec![
                post(Runs, &run_path(creds::RUNS_CREATE_INVOICE))
                    .api_key()
                    .json(json!({"input": {"customerId": "cus_xxx", "amount": 9900}}))
                    .answers(201, Exact(json!({"success": true, "data": {
                        "runId": "<save:run>", "status": "pending",
                        "workflowId": creds::RUNS_CREATE_INVOICE, "workflowVersion": "<number>"}}))),
                get(Runs, "/api/v1/runs/{run}")
                    .api_key()
                    .until()
                    .answers(200, Json(json!({"success": true, "data": {
                        "id": "<saved:run>",
                        "status": "completed",
                        "input": {"customerId": "cus_xxx"},
                        "output": {"invoiceId": "<prefix:inv_>"},
                        "startedAt": "<iso>",
                        "completedAt": "<iso>",
                        "steps": [{"id": "create-invoice", "status": "completed",
                                   "output": {"id": "<prefix:inv_>"}}]
                    }}))),
            ],
        ),
        row(
            "runs: Request Body (input, connectionId \"conn_xxx\", idempotencyKey \"unique-key-123\")",
            vec![
                post(Runs, &run_path(creds::RUNS_DAILY_REPORT))
                    .api_key()
                    .json(json!({"input": {}, "connectionId": "conn_xxx", "idempotencyKey": "unique-key-123"}))
                    .answers(400, Exact(json!({"success": false, "error": {
                        "code": "VALIDATION_ERROR", "message": "Input validation failed",
                        "details": [{"path": ["connectionId"], "message": "Connection not found"}]}}))),
            ],
        )
        .contract("conn_xxx is a placeholder and no such connection exists: sdk-runs/docs/contract.md answers an unknown connectionId with VALIDATION_ERROR on path [\"connectionId\"]"),
        row(
            "runs: Specifying a Connection (\"connectionId\": \"conn_production_stripe\")",
            vec![
                post(Runs, &run_path(creds::RUNS_CREATE_INVOICE))
                    .api_key()
                    .json(json!({"input": {"customerId": "cus_xxx", "amount": 9900},
                                 "connectionId": "conn_production_stripe"}))
                    .answers(201, Json(json!({"success": true, "data": {"runId": "<save:run>"}}))),
                get(Runs, "/api/v1/runs/{run}")
                    .api_key()
                    .answers(200, Json(json!({"data": {"connectionId": "conn_production_stripe"}}))),
            ],
        ),
        row(
            "runs: Input Data (the request, and the step config {{input.customer.email}} / {{input.items.0.product}})",
            vec![
                post(Runs, &run_path(creds::RUNS_ORDER_CONFIRMATION))
                    .api_key()
                    .json(json!({"input": {
                        "customer": {"id": "cus_xxx", "email": "customer@example.com"},
                        "items": [{"product": "Widget", "quantity": 2, "price": 1999}]}}))
                    .answers(201, Json(json!({"data": {"runId": "<save:run>", "status": "pending"}}))),
                get(Runs, "/api/v1/runs/{run}")
                    .api_key()
                    .until()
                    .answers(200, Json(json!({"data": {"status": "completed", "steps": [{
                        "id": "send-email", "type": "email", "status": "completed",
                        "input": {"to": "customer@example.com", "subject": "Order for Widget"}}]}}))),
            ],
        ),
        row(
            "runs: Input Validation (\"Create Invoice\", customerId missing)",
            vec![
                post(Runs, &run_path(creds::RUNS_CREATE_INVOICE))
                    .api_key()
                    .json(json!({"input": {"amount": 9900}}))
                    .answers(400, Exact(json!({"success": false, "error": {
                        "code": "VALIDATION_ERROR", "message": "Input validation failed",
                        "details": [{"path": ["customerId"], "message": "Required"}]}}))),
            ],
        ),
        row(
            "runs: Error Handling, Invalid input (400): a pattern, a minimum and an enum broken",
            vec![
                post(Runs, &run_path(creds::RUNS_CREATE_INVOICE))
                    .api_key()
                    .json(json!({"input": {"customerId": "acme", "amount": 50, "currency": "yen"}}))
                    .answers(400, Json(json!({"success": false, "error": {
                        "code": "VALIDATION_ERROR", "message": "Input validation failed",
                        "details": [
                            {"path": ["customerId"], "message": "<string>"},
                            {"path": ["amount"], "message": "<string>"},
                            {"path": ["currency"], "message": "<string>"}
                        ]}}))),
            ],
        ),
        row(
            "runs: Idempotency (curl: input {\"orderId\": \"order_123\"}, idempotencyKey \"process-order-123\", sent again)",
            vec![
                post(Runs, &run_path(creds::RUNS_ORDER_CONFIRMATION))
                    .api_key()
                    .json(json!({"input": {"orderId": "order_123"}, "idempotencyKey": "process-order-123"}))
                    .answers(201, Json(json!({"data": {"runId": "<save:run>"}}))),
                post(Runs, &run_path(creds::RUNS_ORDER_CONFIRMATION))
                    .api_key()
                    .json(json!({"input": {"orderId": "order_123"}, "idempotencyKey": "process-order-123"}))
                    .answers(200, Json(json!({"success": true, "data": {"runId": "<saved:run>"}}))),
                // Another input with the same key: still the existing run
                // (the SDK's RunRequest::check_replay reports it).
                post(Runs, &run_path(creds::RUNS_ORDER_CONFIRMATION))
                    .api_key()
                    .json(json!({"input": {"orderId": "order_124"}, "idempotencyKey": "process-order-123"}))
                    .answers(200, Json(json!({"data": {"runId": "<saved:run>"}}))),
            ],
        ),
        row(
            "runs: Error Handling, Workflow not found (404)",
            vec![
                post(Runs, &run_path("wf_does_not_exist"))
                    .api_key()
                    .json(json!({"input": {}}))
                    .answers(404, Exact(json!({"success": false, "error": {
                        "code": "NOT_FOUND", "message": "Workflow not found"}}))),
            ],
        ),
        row(
            "runs: Error Handling, Workflow not active (400)",
            vec![
                post(Runs, &run_path(creds::RUNS_DRAFT))
                    .api_key()
                    .json(json!({"input": {}}))
                    .answers(400, Exact(json!({"success": false, "error": {
                        "code": "INVALID_STATUS",
                        "message": "Workflow must be active to run. Current status: draft"}}))),
            ],
        ),
        row(
            "runs: Error Handling, Rate limited (429); Rate Limits: Execute 500 requests/minute per API key",
            vec![
                post(Runs, &run_path("wf_does_not_exist"))
                    .api_key()
                    .json(json!({"input": {}}))
                    .times(500)
                    .answers(404, Json(json!({"error": {"code": "NOT_FOUND"}}))),
                post(Runs, &run_path(creds::RUNS_CREATE_INVOICE))
                    .api_key()
                    .json(json!({"input": {"customerId": "cus_xxx", "amount": 9900}}))
                    .answers(429, Exact(json!({"success": false, "error": {
                        "code": "RATE_LIMITED",
                        "message": "Rate limit exceeded. Limit: 500 requests per minute."}})))
                    .with_header("retry-after", "<number>"),
            ],
        ),
        row(
            "runs: Use Cases, On-Demand Processing (triggerWorkflow('wf_report_generator', {input}): the page's helper POSTs the body to /workflows/{id}/run)",
            vec![
                post(Runs, &run_path(creds::RUNS_REPORT_GENERATOR))
                    .api_key()
                    .json(json!({"input": {"reportType": "monthly", "startDate": "2024-01-01",
                                           "endDate": "2024-01-31", "format": "pdf"}}))
                    .answers(201, Json(json!({"data": {"runId": "<save:run>",
                        "workflowId": creds::RUNS_REPORT_GENERATOR}}))),
                get(Runs, "/api/v1/runs/{run}")
                    .api_key()
                    .until()
                    .answers(200, Json(json!({"data": {"status": "completed", "output": {
                        "reportType": "monthly", "format": "pdf",
                        "period": {"start": "2024-01-01", "end": "2024-01-31"}}}}))),
            ],
        ),
        row(
            "runs: Use Cases, Testing Workflows (simulate a Stripe webhook: curl -d without Content-Type)",
            vec![
                post(Runs, &run_path(creds::RUNS_INVOICE_PAID))
                    .api_key()
                    .curl_data(r#"{
    "input": {
      "type": "invoice.paid",
      "data": {
        "object": {
          "id": "in_test",
          "amount_paid": 9900
        }
      }
    }
  }"#)
                    .answers(201, Json(json!({"data": {"runId": "<save:run>"}}))),
                get(Runs, "/api/v1/runs/{run}")
                    .api_key()
                    .until()
                    .answers(200, Json(json!({"data": {"status": "completed", "output": {
                        "event": "invoice.paid", "invoiceId": "in_test", "amountPaid": 9900}}}))),
            ],
        )
        .contract("curl -d without -H sends application/x-www-form-urlencoded; the page shows the request working, so the runs face reads the body as JSON whatever its Content-Type (sdk-runs/docs/contract.md is silent on it)"),
        row(
            "runs: Use Cases, Batch Processing (triggerWorkflow('wf_customer_sync', {input: {customerId}, idempotencyKey: `sync-${customer.id}-${today}`}) per customer, sent again)",
            vec![
                post(Runs, &run_path(creds::RUNS_CUSTOMER_SYNC))
                    .api_key()
                    .json(json!({"input": {"customerId": "cus_1"}, "idempotencyKey": "sync-cus_1-2024-01-15"}))
                    .answers(201, Json(json!({"data": {"runId": "<save:first>"}}))),
                post(Runs, &run_path(creds::RUNS_CUSTOMER_SYNC))
                    .api_key()
                    .json(json!({"input": {"customerId": "cus_2"}, "idempotencyKey": "sync-cus_2-2024-01-15"}))
                    .answers(201, Json(json!({"data": {"runId": "<string>"}}))),
                post(Runs, &run_path(creds::RUNS_CUSTOMER_SYNC))
                    .api_key()
                    .json(json!({"input": {"customerId": "cus_1"}, "idempotencyKey": "sync-cus_1-2024-01-15"}))
                    .answers(200, Json(json!({"data": {"runId": "<saved:first>"}}))),
            ],
        ),
        row(
            "runs: Use Cases, Scheduled via External Scheduler (crontab curl -d '{\"input\":{}}' without Content-Type)",
            vec![
                post(Runs, &run_path(creds::RUNS_DAILY_REPORT))
                    .api_key()
                    .curl_data(r#"{"input":{}}"#)
                    .answers(201, Json(json!({"success": true, "data": {"status": "pending",
                        "workflowId": creds::RUNS_DAILY_REPORT}}))),
            ],
        )
        .contract("curl -d without -H sends application/x-www-form-urlencoded: read as JSON, as the Testing Workflows row says"),
        row(
            "runs: Complete Example, the document (served with its id, status and version)",
            vec![
                get(Runs, &format!("/api/v1/workflows/{}", creds::RUNS_CUSTOMER_ORDER))
                    .api_key()
                    .answers(200, Exact(json!({"success": true, "data": served}))),
            ],
        ),
        row(
            "runs: Complete Example, \"Process Customer Order\" run with [{p1, 2, 1999}, {p2, 1, 500}]",
            vec![
                post(Runs, &run_path(creds::RUNS_CUSTOMER_ORDER))
                    .api_key()
                    .json(json!({"input": {"customerId": "cus_xxx", "items": order_items}}))
                    .answers(201, Json(json!({"data": {"runId": "<save:run>", "workflowVersion": 3}}))),
                get(Runs, "/api/v1/runs/{run}")
                    .api_key()
                    .until()
                    .answers(200, Json(json!({"data": {"status": "completed", "steps": [
                        {"id": "calculate-total", "type": "transform", "status": "completed",
                         "output": {"subtotal": 4498, "tax": 359.84, "total": 4857.84}},
                        {"id": "create-invoice", "type": "action", "status": "completed",
                         "input": {"customerId": "cus_xxx", "amount": 4857.84,
                                   "metadata": {"source": "api-order"}},
                         "output": {"id": "<prefix:inv_>", "number": "<prefix:INV->"}},
                        {"id": "send-confirmation", "type": "email", "status": "completed",
                         "input": {"action": "send", "to": null,
                                   "subject": "<prefix:Order Confirmed - Invoice #INV->",
                                   "body": {"html": "<p>Thank you for your order!</p><p>Total: $4857.84</p>"}}}
                    ]}}))),
            ],
        ),
        row(
            "runs: the Complete Example's input as the issue sends it ({customerId, items: [{productId p1, quantity 2, price 1999}]})",
            vec![
                post(Runs, &run_path(creds::RUNS_CUSTOMER_ORDER))
                    .api_key()
                    .json(json!({"input": {"customerId": "cus_xxx",
                        "items": [{"productId": "p1", "quantity": 2, "price": 1999}]}}))
                    .answers(201, Json(json!({"success": true, "data": {"status": "pending"}}))),
            ],
        ),
    ]
}

// ----- ToolJet: tooljet-webhook-trigger.txt -----

fn tooljet_rows() -> Vec<Row> {
    use Answer::{Contains, Exact, Json};
    use Face::ToolJet;
    let wf = creds::TOOLJET_WORKFLOW;
    let error = |status: u16, message: &str| {
        Exact(
            json!({"statusCode": status, "timestamp": "<iso>", "path": "<string>", "message": message}),
        )
    };
    let john = json!({"name": "John Doe", "emp_id": 33});
    vec![
        row(
            "tooljet: the Endpoint URL as shown (POST /api/v2/webhooks/workflows/:id/trigger, no environment)",
            vec![
                post(ToolJet, &format!("/api/v2/webhooks/workflows/{wf}/trigger"))
                    .tooljet_token()
                    .json(john.clone())
                    .answers(404, error(404, "Invalid environment")),
            ],
        )
        .contract("sdk-tooljet/docs/contract.md: a request without ?environment is 404 Invalid environment (the page's \"Copy as cURL\" adds the environment)"),
        row(
            "tooljet: Triggering a Webhook (Postman: POST the Endpoint URL with the Bearer token and the Test JSON parameters)",
            vec![
                post(ToolJet, &format!("/api/v2/webhooks/workflows/{wf}/trigger?environment=development"))
                    .tooljet_token()
                    .json(john.clone())
                    .answers(200, Exact(json!({"message": "Welcome John Doe", "emp_id": 33}))),
            ],
        ),
        row(
            "tooljet: Authentication (Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...)",
            vec![
                post(ToolJet, &format!("/api/v2/webhooks/workflows/{wf}/trigger?environment=development"))
                    .header("authorization", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...")
                    .json(john.clone())
                    .answers(401, error(401, "Invalid authentication token")),
            ],
        )
        .contract("the page's token is an example: sdk-tooljet/docs/contract.md answers a wrong token 401 Invalid authentication token"),
        row(
            "tooljet: Parameters (\"name\": \"string\", \"emp_id\": \"number\"): one missing, one of the wrong type",
            vec![
                post(ToolJet, &format!("/api/v2/webhooks/workflows/{wf}/trigger?environment=development"))
                    .tooljet_token()
                    .json(json!({"name": "John Doe"}))
                    .answers(400, error(400, "Parameter \"emp_id\" is required")),
                post(ToolJet, &format!("/api/v2/webhooks/workflows/{wf}/trigger?environment=development"))
                    .tooljet_token()
                    .json(json!({"name": "John Doe", "emp_id": "33"}))
                    .answers(400, error(400, "Parameter \"emp_id\" has an incorrect datatype")),
            ],
        ),
        row(
            "tooljet: Async Workflow Query Execution (POST …/trigger-async?environment=:environment), then Poll status (GET …/status/:execution_id) and Stream live updates (GET …/execution/:execution_id/stream)",
            vec![
                post(ToolJet, &format!("/api/v2/webhooks/workflows/{wf}/trigger-async?environment=production"))
                    .tooljet_token()
                    .json(john.clone())
                    .answers(201, Exact(json!({"workflow_execution_id": "<save:execution>", "timestamp": "<iso>"}))),
                get(ToolJet, &format!("/api/v2/webhooks/workflows/{wf}/status/{{execution}}"))
                    .tooljet_token()
                    .until()
                    .answers(200, Json(json!({"status": true, "execution_status": "completed",
                        "result": {"message": "Welcome John Doe", "emp_id": 33}}))),
                get(ToolJet, &format!("/api/v2/webhooks/workflows/{wf}/execution/{{execution}}/stream"))
                    .tooljet_token()
                    .answers(200, Contains(vec![
                        "\"type\":\"workflow_connection_initialized\"",
                        "\"type\":\"workflow_execution_triggered\"",
                        "\"type\":\"workflow_execution_completed\"",
                        "\"type\":\"workflow_connection_close\"",
                    ]))
                    .with_header("content-type", "text/event-stream"),
            ],
        )
        .contract("the page shows the async answer's body but no status: sdk-tooljet/docs/contract.md answers 201"),
        row(
            "tooljet: Restrictions, WEBHOOK_THROTTLE_LIMIT 100 per WEBHOOK_THROTTLE_TTL 60000 ms (status polls and async triggers, per route)",
            vec![
                post(ToolJet, &format!("/api/v2/webhooks/workflows/{wf}/trigger-async?environment=development"))
                    .tooljet_token()
                    .json(john.clone())
                    .answers(201, Json(json!({"workflow_execution_id": "<save:execution>"}))),
                get(ToolJet, &format!("/api/v2/webhooks/workflows/{wf}/status/{{execution}}"))
                    .tooljet_token()
                    .times(100)
                    .answers(200, Json(json!({"status": "<any>"}))),
                get(ToolJet, &format!("/api/v2/webhooks/workflows/{wf}/status/{{execution}}"))
                    .tooljet_token()
                    .answers(429, error(429, "ThrottlerException: Too Many Requests"))
                    .with_header("retry-after", "<number>"),
                post(ToolJet, &format!("/api/v2/webhooks/workflows/{wf}/trigger-async?environment=development"))
                    .tooljet_token()
                    .json(john)
                    .times(99)
                    .answers(201, Json(json!({"workflow_execution_id": "<uuid>"}))),
                post(ToolJet, &format!("/api/v2/webhooks/workflows/{wf}/trigger-async?environment=development"))
                    .tooljet_token()
                    .json(json!({"name": "John Doe", "emp_id": 33}))
                    .answers(429, error(429, "ThrottlerException: Too Many Requests")),
            ],
        ),
    ]
}

// ----- Flowmatic: flowmatic-webhook-rest-api.txt -----

fn flowmatic_rows() -> Vec<Row> {
    use Answer::{Exact, Json};
    use Face::Flowmatic;
    let hook = |id: &str| format!("/api/webhooks/{id}");
    let ack = |webhook: &str, workflow: &str| {
        Exact(json!({
            "status": "success", "message": "Webhook received and workflow triggered",
            "webhookId": webhook, "workflowId": workflow,
            "executionId": "<save:execution>", "executionStatus": "RUNNING"
        }))
    };
    let order = creds::FLOWMATIC_ORDER_WEBHOOK;
    let order_wf = creds::FLOWMATIC_ORDER_WORKFLOW;
    vec![
        row(
            "flowmatic: Trigger a Workflow (POST), then the run's Webhook Context",
            vec![
                post(Flowmatic, &hook(order))
                    .header("user-agent", "MyApp/1.0")
                    .json(json!({"customer_id": "cust_123", "event": "order.created",
                                 "data": {"amount": 99.99, "currency": "USD"}}))
                    .answers(200, ack(order, order_wf)),
                get(Flowmatic, "/api/v1/executions/{execution}")
                    .flowmatic_token()
                    .until()
                    .answers(200, Json(json!({
                        "id": "<saved:execution>", "workflowId": order_wf, "status": "SUCCESS",
                        "input": {"customer_id": "cust_123", "event": "order.created",
                            "data": {"amount": 99.99, "currency": "USD"},
                            "_webhook": {"webhookId": order, "triggerId": "trigger-456",
                                "headers": {"content-type": "application/json", "user-agent": "MyApp/1.0"},
                                "query": {}, "receivedAt": "<iso>"}},
                        "output": {"customerId": "cust_123", "event": "order.created",
                                   "amount": 99.99, "userAgent": "MyApp/1.0"}}))),
            ],
        ),
        row(
            "flowmatic: Trigger a Workflow (GET ?customer_id=cust_123&event=order.created), and {{_webhook.query}}",
            vec![
                get(Flowmatic, &format!("{}?customer_id=cust_123&event=order.created&source=api", hook(order)))
                    .answers(200, ack(order, order_wf)),
                get(Flowmatic, "/api/v1/executions/{execution}")
                    .flowmatic_token()
                    .until()
                    .answers(200, Json(json!({"status": "SUCCESS",
                        "input": {"customer_id": "cust_123", "event": "order.created",
                                  "_webhook": {"query": {"customer_id": "cust_123",
                                      "event": "order.created", "source": "api"}}},
                        "output": {"customerId": "cust_123", "source": "api"}}))),
            ],
        ),
        row(
            "flowmatic: Signature Verification, as written (X-Webhook-Signature: sha256=a1b2c3...)",
            vec![
                post(Flowmatic, &hook(creds::FLOWMATIC_WEBHOOK))
                    .header("x-webhook-signature", "sha256=a1b2c3...")
                    .json(json!({"event": "test"}))
                    .answers(401, Exact(json!({"error": {"code": "INVALID_SIGNATURE",
                        "message": "Invalid webhook signature"}}))),
            ],
        )
        .contract("the page's signature is a placeholder: sdk-flowmatic/docs/contract.md answers a wrong signature 401 INVALID_SIGNATURE"),
        row(
            "flowmatic: Signature Verification, with signature = HMAC-SHA256(secret, request_body)",
            vec![
                post(Flowmatic, &hook(creds::FLOWMATIC_WEBHOOK))
                    .signed(creds::FLOWMATIC_SECRET)
                    .json(json!({"event": "test"}))
                    .answers(200, ack(creds::FLOWMATIC_WEBHOOK, creds::FLOWMATIC_WORKFLOW)),
            ],
        ),
        row(
            "flowmatic: For synchronous execution, add a Response node (the webhook answers its body)",
            vec![
                post(Flowmatic, &hook(creds::FLOWMATIC_SYNC_WEBHOOK))
                    .json(json!({"event": "order.created", "data": {"orderId": "ord_1"}}))
                    .answers(200, Exact(json!({"orderId": "ord_1", "status": "confirmed"}))),
            ],
        ),
        row(
            "flowmatic: Core API Endpoints, every row (Bearer token), and a request without it",
            vec![
                get(Flowmatic, "/api/v1/workflows")
                    .flowmatic_token()
                    .answers(200, Json(json!({"data": "<any>",
                        "pagination": {"page": 1, "limit": 20, "total": 4}}))),
                post(Flowmatic, "/api/v1/workflows")
                    .flowmatic_token()
                    .json(json!({"name": "Docs Example", "description": "from the docs",
                                 "triggers": [{"type": "webhook", "webhookId": "docs-example"}]}))
                    .answers(201, Json(json!({"id": "<save:workflow>", "name": "Docs Example",
                        "status": "active", "triggers": [{"type": "webhook", "webhookId": "docs-example"}]}))),
                get(Flowmatic, "/api/v1/workflows/{workflow}")
                    .flowmatic_token()
                    .answers(200, Json(json!({"id": "<saved:workflow>", "description": "from the docs"}))),
                send(Flowmatic, Method::PUT, "/api/v1/workflows/{workflow}")
                    .flowmatic_token()
                    .json(json!({"description": "updated"}))
                    .answers(200, Json(json!({"id": "<saved:workflow>", "description": "updated"}))),
                post(Flowmatic, &format!("/api/v1/workflows/{}/execute", creds::FLOWMATIC_WORKFLOW))
                    .flowmatic_token()
                    .json(json!({"input": {"event": "manual"}}))
                    .answers(202, Json(json!({"executionId": "<save:execution>",
                        "workflowId": creds::FLOWMATIC_WORKFLOW, "status": "RUNNING"}))),
                get(Flowmatic, "/api/v1/executions")
                    .flowmatic_token()
                    .answers(200, Json(json!({"data": "<any>", "pagination": {"page": 1}}))),
                get(Flowmatic, "/api/v1/executions/{execution}")
                    .flowmatic_token()
                    .answers(200, Json(json!({"id": "<saved:execution>",
                        "workflowId": creds::FLOWMATIC_WORKFLOW}))),
                get(Flowmatic, "/api/v1/connectors")
                    .flowmatic_token()
                    .answers(200, Json(json!({"data": [
                        {"id": "slack"}, {"id": "gmail"}, {"id": "stripe"}, {"id": "http"}]}))),
                send(Flowmatic, Method::DELETE, "/api/v1/workflows/{workflow}")
                    .flowmatic_token()
                    .answers(204, Answer::Text("")),
                get(Flowmatic, "/api/v1/workflows")
                    .answers(401, Json(json!({"error": {"code": "UNAUTHORIZED"}}))),
            ],
        ),
    ]
}

// ----- n8n: n8n-trigger-guide-1.txt, n8n-trigger-guide-2.txt -----

fn n8n_rows() -> Vec<Row> {
    use Answer::{Exact, Json, Text};
    use Face::{Admin, N8n};
    let secret = creds::N8N_WEBHOOK_SECRET;
    let email = |to: &str, subject: &str| {
        post(N8n, "/webhook/send-email")
            .header("x-webhook-secret", secret)
            .json(json!({"to": to, "subject": subject}))
            .answers(
                200,
                Exact(json!({"success": true, "to": to, "subject": subject})),
            )
    };
    let no_endpoint = || Exact(json!({"message": "POST method not allowed"}));
    vec![
        row(
            "n8n guide 1: Step 4 (Python httpx), Step 5 (Node fetch), Verification (curl): POST /webhook/send-email with x-webhook-secret",
            vec![
                email("user@example.com", "Hello from the API"),
                email("user@example.com", "Hello"),
                email("test@example.com", "Verify it works"),
            ],
        )
        .contract("the guide's expected output [{\"json\": {\"success\": true}}] is n8n's internal item format; sdk-n8n/docs/contract.md: lastNode answers the last node's JSON as is"),
        row(
            "n8n guide 1: Step 3 header auth, If it fails: \"401 Unauthorized → Secret mismatch\"",
            vec![
                post(N8n, "/webhook/send-email")
                    .header("x-webhook-secret", "not-the-secret")
                    .json(json!({"to": "user@example.com", "subject": "Hello"}))
                    .answers(403, Text("Authorization data is wrong!"))
                    .with_header("www-authenticate", "Basic realm=\"Webhook\""),
            ],
        )
        .contract("sdk-n8n/docs/contract.md: a wrong header value is 403 \"Authorization data is wrong!\" (plain text), not 401"),
        row(
            "n8n guide 1: If it fails: \"404 Not Found → Workflow is not activated\"",
            vec![
                post(N8n, "/webhook/inactive-hook")
                    .json(json!({"to": "user@example.com"}))
                    .answers(404, Exact(json!({"code": 404,
                        "message": "The requested webhook \"POST inactive-hook\" is not registered.",
                        "hint": "<string>"}))),
            ],
        ),
        row(
            "n8n guide 1: Step 1, the test URL /webhook-test/send-email works only while the editor listens",
            vec![
                post(N8n, "/webhook-test/send-email")
                    .header("x-webhook-secret", secret)
                    .json(json!({"to": "user@example.com", "subject": "Hello"}))
                    .answers(404, Exact(json!({"code": 404,
                        "message": "The requested webhook \"send-email\" is not registered.",
                        "hint": "<string>"}))),
                post(Admin, "/__admin/n8n/arm-test-webhook")
                    .json(json!({"workflowId": creds::N8N_SEND_EMAIL}))
                    .answers(200, Json(json!({"armed": creds::N8N_SEND_EMAIL}))),
                post(N8n, "/webhook-test/send-email")
                    .header("x-webhook-secret", secret)
                    .json(json!({"to": "user@example.com", "subject": "Hello"}))
                    .answers(200, Json(json!({"success": true, "to": "user@example.com"}))),
            ],
        ),
        row(
            "n8n guide 1: Step 2, query parameters land at {{ $json.query.paramName }}",
            vec![
                get(N8n, "/webhook/echo?paramName=value")
                    .answers(200, Exact(json!([{"query": {"paramName": "value"}}]))),
            ],
        ),
        row(
            "n8n guide 1: Step 7 fire-and-forget (Response Mode: Immediately)",
            vec![
                post(N8n, "/webhook/send-email-async")
                    .json(json!({"to": "user@example.com"}))
                    .answers(200, Exact(json!({"message": "Workflow was started"}))),
            ],
        ),
        row(
            "n8n guide 1: Step 6, POST /api/v1/workflows/WORKFLOW_ID/run with X-N8N-API-KEY and {\"startNodes\": [], \"runData\": {}} (curl and Python); and the /execute it names",
            vec![
                post(N8n, &format!("/api/v1/workflows/{}/run", creds::N8N_SEND_EMAIL))
                    .header("x-n8n-api-key", creds::N8N_API_KEY)
                    .json(json!({"startNodes": [], "runData": {}}))
                    .answers(405, no_endpoint()),
                post(N8n, &format!("/api/v1/workflows/{}/execute", creds::N8N_SEND_EMAIL))
                    .header("x-n8n-api-key", creds::N8N_API_KEY)
                    .json(json!({}))
                    .answers(405, no_endpoint()),
            ],
        )
        .contract("sdk-n8n/docs/contract.md §3: no released n8n has these endpoints; a real server answers 405 before checking the key"),
        row(
            "n8n guide 2: Example 2, POST /api/v1/workflow/{id}/start with X-N8N-API-KEY (without and with data: curl, Python, Node)",
            vec![
                post(N8n, &format!("/api/v1/workflow/{}/start", creds::N8N_SEND_EMAIL))
                    .header("x-n8n-api-key", creds::N8N_API_KEY)
                    .answers(404, Exact(json!({"message": "not found"}))),
                post(N8n, &format!("/api/v1/workflow/{}/start", creds::N8N_SEND_EMAIL))
                    .header("x-n8n-api-key", creds::N8N_API_KEY)
                    .json(json!({"initialParam": "someValue", "anotherData": 123}))
                    .answers(404, Exact(json!({"message": "not found"}))),
            ],
        )
        .contract("sdk-n8n/docs/contract.md §3: /api/v1/workflow/{id}/start exists in no n8n; a real server answers 404 {\"message\":\"not found\"}"),
        row(
            "n8n guide 2: Example 1, GET and POST /webhook/my-super-secret-webhook (curl, Python requests, Node fetch)",
            vec![
                get(N8n, "/webhook/my-super-secret-webhook")
                    .answers(200, Exact(json!({"message": "Workflow was started"}))),
                post(N8n, "/webhook/my-super-secret-webhook")
                    .json(json!({"name": "John Doe", "email": "john.doe@example.com"}))
                    .answers(200, Exact(json!({"message": "Workflow was started"}))),
                post(N8n, "/webhook/my-super-secret-webhook")
                    .json(json!({"event": "user_signup", "data": {"userId": "12345",
                        "fullName": "Jane Smith", "email": "jane.smith@example.com"}}))
                    .answers(200, Exact(json!({"message": "Workflow was started"}))),
                post(N8n, "/webhook/my-super-secret-webhook")
                    .json(json!({"orderId": "ORD789", "items": [{"productId": "P001", "quantity": 2},
                        {"productId": "P005", "quantity": 1}], "status": "pending"}))
                    .answers(200, Exact(json!({"message": "Workflow was started"}))),
            ],
        ),
    ]
}

// ----- the runner -----

fn base(server: &ReferenceServer, face: Face) -> String {
    match face {
        Face::N8n => server.n8n_url(),
        Face::ToolJet => server.tooljet_url(),
        Face::Flowmatic => server.flowmatic_url(),
        Face::Runs => server.runs_url(),
        Face::Admin => server.base_url(),
    }
}

fn fill(path: &str, saved: &HashMap<String, Value>) -> String {
    let mut path = path.to_owned();
    for (name, value) in saved {
        if let Some(text) = value.as_str() {
            path = path.replace(&format!("{{{name}}}"), text);
        }
    }
    path
}

/// One answer: status, lower-case headers, body text.
struct Got {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

async fn exchange(
    http: &reqwest::Client,
    server: &ReferenceServer,
    ex: &Exchange,
    saved: &HashMap<String, Value>,
) -> Got {
    let url = format!("{}{}", base(server, ex.face), fill(&ex.path, saved));
    let mut req = http.request(ex.method.clone(), url);
    for (name, value) in &ex.headers {
        req = req.header(*name, value);
    }
    let bytes: Option<(Vec<u8>, &str)> = match &ex.body {
        Body::None => None,
        Body::Json(v) => Some((serde_json::to_vec(v).unwrap(), "application/json")),
        Body::CurlData(text) => Some((
            text.as_bytes().to_vec(),
            "application/x-www-form-urlencoded",
        )),
    };
    if let Some((bytes, content_type)) = bytes {
        if let Some(secret) = ex.sign_with {
            req = req.header("x-webhook-signature", sign(secret, &bytes));
        }
        req = req.header("content-type", content_type).body(bytes);
    }
    let response = tokio::time::timeout(Duration::from_secs(30), req.send())
        .await
        .expect("an answer within 30 s")
        .expect("the request is sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = tokio::time::timeout(Duration::from_secs(30), response.text())
        .await
        .expect("a body within 30 s")
        .unwrap_or_default();
    Got {
        status,
        headers,
        text,
    }
}

/// Matches an answer; on success returns the values saved by `<save:…>`.
fn check(
    ex: &Exchange,
    got: &Got,
    saved: &HashMap<String, Value>,
) -> Result<HashMap<String, Value>, String> {
    if got.status != ex.status {
        return Err(format!(
            "status {} (expected {}): {}",
            got.status, ex.status, got.text
        ));
    }
    for (name, pattern) in &ex.answer_headers {
        let value = got
            .headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| format!("no {name} header"))?;
        matches(
            &json!(pattern),
            &json!(value),
            false,
            &mut saved.clone(),
            name,
        )?;
    }
    let mut saved = saved.clone();
    match &ex.answer {
        Answer::Text(text) => {
            if got.text != *text {
                return Err(format!("body {:?} (expected {text:?})", got.text));
            }
        }
        Answer::Contains(parts) => {
            for part in parts {
                if !got.text.contains(part) {
                    return Err(format!("body lacks {part:?}: {}", got.text));
                }
            }
        }
        Answer::Json(pattern) | Answer::Exact(pattern) => {
            let exact = matches!(ex.answer, Answer::Exact(_));
            let body: Value = serde_json::from_str(&got.text)
                .map_err(|e| format!("body is not JSON ({e}): {}", got.text))?;
            matches(pattern, &body, exact, &mut saved, "body")
                .map_err(|e| format!("{e}\n    answer: {body}"))?;
        }
    }
    Ok(saved)
}

/// `<kind>` or `<kind:arg>` of a pattern string; other strings (HTML
/// included) are literal.
fn pattern_kind(p: &str) -> Option<(&str, &str)> {
    let inner = p.strip_prefix('<')?.strip_suffix('>')?;
    let (kind, arg) = inner.split_once(':').unwrap_or((inner, ""));
    let known = [
        "any", "string", "number", "iso", "uuid", "prefix", "save", "saved",
    ];
    known.contains(&kind).then_some((kind, arg))
}

fn matches(
    pattern: &Value,
    actual: &Value,
    exact: bool,
    saved: &mut HashMap<String, Value>,
    at: &str,
) -> Result<(), String> {
    let fail = |what: &str| Err(format!("{at}: {what}, got {actual}"));
    match pattern {
        Value::String(p) if pattern_kind(p).is_some() => {
            let (kind, arg) = pattern_kind(p).unwrap_or_default();
            let ok = match kind {
                "any" => true,
                "string" => actual.is_string(),
                "number" => {
                    actual.is_number() || actual.as_str().is_some_and(|s| s.parse::<f64>().is_ok())
                }
                "iso" => actual
                    .as_str()
                    .is_some_and(|s| s.len() >= 20 && s.as_bytes()[10] == b'T' && s.ends_with('Z')),
                "uuid" => actual
                    .as_str()
                    .is_some_and(|s| s.len() == 36 && s.matches('-').count() == 4),
                "prefix" => actual.as_str().is_some_and(|s| s.starts_with(arg)),
                "save" => {
                    saved.insert(arg.to_owned(), actual.clone());
                    true
                }
                _ => saved.get(arg) == Some(actual),
            };
            if ok {
                Ok(())
            } else {
                fail(&format!("expected {p}"))
            }
        }
        Value::Object(expected) => {
            let Some(got) = actual.as_object() else {
                return fail("expected an object");
            };
            for (key, value) in expected {
                let Some(other) = got.get(key) else {
                    return fail(&format!("no key {key:?}"));
                };
                matches(value, other, exact, saved, &format!("{at}.{key}"))?;
            }
            if exact && let Some(extra) = got.keys().find(|k| !expected.contains_key(*k)) {
                return fail(&format!("unexpected key {extra:?}"));
            }
            Ok(())
        }
        Value::Array(expected) => {
            let Some(got) = actual.as_array() else {
                return fail("expected an array");
            };
            if got.len() != expected.len() {
                return fail(&format!("expected {} elements", expected.len()));
            }
            for (i, (value, other)) in expected.iter().zip(got).enumerate() {
                matches(value, other, exact, saved, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        Value::Number(n) if actual.as_f64() == n.as_f64() => Ok(()),
        other if other == actual => Ok(()),
        _ => fail(&format!("expected {pattern}")),
    }
}

/// Runs one row on a fresh demo server (so rate limits and idempotency keys
/// of one row do not touch another): Ok, or what went wrong.
async fn run(row: &Row) -> Result<(), String> {
    let server = ReferenceServer::start(demo())
        .await
        .map_err(|e| e.to_string())?;
    let http = client();
    let mut saved = HashMap::new();
    for (n, ex) in row.exchanges.iter().enumerate() {
        let label = format!("request {} ({} {})", n + 1, ex.method, ex.path);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        for time in 0..ex.times {
            loop {
                let got = exchange(&http, &server, ex, &saved).await;
                match check(ex, &got, &saved) {
                    Ok(next) => {
                        saved = next;
                        break;
                    }
                    Err(e) if ex.until && tokio::time::Instant::now() < deadline => {
                        let _ = e;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Err(e) => return Err(format!("{label}, send {}: {e}", time + 1)),
                }
            }
        }
    }
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn every_documented_request_gets_the_documented_answer() {
    let rows: Vec<Row> = [runs_rows(), tooljet_rows(), flowmatic_rows(), n8n_rows()]
        .into_iter()
        .flatten()
        .collect();
    let mut failures = Vec::new();
    for row in &rows {
        if let Err(e) = run(row).await {
            let why = row
                .contract
                .map(|c| format!("\n    (contract: {c})"))
                .unwrap_or_default();
            failures.push(format!("{}{why}\n    {e}", row.source));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} documented requests got another answer:\n\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n\n")
    );
    for platform in [
        "runs:",
        "tooljet:",
        "flowmatic:",
        "n8n guide 1:",
        "n8n guide 2:",
    ] {
        assert!(
            rows.iter().any(|r| r.source.starts_with(platform)),
            "no row for {platform}"
        );
    }
}

/// The matcher itself: what a row's pattern accepts and refuses.
#[test]
fn patterns_match_what_they_say() {
    let mut saved = HashMap::new();
    let ok = |p: Value, a: Value, exact: bool, saved: &mut HashMap<String, Value>| {
        matches(&p, &a, exact, saved, "body").is_ok()
    };
    assert!(ok(
        json!({"a": 1}),
        json!({"a": 1.0, "b": 2}),
        false,
        &mut saved
    ));
    assert!(!ok(
        json!({"a": 1}),
        json!({"a": 1, "b": 2}),
        true,
        &mut saved
    ));
    assert!(!ok(json!([1]), json!([1, 2]), false, &mut saved));
    assert!(ok(
        json!("<prefix:run_>"),
        json!("run_1"),
        false,
        &mut saved
    ));
    assert!(!ok(
        json!("<prefix:run_>"),
        json!("inv_1"),
        false,
        &mut saved
    ));
    assert!(ok(
        json!("<iso>"),
        json!("2026-01-01T00:00:00.000Z"),
        false,
        &mut saved
    ));
    assert!(!ok(json!("<iso>"), json!("yesterday"), false, &mut saved));
    assert!(ok(
        json!({"id": "<save:x>"}),
        json!({"id": "run_9"}),
        false,
        &mut saved
    ));
    assert!(ok(json!("<saved:x>"), json!("run_9"), false, &mut saved));
    assert!(!ok(json!("<saved:x>"), json!("run_8"), false, &mut saved));
    assert!(!ok(json!(null), json!(0), false, &mut saved));
    assert!(ok(
        json!("<p>hi</p>"),
        json!("<p>hi</p>"),
        false,
        &mut saved
    ));
    assert!(!ok(json!("<p>hi</p>"), json!("hi"), false, &mut saved));
    assert_eq!(fill("/runs/{x}", &saved), "/runs/run_9");
}
