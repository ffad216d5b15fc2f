//! Server-Sent Events over `reqwest`, with reconnect and `Last-Event-ID`:
//! [`sse_stream`].
//!
//! The module is provider-neutral: the caller's `connect` function builds
//! the request (URL, auth, the `Last-Event-ID` header when given one) and
//! [`sse_stream`] parses the answer into [`SseEvent`]s, reconnecting when the
//! connection drops. [`sse_request`] is a ready-made `connect` for a plain
//! `GET` with fixed headers.
//!
//! The stream never decides that the run it follows is over — a closed
//! connection only means "reconnect". The caller stops reading (drops the
//! stream) on the event that ends its run.
//!
//! ```no_run
//! use futures::StreamExt;
//! use trigger_sdk_core::reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
//! use trigger_sdk_core::sse::{SseOptions, sse_request, sse_stream};
//!
//! # async fn run() -> trigger_sdk_core::Result<()> {
//! let mut headers = HeaderMap::new();
//! let mut token = HeaderValue::from_static("Bearer my-token");
//! token.set_sensitive(true);
//! headers.insert(AUTHORIZATION, token);
//! let url = "http://127.0.0.1:8080/events".parse().expect("valid URL");
//! let connect = sse_request(&trigger_sdk_core::reqwest::Client::new(), url, headers);
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

use bytes::Bytes;
use eventsource_stream::{Event, EventStream, EventStreamError, Eventsource};
use futures::{
    StreamExt,
    future::{self, BoxFuture},
    stream::{self, BoxStream},
};
use reqwest::header::{ACCEPT, CACHE_CONTROL, HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use url::Url;

use crate::{
    error::{Error, Result},
    transport::HttpResponse,
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

impl From<Event> for SseEvent {
    fn from(event: Event) -> Self {
        Self {
            id: Some(event.id).filter(|id| !id.is_empty()),
            event: event.event,
            data: event.data,
            retry: event.retry,
        }
    }
}

/// How [`sse_stream`] reconnects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseOptions {
    /// How many reconnects in a row may fail to deliver an event before the
    /// stream gives up. The count restarts with every event received, so a
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
}

impl Default for SseOptions {
    /// Five reconnects, starting at 500 ms, from the beginning of the stream.
    fn default() -> Self {
        Self {
            max_reconnects: 5,
            backoff: Duration::from_millis(500),
            last_event_id: None,
        }
    }
}

/// Reads Server-Sent Events from the connections opened by `connect`,
/// reconnecting with the last seen event id.
///
/// `connect(last_event_id)` sends the request; it must add the
/// `Last-Event-ID` header when given `Some` (as [`sse_request`] does).
///
/// The stream:
/// - yields every event in order;
/// - on a dropped connection, a closed connection or a read error, waits
///   (see [`SseOptions::backoff`]) and calls `connect` again with the last
///   seen id; a partly received event is discarded, the server resends it;
/// - during a reconnect, retries network errors, timeouts, 429 and 5xx
///   answers within the same attempt budget;
/// - yields an `Err` and ends when `connect` fails or answers with a
///   non-2xx status on the first connection (the status, `Retry-After` and
///   raw body are kept in the error, see [`Error::from_status`]), when a
///   reconnect gets any other error, or when
///   [`SseOptions::max_reconnects`] reconnects in a row brought no event.
///
/// It never ends on its own otherwise: the caller drops it when its run is
/// over.
pub fn sse_stream<F>(connect: F, options: SseOptions) -> BoxStream<'static, Result<SseEvent>>
where
    F: Fn(Option<String>) -> BoxFuture<'static, Result<reqwest::Response>> + Send + Sync + 'static,
{
    let reader = Reader {
        connect,
        last_id: options.last_event_id.clone(),
        options,
        server_retry: None,
        events: None,
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

/// A `connect` function for [`sse_stream`]: `GET url` on `client` with
/// `headers` (put auth there, marked sensitive), `Accept: text/event-stream`
/// unless `headers` names another, `Cache-Control: no-cache`, and
/// `Last-Event-ID` when resuming.
///
/// Use a client without a total request timeout: in `reqwest` it covers the
/// whole body, so it would cut every long stream (the stream then reconnects,
/// but needlessly).
pub fn sse_request(
    client: &reqwest::Client,
    url: Url,
    mut headers: HeaderMap,
) -> impl Fn(Option<String>) -> BoxFuture<'static, Result<reqwest::Response>> + Send + Sync + 'static
{
    let client = client.clone();
    headers
        .entry(ACCEPT)
        .or_insert(HeaderValue::from_static("text/event-stream"));
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
    move |last_event_id| {
        let mut request = client.get(url.clone()).headers(headers.clone());
        if let Some(id) = last_event_id {
            match HeaderValue::from_str(&id) {
                Ok(value) => request = request.header(LAST_EVENT_ID, value),
                Err(_) => {
                    return Box::pin(future::ready(Err(Error::Config(
                        "the last SSE event id cannot be sent as a header".into(),
                    ))));
                }
            }
        }
        Box::pin(async move {
            request.send().await.map_err(|e| Error::Transport {
                message: format!("cannot open the event stream: {e}"),
                source: Some(e),
            })
        })
    }
}

type Events = EventStream<BoxStream<'static, reqwest::Result<Bytes>>>;

/// The state of one [`sse_stream`].
struct Reader<F> {
    connect: F,
    options: SseOptions,
    /// The id to resume from.
    last_id: Option<String>,
    /// The reconnection time from the server's last `retry:` field.
    server_retry: Option<Duration>,
    /// The open connection, if any.
    events: Option<Events>,
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
    F: Fn(Option<String>) -> BoxFuture<'static, Result<reqwest::Response>> + Send + Sync,
{
    async fn next_item(&mut self) -> Option<Result<SseEvent>> {
        while !self.done {
            let Some(events) = self.events.as_mut() else {
                if let Err(error) = self.open().await {
                    self.done = true;
                    return Some(Err(error));
                }
                continue;
            };
            match events.next().await {
                Some(Ok(event)) => {
                    let event = SseEvent::from(event);
                    if let Some(id) = &event.id {
                        self.last_id = Some(id.clone());
                        if self.seen_ids.insert(id.clone()) {
                            self.failures = 0;
                        }
                    }
                    if let Some(retry) = event.retry {
                        self.server_retry = Some(retry);
                    }
                    return Some(Ok(event));
                }
                Some(Err(error)) => {
                    tracing::debug!(%error, "event stream failed; reconnecting");
                    self.last_error = Some(stream_error(error));
                    self.events = None;
                }
                None => {
                    tracing::debug!("event stream closed by the server; reconnecting");
                    self.last_error = Some(Error::Transport {
                        message: "the server closed the event stream".into(),
                        source: None,
                    });
                    self.events = None;
                }
            }
        }
        None
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
        let result = match (self.connect)(self.last_id.clone()).await {
            Ok(response) if response.status().is_success() => {
                self.events = Some(response.bytes_stream().boxed().eventsource());
                return Ok(());
            }
            Ok(response) => status_error(response).await,
            Err(error) => error,
        };
        let retryable = matches!(
            result,
            Error::Transport { .. }
                | Error::Timeout(_)
                | Error::Server(_)
                | Error::RateLimited { .. }
        );
        if reconnect && retryable {
            self.next_delay = result.retry_after();
            self.last_error = Some(result);
            Ok(())
        } else {
            Err(result)
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
            Some(error) => error,
            None => Error::Transport {
                message: format!("the event stream was lost after {attempts} reconnect attempts"),
                source: None,
            },
        }
    }
}

/// The typed error for a non-2xx answer to the stream request.
async fn status_error(response: reqwest::Response) -> Error {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap_or_default();
    let answer = HttpResponse {
        status,
        headers,
        body,
    };
    Error::from_status(
        answer.api_error(format!("the event stream answered HTTP {status}")),
        answer.retry_after(),
    )
}

fn stream_error(error: EventStreamError<reqwest::Error>) -> Error {
    match error {
        EventStreamError::Transport(e) => Error::Transport {
            message: format!("the event stream failed: {e}"),
            source: Some(e),
        },
        EventStreamError::Utf8(e) => Error::Decode {
            message: format!("the event stream is not UTF-8: {e}"),
            status: None,
            body: None,
        },
        EventStreamError::Parser(e) => Error::Decode {
            message: format!("the event stream is malformed: {e}"),
            status: None,
            body: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

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
    }

    impl Script {
        fn new(answers: Vec<Answer>) -> Self {
            let script = Self::default();
            *script.answers.lock().unwrap() = answers.into_iter().rev().collect();
            script
        }

        fn connect(
            &self,
        ) -> impl Fn(Option<String>) -> BoxFuture<'static, Result<reqwest::Response>>
        + Send
        + Sync
        + 'static {
            let script = self.clone();
            move |last_id| {
                script.seen_ids.lock().unwrap().push(last_id);
                script
                    .times
                    .lock()
                    .unwrap()
                    .push(tokio::time::Instant::now());
                let answer = script.answers.lock().unwrap().pop();
                let response = match answer {
                    Some(Answer::Body(body)) => Ok(http::Response::new(reqwest::Body::from(body))),
                    Some(Answer::Broken(body)) => {
                        let chunks: Vec<std::io::Result<Bytes>> = vec![
                            Ok(Bytes::from_static(body.as_bytes())),
                            Err(std::io::Error::other("connection reset")),
                        ];
                        Ok(http::Response::new(reqwest::Body::wrap_stream(
                            stream::iter(chunks),
                        )))
                    }
                    Some(Answer::Status(status, body, headers)) => {
                        let mut builder = http::Response::builder().status(status);
                        for (name, value) in headers {
                            builder = builder.header(name, value);
                        }
                        Ok(builder.body(reqwest::Body::from(body)).unwrap())
                    }
                    Some(Answer::Fail) | None => Err(Error::Transport {
                        message: "connection refused".into(),
                        source: None,
                    }),
                };
                Box::pin(future::ready(response.map(reqwest::Response::from)))
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
        SseOptions {
            max_reconnects,
            backoff: Duration::from_secs(1),
            last_event_id: None,
        }
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
        let options = SseOptions {
            last_event_id: Some("9".into()),
            ..options(0)
        };
        let mut stream = sse_stream(script.connect(), options);
        assert_eq!(ids(&mut stream, 1).await, ["10"]);
        assert_eq!(script.seen_ids(), [Some("9".into())]);
    }
}
