//! Run state as the faces see it: snapshots and events.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{Map, Value};

/// Status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RunStatus {
    /// Created, not started yet.
    Pending,
    /// Executing steps.
    Running,
    /// Waiting (paused).
    Waiting,
    /// Finished successfully.
    Succeeded,
    /// A step failed.
    Failed,
    /// Cancelled by a client.
    Cancelled,
    /// Ran past the workflow timeout.
    TimedOut,
}

impl RunStatus {
    /// Whether the run is over.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Cancelled | Self::TimedOut
        )
    }

    /// Lower-case name: `pending running waiting succeeded failed cancelled timed_out`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Waiting => "waiting",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::TimedOut => "timed_out",
        }
    }
}

/// Status of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StepStatus {
    /// Not reached yet.
    Pending,
    /// Executing.
    Running,
    /// Done.
    Completed,
    /// Failed.
    Failed,
    /// Never ran (run ended before it).
    Skipped,
}

impl StepStatus {
    /// Lower-case name: `pending running completed failed skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
}

/// An error of a run or a step.
#[derive(Debug, Clone, PartialEq)]
pub struct RunError {
    /// Code, e.g. `STEP_ERROR`, `TEMPLATE_ERROR`, `TIMEOUT`, `CANCELLED`.
    pub code: String,
    /// Message.
    pub message: String,
    /// Id of the step that failed, if any.
    pub step: Option<String>,
}

/// What a `respond` step set: the answer a face sends for a sync call.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers (rendered).
    pub headers: BTreeMap<String, String>,
    /// Body (rendered).
    pub body: Value,
}

/// State of one step of a run.
#[derive(Debug, Clone)]
pub struct StepState {
    /// Step id (shared with the workflow's other runs).
    pub id: Arc<str>,
    /// Display name (shared with the workflow's other runs).
    pub name: Arc<str>,
    /// Step type (`transform`, `respond`, `delay`, `fail`, `action`, `email`,
    /// `http_request`).
    pub step_type: &'static str,
    /// Status.
    pub status: StepStatus,
    /// What the step received (shared with the run's other records).
    pub input: Option<Arc<Value>>,
    /// What it produced (shared with the run's events and output).
    pub output: Option<Arc<Value>>,
    /// Its error.
    pub error: Option<RunError>,
    /// Attempt number (1).
    pub attempt: u32,
    /// When it started.
    pub started_at: Option<SystemTime>,
    /// When it finished.
    pub finished_at: Option<SystemTime>,
}

/// A consistent copy of a run's state. Cloning one copies no JSON, no
/// string and no header: only the list of steps.
#[derive(Debug, Clone)]
pub struct RunSnapshot {
    /// Run id (chosen by the face that started it).
    pub id: Arc<str>,
    /// Workflow id.
    pub workflow_id: Arc<str>,
    /// Workflow name.
    pub workflow_name: Arc<str>,
    /// Status.
    pub status: RunStatus,
    /// The input the run sees (shared: cloning a snapshot copies no JSON).
    pub input: Arc<Value>,
    /// The output (set when succeeded).
    pub output: Option<Arc<Value>>,
    /// Set by a `respond` step.
    pub response: Option<RunResponse>,
    /// Set when failed, cancelled or timed out.
    pub error: Option<RunError>,
    /// Per-step state, in workflow order.
    pub steps: Vec<StepState>,
    /// Creation time.
    pub created_at: SystemTime,
    /// Start time.
    pub started_at: Option<SystemTime>,
    /// End time.
    pub finished_at: Option<SystemTime>,
    /// Face-specific metadata given at start (e.g. mode, trigger type).
    pub meta: Arc<Map<String, Value>>,
    /// The run this one retries.
    pub retry_of: Option<Arc<str>>,
    /// Sequence number of the last event.
    pub last_seq: u64,
    /// The headers of the request that started the run (empty when it was
    /// started outside a request).
    pub headers: Arc<http::HeaderMap>,
}

impl RunSnapshot {
    /// Duration in milliseconds from start to finish (or to now while running).
    pub fn duration_ms(&self) -> Option<u64> {
        let start = self.started_at?;
        let end = self.finished_at.unwrap_or_else(SystemTime::now);
        Some(crate::time::millis_between(start, end))
    }

    /// The first failed step, if any.
    pub fn failed_step(&self) -> Option<&StepState> {
        self.steps.iter().find(|s| s.status == StepStatus::Failed)
    }
}

/// One entry of a run's event log.
#[derive(Debug, Clone)]
pub struct RunEvent {
    /// Sequence number, from 1, gap-free within a run.
    pub seq: u64,
    /// When it happened.
    pub at: SystemTime,
    /// What happened.
    pub kind: EventKind,
}

/// What happened in a run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum EventKind {
    /// The run was created (status pending).
    Created,
    /// The run started executing (status running).
    Started,
    /// A step started.
    StepStarted {
        /// Step id.
        step: Arc<str>,
    },
    /// A step completed.
    StepCompleted {
        /// Step id.
        step: Arc<str>,
        /// Its output.
        output: Arc<Value>,
    },
    /// A step failed.
    StepFailed {
        /// Step id.
        step: Arc<str>,
        /// Its error.
        error: RunError,
    },
    /// A `respond` step set the response.
    Responded {
        /// The response.
        response: RunResponse,
    },
    /// The run ended (always the last event).
    Finished {
        /// Final status.
        status: RunStatus,
        /// Output when succeeded.
        output: Option<Arc<Value>>,
        /// Error otherwise.
        error: Option<RunError>,
    },
}

/// A recorded `action` step call.
#[derive(Debug, Clone)]
pub struct ActionCall {
    /// Run id.
    pub run_id: Arc<str>,
    /// Step id.
    pub step: Arc<str>,
    /// Connector.
    pub connector: String,
    /// Action.
    pub action: String,
    /// Rendered parameters it was sent.
    pub params: Value,
    /// The id it returned.
    pub id: String,
}
