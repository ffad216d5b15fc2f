//! From a resolved target to the SDK: its `Trigger`, the handle of a run by
//! id, and the run list where the platform has one. Every request goes
//! through the SDK.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt, stream::BoxStream};
use trigger_sdk::{
    Auth, Provider, RunHandle, RunId, RunStatus, Secret, Trigger,
    flowmatic::{self, FlowmaticClient, FlowmaticWebhook, WebhookMethod},
    n8n::{self, Method, N8nClient, ResponseMode, WebhookTrigger},
    runs::{ListRuns, RunsClient},
    tooljet::ToolJetWorkflow,
};

use crate::{
    config::{FlowmaticMethod, N8nAuth, Target, TargetKind},
    exit::CliError,
};

/// `builder` (of any provider: they share the `ClientOptions` methods) with
/// the target's client settings — credentials over plain http when the
/// target allows it, the total timeout when one is given — then built.
macro_rules! build_for {
    ($target:expr, $builder:expr) => {
        build_for!($target, $builder, None::<Duration>)
    };
    ($target:expr, $builder:expr, $total_timeout:expr) => {{
        let builder = $builder.allow_insecure_http($target.allow_insecure_http);
        match $total_timeout {
            Some(timeout) => builder.total_timeout(Some(timeout)),
            None => builder,
        }
        .build()?
    }};
}

/// One run of a list.
#[derive(Debug, Clone)]
pub struct RunRow {
    /// Its id.
    pub id: String,
    /// Its status.
    pub status: RunStatus,
    /// When it started or was created, as the platform wrote it.
    pub started: Option<String>,
}

impl Target {
    /// The provider.
    pub fn provider(&self) -> Provider {
        match self.kind {
            TargetKind::N8n { .. } => Provider::N8n,
            TargetKind::ToolJet { .. } => Provider::ToolJet,
            TargetKind::Flowmatic { .. } => Provider::Flowmatic,
            TargetKind::Runs { .. } => Provider::Runs,
        }
    }

    /// Whether the platform takes idempotency keys (only the runs API does).
    pub fn takes_idempotency_key(&self) -> bool {
        matches!(self.kind, TargetKind::Runs { .. })
    }

    /// Whether calls carry the payload in the query (a GET webhook).
    pub fn is_get(&self) -> bool {
        match &self.kind {
            TargetKind::N8n { method, .. } => method == "GET",
            TargetKind::Flowmatic { method, .. } => *method == FlowmaticMethod::Get,
            _ => false,
        }
    }

    /// The trigger; `total_timeout` bounds the start call (a `lastNode`
    /// webhook answers only when the run ends).
    pub fn trigger(&self, total_timeout: Option<Duration>) -> Result<Box<dyn Trigger>, CliError> {
        let base = self.base_url.as_str();
        Ok(match &self.kind {
            TargetKind::N8n { .. } => Box::new(self.n8n_trigger(total_timeout)?),
            TargetKind::ToolJet {
                workflow,
                token,
                environment,
                version,
            } => {
                let mut builder = ToolJetWorkflow::builder(base, workflow, token.value.clone());
                if let Some(environment) = environment {
                    builder = builder.environment(environment);
                }
                if let Some(version) = version {
                    builder = builder.version(version);
                }
                Box::new(build_for!(self, builder, total_timeout))
            }
            TargetKind::Flowmatic {
                webhook,
                method,
                secret,
                token,
                ..
            } => {
                let mut builder = FlowmaticWebhook::builder(base, webhook).method(match method {
                    FlowmaticMethod::Post => WebhookMethod::Post,
                    FlowmaticMethod::Get => WebhookMethod::Get,
                });
                if let Some(secret) = secret {
                    builder = builder.secret(secret.value.clone());
                }
                if token.is_some() {
                    builder = builder.client(self.flowmatic_client()?);
                }
                Box::new(build_for!(self, builder, total_timeout))
            }
            TargetKind::Runs {
                workflow,
                connection,
                ..
            } => {
                let mut workflow = self.runs_client(total_timeout)?.workflow(workflow);
                if let Some(connection) = connection {
                    workflow = workflow.with_connection(connection);
                }
                Box::new(workflow)
            }
        })
    }

    /// The n8n webhook trigger of an n8n target.
    fn n8n_trigger(&self, total_timeout: Option<Duration>) -> Result<WebhookTrigger, CliError> {
        let TargetKind::N8n {
            webhook,
            method,
            response_mode,
            auth,
            api,
        } = &self.kind
        else {
            return Err(CliError::usage(format!(
                "target {} is not an n8n target",
                self.name
            )));
        };
        let method = Method::from_bytes(method.as_bytes()).map_err(|_| {
            CliError::usage(format!("target {}: {method:?} is not a method", self.name))
        })?;
        let mut builder = WebhookTrigger::builder(&self.base_url, webhook)
            .method(method)
            .response_mode(n8n_mode(response_mode))
            .auth(match auth {
                N8nAuth::None => Auth::None,
                N8nAuth::Header { name, value } => Auth::header(name.clone(), value.value.clone()),
                N8nAuth::Basic { user, password } => {
                    Auth::basic(user.clone(), password.value.clone())
                }
                N8nAuth::Jwt { secret, claims } => Auth::jwt(secret.value.clone(), claims.clone()),
            });
        if let Some((workflow, _)) = api {
            builder = builder.track_by_marker(workflow, self.n8n_client()?);
        }
        Ok(build_for!(self, builder, total_timeout))
    }

    /// The handle of the run `run_id`.
    pub fn resume(&self, run_id: &str) -> Result<Box<dyn RunHandle>, CliError> {
        if let TargetKind::N8n { api: None, .. } = self.kind {
            return Err(self.needs(
                "n8n runs are followed through the public API",
                "api_key_env and workflow",
            ));
        }
        if let TargetKind::Flowmatic { token: None, .. } = self.kind {
            return Err(self.needs(
                "Flowmatic executions are read through the REST API",
                "token_env",
            ));
        }
        Ok(self.trigger(None)?.resume(RunId::new(run_id))?)
    }

    /// The latest `limit` runs, where the platform lists them.
    pub async fn list(&self, limit: u32) -> Result<Vec<RunRow>, CliError> {
        let limit = limit.clamp(1, 100);
        let take = usize::try_from(limit).unwrap_or(100);
        match &self.kind {
            TargetKind::Runs { workflow, .. } => {
                let filter = ListRuns::new().workflow_id(workflow).limit(limit);
                rows(self.runs_client(None)?.list_runs(filter), take, |run| {
                    RunRow {
                        id: run.id.to_string(),
                        status: run.status,
                        started: run.created_at,
                    }
                })
                .await
            }
            TargetKind::N8n {
                api: Some((workflow, _)),
                ..
            } => {
                let filter = n8n::ExecutionFilter::default()
                    .workflow_id(workflow)
                    .limit(limit);
                rows(self.n8n_client()?.executions(filter), take, |e| RunRow {
                    status: match &e.status {
                        Some(status) => status.run_status(),
                        None if e.finished => RunStatus::Succeeded,
                        None => RunStatus::Unknown("unknown".into()),
                    },
                    id: e.id,
                    started: e.started_at,
                })
                .await
            }
            TargetKind::N8n { api: None, .. } => Err(self.needs(
                "n8n lists executions through the public API",
                "api_key_env and workflow",
            )),
            TargetKind::Flowmatic {
                token: Some(_),
                workflow,
                ..
            } => {
                let mut filter = flowmatic::ExecutionFilter::new();
                if let Some(workflow) = workflow {
                    filter = filter.workflow_id(workflow);
                }
                rows(self.flowmatic_client()?.executions(filter), take, |e| {
                    RunRow {
                        status: e.status.to_run_status(),
                        id: e.id,
                        started: e.started_at,
                    }
                })
                .await
            }
            TargetKind::Flowmatic { token: None, .. } => Err(self.needs(
                "Flowmatic lists executions through the REST API",
                "token_env",
            )),
            TargetKind::ToolJet { .. } => Err(CliError::usage(format!(
                "target {}: ToolJet has no endpoint that lists a workflow's runs",
                self.name
            ))),
        }
    }

    fn needs(&self, what: &str, keys: &str) -> CliError {
        CliError::usage(format!("target {}: {what}: give it {keys}", self.name))
    }

    /// The credential of the target's REST API client, or a usage error
    /// naming what the target must be given for one.
    fn api_credential(&self) -> Result<Secret, CliError> {
        match &self.kind {
            TargetKind::N8n {
                api: Some((_, key)),
                ..
            } => Ok(key.value.clone()),
            TargetKind::N8n { .. } => Err(self.needs("no n8n API key", "api_key_env and workflow")),
            TargetKind::Flowmatic {
                token: Some(token), ..
            } => Ok(token.value.clone()),
            TargetKind::Flowmatic { .. } => Err(self.needs("no Flowmatic API token", "token_env")),
            TargetKind::Runs { api_key, .. } => Ok(api_key.value.clone()),
            TargetKind::ToolJet { .. } => Err(CliError::usage(format!(
                "target {}: ToolJet has no REST API client",
                self.name
            ))),
        }
    }

    fn n8n_client(&self) -> Result<N8nClient, CliError> {
        let builder = N8nClient::builder(&self.base_url, self.api_credential()?);
        Ok(build_for!(self, builder))
    }

    fn flowmatic_client(&self) -> Result<FlowmaticClient, CliError> {
        let builder = FlowmaticClient::builder(&self.base_url, self.api_credential()?);
        Ok(build_for!(self, builder))
    }

    fn runs_client(&self, total_timeout: Option<Duration>) -> Result<RunsClient, CliError> {
        let builder = RunsClient::builder(&self.base_url, self.api_credential()?);
        Ok(build_for!(self, builder, total_timeout))
    }
}

/// The first `take` items of a list, as rows.
async fn rows<T>(
    items: BoxStream<'static, trigger_sdk::Result<T>>,
    take: usize,
    row: impl FnMut(T) -> RunRow,
) -> Result<Vec<RunRow>, CliError> {
    let items: Vec<T> = items.take(take).try_collect().await?;
    Ok(items.into_iter().map(row).collect())
}

fn n8n_mode(name: &str) -> ResponseMode {
    match name {
        "lastNode" => ResponseMode::LastNode,
        "responseNode" => ResponseMode::ResponseNode,
        "streaming" => ResponseMode::Streaming,
        _ => ResponseMode::OnReceived,
    }
}
