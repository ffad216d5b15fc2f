//! reference-server (work in progress).
