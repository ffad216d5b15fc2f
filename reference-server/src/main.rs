//! `reference-server [--config FILE] [--listen ADDR] [--n8n-version V]`: runs
//! the four faces until Ctrl-C. Without `--config` it serves the demo set.

use std::net::SocketAddr;
use std::process::ExitCode;

use trigger_sdk_reference_server::config::N8nVersion;
use trigger_sdk_reference_server::{Config, ReferenceServer, creds, demo};

const USAGE: &str = "usage: reference-server [OPTIONS]

Runs the n8n, ToolJet, Flowmatic and runs API faces over one in-memory engine
until Ctrl-C.

options (each also written --flag=value):
  --config FILE         JSON fixture (a serialized Config: options + workflows;
                        unknown fields are refused); the demo set when absent
  --listen ADDR         address to bind (default 127.0.0.1:8080; port 0 = any)
  --n8n-version V       answer as n8n 1.x or 2.x where they differ (default: the
                        config's n8n.version, 2.x)
  --print-demo-config   print the demo set as a JSON fixture and exit
  -h, --help            print this help and exit
  -V, --version         print the version and exit

RUST_LOG=debug logs one line per request (the default level, info, does not).";

/// Each request allocates and each evicted run frees a few hundred small
/// blocks, on whichever worker thread; mimalloc does that at a fraction of
/// glibc's cost and gives freed pages back (see `benches/server.rs`).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Command {
    Serve(Args),
    PrintDemo,
    Help,
    Version,
}

#[derive(Debug, PartialEq)]
struct Args {
    config: Option<String>,
    listen: SocketAddr,
    n8n_version: Option<N8nVersion>,
}

fn parse_args(argv: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = Args {
        config: None,
        listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        n8n_version: None,
    };
    let mut print_demo = false;
    let mut it = argv.into_iter();
    while let Some(arg) = it.next() {
        // `--flag=value` and `--flag value` mean the same.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{flag} needs {what}"))
        };
        match flag.as_str() {
            "--config" => args.config = Some(value("a file")?),
            "--listen" => {
                let addr = value("an address")?;
                args.listen = addr
                    .parse()
                    .map_err(|e| format!("bad --listen address {addr:?}: {e}"))?;
            }
            "--n8n-version" => args.n8n_version = Some(value("1.x or 2.x")?.parse()?),
            "--print-demo-config" | "-h" | "--help" | "-V" | "--version" if inline.is_some() => {
                return Err(format!("{flag} takes no value"));
            }
            "--print-demo-config" => print_demo = true,
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(if print_demo {
        Command::PrintDemo
    } else {
        Command::Serve(args)
    })
}

fn load(path: &str) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("invalid fixture {path}: {e}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Serve(args)) => args,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("reference-server {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Ok(Command::PrintDemo) => {
            return match serde_json::to_string_pretty(&demo()) {
                Ok(text) => {
                    println!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn flags_take_their_value_after_a_space_or_an_equals_sign() {
        let spaced = parse(&[
            "--listen",
            "127.0.0.1:0",
            "--config",
            "f.json",
            "--n8n-version",
            "1.x",
        ]);
        let joined = parse(&[
            "--listen=127.0.0.1:0",
            "--config=f.json",
            "--n8n-version=1.x",
        ]);
        let expected = Command::Serve(Args {
            config: Some("f.json".into()),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            n8n_version: Some(N8nVersion::V1),
        });
        assert_eq!(spaced, Ok(expected));
        assert_eq!(joined, spaced);
    }

    #[test]
    fn help_version_and_mistakes() {
        let rows: &[(&[&str], Result<Command, &str>)] = &[
            (&["--help"], Ok(Command::Help)),
            (&["-h"], Ok(Command::Help)),
            (&["--version"], Ok(Command::Version)),
            (&["-V"], Ok(Command::Version)),
            (&["--print-demo-config"], Ok(Command::PrintDemo)),
            (&["--listen"], Err("--listen needs an address")),
            (
                &["--config="],
                Ok(Command::Serve(Args {
                    config: Some(String::new()),
                    listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
                    n8n_version: None,
                })),
            ),
            (&["--help=yes"], Err("--help takes no value")),
            (&["--lisen=1"], Err("unknown argument \"--lisen\"")),
        ];
        for (args, expected) in rows {
            let got = parse(args);
            match expected {
                Ok(cmd) => assert_eq!(got.as_ref(), Ok(cmd), "{args:?}"),
                Err(msg) => assert_eq!(
                    got.as_ref().err().map(String::as_str),
                    Some(*msg),
                    "{args:?}"
                ),
            }
        }
        assert!(
            parse(&["--listen=nope"])
                .unwrap_err()
                .starts_with("bad --listen address \"nope\"")
        );
    }
}
