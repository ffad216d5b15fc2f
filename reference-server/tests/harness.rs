//! The contract-test harness: what arrived, expect-style counts with a
//! readable report, and faults injected per route — in Rust and over HTTP.

mod support;

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{answer, client};
use trigger_sdk_reference_server::harness::{Expectation, Fault, Route};
use trigger_sdk_reference_server::{ReferenceServer, creds};

/// A welcome mail to `to`, traced `trace-<to>`.
async fn send_email(server: &ReferenceServer, to: &str) -> reqwest::Result<reqwest::Response> {
    support::send_email(server)
        .header("x-trace", format!("trace-{to}"))
        .json(&json!({"to": to, "subject": "Welcome"}))
        .send()
        .await
}

#[tokio::test]
async fn runs_of_a_workflow_show_their_input_and_headers() {
    let server = ReferenceServer::start_demo().await.unwrap();
    send_email(&server, "ann@example.com").await.unwrap();
    send_email(&server, "bob@example.com").await.unwrap();
    let runs = server.runs_of(creds::N8N_SEND_EMAIL);
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].input["body"]["to"], "ann@example.com");
    assert_eq!(runs[1].headers["x-trace"], "trace-bob@example.com");
    assert!(server.runs_of(creds::N8N_BROKEN).is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn expectations_report_what_did_not_match() {
    let server = ReferenceServer::start_demo().await.unwrap();
    server.expect(
        Expectation::runs_of(creds::N8N_SEND_EMAIL)
            .with_input(json!({"body": {"to": "ann@example.com"}}))
            .times(2)
            .named("two mails to Ann"),
    );
    server.expect(Expectation::runs_of(creds::N8N_BROKEN).never());
    send_email(&server, "ann@example.com").await.unwrap();
    send_email(&server, "bob@example.com").await.unwrap();
    let report = server.verify().unwrap_err();
    let text = report.to_string();
    assert!(text.contains("1 of 2 expectations not met"), "{text}");
    assert!(
        text.contains("two mails to Ann (runs of \"SendEmailDemo001\" with input ⊇ {\"body\":{\"to\":\"ann@example.com\"}}): expected exactly 2, got 1"),
        "{text}"
    );
    assert!(
        text.contains("input.body.to is \"bob@example.com\", expected \"ann@example.com\""),
        "{text}"
    );
    send_email(&server, "ann@example.com").await.unwrap();
    assert!(server.verify().is_ok(), "{}", server.report());
    server.shutdown().await;
}

#[tokio::test]
async fn header_expectations_and_counts_survive_eviction() {
    let mut config = trigger_sdk_reference_server::demo();
    config.retention.max_finished_runs = 1;
    let server = ReferenceServer::start(config).await.unwrap();
    server.expect(
        Expectation::runs_of(creds::N8N_SEND_EMAIL)
            .with_header("X-Trace", "trace-ann@example.com")
            .at_least(3),
    );
    for _ in 0..3 {
        send_email(&server, "ann@example.com").await.unwrap();
    }
    assert_eq!(server.runs_of(creds::N8N_SEND_EMAIL).len(), 1);
    assert_eq!(server.report().expectations()[0].got, 3);
    server.verify().unwrap();
}

#[tokio::test]
async fn an_unmet_expectation_fails_the_test_when_the_server_is_dropped() {
    let server = ReferenceServer::start_demo().await.unwrap();
    server.expect(Expectation::runs_of(creds::N8N_SEND_EMAIL).times(1));
    let dropped = std::panic::catch_unwind(AssertUnwindSafe(|| drop(server)));
    let message = dropped.expect_err("the drop panics");
    let text = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(text.contains("expected exactly 1, got 0"), "{text}");
}

#[tokio::test]
async fn faults_answer_the_next_requests_then_the_route_recovers() {
    let server = ReferenceServer::start_demo().await.unwrap();
    let hook = Route::post("/n8n/webhook/send-email");
    server.inject(hook.clone(), Fault::status(503).times(2));
    server.inject(hook, Fault::too_many_requests(Duration::from_millis(1_500)));
    for _ in 0..2 {
        let r = send_email(&server, "a@example.com").await.unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    let r = send_email(&server, "a@example.com").await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "2");
    assert!(
        server.runs_of(creds::N8N_SEND_EMAIL).is_empty(),
        "faults start nothing"
    );
    let r = send_email(&server, "a@example.com").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(server.runs_of(creds::N8N_SEND_EMAIL).len(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn a_dropped_connection_runs_nothing_and_a_dropped_answer_runs_once() {
    let server = ReferenceServer::start_demo().await.unwrap();
    let hook = Route::post("/n8n/webhook/send-email");
    server.inject(hook.clone(), Fault::drop_connection());
    let e = send_email(&server, "a@example.com").await.unwrap_err();
    assert!(!e.is_status(), "{e:?}");
    assert!(server.runs_of(creds::N8N_SEND_EMAIL).is_empty());
    server.inject(hook, Fault::drop_answer());
    let e = send_email(&server, "a@example.com").await.unwrap_err();
    assert!(!e.is_status(), "{e:?}");
    assert_eq!(
        server.runs_of(creds::N8N_SEND_EMAIL).len(),
        1,
        "it ran, unseen"
    );
    // Other routes were never affected, and the route is normal again.
    let r = client()
        .get(format!("{}/__admin/health", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        send_email(&server, "a@example.com").await.unwrap().status(),
        200
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_delayed_request_is_answered_normally() {
    let server = ReferenceServer::start_demo().await.unwrap();
    server.inject(
        Route::any("/n8n/webhook/*"),
        Fault::delay(Duration::from_millis(50)),
    );
    let r = send_email(&server, "a@example.com").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["to"], "a@example.com");
    server.shutdown().await;
}

#[tokio::test]
async fn the_harness_over_http() {
    let server = ReferenceServer::start_demo().await.unwrap();
    let admin = |path: &str| format!("{}/__admin/{path}", server.base_url());
    let fault = json!({"method": "post", "path": "/n8n/webhook/send-email", "times": 1,
                       "fault": {"status": 429, "retryAfterMs": 3000}});
    let (status, _) = answer(client().post(admin("faults")).json(&fault)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, listed) = answer(client().get(admin("faults"))).await;
    assert_eq!(listed["data"][0]["route"], "POST /n8n/webhook/send-email");
    assert_eq!(listed["data"][0]["remaining"], 1);
    let expectation = json!({"workflowId": creds::N8N_SEND_EMAIL,
                             "input": {"body": {"to": "ann@example.com"}},
                             "headers": {"x-trace": "trace-ann@example.com"}, "times": 1});
    let (status, _) = answer(client().post(admin("expectations")).json(&expectation)).await;
    assert_eq!(status, StatusCode::CREATED);
    let r = send_email(&server, "ann@example.com").await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "3");
    let (status, body) = answer(client().get(admin("expectations"))).await;
    assert_eq!(status, StatusCode::EXPECTATION_FAILED);
    assert_eq!(body["expectations"][0]["got"], 0);
    assert!(
        body["report"]
            .as_str()
            .unwrap()
            .contains("expected exactly 1, got 0")
    );
    send_email(&server, "ann@example.com").await.unwrap();
    let (status, _) = answer(client().get(admin("expectations"))).await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("runs?workflowId={}", creds::N8N_SEND_EMAIL);
    let (_, runs) = answer(client().get(admin(&path))).await;
    assert_eq!(
        runs["data"][0]["headers"]["x-trace"],
        "trace-ann@example.com"
    );
    assert_eq!(runs["data"][0]["input"]["body"]["to"], "ann@example.com");
    assert_eq!(runs["data"][0]["status"], "succeeded");
    for path in ["faults", "expectations"] {
        let (status, _) = answer(client().delete(admin(path))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let bad = json!({"path": "no-slash", "fault": {"status": 503}});
    let (status, _) = answer(client().post(admin("faults")).json(&bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    server.shutdown().await;
}
