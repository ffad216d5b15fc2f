//! `trigger`: start and follow workflow runs on n8n, ToolJet, Flowmatic and
//! the runs API from cron jobs and CI, on the trigger-sdk, with exit codes
//! that mean something (see `trigger --help` and the README).

mod args;
mod batch;
mod commands;
mod config;
mod curl;
mod demo;
mod duration;
mod exit;
mod follow;
mod input;
mod journal;
mod report;
mod target;

use std::process::ExitCode;

use clap::Parser;

use crate::{args::Cli, exit::CliError, report::Report};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut report = Report::new(cli.output);
    let result = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(commands::dispatch(cli, &mut report)),
        Err(e) => Err(CliError::usage(format!(
            "cannot start the async runtime: {e}"
        ))),
    };
    ExitCode::from(report.finish(result).code())
}
