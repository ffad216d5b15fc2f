//! The default `wait` and `events` of `RunHandle`, over a scripted handle.

use std::{sync::Mutex, time::Duration};

use futures::StreamExt;
use trigger_sdk_core::{
    Error, PollPolicy, Provider, Result, RunEvent, RunHandle, RunId, RunSnapshot, RunStatus,
    StepSnapshot, StepStatus, WaitOptions, async_trait,
};

/// A handle whose `status()` walks through a script, then repeats the last entry.
#[derive(Debug)]
struct Scripted {
    id: RunId,
    script: Mutex<Vec<RunSnapshot>>,
    polls: Mutex<usize>,
}

impl Scripted {
    fn new(script: Vec<RunSnapshot>) -> Self {
        Self {
            id: RunId::new("run_1"),
            script: Mutex::new(script),
            polls: Mutex::new(0),
        }
    }
}

#[async_trait]
impl RunHandle for Scripted {
    fn provider(&self) -> Provider {
        Provider::new("scripted")
    }
    fn run_id(&self) -> Option<&RunId> {
        Some(&self.id)
    }
    async fn status(&self) -> Result<RunSnapshot> {
        *self.polls.lock().unwrap() += 1;
        let mut script = self.script.lock().unwrap();
        Ok(if script.len() > 1 {
            script.remove(0)
        } else {
            script[0].clone()
        })
    }
}

fn snap(status: RunStatus) -> RunSnapshot {
    RunSnapshot::new(Some(RunId::new("run_1")), status)
}

#[tokio::test(start_paused = true)]
async fn wait_polls_until_terminal() {
    let handle = Scripted::new(vec![
        snap(RunStatus::Pending),
        snap(RunStatus::Running),
        snap(RunStatus::Succeeded).with_output(Some(serde_json::json!({"ok": true}))),
    ]);
    let outcome = handle
        .wait(WaitOptions::timeout(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_eq!(outcome.output["ok"], true);
    assert_eq!(*handle.polls.lock().unwrap(), 3);
}

#[tokio::test(start_paused = true)]
async fn wait_gives_timeout_at_the_deadline() {
    let handle = Scripted::new(vec![snap(RunStatus::Running)]);
    let start = tokio::time::Instant::now();
    let err = handle
        .wait(WaitOptions::timeout(Duration::from_secs(3)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_secs(4),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn wait_on_an_accepted_run_is_not_trackable() {
    let handle = Scripted::new(vec![snap(RunStatus::Accepted)]);
    let err = handle.wait(WaitOptions::default()).await.unwrap_err();
    assert!(matches!(err, Error::NotTrackable(_)), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn events_report_changes_and_end_with_finished() {
    let step = |s| StepSnapshot::new("charge", s);
    let handle = Scripted::new(vec![
        snap(RunStatus::Pending),
        snap(RunStatus::Pending),
        snap(RunStatus::Running).with_steps(vec![step(StepStatus::Running)]),
        snap(RunStatus::Running).with_steps(vec![step(StepStatus::Running)]),
        snap(RunStatus::Succeeded).with_steps(vec![step(StepStatus::Completed)]),
    ]);
    let events: Vec<RunEvent> = trigger_sdk_core::poll::poll_events(&handle, PollPolicy::default())
        .map(|e| e.unwrap())
        .collect()
        .await;
    assert_eq!(events.len(), 5, "{events:#?}");
    assert_eq!(events[0], RunEvent::Status(RunStatus::Pending));
    assert_eq!(events[1], RunEvent::Step(step(StepStatus::Running)));
    assert_eq!(events[2], RunEvent::Status(RunStatus::Running));
    assert_eq!(events[3], RunEvent::Step(step(StepStatus::Completed)));
    assert!(events[4].is_terminal());
    assert_eq!(events[4].status(), Some(&RunStatus::Succeeded));
    // Only the last event is terminal.
    assert_eq!(events.iter().filter(|e| e.is_terminal()).count(), 1);
}

/// A handle whose status call never answers (a server that never answers).
#[derive(Debug)]
struct Silent;

#[async_trait]
impl RunHandle for Silent {
    fn provider(&self) -> Provider {
        Provider::new("silent")
    }
    fn run_id(&self) -> Option<&RunId> {
        None
    }
    async fn status(&self) -> Result<RunSnapshot> {
        futures::future::pending().await
    }
}

#[tokio::test(start_paused = true)]
async fn wait_ends_at_its_deadline_even_inside_a_status_call_that_never_answers() {
    let start = tokio::time::Instant::now();
    let err = Silent
        .wait(WaitOptions::timeout(Duration::from_secs(2)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("no status within 2s"), "{err}");
    // On the paused clock the deadline is exact.
    assert_eq!(start.elapsed(), Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn the_default_wait_has_a_finite_deadline() {
    assert_eq!(
        WaitOptions::default().timeout,
        Some(trigger_sdk_core::poll::DEFAULT_WAIT_TIMEOUT)
    );
    let start = tokio::time::Instant::now();
    let err = Silent.wait(WaitOptions::default()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(
        start.elapsed(),
        trigger_sdk_core::poll::DEFAULT_WAIT_TIMEOUT
    );
}
