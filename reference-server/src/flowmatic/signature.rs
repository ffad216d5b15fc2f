//! `X-Webhook-Signature: sha256=<hex>` (HMAC-SHA256 over the raw bytes).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// `sha256=<lower-case hex>` of HMAC-SHA256(secret, payload) (also what
/// `http_request` steps with a secret send).
pub(crate) fn sign(secret: &str, payload: &[u8]) -> String {
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(payload);
    let digest = mac.finalize().into_bytes();
    let mut out = String::from("sha256=");
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Whether `header` is a valid signature of `payload` (constant-time compare).
pub(crate) fn verify(secret: &str, payload: &[u8], header: &str) -> bool {
    let Some(hex) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Some(given) = decode_hex(hex) else {
        return false;
    };
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(payload);
    mac.verify_slice(&given).is_ok()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies() {
        // RFC 4231 test case 2.
        let sig = sign("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify("Jefe", b"what do ya want for nothing?", &sig));
        assert!(verify(
            "Jefe",
            b"what do ya want for nothing?",
            &sig.to_uppercase().replace("SHA256=", "sha256=")
        ));
        assert!(!verify("Jefe", b"what do ya want for nothing!", &sig));
        assert!(!verify("other", b"what do ya want for nothing?", &sig));
        assert!(!verify("Jefe", b"x", "sha256=zz"));
        assert!(!verify("Jefe", b"x", "md5=00"));
        assert!(!verify("Jefe", b"x", "sha256=é0"));
    }
}
