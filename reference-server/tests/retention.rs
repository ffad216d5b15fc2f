//! Retention through the faces: finished runs past the bound are gone from the
//! API, and an idempotency key outlives the run it started.

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::client;
use trigger_sdk_reference_server::{ReferenceServer, creds, demo};

#[tokio::test]
async fn n8n_executions_past_the_bound_are_pruned() {
    let mut config = demo();
    config.retention.max_finished_runs = 5;
    let server = ReferenceServer::start(config).await.unwrap();
    let url = format!("{}/webhook/send-email", server.n8n_url());
    for n in 0..20 {
        let r = client()
            .post(&url)
            .header(creds::N8N_WEBHOOK_HEADER, creds::N8N_WEBHOOK_SECRET)
            .json(&json!({"to": format!("u{n}@example.com"), "subject": "hi"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "lastNode answers every call");
    }
    assert_eq!(server.engine().run_counts().finished, 5);
    let listed: Value = client()
        .get(format!("{}/api/v1/executions", server.n8n_url()))
        .header("x-n8n-api-key", creds::N8N_API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 5);
    server.shutdown().await;
}

#[tokio::test]
async fn an_idempotency_key_outlives_its_evicted_run() {
    let mut config = demo();
    config.retention.max_finished_runs = 1;
    let server = ReferenceServer::start(config).await.unwrap();
    let run = |body: Value| {
        let url = format!(
            "{}/api/v1/workflows/{}/run",
            server.runs_url(),
            creds::RUNS_FAILING
        );
        async move {
            let r = client()
                .post(url)
                .header("x-api-key", creds::RUNS_API_KEY)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
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
