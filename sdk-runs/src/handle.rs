//! [`RunsHandle`]: follows one run by polling `GET /runs/{id}`.

use futures::stream::BoxStream;
use serde::de::DeserializeOwned;

use trigger_sdk_core::{
    PollPolicy, Provider, Result, RunEvent, RunHandle, RunId, RunSnapshot, WaitOptions,
    async_trait, poll::poll_events,
};

use crate::{
    client::RunsClient,
    model::{Run, RunStarted},
};

/// A run of the runs API. `status()` reads `GET /runs/{id}`; `wait()` polls it
/// with backoff until `completed | failed | cancelled | timed_out`;
/// `events()` yields each status change and each step change the polls see,
/// then `Finished`; `cancel()` calls the cancel endpoint.
///
/// Rebuild it from a run id in another process with [`RunsHandle::from_id`].
#[derive(Debug, Clone)]
pub struct RunsHandle {
    client: RunsClient,
    run_id: RunId,
    started: Option<RunStarted>,
    poll: PollPolicy,
}

impl RunsHandle {
    /// The handle of the run with this id.
    pub fn from_id(client: &RunsClient, run_id: impl Into<RunId>) -> Self {
        Self {
            poll: client.poll_policy(),
            client: client.clone(),
            run_id: run_id.into(),
            started: None,
        }
    }

    pub(crate) fn started(client: RunsClient, started: RunStarted) -> Self {
        Self {
            poll: client.poll_policy(),
            run_id: started.run_id.clone(),
            client,
            started: Some(started),
        }
    }

    /// The run's id.
    pub fn id(&self) -> &RunId {
        &self.run_id
    }

    /// The answer that started the run (`None` for a handle rebuilt from an id).
    pub fn start_answer(&self) -> Option<&RunStarted> {
        self.started.as_ref()
    }

    /// Whether the idempotency key had already started this run: the server
    /// answered 200 with the existing run instead of 201, and started
    /// nothing. (When an earlier attempt of the same call started the run and
    /// its answer was lost, the retry also sees the existing run.)
    pub fn is_existing_run(&self) -> bool {
        self.started.as_ref().is_some_and(|s| s.existing)
    }

    /// The idempotency key the run request carried.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.started
            .as_ref()
            .and_then(|s| s.idempotency_key.as_deref())
    }

    /// Sets the poll backoff of `events()` (`wait` takes its own in [`WaitOptions`]).
    pub fn with_poll(mut self, poll: PollPolicy) -> Self {
        self.poll = poll;
        self
    }

    /// The run as it is now, typed, with its steps.
    pub async fn run(&self) -> Result<Run> {
        self.client.get_run(self.run_id.as_str()).await
    }

    /// Waits for the end of the run and decodes its output as `T`; a run that
    /// did not succeed is its typed error ([`trigger_sdk_core::Error::WorkflowFailed`]
    /// with the `STEP_ERROR` code and the step, …).
    pub async fn wait_for_output<T: DeserializeOwned>(&self, options: WaitOptions) -> Result<T> {
        self.wait(options).await?.into_result()?.output_as()
    }

    /// Retries this run (when it failed or timed out): a handle of the new run.
    pub async fn retry(&self) -> Result<RunsHandle> {
        self.client.retry_run(self.run_id.as_str()).await
    }
}

#[async_trait]
impl RunHandle for RunsHandle {
    fn provider(&self) -> Provider {
        Provider::Runs
    }

    fn run_id(&self) -> Option<&RunId> {
        Some(&self.run_id)
    }

    async fn status(&self) -> Result<RunSnapshot> {
        let (run, raw) = self.client.fetch_run(self.run_id.as_str()).await?;
        Ok(run.to_snapshot(Some(raw)))
    }

    fn events(&self) -> BoxStream<'_, Result<RunEvent>> {
        poll_events(self, self.poll)
    }

    async fn cancel(&self) -> Result<()> {
        self.client.cancel_run(self.run_id.as_str()).await.map(drop)
    }
}
