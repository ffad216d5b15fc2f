//! [`CallbackRun`]: the [`RunHandle`] that ends when its callback arrives.

use std::fmt;

use async_trait::async_trait;
use futures::{StreamExt, stream::BoxStream};
use tokio::time::Instant;

use super::{CallbackReceiver, answer, store::CallbackRecord};
use crate::{
    error::{ApiError, Error, Result},
    handle::RunHandle,
    poll::{WaitOptions, within_deadline},
    run::{Provider, RunEvent, RunId, RunOutcome, RunSnapshot, RunStatus},
};

/// The provider of a [`CallbackRun`] that follows no started run.
pub const CALLBACK_PROVIDER: Provider = Provider::new("callback");

/// A run followed through its callback.
///
/// - `wait` returns the callback's outcome — at once when it arrived
///   already — or [`Error::Timeout`] at the deadline; every await in it
///   (the store included) is bounded by the deadline. It wakes when the
///   callback reaches this process, and polls the store meanwhile
///   ([`WaitOptions::poll`]) for callbacks another process took.
/// - `status` is the callback's outcome, else the started run's status
///   when it has ended, else `Running`.
/// - `events` yields `Status(Running)` while the callback is awaited, then
///   `Finished`.
/// - `provider`, `run_id` and `cancel` are those of the run it follows
///   ([`super::PendingCallback::follow`]), if any.
///
/// A run that fails before its callback step never calls back: have its
/// error path post to [`super::PendingCallback::failure_url`], or the
/// deadline ends the wait.
pub struct CallbackRun {
    receiver: CallbackReceiver,
    id: String,
    run: Option<Box<dyn RunHandle>>,
}

impl fmt::Debug for CallbackRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackRun")
            .field("id", &self.id)
            .field("run", &self.run)
            .finish_non_exhaustive()
    }
}

impl CallbackRun {
    pub(super) fn new(
        receiver: CallbackReceiver,
        id: String,
        run: Option<Box<dyn RunHandle>>,
    ) -> Self {
        Self { receiver, id, run }
    }

    /// The correlation id.
    pub fn correlation_id(&self) -> &str {
        &self.id
    }

    /// Follows `run` too (its provider, id, status and `cancel`).
    pub fn with_run(mut self, run: Box<dyn RunHandle>) -> Self {
        self.run = Some(run);
        self
    }

    /// The run this handle follows, if any.
    pub fn run(&self) -> Option<&dyn RunHandle> {
        self.run.as_deref()
    }

    fn unknown(&self) -> Error {
        Error::NotFound(Box::new(ApiError::new(
            None,
            format!(
                "no callback is registered under {:?} (never, forgotten, or expired)",
                self.id
            ),
        )))
    }

    async fn record(&self) -> Result<CallbackRecord> {
        match self.receiver.store().get(&self.id).await? {
            Some(record) => Ok(record),
            None => Err(self.unknown()),
        }
    }

    /// The outcome, when the callback has arrived.
    fn finished(&self, record: &CallbackRecord) -> Option<RunOutcome> {
        let result = record.result.as_ref()?;
        Some(answer::outcome(self.run_id().cloned(), record, result))
    }
}

#[async_trait]
impl RunHandle for CallbackRun {
    fn provider(&self) -> Provider {
        self.run
            .as_ref()
            .map_or(CALLBACK_PROVIDER, |r| r.provider())
    }

    fn run_id(&self) -> Option<&RunId> {
        self.run.as_ref().and_then(|r| r.run_id())
    }

    async fn status(&self) -> Result<RunSnapshot> {
        let record = self.record().await?;
        if let Some(outcome) = self.finished(&record) {
            return Ok(answer::snapshot(outcome));
        }
        if let Some(run) = &self.run {
            let snapshot = run.status().await?;
            if snapshot.status.is_terminal() {
                return Ok(snapshot);
            }
        }
        Ok(RunSnapshot::new(self.run_id().cloned(), RunStatus::Running))
    }

    async fn wait(&self, options: WaitOptions) -> Result<RunOutcome> {
        let deadline = options.deadline_from(Instant::now());
        let late = || {
            format!(
                "no callback for {:?} within {:?}",
                self.id,
                options.timeout.unwrap_or_default()
            )
        };
        let waiter = self.receiver.waiters().join(&self.id);
        let mut delay = options.poll.initial;
        loop {
            // Listening before reading: a callback between the two still wakes us.
            let woken = waiter.notify().notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let record = within_deadline(deadline, late, self.record()).await?;
            if let Some(outcome) = self.finished(&record) {
                return Ok(outcome);
            }
            let pause = async {
                tokio::select! {
                    () = &mut woken => {}
                    () = tokio::time::sleep(delay) => {}
                }
                Ok(())
            };
            within_deadline(deadline, late, pause).await?;
            delay = options.poll.next(delay);
        }
    }

    fn events(&self) -> BoxStream<'_, Result<RunEvent>> {
        enum Step {
            Start,
            Waiting,
            Done,
        }
        futures::stream::unfold(Step::Start, move |step| async move {
            match step {
                Step::Done => None,
                Step::Start => Some(match self.record().await {
                    Err(e) => (Err(e), Step::Done),
                    Ok(record) => match self.finished(&record) {
                        Some(outcome) => (Ok(RunEvent::Finished(Box::new(outcome))), Step::Done),
                        None => (Ok(RunEvent::Status(RunStatus::Running)), Step::Waiting),
                    },
                }),
                Step::Waiting => Some((
                    self.wait(WaitOptions::forever())
                        .await
                        .map(|outcome| RunEvent::Finished(Box::new(outcome))),
                    Step::Done,
                )),
            }
        })
        .boxed()
    }

    async fn cancel(&self) -> Result<()> {
        match &self.run {
            Some(run) => run.cancel().await,
            None => Err(Error::Unsupported {
                message: "this run is followed by its callback only; cancel it where it runs"
                    .into(),
                error: None,
            }),
        }
    }
}
