//! Where the examples run: on the real platform when its URL variable is
//! set (its credentials then come from the environment too), otherwise on
//! the embedded reference server with its demo credentials.
//!
//! Each example includes this file (`mod platform;`) and calls the function
//! for its platform; the server it may return stops when dropped, so the
//! example keeps it until its end.
#![allow(dead_code)] // each example uses only its platform's function.

use trigger_sdk::Report;
use trigger_sdk_reference_server::{Config, ReferenceServer, creds};

/// The embedded server (`None` on a real platform), the base URL and the
/// credential (API key, webhook secret or token).
pub type Platform = (Option<ReferenceServer>, String, String);

/// `url_var` and `credential_var` from the environment when `url_var` is
/// set; else the reference server started with `config`, `url_of` it and
/// `demo_credential`.
async fn platform(
    url_var: &str,
    credential_var: &str,
    config: Config,
    url_of: fn(&ReferenceServer) -> String,
    demo_credential: &str,
) -> Result<Platform, Report> {
    if let Some(url) = trigger_sdk::env::var_opt(url_var)? {
        return Ok((None, url, trigger_sdk::env::var(credential_var)?));
    }
    let server = ReferenceServer::start(config).await?;
    let url = url_of(&server);
    Ok((Some(server), url, demo_credential.to_owned()))
}

/// The runs API: `RUNS_URL` and `RUNS_API_KEY`, else the reference server
/// started with `config`.
pub async fn runs(config: Config) -> Result<Platform, Report> {
    let url_of = ReferenceServer::runs_url;
    platform(
        "RUNS_URL",
        "RUNS_API_KEY",
        config,
        url_of,
        creds::RUNS_API_KEY,
    )
    .await
}

/// n8n: `N8N_BASE_URL` and the credential in `credential_var`, else the
/// reference server started with `config`, and `demo_credential`.
pub async fn n8n(
    config: Config,
    credential_var: &str,
    demo_credential: &str,
) -> Result<Platform, Report> {
    let url_of = ReferenceServer::n8n_url;
    platform(
        "N8N_BASE_URL",
        credential_var,
        config,
        url_of,
        demo_credential,
    )
    .await
}

/// ToolJet: `TOOLJET_URL` and `TOOLJET_TOKEN`, and the workflow from
/// `TOOLJET_WORKFLOW_ID`; else the reference server started with `config`
/// and its demo workflow: the server, the host, the workflow id, the token.
pub async fn tooljet(
    config: Config,
) -> Result<(Option<ReferenceServer>, String, String, String), Report> {
    let url_of = ReferenceServer::tooljet_url;
    let (server, host, token) = platform(
        "TOOLJET_URL",
        "TOOLJET_TOKEN",
        config,
        url_of,
        creds::TOOLJET_TOKEN,
    )
    .await?;
    let workflow_id = match server {
        Some(_) => creds::TOOLJET_WORKFLOW.to_owned(),
        None => trigger_sdk::env::var("TOOLJET_WORKFLOW_ID")?,
    };
    Ok((server, host, workflow_id, token))
}
