//! What a command prints: lines on stdout as it goes (text), or one JSON
//! document at the end (`--output json`); errors always on stderr.

use serde_json::{Map, Value, json};
use trigger_sdk::{RunFailure, RunOutcome, RunStatus};

use crate::{
    args::OutputFormat,
    exit::{CliError, Exit, advice},
};

/// The output of one command.
#[derive(Debug)]
pub struct Report {
    format: OutputFormat,
    doc: Map<String, Value>,
}

impl Report {
    /// An empty report.
    pub fn new(format: OutputFormat) -> Self {
        Self {
            format,
            doc: Map::new(),
        }
    }

    /// Whether the output is JSON.
    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Prints a line on stdout (text output only).
    pub fn line(&self, text: impl std::fmt::Display) {
        if !self.is_json() {
            println!("{text}");
        }
    }

    /// Sets a field of the JSON document.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.doc.insert(key.to_owned(), value.into());
    }

    /// Sets the fields and prints the lines of a finished run: its status,
    /// then its output (text), and its failure.
    pub fn outcome(&mut self, outcome: &RunOutcome) {
        if let Some(id) = &outcome.run_id {
            // A run found after its start (an n8n execution) has its id now.
            self.set("runId", id.to_string());
        }
        self.set("status", status_name(&outcome.status));
        self.set("output", outcome.output.clone());
        self.set("failure", failure_json(outcome.failure.as_ref()));
        if let Some(elapsed) = outcome.elapsed {
            self.set(
                "elapsedMs",
                u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            );
        }
        self.line(status_name(&outcome.status));
        if !outcome.output.is_null() {
            self.line(&outcome.output);
        }
    }

    /// Prints the end of the command: the JSON document (with the error, if
    /// any) on stdout, the error and advice on stderr. Returns the exit code.
    pub fn finish(mut self, result: Result<Exit, CliError>) -> Exit {
        let exit = match &result {
            Ok(exit) => *exit,
            Err(error) => error.exit(),
        };
        if let Err(error) = &result {
            eprintln!("trigger: error: {error}");
            if let Some(advice) = advice(error) {
                eprintln!("trigger: {advice}");
            }
            self.set("error", error_json(error));
        }
        if self.is_json() {
            self.set("exitCode", exit.code());
            println!("{}", Value::Object(self.doc));
        }
        exit
    }
}

/// A status as a JSON-friendly word (`timed_out`, not `timed out`).
pub fn status_name(status: &RunStatus) -> String {
    match status {
        RunStatus::TimedOut => "timed_out".to_owned(),
        other => other.to_string(),
    }
}

/// A failure as JSON.
pub fn failure_json(failure: Option<&RunFailure>) -> Value {
    match failure {
        None => Value::Null,
        Some(f) => json!({"code": f.code, "message": f.message, "step": f.step}),
    }
}

/// An error as JSON: its kind (the exit code's name), message and what the
/// SDK knows about it.
pub fn error_json(error: &CliError) -> Value {
    let exit = error.exit();
    let mut doc = json!({
        "kind": exit.name(),
        "exitCode": exit.code(),
        "message": error.to_string(),
    });
    if let Some(sdk) = error.sdk() {
        doc["mayHaveStarted"] = sdk.may_have_started().into();
        doc["httpStatus"] = sdk.status().into();
        doc["code"] = sdk.code().into();
        doc["idempotencyKey"] = sdk.idempotency_key().into();
    }
    doc
}
