//! Library plumbing, admin endpoints, the binary, and bad input on every face.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{answer, client, eventually, serving, start_run, tooljet};
use trigger_sdk_reference_server::config::{Config, Step, Workflow};
use trigger_sdk_reference_server::{ReferenceServer, creds, demo};

#[tokio::test]
async fn face_urls_are_prefixes_of_one_listener() {
    let server = ReferenceServer::start_demo().await.unwrap();
    let base = server.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    assert_eq!(server.n8n_url(), format!("{base}/n8n"));
    assert_eq!(server.tooljet_url(), format!("{base}/tooljet"));
    assert_eq!(server.flowmatic_url(), format!("{base}/flowmatic"));
    assert_eq!(server.runs_url(), format!("{base}/runs"));
    let r = client()
        .get(format!("{base}/__admin/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "ok");
    let r = client()
        .get(format!("{base}/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    server.shutdown().await;
}

#[tokio::test]
async fn admin_arms_n8n_test_webhooks() {
    let server = ReferenceServer::start_demo().await.unwrap();
    let url = format!("{}/__admin/n8n/arm-test-webhook", server.base_url());
    let r = client()
        .post(&url)
        .json(&json!({"workflowId": creds::N8N_SEND_EMAIL}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.unwrap()["armed"],
        creds::N8N_SEND_EMAIL
    );
    let r = client()
        .post(&url)
        .json(&json!({"workflowId": "NoSuchWorkflow"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = client().post(&url).body("nope").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(server.arm_n8n_test_webhook(creds::N8N_ECHO_QUERY));
    assert!(!server.arm_n8n_test_webhook("NoSuchWorkflow"));
}

#[tokio::test]
async fn admin_lists_action_calls() {
    let server = ReferenceServer::start_demo().await.unwrap();
    let invoice = json!({"input": {"customerId": "cus_1", "amount": 120}});
    let (status, _) = answer(start_run(&server, creds::RUNS_CREATE_INVOICE).json(&invoice)).await;
    assert_eq!(status, StatusCode::CREATED);
    let url = format!("{}/__admin/actions", server.base_url());
    let calls = eventually("the invoice action is recorded", || async {
        let body: Value = client().get(&url).send().await.ok()?.json().await.ok()?;
        let calls = body["data"].as_array()?.clone();
        (!calls.is_empty()).then_some(calls)
    })
    .await;
    assert_eq!(calls[0]["connector"], "stripe");
    assert_eq!(calls[0]["action"], "createInvoice");
    assert_eq!(calls[0]["params"]["currency"], "usd");
    assert!(calls[0]["id"].as_str().unwrap().starts_with("inv_"));
}

/// A request with the demo's runs key and Flowmatic token (each face reads its own).
fn with_keys(req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    req.header("x-api-key", creds::RUNS_API_KEY).header(
        "authorization",
        format!("Bearer {}", creds::FLOWMATIC_TOKEN),
    )
}

#[tokio::test]
async fn undecodable_ids_and_wrong_methods_get_each_faces_shape() {
    use reqwest::Method;
    let server = ReferenceServer::start_demo().await.unwrap();
    let (runs, flowmatic, tooljet) = (
        server.runs_url(),
        server.flowmatic_url(),
        server.tooljet_url(),
    );
    let tooljet_bad = "/tooljet/api/v2/webhooks/workflows/%FF/status/x?a=1";
    #[rustfmt::skip]
    let rows: Vec<(Method, String, StatusCode, &str, Value)> = vec![
        (Method::GET, format!("{runs}/api/v1/runs/%FF%FE"), StatusCode::NOT_FOUND,
            "/error/code", json!("NOT_FOUND")),
        (Method::PUT, format!("{runs}/api/v1/runs"), StatusCode::METHOD_NOT_ALLOWED,
            "/success", json!(false)),
        (Method::GET, format!("{flowmatic}/api/v1/executions/%FF"), StatusCode::NOT_FOUND,
            "/error/code", json!("NOT_FOUND")),
        (Method::DELETE, format!("{flowmatic}/api/webhooks/abc-123"), StatusCode::METHOD_NOT_ALLOWED,
            "/error/code", json!("METHOD_NOT_ALLOWED")),
        (Method::GET, format!("{}{tooljet_bad}", server.base_url()), StatusCode::NOT_FOUND,
            "/path", json!(tooljet_bad)),
        (Method::GET, format!("{tooljet}/api/v2/webhooks/workflows/{}/trigger", creds::TOOLJET_WORKFLOW),
            StatusCode::NOT_FOUND, "/statusCode", json!(404)),
    ];
    for (method, url, status, pointer, expected) in rows {
        let (got, body) = answer(with_keys(client().request(method.clone(), &url))).await;
        assert_eq!(got, status, "{method} {url}: {body}");
        assert_eq!(
            body.pointer(pointer),
            Some(&expected),
            "{method} {url}: {body}"
        );
    }
}

#[tokio::test]
async fn garbage_never_stops_the_server() {
    let mut config = demo();
    config.body_limit = 64 * 1024;
    let server = ReferenceServer::start(config).await.unwrap();
    let http = client();
    let deep = format!("{}{}", "{\"a\":".repeat(5000), "}".repeat(5000));
    let bodies: Vec<Vec<u8>> = vec![
        b"\xff\xfe\x00garbage".to_vec(),
        deep.into_bytes(),
        vec![b'['; 70 * 1024],
        b"null".to_vec(),
        b"\"just a string\"".to_vec(),
        b"{\"input\": {\"items\": \"not a list\"}}".to_vec(),
    ];
    let targets = [
        format!(
            "{}/api/v1/workflows/{}/run",
            server.runs_url(),
            creds::RUNS_CUSTOMER_ORDER
        ),
        format!(
            "{}/api/webhooks/{}",
            server.flowmatic_url(),
            creds::FLOWMATIC_SYNC_WEBHOOK
        ),
        format!("{}/api/v1/workflows", server.flowmatic_url()),
        format!(
            "{}/api/v2/webhooks/workflows/{}/trigger-async?environment=development",
            server.tooljet_url(),
            creds::TOOLJET_WORKFLOW
        ),
    ];
    for target in &targets {
        for body in &bodies {
            let r = with_keys(http.post(target))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = r.status();
            assert!(
                status.is_client_error() || status.is_success(),
                "{target}: {status}"
            );
            if status != StatusCode::PAYLOAD_TOO_LARGE || !target.contains("tooljet") {
                let _: Value = r.json().await.unwrap();
            }
        }
    }
    // Still serving, and other runs are unaffected.
    let r = http
        .post(format!(
            "{}/api/webhooks/{}",
            server.flowmatic_url(),
            creds::FLOWMATIC_SYNC_WEBHOOK
        ))
        .json(&json!({"data": {"orderId": "still-alive"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["orderId"], "still-alive");
}

#[tokio::test]
async fn shutdown_returns_with_a_stream_still_open() {
    let config = serving([Workflow::new(
        "00000000-0000-4000-8000-00000000abcd",
        "Forever",
        vec![Step::delay("wait", 600_000)],
    )
    .on_tooljet(tooljet("tok"))]);
    let server = ReferenceServer::start(config).await.unwrap();
    let base = format!(
        "{}/api/v2/webhooks/workflows/00000000-0000-4000-8000-00000000abcd",
        server.tooljet_url()
    );
    let started: Value = client()
        .post(format!("{base}/trigger-async?environment=development"))
        .bearer_auth("tok")
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["workflow_execution_id"].as_str().unwrap();
    let stream = client()
        .get(format!("{base}/execution/{id}/stream"))
        .bearer_auth("tok")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    tokio::time::timeout(Duration::from_secs(60), server.shutdown())
        .await
        .unwrap();
    drop(stream);
}

#[test]
fn readme_fixture_is_a_valid_workflow() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("```json\n").unwrap() + "```json\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let wf: Workflow = serde_json::from_str(&readme[start..end]).unwrap();
    assert_eq!(wf.id, "wf_hello");
    assert_eq!(wf.steps.len(), 3);
    assert!(
        wf.runs.is_some() && wf.flowmatic.is_some() && wf.tooljet.is_some() && wf.n8n.is_some()
    );
}

/// The binary serves a fixture file and prints its base URL first.
#[tokio::test]
async fn binary_serves_a_fixture_file() {
    let dir = std::env::temp_dir().join(format!("refsrv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fixture = dir.join("fixture.json");
    std::fs::write(&fixture, serde_json::to_vec(&demo()).unwrap()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_reference-server"))
        .args([
            "--config",
            fixture.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .unwrap();
    let base = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{first}");
    let r = client()
        .post(format!(
            "{base}/flowmatic/api/webhooks/{}",
            creds::FLOWMATIC_SYNC_WEBHOOK
        ))
        .json(&json!({"data": {"orderId": "bin-1"}}))
        .send()
        .await
        .unwrap();
    let answer: Value = r.json().await.unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(answer, json!({"orderId": "bin-1", "status": "confirmed"}));
}

#[test]
fn binary_rejects_bad_arguments_and_fixtures() {
    let bin = env!("CARGO_BIN_EXE_reference-server");
    let out = Command::new(bin).arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let bad = std::env::temp_dir().join(format!("refsrv-bad-{}.json", std::process::id()));
    std::fs::write(&bad, "{not json").unwrap();
    let out = Command::new(bin)
        .args(["--config", bad.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    std::fs::remove_file(&bad).ok();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid fixture"));
    let out = Command::new(bin)
        .arg("--print-demo-config")
        .output()
        .unwrap();
    let printed: Config = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed.workflows.len(), demo().workflows.len());

    // Conventions: help and version on stdout with status 0.
    let out = Command::new(bin).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.starts_with("usage: reference-server"), "{help}");
    assert!(out.stderr.is_empty());
    let out = Command::new(bin).arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("reference-server {}", env!("CARGO_PKG_VERSION"))
    );

    // A fixture field nobody reads is refused, by name, at every level.
    let rows = [
        (json!({"body_limt": 1}), "body_limt"),
        (json!({"retention": {"max_runz": 5}}), "max_runz"),
        (json!({"n8n": {"versoin": "1.x"}}), "versoin"),
        (
            json!({"workflows": [{"id": "w", "name": "w", "steps": [], "n8m": {}}]}),
            "n8m",
        ),
    ];
    for (fixture, field) in rows {
        let path = std::env::temp_dir().join(format!(
            "refsrv-unknown-{}-{field}.json",
            std::process::id()
        ));
        std::fs::write(&path, fixture.to_string()).unwrap();
        let out = Command::new(bin)
            .arg(format!("--config={}", path.display()))
            .arg("--listen=127.0.0.1:0")
            .output()
            .unwrap();
        std::fs::remove_file(&path).ok();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{fixture}: {stderr}");
        assert!(
            stderr.contains(&format!("unknown field `{field}`")),
            "{fixture}: {stderr}"
        );
    }
}
