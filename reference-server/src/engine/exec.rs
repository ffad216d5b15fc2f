//! Executes a run's steps: those that need no waiting right where the run is
//! started, the rest (from the first delay or HTTP call on) on a tokio task
//! of its own, honouring cancel and timeout.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::connectors;
use super::http_step;
use super::parsed::Parsed;
use super::template::{Scope, TemplateError, render_str, render_value, to_text, walk};
use super::{
    ActionCall, Engine, EventKind, Registered, RunEntry, RunError, RunResponse, RunStatus,
    StepStatus,
};
use crate::config::{Step, StepKind, Workflow};

/// Runs the workflow's steps from `start_index`. The steps that need no
/// waiting run before this returns; a run that has to wait goes on on its
/// own task from the step that waits, until it ends, is cancelled (its status
/// turns terminal) or passes the workflow's timeout.
pub(super) fn execute(engine: &Engine, entry: Arc<RunEntry>, wf: Registered, start_index: usize) {
    let started = tokio::time::Instant::now();
    if entry.lock().snapshot.status.is_terminal() {
        return;
    }
    entry.record(EventKind::Started, |s| {
        s.status = RunStatus::Running;
        s.started_at = Some(SystemTime::now());
    });
    let mut run = Progress::new(&entry, start_index);
    match run.advance(engine, &entry, &wf) {
        Advance::Ended => {}
        Advance::Done(outcome) => finish(engine, &entry, outcome),
        Advance::Waits => {
            let engine = engine.clone();
            tokio::spawn(async move {
                let timeout = wf.wf.timeout_ms.map(Duration::from_millis);
                // Each branch makes its own future of the steps (one is held at a
                // time, borrowing the run's progress): the run's task stays small.
                let outcome = match timeout {
                    Some(t) => tokio::select! {
                        () = entry.ended() => return,
                        outcome = tokio::time::timeout_at(
                            started + t,
                            run.rest(&engine, &entry, &wf),
                        ) => outcome.ok(),
                    },
                    None => tokio::select! {
                        () = entry.ended() => return,
                        outcome = run.rest(&engine, &entry, &wf) => Some(outcome),
                    },
                };
                match outcome {
                    // Cancelled or timed out by a face while a step ran.
                    Some(None) => {}
                    Some(Some(outcome)) => finish(&engine, &entry, outcome),
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
                }
            });
        }
    }
}

fn finish(engine: &Engine, entry: &RunEntry, outcome: Result<Arc<Value>, RunError>) {
    match outcome {
        Ok(output) => engine.finish(entry, RunStatus::Succeeded, Some(output), None),
        Err(error) => engine.finish(entry, RunStatus::Failed, None, Some(error)),
    };
}

/// A simulated connector call (`action` and `email` steps): renders the
/// parameters, records the call, and returns (the rendered parameters, the
/// connector's answer).
fn simulate(
    engine: &Engine,
    ctx: &RunContext,
    step: &Arc<str>,
    (connector, method, id_prefix): (&str, &str, &str),
    params: &Value,
) -> Result<(Value, Value), TemplateError> {
    let params = render_value(params, ctx)?;
    let output = connectors::answer(connector, method, id_prefix, &params, engine.next_number());
    engine.record_action(ActionCall {
        run_id: ctx.execution_id.clone(),
        step: step.clone(),
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
    steps: Vec<(Arc<str>, Arc<Value>)>,
    execution_id: Arc<str>,
    workflow_id: Arc<str>,
    workflow_name: Arc<str>,
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
            .find(|(step, _)| &**step == id)
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
                    .map(|(id, output)| (id.to_string(), json!({ "output": **output })))
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

/// What a step received and what came of it (shared: a step that passes its
/// input on, such as a delay, makes no copy of it).
type Outcome = (Arc<Value>, Result<Arc<Value>, RunError>);

/// How far [`Progress::advance`] got.
enum Advance {
    /// Every step ran: the run's output, or the error that stopped it.
    Done(Result<Arc<Value>, RunError>),
    /// The current step (already started) has to wait.
    Waits,
    /// The run ended meanwhile (cancelled or timed out by a face).
    Ended,
}

/// Where a run is: the step it is at, the previous step's output, and the
/// template context (built once; each completed step adds its output).
struct Progress {
    index: usize,
    /// The id of the step at `index` once it started and has to wait.
    waiting: Option<Arc<str>>,
    last: Arc<Value>,
    ctx: RunContext,
}

impl Progress {
    fn new(entry: &RunEntry, start_index: usize) -> Self {
        let last = {
            let data = entry.lock();
            start_index
                .checked_sub(1)
                .and_then(|i| data.snapshot.steps.get(i))
                .and_then(|s| s.output.clone())
                .unwrap_or_else(|| data.snapshot.input.clone())
        };
        Self {
            index: start_index,
            waiting: None,
            last,
            ctx: RunContext::of(entry),
        }
    }

    /// Runs steps until one has to wait or the run is over.
    fn advance(&mut self, engine: &Engine, entry: &RunEntry, wf: &Registered) -> Advance {
        while let Some(step) = wf.wf.steps.get(self.index) {
            let Some(id) = start_step(entry, self.index) else {
                return Advance::Ended;
            };
            let parsed = wf.parsed.get(self.index).and_then(Option::as_ref);
            let Some(outcome) = self.run_now(engine, entry, (step, parsed), &id) else {
                self.waiting = Some(id);
                return Advance::Waits;
            };
            if let Err(error) = self.complete(entry, id, outcome) {
                return Advance::Done(Err(error));
            }
        }
        Advance::Done(self.output(&wf.wf))
    }

    /// The steps from the current one (started, and waiting) on; None when
    /// the run ended meanwhile.
    async fn rest(
        &mut self,
        engine: &Engine,
        entry: &RunEntry,
        wf: &Registered,
    ) -> Option<Result<Arc<Value>, RunError>> {
        loop {
            let step = wf.wf.steps.get(self.index)?;
            let id = self.waiting.take()?;
            let outcome = self.run_waiting(engine, step).await;
            if let Err(error) = self.complete(entry, id, outcome) {
                return Some(Err(error));
            }
            match self.advance(engine, entry, wf) {
                Advance::Done(outcome) => return Some(outcome),
                Advance::Ended => return None,
                Advance::Waits => {}
            }
        }
    }

    fn output(&self, wf: &Workflow) -> Result<Arc<Value>, RunError> {
        match &wf.output {
            Some(template) => render_value(template, &self.ctx)
                .map(Arc::new)
                .map_err(|e| RunError {
                    code: "TEMPLATE_ERROR".to_owned(),
                    message: format!("Workflow output: {e}"),
                    step: None,
                }),
            None => Ok(self.last.clone()),
        }
    }

    /// Records the current step's outcome and moves past it (on success).
    fn complete(
        &mut self,
        entry: &RunEntry,
        id: Arc<str>,
        (input, result): Outcome,
    ) -> Result<(), RunError> {
        let index = self.index;
        match result {
            Ok(output) => {
                entry.record(
                    EventKind::StepCompleted {
                        step: id.clone(),
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
                self.ctx.steps.push((id, output.clone()));
                self.last = output;
                self.index += 1;
                Ok(())
            }
            Err(error) => {
                entry.record(
                    EventKind::StepFailed {
                        step: id,
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
                Err(error)
            }
        }
    }

    /// Runs a step (with its parsed output template, if any) that needs no
    /// waiting; None for one that does (a delay, an HTTP call).
    fn run_now(
        &self,
        engine: &Engine,
        entry: &RunEntry,
        (step, parsed): (&Step, Option<&Parsed>),
        id: &Arc<str>,
    ) -> Option<Outcome> {
        let ctx = &self.ctx;
        let last = &self.last;
        let fail = |code: &str, message: String| step_error(step, code, message);
        let template_error = |e: TemplateError| template_error(step, e);
        let null = || Arc::new(Value::Null);
        Some(match &step.kind {
            StepKind::Transform { output } => (
                last.clone(),
                parsed
                    .map_or_else(|| render_value(output, ctx), |p| p.render(ctx))
                    .map(Arc::new)
                    .map_err(template_error),
            ),
            StepKind::Respond {
                status,
                headers,
                body,
            } => {
                let rendered = render_value(body, ctx).map_err(template_error);
                let mut hdrs = std::collections::BTreeMap::new();
                let mut header_error = None;
                for (k, v) in headers {
                    match render_str(v, ctx) {
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
                        let body = Arc::new(body);
                        (body.clone(), Ok(body))
                    }
                    (Err(e), _) | (_, Some(e)) => (null(), Err(e)),
                }
            }
            StepKind::Fail { code, message } => {
                let message = render_str(message, ctx)
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
            } => simulate(engine, ctx, id, (connector, action, id_prefix), params).map_or_else(
                |e| (null(), Err(template_error(e))),
                |(i, o)| (Arc::new(i), Ok(Arc::new(o))),
            ),
            StepKind::Email { config } => {
                let method = config
                    .get("action")
                    .and_then(Value::as_str)
                    .unwrap_or("send");
                simulate(engine, ctx, id, (connectors::EMAIL, method, ""), config).map_or_else(
                    |e| (null(), Err(template_error(e))),
                    |(i, o)| (Arc::new(i), Ok(Arc::new(o))),
                )
            }
            StepKind::Delay { .. } | StepKind::HttpRequest { .. } => return None,
        })
    }

    /// Runs a step that waits (a delay, an HTTP call).
    async fn run_waiting(&self, engine: &Engine, step: &Step) -> Outcome {
        match &step.kind {
            StepKind::Delay { ms } => {
                tokio::time::sleep(Duration::from_millis(*ms)).await;
                (self.last.clone(), Ok(self.last.clone()))
            }
            // Boxed: the run's task stays small for the steps that only wait.
            StepKind::HttpRequest { .. } => Box::pin(self.run_http(engine, step)).await,
            // `advance` runs every other kind itself.
            _ => not_waiting(step),
        }
    }

    /// Runs an `http_request` step: renders the request, sends it, and
    /// records the answer (or why there was none) as the step's output.
    async fn run_http(&self, engine: &Engine, step: &Step) -> Outcome {
        let StepKind::HttpRequest {
            method,
            url,
            headers,
            body,
            secret,
            timeout_ms,
        } = &step.kind
        else {
            return not_waiting(step);
        };
        let ctx = &self.ctx;
        let rendered = render_str(url, ctx).and_then(|url| {
            let headers = headers
                .iter()
                .map(|(k, v)| Ok((k.clone(), to_text(&render_str(v, ctx)?))))
                .collect::<Result<Vec<_>, TemplateError>>()?;
            Ok((to_text(&url), headers, render_value(body, ctx)?))
        });
        match rendered {
            Err(e) => (Arc::new(Value::Null), Err(template_error(step, e))),
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
                    output
                        .map(Arc::new)
                        .map_err(|(code, message)| step_error(step, code, message)),
                )
            }
        }
    }
}

/// The outcome of a step [`Progress::run_waiting`] was given that does not wait.
fn not_waiting(step: &Step) -> Outcome {
    (
        Arc::new(Value::Null),
        Err(step_error(
            step,
            "STEP_ERROR",
            "not a waiting step".to_owned(),
        )),
    )
}

/// Marks step `index` running (recording `StepStarted`) unless the run has
/// ended; its id.
fn start_step(entry: &RunEntry, index: usize) -> Option<Arc<str>> {
    let mut id = None;
    entry.record_while_running(|s| {
        let st = s.steps.get_mut(index)?;
        st.status = StepStatus::Running;
        st.started_at = Some(SystemTime::now());
        id = Some(st.id.clone());
        Some(EventKind::StepStarted {
            step: st.id.clone(),
        })
    });
    id
}

fn step_error(step: &Step, code: &str, message: String) -> RunError {
    RunError {
        code: code.to_owned(),
        message,
        step: Some(step.id.clone()),
    }
}

fn template_error(step: &Step, e: TemplateError) -> RunError {
    step_error(step, "TEMPLATE_ERROR", format!("Step '{}': {e}", step.id))
}
