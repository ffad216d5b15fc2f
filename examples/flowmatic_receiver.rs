//! Receiving Flowmatic-style signed webhooks: a small axum server verifies
//! `X-Webhook-Signature: sha256=<hex>` over the raw body with
//! `trigger_sdk::signature` (constant time, two secrets during a rotation),
//! before parsing anything. It is then sent a request signed by the SDK's own
//! Flowmatic sender, one signed with the secret being rotated out, and a
//! tampered one (same signature, altered body), which is refused with 401.
//!
//! Needs no external service: the receiver runs in-process on a free port.
//!
//! ```text
//! cargo run --example flowmatic_receiver
//! ```

use std::{error::Error, sync::Arc};

use axum::{Json, Router, body::Bytes, extract::State, http::HeaderMap, http::StatusCode};
use serde_json::{Value, json};
use trigger_sdk::flowmatic::{FlowmaticWebhook, SIGNATURE_HEADER, WebhookAnswer};
use trigger_sdk::{Secret, TriggerRequest, signature};

/// The current secret first, the one being rotated out second.
type Secrets = Arc<Vec<Secret>>;

async fn receive(
    State(secrets): State<Secrets>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    let header = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Err(why) = signature::verify_sha256(header, &body, &secrets) {
        println!("  receiver: refused ({why})");
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": why.to_string()})),
        );
    }
    // Only a verified body is parsed.
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "body is not JSON"})),
        );
    };
    println!("  receiver: verified {event}");
    (
        StatusCode::OK,
        Json(json!({"received": true, "event": event["event"]})),
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let secrets: Secrets = Arc::new(vec![Secret::new("whsec_new"), Secret::new("whsec_old")]);
    let app = Router::new()
        .route("/api/webhooks/{id}", axum::routing::post(receive))
        .with_state(secrets);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // 1. Signed by the SDK's sender, with the current and then the old secret.
    for secret in ["whsec_new", "whsec_old"] {
        let sender = FlowmaticWebhook::builder(&base, "orders")
            .secret(secret)
            .build()?;
        let answer = sender
            .send(TriggerRequest::new(
                json!({"event": "order.paid", "orderId": 42}),
            ))
            .await?;
        let WebhookAnswer::Responded(finished) = answer else {
            return Err("expected the receiver's own answer, got an acknowledgement".into());
        };
        println!(
            "signed with {secret}: HTTP {} {}",
            finished.outcome().http_status.unwrap_or_default(),
            finished.outcome().output
        );
    }

    // 2. Tampered: a valid signature for one body, sent with another.
    let signed_body = br#"{"event":"order.paid","orderId":42}"#;
    let sig = signature::sign_sha256(&Secret::new("whsec_new"), signed_body);
    let response = reqwest::Client::new()
        .post(format!("{base}/api/webhooks/orders"))
        .header(SIGNATURE_HEADER, sig)
        .header("content-type", "application/json")
        .body(r#"{"event":"order.paid","orderId":4200}"#)
        .send()
        .await?;
    println!("tampered body: HTTP {}", response.status());
    if response.status() != StatusCode::UNAUTHORIZED {
        return Err("the tampered request was not refused".into());
    }
    Ok(())
}
