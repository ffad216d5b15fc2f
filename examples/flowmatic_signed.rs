//! Flowmatic: call a signed webhook with `POST` (JSON body) and with `GET`
//! (query string). Each call carries `X-Webhook-Signature: sha256=<hex>` over
//! exactly the bytes sent; Flowmatic acknowledges with an execution id, and
//! the handle polls the REST API (bearer token) until the run ends.
//!
//! Runs against the embedded reference server. For a real Flowmatic, set
//! `FLOWMATIC_URL`, `FLOWMATIC_TOKEN`, `FLOWMATIC_WEBHOOK_ID` and
//! `FLOWMATIC_WEBHOOK_SECRET`.
//!
//! ```text
//! cargo run --example flowmatic_signed
//! ```

use std::time::Duration;
use trigger_sdk::Report;

use futures::StreamExt;
use serde_json::json;
use trigger_sdk::flowmatic::{
    FlowmaticClient, FlowmaticErrorCode, FlowmaticWebhook, WebhookAnswer, WebhookMethod, error_code,
};
use trigger_sdk::{RunEvent, RunHandle, TriggerRequest, WaitOptions};
use trigger_sdk_reference_server::{ReferenceServer, creds};

#[tokio::main]
async fn main() -> Result<(), Report> {
    let env = trigger_sdk::env::var;
    let (_server, base, token, webhook_id, secret) = match env("FLOWMATIC_URL") {
        Ok(url) => {
            let (token, id) = (env("FLOWMATIC_TOKEN")?, env("FLOWMATIC_WEBHOOK_ID")?);
            (None, url, token, id, env("FLOWMATIC_WEBHOOK_SECRET")?)
        }
        Err(_) => {
            let server = ReferenceServer::start(trigger_sdk_reference_server::demo()).await?;
            let url = server.flowmatic_url();
            let (token, id) = (
                creds::FLOWMATIC_TOKEN.to_owned(),
                creds::FLOWMATIC_WEBHOOK.to_owned(),
            );
            (
                Some(server),
                url,
                token,
                id,
                creds::FLOWMATIC_SECRET.to_owned(),
            )
        }
    };
    let client = FlowmaticClient::new(&base, token)?;

    // POST: the acknowledgement, then the run followed by polling to its end.
    let post = FlowmaticWebhook::builder(&base, &webhook_id)
        .secret(secret.clone())
        .client(client.clone())
        .build()?;
    let payload = json!({"event": "user.created", "userId": 42});
    let WebhookAnswer::Acknowledged(run) = post.send(TriggerRequest::new(payload)).await? else {
        return Err("expected an acknowledgement, got a Response node's answer".into());
    };
    if let Some(ack) = run.acknowledgement() {
        println!(
            "POST -> {:?}, execution {} {}",
            ack.message, ack.execution_id, ack.execution_status
        );
    }
    let mut events = run.events();
    while let Some(event) = events.next().await {
        match event? {
            RunEvent::Status(status) => println!("  polled: {status}"),
            RunEvent::Finished(outcome) => {
                println!("  finished: {} {}", outcome.status, outcome.output)
            }
            _ => {}
        }
    }

    // GET: the payload travels as the query string, which is what is signed.
    let get = FlowmaticWebhook::builder(&base, &webhook_id)
        .method(WebhookMethod::Get)
        .secret(secret)
        .client(client)
        .build()?;
    let answer = get
        .send(TriggerRequest::new(
            json!({"event": "user.login", "userId": "42"}),
        ))
        .await?;
    let id = answer
        .execution_id()
        .map(ToString::to_string)
        .unwrap_or_default();
    let outcome = answer
        .into_handle()
        .wait(WaitOptions::timeout(Duration::from_secs(10)))
        .await?;
    println!(
        "GET -> execution {id}: {} {}",
        outcome.status, outcome.output
    );
    outcome.into_result()?;

    // The wrong secret is refused with a typed INVALID_SIGNATURE.
    let forged = FlowmaticWebhook::builder(&base, &webhook_id)
        .secret("whsec_wrong")
        .build()?;
    match forged
        .send(TriggerRequest::new(json!({"event": "forged"})))
        .await
    {
        Err(err) if error_code(&err) == Some(&FlowmaticErrorCode::InvalidSignature) => {
            println!("wrong secret -> {err}");
        }
        other => return Err(format!("expected INVALID_SIGNATURE, got {other:?}").into()),
    }
    Ok(())
}
