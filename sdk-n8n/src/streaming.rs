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
    response: Option<reqwest::Response>,
    status: u16,
    headers: HeaderMap,
    /// Bytes of an incomplete line.
    line: Vec<u8>,
    /// Every byte received.
    body: Vec<u8>,
    /// Parsed events not yet yielded.
    pending: VecDeque<RunEvent>,
    items: String,
    saw_chunk: bool,
    error: Option<RunFailure>,
    outcome: Option<RunOutcome>,
}

impl StreamingRun {
    pub(crate) fn new(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        Self {
            state: Mutex::new(StreamState {
                response: Some(response),
                status,
                headers,
                line: Vec::new(),
                body: Vec::new(),
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
        let content = chunk.get("content").map(|c| match c {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
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

    fn take_lines(&mut self, bytes: &[u8]) {
        self.body.extend_from_slice(bytes);
        for &b in bytes {
            if b == b'\n' {
                let line = std::mem::take(&mut self.line);
                self.parse_line(&line);
            } else {
                self.line.push(b);
            }
        }
    }

    fn finish(&mut self) {
        let line = std::mem::take(&mut self.line);
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
            match response.chunk().await {
                Ok(Some(bytes)) => self.take_lines(&bytes),
                Ok(None) => self.finish(),
                Err(e) => {
                    self.response = None;
                    let mut outcome = RunOutcome::succeeded(None, Value::Null);
                    outcome.status = RunStatus::Failed;
                    outcome.failure = Some(RunFailure::new(format!(
                        "the stream broke before its end: {e}"
                    )));
                    self.outcome = Some(outcome);
                    *finished_sent = true;
                    return Some(Err(Error::Transport {
                        message: format!("the n8n stream broke before its end: {e}"),
                        source: Some(e),
                    }));
                }
            }
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
        match options.timeout {
            None => read.await,
            Some(timeout) => tokio::time::timeout(timeout, read).await.map_err(|_| {
                Error::Timeout(format!("the n8n stream did not end within {timeout:?}"))
            })?,
        }
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
