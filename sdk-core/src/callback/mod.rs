//! Callbacks: learn how a fire-and-forget run ended when the workflow posts
//! its result back (feature `callbacks`).
//!
//! A fire-and-forget trigger (an n8n Webhook node answering "Immediately")
//! says only that the run started. Its workflow can end with an HTTP
//! request to a URL it was given — the first n8n guide's "push results back
//! via a second webhook". A [`CallbackReceiver`] hands out such URLs, one
//! per run under a correlation id, receives the callbacks, and gives a
//! [`RunHandle`](crate::RunHandle) ([`CallbackRun`]) whose `wait` and `events` end when the
//! callback arrives:
//!
//! - **Authenticated**: each callback URL carries a per-run token
//!   (`?token=…`, only its SHA-256 is stored), and/or each callback must be
//!   signed with the receiver's secret ([`CallbackReceiverBuilder::secret`]:
//!   `X-Webhook-Signature: sha256=<hex>` over the raw body, or any
//!   [`Verifier`]). A forged callback is answered `401` and changes nothing.
//! - **Nothing lost**: a callback that arrives before `wait` is called is
//!   kept until `wait` reads it (or the registration expires, 24 h unless
//!   set). The first callback wins; a duplicate is answered `200` with
//!   `{"received": false, "reason": "duplicate"}` and ignored, an unknown id
//!   `404`.
//! - **Results**: the posted body is the run's output (JSON, or text as a
//!   JSON string); a callback to the failure URL (`…&status=failed`) ends
//!   the run `Failed`, its body read for a message and a code.
//! - **Deadlines** as on every handle: [`WaitOptions`](crate::WaitOptions)'s
//!   timeout bounds every await of `wait`, and gives [`crate::Error::Timeout`].
//! - **Stores**: [`InMemoryCallbackStore`] by default; implement
//!   [`CallbackStore`] over your database to survive a restart
//!   ([`CallbackReceiver::resume`] rebuilds a handle from its id) or to share
//!   callbacks between instances.
//!
//! Serve it by mounting [`CallbackReceiver::router`] in the axum app you run
//! (under the path of its public URL), or from a script with
//! [`CallbackServer`], its own listener.
//!
//! ```
//! use std::time::Duration;
//! use trigger_sdk_core::{RunHandle, RunStatus, WaitOptions, callback::{CallbackReceiver, CallbackServer}};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = CallbackServer::bind("127.0.0.1:0", CallbackReceiver::builder()).await?;
//! let pending = server.receiver().register().await?;
//! // Put `pending.url()` in the trigger's payload; the workflow's last step
//! // POSTs its result there. Here we play the workflow:
//! reqwest::Client::new()
//!     .post(pending.url())
//!     .body(r#"{"sent":true}"#)
//!     .send()
//!     .await?
//!     .error_for_status()?;
//!
//! // The callback came before `wait`: it was kept.
//! let run = pending.into_run();
//! let outcome = run.wait(WaitOptions::timeout(Duration::from_secs(10))).await?;
//! assert_eq!(outcome.status, RunStatus::Succeeded);
//! assert_eq!(outcome.output["sent"], true);
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod answer;
mod handle;
mod router;
mod server;
mod store;
#[cfg(test)]
mod tests;

use std::{
    collections::HashMap,
    fmt,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime},
};

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use url::Url;

pub use handle::{CALLBACK_PROVIDER, CallbackRun};
pub use server::CallbackServer;
pub use store::{
    CallbackRecord, CallbackResult, CallbackStatus, CallbackStore, Completion,
    InMemoryCallbackStore,
};

use crate::{
    Secret,
    error::{Error, Result},
    handle::Trigger,
    request::TriggerRequest,
    signature::hex_lower,
    verify::Verifier,
};

/// How long a registration is kept by default: 24 hours.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);

/// The largest callback body read by default: 4 MiB.
pub const DEFAULT_MAX_BODY: usize = crate::verify::DEFAULT_MAX_BODY;

/// The query parameter of the per-run token.
pub const TOKEN_PARAM: &str = "token";

/// The query parameter that marks a failure callback (`status=failed`).
pub const STATUS_PARAM: &str = "status";

/// The longest correlation id accepted.
const MAX_ID_LEN: usize = 128;

/// Receives the callbacks of fire-and-forget runs. Cheap to clone: every
/// clone shares the registrations and waiters.
///
/// Build it with [`CallbackReceiver::builder`]; serve it with
/// [`CallbackReceiver::router`] or a [`CallbackServer`].
#[derive(Clone)]
pub struct CallbackReceiver {
    shared: Arc<Shared>,
}

struct Shared {
    public_url: Url,
    verifier: Option<Verifier>,
    url_tokens: bool,
    store: Arc<dyn CallbackStore>,
    ttl: Duration,
    max_body: usize,
    waiters: Waiters,
}

impl fmt::Debug for CallbackReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.shared;
        f.debug_struct("CallbackReceiver")
            .field("public_url", &shared.public_url.as_str())
            .field("verifier", &shared.verifier)
            .field("url_tokens", &shared.url_tokens)
            .field("store", &shared.store)
            .field("ttl", &shared.ttl)
            .field("max_body", &shared.max_body)
            .finish()
    }
}

/// Builds a [`CallbackReceiver`].
#[derive(Debug, Default)]
#[must_use]
pub struct CallbackReceiverBuilder {
    public_url: Option<String>,
    secret: Option<Secret>,
    verifier: Option<Verifier>,
    url_tokens: Option<bool>,
    store: Option<Arc<dyn CallbackStore>>,
    ttl: Option<Duration>,
    max_body: Option<usize>,
}

impl CallbackReceiverBuilder {
    /// The URL the router is reachable at from the workflow platform, the
    /// prefix of every callback URL (`https://app.example.com/callbacks`).
    /// [`CallbackServer::bind`] sets it to its own address when unset.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Callbacks must be signed with `secret`: `X-Webhook-Signature:
    /// sha256=<hex of HMAC-SHA256(secret, raw body)>` (Flowmatic's scheme,
    /// and the reference server's `http_request` steps).
    /// Replaces any [`CallbackReceiverBuilder::verifier`].
    pub fn secret(mut self, secret: impl Into<Secret>) -> Self {
        self.secret = Some(secret.into());
        self.verifier = None;
        self
    }

    /// Callbacks must pass `verifier` (several secrets, another scheme).
    /// Replaces any [`CallbackReceiverBuilder::secret`].
    pub fn verifier(mut self, verifier: Verifier) -> Self {
        self.verifier = Some(verifier);
        self.secret = None;
        self
    }

    /// Whether each callback URL carries a per-run token (`?token=…`) that
    /// the callback must present: on unless turned off, which needs a
    /// signature instead.
    pub fn url_tokens(mut self, on: bool) -> Self {
        self.url_tokens = Some(on);
        self
    }

    /// Keeps registrations in `store` ([`InMemoryCallbackStore`] by default).
    pub fn store(mut self, store: Arc<dyn CallbackStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// How long a registration lives ([`DEFAULT_TTL`]); a callback after
    /// that is unknown.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// The largest callback body read ([`DEFAULT_MAX_BODY`]); a longer one
    /// is answered `413`.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = Some(bytes);
        self
    }

    pub(crate) fn has_public_url(&self) -> bool {
        self.public_url.is_some()
    }

    /// The receiver.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] without a public URL, for a URL that is not
    /// `http(s)` or carries a query, and when callbacks would not be
    /// authenticated (no URL tokens and no signature).
    pub fn build(self) -> Result<CallbackReceiver> {
        let text = self.public_url.ok_or_else(|| {
            Error::Config("a callback receiver needs the public URL it is reached at".into())
        })?;
        let mut public_url =
            Url::parse(&text).map_err(|e| Error::Config(format!("callback URL {text:?}: {e}")))?;
        if !matches!(public_url.scheme(), "http" | "https") || public_url.cannot_be_a_base() {
            return Err(Error::Config(format!(
                "callback URL {text:?} is not an http(s) URL"
            )));
        }
        if public_url.query().is_some() || public_url.fragment().is_some() {
            return Err(Error::Config(format!(
                "callback URL {text:?} must not carry a query or fragment"
            )));
        }
        if !public_url.path().ends_with('/') {
            let path = format!("{}/", public_url.path());
            public_url.set_path(&path);
        }
        let verifier = match self.secret {
            Some(secret) => Some(Verifier::flowmatic([secret])?),
            None => self.verifier,
        };
        let url_tokens = self.url_tokens.unwrap_or(true);
        if !url_tokens && verifier.is_none() {
            return Err(Error::Config(
                "callbacks need URL tokens or a signature: otherwise anyone could complete a run"
                    .into(),
            ));
        }
        Ok(CallbackReceiver {
            shared: Arc::new(Shared {
                public_url,
                verifier,
                url_tokens,
                store: self
                    .store
                    .unwrap_or_else(|| Arc::new(InMemoryCallbackStore::new())),
                ttl: self.ttl.unwrap_or(DEFAULT_TTL),
                max_body: self.max_body.unwrap_or(DEFAULT_MAX_BODY),
                waiters: Waiters::default(),
            }),
        })
    }
}

/// A registered callback: the URLs to give the workflow, and the handle to
/// wait on ([`PendingCallback::into_run`], [`PendingCallback::follow`]).
///
/// `Debug` shows the id only: the URLs carry the run's token.
#[derive(Clone)]
pub struct PendingCallback {
    receiver: CallbackReceiver,
    id: String,
    url: String,
    failure_url: String,
}

impl fmt::Debug for PendingCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingCallback")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl PendingCallback {
    /// The correlation id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where the workflow posts its result.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the workflow (or its error workflow) posts a failure: the
    /// result URL with `status=failed`.
    pub fn failure_url(&self) -> &str {
        &self.failure_url
    }

    /// The handle that waits for this callback.
    pub fn into_run(self) -> CallbackRun {
        CallbackRun::new(self.receiver, self.id, None)
    }

    /// The handle that waits for this callback, for the run `run` started
    /// (its provider, id, status before the callback, and `cancel`).
    pub fn follow(self, run: Box<dyn crate::RunHandle>) -> CallbackRun {
        CallbackRun::new(self.receiver, self.id, Some(run))
    }
}

/// Where [`CallbackReceiver::trigger`] puts the callback URL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlPlacement {
    /// A field of the JSON payload (an object, or `null` which becomes one).
    Field(String),
    /// A request header.
    Header(String),
}

impl UrlPlacement {
    /// The payload field `name` (`callbackUrl`; n8n reads it as
    /// `{{$json.body.callbackUrl}}`).
    pub fn field(name: impl Into<String>) -> Self {
        Self::Field(name.into())
    }

    /// The header `name`.
    pub fn header(name: impl Into<String>) -> Self {
        Self::Header(name.into())
    }
}

impl CallbackReceiver {
    /// A builder.
    pub fn builder() -> CallbackReceiverBuilder {
        CallbackReceiverBuilder::default()
    }

    /// The prefix of every callback URL (ends with `/`).
    pub fn public_url(&self) -> &str {
        self.shared.public_url.as_str()
    }

    /// Registers a callback under a new random correlation id.
    ///
    /// # Errors
    ///
    /// The store's.
    pub async fn register(&self) -> Result<PendingCallback> {
        self.register_as(uuid::Uuid::new_v4().simple().to_string())
            .await
    }

    /// Registers a callback under `id` (an order number, say): up to 128 of
    /// `A-Z a-z 0-9 . _ ~ -`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an id outside that alphabet,
    /// [`Error::Conflict`] when the id is registered already, and the
    /// store's failures.
    pub async fn register_as(&self, id: impl Into<String>) -> Result<PendingCallback> {
        let id = id.into();
        if id.is_empty()
            || id.len() > MAX_ID_LEN
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._~-".contains(&b))
        {
            return Err(Error::Config(format!(
                "callback id {id:?} must be 1 to {MAX_ID_LEN} of A-Z a-z 0-9 . _ ~ -"
            )));
        }
        let shared = &self.shared;
        let token = shared.url_tokens.then(new_token);
        let expires_at = SystemTime::now()
            .checked_add(shared.ttl)
            .unwrap_or_else(|| SystemTime::now() + DEFAULT_TTL);
        let record = CallbackRecord::new(id.clone(), token.as_deref().map(token_hash), expires_at);
        shared.store.insert(record).await?;
        let mut url = shared.public_url.clone();
        url.set_path(&format!("{}{id}", shared.public_url.path()));
        if let Some(token) = &token {
            url.query_pairs_mut().append_pair(TOKEN_PARAM, token);
        }
        let mut failure = url.clone();
        failure
            .query_pairs_mut()
            .append_pair(STATUS_PARAM, CallbackStatus::Failed.as_str());
        Ok(PendingCallback {
            receiver: self.clone(),
            id,
            url: url.into(),
            failure_url: failure.into(),
        })
    }

    /// The handle of a callback registered earlier, maybe by another process
    /// sharing the store; nothing is read until it is used.
    pub fn resume(&self, id: impl Into<String>) -> CallbackRun {
        CallbackRun::new(self.clone(), id.into(), None)
    }

    /// Forgets a registration: its callback becomes unknown. `true` when
    /// there was one.
    ///
    /// # Errors
    ///
    /// The store's.
    pub async fn forget(&self, id: &str) -> Result<bool> {
        self.shared.store.remove(id).await
    }

    /// Registers a callback, puts its URL in `request` as `placement` says,
    /// starts the run with `trigger`, and returns the handle that follows
    /// it to its callback.
    ///
    /// When the trigger fails the registration is forgotten, unless the
    /// error says a run may have started ([`Error::may_have_started`]):
    /// then its callback is still taken until the registration expires.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the payload is neither an object nor `null`
    /// for [`UrlPlacement::Field`]; the store's and the trigger's errors.
    pub async fn trigger(
        &self,
        trigger: &dyn Trigger,
        mut request: TriggerRequest,
        placement: UrlPlacement,
    ) -> Result<CallbackRun> {
        match (&placement, &request.payload) {
            (UrlPlacement::Field(_), Value::Object(_) | Value::Null)
            | (UrlPlacement::Header(_), _) => {}
            (UrlPlacement::Field(name), _) => {
                return Err(Error::Config(format!(
                    "the callback URL goes in payload field {name:?}, but the payload is not a JSON object"
                )));
            }
        }
        let pending = self.register().await?;
        match placement {
            UrlPlacement::Field(name) => {
                if request.payload.is_null() {
                    request.payload = Value::Object(Default::default());
                }
                if let Value::Object(fields) = &mut request.payload {
                    fields.insert(name, Value::String(pending.url.clone()));
                }
            }
            UrlPlacement::Header(name) => request.headers.push((name, pending.url.clone())),
        }
        match trigger.trigger(request).await {
            Ok(run) => Ok(pending.follow(run)),
            Err(error) => {
                if !error.may_have_started() {
                    // Best effort: an unused registration expires anyway.
                    let _ = self.forget(&pending.id).await;
                }
                Err(error)
            }
        }
    }

    pub(crate) fn store(&self) -> &dyn CallbackStore {
        self.shared.store.as_ref()
    }

    pub(crate) fn waiters(&self) -> &Waiters {
        &self.shared.waiters
    }
}

/// 64 hex digits from two v4 UUIDs (244 random bits).
fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// What the store keeps of a token: its SHA-256, lower-case hex.
fn token_hash(token: &str) -> String {
    hex_lower(&Sha256::digest(token.as_bytes()))
}

/// The handles waiting in this process, by correlation id, woken when their
/// callback arrives here (callbacks taken by another process are found by
/// polling the store).
#[derive(Default)]
pub(crate) struct Waiters {
    by_id: Mutex<HashMap<String, Arc<Notify>>>,
}

impl Waiters {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Notify>>> {
        self.by_id
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Joins the waiters of `id`; leaving is dropping the guard.
    pub(crate) fn join(&self, id: &str) -> WaiterGuard<'_> {
        let notify = self.lock().entry(id.to_owned()).or_default().clone();
        WaiterGuard {
            waiters: self,
            id: id.to_owned(),
            notify,
        }
    }

    /// Wakes every handle waiting for `id`.
    pub(crate) fn wake(&self, id: &str) {
        if let Some(notify) = self.lock().get(id) {
            notify.notify_waiters();
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

/// One handle's place among the waiters of an id.
pub(crate) struct WaiterGuard<'a> {
    waiters: &'a Waiters,
    id: String,
    notify: Arc<Notify>,
}

impl WaiterGuard<'_> {
    pub(crate) fn notify(&self) -> &Notify {
        &self.notify
    }
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        let mut by_id = self.waiters.lock();
        // Clones are made under this lock: two means the map's and ours.
        if Arc::strong_count(&self.notify) <= 2 {
            by_id.remove(&self.id);
        }
    }
}
