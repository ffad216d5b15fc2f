//! State shared by every face.

use std::sync::Arc;

use tokio::sync::watch;

use crate::config::Config;
use crate::engine::Engine;
use crate::harness::{Faults, Harness};
use crate::n8n::N8nState;

/// What the faces' routers get: the engine, the configuration, and the n8n
/// face's own records.
#[derive(Clone)]
pub(crate) struct AppState {
    /// The engine (workflows and runs).
    pub engine: Engine,
    /// The configuration the server was started with.
    pub config: Arc<Config>,
    /// The n8n face's state (workflow objects, tags, test-webhook arms).
    pub n8n: N8nState,
    /// Set when the server shuts down, so long-lived streams can end.
    pub closing: Arc<watch::Sender<bool>>,
    /// Armed faults and expectations.
    pub harness: Arc<Harness>,
}

impl AppState {
    pub(crate) fn new(config: Config) -> Self {
        let engine = Engine::with_retention(config.workflows.clone(), config.retention.clone());
        let n8n = N8nState::new(engine.clone(), &config);
        let harness = Arc::new(Harness {
            faults: Faults::default(),
            expectations: engine.expectations(),
        });
        Self {
            harness,
            engine,
            config: Arc::new(config),
            n8n,
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
