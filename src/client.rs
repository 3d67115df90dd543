//! `Client`: one per access token, shared by every thread of the POS. It owns one ureq
//! `Agent`, so connections to the service are kept alive between calls.

use std::fs;
use std::sync::Arc;

use serde_json::{json, Value};
use ureq::config::AutoHeaderValue;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::Agent;

use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Call, FixedHeaders, Method, Reply};
use crate::log::{LogLevel, LogSink, Logger};
use crate::model::{
    day_number, validate_date, validate_id, DeviceFilters, IntentState, OperatingMode,
};

const API: &str = "/point/integration-api";
/// Longest span `endDate - startDate` of the events query, in days, as the service enforces.
const MAX_EVENT_RANGE_DAYS: i64 = 30;

/// A Point Integration API client. `Send + Sync`: share it (by reference or `Arc`) between
/// threads; every method is a blocking call.
pub struct Client {
    pub(crate) config: Config,
    pub(crate) agent: Agent,
    pub(crate) headers: FixedHeaders,
    pub(crate) logger: Logger,
}

impl Client {
    /// Builds the client; fails on an unreadable `ca_file` or a bad `proxy`. Nothing is sent.
    /// No message quotes the access token, even one pasted into another option by mistake.
    pub fn new(config: Config) -> Result<Client> {
        let token = config.access_token.clone();
        Client::build(config).map_err(|e| e.redact(&token))
    }

    fn build(config: Config) -> Result<Client> {
        let proxy = match &config.proxy {
            Some(url) => Some(
                ureq::Proxy::new(url).map_err(|e| Error::invalid(format!("proxy {url:?}: {e}")))?,
            ),
            // Environment proxy variables are ignored on purpose: a POS machine's stray
            // HTTPS_PROXY should not silently reroute payments. Set `proxy` instead.
            None => None,
        };
        let mut tls = TlsConfig::builder();
        if let Some(path) = &config.ca_file {
            tls = tls.root_certs(roots_with(path)?);
        }
        let headers = FixedHeaders::new(&config)?;
        let agent_config = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(config.timeout))
            .timeout_connect(Some(config.connect_timeout))
            // Sent by `http` with the other fixed headers, made once instead of per request.
            .user_agent(AutoHeaderValue::None)
            .proxy(proxy)
            .tls_config(tls.build())
            // Redirects would resend the Authorization header to wherever they point; a 3xx
            // is returned as it is and reported as an unexpected answer.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .build();
        Ok(Client {
            agent: crate::tcp::agent(agent_config),
            headers,
            config,
            logger: Logger::default(),
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Installs (or with `None` removes) the sink that receives log lines at `min_level` and
    /// more severe.
    pub fn set_logger(&self, sink: Option<LogSink>, min_level: LogLevel) {
        self.logger.set(sink, min_level);
    }

    /// `GET /devices`: the terminals of this account.
    pub fn list_devices(&self, filters: &DeviceFilters) -> Result<Reply> {
        let mut call = Call::new(Method::Get, format!("{API}/devices"));
        call.query = filters.query();
        json_reply(self.execute(&call)?)
    }

    /// `PATCH /devices/{id}`: switches a terminal between PDV (integrated) and STANDALONE. The
    /// terminal applies it after a restart.
    pub fn set_operating_mode(&self, device_id: &str, mode: OperatingMode) -> Result<Reply> {
        validate_id("device id", device_id)?;
        let mut call = Call::new(Method::Patch, format!("{API}/devices/{device_id}"));
        call.body = Some(json!({ "operating_mode": mode.as_str() }));
        json_reply(self.execute(&call)?)
    }

    /// `POST /devices/{id}/payment-intents`. `body` must already be validated
    /// (`model::validate_intent_body` / `simple_intent_body`). The idempotency key is sent on
    /// every attempt, so a retried POST never creates a second intent.
    pub fn create_intent(
        &self,
        device_id: &str,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> Result<Reply> {
        validate_id("device id", device_id)?;
        if let Some(key) = idempotency_key {
            validate_idempotency_key(key)?;
        }
        let mut call = Call::new(
            Method::Post,
            format!("{API}/devices/{device_id}/payment-intents"),
        );
        call.body = Some(body.clone());
        call.idempotency_key = idempotency_key;
        call.conflict = ErrorKind::DeviceBusy;
        with_string_id(self.execute(&call)?, "intent")
    }

    /// `GET /payment-intents/{id}`: the intent and its state. The service allows one read per
    /// second per intent.
    pub fn intent(&self, intent_id: &str) -> Result<(IntentState, Reply)> {
        self.read_intent(intent_id, None)
    }

    pub(crate) fn read_intent(
        &self,
        intent_id: &str,
        budget: Option<std::time::Duration>,
    ) -> Result<(IntentState, Reply)> {
        validate_id("intent id", intent_id)?;
        let mut call = Call::new(Method::Get, format!("{API}/payment-intents/{intent_id}"));
        call.budget = budget;
        let reply = self.execute(&call)?;
        Ok((reply.state()?, reply))
    }

    /// `DELETE /devices/{device}/payment-intents/{id}`: only while the intent is not yet on
    /// the terminal; afterwards the service answers 409 (`IntentLocked`).
    pub fn cancel_intent(&self, device_id: &str, intent_id: &str) -> Result<Reply> {
        validate_id("device id", device_id)?;
        validate_id("intent id", intent_id)?;
        let mut call = Call::new(
            Method::Delete,
            format!("{API}/devices/{device_id}/payment-intents/{intent_id}"),
        );
        call.conflict = ErrorKind::IntentLocked;
        json_reply(self.execute(&call)?)
    }

    /// `GET /payment-intents/{id}/events`: the intent's last state change.
    pub fn intent_last_event(&self, intent_id: &str) -> Result<Reply> {
        validate_id("intent id", intent_id)?;
        let call = Call::new(
            Method::Get,
            format!("{API}/payment-intents/{intent_id}/events"),
        );
        json_reply(self.execute(&call)?)
    }

    /// `GET /payment-intents/events?startDate&endDate`: every intent's last state change in a
    /// date range (at most 30 days), to reconcile after a crash.
    pub fn intent_events(&self, start_date: &str, end_date: &str) -> Result<Reply> {
        validate_date("start date", start_date)?;
        validate_date("end date", end_date)?;
        if end_date < start_date {
            return Err(Error::invalid(format!(
                "end date {end_date} is before start date {start_date}"
            )));
        }
        let span = day_number(end_date) - day_number(start_date);
        if span > MAX_EVENT_RANGE_DAYS {
            return Err(Error::invalid(format!(
                "{start_date} to {end_date} spans {span} days; the service allows at most \
                 {MAX_EVENT_RANGE_DAYS}: ask for the range in parts"
            )));
        }
        let mut call = Call::new(Method::Get, format!("{API}/payment-intents/events"));
        call.query = vec![
            ("startDate", start_date.to_owned()),
            ("endDate", end_date.to_owned()),
        ];
        json_reply(self.execute(&call)?)
    }

    /// `POST /devices/{id}/refund`: sends a refund of `payment_id` to a terminal, where the
    /// card is presented again. `additional_info` (e.g. `{"print_on_terminal":
    /// ["SELLER_TICKET","BUYER_TICKET"]}`) is sent as given. The idempotency key works as for
    /// `create_intent`, so a retried refund never refunds twice.
    pub fn create_refund(
        &self,
        device_id: &str,
        payment_id: &str,
        additional_info: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Result<Reply> {
        validate_id("device id", device_id)?;
        validate_payment_id(payment_id)?;
        if let Some(key) = idempotency_key {
            validate_idempotency_key(key)?;
        }
        let mut body = json!({ "payment_id": payment_id });
        if let Some(info) = additional_info {
            body["additional_info"] = info.clone();
        }
        let mut call = Call::new(Method::Post, format!("{API}/devices/{device_id}/refund"));
        call.body = Some(body);
        call.idempotency_key = idempotency_key;
        call.conflict = ErrorKind::DeviceBusy;
        with_string_id(self.execute(&call)?, "refund")
    }

    /// `GET /refund/{id}`: the refund intent and its state (the same states as a payment
    /// intent).
    pub fn refund(&self, refund_id: &str) -> Result<(IntentState, Reply)> {
        self.read_refund(refund_id, None)
    }

    pub(crate) fn read_refund(
        &self,
        refund_id: &str,
        budget: Option<std::time::Duration>,
    ) -> Result<(IntentState, Reply)> {
        validate_id("refund id", refund_id)?;
        let mut call = Call::new(Method::Get, format!("{API}/refund/{refund_id}"));
        call.budget = budget;
        let reply = self.execute(&call)?;
        Ok((reply.state()?, reply))
    }

    /// `DELETE /devices/{device}/refund/{id}`: only while the refund is not yet on the
    /// terminal; afterwards 409 (`IntentLocked`).
    pub fn cancel_refund(&self, device_id: &str, refund_id: &str) -> Result<Reply> {
        validate_id("device id", device_id)?;
        validate_id("refund id", refund_id)?;
        let mut call = Call::new(
            Method::Delete,
            format!("{API}/devices/{device_id}/refund/{refund_id}"),
        );
        call.conflict = ErrorKind::IntentLocked;
        json_reply(self.execute(&call)?)
    }

    /// `GET /v1/payments/{id}` (the Payments API): what a receipt needs — card brand and
    /// digits, authorization code, installments, status and status_detail. Its amounts are
    /// decimals (`15.0`), unlike the intents' minor units; the body is passed through as sent.
    pub fn payment(&self, payment_id: &str) -> Result<Reply> {
        validate_payment_id(payment_id)?;
        json_reply(self.execute(&Call::new(
            Method::Get,
            format!("/v1/payments/{payment_id}"),
        ))?)
    }

    /// `POST /users/test_user`: a test account for `site_id` (`"MLA"`, `"MLB"`, `"MLM"`, …),
    /// as the guide's optional set-up step does. The answer holds the account's nickname and
    /// password. Needs a production access token on the real service.
    pub fn create_test_user(&self, site_id: &str) -> Result<Reply> {
        if site_id.len() != 3 || !site_id.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::invalid(format!(
                "site id {site_id:?} must be three capital letters such as \"MLA\""
            )));
        }
        let mut call = Call::new(Method::Post, "/users/test_user".to_string());
        call.body = Some(json!({ "site_id": site_id }));
        json_reply(self.execute(&call)?)
    }

    /// `GET /integrators`: `{token, webhook, is_valid_webhook}`; `token` is the secret that
    /// signs webhook challenges.
    pub fn integrator(&self) -> Result<Reply> {
        json_reply(self.execute(&Call::new(Method::Get, format!("{API}/integrators")))?)
    }

    /// `PATCH /integrators`: registers the webhook URL.
    pub fn set_webhook(&self, url: &str) -> Result<Reply> {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://"))
            || url.chars().any(|c| c.is_control() || c == ' ')
        {
            return Err(Error::invalid(format!(
                "webhook URL {url:?} must be an http:// or https:// URL without spaces"
            )));
        }
        let mut call = Call::new(Method::Patch, format!("{API}/integrators"));
        call.body = Some(json!({ "webhook": url }));
        self.execute(&call)
    }

    /// `POST /integrators/check`: the service sends the challenge to the webhook and checks
    /// its HMAC answer.
    pub fn check_webhook(&self) -> Result<Reply> {
        self.execute(&Call::new(Method::Post, format!("{API}/integrators/check")))
    }

    pub(crate) fn log(&self, level: LogLevel, line: impl FnOnce() -> String) {
        self.logger.log(level, line);
    }
}

/// The service documents JSON objects for these calls; anything else is `BadResponse`.
fn json_reply(reply: Reply) -> Result<Reply> {
    reply.json()?;
    Ok(reply)
}

/// A created object must come back with its id, or the caller could never follow it.
fn with_string_id(reply: Reply, what: &str) -> Result<Reply> {
    if reply.json()?.get("id").is_some_and(Value::is_string) {
        return Ok(reply);
    }
    Err(Error::http(
        ErrorKind::BadResponse,
        reply.status,
        format!("HTTP {}: the created {what} has no \"id\"", reply.status),
        reply.body,
    ))
}

/// Payment ids are numbers (sent as decimal strings); anything else is a caller's mix-up
/// with an intent id, caught before a request is made.
fn validate_payment_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(format!(
            "payment id {id:?} must be the payment's number, digits only"
        )));
    }
    Ok(())
}

/// A key goes into a header: visible ASCII only, and short enough for any gateway.
fn validate_idempotency_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > 128 || !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(Error::invalid(
            "idempotency key must be 1 to 128 visible ASCII characters (a UUID is ideal)",
        ));
    }
    Ok(())
}

/// The bundled Mozilla roots plus the certificates of a PEM file (a corporate proxy's CA).
fn roots_with(path: &str) -> Result<RootCerts> {
    let pem = fs::read(path).map_err(|e| Error::invalid(format!("ca_file {path:?}: {e}")))?;
    let mut extra = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => extra.push(cert),
            Ok(_) => {}
            Err(e) => return Err(Error::invalid(format!("ca_file {path:?}: {e}"))),
        }
    }
    if extra.is_empty() {
        return Err(Error::invalid(format!(
            "ca_file {path:?} holds no PEM certificate"
        )));
    }
    let mut all: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .collect();
    all.extend(extra);
    Ok(RootCerts::Specific(Arc::new(all)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As `Config::from_json`: a token pasted into `proxy` or `ca_file` stays out of the
    /// message of the refusal.
    #[test]
    fn a_misplaced_token_never_comes_back_from_new() {
        const TOKEN: &str =
            "APP_USR-1234567890123456-112233-abcdef0123456789abcdef0123456789-987654321";
        for (key, value) in [
            ("proxy", format!("ftp://{TOKEN}:1")),
            ("ca_file", format!("/nonexistent/{TOKEN}.pem")),
        ] {
            let options = format!(r#"{{"access_token":"{TOKEN}","{key}":"{value}"}}"#);
            let Err(e) = Client::new(Config::from_json(&options).unwrap()) else {
                panic!("{options} made a client");
            };
            assert!(!e.message().contains(TOKEN), "{options}: {}", e.message());
        }
    }

    #[test]
    fn idempotency_keys_must_fit_a_header() {
        assert!(validate_idempotency_key("0b7c5a2e-3c1d-4f7e-9a51-2d8c1e0f9b3a").is_ok());
        assert!(validate_idempotency_key("").is_err());
        assert!(validate_idempotency_key("a b").is_err());
        assert!(validate_idempotency_key("a\nb").is_err());
        assert!(validate_idempotency_key(&"k".repeat(129)).is_err());
    }

    #[test]
    fn payment_ids_are_digits() {
        assert!(validate_payment_id("20000000001").is_ok());
        for bad in ["", "abc", "12 3", "-1", "1.5", &"9".repeat(21)] {
            assert!(validate_payment_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = std::env::temp_dir().join(format!("mppoint-ca-{}", std::process::id()));
        fs::write(&dir, "not a pem").unwrap();
        let e = roots_with(dir.to_str().unwrap()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        fs::remove_file(&dir).unwrap();
        assert!(roots_with("/nonexistent/ca.pem").is_err());
    }
}
