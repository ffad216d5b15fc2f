//! [`StreamingRun`]: a `streaming` webhook answer, read as it arrives.

use std::collections::VecDeque;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use reqwest::header::HeaderMap;
use serde_json::Value;
use tokio::sync::Mutex;
use trigger_sdk_core::{
    Error, Provider, Result, RunEvent, RunFailure, RunHandle, RunId, RunOutcome, RunSnapshot,
    RunStatus, WaitOptions,
    poll::within_deadline,
    transport::{BodyStream, lines::LineBuffer},
};

use crate::body::body_value;

/// The handle of a `streaming` webhook call: [`RunHandle::events`] yields
/// each NDJSON chunk (`{"type":"begin"|"item"|"end"|"error","content"?:..,
/// "metadata":{..}}`) as a [`RunEvent::Chunk`] as soon as its line arrives,
/// then [`RunEvent::Finished`]. The outcome's output is the concatenated
/// `content` of the `item` chunks (a string), or the body read as a normal
/// answer when it held no chunks; an `error` chunk makes the run failed.
/// `wait` reads the stream to its end.
#[derive(Debug)]
pub struct StreamingRun {
    state: Mutex<StreamState>,
}

#[derive(Debug)]
struct StreamState {
    response: Option<BodyStream>,
    status: u16,
    headers: HeaderMap,
    /// Splits the body into lines (linear, each line capped).
    lines: LineBuffer,
    /// Every byte received, up to `limit`.
    body: Vec<u8>,
    /// The most bytes of the stream kept (the client's answer cap).
    limit: usize,
    /// Parsed events not yet yielded.
    pending: VecDeque<RunEvent>,
    items: String,
    saw_chunk: bool,
    error: Option<RunFailure>,
    outcome: Option<RunOutcome>,
}

impl StreamingRun {
    /// A handle over an opened stream, reading at most `limit` bytes.
    pub(crate) fn new(response: BodyStream, limit: usize) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        Self {
            state: Mutex::new(StreamState {
                response: Some(response),
                status,
                headers,
                lines: LineBuffer::new(limit),
                body: Vec::new(),
                limit,
                pending: VecDeque::new(),
                items: String::new(),
                saw_chunk: false,
                error: None,
                outcome: None,
            }),
        }
    }
}

impl StreamState {
    fn parse_line(&mut self, line: &[u8]) {
        let Ok(Value::Object(chunk)) = serde_json::from_slice::<Value>(line) else {
            return;
        };
        let Some(kind) = chunk.get("type").and_then(Value::as_str) else {
            return;
        };
        self.saw_chunk = true;
        let content = chunk.get("content").map(trigger_sdk_core::json::text);
        match kind {
            "item" => self.items.push_str(content.as_deref().unwrap_or_default()),
            "error" => {
                self.error = Some(
                    RunFailure::new(
                        content
                            .clone()
                            .unwrap_or_else(|| "the streamed run failed".to_owned()),
                    )
                    .with_raw(Value::Object(chunk.clone())),
                )
            }
            _ => {}
        }
        self.pending.push_back(RunEvent::Chunk {
            kind: kind.to_owned(),
            content,
            metadata: chunk.get("metadata").cloned().unwrap_or(Value::Null),
        });
    }

    /// Takes a chunk of the body; `Err` when the stream is over its cap.
    fn take_lines(&mut self, bytes: &[u8]) -> Result<()> {
        let too_large = |limit| Error::TooLarge {
            what: "the n8n stream".into(),
            limit,
            status: None,
        };
        if self.body.len() + bytes.len() > self.limit {
            return Err(too_large(self.limit));
        }
        self.body.extend_from_slice(bytes);
        self.lines.push(bytes);
        loop {
            match self.lines.next_line() {
                Ok(Some(line)) => {
                    let line = line.to_vec();
                    self.parse_line(&line);
                }
                Ok(None) => return Ok(()),
                Err(e) => return Err(too_large(e.limit)),
            }
        }
    }

    /// The run ended with an error while reading.
    fn broke(&mut self, message: String) {
        self.response = None;
        let mut outcome = RunOutcome::succeeded(None, Value::Null);
        outcome.status = RunStatus::Failed;
        outcome.failure = Some(RunFailure::new(message));
        self.outcome = Some(outcome);
    }

    fn finish(&mut self) {
        let line = self.lines.remainder().to_vec();
        self.lines.clear();
        self.parse_line(&line);
        self.response = None;
        let body = Bytes::from(std::mem::take(&mut self.body));
        let output = if self.saw_chunk {
            Value::String(std::mem::take(&mut self.items))
        } else {
            body_value(&self.headers, &body)
        };
        let mut outcome = RunOutcome::succeeded(None, output).with_http(self.status, body);
        if let Some(failure) = self.error.take() {
            outcome.status = RunStatus::Failed;
            outcome.failure = Some(failure);
        }
        self.outcome = Some(outcome);
    }

    /// The next event: a parsed chunk, reading more of the body as needed,
    /// then `Finished` once per reader (`finished_sent`); `None` after that.
    async fn next(&mut self, finished_sent: &mut bool) -> Option<Result<RunEvent>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(Ok(event));
            }
            if let Some(outcome) = &self.outcome {
                if *finished_sent {
                    return None;
                }
                *finished_sent = true;
                return Some(Ok(RunEvent::Finished(Box::new(outcome.clone()))));
            }
            let Some(response) = self.response.as_mut() else {
                self.finish();
                continue;
            };
            let error = match response.chunk().await {
                Ok(Some(bytes)) => match self.take_lines(&bytes) {
                    Ok(()) => continue,
                    Err(e) => e,
                },
                Ok(None) => {
                    self.finish();
                    continue;
                }
                Err(Error::Transport { source, .. }) => {
                    Error::transport("the n8n stream broke before its end", source)
                }
                Err(e) => e,
            };
            self.broke(error.to_string());
            *finished_sent = true;
            return Some(Err(error));
        }
    }
}

#[async_trait]
impl RunHandle for StreamingRun {
    fn provider(&self) -> Provider {
        Provider::N8n
    }

    fn run_id(&self) -> Option<&RunId> {
        None
    }

    /// `Running` until the stream has been read to its end, then the outcome.
    /// Never waits for the stream: while a reader is waiting for the next
    /// chunk, the run is still running.
    async fn status(&self) -> Result<RunSnapshot> {
        let Ok(state) = self.state.try_lock() else {
            return Ok(RunSnapshot::new(None, RunStatus::Running));
        };
        Ok(match &state.outcome {
            Some(o) => RunSnapshot::new(None, o.status.clone())
                .with_output(Some(o.output.clone()))
                .with_failure(o.failure.clone()),
            None => RunSnapshot::new(None, RunStatus::Running),
        })
    }

    /// Reads the rest of the stream (chunks not yet read by `events()` are
    /// dropped) and returns the outcome.
    async fn wait(&self, options: WaitOptions) -> Result<RunOutcome> {
        let read = async {
            let mut state = self.state.lock().await;
            let mut finished_sent = false;
            loop {
                if let Some(outcome) = &state.outcome {
                    return Ok(outcome.clone());
                }
                if let Some(Err(e)) = state.next(&mut finished_sent).await {
                    return Err(e);
                }
            }
        };
        let timeout = options.timeout.unwrap_or_default();
        within_deadline(
            options.deadline_from(tokio::time::Instant::now()),
            || format!("the n8n stream did not end within {timeout:?}"),
            read,
        )
        .await
    }

    fn events(&self) -> BoxStream<'_, Result<RunEvent>> {
        Box::pin(futures::stream::unfold(
            (self, false),
            |(this, mut finished_sent)| async move {
                let item = this.state.lock().await.next(&mut finished_sent).await?;
                Some((item, (this, finished_sent)))
            },
        ))
    }
}
