use std::time::Duration;

use futures::StreamExt;
use serde_json::json;

use super::*;
use crate::config::{Retention, Step};

fn engine() -> Engine {
    let mut with_output = Workflow::new(
        "out",
        "Out",
        vec![Step::transform("a", json!({"x": "{{input.n | times: 2}}"}))],
    );
    with_output.output =
        Some(json!({"doubled": "{{steps.a.output.x}}", "run": "{{execution.id}}"}));
    let mut slow = Workflow::new("timeout", "T", vec![Step::delay("d", 5_000)]);
    slow.timeout_ms = Some(20);
    Engine::new(vec![
        Workflow::new(
            "ok",
            "Ok",
            vec![
                Step::transform("a", json!({"v": "{{input.v}}"})),
                Step::respond("r", 201, json!({"got": "{{steps.a.output.v}}"})),
                Step::action(
                    "act",
                    "stripe",
                    "create_invoice",
                    "inv",
                    json!({"v": "{{input.v}}"}),
                ),
            ],
        ),
        Workflow::new(
            "bad",
            "Bad",
            vec![
                Step::transform("a", json!(1)),
                Step::fail("charge", "declined {{input.v}}"),
                Step::transform("c", json!(2)),
            ],
        ),
        Workflow::new("slow", "Slow", vec![Step::delay("d", 60_000)]),
        with_output,
        slow,
    ])
}

fn deadline<F: std::future::Future>(f: F) -> tokio::time::Timeout<F> {
    tokio::time::timeout(Duration::from_secs(10), f)
}

#[tokio::test]
async fn run_succeeds_with_steps_response_and_action() {
    let e = engine();
    let pending = e.start("ok", json!({"v": 7}), "r1").unwrap();
    assert_eq!(pending.status, RunStatus::Pending);
    let done = deadline(e.wait("r1")).await.unwrap().unwrap();
    assert_eq!(done.status, RunStatus::Succeeded);
    let response = done.response.unwrap();
    assert_eq!(response.status, 201);
    assert_eq!(response.body, json!({"got": 7}));
    assert!(
        done.output.unwrap()["id"]
            .as_str()
            .unwrap()
            .starts_with("inv_")
    );
    assert!(done.steps.iter().all(|s| s.status == StepStatus::Completed));
    assert_eq!(done.steps[2].input.as_deref(), Some(&json!({"v": 7})));
    let calls = e.action_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].params, json!({"v": 7}));
    assert_eq!(&*calls[0].run_id, "r1");
}

#[tokio::test]
async fn workflow_output_template_is_applied() {
    let e = engine();
    e.start("out", json!({"n": 4}), "o1").unwrap();
    let done = deadline(e.wait("o1")).await.unwrap().unwrap();
    assert_eq!(
        done.output.as_deref(),
        Some(&json!({"doubled": 8, "run": "o1"}))
    );
}

#[tokio::test]
async fn failing_step_fails_the_run_and_skips_the_rest() {
    let e = engine();
    e.start("bad", json!({"v": "now"}), "b1").unwrap();
    let done = deadline(e.wait("b1")).await.unwrap().unwrap();
    assert_eq!(done.status, RunStatus::Failed);
    let err = done.error.unwrap();
    assert_eq!(err.code, "STEP_ERROR");
    assert_eq!(err.message, "declined now");
    assert_eq!(err.step.as_deref(), Some("charge"));
    let statuses: Vec<_> = done.steps.iter().map(|s| s.status).collect();
    assert_eq!(
        statuses,
        [
            StepStatus::Completed,
            StepStatus::Failed,
            StepStatus::Skipped
        ]
    );
}

#[tokio::test]
async fn retry_starts_from_the_failed_step() {
    let e = engine();
    e.start("bad", json!({"v": 1}), "b1").unwrap();
    deadline(e.wait("b1")).await.unwrap().unwrap();
    let retry = e.retry("b1", "b2", Map::new()).unwrap();
    assert_eq!(retry.retry_of.as_deref(), Some("b1"));
    let done = deadline(e.wait("b2")).await.unwrap().unwrap();
    assert_eq!(done.status, RunStatus::Failed);
    assert_eq!(done.steps[0].status, StepStatus::Completed);
    assert_eq!(*done.input, json!({"v": 1}));
    let events = e.events("b2").unwrap();
    let started: Vec<_> = events
        .iter()
        .filter_map(|ev| match &ev.kind {
            EventKind::StepStarted { step } => Some(&**step),
            _ => None,
        })
        .collect();
    assert_eq!(started, ["charge"]);
}

#[tokio::test]
async fn cancel_ends_a_running_run_once() {
    let e = engine();
    e.start("slow", json!({}), "s1").unwrap();
    deadline(e.wait_until("s1", |s| s.status == RunStatus::Running))
        .await
        .unwrap()
        .unwrap();
    let cancelled = e.cancel("s1").unwrap();
    assert_eq!(cancelled.status, RunStatus::Cancelled);
    assert_eq!(cancelled.steps[0].status, StepStatus::Failed);
    assert_eq!(
        e.cancel("s1").unwrap_err(),
        EngineError::InvalidStatus(RunStatus::Cancelled)
    );
    assert_eq!(e.cancel("nope").unwrap_err(), EngineError::RunNotFound);
}

#[tokio::test]
async fn timeout_ends_the_run_timed_out() {
    let e = engine();
    e.start("timeout", json!({}), "t1").unwrap();
    let done = deadline(e.wait("t1")).await.unwrap().unwrap();
    assert_eq!(done.status, RunStatus::TimedOut);
    assert_eq!(done.error.unwrap().code, "TIMEOUT");
}

#[tokio::test]
async fn duplicate_and_unknown_ids_are_refused() {
    let e = engine();
    assert_eq!(
        e.start("missing", json!({}), "x").unwrap_err(),
        EngineError::WorkflowNotFound
    );
    e.start("ok", json!({}), "x").unwrap();
    assert_eq!(
        e.start("ok", json!({}), "x").unwrap_err(),
        EngineError::DuplicateRun
    );
    assert!(e.snapshot("nope").is_none());
    assert!(e.subscribe("nope", 0).is_none());
}

#[tokio::test]
async fn subscribe_replays_missed_events_then_ends() {
    let e = engine();
    e.start("bad", json!({}), "b1").unwrap();
    let all: Vec<RunEvent> = deadline(e.subscribe("b1", 0).unwrap().collect::<Vec<_>>())
        .await
        .unwrap();
    let seqs: Vec<u64> = all.iter().map(|ev| ev.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    assert!(matches!(all[0].kind, EventKind::Created));
    assert!(matches!(
        all.last().unwrap().kind,
        EventKind::Finished {
            status: RunStatus::Failed,
            ..
        }
    ));
    let tail: Vec<RunEvent> = deadline(e.subscribe("b1", 3).unwrap().collect::<Vec<_>>())
        .await
        .unwrap();
    assert_eq!(tail.first().unwrap().seq, 4);
    assert_eq!(tail.len(), all.len() - 3);
}

#[tokio::test]
async fn many_concurrent_runs_reach_their_final_states() {
    let e = engine();
    for i in 0..60 {
        let wf = if i % 2 == 0 { "ok" } else { "bad" };
        e.start(wf, json!({"v": i}), format!("c{i}")).unwrap();
    }
    for i in 0..60 {
        let done = deadline(e.wait(&format!("c{i}"))).await.unwrap().unwrap();
        let want = if i % 2 == 0 {
            RunStatus::Succeeded
        } else {
            RunStatus::Failed
        };
        assert_eq!(done.status, want);
    }
    assert_eq!(e.list_runs().len(), 60);
}

#[tokio::test]
async fn workflows_can_be_replaced_and_removed() {
    let e = engine();
    let old = e
        .put_workflow(Workflow::new("ok", "Renamed", vec![]))
        .unwrap();
    assert_eq!(old.name, "Ok");
    assert_eq!(e.workflow("ok").unwrap().name, "Renamed");
    let updated = e
        .update_workflow("ok", |w| w.name = "Again".into())
        .unwrap();
    assert_eq!(updated.name, "Again");
    assert!(e.remove_workflow("ok").is_some());
    assert!(e.workflow("ok").is_none());
}

fn retention(max_finished_runs: usize, max_age: Duration) -> Retention {
    Retention {
        max_finished_runs,
        max_age,
        max_action_calls: 2,
    }
}

fn quick_and_slow(retention: Retention) -> Engine {
    Engine::with_retention(
        vec![
            Workflow::new(
                "quick",
                "Quick",
                vec![Step::action(
                    "a",
                    "crm",
                    "touch",
                    "t",
                    json!({"n": "{{input.n}}"}),
                )],
            ),
            Workflow::new("slow", "Slow", vec![Step::delay("d", 600_000)]),
        ],
        retention,
    )
}

#[tokio::test]
async fn finished_runs_past_the_count_are_evicted_oldest_first() {
    let e = quick_and_slow(retention(3, Duration::from_secs(3600)));
    e.start("slow", json!({}), "going").unwrap();
    for n in 0..5 {
        let id = format!("q{n}");
        e.start("quick", json!({"n": n}), id.as_str()).unwrap();
        deadline(e.wait(&id)).await.unwrap().unwrap();
    }
    assert_eq!(
        e.run_counts(),
        RunCounts {
            kept: 4,
            finished: 3
        }
    );
    assert!(e.snapshot("q0").is_none() && e.snapshot("q1").is_none());
    assert!(e.events("q1").is_none());
    let ids: Vec<String> = e.list_runs().iter().map(|r| r.id.to_string()).collect();
    assert_eq!(
        ids,
        ["going", "q2", "q3", "q4"],
        "a run still going is kept"
    );
    // An evicted id is free again, and the action log keeps only the newest.
    e.start("quick", json!({"n": 9}), "q0").unwrap();
    deadline(e.wait("q0")).await.unwrap().unwrap();
    let params: Vec<Value> = e.action_calls().into_iter().map(|c| c.params).collect();
    assert_eq!(params, [json!({"n": 4}), json!({"n": 9})]);
}

#[tokio::test(start_paused = true)]
async fn finished_runs_older_than_max_age_are_evicted() {
    let e = quick_and_slow(retention(100, Duration::from_secs(60)));
    e.start("slow", json!({}), "going").unwrap();
    for id in ["a", "b"] {
        e.start("quick", json!({}), id).unwrap();
        deadline(e.wait(id)).await.unwrap().unwrap();
    }
    tokio::time::advance(Duration::from_secs(30)).await;
    e.start("quick", json!({}), "c").unwrap();
    deadline(e.wait("c")).await.unwrap().unwrap();
    assert_eq!(e.run_counts().finished, 3);
    tokio::time::advance(Duration::from_secs(31)).await;
    let ids: Vec<String> = e.list_runs().iter().map(|r| r.id.to_string()).collect();
    assert_eq!(ids, ["going", "c"]);
    assert_eq!(
        e.run_counts(),
        RunCounts {
            kept: 2,
            finished: 1
        }
    );
}

#[tokio::test]
async fn a_removed_run_no_longer_counts() {
    let e = quick_and_slow(retention(2, Duration::from_secs(3600)));
    for id in ["a", "b"] {
        e.start("quick", json!({}), id).unwrap();
        deadline(e.wait(id)).await.unwrap().unwrap();
    }
    assert!(e.remove_run("a"));
    e.start("quick", json!({}), "c").unwrap();
    deadline(e.wait("c")).await.unwrap().unwrap();
    assert!(e.snapshot("b").is_some(), "b is one of the two kept");
    assert_eq!(e.run_counts().finished, 2);
}
