//! Tags of the public API.

use std::time::SystemTime;

use serde_json::{Value, json};

use crate::time::iso8601;

/// A tag.
#[derive(Debug, Clone)]
pub(crate) struct Tag {
    pub id: String,
    pub name: String,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
}

impl Tag {
    /// A new tag with a fresh 16-character id.
    pub(crate) fn new(name: &str) -> Self {
        let now = SystemTime::now();
        Self {
            id: short_id(),
            name: name.to_owned(),
            created_at: now,
            updated_at: now,
        }
    }

    /// `{"id","name","createdAt","updatedAt"}`.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "createdAt": iso8601(self.created_at),
            "updatedAt": iso8601(self.updated_at),
        })
    }
}

/// A 16-character alphanumeric id, like n8n's workflow and tag ids.
pub(crate) fn short_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}
