//! [`RequestPreview`]: a provider request described before it is sent —
//! method, URL, headers (credentials kept as [`Secret`]s), body.
//!
//! A provider writes each request that can start a run once, in a function
//! generic over [`RequestWriter`]: given a [`Call`] it is the request sent,
//! given a [`RequestPreview`] it is what [`Trigger::preview`] shows
//! ([`RequestPreview::finish`] adds the transport's own headers). So a
//! preview — a `curl` command, a dry run, a log line — is what is sent,
//! signature included, computed by the same code; and the send path builds
//! its [`Call`] directly, with nothing in between.
//!
//! `Debug` and `Display` redact every credential and everything computed
//! from one; [`PreviewValue::expose`] gives a value as it goes on the wire.
//!
//! ```
//! use trigger_sdk_core::{
//!     Secret,
//!     preview::{PreviewValue, RequestPreview, RequestWriter},
//!     reqwest::{Method, Url},
//! };
//!
//! /// A provider's one description of its request, for a call or a preview.
//! fn write<W: RequestWriter>(request: W, key: &Secret) -> W {
//!     request
//!         .query([("source", "docs")])
//!         .secret_header("x-api-key", PreviewValue::secret("", key.clone()))
//!         .json(&serde_json::json!({"to": "ada@example.com"}))
//! }
//!
//! let url = Url::parse("https://api.example.com/run")?;
//! let preview = write(RequestPreview::new(Method::POST, url), &Secret::new("sk-123"));
//! assert_eq!(preview.url.as_str(), "https://api.example.com/run?source=docs");
//! let key = preview.find_header("X-API-KEY").map(PreviewValue::expose);
//! assert_eq!(key.as_deref(), Some("sk-123"));
//! let shown = preview.to_string();
//! assert!(shown.contains("x-api-key: [REDACTED]") && !shown.contains("sk-123"));
//! assert!(shown.ends_with(r#"{"to":"ada@example.com"}"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Trigger::preview`]: crate::Trigger::preview

use std::fmt;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use bytes::Bytes;
use reqwest::{
    Method,
    header::{CONTENT_TYPE, HeaderName, HeaderValue},
};
use serde::Serialize;
use url::Url;

use crate::{
    error::{Error, Result},
    secret::Secret,
    transport::{Call, Transport},
};

/// What `Display` writes in place of a credential.
const REDACTED: &str = "[REDACTED]";

/// One header value of a [`RequestPreview`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PreviewValue {
    /// Sent as is; nothing secret.
    Text(String),
    /// `prefix` then a credential sent as given: an API key, a bearer
    /// token, a header-auth secret.
    Secret {
        /// The text before the credential (`"Bearer "`, or empty).
        prefix: String,
        /// The credential.
        secret: Secret,
    },
    /// `Basic ` then the base64 of `username:password`.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
    /// `prefix` then an HS256 JSON Web Token signed with `key`: a credential
    /// of its own (any request may carry it while it is valid).
    Jwt {
        /// The text before the token (`"Bearer "`).
        prefix: String,
        /// The token.
        token: Secret,
        /// The secret it was signed with (never sent).
        key: Secret,
    },
    /// An HMAC signature of this request's body or query: valid for this
    /// exact request only, and it reveals nothing of the secret it was
    /// computed with. Redacted by `Display` all the same.
    Signature(Secret),
}

impl PreviewValue {
    /// `prefix` then the credential `secret`.
    pub fn secret(prefix: impl Into<String>, secret: Secret) -> Self {
        Self::Secret {
            prefix: prefix.into(),
            secret,
        }
    }

    /// The value exactly as it is sent.
    pub fn expose(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Secret { prefix, secret } => format!("{prefix}{}", secret.expose()),
            Self::Basic { username, password } => format!(
                "Basic {}",
                STANDARD.encode(format!("{username}:{}", password.expose()))
            ),
            Self::Jwt { prefix, token, .. } => format!("{prefix}{}", token.expose()),
            Self::Signature(signature) => signature.expose().to_owned(),
        }
    }

    /// The value with every credential, and everything computed from one,
    /// as `[REDACTED]`.
    pub fn redacted(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Secret { prefix, .. } | Self::Jwt { prefix, .. } => format!("{prefix}{REDACTED}"),
            Self::Basic { .. } => format!("Basic {REDACTED}"),
            Self::Signature(_) => REDACTED.to_owned(),
        }
    }

    /// Whether the value holds a credential or something computed from one.
    pub fn is_secret(&self) -> bool {
        !matches!(self, Self::Text(_))
    }
}

impl From<String> for PreviewValue {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for PreviewValue {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

/// What a provider writes one request into: a [`Call`] to send it, a
/// [`RequestPreview`] to show it (see the [module](self)).
///
/// The methods have the meaning of [`Call`]'s methods of the same names.
pub trait RequestWriter: Sized {
    /// Appends query parameters (a key may repeat); none leaves the URL as
    /// it is.
    fn query<K: AsRef<str>, V: AsRef<str>>(self, pairs: impl IntoIterator<Item = (K, V)>) -> Self;

    /// Adds a header sent as is.
    fn header(self, name: &str, value: &str) -> Self;

    /// Adds a header holding a credential or a value computed from one
    /// (sent marked sensitive, shown redacted).
    fn secret_header(self, name: &str, value: PreviewValue) -> Self;

    /// The body: `value` as JSON, with `Content-Type: application/json`; a
    /// value that does not serialize fails the request with
    /// [`Error::Config`].
    fn json<T: Serialize + ?Sized>(self, value: &T) -> Self;

    /// The body, as bytes, with its media type (replacing any
    /// `Content-Type` header given before).
    fn body(self, body: impl Into<Bytes>, content_type: Option<&str>) -> Self;
}

impl RequestWriter for Call<'_> {
    fn query<K: AsRef<str>, V: AsRef<str>>(self, pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Call::query(self, pairs)
    }

    fn header(self, name: &str, value: &str) -> Self {
        Call::header(self, name, value)
    }

    fn secret_header(self, name: &str, value: PreviewValue) -> Self {
        let exposed = value.expose();
        match (
            HeaderName::try_from(name),
            HeaderValue::try_from(exposed.as_str()),
        ) {
            (Ok(name), Ok(mut value)) => {
                value.set_sensitive(true);
                self.header_value(name, value)
            }
            // Fails the call with a typed error naming the header (not the value).
            _ => Call::header(self, name, exposed),
        }
    }

    fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        Call::json(self, value)
    }

    fn body(self, body: impl Into<Bytes>, content_type: Option<&str>) -> Self {
        Call::body(self, body, content_type)
    }
}

/// A request as it goes on the wire: see the [module](self).
///
/// After [`RequestPreview::finish`] it holds the headers the transport sets
/// on every request too (the credentials and
/// [`crate::ClientOptions::header`]s); the `User-Agent` is left out.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestPreview {
    /// The method.
    pub method: Method,
    /// The URL, query included.
    pub url: Url,
    /// The headers in the order they are sent (a name may repeat).
    pub headers: Vec<(String, PreviewValue)>,
    /// The body, when there is one (its media type is a `Content-Type` header).
    pub body: Option<Bytes>,
    /// What made the request invalid (a body that does not serialize).
    invalid: Option<String>,
}

impl RequestPreview {
    /// A request without headers or body, to write into.
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            headers: Vec::new(),
            body: None,
            invalid: None,
        }
    }

    /// The first header named `name` (any case).
    pub fn find_header(&self, name: &str) -> Option<&PreviewValue> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> Option<String> {
        self.body
            .as_ref()
            .map(|body| String::from_utf8_lossy(body).into_owned())
    }

    /// The request as `transport` sends it: first the headers it sets on
    /// every request — its [`crate::ClientOptions::header`]s, then its
    /// credentials ([`crate::Auth::preview`]), which replace an extra header
    /// of the same name as the transport does — then the request's own.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the request is invalid (a body that does not
    /// serialize) or the credentials cannot be made (JWT claims that are
    /// not an object): the error sending it would give.
    pub fn finish(mut self, transport: &Transport) -> Result<Self> {
        if let Some(invalid) = self.invalid.take() {
            return Err(Error::Config(invalid));
        }
        let auth = transport.auth().preview()?;
        let mut headers: Vec<(String, PreviewValue)> = transport
            .options()
            .headers
            .iter()
            .filter(|(name, _)| {
                auth.as_ref()
                    .is_none_or(|(auth, _)| !auth.eq_ignore_ascii_case(name))
            })
            .map(|(name, value)| (name.clone(), PreviewValue::from(value.as_str())))
            .collect();
        headers.extend(auth);
        headers.append(&mut self.headers);
        self.headers = headers;
        Ok(self)
    }
}

impl RequestWriter for RequestPreview {
    fn query<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        crate::transport::append_query(&mut self.url, pairs);
        self
    }

    fn header(self, name: &str, value: &str) -> Self {
        self.secret_header(name, PreviewValue::from(value))
    }

    fn secret_header(mut self, name: &str, value: PreviewValue) -> Self {
        self.headers.push((name.to_owned(), value));
        self
    }

    fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => self.body(body, Some("application/json")),
            Err(e) => {
                self.invalid
                    .get_or_insert(format!("the body does not serialize to JSON: {e}"));
                self
            }
        }
    }

    fn body(mut self, body: impl Into<Bytes>, content_type: Option<&str>) -> Self {
        self.body = Some(body.into());
        if let Some(content_type) = content_type {
            self.headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case(CONTENT_TYPE.as_str()));
            self.headers
                .push(("Content-Type".to_owned(), content_type.into()));
        }
        self
    }
}

impl fmt::Display for RequestPreview {
    /// `METHOD URL`, a `name: value` line per header (credentials
    /// redacted), then a blank line and the body (lossy UTF-8) if any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.url)?;
        for (name, value) in &self.headers {
            write!(f, "\n{name}: {}", value.redacted())?;
        }
        if let Some(body) = self.body_text() {
            write!(f, "\n\n{body}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Auth, ClientOptions, run::Provider};

    #[test]
    fn values_expose_and_redact() {
        let key = Secret::new("k3y");
        let basic = PreviewValue::Basic {
            username: "demo".into(),
            password: Secret::new("demo-pass"),
        };
        assert_eq!(basic.expose(), "Basic ZGVtbzpkZW1vLXBhc3M=");
        assert_eq!(basic.redacted(), "Basic [REDACTED]");
        let bearer = PreviewValue::secret("Bearer ", key.clone());
        assert_eq!(
            (bearer.expose(), bearer.redacted()),
            ("Bearer k3y".into(), "Bearer [REDACTED]".into())
        );
        let signature = PreviewValue::Signature(Secret::new("sha256=ab"));
        assert_eq!(signature.redacted(), "[REDACTED]");
        assert!(signature.is_secret() && !PreviewValue::from("x").is_secret());
        assert!(!format!("{bearer:?} {basic:?}").contains("k3y"));
    }

    #[test]
    fn a_body_replaces_the_content_type_and_transport_headers_come_first() {
        let transport = Transport::builder(Provider::N8n, "http://127.0.0.1:1")
            .options(ClientOptions::new().header("x-team", "ops"))
            .auth(Auth::header("x-api-key", "k3y"))
            .build()
            .unwrap();
        let preview = RequestPreview::new(Method::POST, transport.url("run").unwrap())
            .header("content-type", "text/plain")
            .query(std::iter::empty::<(&str, &str)>())
            .body("{}", Some("application/json"))
            .finish(&transport)
            .unwrap();
        let names: Vec<&str> = preview.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["x-team", "x-api-key", "Content-Type"]);
        assert_eq!(preview.url.as_str(), "http://127.0.0.1:1/run");
        assert_eq!(
            preview.to_string(),
            "POST http://127.0.0.1:1/run\nx-team: ops\nx-api-key: [REDACTED]\n\
             Content-Type: application/json\n\n{}"
        );
    }

    #[test]
    fn a_body_that_does_not_serialize_is_the_config_error_of_the_call() {
        let transport = Transport::builder(Provider::N8n, "http://127.0.0.1:1")
            .build()
            .unwrap();
        let mut map = std::collections::HashMap::new();
        map.insert((1, 2), "a key that is not a string");
        let preview = RequestPreview::new(Method::POST, transport.url("run").unwrap()).json(&map);
        assert!(matches!(preview.finish(&transport), Err(Error::Config(_))));
    }
}
