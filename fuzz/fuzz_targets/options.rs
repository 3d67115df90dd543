//! `Config::from_json` and the `mp_init_with_options` export. Input: the options JSON, where
//! every `$T` stands for an access token of a real token's shape.
//!
//! What a POS relies on (point.h, src/config.rs): no options text crashes; a refusal is
//! INVALID_ARGUMENT with a message, the same through the export; the access token never
//! appears in that message, wherever else in the options it was pasted too; accepted options
//! hold what the header promises (an https base URL, or http only to a loopback host, without
//! a trailing slash; positive timeouts; at most 10 retries; a poll interval of at least 10 ms;
//! texts without control characters), the export builds a client from them or refuses them
//! with a message, and a config's `Debug` never shows the token.
#![no_main]

use std::net::IpAddr;

use libfuzzer_sys::fuzz_target;
use mppoint::{Config, ErrorKind};
use mppoint_fuzz::{assert_error_text, c_init_with_options, c_string, status};
use serde_json::Value;

const PLACEHOLDER: &str = "$T";
const TOKEN: &str = "APP_USR-4815162342108-092614-9e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b-1623421";

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        let c = c_init_with_options(&c_string(data));
        assert_error_text(&c);
        if !data.contains(&0) {
            assert_eq!(
                c.status,
                status::INVALID_ARGUMENT,
                "options that are not UTF-8"
            );
        }
        return;
    };
    let options = raw.replace(PLACEHOLDER, TOKEN);
    // The token is the access token when the options' `access_token` (the last one, as JSON
    // reads duplicates) is it. In options that are not JSON at all (a POS that builds the
    // text by hand gets that wrong too) no message may quote it wherever it is.
    let token_is_access_token = match serde_json::from_str::<Value>(&options) {
        Ok(v) => v.get("access_token").and_then(Value::as_str) == Some(TOKEN),
        Err(_) => raw.contains(PLACEHOLDER),
    };
    let no_token = |text: &str, what: &str| {
        if token_is_access_token {
            assert!(
                !text.contains(TOKEN),
                "the access token is in {what}: {text}"
            );
        }
    };

    let c_options = c_string(options.as_bytes());
    let nul_free = c_options.as_bytes().len() == options.len();
    match Config::from_json(&options) {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(!e.message().is_empty());
            no_token(e.message(), "the error text");
            if nul_free {
                let c = c_init_with_options(&c_options);
                assert_error_text(&c);
                assert_eq!(c.status, status::INVALID_ARGUMENT);
                assert_eq!(c.error, e.message());
            }
        }
        Ok(config) => {
            holds_what_the_header_promises(&config);
            if options.matches(TOKEN).count() == 1 {
                no_token(&format!("{config:?}"), "the config's Debug");
            }
            // A CA file is read at init: the fuzzer must not open /dev/zero or a FIFO.
            if nul_free && config.ca_file.is_none() {
                let c = c_init_with_options(&c_options);
                assert_error_text(&c);
                assert!(
                    c.status == status::OK || c.status == status::INVALID_ARGUMENT,
                    "mp_init_with_options gave {} for options from_json accepts: {}",
                    c.status,
                    c.error
                );
                no_token(&c.error, "mp_last_error()");
            }
        }
    }
});

fn holds_what_the_header_promises(config: &Config) {
    let url = &config.base_url;
    assert!(
        !url.ends_with('/'),
        "base_url {url:?} keeps a trailing slash"
    );
    if let Some(rest) = url.strip_prefix("http://") {
        assert!(is_loopback(host_of(rest)), "plain http to {url:?}");
    } else {
        assert!(url.starts_with("https://"), "base_url {url:?}");
    }
    assert!(!config.timeout.is_zero() && !config.connect_timeout.is_zero());
    assert!(config.max_retries <= 10);
    assert!(config.poll_interval.as_millis() >= 10);
    assert!(!config.user_agent.trim().is_empty());
    for text in [
        Some(&config.user_agent),
        config.test_scope.as_ref(),
        config.proxy.as_ref(),
        config.ca_file.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        assert!(!text.trim().is_empty(), "a blank option was kept");
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
}

/// The host of `authority[/path...]`: after any `user@`, before any port.
fn host_of(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    if host_port.starts_with('[') {
        host_port.split_inclusive(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    }
}

fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}
