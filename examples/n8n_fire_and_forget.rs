//! n8n fire-and-forget: a Webhook node set to "Immediately" (`onReceived`)
//! answers before the run ends and gives no execution id, so the handle is
//! `Accepted` and `wait()` is `Error::NotTrackable` — the SDK never guesses.
//! To make such a run trackable, have the workflow answer its own id
//! (`{"executionId":"{{$execution.id}}"}`) and tell the trigger where it is.
//!
//! Runs against the embedded reference server (`send-email-async`, plus a copy
//! `send-email-tracked` whose answer carries the execution id). To use a real
//! n8n, set `N8N_BASE_URL` and `N8N_API_KEY` and create both webhooks there.
//!
//! ```text
//! cargo run --example n8n_fire_and_forget
//! ```

mod platform;

use std::time::Duration;
use trigger_sdk::Report;

use serde_json::json;
use trigger_sdk::n8n::{N8nClient, WebhookTrigger};
use trigger_sdk::{RunStatus, Trigger, TriggerRequest, WaitOptions};
use trigger_sdk_reference_server::creds;

#[tokio::main]
async fn main() -> Result<(), Report> {
    let (_server, base_url, api_key) =
        platform::n8n(demo_with_tracked_copy()?, "N8N_API_KEY", creds::N8N_API_KEY).await?;
    let payload = json!({"to": "ada@example.com"});

    // 1. Fire and forget: accepted, not trackable.
    let notify = WebhookTrigger::builder(&base_url, "send-email-async").build()?;
    let run = notify.trigger(TriggerRequest::new(payload.clone())).await?;
    let snapshot = run.status().await?;
    println!(
        "untracked: status {}, n8n said {}",
        snapshot.status,
        snapshot.output.unwrap_or_default()
    );
    if snapshot.status != RunStatus::Accepted {
        return Err("an onReceived run should be Accepted".into());
    }
    match run.wait(WaitOptions::default()).await {
        Err(trigger_sdk::Error::NotTrackable(why)) => {
            println!("untracked: wait() -> not trackable: {why}")
        }
        other => return Err(format!("expected NotTrackable, got {other:?}").into()),
    }

    // 2. Trackable: the answer carries the execution id at /executionId and the
    //    handle follows it through the public API.
    let client = N8nClient::new(&base_url, api_key)?;
    let tracked = WebhookTrigger::builder(&base_url, "send-email-tracked")
        .track_execution_id("/executionId", client)
        .build()?;
    let run = tracked.trigger(TriggerRequest::new(payload)).await?;
    let id = run.run_id().map(ToString::to_string).unwrap_or_default();
    println!(
        "tracked: execution {id}, status {}",
        run.status().await?.status
    );
    let outcome = run
        .wait(WaitOptions::timeout(Duration::from_secs(10)))
        .await?;
    println!(
        "tracked: {}, last node items {}",
        outcome.status, outcome.output
    );
    if !outcome.is_success() {
        return Err("the tracked run did not succeed".into());
    }
    Ok(())
}

/// The demo set plus `send-email-tracked`: the fire-and-forget workflow whose
/// immediate answer carries its execution id (in n8n: the Webhook node's
/// "Response Data" option set to `{"executionId":"{{$execution.id}}"}`).
fn demo_with_tracked_copy() -> Result<trigger_sdk_reference_server::Config, Report> {
    let mut config = trigger_sdk_reference_server::demo();
    let mut tracked = config
        .workflows
        .iter()
        .find(|w| w.id == creds::N8N_FIRE_FORGET)
        .cloned()
        .ok_or("the demo set has no fire-and-forget workflow")?;
    tracked.id = "FireForgetTrack1".to_owned();
    let n8n = tracked.n8n.as_mut().ok_or("not an n8n workflow")?;
    n8n.path = "send-email-tracked".to_owned();
    n8n.webhook_id = "5f0c2b1e-7a3d-4e8f-9b6a-0000000000f1".to_owned();
    n8n.on_received_body = Some(r#"{"executionId":"{{execution.id}}"}"#.to_owned());
    config.workflows.push(tracked);
    Ok(config)
}
