//! The two traits: [`Trigger`] starts a run, [`RunHandle`] follows it.
//!
//! Both are object safe (`Vec<Box<dyn Trigger>>`, `Box<dyn RunHandle>`):
//! their async methods use `async_trait`, which boxes each returned future.
//! That costs one allocation per call — nothing next to an HTTP round trip —
//! and keeps the traits usable behind `dyn` on stable Rust.

use std::fmt;

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::{
    error::{Error, Result},
    poll::{PollPolicy, WaitOptions, poll_events, poll_until_terminal},
    preview::RequestPreview,
    request::TriggerRequest,
    run::{Provider, RunEvent, RunId, RunOutcome, RunSnapshot},
};

/// Starts workflow runs on one provider.
#[async_trait]
pub trait Trigger: Send + Sync + fmt::Debug {
    /// The provider.
    fn provider(&self) -> Provider;

    /// What this trigger starts, for reports and logs (a webhook path, a
    /// workflow id); never contains a secret.
    fn target(&self) -> String;

    /// Starts a run.
    async fn trigger(&self, request: TriggerRequest) -> Result<Box<dyn RunHandle>>;

    /// The request [`Trigger::trigger`] would send first for `request`,
    /// built by the same code and not sent: method, URL, headers (the
    /// credentials and any signature as [`crate::Secret`]s, redacted by
    /// `Display`) and body. The same input checks apply (an invalid payload
    /// is the same error). What a provider adds per call to follow the run
    /// (a generated idempotency key, a tracking marker) is left out; each
    /// provider's documentation says which.
    ///
    /// The default: [`Error::Unsupported`].
    fn preview(&self, request: &TriggerRequest) -> Result<RequestPreview> {
        let _ = request;
        Err(Error::Unsupported {
            message: format!("{} triggers give no request preview", self.provider()),
            error: None,
        })
    }

    /// Rebuilds the handle of a run started earlier (maybe in another
    /// process) from its id.
    fn resume(&self, run_id: RunId) -> Result<Box<dyn RunHandle>> {
        let _ = run_id;
        Err(Error::Unsupported {
            message: format!("{} runs cannot be followed by id", self.provider()),
            error: None,
        })
    }
}

/// A started run.
///
/// `wait` and `events` have default implementations that poll
/// [`RunHandle::status`] with backoff; providers with a push channel
/// override `events`.
#[async_trait]
pub trait RunHandle: Send + Sync + fmt::Debug {
    /// The provider.
    fn provider(&self) -> Provider;

    /// The run's id, when the provider gave one.
    fn run_id(&self) -> Option<&RunId>;

    /// The run's current state.
    async fn status(&self) -> Result<RunSnapshot>;

    /// Waits until the run ends or the deadline passes ([`Error::Timeout`]).
    /// A run that cannot be followed gives [`Error::NotTrackable`].
    /// A failed run is `Ok` with a failed outcome; use
    /// [`RunOutcome::into_result`] to turn it into an error. The handle stays
    /// usable, so a finished run's outcome is copied; to take the outcome
    /// and drop the handle, [`RunHandle::into_outcome`] avoids the copy.
    async fn wait(&self, options: WaitOptions) -> Result<RunOutcome> {
        poll_until_terminal(self, &options).await
    }

    /// Waits like [`RunHandle::wait`] and hands the outcome over, consuming
    /// the handle: the usual last step after a trigger
    /// (`trigger.trigger(request).await?.into_outcome(options).await`). A
    /// handle that already holds its finished run (a [`crate::FinishedRun`]:
    /// n8n `lastNode`, ToolJet `/trigger`, a Flowmatic Response node) gives
    /// it without a copy; `wait` must clone it, since the handle stays
    /// usable.
    async fn into_outcome(self: Box<Self>, options: WaitOptions) -> Result<RunOutcome> {
        self.wait(options).await
    }

    /// The run's events as they happen, ending with [`RunEvent::Finished`].
    fn events(&self) -> BoxStream<'_, Result<RunEvent>> {
        poll_events(self, PollPolicy::default())
    }

    /// Cancels the run, where the provider allows it.
    async fn cancel(&self) -> Result<()> {
        Err(Error::Unsupported {
            message: format!("{} runs cannot be cancelled", self.provider()),
            error: None,
        })
    }
}
