use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    Extension, Router,
    body::{Body, Bytes},
    http::{Request, StatusCode},
    routing::post,
};
use futures::stream;
use serde_json::{Value, json};
use tower_service::Service as _;

use super::*;
use crate::signature::{self, InMemoryReplayStore, VerifyOptions};

const SECRET: &str = "whsec_demo_secret";
/// A body as a sender writes it: spacing and key order its own.
const RAW: &str = "{\"orderId\": 42,\n  \"event\":\"order.paid\", \"amount\" : 99.90}";

/// A router echoing what its handler saw: the raw bytes and the scheme.
fn echo() -> Router {
    Router::new().route(
        "/hook",
        post(
            |Extension(verified): Extension<Verified>, body: Bytes| async move {
                format!("{}:{}", verified.scheme, String::from_utf8_lossy(&body))
            },
        ),
    )
}

async fn send(app: &mut Router, request: Request<Body>) -> (StatusCode, Bytes) {
    let response = app.call(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, body)
}

fn post_with(header: &str, value: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post("/hook")
        .header(header, value)
        .body(body.into())
        .unwrap()
}

fn error_code(body: &Bytes) -> String {
    let value: Value = serde_json::from_slice(body).unwrap();
    value["error"]["code"].as_str().unwrap().to_owned()
}

fn flowmatic_app() -> Router {
    echo().layer(Verifier::flowmatic([SECRET, "whsec_old"]).unwrap().layer())
}

#[tokio::test]
async fn the_layer_accepts_the_raw_body_and_refuses_it_re_serialized() {
    let mut app = flowmatic_app();
    let sig = signature::sign_sha256(&Secret::new(SECRET), RAW.as_bytes());

    let (status, body) = send(&mut app, post_with("X-Webhook-Signature", &sig, RAW)).await;
    assert_eq!(status, StatusCode::OK);
    // The handler got the very bytes that were signed.
    assert_eq!(body, format!("sha256:{RAW}"));

    // Same JSON, parsed and serialized again: other bytes, refused.
    let reserialized = serde_json::to_string(&serde_json::from_str::<Value>(RAW).unwrap()).unwrap();
    assert_ne!(reserialized, RAW);
    let (status, body) = send(
        &mut app,
        post_with("X-Webhook-Signature", &sig, reserialized),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "INVALID_SIGNATURE");
}

#[tokio::test]
async fn the_layer_accepts_every_configured_secret_and_no_other() {
    let mut app = flowmatic_app();
    for (secret, expected) in [
        (SECRET, StatusCode::OK),
        ("whsec_old", StatusCode::OK),
        ("whsec_forged", StatusCode::UNAUTHORIZED),
    ] {
        let sig = signature::sign_sha256(&Secret::new(secret), RAW.as_bytes());
        let (status, _) = send(&mut app, post_with("X-Webhook-Signature", &sig, RAW)).await;
        assert_eq!(status, expected, "signed with {secret}");
    }
}

#[tokio::test]
async fn unsigned_and_malformed_requests_get_401_with_a_short_reason() {
    let mut app = flowmatic_app();
    let unsigned = Request::post("/hook").body(Body::from(RAW)).unwrap();
    let (status, body) = send(&mut app, unsigned).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        answer,
        json!({"error": {"code": "MISSING_SIGNATURE", "message": "missing webhook signature"}})
    );
    let (status, body) = send(&mut app, post_with("X-Webhook-Signature", "md5=00", RAW)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "MALFORMED_SIGNATURE");
    // Not a secret in sight.
    assert!(!String::from_utf8_lossy(&body).contains(SECRET));
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_before_any_signature_is_computed() {
    let verifier = Verifier::flowmatic([SECRET]).unwrap().max_body(16);
    let mut app = echo().layer(verifier.layer());
    let big = "x".repeat(17);
    let sig = signature::sign_sha256(&Secret::new(SECRET), big.as_bytes());
    // Declared by Content-Length…
    let declared = Request::post("/hook")
        .header("X-Webhook-Signature", &sig)
        .header("content-length", "17")
        .body(Body::from(big.clone()))
        .unwrap();
    let (status, body) = send(&mut app, declared).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "PAYLOAD_TOO_LARGE");
    // …or streamed without one.
    let chunks = stream::iter(["x".repeat(10), "x".repeat(7)].map(Ok::<_, std::io::Error>));
    let streamed = post_with("X-Webhook-Signature", &sig, Body::from_stream(chunks));
    let (status, _) = send(&mut app, streamed).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // At the limit: fine.
    let sixteen = "y".repeat(16);
    let sig = signature::sign_sha256(&Secret::new(SECRET), sixteen.as_bytes());
    let (status, _) = send(&mut app, post_with("X-Webhook-Signature", &sig, sixteen)).await;
    assert_eq!(status, StatusCode::OK);
}

fn unix(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn the_timestamped_scheme_checks_the_window_and_refuses_replays() {
    let store = Arc::new(InMemoryReplayStore::new());
    let scheme = Timestamped::new("Webhook-Signature", [SECRET])
        .unwrap()
        .tolerance(Duration::from_secs(300))
        .replay_store(store.clone());
    let mut app = echo().layer(Verifier::new(scheme).layer());
    let now = unix(SystemTime::now());

    let fresh = signature::sign_timestamped(&Secret::new(SECRET), now, RAW.as_bytes());
    let (status, body) = send(&mut app, post_with("Webhook-Signature", &fresh, RAW)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, format!("timestamped:{RAW}"));
    assert_eq!(store.len(), 1);

    let (status, body) = send(&mut app, post_with("Webhook-Signature", &fresh, RAW)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "REPLAYED_DELIVERY");

    let old = signature::sign_timestamped(&Secret::new(SECRET), now - 3600, RAW.as_bytes());
    let (status, body) = send(&mut app, post_with("Webhook-Signature", &old, RAW)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "EXPIRED_SIGNATURE");
}

#[tokio::test]
async fn the_timestamped_scheme_follows_a_fixed_clock() {
    let t = 1_700_000_000;
    let scheme = Timestamped::new("Webhook-Signature", [SECRET])
        .unwrap()
        .options(VerifyOptions {
            tolerance: Duration::from_secs(60),
            now: Some(UNIX_EPOCH + Duration::from_secs(t + 60)),
        });
    let verifier = Verifier::new(scheme);
    let header = signature::sign_timestamped(&Secret::new(SECRET), t, b"{}");
    let head = |value: &str| {
        Request::post("/")
            .header("webhook-signature", value)
            .body(())
            .unwrap()
            .into_parts()
            .0
    };
    assert_eq!(verifier.verify(&head(&header), b"{}"), Ok(()));
    let late = signature::sign_timestamped(&Secret::new(SECRET), t - 1, b"{}");
    assert!(matches!(
        verifier.verify(&head(&late), b"{}"),
        Err(SignatureError::Expired { .. })
    ));
}

#[derive(Clone)]
struct AppState {
    verifier: Verifier,
}

impl axum::extract::FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Verifier {
        state.verifier.clone()
    }
}

#[derive(serde::Deserialize)]
struct OrderPaid {
    #[serde(rename = "orderId")]
    order_id: u64,
}

fn extractor_app(verifier: Verifier) -> Router {
    Router::new()
        .route(
            "/hook",
            post(|VerifiedJson(event): VerifiedJson<OrderPaid>| async move {
                format!("order {}", event.order_id)
            }),
        )
        .route(
            "/raw",
            post(|VerifiedBody(body): VerifiedBody| async move { body }),
        )
        .with_state(AppState { verifier })
}

#[tokio::test]
async fn the_extractors_verify_then_decode() {
    let mut app = extractor_app(Verifier::flowmatic([SECRET]).unwrap());
    let sig = signature::sign_sha256(&Secret::new(SECRET), RAW.as_bytes());
    let (status, body) = send(&mut app, post_with("X-Webhook-Signature", &sig, RAW)).await;
    assert_eq!((status, body), (StatusCode::OK, Bytes::from("order 42")));

    let mut raw = Request::post("/raw")
        .header("X-Webhook-Signature", &sig)
        .body(Body::from(RAW))
        .unwrap();
    let (status, body) = send(&mut app, raw).await;
    assert_eq!((status, body), (StatusCode::OK, Bytes::from(RAW)));

    let forged = signature::sign_sha256(&Secret::new("whsec_forged"), RAW.as_bytes());
    let (status, _) = send(&mut app, post_with("X-Webhook-Signature", &forged, RAW)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Signed, but not the JSON the handler takes.
    let sig = signature::sign_sha256(&Secret::new(SECRET), b"[1, 2]");
    let (status, body) = send(&mut app, post_with("X-Webhook-Signature", &sig, "[1, 2]")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "INVALID_JSON");

    raw = Request::post("/raw").body(Body::from(RAW)).unwrap();
    let (status, _) = send(&mut app, raw).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn behind_the_layer_the_extractor_does_not_check_twice() {
    // With a replay store, a second check of the same delivery would be a replay.
    let scheme = Timestamped::new("Webhook-Signature", [SECRET])
        .unwrap()
        .replay_store(Arc::new(InMemoryReplayStore::new()));
    let verifier = Verifier::new(scheme);
    let mut app = extractor_app(verifier.clone()).layer(verifier.layer());
    let header = signature::sign_timestamped(
        &Secret::new(SECRET),
        unix(SystemTime::now()),
        RAW.as_bytes(),
    );
    let (status, body) = send(&mut app, post_with("Webhook-Signature", &header, RAW)).await;
    assert_eq!((status, body), (StatusCode::OK, Bytes::from("order 42")));
}

#[tokio::test]
async fn a_custom_scheme_plugs_in() {
    // Signs the path and the body, in its own header.
    let secrets = vec![Secret::new(SECRET)];
    let scheme = from_fn("path-and-body", move |head, body| {
        let header = head
            .headers
            .get("x-sig")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let signed = [head.uri.path().as_bytes(), b"\n", body].concat();
        signature::verify_sha256(header, &signed, &secrets)
    });
    let mut app = echo().layer(Verifier::new(scheme).layer());
    let good = signature::sign_sha256(&Secret::new(SECRET), format!("/hook\n{RAW}").as_bytes());
    let (status, body) = send(&mut app, post_with("x-sig", &good, RAW)).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, Bytes::from(format!("path-and-body:{RAW}")))
    );
    let body_only = signature::sign_sha256(&Secret::new(SECRET), RAW.as_bytes());
    let (status, _) = send(&mut app, post_with("x-sig", &body_only, RAW)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[test]
fn bad_configurations_are_typed_errors_and_secrets_never_print() {
    assert!(matches!(
        Verifier::flowmatic(Vec::<Secret>::new()),
        Err(crate::Error::Config(_))
    ));
    assert!(matches!(
        Sha256Body::new("bad header\n", [SECRET]),
        Err(crate::Error::Config(_))
    ));
    assert!(matches!(
        Timestamped::new("bad header\n", [SECRET]),
        Err(crate::Error::Config(_))
    ));
    assert!(matches!(
        Timestamped::new("Webhook-Signature", Vec::<Secret>::new()),
        Err(crate::Error::Config(_))
    ));
    let scheme = Timestamped::new("Webhook-Signature", [SECRET]).unwrap();
    let printed = format!(
        "{:?} {:?} {:?}",
        Verifier::flowmatic([SECRET]).unwrap(),
        Sha256Body::flowmatic([SECRET]).unwrap(),
        scheme
    );
    assert!(!printed.contains(SECRET), "{printed}");
}
