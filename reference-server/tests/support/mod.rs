//! Helpers shared by the face tests: polling with a deadline, a client,
//! Flowmatic signatures.

#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

/// Polls `probe` until it returns `Some`, or panics after 15 s.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not reached before the deadline: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A plain reqwest client.
pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// `sha256=<hex HMAC-SHA256(secret, payload)>`: Flowmatic's `X-Webhook-Signature`.
pub fn sign(secret: &str, payload: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(payload);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}
