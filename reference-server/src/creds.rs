//! Ids and credentials of the demo set ([`crate::demo`]).

/// n8n public API key (`X-N8N-API-KEY`).
pub const N8N_API_KEY: &str = "n8n_api_demo";
/// Header name of the header-auth demo webhook.
pub const N8N_WEBHOOK_HEADER: &str = "x-webhook-secret";
/// Header value of the header-auth demo webhook.
pub const N8N_WEBHOOK_SECRET: &str = "demo-webhook-secret";
/// Basic-auth user of `BasicAuthDemo001`.
pub const N8N_BASIC_USER: &str = "demo";
/// Basic-auth password of `BasicAuthDemo001`.
pub const N8N_BASIC_PASSWORD: &str = "demo-pass";
/// n8n: `POST send-email`, header auth, lastNode.
pub const N8N_SEND_EMAIL: &str = "SendEmailDemo001";
/// n8n: `POST send-email-async`, onReceived, 200 ms delay.
pub const N8N_FIRE_FORGET: &str = "FireForgetDemo01";
/// n8n: `GET echo`, lastNode/allEntries.
pub const N8N_ECHO_QUERY: &str = "EchoQueryDemo001";
/// n8n: `POST broken`, lastNode, a failing step.
pub const N8N_BROKEN: &str = "BrokenFlowDemo01";
/// n8n: `POST inactive-hook`, inactive.
pub const N8N_INACTIVE: &str = "InactiveDemo0001";
/// n8n: `POST respond`, responseNode, 201.
pub const N8N_RESPOND_NODE: &str = "RespondNodeDemo1";
/// n8n: `POST basic-hook`, basic auth.
pub const N8N_BASIC_AUTH: &str = "BasicAuthDemo001";
/// n8n: `GET my-super-secret-webhook` (the second guide's), onReceived.
pub const N8N_GUIDE_GET: &str = "GuideWebhookGet1";
/// n8n: `POST my-super-secret-webhook` (the second guide's), onReceived.
pub const N8N_GUIDE_POST: &str = "GuideWebhookPost";
/// n8n: `POST send-email-callback`, onReceived; its last step POSTs
/// `{"executionId", "result"}` to the input's `callbackUrl`, signed with
/// [`N8N_CALLBACK_SECRET`] (`X-Webhook-Signature: sha256=<hex>`).
pub const N8N_CALLBACK: &str = "CallbackDemo0001";
/// The secret [`N8N_CALLBACK`] signs its callback with.
pub const N8N_CALLBACK_SECRET: &str = "whsec_callback_demo";

/// ToolJet demo workflow (params `name: string`, `emp_id: number`).
pub const TOOLJET_WORKFLOW: &str = "2f6c3e8a-1d4b-4c5e-9f7a-0b1c2d3e4f50";
/// ToolJet workflow whose webhook trigger is disabled.
pub const TOOLJET_DISABLED_WORKFLOW: &str = "2f6c3e8a-1d4b-4c5e-9f7a-0b1c2d3e4f51";
/// Bearer token of both ToolJet demo workflows.
pub const TOOLJET_TOKEN: &str = "7d3f1c2a-9b8e-4f6d-a5c4-3b2a1f0e9d8c";

/// Flowmatic REST API bearer token.
pub const FLOWMATIC_TOKEN: &str = "fm_demo_token";
/// Flowmatic signed async webhook (of [`FLOWMATIC_WORKFLOW`]).
pub const FLOWMATIC_WEBHOOK: &str = "abc-123";
/// Flowmatic demo workflow.
pub const FLOWMATIC_WORKFLOW: &str = "wf-456";
/// HMAC secret of [`FLOWMATIC_WEBHOOK`].
pub const FLOWMATIC_SECRET: &str = "whsec_demo_secret";
/// Flowmatic sync webhook (Response node, no secret).
pub const FLOWMATIC_SYNC_WEBHOOK: &str = "order-sync";
/// Workflow of [`FLOWMATIC_SYNC_WEBHOOK`].
pub const FLOWMATIC_SYNC_WORKFLOW: &str = "wf-order-sync";
/// Flowmatic unsigned async webhook (the docs' POST and GET examples).
pub const FLOWMATIC_ORDER_WEBHOOK: &str = "order-created";
/// Workflow of [`FLOWMATIC_ORDER_WEBHOOK`].
pub const FLOWMATIC_ORDER_WORKFLOW: &str = "wf-order-created";
/// Webhook of the inactive Flowmatic workflow.
pub const FLOWMATIC_INACTIVE_WEBHOOK: &str = "inactive-hook";
/// Inactive Flowmatic workflow.
pub const FLOWMATIC_INACTIVE_WORKFLOW: &str = "wf-inactive";

/// runs API key with every scope.
pub const RUNS_API_KEY: &str = "wfk_demo0000000000000000000000000000";
/// runs API key with `runs:read` only.
pub const RUNS_READ_KEY: &str = "wfk_read0000000000000000000000000000";
/// runs: "Process Customer Order", the docs' "Complete Example" verbatim
/// (active, version 3).
pub const RUNS_CUSTOMER_ORDER: &str = "wf_customer_order";
/// runs: "Create Invoice", the docs' "Input Validation" example (input
/// schema: `customerId` `^cus_…`, `amount` ≥ 100, `currency` default `usd`).
pub const RUNS_CREATE_INVOICE: &str = "wf_create_invoice";
/// runs: "Order Confirmation", the docs' "Input Data" step (an e-mail to
/// `{{input.customer.email}}`), no input schema.
pub const RUNS_ORDER_CONFIRMATION: &str = "wf_order_confirmation";
/// runs: "Generate Report", the docs' on-demand use case (`reportType` required).
pub const RUNS_REPORT_GENERATOR: &str = "wf_report_generator";
/// runs: "Customer Sync", the docs' batch use case (`customerId` required).
pub const RUNS_CUSTOMER_SYNC: &str = "wf_customer_sync";
/// runs: "Daily Report", the docs' external-scheduler use case (input `{}`).
pub const RUNS_DAILY_REPORT: &str = "wf_daily_report";
/// runs: "Invoice Paid", a webhook-triggered workflow the docs test through
/// the API with a simulated Stripe event.
pub const RUNS_INVOICE_PAID: &str = "wf_invoice_paid";
/// runs: a draft workflow.
pub const RUNS_DRAFT: &str = "wf_draft";
/// runs: fails in step `charge`.
pub const RUNS_FAILING: &str = "wf_failing";
/// runs: one 3 s delay step, for cancel tests.
pub const RUNS_SLOW: &str = "wf_slow_report";
/// runs: a known connection id (`connectionId`).
pub const RUNS_CONNECTION: &str = "conn_demo_stripe";
/// runs: the connection id of the docs' "Specifying a Connection".
pub const RUNS_PRODUCTION_CONNECTION: &str = "conn_production_stripe";
