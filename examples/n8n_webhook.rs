//! n8n: call a webhook with header auth and a JSON payload, and read the
//! result of a "When last node finishes" (`lastNode`) Webhook node.
//!
//! Runs against the embedded reference server (workflow `send-email`). To call
//! a real n8n instead, set `N8N_BASE_URL` (e.g. `http://localhost:5678`) and
//! `N8N_WEBHOOK_SECRET` (the value of the webhook's `x-webhook-secret` header).
//!
//! ```text
//! cargo run --example n8n_webhook
//! ```

mod platform;

use serde_json::json;
use trigger_sdk::Report;
use trigger_sdk::n8n::{ResponseMode, WebhookTrigger};
use trigger_sdk::{RunStatus, Trigger, TriggerRequest, WaitOptions};
use trigger_sdk_reference_server::{creds, demo};

#[tokio::main]
async fn main() -> Result<(), Report> {
    // A real n8n when configured, else the embedded server with the demo set.
    let (_server, base_url, secret) =
        platform::n8n(demo(), "N8N_WEBHOOK_SECRET", creds::N8N_WEBHOOK_SECRET).await?;

    let send_email = WebhookTrigger::builder(&base_url, "send-email")
        .header_auth(creds::N8N_WEBHOOK_HEADER, secret)
        .response_mode(ResponseMode::LastNode)
        .build()?;
    println!("calling {}", send_email.target());

    let payload = json!({"to": "ada@example.com", "subject": "Welcome aboard"});
    let run = send_email.trigger(TriggerRequest::new(payload)).await?;

    // lastNode: the answer is the result, so the handle is finished at once.
    let outcome = run.wait(WaitOptions::default()).await?;
    println!(
        "status {} (HTTP {})",
        outcome.status,
        outcome.http_status.unwrap_or_default()
    );
    println!("result {}", outcome.output);
    if outcome.status != RunStatus::Succeeded || outcome.output["success"] != true {
        return Err("the send-email webhook did not report success".into());
    }

    // A wrong secret is a typed error (n8n answers header-auth failures with 403).
    let wrong = WebhookTrigger::builder(&base_url, "send-email")
        .header_auth(creds::N8N_WEBHOOK_HEADER, "not-the-secret")
        .build()?;
    match wrong.trigger(TriggerRequest::new(json!({}))).await {
        Err(trigger_sdk::Error::Unauthorized(answer)) => {
            println!("wrong secret -> unauthorized ({answer})");
        }
        other => return Err(format!("expected Unauthorized, got {other:?}").into()),
    }
    Ok(())
}
