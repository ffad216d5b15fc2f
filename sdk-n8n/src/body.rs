//! What a webhook call sends ([`WebhookBody`], [`BodyFormat`]) and how an
//! answer body reads back ([`WebhookResponse`]), exactly as n8n sent it.

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde::de::DeserializeOwned;
use serde_json::Value;
use trigger_sdk_core::{
    Error, RequestWriter, Result,
    transport::{HttpResponse, is_json_content_type},
};

use crate::items::n8n_items;

/// How a [`trigger_sdk_core::TriggerRequest`] payload is sent to the webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyFormat {
    /// `application/json` (n8n's `$json.body` is the object). A `null`
    /// payload sends no body.
    #[default]
    Json,
    /// `text/plain`: a string payload as is, anything else as its JSON text
    /// (n8n's `$json.body` is the string).
    Text,
    /// `application/x-www-form-urlencoded` from a flat object payload
    /// (strings as is, other values as JSON text; n8n's `$json.body` is an
    /// object of strings).
    Form,
}

/// The body of one webhook call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookBody {
    /// No body and no content type.
    Empty,
    /// A JSON body.
    Json(Value),
    /// A `text/plain` body.
    Text(String),
    /// An `application/x-www-form-urlencoded` body.
    Form(Vec<(String, String)>),
    /// Raw bytes with their content type.
    Bytes {
        /// The `Content-Type` to send.
        content_type: String,
        /// The bytes.
        bytes: Bytes,
    },
}

impl WebhookBody {
    /// The body of `payload` in `format` (a `null` payload sends no body in
    /// any format; the body holds a copy of the payload).
    pub fn from_payload(payload: &Value, format: &BodyFormat) -> Result<Self> {
        Self::from_owned(payload.clone(), format)
    }

    /// The body of an owned `payload` in `format`: one row per format. A
    /// `null` payload sends no body in any format; a JSON body keeps the
    /// value without copying it.
    pub(crate) fn from_owned(payload: Value, format: &BodyFormat) -> Result<Self> {
        if payload.is_null() {
            return Ok(Self::Empty);
        }
        Ok(match (format, payload) {
            (BodyFormat::Json, payload) => Self::Json(payload),
            (BodyFormat::Text, payload) => Self::Text(trigger_sdk_core::json::text(&payload)),
            (BodyFormat::Form, Value::Object(fields)) => Self::Form(
                fields
                    .into_iter()
                    .map(|(k, v)| (k, trigger_sdk_core::json::text(&v)))
                    .collect(),
            ),
            (BodyFormat::Form, _) => {
                return Err(Error::Config(
                    "a form body needs an object payload".to_owned(),
                ));
            }
        })
    }

    /// Puts this body on a request (a call, or a preview).
    pub(crate) fn apply<W: RequestWriter>(self, call: W) -> W {
        match self {
            Self::Empty => call,
            Self::Json(value) => call.json(&value),
            Self::Text(text) => call.body(text, Some("text/plain; charset=utf-8")),
            Self::Form(fields) => {
                let form = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&fields)
                    .finish();
                call.body(form, Some("application/x-www-form-urlencoded"))
            }
            Self::Bytes {
                content_type,
                bytes,
            } => call.body(bytes, Some(content_type.as_str())),
        }
    }
}

/// A webhook's answer, exactly as n8n sent it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WebhookResponse {
    /// The status code.
    pub status: u16,
    /// The headers (a Respond to Webhook node may set its own).
    pub headers: HeaderMap,
    /// The body bytes, unchanged.
    pub body: Bytes,
}

impl WebhookResponse {
    pub(crate) fn from_http(answer: HttpResponse) -> Self {
        Self {
            status: answer.status,
            headers: answer.headers,
            body: answer.body,
        }
    }

    /// The body as a value, never reshaped: JSON when it parses as JSON and
    /// is declared JSON (or undeclared), a JSON string for text, `Null` for an
    /// empty body (n8n sends empty `application/json` bodies for `noData` and
    /// for a Respond node that was never reached — never decoded) and for
    /// bytes that are not UTF-8 (read those from [`WebhookResponse::body`]).
    pub fn output(&self) -> Value {
        body_value(&self.headers, &self.body)
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body decoded from JSON as `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::decode(
                format!("webhook answer is not the expected JSON: {e}"),
                Some(self.status),
                &self.body,
            )
        })
    }

    /// The n8n items of the answer (see [`n8n_items`]).
    pub fn items(&self) -> Vec<Value> {
        n8n_items(&self.output())
    }
}

/// The value of a body, as described on [`WebhookResponse::output`].
pub(crate) fn body_value(headers: &HeaderMap, body: &[u8]) -> Value {
    if body.iter().all(u8::is_ascii_whitespace) {
        return if body.is_empty() {
            Value::Null
        } else {
            Value::String(String::from_utf8_lossy(body).into_owned())
        };
    }
    // No type (or one that is not visible ASCII) counts as JSON.
    let declared_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(is_json_content_type);
    if declared_json && let Ok(value) = serde_json::from_slice::<Value>(body) {
        return value;
    }
    match std::str::from_utf8(body) {
        Ok(text) => Value::String(text.to_owned()),
        Err(_) => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use serde_json::json;

    fn headers(ct: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(ct) = ct {
            h.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        }
        h
    }

    #[test]
    fn bodies_read_exactly_as_sent() {
        let json_ct = headers(Some("application/json; charset=utf-8"));
        assert_eq!(body_value(&json_ct, b""), Value::Null);
        assert_eq!(body_value(&json_ct, br#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(body_value(&json_ct, br#"[{"a":1}]"#), json!([{"a": 1}]));
        assert_eq!(
            body_value(&headers(Some("text/html")), b"queued"),
            json!("queued")
        );
        assert_eq!(body_value(&headers(Some("text/plain")), b"42"), json!("42"));
        assert_eq!(body_value(&headers(None), b"42"), json!(42));
        assert_eq!(
            body_value(&headers(Some("application/octet-stream")), &[0xff, 0xfe]),
            Value::Null
        );
        assert_eq!(body_value(&json_ct, b"not json"), json!("not json"));
        // The declared type in any case, and `+json` types, are JSON too.
        for ct in [
            "Application/JSON",
            "application/problem+json; charset=utf-8",
        ] {
            assert_eq!(body_value(&headers(Some(ct)), b"42"), json!(42), "{ct}");
        }
        assert_eq!(
            body_value(&headers(Some("application/jsonl")), b"42"),
            json!("42")
        );
    }

    #[test]
    fn payloads_become_bodies() {
        assert_eq!(
            WebhookBody::from_payload(&Value::Null, &BodyFormat::Json).unwrap(),
            WebhookBody::Empty
        );
        assert_eq!(
            WebhookBody::from_payload(&json!({"a": 1, "b": "two"}), &BodyFormat::Form).unwrap(),
            WebhookBody::Form(vec![("a".into(), "1".into()), ("b".into(), "two".into())])
        );
        assert_eq!(
            WebhookBody::from_payload(&json!("just text"), &BodyFormat::Text).unwrap(),
            WebhookBody::Text("just text".into())
        );
        assert!(WebhookBody::from_payload(&json!([1]), &BodyFormat::Form).is_err());
        assert_eq!(
            WebhookBody::from_payload(&json!({"a": [1]}), &BodyFormat::Json).unwrap(),
            WebhookBody::Json(json!({"a": [1]}))
        );
        assert_eq!(
            WebhookBody::from_payload(&json!({"a": [1]}), &BodyFormat::Text).unwrap(),
            WebhookBody::Text(r#"{"a":[1]}"#.into())
        );
        assert_eq!(
            WebhookBody::from_payload(&json!({"n": null, "o": {"x": true}}), &BodyFormat::Form)
                .unwrap(),
            WebhookBody::Form(vec![
                ("n".into(), "null".into()),
                ("o".into(), r#"{"x":true}"#.into())
            ])
        );
    }

    #[test]
    fn a_null_payload_sends_no_body_in_any_format() {
        for format in [BodyFormat::Json, BodyFormat::Text, BodyFormat::Form] {
            assert_eq!(
                WebhookBody::from_owned(Value::Null, &format).unwrap(),
                WebhookBody::Empty,
                "{format:?}"
            );
        }
    }

    #[test]
    fn owned_and_borrowed_payloads_give_the_same_body() {
        let payload = json!({"a": 1, "b": "two"});
        for format in [BodyFormat::Json, BodyFormat::Text, BodyFormat::Form] {
            assert_eq!(
                WebhookBody::from_owned(payload.clone(), &format).unwrap(),
                WebhookBody::from_payload(&payload, &format).unwrap(),
                "{format:?}"
            );
        }
        for format in [BodyFormat::Text, BodyFormat::Form] {
            assert_eq!(
                WebhookBody::from_owned(json!("x"), &format).is_err(),
                format == BodyFormat::Form
            );
        }
    }
}
