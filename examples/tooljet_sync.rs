//! ToolJet, synchronous: `POST …/trigger` runs the workflow and answers with
//! its Response node's value and status code in one call. Declared parameters
//! are checked before anything is sent.
//!
//! Runs against the embedded reference server. To call a real ToolJet, set
//! `TOOLJET_URL` (the host, with its `SUB_PATH`), `TOOLJET_WORKFLOW_ID` and
//! `TOOLJET_TOKEN` (a workflow with parameters `name: string`, `emp_id: number`).
//!
//! ```text
//! cargo run --example tooljet_sync
//! ```

mod platform;

use serde::{Deserialize, Serialize};
use serde_json::json;
use trigger_sdk::Report;
use trigger_sdk::tooljet::{DataType, ToolJetWorkflow};
use trigger_sdk_reference_server::demo;

#[derive(Serialize)]
struct Employee<'a> {
    name: &'a str,
    emp_id: u32,
}

/// What the demo workflow's Response node returns.
#[derive(Debug, Deserialize)]
struct Welcome {
    message: String,
}

#[tokio::main]
async fn main() -> Result<(), Report> {
    let (_server, host, workflow_id, token) = platform::tooljet(demo()).await?;
    let workflow = ToolJetWorkflow::builder(host, workflow_id, token)
        .param("name", DataType::String)
        .param("emp_id", DataType::Number)
        .build()?;

    let answer = workflow
        .trigger_sync(&Employee {
            name: "Ada",
            emp_id: 7,
        })
        .await?;
    let welcome: Welcome = answer.json()?;
    println!("HTTP {}: {}", answer.status, answer.text());
    println!("message: {}", welcome.message);
    if !welcome.message.contains("Ada") {
        return Err("the Response node did not greet Ada".into());
    }

    // Parameters that do not match the declaration never leave the process.
    match workflow
        .trigger_sync(&json!({"name": "Grace", "emp_id": "eight"}))
        .await
    {
        Err(trigger_sdk::Error::Validation { details, .. }) => {
            for detail in details {
                println!("refused before sending: {detail}");
            }
        }
        other => return Err(format!("expected Validation, got {other:?}").into()),
    }
    Ok(())
}
