//! The `trigger` binary, run as a user runs it, against the reference server
//! (started by each test, or by the binary itself with `--demo`).

mod batch;
mod curl;
mod demo;
mod exit_codes;
mod jwt;
mod support;
