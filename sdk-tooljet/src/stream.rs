//! The live event stream of an execution (`GET …/execution/{id}/stream`,
//! Server-Sent Events): [`StreamEvent`] and the reader behind
//! [`crate::ToolJetRun::stream`].

use std::{
    collections::HashSet,
    fmt,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
};

use futures::{StreamExt, stream::BoxStream};
use reqwest::header::{ACCEPT, CACHE_CONTROL};
use serde_json::Value;
use trigger_sdk_core::{
    Error, Result, RunEvent, RunFailure, RunId, RunOutcome, RunStatus,
    sse::{Connect, LAST_EVENT_ID, SseEvent, sse_stream},
    transport::HttpResponse,
};

use crate::{
    error::{Route, error_from_response},
    status::{ExecutionState, error_text},
    workflow::Shared,
};

/// The `type` of a stream event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StreamEventKind {
    /// `workflow_connection_initialized`: the connection is open.
    ConnectionInitialized,
    /// `workflow_connection_streaming`.
    ConnectionStreaming,
    /// `workflow_connection_error`: the server's stream failed.
    ConnectionError,
    /// `workflow_connection_close`: the server is closing the connection.
    ConnectionClose,
    /// `workflow_execution_<state>`: the execution is in this state, one of
    /// the status document's — `…_triggered` (queued), `…_running`,
    /// `…_waiting` (suspended), `…_completed` (carries `result`),
    /// `…_error` ([`ExecutionState::Failed`], carries `error`) and
    /// `…_terminated`.
    Execution(ExecutionState),
    /// A type this SDK does not know.
    Unknown(String),
}

/// The execution events, by name.
const EXECUTION_EVENTS: [(&str, ExecutionState); 6] = [
    ("workflow_execution_triggered", ExecutionState::Triggered),
    ("workflow_execution_running", ExecutionState::Running),
    ("workflow_execution_waiting", ExecutionState::Waiting),
    ("workflow_execution_completed", ExecutionState::Completed),
    ("workflow_execution_error", ExecutionState::Failed),
    ("workflow_execution_terminated", ExecutionState::Terminated),
];

impl StreamEventKind {
    /// Parses an event type name.
    pub fn parse(name: &str) -> Self {
        match name {
            "workflow_connection_initialized" => Self::ConnectionInitialized,
            "workflow_connection_streaming" => Self::ConnectionStreaming,
            "workflow_connection_error" => Self::ConnectionError,
            "workflow_connection_close" => Self::ConnectionClose,
            other => EXECUTION_EVENTS
                .iter()
                .find(|(event, _)| *event == other)
                .map_or_else(
                    || Self::Unknown(other.to_owned()),
                    |(_, state)| Self::Execution(state.clone()),
                ),
        }
    }

    /// The name as ToolJet sends it (an execution state ToolJet has no
    /// event for reads as its own name).
    pub fn as_str(&self) -> &str {
        match self {
            Self::ConnectionInitialized => "workflow_connection_initialized",
            Self::ConnectionStreaming => "workflow_connection_streaming",
            Self::ConnectionError => "workflow_connection_error",
            Self::ConnectionClose => "workflow_connection_close",
            Self::Execution(ExecutionState::Unknown(name)) | Self::Unknown(name) => name,
            Self::Execution(state) => EXECUTION_EVENTS
                .iter()
                .find(|(_, known)| known == state)
                .map_or("workflow_execution", |(event, _)| event),
        }
    }

    /// The run's status this event reports, for an execution event.
    pub fn run_status(&self) -> Option<RunStatus> {
        match self {
            Self::Execution(state) => Some(state.run_status()),
            _ => None,
        }
    }

    /// Whether the execution has ended (completed, error, terminated).
    pub fn is_terminal(&self) -> bool {
        self.run_status().is_some_and(|status| status.is_terminal())
    }

    /// Whether this describes the connection rather than the execution.
    pub fn is_connection(&self) -> bool {
        matches!(
            self,
            Self::ConnectionInitialized
                | Self::ConnectionStreaming
                | Self::ConnectionError
                | Self::ConnectionClose
        )
    }
}

impl fmt::Display for StreamEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event of an execution's stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StreamEvent {
    /// The SSE id (`id:`), when the server sent one.
    pub id: Option<String>,
    /// The event type (`data.type`, else the SSE `event:` name).
    pub kind: StreamEventKind,
    /// `data.executionId`, when present.
    pub execution_id: Option<String>,
    /// The decoded `data` (a JSON string when it is not JSON).
    pub data: Value,
}

impl StreamEvent {
    /// Reads one SSE frame.
    pub fn from_sse(event: &SseEvent) -> Self {
        let data: Value =
            serde_json::from_str(&event.data).unwrap_or_else(|_| Value::String(event.data.clone()));
        let type_name = data
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(event.event.as_str());
        let execution_id = trigger_sdk_core::json::first_id(
            &data,
            &["executionId", "execution_id", "workflow_execution_id"],
        );
        Self {
            id: event.id.clone(),
            kind: StreamEventKind::parse(type_name),
            execution_id,
            data,
        }
    }

    /// The generic event: `Status` for triggered/running/waiting, `Finished`
    /// for the terminal events, `Provider` for types this SDK does not know;
    /// `None` for connection events (they describe the connection, not the run).
    pub fn to_run_event(&self, run_id: &RunId) -> Option<RunEvent> {
        let finished = |status: RunStatus, output: Value, failure: Option<RunFailure>| {
            let mut outcome = RunOutcome::succeeded(Some(run_id.clone()), output);
            outcome.status = status;
            outcome.failure = failure;
            Some(RunEvent::Finished(Box::new(outcome)))
        };
        match self.kind.run_status() {
            Some(RunStatus::Succeeded) => finished(
                RunStatus::Succeeded,
                self.data.get("result").cloned().unwrap_or(Value::Null),
                None,
            ),
            Some(RunStatus::Failed) => {
                let error = self.data.get("error").cloned().unwrap_or(Value::Null);
                let failure = RunFailure::new(error_text(&error)).with_raw(error);
                finished(RunStatus::Failed, Value::Null, Some(failure))
            }
            Some(status) if status.is_terminal() => finished(status, Value::Null, None),
            Some(status) => Some(RunEvent::Status(status)),
            None if self.kind.is_connection() => None,
            None => Some(RunEvent::Provider {
                kind: self.kind.as_str().to_owned(),
                data: self.data.clone(),
            }),
        }
    }
}

/// What the reader remembers to drop events a resumed connection repeats.
struct Dedup {
    seen: HashSet<(String, String)>,
    max_numeric: Option<u64>,
}

impl Dedup {
    /// Whether `event` was already delivered: its numeric id is below the
    /// highest one seen, or the same (id, data) pair came before.
    fn is_repeat(&mut self, event: &SseEvent) -> bool {
        let Some(id) = &event.id else {
            return false;
        };
        if let (Ok(n), Some(max)) = (id.trim().parse::<u64>(), self.max_numeric)
            && n < max
        {
            return true;
        }
        if !self.seen.insert((id.clone(), event.data.clone())) {
            return true;
        }
        if let Ok(n) = id.trim().parse::<u64>() {
            self.max_numeric = Some(self.max_numeric.map_or(n, |m| m.max(n)));
        }
        false
    }
}

/// The execution's events: every new frame in order, across reconnects
/// (with `Last-Event-ID`), ending after the terminal event. A connection the
/// server closes is resumed, never taken as the end. Yields an `Err` and
/// ends when the stream cannot be opened or resumed.
pub(crate) fn open(shared: Arc<Shared>, run_id: RunId) -> BoxStream<'static, Result<StreamEvent>> {
    let url = match shared.endpoint(&["execution", run_id.as_str(), "stream"]) {
        Ok(url) => url,
        Err(e) => return futures::stream::iter([Err(e)]).boxed(),
    };
    let opened = Arc::new(AtomicU32::new(0));
    let opened_by_connect = opened.clone();
    let connect_shared = shared.clone();
    let connect = move |last_event_id: Option<String>| -> Connect {
        opened_by_connect.fetch_add(1, Ordering::Relaxed);
        let shared = connect_shared.clone();
        let url = url.clone();
        Box::pin(async move {
            let mut call = shared
                .transport
                .get(url)
                .limiter(shared.limits.stream.as_ref())
                .header(ACCEPT.as_str(), "text/event-stream")
                .header(CACHE_CONTROL.as_str(), "no-cache");
            if let Some(id) = last_event_id {
                call = call.header(LAST_EVENT_ID.as_str(), id);
            }
            let errors = |answer: &HttpResponse| error_from_response(answer, Route::Stream);
            let body = call.errors(&errors).stream().await?;
            let content_type = body.content_type().unwrap_or_default();
            if content_type != "text/event-stream" {
                return Err(Error::Unsupported {
                    message: format!(
                        "the ToolJet stream endpoint answered {content_type:?}, not text/event-stream; poll the status instead"
                    ),
                    error: None,
                });
            }
            Ok(body)
        })
    };
    let max_reconnects = shared.sse_options.max_reconnects;
    let reader = Reader {
        frames: sse_stream(connect, shared.sse_options.clone()),
        dedup: Dedup {
            seen: HashSet::new(),
            max_numeric: None,
        },
        opened,
        opened_at_progress: 0,
        max_reconnects,
        done: false,
    };
    futures::stream::unfold(reader, |mut reader| async move {
        let item = reader.next_event().await?;
        Some((item, reader))
    })
    .boxed()
}

/// The state of one [`open`] stream.
struct Reader {
    frames: BoxStream<'static, Result<SseEvent>>,
    dedup: Dedup,
    /// Connections opened so far (counted by the `connect` function).
    opened: Arc<AtomicU32>,
    /// `opened` when the last new event arrived.
    opened_at_progress: u32,
    max_reconnects: u32,
    done: bool,
}

impl Reader {
    async fn next_event(&mut self) -> Option<Result<StreamEvent>> {
        while !self.done {
            let frame = match self.frames.next().await? {
                Ok(frame) => frame,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            let opened = self.opened.load(Ordering::Relaxed);
            if !self.dedup.is_repeat(&frame) {
                self.opened_at_progress = opened;
                let event = StreamEvent::from_sse(&frame);
                self.done = event.kind.is_terminal();
                return Some(Ok(event));
            }
            tracing::debug!(id = ?frame.id, "skipping a repeated ToolJet stream event");
            // A server that only repeats old events on every reconnect
            // (ids restarting per connection) would be followed forever.
            if opened.saturating_sub(self.opened_at_progress) > self.max_reconnects {
                self.done = true;
                return Some(Err(Error::Transport {
                    message: format!(
                        "the ToolJet event stream brought no new event in {} reconnects",
                        self.max_reconnects
                    ),
                    source: None,
                }));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn frame(id: Option<&str>, data: Value) -> SseEvent {
        SseEvent {
            id: id.map(str::to_owned),
            event: "message".into(),
            data: data.to_string(),
            retry: None,
        }
    }

    #[test]
    fn frames_map_to_run_events() {
        let run = RunId::new("e1");
        let running = StreamEvent::from_sse(&frame(
            Some("2"),
            json!({"type": "workflow_execution_running", "executionId": "e1"}),
        ));
        assert_eq!(
            running.kind,
            StreamEventKind::Execution(ExecutionState::Running)
        );
        assert_eq!(running.execution_id.as_deref(), Some("e1"));
        assert_eq!(
            running.to_run_event(&run),
            Some(RunEvent::Status(RunStatus::Running))
        );

        let done = StreamEvent::from_sse(&frame(
            Some("3"),
            json!({"type": "workflow_execution_completed", "executionId": "e1", "result": {"ok": 1}}),
        ));
        match done.to_run_event(&run) {
            Some(RunEvent::Finished(outcome)) => {
                assert_eq!(outcome.status, RunStatus::Succeeded);
                assert_eq!(outcome.output, json!({"ok": 1}));
                assert_eq!(outcome.run_id, Some(run.clone()));
            }
            other => panic!("expected Finished, got {other:?}"),
        }

        let failed = StreamEvent::from_sse(&frame(
            None,
            json!({"type": "workflow_execution_error", "error": "query1 failed"}),
        ));
        match failed.to_run_event(&run) {
            Some(RunEvent::Finished(outcome)) => {
                assert_eq!(outcome.status, RunStatus::Failed);
                assert_eq!(
                    outcome.failure.map(|f| f.message),
                    Some("query1 failed".to_owned())
                );
            }
            other => panic!("expected Finished, got {other:?}"),
        }

        let init = StreamEvent::from_sse(&frame(
            Some("1"),
            json!({"type": "workflow_connection_initialized"}),
        ));
        assert_eq!(init.to_run_event(&run), None);
        let odd = StreamEvent::from_sse(&frame(
            Some("9"),
            json!({"type": "workflow_node_finished", "node": "q"}),
        ));
        assert!(
            matches!(odd.to_run_event(&run), Some(RunEvent::Provider { kind, .. }) if kind == "workflow_node_finished")
        );
    }

    #[test]
    fn event_names_read_back_as_sent_and_execution_states_are_the_status_states() {
        for name in [
            "workflow_connection_initialized",
            "workflow_connection_streaming",
            "workflow_connection_error",
            "workflow_connection_close",
            "workflow_execution_triggered",
            "workflow_execution_running",
            "workflow_execution_waiting",
            "workflow_execution_completed",
            "workflow_execution_error",
            "workflow_execution_terminated",
            "workflow_node_progress",
        ] {
            assert_eq!(StreamEventKind::parse(name).as_str(), name);
        }
        let failed = StreamEventKind::parse("workflow_execution_error");
        assert_eq!(failed, StreamEventKind::Execution(ExecutionState::Failed));
        assert_eq!(failed.run_status(), Some(RunStatus::Failed));
        let terminal: Vec<&str> = EXECUTION_EVENTS
            .iter()
            .filter(|(name, _)| StreamEventKind::parse(name).is_terminal())
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(
            terminal,
            [
                "workflow_execution_completed",
                "workflow_execution_error",
                "workflow_execution_terminated"
            ]
        );
        // Exact names only: the status document's aliases are not events.
        assert_eq!(
            StreamEventKind::parse("workflow_execution_started"),
            StreamEventKind::Unknown("workflow_execution_started".into())
        );
        assert_eq!(StreamEventKind::ConnectionInitialized.run_status(), None);
    }

    #[test]
    fn non_json_data_and_event_names_are_tolerated() {
        let event = StreamEvent::from_sse(&SseEvent {
            id: None,
            event: "workflow_execution_terminated".into(),
            data: "bye".into(),
            retry: None,
        });
        assert_eq!(
            event.kind,
            StreamEventKind::Execution(ExecutionState::Terminated)
        );
        assert_eq!(event.data, json!("bye"));
    }

    #[test]
    fn dedup_drops_replayed_frames_only() {
        let mut dedup = Dedup {
            seen: HashSet::new(),
            max_numeric: None,
        };
        let a = frame(Some("1"), json!({"type": "a"}));
        let b = frame(Some("2"), json!({"type": "b"}));
        assert!(!dedup.is_repeat(&a));
        assert!(!dedup.is_repeat(&b));
        assert!(dedup.is_repeat(&a), "an older id is a replay");
        assert!(dedup.is_repeat(&b), "the same frame again is a replay");
        // A frame without its own id carries the previous id but new data.
        assert!(!dedup.is_repeat(&frame(Some("2"), json!({"type": "c"}))));
        assert!(!dedup.is_repeat(&frame(None, json!({"type": "d"}))));
        assert!(!dedup.is_repeat(&frame(Some("3"), json!({"type": "e"}))));
    }
}
