//! `trigger curl`: the curl command that starts the same run, for people who
//! want to see (or paste) the request. Only printed, never sent.
//!
//! The request is the SDK's own preview ([`trigger_sdk::Trigger::preview`]):
//! built by the code that sends it, so the printed method, URL, headers and
//! body are what `trigger run` sends. A ToolJet target is shown on its
//! synchronous endpoint (curl waits for the answer).
//!
//! Secrets read from an environment variable are written as `"${NAME}"`, so
//! the printed command runs as is in a shell that has the variable, and
//! shows nothing secret; demo credentials are `[REDACTED]`; a JWT signed from
//! a secret reads as a placeholder naming the variable. `--show-secrets`
//! writes the values. A Flowmatic signature is shown: it is computed over
//! exactly the body (or query) printed, is valid for that request only, and
//! reveals nothing of the secret.

use trigger_sdk::{PreviewValue, RequestPreview, Secret, TriggerMode};

use crate::{
    args::CurlArgs,
    commands::Source,
    config::{N8nAuth, SecretSource, SecretValue, Target, TargetKind},
    exit::{CliError, Exit},
    input,
    report::Report,
};

/// A piece of one shell word.
enum Piece<'a> {
    Text(String),
    /// A credential as given: `"${NAME}"` when read from the variable
    /// `NAME`, else `[REDACTED]`.
    Secret {
        value: &'a Secret,
        env: Option<&'a str>,
    },
    /// A credential computed from a secret (a signed token): masked, it
    /// reads as `masked`, since no shell variable holds it.
    Derived {
        value: Secret,
        masked: String,
    },
}

/// One shell word made of pieces.
struct Word<'a>(Vec<Piece<'a>>);

impl Word<'_> {
    fn render(&self, show_secrets: bool) -> String {
        let mut out = String::new();
        let mut literal = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => literal.push_str(text),
                Piece::Secret { value, .. } if show_secrets => literal.push_str(value.expose()),
                Piece::Secret {
                    env: Some(name), ..
                } => {
                    out.push_str(&quote(&std::mem::take(&mut literal)));
                    out.push_str(&format!("\"${{{name}}}\""));
                }
                Piece::Secret { env: None, .. } => literal.push_str("[REDACTED]"),
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

/// Where the target's secrets come from, to name their variables.
struct Sources<'a>(Vec<&'a SecretValue>);

impl<'a> Sources<'a> {
    /// Every secret of `target`.
    fn of(target: &'a Target) -> Self {
        let mut secrets = Vec::new();
        match &target.kind {
            TargetKind::N8n { auth, api, .. } => {
                match auth {
                    N8nAuth::None => {}
                    N8nAuth::Header { value, .. } => secrets.push(value),
                    N8nAuth::Basic { password, .. } => secrets.push(password),
                    N8nAuth::Jwt { secret, .. } => secrets.push(secret),
                }
                secrets.extend(api.as_ref().map(|(_, key)| key));
            }
            TargetKind::ToolJet { token, .. } => secrets.push(token),
            TargetKind::Flowmatic { secret, token, .. } => {
                secrets.extend(secret.iter().chain(token));
            }
            TargetKind::Runs { api_key, .. } => secrets.push(api_key),
        }
        Self(secrets)
    }

    /// The variable `secret` was read from, if it was.
    fn env(&self, secret: &Secret) -> Option<&'a str> {
        self.0
            .iter()
            .find(|s| s.value == *secret)
            .and_then(|s| match &s.source {
                SecretSource::Env(name) => Some(name.as_str()),
                SecretSource::Demo => None,
            })
    }

    /// A credential as a piece.
    fn piece(&self, value: &'a Secret) -> Piece<'a> {
        Piece::Secret {
            value,
            env: self.env(value),
        }
    }
}

/// The command being built.
struct Curl<'a> {
    preview: &'a RequestPreview,
    words: Vec<(&'static str, Word<'a>)>,
}

impl<'a> Curl<'a> {
    /// The command for `preview`, the request of `target`.
    fn new(target: &'a Target, preview: &'a RequestPreview) -> Self {
        let sources = Sources::of(target);
        let words = preview
            .headers
            .iter()
            .map(|(name, value)| match value {
                PreviewValue::Basic { username, password } => (
                    "-u",
                    Word(vec![
                        Piece::Text(format!("{username}:")),
                        sources.piece(password),
                    ]),
                ),
                value => ("-H", header(&sources, name, value)),
            })
            .collect();
        Self { preview, words }
    }

    fn render(&self, show_secrets: bool) -> String {
        let mut lines = vec![format!(
            "curl -sS -X {} {}",
            self.preview.method,
            quote(self.preview.url.as_str())
        )];
        for (flag, word) in &self.words {
            lines.push(format!("  {flag} {}", word.render(show_secrets)));
        }
        if let Some(body) = self.preview.body_text() {
            lines.push(format!("  --data-raw {}", quote(&body)));
        }
        lines.join(" \\\n")
    }
}

/// `name: value` as a word.
fn header<'a>(sources: &Sources<'a>, name: &str, value: &'a PreviewValue) -> Word<'a> {
    let text = |rest: &str| Piece::Text(format!("{name}: {rest}"));
    Word(match value {
        PreviewValue::Text(value) => vec![text(value)],
        PreviewValue::Secret { prefix, secret } => vec![text(prefix), sources.piece(secret)],
        PreviewValue::Jwt { prefix, token, key } => vec![
            text(prefix),
            Piece::Derived {
                value: token.clone(),
                masked: match sources.env(key) {
                    Some(env) => {
                        format!("[HS256 JWT signed with ${env}: --show-secrets prints it]")
                    }
                    None => "[REDACTED]".to_owned(),
                },
            },
        ],
        // Valid for this request only: shown, so the command runs as printed.
        PreviewValue::Signature(signature) => vec![text(signature.expose())],
        other => vec![
            text(""),
            Piece::Derived {
                value: Secret::new(other.expose()),
                masked: other.redacted(),
            },
        ],
    })
}

/// Prints the command.
pub fn print(source: &Source, args: &CurlArgs, report: &mut Report) -> Result<Exit, CliError> {
    let target = source.target(&args.target)?;
    let request = input::request(&args.input, &target)?.mode(TriggerMode::Wait);
    let preview = target.trigger(None)?.preview(&request)?;
    let text = Curl::new(&target, &preview).render(args.show_secrets);
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
        let secret = Secret::new("s3cr3t");
        let word = |env| {
            Word(vec![
                Piece::Text("x-api-key: ".into()),
                Piece::Secret {
                    value: &secret,
                    env,
                },
            ])
        };
        assert_eq!(word(Some("KEY")).render(false), r#"'x-api-key: '"${KEY}""#);
        assert_eq!(word(Some("KEY")).render(true), "'x-api-key: s3cr3t'");
        assert_eq!(word(None).render(false), "'x-api-key: [REDACTED]'");
    }

    #[test]
    fn basic_auth_is_curl_s_user_option_with_the_variable() {
        let target = Target {
            name: "basic".into(),
            base_url: "http://127.0.0.1:1".into(),
            kind: TargetKind::N8n {
                webhook: "hook".into(),
                method: "POST".into(),
                response_mode: "lastNode".into(),
                auth: N8nAuth::Basic {
                    user: "demo".into(),
                    password: SecretValue {
                        value: Secret::new("pa55"),
                        source: SecretSource::Env("PASS".into()),
                    },
                },
                api: None,
            },
            allow_insecure_http: false,
        };
        let request = trigger_sdk::TriggerRequest::new(serde_json::json!({"a": 1}));
        let preview = target.trigger(None).unwrap().preview(&request).unwrap();
        let curl = Curl::new(&target, &preview);
        assert_eq!(
            curl.render(false),
            "curl -sS -X POST 'http://127.0.0.1:1/webhook/hook' \\\n  -u 'demo:'\"${PASS}\" \\\n  \
             -H 'Content-Type: application/json' \\\n  --data-raw '{\"a\":1}'"
        );
        assert!(curl.render(true).contains("-u 'demo:pa55'"));
    }
}
