//! The checks of single options, shared by the builder and by `Config::check`: the token,
//! header texts, the base URL, the proxy.

use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use crate::error::{Error, Result};

pub(super) fn check_token(token: &str) -> Result<()> {
    if token.trim().is_empty() {
        return Err(Error::invalid("access token is empty"));
    }
    // The token goes into a header: control characters or spaces would corrupt the request.
    if token.chars().any(|c| c.is_control() || c == ' ') || !token.is_ascii() {
        return Err(Error::invalid(
            "access token contains spaces, control or non-ASCII characters",
        ));
    }
    Ok(())
}

/// A time limit, named as its option (`timeout_ms`).
pub(super) fn positive(name: &str, limit: Duration) -> Result<Duration> {
    if limit.is_zero() {
        return Err(Error::invalid(format!("{name} must be more than 0")));
    }
    Ok(limit)
}

pub(super) fn non_empty(name: &str, value: Option<String>) -> Result<Option<String>> {
    match value {
        Some(v) if v.trim().is_empty() => Err(Error::invalid(format!(
            "{name} is empty (leave the key out instead)"
        ))),
        Some(v) if v.chars().any(char::is_control) => Err(Error::invalid(format!(
            "{name} contains control characters"
        ))),
        other => Ok(other),
    }
}

/// A header value: HTTP allows visible ASCII and spaces (bytes above 127 are "obsolete
/// text" that servers and proxies refuse or mangle, so every request would fail).
pub(super) fn header_text(name: &str, value: &str) -> Result<()> {
    if value.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "{name} {value:?} must be printable ASCII (letters, digits, spaces and punctuation, \
         no accents or control characters): it is sent as an HTTP header"
    )))
}

/// Parses the `proxy` option. Only HTTP CONNECT proxies are supported, the kind POS networks
/// use: ureq's SOCKS support is a separate feature (another dependency, and a connector
/// that would bypass the library's TCP layer), so a SOCKS URL is refused here rather than
/// accepted and ignored. Messages never show the URL's credentials.
pub(crate) fn proxy(url: &str) -> Result<ureq::Proxy> {
    let shown = without_credentials(url);
    let proxy = ureq::Proxy::new(url).map_err(|_| {
        Error::invalid(format!(
            "proxy {shown:?} is not a proxy URL: use http://host:port or \
             http://user:password@host:port"
        ))
    })?;
    if !matches!(
        proxy.protocol(),
        ureq::ProxyProtocol::Http | ureq::ProxyProtocol::Https
    ) {
        return Err(Error::invalid(format!(
            "proxy {shown:?} is a {} proxy; SOCKS is not supported: use an HTTP CONNECT \
             proxy (http://host:port)",
            proxy.protocol()
        )));
    }
    // A port that is not a number from 1 to 65535 would silently become the default one.
    let authority = proxy
        .uri()
        .authority()
        .map(|a| a.as_str())
        .unwrap_or_default();
    let host_and_port = authority.rsplit('@').next().unwrap_or_default();
    let port_text = host_and_port
        .strip_prefix(proxy.host())
        .and_then(|rest| rest.strip_prefix(':'));
    if let Some(text) = port_text {
        if !matches!(text.parse::<u16>(), Ok(1..)) {
            return Err(Error::invalid(format!(
                "proxy {shown:?}: the port must be a number from 1 to 65535"
            )));
        }
    }
    Ok(proxy)
}

/// A proxy URL with whatever stands before its last `@` (its user and password) hidden.
pub(super) fn without_credentials(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    match rest.rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// Accepts `https://host[:port][/prefix]`, or `http://` only for a loopback host (the
/// simulator): the token must never cross a network in clear text.
pub(super) fn check_base_url(url: &str) -> Result<String> {
    let url = url.trim_end_matches('/');
    let uri: ureq::http::Uri = url
        .parse()
        .map_err(|_| Error::invalid(format!("base_url {url:?} is not a URL")))?;
    let host = uri
        .host()
        .ok_or_else(|| Error::invalid(format!("base_url {url:?} has no host")))?;
    if uri.query().is_some() {
        return Err(Error::invalid(format!(
            "base_url {url:?} must not have a query"
        )));
    }
    // The scheme as `http` reads it, in lower case: the rest of the library tells an https
    // service by the prefix `https://` (a TLS failure is then never retried).
    let lower_case = |scheme: &str| match (url.get(..scheme.len()), url.get(scheme.len()..)) {
        (Some(given), Some(rest)) if given.eq_ignore_ascii_case(scheme) => {
            Ok(format!("{scheme}{rest}"))
        }
        _ => Err(Error::invalid(format!("base_url {url:?} is not a URL"))),
    };
    match uri.scheme_str() {
        Some("https") => lower_case("https"),
        Some("http") if is_loopback(host) => lower_case("http"),
        Some("http") => Err(Error::invalid(format!(
            "base_url {url:?} is not https; plain http is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost)"
        ))),
        _ => Err(Error::invalid(format!(
            "base_url {url:?} must start with https://"
        ))),
    }
}

fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => v6 == Ipv6Addr::LOCALHOST,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost:1",
            "http://[::1]:80",
            "https://api.mercadopago.com",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1",
            "http://api.mercadopago.com",
            "http://[::2]",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_scheme_is_kept_in_lower_case() {
        for (given, kept) in [
            (
                "HTTPS://api.mercadopago.com/",
                "https://api.mercadopago.com",
            ),
            (
                "Https://api.mercadopago.com/v1",
                "https://api.mercadopago.com/v1",
            ),
            ("HTTP://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ] {
            assert_eq!(check_base_url(given).unwrap(), kept);
        }
    }

    #[test]
    fn a_proxy_is_an_http_connect_proxy_with_a_real_port() {
        for ok in [
            "http://127.0.0.1:3128",
            "http://proxy.pos.lan",
            "proxy.pos.lan:8080",
            "http://user:p%40ss@proxy:3128",
            "http://[::1]:3128",
            "https://proxy:443",
        ] {
            assert!(proxy(ok).is_ok(), "{ok}");
        }
        assert_eq!(proxy("http://[::1]:3128").unwrap().port(), 3128);
        for bad in [
            "socks5://127.0.0.1:1",
            "SOCKS5://127.0.0.1:1",
            "ftp://proxy:21",
            "http://proxy:0",
            "http://proxy:65536",
            "http://proxy:port",
            "http://[::1]:99999",
            "http://",
        ] {
            assert!(proxy(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_are_hidden_in_a_proxy_url() {
        assert_eq!(
            without_credentials("http://pos:pa@ss@proxy:3128"),
            "http://***@proxy:3128"
        );
        assert_eq!(without_credentials("pos:pw@proxy:3128"), "***@proxy:3128");
        assert_eq!(
            without_credentials("http://proxy:3128"),
            "http://proxy:3128"
        );
    }
}
