//! `--follow`: a run's events until it ends, shown on stderr — a spinner
//! line on a terminal, plain lines otherwise — within a deadline.

use std::{io::IsTerminal, time::Duration};

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::time::Instant;
use trigger_sdk::{Error, RunEvent, RunHandle, RunOutcome, poll::within_deadline};

/// Where progress goes.
struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    label: String,
}

impl Progress {
    fn new(label: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} {prefix} {elapsed:>4} {wide_msg}")
            {
                bar.set_style(style);
            }
            bar.set_prefix(label.to_owned());
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Self {
            bar,
            start: Instant::now(),
            label: label.to_owned(),
        }
    }

    fn say(&self, message: String) {
        match &self.bar {
            Some(bar) => bar.set_message(message),
            None => eprintln!(
                "[{:>8.1}s] {}: {message}",
                self.start.elapsed().as_secs_f64(),
                self.label
            ),
        }
    }

    fn done(&self, message: String) {
        match &self.bar {
            Some(bar) => bar.finish_with_message(message),
            None => self.say(message),
        }
    }
}

/// Follows `handle` until the run ends or `timeout` passes ([`Error::Timeout`]).
pub async fn follow(
    handle: &dyn RunHandle,
    label: &str,
    timeout: Duration,
) -> Result<RunOutcome, Error> {
    let progress = Progress::new(label);
    let work = async {
        let mut events = handle.events();
        while let Some(event) = events.next().await {
            match event? {
                RunEvent::Status(status) => progress.say(status.to_string()),
                RunEvent::Step(step) => progress.say(format!(
                    "step {} {}",
                    step.name.as_deref().unwrap_or(&step.id),
                    step.status
                )),
                RunEvent::Chunk { kind, content, .. } => {
                    progress.say(format!("{kind} {}", content.unwrap_or_default()));
                }
                RunEvent::Finished(outcome) => {
                    progress.done(outcome.status.to_string());
                    return Ok(*outcome);
                }
                _ => {}
            }
        }
        Err(Error::transport(
            "the run's event stream ended before the run did",
            None,
        ))
    };
    let result = within_deadline(
        Some(Instant::now() + timeout),
        || format!("the run had not ended after {timeout:?}"),
        work,
    )
    .await;
    if let (Err(e), Some(bar)) = (&result, &progress.bar) {
        bar.abandon_with_message(e.to_string());
    }
    result
}
