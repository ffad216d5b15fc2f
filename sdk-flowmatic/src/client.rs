//! [`FlowmaticClient`]: the REST API (`{base}/api/v1`, bearer token).

use futures::stream::BoxStream;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use trigger_sdk_core::{
    Auth, ClientOptions, Error, Provider, Result, RunId, Safety, Secret, Transport,
    paginate::{Page, paginate},
    reqwest::Method,
    transport::HttpResponse,
};

use crate::{
    error::error_from_answer,
    execution::FlowmaticExecution,
    model::{
        Connector, Execution, ExecutionAccepted, ExecutionStatus, ListPage, NewWorkflow, Workflow,
        WorkflowUpdate,
    },
};

/// The page size of list streams unless set ([`FlowmaticClientBuilder::page_size`]).
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// The largest page size Flowmatic accepts.
pub const MAX_PAGE_SIZE: u32 = 100;

/// A client of the Flowmatic REST API. Cloning is cheap (the connection pool
/// and the rate limiter are shared).
///
/// ```no_run
/// use futures::TryStreamExt;
/// use trigger_sdk_flowmatic::FlowmaticClient;
///
/// # async fn run() -> trigger_sdk_core::Result<()> {
/// let client = FlowmaticClient::new("https://flowmatic.example.com", "fm_token")?;
/// let workflows: Vec<_> = client.workflows().try_collect().await?;
/// for workflow in &workflows {
///     println!("{} {} {}", workflow.id, workflow.name, workflow.status);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FlowmaticClient {
    transport: Transport,
    page_size: u32,
}

/// Builds a [`FlowmaticClient`]. The [`ClientOptions`] methods (`options`,
/// `http_client`, `timeouts`, `retry`, `rate_limit`, …) are the same on
/// every provider builder; `rate_limit` is one bucket for every request.
#[derive(Debug, Clone)]
pub struct FlowmaticClientBuilder {
    base_url: String,
    token: Secret,
    options: ClientOptions,
    page_size: u32,
}

impl FlowmaticClientBuilder {
    trigger_sdk_core::client_options_methods!();

    /// The page size of list streams (1 to [`MAX_PAGE_SIZE`]; default
    /// [`DEFAULT_PAGE_SIZE`]).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// Builds the client; fails on an invalid base URL or token, or an
    /// `http://` URL to a host that is not loopback (see `allow_insecure_http`).
    pub fn build(self) -> Result<FlowmaticClient> {
        let transport = Transport::builder(Provider::Flowmatic, self.base_url)
            .options(self.options)
            .auth(Auth::bearer(self.token))
            .errors(error_from_answer)
            .build()?;
        Ok(FlowmaticClient {
            transport,
            page_size: self.page_size,
        })
    }
}

/// Filters of [`FlowmaticClient::executions`].
///
/// ```
/// use trigger_sdk_flowmatic::{ExecutionFilter, ExecutionStatus};
/// let filter = ExecutionFilter::new().workflow_id("wf-456").status(ExecutionStatus::Success);
/// assert_eq!(filter.workflow_id.as_deref(), Some("wf-456"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ExecutionFilter {
    /// Only executions of this workflow.
    pub workflow_id: Option<String>,
    /// Only executions with this status.
    pub status: Option<ExecutionStatus>,
}

impl ExecutionFilter {
    /// No filter: every execution.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only executions of this workflow.
    pub fn workflow_id(mut self, workflow_id: impl Into<String>) -> Self {
        self.workflow_id = Some(workflow_id.into());
        self
    }

    /// Only executions with this status.
    pub fn status(mut self, status: ExecutionStatus) -> Self {
        self.status = Some(status);
        self
    }
}

impl FlowmaticClient {
    /// A client of the Flowmatic at `base_url` (the part before `/api/v1`)
    /// with an API token.
    pub fn new(base_url: impl Into<String>, token: impl Into<Secret>) -> Result<Self> {
        Self::builder(base_url, token).build()
    }

    trigger_sdk_core::env_constructors! {
        FlowmaticClient => FlowmaticClientBuilder, "A client", "more options";
        ENV_BASE_URL = "FLOWMATIC_URL": var, "the base URL";
        ENV_TOKEN = "FLOWMATIC_TOKEN": secret, "the API token";
    }

    /// A builder, for retries, timeouts, a rate limit, a shared `reqwest::Client`.
    pub fn builder(
        base_url: impl Into<String>,
        token: impl Into<Secret>,
    ) -> FlowmaticClientBuilder {
        FlowmaticClientBuilder {
            base_url: base_url.into(),
            token: token.into(),
            options: ClientOptions::default(),
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// The transport (base URL, the shared `reqwest::Client`).
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Sends one request and returns the answer if it is 2xx, the typed
    /// error otherwise.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        safety: Safety,
    ) -> Result<HttpResponse> {
        let url = self.transport.url(path)?;
        let mut call = self
            .transport
            .call(method, url)
            .query(query.iter().cloned())
            .safety(safety);
        if let Some(body) = body {
            call = call.json(body);
        }
        call.send().await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T> {
        self.call(Method::GET, path, query, None, Safety::Safe)
            .await?
            .json()
    }

    /// One page of workflows (`GET /api/v1/workflows?page=&limit=`).
    pub async fn workflows_page(&self, page: u32, limit: u32) -> Result<ListPage<Workflow>> {
        self.get("api/v1/workflows", &page_query(page, limit)).await
    }

    /// Every workflow, page after page, as a stream.
    pub fn workflows(&self) -> BoxStream<'static, Result<Workflow>> {
        let client = self.clone();
        let limit = self.page_size;
        paginate(Some(1u32), move |page: Option<u32>| {
            let client = client.clone();
            async move {
                let page = page.unwrap_or(1);
                let answer = client.workflows_page(page, limit).await?;
                let next = answer.next_page(page, limit);
                Ok(Page::new(answer.data, next))
            }
        })
    }

    /// One workflow (`GET /api/v1/workflows/{id}`).
    pub async fn workflow(&self, id: &str) -> Result<Workflow> {
        self.get(&format!("api/v1/workflows/{}", segment(id)?), &[])
            .await
    }

    /// Creates a workflow (`POST /api/v1/workflows`, 201). Not retried after
    /// it was sent (a retry could create it twice).
    pub async fn create_workflow(&self, workflow: &NewWorkflow) -> Result<Workflow> {
        let body = to_json(workflow)?;
        self.call(
            Method::POST,
            "api/v1/workflows",
            &[],
            Some(&body),
            Safety::Unkeyed,
        )
        .await?
        .json()
    }

    /// Updates a workflow (`PUT /api/v1/workflows/{id}`).
    pub async fn update_workflow(&self, id: &str, update: &WorkflowUpdate) -> Result<Workflow> {
        let body = to_json(update)?;
        self.call(
            Method::PUT,
            &format!("api/v1/workflows/{}", segment(id)?),
            &[],
            Some(&body),
            Safety::Safe,
        )
        .await?
        .json()
    }

    /// Deletes a workflow (`DELETE /api/v1/workflows/{id}`, 204).
    pub async fn delete_workflow(&self, id: &str) -> Result<()> {
        self.call(
            Method::DELETE,
            &format!("api/v1/workflows/{}", segment(id)?),
            &[],
            None,
            Safety::Safe,
        )
        .await
        .map(drop)
    }

    /// Starts an execution (`POST /api/v1/workflows/{id}/execute` with
    /// `{"input": ..}`, 202). Flowmatic takes no idempotency key, so the
    /// request is not retried once sent: a timeout is [`Error::Ambiguous`].
    /// An inactive workflow is [`Error::Conflict`] (`WORKFLOW_INACTIVE`).
    pub async fn execute_workflow(&self, id: &str, input: Value) -> Result<ExecutionAccepted> {
        let body = json!({ "input": input });
        self.call(
            Method::POST,
            &format!("api/v1/workflows/{}/execute", segment(id)?),
            &[],
            Some(&body),
            Safety::Unkeyed,
        )
        .await?
        .json()
    }

    /// Starts an execution like [`FlowmaticClient::execute_workflow`] and
    /// returns the handle that follows it.
    pub async fn execute(&self, id: &str, input: Value) -> Result<FlowmaticExecution> {
        let accepted = self.execute_workflow(id, input).await?;
        Ok(self.execution_handle(accepted.execution_id))
    }

    /// One page of executions (`GET /api/v1/executions`).
    pub async fn executions_page(
        &self,
        filter: &ExecutionFilter,
        page: u32,
        limit: u32,
    ) -> Result<ListPage<Execution>> {
        let mut query = page_query(page, limit);
        if let Some(workflow_id) = &filter.workflow_id {
            query.push(("workflowId", workflow_id.clone()));
        }
        if let Some(status) = &filter.status {
            query.push(("status", status.as_str().to_owned()));
        }
        self.get("api/v1/executions", &query).await
    }

    /// Every execution matching `filter`, page after page, as a stream.
    pub fn executions(&self, filter: ExecutionFilter) -> BoxStream<'static, Result<Execution>> {
        let client = self.clone();
        let limit = self.page_size;
        paginate(Some(1u32), move |page: Option<u32>| {
            let client = client.clone();
            let filter = filter.clone();
            async move {
                let page = page.unwrap_or(1);
                let answer = client.executions_page(&filter, page, limit).await?;
                let next = answer.next_page(page, limit);
                Ok(Page::new(answer.data, next))
            }
        })
    }

    /// One execution (`GET /api/v1/executions/{id}`).
    pub async fn execution(&self, id: &str) -> Result<Execution> {
        self.execution_document(id)
            .await
            .map(|(execution, _)| execution)
    }

    /// One execution, typed and raw.
    pub(crate) async fn execution_document(&self, id: &str) -> Result<(Execution, Value)> {
        let answer = self
            .call(
                Method::GET,
                &format!("api/v1/executions/{}", segment(id)?),
                &[],
                None,
                Safety::Safe,
            )
            .await?;
        let raw: Value = answer.json()?;
        let execution = Execution::deserialize(&raw).map_err(|e| {
            Error::decode(
                format!("execution {id}: {e}"),
                Some(answer.status),
                &answer.body,
            )
        })?;
        Ok((execution, raw))
    }

    /// The handle of an execution, to poll until it ends.
    pub fn execution_handle(&self, id: impl Into<RunId>) -> FlowmaticExecution {
        FlowmaticExecution::new(id, Some(self.clone()))
    }

    /// The connectors (`GET /api/v1/connectors`).
    pub async fn connectors(&self) -> Result<Vec<Connector>> {
        self.get::<ListPage<Connector>>("api/v1/connectors", &[])
            .await
            .map(|page| page.data)
    }
}

fn page_query(page: u32, limit: u32) -> Vec<(&'static str, String)> {
    vec![
        ("page", page.max(1).to_string()),
        ("limit", limit.clamp(1, MAX_PAGE_SIZE).to_string()),
    ]
}

/// An id as one path segment; refuses ids that would change the path.
fn segment(id: &str) -> Result<&str> {
    if id.is_empty() || id.contains('/') {
        return Err(Error::Config(format!("invalid Flowmatic id {id:?}")));
    }
    Ok(id)
}

fn to_json<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value)
        .map_err(|e| Error::Config(format!("the body does not serialize to JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let client = FlowmaticClient::new("http://localhost:1", "fm_secret_token").unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("fm_secret_token"), "{debug}");
        assert!(debug.contains("REDACTED"), "{debug}");
    }

    #[test]
    fn ids_that_would_change_the_path_are_refused() {
        assert!(matches!(segment("a/b"), Err(Error::Config(_))));
        assert!(matches!(segment(""), Err(Error::Config(_))));
        assert_eq!(segment("wf-456").ok(), Some("wf-456"));
    }

    #[test]
    fn page_query_clamps_the_limit() {
        assert_eq!(
            page_query(0, 500),
            [("page", "1".to_owned()), ("limit", "100".to_owned())]
        );
    }
}
