//! `--demo`: the binary starts the reference server itself; a target of
//! each platform runs to its end, and `--output json` parses.

use serde_json::json;

use crate::support::{Fixture, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_target_of_each_platform_runs_to_its_end() {
    // The fixture's directory only (its server is not used by --demo).
    let fx = Fixture::start().await;
    let rows = [
        (
            "runs/wf_customer_order",
            json!({"customerId": "cus_demo", "customerEmail": "ada@example.com",
                   "items": [{"productId": "p1", "quantity": 2, "price": 1999}]}),
            "/subject",
        ),
        (
            "n8n/send-email",
            json!({"to": "ada@example.com", "subject": "Welcome"}),
            "/to",
        ),
        (
            "tooljet/2f6c3e8a-1d4b-4c5e-9f7a-0b1c2d3e4f50",
            json!({"name": "Grace", "emp_id": 1906}),
            "/message",
        ),
        (
            "flowmatic/abc-123",
            json!({"event": "user.created", "userId": "u_42"}),
            "/event",
        ),
    ];
    for (target, data, field) in rows {
        let data = data.to_string();
        let run = run({
            let mut c = fx.command(&[
                "--demo", "--output", "json", "run", target, "--data", &data, "--wait", "30s",
            ]);
            c.env_clear();
            c
        })
        .await;
        assert_eq!(run.code, 0, "{target}: {run:?}");
        let doc = run.json();
        assert_eq!(doc["target"], target, "{doc}");
        assert_eq!(doc["status"], "succeeded", "{doc}");
        assert_eq!(doc["exitCode"], 0, "{doc}");
        assert!(
            doc["output"].pointer(field).is_some_and(|v| !v.is_null()),
            "{target}: {doc}"
        );
    }
    let targets = fx.trigger(&["--demo", "targets"]).await;
    assert_eq!(targets.code, 0, "{targets:?}");
    for name in [
        "runs/wf_customer_order",
        "n8n/send-email",
        "tooljet/2f6c3e8a-1d4b-4c5e-9f7a-0b1c2d3e4f50",
        "flowmatic/abc-123",
    ] {
        assert!(
            targets
                .stdout
                .lines()
                .any(|l| l.starts_with(&format!("{name}\t"))),
            "{name}: {targets:?}"
        );
    }
    let error = fx
        .trigger(&[
            "--demo",
            "--output",
            "json",
            "run",
            "runs/wf_failing",
            "--wait",
            "30s",
        ])
        .await;
    assert_eq!(error.code, 1, "{error:?}");
    let doc = error.json();
    assert_eq!(
        (doc["exitCode"].as_i64(), doc["error"]["kind"].as_str()),
        (Some(1), Some("run_failed")),
        "{doc}"
    );
    assert_eq!(doc["failure"]["step"], "charge", "{doc}");
}
