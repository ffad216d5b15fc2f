//! ToolJet, asynchronous with the live event stream: start a run with
//! `trigger-async`, then read its Server-Sent Events as they happen. The
//! embedded server is set to drop every stream connection after two events;
//! the SDK resumes with `Last-Event-ID`, so each event arrives once, in order.
//!
//! Runs against the embedded reference server. To call a real ToolJet, set
//! `TOOLJET_URL`, `TOOLJET_WORKFLOW_ID` and `TOOLJET_TOKEN`.
//!
//! ```text
//! cargo run --example tooljet_stream
//! ```

mod platform;

use futures::StreamExt;
use serde_json::json;
use trigger_sdk::Report;
use trigger_sdk::tooljet::{ExecutionState, StreamEventKind, ToolJetWorkflow};
use trigger_sdk::{RunEvent, RunHandle};
use trigger_sdk_reference_server::demo;

#[tokio::main]
async fn main() -> Result<(), Report> {
    // The demo server drops each stream after two events: the handle resumes.
    let mut config = demo();
    config.tooljet.stream_drop_after = Some(2);
    let (_server, host, workflow_id, token) = platform::tooljet(config).await?;
    let workflow = ToolJetWorkflow::new(host, workflow_id, token)?;

    // The raw stream: every event ToolJet sends, connection events included.
    let run = workflow
        .trigger_async(&json!({"name": "Linus", "emp_id": 9}))
        .await?;
    println!("execution {}", run.execution_id());
    let mut events = run.stream();
    let (mut connections, mut last_kind) = (0, None);
    while let Some(event) = events.next().await {
        let event = event?;
        let id = event.id.as_deref().unwrap_or("-");
        let mut line = format!("  event {id:>2} {}", event.kind);
        if event.kind == StreamEventKind::ConnectionInitialized {
            connections += 1;
            if connections > 1 {
                line.push_str(" (dropped, resumed with Last-Event-ID)");
            }
        }
        if let Some(result) = event.data.get("result") {
            line.push_str(&format!(" result={result}"));
        }
        println!("{line}");
        last_kind = Some(event.kind);
    }
    if last_kind != Some(StreamEventKind::Execution(ExecutionState::Completed)) {
        return Err(format!("the stream ended on {last_kind:?}, not on completed").into());
    }

    // The generic view of a second run: RunEvents ending with Finished.
    let run = workflow
        .trigger_async(&json!({"name": "Ken", "emp_id": 10}))
        .await?;
    let mut events = run.events();
    while let Some(event) = events.next().await {
        match event? {
            RunEvent::Status(status) => println!("  run {status}"),
            RunEvent::Finished(outcome) => {
                println!("  finished: {} {}", outcome.status, outcome.output);
                outcome.into_result()?;
            }
            other => println!("  {other:?}"),
        }
    }
    Ok(())
}
