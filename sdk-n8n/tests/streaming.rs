//! `streaming` response mode: NDJSON chunks are yielded as they arrive.

use futures::StreamExt;
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
    sync::oneshot,
};
use trigger_sdk_core::{RunEvent, RunStatus, Trigger, TriggerRequest, WaitOptions};
use trigger_sdk_n8n::{ResponseMode, WebhookTrigger};

fn chunk(line: &str) -> String {
    let data = format!("{line}\n");
    format!("{:x}\r\n{data}\r\n", data.len())
}

/// Serves one streaming answer: `begin`, then — only after `release` fires —
/// the rest. A client that yields chunks only at the end would never see
/// `begin` before releasing, and the test would hang rather than pass.
async fn serve_stream(listener: TcpListener, release: oneshot::Receiver<()>, rest: Vec<String>) {
    let Ok((mut socket, _)) = listener.accept().await else {
        return;
    };
    let mut buf = [0u8; 8192];
    let _ = socket.read(&mut buf).await;
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ntransfer-encoding: chunked\r\n\r\n";
    let first = chunk(r#"{"type":"begin","metadata":{"nodeId":"n1","nodeName":"Agent"}}"#);
    let _ = socket.write_all(format!("{head}{first}").as_bytes()).await;
    let _ = socket.flush().await;
    if release.await.is_err() {
        return;
    }
    for part in rest {
        let _ = socket.write_all(part.as_bytes()).await;
    }
    let _ = socket.write_all(b"0\r\n\r\n").await;
    let _ = socket.flush().await;
}

#[tokio::test]
async fn chunks_arrive_as_events_before_the_stream_ends() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (release, released) = oneshot::channel();
    // One item line split across two HTTP chunks, to check line reassembly.
    let rest = vec![
        chunk(r#"{"type":"item","content":"Hel","metadata":{"nodeId":"n1"}}"#),
        format!("{:x}\r\n{}\r\n", 20, r#"{"type":"item","cont"#),
        chunk(r#"ent":"lo","metadata":{"nodeId":"n1"}}"#),
        chunk(r#"{"type":"end","metadata":{"nodeId":"n1"}}"#),
    ];
    let server = tokio::spawn(serve_stream(listener, released, rest));
    let trigger = WebhookTrigger::builder(format!("http://{addr}"), "chat")
        .response_mode(ResponseMode::Streaming)
        .build()
        .unwrap();
    let run = trigger
        .trigger(TriggerRequest::new(json!({"q": "hi"})))
        .await
        .unwrap();
    let mut events = run.events();
    let first = events.next().await.unwrap().unwrap();
    assert!(
        matches!(&first, RunEvent::Chunk { kind, metadata, .. } if kind == "begin" && metadata["nodeName"] == "Agent"),
        "{first:?}"
    );
    assert_eq!(run.status().await.unwrap().status, RunStatus::Running);
    // While a reader waits for the next chunk, status() answers at once.
    let pending_next = events.next();
    tokio::pin!(pending_next);
    tokio::select! {
        biased;
        early = &mut pending_next => panic!("a chunk arrived before release: {early:?}"),
        status = run.status() => assert_eq!(status.unwrap().status, RunStatus::Running),
    }
    release.send(()).unwrap();
    let mut rest: Vec<RunEvent> = vec![pending_next.await.unwrap().unwrap()];
    rest.extend(events.map(|e| e.unwrap()).collect::<Vec<_>>().await);
    let kinds: Vec<String> = rest
        .iter()
        .filter_map(|e| match e {
            RunEvent::Chunk { kind, content, .. } => {
                Some(format!("{kind}:{}", content.clone().unwrap_or_default()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["item:Hel", "item:lo", "end:"]);
    match rest.last() {
        Some(RunEvent::Finished(outcome)) => {
            assert_eq!(outcome.status, RunStatus::Succeeded);
            assert_eq!(outcome.output, json!("Hello"));
        }
        other => panic!("expected Finished, got {other:?}"),
    }
    let outcome = run.wait(WaitOptions::default()).await.unwrap();
    assert_eq!(outcome.output, json!("Hello"));
    server.await.unwrap();
}

#[tokio::test]
async fn an_error_chunk_fails_the_run() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (release, released) = oneshot::channel();
    let rest = vec![chunk(
        r#"{"type":"error","content":"model unavailable","metadata":{"nodeId":"n1"}}"#,
    )];
    let server = tokio::spawn(serve_stream(listener, released, rest));
    release.send(()).unwrap();
    let trigger = WebhookTrigger::builder(format!("http://{addr}"), "chat")
        .response_mode(ResponseMode::Streaming)
        .build()
        .unwrap();
    let run = trigger
        .trigger(TriggerRequest::new(json!({})))
        .await
        .unwrap();
    let outcome = run.wait(WaitOptions::default()).await.unwrap();
    assert_eq!(outcome.status, RunStatus::Failed);
    assert_eq!(outcome.failure.unwrap().message, "model unavailable");
    server.await.unwrap();
}
