//! `Config`, the options of one client, and the checks its fields pass whoever set them.

use std::fmt;
use std::time::Duration;

use super::api::Api;
use super::checks::{check_base_url, header_text, proxy, without_credentials};
use crate::error::{Error, Result};
use crate::model::Site;

/// Everything a `Client` needs. Build it with [`Config::builder`] (the token, then a method
/// for each option to change), [`Config::new`] (the token and the defaults) or
/// [`Config::from_json`] (the C layer's options JSON); all three check it the same way. A field set by hand is checked
/// again when the client is made.
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

impl Config {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let c = Config::new("APP_USR-secret-token").unwrap();
        assert!(!format!("{c:?}").contains("secret-token"));
    }
}
