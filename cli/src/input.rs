//! What a run starts with: `--data` (JSON text, `@FILE`, `-` for stdin),
//! `--query k=v`, `--header k:v` and `--idempotency-key`.

use std::io::Read;

use serde_json::Value;
use trigger_sdk::TriggerRequest;

use crate::{args::Input, config::Target, exit::CliError};

/// Parses JSON, naming where it came from in the error.
pub fn parse_json(text: &str, origin: &str) -> Result<Value, CliError> {
    serde_json::from_str(text)
        .map_err(|e| CliError::usage(format!("{origin} is not valid JSON: {e}")))
}

/// The payload of `--data`; without it `{}` (nothing for a GET webhook).
pub fn payload(data: Option<&str>, target: &Target) -> Result<Value, CliError> {
    let Some(data) = data else {
        return Ok(if target.is_get() {
            Value::Null
        } else {
            Value::Object(Default::default())
        });
    };
    if data == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::usage(format!("cannot read --data from stdin: {e}")))?;
        return parse_json(&text, "--data from stdin");
    }
    if let Some(path) = data.strip_prefix('@') {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("cannot read the --data file {path}: {e}")))?;
        return parse_json(&text, &format!("the --data file {path}"));
    }
    parse_json(data, "--data")
}

/// The trigger request of `input` for `target`.
pub fn request(input: &Input, target: &Target) -> Result<TriggerRequest, CliError> {
    let mut request = TriggerRequest::new(payload(input.data.as_deref(), target)?);
    for pair in &input.query {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("--query {pair:?} is not KEY=VALUE")))?;
        request = request.query(key, value);
    }
    for header in &input.headers {
        let (name, value) = header
            .split_once(':')
            .filter(|(name, _)| !name.trim().is_empty())
            .ok_or_else(|| CliError::usage(format!("--header {header:?} is not NAME:VALUE")))?;
        request = request.header(name.trim(), value.trim());
    }
    if let Some(key) = &input.idempotency_key {
        if !target.takes_idempotency_key() {
            return Err(CliError::usage(format!(
                "target {}: {} takes no idempotency key",
                target.name,
                target.provider()
            )));
        }
        request = request.idempotency_key(key);
    }
    Ok(request)
}
