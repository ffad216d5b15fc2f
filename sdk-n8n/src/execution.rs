//! [`ExecutionHandle`]: a [`RunHandle`] over an n8n execution id, and how an
//! execution's run data reads as output, failure and steps.

use async_trait::async_trait;
use serde_json::Value;
use trigger_sdk_core::{
    PollPolicy, Provider, Result, RunEvent, RunFailure, RunHandle, RunId, RunSnapshot, RunStatus,
    StepSnapshot, StepStatus, poll::poll_events,
};

use crate::{N8nClient, items::n8n_items, models::Execution};

impl Execution {
    /// The run data's `resultData`, with `includeData=true`.
    fn result_data(&self) -> Option<&Value> {
        self.data.as_ref()?.get("resultData")
    }

    /// The last run of a node in the run data.
    fn last_run<'a>(run_data: &'a Value, node: &str) -> Option<&'a Value> {
        run_data.get(node)?.as_array()?.last()
    }

    /// The name of the node that ran last: `resultData.lastNodeExecuted`, or
    /// the node with the highest `executionIndex` / `startTime`.
    pub fn last_node(&self) -> Option<String> {
        let result = self.result_data()?;
        if let Some(name) = result.get("lastNodeExecuted").and_then(Value::as_str) {
            return Some(name.to_owned());
        }
        let run_data = result.get("runData")?.as_object()?;
        run_data
            .iter()
            .filter_map(|(name, runs)| {
                let run = runs.as_array()?.last()?;
                let key = (
                    run.get("executionIndex")
                        .and_then(Value::as_u64)
                        .unwrap_or(0),
                    run.get("startTime").and_then(Value::as_u64).unwrap_or(0),
                );
                Some((key, name))
            })
            .max_by_key(|(key, _)| *key)
            .map(|(_, name)| name.clone())
    }

    /// The output of the node that ran last: the `json` of each item of its
    /// first output (`runData[<node>][last].data.main[0]`), as an array.
    /// `None` without run data (fetch with `include_data`).
    pub fn output(&self) -> Option<Value> {
        let node = self.last_node()?;
        let run = Self::last_run(self.result_data()?.get("runData")?, &node)?;
        Some(node_output(run).unwrap_or(Value::Array(Vec::new())))
    }

    /// Why the execution failed: `resultData.error` (message and node).
    pub fn failure(&self) -> Option<RunFailure> {
        let error = self.result_data()?.get("error")?;
        let message = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("the execution failed");
        let mut failure = RunFailure::new(message).with_raw(error.clone());
        // 2.x Code-node errors carry no `node`: the failing node is the one
        // whose run has an error, else the last node executed.
        let node = error
            .pointer("/node/name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| self.failed_node())
            .or_else(|| self.last_node());
        if let Some(node) = node {
            failure = failure.with_step(node);
        }
        if let Some(name) = error.get("name").and_then(Value::as_str) {
            failure = failure.with_code(name);
        }
        Some(failure)
    }

    /// The node whose last run failed, from the run data.
    fn failed_node(&self) -> Option<String> {
        let run_data = self.result_data()?.get("runData")?.as_object()?;
        run_data.iter().find_map(|(name, runs)| {
            let run = runs.as_array()?.last()?;
            let failed = run.get("error").is_some_and(|e| !e.is_null())
                || run.get("executionStatus").and_then(Value::as_str) == Some("error");
            failed.then(|| name.clone())
        })
    }

    /// Each node that ran, with its status and output (from the run data).
    pub fn steps(&self) -> Vec<StepSnapshot> {
        let Some(run_data) = self
            .result_data()
            .and_then(|r| r.get("runData"))
            .and_then(Value::as_object)
        else {
            return Vec::new();
        };
        run_data
            .iter()
            .filter_map(|(name, runs)| {
                let run = runs.as_array()?.last()?;
                let status = match run.get("executionStatus").and_then(Value::as_str) {
                    Some("success") => StepStatus::Completed,
                    Some("error") | Some("crashed") => StepStatus::Failed,
                    Some("running") | Some("waiting") | Some("new") => StepStatus::Running,
                    Some(other) => StepStatus::Unknown(other.to_owned()),
                    None if run.get("error").is_some() => StepStatus::Failed,
                    None => StepStatus::Completed,
                };
                let mut step = StepSnapshot::new(name.clone(), status).with_name(name.clone());
                if let Some(output) = node_output(run) {
                    step = step.with_output(output);
                }
                if let Some(message) = run.pointer("/error/message").and_then(Value::as_str) {
                    step = step.with_error(message);
                }
                Some(step)
            })
            .collect()
    }

    /// Whether a finished execution still shows the data it started with: n8n 1.x
    /// writes an execution's status and its run data in two steps, so for a moment a
    /// finished execution has an empty `runData` and its trigger still on the node stack.
    fn data_not_saved_yet(&self) -> bool {
        let Some(data) = &self.data else {
            return false;
        };
        let no_run_data = data
            .pointer("/resultData/runData")
            .and_then(Value::as_object)
            .is_none_or(serde_json::Map::is_empty);
        let stacked = data
            .pointer("/executionData/nodeExecutionStack")
            .and_then(Value::as_array)
            .is_some_and(|stack| !stack.is_empty());
        let no_error = data.pointer("/resultData/error").is_none_or(Value::is_null);
        no_run_data && stacked && no_error
    }

    /// This execution as a run snapshot (status per contract §4). A finished
    /// execution whose run data n8n has not saved yet reads as running, so a
    /// handle never reports an outcome without its output.
    pub fn snapshot(&self) -> RunSnapshot {
        let status = match &self.status {
            Some(status) => status.run_status(),
            None if self.finished => RunStatus::Succeeded,
            None => RunStatus::Running,
        };
        let status = if status.is_terminal() && self.data_not_saved_yet() {
            RunStatus::Running
        } else {
            status
        };
        let failure = match status {
            RunStatus::Failed | RunStatus::Cancelled => self.failure().or_else(|| {
                (status == RunStatus::Failed).then(|| RunFailure::new("the execution failed"))
            }),
            _ => None,
        };
        RunSnapshot::new(Some(RunId::new(self.id.clone())), status)
            .with_output(self.output())
            .with_failure(failure)
            .with_steps(self.steps())
    }
}

/// The items of a node run's first output, as JSON values.
fn node_output(run: &Value) -> Option<Value> {
    let main = run.pointer("/data/main/0")?;
    Some(Value::Array(n8n_items(main)))
}

/// A [`RunHandle`] over an n8n execution: polls
/// `GET /executions/{id}?includeData=true`; status per contract §4
/// (`new`/`running`/`waiting` → running, `success` → succeeded,
/// `error`/`crashed` → failed, `canceled` → cancelled, else `Unknown`); the
/// output is the last node's items; `cancel` stops the execution.
///
/// Rebuild one in any process from an id with
/// [`N8nClient::execution_handle`].
#[derive(Debug, Clone)]
pub struct ExecutionHandle {
    client: N8nClient,
    id: RunId,
    poll: PollPolicy,
}

impl ExecutionHandle {
    /// A handle over execution `id`.
    pub fn new(client: N8nClient, id: impl Into<String>) -> Self {
        let poll = client.transport().options().poll;
        Self {
            client,
            id: RunId::new(id.into()),
            poll,
        }
    }

    /// Sets the poll backoff of [`RunHandle::events`].
    pub fn with_poll(mut self, poll: PollPolicy) -> Self {
        self.poll = poll;
        self
    }

    /// The execution id.
    pub fn id(&self) -> &str {
        self.id.as_str()
    }

    /// The execution, with its run data.
    pub async fn execution(&self) -> Result<Execution> {
        self.client.execution(self.id.as_str(), true).await
    }
}

#[async_trait]
impl RunHandle for ExecutionHandle {
    fn provider(&self) -> Provider {
        Provider::N8n
    }

    fn run_id(&self) -> Option<&RunId> {
        Some(&self.id)
    }

    async fn status(&self) -> Result<RunSnapshot> {
        let execution = self.execution().await?;
        Ok(execution.snapshot())
    }

    fn events(&self) -> futures::stream::BoxStream<'_, Result<RunEvent>> {
        poll_events(self, self.poll)
    }

    async fn cancel(&self) -> Result<()> {
        self.client
            .stop_execution(self.id.as_str())
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn execution(value: Value) -> Execution {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn output_failure_and_steps_from_run_data() {
        let e = execution(json!({
            "id": "7", "finished": false, "status": "error",
            "data": {"resultData": {
                "runData": {
                    "Webhook": [{"executionIndex": 0, "executionStatus": "success",
                        "data": {"main": [[{"json": {"body": {}}}]]}}],
                    "Boom": [{"executionIndex": 1, "executionStatus": "error",
                        "error": {"message": "boom"}}]
                },
                "lastNodeExecuted": "Boom",
                "error": {"message": "boom from fixture", "name": "NodeOperationError",
                          "node": {"name": "Boom"}}
            }}
        }));
        let snap = e.snapshot();
        assert_eq!(snap.status, RunStatus::Failed);
        let failure = snap.failure.unwrap();
        assert_eq!(failure.message, "boom from fixture");
        assert_eq!(failure.step.as_deref(), Some("Boom"));
        assert_eq!(snap.output, Some(json!([])));
        assert_eq!(snap.steps.len(), 2);
        assert_eq!(snap.steps[1].status, StepStatus::Failed);
        assert_eq!(snap.steps[1].error.as_deref(), Some("boom"));
    }

    #[test]
    fn failing_node_found_without_error_node() {
        // n8n 2.x Code-node error: no `node` in resultData.error.
        let e = execution(json!({
            "id": "245", "status": "error",
            "data": {"resultData": {
                "error": {"name": "WrappedExecutionError", "message": "boom [line 1]"},
                "runData": {
                    "Webhook": [{"executionStatus": "success", "data": {"main": [[{"json": {}}]]}}],
                    "Boom": [{"executionStatus": "error", "error": {"message": "boom [line 1]"}}]
                },
                "lastNodeExecuted": "Boom"
            }}
        }));
        let failure = e.failure().unwrap();
        assert_eq!(failure.step.as_deref(), Some("Boom"));
        assert_eq!(failure.code.as_deref(), Some("WrappedExecutionError"));
    }

    #[test]
    fn a_finished_execution_without_its_run_data_yet_reads_as_running() {
        // What n8n 1.x shows between saving the status and saving the data.
        let stale = execution(json!({
            "id": "58", "status": "success", "finished": true,
            "data": {"resultData": {"runData": {}}, "executionData": {"nodeExecutionStack": [
                {"node": {"name": "Webhook"}, "data": {"main": [[{"json": {"body": {}}}]]}}
            ]}}
        }));
        assert_eq!(stale.snapshot().status, RunStatus::Running);
        let saved = execution(json!({
            "id": "58", "status": "success", "finished": true,
            "data": {"resultData": {"lastNodeExecuted": "Webhook", "runData": {
                "Webhook": [{"data": {"main": [[{"json": {"body": {}}}]]}}]
            }}, "executionData": {"nodeExecutionStack": []}}
        }));
        assert_eq!(saved.snapshot().status, RunStatus::Succeeded);
        // Without data (includeData=false) the status is taken as it is.
        let plain = execution(json!({"id": "58", "status": "success", "finished": true}));
        assert_eq!(plain.snapshot().status, RunStatus::Succeeded);
    }

    #[test]
    fn last_node_without_last_node_executed() {
        let e = execution(json!({
            "id": "8", "status": "success",
            "data": {"resultData": {"runData": {
                "A": [{"executionIndex": 0, "data": {"main": [[{"json": {"a": 1}}]]}}],
                "B": [{"executionIndex": 1, "data": {"main": [[{"json": {"b": 2}}, {"json": {"b": 3}}]]}}]
            }}}
        }));
        assert_eq!(e.last_node().as_deref(), Some("B"));
        assert_eq!(e.output(), Some(json!([{"b": 2}, {"b": 3}])));
        assert_eq!(e.snapshot().status, RunStatus::Succeeded);
        assert!(e.snapshot().failure.is_none());
    }
}
