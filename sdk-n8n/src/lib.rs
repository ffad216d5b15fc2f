//! trigger-sdk provider crate for n8n (work in progress).
