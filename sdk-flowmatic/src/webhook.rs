//! [`FlowmaticWebhook`]: starts runs through `{base}/api/webhooks/{webhookId}`,
//! signing each call when given the webhook's secret.

use std::{fmt, time::Duration};

use serde_json::Value;
use trigger_sdk_core::{
    ClientOptions, Error, PreviewValue, Provider, RequestPreview, RequestWriter, Result, RunHandle,
    RunId, Safety, Secret, Timeouts, Transport, Trigger, TriggerRequest, async_trait,
    reqwest::{Method, header::CONTENT_TYPE},
    signature::sign_sha256,
};
use url::Url;

use crate::{
    answer::{Acknowledgement, WebhookAnswer, responded},
    client::FlowmaticClient,
    error::error_from_answer,
    execution::FlowmaticExecution,
};

/// The header that carries the webhook signature.
pub const SIGNATURE_HEADER: &str = "X-Webhook-Signature";

/// How a webhook is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum WebhookMethod {
    /// `POST` with the payload as the JSON body (signed: the body bytes).
    #[default]
    Post,
    /// `GET` with the payload as query parameters (signed: the raw query string).
    Get,
}

impl fmt::Display for WebhookMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Post => "POST",
            Self::Get => "GET",
        })
    }
}

/// The default timeouts of a webhook call: Flowmatic holds a sync call (a
/// Response node) for up to 30 s, so one attempt may take 45 s.
pub fn default_webhook_timeouts() -> Timeouts {
    Timeouts::default()
        .connect(Duration::from_secs(10))
        .attempt(Some(Duration::from_secs(45)))
        .total(Some(Duration::from_secs(60)))
}

/// A Flowmatic webhook trigger.
///
/// Each call sends the request's payload once: as the JSON body of a `POST`,
/// or as the query of a `GET`. With a secret, it carries
/// `X-Webhook-Signature: sha256=<hex>` computed over exactly the bytes sent
/// (the body is serialized once and those bytes are signed and sent; for a
/// `GET`, the raw query string as it appears in the URL).
///
/// The answer is told apart by the rule in [`crate::answer`]: Flowmatic's
/// acknowledgement gives a [`FlowmaticExecution`] (which polls when the
/// webhook has a [`FlowmaticClient`]); a Response node's answer gives a
/// finished run with that body and status.
///
/// Flowmatic takes no idempotency key: a call is never retried once sent,
/// and a timeout or a dropped connection is [`Error::Ambiguous`] (the run may
/// have started). An idempotency key in the [`TriggerRequest`] is not sent.
/// [`TriggerRequest::mode`] has no effect: Flowmatic decides between a sync
/// answer and an acknowledgement by the workflow.
///
/// ```no_run
/// use trigger_sdk_core::{Secret, Trigger, TriggerRequest};
/// use trigger_sdk_flowmatic::{FlowmaticWebhook, WebhookMethod};
/// # async fn run() -> trigger_sdk_core::Result<()> {
/// let webhook = FlowmaticWebhook::builder("https://flowmatic.example.com", "abc-123")
///     .method(WebhookMethod::Get)
///     .secret(Secret::new("whsec_..."))
///     .build()?;
/// let handle = webhook
///     .trigger(TriggerRequest::new(serde_json::json!({"event": "signup"})))
///     .await?;
/// println!("{:?}", handle.status().await?.status);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct FlowmaticWebhook {
    transport: Transport,
    url: Url,
    webhook_id: String,
    method: WebhookMethod,
    secret: Option<Secret>,
    client: Option<FlowmaticClient>,
}

impl fmt::Debug for FlowmaticWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowmaticWebhook")
            .field("url", &self.target())
            .field("method", &self.method)
            .field("signed", &self.secret.is_some())
            .field("trackable", &self.client.is_some())
            .finish()
    }
}

/// Builds a [`FlowmaticWebhook`]. The [`ClientOptions`] methods (`options`,
/// `http_client`, `timeouts`, `retry`, …) are the same on every provider
/// builder; the timeouts default to [`default_webhook_timeouts`].
#[derive(Debug, Clone)]
pub struct FlowmaticWebhookBuilder {
    base_url: String,
    webhook_id: String,
    method: WebhookMethod,
    secret: Option<Secret>,
    client: Option<FlowmaticClient>,
    options: ClientOptions,
    shares_client: bool,
}

impl FlowmaticWebhookBuilder {
    /// `POST` (the default) or `GET`.
    pub fn method(mut self, method: WebhookMethod) -> Self {
        self.method = method;
        self
    }

    /// The webhook's secret: every call is signed with it.
    pub fn secret(mut self, secret: impl Into<Secret>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// A REST client (with the API token): acknowledged runs can then be
    /// polled to their end. Its connection pool and concurrency cap are
    /// shared unless `http_client` sets another client.
    pub fn client(mut self, client: FlowmaticClient) -> Self {
        self.client = Some(client);
        self.shares_client = true;
        self
    }

    trigger_sdk_core::client_options_methods!();

    /// Builds the webhook; fails on an invalid base URL or webhook id.
    pub fn build(self) -> Result<FlowmaticWebhook> {
        if self.webhook_id.is_empty() || self.webhook_id.contains('/') {
            return Err(Error::Config(format!(
                "invalid Flowmatic webhook id {:?}",
                self.webhook_id
            )));
        }
        let mut transport =
            Transport::builder(Provider::Flowmatic, self.base_url).errors(error_from_answer);
        if self.secret.is_some() {
            transport = transport.carries_secret();
        }
        if let Some(client) = &self.client
            && self.shares_client
            && self.options.http_client.is_none()
        {
            transport = transport.sharing(client.transport());
        }
        let transport = transport.options(self.options).build()?;
        let url = transport.url(&format!("api/webhooks/{}", self.webhook_id))?;
        Ok(FlowmaticWebhook {
            transport,
            url,
            webhook_id: self.webhook_id,
            method: self.method,
            secret: self.secret,
            client: self.client,
        })
    }
}

impl FlowmaticWebhook {
    /// An unsigned `POST` webhook at `base_url` (the part before `/api`).
    pub fn new(base_url: impl Into<String>, webhook_id: impl Into<String>) -> Result<Self> {
        Self::builder(base_url, webhook_id).build()
    }

    /// A builder: method, secret, REST client, timeouts.
    pub fn builder(
        base_url: impl Into<String>,
        webhook_id: impl Into<String>,
    ) -> FlowmaticWebhookBuilder {
        FlowmaticWebhookBuilder {
            base_url: base_url.into(),
            webhook_id: webhook_id.into(),
            method: WebhookMethod::Post,
            secret: None,
            client: None,
            options: ClientOptions::default().timeouts(default_webhook_timeouts()),
            shares_client: false,
        }
    }

    /// The webhook id.
    pub fn webhook_id(&self) -> &str {
        &self.webhook_id
    }

    /// The method.
    pub fn method(&self) -> WebhookMethod {
        self.method
    }

    /// The REST client that follows acknowledged runs, if any.
    pub fn client(&self) -> Option<&FlowmaticClient> {
        self.client.as_ref()
    }

    /// Calls the webhook and tells the answer apart ([`crate::answer`]).
    pub async fn send(&self, request: TriggerRequest) -> Result<WebhookAnswer> {
        if request.idempotency_key.is_some() {
            tracing::debug!("Flowmatic webhooks take no idempotency key; it is not sent");
        }
        // A webhook call can start a run and takes no key (a GET too): the
        // transport's rules make any failure after sending `Ambiguous`.
        let answer = self
            .write(|method, url| self.transport.call(method, url), &request)?
            .safety(Safety::Unkeyed)
            .send()
            .await?;
        Ok(
            match Acknowledgement::recognize(&self.webhook_id, answer.status, &answer.body) {
                Some(ack) => WebhookAnswer::Acknowledged(FlowmaticExecution::from_acknowledgement(
                    ack,
                    self.client.clone(),
                )),
                None => WebhookAnswer::Responded(responded(answer.status, answer.body)),
            },
        )
    }

    /// The webhook request, written into what `new` makes of its method and
    /// URL (the call, or a preview): a `POST` of the JSON payload (`null` as
    /// `{}`) with the request's query, or a `GET` with the payload as query;
    /// the request's headers; the signature of exactly the body bytes, or of
    /// the raw query string as it goes on the wire.
    fn write<W: RequestWriter>(
        &self,
        new: impl FnOnce(Method, Url) -> W,
        request: &TriggerRequest,
    ) -> Result<W> {
        let mut url = self.url.clone();
        Ok(match self.method {
            WebhookMethod::Post => {
                // Serialized once: these bytes are signed and sent.
                let body = match &request.payload {
                    Value::Null => b"{}".to_vec(),
                    payload => serde_json::to_vec(payload)
                        .map_err(|e| Error::Config(format!("payload does not serialize: {e}")))?,
                };
                if !request.query.is_empty() {
                    url.query_pairs_mut().extend_pairs(&request.query);
                }
                let signature = self.signature(&body);
                self.headers(new(Method::POST, url), request, signature)
                    .body(body, Some("application/json"))
            }
            WebhookMethod::Get => {
                let mut pairs = query_of(&request.payload)?;
                pairs.extend(request.query.iter().cloned());
                if !pairs.is_empty() {
                    url.query_pairs_mut().extend_pairs(&pairs);
                }
                let signature = self.signature(url.query().unwrap_or_default().as_bytes());
                self.headers(new(Method::GET, url), request, signature)
            }
        })
    }

    /// The signature of `signed`, when the webhook has a secret.
    fn signature(&self, signed: &[u8]) -> Option<PreviewValue> {
        let secret = self.secret.as_ref()?;
        Some(PreviewValue::Signature(Secret::new(sign_sha256(
            secret, signed,
        ))))
    }

    /// The request's own headers, except those the SDK sets itself
    /// (`Content-Type`, and the signature when it signs), then the signature.
    fn headers<W: RequestWriter>(
        &self,
        mut wire: W,
        request: &TriggerRequest,
        signature: Option<PreviewValue>,
    ) -> W {
        for (name, value) in &request.headers {
            let ours = name.eq_ignore_ascii_case(CONTENT_TYPE.as_str())
                || (self.secret.is_some() && name.eq_ignore_ascii_case(SIGNATURE_HEADER));
            if !ours {
                wire = wire.header(name, value);
            }
        }
        match signature {
            Some(signature) => wire.secret_header(SIGNATURE_HEADER, signature),
            None => wire,
        }
    }
}

/// A payload as query pairs for a `GET`: an object's fields in order
/// (strings as they are, numbers and booleans as their JSON text, arrays
/// and objects as JSON, `null`s left out); `null` is no pairs.
fn query_of(payload: &Value) -> Result<Vec<(String, String)>> {
    match payload {
        Value::Null => Ok(Vec::new()),
        Value::Object(fields) => Ok(fields
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let text = trigger_sdk_core::json::text(v);
                (k.clone(), text)
            })
            .collect()),
        other => Err(Error::Config(format!(
            "a GET webhook takes an object payload (its fields become the query), not {other}"
        ))),
    }
}

#[async_trait]
impl Trigger for FlowmaticWebhook {
    fn provider(&self) -> Provider {
        Provider::Flowmatic
    }

    fn target(&self) -> String {
        let mut url = self.url.clone();
        // A base URL may carry credentials; they are not part of the target.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        format!("{} {url}", self.method)
    }

    async fn trigger(&self, request: TriggerRequest) -> Result<Box<dyn RunHandle>> {
        self.send(request).await.map(WebhookAnswer::into_handle)
    }

    /// The webhook call, its [`SIGNATURE_HEADER`] computed over exactly the
    /// body (or query) in the preview.
    fn preview(&self, request: &TriggerRequest) -> Result<RequestPreview> {
        self.write(RequestPreview::new, request)?
            .finish(&self.transport)
    }

    fn resume(&self, run_id: RunId) -> Result<Box<dyn RunHandle>> {
        Ok(Box::new(FlowmaticExecution::new(
            run_id,
            self.client.clone(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn query_of_objects_and_refusals() {
        let pairs =
            query_of(&json!({"event": "a b", "n": 3, "ok": true, "x": null, "o": {"k": 1}}))
                .unwrap();
        assert_eq!(
            pairs,
            [
                ("event".to_owned(), "a b".to_owned()),
                ("n".to_owned(), "3".to_owned()),
                ("ok".to_owned(), "true".to_owned()),
                ("o".to_owned(), r#"{"k":1}"#.to_owned()),
            ]
        );
        assert!(query_of(&Value::Null).unwrap().is_empty());
        assert!(matches!(query_of(&json!([1])), Err(Error::Config(_))));
    }

    #[test]
    fn target_names_method_and_url_without_credentials() {
        let hook = FlowmaticWebhook::builder("http://user:pw@localhost:1/fm", "abc-123")
            .method(WebhookMethod::Get)
            .secret("s")
            .build()
            .unwrap();
        assert_eq!(
            hook.target(),
            "GET http://localhost:1/fm/api/webhooks/abc-123"
        );
        let debug = format!("{hook:?}");
        assert!(!debug.contains("pw") && debug.contains("signed: true"));
    }

    #[test]
    fn invalid_webhook_ids_are_refused() {
        for id in ["", "a/b"] {
            assert!(matches!(
                FlowmaticWebhook::new("http://localhost:1", id),
                Err(Error::Config(_))
            ));
        }
    }
}
