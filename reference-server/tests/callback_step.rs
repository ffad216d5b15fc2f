//! The demo callback workflow (`send-email-callback`): an `onReceived` n8n
//! webhook whose last step POSTs the result, signed, to the `callbackUrl`
//! of its input.

mod support;

use std::sync::{Arc, Mutex};

use axum::{Router, body::Bytes, http::HeaderMap, routing::post};
use serde_json::{Value, json};
use support::{client, eventually, finished_run, sign};
use trigger_sdk_reference_server::{ReferenceServer, creds, engine::RunStatus};

fn callback_hook(server: &ReferenceServer) -> reqwest::RequestBuilder {
    client().post(format!("{}/webhook/send-email-callback", server.n8n_url()))
}

#[tokio::test]
async fn the_demo_workflow_calls_back_signed_with_its_result() {
    let seen: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let kept = seen.clone();
    let receiver = Router::new().route(
        "/cb/{id}",
        post(move |headers: HeaderMap, body: Bytes| async move {
            kept.lock().unwrap().push((headers, body));
            axum::Json(json!({"received": true}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback_url = format!(
        "http://{}/cb/run-1?token=t0k",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let server = ReferenceServer::start_demo().await.unwrap();
    let answer = callback_hook(&server)
        .json(&json!({"to": "ada@example.com", "callbackUrl": callback_url}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.json::<Value>().await.unwrap(),
        json!({"message": "Workflow was started"})
    );

    let (headers, body) = eventually("the callback arrives", || async {
        seen.lock().unwrap().first().cloned()
    })
    .await;
    let signature = headers["x-webhook-signature"].to_str().unwrap();
    assert_eq!(signature, sign(creds::N8N_CALLBACK_SECRET, &body));
    let posted: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        posted["result"],
        json!({"sent": true, "to": "ada@example.com"})
    );
    let run = finished_run(&server, creds::N8N_CALLBACK).await;
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(posted["executionId"], &*run.id);
    assert_eq!(
        run.output.as_deref(),
        Some(&json!({"status": 200, "body": {"received": true}}))
    );
}

#[tokio::test]
async fn without_a_callback_url_the_last_step_fails_and_says_why() {
    let server = ReferenceServer::start_demo().await.unwrap();
    let answer = callback_hook(&server)
        .json(&json!({"to": "ada@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let run = finished_run(&server, creds::N8N_CALLBACK).await;
    assert_eq!(run.status, RunStatus::Failed);
    let error = run.error.unwrap();
    assert_eq!(error.step.as_deref(), Some("callback"));
    assert!(
        error.message.contains("not an http(s) URL"),
        "{}",
        error.message
    );
}
