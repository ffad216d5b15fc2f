//! [`CorrelatedRun`]: an `onReceived` run (or a `responseNode` answer without a body)
//! followed to the execution whose data carries the call's correlation marker.

use std::sync::OnceLock;

use async_trait::async_trait;
use serde_json::Value;
use trigger_sdk_core::{Error, Provider, Result, RunHandle, RunId, RunSnapshot, RunStatus};

use crate::{
    N8nClient,
    body::WebhookResponse,
    execution::ExecutionHandle,
    models::{Execution, ExecutionFilter, ExecutionStatus},
    tracking::MARKER_HEADER,
};

/// Executions read per page while looking for the marker (with their data).
const PAGE: u32 = 20;
/// Pages read per list (running, then finished) before giving up for this poll.
const MAX_PAGES: usize = 5;
/// The search stops at executions that started this long before the answer's `Date`
/// (whole seconds, server clock): only a bound on the reading, never a way to choose.
const FLOOR_SLACK_MS: i64 = 60_000;

/// The handle of a webhook run followed by its correlation marker
/// ([`crate::MARKER_HEADER`], a fresh UUID sent with the call and recorded by the Webhook
/// node): until an execution whose data carries the marker is listed, its status is
/// `Pending`; then it is that execution's [`ExecutionHandle`].
///
/// Deterministic under any concurrency: only the execution this call started carries its
/// marker, so a handle is never given another call's execution. An execution n8n does not
/// keep (`EXECUTIONS_DATA_SAVE_ON_SUCCESS=none`) is never found: the handle stays
/// `Pending` until the wait deadline.
#[derive(Debug)]
pub struct CorrelatedRun {
    client: N8nClient,
    workflow_id: Option<String>,
    marker: String,
    floor_ms: Option<i64>,
    answer: WebhookResponse,
    output: Value,
    resolved: OnceLock<ExecutionHandle>,
}

impl CorrelatedRun {
    pub(crate) fn new(
        client: N8nClient,
        workflow_id: Option<String>,
        marker: String,
        answer: WebhookResponse,
        output: Value,
    ) -> Self {
        let floor_ms = answer
            .header("date")
            .and_then(|d| httpdate::parse_http_date(d).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_millis()).ok())
            .map(|ms| ms - FLOOR_SLACK_MS);
        Self {
            client,
            workflow_id,
            marker,
            floor_ms,
            answer,
            output,
            resolved: OnceLock::new(),
        }
    }

    /// n8n's answer to the call, as sent.
    pub fn answer(&self) -> &WebhookResponse {
        &self.answer
    }

    /// The correlation marker this call sent in [`crate::MARKER_HEADER`].
    pub fn marker(&self) -> &str {
        &self.marker
    }

    /// The execution this run was matched to, once found.
    async fn resolve(&self) -> Result<Option<&ExecutionHandle>> {
        if let Some(handle) = self.resolved.get() {
            return Ok(Some(handle));
        }
        let Some(id) = self.find().await? else {
            return Ok(None);
        };
        tracing::debug!(execution = %id, marker = %self.marker, "correlated by marker");
        Ok(Some(
            self.resolved
                .get_or_init(|| self.client.execution_handle(id)),
        ))
    }

    /// Looks for the marked execution among the running ones (which n8n lists only on
    /// request), then the others, newest first.
    async fn find(&self) -> Result<Option<String>> {
        let mut base = ExecutionFilter::default().include_data(true).limit(PAGE);
        if let Some(id) = &self.workflow_id {
            base = base.workflow_id(id.clone());
        }
        for filter in [base.clone().status(ExecutionStatus::Running), base] {
            let mut cursor = None;
            for _ in 0..MAX_PAGES {
                let page = self.client.executions_page(&filter, cursor.take()).await?;
                if let Some(found) = page.data.iter().find(|e| self.carries_marker(e)) {
                    return Ok(Some(found.id.clone()));
                }
                let older = self.floor_ms.is_some_and(|floor| {
                    page.data.iter().any(|e| {
                        e.started_at
                            .as_deref()
                            .and_then(parse_iso_millis)
                            .is_some_and(|started| started < floor)
                    })
                });
                match page.next_cursor {
                    Some(next) if !older && !page.data.is_empty() => cursor = Some(next),
                    _ => break,
                }
            }
        }
        Ok(None)
    }

    fn carries_marker(&self, execution: &Execution) -> bool {
        execution
            .data
            .as_ref()
            .is_some_and(|data| headers_carry(data, &self.marker))
    }
}

/// Whether any `headers` object in n8n's execution data (the Webhook node's items, in the
/// run data of a finished execution or the node stack of a running one) has the marker.
fn headers_carry(data: &Value, marker: &str) -> bool {
    match data {
        Value::Object(map) => {
            let here = map
                .get("headers")
                .and_then(|h| h.get(MARKER_HEADER))
                .and_then(Value::as_str)
                == Some(marker);
            here || map.values().any(|v| headers_carry(v, marker))
        }
        Value::Array(items) => items.iter().any(|v| headers_carry(v, marker)),
        _ => false,
    }
}

#[async_trait]
impl RunHandle for CorrelatedRun {
    fn provider(&self) -> Provider {
        Provider::N8n
    }

    fn run_id(&self) -> Option<&RunId> {
        self.resolved.get().and_then(|h| h.run_id())
    }

    async fn status(&self) -> Result<RunSnapshot> {
        match self.resolve().await? {
            Some(handle) => handle.status().await,
            None => {
                let mut snapshot = RunSnapshot::new(None, RunStatus::Pending);
                snapshot.raw = Some(self.output.clone());
                Ok(snapshot)
            }
        }
    }

    async fn cancel(&self) -> Result<()> {
        match self.resolve().await? {
            Some(handle) => handle.cancel().await,
            None => Err(Error::NotTrackable(format!(
                "no execution carrying marker {} is listed yet",
                self.marker
            ))),
        }
    }
}

/// Parses an ISO 8601 timestamp (`2026-11-22T13:22:59.620Z`, `+01:00`
/// offsets, no offset = UTC) to Unix milliseconds.
pub(crate) fn parse_iso_millis(s: &str) -> Option<i64> {
    let s = s.trim();
    let num = |a: usize, b: usize| s.get(a..b)?.parse::<i64>().ok();
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    if !matches!(s.get(10..11)?, "T" | "t" | " ") {
        return None;
    }
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let mut rest = s.get(19..)?;
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.chars().take_while(char::is_ascii_digit).count();
        let padded = format!("{:0<3}", fraction.get(..digits.min(3))?);
        millis = padded.parse::<i64>().ok()?;
        rest = fraction.get(digits..)?;
    }
    let offset_minutes = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let h = rest.get(1..3)?.parse::<i64>().ok()?;
            let m = rest.get(rest.len() - 2..)?.parse::<i64>().ok()?;
            sign * (h * 60 + m)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_is_found_in_run_data_and_in_the_node_stack() {
        let finished = serde_json::json!({"resultData": {"runData": {"Webhook": [{"data": {"main": [[
            {"json": {"headers": {"x-trigger-sdk-marker": "m1", "host": "h"}, "body": {}}}
        ]]}}]}}});
        let running = serde_json::json!({"executionData": {"nodeExecutionStack": [{"data": {"main": [[
            {"json": {"headers": {"x-trigger-sdk-marker": "m2"}}}
        ]]}}]}});
        assert!(headers_carry(&finished, "m1"));
        assert!(!headers_carry(&finished, "m2"));
        assert!(headers_carry(&running, "m2"));
        // A body that merely mentions the marker does not count.
        let echoed = serde_json::json!({"body": {"x-trigger-sdk-marker": "m3"}, "note": "m3"});
        assert!(!headers_carry(&echoed, "m3"));
    }

    #[test]
    fn parses_iso_timestamps() {
        assert_eq!(parse_iso_millis("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(parse_iso_millis("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(
            parse_iso_millis("2026-11-22T13:22:59.620Z"),
            Some(1_795_353_779_620)
        );
        assert_eq!(
            parse_iso_millis("2026-11-22T14:22:59.620+01:00"),
            Some(1_795_353_779_620)
        );
        assert_eq!(parse_iso_millis("yesterday"), None);
    }
}
