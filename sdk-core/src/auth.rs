//! [`Auth`]: how a request proves who sends it, applied in one place.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;
use sha2::Sha256;

use crate::{
    error::{Error, Result},
    preview::PreviewValue,
    secret::Secret,
};

/// A request's credentials. Every secret is a [`Secret`], and the header it
/// becomes is marked sensitive, so neither `Debug` of the auth nor of a
/// request shows it.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Auth {
    /// No credentials.
    #[default]
    None,
    /// A named header (`X-N8N-API-KEY`, `x-api-key`, n8n header auth).
    Header {
        /// The header name.
        name: String,
        /// Its value.
        value: Secret,
    },
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `Authorization: Basic <base64(user:password)>`.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
    /// `Authorization: Bearer <JWT>`, an HS256 token signed from a secret and claims.
    Jwt {
        /// The HS256 secret.
        secret: Secret,
        /// The claims (payload) of the token.
        claims: Value,
    },
}

impl Auth {
    /// A named header.
    pub fn header(name: impl Into<String>, value: impl Into<Secret>) -> Self {
        Self::Header {
            name: name.into(),
            value: value.into(),
        }
    }

    /// A bearer token.
    pub fn bearer(token: impl Into<Secret>) -> Self {
        Self::Bearer(token.into())
    }

    /// Basic auth.
    pub fn basic(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Self::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// An HS256 JWT signed from `secret` over `claims`.
    pub fn jwt(secret: impl Into<Secret>, claims: Value) -> Self {
        Self::Jwt {
            secret: secret.into(),
            claims,
        }
    }

    /// The header this auth sends, as a [`PreviewValue`] (the credential
    /// kept as a [`Secret`]); `None` for [`Auth::None`]. What
    /// [`Auth::to_header`] sends and a [`crate::preview::RequestPreview`] shows.
    pub fn preview(&self) -> Result<Option<(String, PreviewValue)>> {
        const AUTHORIZATION_NAME: &str = "Authorization";
        Ok(Some(match self {
            Self::None => return Ok(None),
            Self::Header { name, value } => (name.clone(), PreviewValue::secret("", value.clone())),
            Self::Bearer(token) => (
                AUTHORIZATION_NAME.to_owned(),
                PreviewValue::secret("Bearer ", token.clone()),
            ),
            Self::Basic { username, password } => (
                AUTHORIZATION_NAME.to_owned(),
                PreviewValue::Basic {
                    username: username.clone(),
                    password: password.clone(),
                },
            ),
            Self::Jwt { secret, claims } => (
                AUTHORIZATION_NAME.to_owned(),
                PreviewValue::Jwt {
                    prefix: "Bearer ".to_owned(),
                    token: jwt_hs256(secret, claims)?,
                    key: secret.clone(),
                },
            ),
        }))
    }

    /// The header this auth sends, value marked sensitive; `None` for [`Auth::None`].
    pub fn to_header(&self) -> Result<Option<(HeaderName, HeaderValue)>> {
        let Some((name, value)) = self.preview()? else {
            return Ok(None);
        };
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::Config(format!("invalid header name {name:?}")))?;
        let mut value = HeaderValue::from_str(&value.expose()).map_err(|_| {
            Error::Config(format!("the {name} credential is not a valid header value"))
        })?;
        value.set_sensitive(true);
        Ok(Some((name, value)))
    }
}

/// Signs an HS256 JSON Web Token over `claims` (a JSON object).
pub fn jwt_hs256(secret: &Secret, claims: &Value) -> Result<Secret> {
    if !claims.is_object() {
        return Err(Error::Config("JWT claims must be a JSON object".into()));
    }
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .map_err(|_| Error::Config("invalid JWT secret".into()))?;
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(Secret::new(format!("{signing_input}.{signature}")))
}

#[cfg(test)]
mod tests {
    use reqwest::header::AUTHORIZATION;

    use super::*;

    #[test]
    fn basic_and_bearer_headers() {
        let (name, value) = Auth::basic("demo", "demo-pass")
            .to_header()
            .unwrap()
            .unwrap();
        assert_eq!(name, AUTHORIZATION);
        assert_eq!(value.to_str().unwrap(), "Basic ZGVtbzpkZW1vLXBhc3M=");
        assert!(value.is_sensitive());
        let (_, value) = Auth::bearer("tok").to_header().unwrap().unwrap();
        assert_eq!(value.to_str().unwrap(), "Bearer tok");
        assert!(Auth::None.to_header().unwrap().is_none());
    }

    #[test]
    fn jwt_matches_a_known_token() {
        // Signature computed independently with Python's hmac module.
        let token = jwt_hs256(&Secret::new("secret"), &serde_json::json!({"sub":"1"})).unwrap();
        let parts: Vec<&str> = token.expose().split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
        assert_eq!(parts[1], "eyJzdWIiOiIxIn0");
        assert_eq!(parts[2], "8qZF8vbN3UpcanXFc-mPXJkOPN01-bRch8XX3rToP1U");
        assert!(jwt_hs256(&Secret::new("s"), &serde_json::json!([1])).is_err());
    }

    #[test]
    fn invalid_header_name_is_a_config_error() {
        assert!(matches!(
            Auth::header("bad header", "v").to_header(),
            Err(Error::Config(_))
        ));
    }
}
