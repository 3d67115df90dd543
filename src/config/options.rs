//! The options JSON of `mp_init_with_options` (`Config::from_json`): each key read into the
//! builder, so its checks are the builder's. Unknown keys are refused.

use std::time::Duration;

use serde::Deserialize;

use super::api::Api;
use super::builder::ConfigBuilder;
use super::settings::Config;
use crate::error::{Error, Result};
use crate::model::Site;

const DAY_SECONDS: u64 = 24 * 60 * 60;

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

impl Config {
    /// Parses and checks the options JSON of `mp_init_with_options`. No message quotes the
    /// access token, even one pasted into another option by mistake.
    pub fn from_json(json: &str) -> Result<Config> {
        let options: Options =
            serde_json::from_str(json).map_err(|e| options_json_error(json, e))?;
        options.into_builder().build()
    }
}

impl Options {
    fn into_builder(self) -> ConfigBuilder {
        let b = Config::builder(self.access_token).api(self.api.unwrap_or_default());
        let b = given(b, self.base_url, ConfigBuilder::base_url);
        let b = given(b, self.site, ConfigBuilder::site);
        let b = given(b, self.timeout_ms.map(ms), ConfigBuilder::timeout);
        let b = given(
            b,
            self.connect_timeout_ms.map(ms),
            ConfigBuilder::connect_timeout,
        );
        let b = given(b, self.max_retries, ConfigBuilder::max_retries);
        let b = given(
            b,
            self.poll_interval_ms.map(ms),
            ConfigBuilder::poll_interval,
        );
        let b = given(b, self.test_scope, ConfigBuilder::test_scope);
        let b = given(b, self.proxy, ConfigBuilder::proxy);
        let b = given(b, self.ca_file, ConfigBuilder::ca_file);
        let b = given(b, self.user_agent, ConfigBuilder::user_agent);
        let b = given(b, self.journal_path, ConfigBuilder::journal_path);
        let days = |n: u32| Duration::from_secs(u64::from(n) * DAY_SECONDS);
        given(
            b,
            self.journal_retention_days.map(days),
            ConfigBuilder::journal_retention,
        )
    }
}

/// `builder` with an option set when the JSON has it.
fn given<T>(
    builder: ConfigBuilder,
    value: Option<T>,
    set: impl FnOnce(ConfigBuilder, T) -> ConfigBuilder,
) -> ConfigBuilder {
    match value {
        Some(value) => set(builder, value),
        None => builder,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
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

#[cfg(test)]
mod tests {
    use super::super::builder::DEFAULT_BASE_URL;
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
}
