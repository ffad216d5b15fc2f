//! [`RunsClient`]: the typed client of the runs API.

use std::{sync::Arc, time::Duration};

use futures::{FutureExt, TryFutureExt, future::Either, stream::BoxStream};
use serde_json::Value;
use url::Url;

use trigger_sdk_core::{
    Auth, ClientOptions, Error, PollPolicy, Provider, RateLimit, RequestPreview, RequestWriter,
    Result, RunId, Safety, Secret, Transport,
    paginate::{Page, paginate},
    reqwest::Method,
    transport::RateLimiter,
};

use crate::{
    envelope::{decode, decode_data, error_from_answer},
    handle::RunsHandle,
    model::{ListRuns, Run, RunBody, RunRequest, RunStarted},
    replay::{self, ReplayConflict},
    workflow::RunsWorkflow,
};

/// The header that carries the API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// Client-side rate limits, one token bucket per class of request, each
/// shared by the clones of one client. The API limits each key per minute:
/// execute 500, writes 200, reads 1000 ([`RateLimits::published`]).
///
/// A plain token bucket of `n` per minute can send up to `2n` within one
/// minute (a full bucket, then a minute of refill), which a server counting
/// per window refuses. The presets use [`RateLimit::within_window`] instead: a
/// bucket that never sends more than the limit in any window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RateLimits {
    /// `POST /workflows/{id}/run`.
    pub execute: Option<RateLimit>,
    /// `POST /runs/{id}/cancel` and `/retry`.
    pub writes: Option<RateLimit>,
    /// `GET /runs`, `GET /runs/{id}` (status polls included).
    pub reads: Option<RateLimit>,
}

impl RateLimits {
    /// The published execute limit per key: 500 run requests per minute.
    pub const EXECUTE_PER_MINUTE: u32 = 500;
    /// The published write limit per key: 200 per minute.
    pub const WRITES_PER_MINUTE: u32 = 200;
    /// The published read limit per key: 1000 per minute.
    pub const READS_PER_MINUTE: u32 = 1000;

    /// No client-side limits (the default).
    pub fn none() -> Self {
        Self::default()
    }

    /// The published limits for all three classes, each through [`RateLimit::within_window`].
    pub fn published() -> Self {
        let minute = Duration::from_secs(60);
        Self {
            execute: Some(RateLimit::within_window(Self::EXECUTE_PER_MINUTE, minute)),
            writes: Some(RateLimit::within_window(Self::WRITES_PER_MINUTE, minute)),
            reads: Some(RateLimit::within_window(Self::READS_PER_MINUTE, minute)),
        }
    }

    /// Only the published execute limit (500 run requests per minute), through
    /// [`RateLimit::within_window`].
    pub fn published_execute() -> Self {
        Self {
            execute: Some(RateLimit::within_window(
                Self::EXECUTE_PER_MINUTE,
                Duration::from_secs(60),
            )),
            ..Self::default()
        }
    }

    /// Sets the execute limit.
    pub fn execute(mut self, limit: Option<RateLimit>) -> Self {
        self.execute = limit;
        self
    }

    /// Sets the write limit.
    pub fn writes(mut self, limit: Option<RateLimit>) -> Self {
        self.writes = limit;
        self
    }

    /// Sets the read limit.
    pub fn reads(mut self, limit: Option<RateLimit>) -> Self {
        self.reads = limit;
        self
    }
}

/// Builds a [`RunsClient`].
///
/// The [`ClientOptions`] methods (`options`, `http_client`, `timeouts`,
/// `retry`, `rate_limit`, …) are the same on every provider builder. Here
/// `rate_limit` is one bucket shared by every request of the client;
/// [`RunsClientBuilder::rate_limits`] adds one per class of request, as the
/// API counts them.
#[derive(Debug, Clone)]
pub struct RunsClientBuilder {
    base_url: String,
    api_key: Secret,
    options: ClientOptions,
    limits: RateLimits,
}

impl RunsClientBuilder {
    trigger_sdk_core::client_options_methods!();

    /// Sets the client-side rate limits per class of request.
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Limits run requests to `limit` (for the published 500 per minute, use
    /// [`RateLimits::published_execute`] or `RateLimit::within_window(500, 60 s)`).
    pub fn execute_rate_limit(mut self, limit: RateLimit) -> Self {
        self.limits.execute = Some(limit);
        self
    }

    /// Builds the client; fails on an invalid base URL, or an `http://`
    /// URL to a host that is not loopback (see `allow_insecure_http`).
    pub fn build(self) -> Result<RunsClient> {
        let base = api_base(&self.base_url)?;
        let poll = self.options.poll;
        let transport = Transport::builder(Provider::Runs, base)
            .options(self.options)
            .auth(Auth::header(API_KEY_HEADER, self.api_key))
            .errors(error_from_answer)
            .build()?;
        let limiter = |limit: Option<RateLimit>| limit.map(RateLimiter::new);
        Ok(RunsClient {
            inner: Arc::new(Inner {
                transport,
                execute: limiter(self.limits.execute),
                writes: limiter(self.limits.writes),
                reads: limiter(self.limits.reads),
                poll,
                limits: self.limits,
            }),
        })
    }
}

/// The API root: the base URL with `/api/v1` appended (unless it is there).
fn api_base(base_url: &str) -> Result<String> {
    let url = Url::parse(base_url)
        .map_err(|e| Error::Config(format!("invalid base URL {base_url:?}: {e}")))?;
    let path = url.path().trim_end_matches('/');
    let mut url = url.clone();
    if !path.ends_with("/api/v1") {
        url.set_path(&format!("{path}/api/v1"));
    }
    Ok(url.to_string())
}

struct Inner {
    transport: Transport,
    /// One bucket per class of request (`RateLimits`), besides the
    /// transport's own (`ClientOptions::rate_limit`).
    execute: Option<RateLimiter>,
    writes: Option<RateLimiter>,
    reads: Option<RateLimiter>,
    poll: PollPolicy,
    limits: RateLimits,
}

/// The runs API (JustPaid Workflows): start runs with idempotency keys,
/// read, list, cancel and retry them. Cloning is cheap: clones share the
/// connection pool and the rate limiters.
///
/// ```no_run
/// use trigger_sdk_runs::{RunRequest, RunsClient};
/// # async fn example() -> trigger_sdk_core::Result<()> {
/// let client = RunsClient::new("https://api.example.com", "wfk_...")?;
/// let run = client.get_run("run_123").await?;
/// println!("{} is {}", run.id, run.status);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RunsClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RunsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunsClient")
            .field("base", &self.inner.transport.base_url().as_str())
            .field("auth", self.inner.transport.auth())
            .field("limits", &self.inner.limits)
            .field("poll", &self.inner.poll)
            .finish()
    }
}

impl RunsClient {
    trigger_sdk_core::env_constructors! {
        RunsClient => RunsClientBuilder, "A client",
            "more options (rate limits, retries, timeouts)";
        ENV_BASE_URL = "RUNS_URL": var, "the base URL";
        ENV_API_KEY = "RUNS_API_KEY": secret, "the API key";
    }

    /// A builder for the API at `base_url` (the API lives under
    /// `{base_url}/api/v1`) with this key, sent as `x-api-key`.
    pub fn builder(base_url: impl Into<String>, api_key: impl Into<Secret>) -> RunsClientBuilder {
        RunsClientBuilder {
            base_url: base_url.into(),
            api_key: api_key.into(),
            options: ClientOptions::default(),
            limits: RateLimits::default(),
        }
    }

    /// A client with the default settings.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<Secret>) -> Result<Self> {
        Self::builder(base_url, api_key).build()
    }

    /// How handles of this client poll.
    pub fn poll_policy(&self) -> PollPolicy {
        self.inner.poll
    }

    /// The client-side rate limits.
    pub fn rate_limits(&self) -> RateLimits {
        self.inner.limits
    }

    /// Starts a run of `workflow_id` and returns its handle.
    ///
    /// The request always carries an idempotency key: the caller's, or a
    /// generated UUID. The same key goes with every retry (on 5xx, 429 and
    /// network errors), so a retried request never starts a second run. When
    /// the key had already started a run (HTTP 200 instead of 201), nothing
    /// new starts and the handle follows that run:
    /// [`RunsHandle::is_existing_run`] says so. The API gives that run back
    /// whatever its input was; with [`RunRequest::check_replay`] the call
    /// reads it (one more request, on replays only) and fails with
    /// [`Error::Conflict`] carrying a [`ReplayConflict`] when its input is
    /// not the one sent.
    // Not an `async fn`: the run request is built before anything is
    // awaited, and the futures are chained, so the future holds the call
    // once instead of the call beside the request it was built from.
    pub fn run<'c>(
        &'c self,
        workflow_id: &str,
        request: RunRequest,
    ) -> impl Future<Output = Result<RunsHandle>> + Send + use<'c> {
        self.start(workflow_id, &request)
            .and_then(move |started| self.check_replay(started, request))
    }

    /// Sends the run request (its idempotency key, the caller's or a new
    /// UUID, is sent on every attempt) and decodes the run it started.
    fn start<'c>(
        &'c self,
        workflow_id: &str,
        request: &RunRequest,
    ) -> impl Future<Output = Result<RunStarted>> + Send + use<'c> {
        let key = request
            .idempotency_key
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let transport = &self.inner.transport;
        let call = match self.write(
            |method, url| transport.call(method, url),
            workflow_id,
            request,
            Some(&key),
        ) {
            Ok(call) => call.limiter(self.inner.execute.as_ref()).keyed(&key),
            Err(e) => return Either::Left(std::future::ready(Err(e))),
        };
        let workflow_id = workflow_id.to_owned();
        Either::Right(call.send().map(move |answer| {
            let (mut started, status) = decode_data::<RunStarted>(&answer?)?;
            started.existing = status == 200;
            tracing::debug!(
                run_id = %started.run_id,
                workflow_id,
                existing = started.existing,
                "run started"
            );
            started.idempotency_key = Some(key);
            if started.workflow_id.is_none() {
                started.workflow_id = Some(workflow_id);
            }
            Ok(started)
        }))
    }

    /// The handle of a started run, after the replay check when the request
    /// asks for one and the key had started a run before (the rare path,
    /// its read boxed).
    fn check_replay(
        &self,
        started: RunStarted,
        request: RunRequest,
    ) -> impl Future<Output = Result<RunsHandle>> + Send + '_ {
        if !(started.existing && request.check_replay_input) {
            return Either::Left(std::future::ready(Ok(RunsHandle::started(
                self.clone(),
                started,
            ))));
        }
        Either::Right(async move {
            let existing = Box::pin(self.get_run(started.run_id.as_str())).await?;
            let differences = replay::differences(&request.input, &existing.input);
            if !differences.is_empty() {
                return Err(ReplayConflict {
                    run_id: started.run_id,
                    idempotency_key: started.idempotency_key.unwrap_or_default(),
                    sent: request.input,
                    existing: existing.input,
                    differences,
                }
                .into_error());
            }
            Ok(RunsHandle::started(self.clone(), started))
        })
    }

    /// The request [`RunsClient::run`] sends for `request`, with the
    /// `x-api-key` header, not sent. Without an idempotency key in
    /// `request` the preview carries none: `run` generates a fresh one for
    /// each call, and a key copied from a preview into a command run again
    /// would give back the first run every time.
    pub fn preview_run(&self, workflow_id: &str, request: &RunRequest) -> Result<RequestPreview> {
        let key = request.idempotency_key.as_deref();
        self.write(RequestPreview::new, workflow_id, request, key)?
            .finish(&self.inner.transport)
    }

    /// `POST /workflows/{id}/run` with its JSON body, written into what
    /// `new` makes of its method and URL (the call, or a preview).
    fn write<W: RequestWriter>(
        &self,
        new: impl FnOnce(Method, Url) -> W,
        workflow_id: &str,
        request: &RunRequest,
        key: Option<&str>,
    ) -> Result<W> {
        let url = self.endpoint(&["workflows", workflow_id, "run"])?;
        Ok(new(Method::POST, url).json(&RunBody {
            input: &request.input,
            connection_id: request.connection_id.as_deref(),
            idempotency_key: key,
        }))
    }

    /// A run by id, with its steps.
    pub async fn get_run(&self, run_id: &str) -> Result<Run> {
        self.fetch_run(run_id).await.map(|(run, _)| run)
    }

    /// A run and its document as sent.
    pub(crate) async fn fetch_run(&self, run_id: &str) -> Result<(Run, Value)> {
        let url = self.endpoint(&["runs", run_id])?;
        let answer = self
            .inner
            .transport
            .get(url)
            .limiter(self.inner.reads.as_ref())
            .send()
            .await?;
        let decoded = decode::<Run>(&answer)?;
        Ok((decoded.data, decoded.raw))
    }

    /// One page of `GET /runs`, from `cursor` (`None`: the first page).
    pub async fn list_runs_page(
        &self,
        filter: &ListRuns,
        cursor: Option<String>,
    ) -> Result<Page<Run, String>> {
        let url = self.endpoint(&["runs"])?;
        let query = filter.query(cursor.as_deref())?;
        let answer = self
            .inner
            .transport
            .get(url)
            .limiter(self.inner.reads.as_ref())
            .query(query)
            .send()
            .await?;
        let decoded = decode::<Vec<Run>>(&answer)?;
        let next = decoded
            .meta
            .filter(|meta| meta.has_more)
            .and_then(|meta| meta.cursor);
        Ok(Page::new(decoded.data, next))
    }

    /// Every run matching `filter`, page after page (following
    /// `meta.cursor` while `meta.hasMore`), fetched lazily.
    ///
    /// The list answers run *summaries*: a summary's `input`, `output` and
    /// `steps` are whatever the server put in the list, which is usually
    /// nothing (`Null` / empty). Read a run whole with
    /// [`RunsClient::get_run`].
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// use trigger_sdk_runs::{ListRuns, RunsClient};
    /// # async fn example(client: RunsClient) -> trigger_sdk_core::Result<()> {
    /// let runs: Vec<_> = client
    ///     .list_runs(ListRuns::new().workflow_id("wf_customer_order").limit(100))
    ///     .try_collect()
    ///     .await?;
    /// println!("{} runs", runs.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_runs(&self, filter: ListRuns) -> BoxStream<'static, Result<Run>> {
        let client = self.clone();
        paginate(None, move |cursor: Option<String>| {
            let client = client.clone();
            let filter = filter.clone();
            async move { client.list_runs_page(&filter, cursor).await }
        })
    }

    /// Cancels a `pending` or `running` run; returns the run, now
    /// `cancelled`. Any other state is [`Error::Conflict`] (`INVALID_STATUS`).
    pub async fn cancel_run(&self, run_id: &str) -> Result<Run> {
        let url = self.endpoint(&["runs", run_id, "cancel"])?;
        // Sending a cancel again cannot start anything: safe to retry.
        let answer = self
            .inner
            .transport
            .post(url)
            .limiter(self.inner.writes.as_ref())
            .safety(Safety::Safe)
            .send()
            .await?;
        decode::<Run>(&answer).map(|d| d.data)
    }

    /// Retries a `failed` or `timed_out` run: a new run from the first failed
    /// step with the same input. Any other state is [`Error::Conflict`]
    /// (`INVALID_STATUS`). The request starts a run and takes no key, so it
    /// is not retried after it was sent ([`Error::Ambiguous`]).
    pub async fn retry_run(&self, run_id: &str) -> Result<RunsHandle> {
        let url = self.endpoint(&["runs", run_id, "retry"])?;
        let answer = self
            .inner
            .transport
            .post(url)
            .limiter(self.inner.writes.as_ref())
            .safety(Safety::Unkeyed)
            .send()
            .await?;
        let (started, _) = decode_data::<RunStarted>(&answer)?;
        Ok(RunsHandle::started(self.clone(), started))
    }

    /// The handle of an existing run (started earlier, maybe elsewhere).
    pub fn handle(&self, run_id: impl Into<RunId>) -> RunsHandle {
        RunsHandle::from_id(self, run_id)
    }

    /// A [`trigger_sdk_core::Trigger`] that runs `workflow_id`.
    pub fn workflow(&self, workflow_id: impl Into<String>) -> RunsWorkflow {
        RunsWorkflow::new(self.clone(), workflow_id)
    }

    /// `{base}/api/v1/<segments>`, each segment percent-encoded whole.
    fn endpoint(&self, segments: &[&str]) -> Result<Url> {
        self.inner.transport.endpoint(segments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_get_api_v1_once() {
        assert_eq!(api_base("http://h/runs").unwrap(), "http://h/runs/api/v1");
        assert_eq!(
            api_base("http://h/runs/api/v1/").unwrap(),
            "http://h/runs/api/v1/"
        );
        assert_eq!(api_base("http://h").unwrap(), "http://h/api/v1");
        assert!(matches!(api_base("not a url"), Err(Error::Config(_))));
    }
}
