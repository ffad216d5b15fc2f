//! [`Transport`]: the one HTTP client every provider sends through — shared
//! connection pool, base URL, auth, timeouts, User-Agent, tracing, retries
//! (with `backon`) and an optional rate limiter.
//!
//! The retry rules never run a workflow twice:
//! - [`Safety::Safe`] requests (reads, status polls) and [`Safety::Keyed`]
//!   ones (a trigger with an idempotency key, sent unchanged) are retried on
//!   network errors, 408, 429 and 5xx, waiting `Retry-After` when the server
//!   gives one (capped by [`RetryPolicy::max_retry_after`]);
//! - [`Safety::Unkeyed`] requests (a trigger without a key) are retried only
//!   when the connection was refused before anything was sent; any failure
//!   after sending is [`Error::Ambiguous`].

mod limiter;
mod response;
mod retry;

use std::{sync::Arc, time::Duration};

use backon::Retryable;
use reqwest::{
    Method, RequestBuilder,
    header::{HeaderName, HeaderValue, USER_AGENT},
};
use tracing::Instrument;
use url::Url;

pub use limiter::{RateLimit, RateLimiter};
pub use response::{HttpResponse, parse_retry_after};
pub use retry::{RetryPolicy, Safety};

use crate::{
    auth::Auth,
    error::{Error, Result},
    run::Provider,
};

/// The User-Agent of every request. It must never contain "bot": n8n answers
/// such agents with an empty 204.
pub const USER_AGENT_VALUE: &str = concat!("trigger-sdk/", env!("CARGO_PKG_VERSION"));

/// Timeouts of a [`Transport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To open a connection.
    pub connect: Duration,
    /// For one attempt, from sending to the end of the body; `None` for no limit.
    pub attempt: Option<Duration>,
    /// For the whole call, retries included; `None` for no limit.
    pub total: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            attempt: Some(Duration::from_secs(30)),
            total: Some(Duration::from_secs(120)),
        }
    }
}

struct Inner {
    client: reqwest::Client,
    base: Url,
    auth_header: Option<(HeaderName, HeaderValue)>,
    auth: Auth,
    retry: RetryPolicy,
    timeouts: Timeouts,
    limiter: Option<RateLimiter>,
    provider: Provider,
}

/// The HTTP client of one provider client or trigger. Cloning is cheap and
/// shares the connection pool and the rate limiter.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("provider", &self.inner.provider)
            .field("base", &self.inner.base.as_str())
            .field("auth", &self.inner.auth)
            .field("retry", &self.inner.retry)
            .field("timeouts", &self.inner.timeouts)
            .field(
                "rate_limit",
                &self.inner.limiter.as_ref().map(|l| l.limit()),
            )
            .finish()
    }
}

/// Builds a [`Transport`].
#[derive(Debug, Clone)]
pub struct TransportBuilder {
    provider: Provider,
    base_url: String,
    client: Option<reqwest::Client>,
    auth: Auth,
    retry: RetryPolicy,
    timeouts: Timeouts,
    rate_limit: Option<RateLimit>,
}

impl TransportBuilder {
    /// Uses this `reqwest::Client` (and its connection pool) instead of a new one.
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Sets the credentials sent with every request.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets all timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = timeout;
        self
    }

    /// Sets the timeout of one attempt (`None`: no limit).
    pub fn attempt_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeouts.attempt = timeout;
        self
    }

    /// Sets the timeout of a whole call, retries included (`None`: no limit).
    pub fn total_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeouts.total = timeout;
        self
    }

    /// Keeps this client under `limit` with a token bucket.
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Builds the transport; fails on an invalid base URL or credential.
    pub fn build(self) -> Result<Transport> {
        let mut base = Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("invalid base URL {:?}: {e}", self.base_url)))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "base URL {:?} must be http(s)",
                self.base_url
            )));
        }
        base.set_query(None);
        base.set_fragment(None);
        let client = match self.client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .user_agent(USER_AGENT_VALUE)
                .connect_timeout(self.timeouts.connect)
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                client,
                base,
                auth_header: self.auth.to_header()?,
                auth: self.auth,
                retry: self.retry,
                timeouts: self.timeouts,
                limiter: self.rate_limit.map(RateLimiter::new),
                provider: self.provider,
            }),
        })
    }
}

impl Transport {
    /// A builder for `provider` at `base_url` (which may have a path prefix).
    pub fn builder(provider: Provider, base_url: impl Into<String>) -> TransportBuilder {
        TransportBuilder {
            provider,
            base_url: base_url.into(),
            client: None,
            auth: Auth::None,
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            rate_limit: None,
        }
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The provider.
    pub fn provider(&self) -> Provider {
        self.inner.provider
    }

    /// The underlying `reqwest::Client` (for streaming requests).
    pub fn client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    /// The credentials.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.inner.timeouts
    }

    /// The base URL with `path` appended, segment by segment (each one
    /// percent-encoded; empty segments skipped).
    pub fn url(&self, path: &str) -> Result<Url> {
        let mut url = self.inner.base.clone();
        url.path_segments_mut()
            .map_err(|()| Error::Config("base URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(path.split('/').filter(|s| !s.is_empty()));
        Ok(url)
    }

    /// A request with the auth header, the User-Agent and the attempt timeout set.
    pub fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let builder = self.stream_request(method, url);
        match self.inner.timeouts.attempt {
            Some(timeout) => builder.timeout(timeout),
            None => builder,
        }
    }

    /// A request with the auth header and the User-Agent but no attempt
    /// timeout, for long-lived streams (SSE, NDJSON) whose body has no end
    /// in sight; the connect timeout still applies.
    pub fn stream_request(&self, method: Method, url: Url) -> RequestBuilder {
        let mut builder = self
            .inner
            .client
            .request(method, url)
            .header(USER_AGENT, USER_AGENT_VALUE);
        if let Some((name, value)) = &self.inner.auth_header {
            builder = builder.header(name.clone(), value.clone());
        }
        builder
    }

    /// The auth header, value marked sensitive (for requests built elsewhere,
    /// such as an SSE reconnect).
    pub fn auth_header(&self) -> Option<(HeaderName, HeaderValue)> {
        self.inner.auth_header.clone()
    }

    /// Sends a request with the retry rules of `safety` and reads the answer
    /// whole. Any HTTP answer is `Ok` (error statuses included, after the
    /// retries); the provider maps error answers to typed errors.
    pub async fn send(&self, request: RequestBuilder, safety: Safety) -> Result<HttpResponse> {
        let request = request
            .build()
            .map_err(|e| Error::Config(format!("invalid request: {e}")))?;
        let span = tracing::debug_span!(
            "http",
            provider = %self.inner.provider,
            method = %request.method(),
            path = %request.url().path(),
        );
        let work = self.send_with_retries(request, safety).instrument(span);
        match self.inner.timeouts.total {
            None => work.await,
            Some(total) => match tokio::time::timeout(total, work).await {
                Ok(result) => result,
                Err(_) if safety == Safety::Unkeyed => Err(Error::Ambiguous {
                    reason: format!("no answer within the total timeout of {total:?}"),
                    error: None,
                }),
                Err(_) => Err(Error::Timeout(format!(
                    "no answer within the total timeout of {total:?}"
                ))),
            },
        }
    }

    async fn send_with_retries(
        &self,
        request: reqwest::Request,
        safety: Safety,
    ) -> Result<HttpResponse> {
        let retry = self.inner.retry;
        let attempt = || async {
            let request = request.try_clone().ok_or(Attempt::NotCloneable)?;
            if let Some(limiter) = &self.inner.limiter {
                limiter.acquire().await;
            }
            let mut response = self
                .inner
                .client
                .execute(request)
                .await
                .map_err(Attempt::Network)?;
            let status = response.status().as_u16();
            let headers = std::mem::take(response.headers_mut());
            let body = response.bytes().await.map_err(Attempt::Network)?;
            let answer = HttpResponse {
                status,
                headers,
                body,
            };
            tracing::debug!(status, "answer");
            if safety.retries_answers() && RetryPolicy::is_retryable_status(status) {
                return Err(Attempt::Retryable(answer));
            }
            Ok(answer)
        };
        let result = attempt
            .retry(retry.backoff())
            .sleep(tokio::time::sleep)
            .when(|e| match e {
                Attempt::Retryable(_) => true,
                Attempt::Network(e) => safety.retries_answers() || e.is_connect(),
                Attempt::NotCloneable => false,
            })
            .adjust(|e, backoff| {
                let backoff = backoff?;
                match e {
                    Attempt::Retryable(answer) => match answer.retry_after() {
                        Some(wait) if wait > retry.max_retry_after => None,
                        Some(wait) => Some(wait),
                        None => Some(backoff),
                    },
                    _ => Some(backoff),
                }
            })
            .notify(|e, wait| tracing::debug!(error = %e, ?wait, "retrying"))
            .await;
        match result {
            Ok(answer) | Err(Attempt::Retryable(answer)) => Ok(answer),
            Err(Attempt::NotCloneable) => Err(Error::Config(
                "a streaming body cannot be sent with retries".into(),
            )),
            Err(Attempt::Network(e)) => Err(network_error(e, safety)),
        }
    }
}

/// Why one attempt did not give a final answer.
#[derive(Debug)]
enum Attempt {
    Retryable(HttpResponse),
    Network(reqwest::Error),
    NotCloneable,
}

impl std::fmt::Display for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Retryable(answer) => write!(f, "HTTP {}", answer.status),
            Self::Network(e) => write!(f, "{e}"),
            Self::NotCloneable => f.write_str("body not cloneable"),
        }
    }
}

/// Maps a network failure to `Ambiguous` when the request may have been
/// processed, and to `Transport` / `Timeout` otherwise.
fn network_error(e: reqwest::Error, safety: Safety) -> Error {
    if safety == Safety::Unkeyed && !e.is_connect() {
        return Error::Ambiguous {
            reason: if e.is_timeout() {
                "the request was sent but no answer came before the timeout".into()
            } else {
                format!("the connection failed after the request was sent: {e}")
            },
            error: None,
        };
    }
    if e.is_timeout() {
        return Error::Timeout(format!("request timed out: {e}"));
    }
    Error::Transport {
        message: e.to_string(),
        source: Some(e),
    }
}
