//! n8n fire-and-forget, finished by a callback: the Webhook node answers
//! "Immediately" (`onReceived`), so the trigger learns only that the run
//! started; the workflow's last step POSTs its result to a callback URL it
//! was given in its input, and `wait()` returns that result.
//!
//! The receiver (`trigger_sdk::callback`, feature `callbacks`) hands out one
//! URL per run — carrying a per-run token — and takes only callbacks signed
//! with the workflow's secret (`X-Webhook-Signature: sha256=<hex>`), so
//! nobody else can finish the run. Here it listens on its own port; in an
//! app, mount `receiver.router()` in the axum router you already serve.
//!
//! Runs against the embedded reference server's demo workflow
//! `send-email-callback`, whose last step is an HTTP request to
//! `{{$json.body.callbackUrl}}` signed with the demo secret. In a real n8n:
//! an HTTP Request node posting to that expression, with an HMAC (Crypto
//! node) of the body in `X-Webhook-Signature`.
//!
//! ```text
//! cargo run --example n8n_callback
//! ```

use std::time::Duration;
use trigger_sdk::Report;

use serde_json::json;
use trigger_sdk::callback::{CallbackReceiver, CallbackServer, UrlPlacement};
use trigger_sdk::n8n::WebhookTrigger;
use trigger_sdk::{RunHandle, TriggerRequest, WaitOptions};
use trigger_sdk_reference_server::{ReferenceServer, creds};

#[tokio::main]
async fn main() -> Result<(), Report> {
    let n8n = ReferenceServer::start_demo().await?;

    // The receiver, on a free loopback port: callbacks must be signed with
    // the workflow's secret, and each URL carries its run's token.
    let callbacks = CallbackServer::bind(
        "127.0.0.1:0",
        CallbackReceiver::builder().secret(creds::N8N_CALLBACK_SECRET),
    )
    .await?;
    let receiver = callbacks.receiver();
    println!("callbacks at {}", receiver.public_url());

    // Trigger with the callback URL in the payload: n8n answers at once.
    let trigger = WebhookTrigger::builder(n8n.n8n_url(), "send-email-callback").build()?;
    let request = TriggerRequest::new(json!({"to": "ada@example.com", "subject": "Hi"}));
    let run = receiver
        .trigger(&trigger, request, UrlPlacement::field("callbackUrl"))
        .await?;
    println!(
        "triggered: callback {}, status {} until it calls back",
        run.correlation_id(),
        run.status().await?.status
    );

    // Wait for the callback, with a deadline like any other handle.
    let outcome = run
        .wait(WaitOptions::timeout(Duration::from_secs(30)))
        .await?
        .into_result()?;
    println!(
        "called back after {:?}: {}",
        outcome.elapsed.unwrap_or_default(),
        outcome.output
    );
    if outcome.output["result"]["sent"] != true {
        return Err(format!("unexpected callback body {}", outcome.output).into());
    }

    // Anyone else posting to a callback URL is refused: no signature, 401.
    let pending = receiver.register().await?;
    let forged = reqwest::Client::new()
        .post(pending.url())
        .json(&json!({"result": "forged"}))
        .send()
        .await?;
    let status = forged.status();
    println!("unsigned callback: HTTP {status} {}", forged.text().await?);
    if status != reqwest::StatusCode::UNAUTHORIZED {
        return Err("an unsigned callback was not refused".into());
    }
    receiver.forget(pending.id()).await?;

    callbacks.shutdown().await;
    n8n.shutdown().await;
    Ok(())
}
