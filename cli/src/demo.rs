//! `--demo`: the embedded reference server with its demo set, and a target
//! for every workflow it exposes, named `<provider>/<workflow-or-webhook>`.

use serde_json::Value;
use trigger_sdk_reference_server::{
    ReferenceServer,
    config::{Config, N8nAuth as ServerAuth, Workflow},
    creds,
};

use crate::config::{FlowmaticMethod, N8nAuth, SecretValue, Target, TargetKind};

/// Starts the demo server on a free loopback port.
pub async fn start() -> std::io::Result<ReferenceServer> {
    ReferenceServer::start(trigger_sdk_reference_server::demo()).await
}

/// The demo targets of `server`, sorted by name.
pub fn targets(server: &ReferenceServer) -> Vec<Target> {
    let config = server.config();
    let mut targets: Vec<Target> = Vec::new();
    for workflow in &config.workflows {
        targets.extend(n8n_target(server, config, workflow, &targets));
        if let Some(tooljet) = &workflow.tooljet {
            targets.push(target(
                format!("tooljet/{}", workflow.id),
                server.tooljet_url(),
                TargetKind::ToolJet {
                    workflow: workflow.id.clone(),
                    token: SecretValue::demo(&tooljet.token),
                    environment: None,
                    version: None,
                },
            ));
        }
        if let Some(flowmatic) = &workflow.flowmatic {
            targets.push(target(
                format!("flowmatic/{}", flowmatic.webhook_id),
                server.flowmatic_url(),
                TargetKind::Flowmatic {
                    webhook: flowmatic.webhook_id.clone(),
                    method: FlowmaticMethod::Post,
                    secret: flowmatic.secret.as_deref().map(SecretValue::demo),
                    token: Some(SecretValue::demo(creds::FLOWMATIC_TOKEN)),
                    workflow: Some(workflow.id.clone()),
                },
            ));
        }
        if workflow.runs.is_some() {
            targets.push(target(
                format!("runs/{}", workflow.id),
                server.runs_url(),
                TargetKind::Runs {
                    workflow: workflow.id.clone(),
                    api_key: SecretValue::demo(creds::RUNS_API_KEY),
                    connection: None,
                },
            ));
        }
    }
    targets.sort_by(|a, b| a.name.cmp(&b.name));
    targets
}

fn target(name: String, base_url: String, kind: TargetKind) -> Target {
    Target {
        name,
        base_url,
        kind,
        allow_insecure_http: false,
    }
}

/// `n8n/<path>`; a second method on the same path is `n8n/<path>@<METHOD>`.
/// Webhooks whose auth the tool does not speak (JWT) are left out.
fn n8n_target(
    server: &ReferenceServer,
    config: &Config,
    workflow: &Workflow,
    so_far: &[Target],
) -> Option<Target> {
    let n8n = workflow.n8n.as_ref()?;
    let auth = match &n8n.auth {
        ServerAuth::None => N8nAuth::None,
        ServerAuth::Header { name, value } => N8nAuth::Header {
            name: name.clone(),
            value: SecretValue::demo(value),
        },
        ServerAuth::Basic { user, password } => N8nAuth::Basic {
            user: user.clone(),
            password: SecretValue::demo(password),
        },
        ServerAuth::Jwt { secret } => N8nAuth::Jwt {
            secret: SecretValue::demo(secret),
            claims: serde_json::json!({}),
        },
        _ => return None,
    };
    let response_mode = match serde_json::to_value(n8n.response_mode) {
        Ok(Value::String(mode)) => mode,
        _ => return None,
    };
    let mut name = format!("n8n/{}", n8n.path);
    if so_far.iter().any(|t| t.name == name) {
        name = format!("{name}@{}", n8n.method);
    }
    let api = config
        .n8n
        .api_keys
        .first()
        .map(|key| (workflow.id.clone(), SecretValue::demo(key)));
    Some(target(
        name,
        server.n8n_url(),
        TargetKind::N8n {
            webhook: n8n.path.clone(),
            method: n8n.method.to_ascii_uppercase(),
            response_mode,
            auth,
            api,
        },
    ))
}
