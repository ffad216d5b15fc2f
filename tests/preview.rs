//! `Trigger::preview` shows what `Trigger::trigger` sends: for every
//! provider, the preview of a request and what a recording server then
//! received for the same request have the same method, path and query,
//! headers (credentials and signatures included) and body — and the
//! preview's `Display` shows none of the credentials.
//!
//! The rows are one table: each is a trigger built for a base URL, and the
//! request it is previewed and sent with.

use serde_json::json;
use trigger_sdk::{
    Trigger, TriggerMode, TriggerRequest,
    flowmatic::{FlowmaticWebhook, WebhookMethod},
    n8n::{BodyFormat, WebhookTrigger},
    runs::{RunsClient, RunsWorkflow},
    tooljet::ToolJetWorkflow,
};
use trigger_sdk_test_support::{Received, ok_server};

const KEY: &str = "sk-preview-credential-0123456789";

type Build = fn(&str) -> Box<dyn Trigger>;

/// (name, trigger for a base URL, the request).
fn rows() -> Vec<(&'static str, Build, TriggerRequest)> {
    let payload = json!({"to": "ada@example.com", "n": 3});
    let request = || {
        TriggerRequest::new(payload.clone())
            .query("source", "preview test")
            .header("x-request-id", "42")
    };
    vec![
        (
            "runs",
            |base| {
                let client = RunsClient::new(base, KEY).expect("builds");
                Box::new(RunsWorkflow::new(client, "wf_1").with_connection("conn_1"))
            },
            TriggerRequest::new(payload.clone()).idempotency_key("order-1"),
        ),
        (
            "n8n header auth",
            |base| {
                Box::new(
                    WebhookTrigger::builder(base, "send-email")
                        .header_auth("x-webhook-secret", KEY)
                        .query("always", "1")
                        .build()
                        .expect("builds"),
                )
            },
            request(),
        ),
        (
            "n8n basic auth, form body",
            |base| {
                Box::new(
                    WebhookTrigger::builder(base, "form")
                        .basic_auth("demo", KEY)
                        .body_format(BodyFormat::Form)
                        .build()
                        .expect("builds"),
                )
            },
            request(),
        ),
        (
            "n8n jwt auth",
            |base| {
                Box::new(
                    WebhookTrigger::builder(base, "jwt")
                        .jwt_auth(KEY, json!({"sub": "cron"}))
                        .build()
                        .expect("builds"),
                )
            },
            request(),
        ),
        (
            "tooljet sync",
            |base| {
                Box::new(
                    ToolJetWorkflow::builder(base, "wf-uuid", KEY)
                        .version("v2")
                        .build()
                        .expect("builds"),
                )
            },
            request().mode(TriggerMode::Wait),
        ),
        (
            "tooljet async",
            |base| Box::new(ToolJetWorkflow::new(base, "wf-uuid", KEY).expect("builds")),
            request(),
        ),
        (
            "flowmatic signed POST",
            |base| {
                Box::new(
                    FlowmaticWebhook::builder(base, "abc-123")
                        .secret(KEY)
                        .build()
                        .expect("builds"),
                )
            },
            request().header("X-Webhook-Signature", "forged"),
        ),
        (
            "flowmatic signed GET",
            |base| {
                Box::new(
                    FlowmaticWebhook::builder(base, "abc-123")
                        .method(WebhookMethod::Get)
                        .secret(KEY)
                        .build()
                        .expect("builds"),
                )
            },
            request(),
        ),
    ]
}

/// Headers the HTTP client adds on its own, which a preview leaves out.
const CLIENT_HEADERS: [&str; 5] = [
    "host",
    "user-agent",
    "content-length",
    "accept",
    "accept-encoding",
];

fn path_and_query(url: &trigger_sdk::reqwest::Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

fn header_values<'a>(received: &'a Received, name: &str) -> Vec<&'a str> {
    received
        .headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}

#[tokio::test]
async fn every_preview_is_what_its_trigger_sends() {
    for (name, build, request) in rows() {
        let server = ok_server().await;
        let trigger = build(&server.base);
        let preview = trigger.preview(&request).expect(name);
        // The answer (`{"ok":true}`) is not every provider's: only what was
        // sent matters here.
        let _ = trigger.trigger(request).await;
        let received = server.received.requests();
        assert_eq!(received.len(), 1, "{name}");
        let received = &received[0];

        assert_eq!(received.method.as_str(), preview.method.as_str(), "{name}");
        assert_eq!(received.uri, path_and_query(&preview.url), "{name}");
        assert_eq!(
            received.body.as_ref(),
            preview.body.as_deref().unwrap_or_default(),
            "{name}"
        );
        for (header, value) in &preview.headers {
            assert_eq!(
                header_values(received, header),
                [value.expose()],
                "{name}: {header}"
            );
        }
        for header in received.headers.keys() {
            assert!(
                CLIENT_HEADERS.contains(&header.as_str())
                    || preview.find_header(header.as_str()).is_some(),
                "{name}: {header} was sent but is not in the preview {preview}"
            );
        }
        let shown = preview.to_string();
        assert!(!shown.contains(KEY), "{name} shows the secret: {shown}");
        assert!(
            preview.headers.iter().any(|(_, v)| v.is_secret()),
            "{name}: the credential is in the preview"
        );
    }
}

#[tokio::test]
async fn runs_previews_carry_no_generated_key() {
    let server = ok_server().await;
    let client = RunsClient::new(&server.base, KEY).expect("builds");
    let trigger = RunsWorkflow::new(client, "wf_1");
    let request = TriggerRequest::new(json!({"n": 1}));
    let preview = trigger.preview(&request).expect("previews");
    assert_eq!(preview.body_text().as_deref(), Some(r#"{"input":{"n":1}}"#));
    let _ = trigger.trigger(request).await;
    let sent: serde_json::Value =
        serde_json::from_slice(&server.received.requests()[0].body).expect("JSON");
    assert!(
        sent["idempotencyKey"]
            .as_str()
            .is_some_and(|k| !k.is_empty()),
        "a key is generated for the call: {sent}"
    );

    // The runs API takes no query or headers, in a preview as in a call.
    let refused = trigger.preview(&TriggerRequest::new(json!({})).query("a", "b"));
    assert!(matches!(
        refused,
        Err(trigger_sdk::Error::Unsupported { .. })
    ));
}
