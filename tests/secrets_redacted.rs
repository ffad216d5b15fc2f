//! Every provider's clients, triggers and handles hold their credentials as
//! `Secret`s: neither `{:?}` nor `{}` of them, nor of the errors a wrong
//! credential produces, shows a key.

use serde_json::json;
use trigger_sdk::{
    Error, Secret, Trigger, TriggerRequest,
    flowmatic::{FlowmaticClient, FlowmaticWebhook},
    n8n::{N8nClient, WebhookTrigger},
    runs::RunsClient,
    tooljet::ToolJetWorkflow,
};
use trigger_sdk_reference_server::{ReferenceServer, creds};

const KEYS: [&str; 5] = [
    "n8n_key_must_not_leak_0001",
    "hook_secret_must_not_leak_0002",
    "tooljet_token_must_not_leak_0003",
    "fm_token_must_not_leak_0004",
    "wfk_key_must_not_leak_00000000005",
];

fn assert_hidden(what: &str, text: &str) {
    for key in KEYS {
        assert!(!text.contains(key), "{what} shows a secret: {text}");
    }
}

#[tokio::test]
async fn clients_triggers_and_errors_never_show_a_credential() {
    let server = ReferenceServer::start_demo().await.expect("server");
    let n8n = N8nClient::new(server.n8n_url(), Secret::new(KEYS[0])).unwrap();
    let hook = WebhookTrigger::builder(server.n8n_url(), "send-email")
        .header_auth(creds::N8N_WEBHOOK_HEADER, Secret::new(KEYS[1]))
        .track_execution_id("/executionId", n8n.clone())
        .build()
        .unwrap();
    let tooljet = ToolJetWorkflow::new(
        server.tooljet_url(),
        creds::TOOLJET_WORKFLOW,
        Secret::new(KEYS[2]),
    )
    .unwrap();
    let flowmatic = FlowmaticClient::new(server.flowmatic_url(), Secret::new(KEYS[3])).unwrap();
    let webhook = FlowmaticWebhook::builder(server.flowmatic_url(), creds::FLOWMATIC_WEBHOOK)
        .secret(Secret::new(KEYS[1]))
        .client(flowmatic.clone())
        .build()
        .unwrap();
    let runs = RunsClient::new(server.runs_url(), Secret::new(KEYS[4])).unwrap();

    assert_hidden("N8nClient", &format!("{n8n:?}"));
    assert_hidden("WebhookTrigger", &format!("{hook:?}"));
    assert_hidden("ToolJetWorkflow", &format!("{tooljet:?}"));
    assert_hidden("FlowmaticClient", &format!("{flowmatic:?}"));
    assert_hidden("FlowmaticWebhook", &format!("{webhook:?}"));
    assert_hidden("RunsClient", &format!("{runs:?}"));

    // Every one of these credentials is wrong for the demo server: the errors
    // (with their raw bodies) must not echo them either.
    let triggers: Vec<Box<dyn Trigger>> = vec![
        Box::new(hook),
        Box::new(tooljet),
        Box::new(webhook),
        Box::new(runs.workflow(creds::RUNS_CUSTOMER_ORDER)),
    ];
    for trigger in &triggers {
        assert_hidden("trigger", &format!("{trigger:?}"));
        let err = trigger
            .trigger(TriggerRequest::new(
                json!({"to": "a@b.c", "name": "x", "emp_id": 1}),
            ))
            .await
            .expect_err("wrong credentials");
        assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
        assert_hidden("error", &format!("{err:?} {err}"));
    }
    let err = n8n.execution("1", false).await.expect_err("wrong API key");
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert_hidden("error", &format!("{err:?} {err}"));
    server.shutdown().await;
}
