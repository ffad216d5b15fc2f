//! The runs API's requests and answers as serde types.
//!
//! Answers tolerate unknown fields, missing optional fields, ids sent as
//! numbers, and status values this crate does not know (kept as
//! [`RunStatus::Unknown`] / [`StepStatus::Unknown`]).

use serde::{Deserialize, Deserializer, Serialize, de::DeserializeOwned};
use serde_json::Value;

use trigger_sdk_core::{
    Error, Result, RunFailure, RunId, RunOutcome, RunSnapshot, RunStatus, StepSnapshot, StepStatus,
};

/// What to start a run with: `POST /workflows/{id}/run`.
///
/// Build it with a struct literal or the builder methods:
///
/// ```
/// use trigger_sdk_runs::RunRequest;
/// let request = RunRequest::new(serde_json::json!({"customerId": "cus_1", "amount": 2500}))
///     .connection_id("conn_demo_stripe")
///     .idempotency_key("invoice-2024-0001");
/// assert_eq!(request.idempotency_key.as_deref(), Some("invoice-2024-0001"));
/// let empty = RunRequest { connection_id: Some("conn_1".into()), ..Default::default() };
/// assert!(empty.input.is_null());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunRequest {
    /// The run's input; `Null` sends none.
    pub input: Value,
    /// Which stored connection the run uses.
    pub connection_id: Option<String>,
    /// The idempotency key; when `None`, [`crate::RunsClient::run`] generates
    /// one. Either way the same key is sent on every retry of the request.
    pub idempotency_key: Option<String>,
    /// Opt-in: when the key gives back an existing run, read that run (one
    /// more request, only then) and refuse it with
    /// [`trigger_sdk_core::Error::Conflict`] and a [`crate::ReplayConflict`]
    /// when its input is not what this request sent.
    pub check_replay_input: bool,
}

impl RunRequest {
    /// A request with this input.
    pub fn new(input: Value) -> Self {
        Self {
            input,
            ..Self::default()
        }
    }

    /// A request whose input is `value` serialized to JSON.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self> {
        serde_json::to_value(value)
            .map(Self::new)
            .map_err(|e| Error::Config(format!("run input does not serialize to JSON: {e}")))
    }

    /// Sets the connection id.
    pub fn connection_id(mut self, connection_id: impl Into<String>) -> Self {
        self.connection_id = Some(connection_id.into());
        self
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Checks a replay: when the idempotency key had already started a run,
    /// that run's input must equal this request's, or the call fails with
    /// [`trigger_sdk_core::Error::Conflict`] carrying a
    /// [`crate::ReplayConflict`] (see [`RunRequest::check_replay_input`]).
    ///
    /// ```
    /// use trigger_sdk_runs::RunRequest;
    /// let request = RunRequest::new(serde_json::json!({"orderId": "order_123"}))
    ///     .idempotency_key("process-order-123")
    ///     .check_replay();
    /// assert!(request.check_replay_input);
    /// ```
    pub fn check_replay(mut self) -> Self {
        self.check_replay_input = true;
        self
    }
}

/// The JSON body of `POST /workflows/{id}/run`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RunBody<'a> {
    #[serde(skip_serializing_if = "Value::is_null")]
    pub input: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<&'a str>,
    /// Always set when sent ([`crate::RunsClient::run`] generates one); a
    /// preview without a key has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<&'a str>,
}

/// The answer to a run request (or a retry): the new run's id and status.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunStarted {
    /// The run's id (`run_…`).
    #[serde(alias = "id", deserialize_with = "de::run_id")]
    pub run_id: RunId,
    /// Its status when the answer was sent (usually `pending`).
    #[serde(default = "pending", deserialize_with = "de::run_status")]
    pub status: RunStatus,
    /// The workflow it runs.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub workflow_id: Option<String>,
    /// The workflow's version.
    #[serde(default)]
    pub workflow_version: Option<u64>,
    /// Whether the idempotency key had already started this run (HTTP 200
    /// instead of 201): nothing new was started.
    #[serde(skip)]
    pub existing: bool,
    /// The idempotency key the request carried.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

fn pending() -> RunStatus {
    RunStatus::Pending
}

/// A run, as `GET /runs/{id}` (and, without steps, `GET /runs`) gives it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Run {
    /// The run's id.
    #[serde(alias = "runId", deserialize_with = "de::run_id")]
    pub id: RunId,
    /// The workflow it runs.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub workflow_id: Option<String>,
    /// The workflow's version.
    #[serde(default)]
    pub workflow_version: Option<u64>,
    /// The status (`timeout` is read as timed out; unknown values are kept).
    #[serde(deserialize_with = "de::run_status")]
    pub status: RunStatus,
    /// How it was started (`api`, …).
    #[serde(default)]
    pub trigger_type: Option<String>,
    /// The input the run saw (schema defaults applied).
    #[serde(default)]
    pub input: Value,
    /// The output, once it has one.
    #[serde(default)]
    pub output: Value,
    /// Why it failed: `{"code": "STEP_ERROR", "message": ".."}`.
    #[serde(default)]
    pub error: Value,
    /// When it started.
    #[serde(default)]
    pub started_at: Option<String>,
    /// When it ended.
    #[serde(default)]
    pub completed_at: Option<String>,
    /// How long it ran.
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Its steps (absent from list summaries).
    #[serde(default, deserialize_with = "de::null_default")]
    pub steps: Vec<RunStep>,
}

impl Run {
    /// The output decoded as `T`.
    pub fn output_as<T: DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(&self.output).map_err(|e| Error::Decode {
            message: format!("output of run {}: {e}", self.id),
            status: None,
            body: Some(self.output.to_string()),
        })
    }

    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&RunStep> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Why the run failed, when it has an error: the code (`STEP_ERROR`), the
    /// message, and the failing step (named by the error, or else the first
    /// failed step).
    pub fn failure(&self) -> Option<RunFailure> {
        if self.error.is_null() && self.status != RunStatus::Failed {
            return None;
        }
        let message = trigger_sdk_core::json::error_message(&self.error)
            .unwrap_or_else(|| "the run failed".to_owned());
        let mut failure = RunFailure::new(message);
        if let Some(code) = self.error.get("code").and_then(Value::as_str) {
            failure = failure.with_code(code);
        }
        let named_step = ["step", "stepId", "step_id"]
            .iter()
            .find_map(|k| self.error.get(*k).and_then(Value::as_str));
        let failed_step = self
            .steps
            .iter()
            .find(|s| s.status == StepStatus::Failed)
            .map(|s| s.id.as_str());
        if let Some(step) = named_step.or(failed_step) {
            failure = failure.with_step(step);
        }
        if !self.error.is_null() {
            failure = failure.with_raw(self.error.clone());
        }
        Some(failure)
    }

    /// The run as an SDK snapshot (`raw` is the run document as sent).
    pub fn to_snapshot(&self, raw: Option<Value>) -> RunSnapshot {
        let output = (!self.output.is_null()).then(|| self.output.clone());
        let snapshot = RunSnapshot::new(Some(self.id.clone()), self.status.clone())
            .with_output(output)
            .with_failure(self.failure())
            .with_steps(self.steps.iter().map(RunStep::to_snapshot).collect());
        match raw {
            Some(raw) => snapshot.with_raw(raw),
            None => snapshot,
        }
    }

    /// The run as an SDK outcome (whatever its status).
    pub fn to_outcome(&self) -> RunOutcome {
        self.to_snapshot(None).into_outcome()
    }
}

/// One step of a run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunStep {
    /// The step's id (`create-invoice`).
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// Its display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its type (`action`, `transform`, …).
    #[serde(default, rename = "type")]
    pub step_type: Option<String>,
    /// Its status (`skipped` and `retrying` included; unknown values kept).
    #[serde(deserialize_with = "de::step_status")]
    pub status: StepStatus,
    /// What it was given.
    #[serde(default)]
    pub input: Value,
    /// What it produced.
    #[serde(default)]
    pub output: Value,
    /// Its error: an object with a `message`, or a string.
    #[serde(default)]
    pub error: Value,
    /// Which attempt this is.
    #[serde(default)]
    pub attempt: Option<u32>,
    /// When it started.
    #[serde(default)]
    pub started_at: Option<String>,
    /// When it ended.
    #[serde(default)]
    pub completed_at: Option<String>,
}

impl RunStep {
    /// The error message, when the step has an error.
    pub fn error_message(&self) -> Option<String> {
        match &self.error {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(
                other
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| other.to_string()),
            ),
        }
    }

    /// The step as an SDK step snapshot.
    pub fn to_snapshot(&self) -> StepSnapshot {
        let mut step = StepSnapshot::new(self.id.clone(), self.status.clone());
        if let Some(name) = &self.name {
            step = step.with_name(name.clone());
        }
        if !self.output.is_null() {
            step = step.with_output(self.output.clone());
        }
        if let Some(error) = self.error_message() {
            step = step.with_error(error);
        }
        step
    }
}

/// Filters of `GET /runs`.
///
/// ```
/// use trigger_sdk_runs::ListRuns;
/// use trigger_sdk_core::RunStatus;
/// let filter = ListRuns::new().workflow_id("wf_customer_order").status(RunStatus::Succeeded).limit(20);
/// assert_eq!(filter.limit, Some(20));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ListRuns {
    /// Only runs of this workflow.
    pub workflow_id: Option<String>,
    /// Only runs in this status.
    pub status: Option<RunStatus>,
    /// Page size (1–100; the server's default is 50).
    pub limit: Option<u32>,
}

impl ListRuns {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only runs of this workflow.
    pub fn workflow_id(mut self, workflow_id: impl Into<String>) -> Self {
        self.workflow_id = Some(workflow_id.into());
        self
    }

    /// Only runs in this status.
    pub fn status(mut self, status: RunStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// The page size (1–100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The query pairs, `cursor` included when given.
    pub(crate) fn query(&self, cursor: Option<&str>) -> Result<Vec<(&'static str, String)>> {
        let mut query = Vec::new();
        if let Some(workflow_id) = &self.workflow_id {
            query.push(("workflowId", workflow_id.clone()));
        }
        if let Some(status) = &self.status {
            query.push(("status", wire_status(status).to_owned()));
        }
        if let Some(limit) = self.limit {
            if !(1..=100).contains(&limit) {
                return Err(Error::Config(format!(
                    "list limit must be 1 to 100, not {limit}"
                )));
            }
            query.push(("limit", limit.to_string()));
        }
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor.to_owned()));
        }
        Ok(query)
    }
}

/// `meta` of a list answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListMeta {
    /// The cursor of the next page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Whether there is a next page.
    #[serde(default)]
    pub has_more: bool,
}

/// The runs API's spelling of a run status.
pub fn wire_status(status: &RunStatus) -> &str {
    match status {
        RunStatus::Pending => "pending",
        RunStatus::Running => "running",
        RunStatus::Succeeded => "completed",
        RunStatus::Failed => "failed",
        RunStatus::Cancelled => "cancelled",
        RunStatus::TimedOut => "timed_out",
        RunStatus::Accepted => "pending",
        RunStatus::Waiting => "running",
        RunStatus::Unknown(s) => s,
        _ => "unknown",
    }
}

/// Reads a run status as the runs API spells it.
pub fn parse_run_status(value: &str) -> RunStatus {
    match value {
        "pending" | "queued" => RunStatus::Pending,
        "running" => RunStatus::Running,
        "completed" | "succeeded" | "success" => RunStatus::Succeeded,
        "failed" | "error" => RunStatus::Failed,
        "cancelled" | "canceled" => RunStatus::Cancelled,
        "timed_out" | "timeout" => RunStatus::TimedOut,
        other => RunStatus::Unknown(other.to_owned()),
    }
}

/// Reads a step status as the runs API spells it.
pub fn parse_step_status(value: &str) -> StepStatus {
    match value {
        "pending" => StepStatus::Pending,
        "running" => StepStatus::Running,
        "retrying" => StepStatus::Retrying,
        "completed" | "succeeded" | "success" => StepStatus::Completed,
        "failed" | "error" => StepStatus::Failed,
        "skipped" => StepStatus::Skipped,
        other => StepStatus::Unknown(other.to_owned()),
    }
}

/// Tolerant deserializers: ids as strings or numbers, statuses as text.
mod de {
    use super::*;
    pub use trigger_sdk_core::json::de::{id, opt_id, run_id};

    pub fn run_status<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<RunStatus, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => parse_run_status(&s),
            Value::Null => RunStatus::Unknown(String::new()),
            other => RunStatus::Unknown(other.to_string()),
        })
    }

    pub fn step_status<'de, D: Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<StepStatus, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => parse_step_status(&s),
            Value::Null => StepStatus::Unknown(String::new()),
            other => StepStatus::Unknown(other.to_string()),
        })
    }

    pub fn null_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + Default,
    {
        Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn run_decodes_the_contract_example() {
        let run: Run = serde_json::from_value(json!({
            "id": "run_1", "workflowId": "wf_1", "workflowVersion": 3, "status": "completed",
            "triggerType": "api", "input": {"a": 1}, "output": {"total": 10}, "error": null,
            "durationMs": 5000, "extra": "ignored",
            "steps": [{"id": "create-invoice", "name": "Create Invoice", "type": "action",
                       "status": "completed", "output": {"id": "inv_123"}, "error": null, "attempt": 1}]
        }))
        .unwrap();
        assert_eq!(run.status, RunStatus::Succeeded);
        assert_eq!(run.step("create-invoice").unwrap().output["id"], "inv_123");
        assert!(run.failure().is_none());
        let snapshot = run.to_snapshot(None);
        assert_eq!(snapshot.steps[0].status, StepStatus::Completed);
        assert_eq!(snapshot.output, Some(json!({"total": 10})));
    }

    #[test]
    fn statuses_accept_both_spellings_and_keep_unknown_ones() {
        assert_eq!(parse_run_status("timeout"), RunStatus::TimedOut);
        assert_eq!(parse_run_status("timed_out"), RunStatus::TimedOut);
        assert_eq!(
            parse_run_status("paused"),
            RunStatus::Unknown("paused".into())
        );
        assert_eq!(parse_step_status("skipped"), StepStatus::Skipped);
        assert_eq!(parse_step_status("retrying"), StepStatus::Retrying);
        assert_eq!(
            parse_step_status("later"),
            StepStatus::Unknown("later".into())
        );
        assert_eq!(wire_status(&RunStatus::Succeeded), "completed");
    }

    #[test]
    fn ids_may_be_numbers_and_steps_null() {
        let run: Run =
            serde_json::from_value(json!({"id": 42, "status": "running", "steps": null})).unwrap();
        assert_eq!(run.id.as_str(), "42");
        assert!(run.steps.is_empty());
        let started: RunStarted = serde_json::from_value(json!({"runId": "run_9"})).unwrap();
        assert_eq!(started.status, RunStatus::Pending);
    }

    #[test]
    fn failure_names_code_and_failed_step() {
        let run: Run = serde_json::from_value(json!({
            "id": "run_f", "status": "failed",
            "error": {"code": "STEP_ERROR", "message": "Card declined"},
            "steps": [
                {"id": "prepare", "status": "completed"},
                {"id": "charge", "status": "failed", "error": {"message": "Card declined"}},
                {"id": "notify", "status": "skipped"}
            ]
        }))
        .unwrap();
        let failure = run.failure().unwrap();
        assert_eq!(failure.code.as_deref(), Some("STEP_ERROR"));
        assert_eq!(failure.step.as_deref(), Some("charge"));
        assert_eq!(failure.message, "Card declined");
        assert_eq!(
            run.step("charge").unwrap().error_message().as_deref(),
            Some("Card declined")
        );
    }

    #[test]
    fn list_query_checks_the_limit() {
        let filter = ListRuns::new()
            .workflow_id("wf")
            .status(RunStatus::Failed)
            .limit(2);
        let query = filter.query(Some("c1")).unwrap();
        assert_eq!(
            query,
            [
                ("workflowId", "wf".to_owned()),
                ("status", "failed".to_owned()),
                ("limit", "2".to_owned()),
                ("cursor", "c1".to_owned())
            ]
        );
        assert!(matches!(
            ListRuns::new().limit(0).query(None),
            Err(Error::Config(_))
        ));
    }
}
