//! What a run is: its id, status, snapshot, steps, outcome and events.

use std::{fmt, time::Duration};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, Error, Result};

/// Which platform a trigger or a run belongs to: a name, open to any
/// provider crate (a fifth provider names itself with [`Provider::new`]; no
/// edit of this crate needed).
///
/// ```
/// use trigger_sdk_core::Provider;
/// const ACME: Provider = Provider::new("acme");
/// assert_eq!(ACME.to_string(), "acme");
/// assert_eq!(Provider::N8n.name(), "n8n");
/// assert_ne!(ACME, Provider::Runs);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Provider(&'static str);

#[allow(non_upper_case_globals)]
impl Provider {
    /// n8n webhooks and public API.
    pub const N8n: Provider = Provider("n8n");
    /// ToolJet workflow webhooks.
    pub const ToolJet: Provider = Provider("tooljet");
    /// Flowmatic webhooks and REST API.
    pub const Flowmatic: Provider = Provider("flowmatic");
    /// The runs API (JustPaid Workflows).
    pub const Runs: Provider = Provider("runs");

    /// A provider named `name` (lower-case, as in logs and reports).
    pub const fn new(name: &'static str) -> Self {
        Self(name)
    }

    /// The provider's name.
    pub const fn name(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The provider's id of a run (an n8n execution id, a ToolJet execution id,
/// a Flowmatic execution id, a `run_…` id).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct RunId(String);

impl RunId {
    /// Wraps an id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for RunId {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for RunId {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// Where a run is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RunStatus {
    /// Started, but the provider gives no way to follow it.
    Accepted,
    /// Queued, not running yet.
    Pending,
    /// Running.
    Running,
    /// Paused, waiting for something (a wait node, an approval).
    Waiting,
    /// Finished with success.
    Succeeded,
    /// Finished with a failure.
    Failed,
    /// Stopped by a user or a cancel call.
    Cancelled,
    /// Stopped by a timeout.
    TimedOut,
    /// A status this SDK does not know, as the provider spelled it.
    Unknown(String),
}

impl RunStatus {
    /// Whether the run has ended (succeeded, failed, cancelled or timed out).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Cancelled | Self::TimedOut
        )
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Accepted => "accepted",
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Waiting => "waiting",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::TimedOut => "timed out",
            Self::Unknown(s) => s,
        })
    }
}

/// Where a step of a run is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StepStatus {
    /// Not started.
    Pending,
    /// Running.
    Running,
    /// Waiting for a retry.
    Retrying,
    /// Finished with success.
    Completed,
    /// Finished with a failure.
    Failed,
    /// Not run.
    Skipped,
    /// A status this SDK does not know.
    Unknown(String),
}

impl fmt::Display for StepStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Retrying => "retrying",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Unknown(s) => s,
        })
    }
}

/// One step (node) of a run, as the provider last reported it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StepSnapshot {
    /// The step's id.
    pub id: String,
    /// The step's display name, when the provider gives one.
    pub name: Option<String>,
    /// The step's status.
    pub status: StepStatus,
    /// The step's output, when it has one.
    pub output: Option<Value>,
    /// The step's error message, when it failed.
    pub error: Option<String>,
}

impl StepSnapshot {
    /// A step with an id and a status.
    pub fn new(id: impl Into<String>, status: StepStatus) -> Self {
        Self {
            id: id.into(),
            name: None,
            status,
            output: None,
            error: None,
        }
    }

    /// Sets the name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the output.
    pub fn with_output(mut self, output: Value) -> Self {
        self.output = Some(output);
        self
    }

    /// Sets the error message.
    pub fn with_error(mut self, error: impl Into<String>) -> Self {
        self.error = Some(error.into());
        self
    }
}

/// Why a run failed, as the provider said it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RunFailure {
    /// The provider's error code (`STEP_ERROR`, …).
    pub code: Option<String>,
    /// The provider's message.
    pub message: String,
    /// The step (node) that failed, when known.
    pub step: Option<String>,
    /// The provider's raw error value.
    pub raw: Option<Value>,
}

impl RunFailure {
    /// A failure with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            code: None,
            message: message.into(),
            step: None,
            raw: None,
        }
    }

    /// Sets the provider's code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the failing step.
    pub fn with_step(mut self, step: impl Into<String>) -> Self {
        self.step = Some(step.into());
        self
    }

    /// Sets the raw error value.
    pub fn with_raw(mut self, raw: Value) -> Self {
        self.raw = Some(raw);
        self
    }
}

impl fmt::Display for RunFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = &self.code {
            write!(f, "[{code}] ")?;
        }
        f.write_str(&self.message)?;
        if let Some(step) = &self.step {
            write!(f, " (step {step})")?;
        }
        Ok(())
    }
}

/// A run as last seen: what `RunHandle::status` returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RunSnapshot {
    /// The run's id, when the provider gave one.
    pub run_id: Option<RunId>,
    /// The status.
    pub status: RunStatus,
    /// The output, once there is one.
    pub output: Option<Value>,
    /// Why it failed, when it failed.
    pub failure: Option<RunFailure>,
    /// Its steps, for providers that report them.
    pub steps: Vec<StepSnapshot>,
    /// The provider's raw status document.
    pub raw: Option<Value>,
}

impl RunSnapshot {
    /// A snapshot with a status only.
    pub fn new(run_id: Option<RunId>, status: RunStatus) -> Self {
        Self {
            run_id,
            status,
            output: None,
            failure: None,
            steps: Vec::new(),
            raw: None,
        }
    }

    /// Sets the output.
    pub fn with_output(mut self, output: Option<Value>) -> Self {
        self.output = output;
        self
    }

    /// Sets the failure.
    pub fn with_failure(mut self, failure: Option<RunFailure>) -> Self {
        self.failure = failure;
        self
    }

    /// Sets the steps.
    pub fn with_steps(mut self, steps: Vec<StepSnapshot>) -> Self {
        self.steps = steps;
        self
    }

    /// Sets the raw document.
    pub fn with_raw(mut self, raw: Value) -> Self {
        self.raw = Some(raw);
        self
    }

    /// Turns a terminal snapshot into an outcome.
    pub fn into_outcome(self) -> RunOutcome {
        RunOutcome {
            run_id: self.run_id,
            status: self.status,
            output: self.output.unwrap_or(Value::Null),
            http_status: None,
            body: None,
            failure: self.failure,
            steps: self.steps,
            elapsed: None,
        }
    }
}

/// How a run ended: what `RunHandle::wait` returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RunOutcome {
    /// The run's id, when the provider gave one.
    pub run_id: Option<RunId>,
    /// The terminal status.
    pub status: RunStatus,
    /// The output: JSON, a JSON string for a text answer, `Null` when empty.
    pub output: Value,
    /// The HTTP status of a synchronous answer.
    pub http_status: Option<u16>,
    /// The raw bytes of a synchronous answer, exactly as sent.
    pub body: Option<bytes::Bytes>,
    /// Why it failed, when it failed.
    pub failure: Option<RunFailure>,
    /// The steps, for providers that report them.
    pub steps: Vec<StepSnapshot>,
    /// Time from the trigger to the end, when the SDK measured it.
    pub elapsed: Option<Duration>,
}

impl RunOutcome {
    /// A successful outcome with an output.
    pub fn succeeded(run_id: Option<RunId>, output: Value) -> Self {
        Self {
            run_id,
            status: RunStatus::Succeeded,
            output,
            http_status: None,
            body: None,
            failure: None,
            steps: Vec::new(),
            elapsed: None,
        }
    }

    /// Sets the HTTP status and raw body of a synchronous answer.
    pub fn with_http(mut self, status: u16, body: bytes::Bytes) -> Self {
        self.http_status = Some(status);
        self.body = Some(body);
        self
    }

    /// The output decoded as `T`.
    pub fn output_as<T: DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(&self.output).map_err(|e| Error::Decode {
            message: format!("run output: {e}"),
            status: self.http_status,
            body: Some(self.output.to_string()),
        })
    }

    /// The output as text: the string itself, or the JSON text of anything else.
    pub fn output_text(&self) -> String {
        match &self.output {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }

    /// Whether the run succeeded.
    pub fn is_success(&self) -> bool {
        self.status == RunStatus::Succeeded
    }

    /// `Ok(self)` when the run succeeded; otherwise the typed error:
    /// [`Error::WorkflowFailed`], or [`Error::Timeout`] / [`Error::Conflict`]
    /// for timed-out / cancelled runs.
    pub fn into_result(self) -> Result<Self> {
        let failure = self.failure.clone();
        let api = |default: &str| {
            let f = failure.clone().unwrap_or_else(|| RunFailure::new(default));
            let message = match &f.step {
                Some(step) => format!("{} (step {step})", f.message),
                None => f.message.clone(),
            };
            let mut api = ApiError::new(self.http_status, message);
            api.code = f.code.clone();
            api.body = f.raw.as_ref().map(Value::to_string);
            Box::new(api)
        };
        match self.status {
            RunStatus::Succeeded => Ok(self),
            RunStatus::Failed => Err(Error::WorkflowFailed(api("the run failed"))),
            RunStatus::Cancelled => Err(Error::Conflict(api("the run was cancelled"))),
            RunStatus::TimedOut => Err(Error::Timeout {
                message: api("the run timed out").to_string(),
                source: None,
            }),
            ref other => Err(Error::NotTrackable(format!(
                "the run is {other}, not finished"
            ))),
        }
    }
}

/// Something that happened to a run, as `RunHandle::events` yields it.
///
/// The stream ends after [`RunEvent::Finished`], which is always its last item
/// when the run ends, and never comes before the run has ended.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RunEvent {
    /// The run's status changed (to a non-terminal status).
    Status(RunStatus),
    /// A step started, finished, failed or changed.
    Step(StepSnapshot),
    /// A streamed piece of output (n8n streaming: `begin`, `item`, `end`, `error`).
    Chunk {
        /// The chunk type.
        kind: String,
        /// Its text content.
        content: Option<String>,
        /// Its metadata.
        metadata: Value,
    },
    /// A provider event this SDK passes through as is.
    Provider {
        /// The provider's event name.
        kind: String,
        /// Its payload.
        data: Value,
    },
    /// The run ended; the last event of the stream.
    Finished(Box<RunOutcome>),
}

impl RunEvent {
    /// The status this event reports, if any (`Finished` reports the terminal one).
    pub fn status(&self) -> Option<&RunStatus> {
        match self {
            Self::Status(s) => Some(s),
            Self::Finished(outcome) => Some(&outcome.status),
            _ => None,
        }
    }

    /// Whether this is the last event of the run.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Finished(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_as_decodes_and_reports_errors() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Out {
            total: f64,
        }
        let o = RunOutcome::succeeded(None, serde_json::json!({"total": 12.5}));
        assert_eq!(o.output_as::<Out>().ok(), Some(Out { total: 12.5 }));
        let bad = RunOutcome::succeeded(None, serde_json::json!("text"));
        assert!(matches!(bad.output_as::<Out>(), Err(Error::Decode { .. })));
        assert_eq!(bad.output_text(), "text");
    }

    #[test]
    fn into_result_types_failures() {
        let mut o = RunOutcome::succeeded(Some(RunId::new("r1")), Value::Null);
        o.status = RunStatus::Failed;
        o.failure = Some(
            RunFailure::new("card declined")
                .with_code("STEP_ERROR")
                .with_step("charge"),
        );
        let err = o.into_result().unwrap_err();
        assert_eq!(
            err.to_string(),
            "workflow failed: [STEP_ERROR] card declined (step charge)",
            "the code shows once"
        );
        match err {
            Error::WorkflowFailed(api) => {
                assert_eq!(api.code.as_deref(), Some("STEP_ERROR"));
                assert!(api.message.contains("charge"));
            }
            other => panic!("expected WorkflowFailed, got {other:?}"),
        }
    }

    #[test]
    fn terminal_statuses() {
        assert!(RunStatus::Succeeded.is_terminal());
        assert!(RunStatus::TimedOut.is_terminal());
        assert!(!RunStatus::Accepted.is_terminal());
        assert!(!RunStatus::Unknown("x".into()).is_terminal());
    }
}
