//! What every command that talks to the service gets: the client of the global options
//! (checked by the library's `ConfigBuilder`, as a POS's options are), where its output goes,
//! and the site its amounts are shown for.

use std::time::Duration;

use mppoint::{Api, Client, Config, Site};

use crate::args::{ApiName, Global, SiteName};
use crate::output::{Failure, Outcome, Output};

/// The environment variable that holds the access token; never a flag, so the token stays
/// out of shell histories and process lists.
const TOKEN_VARIABLE: &str = "MP_ACCESS_TOKEN";

pub struct Context {
    pub client: Client,
    pub out: Output,
    pub site: Option<Site>,
}

impl Context {
    /// The client of the global options, with the token of `MP_ACCESS_TOKEN`.
    pub fn new(global: &Global, out: Output) -> Outcome<Context> {
        let token = std::env::var(TOKEN_VARIABLE).unwrap_or_default();
        if token.trim().is_empty() {
            return Err(Failure::usage(format!(
                "set {TOKEN_VARIABLE} to the account's access token (APP_USR-... or TEST-...)"
            )));
        }
        let api = match global.api {
            ApiName::Integration => Api::Integration,
            ApiName::Orders => Api::Orders,
        };
        let site = global.site.map(site_of);
        let mut config = Config::builder(&token)
            .api(api)
            .poll_interval(Duration::from_millis(global.poll_interval_ms))
            .user_agent(format!("mppoint-cli/{}", env!("CARGO_PKG_VERSION")));
        if let Some(url) = &global.base_url {
            config = config.base_url(url);
        }
        if let Some(site) = site {
            config = config.site(site);
        }
        if let Some(path) = &global.journal {
            config = config.journal_path(path);
        }
        if global.sandbox {
            config = config.test_scope("sandbox");
        }
        Ok(Context {
            client: Client::new(config.build()?)?,
            out,
            site,
        })
    }
}

pub fn site_of(site: SiteName) -> Site {
    match site {
        SiteName::Mla => Site::Argentina,
        SiteName::Mlb => Site::Brazil,
        SiteName::Mlm => Site::Mexico,
        SiteName::Mlc => Site::Chile,
    }
}
