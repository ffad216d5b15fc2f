//! The listener: accepts connections and serves each with hyper's HTTP/1,
//! shedding slow and idle clients ([`HttpOptions`]): a request head must
//! arrive within `header_read_timeout` of its first byte, a connection with
//! no request in flight is closed after `idle_timeout`, and past
//! `max_connections` the oldest connection that is not busy is closed to
//! make room (when every one is busy, the new connection is closed instead).

mod conn;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::HttpOptions;
use crate::harness::Harness;
use conn::{ConnState, Ending, TrackedBody, WatchedIo};

/// Put in an answer's extensions to close the connection instead of
/// sending the answer (fault injection).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// The error that makes hyper close a connection without answering.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

/// The open connections, oldest first.
#[derive(Default)]
struct Connections {
    open: Mutex<BTreeMap<u64, Arc<ConnState>>>,
}

impl Connections {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<ConnState>>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Makes room for one more connection: false when all `max` are busy.
    fn make_room(&self, max: usize) -> bool {
        let open = self.lock();
        if open.len() < max {
            return true;
        }
        match open.values().find(|c| c.sheddable()) {
            Some(oldest) => {
                oldest.shed();
                true
            }
            None => false,
        }
    }
}

/// Serves `app` on `listener` until `closing` turns true; then stops
/// accepting, lets open connections finish their requests and returns.
/// Every request goes through the `harness` ([`Harness::around`]) on its way
/// to `app`.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    harness: Arc<Harness>,
    limits: HttpOptions,
    mut closing: watch::Receiver<bool>,
) {
    let connections = Arc::new(Connections::default());
    let mut tasks = JoinSet::new();
    let mut next_id = 0u64;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            Some(_) = tasks.join_next() => continue,
            _ = closing.wait_for(|c| *c) => break,
        };
        let (stream, addr) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: give connections time to close.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if !connections.make_room(limits.max_connections) {
            tracing::warn!(%addr, "connection refused: every connection is busy");
            drop(stream);
            continue;
        }
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "set_nodelay failed");
        }
        next_id += 1;
        let id = next_id;
        let state = ConnState::new();
        connections.lock().insert(id, state.clone());
        let connections = connections.clone();
        let app = app.clone();
        let harness = harness.clone();
        let limits = limits.clone();
        let closing = closing.clone();
        tasks.spawn(async move {
            serve_connection(stream, addr, (app, harness), state, &limits, closing).await;
            connections.lock().remove(&id);
        });
    }
    while tasks.join_next().await.is_some() {}
}

async fn serve_connection(
    stream: TcpStream,
    addr: SocketAddr,
    (app, harness): (Router, Arc<Harness>),
    state: Arc<ConnState>,
    limits: &HttpOptions,
    mut closing: watch::Receiver<bool>,
) {
    let io = TokioIo::new(WatchedIo {
        io: stream,
        state: state.clone(),
    });
    let router = TowerToHyperService::new(app);
    let requests = state.clone();
    let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
        let in_flight = requests.begin();
        let mut req = req.map(Body::new);
        req.extensions_mut().insert(ConnectInfo(addr));
        let router = router.clone();
        let harness = harness.clone();
        async move {
            let response = harness
                .around(req, |req| async move {
                    match hyper::service::Service::call(&router, req).await {
                        Ok(r) => r,
                        Err(never) => match never {},
                    }
                })
                .await;
            if response.extensions().get::<DropConnection>().is_some() {
                return Err(Dropped);
            }
            Ok::<_, Dropped>(response.map(|body| {
                Body::new(TrackedBody {
                    body,
                    _in_flight: in_flight,
                })
            }))
        }
    });
    let mut builder = http1::Builder::new();
    builder.header_read_timeout(None);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut watching = true;
    let mut draining = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%addr, error = %e, "connection ended");
                }
                return;
            }
            (expiry, ending) = state.watch(limits), if watching => {
                tracing::debug!(%addr, ?expiry, "closing connection");
                match ending {
                    Ending::Drop => return,
                    Ending::Graceful => {
                        conn.as_mut().graceful_shutdown();
                        watching = false;
                    }
                }
            }
            _ = closing.wait_for(|c| *c), if !draining => {
                conn.as_mut().graceful_shutdown();
                draining = true;
            }
        }
    }
}
