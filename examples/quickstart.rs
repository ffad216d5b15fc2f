//! Quickstart (placeholder until the providers land): lists the crates of the workspace.

fn main() {
    println!("trigger-sdk {}", env!("CARGO_PKG_VERSION"));
    for name in [
        "sdk-core",
        "sdk-n8n",
        "sdk-tooljet",
        "sdk-flowmatic",
        "sdk-runs",
        "reference-server",
    ] {
        println!("  {name}");
    }
}
