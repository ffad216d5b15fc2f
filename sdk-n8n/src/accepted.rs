//! [`AcceptedRun`]: an `onReceived` run that cannot be followed.

use async_trait::async_trait;
use futures::stream::BoxStream;
use serde_json::Value;
use trigger_sdk_core::{
    Error, Provider, Result, RunEvent, RunHandle, RunId, RunSnapshot, RunStatus, WaitOptions,
};

use crate::body::WebhookResponse;

/// The handle of an `onReceived` run without an execution id: `status()`
/// is [`RunStatus::Accepted`] (with n8n's answer as output), `wait()` is
/// [`Error::NotTrackable`] — never a guess.
#[derive(Debug, Clone)]
pub struct AcceptedRun {
    answer: WebhookResponse,
    output: Value,
    reason: String,
}

impl AcceptedRun {
    pub(crate) fn new(answer: WebhookResponse, output: Value, reason: String) -> Self {
        Self {
            answer,
            output,
            reason,
        }
    }

    /// n8n's acknowledgement (`{"message":"Workflow was started"}`, a custom
    /// text, or empty), as sent.
    pub fn answer(&self) -> &WebhookResponse {
        &self.answer
    }

    fn snapshot(&self) -> RunSnapshot {
        let mut snapshot =
            RunSnapshot::new(None, RunStatus::Accepted).with_output(Some(self.output.clone()));
        snapshot.raw = Some(self.output.clone());
        snapshot
    }
}

#[async_trait]
impl RunHandle for AcceptedRun {
    fn provider(&self) -> Provider {
        Provider::N8n
    }

    fn run_id(&self) -> Option<&RunId> {
        None
    }

    async fn status(&self) -> Result<RunSnapshot> {
        Ok(self.snapshot())
    }

    async fn wait(&self, _options: WaitOptions) -> Result<trigger_sdk_core::RunOutcome> {
        Err(Error::NotTrackable(self.reason.clone()))
    }

    fn events(&self) -> BoxStream<'_, Result<RunEvent>> {
        Box::pin(futures::stream::iter([
            Ok(RunEvent::Status(RunStatus::Accepted)),
            Err(Error::NotTrackable(self.reason.clone())),
        ]))
    }
}
