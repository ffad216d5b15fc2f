//! The runs API: batch processing with bounded concurrency. `run_many` sends
//! one run per item with at most N requests in flight, under the published
//! rate limit, and gives each item's handle or error back in order. Keys are
//! derived from the items, so resending the whole batch (after a crash) starts
//! nothing twice: every item comes back as an existing run.
//!
//! Runs against the embedded reference server. For the real API, set
//! `RUNS_URL` and `RUNS_API_KEY` (with a `wf_create_invoice` workflow).
//!
//! ```text
//! cargo run --example runs_batch
//! ```

mod platform;

use std::time::Duration;
use trigger_sdk::Report;

use serde_json::json;
use trigger_sdk::runs::{RateLimits, RunRequest, RunsClient};
use trigger_sdk::{RunHandle, WaitOptions};
use trigger_sdk_reference_server::{creds, demo};

const CONCURRENCY: usize = 4;

#[tokio::main]
async fn main() -> Result<(), Report> {
    let (_server, base_url, api_key) = platform::runs(demo()).await?;
    let client = RunsClient::builder(base_url, api_key)
        .rate_limits(RateLimits::published_execute())
        .build()?;

    // Twelve invoices; customer 7's id is malformed and will be refused.
    let customer = |n: u32| {
        if n == 7 {
            "bad-id".to_owned()
        } else {
            format!("cus_{n:03}")
        }
    };
    let batch: Vec<(String, u32)> = (1..=12).map(|n| (customer(n), 1000 + n * 10)).collect();
    let requests = || {
        batch.iter().map(|(customer, amount)| {
            let input = json!({"customerId": customer, "amount": amount});
            let key = format!("invoice-2026-11-{customer}");
            (
                creds::RUNS_CREATE_INVOICE,
                RunRequest::new(input).idempotency_key(key),
            )
        })
    };

    let started = std::time::Instant::now();
    let handles = client.run_many(requests(), CONCURRENCY).await;
    println!(
        "{} requests, at most {CONCURRENCY} in flight, in {:?}",
        handles.len(),
        started.elapsed()
    );

    // The runs go on server-side meanwhile; collect each result in order.
    for ((customer, _), handle) in batch.iter().zip(&handles) {
        match handle {
            Ok(run) => {
                let outcome = run
                    .wait(WaitOptions::timeout(Duration::from_secs(10)))
                    .await?;
                println!(
                    "  {customer}: {} {} {}",
                    run.id(),
                    outcome.status,
                    outcome.output["invoiceId"]
                );
            }
            Err(err) => println!("  {customer}: refused: {err}"),
        }
    }
    let succeeded = handles.iter().filter(|h| h.is_ok()).count();

    // Resend the whole batch: the same keys give back the same runs.
    let again = client.run_many(requests(), CONCURRENCY).await;
    let existing = again
        .iter()
        .filter(|h| h.as_ref().is_ok_and(|run| run.is_existing_run()))
        .count();
    println!(
        "resent the batch: {existing} of {succeeded} runs already existed, none started twice"
    );
    if succeeded != 11 || existing != succeeded {
        return Err(
            format!("expected 11 runs, all existing on resend: {succeeded}/{existing}").into(),
        );
    }
    Ok(())
}
