//! The in-memory workflow engine shared by the four faces.
//!
//! [`Engine`] holds the workflow registry and the runs. A face starts a run
//! with a run id of its choosing; the steps that need no waiting run as it
//! starts, the rest (from a delay or an HTTP call on) on a tokio task; the
//! face reads snapshots, waits for conditions, and follows the run's event
//! log.

mod connectors;
mod exec;
mod http_step;
mod parsed;
pub mod run;
mod table;
pub mod template;

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};
use std::time::SystemTime;

use futures::Stream;
use serde_json::{Map, Value};
use tokio::sync::Notify;

use crate::config::{Retention, StepKind, Workflow};
use crate::harness::Expectations;
pub use run::{
    ActionCall, EventKind, RunError, RunEvent, RunResponse, RunSnapshot, RunStatus, StepState,
    StepStatus,
};
use table::RunTable;

/// Why the engine refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineError {
    /// No workflow with this id.
    WorkflowNotFound,
    /// No run with this id.
    RunNotFound,
    /// A run with this id exists already.
    DuplicateRun,
    /// The run's status does not allow the operation (holds the status).
    InvalidStatus(RunStatus),
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::WorkflowNotFound => f.write_str("workflow not found"),
            Self::RunNotFound => f.write_str("run not found"),
            Self::DuplicateRun => f.write_str("run id already used"),
            Self::InvalidStatus(s) => write!(f, "run is {}", s.as_str()),
        }
    }
}

impl std::error::Error for EngineError {}

/// A request to start a run.
#[derive(Debug, Clone)]
pub struct StartRun {
    /// Workflow id.
    pub workflow_id: String,
    /// The input the run sees.
    pub input: Value,
    /// The run id (the face picks its own format).
    pub run_id: String,
    /// Face-specific metadata kept on the run (runs that carry the same
    /// metadata can share one map).
    pub meta: Arc<Map<String, Value>>,
}

impl StartRun {
    /// A start request without metadata.
    pub fn new(workflow_id: &str, input: Value, run_id: impl Into<String>) -> Self {
        Self {
            workflow_id: workflow_id.to_owned(),
            input,
            run_id: run_id.into(),
            meta: Arc::default(),
        }
    }

    /// Adds a metadata entry.
    pub fn meta(mut self, key: &str, value: impl Into<Value>) -> Self {
        Arc::make_mut(&mut self.meta).insert(key.to_owned(), value.into());
        self
    }
}

/// How many runs an engine keeps ([`Engine::run_counts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunCounts {
    /// Runs kept, going or finished.
    pub kept: usize,
    /// Finished runs among them.
    pub finished: usize,
}

/// A stream of a run's events (missed ones first, then live ones); it ends
/// after the `Finished` event.
pub type EventStream = Pin<Box<dyn Stream<Item = RunEvent> + Send>>;

/// The engine: cheap to clone, all state behind an `Arc`.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl Default for Engine {
    fn default() -> Self {
        Self::with_retention(Vec::new(), Retention::default())
    }
}

struct Inner {
    workflows: RwLock<Vec<Registered>>,
    runs: Mutex<RunTable>,
    actions: Mutex<VecDeque<ActionCall>>,
    max_action_calls: usize,
    counter: AtomicU64,
    expectations: Arc<Expectations>,
    /// The client of `http_request` steps, built on first use.
    http: OnceLock<Result<reqwest::Client, String>>,
}

/// A workflow as the engine keeps it: the definition, and the names its
/// runs share (no run copies a workflow's id, name or step names).
#[derive(Clone)]
struct Registered {
    wf: Arc<Workflow>,
    id: Arc<str>,
    name: Arc<str>,
    /// The state of its steps when a run is created.
    pending_steps: Arc<[StepState]>,
    /// Each step's output template parsed (`transform` steps), by step index.
    parsed: Arc<[Option<parsed::Parsed>]>,
}

impl Registered {
    fn new(wf: Arc<Workflow>) -> Self {
        let pending_steps = wf
            .steps
            .iter()
            .map(|step| StepState {
                id: step.id.as_str().into(),
                name: step.display_name().into(),
                step_type: step.type_name(),
                status: StepStatus::Pending,
                input: None,
                output: None,
                error: None,
                attempt: 1,
                started_at: None,
                finished_at: None,
            })
            .collect();
        let parsed = wf
            .steps
            .iter()
            .map(|step| match &step.kind {
                StepKind::Transform { output } => Some(parsed::Parsed::new(output)),
                _ => None,
            })
            .collect();
        Self {
            id: wf.id.as_str().into(),
            name: wf.name.as_str().into(),
            pending_steps,
            parsed,
            wf,
        }
    }
}

pub(crate) struct RunEntry {
    /// Creation number within the engine (the run table's order).
    number: u64,
    data: Mutex<RunData>,
    /// Woken on every change (an event recorded, the run ended).
    changed: Notify,
    /// Woken when the run ends: how the run's own task learns of a cancel.
    ended: Notify,
}

pub(crate) struct RunData {
    snapshot: RunSnapshot,
    events: Vec<RunEvent>,
}

impl RunData {
    /// Appends an event (the next sequence number).
    fn push(&mut self, at: SystemTime, kind: EventKind) {
        let seq = self.events.len() as u64 + 1;
        self.events.push(RunEvent { seq, at, kind });
        self.snapshot.last_seq = seq;
    }
}

impl RunEntry {
    fn lock(&self) -> MutexGuard<'_, RunData> {
        self.data
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies a change and appends an event, then wakes watchers.
    fn record(&self, kind: EventKind, change: impl FnOnce(&mut RunSnapshot)) {
        {
            let mut data = self.lock();
            change(&mut data.snapshot);
            data.push(SystemTime::now(), kind);
        }
        self.changed.notify_waiters();
    }

    /// Like [`record`](Self::record) for a change that also says its event,
    /// applied only while the run has not ended; false when it had (or the
    /// change made no event).
    fn record_while_running(
        &self,
        change: impl FnOnce(&mut RunSnapshot) -> Option<EventKind>,
    ) -> bool {
        {
            let mut data = self.lock();
            if data.snapshot.status.is_terminal() {
                return false;
            }
            let Some(kind) = change(&mut data.snapshot) else {
                return false;
            };
            data.push(SystemTime::now(), kind);
        }
        self.changed.notify_waiters();
        true
    }

    /// Resolves once `cond` holds for the run's snapshot; returns what `map`
    /// makes of that snapshot (under the run's lock).
    async fn wait_for<T>(
        &self,
        cond: impl Fn(&RunSnapshot) -> bool,
        map: impl FnOnce(&RunSnapshot) -> T,
    ) -> T {
        // Most waits find the condition met (a run that needed no waiting has
        // ended before its face asks): no waiter registered then.
        {
            let data = self.lock();
            if cond(&data.snapshot) {
                return map(&data.snapshot);
            }
        }
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // Registered before the check, so no change in between is missed.
            notified.as_mut().enable();
            {
                let data = self.lock();
                if cond(&data.snapshot) {
                    return map(&data.snapshot);
                }
            }
            notified.await;
        }
    }

    /// Resolves once the run has ended (finished, cancelled, timed out).
    async fn ended(&self) {
        loop {
            let notified = self.ended.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.lock().snapshot.status.is_terminal() {
                return;
            }
            notified.await;
        }
    }

    /// Ends the run once: false when it had already ended.
    fn finish(
        &self,
        status: RunStatus,
        output: Option<Arc<Value>>,
        error: Option<RunError>,
    ) -> bool {
        {
            let mut data = self.lock();
            if data.snapshot.status.is_terminal() {
                return false;
            }
            let now = SystemTime::now();
            let snap = &mut data.snapshot;
            snap.status = status;
            snap.output = output.clone();
            snap.error = error.clone();
            snap.finished_at = Some(now);
            if snap.started_at.is_none() {
                snap.started_at = Some(now);
            }
            for step in &mut snap.steps {
                match step.status {
                    StepStatus::Pending => step.status = StepStatus::Skipped,
                    StepStatus::Running => {
                        step.status = StepStatus::Failed;
                        step.finished_at = Some(now);
                        step.error = snap.error.clone();
                    }
                    _ => {}
                }
            }
            let kind = EventKind::Finished {
                status,
                output,
                error,
            };
            data.push(now, kind);
        }
        self.changed.notify_waiters();
        self.ended.notify_waiters();
        true
    }
}

impl Engine {
    /// An engine with these workflows and no runs, keeping finished runs as
    /// [`Retention::default`] says.
    pub fn new(workflows: Vec<Workflow>) -> Self {
        Self::with_retention(workflows, Retention::default())
    }

    /// An engine with these workflows and no runs, keeping finished runs as
    /// `retention` says.
    pub fn with_retention(workflows: Vec<Workflow>, retention: Retention) -> Self {
        let engine = Self {
            inner: Arc::new(Inner {
                workflows: RwLock::new(Vec::new()),
                max_action_calls: retention.max_action_calls,
                runs: Mutex::new(RunTable::new(retention)),
                actions: Mutex::new(VecDeque::new()),
                counter: AtomicU64::new(0),
                expectations: Arc::default(),
                http: OnceLock::new(),
            }),
        };
        for wf in workflows {
            engine.put_workflow(wf);
        }
        engine
    }

    // ----- workflows -----

    /// The workflow with this id.
    pub fn workflow(&self, id: &str) -> Option<Arc<Workflow>> {
        self.registered(id).map(|r| r.wf)
    }

    fn registered(&self, id: &str) -> Option<Registered> {
        self.read_workflows()
            .iter()
            .find(|r| r.wf.id == id)
            .cloned()
    }

    /// All workflows, in declaration/creation order.
    pub fn workflows(&self) -> Vec<Arc<Workflow>> {
        self.read_workflows().iter().map(|r| r.wf.clone()).collect()
    }

    /// The first workflow that matches a predicate.
    pub fn find_workflow(&self, pred: impl Fn(&Workflow) -> bool) -> Option<Arc<Workflow>> {
        self.read_workflows()
            .iter()
            .find(|r| pred(&r.wf))
            .map(|r| r.wf.clone())
    }

    /// Inserts a workflow, or replaces the one with the same id (keeping its
    /// place). Returns the previous one. Running runs keep the old definition.
    pub fn put_workflow(&self, wf: Workflow) -> Option<Arc<Workflow>> {
        let mut list = self.write_workflows();
        let new = Registered::new(Arc::new(wf));
        match list.iter_mut().find(|r| r.wf.id == new.wf.id) {
            Some(slot) => Some(std::mem::replace(slot, new).wf),
            None => {
                list.push(new);
                None
            }
        }
    }

    /// Changes a workflow in place; returns the new version.
    pub fn update_workflow(
        &self,
        id: &str,
        change: impl FnOnce(&mut Workflow),
    ) -> Option<Arc<Workflow>> {
        let mut list = self.write_workflows();
        let slot = list.iter_mut().find(|r| r.wf.id == id)?;
        let mut wf = Workflow::clone(&slot.wf);
        change(&mut wf);
        wf.id = id.to_owned();
        *slot = Registered::new(Arc::new(wf));
        Some(slot.wf.clone())
    }

    /// Removes a workflow; returns it.
    pub fn remove_workflow(&self, id: &str) -> Option<Arc<Workflow>> {
        let mut list = self.write_workflows();
        let pos = list.iter().position(|r| r.wf.id == id)?;
        Some(list.remove(pos).wf)
    }

    fn read_workflows(&self) -> std::sync::RwLockReadGuard<'_, Vec<Registered>> {
        self.inner
            .workflows
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write_workflows(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Registered>> {
        self.inner
            .workflows
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    // ----- runs -----

    /// A number unique within this engine (1, 2, 3, ...), e.g. for n8n's
    /// numeric execution ids.
    pub fn next_number(&self) -> u64 {
        self.inner.counter.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Starts a run of `workflow_id` with `input` under `run_id`: steps that
    /// need no waiting run before this returns, a run that waits goes on on a
    /// tokio task. Returns the pending snapshot.
    pub fn start(
        &self,
        workflow_id: &str,
        input: Value,
        run_id: impl Into<String>,
    ) -> Result<RunSnapshot, EngineError> {
        self.start_with(StartRun::new(workflow_id, input, run_id))
    }

    /// Starts a run described by a [`StartRun`].
    pub fn start_with(&self, req: StartRun) -> Result<RunSnapshot, EngineError> {
        let wf = self
            .registered(&req.workflow_id)
            .ok_or(EngineError::WorkflowNotFound)?;
        self.launch(wf, req, None, 0, None, RunSnapshot::clone)
    }

    /// Starts a run like [`start_with`](Self::start_with), but when its id is
    /// taken, under the next id from `next_id` (up to 64 tries), e.g. n8n's
    /// numeric execution ids. Returns what `pending` makes of the pending
    /// snapshot (read under the run's lock: a caller that needs only the id
    /// copies no snapshot).
    pub(crate) fn start_numbered<T>(
        &self,
        req: StartRun,
        mut next_id: impl FnMut() -> String,
        pending: impl FnOnce(&RunSnapshot) -> T,
    ) -> Result<T, EngineError> {
        let wf = self
            .registered(&req.workflow_id)
            .ok_or(EngineError::WorkflowNotFound)?;
        self.launch(wf, req, None, 0, Some(&mut next_id), pending)
    }

    /// Starts a new run that retries `run_id` from its first failed step,
    /// with the same input; steps before it keep their outputs.
    pub fn retry(
        &self,
        run_id: &str,
        new_run_id: impl Into<String>,
        meta: Map<String, Value>,
    ) -> Result<RunSnapshot, EngineError> {
        let old = self.snapshot(run_id).ok_or(EngineError::RunNotFound)?;
        let registered = self
            .registered(&old.workflow_id)
            .ok_or(EngineError::WorkflowNotFound)?;
        let wf = &registered.wf;
        // Keep the completed prefix when the workflow still starts with the
        // same steps; otherwise start over.
        let done = old
            .steps
            .iter()
            .take_while(|s| s.status == StepStatus::Completed)
            .count();
        let same_prefix = done < wf.steps.len()
            && wf
                .steps
                .iter()
                .zip(&old.steps)
                .take(done)
                .all(|(w, s)| *w.id == *s.id);
        let (start_index, kept) = if same_prefix {
            (done, old.steps[..done].to_vec())
        } else {
            (0, Vec::new())
        };
        let req = StartRun {
            workflow_id: old.workflow_id.to_string(),
            input: Value::clone(&old.input),
            run_id: new_run_id.into(),
            meta: Arc::new(meta),
        };
        self.launch(
            registered,
            req,
            Some((old.id, kept)),
            start_index,
            None,
            RunSnapshot::clone,
        )
    }

    fn launch<T>(
        &self,
        registered: Registered,
        req: StartRun,
        retry: Option<(Arc<str>, Vec<StepState>)>,
        start_index: usize,
        mut renumber: Option<&mut dyn FnMut() -> String>,
        pending: impl FnOnce(&RunSnapshot) -> T,
    ) -> Result<T, EngineError> {
        let now = SystemTime::now();
        let (retry_of, kept) = match retry {
            Some((id, kept)) => (Some(id), kept),
            None => (None, Vec::new()),
        };
        let mut steps = registered.pending_steps.to_vec();
        for (slot, done) in steps.iter_mut().zip(kept).take(start_index) {
            *slot = done;
        }
        let mut snapshot = RunSnapshot {
            id: req.run_id.into(),
            workflow_id: registered.id.clone(),
            workflow_name: registered.name.clone(),
            status: RunStatus::Pending,
            input: Arc::new(req.input),
            output: None,
            response: None,
            error: None,
            steps,
            created_at: now,
            started_at: None,
            finished_at: None,
            meta: req.meta,
            retry_of,
            last_seq: 0,
            headers: crate::harness::request_headers(),
        };
        let (entry, evicted) = {
            let mut table = self.lock_runs();
            let mut tries = 0;
            while table.contains(&snapshot.id) {
                match renumber.as_mut() {
                    Some(next) if tries < 64 => {
                        snapshot.id = next().into();
                        tries += 1;
                    }
                    _ => return Err(EngineError::DuplicateRun),
                }
            }
            let id = snapshot.id.clone();
            let entry = Arc::new(RunEntry {
                number: table.next_number(),
                data: Mutex::new(RunData {
                    // Created, Started, two per step, Finished (plus Responded).
                    events: Vec::with_capacity(4 + 2 * snapshot.steps.len()),
                    snapshot,
                }),
                changed: Notify::new(),
                ended: Notify::new(),
            });
            let evicted = table.insert(id, entry.clone());
            (entry, evicted)
        };
        drop(evicted);
        entry.record(EventKind::Created, |_| {});
        let pending = {
            let data = entry.lock();
            self.inner.expectations.observe(&data.snapshot);
            pending(&data.snapshot)
        };
        exec::execute(self, entry, registered, start_index);
        Ok(pending)
    }

    fn lock_runs(&self) -> MutexGuard<'_, RunTable> {
        self.inner
            .runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn entry(&self, run_id: &str) -> Option<Arc<RunEntry>> {
        self.lock_runs().get(run_id).cloned()
    }

    /// Ends a run once (false when it had already ended); a run that ends
    /// counts against the [`Retention`] from then on.
    fn finish(
        &self,
        entry: &RunEntry,
        status: RunStatus,
        output: Option<Arc<Value>>,
        error: Option<RunError>,
    ) -> bool {
        let ended = entry.finish(status, output, error);
        if ended {
            // Dropped once the table's lock is released.
            let evicted = self.lock_runs().finished(entry.number);
            drop(evicted);
        }
        ended
    }

    /// The expectations counted as runs start.
    pub(crate) fn expectations(&self) -> Arc<Expectations> {
        self.inner.expectations.clone()
    }

    /// How many runs the engine keeps now, and how many of them have
    /// finished (bounded by [`Retention`]).
    pub fn run_counts(&self) -> RunCounts {
        let (kept, finished) = self.lock_runs().counts();
        RunCounts { kept, finished }
    }

    /// The current state of a run.
    pub fn snapshot(&self, run_id: &str) -> Option<RunSnapshot> {
        Some(self.entry(run_id)?.lock().snapshot.clone())
    }

    /// All runs kept, oldest first (finished runs past the [`Retention`]
    /// are gone).
    pub fn list_runs(&self) -> Vec<RunSnapshot> {
        let (entries, evicted) = {
            let mut table = self.lock_runs();
            let evicted = table.evict(tokio::time::Instant::now());
            (table.in_order(), evicted)
        };
        drop(evicted);
        entries.iter().map(|e| e.lock().snapshot.clone()).collect()
    }

    /// Forgets a run (n8n `DELETE /executions/{id}`); true when it existed.
    pub fn remove_run(&self, run_id: &str) -> bool {
        self.lock_runs().remove(run_id)
    }

    /// Cancels a pending, running or waiting run; returns the cancelled state.
    pub fn cancel(&self, run_id: &str) -> Result<RunSnapshot, EngineError> {
        let entry = self.entry(run_id).ok_or(EngineError::RunNotFound)?;
        let status = entry.lock().snapshot.status;
        if status.is_terminal() {
            return Err(EngineError::InvalidStatus(status));
        }
        let error = RunError {
            code: "CANCELLED".to_owned(),
            message: "Run was cancelled".to_owned(),
            step: None,
        };
        if !self.finish(&entry, RunStatus::Cancelled, None, Some(error)) {
            let status = entry.lock().snapshot.status;
            return Err(EngineError::InvalidStatus(status));
        }
        Ok(entry.lock().snapshot.clone())
    }

    /// Ends a non-terminal run as timed out (a face-side deadline, e.g.
    /// ToolJet's `WORKFLOW_TIMEOUT_SECONDS`); returns the final state.
    pub fn time_out(&self, run_id: &str, message: &str) -> Result<RunSnapshot, EngineError> {
        let entry = self.entry(run_id).ok_or(EngineError::RunNotFound)?;
        let error = RunError {
            code: "TIMEOUT".to_owned(),
            message: message.to_owned(),
            step: None,
        };
        if !self.finish(&entry, RunStatus::TimedOut, None, Some(error)) {
            let status = entry.lock().snapshot.status;
            return Err(EngineError::InvalidStatus(status));
        }
        Ok(entry.lock().snapshot.clone())
    }

    /// Waits until a condition holds for the run; returns the snapshot that
    /// satisfied it (None for an unknown run).
    pub async fn wait_until(
        &self,
        run_id: &str,
        cond: impl Fn(&RunSnapshot) -> bool,
    ) -> Option<RunSnapshot> {
        self.wait_then(run_id, cond, RunSnapshot::clone).await
    }

    /// Waits until a condition holds for the run; returns what `map` makes of
    /// the snapshot that satisfied it, read under the run's lock (no copy of
    /// the snapshot). None for an unknown run.
    pub(crate) async fn wait_then<T>(
        &self,
        run_id: &str,
        cond: impl Fn(&RunSnapshot) -> bool,
        map: impl FnOnce(&RunSnapshot) -> T,
    ) -> Option<T> {
        let entry = self.entry(run_id)?;
        Some(entry.wait_for(cond, map).await)
    }

    /// Waits until the run is terminal.
    pub async fn wait(&self, run_id: &str) -> Option<RunSnapshot> {
        self.wait_until(run_id, |s| s.status.is_terminal()).await
    }

    /// Waits until a `respond` step has answered or the run is terminal.
    pub async fn wait_for_response(&self, run_id: &str) -> Option<RunSnapshot> {
        self.wait_until(run_id, |s| s.response.is_some() || s.status.is_terminal())
            .await
    }

    /// The run's event log so far.
    pub fn events(&self, run_id: &str) -> Option<Vec<RunEvent>> {
        Some(self.entry(run_id)?.lock().events.clone())
    }

    /// The run's events with `seq > after_seq`: first those already logged,
    /// then live ones; the stream ends after `Finished`. None for an unknown run.
    pub fn subscribe(&self, run_id: &str, after_seq: u64) -> Option<EventStream> {
        let entry = self.entry(run_id)?;
        let stream = futures::stream::unfold(
            (entry, after_seq, false),
            |(entry, cursor, done)| async move {
                if done {
                    return None;
                }
                // The next event, or none when the run ended without one.
                entry
                    .wait_for(|s| s.last_seq > cursor || s.status.is_terminal(), |_| ())
                    .await;
                let event = {
                    let data = entry.lock();
                    data.events.iter().find(|e| e.seq > cursor).cloned()
                }?;
                let last = matches!(event.kind, EventKind::Finished { .. });
                let seq = event.seq;
                Some((event, (entry, seq, last)))
            },
        );
        Some(Box::pin(stream))
    }

    /// The `action` step calls recorded, oldest first (the newest
    /// [`Retention::max_action_calls`]).
    pub fn action_calls(&self) -> Vec<ActionCall> {
        self.inner
            .actions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// The client of `http_request` steps (one per engine, built on first use).
    fn http_client(&self) -> Result<&reqwest::Client, String> {
        self.inner
            .http
            .get_or_init(http_step::client)
            .as_ref()
            .map_err(Clone::clone)
    }

    fn record_action(&self, call: ActionCall) {
        let mut actions = self
            .inner
            .actions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        actions.push_back(call);
        while actions.len() > self.inner.max_action_calls {
            actions.pop_front();
        }
    }
}

#[cfg(test)]
mod tests;
