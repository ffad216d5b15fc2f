//! n8n public API with the API key: list executions, read one with its run
//! data (`includeData=true`), and what happens when you call the "execute
//! workflow" endpoint blog posts describe (n8n has none: the SDK answers a
//! typed `Error::Unsupported` that says to use a Webhook trigger instead).
//!
//! Runs against the embedded reference server, after a few webhook calls to
//! create executions. To read a real n8n instead, set `N8N_BASE_URL` and
//! `N8N_API_KEY` (no webhook is called then; the instance needs executions).
//!
//! ```text
//! cargo run --example n8n_executions
//! ```

mod platform;

use futures::TryStreamExt;
use serde_json::json;
use trigger_sdk::Report;
use trigger_sdk::n8n::{ExecutionFilter, ExecutionStatus, N8nClient, N8nErrorKind, WebhookTrigger};
use trigger_sdk::{Trigger, TriggerRequest};
use trigger_sdk_reference_server::{creds, demo};

#[tokio::main]
async fn main() -> Result<(), Report> {
    let (server, base_url, api_key) =
        platform::n8n(demo(), "N8N_API_KEY", creds::N8N_API_KEY).await?;
    if server.is_some() {
        seed_executions(&base_url).await?;
    }
    let client = N8nClient::new(&base_url, api_key)?;

    // Every execution, newest first (the stream follows nextCursor).
    let executions: Vec<_> = client
        .executions(ExecutionFilter::default())
        .try_collect()
        .await?;
    println!("{} executions:", executions.len());
    for e in &executions {
        let status = e
            .status
            .as_ref()
            .map(ExecutionStatus::as_str)
            .unwrap_or("?");
        let workflow = e.workflow_id.as_deref().unwrap_or("?");
        println!(
            "  #{} workflow {workflow} {status} ({})",
            e.id,
            e.mode.as_deref().unwrap_or("?")
        );
    }

    // One execution with its run data: last node, output, failure.
    for e in executions.iter().take(2) {
        let full = client.execution(&e.id, true).await?;
        let last = full.last_node().unwrap_or_default();
        match full.failure() {
            Some(failure) => println!("#{}: failed in {last:?}: {failure}", full.id),
            None => println!(
                "#{}: {last:?} returned {}",
                full.id,
                full.output().unwrap_or_default()
            ),
        }
    }

    // The "execute workflow by id" endpoint from blog posts does not exist.
    match client
        .execute_workflow(creds::N8N_SEND_EMAIL, json!({"to": "ada@example.com"}))
        .await
    {
        Err(err @ trigger_sdk::Error::Unsupported { .. })
            if err.detail::<N8nErrorKind>() == Some(&N8nErrorKind::NoExecuteEndpoint) =>
        {
            let status = err.status().unwrap_or_default();
            println!("execute_workflow -> HTTP {status}, typed Unsupported:\n  {err}");
        }
        other => return Err(format!("expected Unsupported, got {other:?}").into()),
    }
    Ok(())
}

/// Two successful runs of `send-email` and one failing run of `broken`.
async fn seed_executions(base_url: &str) -> Result<(), Report> {
    let send_email = WebhookTrigger::builder(base_url, "send-email")
        .header_auth(creds::N8N_WEBHOOK_HEADER, creds::N8N_WEBHOOK_SECRET)
        .build()?;
    for to in ["ada@example.com", "grace@example.com"] {
        send_email
            .trigger(TriggerRequest::new(json!({"to": to, "subject": "Hi"})))
            .await?;
    }
    let broken = WebhookTrigger::builder(base_url, "broken").build()?;
    match broken.trigger(TriggerRequest::new(json!({}))).await {
        Err(trigger_sdk::Error::WorkflowFailed(answer)) => println!("broken webhook -> {answer}"),
        other => return Err(format!("expected WorkflowFailed, got {other:?}").into()),
    }
    Ok(())
}
