//! SDK overhead against raw `reqwest`, measured in the same run on the same
//! loopback server, plus HMAC signing throughput. Run with
//! `cargo bench --bench overhead`; it prints the ratio, it asserts nothing.

use std::time::{Duration, Instant};

use axum::{Router, routing::post};
use trigger_sdk::{Auth, Provider, Secret, Transport, signature::sign_sha256};

const REQUESTS: usize = 2_000;
const ROUNDS: usize = 5;

async fn serve() -> String {
    let app = Router::new().route("/hook", post(|body: axum::body::Bytes| async move { body }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    format!("http://{addr}")
}

fn per_request(total: Duration) -> f64 {
    total.as_secs_f64() * 1e6 / REQUESTS as f64
}

#[tokio::main]
async fn main() {
    let base = serve().await;
    let body = serde_json::to_vec(&serde_json::json!({"to": "a@example.com", "subject": "hi"}))
        .expect("json");

    let raw = reqwest::Client::new();
    let url = format!("{base}/hook");
    // Warm both connection pools first.
    let transport = Transport::builder(Provider::new("bench"), base.clone())
        .auth(Auth::header("x-webhook-secret", Secret::new("demo")))
        .build()
        .expect("transport");
    let sdk_url = transport.url("hook").expect("url");
    for _ in 0..50 {
        raw.post(&url)
            .body(body.clone())
            .send()
            .await
            .expect("raw")
            .bytes()
            .await
            .expect("raw body");
    }

    // Alternate the two clients over several rounds and keep each one's
    // best round, so warm-up and background load do not favour either.
    let mut raw_time = Duration::MAX;
    let mut sdk_time = Duration::MAX;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..REQUESTS {
            let answer = raw
                .post(&url)
                .header("x-webhook-secret", "demo")
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .expect("raw");
            answer.bytes().await.expect("raw body");
        }
        raw_time = raw_time.min(start.elapsed());

        let start = Instant::now();
        for _ in 0..REQUESTS {
            transport
                .post(sdk_url.clone())
                .body(body.clone(), Some("application/json"))
                .send()
                .await
                .expect("sdk");
        }
        sdk_time = sdk_time.min(start.elapsed());
    }

    println!("POST round trip, best of {ROUNDS} rounds of {REQUESTS} requests on loopback:");
    println!(
        "  raw reqwest      {:8.1} µs/request",
        per_request(raw_time)
    );
    println!(
        "  sdk Transport    {:8.1} µs/request",
        per_request(sdk_time)
    );
    println!(
        "  ratio sdk/raw    {:8.3}",
        sdk_time.as_secs_f64() / raw_time.as_secs_f64()
    );

    let secret = Secret::new("whsec_demo_secret");
    let payload = vec![b'x'; 4096];
    let start = Instant::now();
    let mut n = 0usize;
    for _ in 0..20_000 {
        n += sign_sha256(&secret, &payload).len();
    }
    let sign_time = start.elapsed();
    println!(
        "HMAC-SHA256 over 4 KiB: {:.2} µs/signature ({n} hex chars)",
        sign_time.as_secs_f64() * 1e6 / 20_000.0
    );
}
