//! `ConfigBuilder`, the way to a `Config` (as ureq's: each option a method, checked together
//! when it is built). The options JSON of the C ABI and the technician tool both go through
//! it, so every caller gets the same checks, in the same order, with the same messages.

use std::time::Duration;

use super::api::Api;
use super::checks::{check_base_url, check_token, non_empty, positive};
use super::settings::Config;
use crate::error::{Error, Result};
use crate::model::Site;

pub(super) const DEFAULT_BASE_URL: &str = "https://api.mercadopago.com";
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(30_000);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(10_000);
const DEFAULT_MAX_RETRIES: u32 = 2;
/// The real API allows one status read per second.
const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(1_000);
/// Final journal entries are kept this long by default, then dropped.
const DEFAULT_RETENTION_DAYS: u64 = 30;
const MAX_RETENTION_DAYS: u64 = 3650;
const DAY_SECONDS: u64 = 24 * 60 * 60;
/// Below this a wait would hammer the service; the real API allows one read per second.
const MIN_POLL_INTERVAL: Duration = Duration::from_millis(10);
/// More retries only delay the answer a cashier is waiting for.
const MAX_RETRIES: u32 = 10;

/// The options of a `Config` being made: `Config::builder(token)`, a method per option to
/// change, then `build()`. An option left alone keeps its default (see `mp_init_with_options`
/// in point.h for each).
#[derive(Clone)]
pub struct ConfigBuilder {
    access_token: String,
    api: Api,
    base_url: Option<String>,
    site: Option<Site>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_retries: Option<u32>,
    poll_interval: Option<Duration>,
    test_scope: Option<String>,
    proxy: Option<String>,
    ca_file: Option<String>,
    user_agent: Option<String>,
    journal_path: Option<String>,
    journal_retention: Option<Duration>,
}

impl Config {
    /// A builder with the defaults for the production service.
    pub fn builder(access_token: impl Into<String>) -> ConfigBuilder {
        ConfigBuilder {
            access_token: access_token.into(),
            api: Api::default(),
            base_url: None,
            site: None,
            timeout: None,
            connect_timeout: None,
            max_retries: None,
            poll_interval: None,
            test_scope: None,
            proxy: None,
            ca_file: None,
            user_agent: None,
            journal_path: None,
            journal_retention: None,
        }
    }

    /// Defaults for the production service.
    pub fn new(access_token: &str) -> Result<Config> {
        Config::builder(access_token).build()
    }

    /// Sets the base URL (checked as in the options JSON).
    pub fn with_base_url(mut self, url: &str) -> Result<Config> {
        self.base_url = check_base_url(url)?;
        Ok(self)
    }
}

impl ConfigBuilder {
    /// Which of Mercado Pago's APIs the client speaks (default: the Point Integration API).
    pub fn api(mut self, api: Api) -> Self {
        self.api = api;
        self
    }

    /// `https://host[:port][/prefix]`, or `http://` for a loopback host (the simulator).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The site whose amount limits apply (and, with the Orders API, how amounts are written).
    pub fn site(mut self, site: Site) -> Self {
        self.site = Some(site);
        self
    }

    /// The most one call may take, retries and backoff included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The most connecting may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Retries of a call that failed for a passing reason (default 2, at most 10).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// The pause between status reads while waiting (default 1 s, at least 10 ms).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = Some(interval);
        self
    }

    /// Sent as `x-test-scope` (`"sandbox"`; Point Integration API only).
    pub fn test_scope(mut self, scope: impl Into<String>) -> Self {
        self.test_scope = Some(scope.into());
        self
    }

    /// An HTTP CONNECT proxy, `http://[user:password@]host:port`.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// A PEM file whose certificates are trusted in addition to the bundled roots.
    pub fn ca_file(mut self, path: impl Into<String>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Sent as `User-Agent` (default `mppoint/<version>`).
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// The journal's file (SQLite, created if missing); without it, no journal.
    pub fn journal_path(mut self, path: impl Into<String>) -> Self {
        self.journal_path = Some(path.into());
        self
    }

    /// How long final journal entries are kept: whole days, 1 to 3650 (default 30 days).
    pub fn journal_retention(mut self, retention: Duration) -> Self {
        self.journal_retention = Some(retention);
        self
    }

    /// The `Config`, or the first option that is not right (`InvalidArgument`, its message
    /// naming the option as the options JSON of `mp_init_with_options` does: `timeout_ms`,
    /// `journal_retention_days`). No message quotes the access token, even one given as
    /// another option by mistake.
    pub fn build(mut self) -> Result<Config> {
        let token = std::mem::take(&mut self.access_token);
        match self.checked(&token) {
            Ok(config) => Ok(Config {
                access_token: token,
                ..config
            }),
            Err(e) => Err(e.redact(&token)),
        }
    }

    /// The `Config` of these options, its token left for `build` to move in.
    fn checked(self, token: &str) -> Result<Config> {
        check_token(token)?;
        let base_url = match &self.base_url {
            Some(url) => check_base_url(url)?,
            None => DEFAULT_BASE_URL.to_owned(),
        };
        let timeout = positive("timeout_ms", self.timeout.unwrap_or(DEFAULT_TIMEOUT))?;
        let connect_timeout = positive(
            "connect_timeout_ms",
            self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        )?;
        let max_retries = self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES);
        if max_retries > MAX_RETRIES {
            return Err(Error::invalid(format!(
                "max_retries {max_retries} is more than {MAX_RETRIES}"
            )));
        }
        let poll_interval = self.poll_interval.unwrap_or(DEFAULT_POLL_INTERVAL);
        if poll_interval < MIN_POLL_INTERVAL {
            return Err(Error::invalid(format!(
                "poll_interval_ms {} is below {}",
                poll_interval.as_millis(),
                MIN_POLL_INTERVAL.as_millis()
            )));
        }
        let test_scope = non_empty("test_scope", self.test_scope)?;
        let proxy = non_empty("proxy", self.proxy)?;
        let ca_file = non_empty("ca_file", self.ca_file)?;
        let user_agent = non_empty("user_agent", self.user_agent)?
            .unwrap_or_else(|| format!("mppoint/{}", env!("CARGO_PKG_VERSION")));
        let journal_path = non_empty("journal_path", self.journal_path)?;
        let journal_retention = match self.journal_retention {
            None => Duration::from_secs(DEFAULT_RETENTION_DAYS * DAY_SECONDS),
            Some(retention) => {
                let days = retention.as_secs() / DAY_SECONDS;
                if retention != Duration::from_secs(days * DAY_SECONDS) {
                    return Err(Error::invalid(format!(
                        "journal_retention {retention:?} is not a whole number of days \
                         (journal_retention_days)"
                    )));
                }
                if days == 0 || days > MAX_RETENTION_DAYS {
                    return Err(Error::invalid(format!(
                        "journal_retention_days {days} must be from 1 to {MAX_RETENTION_DAYS}"
                    )));
                }
                if journal_path.is_none() {
                    return Err(Error::invalid(
                        "journal_retention_days needs journal_path (there is no journal without it)",
                    ));
                }
                retention
            }
        };
        let config = Config {
            access_token: String::new(),
            api: self.api,
            base_url,
            site: self.site,
            timeout,
            connect_timeout,
            max_retries,
            poll_interval,
            test_scope,
            proxy,
            ca_file,
            user_agent,
            journal_path,
            journal_retention,
        };
        config.check()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_those_of_the_production_service() {
        let c = Config::builder("TEST-1").build().unwrap();
        assert_eq!(c.api, Api::Integration);
        assert_eq!(c.base_url, DEFAULT_BASE_URL);
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert_eq!(c.connect_timeout, Duration::from_secs(10));
        assert_eq!(c.max_retries, 2);
        assert_eq!(c.poll_interval, Duration::from_secs(1));
        assert_eq!(c.journal_retention, Duration::from_secs(30 * DAY_SECONDS));
        assert!(c.user_agent.starts_with("mppoint/"));
        assert!(c.journal_path.is_none());
    }

    #[test]
    fn every_option_is_set_and_checked_when_built() {
        let c = Config::builder("TEST-1")
            .api(Api::Orders)
            .base_url("http://127.0.0.1:9/")
            .site(Site::Chile)
            .timeout(Duration::from_millis(500))
            .max_retries(0)
            .poll_interval(Duration::from_millis(10))
            .journal_path("/tmp/j.sqlite")
            .journal_retention(Duration::from_secs(2 * DAY_SECONDS))
            .build()
            .unwrap();
        assert_eq!(
            (c.api, c.base_url.as_str(), c.site),
            (Api::Orders, "http://127.0.0.1:9", Some(Site::Chile))
        );
        assert_eq!(c.journal_retention, Duration::from_secs(2 * DAY_SECONDS));
        for (builder, message) in [
            (Config::builder(""), "access token is empty"),
            (
                Config::builder("TEST-1").base_url("http://example.com"),
                "not https",
            ),
            (
                Config::builder("TEST-1").timeout(Duration::ZERO),
                "timeout_ms must be more than 0",
            ),
            (Config::builder("TEST-1").max_retries(11), "max_retries 11"),
            (
                Config::builder("TEST-1").poll_interval(Duration::from_millis(5)),
                "poll_interval_ms 5 is below 10",
            ),
            (Config::builder("TEST-1").proxy(" "), "proxy is empty"),
            (
                Config::builder("TEST-1").journal_retention(Duration::from_secs(DAY_SECONDS)),
                "needs journal_path",
            ),
            (
                Config::builder("TEST-1")
                    .journal_path("j")
                    .journal_retention(Duration::from_secs(3651 * DAY_SECONDS)),
                "journal_retention_days 3651",
            ),
            (
                Config::builder("TEST-1")
                    .journal_path("j")
                    .journal_retention(Duration::from_secs(DAY_SECONDS * 3 / 2)),
                "not a whole number of days",
            ),
            (
                Config::builder("TEST-1")
                    .api(Api::Orders)
                    .test_scope("sandbox"),
                "test_scope is a header of the Point Integration API only",
            ),
        ] {
            let e = builder.build().unwrap_err();
            assert!(e.message().contains(message), "{}", e.message());
        }
    }

    #[test]
    fn a_token_given_as_another_option_never_comes_back() {
        const TOKEN: &str = "APP_USR-1234567890123456-112233-abcdef0123456789abcdef-98765";
        let e = Config::builder(TOKEN)
            .base_url(format!("http://{TOKEN}.example.com"))
            .build()
            .unwrap_err();
        assert!(!e.message().contains(TOKEN), "{}", e.message());
    }
}
