//! `trigger curl`: the curl command that starts the same run, for people who
//! want to see (or paste) the request. Only printed, never sent.
//!
//! Secrets read from an environment variable are written as `"${NAME}"`, so
//! the printed command runs as is in a shell that has the variable, and
//! shows nothing secret; demo credentials are `[REDACTED]`.
//! `--show-secrets` writes the values. A Flowmatic signature is computed
//! over exactly the body (or query) printed: it is valid for that request
//! only, and reveals nothing of the secret.

use serde_json::{Value, json};
use trigger_sdk::{
    Secret, TriggerRequest, auth::jwt_hs256, flowmatic::SIGNATURE_HEADER, reqwest::Url,
    signature::sign_sha256,
};

use crate::{
    args::CurlArgs,
    commands::Source,
    config::{FlowmaticMethod, N8nAuth, SecretSource, SecretValue, Target, TargetKind},
    exit::{CliError, Exit},
    input,
    report::Report,
};

/// A piece of one shell word.
enum Piece<'a> {
    Text(String),
    Secret(&'a SecretValue),
    /// A credential computed from a secret (a signed token): masked, it
    /// reads as `masked`, since no shell variable holds it.
    Derived {
        value: Secret,
        masked: String,
    },
}

/// One shell word made of pieces.
struct Word<'a>(Vec<Piece<'a>>);

impl<'a> Word<'a> {
    fn text(text: impl Into<String>) -> Self {
        Self(vec![Piece::Text(text.into())])
    }

    fn with_secret(prefix: impl Into<String>, secret: &'a SecretValue) -> Self {
        Self(vec![Piece::Text(prefix.into()), Piece::Secret(secret)])
    }

    fn render(&self, show_secrets: bool) -> String {
        let mut out = String::new();
        let mut literal = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => literal.push_str(text),
                Piece::Secret(secret) if show_secrets => literal.push_str(secret.value.expose()),
                Piece::Secret(SecretValue {
                    source: SecretSource::Env(name),
                    ..
                }) => {
                    out.push_str(&quote(&std::mem::take(&mut literal)));
                    out.push_str(&format!("\"${{{name}}}\""));
                }
                Piece::Secret(_) => literal.push_str("[REDACTED]"),
                Piece::Derived { value, .. } if show_secrets => literal.push_str(value.expose()),
                Piece::Derived { masked, .. } => literal.push_str(masked),
            }
        }
        out.push_str(&quote(&literal));
        out
    }
}

/// `text` in single quotes (nothing inside is expanded by the shell).
fn quote(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The command being built.
struct Curl<'a> {
    method: String,
    url: Url,
    words: Vec<(&'static str, Word<'a>)>,
    body: Option<String>,
}

impl<'a> Curl<'a> {
    fn new(method: &str, url: Url) -> Self {
        Self {
            method: method.to_owned(),
            url,
            words: Vec::new(),
            body: None,
        }
    }

    fn header(&mut self, word: Word<'a>) {
        self.words.push(("-H", word));
    }

    fn json_body(&mut self, body: &Value) {
        self.header(Word::text("Content-Type: application/json"));
        self.body = Some(body.to_string());
    }

    fn render(&self, show_secrets: bool) -> String {
        let mut lines = vec![format!(
            "curl -sS -X {} {}",
            self.method,
            quote(self.url.as_str())
        )];
        for (flag, word) in &self.words {
            lines.push(format!("  {flag} {}", word.render(show_secrets)));
        }
        if let Some(body) = &self.body {
            lines.push(format!("  --data-raw {}", quote(body)));
        }
        lines.join(" \\\n")
    }
}

/// `base` with `segments` appended to its path.
fn endpoint(target: &Target, segments: &[&str]) -> Result<Url, CliError> {
    let mut url = Url::parse(&target.base_url).map_err(|e| {
        CliError::usage(format!(
            "target {}: base_url is not a URL: {e}",
            target.name
        ))
    })?;
    url.path_segments_mut()
        .map_err(|()| {
            CliError::usage(format!(
                "target {}: base_url cannot take a path",
                target.name
            ))
        })?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// A payload as a GET webhook's query, as the Flowmatic SDK sends it: an
/// object's fields in order, strings as they are, other values as JSON,
/// `null`s left out.
fn query_pairs(payload: &Value) -> Result<Vec<(String, String)>, CliError> {
    match payload {
        Value::Null => Ok(Vec::new()),
        Value::Object(fields) => Ok(fields
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect()),
        other => Err(CliError::usage(format!(
            "a GET webhook takes an object (its fields become the query), not {other}"
        ))),
    }
}

/// The command for `request` on `target`.
fn command<'a>(target: &'a Target, request: &TriggerRequest) -> Result<Curl<'a>, CliError> {
    let payload = &request.payload;
    let object = || match payload {
        Value::Null => json!({}),
        other => other.clone(),
    };
    let mut curl = match &target.kind {
        TargetKind::N8n { method, auth, .. } => {
            let mut url = target.n8n_trigger(None)?.url().clone();
            if !request.query.is_empty() {
                url.query_pairs_mut().extend_pairs(&request.query);
            }
            let mut curl = Curl::new(method, url);
            match auth {
                N8nAuth::None => {}
                N8nAuth::Header { name, value } => {
                    curl.header(Word::with_secret(format!("{name}: "), value));
                }
                N8nAuth::Basic { user, password } => {
                    curl.words
                        .push(("-u", Word::with_secret(format!("{user}:"), password)));
                }
                N8nAuth::Jwt { secret, claims } => {
                    let value = jwt_hs256(&secret.value, claims).map_err(CliError::from)?;
                    let masked = match &secret.source {
                        SecretSource::Env(name) => {
                            format!("[HS256 JWT signed with ${name}: --show-secrets prints it]")
                        }
                        _ => "[REDACTED]".to_owned(),
                    };
                    curl.header(Word(vec![
                        Piece::Text("Authorization: Bearer ".into()),
                        Piece::Derived { value, masked },
                    ]));
                }
            }
            if !payload.is_null() {
                curl.json_body(payload);
            }
            curl
        }
        TargetKind::ToolJet {
            workflow,
            token,
            environment,
            version,
        } => {
            let mut url = endpoint(
                target,
                &["api", "v2", "webhooks", "workflows", workflow, "trigger"],
            )?;
            {
                let mut query = url.query_pairs_mut();
                query.append_pair(
                    "environment",
                    environment.as_deref().unwrap_or("development"),
                );
                if let Some(version) = version {
                    query.append_pair("version", version);
                }
                query.extend_pairs(&request.query);
            }
            let mut curl = Curl::new("POST", url);
            curl.header(Word::with_secret("Authorization: Bearer ", token));
            curl.json_body(&object());
            curl
        }
        TargetKind::Flowmatic {
            webhook,
            method,
            secret,
            ..
        } => {
            let mut url = endpoint(target, &["api", "webhooks", webhook])?;
            let (method, signed) = match method {
                FlowmaticMethod::Post => {
                    if !request.query.is_empty() {
                        url.query_pairs_mut().extend_pairs(&request.query);
                    }
                    ("POST", object().to_string())
                }
                FlowmaticMethod::Get => {
                    let mut pairs = query_pairs(payload)?;
                    pairs.extend(request.query.iter().cloned());
                    if !pairs.is_empty() {
                        url.query_pairs_mut().extend_pairs(&pairs);
                    }
                    ("GET", url.query().unwrap_or_default().to_owned())
                }
            };
            let mut curl = Curl::new(method, url);
            if let Some(secret) = secret {
                let signature = sign_sha256(&secret.value, signed.as_bytes());
                curl.header(Word::text(format!("{SIGNATURE_HEADER}: {signature}")));
            }
            if method == "POST" {
                curl.header(Word::text("Content-Type: application/json"));
                curl.body = Some(signed);
            }
            curl
        }
        TargetKind::Runs {
            workflow,
            api_key,
            connection,
        } => {
            if !request.query.is_empty() || !request.headers.is_empty() {
                return Err(CliError::usage(
                    "the runs API takes its input in the body: put query values and headers into --data",
                ));
            }
            let url = endpoint(target, &["api", "v1", "workflows", workflow, "run"])?;
            let mut curl = Curl::new("POST", url);
            curl.header(Word::with_secret("x-api-key: ", api_key));
            let mut body = json!({"input": object()});
            if let Some(connection) = connection {
                body["connectionId"] = json!(connection);
            }
            if let Some(key) = &request.idempotency_key {
                body["idempotencyKey"] = json!(key);
            }
            curl.json_body(&body);
            curl
        }
    };
    for (name, value) in &request.headers {
        curl.header(Word::text(format!("{name}: {value}")));
    }
    Ok(curl)
}

/// Prints the command.
pub fn print(source: &Source, args: &CurlArgs, report: &mut Report) -> Result<Exit, CliError> {
    let target = source.target(&args.target)?;
    let request = input::request(&args.input, &target)?;
    let text = command(&target, &request)?.render(args.show_secrets);
    report.line(&text);
    report.set("target", target.name.clone());
    report.set("curl", text);
    Ok(Exit::Succeeded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes() {
        assert_eq!(quote("it's"), r"'it'\''s'");
        let secret = SecretValue {
            value: trigger_sdk::Secret::new("s3cr3t"),
            source: SecretSource::Env("KEY".into()),
        };
        let word = Word::with_secret("x-api-key: ", &secret);
        assert_eq!(word.render(false), r#"'x-api-key: '"${KEY}""#);
        assert_eq!(word.render(true), "'x-api-key: s3cr3t'");
        let demo = SecretValue::demo("s3cr3t");
        assert_eq!(
            Word::with_secret("k: ", &demo).render(false),
            "'k: [REDACTED]'"
        );
    }
}
