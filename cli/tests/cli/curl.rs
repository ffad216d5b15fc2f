//! `trigger curl`: the printed command holds no secret (the variables are
//! referenced), and — where curl is installed — it starts the same run when
//! a shell runs it.

use std::process::Command;

use crate::support::{FLOWMATIC_TOKEN, Fixture, SECRETS, order, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_commands_hide_secrets_and_work() {
    let fx = Fixture::start().await;
    let have_curl = Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_curl {
        eprintln!("curl is not installed: the printed commands are checked, not run");
    }
    let secrets: Vec<&str> = SECRETS
        .iter()
        .map(|(_, v)| *v)
        .chain([FLOWMATIC_TOKEN.1])
        .collect();
    let order_data = order("cus_curl").to_string();
    let rows = [
        (
            "orders",
            order_data.as_str(),
            "wf_customer_order",
            "${T_RUNS_KEY}",
        ),
        (
            "email",
            r#"{"to": "ada@example.com", "subject": "Hi"}"#,
            "SendEmailDemo001",
            "${T_N8N_SECRET}",
        ),
        (
            "welcome",
            r#"{"name": "Grace", "emp_id": 7}"#,
            "2f6c3e8a-1d4b-4c5e-9f7a-0b1c2d3e4f50",
            "${T_TOOLJET_TOKEN}",
        ),
        (
            "signup",
            r#"{"event": "user.created", "userId": "u_1"}"#,
            "wf-456",
            "X-Webhook-Signature: sha256=",
        ),
        (
            "signup-get",
            r#"{"event": "user.login", "userId": "u_2"}"#,
            "wf-456",
            "X-Webhook-Signature: sha256=",
        ),
    ];
    for (target, data, workflow, shown) in rows {
        let printed = fx.trigger(&["curl", target, "--data", data]).await;
        assert_eq!(printed.code, 0, "{target}: {printed:?}");
        let command = printed.stdout.trim().to_owned();
        assert!(command.starts_with("curl "), "{command}");
        assert!(command.contains(shown), "{target}: {command}");
        for secret in &secrets {
            assert!(
                !command.contains(secret),
                "{target} shows a secret: {command}"
            );
        }
        let revealed = fx
            .trigger(&["curl", target, "--data", data, "--show-secrets"])
            .await;
        assert!(
            secrets.iter().any(|s| revealed.stdout.contains(s)) || target.starts_with("signup"),
            "{revealed:?}"
        );

        if have_curl {
            let before = fx.runs_of(workflow).len();
            let mut shell = Command::new("sh");
            shell
                .arg("-c")
                .arg(format!("{command} --fail-with-body"))
                .envs(SECRETS);
            let answer = run(shell).await;
            assert_eq!(answer.code, 0, "{target}: {command}\n{answer:?}");
            assert_eq!(
                fx.runs_of(workflow).len(),
                before + 1,
                "{target}: {answer:?}"
            );
        }
    }
    let json = fx
        .trigger(&["--output", "json", "curl", "orders", "--data", &order_data])
        .await;
    assert!(
        json.json()["curl"]
            .as_str()
            .is_some_and(|c| c.contains("${T_RUNS_KEY}")),
        "{json:?}"
    );
}
