//! A harness for your own contract tests: start the server with fixtures,
//! let your code talk to it, then assert on what arrived.
//!
//! - [`ReferenceServer::runs_of`] lists the runs of a workflow, each with the
//!   input and the request headers it received;
//! - [`ReferenceServer::expect`] registers an [`Expectation`] (how many runs,
//!   with what input and headers), counted as runs start and checked by
//!   [`ReferenceServer::verify`] and when the server is dropped, failing with
//!   a readable [`Report`] (like wiremock's `.expect(n)`);
//! - [`ReferenceServer::inject`] arms a [`Fault`] on a [`Route`]: the next N
//!   requests answer 5xx, 429 with `Retry-After`, lose their connection, or
//!   are delayed, so you can test your own retry handling.
//!
//! The same is reachable over HTTP for non-Rust users: `GET /__admin/runs`,
//! `POST|GET|DELETE /__admin/expectations`, `POST|GET|DELETE /__admin/faults`
//! (see the crate's README).
//!
//! ```no_run
//! # async fn t() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use trigger_sdk_reference_server::harness::{Expectation, Fault, Route};
//! use trigger_sdk_reference_server::{ReferenceServer, creds, demo};
//!
//! let server = ReferenceServer::start(demo()).await?;
//! server.inject(Route::post("/n8n/webhook/send-email"), Fault::status(503));
//! server.expect(Expectation::runs_of(creds::N8N_SEND_EMAIL).times(1));
//! // ... run the code under test against server.n8n_url() ...
//! server.verify()?; // or let the drop at the end of the test check it
//! # Ok(()) }
//! ```
//!
//! [`ReferenceServer::runs_of`]: crate::ReferenceServer::runs_of
//! [`ReferenceServer::expect`]: crate::ReferenceServer::expect
//! [`ReferenceServer::verify`]: crate::ReferenceServer::verify
//! [`ReferenceServer::inject`]: crate::ReferenceServer::inject

pub(crate) mod admin;
mod expect;
mod faults;

use std::future::Future;
use std::sync::{Arc, OnceLock, Weak};

use axum::extract::Request;
use axum::response::Response;
use bytes::BytesMut;
use http::{HeaderMap, HeaderValue};

pub(crate) use expect::Expectations;
pub use expect::{Checked, Expectation, Report, Times};
pub(crate) use faults::Faults;
pub use faults::{Fault, FaultKind, Route};

tokio::task_local! {
    /// The headers of the request being handled (runs started by it keep them).
    static REQUEST_HEADERS: Arc<HeaderMap>;
}

/// A copy of the headers of the request being handled, for a run to keep;
/// empty outside a request. The values are copied out of the request's read
/// buffer (so a kept run does not hold that buffer alive) into one buffer
/// they share; the map itself is cloned (its names are not hashed again).
pub(crate) fn request_headers() -> Arc<HeaderMap> {
    let copy = REQUEST_HEADERS.try_with(|headers| {
        let mut values = BytesMut::with_capacity(headers.values().map(HeaderValue::len).sum());
        for value in headers.values() {
            values.extend_from_slice(value.as_bytes());
        }
        let mut values = values.freeze();
        let mut copy = HeaderMap::clone(headers);
        for value in copy.values_mut() {
            let bytes = values.split_to(value.len());
            if let Ok(mut owned) = HeaderValue::from_maybe_shared(bytes) {
                owned.set_sensitive(value.is_sensitive());
                *value = owned;
            }
        }
        copy
    });
    Arc::new(copy.unwrap_or_default())
}

/// The harness's state: armed faults, registered expectations, and the face
/// whose test webhooks can be armed.
pub(crate) struct Harness {
    pub(crate) faults: Faults,
    pub(crate) expectations: Arc<Expectations>,
    test_webhooks: OnceLock<Weak<dyn TestWebhooks>>,
}

/// A face with test webhooks that answer only once armed (n8n's
/// `/webhook-test/..`, armed by clicking "Execute workflow" in the editor).
pub(crate) trait TestWebhooks: Send + Sync {
    /// Arms the test webhook of a workflow for one call; false when the face
    /// has no such workflow with a webhook.
    fn arm(&self, workflow_id: &str) -> bool;
}

impl Harness {
    /// A harness counting runs into `expectations`, with no fault armed.
    pub(crate) fn new(expectations: Arc<Expectations>) -> Self {
        Self {
            faults: Faults::default(),
            expectations,
            test_webhooks: OnceLock::new(),
        }
    }

    /// Called by the face when its router is built; the first face wins.
    pub(crate) fn serve_test_webhooks(&self, face: &Arc<dyn TestWebhooks>) {
        let _ = self.test_webhooks.set(Arc::downgrade(face));
    }

    /// Arms a test webhook for one call ([`TestWebhooks::arm`]); false when
    /// no face serves test webhooks or it has no such workflow.
    pub(crate) fn arm_test_webhook(&self, workflow_id: &str) -> bool {
        self.test_webhooks
            .get()
            .and_then(Weak::upgrade)
            .is_some_and(|face| face.arm(workflow_id))
    }
}

impl Harness {
    /// Around every request, outside the router (so no route pays for a
    /// layer): applies an armed fault, keeps the request headers for the runs
    /// it starts, and logs the request at debug level. `next` answers it.
    pub(crate) async fn around<F, A>(&self, req: Request, next: F) -> Response
    where
        F: FnOnce(Request) -> A,
        A: Future<Output = Response>,
    {
        let log = tracing::enabled!(tracing::Level::DEBUG).then(|| {
            (
                req.method().clone(),
                req.uri().path().to_owned(),
                std::time::Instant::now(),
            )
        });
        let headers = Arc::new(req.headers().clone());
        let response = REQUEST_HEADERS
            .scope(headers, self.faults.apply(req, next))
            .await;
        if let Some((method, path, started)) = log {
            tracing::debug!(
                %method,
                %path,
                status = response.status().as_u16(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "request"
            );
        }
        response
    }
}
