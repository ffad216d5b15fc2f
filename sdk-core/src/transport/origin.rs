//! Where a credential may go: origins and the plain-http rule.

use url::{Host, Url};

use crate::error::{Error, Result};

/// Whether `host` is loopback: `localhost` (and `*.localhost`), 127.0.0.0/8, `::1`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            domain == "localhost" || domain.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Refuses credentials over plain `http://` to a host that is not loopback.
pub(crate) fn refuse_plain_http(base: &Url) -> Result<()> {
    if base.scheme() != "http" || is_loopback(base) {
        return Ok(());
    }
    Err(Error::Config(format!(
        "refusing to send credentials over plain http to {}: use https, or opt in with \
         ClientOptions::allow_insecure_http(true) (builder method allow_insecure_http)",
        base.host_str().unwrap_or("?")
    )))
}

/// Whether two URLs have the same origin (scheme, host, port), without
/// allocating (it runs on every answer).
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_allowed_and_others_refused() {
        for ok in [
            "http://localhost:1",
            "http://api.localhost",
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://[::1]:80",
            "https://example.com",
        ] {
            assert!(refuse_plain_http(&Url::parse(ok).unwrap()).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://10.1.2.3:8080",
            "http://[fe80::1]",
            "http://localhost.example.com",
        ] {
            let e = refuse_plain_http(&Url::parse(bad).unwrap()).unwrap_err();
            assert!(e.to_string().contains("allow_insecure_http"), "{bad}: {e}");
        }
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let a = Url::parse("http://127.0.0.1:1/x").unwrap();
        assert!(same_origin(
            &a,
            &Url::parse("http://127.0.0.1:1/y?z").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://127.0.0.1:2/x").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("https://127.0.0.1:1/x").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://localhost:1/x").unwrap()
        ));
    }
}
