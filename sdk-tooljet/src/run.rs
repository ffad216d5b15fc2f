//! [`ToolJetRun`]: the handle of an async execution — status, live events
//! and wait.

use std::sync::Arc;

use futures::{StreamExt, stream::BoxStream};
use trigger_sdk_core::{
    Provider, Result, RunEvent, RunHandle, RunId, RunSnapshot, RunStatus, async_trait,
    poll::poll_events, transport::HttpResponse,
};

use crate::{
    error::{Route, error_from_response},
    status::ExecutionStatus,
    stream::{self, StreamEvent},
    workflow::Shared,
};

/// A ToolJet execution started with `trigger-async` (or rebuilt from its
/// workflow and execution ids with [`crate::ToolJetWorkflow::run`] or
/// [`trigger_sdk_core::Trigger::resume`]).
///
/// - [`RunHandle::status`] polls `GET …/status/{executionId}`;
/// - [`RunHandle::events`] follows the SSE stream (resuming dropped
///   connections with `Last-Event-ID`) and falls back to polling when the
///   stream is unavailable;
/// - [`RunHandle::wait`] polls until the run ends or the deadline passes.
#[derive(Debug, Clone)]
pub struct ToolJetRun {
    shared: Arc<Shared>,
    run_id: RunId,
    accepted_at: Option<String>,
}

impl ToolJetRun {
    pub(crate) fn new(shared: Arc<Shared>, run_id: RunId, accepted_at: Option<String>) -> Self {
        Self {
            shared,
            run_id,
            accepted_at,
        }
    }

    /// The execution id (`workflow_execution_id`).
    pub fn execution_id(&self) -> &str {
        self.run_id.as_str()
    }

    /// The workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.shared.workflow_id
    }

    /// When the server accepted the run (`timestamp` of the trigger-async
    /// answer); `None` for a rebuilt handle.
    pub fn accepted_at(&self) -> Option<&str> {
        self.accepted_at.as_deref()
    }

    /// The execution's status document, typed. Polls are retried on 429,
    /// 5xx and network errors.
    pub async fn execution_status(&self) -> Result<ExecutionStatus> {
        let shared = &*self.shared;
        let url = shared.endpoint(&["status", self.run_id.as_str()])?;
        let errors = |answer: &HttpResponse| error_from_response(answer, Route::Status);
        let answer = shared
            .transport
            .get(url)
            .limiter(shared.limits.status.as_ref())
            .errors(&errors)
            .send()
            .await?;
        Ok(ExecutionStatus::from_value(answer.json()?))
    }

    /// The execution's stream events as ToolJet sends them (connection
    /// events included), each once and in order across reconnects, ending
    /// after the terminal event. A closed connection is resumed with
    /// `Last-Event-ID`, never taken as the end; the stream yields an `Err`
    /// and ends when it cannot be opened or resumed.
    pub fn stream(&self) -> BoxStream<'static, Result<StreamEvent>> {
        stream::open(self.shared.clone(), self.run_id.clone())
    }
}

/// Where [`ToolJetRun`]'s `events()` reads from.
enum Source<'a> {
    Stream(BoxStream<'static, Result<StreamEvent>>),
    Poll(BoxStream<'a, Result<RunEvent>>),
    Done,
}

#[async_trait]
impl RunHandle for ToolJetRun {
    fn provider(&self) -> Provider {
        Provider::ToolJet
    }

    fn run_id(&self) -> Option<&RunId> {
        Some(&self.run_id)
    }

    async fn status(&self) -> Result<RunSnapshot> {
        Ok(self
            .execution_status()
            .await?
            .to_snapshot(Some(self.run_id.clone())))
    }

    /// The run's events from the SSE stream: `Status` for triggered,
    /// running and waiting, `Provider` for event types this SDK does not
    /// know, then `Finished` on the terminal event (completed, error,
    /// terminated). Connection events are not run events and are left out.
    /// When the stream cannot be opened or resumed, the events continue
    /// from polling the status endpoint (a status already reported is not
    /// repeated).
    fn events(&self) -> BoxStream<'_, Result<RunEvent>> {
        let state = (Source::Stream(self.stream()), None::<RunStatus>);
        futures::stream::unfold(state, move |(mut source, mut last)| async move {
            loop {
                match &mut source {
                    Source::Done => return None,
                    Source::Stream(events) => match events.next().await {
                        Some(Ok(event)) => {
                            let Some(run_event) = event.to_run_event(&self.run_id) else {
                                continue;
                            };
                            if run_event.is_terminal() {
                                return Some((Ok(run_event), (Source::Done, last)));
                            }
                            if let RunEvent::Status(status) = &run_event {
                                last = Some(status.clone());
                            }
                            return Some((Ok(run_event), (source, last)));
                        }
                        Some(Err(error)) => {
                            tracing::debug!(%error, run = %self.run_id, "ToolJet stream unavailable; polling the status");
                            source = Source::Poll(poll_events(self, self.shared.poll));
                        }
                        None => {
                            source = Source::Poll(poll_events(self, self.shared.poll));
                        }
                    },
                    Source::Poll(events) => match events.next().await {
                        Some(Ok(RunEvent::Status(status))) if last.as_ref() == Some(&status) => {}
                        Some(Ok(run_event)) => {
                            if let RunEvent::Status(status) = &run_event {
                                last = Some(status.clone());
                            }
                            let next = if run_event.is_terminal() {
                                Source::Done
                            } else {
                                source
                            };
                            return Some((Ok(run_event), (next, last)));
                        }
                        Some(Err(error)) => return Some((Err(error), (Source::Done, last))),
                        None => return None,
                    },
                }
            }
        })
        .boxed()
    }
}
