//! HMAC-SHA256 webhook signatures: signing outgoing calls and verifying
//! incoming ones.
//!
//! Two schemes:
//!
//! - **Body signature** (Flowmatic's `X-Webhook-Signature`):
//!   `sha256=<hex of HMAC-SHA256(secret, raw body)>`, made by [`sign_sha256`]
//!   and checked by [`verify_sha256`].
//! - **Timestamped signature**: `t=<unix seconds>,v1=<hex>` where the MAC is
//!   taken over `<t>.<raw body>`, made by [`sign_timestamped`] and checked by
//!   [`verify_timestamped`] with a tolerance window and an optional
//!   [`ReplayStore`].
//!
//! Verification always takes a list of secrets, so a secret can be rotated
//! without downtime: accept the new and the old one until every sender has
//! moved. MACs are compared in constant time.
//!
//! # Verifying a Flowmatic-style webhook in an axum handler
//!
//! Verify the **raw** body bytes, before any JSON parsing (re-serialising
//! changes the bytes and breaks the signature).
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::{
//!     Router,
//!     body::Bytes,
//!     extract::State,
//!     http::{HeaderMap, StatusCode},
//!     routing::post,
//! };
//! use trigger_sdk_core::{Secret, signature};
//!
//! /// The current secret first, the one being rotated out second.
//! type Secrets = Arc<Vec<Secret>>;
//!
//! async fn flowmatic_webhook(
//!     State(secrets): State<Secrets>,
//!     headers: HeaderMap,
//!     body: Bytes,
//! ) -> StatusCode {
//!     let header = headers
//!         .get("X-Webhook-Signature")
//!         .and_then(|value| value.to_str().ok())
//!         .unwrap_or_default();
//!     match signature::verify_sha256(header, &body, &secrets) {
//!         // Only now parse `body` (e.g. `serde_json::from_slice(&body)`).
//!         Ok(()) => StatusCode::OK,
//!         Err(_) => StatusCode::UNAUTHORIZED,
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let secrets: Secrets = Arc::new(vec![Secret::new("whsec_new"), Secret::new("whsec_old")]);
//! let _app: Router = Router::new()
//!     .route("/hooks/flowmatic", post(flowmatic_webhook))
//!     .with_state(secrets.clone());
//!
//! // A sender still on the old secret is accepted; a tampered body is not.
//! let body = Bytes::from_static(br#"{"orderId":42}"#);
//! let mut headers = HeaderMap::new();
//! let sig = signature::sign_sha256(&Secret::new("whsec_old"), &body);
//! headers.insert("X-Webhook-Signature", sig.parse().unwrap());
//! let ok = flowmatic_webhook(State(secrets.clone()), headers.clone(), body).await;
//! assert_eq!(ok, StatusCode::OK);
//! let tampered = Bytes::from_static(br#"{"orderId":43}"#);
//! let refused = flowmatic_webhook(State(secrets.clone()), headers, tampered).await;
//! assert_eq!(refused, StatusCode::UNAUTHORIZED);
//! let unsigned = flowmatic_webhook(State(secrets), HeaderMap::new(), Bytes::new()).await;
//! assert_eq!(unsigned, StatusCode::UNAUTHORIZED);
//! # }
//! ```

use std::{
    collections::HashMap,
    fmt::Write as _,
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::Secret;

type HmacSha256 = Hmac<Sha256>;

/// The prefix of a body signature header value: `sha256=`.
pub const SHA256_PREFIX: &str = "sha256=";

/// Length in bytes of an HMAC-SHA256 tag.
const MAC_LEN: usize = 32;

/// Why a webhook signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The request carried no signature (the header is absent or empty).
    #[error("missing webhook signature")]
    Missing,
    /// The signature header is not in the expected format.
    #[error("malformed webhook signature: {0}")]
    Malformed(String),
    /// No configured secret produces the given signature (wrong secret or
    /// altered body).
    #[error("webhook signature does not match")]
    Mismatch,
    /// The signed timestamp lies outside the tolerance window (too old, or
    /// too far in the future).
    #[error(
        "webhook timestamp {timestamp} is outside the tolerance window of {}s (now {now})",
        tolerance.as_secs()
    )]
    Expired {
        /// The signed timestamp, in Unix seconds.
        timestamp: u64,
        /// The verifier's clock, in Unix seconds.
        now: u64,
        /// The accepted distance between the two.
        tolerance: Duration,
    },
    /// The signature is valid but this delivery was already accepted once.
    #[error("webhook delivery was already received (replay)")]
    Replayed,
    /// The verifier was given no secret to check against.
    #[error("no webhook secret configured")]
    NoSecrets,
}

/// Compares two byte strings in constant time with respect to their content.
///
/// Returns `false` at once when the lengths differ (length is not secret for
/// MACs and tokens of a fixed format); otherwise every byte is examined.
///
/// ```
/// use trigger_sdk_core::signature::constant_time_eq;
/// assert!(constant_time_eq(b"abc", b"abc"));
/// assert!(!constant_time_eq(b"abc", b"abd"));
/// assert!(!constant_time_eq(b"abc", b"abcd"));
/// ```
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // Keep the optimiser from turning the fold into an early exit.
    std::hint::black_box(diff) == 0
}

/// Signs `body` for the `sha256=<hex>` scheme (Flowmatic's
/// `X-Webhook-Signature`): HMAC-SHA256 keyed with `secret`, lower-case hex.
///
/// ```
/// use trigger_sdk_core::{Secret, signature::sign_sha256};
/// let sig = sign_sha256(&Secret::new("whsec_demo_secret"), br#"{"orderId":42}"#);
/// assert_eq!(sig, "sha256=57f667510f4b82d6b995e2f29d7703bb4258506b035ed9c8f0c960f852b9388d");
/// ```
pub fn sign_sha256(secret: &Secret, body: &[u8]) -> String {
    let tag = mac(secret, &[body]).finalize().into_bytes();
    format!("{SHA256_PREFIX}{}", hex_lower(&tag))
}

/// Verifies a `sha256=<hex>` header value against the raw `body` and every
/// secret in `secrets` (rotation: any match is accepted).
///
/// The hex may be upper or lower case; surrounding whitespace is ignored.
///
/// # Errors
///
/// [`SignatureError::Missing`] for an empty header,
/// [`SignatureError::Malformed`] for a value that is not `sha256=` followed
/// by 64 hex digits, [`SignatureError::NoSecrets`] for an empty `secrets`,
/// and [`SignatureError::Mismatch`] when no secret matches.
pub fn verify_sha256(header: &str, body: &[u8], secrets: &[Secret]) -> Result<(), SignatureError> {
    let header = header.trim();
    if header.is_empty() {
        return Err(SignatureError::Missing);
    }
    let hex = strip_prefix_ignore_case(header, SHA256_PREFIX)
        .ok_or_else(|| SignatureError::Malformed(format!("expected `{SHA256_PREFIX}<hex>`")))?;
    let tag = decode_tag(hex)?;
    if secrets.is_empty() {
        return Err(SignatureError::NoSecrets);
    }
    if matches_any(secrets, &[body], std::slice::from_ref(&tag)) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Signs `body` for the timestamped scheme: `t=<timestamp>,v1=<hex>` where
/// the MAC is HMAC-SHA256 over `<timestamp>.<body>`.
///
/// ```
/// use trigger_sdk_core::{Secret, signature::sign_timestamped};
/// let sig = sign_timestamped(&Secret::new("whsec_demo_secret"), 1_700_000_000, br#"{"orderId":42}"#);
/// assert_eq!(
///     sig,
///     "t=1700000000,v1=f66fc4a64f1e53e400cadd7cc520edaa882f27c940a185412da24b66848eb108"
/// );
/// ```
pub fn sign_timestamped(secret: &Secret, timestamp: u64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    let tag = mac(secret, &[t.as_bytes(), b".", body])
        .finalize()
        .into_bytes();
    format!("t={t},v1={}", hex_lower(&tag))
}

/// Options of [`verify_timestamped`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// How far the signed timestamp may be from `now`, in either direction.
    pub tolerance: Duration,
    /// The verifier's clock; `None` reads [`SystemTime::now`]. Set it in tests.
    pub now: Option<SystemTime>,
}

impl Default for VerifyOptions {
    /// A five-minute tolerance against the system clock.
    fn default() -> Self {
        Self {
            tolerance: Duration::from_secs(300),
            now: None,
        }
    }
}

/// Verifies a `t=<unix>,v1=<hex>[,v1=<hex>…]` header value against the raw
/// `body` and every secret in `secrets`.
///
/// Several `v1` entries are allowed (a sender signing with both the new and
/// the old secret during a rotation); one match with any secret is enough.
/// Entries of other schemes (`v0=…`) are ignored. Checks run in this order:
/// signature, then the tolerance window, then — only for a valid, fresh
/// signature — the `replay` store, which records the delivery until its
/// timestamp leaves the window.
///
/// # Errors
///
/// [`SignatureError::Missing`], [`SignatureError::Malformed`] (no or a
/// non-numeric `t`, no `v1`, bad hex), [`SignatureError::NoSecrets`],
/// [`SignatureError::Mismatch`], [`SignatureError::Expired`] and
/// [`SignatureError::Replayed`].
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use trigger_sdk_core::{Secret, signature::*};
///
/// let secret = Secret::new("whsec_demo_secret");
/// let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
/// let header = sign_timestamped(&secret, now, b"{}");
/// let store = InMemoryReplayStore::new();
/// let options = VerifyOptions::default();
/// assert_eq!(verify_timestamped(&header, b"{}", &[secret.clone()], &options, Some(&store)), Ok(()));
/// assert_eq!(
///     verify_timestamped(&header, b"{}", &[secret], &options, Some(&store)),
///     Err(SignatureError::Replayed)
/// );
/// ```
pub fn verify_timestamped(
    header: &str,
    body: &[u8],
    secrets: &[Secret],
    options: &VerifyOptions,
    replay: Option<&dyn ReplayStore>,
) -> Result<(), SignatureError> {
    let header = header.trim();
    if header.is_empty() {
        return Err(SignatureError::Missing);
    }
    let parsed = parse_timestamped(header)?;
    if secrets.is_empty() {
        return Err(SignatureError::NoSecrets);
    }
    let t = parsed.timestamp.to_string();
    if !matches_any(secrets, &[t.as_bytes(), b".", body], &parsed.tags) {
        return Err(SignatureError::Mismatch);
    }

    let now = unix_seconds(options.now.unwrap_or_else(SystemTime::now));
    let distance = Duration::from_secs(now.abs_diff(parsed.timestamp));
    if distance > options.tolerance {
        return Err(SignatureError::Expired {
            timestamp: parsed.timestamp,
            now,
            tolerance: options.tolerance,
        });
    }

    if let Some(store) = replay {
        // The key names the delivery (timestamp and body), not the signature,
        // so resending a subset of the `v1` entries is still a replay.
        let digest = Sha256::new()
            .chain_update(t.as_bytes())
            .chain_update(b".")
            .chain_update(body)
            .finalize();
        let key = format!("{t}.{}", hex_lower(&digest));
        // Past `t + tolerance` the window check refuses the delivery anyway.
        // (Only an absurd tolerance overflows; then remember it for a year.)
        let expires_at = UNIX_EPOCH
            .checked_add(Duration::from_secs(parsed.timestamp))
            .and_then(|at| at.checked_add(options.tolerance))
            .unwrap_or_else(|| SystemTime::now() + Duration::from_secs(365 * 24 * 3600));
        if !store.check_and_record(&key, expires_at) {
            return Err(SignatureError::Replayed);
        }
    }
    Ok(())
}

/// Remembers webhook deliveries already accepted, to refuse replays.
///
/// Implement it over a shared store (Redis `SET NX PX`, a database table with
/// a unique key) when several processes receive webhooks; use
/// [`InMemoryReplayStore`] for one process.
pub trait ReplayStore: Send + Sync {
    /// Records `key` until `expires_at` and returns `true`, or returns `false`
    /// when `key` is already recorded (a replay). Must be atomic.
    fn check_and_record(&self, key: &str, expires_at: SystemTime) -> bool;
}

/// A [`ReplayStore`] in process memory. Entries are dropped once their
/// expiry has passed on the system clock.
#[derive(Debug, Default)]
pub struct InMemoryReplayStore {
    seen: Mutex<HashMap<String, SystemTime>>,
}

impl InMemoryReplayStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many deliveries are currently remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no delivery is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SystemTime>> {
        // A panic while holding the lock cannot leave the map inconsistent.
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl ReplayStore for InMemoryReplayStore {
    fn check_and_record(&self, key: &str, expires_at: SystemTime) -> bool {
        let now = SystemTime::now();
        let mut seen = self.lock();
        seen.retain(|_, expiry| *expiry > now);
        if seen.contains_key(key) {
            return false;
        }
        seen.insert(key.to_owned(), expires_at);
        true
    }
}

struct Timestamped {
    timestamp: u64,
    tags: Vec<[u8; MAC_LEN]>,
}

fn parse_timestamped(header: &str) -> Result<Timestamped, SignatureError> {
    let mut timestamp = None;
    let mut tags = Vec::new();
    for part in header.split(',') {
        let (key, value) = part.trim().split_once('=').ok_or_else(|| {
            SignatureError::Malformed(format!("expected `key=value`, got `{}`", part.trim()))
        })?;
        match key.trim() {
            "t" => {
                if timestamp.is_some() {
                    return Err(SignatureError::Malformed("more than one `t`".into()));
                }
                let value = value.trim();
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(SignatureError::Malformed(
                        "`t` is not a Unix timestamp".into(),
                    ));
                }
                let t = value
                    .parse::<u64>()
                    .map_err(|_| SignatureError::Malformed("`t` is out of range".into()))?;
                timestamp = Some(t);
            }
            "v1" => tags.push(decode_tag(value.trim())?),
            _ => {} // other schemes (v0, …) are not ours to check
        }
    }
    let timestamp =
        timestamp.ok_or_else(|| SignatureError::Malformed("no `t` timestamp".into()))?;
    if tags.is_empty() {
        return Err(SignatureError::Malformed("no `v1` signature".into()));
    }
    Ok(Timestamped { timestamp, tags })
}

/// HMAC-SHA256 keyed with `secret` over the concatenation of `parts`.
fn mac(secret: &Secret, parts: &[&[u8]]) -> HmacSha256 {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    for part in parts {
        mac.update(part);
    }
    mac
}

/// Whether any secret's MAC over `parts` equals any of `tags`. Every
/// combination is checked (no early exit), each in constant time.
fn matches_any(secrets: &[Secret], parts: &[&[u8]], tags: &[[u8; MAC_LEN]]) -> bool {
    let mut matched = false;
    for secret in secrets {
        let expected = mac(secret, parts).finalize().into_bytes();
        for tag in tags {
            matched |= constant_time_eq(&expected, tag);
        }
    }
    matched
}

fn decode_tag(hex: &str) -> Result<[u8; MAC_LEN], SignatureError> {
    let bytes = hex.as_bytes();
    if bytes.len() != MAC_LEN * 2 {
        return Err(SignatureError::Malformed(format!(
            "expected {} hex digits, got {}",
            MAC_LEN * 2,
            bytes.len()
        )));
    }
    let mut tag = [0u8; MAC_LEN];
    for (out, pair) in tag.iter_mut().zip(bytes.chunks_exact(2)) {
        match (hex_value(pair[0]), hex_value(pair[1])) {
            (Some(hi), Some(lo)) => *out = (hi << 4) | lo,
            _ => return Err(SignatureError::Malformed("not hexadecimal".into())),
        }
    }
    Ok(tag)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

fn strip_prefix_ignore_case<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &value[prefix.len()..])
}

fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"orderId":42}"#;
    /// Computed independently: python3 `hmac.new(b"whsec_demo_secret", body, sha256)`.
    const BODY_HEX: &str = "57f667510f4b82d6b995e2f29d7703bb4258506b035ed9c8f0c960f852b9388d";
    /// Same, over `1700000000.` + body.
    const TIMESTAMPED_HEX: &str =
        "f66fc4a64f1e53e400cadd7cc520edaa882f27c940a185412da24b66848eb108";
    const T: u64 = 1_700_000_000;

    fn secret() -> Secret {
        Secret::new("whsec_demo_secret")
    }

    fn at(unix: u64) -> VerifyOptions {
        VerifyOptions {
            tolerance: Duration::from_secs(300),
            now: Some(UNIX_EPOCH + Duration::from_secs(unix)),
        }
    }

    fn now_unix() -> u64 {
        unix_seconds(SystemTime::now())
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"samE"));
        assert!(!constant_time_eq(b"same", b"sam"));
    }

    #[test]
    fn sha256_matches_known_vector_and_round_trips() {
        let header = sign_sha256(&secret(), BODY);
        assert_eq!(header, format!("sha256={BODY_HEX}"));
        assert_eq!(verify_sha256(&header, BODY, &[secret()]), Ok(()));
        // Upper-case hex, upper-case prefix and surrounding whitespace are accepted.
        let upper = format!("  SHA256={}  ", BODY_HEX.to_uppercase());
        assert_eq!(verify_sha256(&upper, BODY, &[secret()]), Ok(()));
    }

    #[test]
    fn sha256_refuses_tampered_body() {
        let header = sign_sha256(&secret(), BODY);
        assert_eq!(
            verify_sha256(&header, br#"{"orderId":43}"#, &[secret()]),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn sha256_refuses_wrong_secret() {
        let header = sign_sha256(&Secret::new("someone-else"), BODY);
        assert_eq!(
            verify_sha256(&header, BODY, &[secret()]),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn sha256_accepts_rotated_secret() {
        let old = Secret::new("whsec_old");
        let header = sign_sha256(&old, BODY);
        assert_eq!(
            verify_sha256(&header, BODY, &[Secret::new("whsec_new"), old]),
            Ok(())
        );
    }

    #[test]
    fn sha256_refuses_missing_and_malformed() {
        let secrets = [secret()];
        assert_eq!(
            verify_sha256("", BODY, &secrets),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_sha256("   ", BODY, &secrets),
            Err(SignatureError::Missing)
        );
        for bad in [
            BODY_HEX,                                 // no prefix
            "sha1=57f667510f4b82d6b995e2f29d7703bb",  // other algorithm
            "sha256=",                                // empty
            "sha256=57f6",                            // too short
            &format!("sha256={BODY_HEX}00"),          // too long
            &format!("sha256={}zz", &BODY_HEX[..62]), // not hex
            "sha256=é",                               // non-ASCII
        ] {
            assert!(
                matches!(
                    verify_sha256(bad, BODY, &secrets),
                    Err(SignatureError::Malformed(_))
                ),
                "{bad} should be malformed"
            );
        }
    }

    #[test]
    fn no_secrets_is_its_own_error() {
        let header = sign_sha256(&secret(), BODY);
        assert_eq!(
            verify_sha256(&header, BODY, &[]),
            Err(SignatureError::NoSecrets)
        );
        let header = sign_timestamped(&secret(), T, BODY);
        assert_eq!(
            verify_timestamped(&header, BODY, &[], &at(T), None),
            Err(SignatureError::NoSecrets)
        );
    }

    #[test]
    fn timestamped_matches_known_vector_and_round_trips() {
        let header = sign_timestamped(&secret(), T, BODY);
        assert_eq!(header, format!("t={T},v1={TIMESTAMPED_HEX}"));
        assert_eq!(
            verify_timestamped(&header, BODY, &[secret()], &at(T), None),
            Ok(())
        );
    }

    #[test]
    fn timestamped_refuses_tampered_body_and_wrong_secret() {
        let header = sign_timestamped(&secret(), T, BODY);
        assert_eq!(
            verify_timestamped(&header, b"{}", &[secret()], &at(T), None),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_timestamped(&header, BODY, &[Secret::new("other")], &at(T), None),
            Err(SignatureError::Mismatch)
        );
        // The timestamp is covered by the MAC: changing it breaks the signature.
        let moved = header.replace("t=1700000000", "t=1700000001");
        assert_eq!(
            verify_timestamped(&moved, BODY, &[secret()], &at(T), None),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn timestamped_accepts_rotation_on_either_side() {
        let old = Secret::new("whsec_old");
        let new = Secret::new("whsec_new");
        // The verifier knows both secrets; the sender uses the old one.
        let header = sign_timestamped(&old, T, BODY);
        assert_eq!(
            verify_timestamped(&header, BODY, &[new.clone(), old.clone()], &at(T), None),
            Ok(())
        );
        // The sender signs with both; the verifier knows only the new one.
        let with_new = sign_timestamped(&new, T, BODY);
        let v1_new = with_new
            .split_once(",v1=")
            .map(|(_, hex)| hex)
            .unwrap_or_default();
        let both = format!("{header},v1={v1_new},v0=ignored");
        assert_eq!(
            verify_timestamped(&both, BODY, &[new], &at(T), None),
            Ok(())
        );
    }

    #[test]
    fn timestamped_tolerance_window_both_ways() {
        let header = sign_timestamped(&secret(), T, BODY);
        // On the edge of the window: accepted.
        assert_eq!(
            verify_timestamped(&header, BODY, &[secret()], &at(T + 300), None),
            Ok(())
        );
        assert_eq!(
            verify_timestamped(&header, BODY, &[secret()], &at(T - 300), None),
            Ok(())
        );
        // Old timestamp.
        assert_eq!(
            verify_timestamped(&header, BODY, &[secret()], &at(T + 301), None),
            Err(SignatureError::Expired {
                timestamp: T,
                now: T + 301,
                tolerance: Duration::from_secs(300)
            })
        );
        // Timestamp in the future.
        assert!(matches!(
            verify_timestamped(&header, BODY, &[secret()], &at(T - 301), None),
            Err(SignatureError::Expired { timestamp: T, .. })
        ));
    }

    #[test]
    fn timestamped_signature_is_checked_before_the_window() {
        let header = sign_timestamped(&Secret::new("forged"), T, BODY);
        assert_eq!(
            verify_timestamped(&header, BODY, &[secret()], &at(T + 10_000), None),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn timestamped_refuses_replay() {
        let store = InMemoryReplayStore::new();
        let options = VerifyOptions::default();
        let t = now_unix();
        let header = sign_timestamped(&secret(), t, BODY);
        assert_eq!(
            verify_timestamped(&header, BODY, &[secret()], &options, Some(&store)),
            Ok(())
        );
        assert_eq!(
            verify_timestamped(&header, BODY, &[secret()], &options, Some(&store)),
            Err(SignatureError::Replayed)
        );
        // A replay that drops one of several v1 entries is still a replay.
        let other = Secret::new("whsec_other");
        let t2 = t - 1;
        let first = sign_timestamped(&secret(), t2, BODY);
        let second = sign_timestamped(&other, t2, BODY);
        let v1_second = second
            .split_once(",v1=")
            .map(|(_, hex)| hex)
            .unwrap_or_default();
        let secrets = [secret(), other];
        let both = format!("{first},v1={v1_second}");
        assert_eq!(
            verify_timestamped(&both, BODY, &secrets, &options, Some(&store)),
            Ok(())
        );
        assert_eq!(
            verify_timestamped(&second, BODY, &secrets, &options, Some(&store)),
            Err(SignatureError::Replayed)
        );
        // A different body at the same second is a different delivery.
        let other_body = sign_timestamped(&secret(), t, b"{}");
        assert_eq!(
            verify_timestamped(&other_body, b"{}", &[secret()], &options, Some(&store)),
            Ok(())
        );
    }

    #[test]
    fn forged_request_is_not_recorded_in_the_replay_store() {
        let store = InMemoryReplayStore::new();
        let header = sign_timestamped(&Secret::new("forged"), now_unix(), BODY);
        let result = verify_timestamped(
            &header,
            BODY,
            &[secret()],
            &VerifyOptions::default(),
            Some(&store),
        );
        assert_eq!(result, Err(SignatureError::Mismatch));
        assert!(store.is_empty());
    }

    #[test]
    fn timestamped_refuses_missing_and_malformed() {
        let secrets = [secret()];
        let opts = at(T);
        assert_eq!(
            verify_timestamped("", BODY, &secrets, &opts, None),
            Err(SignatureError::Missing)
        );
        let v1 = format!("v1={TIMESTAMPED_HEX}");
        for bad in [
            v1.clone(),                                // no t
            format!("t={T}"),                          // no v1
            format!("t=abc,{v1}"),                     // t not a number
            format!("t=-5,{v1}"),                      // negative t
            format!("t=99999999999999999999999,{v1}"), // t out of range
            format!("t={T},t={T},{v1}"),               // two t
            format!("t={T},v1=abcd"),                  // short v1
            format!("t={T},v1={}", "g".repeat(64)),    // not hex
            format!("t={T};{v1}"),                     // wrong separator
            format!("sha256={TIMESTAMPED_HEX}"),       // the other scheme
        ] {
            assert!(
                matches!(
                    verify_timestamped(&bad, BODY, &secrets, &opts, None),
                    Err(SignatureError::Malformed(_))
                ),
                "{bad} should be malformed"
            );
        }
    }

    #[test]
    fn in_memory_store_prunes_expired_entries() {
        let store = InMemoryReplayStore::new();
        let past = SystemTime::now() - Duration::from_secs(60);
        let future = SystemTime::now() + Duration::from_secs(600);
        assert!(store.check_and_record("old", past));
        assert!(store.check_and_record("fresh", future));
        // Recording "fresh" pruned the expired "old".
        assert_eq!(store.len(), 1);
        assert!(!store.check_and_record("fresh", future));
        assert!(store.check_and_record("old", future));
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn error_messages_do_not_echo_secrets() {
        let message = SignatureError::Mismatch.to_string();
        assert!(!message.contains("whsec_demo_secret"));
        let expired = SignatureError::Expired {
            timestamp: 1,
            now: 400,
            tolerance: Duration::from_secs(300),
        };
        assert_eq!(
            expired.to_string(),
            "webhook timestamp 1 is outside the tolerance window of 300s (now 400)"
        );
    }
}
