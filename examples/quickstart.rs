//! Quickstart: one workflow on each of the four platforms, started through
//! `Box<dyn Trigger>` values in one list and followed to its end.
//!
//! By default everything runs against the reference server, started in this
//! process with its demo set. To point a platform at a real service instead,
//! set one environment variable for it, holding the base URL, the credential
//! and (where the demo id would not exist there) the workflow, separated by
//! spaces:
//!
//! | variable | value |
//! |---|---|
//! | `QUICKSTART_N8N` | `<n8n base URL> <x-webhook-secret value> [webhook path]` |
//! | `QUICKSTART_TOOLJET` | `<ToolJet host> <workflow token> [workflow id]` |
//! | `QUICKSTART_FLOWMATIC` | `<Flowmatic base URL> <API token> [webhook id] [webhook secret]` |
//! | `QUICKSTART_RUNS` | `<runs API base URL> <x-api-key> [workflow id]` |
//!
//! Run it with `cargo run --example quickstart`.

use std::{
    io::IsTerminal,
    time::{Duration, Instant},
};

use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use trigger_sdk::{
    RunEvent, RunOutcome, RunStatus, Secret, Trigger, TriggerMode, TriggerRequest,
    flowmatic::{FlowmaticClient, FlowmaticWebhook},
    n8n::{ResponseMode, WebhookTrigger},
    runs::RunsClient,
    tooljet::ToolJetWorkflow,
};
use trigger_sdk_reference_server::{ReferenceServer, creds};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What to start on one platform.
struct Job {
    trigger: Box<dyn Trigger>,
    request: TriggerRequest,
}

/// `base credential [extra…]` from `QUICKSTART_<NAME>`, or the embedded defaults.
fn target(name: &str, defaults: &[String]) -> Vec<String> {
    match std::env::var(format!("QUICKSTART_{name}")) {
        Ok(value) if !value.trim().is_empty() => {
            let mut parts: Vec<String> = value.split_whitespace().map(str::to_owned).collect();
            // Missing extras fall back to the demo ids.
            for extra in defaults.iter().skip(parts.len()) {
                parts.push(extra.clone());
            }
            parts
        }
        _ => defaults.to_vec(),
    }
}

fn jobs(server: &ReferenceServer) -> Result<Vec<Job>, BoxError> {
    let n8n = target(
        "N8N",
        &[
            server.n8n_url(),
            creds::N8N_WEBHOOK_SECRET.into(),
            "send-email".into(),
        ],
    );
    let tooljet = target(
        "TOOLJET",
        &[
            server.tooljet_url(),
            creds::TOOLJET_TOKEN.into(),
            creds::TOOLJET_WORKFLOW.into(),
        ],
    );
    let flowmatic = target(
        "FLOWMATIC",
        &[
            server.flowmatic_url(),
            creds::FLOWMATIC_TOKEN.into(),
            creds::FLOWMATIC_WEBHOOK.into(),
            creds::FLOWMATIC_SECRET.into(),
        ],
    );
    let runs = target(
        "RUNS",
        &[
            server.runs_url(),
            creds::RUNS_API_KEY.into(),
            creds::RUNS_CUSTOMER_ORDER.into(),
        ],
    );

    // n8n: a webhook with header auth that answers when its last node finishes.
    let n8n_trigger = WebhookTrigger::builder(&n8n[0], &n8n[2])
        .header_auth(creds::N8N_WEBHOOK_HEADER, Secret::new(&n8n[1]))
        .response_mode(ResponseMode::LastNode)
        .build()?;
    // ToolJet: started asynchronously, followed through its live event stream.
    let tooljet_trigger = ToolJetWorkflow::new(&tooljet[0], &tooljet[2], Secret::new(&tooljet[1]))?;
    // Flowmatic: a signed webhook call, then the execution is polled with the API token.
    let flowmatic_trigger = FlowmaticWebhook::builder(&flowmatic[0], &flowmatic[2])
        .secret(Secret::new(&flowmatic[3]))
        .client(FlowmaticClient::new(
            &flowmatic[0],
            Secret::new(&flowmatic[1]),
        )?)
        .build()?;
    // The runs API: a run with an idempotency key, followed step by step.
    let runs_trigger = RunsClient::new(&runs[0], Secret::new(&runs[1]))?.workflow(&runs[2]);

    let order_key = format!("quickstart-order-{}", std::process::id());
    Ok(vec![
        Job {
            trigger: Box::new(n8n_trigger),
            request: TriggerRequest::new(
                json!({"to": "ada@example.com", "subject": "Welcome aboard"}),
            )
            .mode(TriggerMode::Wait),
        },
        Job {
            trigger: Box::new(tooljet_trigger),
            request: TriggerRequest::new(json!({"name": "Grace", "emp_id": 1906})),
        },
        Job {
            trigger: Box::new(flowmatic_trigger),
            request: TriggerRequest::new(json!({"event": "user.created", "userId": "u_42"})),
        },
        Job {
            trigger: Box::new(runs_trigger),
            // The runs docs' "Process Customer Order" input.
            request: TriggerRequest::new(json!({
                "customerId": "cus_xxx",
                "customerEmail": "ada@example.com",
                "items": [
                    {"productId": "p1", "quantity": 2, "price": 1999},
                    {"productId": "p2", "quantity": 1, "price": 500}
                ]
            }))
            .idempotency_key(order_key),
        },
    ])
}

/// One line per run: a spinner on a terminal, plain log lines otherwise.
struct Progress {
    bar: ProgressBar,
    label: String,
    plain: bool,
    start: Instant,
}

impl Progress {
    fn say(&self, message: String) {
        if self.plain {
            println!(
                "[{:<9}] {:>6.0} ms  {message}",
                self.label,
                self.start.elapsed().as_secs_f64() * 1000.0
            );
        } else {
            self.bar.set_message(message);
        }
    }
}

/// The result of one platform's run.
struct Report {
    label: String,
    run_id: String,
    changes: Vec<String>,
    outcome: Result<RunOutcome, String>,
    took: Duration,
}

async fn follow(job: Job, progress: Progress) -> Report {
    let label = progress.label.clone();
    let start = progress.start;
    let mut changes = Vec::new();
    let handle = match job.trigger.trigger(job.request).await {
        Ok(handle) => handle,
        Err(e) => {
            progress
                .bar
                .finish_with_message(format!("failed to start: {e}"));
            return Report {
                label,
                run_id: "-".into(),
                changes,
                outcome: Err(e.to_string()),
                took: start.elapsed(),
            };
        }
    };
    let run_id = handle
        .run_id()
        .map(|id| id.to_string())
        .unwrap_or_else(|| "(sync answer)".into());
    progress.say(format!("started {run_id}"));
    let mut outcome = Err("the event stream ended before the run did".to_owned());
    let mut events = handle.events();
    while let Some(event) = events.next().await {
        match event {
            Ok(RunEvent::Status(status)) => {
                changes.push(status.to_string());
                progress.say(format!("{run_id}: {status}"));
            }
            Ok(RunEvent::Step(step)) => {
                progress.say(format!("{run_id}: step {} {}", step.id, step.status));
            }
            Ok(RunEvent::Finished(finished)) => {
                changes.push(finished.status.to_string());
                progress.say(format!("{run_id}: {}", finished.status));
                outcome = Ok(*finished);
            }
            Ok(_) => {}
            Err(e) => {
                outcome = Err(e.to_string());
                break;
            }
        }
    }
    progress.bar.finish_and_clear();
    Report {
        label,
        run_id,
        changes,
        outcome,
        took: start.elapsed(),
    }
}

#[tokio::main]
async fn main() -> Result<(), trigger_sdk::Report> {
    let server = ReferenceServer::start_demo().await?;
    println!("reference server (demo set) at {}\n", server.base_url());

    let plain = !std::io::stdout().is_terminal();
    let bars = MultiProgress::with_draw_target(if plain {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    });
    let style = ProgressStyle::with_template("{spinner} {prefix:<10} {elapsed:>4} {wide_msg}")?;

    let start = Instant::now();
    let mut tasks = Vec::new();
    for job in jobs(&server)? {
        let label = job.trigger.provider().to_string();
        let bar = bars.add(
            ProgressBar::new_spinner()
                .with_style(style.clone())
                .with_prefix(label.clone()),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        println!("{label:<9} → {}", job.trigger.target());
        let progress = Progress {
            bar,
            label,
            plain,
            start,
        };
        tasks.push(tokio::spawn(follow(job, progress)));
    }
    println!();

    let mut failures = 0;
    let mut reports = Vec::new();
    for task in tasks {
        reports.push(task.await?);
    }
    println!(
        "\n{:<9}  {:<38}  {:>8}  {:<30}  output",
        "platform", "run id", "time", "statuses"
    );
    for report in &reports {
        let output = match &report.outcome {
            Ok(outcome) if outcome.status == RunStatus::Succeeded => outcome.output.to_string(),
            Ok(outcome) => {
                failures += 1;
                format!("{} {:?}", outcome.status, outcome.failure)
            }
            Err(e) => {
                failures += 1;
                format!("error: {e}")
            }
        };
        println!(
            "{:<9}  {:<38}  {:>6} ms  {:<30}  {output}",
            report.label,
            report.run_id,
            report.took.as_millis(),
            report.changes.join(" → ")
        );
    }
    server.shutdown().await;
    if failures > 0 {
        return Err(format!("{failures} of {} runs did not succeed", reports.len()).into());
    }
    println!("\nall {} runs succeeded", reports.len());
    Ok(())
}
