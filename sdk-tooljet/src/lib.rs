//! trigger-sdk provider crate for tooljet (work in progress).
