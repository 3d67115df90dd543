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
    /// Which of Mercado Pago's APIs the client speaks.
    pub api: Api,
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
    /// An HTTP CONNECT proxy, `http://[user:password@]host:port` (SOCKS is refused).
    pub proxy: Option<String>,
    /// A PEM file whose certificates are trusted in addition to the bundled roots.
    pub ca_file: Option<String>,
    /// Sent as `User-Agent`: printable ASCII.
    pub user_agent: String,
    /// The journal's file (see `journal`); `None`: no journal.
    pub journal_path: Option<String>,
    /// How long final entries stay in the journal.
    pub journal_retention: Duration,
}

/// The token must never reach a log, so `Debug` leaves it out (and a proxy's password).
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("access_token", &"[REDACTED]")
            .field("api", &self.api)
            .field("base_url", &self.base_url)
            .field("site", &self.site)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_retries", &self.max_retries)
            .field("poll_interval", &self.poll_interval)
            .field("test_scope", &self.test_scope)
            .field("proxy", &self.proxy.as_deref().map(without_credentials))
            .field("ca_file", &self.ca_file)
            .field("user_agent", &self.user_agent)
            .field("journal_path", &self.journal_path)
            .field("journal_retention", &self.journal_retention)
            .finish()
    }
}

/// The JSON form. Unknown keys are refused so that a typo (`"timout_ms"`) surfaces at start-up
/// instead of silently leaving a default in place.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    access_token: String,
    api: Option<Api>,
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
    journal_path: Option<String>,
    journal_retention_days: Option<u32>,
}

/// Mercado Pago's two APIs for Point terminals, behind the same calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Api {
    /// The Point Integration API (`/point/integration-api`), the default: deprecated by
    /// Mercado Pago, but what existing integrations are certified on.
    #[default]
    #[serde(rename = "integration")]
    Integration,
    /// The Orders API (`/v1/orders`, `/terminals/v1`), which new integrations must use.
    #[serde(rename = "orders")]
    Orders,
}

impl Api {
    pub fn as_str(self) -> &'static str {
        match self {
            Api::Integration => "integration",
            Api::Orders => "orders",
        }
    }
}

/// Final journal entries are kept this long by default, then dropped.
const DEFAULT_RETENTION_DAYS: u64 = 30;
const MAX_RETENTION_DAYS: u32 = 3650;
const DAY_SECONDS: u64 = 24 * 60 * 60;

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
            api: Api::Integration,
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
            journal_path: None,
            journal_retention: Duration::from_secs(DEFAULT_RETENTION_DAYS * DAY_SECONDS),
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
        config.api = options.api.unwrap_or_default();
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
        config.journal_path = non_empty("journal_path", options.journal_path)?;
        if let Some(days) = options.journal_retention_days {
            if days == 0 || days > MAX_RETENTION_DAYS {
                return Err(Error::invalid(format!(
                    "journal_retention_days {days} must be from 1 to {MAX_RETENTION_DAYS}"
                )));
            }
            if config.journal_path.is_none() {
                return Err(Error::invalid(
                    "journal_retention_days needs journal_path (there is no journal without it)",
                ));
            }
            config.journal_retention = Duration::from_secs(u64::from(days) * DAY_SECONDS);
        }
        config.check()?;
        Ok(config)
    }

    /// The checks of the fields a Rust caller may also set by hand, so that `Client::new`
    /// refuses what `from_json` refuses: a value that would make every request fail (a
    /// header that HTTP does not allow) or go where it should not (a proxy that ureq would
    /// not use).
    pub(crate) fn check(&self) -> Result<()> {
        // `base_url` is a public field: a hand-set one gets the same rule as the option.
        check_base_url(&self.base_url)?;
        header_text("user_agent", &self.user_agent)?;
        if let Some(scope) = &self.test_scope {
            header_text("test_scope", scope)?;
            if self.api == Api::Orders {
                return Err(Error::invalid(
                    "test_scope is a header of the Point Integration API only: the Orders API \
                     has no sandbox header (test with a test account's credentials instead)",
                ));
            }
        }
        if let Some(url) = &self.proxy {
            proxy(url)?;
        }
        Ok(())
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

/// A header value: HTTP allows visible ASCII and spaces (bytes above 127 are "obsolete
/// text" that servers and proxies refuse or mangle, so every request would fail).
fn header_text(name: &str, value: &str) -> Result<()> {
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
fn without_credentials(url: &str) -> String {
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
    fn the_api_is_integration_unless_orders_is_asked_for() {
        let c = Config::from_json(r#"{"access_token":"TEST-1"}"#).unwrap();
        assert_eq!(c.api, Api::Integration);
        let c = Config::from_json(r#"{"access_token":"TEST-1","api":"orders"}"#).unwrap();
        assert_eq!(c.api, Api::Orders);
        for bad in [
            r#"{"access_token":"TEST-1","api":"Orders"}"#,
            r#"{"access_token":"TEST-1","api":"v2"}"#,
            r#"{"access_token":"TEST-1","api":"orders","test_scope":"sandbox"}"#,
        ] {
            assert!(Config::from_json(bad).is_err(), "{bad}");
        }
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
    fn header_options_must_be_printable_ascii() {
        for bad in [
            r#"{"access_token":"TEST-1","user_agent":"Caixa São Paulo"}"#,
            r#"{"access_token":"TEST-1","test_scope":"sandbox✓"}"#,
        ] {
            let e = Config::from_json(bad).unwrap_err();
            assert!(e.message().contains("printable ASCII"), "{}", e.message());
        }
        let mut c = Config::new("TEST-1").unwrap();
        c.user_agent = "POS/1.0 (Windows 7; caja 3)".into();
        assert!(c.check().is_ok());
        c.test_scope = Some("açaí".into());
        assert!(c.check().unwrap_err().message().starts_with("test_scope"));
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

    #[test]
    fn a_base_url_set_by_hand_is_checked_when_the_client_is_made() {
        let mut c = Config::new("TEST-1").unwrap();
        c.base_url = "http://api.mercadopago.com".into();
        let e = crate::Client::new(c)
            .err()
            .expect("plain http to a remote host is refused");
        assert!(e.message().contains("not https"), "{}", e.message());
    }

    #[test]
    fn debug_never_shows_the_token() {
        let c = Config::new("APP_USR-secret-token").unwrap();
        assert!(!format!("{c:?}").contains("secret-token"));
    }
}
