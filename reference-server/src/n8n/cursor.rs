//! Public-API cursors: base64 of JSON, `{"limit","offset"}` for offset lists and
//! `{"lastId","limit"}` for executions (newest first).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// An offset cursor (workflows, tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OffsetCursor {
    pub limit: u64,
    pub offset: u64,
}

/// A keyset cursor (executions): the next page holds ids below `last_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeysetCursor {
    #[serde(rename = "lastId")]
    pub last_id: String,
    pub limit: u64,
}

/// Encodes any cursor as base64 JSON.
pub(crate) fn encode<T: Serialize>(cursor: &T) -> String {
    STANDARD.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

/// Decodes a cursor; `None` means "An invalid cursor was provided".
pub(crate) fn decode<T: for<'de> Deserialize<'de>>(raw: &str) -> Option<T> {
    let bytes = STANDARD.decode(raw.trim()).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_real_n8n_bytes() {
        assert_eq!(
            encode(&OffsetCursor {
                limit: 2,
                offset: 2
            }),
            "eyJsaW1pdCI6Miwib2Zmc2V0IjoyfQ=="
        );
        assert_eq!(
            encode(&KeysetCursor {
                last_id: "22".into(),
                limit: 2
            }),
            "eyJsYXN0SWQiOiIyMiIsImxpbWl0IjoyfQ=="
        );
        assert_eq!(decode::<OffsetCursor>("garbage"), None);
        assert_eq!(
            decode::<OffsetCursor>("eyJsaW1pdCI6NSwib2Zmc2V0IjoxMH0="),
            Some(OffsetCursor {
                limit: 5,
                offset: 10
            })
        );
    }
}
