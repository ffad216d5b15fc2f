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
#[non_exhaustive]
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
    /// Polls every `interval`, without backoff.
    pub fn fixed(interval: Duration) -> Self {
        Self {
            initial: interval,
            max: interval,
            factor: 1.0,
        }
    }

    /// Sets the first delay.
    pub fn initial(mut self, delay: Duration) -> Self {
        self.initial = delay;
        self
    }

    /// Sets the longest delay.
    pub fn max(mut self, delay: Duration) -> Self {
        self.max = delay;
        self
    }

    /// Sets the factor between two delays (at least 1).
    pub fn factor(mut self, factor: f64) -> Self {
        self.factor = factor;
        self
    }

    /// The delay after `delay`.
    pub fn next(&self, delay: Duration) -> Duration {
        delay.mul_f64(self.factor.max(1.0)).min(self.max)
    }
}

/// The deadline of [`WaitOptions::default`]: 5 minutes.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(300);

/// How long to wait for a run, and how to poll meanwhile.
///
/// The default waits at most [`DEFAULT_WAIT_TIMEOUT`] (5 minutes); every
/// request made while waiting is bounded by the time left, so `wait` returns
/// [`Error::Timeout`] at its deadline whatever the server does.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct WaitOptions {
    /// Give up with [`Error::Timeout`] after this long; `None` waits forever.
    pub timeout: Option<Duration>,
    /// The poll backoff.
    pub poll: PollPolicy,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            timeout: Some(DEFAULT_WAIT_TIMEOUT),
            poll: PollPolicy::default(),
        }
    }
}

impl WaitOptions {
    /// Waits at most `timeout`.
    pub fn timeout(timeout: Duration) -> Self {
        Self {
            timeout: Some(timeout),
            poll: PollPolicy::default(),
        }
    }

    /// Waits without a deadline (only for runs that are sure to end).
    pub fn forever() -> Self {
        Self {
            timeout: None,
            poll: PollPolicy::default(),
        }
    }

    /// Sets the poll backoff.
    pub fn with_poll(mut self, poll: PollPolicy) -> Self {
        self.poll = poll;
        self
    }

    /// The instant this wait ends, counted from `start`.
    pub fn deadline_from(&self, start: Instant) -> Option<Instant> {
        self.timeout.map(|t| start + t)
    }
}

/// Runs `work` until `deadline` (`None`: without limit); when the deadline
/// passes first, [`Error::Timeout`] with the message `late()` gives. For
/// providers that override `RunHandle::wait`: bound every await by it.
pub fn within_deadline<T>(
    deadline: Option<Instant>,
    late: impl FnOnce() -> String,
    work: impl std::future::Future<Output = Result<T>>,
) -> impl std::future::Future<Output = Result<T>> {
    use futures::FutureExt;
    crate::transport::within(deadline, work).map(|result| match result {
        Some(result) => result,
        None => Err(Error::timeout(late())),
    })
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
    let deadline = options.deadline_from(start);
    let mut delay = options.poll.initial;
    let mut last: Option<RunStatus> = None;
    let late = |last: &Option<RunStatus>| {
        let id = handle.run_id().map(|r| r.as_str()).unwrap_or("?");
        let timeout = options.timeout.unwrap_or_default();
        match last {
            Some(status) => format!(
                "{} run {id} was still {status} after {timeout:?}",
                handle.provider()
            ),
            None => format!(
                "{} run {id}: no status within {timeout:?}",
                handle.provider()
            ),
        }
    };
    loop {
        let snapshot = within_deadline(deadline, || late(&last), handle.status()).await?;
        if snapshot.status.is_terminal() {
            let mut outcome = snapshot.into_outcome();
            outcome.elapsed = Some(start.elapsed());
            return Ok(outcome);
        }
        if snapshot.status == RunStatus::Accepted {
            return Err(not_trackable(handle));
        }
        last = Some(snapshot.status);
        let mut sleep = delay;
        if let Some(deadline) = deadline {
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::timeout(late(&last)));
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
