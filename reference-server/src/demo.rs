//! The demo set: fixed workflows, ids and credentials ([`crate::creds`]).

use serde_json::json;

use crate::config::{
    Config, FlowmaticConnector, FlowmaticExposure, N8nAuth, N8nExposure, N8nResponseData,
    N8nResponseMode, RunsApiKey, RunsExposure, Step, ToolJetExposure, ToolJetParam, Workflow,
};
use crate::creds;

/// The demo configuration: the default of the binary and of
/// [`crate::ReferenceServer::start_demo`].
pub fn demo() -> Config {
    let mut config = Config::default();
    config.n8n.api_keys = vec![creds::N8N_API_KEY.to_owned()];
    config.flowmatic.api_tokens = vec![creds::FLOWMATIC_TOKEN.to_owned()];
    config.flowmatic.connectors = connectors();
    config.runs.api_keys = vec![
        RunsApiKey {
            key: creds::RUNS_API_KEY.to_owned(),
            scopes: [
                "workflows:read",
                "workflows:write",
                "workflows:execute",
                "runs:read",
            ]
            .map(str::to_owned)
            .to_vec(),
        },
        RunsApiKey {
            key: creds::RUNS_READ_KEY.to_owned(),
            scopes: vec!["runs:read".to_owned()],
        },
    ];
    config.runs.connections = vec![
        creds::RUNS_CONNECTION.to_owned(),
        creds::RUNS_PRODUCTION_CONNECTION.to_owned(),
    ];
    config.workflows = n8n_workflows();
    config.workflows.extend(tooljet_workflows());
    config.workflows.extend(flowmatic_workflows());
    config.workflows.extend(runs_workflows());
    config
}

fn n8n(path: &str, method: &str, mode: N8nResponseMode, webhook_no: u32) -> N8nExposure {
    N8nExposure {
        path: path.to_owned(),
        method: method.to_owned(),
        response_mode: mode,
        webhook_id: format!("5f0c2b1e-7a3d-4e8f-9b6a-{webhook_no:012x}"),
        ..N8nExposure::default()
    }
}

fn n8n_workflows() -> Vec<Workflow> {
    let mut send = Workflow::new(
        creds::N8N_SEND_EMAIL,
        "Send Email",
        vec![
            Step::transform(
                "send",
                json!({"success": true, "to": "{{input.body.to}}", "subject": "{{input.body.subject}}"}),
            )
            .named("Send Email"),
        ],
    );
    send.n8n = Some(N8nExposure {
        auth: N8nAuth::Header {
            name: creds::N8N_WEBHOOK_HEADER.to_owned(),
            value: creds::N8N_WEBHOOK_SECRET.to_owned(),
        },
        tags: vec!["demo".to_owned(), "email".to_owned()],
        ..n8n("send-email", "POST", N8nResponseMode::LastNode, 1)
    });

    let mut fire = Workflow::new(
        creds::N8N_FIRE_FORGET,
        "Send Email Async",
        vec![
            Step::delay("wait", 200).named("Wait"),
            Step::transform("send", json!({"sent": true, "to": "{{input.body.to}}"}))
                .named("Send Email"),
        ],
    );
    fire.n8n = Some(N8nExposure {
        tags: vec!["demo".to_owned()],
        ..n8n("send-email-async", "POST", N8nResponseMode::OnReceived, 2)
    });

    let mut echo = Workflow::new(
        creds::N8N_ECHO_QUERY,
        "Echo Query",
        vec![Step::transform("echo", json!({"query": "{{input.query}}"})).named("Echo")],
    );
    echo.n8n = Some(N8nExposure {
        response_data: N8nResponseData::AllEntries,
        ..n8n("echo", "GET", N8nResponseMode::LastNode, 3)
    });

    let mut broken = Workflow::new(
        creds::N8N_BROKEN,
        "Broken Flow",
        vec![Step::fail("explode", "Something went wrong in the workflow").named("Stop and Error")],
    );
    broken.n8n = Some(n8n("broken", "POST", N8nResponseMode::LastNode, 4));

    let mut inactive = Workflow::new(
        creds::N8N_INACTIVE,
        "Inactive Flow",
        vec![Step::transform("noop", json!({"ok": true})).named("Noop")],
    );
    inactive.n8n = Some(N8nExposure {
        active: false,
        ..n8n("inactive-hook", "POST", N8nResponseMode::OnReceived, 5)
    });

    let mut respond = Workflow::new(
        creds::N8N_RESPOND_NODE,
        "Respond Node",
        vec![
            Step::respond(
                "respond",
                201,
                json!({"executionId": "{{execution.id}}", "received": "{{input.body}}"}),
            )
            .named("Respond to Webhook"),
        ],
    );
    respond.n8n = Some(n8n("respond", "POST", N8nResponseMode::ResponseNode, 6));

    let mut basic = Workflow::new(
        creds::N8N_BASIC_AUTH,
        "Basic Auth Hook",
        vec![
            Step::transform(
                "accept",
                json!({"authenticated": true, "received": "{{input.body}}"}),
            )
            .named("Accept"),
        ],
    );
    basic.n8n = Some(N8nExposure {
        auth: N8nAuth::Basic {
            user: creds::N8N_BASIC_USER.to_owned(),
            password: creds::N8N_BASIC_PASSWORD.to_owned(),
        },
        ..n8n("basic-hook", "POST", N8nResponseMode::LastNode, 7)
    });

    // The second n8n guide's webhook, by GET and by POST.
    let guide = |id: &str, method: &str, webhook_no: u32| {
        Workflow::new(
            id,
            &format!("My Super Secret Webhook ({method})"),
            vec![
                Step::transform(
                    "received",
                    json!({"query": "{{input.query}}", "body": "{{input.body}}"}),
                )
                .named("Received"),
            ],
        )
        .on_n8n(n8n(
            "my-super-secret-webhook",
            method,
            N8nResponseMode::OnReceived,
            webhook_no,
        ))
    };
    let guide_get = guide(creds::N8N_GUIDE_GET, "GET", 8);
    let guide_post = guide(creds::N8N_GUIDE_POST, "POST", 9);

    // The first guide's step 7 ("push results back via a second webhook"):
    // a fire-and-forget run whose last step calls the caller back.
    let callback = Workflow::new(
        creds::N8N_CALLBACK,
        "Send Email With Callback",
        vec![
            Step::delay("wait", 100).named("Wait"),
            Step::transform("send", json!({"sent": true, "to": "{{input.body.to}}"}))
                .named("Send Email"),
            Step::http_request(
                "callback",
                "{{input.body.callbackUrl}}",
                json!({"executionId": "{{execution.id}}", "result": "{{steps.send.output}}"}),
                Some(creds::N8N_CALLBACK_SECRET),
            )
            .named("Call Back"),
        ],
    )
    .on_n8n(n8n(
        "send-email-callback",
        "POST",
        N8nResponseMode::OnReceived,
        10,
    ));

    vec![
        send, fire, echo, broken, inactive, respond, basic, guide_get, guide_post, callback,
    ]
}

fn tooljet_workflows() -> Vec<Workflow> {
    let exposure = ToolJetExposure {
        token: creds::TOOLJET_TOKEN.to_owned(),
        versions: vec!["v1".to_owned(), "v2".to_owned()],
        params: vec![
            ToolJetParam {
                key: "name".to_owned(),
                data_type: "string".to_owned(),
            },
            ToolJetParam {
                key: "emp_id".to_owned(),
                data_type: "number".to_owned(),
            },
        ],
        ..ToolJetExposure::default()
    };
    let steps = vec![
        Step::delay("wait", 300).named("Wait"),
        Step::respond(
            "response",
            200,
            json!({"message": "Welcome {{input.name}}", "emp_id": "{{input.emp_id}}"}),
        )
        .named("Response"),
    ];
    let mut welcome = Workflow::new(creds::TOOLJET_WORKFLOW, "Employee Welcome", steps.clone());
    welcome.tooljet = Some(exposure.clone());
    let mut disabled = Workflow::new(
        creds::TOOLJET_DISABLED_WORKFLOW,
        "Employee Welcome (webhook off)",
        steps,
    );
    disabled.tooljet = Some(ToolJetExposure {
        webhook_enabled: false,
        ..exposure
    });
    vec![welcome, disabled]
}

fn flowmatic_workflows() -> Vec<Workflow> {
    let mut process = Workflow::new(
        creds::FLOWMATIC_WORKFLOW,
        "Process Webhook Event",
        vec![
            Step::delay("wait", 300).named("Wait"),
            Step::transform(
                "process",
                json!({"processed": true, "event": "{{input.event}}"}),
            )
            .named("Process"),
        ],
    );
    process.description = "Processes signed webhook events asynchronously".to_owned();
    process.flowmatic = Some(FlowmaticExposure {
        webhook_id: creds::FLOWMATIC_WEBHOOK.to_owned(),
        trigger_id: "trg-abc-123".to_owned(),
        secret: Some(creds::FLOWMATIC_SECRET.to_owned()),
        active: true,
    });

    let mut sync = Workflow::new(
        creds::FLOWMATIC_SYNC_WORKFLOW,
        "Order Sync",
        vec![
            Step::respond(
                "response",
                200,
                json!({"orderId": "{{input.data.orderId}}", "status": "confirmed"}),
            )
            .named("Response"),
        ],
    );
    sync.description = "Confirms an order synchronously through a Response node".to_owned();
    sync.flowmatic = Some(FlowmaticExposure {
        webhook_id: creds::FLOWMATIC_SYNC_WEBHOOK.to_owned(),
        trigger_id: "trg-order-sync".to_owned(),
        secret: None,
        active: true,
    });

    // The docs' unsigned webhook: their POST and GET requests and the
    // `_webhook` context they describe.
    let order = Workflow::new(
        creds::FLOWMATIC_ORDER_WORKFLOW,
        "Order Created",
        vec![
            Step::delay("wait", 100).named("Wait"),
            Step::transform(
                "record",
                json!({
                    "customerId": "{{input.customer_id}}",
                    "event": "{{input.event}}",
                    "amount": "{{input.data.amount}}",
                    "userAgent": "{{_webhook.headers.user-agent}}",
                    "source": "{{_webhook.query.source}}"
                }),
            )
            .named("Record"),
        ],
    )
    .with_description("Records order events sent to an unsigned webhook")
    .on_flowmatic(FlowmaticExposure {
        webhook_id: creds::FLOWMATIC_ORDER_WEBHOOK.to_owned(),
        trigger_id: "trigger-456".to_owned(),
        secret: None,
        active: true,
    });

    let mut inactive = Workflow::new(
        creds::FLOWMATIC_INACTIVE_WORKFLOW,
        "Inactive Workflow",
        vec![Step::transform("noop", json!({"ok": true}))],
    );
    inactive.flowmatic = Some(FlowmaticExposure {
        webhook_id: creds::FLOWMATIC_INACTIVE_WEBHOOK.to_owned(),
        trigger_id: "trg-inactive".to_owned(),
        secret: None,
        active: false,
    });
    vec![process, sync, order, inactive]
}

fn connectors() -> Vec<FlowmaticConnector> {
    let c = |id: &str, name: &str, category: &str, actions: &[&str]| FlowmaticConnector {
        id: id.to_owned(),
        name: name.to_owned(),
        category: category.to_owned(),
        actions: actions.iter().map(|a| (*a).to_owned()).collect(),
    };
    vec![
        c(
            "slack",
            "Slack",
            "communication",
            &["send_message", "create_channel"],
        ),
        c("gmail", "Gmail", "email", &["send_email"]),
        c(
            "stripe",
            "Stripe",
            "payments",
            &["create_invoice", "create_customer"],
        ),
        c("http", "HTTP Request", "utility", &["request"]),
    ]
}

/// A runs workflow read from a fixture in the documented format, with the
/// id (and version) the docs' example leaves to the platform.
fn runs_document(id: &str, version: u32, document: &str) -> Workflow {
    let mut wf: Workflow = match serde_json::from_str(document) {
        Ok(wf) => wf,
        // The fixtures are compiled in and parsed by the tests.
        Err(e) => panic!("demo fixture of {id} is not a workflow document: {e}"),
    };
    wf.id = id.to_owned();
    if let Some(runs) = &mut wf.runs {
        runs.version = version;
    }
    wf
}

/// The runs API's own examples: "Process Customer Order" (the "Complete
/// Example", verbatim) and "Create Invoice" (the "Input Validation" example,
/// its `"steps": [...]` filled in), each from its fixture file, plus a
/// workflow for each id and input the page's requests use.
fn runs_workflows() -> Vec<Workflow> {
    let order = runs_document(
        creds::RUNS_CUSTOMER_ORDER,
        3,
        include_str!("../fixtures/runs/process-customer-order.json"),
    );
    let invoice = runs_document(
        creds::RUNS_CREATE_INVOICE,
        1,
        include_str!("../fixtures/runs/create-invoice.json"),
    );

    // "Input Data": the page's step config, over the page's request.
    let confirmation = Workflow::new(
        creds::RUNS_ORDER_CONFIRMATION,
        "Order Confirmation",
        vec![
            Step::email(
                "send-email",
                json!({
                    "to": "{{input.customer.email}}",
                    "subject": "Order for {{input.items.0.product}}"
                }),
            )
            .named("Send Email"),
        ],
    )
    .with_description("Emails the customer about their order")
    .on_runs(RunsExposure::default());

    // "Use Cases": the workflows the page triggers by id.
    let report = Workflow::new(
        creds::RUNS_REPORT_GENERATOR,
        "Generate Report",
        vec![
            Step::delay("collect", 100).named("Collect Data"),
            Step::transform(
                "render",
                json!({
                    "reportType": "{{input.reportType}}",
                    "period": {"start": "{{input.startDate}}", "end": "{{input.endDate}}"},
                    "format": "{{input.format | default: 'pdf'}}",
                    "url": "https://reports.example.com/{{execution.id}}.{{input.format | default: 'pdf'}}"
                }),
            )
            .named("Render Report"),
        ],
    )
    .with_description("Generates a report on demand")
    .on_runs(RunsExposure::active(
        1,
        Some(json!({
            "type": "object",
            "required": ["reportType"],
            "properties": {
                "reportType": {"type": "string"},
                "startDate": {"type": "string"},
                "endDate": {"type": "string"},
                "format": {"type": "string", "enum": ["pdf", "csv"], "default": "pdf"}
            }
        })),
    ));
    let sync = Workflow::new(
        creds::RUNS_CUSTOMER_SYNC,
        "Customer Sync",
        vec![
            Step::transform(
                "sync",
                json!({"customerId": "{{input.customerId}}", "synced": true}),
            )
            .named("Sync Customer"),
        ],
    )
    .with_description("Syncs one customer")
    .on_runs(RunsExposure::active(
        1,
        Some(json!({
            "type": "object",
            "required": ["customerId"],
            "properties": {"customerId": {"type": "string"}}
        })),
    ));
    let daily = Workflow::new(
        creds::RUNS_DAILY_REPORT,
        "Daily Report",
        vec![
            Step::transform(
                "summarize",
                json!({"report": "daily", "runId": "{{execution.id}}"}),
            )
            .named("Summarize"),
        ],
    )
    .with_description("Run every morning by an external scheduler")
    .on_runs(RunsExposure::default());
    // "Testing Workflows": a webhook workflow run through the API.
    let paid = Workflow::new(
        creds::RUNS_INVOICE_PAID,
        "Invoice Paid",
        vec![
            Step::transform(
                "record-payment",
                json!({
                    "event": "{{input.type}}",
                    "invoiceId": "{{input.data.object.id}}",
                    "amountPaid": "{{input.data.object.amount_paid}}"
                }),
            )
            .named("Record Payment"),
        ],
    )
    .with_description("Records a paid Stripe invoice (a webhook workflow)")
    .on_runs(RunsExposure::default().with_trigger(json!({"type": "webhook"})));

    let draft = Workflow::new(
        creds::RUNS_DRAFT,
        "Draft Workflow",
        vec![Step::transform("noop", json!({"ok": true}))],
    )
    .on_runs(RunsExposure::draft());

    let failing = Workflow::new(
        creds::RUNS_FAILING,
        "Failing Workflow",
        vec![
            Step::transform(
                "prepare",
                json!({"amount": "{{input.amount | default: 100}}"}),
            )
            .named("Prepare"),
            Step::fail("charge", "Card declined: insufficient funds").named("Charge"),
            Step::transform("notify", json!({"notified": true})).named("Notify"),
        ],
    )
    .on_runs(RunsExposure::active(2, None));

    let slow = Workflow::new(
        creds::RUNS_SLOW,
        "Slow Report",
        vec![
            Step::delay("collect", 3000).named("Collect Data"),
            Step::transform("report", json!({"rows": 42})).named("Build Report"),
        ],
    )
    .on_runs(RunsExposure::default());

    vec![
        order,
        invoice,
        confirmation,
        report,
        sync,
        daily,
        paid,
        draft,
        failing,
        slow,
    ]
}
