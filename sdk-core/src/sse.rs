//! Server-Sent Events through the core's call path, with reconnect and
//! `Last-Event-ID`: [`sse_stream`].
//!
//! The module is provider-neutral: the caller's `connect` function opens the
//! stream (URL, auth, the `Last-Event-ID` header when given one) with
//! [`crate::transport::Call::stream`], and [`sse_stream`] parses it into
//! [`SseEvent`]s, reconnecting when the connection drops or goes silent.
//! [`sse_request`] is a ready-made `connect` for a plain `GET`.
//!
//! Parsing is linear in the bytes received (each byte is scanned once, see
//! [`LineBuffer`]), a line or an event over its cap is [`Error::TooLarge`],
//! and a connection that brings no event for
//! [`SseOptions::idle_timeout`] is dropped and resumed, so a silent or
//! comment-only stream never hangs its reader.
//!
//! The stream never decides that the run it follows is over — a closed
//! connection only means "reconnect". The caller stops reading (drops the
//! stream) on the event that ends its run.
//!
//! ```no_run
//! use futures::StreamExt;
//! use trigger_sdk_core::{Auth, Provider, Secret, Transport};
//! use trigger_sdk_core::sse::{SseOptions, sse_request, sse_stream};
//!
//! # async fn run() -> trigger_sdk_core::Result<()> {
//! let transport = Transport::builder(Provider::new("example"), "http://127.0.0.1:8080")
//!     .auth(Auth::bearer(Secret::new("my-token")))
//!     .build()?;
//! let connect = sse_request(&transport, transport.url("events")?);
//! let mut events = sse_stream(connect, SseOptions::default());
//! while let Some(event) = events.next().await {
//!     let event = event?;
//!     if event.data.contains("workflow_execution_completed") {
//!         break; // the caller decides when the run is over
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::time::Duration;

use futures::{
    StreamExt,
    future::BoxFuture,
    stream::{self, BoxStream},
};
use reqwest::header::{ACCEPT, CACHE_CONTROL, HeaderName};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use url::Url;

use crate::{
    error::{Error, Result},
    transport::{
        BodyStream, Transport,
        lines::{LineBuffer, LineTooLong},
    },
};

/// The `Last-Event-ID` request header.
pub const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

/// The longest wait between two reconnect attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// One Server-Sent Event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The last event ID as of this event (`id:`; carried over from earlier
    /// events of the same connection when this one has none), `None` if the
    /// server has sent none.
    pub id: Option<String>,
    /// The event type (`event:`), `"message"` when the server named none.
    pub event: String,
    /// The data lines, joined with `\n`.
    pub data: String,
    /// The reconnection time the server asked for (`retry:`), if any.
    pub retry: Option<Duration>,
}

impl SseEvent {
    /// Decodes [`SseEvent::data`] as JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] with the data as the body when it is not a `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.data).map_err(|e| {
            Error::decode(
                format!("SSE event data is not the expected JSON: {e}"),
                None,
                self.data.as_bytes(),
            )
        })
    }
}

/// How [`sse_stream`] reads and reconnects.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SseOptions {
    /// How many reconnects in a row may fail to deliver an event before the
    /// stream gives up. The count restarts with every new event, so a
    /// server that closes each connection after a few events (and is resumed
    /// with `Last-Event-ID`) can be followed for any length of time.
    pub max_reconnects: u32,
    /// The wait before the first reconnect of a series; it doubles with each
    /// further attempt, up to 30 s. A `retry:` field from the server replaces
    /// it.
    pub backoff: Duration,
    /// The `Last-Event-ID` to send on the first connection, to resume a
    /// stream followed earlier (another process, say).
    pub last_event_id: Option<String>,
    /// A connection that brings no event for this long (comments and
    /// keep-alives do not count) is dropped and resumed, as a reconnect
    /// without progress; `None` waits forever. 60 s by default.
    pub idle_timeout: Option<Duration>,
    /// The longest line accepted, in bytes (1 MiB by default).
    pub max_line: usize,
    /// The largest event accepted (its data), in bytes (8 MiB by default).
    pub max_event: usize,
}

impl Default for SseOptions {
    /// Five reconnects, starting at 500 ms, from the beginning of the stream;
    /// 60 s idle timeout; lines up to 1 MiB, events up to 8 MiB.
    fn default() -> Self {
        Self {
            max_reconnects: 5,
            backoff: Duration::from_millis(500),
            last_event_id: None,
            idle_timeout: Some(Duration::from_secs(60)),
            max_line: 1024 * 1024,
            max_event: 8 * 1024 * 1024,
        }
    }
}

impl SseOptions {
    /// Sets the reconnects in a row without a new event before giving up.
    pub fn max_reconnects(mut self, max: u32) -> Self {
        self.max_reconnects = max;
        self
    }

    /// Sets the first reconnect wait.
    pub fn backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// Resumes after this event id.
    pub fn last_event_id(mut self, id: impl Into<String>) -> Self {
        self.last_event_id = Some(id.into());
        self
    }

    /// Sets the idle timeout (`None`: wait forever).
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets the longest line accepted.
    pub fn max_line(mut self, bytes: usize) -> Self {
        self.max_line = bytes;
        self
    }

    /// Sets the largest event accepted.
    pub fn max_event(mut self, bytes: usize) -> Self {
        self.max_event = bytes;
        self
    }
}

/// What `connect` functions return: the opened stream (a 2xx answer), or the
/// typed error.
pub type Connect = BoxFuture<'static, Result<BodyStream>>;

/// Reads Server-Sent Events from the connections opened by `connect`,
/// reconnecting with the last seen event id.
///
/// `connect(last_event_id)` opens the stream; it must add the
/// `Last-Event-ID` header when given `Some` (as [`sse_request`] does) and
/// map error answers to typed errors ([`crate::transport::Call::stream`]
/// does).
///
/// The stream:
/// - yields every event in order;
/// - on a dropped connection, a closed connection, a read error or an idle
///   connection ([`SseOptions::idle_timeout`]), waits (see
///   [`SseOptions::backoff`]) and calls `connect` again with the last seen
///   id; a partly received event is discarded, the server resends it;
/// - during a reconnect, retries network errors, timeouts, 429 and 5xx
///   answers within the same attempt budget;
/// - yields an `Err` and ends when `connect` fails on the first connection,
///   when a reconnect gets any other error, when a line or an event is over
///   its cap ([`Error::TooLarge`]), when the stream is not UTF-8, or when
///   [`SseOptions::max_reconnects`] reconnects in a row brought no new event.
///
/// It never ends on its own otherwise: the caller drops it when its run is
/// over.
pub fn sse_stream<F>(connect: F, options: SseOptions) -> BoxStream<'static, Result<SseEvent>>
where
    F: Fn(Option<String>) -> Connect + Send + Sync + 'static,
{
    let reader = Reader {
        connect,
        last_id: options.last_event_id.clone(),
        parser: Parser::new(&options),
        options,
        server_retry: None,
        body: None,
        connected: false,
        failures: 0,
        seen_ids: std::collections::HashSet::new(),
        next_delay: None,
        last_error: None,
        done: false,
    };
    stream::unfold(reader, |mut reader| async move {
        let item = reader.next_item().await?;
        Some((item, reader))
    })
    .boxed()
}

/// A `connect` function for [`sse_stream`]: `GET url` through `transport`
/// (its auth, headers and rules), with `Accept: text/event-stream`,
/// `Cache-Control: no-cache`, and `Last-Event-ID` when resuming.
pub fn sse_request(
    transport: &Transport,
    url: Url,
) -> impl Fn(Option<String>) -> Connect + Send + Sync + 'static {
    let transport = transport.clone();
    move |last_event_id| {
        let transport = transport.clone();
        let url = url.clone();
        Box::pin(async move {
            let mut call = transport
                .get(url)
                .header(ACCEPT.as_str(), "text/event-stream")
                .header(CACHE_CONTROL.as_str(), "no-cache");
            if let Some(id) = last_event_id {
                call = call.header(LAST_EVENT_ID.as_str(), id);
            }
            call.stream().await
        })
    }
}

/// The SSE field parser of one connection: lines in, events out.
struct Parser {
    lines: LineBuffer,
    data: String,
    event: String,
    id: Option<String>,
    retry: Option<Duration>,
    max_event: usize,
    first_line: bool,
}

impl Parser {
    fn new(options: &SseOptions) -> Self {
        Self {
            lines: LineBuffer::new(options.max_line),
            data: String::new(),
            event: String::new(),
            id: None,
            retry: None,
            max_event: options.max_event,
            first_line: true,
        }
    }

    /// Forgets the connection's state (a new connection starts afresh).
    fn reset(&mut self) {
        self.lines.clear();
        self.data.clear();
        self.event.clear();
        self.id = None;
        self.retry = None;
        self.first_line = true;
    }

    fn push(&mut self, chunk: &[u8]) {
        self.lines.push(chunk);
    }

    /// The next complete event in what was pushed, if any.
    fn next_event(&mut self) -> Result<Option<SseEvent>> {
        loop {
            let line = match self.lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => return Ok(None),
                Err(LineTooLong { limit }) => {
                    return Err(Error::TooLarge {
                        what: "an SSE line".into(),
                        limit,
                        status: None,
                    });
                }
            };
            let mut line = std::str::from_utf8(line).map_err(|e| Error::Decode {
                message: format!("the event stream is not UTF-8: {e}"),
                status: None,
                body: None,
            })?;
            if std::mem::take(&mut self.first_line) {
                line = line.strip_prefix('\u{feff}').unwrap_or(line);
            }
            if line.is_empty() {
                if self.data.is_empty() {
                    self.event.clear();
                    continue;
                }
                self.data.pop();
                let event = SseEvent {
                    id: self.id.clone(),
                    event: if self.event.is_empty() {
                        "message".to_owned()
                    } else {
                        std::mem::take(&mut self.event)
                    },
                    data: std::mem::take(&mut self.data),
                    retry: self.retry,
                };
                return Ok(Some(event));
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
                None => (line, ""),
            };
            match field {
                "data" => {
                    if self.data.len() + value.len() + 1 > self.max_event {
                        return Err(Error::TooLarge {
                            what: "an SSE event".into(),
                            limit: self.max_event,
                            status: None,
                        });
                    }
                    self.data.push_str(value);
                    self.data.push('\n');
                }
                "event" => self.event = value.to_owned(),
                "id" if !value.contains('\0') => {
                    self.id = Some(value.to_owned()).filter(|id| !id.is_empty());
                }
                "retry" => {
                    if let Ok(ms) = value.parse::<u64>() {
                        self.retry = Some(Duration::from_millis(ms));
                    }
                }
                _ => {}
            }
        }
    }
}

/// The state of one [`sse_stream`].
struct Reader<F> {
    connect: F,
    options: SseOptions,
    parser: Parser,
    /// The id to resume from.
    last_id: Option<String>,
    /// The reconnection time from the server's last `retry:` field.
    server_retry: Option<Duration>,
    /// The open connection, if any.
    body: Option<BodyStream>,
    /// Whether a first connection was attempted (later ones are reconnects).
    connected: bool,
    /// Reconnects in a row that brought no new event.
    failures: u32,
    /// Every event id seen, so that only a new id counts as progress (a
    /// server that replays old events, or restarts its ids, on every
    /// reconnect is not followed forever).
    seen_ids: std::collections::HashSet<String>,
    /// A wait the server imposed (`Retry-After`) for the next attempt.
    next_delay: Option<Duration>,
    /// Why the last connection ended.
    last_error: Option<Error>,
    done: bool,
}

impl<F> Reader<F>
where
    F: Fn(Option<String>) -> Connect + Send + Sync,
{
    async fn next_item(&mut self) -> Option<Result<SseEvent>> {
        let mut idle_deadline = self.idle_deadline();
        while !self.done {
            match self.parser.next_event() {
                Ok(Some(event)) => return Some(Ok(self.delivered(event))),
                Ok(None) => {}
                Err(error) => {
                    self.done = true;
                    return Some(Err(error));
                }
            }
            let Some(body) = self.body.as_mut() else {
                if let Err(error) = self.open().await {
                    self.done = true;
                    return Some(Err(error));
                }
                idle_deadline = self.idle_deadline();
                continue;
            };
            match crate::transport::within(idle_deadline, body.chunk()).await {
                Some(Ok(Some(chunk))) => self.parser.push(&chunk),
                Some(Ok(None)) => {
                    tracing::debug!("event stream closed by the server; reconnecting");
                    self.lost(Error::transport("the server closed the event stream", None));
                }
                Some(Err(error)) => {
                    tracing::debug!(%error, "event stream failed; reconnecting");
                    self.lost(error);
                }
                None => {
                    let idle = self.options.idle_timeout.unwrap_or_default();
                    tracing::debug!(?idle, "event stream idle; reconnecting");
                    self.lost(Error::timeout(format!(
                        "the event stream brought no event for {idle:?}"
                    )));
                }
            }
        }
        None
    }

    fn idle_deadline(&self) -> Option<Instant> {
        self.options.idle_timeout.map(|t| Instant::now() + t)
    }

    /// Books an event before handing it out.
    fn delivered(&mut self, event: SseEvent) -> SseEvent {
        if let Some(id) = &event.id {
            self.last_id = Some(id.clone());
            if self.seen_ids.insert(id.clone()) {
                self.failures = 0;
            }
        }
        if let Some(retry) = event.retry {
            self.server_retry = Some(retry);
        }
        event
    }

    /// The connection ended; the next read reconnects.
    fn lost(&mut self, error: Error) {
        self.last_error = Some(error);
        self.body = None;
        self.parser.reset();
    }

    /// Opens a connection; `Err` is the error to yield before ending.
    async fn open(&mut self) -> Result<()> {
        let reconnect = self.connected;
        if reconnect {
            if self.failures >= self.options.max_reconnects {
                return Err(self.gave_up());
            }
            self.failures += 1;
            let delay = match self.next_delay.take() {
                Some(delay) => delay.min(MAX_BACKOFF),
                None => self.backoff(),
            };
            tracing::debug!(
                attempt = self.failures,
                ?delay,
                "reconnecting to the event stream"
            );
            tokio::time::sleep(delay).await;
        }
        self.connected = true;
        let error = match (self.connect)(self.last_id.clone()).await {
            Ok(body) if (200..300).contains(&body.status()) => {
                self.parser.reset();
                self.body = Some(body);
                return Ok(());
            }
            Ok(body) => Error::Http(Box::new(crate::ApiError::new(
                Some(body.status()),
                format!("the event stream answered HTTP {}", body.status()),
            ))),
            Err(error) => error,
        };
        let retryable = matches!(
            error,
            Error::Transport { .. }
                | Error::Timeout { .. }
                | Error::Server(_)
                | Error::RateLimited { .. }
        );
        if reconnect && retryable {
            self.next_delay = error.retry_after();
            self.last_error = Some(error);
            Ok(())
        } else {
            Err(error)
        }
    }

    /// The wait before the current reconnect attempt.
    fn backoff(&self) -> Duration {
        let base = self.server_retry.unwrap_or(self.options.backoff);
        let doublings = self.failures.saturating_sub(1).min(16);
        base.saturating_mul(1 << doublings).min(MAX_BACKOFF)
    }

    /// The error once reconnects are exhausted.
    fn gave_up(&mut self) -> Error {
        let attempts = self.options.max_reconnects;
        match self.last_error.take() {
            Some(Error::Transport { message, source }) => Error::Transport {
                message: format!("{message} (gave up after {attempts} reconnect attempts)"),
                source,
            },
            Some(Error::Timeout { message, source }) => Error::Timeout {
                message: format!("{message} (gave up after {attempts} reconnect attempts)"),
                source,
            },
            Some(error) => error,
            None => Error::transport(
                format!("the event stream was lost after {attempts} reconnect attempts"),
                None,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use bytes::Bytes;
    use futures::future;

    use super::*;

    /// A fake server: each call to `connect` takes the next scripted answer
    /// and records the `Last-Event-ID` it was given.
    #[derive(Clone, Default)]
    struct Script {
        answers: Arc<Mutex<Vec<Answer>>>,
        seen_ids: Arc<Mutex<Vec<Option<String>>>>,
        times: Arc<Mutex<Vec<tokio::time::Instant>>>,
    }

    enum Answer {
        /// 200 with this body, closed cleanly at the end.
        Body(&'static str),
        /// 200 with this body, then a read error.
        Broken(&'static str),
        /// An error status with a body and headers.
        Status(u16, &'static str, Vec<(&'static str, &'static str)>),
        /// `connect` fails.
        Fail,
        /// 200 with these chunks, closed cleanly at the end.
        Chunks(Vec<Bytes>),
        /// 200, then nothing ever.
        Silent,
    }

    impl Script {
        fn new(answers: Vec<Answer>) -> Self {
            let script = Self::default();
            *script.answers.lock().unwrap() = answers.into_iter().rev().collect();
            script
        }

        fn connect(&self) -> impl Fn(Option<String>) -> Connect + Send + Sync + 'static {
            let script = self.clone();
            move |last_id| {
                script.seen_ids.lock().unwrap().push(last_id);
                script
                    .times
                    .lock()
                    .unwrap()
                    .push(tokio::time::Instant::now());
                let answer = script.answers.lock().unwrap().pop();
                let body = |body: reqwest::Body| {
                    Ok(BodyStream::new(reqwest::Response::from(
                        http::Response::new(body),
                    )))
                };
                let response = match answer {
                    Some(Answer::Body(text)) => body(reqwest::Body::from(text)),
                    Some(Answer::Chunks(chunks)) => body(reqwest::Body::wrap_stream(stream::iter(
                        chunks.into_iter().map(Ok::<_, std::io::Error>),
                    ))),
                    Some(Answer::Broken(text)) => {
                        let chunks: Vec<std::io::Result<Bytes>> = vec![
                            Ok(Bytes::from_static(text.as_bytes())),
                            Err(std::io::Error::other("connection reset")),
                        ];
                        body(reqwest::Body::wrap_stream(stream::iter(chunks)))
                    }
                    Some(Answer::Silent) => body(reqwest::Body::wrap_stream(stream::pending::<
                        std::io::Result<Bytes>,
                    >(
                    ))),
                    Some(Answer::Status(status, text, headers)) => {
                        let mut answer = crate::transport::HttpResponse::new(status, text);
                        for (name, value) in headers {
                            answer.headers.insert(name, value.parse().unwrap());
                        }
                        Err(Error::from_status(
                            answer.api_error(format!("HTTP {status}")),
                            answer.retry_after(),
                        ))
                    }
                    Some(Answer::Fail) | None => Err(Error::transport("connection refused", None)),
                };
                Box::pin(future::ready(response))
            }
        }

        fn seen_ids(&self) -> Vec<Option<String>> {
            self.seen_ids.lock().unwrap().clone()
        }

        fn times(&self) -> Vec<tokio::time::Instant> {
            self.times.lock().unwrap().clone()
        }
    }

    fn options(max_reconnects: u32) -> SseOptions {
        SseOptions::default()
            .max_reconnects(max_reconnects)
            .backoff(Duration::from_secs(1))
            .idle_timeout(None)
    }

    async fn ids(stream: &mut BoxStream<'static, Result<SseEvent>>, n: usize) -> Vec<String> {
        let mut ids = Vec::new();
        for _ in 0..n {
            let event = stream.next().await.unwrap().unwrap();
            ids.push(event.id.unwrap_or_default());
        }
        ids
    }

    #[tokio::test(start_paused = true)]
    async fn parses_fields_and_decodes_json() {
        let script = Script::new(vec![Answer::Body(
            ": comment\n\nevent: update\nid: 7\nretry: 250\ndata: {\"n\":\ndata: 1}\n\ndata: plain\n\n",
        )]);
        let mut stream = sse_stream(script.connect(), options(0));
        let first = stream.next().await.unwrap().unwrap();
        assert_eq!(
            first,
            SseEvent {
                id: Some("7".into()),
                event: "update".into(),
                data: "{\"n\":\n1}".into(),
                retry: Some(Duration::from_millis(250)),
            }
        );
        let value: serde_json::Value = first.json().unwrap();
        assert_eq!(value["n"], 1);
        let second = stream.next().await.unwrap().unwrap();
        assert_eq!(second.event, "message");
        assert_eq!(second.data, "plain");
        // The id carries over within a connection, per the SSE spec.
        assert_eq!(second.id.as_deref(), Some("7"));
        let error = second.json::<serde_json::Value>().unwrap_err();
        assert!(matches!(error, Error::Decode { .. }));
        assert_eq!(error.body(), Some("plain"));
    }

    #[tokio::test(start_paused = true)]
    async fn event_without_any_id_has_none() {
        let script = Script::new(vec![Answer::Body("data: x\n\n")]);
        let event = sse_stream(script.connect(), options(0))
            .next()
            .await
            .unwrap()
            .unwrap();
        assert_eq!(event.id, None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_clean_close_is_not_the_end_and_progress_resets_the_budget() {
        // Each connection delivers one event and closes: with one reconnect
        // allowed in a row, the stream still follows all five.
        let script = Script::new(vec![
            Answer::Body("id: 1\ndata: a\n\n"),
            Answer::Body("id: 2\ndata: b\n\n"),
            Answer::Body("id: 3\ndata: c\n\n"),
            Answer::Body("id: 4\ndata: d\n\n"),
            Answer::Body("id: 5\ndata: e\n\n"),
        ]);
        let mut stream = sse_stream(script.connect(), options(1));
        assert_eq!(ids(&mut stream, 5).await, ["1", "2", "3", "4", "5"]);
        assert_eq!(
            script.seen_ids(),
            [
                None,
                Some("1".into()),
                Some("2".into()),
                Some("3".into()),
                Some("4".into())
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_partial_event_before_a_drop_is_discarded() {
        let script = Script::new(vec![
            Answer::Broken("id: 1\ndata: a\n\nid: 2\ndata: trunc"),
            Answer::Body("id: 2\ndata: whole\n\n"),
        ]);
        let mut stream = sse_stream(script.connect(), options(3));
        let first = stream.next().await.unwrap().unwrap();
        let second = stream.next().await.unwrap().unwrap();
        assert_eq!((first.data.as_str(), second.data.as_str()), ("a", "whole"));
        assert_eq!(script.seen_ids(), [None, Some("1".into())]);
    }

    #[tokio::test(start_paused = true)]
    async fn reconnects_are_bounded_and_the_error_is_yielded() {
        let script = Script::new(vec![
            Answer::Body("id: 1\ndata: a\n\n"),
            Answer::Body(""),
            Answer::Body(""),
            Answer::Body("id: 2\ndata: never reached\n\n"),
        ]);
        let mut stream = sse_stream(script.connect(), options(2));
        assert_eq!(ids(&mut stream, 1).await, ["1"]);
        let error = stream.next().await.unwrap().unwrap_err();
        assert!(
            matches!(&error, Error::Transport { message, .. } if message.contains("gave up after 2")),
            "{error}"
        );
        assert!(stream.next().await.is_none());
        // The first connection and two reconnects, each resuming after "1".
        assert_eq!(
            script.seen_ids(),
            [None, Some("1".into()), Some("1".into())]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn replayed_events_are_not_progress() {
        // A server that replays its last event on every reconnect and then
        // drops the connection: the budget runs out instead of looping forever.
        let script = Script::new(vec![
            Answer::Body("id: 1\ndata: a\n\n"),
            Answer::Body("id: 1\ndata: a\n\n"),
            Answer::Body("id: 1\ndata: a\n\n"),
            Answer::Body("id: 1\ndata: a\n\n"),
        ]);
        let mut stream = sse_stream(script.connect(), options(2));
        // The replays are still yielded (the caller decides what a duplicate is).
        assert_eq!(ids(&mut stream, 3).await, ["1", "1", "1"]);
        let error = stream.next().await.unwrap().unwrap_err();
        assert!(
            matches!(&error, Error::Transport { message, .. } if message.contains("gave up after 2")),
            "{error}"
        );
        assert!(stream.next().await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_doubles_and_the_server_retry_field_replaces_it() {
        let script = Script::new(vec![
            Answer::Body("id: 1\ndata: a\n\n"),
            Answer::Body(""),
            Answer::Body(""),
            Answer::Body("id: 2\nretry: 5000\ndata: b\n\n"),
            Answer::Body("id: 3\ndata: c\n\n"),
        ]);
        let mut stream = sse_stream(script.connect(), options(5));
        assert_eq!(ids(&mut stream, 3).await, ["1", "2", "3"]);
        let times = script.times();
        let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
        // 1 s, then 2 s, then 4 s; after `retry: 5000`, 5 s.
        assert_eq!(
            gaps,
            [1, 2, 4, 5].map(Duration::from_secs),
            "paused-clock gaps between connects"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn non_2xx_on_connect_yields_the_typed_error_and_ends() {
        let script = Script::new(vec![Answer::Status(
            401,
            r#"{"message":"Unauthorized"}"#,
            vec![],
        )]);
        let mut stream = sse_stream(script.connect(), options(5));
        let error = stream.next().await.unwrap().unwrap_err();
        assert!(matches!(error, Error::Unauthorized(_)), "{error}");
        assert_eq!(error.status(), Some(401));
        assert_eq!(error.body(), Some(r#"{"message":"Unauthorized"}"#));
        assert!(stream.next().await.is_none());
        assert_eq!(script.seen_ids().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn connect_failure_on_the_first_connection_ends_the_stream() {
        let script = Script::new(vec![Answer::Fail]);
        let mut stream = sse_stream(script.connect(), options(5));
        assert!(matches!(
            stream.next().await,
            Some(Err(Error::Transport { .. }))
        ));
        assert!(stream.next().await.is_none());
        assert_eq!(script.seen_ids().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_reconnect_retries_5xx_429_and_network_errors() {
        let script = Script::new(vec![
            Answer::Body("id: 1\ndata: a\n\n"),
            Answer::Status(503, "busy", vec![]),
            Answer::Status(429, "slow down", vec![("retry-after", "7")]),
            Answer::Fail,
            Answer::Body("id: 2\ndata: b\n\n"),
        ]);
        let mut stream = sse_stream(script.connect(), options(4));
        assert_eq!(ids(&mut stream, 2).await, ["1", "2"]);
        let times = script.times();
        // The connect after the 429 waited its Retry-After.
        assert_eq!(times[3] - times[2], Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn a_reconnect_ends_on_a_client_error() {
        let script = Script::new(vec![
            Answer::Body("id: 1\ndata: a\n\n"),
            Answer::Status(404, "gone", vec![]),
        ]);
        let mut stream = sse_stream(script.connect(), options(4));
        assert_eq!(ids(&mut stream, 1).await, ["1"]);
        let error = stream.next().await.unwrap().unwrap_err();
        assert!(matches!(error, Error::NotFound(_)), "{error}");
        assert!(stream.next().await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn resumes_from_the_configured_last_event_id() {
        let script = Script::new(vec![Answer::Body("id: 10\ndata: x\n\n")]);
        let options = options(0).last_event_id("9");
        let mut stream = sse_stream(script.connect(), options);
        assert_eq!(ids(&mut stream, 1).await, ["10"]);
        assert_eq!(script.seen_ids(), [Some("9".into())]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_huge_event_in_many_chunks_arrives_whole() {
        // 8 MiB of data in 4 KiB chunks: each byte scanned once, so this is
        // fast; the old parser re-read its buffer on every chunk.
        let payload = "x".repeat(8 * 1024 * 1024);
        let text = format!("id: 1\ndata: {payload}\n\n");
        let chunks: Vec<Bytes> = text
            .as_bytes()
            .chunks(4096)
            .map(Bytes::copy_from_slice)
            .collect();
        let script = Script::new(vec![Answer::Chunks(chunks)]);
        let options = options(0).max_line(16 << 20).max_event(16 << 20);
        let event = sse_stream(script.connect(), options)
            .next()
            .await
            .unwrap()
            .unwrap();
        assert_eq!(event.data.len(), payload.len());
    }

    #[tokio::test(start_paused = true)]
    async fn a_line_or_an_event_over_its_cap_is_too_large() {
        let script = Script::new(vec![Answer::Body("data: 0123456789\n\n")]);
        let mut stream = sse_stream(script.connect(), options(3).max_line(8));
        let error = stream.next().await.unwrap().unwrap_err();
        assert!(
            matches!(&error, Error::TooLarge { limit: 8, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("SSE line"), "{error}");
        assert!(stream.next().await.is_none());

        let script = Script::new(vec![Answer::Body("data: 0123\ndata: 4567\ndata: 89\n\n")]);
        let mut stream = sse_stream(script.connect(), options(3).max_event(10));
        let error = stream.next().await.unwrap().unwrap_err();
        assert!(error.to_string().contains("SSE event"), "{error}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_line_that_never_ends_fails_at_the_cap() {
        // A stream that sends bytes but never a line end.
        let chunks = (0..100).map(|_| Bytes::from(vec![b'a'; 1024])).collect();
        let script = Script::new(vec![Answer::Chunks(chunks)]);
        let mut stream = sse_stream(script.connect(), options(0).max_line(16 * 1024));
        let error = stream.next().await.unwrap().unwrap_err();
        assert!(matches!(error, Error::TooLarge { .. }), "{error}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_or_comment_only_stream_is_resumed_then_reported() {
        let script = Script::new(vec![
            Answer::Body("id: 1\ndata: a\n\n"),
            Answer::Silent,
            Answer::Chunks(vec![Bytes::from_static(b": keep-alive\n\n")]),
            Answer::Silent,
        ]);
        let options = options(3).idle_timeout(Some(Duration::from_secs(10)));
        let mut stream = sse_stream(script.connect(), options);
        assert_eq!(ids(&mut stream, 1).await, ["1"]);
        let error = stream.next().await.unwrap().unwrap_err();
        assert!(matches!(&error, Error::Timeout { .. }), "{error}");
        assert!(error.to_string().contains("no event for 10s"), "{error}");
        assert_eq!(
            script.seen_ids(),
            [None, Some("1".into()), Some("1".into()), Some("1".into())]
        );
    }
}
