#!/usr/bin/env bash
# Cold build of a one-provider user of trigger-sdk, once per TLS backend:
# a scratch crate depending on this checkout with
# `default-features = false, features = ["n8n", <backend>]`, this repository's
# lock file, an empty target directory, `cargo build` (debug). Prints seconds
# and crate count per backend. Scratch lives in ${TMPDIR:-/tmp} and is removed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/trigger-sdk-cold-build.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export CARGO_INCREMENTAL=0
for backend in ${BACKENDS:-rustls-ring native-tls rustls-aws-lc}; do
  d=$scratch/$backend
  mkdir -p "$d/src"
  cat > "$d/Cargo.toml" <<TOML
[package]
name = "one-provider-user"
version = "0.0.0"
edition = "2024"
[dependencies]
trigger-sdk = { path = "$repo", default-features = false, features = ["n8n", "$backend"] }
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
[workspace]
TOML
  cat > "$d/src/main.rs" <<'RS'
#[tokio::main]
async fn main() -> Result<(), trigger_sdk::Report> {
    let client = trigger_sdk::n8n::N8nClient::from_env()?;
    println!("{}", client.base_url());
    Ok(())
}
RS
  cp "$repo/Cargo.lock" "$d/Cargo.lock"
  (cd "$d" && cargo fetch -q)
  start=$SECONDS
  (cd "$d" && cargo build -q)
  crates=$(ls "$d/target/debug/deps"/*.rlib | wc -l)
  echo "$backend: $((SECONDS - start)) s, $crates crates, load $(cut -d' ' -f1-3 /proc/loadavg)"
  rm -rf "$d/target"
done
