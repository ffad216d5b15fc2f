//! [`CorrelatedRun`]: opt-in, ambiguous tracking of an `onReceived` run by
//! workflow id and trigger time.

use std::{sync::OnceLock, time::SystemTime};

use async_trait::async_trait;
use serde_json::Value;
use trigger_sdk_core::{Error, Provider, Result, RunHandle, RunId, RunSnapshot, RunStatus};

use crate::{
    N8nClient,
    body::WebhookResponse,
    execution::ExecutionHandle,
    models::{ExecutionFilter, ExecutionStatus},
};

/// Slack between the server's `Date` (whole seconds, sent after the run
/// started) and the execution's `startedAt`.
const SLACK_MS: i64 = 1_000;

/// The handle of an `onReceived` run followed by correlation: until an
/// execution of the workflow that started at or after the call is found, its
/// status is `Pending`; then it is that execution's [`ExecutionHandle`].
///
/// **Ambiguous under concurrency**: with several calls to the same
/// workflow at about the same time, it may pick another call's execution.
#[derive(Debug)]
pub struct CorrelatedRun {
    client: N8nClient,
    workflow_id: String,
    since_ms: i64,
    answer: WebhookResponse,
    output: Value,
    resolved: OnceLock<ExecutionHandle>,
}

impl CorrelatedRun {
    pub(crate) fn new(
        client: N8nClient,
        workflow_id: String,
        called_at: SystemTime,
        answer: WebhookResponse,
        output: Value,
    ) -> Self {
        let called_ms = called_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Self {
            client,
            workflow_id,
            since_ms: called_ms - SLACK_MS,
            answer,
            output,
            resolved: OnceLock::new(),
        }
    }

    /// n8n's acknowledgement, as sent.
    pub fn answer(&self) -> &WebhookResponse {
        &self.answer
    }

    /// The execution this run was matched to, once found.
    async fn resolve(&self) -> Result<Option<&ExecutionHandle>> {
        if let Some(handle) = self.resolved.get() {
            return Ok(Some(handle));
        }
        let base = ExecutionFilter::default()
            .workflow_id(self.workflow_id.clone())
            .limit(100);
        let mut candidates = Vec::new();
        // n8n leaves running executions out of the list unless asked for them.
        for filter in [base.clone().status(ExecutionStatus::Running), base] {
            candidates.extend(self.client.executions_page(&filter, None).await?.data);
        }
        let best = candidates
            .into_iter()
            .filter_map(|e| {
                let started = parse_iso_millis(e.started_at.as_deref()?)?;
                (started >= self.since_ms).then(|| {
                    let number = e.id.parse::<u64>().unwrap_or(u64::MAX);
                    ((started, number), e.id)
                })
            })
            .min_by(|a, b| a.0.cmp(&b.0));
        Ok(best.map(|(_, id)| {
            tracing::debug!(execution = %id, workflow = %self.workflow_id, "correlated by time");
            self.resolved
                .get_or_init(|| self.client.execution_handle(id))
        }))
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
                "no execution of workflow {} matched this call yet",
                self.workflow_id
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
