//! The transport's safety rules at the edges, each proven against a hostile
//! loopback server: a redirect to a second listener, an endless body, a
//! silent server, plain http to a remote host, thousands of requests at once.

use std::time::Duration;

use futures::future::join_all;
use trigger_sdk_core::{
    Auth, ClientOptions, Error, Provider, Redirects, RetryPolicy, Secret, Transport,
};
use trigger_sdk_test_support::{
    self as hostile, carries, endless_server, holding_server, ok_server, redirect_server,
    silent_server,
};

const KEY: &str = "sk-edge-secret-123";

fn transport(base: &str, options: ClientOptions) -> Transport {
    Transport::builder(Provider::new("edge"), base)
        .options(options)
        .auth(Auth::header("x-api-key", Secret::new(KEY)))
        .build()
        .expect("transport")
}

fn quick() -> ClientOptions {
    ClientOptions::new().retry(
        RetryPolicy::default()
            .max_retries(2)
            .initial_backoff(Duration::from_millis(1))
            .jitter(false),
    )
}

#[tokio::test]
async fn no_redirect_to_another_origin_reaches_it_with_a_credential_or_a_body() {
    let target = ok_server().await;
    for status in [301, 302, 303, 307, 308] {
        let redirector = redirect_server(status, format!("{}/landing", target.base)).await;
        let t = transport(&redirector.base, quick());
        // A read.
        let err = t.get(t.url("runs/1").unwrap()).send().await.unwrap_err();
        assert!(matches!(&err, Error::Redirect { .. }), "{status}: {err:?}");
        assert!(err.to_string().contains("/landing"), "{err}");
        assert_eq!(err.status(), Some(status));
        // A request that can start a run, with a body and a signature.
        let err = t
            .post(t.url("hook").unwrap())
            .header("x-webhook-signature", "sha256=abc")
            .json(&serde_json::json!({"order": 1}))
            .send()
            .await
            .unwrap_err();
        assert!(matches!(&err, Error::Redirect { .. }), "{status}: {err:?}");
        assert_eq!(redirector.received.count(), 2, "{status}");
    }
    assert_eq!(
        target.received.count(),
        0,
        "the second listener saw a request"
    );
}

#[tokio::test]
async fn a_run_request_follows_no_redirect_even_within_the_origin() {
    let server = hostile::serve(|r| {
        if r.uri.starts_with("/new") {
            hostile::json(axum::http::StatusCode::CREATED, "{}")
        } else {
            axum::response::Response::builder()
                .status(307)
                .header("location", "/new")
                .body(axum::body::Body::empty())
                .unwrap()
        }
    })
    .await;
    let t = transport(&server.base, quick());
    let err = t
        .post(t.url("hook").unwrap())
        .json(&serde_json::json!({"n": 1}))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Redirect { location, .. } if location.ends_with("/new")),
        "{err:?}"
    );
    assert_eq!(server.received.count(), 1, "the POST was sent again");
    // A read follows it, with its credential, on the same origin.
    let answer = t.get(t.url("old").unwrap()).send().await.unwrap();
    assert_eq!(answer.status, 201);
    let requests = server.received.requests();
    assert_eq!(requests.last().unwrap().uri, "/new");
    assert!(carries(requests.last().unwrap(), KEY));
    // Unless redirects are off.
    let t = transport(&server.base, quick().redirects(Redirects::None));
    let err = t.get(t.url("old").unwrap()).send().await.unwrap_err();
    assert!(matches!(err, Error::Redirect { .. }), "{err:?}");
}

#[tokio::test]
async fn an_endless_answer_stops_at_the_cap() {
    let server = endless_server("application/json").await;
    let t = transport(&server.base, quick().max_answer_size(1024 * 1024));
    let err = t.get(t.url("runs/1").unwrap()).send().await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::TooLarge {
                limit: 1_048_576,
                status: Some(200),
                ..
            }
        ),
        "{err:?}"
    );
    // A too-large answer is not retried.
    assert_eq!(server.received.count(), 1);
}

#[tokio::test]
async fn the_total_timeout_covers_reading_the_body() {
    let server = endless_server("application/json").await;
    let options = quick()
        .max_answer_size(usize::MAX)
        .attempt_timeout(None)
        .total_timeout(Some(Duration::from_millis(300)));
    let t = transport(&server.base, options);
    let err = t.get(t.url("runs/1").unwrap()).send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn a_silent_server_is_a_timeout_for_reads_and_ambiguous_for_run_requests() {
    let server = silent_server().await;
    // Long enough for each request to reach the server on a loaded machine.
    let options = quick()
        .attempt_timeout(Some(Duration::from_secs(1)))
        .total_timeout(Some(Duration::from_secs(10)));
    let t = transport(&server.base, options);
    let err = t.get(t.url("runs/1").unwrap()).send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(
        server.received.count(),
        3,
        "a read is retried after a timeout"
    );

    let before = server.received.count();
    let err = t.post(t.url("hook").unwrap()).send().await.unwrap_err();
    assert!(err.may_have_started(), "{err:?}");
    assert!(err.to_string().contains("attempt timeout"), "{err}");
    assert_eq!(
        server.received.count() - before,
        1,
        "sent once, never again"
    );

    let before = server.received.count();
    let err = t
        .post(t.url("run").unwrap())
        .keyed("key-9")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.idempotency_key(), Some("key-9"), "{err:?}");
    assert_eq!(
        server.received.count() - before,
        3,
        "a keyed request is retried"
    );
}

#[tokio::test]
async fn a_call_deadline_bounds_everything() {
    let server = silent_server().await;
    let options = quick().timeouts(
        trigger_sdk_core::Timeouts::default()
            .attempt(None)
            .total(None),
    );
    let t = transport(&server.base, options);
    let deadline = tokio::time::Instant::now() + Duration::from_millis(150);
    let err = t
        .get(t.url("runs/1").unwrap())
        .deadline(deadline)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(tokio::time::Instant::now() >= deadline);
}

#[test]
fn credentials_over_plain_http_to_a_remote_host_need_an_opt_in() {
    for base in [
        "http://example.com",
        "http://10.1.2.3:8080",
        "http://192.168.0.10",
    ] {
        let err = Transport::builder(Provider::new("edge"), base)
            .auth(Auth::bearer(Secret::new(KEY)))
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("allow_insecure_http")),
            "{base}: {err}"
        );
        let err = Transport::builder(Provider::new("edge"), base)
            .carries_secret()
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{base}");
        assert!(
            Transport::builder(Provider::new("edge"), base)
                .options(ClientOptions::new().allow_insecure_http(true))
                .auth(Auth::bearer(Secret::new(KEY)))
                .build()
                .is_ok()
        );
        // Without a credential there is nothing to protect.
        assert!(
            Transport::builder(Provider::new("edge"), base)
                .build()
                .is_ok()
        );
    }
    for base in [
        "http://localhost:5678",
        "http://127.0.0.1:1",
        "http://[::1]:8080",
        "https://example.com",
    ] {
        assert!(
            Transport::builder(Provider::new("edge"), base)
                .auth(Auth::bearer(Secret::new(KEY)))
                .build()
                .is_ok(),
            "{base}"
        );
    }
}

#[tokio::test]
async fn requests_in_flight_are_capped_per_client() {
    let (server, most) = holding_server(Duration::from_millis(20)).await;
    let t = transport(&server.base, quick().max_concurrent_requests(4));
    let url = t.url("runs/1").unwrap();
    let calls = (0..40).map(|_| t.get(url.clone()).send());
    for result in join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(server.received.count(), 40);
    let most = most.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        (1..=4).contains(&most),
        "{most} requests were in flight at once"
    );
}

#[tokio::test]
async fn a_transport_error_shows_its_cause() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let t = transport(
        &format!("http://{addr}"),
        ClientOptions::new().retry(RetryPolicy::none()),
    );
    let err = t.get(t.url("x").unwrap()).send().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.to_lowercase().contains("connection refused"), "{text}");
    assert!(std::error::Error::source(&err).is_some());
}
