//! [`FinishedRun`]: the handle of a run that was over when the trigger answered.

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::{
    error::Result,
    handle::RunHandle,
    poll::WaitOptions,
    run::{Provider, RunEvent, RunId, RunOutcome, RunSnapshot},
};

/// A run whose result came back with the trigger's answer (n8n `lastNode` /
/// `responseNode`, ToolJet `/trigger`, a Flowmatic Response node). Every
/// method answers at once, without a request.
#[derive(Debug, Clone)]
pub struct FinishedRun {
    provider: Provider,
    outcome: RunOutcome,
}

impl FinishedRun {
    /// A finished run of `provider`.
    pub fn new(provider: Provider, outcome: RunOutcome) -> Self {
        Self { provider, outcome }
    }

    /// The outcome.
    pub fn outcome(&self) -> &RunOutcome {
        &self.outcome
    }

    /// Boxes this handle.
    pub fn boxed(self) -> Box<dyn RunHandle> {
        Box::new(self)
    }
}

#[async_trait]
impl RunHandle for FinishedRun {
    fn provider(&self) -> Provider {
        self.provider
    }

    fn run_id(&self) -> Option<&RunId> {
        self.outcome.run_id.as_ref()
    }

    async fn status(&self) -> Result<RunSnapshot> {
        Ok(
            RunSnapshot::new(self.outcome.run_id.clone(), self.outcome.status.clone())
                .with_output(Some(self.outcome.output.clone()))
                .with_failure(self.outcome.failure.clone())
                .with_steps(self.outcome.steps.clone()),
        )
    }

    async fn wait(&self, _options: WaitOptions) -> Result<RunOutcome> {
        Ok(self.outcome.clone())
    }

    async fn into_outcome(self: Box<Self>, _options: WaitOptions) -> Result<RunOutcome> {
        Ok(self.outcome)
    }

    fn events(&self) -> BoxStream<'_, Result<RunEvent>> {
        Box::pin(futures::stream::iter([Ok(RunEvent::Finished(Box::new(
            self.outcome.clone(),
        )))]))
    }
}
