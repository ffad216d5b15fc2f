//! [`ExecuteTrigger`]: starts runs through the REST API's
//! `POST /api/v1/workflows/{id}/execute` instead of a webhook.

use trigger_sdk_core::{Provider, Result, RunHandle, RunId, Trigger, TriggerRequest, async_trait};

use crate::{client::FlowmaticClient, execution::FlowmaticExecution};

/// A [`Trigger`] that executes a workflow by id with the API token. Every run
/// it starts can be followed (it always has the token); the payload becomes
/// `{"input": payload}` (`{}` when there is none). Like a webhook call, an execute is never retried
/// once sent (Flowmatic takes no idempotency key): a timeout is
/// [`trigger_sdk_core::Error::Ambiguous`].
///
/// ```no_run
/// use trigger_sdk_core::{Trigger, TriggerRequest, WaitOptions};
/// use trigger_sdk_flowmatic::{ExecuteTrigger, FlowmaticClient};
/// # async fn run() -> trigger_sdk_core::Result<()> {
/// let client = FlowmaticClient::new("https://flowmatic.example.com", "fm_token")?;
/// let trigger = ExecuteTrigger::new(client, "wf-456");
/// let handle = trigger.trigger(TriggerRequest::new(serde_json::json!({"event": "x"}))).await?;
/// let outcome = handle.wait(WaitOptions::default()).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ExecuteTrigger {
    client: FlowmaticClient,
    workflow_id: String,
}

impl ExecuteTrigger {
    /// Executes workflow `workflow_id` through `client`.
    pub fn new(client: FlowmaticClient, workflow_id: impl Into<String>) -> Self {
        Self {
            client,
            workflow_id: workflow_id.into(),
        }
    }

    /// The workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }
}

#[async_trait]
impl Trigger for ExecuteTrigger {
    fn provider(&self) -> Provider {
        Provider::Flowmatic
    }

    fn target(&self) -> String {
        format!("execute workflow {}", self.workflow_id)
    }

    async fn trigger(&self, request: TriggerRequest) -> Result<Box<dyn RunHandle>> {
        let input = match request.payload {
            serde_json::Value::Null => serde_json::json!({}),
            payload => payload,
        };
        let execution = self.client.execute(&self.workflow_id, input).await?;
        Ok(Box::new(execution))
    }

    fn resume(&self, run_id: RunId) -> Result<Box<dyn RunHandle>> {
        Ok(Box::new(FlowmaticExecution::new(
            run_id,
            Some(self.client.clone()),
        )))
    }
}
