//! The commands: where the target comes from, then `run`, `status`, `wait`,
//! `cancel`, `list` and `targets` (`batch` and `curl` have modules of their
//! own).

use std::path::PathBuf;

use serde_json::{Value, json};
use tokio::time::Instant;
use trigger_sdk::{RunHandle, RunOutcome, RunStatus, WaitOptions, poll::DEFAULT_WAIT_TIMEOUT};
use trigger_sdk_reference_server::ReferenceServer;

use crate::{
    args::{Cli, Command, ListArgs, RunArgs, RunRef, WaitArgs},
    batch,
    config::{self, ConfigFile, DEFAULT_CONFIG, ProcessEnv, Target, TargetSpec},
    curl, demo,
    exit::{CliError, Exit},
    follow::follow,
    input,
    report::{Report, status_name},
};

/// Where targets come from.
pub enum Source {
    /// The embedded demo server (kept running for the command).
    Demo(ReferenceServer),
    /// The target flags.
    Flags(Box<TargetSpec>),
    /// The config file.
    File(PathBuf),
}

impl Source {
    /// The source `cli` names; `--demo` starts the server.
    pub async fn of(cli: &Cli) -> Result<Self, CliError> {
        let flags = TargetSpec::from_flags(&cli.target);
        if cli.demo {
            if flags.is_some() || cli.config.is_some() {
                return Err(CliError::usage(
                    "--demo brings its own targets: give it neither --config nor target flags",
                ));
            }
            let server = demo::start()
                .await
                .map_err(|e| CliError::usage(format!("cannot start the demo server: {e}")))?;
            eprintln!(
                "trigger: demo server at {} (it stops when this command ends)",
                server.base_url()
            );
            return Ok(Self::Demo(server));
        }
        if let Some(spec) = flags {
            return Ok(Self::Flags(Box::new(spec)));
        }
        if !cli.target.is_empty() {
            return Err(CliError::usage(
                "target flags need --provider (n8n, tooljet, flowmatic or runs)",
            ));
        }
        Ok(Self::File(
            cli.config
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG)),
        ))
    }

    /// Name, provider and base URL of every target of this source (the
    /// flags' target is named `name`); no secret is read.
    fn listing(&self, name: &str) -> Result<Vec<(String, String, String)>, CliError> {
        let row = |name: &str, spec: &TargetSpec| {
            let base = spec.base_url.clone().unwrap_or_default();
            (name.to_owned(), spec.provider.clone(), base)
        };
        Ok(match self {
            Self::Demo(server) => demo::targets(server)
                .into_iter()
                .map(|t| (t.name.clone(), t.provider().name().to_owned(), t.base_url))
                .collect(),
            Self::Flags(spec) => vec![row(name, spec)],
            Self::File(path) => {
                let file: ConfigFile = config::read_config(path)?;
                file.targets
                    .iter()
                    .map(|(name, spec)| row(name, spec))
                    .collect()
            }
        })
    }

    /// The target named `name`.
    pub fn target(&self, name: &str) -> Result<Target, CliError> {
        match self {
            Self::Demo(server) => demo::targets(server)
                .into_iter()
                .find(|t| t.name == name)
                .ok_or_else(|| {
                    CliError::usage(format!(
                        "unknown demo target {name:?} (`trigger --demo targets` lists them)"
                    ))
                }),
            Self::Flags(spec) => config::resolve(name, spec, &ProcessEnv),
            Self::File(path) => {
                let file = config::read_config(path)?;
                let spec = file.targets.get(name).ok_or_else(|| {
                    let known: Vec<&str> = file.targets.keys().map(String::as_str).collect();
                    CliError::usage(format!(
                        "unknown target {name:?} in {} (known: {})",
                        path.display(),
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ))
                })?;
                config::resolve(name, spec, &ProcessEnv)
            }
        }
    }

    /// Stops the demo server, if any.
    pub async fn close(self) {
        if let Self::Demo(server) = self {
            server.shutdown().await;
        }
    }
}

/// Runs the command of `cli`.
pub async fn dispatch(cli: Cli, report: &mut Report) -> Result<Exit, CliError> {
    let source = Source::of(&cli).await?;
    let result = match &cli.command {
        Command::Run(args) => run(&source, args, report).await,
        Command::Status(args) => status(&source, args, report).await,
        Command::Wait(args) => wait(&source, args, report).await,
        Command::Cancel(args) => cancel(&source, args, report).await,
        Command::List(args) => list(&source, args, report).await,
        Command::Batch(args) => batch::run(&source, args, report).await,
        Command::Curl(args) => curl::print(&source, args, report),
        Command::Targets => targets(&source, report),
    };
    source.close().await;
    result
}

fn describe(report: &mut Report, target: &Target) {
    report.set("target", target.name.clone());
    report.set("provider", target.provider().name());
}

fn run_id_of(report: &mut Report, handle: &dyn RunHandle) -> Option<String> {
    let id = handle.run_id().map(ToString::to_string);
    report.set("runId", id.clone());
    id
}

/// The end of a run: its fields and lines, and exit 1 when it did not succeed.
fn ended(report: &mut Report, outcome: RunOutcome) -> Result<Exit, CliError> {
    report.outcome(&outcome);
    outcome
        .into_result()
        .map(|_| Exit::Succeeded)
        .map_err(CliError::RunFailed)
}

async fn run(source: &Source, args: &RunArgs, report: &mut Report) -> Result<Exit, CliError> {
    let target = source.target(&args.target)?;
    describe(report, &target);
    let request = input::request(&args.input, &target)?;
    let deadline = match (args.wait, args.follow) {
        (Some(wait), _) => Some(wait),
        (None, true) => Some(DEFAULT_WAIT_TIMEOUT),
        (None, false) => None,
    };
    let start = Instant::now();
    let trigger = target.trigger(deadline)?;
    let handle = trigger.trigger(request).await?;
    let id = run_id_of(report, handle.as_ref());
    report.line(id.as_deref().unwrap_or("-"));
    let Some(deadline) = deadline else {
        if id.is_some() {
            return Ok(Exit::Succeeded);
        }
        // No id: a synchronous answer (already finished) or a run that
        // cannot be followed; its status costs no request of a run.
        let snapshot = handle.status().await?;
        if snapshot.status.is_terminal() {
            return ended(report, snapshot.into_outcome());
        }
        report.set("status", status_name(&snapshot.status));
        report.line(status_name(&snapshot.status));
        return Ok(Exit::Succeeded);
    };
    let left = deadline.saturating_sub(start.elapsed());
    let outcome = if args.follow {
        follow(handle.as_ref(), &target.name, left).await?
    } else {
        handle.wait(WaitOptions::timeout(left)).await?
    };
    ended(report, outcome)
}

async fn status(source: &Source, args: &RunRef, report: &mut Report) -> Result<Exit, CliError> {
    let target = source.target(&args.target)?;
    describe(report, &target);
    report.set("runId", args.run_id.clone());
    let snapshot = target.resume(&args.run_id)?.status().await?;
    if snapshot.status.is_terminal() {
        return ended(report, snapshot.into_outcome());
    }
    report.set("status", status_name(&snapshot.status));
    report.line(status_name(&snapshot.status));
    Ok(Exit::Succeeded)
}

async fn wait(source: &Source, args: &WaitArgs, report: &mut Report) -> Result<Exit, CliError> {
    let target = source.target(&args.run.target)?;
    describe(report, &target);
    report.set("runId", args.run.run_id.clone());
    let handle = target.resume(&args.run.run_id)?;
    let outcome = handle.wait(WaitOptions::timeout(args.timeout)).await?;
    ended(report, outcome)
}

async fn cancel(source: &Source, args: &RunRef, report: &mut Report) -> Result<Exit, CliError> {
    let target = source.target(&args.target)?;
    describe(report, &target);
    report.set("runId", args.run_id.clone());
    target.resume(&args.run_id)?.cancel().await?;
    report.set("status", status_name(&RunStatus::Cancelled));
    report.line(format!("{} cancelled", args.run_id));
    Ok(Exit::Succeeded)
}

async fn list(source: &Source, args: &ListArgs, report: &mut Report) -> Result<Exit, CliError> {
    let target = source.target(&args.target)?;
    describe(report, &target);
    let rows = target.list(args.limit).await?;
    let mut runs = Vec::new();
    for row in rows {
        let status = status_name(&row.status);
        report.line(format!(
            "{}\t{status}\t{}",
            row.id,
            row.started.as_deref().unwrap_or("-")
        ));
        runs.push(json!({"runId": row.id, "status": status, "started": row.started}));
    }
    report.set("runs", Value::Array(runs));
    Ok(Exit::Succeeded)
}

fn targets(source: &Source, report: &mut Report) -> Result<Exit, CliError> {
    let mut all = Vec::new();
    for (name, provider, base_url) in source.listing("flags")? {
        report.line(format!("{name}\t{provider}\t{base_url}"));
        all.push(json!({"name": name, "provider": provider, "baseUrl": base_url}));
    }
    report.set("targets", Value::Array(all));
    Ok(Exit::Succeeded)
}
