//! Receiving Flowmatic-style signed webhooks: a small axum server whose
//! router sits behind `trigger_sdk::verify`'s layer (feature `verify`). The
//! layer checks `X-Webhook-Signature: sha256=<hex>` over the raw body
//! (constant time, two secrets during a rotation) before the handler sees
//! anything, and answers 401 with a short reason otherwise. It is then sent
//! a request signed by the SDK's own Flowmatic sender, one signed with the
//! secret being rotated out, a tampered one (same signature, altered body)
//! and the signed JSON re-serialized (same data, other bytes): the last two
//! are refused.
//!
//! Needs no external service: the receiver runs in-process on a free port.
//!
//! ```text
//! cargo run --example flowmatic_receiver
//! ```

use axum::{Json, Router, routing::post};
use serde_json::{Value, json};
use trigger_sdk::Report;
use trigger_sdk::flowmatic::{FlowmaticWebhook, SIGNATURE_HEADER, WebhookAnswer};
use trigger_sdk::verify::Verifier;
use trigger_sdk::{Secret, TriggerRequest, signature};

/// Only verified requests get here, so the body can be parsed as it is.
async fn receive(Json(event): Json<Value>) -> Json<Value> {
    println!("  receiver: verified {event}");
    Json(json!({"received": true, "event": event["event"]}))
}

#[tokio::main]
async fn main() -> Result<(), Report> {
    // The current secret first, the one being rotated out second.
    let verifier = Verifier::flowmatic([Secret::new("whsec_new"), Secret::new("whsec_old")])?;
    let app = Router::new()
        .route("/api/webhooks/{id}", post(receive))
        .layer(verifier.layer());
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

    // 2. A valid signature over some bytes, sent with other bytes: tampered,
    //    and the same JSON re-serialized (spacing and order differ).
    let signed_body = r#"{"event": "order.paid",  "orderId": 42}"#;
    let sig = signature::sign_sha256(&Secret::new("whsec_new"), signed_body.as_bytes());
    let reserialized = serde_json::to_string(&serde_json::from_str::<Value>(signed_body)?)?;
    let client = reqwest::Client::new();
    for (what, body) in [
        (
            "tampered body",
            r#"{"event": "order.paid",  "orderId": 4200}"#.to_owned(),
        ),
        ("re-serialized body", reserialized),
        ("raw body", signed_body.to_owned()),
    ] {
        let response = client
            .post(format!("{base}/api/webhooks/orders"))
            .header(SIGNATURE_HEADER, &sig)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        let status = response.status();
        println!("{what}: HTTP {status} {}", response.text().await?);
        let expected = if what == "raw body" { 200 } else { 401 };
        if status.as_u16() != expected {
            return Err(format!("the {what} got {status}, not {expected}").into());
        }
    }
    Ok(())
}
