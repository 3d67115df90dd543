//! Client configuration: the options a POS passes once at start-up, checked before any
//! request is made.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::Site;

pub(crate) const DEFAULT_BASE_URL: &str = "https://api.mercadopago.com";

/// Everything a `Client` needs. Build it with [`Config::new`] (token only) or
/// [`Config::from_json`] (the C layer's options JSON).
#[derive(Clone)]
pub struct Config {
    pub(crate) access_token: String,
    pub base_url: String,
    pub site: Option<Site>,
    /// The most one call may take, retries and backoff included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_retries: u32,
    /// Pause between status reads while waiting; the real API allows one read per second.
    pub poll_interval: Duration,
    /// Sent as `x-test-scope` (e.g. `"sandbox"`).
    pub test_scope: Option<String>,
    pub proxy: Option<String>,
    /// A PEM file whose certificates are trusted in addition to the bundled roots.
    pub ca_file: Option<String>,
    pub user_agent: String,
}

/// The token must never reach a log, so `Debug` leaves it out.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("access_token", &"[REDACTED]")
            .field("base_url", &self.base_url)
            .field("site", &self.site)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_retries", &self.max_retries)
            .field("poll_interval", &self.poll_interval)
            .field("test_scope", &self.test_scope)
            .field("proxy", &self.proxy)
            .field("ca_file", &self.ca_file)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// The JSON form. Unknown keys are refused so that a typo (`"timout_ms"`) surfaces at start-up
/// instead of silently leaving a default in place.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    access_token: String,
    base_url: Option<String>,
    site: Option<Site>,
    timeout_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
    max_retries: Option<u32>,
    poll_interval_ms: Option<u64>,
    test_scope: Option<String>,
    proxy: Option<String>,
    ca_file: Option<String>,
    user_agent: Option<String>,
}

/// Below this a wait would hammer the service; the real API allows one read per second.
const MIN_POLL_INTERVAL_MS: u64 = 10;
/// More retries only delay the answer a cashier is waiting for.
const MAX_RETRIES: u32 = 10;

impl Config {
    /// Defaults for the production service.
    pub fn new(access_token: &str) -> Result<Config> {
        check_token(access_token)?;
        Ok(Config {
            access_token: access_token.to_owned(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            site: None,
            timeout: Duration::from_millis(30_000),
            connect_timeout: Duration::from_millis(10_000),
            max_retries: 2,
            poll_interval: Duration::from_millis(1_000),
            test_scope: None,
            proxy: None,
            ca_file: None,
            user_agent: default_user_agent(),
        })
    }

    /// Parses and checks the options JSON of `mp_init_with_options`. No message quotes the
    /// access token, even one pasted into another option by mistake.
    pub fn from_json(json: &str) -> Result<Config> {
        let options: Options =
            serde_json::from_str(json).map_err(|e| options_json_error(json, e))?;
        let token = options.access_token.clone();
        Config::from_options(options).map_err(|e| e.redact(&token))
    }

    fn from_options(options: Options) -> Result<Config> {
        let mut config = Config::new(&options.access_token)?;
        if let Some(url) = options.base_url {
            config.base_url = check_base_url(&url)?;
        }
        config.site = options.site;
        if let Some(ms) = options.timeout_ms {
            config.timeout = positive_ms("timeout_ms", ms)?;
        }
        if let Some(ms) = options.connect_timeout_ms {
            config.connect_timeout = positive_ms("connect_timeout_ms", ms)?;
        }
        if let Some(n) = options.max_retries {
            if n > MAX_RETRIES {
                return Err(Error::invalid(format!(
                    "max_retries {n} is more than {MAX_RETRIES}"
                )));
            }
            config.max_retries = n;
        }
        if let Some(ms) = options.poll_interval_ms {
            if ms < MIN_POLL_INTERVAL_MS {
                return Err(Error::invalid(format!(
                    "poll_interval_ms {ms} is below {MIN_POLL_INTERVAL_MS}"
                )));
            }
            config.poll_interval = Duration::from_millis(ms);
        }
        config.test_scope = non_empty("test_scope", options.test_scope)?;
        config.proxy = non_empty("proxy", options.proxy)?;
        config.ca_file = non_empty("ca_file", options.ca_file)?;
        if let Some(agent) = non_empty("user_agent", options.user_agent)? {
            config.user_agent = agent;
        }
        Ok(config)
    }

    /// Sets the base URL (checked as in the options JSON).
    pub fn with_base_url(mut self, url: &str) -> Result<Config> {
        self.base_url = check_base_url(url)?;
        Ok(self)
    }
}

/// serde's message for options that do not fit, without the token: its data errors quote
/// values (`unknown variant "APP_USR-…"` for a token in `site`), so they are redacted with
/// the token the JSON holds, and when the JSON itself is broken its syntax error is reported
/// instead (syntax errors quote nothing, and the token may not be found in broken JSON).
fn options_json_error(json: &str, e: serde_json::Error) -> Error {
    let value = match serde_json::from_str::<serde_json::Value>(json) {
        Ok(value) => value,
        Err(syntax) => return Error::invalid(format!("options JSON: {syntax}")),
    };
    let error = Error::invalid(format!("options JSON: {e}"));
    match value
        .get("access_token")
        .and_then(serde_json::Value::as_str)
    {
        Some(token) => error.redact(token),
        None => error,
    }
}

fn default_user_agent() -> String {
    format!("mppoint/{}", env!("CARGO_PKG_VERSION"))
}

fn check_token(token: &str) -> Result<()> {
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

fn positive_ms(name: &str, ms: u64) -> Result<Duration> {
    if ms == 0 {
        return Err(Error::invalid(format!("{name} must be more than 0")));
    }
    Ok(Duration::from_millis(ms))
}

fn non_empty(name: &str, value: Option<String>) -> Result<Option<String>> {
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

/// Accepts `https://host[:port][/prefix]`, or `http://` only for a loopback host (the
/// simulator): the token must never cross a network in clear text.
fn check_base_url(url: &str) -> Result<String> {
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
    fn defaults_match_the_documentation() {
        let c = Config::from_json(r#"{"access_token":"TEST-1"}"#).unwrap();
        assert_eq!(c.base_url, DEFAULT_BASE_URL);
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert_eq!(c.connect_timeout, Duration::from_secs(10));
        assert_eq!(c.max_retries, 2);
        assert_eq!(c.poll_interval, Duration::from_secs(1));
        assert!(c.user_agent.starts_with("mppoint/"));
    }

    #[test]
    fn every_option_is_read() {
        let c = Config::from_json(
            r#"{"access_token":"TEST-1","base_url":"http://127.0.0.1:9/","site":"MLB",
                "timeout_ms":500,"connect_timeout_ms":200,"max_retries":0,"poll_interval_ms":10,
                "test_scope":"sandbox","proxy":"http://127.0.0.1:3128","ca_file":"/x.pem",
                "user_agent":"POS 1.0"}"#,
        )
        .unwrap();
        assert_eq!(c.base_url, "http://127.0.0.1:9");
        assert_eq!(c.site, Some(Site::Brazil));
        assert_eq!(c.timeout, Duration::from_millis(500));
        assert_eq!(c.max_retries, 0);
        assert_eq!(c.test_scope.as_deref(), Some("sandbox"));
        assert_eq!(c.user_agent, "POS 1.0");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        for bad in [
            r#"{"access_token":"TEST-1","timout_ms":5}"#,
            r#"{"timeout_ms":5}"#,
            r#"{"access_token":""}"#,
            r#"{"access_token":"TEST-1","site":"MLX"}"#,
            r#"{"access_token":"TEST-1","poll_interval_ms":5}"#,
            r#"{"access_token":"TEST-1","timeout_ms":0}"#,
            r#"{"access_token":"TEST-1","base_url":"http://example.com"}"#,
            r#"{"access_token":"TEST-1","base_url":"ftp://127.0.0.1"}"#,
            r#"not json"#,
        ] {
            assert!(Config::from_json(bad).is_err(), "{bad}");
        }
    }

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

    /// Hand-built options shift a field now and then: a token pasted into another option
    /// must not come back in the message a POS logs, broken JSON around it or not.
    #[test]
    fn a_misplaced_token_never_comes_back_in_the_message() {
        const TOKEN: &str =
            "APP_USR-1234567890123456-112233-abcdef0123456789abcdef0123456789-987654321";
        for options in [
            format!(r#"{{"access_token":"{TOKEN}","site":"{TOKEN}"}}"#),
            format!(r#"{{"access_token":"{TOKEN}","base_url":"{TOKEN}"}}"#),
            format!(r#"{{"access_token":"{TOKEN}","base_url":"http://{TOKEN}.example.com"}}"#),
            format!(r#"{{"access_token":"{TOKEN}","timeout_ms":"{TOKEN}"}}"#),
            format!(r#"{{"access_token":"{TOKEN}","{TOKEN}":1}}"#),
            format!(r#"{{"access_token":"{TOKEN}","site":"{TOKEN}""#),
        ] {
            let e = Config::from_json(&options).unwrap_err();
            assert!(!e.message().contains(TOKEN), "{options}: {}", e.message());
        }
    }

    /// Schemes are case-insensitive, and the rest of the library tells https by the prefix
    /// `https://` (a TLS failure is `Tls`, never retried): the scheme is kept in lower case.
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
    fn debug_never_shows_the_token() {
        let c = Config::new("APP_USR-secret-token").unwrap();
        assert!(!format!("{c:?}").contains("secret-token"));
    }
}
