//! Hostile loopback servers for trigger-sdk's own tests: every safety rule
//! of the SDK is proven against one of these.
//!
//! Each server binds `127.0.0.1:0`, records every request it receives
//! ([`Recorder`]) and lives until its runtime ends.

use std::{
    convert::Infallible,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::Response,
};
use futures::{StreamExt, stream};

/// One request as a hostile server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The method.
    pub method: Method,
    /// The path and query.
    pub uri: String,
    /// Every header.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

/// What a server received, shared with the test.
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<Received>>>);

impl Recorder {
    /// Every request so far.
    pub fn requests(&self) -> Vec<Received> {
        self.0.lock().expect("recorder").clone()
    }

    /// How many requests so far.
    pub fn count(&self) -> usize {
        self.0.lock().expect("recorder").len()
    }

    fn push(&self, received: Received) {
        self.0.lock().expect("recorder").push(received);
    }
}

/// A running server: its base URL (`http://127.0.0.1:<port>`) and what it received.
#[derive(Debug, Clone)]
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Every request it received.
    pub received: Recorder,
}

/// What a server answers to each request.
type Answer = Arc<dyn Fn(&Received) -> Response + Send + Sync>;

/// Starts a server that records each request, then answers with `answer`.
pub async fn serve(answer: impl Fn(&Received) -> Response + Send + Sync + 'static) -> Server {
    serve_async(Arc::new(answer), false).await
}

async fn serve_async(answer: Answer, silent: bool) -> Server {
    let received = Recorder::default();
    let recorder = received.clone();
    let app = Router::new().fallback(move |request: Request| {
        let recorder = recorder.clone();
        let answer = answer.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let received = Received {
                method: parts.method,
                uri: parts.uri.to_string(),
                headers: parts.headers,
                body,
            };
            recorder.push(received.clone());
            if silent {
                futures::future::pending::<()>().await;
            }
            answer(&received)
        }
    });
    Server {
        base: bind(app).await,
        received,
    }
}

/// Serves `app` on a free loopback port; returns `http://127.0.0.1:<port>`.
async fn bind(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    format!("http://{addr}")
}

/// A server that answers 200 `{"ok":true}` (JSON) to everything: the
/// target a redirect points at, to see what reached it.
pub async fn ok_server() -> Server {
    serve(|_| json(StatusCode::OK, r#"{"ok":true}"#)).await
}

/// A server that answers every request with `status` and `Location: location`.
pub async fn redirect_server(status: u16, location: String) -> Server {
    serve(move |_| {
        Response::builder()
            .status(status)
            .header(header::LOCATION, location.as_str())
            .body(Body::empty())
            .expect("redirect answer")
    })
    .await
}

/// A server that answers `status` with a JSON `body` to everything.
pub async fn status_server(status: u16, body: &'static str) -> Server {
    serve(move |_| json(StatusCode::from_u16(status).expect("status"), body)).await
}

/// A server that reads each request and never answers.
pub async fn silent_server() -> Server {
    serve_async(Arc::new(|_| Response::new(Body::empty())), true).await
}

/// A server that answers 200 with a body that never ends (64 KiB chunks
/// of `content_type`, forever, without a `Content-Length`).
pub async fn endless_server(content_type: &'static str) -> Server {
    serve(move |_| {
        let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
        let body = stream::repeat(chunk).map(Ok::<_, Infallible>);
        Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from_stream(body))
            .expect("endless answer")
    })
    .await
}

/// A server that answers 200 with `chunks` of `content_type`, one every
/// `gap`, then keeps the connection open without a byte more.
pub async fn chunked_server(
    content_type: &'static str,
    chunks: Vec<Bytes>,
    gap: Duration,
) -> Server {
    serve(move |_| {
        let body = stream::iter(chunks.clone())
            .then(move |chunk| async move {
                tokio::time::sleep(gap).await;
                Ok::<_, Infallible>(chunk)
            })
            .chain(stream::pending());
        Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
            .body(Body::from_stream(body))
            .expect("chunked answer")
    })
    .await
}

/// A JSON answer.
pub fn json(status: StatusCode, body: &'static str) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("json answer")
}

/// Whether any header of `received` carries `needle` (a credential, a
/// signature) in its name or value, case-insensitively.
pub fn carries(received: &Received, needle: &str) -> bool {
    let needle = needle.to_ascii_lowercase();
    received.headers.iter().any(|(name, value)| {
        name.as_str().contains(&needle)
            || value
                .to_str()
                .is_ok_and(|v| v.to_ascii_lowercase().contains(&needle))
    })
}

/// A server that holds each request for `hold` before answering 200 `{}`,
/// and counts the most requests it held at once.
pub async fn holding_server(hold: Duration) -> (Server, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (now_in, most_in) = (now.clone(), most.clone());
    let received = Recorder::default();
    let recorder = received.clone();
    let app = Router::new().fallback(move |request: Request| {
        let (now, most, recorder) = (now_in.clone(), most_in.clone(), recorder.clone());
        async move {
            let held = now.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(held, Ordering::SeqCst);
            recorder.push(Received {
                method: request.method().clone(),
                uri: request.uri().to_string(),
                headers: request.headers().clone(),
                body: Bytes::new(),
            });
            tokio::time::sleep(hold).await;
            now.fetch_sub(1, Ordering::SeqCst);
            json(StatusCode::OK, "{}")
        }
    });
    (
        Server {
            base: bind(app).await,
            received,
        },
        most,
    )
}
