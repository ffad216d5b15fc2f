//! One connection: its phase (idle, reading a request head, busy), the IO
//! and body wrappers that keep the phase, and the watchdog that ends it when
//! the head is too slow, when it idles too long, or when it is shed.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::config::HttpOptions;

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No request in flight and no byte of the next one yet.
    Idle,
    /// The first bytes of a request head arrived; the rest has not.
    Head,
    /// Requests in flight (their answers are not fully sent).
    Busy,
}

struct PhaseData {
    phase: Phase,
    since: Instant,
    in_flight: usize,
    served: u64,
}

/// Why the watchdog ends a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expiry {
    /// The connection was closed to make room (it was not busy).
    Shed,
    /// No request for `idle_timeout`.
    Idle,
    /// A request head took longer than `header_read_timeout`.
    SlowHead,
}

/// What the watchdog asks of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    /// Nothing was ever answered or a head is half read: close the socket now.
    Drop,
    /// Answers were sent: let hyper finish writing, then close.
    Graceful,
}

/// Shared by the connection's IO, its in-flight requests and its watchdog.
pub(super) struct ConnState {
    data: Mutex<PhaseData>,
    changed: Notify,
    shed: AtomicBool,
}

impl ConnState {
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Self {
            data: Mutex::new(PhaseData {
                phase: Phase::Idle,
                since: Instant::now(),
                in_flight: 0,
                served: 0,
            }),
            changed: Notify::new(),
            shed: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> MutexGuard<'_, PhaseData> {
        self.data
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the connection may be shed (no request in flight).
    pub(super) fn sheddable(&self) -> bool {
        self.lock().phase != Phase::Busy && !self.shed.load(Ordering::Relaxed)
    }

    /// Asks the watchdog to close the connection.
    pub(super) fn shed(&self) {
        self.shed.store(true, Ordering::Relaxed);
        self.changed.notify_one();
    }

    fn bytes_read(&self) {
        let mut data = self.lock();
        if data.phase == Phase::Idle {
            data.phase = Phase::Head;
            data.since = Instant::now();
            drop(data);
            self.changed.notify_one();
        }
    }

    /// A request head was read: the request is in flight until the guard drops.
    pub(super) fn begin(self: &Arc<Self>) -> InFlight {
        let mut data = self.lock();
        data.in_flight += 1;
        data.phase = Phase::Busy;
        drop(data);
        self.changed.notify_one();
        InFlight(self.clone())
    }

    fn end(&self) {
        let mut data = self.lock();
        data.in_flight = data.in_flight.saturating_sub(1);
        data.served += 1;
        if data.in_flight == 0 {
            data.phase = Phase::Idle;
            data.since = Instant::now();
        }
        drop(data);
        self.changed.notify_one();
    }

    /// Resolves when the connection must end, and says how.
    pub(super) async fn watch(&self, limits: &HttpOptions) -> (Expiry, Ending) {
        loop {
            let notified = self.changed.notified();
            let (phase, since, served) = {
                let d = self.lock();
                (d.phase, d.since, d.served)
            };
            let ending = match (phase, served) {
                (Phase::Idle, 0) | (Phase::Head, _) => Ending::Drop,
                _ => Ending::Graceful,
            };
            if self.shed.load(Ordering::Relaxed) && phase != Phase::Busy {
                return (Expiry::Shed, ending);
            }
            let deadline = match phase {
                Phase::Busy => None,
                Phase::Idle => Some((since + limits.idle_timeout, Expiry::Idle)),
                Phase::Head => Some((since + limits.header_read_timeout, Expiry::SlowHead)),
            };
            match deadline {
                None => notified.await,
                Some((at, expiry)) => {
                    tokio::select! {
                        () = notified => {}
                        () = tokio::time::sleep_until(at) => {
                            let d = self.lock();
                            if d.phase == phase && d.since == since {
                                return (expiry, ending);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A request in flight; its drop (when the answer's body is done) ends it.
pub(super) struct InFlight(Arc<ConnState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// The socket, telling the connection's state when request bytes arrive.
pub(super) struct WatchedIo<T> {
    pub(super) io: T,
    pub(super) state: Arc<ConnState>,
}

impl<T: AsyncRead + Unpin> AsyncRead for WatchedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.state.bytes_read();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WatchedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// An answer's body that keeps its request in flight until it is done.
pub(super) struct TrackedBody {
    pub(super) body: Body,
    pub(super) _in_flight: InFlight,
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
