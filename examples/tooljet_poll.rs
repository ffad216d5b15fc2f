//! ToolJet, asynchronous with polling: `POST …/trigger-async` answers at once
//! with an execution id; `GET …/status/{executionId}` is polled until the run
//! ends. A handle rebuilt from the id (another process, later) sees the same
//! run, and `wait()` does the polling for you, with a deadline.
//!
//! Runs against the embedded reference server. To call a real ToolJet, set
//! `TOOLJET_URL`, `TOOLJET_WORKFLOW_ID` and `TOOLJET_TOKEN`.
//!
//! ```text
//! cargo run --example tooljet_poll
//! ```

mod platform;

use std::time::Duration;
use trigger_sdk::Report;

use serde_json::json;
use trigger_sdk::tooljet::ToolJetWorkflow;
use trigger_sdk::{RunHandle, RunStatus, WaitOptions};
use trigger_sdk_reference_server::demo;

#[tokio::main]
async fn main() -> Result<(), Report> {
    let (_server, host, workflow_id, token) = platform::tooljet(demo()).await?;
    let workflow = ToolJetWorkflow::new(host, workflow_id, token)?;

    let run = workflow
        .trigger_async(&json!({"name": "Grace", "emp_id": 8}))
        .await?;
    println!("accepted execution {}", run.execution_id());

    // Poll by hand: print each status change until the run ends.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut last: Option<RunStatus> = None;
    let snapshot = loop {
        let snapshot = run.status().await?;
        if last.as_ref() != Some(&snapshot.status) {
            println!("  status: {}", snapshot.status);
            last = Some(snapshot.status.clone());
        }
        if snapshot.status.is_terminal() {
            break snapshot;
        }
        if tokio::time::Instant::now() > deadline {
            return Err("the run did not end within 10 s".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!("result: {}", snapshot.output.unwrap_or_default());

    // The same run from its id alone, followed by wait() with a deadline.
    let again = workflow.run(run.execution_id().to_owned());
    let outcome = again
        .wait(WaitOptions::timeout(Duration::from_secs(10)))
        .await?
        .into_result()?;
    println!("rebuilt handle: {} with {}", outcome.status, outcome.output);
    if outcome.output["message"] != "Welcome Grace" {
        return Err("unexpected result".into());
    }
    Ok(())
}
