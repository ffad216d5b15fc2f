//! Executes a run's steps on a tokio task.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::connectors;
use super::http_step;
use super::template::{Scope, TemplateError, render_str, render_value, to_text, walk};
use super::{
    ActionCall, Engine, EventKind, RunEntry, RunError, RunResponse, RunStatus, StepStatus,
};
use crate::config::{StepKind, Workflow};

/// Runs the workflow's steps from `start_index`, honouring cancel and timeout.
pub(super) async fn execute(
    engine: Engine,
    entry: Arc<RunEntry>,
    wf: Arc<Workflow>,
    start_index: usize,
) {
    let mut cancel_rx = entry.cancel.subscribe();
    if *cancel_rx.borrow_and_update() {
        return;
    }
    entry.record(EventKind::Started, |s| {
        s.status = RunStatus::Running;
        s.started_at = Some(SystemTime::now());
    });
    let steps = run_steps(&engine, &entry, &wf, start_index);
    let timeout = wf.timeout_ms.map(Duration::from_millis);
    let outcome = tokio::select! {
        _ = cancel_rx.wait_for(|c| *c) => return,
        outcome = async {
            match timeout {
                Some(t) => tokio::time::timeout(t, steps).await.ok(),
                None => Some(steps.await),
            }
        } => outcome,
    };
    match outcome {
        None => {
            let error = RunError {
                code: "TIMEOUT".to_owned(),
                message: format!(
                    "Run timed out after {} ms",
                    timeout.map_or(0, |t| t.as_millis())
                ),
                step: None,
            };
            engine.finish(&entry, RunStatus::TimedOut, None, Some(error));
        }
        Some(Ok(output)) => {
            engine.finish(&entry, RunStatus::Succeeded, Some(output), None);
        }
        Some(Err(error)) => {
            engine.finish(&entry, RunStatus::Failed, None, Some(error));
        }
    }
}

/// A simulated connector call (`action` and `email` steps): renders the
/// parameters, records the call, and returns (the rendered parameters, the
/// connector's answer).
fn simulate(
    engine: &Engine,
    entry: &RunEntry,
    step: &str,
    (connector, method, id_prefix): (&str, &str, &str),
    params: &Value,
    ctx: &dyn Scope,
) -> Result<(Value, Value), TemplateError> {
    let params = render_value(params, ctx)?;
    let output = connectors::answer(connector, method, id_prefix, &params, engine.next_number());
    let run_id = entry.lock().snapshot.id.clone();
    engine.record_action(ActionCall {
        run_id,
        step: step.to_owned(),
        connector: connector.to_owned(),
        action: method.to_owned(),
        params: params.clone(),
        id: output["id"].as_str().unwrap_or_default().to_owned(),
    });
    Ok((params, output))
}

/// The template context of a run: its input and step outputs, shared with
/// the run's records (no copy), plus the execution and workflow ids.
struct RunContext {
    input: Arc<Value>,
    /// Completed steps' outputs, in completion order.
    steps: Vec<(String, Arc<Value>)>,
    execution_id: String,
    workflow_id: String,
    workflow_name: String,
}

impl RunContext {
    fn of(entry: &RunEntry) -> Self {
        let data = entry.lock();
        let snap = &data.snapshot;
        Self {
            input: snap.input.clone(),
            steps: snap
                .steps
                .iter()
                .filter_map(|s| Some((s.id.clone(), s.output.clone()?)))
                .collect(),
            execution_id: snap.id.clone(),
            workflow_id: snap.workflow_id.clone(),
            workflow_name: snap.workflow_name.clone(),
        }
    }

    fn step_output(&self, id: &str) -> Option<&Value> {
        self.steps
            .iter()
            .rev()
            .find(|(step, _)| step == id)
            .map(|(_, output)| &**output)
    }
}

impl Scope for RunContext {
    fn resolve(&self, segments: &[&str]) -> Value {
        match segments {
            ["input", rest @ ..] => walk(&self.input, rest),
            ["steps"] => Value::Object(
                self.steps
                    .iter()
                    .map(|(id, output)| (id.clone(), json!({ "output": **output })))
                    .collect(),
            ),
            ["steps", id, rest @ ..] => match (self.step_output(id), rest) {
                (None, _) => Value::Null,
                (Some(output), []) => json!({ "output": output }),
                (Some(output), ["output", rest @ ..]) => walk(output, rest),
                (Some(_), _) => Value::Null,
            },
            ["execution", rest @ ..] => walk(&json!({"id": self.execution_id}), rest),
            ["workflow", rest @ ..] => walk(
                &json!({"id": self.workflow_id, "name": self.workflow_name}),
                rest,
            ),
            [first, ..] if self.input.get(*first).is_some() => walk(&self.input, segments),
            _ => Value::Null,
        }
    }
}

async fn run_steps(
    engine: &Engine,
    entry: &RunEntry,
    wf: &Workflow,
    start_index: usize,
) -> Result<Arc<Value>, RunError> {
    let mut last = {
        let data = entry.lock();
        start_index
            .checked_sub(1)
            .and_then(|i| data.snapshot.steps.get(i))
            .and_then(|s| s.output.clone())
            .unwrap_or_else(|| data.snapshot.input.clone())
    };
    // Built once; each completed step adds its output.
    let mut ctx = RunContext::of(entry);
    for (index, step) in wf.steps.iter().enumerate().skip(start_index) {
        entry.record(
            EventKind::StepStarted {
                step: step.id.clone(),
            },
            |s| {
                if let Some(st) = s.steps.get_mut(index) {
                    st.status = StepStatus::Running;
                    st.started_at = Some(SystemTime::now());
                }
            },
        );
        let fail = |code: &str, message: String| RunError {
            code: code.to_owned(),
            message,
            step: Some(step.id.clone()),
        };
        let template_error =
            |e: TemplateError| fail("TEMPLATE_ERROR", format!("Step '{}': {e}", step.id));
        let null = || Arc::new(Value::Null);
        let (input, result): (Arc<Value>, Result<Value, RunError>) = match &step.kind {
            StepKind::Transform { output } => (
                last.clone(),
                render_value(output, &ctx).map_err(template_error),
            ),
            StepKind::Respond {
                status,
                headers,
                body,
            } => {
                let rendered = render_value(body, &ctx).map_err(template_error);
                let mut hdrs = std::collections::BTreeMap::new();
                let mut header_error = None;
                for (k, v) in headers {
                    match render_str(v, &ctx) {
                        Ok(v) => {
                            hdrs.insert(k.clone(), to_text(&v));
                        }
                        Err(e) => header_error = Some(template_error(e)),
                    }
                }
                match (rendered, header_error) {
                    (Ok(body), None) => {
                        let response = RunResponse {
                            status: *status,
                            headers: hdrs,
                            body: body.clone(),
                        };
                        entry.record(
                            EventKind::Responded {
                                response: response.clone(),
                            },
                            |s| s.response = Some(response),
                        );
                        (Arc::new(body.clone()), Ok(body))
                    }
                    (Err(e), _) | (_, Some(e)) => (null(), Err(e)),
                }
            }
            StepKind::Delay { ms } => {
                tokio::time::sleep(Duration::from_millis(*ms)).await;
                (last.clone(), Ok(Value::clone(&last)))
            }
            StepKind::Fail { code, message } => {
                let message = render_str(message, &ctx)
                    .map(|v| to_text(&v))
                    .unwrap_or_else(|_| message.clone());
                let code = if code.is_empty() { "STEP_ERROR" } else { code };
                (last.clone(), Err(fail(code, message)))
            }
            StepKind::Action {
                connector,
                action,
                params,
                id_prefix,
            } => simulate(
                engine,
                entry,
                &step.id,
                (connector, action, id_prefix),
                params,
                &ctx,
            )
            .map_or_else(
                |e| (null(), Err(template_error(e))),
                |(i, o)| (Arc::new(i), Ok(o)),
            ),
            StepKind::Email { config } => {
                let method = config
                    .get("action")
                    .and_then(Value::as_str)
                    .unwrap_or("send");
                simulate(
                    engine,
                    entry,
                    &step.id,
                    (connectors::EMAIL, method, ""),
                    config,
                    &ctx,
                )
                .map_or_else(
                    |e| (null(), Err(template_error(e))),
                    |(i, o)| (Arc::new(i), Ok(o)),
                )
            }
            StepKind::HttpRequest {
                method,
                url,
                headers,
                body,
                secret,
                timeout_ms,
            } => {
                let rendered = render_str(url, &ctx).and_then(|url| {
                    let headers = headers
                        .iter()
                        .map(|(k, v)| Ok((k.clone(), to_text(&render_str(v, &ctx)?))))
                        .collect::<Result<Vec<_>, TemplateError>>()?;
                    Ok((to_text(&url), headers, render_value(body, &ctx)?))
                });
                match rendered {
                    Err(e) => (null(), Err(template_error(e))),
                    Ok((url, headers, body)) => {
                        let exchange = http_step::Exchange {
                            method,
                            url,
                            headers,
                            body: body.clone(),
                            secret: secret.as_deref(),
                            timeout: Duration::from_millis(*timeout_ms),
                        };
                        let output = match engine.http_client() {
                            Ok(client) => http_step::send(client, exchange).await,
                            Err(why) => Err(("HTTP_REQUEST_ERROR", why)),
                        };
                        (
                            Arc::new(body),
                            output.map_err(|(code, message)| fail(code, message)),
                        )
                    }
                }
            }
        };
        match result {
            Ok(output) => {
                let output = Arc::new(output);
                entry.record(
                    EventKind::StepCompleted {
                        step: step.id.clone(),
                        output: output.clone(),
                    },
                    |s| {
                        if let Some(st) = s.steps.get_mut(index) {
                            st.status = StepStatus::Completed;
                            st.input = Some(input);
                            st.output = Some(output.clone());
                            st.finished_at = Some(SystemTime::now());
                        }
                    },
                );
                ctx.steps.push((step.id.clone(), output.clone()));
                last = output;
            }
            Err(error) => {
                entry.record(
                    EventKind::StepFailed {
                        step: step.id.clone(),
                        error: error.clone(),
                    },
                    |s| {
                        if let Some(st) = s.steps.get_mut(index) {
                            st.status = StepStatus::Failed;
                            st.input = Some(input);
                            st.error = Some(error.clone());
                            st.finished_at = Some(SystemTime::now());
                        }
                    },
                );
                return Err(error);
            }
        }
    }
    match &wf.output {
        Some(template) => render_value(template, &ctx)
            .map(Arc::new)
            .map_err(|e| RunError {
                code: "TEMPLATE_ERROR".to_owned(),
                message: format!("Workflow output: {e}"),
                step: None,
            }),
        None => Ok(last),
    }
}
