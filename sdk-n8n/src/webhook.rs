//! [`WebhookTrigger`]: starts n8n workflows through their Webhook trigger
//! node, the only way n8n starts a workflow from outside.

use std::{fmt, pin::Pin, time::Duration};

use async_trait::async_trait;
use futures::{FutureExt, future::Either};
use reqwest::Method;
use serde_json::Value;
use trigger_sdk_core::{
    Auth, ClientOptions, Error, Provider, RequestPreview, RequestWriter, Result, RunHandle, RunId,
    Safety, Secret, Transport, Trigger, TriggerRequest, transport::Call,
};
use url::Url;

use crate::{
    N8nClient,
    body::{BodyFormat, WebhookBody, WebhookResponse},
    error::{WEBHOOK_METHODS, webhook_error},
    streaming::StreamingRun,
    tracking::{self, MARKER_HEADER, Tracking},
};

/// The Webhook node's "Respond" setting: what the answer to a call is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseMode {
    /// "Immediately" (`onReceived`, n8n's default): the answer only says the
    /// run started (`{"message":"Workflow was started"}`, a custom text, or
    /// nothing). The handle follows the run when the trigger has an API
    /// client ([`WebhookTriggerBuilder::track_by_marker`], or
    /// [`WebhookTriggerBuilder::track_execution_id`] when the answer carries
    /// the execution id).
    #[default]
    OnReceived,
    /// "When last node finishes" (`lastNode`): the answer is the last node's
    /// output; the handle is finished at once.
    LastNode,
    /// "Using 'Respond to Webhook' node" (`responseNode`): the answer is the
    /// Respond node's; the handle is finished at once. An empty 200 means the
    /// Respond node was not reached (and, on n8n 1.x, that a node may have
    /// failed before it): never `Succeeded`. With an API client the handle
    /// follows the execution to its real status; without one, `wait()` is
    /// [`Error::NotTrackable`], saying so.
    ResponseNode,
    /// "Streaming" (`streaming`): NDJSON chunks (`begin`, `item`, `end`,
    /// `error`) as the workflow produces them, yielded by `events()`.
    Streaming,
}

/// Starts an n8n workflow by calling its webhook, and gives a
/// [`RunHandle`] for the run.
///
/// Build it from the n8n base URL and the Webhook node's path
/// ([`WebhookTrigger::builder`]). Webhook calls are never retried once sent
/// (n8n takes no idempotency key, so a second call would start a second
/// run): an answer n8n itself never gives (an unknown 5xx, a proxy's HTML
/// page) or a dropped connection is [`Error::Ambiguous`].
///
/// Errors are typed, with an [`crate::N8nErrorKind`] detail: 404 not
/// registered / wrong method → [`Error::NotFound`]; 401 **and** 403 from the
/// node's auth → [`Error::Unauthorized`] (plain-text body kept); 422 →
/// [`Error::BadRequest`]; 500 `Error in workflow` → [`Error::WorkflowFailed`].
#[derive(Clone)]
pub struct WebhookTrigger {
    transport: Transport,
    url: Url,
    method: Method,
    query: Vec<(String, String)>,
    body_format: BodyFormat,
    mode: ResponseMode,
    tracking: Tracking,
    id_pointer: Option<String>,
}

impl fmt::Debug for WebhookTrigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookTrigger")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("mode", &self.mode)
            .field("body_format", &self.body_format)
            .field("auth", self.transport.auth())
            .finish_non_exhaustive()
    }
}

/// Builds a [`WebhookTrigger`]. The [`ClientOptions`] methods (`options`,
/// `http_client`, `timeouts`, `header`, …) are the same on every provider
/// builder; a webhook call is never retried once sent, whatever `retry` says.
#[derive(Debug, Clone)]
pub struct WebhookTriggerBuilder {
    base_url: String,
    path: String,
    method: Method,
    test: bool,
    webhook_id: Option<String>,
    params: Vec<(String, String)>,
    query: Vec<(String, String)>,
    auth: Auth,
    body_format: BodyFormat,
    mode: ResponseMode,
    tracking: Tracking,
    id_pointer: Option<String>,
    options: ClientOptions,
}

impl WebhookTrigger {
    /// A builder for the webhook at `path` of the n8n at `base_url` (for
    /// example `http://localhost:5678` and `send-email`). Defaults: `POST`,
    /// production URL, JSON body, `onReceived`, no auth.
    pub fn builder(base_url: impl Into<String>, path: impl Into<String>) -> WebhookTriggerBuilder {
        WebhookTriggerBuilder {
            base_url: base_url.into(),
            path: path.into(),
            method: Method::POST,
            test: false,
            webhook_id: None,
            params: Vec::new(),
            query: Vec::new(),
            auth: Auth::None,
            body_format: BodyFormat::Json,
            mode: ResponseMode::OnReceived,
            tracking: Tracking::None,
            id_pointer: None,
            options: ClientOptions::default(),
        }
    }

    /// The URL this trigger calls (without the per-call query).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The expected response mode.
    pub fn response_mode(&self) -> ResponseMode {
        self.mode
    }

    /// The webhook request written into `wire` (the call, or a preview):
    /// the builder's and the request's query, the request's headers, the
    /// body.
    fn write<W: RequestWriter>(&self, wire: W, body: WebhookBody, request: &TriggerRequest) -> W {
        let mut wire = wire.query(
            self.query
                .iter()
                .chain(&request.query)
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        for (name, value) in &request.headers {
            wire = wire.header(name, value);
        }
        body.apply(wire)
    }

    /// `request`'s payload (taken out of it) as a body in the builder's format.
    fn take_body(&self, request: &mut TriggerRequest) -> Result<WebhookBody> {
        WebhookBody::from_owned(std::mem::take(&mut request.payload), &self.body_format)
    }

    /// The webhook call: it can start a run and n8n takes no key, whatever
    /// the method.
    fn request_for(&self, body: WebhookBody, request: &TriggerRequest) -> Call<'_> {
        let call = self
            .transport
            .call(self.method.clone(), self.url.clone())
            .safety(Safety::Unkeyed);
        self.write(call, body, request)
    }

    /// The request [`WebhookTrigger::send_body`] would send for `body` and
    /// `request`, with the credentials (see [`Trigger::preview`]).
    pub fn preview_body(
        &self,
        body: WebhookBody,
        request: &TriggerRequest,
    ) -> Result<RequestPreview> {
        let wire = RequestPreview::new(self.method.clone(), self.url.clone());
        self.write(wire, body, request).finish(&self.transport)
    }

    /// Calls the webhook with `request`'s payload (in the builder's body
    /// format) and returns the answer as sent; error answers are typed errors.
    /// For streaming webhooks this reads the whole stream.
    ///
    /// # Errors
    ///
    /// A payload the body format cannot carry ([`Error::Config`]), or the
    /// call's typed error (see [`Trigger::trigger`]).
    // Not an `async fn`, here and in `send_body`: the future is the call's
    // own (as for `trigger`), not the call plus a second copy of the request.
    pub fn send(
        &self,
        mut request: TriggerRequest,
    ) -> impl Future<Output = Result<WebhookResponse>> + Send + '_ {
        match self.take_body(&mut request) {
            Ok(body) => Either::Left(self.send_body(body, request)),
            Err(e) => Either::Right(std::future::ready(Err(e))),
        }
    }

    /// Calls the webhook with an explicit body (raw bytes, a form, text …);
    /// `request`'s payload is ignored, its query and headers are sent.
    ///
    /// # Errors
    ///
    /// As for [`WebhookTrigger::send`].
    pub fn send_body(
        &self,
        body: WebhookBody,
        request: TriggerRequest,
    ) -> impl Future<Output = Result<WebhookResponse>> + Send + '_ {
        self.request_for(body, &request)
            .send()
            .map(|answer| Ok(WebhookResponse::from_http(answer?)))
    }

    /// Starts a run with an explicit body (see [`WebhookTrigger::send_body`])
    /// and returns its handle, as [`Trigger::trigger`] does.
    pub fn trigger_with_body(
        &self,
        body: WebhookBody,
        request: TriggerRequest,
    ) -> impl Future<Output = Result<Box<dyn RunHandle>>> + Send + '_ {
        // Built before anything is awaited and mapped, not awaited in an
        // `async` block: the future is the call's own, plus what the handle
        // needs (an `async` block would also keep the call it moves in).
        match self.prepare(body, request) {
            Prepared::Stream(call) => Either::Left(call.stream().map(move |response| {
                let limit = self.transport.options().max_answer_size;
                Ok(Box::new(StreamingRun::new(response?, limit)) as Box<dyn RunHandle>)
            })),
            Prepared::Answer(call, marker) => Either::Right(call.send().map(move |answer| {
                Ok(tracking::handle_for(
                    self.mode,
                    &self.tracking,
                    self.id_pointer.as_deref(),
                    marker,
                    WebhookResponse::from_http(answer?),
                ))
            })),
        }
    }

    /// The call that starts a run: streamed for a streaming webhook, else
    /// read whole, with the marker header when the run is tracked by marker.
    fn prepare(&self, body: WebhookBody, mut request: TriggerRequest) -> Prepared<'_> {
        if self.mode == ResponseMode::Streaming {
            return Prepared::Stream(self.request_for(body, &request));
        }
        let marker = self.tracking.new_marker();
        if let Some(marker) = &marker {
            request
                .headers
                .push((MARKER_HEADER.to_owned(), marker.clone()));
        }
        Prepared::Answer(self.request_for(body, &request), marker)
    }
}

/// A trigger's call, ready to send.
enum Prepared<'t> {
    /// A streaming webhook: the answer is read as it comes.
    Stream(Call<'t>),
    /// Any other: the answer read whole, and the run's marker if tracked.
    Answer(Call<'t>, Option<String>),
}

/// The n8n base URL: a base that already ends with the webhook prefix
/// (`…/webhook` or `…/webhook-test`, as n8n shows the URL) is cut back to
/// the server, so the prefix is not doubled.
fn server_base(base_url: &str) -> &str {
    let base = base_url.trim_end_matches('/');
    ["/webhook-test", "/webhook"]
        .iter()
        .find_map(|prefix| base.strip_suffix(prefix))
        .unwrap_or(base)
}

impl WebhookTriggerBuilder {
    /// The HTTP method (one of `DELETE GET HEAD PATCH POST PUT`).
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// Calls the test URL (`/webhook-test/…`), served only while the editor
    /// listens, for one call per "Execute workflow" click.
    pub fn test_url(mut self) -> Self {
        self.test = true;
        self
    }

    /// Production (`/webhook/…`, the default) or test URL.
    pub fn production(mut self, production: bool) -> Self {
        self.test = !production;
        self
    }

    /// The Webhook node's webhook id. n8n serves dynamic paths (with
    /// `:param` segments) at `/webhook/<webhookId>/<path>`; static paths
    /// ignore it.
    pub fn webhook_id(mut self, id: impl Into<String>) -> Self {
        self.webhook_id = Some(id.into());
        self
    }

    /// A value for the dynamic path segment `:name`.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// A query parameter sent on every call (repeat a key for an array).
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// The Webhook node's authentication.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Header auth: `name: value`.
    pub fn header_auth(self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.auth(Auth::header(name, value))
    }

    /// Basic auth.
    pub fn basic_auth(self, user: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.auth(Auth::basic(user, password))
    }

    /// JWT auth: an HS256 token signed from `secret` over `claims`.
    pub fn jwt_auth(self, secret: impl Into<Secret>, claims: Value) -> Self {
        self.auth(Auth::jwt(secret, claims))
    }

    /// How the payload is sent (JSON by default).
    pub fn body_format(mut self, format: BodyFormat) -> Self {
        self.body_format = format;
        self
    }

    /// The response mode the Webhook node is set to.
    pub fn response_mode(mut self, mode: ResponseMode) -> Self {
        self.mode = mode;
        self
    }

    /// The longest a call may take, answer included (`lastNode` waits for
    /// the whole run): the attempt and total timeouts. A call that times out
    /// is [`Error::Ambiguous`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeouts = self
            .options
            .timeouts
            .attempt(Some(timeout))
            .total(Some(timeout));
        self
    }

    /// Follows `onReceived` runs through the public API: the workflow's
    /// answer carries its execution id at `pointer` (a JSON pointer such as
    /// `/executionId`, from `{{$execution.id}}` in a custom response or a
    /// Respond node), and the handle polls
    /// `GET /executions/{id}?includeData=true`. Synchronous modes also set
    /// the outcome's run id from it.
    ///
    /// Only an n8n execution id (digits) is taken: anything else is
    /// [`Error::NotTrackable`], never a guess. n8n 1.x answers `onReceived`
    /// calls before the execution exists, so `{{$execution.id}}` there reads
    /// `"__UNKNOWN__"`; on 1.x return the id from a Respond to Webhook node
    /// placed first, or use [`WebhookTriggerBuilder::track_by_marker`].
    pub fn track_execution_id(mut self, pointer: impl Into<String>, client: N8nClient) -> Self {
        let pointer = pointer.into();
        self.id_pointer = Some(pointer.clone());
        self.tracking = Tracking::ExecutionId { pointer, client };
        self
    }

    /// Follows runs of the workflow `workflow_id` without changing the
    /// workflow: each call carries a fresh marker in the
    /// [`MARKER_HEADER`](crate::MARKER_HEADER) header, which the Webhook node
    /// records, and the handle looks for the execution whose data carries it
    /// (`GET /executions?workflowId=…&includeData=true`, running ones too).
    /// Until n8n lists it the status is `Pending`. Each handle gets the
    /// execution its own call started, however many calls run at once.
    ///
    /// Used for `onReceived` answers and for a `responseNode` answer whose
    /// Respond node was not reached (an empty 200). n8n must keep the
    /// executions (its default).
    pub fn track_by_marker(mut self, workflow_id: impl Into<String>, client: N8nClient) -> Self {
        self.id_pointer = None;
        self.tracking = Tracking::Marker {
            workflow_id: Some(workflow_id.into()),
            client,
        };
        self
    }

    trigger_sdk_core::client_options_methods!();

    /// The URL path under the base: `webhook[-test]/[<webhookId>/]<path>`
    /// with `:param` segments replaced.
    fn segments(&self) -> Result<Vec<String>> {
        let path = self.path.trim_matches('/');
        if path.is_empty() {
            return Err(Error::Config("the webhook path is empty".into()));
        }
        let mut segments = vec![if self.test { "webhook-test" } else { "webhook" }.to_owned()];
        let dynamic = path.split('/').any(|s| s.starts_with(':'));
        if dynamic && let Some(id) = &self.webhook_id {
            segments.push(id.clone());
        }
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            match segment.strip_prefix(':') {
                Some(name) => {
                    let value = self
                        .params
                        .iter()
                        .rev()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.clone())
                        .ok_or_else(|| {
                            Error::Config(format!(
                                "the webhook path {path:?} needs a value for :{name} (use .param)"
                            ))
                        })?;
                    segments.push(value);
                }
                None => segments.push(segment.to_owned()),
            }
        }
        Ok(segments)
    }

    /// Builds the trigger; fails on an invalid URL, a method n8n does not
    /// have, or a dynamic segment without a value.
    pub fn build(self) -> Result<WebhookTrigger> {
        if !WEBHOOK_METHODS.contains(&self.method) {
            return Err(Error::Config(format!(
                "n8n webhooks accept DELETE, GET, HEAD, PATCH, POST and PUT, not {}",
                self.method
            )));
        }
        let segments = self.segments()?;
        let transport = Transport::builder(Provider::N8n, server_base(&self.base_url))
            .options(self.options)
            .auth(self.auth)
            .errors(webhook_error)
            .build()?;
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let url = transport.endpoint(&segments)?;
        Ok(WebhookTrigger {
            transport,
            url,
            method: self.method,
            query: self.query,
            body_format: self.body_format,
            mode: self.mode,
            tracking: self.tracking,
            id_pointer: self.id_pointer,
        })
    }
}

#[async_trait]
impl Trigger for WebhookTrigger {
    fn provider(&self) -> Provider {
        Provider::N8n
    }

    fn target(&self) -> String {
        format!("{} {}", self.method, self.url.path())
    }

    /// Calls the webhook. `request.idempotency_key` is not sent (n8n has no
    /// idempotency keys), so the call is never retried once sent;
    /// `request.mode` does not change the call: the Webhook node's response
    /// mode decides whether the answer is the result.
    // Written out instead of `async fn`: `async_trait` would box a future
    // that keeps the request (twice) beside the call made from it; this one
    // holds only the call (a smaller allocation per trigger).
    fn trigger<'life0, 'async_trait>(
        &'life0 self,
        mut request: TriggerRequest,
    ) -> Pin<Box<dyn Future<Output = Result<Box<dyn RunHandle>>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        match self.take_body(&mut request) {
            Ok(body) => Box::pin(self.trigger_with_body(body, request)),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }

    /// The webhook call with its auth header (a JWT signed as for the call).
    /// The tracking marker of [`WebhookTriggerBuilder::track_by_marker`], new
    /// for each call, is left out.
    fn preview(&self, request: &TriggerRequest) -> Result<RequestPreview> {
        let body = WebhookBody::from_payload(&request.payload, &self.body_format)?;
        self.preview_body(body, request)
    }

    /// Rebuilds an [`crate::ExecutionHandle`] from an execution id, when the
    /// trigger has an API client ([`WebhookTriggerBuilder::track_execution_id`]
    /// or [`WebhookTriggerBuilder::track_by_marker`]).
    fn resume(&self, run_id: RunId) -> Result<Box<dyn RunHandle>> {
        match self.tracking.client() {
            Some(client) => Ok(Box::new(
                client.execution_handle(run_id.as_str().to_owned()),
            )),
            None => Err(Error::Unsupported {
                message: "this webhook trigger has no n8n API client to follow executions; \
                          build it with track_by_marker or track_execution_id, or use \
                          N8nClient::execution_handle"
                    .into(),
                error: None,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_for_static_dynamic_and_test_paths() {
        let t = WebhookTrigger::builder("http://h:1/n8n/", "send-email")
            .build()
            .unwrap();
        assert_eq!(t.url().as_str(), "http://h:1/n8n/webhook/send-email");
        let t = WebhookTrigger::builder("http://h:1", "users/:userId")
            .webhook_id("abc")
            .param("userId", "42")
            .method(Method::GET)
            .build()
            .unwrap();
        assert_eq!(t.url().as_str(), "http://h:1/webhook/abc/users/42");
        assert_eq!(t.target(), "GET /webhook/abc/users/42");
        let t = WebhookTrigger::builder("http://h:1", "send-email")
            .test_url()
            .build()
            .unwrap();
        assert_eq!(t.url().as_str(), "http://h:1/webhook-test/send-email");
    }

    #[test]
    fn a_base_that_ends_with_the_webhook_prefix_is_not_doubled() {
        for base in [
            "http://h:1/n8n/webhook",
            "http://h:1/n8n/webhook/",
            "http://h:1/n8n/webhook-test",
            "http://h:1/n8n",
        ] {
            let t = WebhookTrigger::builder(base, "send-email").build().unwrap();
            assert_eq!(
                t.url().as_str(),
                "http://h:1/n8n/webhook/send-email",
                "{base}"
            );
        }
    }

    #[test]
    fn bad_builders_are_config_errors() {
        assert!(matches!(
            WebhookTrigger::builder("http://h", "users/:id").build(),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            WebhookTrigger::builder("http://h", "x")
                .method(Method::TRACE)
                .build(),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            WebhookTrigger::builder("http://h", "").build(),
            Err(Error::Config(_))
        ));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let t = WebhookTrigger::builder("http://localhost", "x")
            .header_auth("x-webhook-secret", "s3cret-token")
            .build()
            .unwrap();
        assert!(!format!("{t:?}").contains("s3cret"));
    }
}
