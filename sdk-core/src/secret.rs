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

    /// Reads a credential from an environment variable, if it is set, not
    /// blank and valid Unicode (as [`crate::env::var_opt`] reads it; use
    /// [`crate::env::secret`] for an error naming the variable).
    pub fn from_env(name: &str) -> Option<Self> {
        crate::env::var_opt(name).ok().flatten().map(Self::new)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_env_reads_as_env_var_opt() {
        assert!(Secret::from_env("TRIGGER_SDK_CORE_TEST_NEVER_SET").is_none());
        // PATH is set wherever the tests run.
        let path = crate::env::var("PATH").expect("PATH is set");
        assert_eq!(
            Secret::from_env("PATH").map(|s| s.expose().to_owned()),
            Some(path)
        );
    }
}
