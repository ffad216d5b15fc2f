//! Slow and idle clients are shed: a slow request head is cut, an idle
//! connection is closed, and past the connection cap the oldest connection
//! that is not busy makes room — while normal requests keep being answered.

mod support;

use std::time::Duration;

use serde_json::json;
use support::{client, eventually};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use trigger_sdk_reference_server::config::{Config, N8nExposure, N8nResponseMode, Step, Workflow};
use trigger_sdk_reference_server::{ReferenceServer, demo};

const PARTIAL_HEAD: &[u8] = b"GET /__admin/health HTTP/1.1\r\nHost: x\r\nX-Slow: ";

/// A connection that sent part of a request head and stalls.
async fn slow_client(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(PARTIAL_HEAD).await.expect("write");
    stream
}

/// Whether the server closed the connection (EOF or reset), without waiting.
fn closed(stream: &TcpStream) -> bool {
    let mut buf = [0u8; 64];
    match stream.try_read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
        Err(_) => true,
    }
}

async fn health(server: &ReferenceServer) -> String {
    client()
        .get(format!("{}/__admin/health", server.base_url()))
        .send()
        .await
        .expect("health answers")
        .text()
        .await
        .expect("health body")
}

/// A keep-alive connection that got an answer and stays open.
async fn answered_and_kept(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /__admin/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut answer = vec![0u8; 4096];
    let n = stream.read(&mut answer).await.expect("answer");
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"));
    stream
}

fn config(change: impl FnOnce(&mut Config)) -> Config {
    let mut config = demo();
    change(&mut config);
    config
}

#[tokio::test]
async fn a_normal_request_is_answered_while_1000_slow_clients_hold_connections() {
    let server = ReferenceServer::start(config(|c| {
        c.http.header_read_timeout = Duration::from_secs(600);
        c.http.max_connections = 2_000;
    }))
    .await
    .unwrap();
    let mut slow = Vec::new();
    for _ in 0..1_000 {
        slow.push(slow_client(server.local_addr()).await);
    }
    assert_eq!(health(&server).await, "ok");
    let held = slow.iter().filter(|s| !closed(s)).count();
    assert_eq!(
        held, 1_000,
        "the slow clients were still connected meanwhile"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn slow_request_heads_are_cut_after_the_header_read_timeout() {
    let server = ReferenceServer::start(config(|c| {
        c.http.header_read_timeout = Duration::from_millis(300);
    }))
    .await
    .unwrap();
    let mut slow = Vec::new();
    for _ in 0..200 {
        slow.push(slow_client(server.local_addr()).await);
    }
    // A trickle of bytes does not keep a head alive.
    for s in &mut slow {
        s.write_all(b"a").await.expect("trickle");
    }
    eventually("every slow head is cut", || async {
        slow.iter().all(closed).then_some(())
    })
    .await;
    for s in &mut slow {
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest).await;
        assert!(rest.is_empty(), "a cut head gets no answer");
    }
    assert_eq!(health(&server).await, "ok");
    server.shutdown().await;
}

#[tokio::test]
async fn idle_connections_are_closed_after_the_idle_timeout() {
    let server = ReferenceServer::start(config(|c| {
        c.http.idle_timeout = Duration::from_millis(300);
    }))
    .await
    .unwrap();
    let silent = TcpStream::connect(server.local_addr()).await.unwrap();
    let used = answered_and_kept(server.local_addr()).await;
    eventually("both idle connections are closed", || async {
        (closed(&silent) && closed(&used)).then_some(())
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn an_answer_that_takes_longer_than_the_idle_timeout_is_not_cut() {
    let slow =
        Workflow::new("slow", "Slow", vec![Step::delay("wait", 1_500)]).on_n8n(N8nExposure {
            path: "slow".to_owned(),
            response_mode: N8nResponseMode::LastNode,
            ..N8nExposure::default()
        });
    let server = ReferenceServer::start(config(|c| {
        c.http.idle_timeout = Duration::from_millis(100);
        c.workflows.push(slow);
    }))
    .await
    .unwrap();
    let r = client()
        .post(format!("{}/webhook/slow", server.n8n_url()))
        .json(&json!({"a": 1}))
        .send()
        .await
        .expect("the waiting webhook answers");
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["body"]["a"], 1);
    server.shutdown().await;
}

#[tokio::test]
async fn past_the_cap_the_oldest_idle_connection_makes_room() {
    let server = ReferenceServer::start(config(|c| {
        c.http.max_connections = 50;
        c.http.header_read_timeout = Duration::from_secs(600);
    }))
    .await
    .unwrap();
    let mut slow = Vec::new();
    for _ in 0..50 {
        slow.push(slow_client(server.local_addr()).await);
    }
    // Each new connection past the cap sheds the oldest one that is not busy.
    let mut kept = Vec::new();
    for _ in 0..5 {
        kept.push(answered_and_kept(server.local_addr()).await);
    }
    eventually("the oldest slow clients are shed", || async {
        slow[..5].iter().all(closed).then_some(())
    })
    .await;
    let open = slow[5..].iter().filter(|s| !closed(s)).count();
    assert!(open >= 40, "younger connections stay ({open} of 45 open)");
    server.shutdown().await;
}

#[tokio::test]
async fn when_every_connection_is_busy_a_new_one_is_refused() {
    let slow =
        Workflow::new("slow", "Slow", vec![Step::delay("wait", 60_000)]).on_n8n(N8nExposure {
            path: "slow".to_owned(),
            response_mode: N8nResponseMode::LastNode,
            ..N8nExposure::default()
        });
    let server = ReferenceServer::start(config(|c| {
        c.http.max_connections = 1;
        c.workflows.push(slow);
    }))
    .await
    .unwrap();
    let mut busy = TcpStream::connect(server.local_addr()).await.unwrap();
    busy.write_all(b"POST /n8n/webhook/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        .await
        .unwrap();
    eventually("the slow run started", || async {
        (!server.engine().list_runs().is_empty()).then_some(())
    })
    .await;
    let refused = client()
        .get(format!("{}/__admin/health", server.base_url()))
        .send()
        .await;
    assert!(refused.is_err(), "refused: {refused:?}");
    assert!(!closed(&busy), "the busy connection is kept");
    drop(busy);
}
