//! `sse_stream` against a real local server that drops the connection in the
//! middle of the stream: the client resumes with `Last-Event-ID` and sees
//! every event exactly once, in order.

use std::sync::{Arc, Mutex};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use futures::{StreamExt, stream};
use tokio::sync::Notify;
use trigger_sdk_core::sse::{SseEvent, SseOptions, sse_request, sse_stream};

#[derive(Clone, Default)]
struct Server {
    /// The `Last-Event-ID` of every request, in order.
    last_ids: Arc<Mutex<Vec<Option<String>>>>,
    /// Whether each request carried the bearer token.
    authorized: Arc<Mutex<Vec<bool>>>,
    /// Fired by the test once it has read the first events: the server then
    /// breaks the first connection.
    drop_now: Arc<Notify>,
}

fn frame(id: u32) -> String {
    format!("id: {id}\nevent: step\ndata: {{\"n\":{id}}}\n\n")
}

async fn events(State(server): State<Server>, headers: HeaderMap) -> Response {
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    server.last_ids.lock().unwrap().push(last_id.clone());
    server.authorized.lock().unwrap().push(
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            == Some("Bearer t0k"),
    );
    let sse = [(header::CONTENT_TYPE, "text/event-stream")];
    match last_id.as_deref() {
        None => {
            // Events 1-3 and half of event 4 in one write, then wait for the
            // test and break the connection (chunked body never terminated).
            let first = format!("{}{}{}id: 4\ndata: {{\"n\":", frame(1), frame(2), frame(3));
            let drop_now = server.drop_now.clone();
            let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from(first))]).chain(
                stream::once(async move {
                    drop_now.notified().await;
                    Err(std::io::Error::other("connection dropped mid-stream"))
                }),
            );
            (sse, Body::from_stream(body)).into_response()
        }
        Some("3") => {
            let rest = format!("{}{}{}", frame(4), frame(5), frame(6));
            (sse, rest).into_response()
        }
        Some(_) => StatusCode::NO_CONTENT.into_response(),
    }
}

#[tokio::test]
async fn resumes_after_a_mid_stream_drop_with_last_event_id() {
    let server = Server::default();
    let app = Router::new()
        .route("/events", get(events))
        .with_state(server.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serve = tokio::spawn(async move { axum::serve(listener, app).await });

    let transport = trigger_sdk_core::Transport::builder(
        trigger_sdk_core::Provider::new("test"),
        format!("http://{addr}"),
    )
    .auth(trigger_sdk_core::Auth::bearer(
        trigger_sdk_core::Secret::new("t0k"),
    ))
    .build()
    .unwrap();
    let connect = sse_request(&transport, transport.url("events").unwrap());
    let options = SseOptions::default()
        .max_reconnects(3)
        .backoff(std::time::Duration::from_millis(10));
    let mut stream = sse_stream(connect, options);

    let mut seen: Vec<SseEvent> = Vec::new();
    while seen.len() < 6 {
        let event = stream
            .next()
            .await
            .expect("stream ended early")
            .expect("event");
        seen.push(event);
        if seen.len() == 3 {
            server.drop_now.notify_one();
        }
    }
    drop(stream);

    let ids: Vec<&str> = seen.iter().filter_map(|e| e.id.as_deref()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6"]);
    for (n, event) in (1..).zip(&seen) {
        assert_eq!(event.event, "step");
        let data: serde_json::Value = event.json().unwrap();
        assert_eq!(data["n"], n, "event {n} whole and in order");
    }
    assert_eq!(
        *server.last_ids.lock().unwrap(),
        [None, Some("3".to_owned())],
        "one reconnect, resuming after the last whole event"
    );
    assert_eq!(*server.authorized.lock().unwrap(), [true, true]);
    serve.abort();
}
