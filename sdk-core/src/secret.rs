//! [`Secret`]: API keys, tokens and webhook secrets that never print.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// A credential: an API key, a bearer token, a password or a webhook secret.
///
/// `Debug` and `Display` print `[REDACTED]`, so a `Secret` can sit in any
/// struct that derives `Debug` without leaking into logs. The value is
/// zeroized on drop. Read it only where it is sent, with [`Secret::expose`].
///
/// ```
/// use trigger_sdk_core::Secret;
/// let key = Secret::new("n8n_api_demo");
/// assert_eq!(format!("{key:?} {key}"), "[REDACTED] [REDACTED]");
/// assert_eq!(key.expose(), "n8n_api_demo");
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The credential itself; call this only where it is put on the wire.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Reads a credential from an environment variable, if it is set and not empty.
    pub fn from_env(name: &str) -> Option<Self> {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .map(Self::new)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl PartialEq for Secret {
    /// Constant-time comparison of two secrets.
    fn eq(&self, other: &Self) -> bool {
        crate::signature::constant_time_eq(self.expose().as_bytes(), other.expose().as_bytes())
    }
}

impl Eq for Secret {}
