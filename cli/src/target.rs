//! From a resolved target to the SDK: its `Trigger`, the handle of a run by
//! id, and the run list where the platform has one. Every request goes
//! through the SDK.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use trigger_sdk::{
    Auth, Provider, RunHandle, RunId, RunStatus, Trigger,
    flowmatic::{self, FlowmaticClient, FlowmaticWebhook, WebhookMethod},
    n8n::{self, Method, N8nClient, ResponseMode, WebhookTrigger},
    runs::{ListRuns, RunsClient},
    tooljet::ToolJetWorkflow,
};

use crate::{
    config::{FlowmaticMethod, N8nAuth, Target, TargetKind},
    exit::CliError,
};

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
        let insecure = self.allow_insecure_http;
        Ok(match &self.kind {
            TargetKind::N8n { .. } => Box::new(self.n8n_trigger(total_timeout)?),
            TargetKind::ToolJet {
                workflow,
                token,
                environment,
                version,
            } => {
                let mut builder = ToolJetWorkflow::builder(base, workflow, token.value.clone())
                    .allow_insecure_http(insecure);
                if total_timeout.is_some() {
                    builder = builder.total_timeout(total_timeout);
                }
                if let Some(environment) = environment {
                    builder = builder.environment(environment);
                }
                if let Some(version) = version {
                    builder = builder.version(version);
                }
                Box::new(builder.build()?)
            }
            TargetKind::Flowmatic {
                webhook,
                method,
                secret,
                token,
                ..
            } => {
                let mut builder = FlowmaticWebhook::builder(base, webhook)
                    .method(match method {
                        FlowmaticMethod::Post => WebhookMethod::Post,
                        FlowmaticMethod::Get => WebhookMethod::Get,
                    })
                    .allow_insecure_http(insecure);
                if total_timeout.is_some() {
                    builder = builder.total_timeout(total_timeout);
                }
                if let Some(secret) = secret {
                    builder = builder.secret(secret.value.clone());
                }
                if token.is_some() {
                    builder = builder.client(self.flowmatic_client()?);
                }
                Box::new(builder.build()?)
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
    pub fn n8n_trigger(&self, total_timeout: Option<Duration>) -> Result<WebhookTrigger, CliError> {
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
            })
            .allow_insecure_http(self.allow_insecure_http);
        if total_timeout.is_some() {
            builder = builder.total_timeout(total_timeout);
        }
        if let Some((workflow, _)) = api {
            builder = builder.track_by_marker(workflow, self.n8n_client()?);
        }
        Ok(builder.build()?)
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
                let runs: Vec<_> = self
                    .runs_client(None)?
                    .list_runs(filter)
                    .take(take)
                    .try_collect()
                    .await?;
                Ok(runs
                    .into_iter()
                    .map(|run| RunRow {
                        id: run.id.to_string(),
                        status: run.status,
                        started: run.created_at,
                    })
                    .collect())
            }
            TargetKind::N8n {
                api: Some((workflow, _)),
                ..
            } => {
                let filter = n8n::ExecutionFilter::default()
                    .workflow_id(workflow)
                    .limit(limit);
                let executions: Vec<_> = self
                    .n8n_client()?
                    .executions(filter)
                    .take(take)
                    .try_collect()
                    .await?;
                Ok(executions
                    .into_iter()
                    .map(|e| RunRow {
                        status: match &e.status {
                            Some(status) => status.run_status(),
                            None if e.finished => RunStatus::Succeeded,
                            None => RunStatus::Unknown("unknown".into()),
                        },
                        id: e.id,
                        started: e.started_at,
                    })
                    .collect())
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
                let executions: Vec<_> = self
                    .flowmatic_client()?
                    .executions(filter)
                    .take(take)
                    .try_collect()
                    .await?;
                Ok(executions
                    .into_iter()
                    .map(|e| RunRow {
                        status: e.status.to_run_status(),
                        id: e.id,
                        started: e.started_at,
                    })
                    .collect())
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

    fn n8n_client(&self) -> Result<N8nClient, CliError> {
        let TargetKind::N8n {
            api: Some((_, key)),
            ..
        } = &self.kind
        else {
            return Err(self.needs("no n8n API key", "api_key_env and workflow"));
        };
        Ok(N8nClient::builder(&self.base_url, key.value.clone())
            .allow_insecure_http(self.allow_insecure_http)
            .build()?)
    }

    fn flowmatic_client(&self) -> Result<FlowmaticClient, CliError> {
        let TargetKind::Flowmatic {
            token: Some(token), ..
        } = &self.kind
        else {
            return Err(self.needs("no Flowmatic API token", "token_env"));
        };
        Ok(
            FlowmaticClient::builder(&self.base_url, token.value.clone())
                .allow_insecure_http(self.allow_insecure_http)
                .build()?,
        )
    }

    fn runs_client(&self, total_timeout: Option<Duration>) -> Result<RunsClient, CliError> {
        let TargetKind::Runs { api_key, .. } = &self.kind else {
            return Err(CliError::usage(format!(
                "target {} is not a runs target",
                self.name
            )));
        };
        let mut builder = RunsClient::builder(&self.base_url, api_key.value.clone())
            .allow_insecure_http(self.allow_insecure_http);
        if total_timeout.is_some() {
            builder = builder.total_timeout(total_timeout);
        }
        Ok(builder.build()?)
    }
}

fn n8n_mode(name: &str) -> ResponseMode {
    match name {
        "lastNode" => ResponseMode::LastNode,
        "responseNode" => ResponseMode::ResponseNode,
        "streaming" => ResponseMode::Streaming,
        _ => ResponseMode::OnReceived,
    }
}
