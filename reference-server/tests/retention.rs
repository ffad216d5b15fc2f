//! Retention through the faces: finished runs past the bound are gone from the
//! API, and an idempotency key outlives the run it started.

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{answer, n8n_api, send_email, start_run};
use trigger_sdk_reference_server::{ReferenceServer, creds, demo};

#[tokio::test]
async fn n8n_executions_past_the_bound_are_pruned() {
    let mut config = demo();
    config.retention.max_finished_runs = 5;
    let server = ReferenceServer::start(config).await.unwrap();
    for n in 0..20 {
        let mail = json!({"to": format!("u{n}@example.com"), "subject": "hi"});
        let (status, _) = answer(send_email(&server).json(&mail)).await;
        assert_eq!(status, StatusCode::OK, "lastNode answers every call");
    }
    assert_eq!(server.engine().run_counts().finished, 5);
    let (_, listed) = answer(n8n_api(&server, "/executions")).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 5);
    server.shutdown().await;
}

#[tokio::test]
async fn an_idempotency_key_outlives_its_evicted_run() {
    let mut config = demo();
    config.retention.max_finished_runs = 1;
    let server = ReferenceServer::start(config).await.unwrap();
    let run = |body: Value| answer(start_run(&server, creds::RUNS_FAILING).json(&body));
    let (status, first) = run(json!({"idempotencyKey": "k1"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let first_id = first["data"]["runId"].as_str().unwrap().to_owned();
    server.engine().wait(&first_id).await.unwrap();
    let (_, second) = run(json!({})).await;
    let second_id = second["data"]["runId"].as_str().unwrap().to_owned();
    server.engine().wait(&second_id).await.unwrap();
    assert!(
        server.engine().snapshot(&first_id).is_none(),
        "evicted by the second"
    );
    let (status, replay) = run(json!({"idempotencyKey": "k1"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(replay["data"]["runId"], first_id.as_str());
    assert_eq!(
        server.engine().run_counts().kept,
        1,
        "the replay started nothing"
    );
    server.shutdown().await;
}
