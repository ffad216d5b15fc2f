//! `trigger batch`: one run per line of a JSON Lines file, a bounded number
//! at once, every start journaled so that a rerun after a crash starts no
//! item twice.
//!
//! For each item, by what the journal says:
//! - nothing (or a refused start): record `starting` (synced), send, record
//!   `started`, `ambiguous` or `refused`;
//! - `started`: not sent again (with `--wait`, followed to its end);
//! - sent without a recorded answer: on the runs API it is sent again with
//!   the same idempotency key, which cannot start a second run; elsewhere it
//!   is reported as ambiguous and not sent, unless `--resend-ambiguous`.

use std::{
    collections::HashMap,
    io::BufRead,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use trigger_sdk::{Error, RunHandle, Trigger, TriggerRequest, WaitOptions};

use crate::{
    args::BatchArgs,
    commands::Source,
    config::Target,
    exit::{CliError, Exit, exit_of, message_with_causes},
    input::parse_json,
    journal::{ItemState, Journal, Record, item_key},
    report::{Report, status_name},
};

/// One line of the input.
#[derive(Debug)]
struct Item {
    line: u64,
    /// The input, or why the line is not one.
    value: Result<Value, String>,
    key: String,
}

/// What became of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Fate {
    Started,
    AlreadyStarted,
    Succeeded,
    Failed,
    Deadline,
    Ambiguous,
    Refused,
    Skipped,
    Invalid,
}

impl Fate {
    fn name(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::AlreadyStarted => "already_started",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Deadline => "deadline",
            Self::Ambiguous => "ambiguous",
            Self::Refused => "refused",
            Self::Skipped => "skipped",
            Self::Invalid => "invalid",
        }
    }
}

/// The result of one item.
#[derive(Debug)]
struct Outcome {
    line: u64,
    key: String,
    fate: Fate,
    exit: Exit,
    run_id: Option<String>,
    detail: Option<String>,
}

impl Outcome {
    fn new(item: &Item, fate: Fate, exit: Exit) -> Self {
        Self {
            line: item.line,
            key: item.key.clone(),
            fate,
            exit,
            run_id: None,
            detail: None,
        }
    }

    fn run(mut self, run_id: Option<String>) -> Self {
        self.run_id = run_id;
        self
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// What every item's task shares.
struct Batch {
    target: Target,
    trigger: Box<dyn Trigger>,
    journal: Journal,
    wait: Option<Duration>,
    resend_ambiguous: bool,
    /// Set when credentials are rejected: the remaining items are not sent.
    stop: AtomicBool,
}

/// Runs the batch.
pub async fn run(source: &Source, args: &BatchArgs, report: &mut Report) -> Result<Exit, CliError> {
    let target = source.target(&args.target)?;
    report.set("target", target.name.clone());
    report.set("provider", target.provider().name());
    let journal = Journal::open(&args.journal, &target.name, args.batch_id.as_deref())?;
    if journal.unreadable() > 0 {
        eprintln!(
            "trigger: the journal {} has {} unreadable line(s) (a write cut short); they are skipped",
            journal.path().display(),
            journal.unreadable()
        );
    }
    report.set("journal", journal.path().display().to_string());
    report.set("batchId", journal.batch_id().to_owned());
    let items = read_items(args, journal.batch_id())?;
    let batch = Arc::new(Batch {
        trigger: target.trigger(None)?,
        target,
        journal,
        wait: args.wait,
        resend_ambiguous: args.resend_ambiguous,
        stop: AtomicBool::new(false),
    });

    let stream = futures::stream::unfold(items, |mut items| async move {
        items.recv().await.map(|item| (item, items))
    });
    let results = stream
        .map(|item| {
            let batch = batch.clone();
            async move { batch.process(item).await }
        })
        .buffer_unordered(usize::from(args.concurrency));
    futures::pin_mut!(results);
    let mut outcomes = Vec::new();
    while let Some(outcome) = results.next().await {
        let outcome = outcome?;
        report.line(format!(
            "{}\t{}\t{}{}",
            outcome.line,
            outcome.fate.name(),
            outcome.run_id.as_deref().unwrap_or("-"),
            outcome
                .detail
                .as_deref()
                .map(|d| format!("\t{d}"))
                .unwrap_or_default()
        ));
        outcomes.push(outcome);
    }
    outcomes.sort_by_key(|o| o.line);
    Ok(summarize(report, &batch.target.name, &outcomes))
}

/// Reads the items on a thread (stdin is read as it comes; a file is
/// checked whole first, so a bad line starts nothing).
fn read_items(args: &BatchArgs, batch_id: &str) -> Result<mpsc::Receiver<Item>, CliError> {
    let (sender, receiver) = mpsc::channel(64);
    let batch_id = batch_id.to_owned();
    let from = args.from.clone();
    if from.as_os_str() == "-" {
        std::thread::spawn(move || {
            let stdin = std::io::stdin();
            let lines = stdin.lock().lines().map(|l| l.map_err(|e| e.to_string()));
            feed(lines, &batch_id, "stdin", &sender);
        });
        return Ok(receiver);
    }
    let text = std::fs::read_to_string(&from).map_err(|e| {
        CliError::usage(format!(
            "cannot read the items file {}: {e}",
            from.display()
        ))
    })?;
    for (n, line) in text.lines().enumerate() {
        if !line.trim().is_empty() {
            parse_json(line, &format!("{} line {}", from.display(), n + 1))?;
        }
    }
    let name = from.display().to_string();
    std::thread::spawn(move || {
        let lines = text.lines().map(|l| Ok(l.to_owned())).collect::<Vec<_>>();
        feed(lines.into_iter(), &batch_id, &name, &sender);
    });
    Ok(receiver)
}

/// Sends each non-blank line as an item, keyed by content and occurrence.
fn feed(
    lines: impl Iterator<Item = Result<String, String>>,
    batch_id: &str,
    origin: &str,
    sender: &mpsc::Sender<Item>,
) {
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (n, line) in lines.enumerate() {
        let line_no = u64::try_from(n + 1).unwrap_or(u64::MAX);
        let item = match line {
            Err(e) => {
                let _ = sender.blocking_send(Item {
                    line: line_no,
                    value: Err(format!("cannot read {origin}: {e}")),
                    key: String::new(),
                });
                return;
            }
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => match serde_json::from_str::<Value>(&line) {
                Ok(value) => {
                    let occurrence = seen.entry(value.to_string()).or_insert(0);
                    *occurrence += 1;
                    Item {
                        line: line_no,
                        key: item_key(batch_id, &value, *occurrence),
                        value: Ok(value),
                    }
                }
                Err(e) => Item {
                    line: line_no,
                    value: Err(format!("{origin} line {line_no} is not valid JSON: {e}")),
                    key: String::new(),
                },
            },
        };
        if sender.blocking_send(item).is_err() {
            return;
        }
    }
}

impl Batch {
    async fn process(&self, item: Item) -> Result<Outcome, CliError> {
        let value = match &item.value {
            Ok(value) => value.clone(),
            Err(message) => {
                return Ok(Outcome::new(&item, Fate::Invalid, Exit::Usage).detail(message.clone()));
            }
        };
        match self.journal.state(&item.key) {
            ItemState::Finished { run_id, status } => {
                let (fate, exit) = if status == "succeeded" {
                    (Fate::Succeeded, Exit::Succeeded)
                } else {
                    (Fate::Failed, Exit::RunFailed)
                };
                return Ok(Outcome::new(&item, fate, exit)
                    .run(run_id)
                    .detail(format!("{status} (journal)")));
            }
            ItemState::Started { run_id } => {
                return Ok(match (&run_id, self.wait) {
                    (Some(id), Some(_)) => match self.target.resume(id) {
                        Ok(handle) => self.follow(&item, handle.as_ref()).await?,
                        Err(e) => Outcome::new(&item, Fate::AlreadyStarted, Exit::Succeeded)
                            .run(run_id)
                            .detail(format!("not followed: {e}")),
                    },
                    _ => Outcome::new(&item, Fate::AlreadyStarted, Exit::Succeeded).run(run_id),
                });
            }
            ItemState::MaybeStarted
                if !self.target.takes_idempotency_key() && !self.resend_ambiguous =>
            {
                return Ok(Outcome::new(&item, Fate::Ambiguous, Exit::Ambiguous).detail(
                    "its start was sent before and may have happened (no answer in the journal); \
                     check the platform, then rerun with --resend-ambiguous to send it again",
                ));
            }
            ItemState::MaybeStarted | ItemState::New => {}
        }
        if self.stop.load(Ordering::SeqCst) {
            return Ok(Outcome::new(&item, Fate::Skipped, Exit::Credentials)
                .detail("not sent: credentials were rejected"));
        }
        self.start(&item, value).await
    }

    async fn start(&self, item: &Item, value: Value) -> Result<Outcome, CliError> {
        let line = item.line;
        let key = item.key.clone();
        let mut request = TriggerRequest::new(value);
        if self.target.takes_idempotency_key() {
            request = request.idempotency_key(key.clone());
        }
        self.journal.record(&Record::Starting {
            key: key.clone(),
            line,
        })?;
        let handle = match self.trigger.trigger(request).await {
            Ok(handle) => handle,
            Err(e) => return self.refused_or_ambiguous(item, e),
        };
        let run_id = handle.run_id().map(ToString::to_string);
        self.journal.record(&Record::Started {
            key,
            line,
            run_id: run_id.clone(),
        })?;
        if self.wait.is_some() {
            return self.follow(item, handle.as_ref()).await;
        }
        Ok(Outcome::new(item, Fate::Started, Exit::Succeeded).run(run_id))
    }

    fn refused_or_ambiguous(&self, item: &Item, error: Error) -> Result<Outcome, CliError> {
        let (key, line) = (item.key.clone(), item.line);
        let message = message_with_causes(&error);
        // A start cut by a deadline may have left, whatever the error says.
        if error.may_have_started() || matches!(error, Error::Timeout { .. }) {
            self.journal.record(&Record::Ambiguous {
                key,
                line,
                error: message.clone(),
            })?;
            return Ok(Outcome::new(item, Fate::Ambiguous, Exit::Ambiguous).detail(message));
        }
        self.journal.record(&Record::Refused {
            key,
            line,
            error: message.clone(),
        })?;
        let exit = exit_of(&error);
        if exit == Exit::Credentials {
            self.stop.store(true, Ordering::SeqCst);
        }
        Ok(Outcome::new(item, Fate::Refused, exit).detail(message))
    }

    /// Waits for a started run to end and journals how.
    async fn follow(&self, item: &Item, handle: &dyn RunHandle) -> Result<Outcome, CliError> {
        let run_id = handle.run_id().map(ToString::to_string);
        let timeout = self.wait.unwrap_or_default();
        match handle.wait(WaitOptions::timeout(timeout)).await {
            Ok(outcome) => {
                let status = status_name(&outcome.status);
                self.journal.record(&Record::Finished {
                    key: item.key.clone(),
                    line: item.line,
                    run_id: run_id.clone(),
                    status: status.clone(),
                })?;
                Ok(match outcome.into_result() {
                    Ok(_) => Outcome::new(item, Fate::Succeeded, Exit::Succeeded).run(run_id),
                    Err(e) => Outcome::new(item, Fate::Failed, Exit::RunFailed)
                        .run(run_id)
                        .detail(message_with_causes(&e)),
                })
            }
            Err(e) => {
                let exit = exit_of(&e);
                let fate = if exit == Exit::Deadline {
                    Fate::Deadline
                } else {
                    Fate::Refused
                };
                Ok(Outcome::new(item, fate, exit)
                    .run(run_id)
                    .detail(message_with_causes(&e)))
            }
        }
    }
}

/// The summary (a line, or the JSON document) and the batch's exit code:
/// the most severe of its items'.
fn summarize(report: &mut Report, target: &str, outcomes: &[Outcome]) -> Exit {
    let mut counts: Vec<(Fate, usize)> = Vec::new();
    let mut exit = Exit::Succeeded;
    for outcome in outcomes {
        exit = exit.worst(outcome.exit);
        match counts.iter_mut().find(|(fate, _)| *fate == outcome.fate) {
            Some((_, n)) => *n += 1,
            None => counts.push((outcome.fate, 1)),
        }
    }
    counts.sort();
    let parts: Vec<String> = counts
        .iter()
        .map(|(fate, n)| format!("{n} {}", fate.name()))
        .collect();
    let summary = format!(
        "batch {target}: {} item(s){}{}",
        outcomes.len(),
        if parts.is_empty() { "" } else { ": " },
        parts.join(", ")
    );
    report.line(&summary);
    if exit != Exit::Succeeded {
        eprintln!("trigger: {summary}");
    }
    report.set("items", outcomes.len());
    report.set(
        "counts",
        Value::Object(
            counts
                .iter()
                .map(|(fate, n)| (fate.name().to_owned(), json!(n)))
                .collect(),
        ),
    );
    report.set(
        "results",
        Value::Array(
            outcomes
                .iter()
                .map(|o| {
                    json!({
                        "line": o.line,
                        "key": o.key,
                        "outcome": o.fate.name(),
                        "runId": o.run_id,
                        "exitCode": o.exit.code(),
                        "detail": o.detail,
                    })
                })
                .collect(),
        ),
    );
    exit
}
