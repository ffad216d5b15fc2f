//! The command line: global options, the subcommands and their arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration::parse_duration;

/// What `--help` says about exit codes (the README has the same table).
const EXIT_CODES: &str = "\
Exit codes:
  0  succeeded (or started, without --wait / --follow)
  1  the run failed (failed, cancelled or timed out on the platform)
  2  usage or configuration error (unknown target, bad --data, missing environment variable)
  3  the deadline passed (--wait, --timeout) before the run ended
  4  ambiguous: the start may have happened (check before starting again)
  5  credentials rejected (HTTP 401/403, a wrong webhook secret or signature)
  6  any other API error (not found, validation, rate limit, server error, ...)

Targets come from the config file (trigger.toml, or --config FILE), from the
target flags (--provider, --base-url, ...), or with --demo from the embedded
reference server (`trigger --demo targets` lists them). Secrets are read only
from the environment variables the target names, and never printed.";

/// `trigger`: start and follow workflow runs on n8n, ToolJet, Flowmatic and
/// the runs API, with exit codes that mean something.
#[derive(Debug, Parser)]
#[command(name = "trigger", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// The config file with the named targets [default: ./trigger.toml].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Start the embedded reference server with its demo set and use its
    /// targets (`<provider>/<workflow-or-webhook>`); it stops when the
    /// command ends.
    #[arg(long, global = true)]
    pub demo: bool,

    /// How results are printed on stdout.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// A target given by flags instead of the config file.
    #[command(flatten)]
    pub target: TargetFlags,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Lines for people and shell scripts.
    Text,
    /// One JSON document.
    Json,
}

/// A target described by flags; the TARGET argument names it. Each flag is
/// the config file's key of the same name (`_` for `-`).
#[derive(Debug, Default, Clone, PartialEq, Eq, Args)]
#[command(next_help_heading = "Target flags (instead of the config file)")]
pub struct TargetFlags {
    /// n8n, tooljet, flowmatic or runs.
    #[arg(long, global = true)]
    pub provider: Option<String>,
    /// The platform's base URL.
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// The workflow id (runs, ToolJet; n8n and Flowmatic: to list and follow runs).
    #[arg(long, global = true, value_name = "ID")]
    pub workflow: Option<String>,
    /// The webhook (n8n: its path; Flowmatic: its id).
    #[arg(long, global = true, value_name = "PATH_OR_ID")]
    pub webhook: Option<String>,
    /// The webhook's HTTP method (n8n, Flowmatic).
    #[arg(long, global = true)]
    pub method: Option<String>,
    /// n8n: the Webhook node's Respond setting (onReceived, lastNode, responseNode).
    #[arg(long, global = true, value_name = "MODE")]
    pub response_mode: Option<String>,
    /// Environment variable holding the API key (runs: x-api-key; n8n: X-N8N-API-KEY).
    #[arg(long, global = true, value_name = "VAR")]
    pub api_key_env: Option<String>,
    /// Environment variable holding the token (ToolJet workflow token; Flowmatic API token).
    #[arg(long, global = true, value_name = "VAR")]
    pub token_env: Option<String>,
    /// Flowmatic: environment variable holding the webhook secret (signs each call).
    #[arg(long, global = true, value_name = "VAR")]
    pub secret_env: Option<String>,
    /// n8n header auth: the header's name.
    #[arg(long, global = true, value_name = "NAME")]
    pub header_auth: Option<String>,
    /// n8n header auth: environment variable holding the header's value.
    #[arg(long, global = true, value_name = "VAR")]
    pub header_auth_env: Option<String>,
    /// n8n basic auth: the user.
    #[arg(long, global = true, value_name = "USER")]
    pub basic_user: Option<String>,
    /// n8n basic auth: environment variable holding the password.
    #[arg(long, global = true, value_name = "VAR")]
    pub basic_password_env: Option<String>,
    /// n8n JWT auth: environment variable holding the HS256 secret.
    #[arg(long, global = true, value_name = "VAR")]
    pub jwt_secret_env: Option<String>,
    /// n8n JWT auth: the token's claims, a JSON object ({} by default).
    #[arg(long, global = true, value_name = "JSON")]
    pub jwt_claims: Option<String>,
    /// ToolJet: the environment (development by default).
    #[arg(long, global = true, value_name = "NAME")]
    pub environment: Option<String>,
    /// ToolJet: the workflow version (the config key `version`).
    #[arg(long, global = true, value_name = "VERSION")]
    pub tooljet_version: Option<String>,
    /// runs: the stored connection runs use (connectionId).
    #[arg(long, global = true, value_name = "ID")]
    pub connection: Option<String>,
    /// Allow credentials over plain http:// to a host that is not loopback.
    #[arg(long, global = true)]
    pub allow_insecure_http: bool,
}

impl TargetFlags {
    /// Whether no target flag was given.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a run; prints its id (and, once it ends, its status and output).
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Print a run's status; exits 1 when the run failed.
    #[command(after_help = EXIT_CODES)]
    Status(RunRef),
    /// Wait until a run ends.
    #[command(after_help = EXIT_CODES)]
    Wait(WaitArgs),
    /// Cancel a run (n8n with an API key, runs).
    #[command(after_help = EXIT_CODES)]
    Cancel(RunRef),
    /// List recent runs (runs; n8n and Flowmatic with a workflow id and a key).
    #[command(after_help = EXIT_CODES)]
    List(ListArgs),
    /// Start one run per line of a JSON Lines file, resumable through a journal.
    #[command(after_help = EXIT_CODES)]
    Batch(BatchArgs),
    /// Print the curl command that starts the same run (secrets masked).
    #[command(after_help = EXIT_CODES)]
    Curl(CurlArgs),
    /// List the targets of the config file (or of --demo).
    Targets,
}

/// What a run is started with.
#[derive(Debug, Clone, Args)]
pub struct Input {
    /// The input: JSON text, `@FILE` for a file, `-` for stdin [default: {}].
    #[arg(long, short = 'd', value_name = "JSON|@FILE|-")]
    pub data: Option<String>,
    /// A query parameter (webhooks), repeatable.
    #[arg(long, short = 'q', value_name = "KEY=VALUE")]
    pub query: Vec<String>,
    /// A header (webhooks), repeatable.
    #[arg(long = "header", short = 'H', value_name = "NAME:VALUE")]
    pub headers: Vec<String>,
    /// The idempotency key (runs API; other platforms take none).
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,
}

/// `trigger run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The target's name.
    pub target: String,
    /// The input.
    #[command(flatten)]
    pub input: Input,
    /// Wait for the run to end, at most this long (`30s`, `5m`, `1h`, `500ms`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait: Option<std::time::Duration>,
    /// Show the run's progress until it ends (the deadline is --wait, or 5 minutes).
    #[arg(long)]
    pub follow: bool,
}

/// A run of a target.
#[derive(Debug, Args)]
pub struct RunRef {
    /// The target's name.
    pub target: String,
    /// The run's id.
    pub run_id: String,
}

/// `trigger wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The run.
    #[command(flatten)]
    pub run: RunRef,
    /// Give up after this long (exit 3).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5m")]
    pub timeout: std::time::Duration,
}

/// `trigger list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The target's name.
    pub target: String,
    /// At most this many runs.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

/// `trigger batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The target's name.
    pub target: String,
    /// The items: a JSON Lines file (one run's input per line), `-` for stdin.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The journal: every start is recorded there before and after it is
    /// sent, so a rerun after a crash starts no item twice.
    #[arg(long, value_name = "FILE")]
    pub journal: PathBuf,
    /// Runs started (or followed, with --wait) at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Wait for each run to end, at most this long each.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait: Option<std::time::Duration>,
    /// Part of every idempotency key (for example the date); by default a
    /// random id kept in the journal.
    #[arg(long, value_name = "ID")]
    pub batch_id: Option<String>,
    /// Send again the items whose start was ambiguous on a platform without
    /// idempotency keys (they may then run twice).
    #[arg(long)]
    pub resend_ambiguous: bool,
}

/// `trigger curl`.
#[derive(Debug, Args)]
pub struct CurlArgs {
    /// The target's name.
    pub target: String,
    /// The input.
    #[command(flatten)]
    pub input: Input,
    /// Print the secrets themselves instead of `${VARIABLE}` references.
    #[arg(long)]
    pub show_secrets: bool,
}
