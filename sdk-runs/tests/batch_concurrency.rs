//! `run_many` keeps at most `concurrency` run requests in flight, and does
//! use that many. The server holds every request for a while (or until more
//! than `concurrency` are in flight, which ends the hold at once) and records
//! the most it ever saw at the same time: a client that sent more would show
//! all of them inside one hold; one that sent fewer would never reach the bound.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{Json, Router, extract::State, http::StatusCode, routing::post};
use serde_json::{Value, json};
use tokio::sync::Notify;
use trigger_sdk_runs::{RunRequest, RunsClient};

const CONCURRENCY: usize = 4;
/// How long the server holds a request (the window in which a client that
/// ignores its bound would send more).
const HOLD: Duration = Duration::from_millis(300);

#[derive(Default)]
struct Gate {
    in_flight: AtomicUsize,
    most: AtomicUsize,
    served: AtomicUsize,
    full: Notify,
}

async fn run(State(gate): State<Arc<Gate>>) -> (StatusCode, Json<Value>) {
    let now = gate.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    gate.most.fetch_max(now, Ordering::SeqCst);
    if now > CONCURRENCY {
        gate.full.notify_waiters();
    } else {
        let _ = tokio::time::timeout(HOLD, gate.full.notified()).await;
    }
    gate.in_flight.fetch_sub(1, Ordering::SeqCst);
    let n = gate.served.fetch_add(1, Ordering::SeqCst);
    (
        StatusCode::CREATED,
        Json(json!({"success": true, "data": {
            "runId": format!("run_{n}"), "status": "pending",
            "workflowId": "wf_batch", "workflowVersion": 1
        }})),
    )
}

#[tokio::test]
async fn run_many_never_exceeds_its_concurrency_and_reaches_it() {
    let gate = Arc::new(Gate::default());
    let app = Router::new()
        .route("/api/v1/workflows/{id}/run", post(run))
        .with_state(gate.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = RunsClient::new(format!("http://{addr}"), "wfk_test").unwrap();
    let items = (0..CONCURRENCY * 3).map(|n| ("wf_batch", RunRequest::new(json!({"n": n}))));
    let results = client.run_many(items, CONCURRENCY).await;

    assert_eq!(results.len(), CONCURRENCY * 3);
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(gate.served.load(Ordering::SeqCst), CONCURRENCY * 3);
    assert_eq!(gate.most.load(Ordering::SeqCst), CONCURRENCY);
}
