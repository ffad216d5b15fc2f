//! A contract test of your own code against the reference server's harness:
//! `send_welcome` (below) calls an n8n webhook and retries 5xx and 429 the
//! way its authors meant to. The test injects a 503 and a 429 with
//! `Retry-After` on the webhook's route, lets the function run, then checks
//! that exactly one run arrived, with the input and header it should have,
//! and that a second call after a dropped connection is still detected.
//!
//! ```text
//! cargo run --example contract_harness
//! ```

use std::time::Duration;
use trigger_sdk::Report;

use serde_json::{Value, json};
use trigger_sdk_reference_server::harness::{Expectation, Fault, Route};
use trigger_sdk_reference_server::{ReferenceServer, creds, demo};

/// The code under test: sends a welcome e-mail through an n8n webhook,
/// retrying 5xx and 429 (honouring `Retry-After`) up to three attempts.
async fn send_welcome(http: &reqwest::Client, n8n_url: &str, email: &str) -> Result<Value, Report> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let answer = http
            .post(format!("{n8n_url}/webhook/send-email"))
            .header(creds::N8N_WEBHOOK_HEADER, creds::N8N_WEBHOOK_SECRET)
            .header("x-request-source", "signup")
            .json(&json!({"to": email, "subject": "Welcome"}))
            .send()
            .await?;
        let status = answer.status();
        if status.is_success() {
            return Ok(answer.json().await?);
        }
        let retryable = status.is_server_error() || status.as_u16() == 429;
        if !retryable || attempt == 3 {
            return Err(format!("send-email answered {status} on attempt {attempt}").into());
        }
        let wait = answer
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .map_or(Duration::from_millis(100), Duration::from_secs);
        println!("  attempt {attempt}: {status}, retrying in {wait:?}");
        tokio::time::sleep(wait).await;
    }
}

#[tokio::main]
async fn main() -> Result<(), Report> {
    let server = ReferenceServer::start(demo()).await?;
    let http = reqwest::Client::new();
    let hook = Route::post("/n8n/webhook/send-email");

    // 1. An outage then a throttle: the function must get through on its third try.
    server.inject(hook.clone(), Fault::status(503));
    server.inject(
        hook.clone(),
        Fault::too_many_requests(Duration::from_secs(1)),
    );
    server.expect(
        Expectation::runs_of(creds::N8N_SEND_EMAIL)
            .with_input(json!({"body": {"to": "ann@example.com", "subject": "Welcome"}}))
            .with_header("x-request-source", "signup")
            .times(1)
            .named("one welcome mail to Ann"),
    );
    let answer = send_welcome(&http, &server.n8n_url(), "ann@example.com").await?;
    assert_eq!(answer["to"], "ann@example.com");
    println!("send_welcome got through: {answer}");

    // 2. A dropped connection is an error the caller sees, and nothing ran.
    server.expect(
        Expectation::runs_of(creds::N8N_SEND_EMAIL)
            .with_input(json!({"body": {"to": "bob@example.com"}}))
            .never(),
    );
    server.inject(hook, Fault::drop_connection());
    let dropped = send_welcome(&http, &server.n8n_url(), "bob@example.com").await;
    assert!(dropped.is_err(), "a dropped connection is reported");
    println!("a dropped connection is reported: {}", dropped.unwrap_err());

    // What arrived, and the expectations.
    for run in server.runs_of(creds::N8N_SEND_EMAIL) {
        println!(
            "run {}: body {} from {:?}",
            run.id,
            run.input["body"],
            run.headers.get("x-request-source")
        );
    }
    server.verify()?;
    print!("{}", server.report());
    server.shutdown().await;
    Ok(())
}
