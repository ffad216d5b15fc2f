//! [`FlowmaticExecution`]: the [`RunHandle`] of a Flowmatic execution.

use futures::stream::BoxStream;
use trigger_sdk_core::{
    Error, Provider, Result, RunEvent, RunHandle, RunId, RunOutcome, RunSnapshot, RunStatus,
    WaitOptions, async_trait,
    poll::{poll_events, poll_until_terminal},
};

use crate::{answer::Acknowledgement, client::FlowmaticClient};

/// A Flowmatic execution, followed by polling `GET /api/v1/executions/{id}`.
///
/// Following needs the REST API token, so the handle needs a
/// [`FlowmaticClient`]. Without one, [`RunHandle::status`] reports
/// [`RunStatus::Accepted`] with the execution id, and [`RunHandle::wait`] and
/// [`RunHandle::events`] end with [`Error::NotTrackable`] saying a token is
/// needed.
///
/// Rebuild a handle from an execution id saved earlier, in any process, with
/// [`FlowmaticExecution::new`], [`FlowmaticClient::execution_handle`] or
/// `Trigger::resume` of a [`crate::FlowmaticWebhook`].
///
/// ```no_run
/// use trigger_sdk_core::{RunHandle, WaitOptions};
/// use trigger_sdk_flowmatic::{FlowmaticClient, FlowmaticExecution};
/// # async fn run() -> trigger_sdk_core::Result<()> {
/// let client = FlowmaticClient::new("https://flowmatic.example.com", "fm_token")?;
/// let execution = FlowmaticExecution::new("exec-789", Some(client));
/// let outcome = execution
///     .wait(WaitOptions::timeout(std::time::Duration::from_secs(60)))
///     .await?
///     .into_result()?;
/// println!("{}", outcome.output);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FlowmaticExecution {
    id: RunId,
    client: Option<FlowmaticClient>,
    acknowledgement: Option<Acknowledgement>,
}

impl FlowmaticExecution {
    /// The handle of execution `id`; `client` (with the API token) lets it
    /// poll, `None` makes it report `Accepted` only.
    pub fn new(id: impl Into<RunId>, client: Option<FlowmaticClient>) -> Self {
        Self {
            id: id.into(),
            client,
            acknowledgement: None,
        }
    }

    /// The handle of the execution a webhook acknowledged.
    pub fn from_acknowledgement(
        acknowledgement: Acknowledgement,
        client: Option<FlowmaticClient>,
    ) -> Self {
        Self {
            id: RunId::new(acknowledgement.execution_id.clone()),
            client,
            acknowledgement: Some(acknowledgement),
        }
    }

    /// The execution id.
    pub fn execution_id(&self) -> &RunId {
        &self.id
    }

    /// The webhook's acknowledgement, when the handle came from one.
    pub fn acknowledgement(&self) -> Option<&Acknowledgement> {
        self.acknowledgement.as_ref()
    }

    /// Whether the handle can poll (it has an API client).
    pub fn is_trackable(&self) -> bool {
        self.client.is_some()
    }

    fn needs_token(&self) -> Error {
        Error::NotTrackable(format!(
            "Flowmatic execution {} was accepted, but following it needs a Flowmatic API token: \
             give the webhook a FlowmaticClient (FlowmaticWebhookBuilder::client) or rebuild the \
             handle with FlowmaticExecution::new(id, Some(client))",
            self.id
        ))
    }

    fn accepted(&self) -> RunSnapshot {
        let snapshot = RunSnapshot::new(Some(self.id.clone()), RunStatus::Accepted);
        match &self.acknowledgement {
            Some(ack) => snapshot.with_raw(ack.raw.clone()),
            None => snapshot,
        }
    }
}

#[async_trait]
impl RunHandle for FlowmaticExecution {
    fn provider(&self) -> Provider {
        Provider::Flowmatic
    }

    fn run_id(&self) -> Option<&RunId> {
        Some(&self.id)
    }

    async fn status(&self) -> Result<RunSnapshot> {
        let Some(client) = &self.client else {
            return Ok(self.accepted());
        };
        let (execution, raw) = client.execution_document(self.id.as_str()).await?;
        let status = execution.status.to_run_status();
        let failure = match status {
            RunStatus::Failed | RunStatus::Cancelled | RunStatus::TimedOut => execution.failure(),
            _ => None,
        };
        Ok(RunSnapshot::new(Some(self.id.clone()), status)
            .with_output(execution.output.filter(|o| !o.is_null()))
            .with_failure(failure)
            .with_raw(raw))
    }

    async fn wait(&self, options: WaitOptions) -> Result<RunOutcome> {
        if self.client.is_none() {
            return Err(self.needs_token());
        }
        poll_until_terminal(self, &options).await
    }

    fn events(&self) -> BoxStream<'_, Result<RunEvent>> {
        if self.client.is_none() {
            let events = [
                Ok(RunEvent::Status(RunStatus::Accepted)),
                Err(self.needs_token()),
            ];
            return Box::pin(futures::stream::iter(events));
        }
        let poll = self
            .client
            .as_ref()
            .map(|c| c.transport().options().poll)
            .unwrap_or_default();
        poll_events(self, poll)
    }
}
