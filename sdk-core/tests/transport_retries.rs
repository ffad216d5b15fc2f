//! The retry rules of `Transport`, shown by counting what a mock server received.

use std::time::Duration;

use trigger_sdk_core::{Auth, Error, Provider, RetryPolicy, Secret, Transport};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path},
};

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(3)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .max_retry_after(Duration::from_secs(30))
        .jitter(false)
}

fn transport(base: &str) -> Transport {
    Transport::builder(Provider::new("test"), base)
        .retry(policy())
        .build()
        .expect("transport")
}

/// A transport for paused-clock tests. With a paused clock, time jumps to
/// the next pending timer whenever the runtime waits for I/O, so no timer may
/// be pending but the retry sleeps: no attempt or total timeout, no connect
/// timeout (our own client), no idle-pool timer. The paused clock then
/// advances exactly by the backoff or `Retry-After` waits.
fn paused_clock_transport(base: String, retry: RetryPolicy) -> Transport {
    let client = trigger_sdk_core::transport::http_client_builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    Transport::builder(Provider::new("test"), base)
        .client(client)
        .retry(retry)
        .timeouts(
            trigger_sdk_core::Timeouts::default()
                .connect(Duration::from_secs(5))
                .attempt(None)
                .total(None),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn safe_get_is_retried_on_5xx_until_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let t = transport(&server.uri());
    let answer = t.get(t.url("status").unwrap()).send().await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn keyed_post_is_retried_with_the_same_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let t = transport(&server.uri());
    let answer = t
        .post(t.url("run").unwrap())
        .header("idempotency-key", "key-1")
        .body(r#"{"idempotencyKey":"key-1"}"#, Some("application/json"))
        .keyed("key-1")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status, 201);
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 3);
    for r in &received {
        assert_eq!(r.headers.get("idempotency-key").unwrap(), "key-1");
        assert_eq!(r.body, br#"{"idempotencyKey":"key-1"}"#);
    }
}

#[tokio::test]
async fn unkeyed_post_is_not_retried_and_a_5xx_is_ambiguous() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>proxy</html>"))
        .mount(&server)
        .await;
    let t = transport(&server.uri());
    let err = t.post(t.url("hook").unwrap()).send().await.unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err:?}");
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.body(), Some("<html>proxy</html>"));
    assert_eq!(err.idempotency_key(), None);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn unkeyed_post_with_a_4xx_is_a_clean_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_string("no such hook"))
        .mount(&server)
        .await;
    let t = transport(&server.uri());
    let err = t.post(t.url("hook").unwrap()).send().await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn keyed_post_whose_retries_run_out_is_ambiguous_with_its_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let t = transport(&server.uri());
    let err = t
        .post(t.url("run").unwrap())
        .json(&serde_json::json!({"idempotencyKey": "k-7"}))
        .keyed("k-7")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err:?}");
    assert_eq!(err.idempotency_key(), Some("k-7"));
    assert!(err.to_string().contains("\"k-7\""), "{err}");
    // The first attempt and three retries, all with the same key.
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn unkeyed_post_that_times_out_is_ambiguous_after_one_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let t = Transport::builder(Provider::new("test"), server.uri())
        .retry(policy())
        .attempt_timeout(Some(Duration::from_secs(1)))
        .build()
        .unwrap();
    let err = t.post(t.url("hook").unwrap()).send().await.unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn unkeyed_post_is_retried_when_the_connection_is_refused() {
    // Bind then drop a listener: the port refuses connections.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    // Three retries back off 1 s + 2 s + 4 s of the paused clock.
    let t = paused_clock_transport(
        format!("http://{addr}"),
        policy()
            .initial_backoff(Duration::from_secs(1))
            .max_backoff(Duration::from_secs(60)),
    );
    let start = tokio::time::Instant::now();
    let err = t.post(t.url("hook").unwrap()).send().await.unwrap_err();
    // Never sent, so not ambiguous: a plain transport error after the retries.
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(7) && waited < Duration::from_secs(8),
        "three retries back off 1 + 2 + 4 s; waited {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_seconds_sets_the_delay() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "2"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let t = paused_clock_transport(server.uri(), policy());
    let start = tokio::time::Instant::now();
    let answer = t.get(t.url("x").unwrap()).send().await.unwrap();
    let waited = start.elapsed();
    assert_eq!(answer.status, 200);
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_millis(2500),
        "waited {waited:?} of the paused clock"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_cap_returns_the_429() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let t = transport(&server.uri());
    let err = t.get(t.url("x").unwrap()).send().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn auth_header_and_user_agent_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("x-n8n-api-key", "k-123"))
        .and(header(
            "user-agent",
            trigger_sdk_core::transport::USER_AGENT_VALUE,
        ))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let t = Transport::builder(Provider::N8n, format!("{}/prefix/", server.uri()))
        .auth(Auth::header("X-N8N-API-KEY", Secret::new("k-123")))
        .build()
        .unwrap();
    let url = t.url("api/v1/workflows").unwrap();
    assert_eq!(url.path(), "/prefix/api/v1/workflows");
    let answer = t.get(url).send().await.unwrap();
    assert_eq!(answer.status, 200);
    assert!(
        !trigger_sdk_core::transport::USER_AGENT_VALUE
            .to_lowercase()
            .contains("bot")
    );
}

#[tokio::test]
async fn rate_limiter_spaces_requests() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let t = Transport::builder(Provider::new("test"), server.uri())
        .rate_limit(Some(trigger_sdk_core::RateLimit::new(
            3,
            Duration::from_millis(300),
        )))
        .build()
        .unwrap();
    let start = std::time::Instant::now();
    for _ in 0..5 {
        t.get(t.url("x").unwrap()).send().await.unwrap();
    }
    // 3 at once, then 2 more at 100 ms each: the bucket made them wait.
    assert!(start.elapsed() >= Duration::from_millis(190));
    assert_eq!(server.received_requests().await.unwrap().len(), 5);
}
