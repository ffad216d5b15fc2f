//! State shared by every face.

use std::sync::Arc;

use crate::config::Config;
use crate::engine::Engine;
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
}

impl AppState {
    pub(crate) fn new(config: Config) -> Self {
        let engine = Engine::new(config.workflows.clone());
        let n8n = N8nState::new(engine.clone(), &config);
        Self {
            engine,
            config: Arc::new(config),
            n8n,
        }
    }
}
