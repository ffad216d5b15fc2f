//! [`RunsWorkflow`]: a workflow of the runs API as a [`Trigger`].

use std::pin::Pin;

use futures::TryFutureExt;
use trigger_sdk_core::{
    Error, Provider, RequestPreview, Result, RunHandle, RunId, Trigger, TriggerRequest, async_trait,
};

use crate::{client::RunsClient, handle::RunsHandle, model::RunRequest};

/// Runs one workflow through the [`Trigger`] interface.
///
/// `trigger` sends the request's payload as the run's input, with its
/// idempotency key (or a generated one), and returns a [`RunsHandle`]; the
/// runs API has no synchronous endpoint, so both modes return a handle to
/// follow. `resume` rebuilds the handle of any run from its id.
///
/// ```
/// use trigger_sdk_core::Trigger;
/// use trigger_sdk_runs::{RunsClient, RunsWorkflow};
/// # fn main() -> trigger_sdk_core::Result<()> {
/// let client = RunsClient::new("http://127.0.0.1:8080/runs", "wfk_demo0000000000000000000000000000")?;
/// let trigger: Box<dyn Trigger> = Box::new(RunsWorkflow::new(client, "wf_customer_order"));
/// assert_eq!(trigger.target(), "wf_customer_order");
/// let handle = trigger.resume("run_123".into())?;
/// assert_eq!(handle.run_id().map(|id| id.as_str()), Some("run_123"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RunsWorkflow {
    /// The client.
    pub client: RunsClient,
    /// The workflow's id.
    pub workflow_id: String,
    /// The connection runs use, if any.
    pub connection_id: Option<String>,
    /// Whether a replayed idempotency key must have started a run with the
    /// same input ([`RunRequest::check_replay`]).
    pub check_replay_input: bool,
}

impl RunsWorkflow {
    /// The workflow `workflow_id` of `client`.
    pub fn new(client: RunsClient, workflow_id: impl Into<String>) -> Self {
        Self {
            client,
            workflow_id: workflow_id.into(),
            connection_id: None,
            check_replay_input: false,
        }
    }

    /// Checks replays: a request whose idempotency key had started a run
    /// with another input fails with a `Conflict` ([`RunRequest::check_replay`]).
    pub fn with_replay_check(mut self) -> Self {
        self.check_replay_input = true;
        self
    }

    /// The run request of a trigger request: its payload is the input; the
    /// runs API takes no query or headers.
    fn run_request(&self, request: TriggerRequest) -> Result<RunRequest> {
        if !request.query.is_empty() || !request.headers.is_empty() {
            return Err(Error::Unsupported {
                message: "the runs API takes its input in the body: put query values and \
                          headers into the payload"
                    .into(),
                error: None,
            });
        }
        Ok(RunRequest {
            input: request.payload,
            connection_id: self.connection_id.clone(),
            idempotency_key: request.idempotency_key,
            check_replay_input: self.check_replay_input,
        })
    }

    /// Runs use this stored connection.
    pub fn with_connection(mut self, connection_id: impl Into<String>) -> Self {
        self.connection_id = Some(connection_id.into());
        self
    }
}

#[async_trait]
impl Trigger for RunsWorkflow {
    fn provider(&self) -> Provider {
        Provider::Runs
    }

    fn target(&self) -> String {
        self.workflow_id.clone()
    }

    // Written out instead of `async fn`: the boxed future is the run
    // call's own, not one that also keeps the trigger request.
    fn trigger<'life0, 'async_trait>(
        &'life0 self,
        request: TriggerRequest,
    ) -> Pin<Box<dyn Future<Output = Result<Box<dyn RunHandle>>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        match self.run_request(request) {
            Ok(run) => Box::pin(
                self.client
                    .run(&self.workflow_id, run)
                    .map_ok(|handle| Box::new(handle) as Box<dyn RunHandle>),
            ),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }

    /// The run request, as [`RunsClient::preview_run`] shows it: without an
    /// idempotency key in `request`, none (each call generates its own).
    fn preview(&self, request: &TriggerRequest) -> Result<RequestPreview> {
        let run = self.run_request(request.clone())?;
        self.client.preview_run(&self.workflow_id, &run)
    }

    fn resume(&self, run_id: RunId) -> Result<Box<dyn RunHandle>> {
        Ok(Box::new(RunsHandle::from_id(&self.client, run_id)))
    }
}
