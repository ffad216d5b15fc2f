//! Targets: the config file (`trigger.toml`), the target flags, and what a
//! target resolves to — its provider's settings with the secrets read from
//! the environment variables it names.

use std::{collections::BTreeMap, path::Path};

use serde::Deserialize;
use trigger_sdk::Secret;

use crate::{args::TargetFlags, exit::CliError};

/// The config file read when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "trigger.toml";

/// The config file: named targets.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The targets, by name.
    #[serde(default)]
    pub targets: BTreeMap<String, TargetSpec>,
}

/// One target as written: every key of every provider, checked against the
/// provider when resolved. Keys ending in `_env` name environment variables;
/// secrets are never written in the file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// `n8n`, `tooljet`, `flowmatic` or `runs`.
    pub provider: String,
    /// The platform's base URL.
    pub base_url: Option<String>,
    /// The workflow id.
    pub workflow: Option<String>,
    /// The webhook: an n8n path, a Flowmatic webhook id.
    pub webhook: Option<String>,
    /// The webhook's method.
    pub method: Option<String>,
    /// n8n: `onReceived`, `lastNode`, `responseNode` or `streaming`.
    pub response_mode: Option<String>,
    /// The variable holding the API key (runs, n8n).
    pub api_key_env: Option<String>,
    /// The variable holding the token (ToolJet, Flowmatic API).
    pub token_env: Option<String>,
    /// Flowmatic: the variable holding the webhook secret.
    pub secret_env: Option<String>,
    /// n8n header auth: the header.
    pub header_auth: Option<String>,
    /// n8n header auth: the variable holding its value.
    pub header_auth_env: Option<String>,
    /// n8n basic auth: the user.
    pub basic_user: Option<String>,
    /// n8n basic auth: the variable holding the password.
    pub basic_password_env: Option<String>,
    /// n8n JWT auth: the variable holding the HS256 secret the token is signed with.
    pub jwt_secret_env: Option<String>,
    /// n8n JWT auth: the token's claims, a JSON object (`{}` when absent).
    pub jwt_claims: Option<String>,
    /// ToolJet: the environment.
    pub environment: Option<String>,
    /// ToolJet: the workflow version.
    pub version: Option<String>,
    /// runs: the connection id.
    pub connection: Option<String>,
    /// Allow credentials over plain http:// to a host that is not loopback.
    #[serde(default)]
    pub allow_insecure_http: bool,
}

impl TargetSpec {
    /// The spec the target flags describe.
    pub fn from_flags(flags: &TargetFlags) -> Option<Self> {
        let f = flags.clone();
        Some(Self {
            provider: f.provider?,
            base_url: f.base_url,
            workflow: f.workflow,
            webhook: f.webhook,
            method: f.method,
            response_mode: f.response_mode,
            api_key_env: f.api_key_env,
            token_env: f.token_env,
            secret_env: f.secret_env,
            header_auth: f.header_auth,
            header_auth_env: f.header_auth_env,
            basic_user: f.basic_user,
            basic_password_env: f.basic_password_env,
            jwt_secret_env: f.jwt_secret_env,
            jwt_claims: f.jwt_claims,
            environment: f.environment,
            version: f.tooljet_version,
            connection: f.connection,
            allow_insecure_http: f.allow_insecure_http,
        })
    }

    /// The keys that are set, by their config names.
    fn set_keys(&self) -> Vec<&'static str> {
        let keys = [
            ("workflow", self.workflow.is_some()),
            ("webhook", self.webhook.is_some()),
            ("method", self.method.is_some()),
            ("response_mode", self.response_mode.is_some()),
            ("api_key_env", self.api_key_env.is_some()),
            ("token_env", self.token_env.is_some()),
            ("secret_env", self.secret_env.is_some()),
            ("header_auth", self.header_auth.is_some()),
            ("header_auth_env", self.header_auth_env.is_some()),
            ("basic_user", self.basic_user.is_some()),
            ("basic_password_env", self.basic_password_env.is_some()),
            ("jwt_secret_env", self.jwt_secret_env.is_some()),
            ("jwt_claims", self.jwt_claims.is_some()),
            ("environment", self.environment.is_some()),
            ("version", self.version.is_some()),
            ("connection", self.connection.is_some()),
        ];
        keys.iter()
            .filter(|(_, set)| *set)
            .map(|(k, _)| *k)
            .collect()
    }
}

/// Where a secret came from, which says how it is shown masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable: shown as `${NAME}`.
    Env(String),
    /// A credential of the embedded demo server: shown as `[REDACTED]`.
    Demo,
}

/// A secret and where it came from.
#[derive(Debug, Clone)]
pub struct SecretValue {
    /// The secret.
    pub value: Secret,
    /// Its source.
    pub source: SecretSource,
}

impl SecretValue {
    /// A demo credential.
    pub fn demo(value: &str) -> Self {
        Self {
            value: Secret::new(value),
            source: SecretSource::Demo,
        }
    }
}

/// n8n Webhook node authentication.
#[derive(Debug, Clone)]
pub enum N8nAuth {
    /// None.
    None,
    /// `name: value`.
    Header {
        /// The header.
        name: String,
        /// Its value.
        value: SecretValue,
    },
    /// Basic auth.
    Basic {
        /// The user.
        user: String,
        /// The password.
        password: SecretValue,
    },
    /// `Authorization: Bearer <HS256 JWT>`.
    Jwt {
        /// The signing secret.
        secret: SecretValue,
        /// The token's claims.
        claims: serde_json::Value,
    },
}

/// A Flowmatic webhook's method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowmaticMethod {
    /// JSON body.
    Post,
    /// The payload as the query.
    Get,
}

/// What a target is, per provider.
#[derive(Debug, Clone)]
pub enum TargetKind {
    /// An n8n webhook.
    N8n {
        /// The webhook path.
        webhook: String,
        /// The method (upper case).
        method: String,
        /// The response mode, as n8n names it.
        response_mode: String,
        /// The webhook's auth.
        auth: N8nAuth,
        /// The workflow id and API key that follow runs, list and cancel them.
        api: Option<(String, SecretValue)>,
    },
    /// A ToolJet workflow.
    ToolJet {
        /// The workflow id.
        workflow: String,
        /// The workflow token.
        token: SecretValue,
        /// The environment.
        environment: Option<String>,
        /// The version.
        version: Option<String>,
    },
    /// A Flowmatic webhook.
    Flowmatic {
        /// The webhook id.
        webhook: String,
        /// The method.
        method: FlowmaticMethod,
        /// The webhook secret (signs calls).
        secret: Option<SecretValue>,
        /// The API token (follows, lists).
        token: Option<SecretValue>,
        /// The workflow id (lists).
        workflow: Option<String>,
    },
    /// A runs API workflow.
    Runs {
        /// The workflow id.
        workflow: String,
        /// The API key.
        api_key: SecretValue,
        /// The connection id.
        connection: Option<String>,
    },
}

/// A resolved target.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its name.
    pub name: String,
    /// The platform's base URL.
    pub base_url: String,
    /// Per provider.
    pub kind: TargetKind,
    /// Credentials over plain http to a remote host.
    pub allow_insecure_http: bool,
}

/// n8n's names of the Webhook node's response modes.
pub const N8N_RESPONSE_MODES: [&str; 4] = ["onReceived", "lastNode", "responseNode", "streaming"];

/// The keys each provider takes (besides `provider`, `base_url` and
/// `allow_insecure_http`).
fn allowed_keys(provider: &str) -> Option<&'static [&'static str]> {
    Some(match provider {
        "n8n" => &[
            "webhook",
            "method",
            "response_mode",
            "header_auth",
            "header_auth_env",
            "basic_user",
            "basic_password_env",
            "jwt_secret_env",
            "jwt_claims",
            "api_key_env",
            "workflow",
        ],
        "tooljet" => &["workflow", "token_env", "environment", "version"],
        "flowmatic" => &["webhook", "method", "secret_env", "token_env", "workflow"],
        "runs" => &["workflow", "api_key_env", "connection"],
        _ => return None,
    })
}

/// Reads secrets from the environment (a seam for tests).
pub trait Env {
    /// The variable's value, if set.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// Resolves `spec` into a target named `name`.
pub fn resolve(name: &str, spec: &TargetSpec, env: &dyn Env) -> Result<Target, CliError> {
    let provider = spec.provider.as_str();
    let fail = |message: String| CliError::usage(format!("target {name} ({provider}): {message}"));
    let allowed = allowed_keys(provider).ok_or_else(|| {
        CliError::usage(format!(
            "target {name}: unknown provider {provider:?} (n8n, tooljet, flowmatic or runs)"
        ))
    })?;
    if let Some(key) = spec.set_keys().into_iter().find(|k| !allowed.contains(k)) {
        return Err(fail(format!("{key} does not apply to {provider} targets")));
    }
    let base_url = spec
        .base_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| fail("base_url is missing".into()))?;
    let required = |value: &Option<String>, key: &str| {
        value
            .clone()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| fail(format!("{key} is missing")))
    };
    let secret = |var: &Option<String>, key: &str| -> Result<Option<SecretValue>, CliError> {
        let Some(var) = var else { return Ok(None) };
        match env.var(var) {
            Some(value) if !value.is_empty() => Ok(Some(SecretValue {
                value: Secret::new(value),
                source: SecretSource::Env(var.clone()),
            })),
            Some(_) => Err(fail(format!(
                "the environment variable {var} ({key}) is empty"
            ))),
            None => Err(fail(format!(
                "the environment variable {var} ({key}) is not set"
            ))),
        }
    };
    let needed = |var: &Option<String>, key: &str| -> Result<SecretValue, CliError> {
        secret(var, key)?.ok_or_else(|| fail(format!("{key} is missing")))
    };
    let kind = match provider {
        "n8n" => {
            let method = spec
                .method
                .as_deref()
                .unwrap_or("POST")
                .to_ascii_uppercase();
            let response_mode = spec
                .response_mode
                .clone()
                .unwrap_or_else(|| "onReceived".to_owned());
            if !N8N_RESPONSE_MODES.contains(&response_mode.as_str()) {
                return Err(fail(format!(
                    "response_mode {response_mode:?} is not one of {}",
                    N8N_RESPONSE_MODES.join(", ")
                )));
            }
            let auth = match (&spec.header_auth, &spec.basic_user, &spec.jwt_secret_env) {
                (Some(header), None, None) => N8nAuth::Header {
                    name: header.clone(),
                    value: needed(&spec.header_auth_env, "header_auth_env")?,
                },
                (None, Some(user), None) => N8nAuth::Basic {
                    user: user.clone(),
                    password: needed(&spec.basic_password_env, "basic_password_env")?,
                },
                (None, None, Some(_)) => {
                    let claims = match &spec.jwt_claims {
                        None => serde_json::Value::Object(Default::default()),
                        Some(text) => serde_json::from_str::<serde_json::Value>(text)
                            .ok()
                            .filter(serde_json::Value::is_object)
                            .ok_or_else(|| {
                                fail(format!("jwt_claims is not a JSON object: {text}"))
                            })?,
                    };
                    N8nAuth::Jwt {
                        secret: needed(&spec.jwt_secret_env, "jwt_secret_env")?,
                        claims,
                    }
                }
                (None, None, None) => {
                    if spec.header_auth_env.is_some()
                        || spec.basic_password_env.is_some()
                        || spec.jwt_claims.is_some()
                    {
                        return Err(fail(
                            "header_auth_env needs header_auth, basic_password_env needs \
                             basic_user, jwt_claims needs jwt_secret_env"
                                .into(),
                        ));
                    }
                    N8nAuth::None
                }
                _ => {
                    return Err(fail(
                        "give one of header_auth, basic_user or jwt_secret_env".into(),
                    ));
                }
            };
            let api = match (&spec.workflow, secret(&spec.api_key_env, "api_key_env")?) {
                (Some(workflow), Some(key)) => Some((workflow.clone(), key)),
                (None, None) => None,
                _ => {
                    return Err(fail(
                        "api_key_env and workflow go together (they follow, list and cancel runs)"
                            .into(),
                    ));
                }
            };
            TargetKind::N8n {
                webhook: required(&spec.webhook, "webhook")?,
                method,
                response_mode,
                auth,
                api,
            }
        }
        "tooljet" => TargetKind::ToolJet {
            workflow: required(&spec.workflow, "workflow")?,
            token: needed(&spec.token_env, "token_env")?,
            environment: spec.environment.clone(),
            version: spec.version.clone(),
        },
        "flowmatic" => TargetKind::Flowmatic {
            webhook: required(&spec.webhook, "webhook")?,
            method: match spec
                .method
                .as_deref()
                .map(str::to_ascii_uppercase)
                .as_deref()
            {
                None | Some("POST") => FlowmaticMethod::Post,
                Some("GET") => FlowmaticMethod::Get,
                Some(other) => {
                    return Err(fail(format!(
                        "Flowmatic webhooks take POST or GET, not {other}"
                    )));
                }
            },
            secret: secret(&spec.secret_env, "secret_env")?,
            token: secret(&spec.token_env, "token_env")?,
            workflow: spec.workflow.clone(),
        },
        _ => TargetKind::Runs {
            workflow: required(&spec.workflow, "workflow")?,
            api_key: needed(&spec.api_key_env, "api_key_env")?,
            connection: spec.connection.clone(),
        },
    };
    Ok(Target {
        name: name.to_owned(),
        base_url,
        kind,
        allow_insecure_http: spec.allow_insecure_http,
    })
}

/// Reads a config file; a missing or malformed file is a usage error naming it.
pub fn read_config(path: &Path) -> Result<ConfigFile, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read the config file {}: {e}",
            path.display()
        ))
    })?;
    toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|span| {
            text.as_bytes()[..span.start.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        });
        let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
        CliError::usage(format!(
            "the config file {} is not valid{at}: {}",
            path.display(),
            e.message().trim()
        ))
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Vars(HashMap<&'static str, &'static str>);

    impl Env for Vars {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| (*v).to_owned())
        }
    }

    fn spec(toml_text: &str) -> TargetSpec {
        toml::from_str(toml_text).expect("spec parses")
    }

    fn message(result: Result<Target, CliError>) -> String {
        match result {
            Err(e) => e.to_string(),
            Ok(t) => panic!("expected an error, resolved {t:?}"),
        }
    }

    #[test]
    fn secrets_come_from_the_named_variables() {
        let env = Vars(HashMap::from([("KEY", "wfk_1")]));
        let target = resolve(
            "orders",
            &spec("provider = 'runs'\nbase_url = 'http://127.0.0.1:1'\nworkflow = 'wf'\napi_key_env = 'KEY'"),
            &env,
        )
        .expect("resolves");
        let TargetKind::Runs { api_key, .. } = target.kind else {
            panic!("a runs target");
        };
        assert_eq!(api_key.value.expose(), "wfk_1");
        assert_eq!(api_key.source, SecretSource::Env("KEY".into()));
    }

    #[test]
    fn bad_specs_are_named() {
        let env = Vars(HashMap::new());
        let rows = [
            ("provider = 'zapier'\nbase_url = 'x'", "unknown provider"),
            (
                "provider = 'runs'\nworkflow = 'wf'\napi_key_env = 'K'",
                "base_url is missing",
            ),
            (
                "provider = 'runs'\nbase_url = 'x'\nworkflow = 'wf'\napi_key_env = 'NOPE'",
                "NOPE (api_key_env) is not set",
            ),
            (
                "provider = 'runs'\nbase_url = 'x'\nworkflow = 'wf'\napi_key_env = 'K'\nwebhook = 'w'",
                "webhook does not apply to runs targets",
            ),
            (
                "provider = 'n8n'\nbase_url = 'x'\nwebhook = 'w'\nresponse_mode = 'sometimes'",
                "response_mode \"sometimes\"",
            ),
            (
                "provider = 'n8n'\nbase_url = 'x'\nwebhook = 'w'\nworkflow = 'wf1'",
                "go together",
            ),
            (
                "provider = 'flowmatic'\nbase_url = 'x'\nwebhook = 'w'\nmethod = 'PUT'",
                "POST or GET",
            ),
            (
                "provider = 'tooljet'\nbase_url = 'x'\ntoken_env = 'K'",
                "workflow is missing",
            ),
        ];
        for (text, expected) in rows {
            let message = message(resolve("t", &spec(text), &env));
            assert!(message.contains(expected), "{text:?}: {message}");
            assert!(message.starts_with("target t"), "{message}");
        }
    }

    #[test]
    fn config_errors_name_the_file_and_line() {
        let dir = std::env::temp_dir().join(format!("trigger-cli-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("bad.toml");
        std::fs::write(&path, "[targets.a]\nprovider = 'runs'\nbase_urll = 'x'\n").expect("write");
        let Err(error) = read_config(&path) else {
            panic!("an unknown key is refused");
        };
        let message = error.to_string();
        assert!(
            message.contains("bad.toml") && message.contains("line 3"),
            "{message}"
        );
        assert!(message.contains("base_urll"), "{message}");
        assert!(!message.contains('\n'), "{message}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
