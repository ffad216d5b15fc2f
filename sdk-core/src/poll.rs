//! Following a run by polling its status: [`WaitOptions`], [`PollPolicy`],
//! and the default `wait` / `events` of [`RunHandle`].

use std::{collections::HashMap, time::Duration};

use futures::{StreamExt, stream::BoxStream};
use tokio::time::Instant;

use crate::{
    error::{Error, Result},
    handle::RunHandle,
    run::{RunEvent, RunSnapshot, RunStatus, StepSnapshot},
};

/// How often to poll: exponential backoff from `initial` up to `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPolicy {
    /// The first delay.
    pub initial: Duration,
    /// The longest delay.
    pub max: Duration,
    /// The factor between two delays (at least 1).
    pub factor: f64,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(2),
            factor: 1.5,
        }
    }
}

impl PollPolicy {
    /// The delay after `delay`.
    pub fn next(&self, delay: Duration) -> Duration {
        delay.mul_f64(self.factor.max(1.0)).min(self.max)
    }
}

/// How long to wait for a run, and how to poll meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WaitOptions {
    /// Give up with [`Error::Timeout`] after this long; `None` waits forever.
    pub timeout: Option<Duration>,
    /// The poll backoff.
    pub poll: PollPolicy,
}

impl WaitOptions {
    /// Waits at most `timeout`.
    pub fn timeout(timeout: Duration) -> Self {
        Self {
            timeout: Some(timeout),
            poll: PollPolicy::default(),
        }
    }

    /// Sets the poll backoff.
    pub fn with_poll(mut self, poll: PollPolicy) -> Self {
        self.poll = poll;
        self
    }
}

fn not_trackable<H: RunHandle + ?Sized>(handle: &H) -> Error {
    Error::NotTrackable(format!(
        "the {} run was accepted but gives no run id to follow",
        handle.provider()
    ))
}

/// Polls `handle.status()` until the run ends or `options.timeout` passes.
pub async fn poll_until_terminal<H: RunHandle + ?Sized>(
    handle: &H,
    options: &WaitOptions,
) -> Result<crate::run::RunOutcome> {
    let start = Instant::now();
    let deadline = options.timeout.map(|t| start + t);
    let mut delay = options.poll.initial;
    loop {
        let snapshot = handle.status().await?;
        if snapshot.status.is_terminal() {
            let mut outcome = snapshot.into_outcome();
            outcome.elapsed = Some(start.elapsed());
            return Ok(outcome);
        }
        if snapshot.status == RunStatus::Accepted {
            return Err(not_trackable(handle));
        }
        let mut sleep = delay;
        if let Some(deadline) = deadline {
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Timeout(format!(
                    "the {} run {} was still {} after {:?}",
                    handle.provider(),
                    handle.run_id().map(|r| r.as_str()).unwrap_or("?"),
                    snapshot.status,
                    options.timeout.unwrap_or_default()
                )));
            }
            sleep = sleep.min(deadline - now);
        }
        tokio::time::sleep(sleep).await;
        delay = options.poll.next(delay);
    }
}

/// What the poller remembers between two polls.
struct PollState<'a, H: ?Sized> {
    handle: &'a H,
    policy: PollPolicy,
    delay: Duration,
    first: bool,
    last_status: Option<RunStatus>,
    steps: HashMap<String, StepSnapshot>,
    pending: std::collections::VecDeque<Result<RunEvent>>,
    done: bool,
    start: Instant,
}

impl<H: RunHandle + ?Sized> PollState<'_, H> {
    fn diff(&mut self, snapshot: RunSnapshot) {
        for step in &snapshot.steps {
            if self.steps.get(&step.id) != Some(step) {
                self.steps.insert(step.id.clone(), step.clone());
                self.pending.push_back(Ok(RunEvent::Step(step.clone())));
            }
        }
        if snapshot.status.is_terminal() {
            let mut outcome = snapshot.into_outcome();
            outcome.elapsed = Some(self.start.elapsed());
            self.pending
                .push_back(Ok(RunEvent::Finished(Box::new(outcome))));
            self.done = true;
            return;
        }
        if self.last_status.as_ref() != Some(&snapshot.status) {
            self.last_status = Some(snapshot.status.clone());
            self.pending
                .push_back(Ok(RunEvent::Status(snapshot.status.clone())));
        }
        if snapshot.status == RunStatus::Accepted {
            self.pending.push_back(Err(not_trackable(self.handle)));
            self.done = true;
        }
    }
}

/// Events from polling `handle.status()`: a `Status` event per status change,
/// a `Step` event per step change, then `Finished` when the run ends. An
/// error from `status()` is yielded and ends the stream.
pub fn poll_events<H: RunHandle + ?Sized>(
    handle: &H,
    policy: PollPolicy,
) -> BoxStream<'_, Result<RunEvent>> {
    let state = PollState {
        handle,
        policy,
        delay: policy.initial,
        first: true,
        last_status: None,
        steps: HashMap::new(),
        pending: Default::default(),
        done: false,
        start: Instant::now(),
    };
    futures::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.pending.pop_front() {
                return Some((item, state));
            }
            if state.done {
                return None;
            }
            if !state.first {
                tokio::time::sleep(state.delay).await;
                state.delay = state.policy.next(state.delay);
            }
            state.first = false;
            match state.handle.status().await {
                Ok(snapshot) => state.diff(snapshot),
                Err(e) => {
                    state.done = true;
                    return Some((Err(e), state));
                }
            }
        }
    })
    .boxed()
}
