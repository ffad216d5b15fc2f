//! [`Transport`]: the one HTTP path every provider request takes — client,
//! base URL, auth, timeouts, User-Agent, tracing, retries (with `backon`),
//! rate limit, concurrency cap, answer cap, redirect and plain-http rules,
//! and the classification of every outcome.
//!
//! A provider builds a [`Transport`] from [`ClientOptions`], declares its
//! error table once ([`TransportBuilder::errors`]), and sends each request as
//! a [`Call`] that states its [`Safety`]. The rules live here, once:
//!
//! - [`Safety::Safe`] requests (reads, status polls) and [`Safety::Keyed`]
//!   ones (a request that can start a run, with an idempotency key, sent
//!   unchanged) are retried on network errors, 408, 429 and 5xx, waiting
//!   `Retry-After` when the server gives one (capped by
//!   [`RetryPolicy::max_retry_after`]), within the total timeout;
//! - [`Safety::Unkeyed`] requests (they can start a run and carry no key)
//!   are retried only when the connection was refused before anything was
//!   sent; any failure after sending — a timeout, a dropped connection, a
//!   408 or 5xx without the provider's own error code (a proxy's 502, an
//!   HTML page) — is [`Error::Ambiguous`]; an error answer in the provider's
//!   own shape is the provider's word and is returned as its typed error;
//! - a keyed request whose retries ran out after an attempt was sent is
//!   [`Error::Ambiguous`] too, carrying the key ([`Error::idempotency_key`]):
//!   resending with it is safe;
//! - redirects: never one that changes origin, none at all for a request that
//!   can start a run ([`Error::Redirect`] names the location), same-origin
//!   redirects of reads per [`Redirects`];
//! - answers are read up to [`ClientOptions::max_answer_size`]
//!   ([`Error::TooLarge`] past it), within the attempt and total timeouts;
//! - credentials over plain `http://` to a host that is not loopback are a
//!   [`Error::Config`] unless [`ClientOptions::allow_insecure_http`];
//! - at most [`ClientOptions::max_concurrent_requests`] requests per client
//!   are in flight.

mod body;
mod call;
mod limiter;
pub mod lines;
mod options;
mod origin;
mod response;
mod retry;
pub mod tls;

use std::{sync::Arc, time::Duration};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use tokio::sync::Semaphore;
use url::Url;

pub use body::BodyStream;
pub(crate) use call::within;
pub use call::{Call, ErrorMap};
pub use limiter::{RateLimit, RateLimiter};
pub use options::{
    ClientOptions, DEFAULT_MAX_ANSWER_SIZE, DEFAULT_MAX_CONCURRENT_REQUESTS, Redirects, Timeouts,
};
pub use response::{HttpResponse, is_json_content_type, parse_retry_after};
pub use retry::{RetryPolicy, Safety};

use crate::{
    auth::Auth,
    error::{Error, Result},
    run::Provider,
};

/// The User-Agent of every request. It must never contain "bot": n8n answers
/// such agents with an empty 204.
pub const USER_AGENT_VALUE: &str = concat!("trigger-sdk/", env!("CARGO_PKG_VERSION"));

/// A `reqwest::ClientBuilder` with the settings the SDK relies on (no
/// redirects followed by the client itself, the SDK's User-Agent, the TLS
/// backend chosen by feature, see [`tls`]):
/// start here to give a client of your own to
/// [`ClientOptions::http_client`].
pub fn http_client_builder() -> reqwest::ClientBuilder {
    tls::prepare(
        reqwest::Client::builder()
            .user_agent(USER_AGENT_VALUE)
            .redirect(reqwest::redirect::Policy::none()),
    )
}

/// What the transports of one provider client share: the HTTP client and
/// the cap on requests in flight.
#[derive(Debug)]
struct Shared {
    client: reqwest::Client,
    permits: Semaphore,
}

struct Inner {
    shared: Arc<Shared>,
    provider: Provider,
    base: Url,
    auth: Auth,
    /// User-Agent, extra headers and the auth header (marked sensitive).
    headers: HeaderMap,
    errors: Option<ErrorMap>,
    limiter: Option<Arc<RateLimiter>>,
    options: ClientOptions,
}

/// The HTTP client of one provider client or trigger. Cloning is cheap and
/// shares the connection pool, the concurrency cap and the rate limiter.
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
            .field("retry", &self.inner.options.retry)
            .field("timeouts", &self.inner.options.timeouts)
            .field(
                "rate_limit",
                &self.inner.limiter.as_ref().map(|l| l.limit()),
            )
            .finish()
    }
}

/// Builds a [`Transport`].
#[derive(Clone)]
pub struct TransportBuilder {
    provider: Provider,
    base_url: String,
    options: ClientOptions,
    auth: Auth,
    errors: Option<ErrorMap>,
    carries_secret: bool,
    shared: Option<Arc<Shared>>,
    limiter: Option<Arc<RateLimiter>>,
}

impl std::fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl TransportBuilder {
    /// Takes every option from `options`.
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Uses this `reqwest::Client` (see [`ClientOptions::http_client`]).
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.options.http_client = Some(client);
        self
    }

    /// Sets the credentials sent with every request.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Declares that requests carry a value derived from a secret (a
    /// signature), so the plain-http rule applies as for credentials.
    pub fn carries_secret(mut self) -> Self {
        self.carries_secret = true;
        self
    }

    /// The provider's error table: maps every non-2xx answer to a typed
    /// error (a [`Call`] may override it). Without one, answers map by
    /// status ([`Error::from_status`]).
    pub fn errors(
        mut self,
        errors: impl Fn(&HttpResponse) -> Error + Send + Sync + 'static,
    ) -> Self {
        self.errors = Some(Arc::new(errors));
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.options.retry = retry;
        self
    }

    /// Sets all timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.options.timeouts = timeouts;
        self
    }

    /// Sets the timeout of one attempt (`None`: no limit).
    pub fn attempt_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.options.timeouts.attempt = timeout;
        self
    }

    /// Sets the timeout of a whole call, retries included (`None`: no limit).
    pub fn total_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.options.timeouts.total = timeout;
        self
    }

    /// Keeps this transport under `limit` with a token bucket of its own.
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.options.rate_limit = limit;
        self.limiter = None;
        self
    }

    /// Shares `other`'s HTTP client, concurrency cap and rate limiter (one
    /// provider client with several bases or credentials).
    pub fn sharing(mut self, other: &Transport) -> Self {
        self.shared = Some(other.inner.shared.clone());
        self.limiter = other.inner.limiter.clone();
        self
    }

    /// Builds the transport; fails on an invalid base URL, header or
    /// credential, or credentials over plain http to a remote host.
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
        let credentialed = self.carries_secret || !matches!(self.auth, Auth::None);
        if credentialed && !self.options.allow_insecure_http {
            origin::refuse_plain_http(&base)?;
        }
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        for (name, value) in &self.options.headers {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|e| Error::Config(format!("invalid header name {name:?}: {e}")))?;
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|e| Error::Config(format!("invalid value for header {name}: {e}")))?;
            headers.append(name, value);
        }
        if let Some((name, value)) = self.auth.to_header()? {
            headers.insert(name, value);
        }
        let shared = match self.shared {
            Some(shared) => shared,
            None => Arc::new(Shared {
                client: match &self.options.http_client {
                    Some(client) => client.clone(),
                    None => tls::refuse_https_without_tls(&base).and_then(|()| {
                        http_client_builder()
                            .connect_timeout(self.options.timeouts.connect)
                            .build()
                            .map_err(|e| {
                                Error::Config(format!("cannot build the HTTP client: {e}"))
                            })
                    })?,
                },
                permits: Semaphore::new(self.options.max_concurrent_requests.max(1)),
            }),
        };
        let limiter = match self.limiter {
            Some(limiter) => Some(limiter),
            None => self
                .options
                .rate_limit
                .map(|l| Arc::new(RateLimiter::new(l))),
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                shared,
                provider: self.provider,
                base,
                auth: self.auth,
                headers,
                errors: self.errors,
                limiter,
                options: self.options,
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
            options: ClientOptions::default(),
            auth: Auth::None,
            errors: None,
            carries_secret: false,
            shared: None,
            limiter: None,
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

    /// The credentials.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The options this transport was built from.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.inner.options.timeouts
    }

    /// The base URL with `path` appended, segment by segment (`/` separates
    /// segments; each is percent-encoded; empty segments are skipped).
    pub fn url(&self, path: &str) -> Result<Url> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        join(&self.inner.base, &segments)
    }

    /// The base URL with `segments` appended, each percent-encoded whole
    /// (an id with a `/` stays one segment). An empty segment — an id that
    /// is missing — is [`Error::Config`].
    pub fn endpoint(&self, segments: &[&str]) -> Result<Url> {
        if let Some(empty) = segments.iter().position(|s| s.is_empty()) {
            return Err(Error::Config(format!(
                "path segment {empty} of {segments:?} is empty (an id is missing)"
            )));
        }
        join(&self.inner.base, segments)
    }

    /// A request to `url`, to be sent with [`Call::send`] or [`Call::stream`].
    pub fn call(&self, method: reqwest::Method, url: Url) -> Call<'_> {
        Call::new(self, method, url)
    }

    /// A `GET` of `url`.
    pub fn get(&self, url: Url) -> Call<'_> {
        self.call(reqwest::Method::GET, url)
    }

    /// A `POST` to `url`.
    pub fn post(&self, url: Url) -> Call<'_> {
        self.call(reqwest::Method::POST, url)
    }
}

/// Appends `pairs` to the query of `url`, form-encoded (a key may repeat);
/// no pairs leave the URL as it is (no `?` either). What [`Call::query`]
/// and the request preview both write.
pub(crate) fn append_query<K: AsRef<str>, V: AsRef<str>>(
    url: &mut Url,
    pairs: impl IntoIterator<Item = (K, V)>,
) {
    let mut pairs = pairs.into_iter().peekable();
    if pairs.peek().is_some() {
        url.query_pairs_mut().extend_pairs(pairs);
    }
}

/// `base` with `segments` appended, each percent-encoded whole.
fn join(base: &Url, segments: &[&str]) -> Result<Url> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| Error::Config("the base URL cannot take a path".into()))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_are_appended_form_encoded_and_none_leave_the_url() {
        let mut url = Url::parse("http://h/p").unwrap();
        append_query(&mut url, std::iter::empty::<(&str, &str)>());
        assert_eq!(url.as_str(), "http://h/p");
        append_query(&mut url, [("a b", "1&2"), ("k", "x")]);
        append_query(&mut url, [("k", "y=é")]);
        assert_eq!(url.as_str(), "http://h/p?a+b=1%262&k=x&k=y%3D%C3%A9");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [("a b", "1&2"), ("k", "x"), ("k", "y=é")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }
}
