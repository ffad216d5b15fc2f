//! Every exit code, each from a real answer of the reference server (or a
//! refusal before anything is sent), with the typed error's message on stderr.

use crate::support::{Fixture, Run, order};

/// One invocation: its arguments, the variables it lacks, the exit code and
/// what stderr says.
struct Row {
    args: Vec<String>,
    unset: &'static [&'static str],
    code: i32,
    stderr: &'static str,
}

/// The argument parser's own message (several lines, with a usage hint).
const CLAP: &str = "\"soon\" is not a duration";

fn row(args: &[&str], code: i32, stderr: &'static str) -> Row {
    Row {
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        unset: &[],
        code,
        stderr,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_exit_code_from_the_reference_server() {
    let fx = Fixture::start().await;
    let data = order("cus_exit").to_string();
    std::fs::write(fx.path("bad.json"), "{\"customerId\": ").expect("writes");
    std::fs::write(fx.path("bad-items.jsonl"), format!("{data}\nnot json\n")).expect("writes");
    let rows = vec![
        // 1: the run failed on the platform.
        row(&["run", "failing", "--wait", "30s"], 1, "Card declined"),
        // 2: usage and configuration errors, each naming the problem.
        row(&["run", "nope"], 2, "unknown target \"nope\""),
        row(
            &["run", "orders", "--data", "{\"customerId\":"],
            2,
            "--data is not valid JSON",
        ),
        row(
            &["run", "orders", "--data", "@missing.json"],
            2,
            "cannot read the --data file missing.json",
        ),
        row(
            &["run", "orders", "--data", "@bad.json"],
            2,
            "the --data file bad.json is not valid JSON",
        ),
        Row {
            unset: &["T_RUNS_KEY"],
            ..row(&["run", "orders"], 2, "T_RUNS_KEY (api_key_env) is not set")
        },
        row(&["run", "orders", "--wait", "soon"], 2, CLAP),
        row(
            &["run", "email", "--idempotency-key", "k1"],
            2,
            "n8n takes no idempotency key",
        ),
        row(
            &["list", "welcome"],
            2,
            "ToolJet has no endpoint that lists",
        ),
        row(
            &["--config", "absent.toml", "run", "orders"],
            2,
            "cannot read the config file absent.toml",
        ),
        row(
            &[
                "batch",
                "orders",
                "--from",
                "bad-items.jsonl",
                "--journal",
                "j.jsonl",
            ],
            2,
            "bad-items.jsonl line 2 is not valid JSON",
        ),
        // 3: the deadline passed; the run id was printed first.
        row(&["run", "slow", "--wait", "300ms"], 3, "timed out"),
        // 4: the start was sent and its answer never came.
        row(
            &["run", "slow-hook", "--wait", "500ms"],
            4,
            "ambiguous outcome",
        ),
        // 5: credentials rejected (wrong key: 401; key without the scope: 403).
        row(&["run", "wrong-key", "--data", &data], 5, "unauthorized"),
        row(&["run", "read-only", "--data", &data], 5, "forbidden"),
        // 6: any other API error.
        row(&["status", "orders", "run_does_not_exist"], 6, "not found"),
        row(
            &["run", "orders", "--data", "{\"customerId\": 1}"],
            6,
            "validation failed",
        ),
    ];
    for row in rows {
        let args: Vec<&str> = row.args.iter().map(String::as_str).collect();
        let run = fx.trigger_with(&args, &[], row.unset).await;
        assert_eq!(run.code, row.code, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains(row.stderr),
            "{args:?}: stderr lacks {:?}: {run:?}",
            row.stderr
        );
        if row.code == 3 {
            assert!(
                run.first_line().starts_with("run_"),
                "the id comes first: {run:?}"
            );
        }
        if row.stderr == CLAP {
            continue;
        }
        let errors = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("trigger: error: "));
        assert_eq!(errors.count(), 1, "{args:?}: one error line: {run:?}");
        if row.code == 2 {
            assert_eq!(
                run.stderr.lines().count(),
                1,
                "{args:?}: a one-line message: {run:?}"
            );
        }
    }
    assert!(
        fx.runs_of("wf_customer_order").is_empty(),
        "no refused call started a run"
    );
    assert_eq!(
        fx.runs_of(crate::support::SLOW_HOOK).len(),
        1,
        "the ambiguous call was sent once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_is_started_followed_read_listed_and_cancelled() {
    let fx = Fixture::start().await;
    let data = order("cus_ok").to_string();

    // 0: started and waited for; the id, the status, the output.
    let run = fx
        .trigger(&["run", "orders", "--data", &data, "--wait", "30s"])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    let id = lines[0].to_owned();
    assert!(id.starts_with("run_"), "{run:?}");
    assert_eq!(lines[1], "succeeded", "{run:?}");
    let output: serde_json::Value = serde_json::from_str(lines[2]).expect("output is JSON");
    assert!(
        output["subject"]
            .as_str()
            .unwrap_or_default()
            .contains("Order Confirmed"),
        "{output}"
    );

    // The same run by id, in other processes.
    let status = fx
        .trigger(&["--output", "json", "status", "orders", &id])
        .await;
    assert_eq!(
        (status.code, status.json()["status"].as_str()),
        (0, Some("succeeded")),
        "{status:?}"
    );
    let wait = fx
        .trigger(&["wait", "orders", &id, "--timeout", "10s"])
        .await;
    assert_eq!(wait.code, 0, "{wait:?}");
    let list = fx.trigger(&["--output", "json", "list", "orders"]).await;
    assert_eq!(list.code, 0, "{list:?}");
    let listed = list.json()["runs"].as_array().cloned().unwrap_or_default();
    assert!(listed.iter().any(|r| r["runId"] == id.as_str()), "{list:?}");

    // The targets are listed without reading a secret.
    let targets = fx.trigger_with(&["targets"], &[], &["T_RUNS_KEY"]).await;
    assert_eq!(targets.code, 0, "{targets:?}");
    assert!(
        targets
            .stdout
            .lines()
            .any(|l| l.starts_with("orders\truns\thttp://")),
        "{targets:?}"
    );

    // 0 without --wait: started; the run goes on.
    let slow = fx.trigger(&["run", "slow"]).await;
    assert_eq!(slow.code, 0, "{slow:?}");
    let slow_id = slow.first_line().to_owned();
    assert!(slow_id.starts_with("run_"), "{slow:?}");
    let cancel = fx.trigger(&["cancel", "slow", &slow_id]).await;
    assert_eq!(cancel.code, 0, "{cancel:?}");
    // A cancelled run is a run that did not succeed: 1.
    let status = fx.trigger(&["status", "slow", &slow_id]).await;
    assert_eq!(
        (status.code, status.stdout.trim()),
        (1, "cancelled"),
        "{status:?}"
    );

    // An n8n onReceived run, followed through the API (the marker search).
    let follow = fx
        .trigger(&[
            "--output",
            "json",
            "run",
            "email-async",
            "--data",
            r#"{"to": "ada@example.com"}"#,
            "--follow",
            "--wait",
            "30s",
        ])
        .await;
    assert_eq!(follow.code, 0, "{follow:?}");
    let doc = follow.json();
    assert_eq!(doc["status"], "succeeded", "{doc}");
    // n8n's execution output: the last node's items.
    assert_eq!(doc["output"][0]["to"], "ada@example.com", "{doc}");
    assert!(
        doc["runId"].as_str().is_some_and(|id| !id.is_empty()),
        "the execution was found: {doc}"
    );
    assert!(
        follow.stderr.contains("email-async: "),
        "plain progress lines: {follow:?}"
    );

    // n8n and Flowmatic list their runs through their REST APIs; a target
    // without the API's credential says which key it needs.
    let listed = |list: &Run| -> Vec<String> {
        assert_eq!(list.code, 0, "{list:?}");
        list.json()["runs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["runId"].as_str().map(str::to_owned))
            .collect()
    };
    let list = fx
        .trigger(&["--output", "json", "list", "email-async"])
        .await;
    assert!(listed(&list).contains(&doc["runId"].as_str().unwrap_or_default().to_owned()));
    let signup = fx
        .trigger(&["run", "signup", "--data", r#"{"event": "user.created"}"#])
        .await;
    assert_eq!(signup.code, 0, "{signup:?}");
    let list = fx.trigger(&["--output", "json", "list", "signup"]).await;
    assert!(
        listed(&list).contains(&signup.first_line().to_owned()),
        "{signup:?} {list:?}"
    );
    let untokened = fx.trigger(&["list", "signup-get"]).await;
    assert_eq!(untokened.code, 2, "{untokened:?}");
    assert!(untokened.stderr.contains("token_env"), "{untokened:?}");
}
