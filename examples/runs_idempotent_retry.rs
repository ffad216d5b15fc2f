//! The runs API: an idempotent retry. A run request carries an idempotency
//! key derived from the order; sending it again with the same key (after a
//! lost answer, a crash, a timeout) gives back the run the first request
//! started — the handle says it is an existing run — and starts nothing new.
//!
//! Runs against the embedded reference server. For the real API, set
//! `RUNS_URL` and `RUNS_API_KEY` (with a `wf_customer_order` workflow).
//!
//! ```text
//! cargo run --example runs_idempotent_retry
//! ```

mod platform;

use std::time::Duration;
use trigger_sdk::Report;

use futures::TryStreamExt;
use serde_json::json;
use trigger_sdk::runs::{ListRuns, RunRequest, RunsClient};
use trigger_sdk::{RunHandle, WaitOptions};
use trigger_sdk_reference_server::{creds, demo};

#[tokio::main]
async fn main() -> Result<(), Report> {
    let (_server, base_url, api_key) = platform::runs(demo()).await?;
    let client = RunsClient::new(base_url, api_key)?;

    let order_id = format!("ORD-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let key = format!("order-{order_id}");
    // The runs docs' "Process Customer Order" input.
    let input = json!({
        "customerId": "cus_ada",
        "customerEmail": "ada@example.com",
        "items": [{"productId": "p1", "quantity": 2, "price": 1999}]
    });
    let request = RunRequest::new(input).idempotency_key(key.clone());

    let before = count_runs(&client).await?;
    let first = client
        .run(creds::RUNS_CUSTOMER_ORDER, request.clone())
        .await?;
    println!(
        "first request  (key {key}): run {}, existing run: {}",
        first.id(),
        first.is_existing_run()
    );

    // The same request again, as a retry after a lost answer would send it.
    let again = client.run(creds::RUNS_CUSTOMER_ORDER, request).await?;
    println!(
        "second request (key {key}): run {}, existing run: {}",
        again.id(),
        again.is_existing_run()
    );
    if again.id() != first.id() || first.is_existing_run() || !again.is_existing_run() {
        return Err("the same key should give back the same, existing run".into());
    }

    // One new run on the server, not two.
    let after = count_runs(&client).await?;
    println!("runs of the workflow: {before} before, {after} after");
    if after != before + 1 {
        return Err(format!("expected one new run, counted {before} then {after}").into());
    }

    let outcome = again
        .wait(WaitOptions::timeout(Duration::from_secs(10)))
        .await?
        .into_result()?;
    let run = again.run().await?;
    let total = run.step("calculate-total").map(|s| &s.output["total"]);
    let invoice = run.step("create-invoice").map(|s| &s.output["number"]);
    println!(
        "{}: total {} on invoice {}, confirmation \"{}\"",
        outcome.status,
        total.unwrap_or(&serde_json::Value::Null),
        invoice.unwrap_or(&serde_json::Value::Null),
        outcome.output["subject"].as_str().unwrap_or_default()
    );
    if total != Some(&json!(4317.84)) {
        return Err(format!("expected the total 4317.84, got {total:?}").into());
    }
    Ok(())
}

async fn count_runs(client: &RunsClient) -> trigger_sdk::Result<usize> {
    let filter = ListRuns::new().workflow_id(creds::RUNS_CUSTOMER_ORDER);
    client
        .list_runs(filter)
        .try_fold(0, |n, _| async move { Ok(n + 1) })
        .await
}
