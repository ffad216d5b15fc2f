//! [`ClientOptions`]: what every provider client is built from — the HTTP
//! client, timeouts, retries, rate limit, answer cap, redirect and plain-http
//! policy, concurrency cap, extra headers and the poll backoff.
//!
//! Every provider builder takes a `ClientOptions` whole (`.options(…)`) or
//! one field at a time, under the same method names everywhere (the
//! [`crate::client_options_methods`] macro writes them); the providers'
//! environment constructors come from [`crate::env_constructors`].

use std::time::Duration;

use crate::{
    poll::PollPolicy,
    transport::{RateLimit, RetryPolicy},
};

/// The default cap on an answer body: 32 MiB.
pub const DEFAULT_MAX_ANSWER_SIZE: usize = 32 * 1024 * 1024;

/// The default cap on requests in flight per client: 32.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 32;

/// Timeouts of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// To open a connection (10 s by default).
    pub connect: Duration,
    /// For one attempt, from sending to the end of the body (30 s by
    /// default); `None` for no limit.
    pub attempt: Option<Duration>,
    /// For the whole call, retries and their waits included (120 s by
    /// default); `None` for no limit.
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

impl Timeouts {
    /// These timeouts, with a connect timeout of `connect`.
    pub fn connect(mut self, connect: Duration) -> Self {
        self.connect = connect;
        self
    }

    /// These timeouts, with an attempt timeout of `attempt` (`None`: no limit).
    pub fn attempt(mut self, attempt: Option<Duration>) -> Self {
        self.attempt = attempt;
        self
    }

    /// These timeouts, with a total timeout of `total` (`None`: no limit).
    pub fn total(mut self, total: Option<Duration>) -> Self {
        self.total = total;
        self
    }
}

/// Which redirects a client follows.
///
/// Whatever the policy, a redirect that changes origin (scheme, host or
/// port) is never followed — credentials, signatures and bodies never reach
/// a host other than the one configured — and a request that can start a
/// run follows no redirect at all. Either is [`crate::Error::Redirect`],
/// naming the location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Redirects {
    /// Follow none: every 3xx is [`crate::Error::Redirect`].
    None,
    /// Follow up to `max` redirects of reads within the same origin (the
    /// default, with `max` 5).
    SameOrigin {
        /// The most redirects followed for one request.
        max: u8,
    },
}

impl Default for Redirects {
    fn default() -> Self {
        Self::SameOrigin { max: 5 }
    }
}

/// What a provider client is built from. Every provider builder takes it
/// whole (`.options(…)`) or field by field, under the same method names.
///
/// ```
/// use std::time::Duration;
/// use trigger_sdk_core::{ClientOptions, RetryPolicy};
///
/// let options = ClientOptions::new()
///     .total_timeout(Some(Duration::from_secs(20)))
///     .retry(RetryPolicy::none())
///     .max_answer_size(1024 * 1024)
///     .header("x-request-source", "billing");
/// assert_eq!(options.max_answer_size, 1024 * 1024);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The `reqwest::Client` to send with, to share one connection pool (or
    /// TLS settings) between clients. It must not follow redirects itself:
    /// build it with `reqwest::redirect::Policy::none()` (see
    /// [`crate::transport::http_client_builder`]); an answer it reached
    /// through a redirect to another origin is refused. `None` (the
    /// default): each provider client gets its own, built by the core.
    pub http_client: Option<reqwest::Client>,
    /// Connect, attempt and total timeouts.
    pub timeouts: Timeouts,
    /// How failed requests are retried (never a request that could start a
    /// second run).
    pub retry: RetryPolicy,
    /// A client-side rate limit (each provider documents how it counts).
    pub rate_limit: Option<RateLimit>,
    /// The largest answer body read, in bytes ([`DEFAULT_MAX_ANSWER_SIZE`]);
    /// a larger one is [`crate::Error::TooLarge`].
    pub max_answer_size: usize,
    /// Which redirects are followed.
    pub redirects: Redirects,
    /// Allows credentials over plain `http://` to a host that is not
    /// loopback (off by default: such a client is a configuration error).
    pub allow_insecure_http: bool,
    /// The most requests of one client in flight at once
    /// ([`DEFAULT_MAX_CONCURRENT_REQUESTS`]); others wait their turn, so
    /// thousands of waiting handles share a bounded pool. Long-lived
    /// streams (SSE, NDJSON) count only while they open.
    pub max_concurrent_requests: usize,
    /// Headers sent with every request (never the place for a credential:
    /// use the provider's auth settings, which are redacted and checked).
    pub headers: Vec<(String, String)>,
    /// How handles poll a run's status.
    pub poll: PollPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            http_client: None,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            rate_limit: None,
            max_answer_size: DEFAULT_MAX_ANSWER_SIZE,
            redirects: Redirects::default(),
            allow_insecure_http: false,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            headers: Vec::new(),
            poll: PollPolicy::default(),
        }
    }
}

impl ClientOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends with this `reqwest::Client` (see [`ClientOptions::http_client`]).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
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

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the client-side rate limit (`None`: none).
    pub fn rate_limit(mut self, limit: impl Into<Option<RateLimit>>) -> Self {
        self.rate_limit = limit.into();
        self
    }

    /// Sets the largest answer body read, in bytes.
    pub fn max_answer_size(mut self, bytes: usize) -> Self {
        self.max_answer_size = bytes;
        self
    }

    /// Sets which redirects are followed.
    pub fn redirects(mut self, redirects: Redirects) -> Self {
        self.redirects = redirects;
        self
    }

    /// Allows (or refuses, the default) credentials over plain `http://` to
    /// hosts that are not loopback.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Sets the most requests in flight at once (at least 1).
    pub fn max_concurrent_requests(mut self, max: usize) -> Self {
        self.max_concurrent_requests = max.max(1);
        self
    }

    /// Adds a header sent with every request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets how handles poll a run's status.
    pub fn poll(mut self, poll: PollPolicy) -> Self {
        self.poll = poll;
        self
    }
}

/// Writes the [`ClientOptions`] methods of a provider builder, so that every
/// builder has them under the same names with the same docs. The builder
/// needs a field `options: ClientOptions`.
///
/// ```
/// use trigger_sdk_core::ClientOptions;
///
/// /// A builder of some provider client.
/// pub struct MyBuilder {
///     options: ClientOptions,
/// }
///
/// impl MyBuilder {
///     trigger_sdk_core::client_options_methods!();
/// }
///
/// let builder = MyBuilder { options: ClientOptions::new() }.max_concurrent_requests(4);
/// assert_eq!(builder.options.max_concurrent_requests, 4);
/// ```
#[macro_export]
macro_rules! client_options_methods {
    () => {
        /// Sets every client option at once (HTTP client, timeouts, retry,
        /// rate limit, answer cap, redirects, plain-http permission,
        /// concurrency cap, extra headers, poll backoff), replacing any set
        /// before.
        pub fn options(mut self, options: $crate::ClientOptions) -> Self {
            self.options = options;
            self
        }

        /// Sends with this `reqwest::Client` (sharing its connection pool); it
        /// must not follow redirects itself (see
        /// `trigger_sdk_core::transport::http_client_builder`).
        pub fn http_client(mut self, client: $crate::reqwest::Client) -> Self {
            self.options.http_client = Some(client);
            self
        }

        /// Sets the connect, attempt and total timeouts.
        pub fn timeouts(mut self, timeouts: $crate::Timeouts) -> Self {
            self.options.timeouts = timeouts;
            self
        }

        /// Sets the timeout of a whole call, retries included (`None`: no limit).
        pub fn total_timeout(mut self, timeout: Option<::std::time::Duration>) -> Self {
            self.options.timeouts.total = timeout;
            self
        }

        /// Sets the retry policy (a request that could start a second run is
        /// never retried, whatever the policy).
        pub fn retry(mut self, retry: $crate::RetryPolicy) -> Self {
            self.options.retry = retry;
            self
        }

        /// Keeps the client under this rate (`None`: no client-side limit).
        pub fn rate_limit(mut self, limit: impl Into<Option<$crate::RateLimit>>) -> Self {
            self.options.rate_limit = limit.into();
            self
        }

        /// Sets the largest answer body read, in bytes (32 MiB by default);
        /// a larger one is `Error::TooLarge`.
        pub fn max_answer_size(mut self, bytes: usize) -> Self {
            self.options.max_answer_size = bytes;
            self
        }

        /// Sets which redirects are followed (same-origin reads, at most 5,
        /// by default; never across origins, never for a request that can
        /// start a run).
        pub fn redirects(mut self, redirects: $crate::transport::Redirects) -> Self {
            self.options.redirects = redirects;
            self
        }

        /// Allows credentials over plain `http://` to a host that is not
        /// loopback (refused by default with `Error::Config`).
        pub fn allow_insecure_http(mut self, allow: bool) -> Self {
            self.options.allow_insecure_http = allow;
            self
        }

        /// Sets the most requests of this client in flight at once (32 by
        /// default); others wait their turn.
        pub fn max_concurrent_requests(mut self, max: usize) -> Self {
            self.options.max_concurrent_requests = max.max(1);
            self
        }

        /// Adds a header sent with every request.
        pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.options.headers.push((name.into(), value.into()));
            self
        }

        /// Sets how handles poll a run's status.
        pub fn poll(mut self, poll: $crate::PollPolicy) -> Self {
            self.options.poll = poll;
            self
        }
    };
}

/// Writes a provider's environment constructors: one `ENV_*` constant per
/// variable, `from_env()` and `builder_from_env()`, with docs that name the
/// type and its variables. The type needs `builder(…)` taking the values in
/// the order listed and a builder with `build() -> Result<Self>`.
///
/// Each variable is `CONST = "NAME": reader, "what it holds"`, where the
/// reader is a function of [`crate::env`] (`var` for text, `secret` for a
/// credential). A variable that is not set or empty is an
/// [`crate::Error::Config`] naming it; the first one missing, in the order
/// listed, is the one named.
///
/// ```
/// use trigger_sdk_core::{Result, Secret};
///
/// /// Some provider client.
/// pub struct MyClient {
///     url: String,
/// }
///
/// /// Its builder.
/// pub struct MyBuilder {
///     url: String,
/// }
///
/// impl MyBuilder {
///     /// The client.
///     pub fn build(self) -> Result<MyClient> {
///         Ok(MyClient { url: self.url })
///     }
/// }
///
/// impl MyClient {
///     /// A builder.
///     pub fn builder(url: impl Into<String>, _key: impl Into<Secret>) -> MyBuilder {
///         MyBuilder { url: url.into() }
///     }
///
///     trigger_sdk_core::env_constructors! {
///         MyClient => MyBuilder, "A client", "more options";
///         ENV_URL = "MY_DOC_URL": var, "the base URL";
///         ENV_KEY = "MY_DOC_KEY": secret, "the API key";
///     }
/// }
///
/// assert_eq!(MyClient::ENV_URL, "MY_DOC_URL");
/// let e = MyClient::from_env().err().unwrap();
/// assert_eq!(
///     e.to_string(),
///     "invalid configuration: environment variable MY_DOC_URL is not set"
/// );
/// ```
#[macro_export]
macro_rules! env_constructors {
    (
        $ty:ident => $builder:ident, $noun:literal, $more:literal;
        $( $konst:ident = $name:literal : $read:ident, $what:literal; )+
    ) => {
        $(
            #[doc = concat!(
                "The variable [`", stringify!($ty), "::from_env`] reads ", $what, " from."
            )]
            pub const $konst: &'static str = $name;
        )+

        #[doc = concat!($noun, " from the environment:")]
        #[doc = ""]
        $( #[doc = concat!("- ", $what, " from `", $name, "`;")] )+
        #[doc = ""]
        #[doc = "a variable that is not set (or empty) is an"]
        #[doc = "[`Error::Config`](trigger_sdk_core::Error::Config) naming it."]
        pub fn from_env() -> $crate::Result<Self> {
            Self::builder_from_env()?.build()
        }

        #[doc = concat!(
            "A builder from the same variables as [`", stringify!($ty), "::from_env`], for ",
            $more, "."
        )]
        pub fn builder_from_env() -> $crate::Result<$builder> {
            Ok(Self::builder($( $crate::env::$read(Self::$konst)? ),+))
        }
    };
}
