//! [`CallbackServer`]: a [`CallbackReceiver`] on its own listener, for
//! scripts and tests that run no web server of their own.

use std::{net::SocketAddr, time::Duration};

use axum::Router;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

use super::{CallbackReceiver, CallbackReceiverBuilder};
use crate::error::{BoxError, Error, Result};

/// How long [`CallbackServer::shutdown`] lets open connections finish.
const GRACE: Duration = Duration::from_secs(5);

/// A callback receiver serving on its own listener (axum over hyper,
/// HTTP/1). Dropping it stops the server at once;
/// [`CallbackServer::shutdown`] lets open requests finish first.
///
/// Bound to a loopback or private address it is reachable by a workflow
/// platform on the same host or network; behind a tunnel or a proxy, give
/// the builder the public URL ([`CallbackReceiverBuilder::public_url`]).
#[derive(Debug)]
pub struct CallbackServer {
    receiver: CallbackReceiver,
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl CallbackServer {
    /// Listens on `addr` (`"127.0.0.1:0"` for a free port) and serves the
    /// receiver `builder` makes, under the path of its public URL — by
    /// default `http://<local address>/callbacks/`.
    ///
    /// # Errors
    ///
    /// [`Error::Transport`] when the address cannot be bound; the builder's
    /// [`Error::Config`].
    pub async fn bind(
        addr: impl tokio::net::ToSocketAddrs,
        builder: CallbackReceiverBuilder,
    ) -> Result<Self> {
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            Error::transport(
                "the callback server could not listen",
                Some(Box::new(e) as BoxError),
            )
        })?;
        let local_addr = listener.local_addr().map_err(|e| {
            Error::transport(
                "the callback server has no address",
                Some(Box::new(e) as BoxError),
            )
        })?;
        let builder = if builder.has_public_url() {
            builder
        } else {
            builder.public_url(format!("http://{local_addr}/callbacks/"))
        };
        let receiver = builder.build()?;
        let mount = receiver
            .shared
            .public_url
            .path()
            .trim_end_matches('/')
            .to_owned();
        let app: Router = if mount.is_empty() {
            receiver.router()
        } else {
            Router::new().nest(&mount, receiver.router())
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serving = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serving.await {
                tracing::warn!("the callback server stopped: {e}");
            }
        });
        Ok(Self {
            receiver,
            local_addr,
            stop: Some(stop),
            task,
        })
    }

    /// The receiver it serves (register callbacks here).
    pub fn receiver(&self) -> &CallbackReceiver {
        &self.receiver
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting connections and lets open ones finish (up to 5 s).
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(GRACE, &mut self.task).await.is_err() {
            self.task.abort();
        }
    }
}

impl Drop for CallbackServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
