//! The built-in [`Scheme`]s: [`Sha256Body`] (Flowmatic), [`Timestamped`]
//! (`t=…,v1=…`), and [`from_fn`] for anything else.

use std::{fmt, sync::Arc, time::Duration};

use http::{HeaderName, request::Parts};

use super::Scheme;
use crate::{
    Secret,
    error::{Error, Result},
    signature::{self, ReplayStore, SignatureError, VerifyOptions},
};

/// The header Flowmatic signs with: `X-Webhook-Signature`.
pub const FLOWMATIC_SIGNATURE_HEADER: &str = "x-webhook-signature";

/// Where a scheme finds its signature and the secrets it accepts: what
/// every built-in scheme holds. `Debug` counts the secrets.
#[derive(Clone)]
struct Keys {
    header: HeaderName,
    secrets: Vec<Secret>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field("header", &self.header)
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Keys {
    /// [`Error::Config`] for an invalid header name or no secret.
    fn new<S: Into<Secret>>(header: &str, secrets: impl IntoIterator<Item = S>) -> Result<Self> {
        let header = HeaderName::from_bytes(header.as_bytes())
            .map_err(|_| Error::Config(format!("{header:?} is not a valid header name")))?;
        let secrets: Vec<Secret> = secrets.into_iter().map(Into::into).collect();
        if secrets.is_empty() {
            return Err(Error::Config(
                "a webhook verifier needs at least one secret".into(),
            ));
        }
        Ok(Self { header, secrets })
    }

    /// The signature header of `head` as text; empty when absent or not
    /// text (the signature functions then say [`SignatureError::Missing`]
    /// or [`SignatureError::Malformed`]).
    fn header<'a>(&self, head: &'a Parts) -> &'a str {
        head.headers
            .get(&self.header)
            .map_or("", |v| v.to_str().unwrap_or("\u{0}"))
    }
}

/// `<header>: sha256=<hex of HMAC-SHA256(secret, raw body)>`, checked with
/// [`signature::verify_sha256`]: Flowmatic's `X-Webhook-Signature`, GitHub's
/// `X-Hub-Signature-256`, and the like.
#[derive(Clone, Debug)]
pub struct Sha256Body {
    keys: Keys,
}

impl Sha256Body {
    /// The signature in header `header`, made with any of `secrets`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an invalid header name or no secret.
    pub fn new<S: Into<Secret>>(
        header: &str,
        secrets: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        Keys::new(header, secrets).map(|keys| Self { keys })
    }

    /// Flowmatic's: in [`FLOWMATIC_SIGNATURE_HEADER`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for no secret.
    pub fn flowmatic<S: Into<Secret>>(secrets: impl IntoIterator<Item = S>) -> Result<Self> {
        Self::new(FLOWMATIC_SIGNATURE_HEADER, secrets)
    }
}

impl Scheme for Sha256Body {
    fn verify(&self, head: &Parts, body: &[u8]) -> Result<(), SignatureError> {
        signature::verify_sha256(self.keys.header(head), body, &self.keys.secrets)
    }

    fn name(&self) -> &'static str {
        "sha256"
    }
}

/// `<header>: t=<unix seconds>,v1=<hex>` with the MAC over `<t>.<raw body>`,
/// checked with [`signature::verify_timestamped`]: a tolerance window
/// (5 minutes unless set) and, when given, a [`ReplayStore`] so a delivery
/// is accepted once.
///
/// ```
/// use std::{sync::Arc, time::Duration};
/// use trigger_sdk_core::{signature::InMemoryReplayStore, verify::{Timestamped, Verifier}};
///
/// let scheme = Timestamped::new("Webhook-Signature", ["whsec_new", "whsec_old"])?
///     .tolerance(Duration::from_secs(120))
///     .replay_store(Arc::new(InMemoryReplayStore::new()));
/// let verifier = Verifier::new(scheme);
/// assert_eq!(verifier.scheme(), "timestamped");
/// # Ok::<(), trigger_sdk_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Timestamped {
    keys: Keys,
    options: VerifyOptions,
    replay: Option<Arc<dyn ReplayStore>>,
}

impl fmt::Debug for Timestamped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timestamped")
            .field("keys", &self.keys)
            .field("options", &self.options)
            .field("replay_store", &self.replay.is_some())
            .finish()
    }
}

impl Timestamped {
    /// The signature in header `header`, made with any of `secrets`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an invalid header name or no secret.
    pub fn new<S: Into<Secret>>(
        header: &str,
        secrets: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        Keys::new(header, secrets).map(|keys| Self {
            keys,
            options: VerifyOptions::default(),
            replay: None,
        })
    }

    /// How far the signed timestamp may be from now, either way.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.options.tolerance = tolerance;
        self
    }

    /// Sets the tolerance and the clock at once (a fixed clock, in tests).
    pub fn options(mut self, options: VerifyOptions) -> Self {
        self.options = options;
        self
    }

    /// Remembers accepted deliveries in `store` and refuses them the second
    /// time ([`SignatureError::Replayed`]).
    pub fn replay_store(mut self, store: Arc<dyn ReplayStore>) -> Self {
        self.replay = Some(store);
        self
    }
}

impl Scheme for Timestamped {
    fn verify(&self, head: &Parts, body: &[u8]) -> Result<(), SignatureError> {
        signature::verify_timestamped(
            self.keys.header(head),
            body,
            &self.keys.secrets,
            &self.options,
            self.replay.as_deref(),
        )
    }

    fn name(&self) -> &'static str {
        "timestamped"
    }
}

/// A [`Scheme`] from a function ([`from_fn`]).
#[derive(Clone)]
pub struct FnScheme<F> {
    name: &'static str,
    check: F,
}

impl<F> fmt::Debug for FnScheme<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnScheme")
            .field("name", &self.name)
            .finish()
    }
}

/// A scheme named `name` that `check` verifies: for a platform whose
/// signature is built differently (the URL signed too, another header
/// layout). Use [`signature`]'s functions inside for the MAC.
///
/// ```
/// use trigger_sdk_core::{Secret, signature::{self, SignatureError}, verify::{self, Verifier}};
///
/// // A platform that signs `<path>\n<body>` into `X-Sig: sha256=<hex>`.
/// let secrets = vec![Secret::new("whsec_demo")];
/// let verifier = Verifier::new(verify::from_fn("path-and-body", move |head, body| {
///     let header = head.headers.get("x-sig").and_then(|v| v.to_str().ok()).unwrap_or("");
///     let signed = [head.uri.path().as_bytes(), b"\n", body].concat();
///     signature::verify_sha256(header, &signed, &secrets)
/// }));
///
/// let sig = signature::sign_sha256(&Secret::new("whsec_demo"), b"/hook\n{}");
/// let (head, ()) = http::Request::post("/hook").header("x-sig", sig).body(())?.into_parts();
/// assert_eq!(verifier.verify(&head, b"{}"), Ok(()));
/// assert_eq!(verifier.verify(&head, b"[]"), Err(SignatureError::Mismatch));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_fn<F>(name: &'static str, check: F) -> FnScheme<F>
where
    F: Fn(&Parts, &[u8]) -> Result<(), SignatureError> + Send + Sync + 'static,
{
    FnScheme { name, check }
}

impl<F> Scheme for FnScheme<F>
where
    F: Fn(&Parts, &[u8]) -> Result<(), SignatureError> + Send + Sync + 'static,
{
    fn verify(&self, head: &Parts, body: &[u8]) -> Result<(), SignatureError> {
        (self.check)(head, body)
    }

    fn name(&self) -> &'static str {
        self.name
    }
}
