//! `http_request` steps: one bounded HTTP exchange, as n8n's HTTP Request
//! node makes it (the callback at the end of a fire-and-forget workflow).
//!
//! The exchange runs on the run's own task and is bounded by the step's
//! timeout (connect, send and reading the answer together); no redirect is
//! followed and at most [`MAX_ANSWER`] bytes of the answer are read, so a
//! slow, silent or endless peer costs one run its step, never the server.

use std::time::Duration;

use serde_json::{Value, json};

/// The most of an answer an `http_request` step reads (64 KiB); the rest is
/// dropped.
pub(super) const MAX_ANSWER: usize = 64 * 1024;

/// The header carrying the body's signature when the step has a secret.
const SIGNATURE_HEADER: &str = "X-Webhook-Signature";

/// An `http_request` step with its templates rendered.
pub(super) struct Exchange<'a> {
    pub method: &'a str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// The JSON body, or `Null` for none.
    pub body: Value,
    pub secret: Option<&'a str>,
    pub timeout: Duration,
}

/// Why a step failed: the run error's code and message.
pub(super) type Failure = (&'static str, String);

/// The engine's HTTP client: no redirects, a connect timeout.
pub(super) fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| format!("the HTTP client could not be built: {e}"))
}

/// Sends the request; the output is `{"status": <code>, "body": <answer>}`
/// (JSON when the answer is JSON, else its text, `null` when empty).
pub(super) async fn send(
    client: &reqwest::Client,
    exchange: Exchange<'_>,
) -> Result<Value, Failure> {
    let url = reqwest::Url::parse(&exchange.url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| {
            (
                "HTTP_REQUEST_ERROR",
                format!("not an http(s) URL: {:?}", shown_text(&exchange.url)),
            )
        })?;
    let shown = shown(&url);
    let method = reqwest::Method::from_bytes(exchange.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| {
            (
                "HTTP_REQUEST_ERROR",
                format!("not an HTTP method: {:?}", exchange.method),
            )
        })?;
    let mut request = client
        .request(method.clone(), url)
        .timeout(exchange.timeout);
    for (name, value) in &exchange.headers {
        request = request.header(name, value);
    }
    if !exchange.body.is_null() {
        let body = serde_json::to_vec(&exchange.body).unwrap_or_default();
        if let Some(secret) = exchange.secret {
            request = request.header(
                SIGNATURE_HEADER,
                crate::flowmatic::signature::sign(secret, &body),
            );
        }
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let exchange_done = async {
        let mut response = request.send().await?;
        let status = response.status();
        let mut answer = Vec::new();
        while answer.len() < MAX_ANSWER {
            match response.chunk().await? {
                Some(chunk) => answer.extend_from_slice(&chunk),
                None => break,
            }
        }
        answer.truncate(MAX_ANSWER);
        Ok::<_, reqwest::Error>((status, answer))
    };
    let (status, answer) = match tokio::time::timeout(exchange.timeout, exchange_done).await {
        Err(_) => {
            return Err((
                "HTTP_TIMEOUT",
                format!(
                    "{method} {shown}: no answer within {} ms",
                    exchange.timeout.as_millis()
                ),
            ));
        }
        Ok(Err(e)) if e.is_timeout() => {
            return Err((
                "HTTP_TIMEOUT",
                format!(
                    "{method} {shown}: no answer within {} ms",
                    exchange.timeout.as_millis()
                ),
            ));
        }
        Ok(Err(e)) => {
            return Err((
                "HTTP_REQUEST_ERROR",
                format!("{method} {shown}: {}", e.without_url()),
            ));
        }
        Ok(Ok(done)) => done,
    };
    let body = if answer.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&answer)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&answer).into_owned()))
    };
    if !status.is_success() {
        return Err((
            "HTTP_ERROR",
            format!("{method} {shown} answered {}", status.as_u16()),
        ));
    }
    Ok(json!({"status": status.as_u16(), "body": body}))
}

/// The URL without its query and fragment (a callback token stays out of
/// run errors).
fn shown(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    let _ = url.set_password(None);
    url.to_string()
}

fn shown_text(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::{Router, body::Bytes, http::HeaderMap, http::StatusCode, routing::post};
    use serde_json::json;

    use super::MAX_ANSWER;
    use crate::config::{Step, StepKind, Workflow};
    use crate::engine::{Engine, RunSnapshot, RunStatus};

    type Seen = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

    /// A receiver on a free port answering `status` and `answer`, keeping
    /// what it was sent; its base URL.
    async fn receiver(status: StatusCode, answer: &'static str) -> (String, Seen) {
        let seen = Seen::default();
        let kept = seen.clone();
        let app = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| async move {
                kept.lock().unwrap().push((headers, body));
                (status, answer)
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, seen)
    }

    fn engine_with(step: Step) -> Engine {
        Engine::new(vec![Workflow::new(
            "cb",
            "Callback",
            vec![Step::transform("t", json!({"n": "{{input.n}}"})), step],
        )])
    }

    async fn run(engine: &Engine, input: serde_json::Value) -> RunSnapshot {
        engine.start("cb", input, "r1").unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(30), engine.wait("r1"))
            .await
            .expect("the run ends")
            .expect("the run exists")
    }

    fn with_timeout(mut step: Step, ms: u64) -> Step {
        if let StepKind::HttpRequest { timeout_ms, .. } = &mut step.kind {
            *timeout_ms = ms;
        }
        step
    }

    #[tokio::test]
    async fn posts_the_signed_body_and_outputs_the_answer() {
        let (base, seen) = receiver(StatusCode::OK, r#"{"received":true}"#).await;
        let engine = engine_with(Step::http_request(
            "cb",
            "{{input.url}}",
            json!({"run": "{{execution.id}}", "result": "{{steps.t.output}}"}),
            Some("whsec_cb"),
        ));
        let done = run(&engine, json!({"n": 7, "url": format!("{base}/hook")})).await;
        assert_eq!(done.status, RunStatus::Succeeded, "{:?}", done.error);
        assert_eq!(
            done.output.as_deref(),
            Some(&json!({"status": 200, "body": {"received": true}}))
        );
        let seen = seen.lock().unwrap();
        let (headers, body) = &seen[0];
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(body).unwrap(),
            json!({"run": "r1", "result": {"n": 7}})
        );
        assert_eq!(headers["content-type"], "application/json");
        let signature = headers["x-webhook-signature"].to_str().unwrap();
        assert!(crate::flowmatic::signature::verify(
            "whsec_cb", body, signature
        ));
        assert!(!crate::flowmatic::signature::verify(
            "other", body, signature
        ));
    }

    #[tokio::test]
    async fn an_unsigned_step_sends_no_signature() {
        let (base, seen) = receiver(StatusCode::NO_CONTENT, "").await;
        let engine = engine_with(Step::http_request(
            "cb",
            "{{input.url}}",
            json!({"a": 1}),
            None,
        ));
        let done = run(&engine, json!({"url": format!("{base}/hook")})).await;
        assert_eq!(
            done.output.as_deref(),
            Some(&json!({"status": 204, "body": null}))
        );
        assert!(
            !seen.lock().unwrap()[0]
                .0
                .contains_key("x-webhook-signature")
        );
    }

    #[tokio::test]
    async fn an_error_answer_fails_the_step_without_showing_the_query() {
        let (base, _) = receiver(StatusCode::UNAUTHORIZED, "no").await;
        let engine = engine_with(Step::http_request("cb", "{{input.url}}", json!({}), None));
        let url = format!("{base}/hook?token=tok_secret");
        let done = run(&engine, json!({"url": url})).await;
        assert_eq!(done.status, RunStatus::Failed);
        let error = done.error.unwrap();
        assert_eq!(
            (error.code.as_str(), error.step.as_deref()),
            ("HTTP_ERROR", Some("cb"))
        );
        assert!(error.message.contains("answered 401"), "{}", error.message);
        assert!(!error.message.contains("tok_secret"), "{}", error.message);
    }

    #[tokio::test]
    async fn a_missing_or_odd_url_fails_the_step() {
        for input in [json!({}), json!({"url": "ftp://example.com/x"})] {
            let engine = engine_with(Step::http_request("cb", "{{input.url}}", json!({}), None));
            let done = run(&engine, input).await;
            let error = done.error.unwrap();
            assert_eq!(error.code, "HTTP_REQUEST_ERROR");
            assert!(
                error.message.contains("not an http(s) URL"),
                "{}",
                error.message
            );
        }
    }

    #[tokio::test]
    async fn a_silent_peer_costs_the_step_its_timeout_only() {
        // Accepts connections and never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                open.push(socket);
            }
        });
        let step = with_timeout(
            Step::http_request("cb", "{{input.url}}", json!({}), None),
            200,
        );
        let engine = engine_with(step);
        let done = run(&engine, json!({"url": url})).await;
        held.abort();
        let error = done.error.unwrap();
        assert_eq!(error.code, "HTTP_TIMEOUT");
        assert!(error.message.contains("200 ms"), "{}", error.message);
    }

    #[tokio::test]
    async fn an_endless_answer_is_read_up_to_the_cap() {
        let app = Router::new().route(
            "/hook",
            post(|| async {
                let chunks = futures::stream::repeat_with(|| {
                    Ok::<_, std::io::Error>(Bytes::from_static(&[b'x'; 4096]))
                });
                axum::body::Body::from_stream(chunks)
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let engine = engine_with(Step::http_request("cb", "{{input.url}}", json!({}), None));
        let done = run(&engine, json!({"url": url})).await;
        assert_eq!(done.status, RunStatus::Succeeded, "{:?}", done.error);
        let body = done.output.unwrap()["body"].as_str().unwrap().len();
        assert_eq!(body, MAX_ANSWER);
    }
}
