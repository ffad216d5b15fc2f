//! The servers a row runs on, and running a row on each of them.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use trigger_sdk_reference_server::ReferenceServer;
use trigger_sdk_reference_server::config::N8nVersion;

use crate::fixtures;

/// The n8n release line a target answers as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// 1.x (1.123.81).
    V1,
    /// 2.x (2.41.1).
    V2,
}

/// One n8n server under test.
pub struct Target {
    /// `reference 2.x`, `reference 1.x`, `real 2.41.1`, `real 1.123.81`.
    pub label: String,
    /// Which line's answers to expect.
    pub line: Line,
    /// A real n8n (not the reference server).
    pub real: bool,
    /// n8n base URL (webhooks at `{base}/webhook/..`, API at `{base}/api/v1/..`).
    pub base: String,
    /// `X-N8N-API-KEY`.
    pub api_key: String,
    /// Fixture key (`ECHO_ONRECEIVED`, ...) → workflow id.
    pub ids: HashMap<String, String>,
    /// Header-auth credential: name, value.
    pub header: (String, String),
    /// Basic-auth credential: user, password.
    pub basic: (String, String),
    /// The JWT-auth fixture's HS256 secret.
    pub jwt_secret: String,
    /// Raw HTTP client for wire-level rows.
    pub http: reqwest::Client,
    /// The in-process server, kept alive for the row.
    pub server: Option<ReferenceServer>,
}

impl Target {
    /// `v1` on a 1.x target, `v2` on a 2.x one.
    pub fn on<T>(&self, v1: T, v2: T) -> T {
        match self.line {
            Line::V1 => v1,
            Line::V2 => v2,
        }
    }

    /// The workflow id of a fixture (`ECHO_ONRECEIVED`, ...).
    pub fn id(&self, key: &str) -> String {
        self.ids
            .get(key)
            .unwrap_or_else(|| panic!("{}: no workflow {key} in the target", self.label))
            .clone()
    }

    /// `{base}/webhook/{path}`.
    pub fn webhook(&self, path: &str) -> String {
        format!("{}/webhook/{path}", self.base)
    }

    /// `{base}/api/v1{path}`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    /// The in-process reference server (server-only rows).
    pub fn server(&self) -> &ReferenceServer {
        self.server
            .as_ref()
            .expect("a server-only row runs on the reference server")
    }

    /// Sends a request and reads the whole answer.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.expect("request reaches the server");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.expect("body is readable").to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A public-API call with the key.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self
            .http
            .request(method, self.api(path))
            .header("X-N8N-API-KEY", &self.api_key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req).await
    }

    /// POST a JSON body to a production webhook.
    pub async fn post_json(&self, path: &str, body: Value) -> Reply {
        self.send(self.http.post(self.webhook(path)).json(&body))
            .await
    }

    /// Polls `GET /executions/{id}?includeData=true` until its status is one of `statuses`
    /// and its run data is saved (1.x saves the status first), 60 s deadline.
    pub async fn execution_until(&self, id: &str, statuses: &[&str]) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let r = self
                .call(
                    Method::GET,
                    &format!("/executions/{id}?includeData=true"),
                    None,
                )
                .await;
            if r.status == StatusCode::OK {
                let v = r.json();
                // 1.x shows a finished status before the run data: the start data (empty
                // runData, the trigger still on the node stack, no error) is not the end.
                let data = &v["data"];
                let saved = data["resultData"]["runData"]
                    .as_object()
                    .is_some_and(|m| !m.is_empty())
                    || !data["resultData"]["error"].is_null()
                    || data["executionData"]["nodeExecutionStack"]
                        .as_array()
                        .is_none_or(Vec::is_empty);
                if statuses.contains(&v["status"].as_str().unwrap_or("")) && saved {
                    return v;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{}: execution {id} not in {statuses:?} within 60 s: {} {}",
                self.label,
                r.status,
                r.text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls the executions of a fixture until one with `status` is listed (30 s
    /// deadline); its id.
    pub async fn newest_execution(&self, key: &str, status: &str) -> String {
        let wf = self.id(key);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let l = self
                .call(
                    Method::GET,
                    &format!("/executions?workflowId={wf}&status={status}&limit=1"),
                    None,
                )
                .await;
            assert_eq!(l.status, StatusCode::OK, "{}: {}", self.label, l.text());
            if let Some(ex) = l.json()["data"].get(0) {
                return crate::digits(&ex["id"]);
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{}: no {status} execution of {key}",
                self.label
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A whole HTTP answer.
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {:?}", self.status, self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// The media type without parameters.
    pub fn content_type(&self) -> Option<String> {
        self.header("content-type")
            .map(|ct| ct.split(';').next().unwrap_or("").trim().to_owned())
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .user_agent("trigger-sdk-real-tier/0.1")
        .build()
        .expect("reqwest client")
}

/// The real servers' env files (`KEY=VALUE` lines written by `scripts/real-n8n.sh start`),
/// from `REAL_N8N_ENV` (several separated by `:`).
fn real_envs() -> &'static [HashMap<String, String>] {
    static ENVS: OnceLock<Vec<HashMap<String, String>>> = OnceLock::new();
    ENVS.get_or_init(|| {
        let Some(paths) = std::env::var_os("REAL_N8N_ENV") else {
            return Vec::new();
        };
        let paths = paths.to_string_lossy().into_owned();
        paths
            .split(':')
            .filter(|p| !p.trim().is_empty())
            .map(|path| {
                let text = std::fs::read_to_string(path)
                    .unwrap_or_else(|e| panic!("REAL_N8N_ENV file {path:?} cannot be read: {e}"));
                text.lines()
                    .filter(|l| !l.trim_start().starts_with('#'))
                    .filter_map(|l| l.split_once('='))
                    .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                    .collect()
            })
            .collect()
    })
}

fn real_target(env: &HashMap<String, String>) -> Target {
    let get = |k: &str| {
        env.get(k)
            .cloned()
            .unwrap_or_else(|| panic!("{k} missing from a REAL_N8N_ENV file"))
    };
    let version = get("N8N_VERSION");
    let line = if version.starts_with("1.") {
        Line::V1
    } else {
        Line::V2
    };
    let ids = env
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("WORKFLOW_")?.to_owned(), v.clone())))
        .collect();
    Target {
        label: format!("real {version}"),
        line,
        real: true,
        base: get("BASE_URL"),
        api_key: get("API_KEY"),
        ids,
        header: (get("HEADER_AUTH_NAME"), get("HEADER_AUTH_VALUE")),
        basic: (get("BASIC_AUTH_USER"), get("BASIC_AUTH_PASSWORD")),
        jwt_secret: get("JWT_AUTH_SECRET"),
        http: client(),
        server: None,
    }
}

/// The reference server answering as `version`, serving the fixture set.
pub async fn reference_target(version: N8nVersion) -> Target {
    reference_target_with(version, |_| {}).await
}

/// [`reference_target`] with options changed first (server-only rows).
pub async fn reference_target_with(
    version: N8nVersion,
    change: impl FnOnce(&mut trigger_sdk_reference_server::Config),
) -> Target {
    let (mut config, ids) = fixtures::reference_config(version);
    change(&mut config);
    let server = ReferenceServer::start(config)
        .await
        .expect("reference server starts");
    Target {
        label: format!("reference {version}"),
        line: if version == N8nVersion::V1 {
            Line::V1
        } else {
            Line::V2
        },
        real: false,
        base: server.n8n_url(),
        api_key: fixtures::REFERENCE_API_KEY.to_owned(),
        ids,
        header: (
            fixtures::HEADER_NAME.to_owned(),
            fixtures::HEADER_VALUE.to_owned(),
        ),
        basic: (
            fixtures::BASIC_USER.to_owned(),
            fixtures::BASIC_PASSWORD.to_owned(),
        ),
        jwt_secret: fixtures::JWT_SECRET.to_owned(),
        http: client(),
        server: Some(server),
    }
}

/// A row: an async function of a target.
pub type Row = fn(Arc<Target>) -> BoxFuture<'static, ()>;

fn panic_text(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(p) => p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "panic".to_owned()),
        Err(e) => e.to_string(),
    }
}

/// Runs `row` on the reference server in both modes and on every real n8n of
/// `REAL_N8N_ENV`. Prints `suite ok [<target>] <row>` per pass; fails naming each target
/// where it failed.
pub async fn run_row(name: &str, row: Row) {
    let mut targets = vec![
        reference_target(N8nVersion::V2).await,
        reference_target(N8nVersion::V1).await,
    ];
    targets.extend(real_envs().iter().map(real_target));
    let mut failures = Vec::new();
    for target in targets {
        let label = target.label.clone();
        match tokio::spawn(row(Arc::new(target))).await {
            Ok(()) => println!("suite ok [{label}] {name}"),
            Err(e) => failures.push(format!("{label}: {}", panic_text(e))),
        }
    }
    assert!(
        failures.is_empty(),
        "row {name} failed on:\n  {}",
        failures.join("\n  ")
    );
}
