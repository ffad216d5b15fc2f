//! [`Call`]: one provider request and the one path it is sent on — retries,
//! deadlines, the concurrency cap, redirects, the answer cap, and the
//! classification of every outcome (see the [module rules](super)).

use std::{sync::Arc, time::Duration};

use backon::BackoffBuilder;
use bytes::Bytes;
use reqwest::{
    Method,
    header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION},
};
use serde::Serialize;
use tokio::{sync::SemaphorePermit, time::Instant};
use tracing::Instrument;
use url::Url;

use super::{
    RateLimiter, Redirects, Safety, Transport,
    body::{BodyStream, ReadError, read_capped},
    origin::same_origin,
    response::HttpResponse,
    retry::RetryPolicy,
};
use crate::error::{ApiError, BoxError, Error, Result};

/// A provider's error table: maps a non-2xx answer to a typed error.
pub type ErrorMap = Arc<dyn Fn(&HttpResponse) -> Error + Send + Sync>;

/// A per-call error table (a closure borrowed for the call).
type CallErrors<'t> = &'t (dyn Fn(&HttpResponse) -> Error + Send + Sync);

/// One request of a provider, built with [`Transport::call`] (or
/// [`Transport::get`] / [`Transport::post`]) and sent with [`Call::send`]
/// (the answer read whole) or [`Call::stream`] (the body read as it comes).
///
/// Its [`Safety`] defaults by method: `GET`, `HEAD`, `PUT`, `DELETE` and
/// `OPTIONS` are [`Safety::Safe`]; anything else is [`Safety::Unkeyed`] —
/// the cautious default for a request that may start a run.
#[must_use = "a call does nothing until it is sent"]
pub struct Call<'t> {
    transport: &'t Transport,
    method: Method,
    url: Url,
    /// The call's own headers, in order (few: a `Vec`, not a map).
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Bytes>,
    /// The body's media type, kept apart from `headers` so that the usual
    /// call (a JSON body, no headers of its own) holds no header list.
    content_type: Option<HeaderValue>,
    safety: Safety,
    key: Option<String>,
    errors: Option<CallErrors<'t>>,
    attempt_timeout: Option<Option<Duration>>,
    total_timeout: Option<Option<Duration>>,
    deadline: Option<Instant>,
    limiter: Option<&'t RateLimiter>,
    invalid: Option<Box<Error>>,
}

impl std::fmt::Debug for Call<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("method", &self.method)
            .field("path", &self.url.path())
            .field("safety", &self.safety)
            .finish_non_exhaustive()
    }
}

/// How one attempt ended.
enum Attempt {
    /// An answer, read whole (any status).
    Answer(HttpResponse),
    /// A 2xx answer whose body is left to stream.
    Stream(BodyStream),
    /// The client failed; `sent` unless the connection never opened.
    Network(reqwest::Error),
    /// The attempt's deadline passed after the request may have left.
    TimedOut,
    /// The body was over the cap.
    TooLarge(u16),
    /// A client of the caller's followed a redirect to another origin.
    LeftOrigin(Url),
}

/// Whether the answer is read whole or streamed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Read {
    Whole,
    Stream,
}

impl<'t> Call<'t> {
    pub(super) fn new(transport: &'t Transport, method: Method, url: Url) -> Self {
        let safety = match method {
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS => {
                Safety::Safe
            }
            _ => Safety::Unkeyed,
        };
        Self {
            transport,
            method,
            url,
            headers: Vec::new(),
            body: None,
            content_type: None,
            safety,
            key: None,
            errors: None,
            attempt_timeout: None,
            total_timeout: None,
            deadline: None,
            limiter: None,
            invalid: None,
        }
    }

    fn fail(mut self, error: Error) -> Self {
        self.invalid.get_or_insert(Box::new(error));
        self
    }

    /// Appends query parameters (a key may repeat).
    pub fn query<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        super::append_query(&mut self.url, pairs);
        self
    }

    /// Adds a header; an invalid name or value fails the call with
    /// [`Error::Config`] when it is sent.
    pub fn header(self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let name = name.as_ref();
        match (
            HeaderName::try_from(name),
            HeaderValue::try_from(value.as_ref()),
        ) {
            (Ok(name), Ok(value)) => self.header_value(name, value),
            (Err(e), _) => self.fail(Error::Config(format!("invalid header name {name:?}: {e}"))),
            (_, Err(e)) => self.fail(Error::Config(format!(
                "invalid value for header {name}: {e}"
            ))),
        }
    }

    /// Adds a header, typed (mark a value derived from a secret sensitive).
    pub fn header_value(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The body: `value` as JSON, with `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => self.body_typed(body, HeaderValue::from_static("application/json")),
            Err(e) => self.fail(Error::Config(format!(
                "the body does not serialize to JSON: {e}"
            ))),
        }
    }

    /// The body, as bytes, with its media type.
    pub fn body(mut self, body: impl Into<Bytes>, content_type: Option<&str>) -> Self {
        match content_type.map(HeaderValue::try_from) {
            Some(Ok(value)) => self.body_typed(body, value),
            Some(Err(e)) => self.fail(Error::Config(format!("invalid content type: {e}"))),
            None => {
                self.body = Some(body.into());
                self
            }
        }
    }

    /// The body with its media type, which replaces any `Content-Type` the
    /// call has.
    fn body_typed(mut self, body: impl Into<Bytes>, content_type: HeaderValue) -> Self {
        self.body = Some(body.into());
        self.headers.retain(|(name, _)| name != CONTENT_TYPE);
        self.content_type = Some(content_type);
        self
    }

    /// What the request does on the server, for the retry rules.
    pub fn safety(mut self, safety: Safety) -> Self {
        self.safety = safety;
        self
    }

    /// A request that can start a run, carrying the idempotency key `key`
    /// (in its body or a header, sent unchanged on every attempt):
    /// [`Safety::Keyed`], and the key is kept in an [`Error::Ambiguous`].
    pub fn keyed(mut self, key: impl Into<String>) -> Self {
        self.safety = Safety::Keyed;
        self.key = Some(key.into());
        self
    }

    /// This call's error table, instead of the transport's.
    pub fn errors(mut self, errors: CallErrors<'t>) -> Self {
        self.errors = Some(errors);
        self
    }

    /// This call's attempt timeout (`None`: no limit), instead of the transport's.
    pub fn attempt_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// This call's total timeout (`None`: no limit), instead of the transport's.
    pub fn total_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// A deadline for the whole call (a `wait` deadline): nothing of it runs
    /// past this instant.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(self.deadline.map_or(deadline, |d| d.min(deadline)));
        self
    }

    /// Waits for a token of `limiter` before each attempt (besides the
    /// transport's own limiter); `None` leaves the call as it is.
    pub fn limiter(mut self, limiter: impl Into<Option<&'t RateLimiter>>) -> Self {
        if let Some(limiter) = limiter.into() {
            self.limiter = Some(limiter);
        }
        self
    }

    /// Sends the request and reads the answer whole: `Ok` with a 2xx answer,
    /// or the typed error (see the [module rules](super)).
    ///
    /// # Errors
    ///
    /// The provider's error for a non-2xx answer, [`Error::Ambiguous`],
    /// [`Error::Redirect`], [`Error::TooLarge`], [`Error::Timeout`],
    /// [`Error::Transport`], or [`Error::Config`] for a malformed request.
    // Not an `async fn`: one of those keeps its `self` argument twice in its
    // state (the argument and the local it is moved to); this block holds the
    // call once, so a provider's trigger future stays small.
    pub fn send(self) -> impl Future<Output = Result<HttpResponse>> + Send + 't {
        self.read(Read::Whole, |attempt| match attempt {
            Attempt::Answer(answer) => Some(answer),
            _ => None,
        })
    }

    /// Sends the request once (no retries) and returns a 2xx answer whose
    /// body is read as it arrives; any other answer is the typed error, as
    /// for [`Call::send`]. The attempt timeout covers only the wait for the
    /// answer's head.
    ///
    /// # Errors
    ///
    /// As for [`Call::send`].
    pub fn stream(self) -> impl Future<Output = Result<BodyStream>> + Send + 't {
        self.read(Read::Stream, |attempt| match attempt {
            Attempt::Stream(stream) => Some(stream),
            _ => None,
        })
    }

    /// Sends the call and picks what `read` ends with out of the final
    /// attempt (the one async block the call is moved into).
    fn read<T: Send + 't>(
        self,
        read: Read,
        pick: fn(Attempt) -> Option<T>,
    ) -> impl Future<Output = Result<T>> + Send + 't {
        let mut call = self;
        async move {
            let attempt = call.run(read).await?;
            pick(attempt).ok_or_else(|| {
                Error::Config("internal: a call ended without the answer it reads".into())
            })
        }
    }

    // The call is borrowed, not moved, down the layers: a waiting call
    // (thousands of handles queued for a permit) holds one copy of it.
    async fn run(&mut self, read: Read) -> Result<Attempt> {
        if let Some(error) = self.invalid.take() {
            return Err(*error);
        }
        let span = tracing::debug_span!(
            "http",
            provider = %self.transport.inner.provider,
            method = %self.method,
            path = %self.url.path(),
        );
        // A disabled span (no subscriber listening) is not worth wrapping the
        // call's future for.
        if span.is_disabled() {
            self.send_with_rules(read).await
        } else {
            self.send_with_rules(read).instrument(span).await
        }
    }

    /// Attempts until one ends the call. The awaits here hold little: each
    /// attempt's outcome is judged (synchronously, by [`Call::judge`]) and
    /// dropped before any wait for a retry.
    async fn send_with_rules(&mut self, read: Read) -> Result<Attempt> {
        let options = &self.transport.inner.options;
        let mut rules = Rules::new(
            self.total_timeout.unwrap_or(options.timeouts.total),
            self.deadline,
        );
        loop {
            let permit = match self.free_permit() {
                Some(permit) => permit,
                // Boxed: only a call that must wait holds the waiting state.
                None => match Box::pin(self.permit(rules.deadline)).await {
                    Ok(permit) => permit,
                    Err(never_sent) => return Err(self.finish(never_sent, rules.sent)),
                },
            };
            // Boxed, and only once a permit is held: a call waiting its turn
            // holds a small future, the large one exists only in flight.
            let attempt = Box::pin(self.attempt(read, rules.deadline, permit)).await;
            let wait = match self.judge(attempt, read, &mut rules) {
                Next::Done(outcome) => return outcome,
                Next::Follow => continue,
                Next::RetryAfter(wait) => wait,
            };
            Box::pin(tokio::time::sleep(wait)).await;
        }
    }

    /// What follows an attempt: the call's outcome, a redirect to follow
    /// (the call already points at it), or a retry after a wait.
    fn judge(&mut self, attempt: Attempt, read: Read, rules: &mut Rules) -> Next {
        let options = &self.transport.inner.options;
        let retry = &options.retry;
        let whole = read == Read::Whole;
        match attempt {
            Attempt::Answer(answer) if answer.is_success() => {
                tracing::debug!(status = answer.status, "answer");
                Next::Done(Ok(Attempt::Answer(answer)))
            }
            Attempt::Stream(stream) => Next::Done(Ok(Attempt::Stream(stream))),
            Attempt::Answer(answer) if is_redirect(answer.status) => {
                match self.redirect(&answer, options.redirects, rules.redirects) {
                    Ok(next) => {
                        rules.redirects += 1;
                        self.follow(answer.status, next);
                        Next::Follow
                    }
                    Err(refused) => Next::Done(Err(refused)),
                }
            }
            Attempt::Answer(answer) => {
                rules.sent = true;
                tracing::debug!(status = answer.status, "error answer");
                let retryable = whole
                    && self.safety.retries_answers()
                    && RetryPolicy::is_retryable_status(answer.status);
                if retryable && let Some(wait) = rules.next_wait(retry, answer.retry_after()) {
                    tracing::debug!(status = answer.status, ?wait, "retrying");
                    return Next::RetryAfter(wait);
                }
                let inner = &*self.transport.inner;
                let error = match self.errors {
                    Some(map) => map(&answer),
                    None => match &inner.errors {
                        Some(map) => map(&answer),
                        None => default_error(&answer),
                    },
                };
                Next::Done(Err(self.finish(error, true)))
            }
            Attempt::Network(e) => {
                let connect = e.is_connect();
                rules.sent |= !connect;
                let retryable = whole && (connect || self.safety.retries_answers());
                if retryable && let Some(wait) = rules.next_wait(retry, None) {
                    tracing::debug!(error = %e, ?wait, "retrying");
                    return Next::RetryAfter(wait);
                }
                let error = if e.is_timeout() {
                    Error::Timeout {
                        message: "the request timed out".into(),
                        source: Some(Box::new(e)),
                    }
                } else {
                    Error::transport(
                        if connect {
                            "could not connect"
                        } else {
                            "the connection failed after the request was sent"
                        },
                        Some(Box::new(e) as BoxError),
                    )
                };
                Next::Done(Err(self.finish(error, rules.sent)))
            }
            Attempt::TimedOut => {
                rules.sent = true;
                let out_of_time = rules.deadline.is_some_and(|d| Instant::now() >= d);
                let retryable = whole && self.safety.retries_answers();
                if retryable
                    && !out_of_time
                    && let Some(wait) = rules.next_wait(retry, None)
                {
                    tracing::debug!(?wait, "attempt timed out; retrying");
                    return Next::RetryAfter(wait);
                }
                let message = if out_of_time {
                    format!(
                        "no answer within the deadline ({:?} after the call started)",
                        rules.started.elapsed()
                    )
                } else {
                    format!(
                        "no answer within the attempt timeout of {:?}",
                        self.attempt_timeout
                            .unwrap_or(options.timeouts.attempt)
                            .unwrap_or_default()
                    )
                };
                Next::Done(Err(self.finish(Error::timeout(message), true)))
            }
            Attempt::TooLarge(status) => Next::Done(Err(Error::TooLarge {
                what: "the answer body".into(),
                limit: options.max_answer_size,
                status: Some(status),
            })),
            Attempt::LeftOrigin(to) => Next::Done(Err(Error::Redirect {
                reason: "the HTTP client given in ClientOptions followed a redirect to \
                         another origin; build it with redirect::Policy::none()"
                    .into(),
                location: to.to_string(),
                error: Box::new(ApiError::new(None, "redirected to another origin")),
            })),
        }
    }

    /// A slot under the concurrency cap, when one is free at once and no
    /// limiter must be asked first (the common case, with no timer).
    fn free_permit(&self) -> Option<SemaphorePermit<'t>> {
        let inner = &self.transport.inner;
        if self.limiter.is_some() || inner.limiter.is_some() {
            return None;
        }
        inner.shared.permits.try_acquire().ok()
    }

    /// Waits for the rate limiters and a free slot under the concurrency cap;
    /// `Err` when the deadline passed first (nothing was sent).
    async fn permit(&self, deadline: Option<Instant>) -> Result<SemaphorePermit<'t>> {
        let inner = &*self.transport.inner;
        let queued = async {
            if let Some(limiter) = self.limiter {
                limiter.acquire().await;
            }
            if let Some(limiter) = &inner.limiter {
                limiter.acquire().await;
            }
            inner.shared.permits.acquire().await
        };
        match within(deadline, queued).await {
            Some(Ok(permit)) => Ok(permit),
            Some(Err(_closed)) => Err(Error::Config("the client was shut down".into())),
            None => Err(Error::timeout(
                "the deadline passed before the request could be sent (rate limit or \
                 concurrency cap)",
            )),
        }
    }

    /// One attempt, holding `permit` until it ends.
    async fn attempt(
        &self,
        read: Read,
        deadline: Option<Instant>,
        permit: SemaphorePermit<'t>,
    ) -> Attempt {
        let inner = &*self.transport.inner;
        let attempt_timeout = self
            .attempt_timeout
            .unwrap_or(inner.options.timeouts.attempt);
        let attempt_deadline = match (attempt_timeout.map(|t| Instant::now() + t), deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let max = inner.options.max_answer_size;
        let work = async {
            let mut response = match inner.shared.client.execute(self.request()).await {
                Ok(response) => response,
                Err(e) => return Attempt::Network(e),
            };
            if !same_origin(response.url(), &self.url) {
                return Attempt::LeftOrigin(response.url().clone());
            }
            if read == Read::Stream && response.status().is_success() {
                return Attempt::Stream(BodyStream::new(response));
            }
            match read_capped(&mut response, max).await {
                Ok(answer) => Attempt::Answer(answer),
                Err((status, ReadError::TooLarge)) => Attempt::TooLarge(status),
                Err((_, ReadError::Network(e))) => Attempt::Network(e),
            }
        };
        let attempt = within(attempt_deadline, work)
            .await
            .unwrap_or(Attempt::TimedOut);
        drop(permit);
        attempt
    }

    /// The `reqwest::Request` of one attempt: the transport's headers (auth,
    /// User-Agent, extra headers), the call's, its body's media type, and its
    /// body.
    fn request(&self) -> reqwest::Request {
        let inner = &*self.transport.inner;
        let mut request = reqwest::Request::new(self.method.clone(), self.url.clone());
        // Sized once for all of them and the `Accept` reqwest adds: a map
        // grown header by header is allocated again at each step.
        // `try_`: a header count past the map's limit does not panic here.
        let count = inner.headers.len() + self.headers.len() + 2;
        let mut headers = HeaderMap::try_with_capacity(count).unwrap_or_default();
        for (name, value) in &inner.headers {
            headers.append(name, value.clone());
        }
        for (name, value) in &self.headers {
            headers.append(name, value.clone());
        }
        if let Some(content_type) = &self.content_type {
            headers.append(CONTENT_TYPE, content_type.clone());
        }
        *request.headers_mut() = headers;
        if let Some(body) = &self.body {
            *request.body_mut() = Some(body.clone().into());
        }
        request
    }

    /// Where a redirect leads, if it may be followed.
    fn redirect(&self, answer: &HttpResponse, policy: Redirects, followed: u8) -> Result<Url> {
        let location = answer.header(LOCATION.as_str()).unwrap_or_default();
        let refuse = |reason: String, location: String| Error::Redirect {
            reason,
            location,
            error: Box::new(answer.api_error(format!("HTTP {} redirect", answer.status))),
        };
        let Ok(next) = self.url.join(location) else {
            return Err(refuse(
                "the redirect has no valid Location".into(),
                location.to_owned(),
            ));
        };
        if self.safety != Safety::Safe {
            return Err(refuse(
                "a request that can start a run follows no redirect (it could run twice, or \
                 send its body and credentials elsewhere)"
                    .into(),
                next.to_string(),
            ));
        }
        if !same_origin(&next, &self.url) {
            return Err(refuse(
                format!(
                    "it leaves {} for another origin, and credentials never follow",
                    self.url.origin().ascii_serialization()
                ),
                next.to_string(),
            ));
        }
        match policy {
            Redirects::SameOrigin { max } if followed < max => Ok(next),
            Redirects::SameOrigin { max } => Err(refuse(
                format!("more than {max} redirects"),
                next.to_string(),
            )),
            Redirects::None => Err(refuse(
                "redirects are off (ClientOptions::redirects)".into(),
                next.to_string(),
            )),
        }
    }

    /// Points the call at a redirect's target (303, and 301/302 of a POST,
    /// become a `GET` without a body).
    fn follow(&mut self, status: u16, next: Url) {
        tracing::debug!(status, to = %next.path(), "following a same-origin redirect");
        if status == 303 || (matches!(status, 301 | 302) && self.method == Method::POST) {
            self.method = Method::GET;
            self.body = None;
            self.content_type = None;
            self.headers
                .retain(|(name, _)| name != CONTENT_TYPE && name != CONTENT_LENGTH);
        }
        self.url = next;
    }

    /// The final error, after the rules for requests that can start a run.
    fn finish(&self, error: Error, sent: bool) -> Error {
        if self.safety == Safety::Safe || !sent {
            return error;
        }
        let key = self.key.clone();
        match error {
            Error::Transport { message, source } => Error::Ambiguous {
                reason: message,
                error: None,
                idempotency_key: key,
                source,
            },
            Error::Timeout { message, source } => Error::Ambiguous {
                reason: message,
                error: None,
                idempotency_key: key,
                source,
            },
            // A keyed request: any 408/5xx after the retries. Without a key:
            // one that does not carry the provider's own error code (a
            // proxy's 502, an HTML page), which is no word on the run.
            Error::Server(api) | Error::Http(api)
                if api.status.is_some_and(|s| s == 408 || s >= 500)
                    && (self.safety == Safety::Keyed || api.code.is_none()) =>
            {
                Error::Ambiguous {
                    reason: format!(
                        "HTTP {} answered a request that can start a run",
                        api.status.unwrap_or_default()
                    ),
                    error: Some(api),
                    idempotency_key: key,
                    source: None,
                }
            }
            Error::Ambiguous {
                reason,
                error,
                idempotency_key,
                source,
            } => Error::Ambiguous {
                reason,
                error,
                idempotency_key: idempotency_key.or(key),
                source,
            },
            other => other,
        }
    }
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The answer mapped by status, for a transport without an error table.
fn default_error(answer: &HttpResponse) -> Error {
    let text = answer.text();
    let text = text.trim();
    let message = if text.is_empty() {
        format!("HTTP {} with an empty body", answer.status)
    } else {
        text.chars().take(200).collect()
    };
    Error::from_status(answer.api_error(message), answer.retry_after())
}

/// What one call keeps between its attempts.
struct Rules {
    started: Instant,
    /// The earlier of the total timeout and the caller's deadline.
    deadline: Option<Instant>,
    /// The backoff delays, made at the first retry (most calls never retry;
    /// boxed, so a call's future does not carry them).
    delays: Option<Box<backon::ExponentialBackoff>>,
    /// Whether an attempt may have reached the server.
    sent: bool,
    /// Redirects followed so far.
    redirects: u8,
}

/// How an attempt ends the call, or not.
// Returned and matched at once, never kept across an await: boxing the
// outcome would cost every call an allocation.
#[allow(clippy::large_enum_variant)]
enum Next {
    /// The call's outcome.
    Done(Result<Attempt>),
    /// A same-origin redirect to follow now.
    Follow,
    /// Another attempt after this wait.
    RetryAfter(Duration),
}

impl Rules {
    fn new(total: Option<Duration>, deadline: Option<Instant>) -> Self {
        let started = Instant::now();
        let deadline = match (total.map(|t| started + t), deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Self {
            started,
            deadline,
            delays: None,
            sent: false,
            redirects: 0,
        }
    }

    /// The wait before the next attempt, if there is one and it ends before
    /// the deadline.
    fn next_wait(
        &mut self,
        retry: &RetryPolicy,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        let backoff = self
            .delays
            .get_or_insert_with(|| Box::new(retry.backoff().build()))
            .next()?;
        let wait = match retry_after {
            Some(wait) if wait > retry.max_retry_after => return None,
            Some(wait) => wait,
            None => backoff,
        };
        match self.deadline {
            Some(deadline) if Instant::now() + wait >= deadline => None,
            _ => Some(wait),
        }
    }
}

/// Runs `work` until `deadline` (`None`: without limit); `None` when the
/// deadline passed first. A plain function returning an `Either`, not an
/// `async fn`: an `async fn` would keep a second copy of `work` in its state.
pub(crate) fn within<F: std::future::Future>(
    deadline: Option<Instant>,
    work: F,
) -> impl std::future::Future<Output = Option<F::Output>> {
    use futures::FutureExt;
    match deadline {
        None => futures::future::Either::Left(work.map(Some)),
        Some(deadline) => {
            futures::future::Either::Right(tokio::time::timeout_at(deadline, work).map(Result::ok))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Auth, ClientOptions, Secret, run::Provider};

    fn transport() -> Transport {
        Transport::builder(Provider::new("unit"), "http://127.0.0.1:9")
            .options(ClientOptions::new().header("x-extra", "e"))
            .auth(Auth::header("x-api-key", Secret::new("k")))
            .build()
            .expect("transport")
    }

    /// Every value of `name` in `request`, in order.
    fn values(request: &reqwest::Request, name: &str) -> Vec<String> {
        request
            .headers()
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn a_request_carries_the_transports_headers_the_calls_and_the_bodys_type() {
        let t = transport();
        let url = t.url("run").unwrap();
        let call = t
            .post(url)
            .header("x-trace", "1")
            .header("x-trace", "2")
            .json(&serde_json::json!({"a": 1}));
        let request = call.request();
        assert_eq!(
            values(&request, "user-agent"),
            [super::super::USER_AGENT_VALUE]
        );
        assert_eq!(values(&request, "x-extra"), ["e"]);
        assert_eq!(values(&request, "x-api-key"), ["k"]);
        assert!(request.headers()["x-api-key"].is_sensitive());
        assert_eq!(values(&request, "x-trace"), ["1", "2"]);
        assert_eq!(values(&request, "content-type"), ["application/json"]);
        assert_eq!(request.headers().len(), 6);
        let body = request.body().and_then(|b| b.as_bytes()).unwrap();
        assert_eq!(body, br#"{"a":1}"#);
    }

    #[test]
    fn the_bodys_type_replaces_a_content_type_set_before_and_a_303_drops_both() {
        let t = transport();
        let url = t.url("run").unwrap();
        let mut call = t
            .call(Method::PUT, url.clone())
            .header("content-type", "text/plain")
            .header("content-length", "3")
            .body("abc", Some("application/x-www-form-urlencoded"));
        let request = call.request();
        assert_eq!(
            values(&request, "content-type"),
            ["application/x-www-form-urlencoded"]
        );
        call.follow(303, url.join("next").unwrap());
        let request = call.request();
        assert_eq!(request.method(), Method::GET);
        assert!(request.body().is_none());
        assert!(values(&request, "content-type").is_empty());
        assert!(values(&request, "content-length").is_empty());
        assert_eq!(values(&request, "x-api-key"), ["k"]);
    }

    #[test]
    fn a_body_without_a_type_keeps_the_calls_content_type() {
        let t = transport();
        let url = t.url("run").unwrap();
        let request = t
            .post(url)
            .header("content-type", "text/csv")
            .body("a,b", None)
            .request();
        assert_eq!(values(&request, "content-type"), ["text/csv"]);
    }
}
