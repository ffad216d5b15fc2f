//! Fault injection per route: the next N requests to a route answer 5xx,
//! 429 with `Retry-After`, lose their connection, or are delayed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use std::future::Future;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};

use crate::serve::DropConnection;

/// Which requests a fault or an expectation applies to: a method (or any)
/// and a path on the server, where `*` stands for one path segment.
///
/// ```
/// use trigger_sdk_reference_server::harness::Route;
///
/// let hook = Route::post("/n8n/webhook/send-email");
/// assert!(hook.matches("POST", "/n8n/webhook/send-email"));
/// assert!(!hook.matches("GET", "/n8n/webhook/send-email"));
/// let any_run = Route::any("/runs/api/v1/workflows/*/run");
/// assert!(any_run.matches("POST", "/runs/api/v1/workflows/wf_1/run"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    method: Option<Method>,
    path: String,
}

impl Route {
    /// Requests with this method to this path.
    pub fn new(method: Method, path: &str) -> Self {
        Self {
            method: Some(method),
            path: path.to_owned(),
        }
    }

    /// Requests with any method to this path.
    pub fn any(path: &str) -> Self {
        Self {
            method: None,
            path: path.to_owned(),
        }
    }

    /// `GET` requests to this path.
    pub fn get(path: &str) -> Self {
        Self::new(Method::GET, path)
    }

    /// `POST` requests to this path.
    pub fn post(path: &str) -> Self {
        Self::new(Method::POST, path)
    }

    /// Whether a request with `method` to `path` is on this route.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if self
            .method
            .as_ref()
            .is_some_and(|m| !m.as_str().eq_ignore_ascii_case(method))
        {
            return false;
        }
        let mut want = self.path.trim_end_matches('/').split('/');
        let mut got = path.trim_end_matches('/').split('/');
        loop {
            match (want.next(), got.next()) {
                (None, None) => return true,
                (Some("*"), Some(_)) => {}
                (Some(w), Some(g)) if w == g => {}
                _ => return false,
            }
        }
    }

    fn describe(&self) -> String {
        let method = self.method.as_ref().map_or("ANY", Method::as_str);
        format!("{method} {}", self.path)
    }
}

/// What an injected fault does to a request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer this status with `{"error":"injected fault"}`; the request
    /// never reaches the face.
    Status(u16),
    /// Answer 429 with `Retry-After` (whole seconds, rounded up).
    TooManyRequests(Duration),
    /// Close the connection without an answer; the request never reaches the face.
    DropConnection,
    /// Handle the request (a run may start), then close the connection
    /// instead of answering: the client cannot know whether it ran.
    DropAnswer,
    /// Wait, then handle the request normally.
    Delay(Duration),
}

/// A fault for the next `times` requests of a route.
///
/// ```
/// use std::time::Duration;
/// use trigger_sdk_reference_server::harness::Fault;
///
/// let outage = Fault::status(503).times(2);
/// let throttled = Fault::too_many_requests(Duration::from_secs(1));
/// let cut = Fault::drop_connection();
/// let slow = Fault::delay(Duration::from_millis(200)).times(3);
/// assert_eq!(outage.remaining(), 2);
/// # let _ = (throttled, cut, slow);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    kind: FaultKind,
    times: usize,
}

impl Fault {
    /// The request is answered `status` (e.g. 500, 502, 503).
    pub fn status(status: u16) -> Self {
        Self::of(FaultKind::Status(status))
    }

    /// The request is answered 429 with `Retry-After`.
    pub fn too_many_requests(retry_after: Duration) -> Self {
        Self::of(FaultKind::TooManyRequests(retry_after))
    }

    /// The connection is closed before the request is handled.
    pub fn drop_connection() -> Self {
        Self::of(FaultKind::DropConnection)
    }

    /// The request is handled, then the connection is closed instead of answering.
    pub fn drop_answer() -> Self {
        Self::of(FaultKind::DropAnswer)
    }

    /// The request is handled after `delay`.
    pub fn delay(delay: Duration) -> Self {
        Self::of(FaultKind::Delay(delay))
    }

    /// A fault of this kind (once).
    pub fn of(kind: FaultKind) -> Self {
        Self { kind, times: 1 }
    }

    /// For the next `n` requests of the route instead of one.
    pub fn times(mut self, n: usize) -> Self {
        self.times = n;
        self
    }

    /// What it does.
    pub fn kind(&self) -> &FaultKind {
        &self.kind
    }

    /// How many more requests it applies to.
    pub fn remaining(&self) -> usize {
        self.times
    }
}

struct Rule {
    route: Route,
    fault: Fault,
}

/// The faults armed on a server, applied in the order they were injected.
#[derive(Default)]
pub(crate) struct Faults {
    rules: Mutex<Vec<Rule>>,
    armed: AtomicUsize,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, Vec<Rule>> {
        self.rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn inject(&self, route: Route, fault: Fault) {
        if fault.times == 0 {
            return;
        }
        let mut rules = self.lock();
        rules.push(Rule { route, fault });
        self.armed.store(rules.len(), Ordering::Release);
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
        self.armed.store(0, Ordering::Release);
    }

    /// The faults still armed, with their remaining counts.
    pub(crate) fn pending(&self) -> Vec<(Route, Fault)> {
        self.lock()
            .iter()
            .map(|r| (r.route.clone(), r.fault.clone()))
            .collect()
    }

    /// Takes one use of the first fault armed for this request.
    fn take(&self, method: &str, path: &str) -> Option<FaultKind> {
        if self.armed.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut rules = self.lock();
        let index = rules.iter().position(|r| r.route.matches(method, path))?;
        let kind = rules[index].fault.kind.clone();
        rules[index].fault.times -= 1;
        if rules[index].fault.times == 0 {
            rules.remove(index);
        }
        self.armed.store(rules.len(), Ordering::Release);
        Some(kind)
    }

    /// Applies the fault armed for `req`, if any, around the rest of the
    /// server (`next`).
    pub(crate) async fn apply<F, A>(&self, req: Request, next: F) -> Response
    where
        F: FnOnce(Request) -> A,
        A: Future<Output = Response>,
    {
        let Some(kind) = self.take(req.method().as_str(), req.uri().path()) else {
            return next(req).await;
        };
        tracing::debug!(path = req.uri().path(), ?kind, "injected fault");
        match kind {
            FaultKind::Status(status) => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                fault_answer(status)
            }
            FaultKind::TooManyRequests(after) => {
                let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
                let mut response = fault_answer(StatusCode::TOO_MANY_REQUESTS);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                response
            }
            FaultKind::DropConnection => dropped(),
            FaultKind::DropAnswer => {
                let _ = next(req).await;
                dropped()
            }
            FaultKind::Delay(delay) => {
                tokio::time::sleep(delay).await;
                next(req).await
            }
        }
    }
}

fn fault_answer(status: StatusCode) -> Response {
    (
        status,
        axum::Json(json!({"error": "injected fault", "status": status.as_u16()})),
    )
        .into_response()
}

fn dropped() -> Response {
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(DropConnection);
    response
}

/// `{"method","path","fault":{..},"remaining"}` of a pending fault (admin API).
pub(crate) fn fault_json(route: &Route, fault: &Fault) -> Value {
    let kind = match &fault.kind {
        FaultKind::Status(s) => json!({"status": s}),
        FaultKind::TooManyRequests(d) => {
            json!({"status": 429, "retryAfterMs": u64::try_from(d.as_millis()).unwrap_or(u64::MAX)})
        }
        FaultKind::DropConnection => json!({"drop": "connection"}),
        FaultKind::DropAnswer => json!({"drop": "answer"}),
        FaultKind::Delay(d) => json!({"delayMs": u64::try_from(d.as_millis()).unwrap_or(u64::MAX)}),
    };
    json!({
        "route": route.describe(),
        "fault": kind,
        "remaining": fault.times,
    })
}
