//! `reference-server [--config FILE] [--listen ADDR]`: runs the four faces
//! until Ctrl-C. Without `--config` it serves the demo set.

use std::net::SocketAddr;
use std::process::ExitCode;

use trigger_sdk_reference_server::config::N8nVersion;
use trigger_sdk_reference_server::{Config, ReferenceServer, creds, demo};

const USAGE: &str =
    "usage: reference-server [--config FILE] [--listen ADDR] [--n8n-version 1.x|2.x]
                        [--print-demo-config]

  --config FILE         JSON fixture (a serialized Config: options + workflows);
                        the demo set when absent
  --listen ADDR         address to bind (default 127.0.0.1:8080; port 0 = any)
  --n8n-version V       answer as n8n 1.x or 2.x where they differ (default: the
                        config's n8n.version, 2.x)
  --print-demo-config   print the demo set as a JSON fixture and exit

RUST_LOG=debug logs one line per request (the default level, info, does not).";

struct Args {
    config: Option<String>,
    listen: SocketAddr,
    n8n_version: Option<N8nVersion>,
    print_demo: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        config: None,
        listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        n8n_version: None,
        print_demo: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--config" => args.config = Some(it.next().ok_or("--config needs a file")?),
            "--listen" => {
                let addr = it.next().ok_or("--listen needs an address")?;
                args.listen = addr
                    .parse()
                    .map_err(|e| format!("bad --listen address {addr:?}: {e}"))?;
            }
            "--n8n-version" => {
                let v = it.next().ok_or("--n8n-version needs 1.x or 2.x")?;
                args.n8n_version = Some(v.parse()?);
            }
            "--print-demo-config" => args.print_demo = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn load(path: &str) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("invalid fixture {path}: {e}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}\n");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    if args.print_demo {
        match serde_json::to_string_pretty(&demo()) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let (mut config, is_demo) = match &args.config {
        Some(path) => match load(path) {
            Ok(c) => (c, false),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => (demo(), true),
    };
    if let Some(version) = args.n8n_version {
        config.n8n.version = version;
    }
    let server = match ReferenceServer::bind(config, args.listen).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    print_banner(&server, is_demo);
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {e}");
    }
    println!("stopping...");
    server.shutdown().await;
    ExitCode::SUCCESS
}

fn print_banner(server: &ReferenceServer, is_demo: bool) {
    println!("reference-server listening on {}", server.base_url());
    println!(
        "  n8n        {}  (webhooks /webhook/.., API /api/v1)",
        server.n8n_url()
    );
    println!(
        "  ToolJet    {}  (/api/v2/webhooks/workflows/{{id}}/..)",
        server.tooljet_url()
    );
    println!(
        "  Flowmatic  {}  (/api/webhooks/{{id}}, API /api/v1)",
        server.flowmatic_url()
    );
    println!(
        "  runs       {}  (/api/v1/workflows/{{id}}/run)",
        server.runs_url()
    );
    println!(
        "  admin      {}/__admin/n8n/arm-test-webhook  (POST {{\"workflowId\":\"..\"}})",
        server.base_url()
    );
    if !is_demo {
        let ids: Vec<&str> = server
            .config()
            .workflows
            .iter()
            .map(|w| w.id.as_str())
            .collect();
        println!("workflows: {}", ids.join(", "));
        return;
    }
    println!("demo credentials:");
    println!("  n8n        X-N8N-API-KEY: {}", creds::N8N_API_KEY);
    println!(
        "             webhook header {}: {}; basic auth {} / {}",
        creds::N8N_WEBHOOK_HEADER,
        creds::N8N_WEBHOOK_SECRET,
        creds::N8N_BASIC_USER,
        creds::N8N_BASIC_PASSWORD
    );
    println!(
        "  ToolJet    workflow {}  Bearer {}",
        creds::TOOLJET_WORKFLOW,
        creds::TOOLJET_TOKEN
    );
    println!(
        "  Flowmatic  Bearer {}; webhook {} secret {}; sync webhook {}",
        creds::FLOWMATIC_TOKEN,
        creds::FLOWMATIC_WEBHOOK,
        creds::FLOWMATIC_SECRET,
        creds::FLOWMATIC_SYNC_WEBHOOK
    );
    println!(
        "  runs       x-api-key {} (all scopes), {} (runs:read)",
        creds::RUNS_API_KEY,
        creds::RUNS_READ_KEY
    );
    println!("try (the runs docs' request):");
    println!(
        "  curl -s -X POST {}/api/v1/workflows/{}/run -H 'x-api-key: {}' -H 'Content-Type: application/json' \\\n    -d '{{\"input\":{{\"customerId\":\"cus_xxx\",\"items\":[{{\"productId\":\"p1\",\"quantity\":2,\"price\":1999}}]}}}}'",
        server.runs_url(),
        creds::RUNS_CUSTOMER_ORDER,
        creds::RUNS_API_KEY
    );
}
