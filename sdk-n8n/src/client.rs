//! [`N8nClient`]: the n8n public API (`/api/v1`, header `X-N8N-API-KEY`) —
//! workflows, executions, tags — plus [`N8nClient::execute_workflow`] and
//! [`N8nClient::activate_and_wait`].

use std::time::Duration;

use futures::stream::BoxStream;
use reqwest::Method;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use tokio::time::Instant;
use trigger_sdk_core::{
    Auth, ClientOptions, Error, Provider, Result, Safety, Secret, Transport,
    paginate::{Page, paginate},
    transport::HttpResponse,
};
use url::Url;

use crate::{
    error::{self, N8nErrorKind, decode},
    execution::ExecutionHandle,
    models::{
        Execution, ExecutionFilter, ListPage, NewWorkflow, Tag, WebhookNode, Workflow,
        WorkflowFilter, clamp_limit,
    },
};

/// The header that carries the API key.
pub const API_KEY_HEADER: &str = "X-N8N-API-KEY";

/// A client of one n8n server's public API. Cheap to clone (the connection
/// pool is shared).
///
/// ```
/// # async fn example() -> trigger_sdk_core::Result<()> {
/// use futures::TryStreamExt;
/// use trigger_sdk_n8n::{ExecutionFilter, N8nClient};
///
/// let client = N8nClient::new("http://localhost:5678", "n8n_api_key")?;
/// let failed: Vec<_> = client
///     .executions(ExecutionFilter::default().status(trigger_sdk_n8n::ExecutionStatus::Error))
///     .try_collect()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct N8nClient {
    /// `{base}/api/v1` with the API key.
    api: Transport,
    /// `{base}` without credentials, for webhook probes.
    server: Transport,
}

/// Builds an [`N8nClient`]. The [`ClientOptions`] methods (`options`,
/// `http_client`, `timeouts`, `retry`, `rate_limit`, …) are the same on
/// every provider builder; `rate_limit` is one bucket for every API request.
#[derive(Debug, Clone)]
pub struct N8nClientBuilder {
    base_url: String,
    api_key: Secret,
    options: ClientOptions,
}

impl N8nClientBuilder {
    trigger_sdk_core::client_options_methods!();

    /// Builds the client; fails on an invalid base URL, or an `http://` URL
    /// to a host that is not loopback (see `allow_insecure_http`).
    pub fn build(self) -> Result<N8nClient> {
        let base = self.base_url.trim_end_matches('/');
        let api = Transport::builder(Provider::N8n, format!("{base}/api/v1"))
            .options(self.options.clone())
            .auth(Auth::header(API_KEY_HEADER, self.api_key))
            .errors(error::api_error)
            .build()?;
        // Webhook probes: no credential, the same pool and cap.
        let server = Transport::builder(Provider::N8n, base)
            .options(self.options)
            .errors(error::webhook_error)
            .sharing(&api)
            .build()?;
        Ok(N8nClient { api, server })
    }
}

/// Query pairs of a list call.
type Query = Vec<(&'static str, String)>;

impl N8nClient {
    /// A client for the n8n at `base_url` (for example `http://localhost:5678`;
    /// the API lives under `{base_url}/api/v1`).
    pub fn new(base_url: impl Into<String>, api_key: impl Into<Secret>) -> Result<Self> {
        Self::builder(base_url, api_key).build()
    }

    trigger_sdk_core::env_constructors! {
        N8nClient => N8nClientBuilder, "A client", "more options";
        ENV_BASE_URL = "N8N_BASE_URL": var, "the base URL";
        ENV_API_KEY = "N8N_API_KEY": secret, "the API key";
    }

    /// A builder, for retries, timeouts, a rate limit or a shared HTTP client.
    pub fn builder(base_url: impl Into<String>, api_key: impl Into<Secret>) -> N8nClientBuilder {
        N8nClientBuilder {
            base_url: base_url.into(),
            api_key: api_key.into(),
            options: ClientOptions::default(),
        }
    }

    /// The n8n base URL (without `/api/v1`).
    pub fn base_url(&self) -> &Url {
        self.server.base_url()
    }

    fn url(&self, segments: &[&str]) -> Result<Url> {
        self.api.endpoint(segments)
    }

    /// The transport of the public API (for options such as the poll backoff).
    pub(crate) fn transport(&self) -> &Transport {
        &self.api
    }

    /// One API request: the 2xx answer, or the typed error (`errors`
    /// overrides the API's error table).
    async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
        safety: Safety,
        errors: Option<&(dyn Fn(&HttpResponse) -> Error + Send + Sync)>,
    ) -> Result<HttpResponse> {
        let mut call = self
            .api
            .call(method, self.url(segments)?)
            .query(query.iter().map(|(k, v)| (*k, v.as_str())))
            .safety(safety);
        if let Some(body) = body {
            call = call.json(body);
        }
        if let Some(errors) = errors {
            call = call.errors(errors);
        }
        call.send().await
    }

    async fn get<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T> {
        decode(
            &self
                .call(Method::GET, segments, query, None, Safety::Safe, None)
                .await?,
        )
    }

    async fn write<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
        safety: Safety,
    ) -> Result<T> {
        decode(&self.call(method, segments, &[], body, safety, None).await?)
    }

    fn list<T>(&self, resource: &'static str, query: Query) -> BoxStream<'static, Result<T>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client = self.clone();
        paginate(None, move |cursor: Option<String>| {
            let client = client.clone();
            let query = query.clone();
            async move {
                let page: ListPage<T> = client.page(resource, query, cursor).await?;
                Ok(Page::new(page.data, page.next_cursor))
            }
        })
    }

    async fn page<T: DeserializeOwned>(
        &self,
        resource: &str,
        mut query: Query,
        cursor: Option<String>,
    ) -> Result<ListPage<T>> {
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor));
        }
        self.get(&[resource], &query).await
    }

    // ---- workflows -------------------------------------------------------

    /// All workflows matching `filter`, following `nextCursor` page by page.
    pub fn workflows(&self, filter: WorkflowFilter) -> BoxStream<'static, Result<Workflow>> {
        self.list("workflows", filter.query())
    }

    /// One page of workflows (`cursor` from the previous page's `next_cursor`).
    pub async fn workflows_page(
        &self,
        filter: &WorkflowFilter,
        cursor: Option<String>,
    ) -> Result<ListPage<Workflow>> {
        self.page("workflows", filter.query(), cursor).await
    }

    /// A workflow by id.
    pub async fn workflow(&self, id: &str) -> Result<Workflow> {
        self.get(&["workflows", id], &[]).await
    }

    /// Creates a workflow (inactive).
    pub async fn create_workflow(&self, workflow: &NewWorkflow) -> Result<Workflow> {
        let body = to_json(workflow)?;
        self.write(Method::POST, &["workflows"], Some(&body), Safety::Unkeyed)
            .await
    }

    /// Replaces a workflow.
    pub async fn update_workflow(&self, id: &str, workflow: &NewWorkflow) -> Result<Workflow> {
        let body = to_json(workflow)?;
        self.write(Method::PUT, &["workflows", id], Some(&body), Safety::Safe)
            .await
    }

    /// Deletes a workflow; returns it.
    pub async fn delete_workflow(&self, id: &str) -> Result<Workflow> {
        self.write(Method::DELETE, &["workflows", id], None, Safety::Safe)
            .await
    }

    /// Activates a workflow. On n8n 2.x its production webhooks are served
    /// only 90–380 ms after this answers; use [`N8nClient::activate_and_wait`]
    /// before calling them.
    pub async fn activate_workflow(&self, id: &str) -> Result<Workflow> {
        self.write(
            Method::POST,
            &["workflows", id, "activate"],
            None,
            Safety::Safe,
        )
        .await
    }

    /// Deactivates a workflow.
    pub async fn deactivate_workflow(&self, id: &str) -> Result<Workflow> {
        self.write(
            Method::POST,
            &["workflows", id, "deactivate"],
            None,
            Safety::Safe,
        )
        .await
    }

    /// Activates a workflow, then waits until each of its production
    /// webhooks is served, at most `timeout` ([`Error::Timeout`] after).
    ///
    /// n8n 2.x registers webhooks asynchronously (90–380 ms after
    /// `/activate` answers). The probe starts no run: it calls each webhook
    /// with a method the webhook does not accept; n8n answers `404 "not
    /// registered"` until the webhook is live and `404 "… Did you mean to
    /// make a POST request?"` after. A webhook that accepts all six methods
    /// cannot be probed this way and is not waited for.
    pub async fn activate_and_wait(&self, id: &str, timeout: Duration) -> Result<Workflow> {
        let deadline = Instant::now() + timeout;
        let workflow = self.activate_workflow(id).await?;
        for node in workflow.webhook_nodes() {
            self.wait_registered(&node, deadline, timeout).await?;
        }
        Ok(workflow)
    }

    async fn wait_registered(
        &self,
        node: &WebhookNode,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<()> {
        // HEAD answers carry no body, so they cannot say "Did you mean".
        let probes = [
            Method::DELETE,
            Method::PATCH,
            Method::PUT,
            Method::POST,
            Method::GET,
        ];
        let Some(probe) = probes
            .into_iter()
            .find(|m| !node.methods.iter().any(|a| a == m.as_str()))
        else {
            tracing::debug!(node = %node.name, "webhook accepts every method; not probed");
            return Ok(());
        };
        let url = self.server.url(&format!("webhook/{}", node.url_path()))?;
        let late = || {
            Error::timeout(format!(
                "the webhook {} of the activated workflow was not registered within {timeout:?}",
                node.url_path()
            ))
        };
        let mut delay = Duration::from_millis(20);
        loop {
            // A method the webhook does not accept starts no run: safe.
            let answer = self
                .server
                .call(probe.clone(), url.clone())
                .safety(Safety::Safe)
                .deadline(deadline)
                .send()
                .await;
            let registered = match answer {
                Ok(_) => true,
                Err(e) if e.status() == Some(404) => matches!(
                    e.detail::<N8nErrorKind>(),
                    Some(N8nErrorKind::MethodNotAllowed { .. })
                ),
                Err(e) if e.status().is_some() => true,
                Err(Error::Timeout { .. }) => return Err(late()),
                Err(e) => return Err(e),
            };
            if registered {
                return Ok(());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(late());
            }
            tokio::time::sleep(delay.min(deadline - now)).await;
            delay = (delay * 2).min(Duration::from_millis(250));
        }
    }

    /// Starts a workflow through `POST /workflows/{id}/execute`.
    ///
    /// **Released n8n versions have no such endpoint** (nor `/run`, nor
    /// `/workflow/{id}/start`): they answer 405 or 404, which this returns as
    /// [`Error::Unsupported`] telling you to add a Webhook trigger to the
    /// workflow and call it with [`crate::WebhookTrigger`]. Servers that do
    /// have it (the reference server with its `execute_endpoint` option)
    /// answer the execution, and this returns its handle.
    pub async fn execute_workflow(&self, id: &str, input: Value) -> Result<ExecutionHandle> {
        let errors = |answer: &HttpResponse| {
            let message = answer
                .json_value()
                .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned));
            // 404 `{"message":"Not Found"}` is an unknown workflow on a server that
            // has the endpoint; any other 404 (`not found`) or 405 is a missing route.
            let missing_route = answer.status == 405
                || (answer.status == 404 && message.as_deref() != Some("Not Found"));
            if !missing_route {
                return error::api_error(answer);
            }
            let api = answer
                .api_error(message.unwrap_or_else(|| format!("HTTP {}", answer.status)))
                .with_detail(N8nErrorKind::NoExecuteEndpoint);
            Error::Unsupported {
                message: format!(
                    "this n8n has no public endpoint to execute workflow {id} (HTTP {}): n8n \
                     starts workflows through triggers only. Add a Webhook trigger node to the \
                     workflow, activate it, and call it with trigger_sdk_n8n::WebhookTrigger",
                    answer.status
                ),
                error: Some(Box::new(api)),
            }
        };
        let answer = self
            .call(
                Method::POST,
                &["workflows", id, "execute"],
                &[],
                Some(&input),
                Safety::Unkeyed,
                Some(&errors),
            )
            .await?;
        let execution: Execution = decode(&answer)?;
        if execution.id.is_empty() {
            return Err(Error::decode(
                "the execute answer has no execution id",
                Some(answer.status),
                &answer.body,
            ));
        }
        Ok(self.execution_handle(execution.id))
    }

    // ---- executions ------------------------------------------------------

    /// All executions matching `filter`, newest first, following `nextCursor`.
    /// n8n leaves running executions out unless the filter's status is `running`.
    pub fn executions(&self, filter: ExecutionFilter) -> BoxStream<'static, Result<Execution>> {
        self.list("executions", filter.query())
    }

    /// One page of executions.
    pub async fn executions_page(
        &self,
        filter: &ExecutionFilter,
        cursor: Option<String>,
    ) -> Result<ListPage<Execution>> {
        self.page("executions", filter.query(), cursor).await
    }

    /// An execution by id; `include_data` adds its run data.
    pub async fn execution(&self, id: &str, include_data: bool) -> Result<Execution> {
        let query = if include_data {
            vec![("includeData", "true".to_owned())]
        } else {
            Vec::new()
        };
        self.get(&["executions", id], &query).await
    }

    /// Deletes an execution (a running one → [`Error::BadRequest`]); returns it.
    pub async fn delete_execution(&self, id: &str) -> Result<Execution> {
        self.write(Method::DELETE, &["executions", id], None, Safety::Safe)
            .await
    }

    /// Retries a failed or canceled execution; returns the new execution
    /// (a successful one → [`Error::Conflict`], on 1.x, which answers 400, as
    /// on 2.x, which answers 409). `load_workflow` runs the workflow's current
    /// version instead of the one that failed.
    pub async fn retry_execution(
        &self,
        id: &str,
        load_workflow: Option<bool>,
    ) -> Result<Execution> {
        let body = match load_workflow {
            Some(load) => json!({ "loadWorkflow": load }),
            None => json!({}),
        };
        self.write(
            Method::POST,
            &["executions", id, "retry"],
            Some(&body),
            Safety::Unkeyed,
        )
        .await
    }

    /// Stops a running or waiting execution (n8n 2.x); a finished one →
    /// [`Error::Conflict`]. Returns the stopped execution.
    ///
    /// n8n 1.x has no stop route (404 `not found`): that is
    /// [`Error::Unsupported`].
    pub async fn stop_execution(&self, id: &str) -> Result<Execution> {
        let errors = |answer: &HttpResponse| {
            if answer.status == 404 && route_missing(answer) {
                return Error::Unsupported {
                    message: "this n8n has no endpoint to stop executions (n8n 1.x); \
                              stop it from the editor or upgrade to n8n 2.x"
                        .into(),
                    error: Some(Box::new(answer.api_error("not found"))),
                };
            }
            error::api_error(answer)
        };
        let answer = self
            .call(
                Method::POST,
                &["executions", id, "stop"],
                &[],
                None,
                Safety::Safe,
                Some(&errors),
            )
            .await?;
        let mut execution: Execution = decode(&answer)?;
        if execution.id.is_empty() {
            id.clone_into(&mut execution.id);
        }
        Ok(execution)
    }

    /// A [`trigger_sdk_core::RunHandle`] over an execution id (started here or
    /// anywhere else).
    pub fn execution_handle(&self, id: impl Into<String>) -> ExecutionHandle {
        ExecutionHandle::new(self.clone(), id)
    }

    // ---- tags ------------------------------------------------------------

    /// All tags, following `nextCursor`; `limit` is the page size (1–250).
    pub fn tags(&self, limit: Option<u32>) -> BoxStream<'static, Result<Tag>> {
        let query = limit
            .map(|l| vec![("limit", clamp_limit(l).to_string())])
            .unwrap_or_default();
        self.list("tags", query)
    }

    /// A tag by id.
    pub async fn tag(&self, id: &str) -> Result<Tag> {
        self.get(&["tags", id], &[]).await
    }

    /// Creates a tag (a duplicate name → [`Error::Conflict`]).
    pub async fn create_tag(&self, name: &str) -> Result<Tag> {
        let body = json!({ "name": name });
        self.write(Method::POST, &["tags"], Some(&body), Safety::Unkeyed)
            .await
    }

    /// Renames a tag.
    pub async fn update_tag(&self, id: &str, name: &str) -> Result<Tag> {
        let body = json!({ "name": name });
        self.write(Method::PUT, &["tags", id], Some(&body), Safety::Safe)
            .await
    }

    /// Deletes a tag; returns it.
    pub async fn delete_tag(&self, id: &str) -> Result<Tag> {
        self.write(Method::DELETE, &["tags", id], None, Safety::Safe)
            .await
    }
}

/// Whether a 404 is n8n's unknown-route answer (`{"message":"not found"}`,
/// lower case), not a missing resource (`Not Found`).
fn route_missing(answer: &HttpResponse) -> bool {
    answer
        .json_value()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .is_some_and(|m| m == "not found")
}

fn to_json<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::Config(format!("body does not serialize: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_api_key() {
        let client = N8nClient::new("http://localhost:5678/", "n8n_api_s3cret").unwrap();
        assert!(!format!("{client:?}").contains("s3cret"));
        assert_eq!(client.base_url().as_str(), "http://localhost:5678/");
        assert_eq!(
            client.url(&["workflows", "a/b"]).unwrap().as_str(),
            "http://localhost:5678/api/v1/workflows/a%2Fb"
        );
    }
}
