//! `trigger batch`: killed halfway and rerun, every line has exactly one run;
//! a start whose answer was lost is resent with its key on the runs API and
//! reported, not resent, on a platform without keys.

use std::{collections::HashMap, io::Write, process::Stdio, time::Duration};

use serde_json::Value;

use crate::support::{Fixture, Run, journal_events, order, wait_until};

const LINES: usize = 12;

fn items(prefix: &str, n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| order(&format!("cus_{prefix}_{i:02}")).to_string())
        .collect()
}

/// `trigger --output json batch TARGET --from FROM --journal JOURNAL EXTRA…`.
fn batch_json<'a>(
    target: &'a str,
    from: &'a str,
    journal: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "--output",
        "json",
        "batch",
        target,
        "--from",
        from,
        "--journal",
        journal,
    ];
    args.extend_from_slice(extra);
    args
}

/// How many runs of `workflow` each customer has on the server.
fn runs_per_customer(fx: &Fixture, workflow: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for run in fx.runs_of(workflow) {
        let customer = run.input["customerId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        *counts.entry(customer).or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_killed_halfway_and_rerun_starts_each_line_once() {
    let fx = Fixture::start().await;
    let lines = items("kill", LINES);
    let file = fx.path("items.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").expect("writes");
    let journal = fx.path("journal.jsonl");
    let journal_arg = journal.display().to_string();

    // The batch reads stdin: it gets all lines but the last, so it cannot
    // finish before it is killed, whatever the machine's speed.
    let mut child = fx
        .command(&[
            "batch",
            "orders",
            "--from",
            "-",
            "--journal",
            &journal_arg,
            "--concurrency",
            "3",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("batch starts");
    let mut stdin = child.stdin.take().expect("stdin");
    for line in &lines[..LINES - 1] {
        writeln!(stdin, "{line}").expect("writes a line");
    }
    stdin.flush().expect("flushes");
    wait_until(
        Duration::from_secs(60),
        "three starts in the journal",
        || journal_events(&journal, "started").len() >= 3,
    )
    .await;
    child.kill().expect("killed");
    child.wait().expect("reaped");
    drop(stdin);
    let started_before = journal_events(&journal, "started").len();
    let sent_before = journal_events(&journal, "starting").len();
    eprintln!("killed with {sent_before} starts sent, {started_before} answered");
    assert!(
        started_before < LINES,
        "the batch was killed before its end"
    );

    let args = batch_json("orders", "items.jsonl", &journal_arg, &[]);
    let rerun = fx.trigger(&args).await;
    assert_eq!(rerun.code, 0, "{rerun:?}");
    let doc = rerun.json();
    let counts = &doc["counts"];
    let already = counts["already_started"].as_u64().unwrap_or(0);
    let started = counts["started"].as_u64().unwrap_or(0);
    assert!(
        already >= 3,
        "the journal's starts were not sent again: {doc}"
    );
    assert_eq!(already + started, LINES as u64, "{doc}");

    let per_customer = runs_per_customer(&fx, "wf_customer_order");
    assert_eq!(per_customer.len(), LINES, "{per_customer:?}");
    assert!(
        per_customer.values().all(|n| *n == 1),
        "one run per line: {per_customer:?}"
    );

    // A third run starts nothing.
    let again = fx.trigger(&args).await;
    assert_eq!(
        (
            again.code,
            again.json()["counts"]["already_started"].as_u64()
        ),
        (0, Some(LINES as u64)),
        "{again:?}"
    );
    assert_eq!(fx.runs_of("wf_customer_order").len(), LINES);
}

/// Rewrites the journal as if the process had died after sending each
/// start and before recording its answer.
fn lose_answers(path: &std::path::Path) {
    let text = std::fs::read_to_string(path).expect("journal");
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            serde_json::from_str::<Value>(l)
                .is_ok_and(|r| r["event"] != "started" && r["event"] != "finished")
        })
        .collect();
    std::fs::write(path, kept.join("\n") + "\n").expect("rewrites");
}

/// Runs the batch `args` (journal `journal`), which must exit 0 with
/// `count` lines counted as `counted`; loses the journal's answers
/// ([`lose_answers`]) and runs it again. Both passes.
async fn losing_answers(
    fx: &Fixture,
    args: &[&str],
    journal: &str,
    counted: &str,
    count: u64,
) -> (Run, Run) {
    let first = fx.trigger(args).await;
    assert_eq!(
        (first.code, first.json()["counts"][counted].as_u64()),
        (0, Some(count)),
        "{first:?}"
    );
    lose_answers(&fx.path(journal));
    let rerun = fx.trigger(args).await;
    (first, rerun)
}

fn run_ids(doc: &Value) -> Vec<String> {
    let mut ids: Vec<String> = doc["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["runId"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_answers_are_resent_with_their_key_or_reported() {
    let fx = Fixture::start().await;

    // runs API: resent with the same idempotency key, the same runs come back.
    std::fs::write(fx.path("orders.jsonl"), items("lost", 3).join("\n")).expect("writes");
    let args = batch_json(
        "orders",
        "orders.jsonl",
        "orders.journal",
        &["--wait", "30s"],
    );
    let (first, rerun) = losing_answers(&fx, &args, "orders.journal", "succeeded", 3).await;
    assert_eq!(rerun.code, 0, "{rerun:?}");
    assert_eq!(
        run_ids(&rerun.json()),
        run_ids(&first.json()),
        "the key gave back the same runs"
    );
    assert_eq!(fx.runs_of("wf_customer_order").len(), 3);

    // n8n takes no key: the lines whose answer was lost are reported, not resent.
    let emails = [
        r#"{"to": "a@example.com", "subject": "1"}"#,
        r#"{"to": "b@example.com", "subject": "2"}"#,
    ];
    std::fs::write(fx.path("emails.jsonl"), emails.join("\n")).expect("writes");
    let args = batch_json("email", "emails.jsonl", "emails.journal", &[]);
    let (_, rerun) = losing_answers(&fx, &args, "emails.journal", "started", 2).await;
    assert_eq!(rerun.code, 4, "{rerun:?}");
    assert_eq!(
        rerun.json()["counts"]["ambiguous"].as_u64(),
        Some(2),
        "{rerun:?}"
    );
    assert!(rerun.stderr.contains("2 ambiguous"), "{rerun:?}");
    assert_eq!(
        fx.runs_of("SendEmailDemo001").len(),
        2,
        "nothing was resent"
    );

    // Sent again only when asked to.
    let mut resend = args.to_vec();
    resend.push("--resend-ambiguous");
    let resent = fx.trigger(&resend).await;
    assert_eq!(resent.code, 0, "{resent:?}");
    assert_eq!(fx.runs_of("SendEmailDemo001").len(), 4);

    // A journal is the batch of one target.
    let other = fx
        .trigger(&[
            "batch",
            "orders",
            "--from",
            "emails.jsonl",
            "--journal",
            "emails.journal",
        ])
        .await;
    assert_eq!(other.code, 2, "{other:?}");
    assert!(
        other.stderr.contains("belongs to target \"email\""),
        "{other:?}"
    );
}
