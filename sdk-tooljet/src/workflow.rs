//! [`ToolJetWorkflow`]: one workflow's webhook — sync and async triggers,
//! and the handle of a run started earlier.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use serde::Serialize;
use serde_json::{Map, Value};
use trigger_sdk_core::{
    Auth, ClientOptions, Error, FinishedRun, PollPolicy, Provider, RateLimit, RequestPreview,
    RequestWriter, Result, RunHandle, RunId, RunOutcome, Secret, Transport, Trigger, TriggerMode,
    TriggerRequest, async_trait,
    reqwest::{Method, Url},
    sse::SseOptions,
    transport::{HttpResponse, RateLimiter},
};

use crate::{
    error::{Route, error_from_response},
    params::{DataType, ParamSpec, check_params},
    run::ToolJetRun,
};

/// ToolJet's default webhook throttle (`WEBHOOK_THROTTLE_LIMIT` /
/// `WEBHOOK_THROTTLE_TTL`): 100 requests per 60 s, per client IP and route.
pub const DEFAULT_THROTTLE: RateLimit = RateLimit::new(100, Duration::from_secs(60));

/// ToolJet's default server-side run timeout (`WORKFLOW_TIMEOUT_SECONDS`).
pub const SERVER_WORKFLOW_TIMEOUT: Duration = Duration::from_secs(60);

/// The default client timeout of a synchronous trigger: above
/// [`SERVER_WORKFLOW_TIMEOUT`], so the server's own timeout answers first.
pub const DEFAULT_SYNC_TIMEOUT: Duration = Duration::from_secs(90);

/// The default environment (ToolJet's UI default).
pub const DEFAULT_ENVIRONMENT: &str = "development";

/// The client-side limiter for a server throttle of `limit`: a bucket that
/// never sends more than the limit in any window of the throttle's length
/// ([`RateLimit::within_window`]). A plain bucket that starts full could send
/// its burst and then a window's refill inside one throttle window — almost
/// twice the limit.
fn window_safe(limit: RateLimit) -> RateLimit {
    RateLimit::within_window(limit.requests, limit.per)
}

/// One limiter per webhook route, as ToolJet throttles (per client IP and
/// per route: `trigger`, `trigger-async`, `status`, `stream`).
#[derive(Debug, Default)]
pub(crate) struct RouteLimits {
    pub(crate) trigger: Option<RateLimiter>,
    pub(crate) trigger_async: Option<RateLimiter>,
    pub(crate) status: Option<RateLimiter>,
    pub(crate) stream: Option<RateLimiter>,
}

impl RouteLimits {
    fn new(limit: Option<RateLimit>) -> Self {
        let limiter = || limit.map(|l| RateLimiter::new(window_safe(l)));
        Self {
            trigger: limiter(),
            trigger_async: limiter(),
            status: limiter(),
            stream: limiter(),
        }
    }
}

impl Shared {
    /// `{host}/api/v2/webhooks/workflows/{workflow_id}/<segments>`.
    pub(crate) fn endpoint(&self, segments: &[&str]) -> Result<trigger_sdk_core::reqwest::Url> {
        let mut all = vec![
            "api",
            "v2",
            "webhooks",
            "workflows",
            self.workflow_id.as_str(),
        ];
        all.extend_from_slice(segments);
        self.transport.endpoint(&all)
    }
}

/// What a workflow and its run handles share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) workflow_id: String,
    pub(crate) environment: String,
    pub(crate) version: Option<String>,
    pub(crate) params: Option<Vec<ParamSpec>>,
    /// Every request goes through it (the routes' limiters are below).
    pub(crate) transport: Transport,
    /// The attempt timeout of `POST …/trigger` (it waits for the run).
    pub(crate) sync_timeout: Duration,
    pub(crate) limits: RouteLimits,
    pub(crate) poll: PollPolicy,
    pub(crate) sse_options: SseOptions,
}

/// Builds a [`ToolJetWorkflow`].
///
/// The [`ClientOptions`] methods (`options`, `http_client`, `timeouts`,
/// `retry`, `rate_limit`, …) are the same on every provider builder. Here
/// `rate_limit` keeps the client under the server's throttle, counted per
/// client IP and route as ToolJet does: requests wait instead of collecting
/// 429s. Each webhook route has its own limiter: sync triggers, async
/// triggers, status polls (a follow loop, `wait`, the polling fallback of
/// `events`) and stream connections (each open and reconnect). The limiters
/// are shared by the clones of this workflow and its run handles. The server
/// counts per route for all workflows a client calls; workflows built
/// separately each have their own limiters, so give each its share of the
/// throttle. Off by default; see [`ToolJetWorkflowBuilder::default_rate_limit`].
#[derive(Debug, Clone)]
pub struct ToolJetWorkflowBuilder {
    host: String,
    workflow_id: String,
    token: Secret,
    environment: String,
    version: Option<String>,
    params: Option<Vec<ParamSpec>>,
    sync_timeout: Duration,
    options: ClientOptions,
    sse_options: SseOptions,
}

impl ToolJetWorkflowBuilder {
    /// The environment to run in (`development`, `staging`, `production`
    /// or a custom name); `development` by default.
    pub fn environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = environment.into();
        self
    }

    /// The version name to run; the released version when unset.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Declares a parameter. With declared parameters, every trigger checks
    /// the payload first (presence and JavaScript `typeof` rules) and fails
    /// with [`Error::Validation`] before sending anything.
    pub fn param(mut self, key: impl Into<String>, data_type: DataType) -> Self {
        self.params
            .get_or_insert_with(Vec::new)
            .push(ParamSpec::new(key, data_type));
        self
    }

    /// Declares the parameters (replacing any declared before).
    pub fn params(mut self, params: impl IntoIterator<Item = ParamSpec>) -> Self {
        self.params = Some(params.into_iter().collect());
        self
    }

    trigger_sdk_core::client_options_methods!();

    /// Keeps this client under ToolJet's default throttle, 100 per 60 s per
    /// route ([`DEFAULT_THROTTLE`]): requests wait instead of collecting 429s.
    pub fn default_rate_limit(self) -> Self {
        self.rate_limit(DEFAULT_THROTTLE)
    }

    /// The client timeout of a synchronous trigger ([`DEFAULT_SYNC_TIMEOUT`],
    /// 90 s); keep it above the server's run timeout (60 s by default).
    pub fn sync_timeout(mut self, timeout: Duration) -> Self {
        self.sync_timeout = timeout;
        self
    }

    /// How the event stream reconnects.
    pub fn stream_options(mut self, options: SseOptions) -> Self {
        self.sse_options = options;
        self
    }

    /// Builds the workflow; fails on an invalid host URL, an empty workflow
    /// id or environment.
    pub fn build(self) -> Result<ToolJetWorkflow> {
        if self.workflow_id.trim().is_empty() {
            return Err(Error::Config("the ToolJet workflow id is empty".into()));
        }
        if self.environment.trim().is_empty() {
            return Err(Error::Config("the ToolJet environment is empty".into()));
        }
        let limits = RouteLimits::new(self.options.rate_limit);
        let poll = self.options.poll;
        // The routes' limiters replace the transport's own.
        let options = self.options.rate_limit(None);
        let transport = Transport::builder(Provider::ToolJet, self.host)
            .options(options)
            .auth(Auth::bearer(self.token))
            .build()?;
        Ok(ToolJetWorkflow {
            shared: Arc::new(Shared {
                workflow_id: self.workflow_id,
                environment: self.environment,
                version: self.version,
                params: self.params,
                transport,
                sync_timeout: self.sync_timeout,
                limits,
                poll,
                sse_options: self.sse_options,
            }),
        })
    }
}

/// The answer of a synchronous trigger: the Response node's value and status.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SyncResponse {
    /// The HTTP status the Response node set (200 by default, 201 on older servers).
    pub status: u16,
    /// The value: JSON for objects and arrays, a JSON string for text, `Null` when empty.
    pub output: Value,
    /// The body exactly as sent.
    pub body: Bytes,
    /// The media type of the body, lower-case, without parameters.
    pub content_type: Option<String>,
}

impl SyncResponse {
    fn from_answer(answer: &HttpResponse) -> Result<Self> {
        let content_type = answer.content_type();
        let output = if answer.body.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else if answer.is_json() {
            answer.json::<Value>()?
        } else if content_type.is_none() {
            // No media type: JSON objects and arrays are JSON, anything else is text.
            answer
                .json_value()
                .filter(|v| v.is_object() || v.is_array())
                .unwrap_or_else(|| Value::String(answer.text()))
        } else {
            Value::String(answer.text())
        };
        Ok(Self {
            status: answer.status,
            output,
            body: answer.body.clone(),
            content_type,
        })
    }

    /// Whether the value came as JSON (an object or array).
    pub fn is_json(&self) -> bool {
        !matches!(self.output, Value::String(_) | Value::Null)
    }

    /// The value decoded as `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(&self.output).map_err(|e| {
            Error::decode(
                format!("the ToolJet response value is not the expected type: {e}"),
                Some(self.status),
                &self.body,
            )
        })
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The generic outcome: succeeded, with this value, status and body.
    pub fn into_outcome(self) -> RunOutcome {
        RunOutcome::succeeded(None, self.output).with_http(self.status, self.body)
    }
}

/// One ToolJet workflow's webhook: triggers runs and follows them.
///
/// Cloning is cheap (the connection pool and rate limiters are shared).
/// See the crate documentation for an example.
#[derive(Debug, Clone)]
pub struct ToolJetWorkflow {
    pub(crate) shared: Arc<Shared>,
}

impl ToolJetWorkflow {
    trigger_sdk_core::env_constructors! {
        ToolJetWorkflow => ToolJetWorkflowBuilder, "A workflow",
            "more options (environment, version, timeouts)";
        ENV_URL = "TOOLJET_URL": var, "the host";
        ENV_WORKFLOW_ID = "TOOLJET_WORKFLOW_ID": var, "the workflow's UUID";
        ENV_TOKEN = "TOOLJET_TOKEN": secret, "the workflow's token";
    }

    /// A builder for workflow `workflow_id` (its UUID) on `host` (the
    /// ToolJet server, e.g. `https://tooljet.example.com`, with the
    /// `SUB_PATH` prefix if the server has one) with the workflow's token.
    pub fn builder(
        host: impl Into<String>,
        workflow_id: impl Into<String>,
        token: impl Into<Secret>,
    ) -> ToolJetWorkflowBuilder {
        ToolJetWorkflowBuilder {
            host: host.into(),
            workflow_id: workflow_id.into(),
            token: token.into(),
            environment: DEFAULT_ENVIRONMENT.to_owned(),
            version: None,
            params: None,
            sync_timeout: DEFAULT_SYNC_TIMEOUT,
            options: ClientOptions::default(),
            sse_options: SseOptions::default(),
        }
    }

    /// A workflow with every default (`development`, released version).
    pub fn new(
        host: impl Into<String>,
        workflow_id: impl Into<String>,
        token: impl Into<Secret>,
    ) -> Result<Self> {
        Self::builder(host, workflow_id, token).build()
    }

    /// The workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.shared.workflow_id
    }

    /// The environment runs are started in.
    pub fn environment(&self) -> &str {
        &self.shared.environment
    }

    /// The version runs are started with, when one is set.
    pub fn version(&self) -> Option<&str> {
        self.shared.version.as_deref()
    }

    /// The declared parameters, when some were declared.
    pub fn declared_params(&self) -> Option<&[ParamSpec]> {
        self.shared.params.as_deref()
    }

    /// Runs the workflow and waits for its Response node (`POST …/trigger`).
    ///
    /// `params` is the parameters object (it becomes `startTrigger.params`).
    /// Errors: [`Error::Validation`] before sending when declared parameters
    /// do not match; the answer's status otherwise (see
    /// [`crate::error_from_response`]), [`Error::Ambiguous`] when the request
    /// was sent but no answer came.
    pub async fn trigger_sync<P: Serialize + ?Sized>(&self, params: &P) -> Result<SyncResponse> {
        let payload = to_payload(params)?;
        self.send_sync(TriggerRequest::new(payload)).await
    }

    /// Starts a run and returns its handle at once (`POST …/trigger-async`).
    pub async fn trigger_async<P: Serialize + ?Sized>(&self, params: &P) -> Result<ToolJetRun> {
        let payload = to_payload(params)?;
        self.send_async(TriggerRequest::new(payload)).await
    }

    /// The handle of execution `execution_id` of this workflow, started
    /// earlier (maybe by another process).
    pub fn run(&self, execution_id: impl Into<RunId>) -> ToolJetRun {
        ToolJetRun::new(self.shared.clone(), execution_id.into(), None)
    }

    fn prepare(&self, payload: Value) -> Result<Value> {
        let payload = match payload {
            Value::Null => Value::Object(Map::new()),
            other => other,
        };
        check_params(self.shared.params.as_deref().unwrap_or(&[]), &payload)?;
        Ok(payload)
    }

    /// The request to `route` (`POST …/trigger` or `…/trigger-async`),
    /// written into what `new` makes of its method and URL (the call, or a
    /// preview): the environment, version, extra query and headers, the
    /// payload (`null` as `{}`) after the declared parameters' check.
    fn write<W: RequestWriter>(
        &self,
        new: impl FnOnce(Method, Url) -> W,
        route: Route,
        request: TriggerRequest,
    ) -> Result<W> {
        let shared = &*self.shared;
        let payload = self.prepare(request.payload)?;
        let endpoint = match route {
            Route::Trigger => "trigger",
            _ => "trigger-async",
        };
        let mut wire = new(Method::POST, shared.endpoint(&[endpoint])?)
            .query([("environment", shared.environment.as_str())])
            .query(shared.version.as_deref().map(|v| ("version", v)))
            .query(request.query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        for (name, value) in &request.headers {
            wire = wire.header(name, value);
        }
        Ok(wire.json(&payload))
    }

    /// Sends [`ToolJetWorkflow::write`]'s call with the route's limiter,
    /// timeouts and error table.
    async fn post(&self, route: Route, request: TriggerRequest) -> Result<HttpResponse> {
        let shared = &*self.shared;
        let limiter = match route {
            Route::Trigger => &shared.limits.trigger,
            _ => &shared.limits.trigger_async,
        };
        let mut call = self
            .write(
                |method, url| shared.transport.call(method, url),
                route,
                request,
            )?
            .limiter(limiter.as_ref());
        if route == Route::Trigger {
            call = call
                .attempt_timeout(Some(shared.sync_timeout))
                .total_timeout(Some(shared.sync_timeout + Duration::from_secs(30)));
        }
        let errors = move |answer: &HttpResponse| error_from_response(answer, route);
        call.errors(&errors).send().await
    }

    async fn send_sync(&self, request: TriggerRequest) -> Result<SyncResponse> {
        let answer = self.post(Route::Trigger, request).await?;
        SyncResponse::from_answer(&answer)
    }

    async fn send_async(&self, request: TriggerRequest) -> Result<ToolJetRun> {
        let answer = self.post(Route::TriggerAsync, request).await?;
        let body: Value = answer.json()?;
        let id = trigger_sdk_core::json::first_id(
            &body,
            &[
                "workflow_execution_id",
                "workflowExecutionId",
                "executionId",
                "execution_id",
            ],
        )
        .ok_or_else(|| {
            Error::decode(
                "the trigger-async answer has no workflow_execution_id",
                Some(answer.status),
                &answer.body,
            )
        })?;
        let accepted_at = body
            .get("timestamp")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(ToolJetRun::new(
            self.shared.clone(),
            RunId::new(id),
            accepted_at,
        ))
    }
}

fn to_payload<P: Serialize + ?Sized>(params: &P) -> Result<Value> {
    serde_json::to_value(params)
        .map_err(|e| Error::Config(format!("the parameters do not serialize to JSON: {e}")))
}

#[async_trait]
impl Trigger for ToolJetWorkflow {
    fn provider(&self) -> Provider {
        Provider::ToolJet
    }

    fn target(&self) -> String {
        format!(
            "tooljet workflow {} ({})",
            self.shared.workflow_id, self.shared.environment
        )
    }

    /// `Wait` runs the synchronous endpoint and gives a finished handle;
    /// `Follow` starts an async run and gives its [`ToolJetRun`]. ToolJet
    /// takes no idempotency key: a key in the request is ignored and the
    /// trigger is never retried once sent.
    async fn trigger(&self, request: TriggerRequest) -> Result<Box<dyn RunHandle>> {
        if request.idempotency_key.is_some() {
            tracing::debug!("ToolJet takes no idempotency key; the key is not sent");
        }
        match request.mode {
            TriggerMode::Wait => {
                let response = self.send_sync(request).await?;
                Ok(FinishedRun::new(Provider::ToolJet, response.into_outcome()).boxed())
            }
            _ => {
                let run = self.send_async(request).await?;
                Ok(Box::new(run))
            }
        }
    }

    /// `POST …/trigger` for [`TriggerMode::Wait`], `…/trigger-async`
    /// otherwise, as [`Trigger::trigger`] sends it.
    fn preview(&self, request: &TriggerRequest) -> Result<RequestPreview> {
        let route = match request.mode {
            TriggerMode::Wait => Route::Trigger,
            _ => Route::TriggerAsync,
        };
        self.write(RequestPreview::new, route, request.clone())?
            .finish(&self.shared.transport)
    }

    fn resume(&self, run_id: RunId) -> Result<Box<dyn RunHandle>> {
        Ok(Box::new(self.run(run_id)))
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::{CONTENT_TYPE, HeaderValue};

    use super::*;

    fn answer(status: u16, content_type: Option<&'static str>, body: &'static str) -> HttpResponse {
        let answer = HttpResponse::new(status, body);
        match content_type {
            Some(ct) => answer.with_header(CONTENT_TYPE, HeaderValue::from_static(ct)),
            None => answer,
        }
    }

    #[test]
    fn sync_answers_are_json_or_text() {
        let json = SyncResponse::from_answer(&answer(
            200,
            Some("application/json; charset=utf-8"),
            r#"{"a":1}"#,
        ))
        .expect("decodes");
        assert_eq!(json.output, serde_json::json!({"a": 1}));
        assert!(json.is_json());
        let text =
            SyncResponse::from_answer(&answer(201, Some("text/html; charset=utf-8"), "testvalue"))
                .expect("decodes");
        assert_eq!(text.output, Value::String("testvalue".into()));
        assert_eq!(text.status, 201);
        let number_text =
            SyncResponse::from_answer(&answer(200, Some("text/html"), "42")).expect("decodes");
        assert_eq!(number_text.output, Value::String("42".into()));
        let untyped = SyncResponse::from_answer(&answer(200, None, "[1,2]")).expect("decodes");
        assert_eq!(untyped.output, serde_json::json!([1, 2]));
        let empty = SyncResponse::from_answer(&answer(204, None, "")).expect("decodes");
        assert_eq!(empty.output, Value::Null);
        assert!(
            SyncResponse::from_answer(&answer(200, Some("application/json"), "{oops")).is_err()
        );
    }

    #[test]
    fn limiter_stays_below_the_throttle_in_any_window() {
        let limit = window_safe(DEFAULT_THROTTLE);
        // Burst plus one window of refill stays under 100 per 60 s.
        let refill = 60.0 / limit.per.as_secs_f64() * f64::from(limit.requests);
        assert!(f64::from(limit.requests) + refill <= 100.0, "{limit:?}");
        assert!(f64::from(limit.requests) + refill >= 90.0, "{limit:?}");
    }

    #[test]
    fn sync_waits_longer_than_the_server() {
        let wf = ToolJetWorkflow::new("http://localhost:1", "wf", "t").expect("builds");
        assert!(wf.shared.sync_timeout > SERVER_WORKFLOW_TIMEOUT);
        let custom = ToolJetWorkflow::builder("http://localhost:1", "wf", "t")
            .sync_timeout(Duration::from_secs(300))
            .build()
            .expect("builds");
        assert_eq!(custom.shared.sync_timeout, Duration::from_secs(300));
    }

    #[test]
    fn builder_refuses_bad_input_and_defaults_to_development() {
        assert!(ToolJetWorkflow::new("not a url", "id", "t").is_err());
        assert!(ToolJetWorkflow::new("http://localhost", " ", "t").is_err());
        let wf = ToolJetWorkflow::new("http://localhost:1", "wf", "secret-token").expect("builds");
        assert_eq!(wf.environment(), "development");
        assert_eq!(wf.version(), None);
        assert!(!format!("{wf:?}").contains("secret-token"));
        assert!(!wf.target().contains("secret-token"));
    }
}
