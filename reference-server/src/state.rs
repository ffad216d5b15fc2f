//! State shared by every face.

use std::sync::Arc;

use tokio::sync::watch;

use crate::config::Config;
use crate::engine::Engine;
use crate::harness::Harness;

/// What the faces' routers get: the engine, the configuration, the shutdown
/// signal and the harness. Each face builds its own state in its router.
#[derive(Clone)]
pub(crate) struct AppState {
    /// The engine (workflows and runs).
    pub engine: Engine,
    /// The configuration the server was started with.
    pub config: Arc<Config>,
    /// Set when the server shuts down, so long-lived streams can end.
    pub closing: Arc<watch::Sender<bool>>,
    /// Armed faults and expectations.
    pub harness: Arc<Harness>,
}

impl AppState {
    pub(crate) fn new(config: Config) -> Self {
        let engine = Engine::with_retention(config.workflows.clone(), config.retention.clone());
        let harness = Arc::new(Harness::new(engine.expectations()));
        Self {
            harness,
            engine,
            config: Arc::new(config),
            closing: Arc::new(watch::channel(false).0),
        }
    }

    /// Resolves once the server is shutting down (for long-lived streams).
    #[allow(dead_code)]
    pub(crate) fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.closing.subscribe();
        async move {
            let _ = rx.wait_for(|closing| *closing).await;
        }
    }
}
