//! One request written by one generic function into a [`Call`] (sent to a
//! recording server) and into a [`RequestPreview`]: the server receives
//! exactly what the preview shows — query, headers once each (the
//! transport's own included), secrets as values, body.

use trigger_sdk_core::{
    Auth, ClientOptions, PreviewValue, Provider, RequestPreview, RequestWriter, Secret, Transport,
    reqwest::{Method, Url},
};
use trigger_sdk_test_support::ok_server;

const KEY: &str = "sk-preview-secret-123";

/// A provider's request, written once.
fn write<W: RequestWriter>(new: impl FnOnce(Method, Url) -> W, url: Url) -> W {
    new(Method::POST, url)
        .query([("a", "1 2")])
        .header("x-request-id", "42")
        .header("content-type", "text/plain")
        .secret_header(
            "x-signature",
            PreviewValue::Signature(Secret::new("sha256=00ff")),
        )
        .json(&serde_json::json!({"n": 1}))
}

#[tokio::test]
async fn a_call_sends_what_the_preview_of_the_same_request_shows() {
    let server = ok_server().await;
    let transport = Transport::builder(Provider::new("preview"), &server.base)
        .options(ClientOptions::new().header("x-team", "ops"))
        .auth(Auth::header("x-api-key", Secret::new(KEY)))
        .build()
        .expect("transport");
    let url = transport.url("hooks/run").expect("url");
    let preview = write(RequestPreview::new, url.clone())
        .finish(&transport)
        .expect("valid");
    let names: Vec<&str> = preview.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "x-team",
            "x-api-key",
            "x-request-id",
            "x-signature",
            "Content-Type"
        ]
    );
    assert!(!preview.to_string().contains(KEY));
    assert!(!preview.to_string().contains("00ff"));

    write(|method, url| transport.call(method, url), url)
        .send()
        .await
        .expect("sent");
    let received = &server.received.requests()[0];
    assert_eq!(received.uri, "/hooks/run?a=1+2");
    assert_eq!(received.body.as_ref(), br#"{"n":1}"#);
    for (name, value) in &preview.headers {
        let sent: Vec<_> = received.headers.get_all(name.as_str()).iter().collect();
        assert_eq!(sent.len(), 1, "{name} sent once: {sent:?}");
        assert_eq!(
            sent[0].to_str().ok(),
            Some(value.expose().as_str()),
            "{name}"
        );
    }
}

#[tokio::test]
async fn an_invalid_secret_header_fails_the_call_without_showing_the_secret() {
    let server = ok_server().await;
    let transport = Transport::builder(Provider::new("preview"), &server.base)
        .build()
        .expect("transport");
    let err = transport
        .post(transport.url("x").expect("url"))
        .secret_header("x-key", PreviewValue::secret("", Secret::new("bad\nvalue")))
        .send()
        .await
        .expect_err("refused");
    assert!(matches!(err, trigger_sdk_core::Error::Config(_)), "{err:?}");
    assert!(!err.to_string().contains("bad"), "{err}");
    assert_eq!(server.received.count(), 0);
}
