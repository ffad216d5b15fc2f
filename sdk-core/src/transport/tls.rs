//! The TLS backend, chosen by cargo feature.
//!
//! | feature | backend | notes |
//! |---|---|---|
//! | `rustls-aws-lc` (default) | rustls with aws-lc-rs | its `aws-lc-sys` build script compiles C (a C compiler is needed): the heaviest cold build |
//! | `rustls-ring` | rustls with *ring* | lighter cold build; installs *ring* as the process's rustls provider unless the application installed one |
//! | `native-tls` | the platform's TLS (OpenSSL on Linux, Security.framework, SChannel) | needs the OpenSSL headers on Linux |
//!
//! With more than one enabled, `native-tls` wins over rustls, and a rustls
//! provider the application installed wins over both rustls features. With
//! none, `https://` base URLs are refused with [`Error::Config`] when the
//! client is built (a client of your own from
//! [`ClientOptions::http_client`](super::ClientOptions::http_client) brings
//! its own TLS).

use url::Url;

use crate::error::{Error, Result};

/// Whether this build can speak TLS at all.
pub(crate) const ENABLED: bool = cfg!(any(
    feature = "rustls-aws-lc",
    feature = "rustls-ring",
    feature = "native-tls"
));

/// The name of the backend in use, for messages and `--version` lines.
pub const fn backend() -> &'static str {
    if cfg!(feature = "native-tls") {
        "native-tls"
    } else if cfg!(feature = "rustls-ring") {
        "rustls (ring)"
    } else if cfg!(feature = "rustls-aws-lc") {
        "rustls (aws-lc-rs)"
    } else {
        "none"
    }
}

/// Prepares the process for building a client with the chosen backend.
pub(crate) fn prepare(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    #[cfg(all(feature = "rustls-ring", not(feature = "native-tls")))]
    {
        // Err only means a provider is installed already: the application's
        // choice, kept.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    builder
}

/// Refuses an `https://` base URL in a build without TLS (our own client only).
pub(crate) fn refuse_https_without_tls(base: &Url) -> Result<()> {
    if ENABLED || base.scheme() != "https" {
        return Ok(());
    }
    Err(Error::Config(format!(
        "{base} needs TLS, and this build of trigger-sdk-core has no TLS backend: enable \
         one of the features rustls-aws-lc, rustls-ring or native-tls"
    )))
}
