//! Webhook-node authentication: header, basic and JWT (HS256), with n8n's plain-text failures.

use axum::body::Body;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{KeyInit, Mac};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::{N8nAuth, N8nVersion};

/// An authentication failure: answered as plain text with no content type and
/// `WWW-Authenticate: Basic realm="Webhook"`, whatever the auth type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthFailure {
    pub status: StatusCode,
    pub message: String,
}

impl AuthFailure {
    fn new(status: StatusCode, message: &str) -> Self {
        Self {
            status,
            message: message.to_owned(),
        }
    }

    /// The response n8n writes with `resp.writeHead(code, {WWW-Authenticate}); resp.end(message)`.
    pub(crate) fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.message));
        *response.status_mut() = self.status;
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Webhook\""),
        );
        response
    }
}

/// Checks a call against the Webhook node's authentication; `Ok` carries the verified
/// JWT's payload (JWT auth only).
pub(crate) fn check(
    auth: &N8nAuth,
    headers: &HeaderMap,
    version: N8nVersion,
) -> Result<Option<Value>, AuthFailure> {
    match auth {
        N8nAuth::Header { name, value } => check_header(headers, name, value).map(|()| None),
        N8nAuth::Basic { user, password } => {
            check_basic(headers, user, password, version).map(|()| None)
        }
        N8nAuth::Jwt { secret } => check_jwt(headers, secret).map(Some),
        _ => Ok(None),
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Header auth: the named header (case-insensitive name) must carry exactly `value`.
fn check_header(headers: &HeaderMap, name: &str, value: &str) -> Result<(), AuthFailure> {
    match headers.get(name) {
        Some(given) if constant_time_eq(given.as_bytes(), value.as_bytes()) => Ok(()),
        _ => Err(AuthFailure::new(
            StatusCode::FORBIDDEN,
            "Authorization data is wrong!",
        )),
    }
}

/// Basic auth: none → 401 `Authorization is required!`; wrong → 401 `Authentication data is
/// wrong!` on 2.x, 403 `Authorization data is wrong!` on 1.x.
fn check_basic(
    headers: &HeaderMap,
    user: &str,
    password: &str,
    version: N8nVersion,
) -> Result<(), AuthFailure> {
    let required = || AuthFailure::new(StatusCode::UNAUTHORIZED, "Authorization is required!");
    let Some(raw) = headers.get(header::AUTHORIZATION) else {
        return Err(required());
    };
    let raw = String::from_utf8_lossy(raw.as_bytes());
    let mut parts = raw.trim().splitn(2, ' ');
    let scheme = parts.next().unwrap_or_default();
    let encoded = parts.next().unwrap_or_default().trim();
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(required());
    }
    let Ok(decoded) = STANDARD.decode(encoded) else {
        return Err(required());
    };
    let decoded = String::from_utf8_lossy(&decoded);
    let Some((given_user, given_password)) = decoded.split_once(':') else {
        return Err(required());
    };
    let user_ok = constant_time_eq(given_user.as_bytes(), user.as_bytes());
    let password_ok = constant_time_eq(given_password.as_bytes(), password.as_bytes());
    if user_ok && password_ok {
        Ok(())
    } else if version == N8nVersion::V1 {
        Err(AuthFailure::new(
            StatusCode::FORBIDDEN,
            "Authorization data is wrong!",
        ))
    } else {
        Err(AuthFailure::new(
            StatusCode::UNAUTHORIZED,
            "Authentication data is wrong!",
        ))
    }
}

/// JWT auth with an HS256 secret: the token is the second word of `Authorization`.
/// Returns the payload, which the workflow sees as `$json.jwtPayload`.
fn check_jwt(headers: &HeaderMap, secret: &str) -> Result<Value, AuthFailure> {
    let token = headers
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .and_then(|v| v.split(' ').nth(1).map(str::to_owned))
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(AuthFailure::new(
            StatusCode::UNAUTHORIZED,
            "No token provided",
        ));
    };
    verify_hs256(&token, secret.as_bytes(), now_secs())
        .map_err(|m| AuthFailure::new(StatusCode::FORBIDDEN, m))
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// Verifies an HS256 JWT the way `jsonwebtoken.verify` words its failures.
pub(crate) fn verify_hs256(token: &str, secret: &[u8], now: f64) -> Result<Value, &'static str> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err("jwt malformed");
    }
    let decode = |p: &str| -> Result<Value, &'static str> {
        let bytes = URL_SAFE_NO_PAD
            .decode(p.trim_end_matches('='))
            .map_err(|_| "invalid token")?;
        serde_json::from_slice(&bytes).map_err(|_| "invalid token")
    };
    let header = decode(parts[0])?;
    let payload = decode(parts[1])?;
    if parts[2].is_empty() {
        return Err("jwt signature is required");
    }
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err("invalid algorithm");
    }
    let signature = URL_SAFE_NO_PAD
        .decode(parts[2].trim_end_matches('='))
        .map_err(|_| "invalid signature")?;
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).map_err(|_| "invalid signature")?;
    mac.update(parts[0].as_bytes());
    mac.update(b".");
    mac.update(parts[1].as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| "invalid signature")?;
    if let Some(nbf) = payload.get("nbf").and_then(Value::as_f64)
        && nbf > now
    {
        return Err("jwt not active");
    }
    if let Some(exp) = payload.get("exp").and_then(Value::as_f64)
        && now >= exp
    {
        return Err("jwt expired");
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sign(payload: &Value, secret: &[u8]) -> String {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let p = URL_SAFE_NO_PAD.encode(payload.to_string());
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
        mac.update(format!("{h}.{p}").as_bytes());
        let s = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{h}.{p}.{s}")
    }

    #[test]
    fn jwt_outcomes() {
        let good = sign(&json!({"sub":"u1","exp":2000}), b"k");
        assert_eq!(
            verify_hs256(&good, b"k", 1000.0),
            Ok(json!({"sub":"u1","exp":2000}))
        );
        assert_eq!(
            verify_hs256(&good, b"other", 1000.0),
            Err("invalid signature")
        );
        assert_eq!(verify_hs256(&good, b"k", 3000.0), Err("jwt expired"));
        assert_eq!(verify_hs256("abc", b"k", 0.0), Err("jwt malformed"));
    }

    #[test]
    fn basic_outcomes() {
        let mut h = HeaderMap::new();
        assert_eq!(
            check_basic(&h, "u", "p", N8nVersion::V2)
                .unwrap_err()
                .message,
            "Authorization is required!"
        );
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic dTpw"),
        );
        assert!(check_basic(&h, "u", "p", N8nVersion::V2).is_ok());
        assert_eq!(
            check_basic(&h, "u", "x", N8nVersion::V2).unwrap_err(),
            AuthFailure::new(StatusCode::UNAUTHORIZED, "Authentication data is wrong!")
        );
        assert_eq!(
            check_basic(&h, "u", "x", N8nVersion::V1).unwrap_err(),
            AuthFailure::new(StatusCode::FORBIDDEN, "Authorization data is wrong!")
        );
    }
}
