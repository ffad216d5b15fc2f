//! n8n's error answers, typed: [`N8nErrorKind`] (attached to
//! [`trigger_sdk_core::ApiError`] as its detail, read back with
//! `err.detail::<N8nErrorKind>()`), and the mapping of webhook and public-API
//! answers to [`trigger_sdk_core::Error`].

use reqwest::Method;
use serde_json::Value;
use trigger_sdk_core::{ApiError, Error, transport::HttpResponse};

/// What an n8n error answer said, typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum N8nErrorKind {
    /// 404: no webhook is registered at this path (the workflow is inactive,
    /// the path is wrong, or a test URL is not armed). `method` is `None`
    /// for test URLs, whose message quotes only the path.
    #[error("the webhook {} is not registered", describe(method.as_ref(), path))]
    NotRegistered {
        /// The method n8n quoted (production URLs only).
        method: Option<Method>,
        /// The path n8n quoted.
        path: String,
        /// n8n's hint (activate the workflow, or arm the test URL).
        hint: Option<String>,
    },
    /// 404: the path is registered, but for other methods
    /// (`This webhook is not registered for POST requests. Did you mean to
    /// make a GET request?`).
    #[error(
        "the webhook does not accept this method; it accepts {}",
        join(allowed)
    )]
    MethodNotAllowed {
        /// The methods n8n suggested.
        allowed: Vec<Method>,
    },
    /// 500: the method is none of n8n's six (`The method TRACE is not supported.`).
    #[error("n8n does not support the HTTP method {method}")]
    MethodNotSupported {
        /// The method n8n named.
        method: String,
    },
    /// 401/403 from the Webhook node's auth: the plain-text message
    /// (`Authorization data is wrong!`, `Authorization is required!`,
    /// `No token provided`, `jwt expired`, …).
    #[error("the webhook refused the credentials: {message}")]
    AuthRejected {
        /// n8n's plain-text message.
        message: String,
    },
    /// 422: the body did not parse (`Failed to parse request body`).
    #[error("n8n could not parse the request body{}", hint.as_deref().map(|h| format!(": {h}")).unwrap_or_default())]
    BodyNotParsed {
        /// The parser's message.
        hint: Option<String>,
    },
    /// 500 `{"message":"Error in workflow"}`: a node failed before the answer.
    #[error("a node of the workflow failed")]
    WorkflowError,
    /// 500 `There was a problem executing the workflow` (or `The execution
    /// was cancelled …`): the execution timed out or was stopped, or the body
    /// was over n8n's size limit (16 MiB by default; n8n answers 500, not
    /// 413, and starts no execution then).
    #[error("n8n had a problem executing the workflow (stopped, timed out, or body too large)")]
    ExecutionProblem,
    /// 500 `No item to return was found`: `lastNode` + `firstEntryJson` and
    /// the last node emitted no item.
    #[error("the last node emitted no item to return")]
    NoItemToReturn,
    /// The public API has no execute endpoint (404/405 on
    /// `POST /workflows/{id}/execute`).
    #[error("this n8n has no public execute endpoint")]
    NoExecuteEndpoint,
    /// Another n8n error message: a public-API `{"message":".."}`, or a
    /// webhook 500 `{"code":..,"message":..}` this SDK has no variant for.
    #[error("{message}")]
    Api {
        /// n8n's message.
        message: String,
    },
}

fn describe(method: Option<&Method>, path: &str) -> String {
    match method {
        Some(m) => format!("\"{m} {path}\""),
        None => format!("\"{path}\""),
    }
}

fn join(methods: &[Method]) -> String {
    let names: Vec<&str> = methods.iter().map(Method::as_str).collect();
    names.join(", ")
}

/// The six methods an n8n webhook can be registered for.
pub const WEBHOOK_METHODS: [Method; 6] = [
    Method::DELETE,
    Method::GET,
    Method::HEAD,
    Method::PATCH,
    Method::POST,
    Method::PUT,
];

/// The `{code, message, hint, stacktrace}` body of a webhook error (all optional).
#[derive(Debug, Default)]
struct ErrorBody {
    code: Option<Value>,
    message: Option<String>,
    hint: Option<String>,
}

fn error_body(answer: &HttpResponse) -> ErrorBody {
    let Some(Value::Object(obj)) = answer.json_value() else {
        return ErrorBody::default();
    };
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    ErrorBody {
        code: obj.get("code").cloned(),
        message: text("message"),
        hint: text("hint"),
    }
}

/// Whether a body looks like an HTML page (a proxy's error page).
fn is_html(answer: &HttpResponse) -> bool {
    answer.content_type().is_some_and(|t| t == "text/html")
        || answer
            .text()
            .trim_start()
            .get(..15)
            .is_some_and(|s| s.eq_ignore_ascii_case("<!doctype html>") || s.starts_with("<html"))
}

/// A short message for an answer that has no n8n message.
fn fallback_message(answer: &HttpResponse) -> String {
    if answer.body.is_empty() {
        format!("HTTP {} with an empty body", answer.status)
    } else if is_html(answer) {
        format!(
            "HTTP {} with an HTML page (a proxy answered, not n8n)",
            answer.status
        )
    } else {
        let text = answer.text();
        let text = text.trim();
        if text.chars().count() > 200 {
            text.chars().take(200).collect::<String>() + "…"
        } else {
            text.to_owned()
        }
    }
}

/// Parses `The requested webhook "POST my-path" is not registered.`
/// (production) and `The requested webhook "my-path" is not registered.` (test).
pub(crate) fn parse_not_registered(message: &str) -> Option<(Option<Method>, String)> {
    let rest = message.strip_prefix("The requested webhook \"")?;
    let quoted = rest.strip_suffix("\" is not registered.")?;
    match quoted.split_once(' ') {
        Some((m, path)) if WEBHOOK_METHODS.iter().any(|w| w.as_str() == m) => {
            Some((Method::from_bytes(m.as_bytes()).ok(), path.to_owned()))
        }
        _ => Some((None, quoted.to_owned())),
    }
}

/// Parses `This webhook is not registered for POST requests. Did you mean to
/// make a GET request?` (several: `GET, PUT or POST`) into the allowed methods.
pub(crate) fn parse_method_not_allowed(message: &str) -> Option<Vec<Method>> {
    let rest = message.strip_prefix("This webhook is not registered for ")?;
    let (_, suggestion) = rest.split_once("Did you mean to make a ")?;
    let list = suggestion.strip_suffix(" request?")?;
    let allowed: Vec<Method> = list
        .split([',', ' '])
        .filter_map(|w| WEBHOOK_METHODS.iter().find(|m| m.as_str() == w).cloned())
        .collect();
    (!allowed.is_empty()).then_some(allowed)
}

/// Maps a webhook error answer (any non-2xx) to a typed error.
///
/// Webhook calls start runs and n8n takes no idempotency key, so an answer
/// that n8n never gives (an unknown 5xx, an HTML page from a proxy) is
/// [`Error::Ambiguous`]: the workflow may have run.
pub(crate) fn webhook_error(answer: &HttpResponse) -> Error {
    let body = error_body(answer);
    let status = answer.status;
    let message = body
        .message
        .clone()
        .unwrap_or_else(|| fallback_message(answer));
    let mut api = answer.api_error(message.clone());
    if let Some(code) = &body.code {
        api = api.with_code(trigger_sdk_core::json::text(code));
    }
    let boxed = |api: ApiError| Box::new(api);
    match status {
        401 | 403 => {
            // Plain text, no content type; 1.x sends 403 for bad basic auth.
            let text = answer.text().trim().to_owned();
            let message = if body.message.is_some() {
                message
            } else {
                text
            };
            let mut api = answer.api_error(message.clone());
            api = api.with_detail(N8nErrorKind::AuthRejected { message });
            Error::Unauthorized(boxed(api))
        }
        404 => {
            if let Some((method, path)) = parse_not_registered(&message) {
                let hint = body.hint.clone();
                return Error::NotFound(boxed(api.with_detail(N8nErrorKind::NotRegistered {
                    method,
                    path,
                    hint,
                })));
            }
            if let Some(allowed) = parse_method_not_allowed(&message) {
                return Error::NotFound(boxed(
                    api.with_detail(N8nErrorKind::MethodNotAllowed { allowed }),
                ));
            }
            Error::NotFound(boxed(api))
        }
        422 => Error::BadRequest(boxed(api.with_detail(N8nErrorKind::BodyNotParsed {
            hint: body.hint.clone(),
        }))),
        500 if body.message.is_some() => {
            let kind = match message.as_str() {
                "Error in workflow" => Some(N8nErrorKind::WorkflowError),
                "There was a problem executing the workflow"
                | "The execution was cancelled manually"
                | "The execution was cancelled because it timed out" => {
                    Some(N8nErrorKind::ExecutionProblem)
                }
                "No item to return was found" => Some(N8nErrorKind::NoItemToReturn),
                m => m
                    .strip_prefix("The method ")
                    .and_then(|r| r.strip_suffix(" is not supported."))
                    .map(|method| N8nErrorKind::MethodNotSupported {
                        method: method.to_owned(),
                    }),
            };
            match kind {
                Some(kind @ N8nErrorKind::MethodNotSupported { .. }) => Error::Unsupported {
                    message: kind.to_string(),
                    error: Some(boxed(api.with_detail(kind))),
                },
                Some(kind) => Error::WorkflowFailed(boxed(api.with_detail(kind))),
                // `{"code":0,"message":..}` is n8n's own error shape: n8n
                // reports the run failed; any other 500 may be a proxy's.
                None if body.code.is_some() => {
                    let kind = N8nErrorKind::Api { message };
                    Error::WorkflowFailed(boxed(api.with_detail(kind)))
                }
                // Any other 500 may be a proxy's: the core makes a code-less
                // 5xx to a webhook call `Ambiguous`.
                None => Error::Server(boxed(api)),
            }
        }
        _ => Error::from_status(api, answer.retry_after()),
    }
}

/// A public-API answer that means the same on 1.x and 2.x but comes with another
/// status on one of them: (status, message, the variant both lines get). The raw status
/// stays in the [`ApiError`].
type SameMeaning = (u16, &'static str, fn(Box<ApiError>) -> Error);

const SAME_MEANING: &[SameMeaning] = &[
    // Retrying a successful execution: 409 on 2.x, 400 on 1.x.
    (
        400,
        "The execution succeeded, so it cannot be retried.",
        Error::Conflict,
    ),
];

/// Maps a public-API error answer (`{"message":".."}`, 1.x and 2.x) to a typed error.
pub(crate) fn api_error(answer: &HttpResponse) -> Error {
    let body = error_body(answer);
    let message = body
        .message
        .clone()
        .unwrap_or_else(|| fallback_message(answer));
    let same_as = SAME_MEANING
        .iter()
        .find(|(status, m, _)| *status == answer.status && body.message.as_deref() == Some(*m))
        .map(|(_, _, variant)| *variant);
    let mut api = answer.api_error(message.clone());
    if body.message.is_some() {
        api = api.with_detail(N8nErrorKind::Api { message });
    }
    match same_as {
        Some(variant) => variant(Box::new(api)),
        None => Error::from_status(api, answer.retry_after()),
    }
}

/// Decodes a successful public-API answer, explaining the empty 204 n8n
/// sends to User-Agents that contain `bot`.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    answer: &HttpResponse,
) -> trigger_sdk_core::Result<T> {
    if !answer.is_success() {
        return Err(api_error(answer));
    }
    if answer.body.is_empty() {
        return Err(Error::decode(
            format!(
                "HTTP {} with an empty body where n8n sends JSON (n8n answers an empty 204 \
                 to User-Agents that contain \"bot\"; is a proxy rewriting the User-Agent?)",
                answer.status
            ),
            Some(answer.status),
            &answer.body,
        ));
    }
    answer.json()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_not_registered_messages() {
        assert_eq!(
            parse_not_registered("The requested webhook \"POST my-path\" is not registered."),
            Some((Some(Method::POST), "my-path".to_owned()))
        );
        assert_eq!(
            parse_not_registered("The requested webhook \"my path\" is not registered."),
            Some((None, "my path".to_owned()))
        );
        assert_eq!(parse_not_registered("not found"), None);
    }

    #[test]
    fn parses_did_you_mean() {
        assert_eq!(
            parse_method_not_allowed(
                "This webhook is not registered for POST requests. Did you mean to make a GET request?"
            ),
            Some(vec![Method::GET])
        );
        assert_eq!(
            parse_method_not_allowed(
                "This webhook is not registered for DELETE requests. Did you mean to make a GET, PUT or POST request?"
            ),
            Some(vec![Method::GET, Method::PUT, Method::POST])
        );
        assert_eq!(
            parse_method_not_allowed("This webhook is not registered"),
            None
        );
    }
}
