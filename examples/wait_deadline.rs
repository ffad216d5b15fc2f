//! Waiting with a deadline. `wait(WaitOptions::timeout(..))` polls until the
//! run ends or the deadline passes; a passed deadline is `Error::Timeout` and
//! does not stop the run, so a later wait (here, with a longer deadline) picks
//! the same run up and sees it finish. Written against `dyn Trigger` /
//! `dyn RunHandle`, so it works the same for every provider that can follow runs.
//!
//! Runs against the embedded reference server (the runs API's "Slow Report",
//! about 3 s). For the real API, set `RUNS_URL` and `RUNS_API_KEY` (with a
//! `wf_slow_report` workflow that takes longer than a second).
//!
//! ```text
//! cargo run --example wait_deadline
//! ```

mod platform;

use std::{time::Duration, time::Instant};
use trigger_sdk::Report;

use serde_json::json;
use trigger_sdk::runs::RunsClient;
use trigger_sdk::{Trigger, TriggerMode, TriggerRequest, WaitOptions};
use trigger_sdk_reference_server::{creds, demo};

#[tokio::main]
async fn main() -> Result<(), Report> {
    let (_server, base_url, api_key) = platform::runs(demo()).await?;
    let report: Box<dyn Trigger> =
        Box::new(RunsClient::new(base_url, api_key)?.workflow(creds::RUNS_SLOW));

    let start = Instant::now();
    let request = TriggerRequest::new(json!({"month": "2026-11"})).mode(TriggerMode::Follow);
    let run = report.trigger(request).await?;
    let id = run.run_id().map(ToString::to_string).unwrap_or_default();
    println!("started run {id} ({})", run.provider());

    // A deadline shorter than the run: a typed timeout, the run goes on.
    match run.wait(WaitOptions::timeout(Duration::from_secs(1))).await {
        Err(trigger_sdk::Error::Timeout { message: why, .. }) => {
            println!("after {:.1?}: timeout: {why}", start.elapsed());
        }
        other => return Err(format!("expected Error::Timeout, got {other:?}").into()),
    }
    println!("still {} on the server", run.status().await?.status);

    // Waiting again, long enough this time.
    let outcome = run
        .wait(WaitOptions::timeout(Duration::from_secs(15)))
        .await?
        .into_result()?;
    println!(
        "after {:.1?}: {} with {}",
        start.elapsed(),
        outcome.status,
        outcome.output
    );
    Ok(())
}
