//! The runs API: input validation errors. "Create Invoice" declares an input
//! schema; a run with bad input is refused with `VALIDATION_ERROR` and the SDK
//! gives `Error::Validation { details }`, one path and message per failing
//! field. The corrected input then runs to completion.
//!
//! Runs against the embedded reference server. For the real API, set
//! `RUNS_URL` and `RUNS_API_KEY` (with a `wf_create_invoice` workflow).
//!
//! ```text
//! cargo run --example runs_validation
//! ```

mod platform;

use std::time::Duration;
use trigger_sdk::Report;

use serde_json::json;
use trigger_sdk::runs::{RunRequest, RunsApiError, RunsClient};
use trigger_sdk::{RunHandle, WaitOptions};
use trigger_sdk_reference_server::{creds, demo};

#[tokio::main]
async fn main() -> Result<(), Report> {
    let (_server, base_url, api_key) = platform::runs(demo()).await?;
    let client = RunsClient::new(base_url, api_key)?;

    // customerId must match ^cus_…, amount must be at least 100, currency one of usd/eur/gbp.
    let bad = json!({"customerId": "12345", "amount": 50, "currency": "jpy"});
    println!("input {bad}");
    let err = match client
        .run(creds::RUNS_CREATE_INVOICE, RunRequest::new(bad))
        .await
    {
        Err(err) => err,
        Ok(run) => return Err(format!("bad input started run {}", run.id()).into()),
    };
    let trigger_sdk::Error::Validation { details, .. } = &err else {
        return Err(format!("expected a validation error, got {err}").into());
    };
    let code = err.detail::<RunsApiError>().map(|d| d.code.to_string());
    println!(
        "refused: HTTP {} {}",
        err.status().unwrap_or_default(),
        code.unwrap_or_default()
    );
    for detail in details {
        println!("  {:<12} {}", detail.path.join("."), detail.message);
    }
    if details.len() != 3 {
        return Err(format!("expected three failing fields, got {details:?}").into());
    }

    // A missing required field is named too.
    match client
        .run(
            creds::RUNS_CREATE_INVOICE,
            RunRequest::new(json!({"amount": 2500})),
        )
        .await
    {
        Err(trigger_sdk::Error::Validation { details, .. }) => {
            details.iter().for_each(|d| println!("missing field: {d}"));
        }
        other => return Err(format!("expected a validation error, got {other:?}").into()),
    }

    let good = json!({"customerId": "cus_12345", "amount": 2500});
    let run = client
        .run(creds::RUNS_CREATE_INVOICE, RunRequest::new(good))
        .await?;
    let outcome = run
        .wait(WaitOptions::timeout(Duration::from_secs(10)))
        .await?
        .into_result()?;
    println!(
        "fixed input: run {} {} -> {}",
        run.id(),
        outcome.status,
        outcome.output
    );
    Ok(())
}
