//! `Client`: one per access token, shared by every thread of the POS. It makes every decision
//! of a call — what is valid, which idempotency key a create carries, when its outcome is
//! unknown, how a wait goes — and leaves the wire format to the `Wire` of the API it speaks
//! and the exchange to its `Transport` (which keeps connections alive between calls).

use std::time::Duration;

use serde_json::json;

use crate::config::{Api, Config};
use crate::error::{Error, Result};
use crate::journal::{Journal, JournalEntry};
use crate::log::{LogLevel, LogSink};
use crate::model::{
    day_number, validate_date, validate_id, validate_payment_id, DeviceFilters, IntentState,
    OperatingMode,
};
use crate::recover::{self, Recovered};
use crate::sale::{Kind, NewRefund, NewSale, Refund, Sale, Snapshot};
use crate::secret;
use crate::transport::{Call, Method, Reply, Transport};
use crate::wait::{self, Progress, WaitOutcome};
use crate::wire::{IntegrationApi, OrdersApi, Wire};

/// Longest span `endDate - startDate` of the events query, in days, as the service enforces.
const MAX_EVENT_RANGE_DAYS: i64 = 30;

/// A client of Mercado Pago's Point APIs. `Send + Sync`: share it (by reference or `Arc`)
/// between threads; every method is a blocking call.
pub struct Client {
    config: Config,
    transport: Transport,
    integration: IntegrationApi,
    orders: OrdersApi,
    journal: Option<Journal>,
    /// Keeps the token on the list of texts that are never shown (see `secret`).
    _secret: secret::Registration,
}

impl Client {
    /// Builds the client; fails on an unreadable `ca_file`, a bad `proxy`, a header value
    /// HTTP does not allow or a journal that cannot be opened. Nothing is sent. No message
    /// quotes the access token, even one pasted into another option by mistake (the token is
    /// not yet among those `secret` knows).
    pub fn new(config: Config) -> Result<Client> {
        let token = config.access_token.clone();
        Client::build(config).map_err(|e| e.redact(&token))
    }

    fn build(config: Config) -> Result<Client> {
        config.check()?;
        let journal = config
            .journal_path
            .as_deref()
            .map(|path| Journal::open(path, config.journal_retention))
            .transpose()?;
        Ok(Client {
            _secret: secret::Registration::new(&config.access_token),
            transport: Transport::new(&config)?,
            integration: IntegrationApi,
            orders: OrdersApi { site: config.site },
            journal,
            config,
        })
    }

    /// The wire format of `api`.
    fn wire_of(&self, api: Api) -> &dyn Wire {
        match api {
            Api::Integration => &self.integration,
            Api::Orders => &self.orders,
        }
    }

    /// The wire format of the API the client speaks.
    fn wire(&self) -> &dyn Wire {
        self.wire_of(self.config.api)
    }

    pub(crate) fn journal(&self) -> Option<&Journal> {
        self.journal.as_ref()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Installs (or with `None` removes) the sink that receives log lines at `min_level` and
    /// more severe.
    pub fn set_logger(&self, sink: Option<LogSink>, min_level: LogLevel) {
        self.transport.set_logger(sink, min_level);
    }

    /// The terminals of the account: `{"devices":[{"id","pos_id","store_id",
    /// "external_pos_id","operating_mode"}],"paging":{…}}` with either API.
    pub fn list_devices(&self, filters: &DeviceFilters) -> Result<Reply> {
        self.wire().list_devices(&self.transport, filters)
    }

    /// Switches a terminal between PDV (integrated) and STANDALONE. The terminal applies it
    /// after a restart.
    pub fn set_operating_mode(&self, device_id: &str, mode: OperatingMode) -> Result<Reply> {
        validate_id("device id", device_id)?;
        self.wire()
            .set_operating_mode(&self.transport, device_id, mode)
    }

    /// Sends a sale to a terminal. `idempotency_key`: the caller's (checked), or a fresh UUID
    /// v4; it is sent on every retry, so a retried create never makes a second sale, and a
    /// failure after which the sale may exist is `ErrorKind::OutcomeUnknown` carrying it.
    pub fn create_intent(
        &self,
        device_id: &str,
        sale: &NewSale,
        idempotency_key: Option<&str>,
    ) -> Result<Sale> {
        validate_id("device id", device_id)?;
        sale.check(self.config.site)?;
        self.wire().check_sale(sale)?;
        let key = self.key_for(idempotency_key)?;
        if let Some(journal) = &self.journal {
            let request = serde_json::to_string(sale).map_err(|e| Error::journal(e.to_string()))?;
            journal.before_create(
                &key,
                Kind::Sale,
                self.config.api,
                device_id,
                Some(sale.amount),
                sale.external_reference.as_deref(),
                &request,
            )?;
        }
        let created = self.resend_sale(self.config.api, device_id, sale, &key);
        self.journal_create(&key, &created);
        created.map(Sale)
    }

    /// One read of a sale. The Point Integration API allows one read per second per intent.
    pub fn intent(&self, intent_id: &str) -> Result<Sale> {
        self.read(Kind::Sale, intent_id, None).map(Sale)
    }

    /// Withdraws a sale the terminal has not taken yet (`OPEN`); afterwards the service
    /// answers 409 (`IntentLocked`): only the terminal can cancel it then.
    pub fn cancel_intent(&self, device_id: &str, intent_id: &str) -> Result<Reply> {
        self.cancel(Kind::Sale, device_id, intent_id)
    }

    /// Reads the sale every `poll_interval` until it is final (see `wait::wait`).
    pub fn wait_intent(
        &self,
        intent_id: &str,
        timeout: Duration,
        progress: &mut dyn FnMut(IntentState, &str) -> Progress,
    ) -> Result<WaitOutcome> {
        self.wait(Kind::Sale, intent_id, timeout, progress)
    }

    /// The sale's last state change: `{"status","created_on"}`.
    pub fn intent_last_event(&self, intent_id: &str) -> Result<Reply> {
        validate_id("intent id", intent_id)?;
        self.wire().last_event(&self.transport, intent_id)
    }

    /// Every sale's last state change in a date range (at most 30 days), to reconcile after a
    /// crash (Point Integration API only).
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
        self.wire().events(&self.transport, start_date, end_date)
    }

    /// Sends a refund. The idempotency key works as for `create_intent`, so a retried refund
    /// never refunds twice.
    pub fn create_refund(
        &self,
        device_id: &str,
        refund: &NewRefund,
        idempotency_key: Option<&str>,
    ) -> Result<Refund> {
        validate_id("device id", device_id)?;
        validate_id("payment id", &refund.payment_id)?;
        if let Some(amount) = refund.amount {
            crate::model::validate_amount(amount, self.config.site)?;
        }
        let key = self.key_for(idempotency_key)?;
        if let Some(journal) = &self.journal {
            let request =
                serde_json::to_string(refund).map_err(|e| Error::journal(e.to_string()))?;
            journal.before_create(
                &key,
                Kind::Refund,
                self.config.api,
                device_id,
                refund.amount,
                None,
                &request,
            )?;
        }
        let created = self.resend_refund(self.config.api, device_id, refund, &key);
        self.journal_create(&key, &created);
        created.map(Refund)
    }

    /// One read of a refund.
    pub fn refund(&self, refund_id: &str) -> Result<Refund> {
        self.read(Kind::Refund, refund_id, None).map(Refund)
    }

    /// Withdraws a refund the terminal has not taken yet (Point Integration API only).
    pub fn cancel_refund(&self, device_id: &str, refund_id: &str) -> Result<Reply> {
        self.cancel(Kind::Refund, device_id, refund_id)
    }

    /// As [`Client::wait_intent`], for a refund.
    pub fn wait_refund(
        &self,
        refund_id: &str,
        timeout: Duration,
        progress: &mut dyn FnMut(IntentState, &str) -> Progress,
    ) -> Result<WaitOutcome> {
        self.wait(Kind::Refund, refund_id, timeout, progress)
    }

    /// `GET /v1/payments/{id}` (the Payments API, for either API's sales): what a receipt
    /// needs — card brand and digits, authorization code, installments, status and
    /// status_detail. Its amounts are decimals (`15.0`), unlike the sales' minor units; the
    /// body is passed through as sent.
    pub fn payment(&self, payment_id: &str) -> Result<Reply> {
        validate_payment_id(payment_id)?;
        let call = Call::new(Method::Get, format!("/v1/payments/{payment_id}"));
        let reply = self.transport.execute(&call)?;
        reply.json()?;
        Ok(reply)
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
        let reply = self.transport.execute(&call)?;
        reply.json()?;
        Ok(reply)
    }

    /// `{token, webhook, is_valid_webhook}`; `token` is the secret that signs webhook
    /// challenges (Point Integration API only).
    pub fn integrator(&self) -> Result<Reply> {
        self.wire().integrator(&self.transport)
    }

    /// Registers the webhook URL (Point Integration API only).
    pub fn set_webhook(&self, url: &str) -> Result<Reply> {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://"))
            || url.chars().any(|c| c.is_control() || c == ' ')
        {
            return Err(Error::invalid(format!(
                "webhook URL {url:?} must be an http:// or https:// URL without spaces"
            )));
        }
        self.wire().set_webhook(&self.transport, url)
    }

    /// Has the service send the challenge to the webhook and check its HMAC answer (Point
    /// Integration API only).
    pub fn check_webhook(&self) -> Result<Reply> {
        self.wire().check_webhook(&self.transport)
    }

    /// Settles every sale and refund the journal holds for processes that have ended, within
    /// `timeout` (see `recover` for the rules). `InvalidArgument` without a journal.
    pub fn recover(&self, timeout: Duration) -> Result<Vec<Recovered>> {
        recover::recover(self, timeout)
    }

    /// Every entry of the journal, newest first (`InvalidArgument` without a journal).
    pub fn journal_entries(&self) -> Result<Vec<JournalEntry>> {
        self.journal
            .as_ref()
            .ok_or_else(|| Error::invalid("the client has no journal (journal_path)"))?
            .entries()
    }

    /// One read of a sale or a refund through `api`'s wire format, within `budget` (the
    /// client's `timeout` if `None`), journaled.
    pub(crate) fn read_as(
        &self,
        api: Api,
        kind: Kind,
        id: &str,
        budget: Option<Duration>,
    ) -> Result<Snapshot> {
        validate_id(&format!("{} id", kind.noun()), id)?;
        let snapshot = self.wire_of(api).read(&self.transport, kind, id, budget)?;
        if let Some(journal) = &self.journal {
            if let Err(e) = journal.seen(kind, &snapshot) {
                // The service keeps the state: recovery reads it again.
                self.log(LogLevel::Warn, || e.message().to_owned());
            }
        }
        Ok(snapshot)
    }

    fn read(&self, kind: Kind, id: &str, budget: Option<Duration>) -> Result<Snapshot> {
        self.read_as(self.config.api, kind, id, budget)
    }

    pub(crate) fn cancel_as(
        &self,
        api: Api,
        kind: Kind,
        device_id: &str,
        id: &str,
    ) -> Result<Reply> {
        validate_id("device id", device_id)?;
        validate_id(&format!("{} id", kind.noun()), id)?;
        let key = new_key();
        self.wire_of(api)
            .cancel(&self.transport, kind, device_id, id, &key)
    }

    fn cancel(&self, kind: Kind, device_id: &str, id: &str) -> Result<Reply> {
        self.cancel_as(self.config.api, kind, device_id, id)
    }

    pub(crate) fn wait_as(
        &self,
        api: Api,
        kind: Kind,
        id: &str,
        timeout: Duration,
        progress: &mut dyn FnMut(IntentState, &str) -> Progress,
    ) -> Result<WaitOutcome> {
        validate_id(&format!("{} id", kind.noun()), id)?;
        wait::wait(self, api, kind, id, timeout, progress)
    }

    fn wait(
        &self,
        kind: Kind,
        id: &str,
        timeout: Duration,
        progress: &mut dyn FnMut(IntentState, &str) -> Progress,
    ) -> Result<WaitOutcome> {
        self.wait_as(self.config.api, kind, id, timeout, progress)
    }

    /// Sends a (checked) sale's create with `key` through `api`'s wire format, settling an
    /// unknown outcome. Not journaled: the caller records the steps.
    pub(crate) fn resend_sale(
        &self,
        api: Api,
        device_id: &str,
        sale: &NewSale,
        key: &str,
    ) -> Result<Snapshot> {
        let created = self
            .wire_of(api)
            .create_sale(&self.transport, device_id, sale, key);
        settle(created, key, Kind::Sale)
    }

    pub(crate) fn resend_refund(
        &self,
        api: Api,
        device_id: &str,
        refund: &NewRefund,
        key: &str,
    ) -> Result<Snapshot> {
        let created = self
            .wire_of(api)
            .create_refund(&self.transport, device_id, refund, key);
        settle(created, key, Kind::Refund)
    }

    /// Records a create's answer: its id, or that nothing was made (a refusal, or a request
    /// that never left). An unknown outcome stays open for the caller (or recovery) to
    /// resolve with the key. A journal that fails here is logged: the create happened.
    fn journal_create(&self, key: &str, created: &Result<Snapshot>) {
        let Some(journal) = &self.journal else {
            return;
        };
        let recorded = match created {
            Ok(snapshot) => journal.created(key, snapshot),
            Err(e) if e.kind() == crate::error::ErrorKind::OutcomeUnknown => Ok(()),
            Err(_) => journal.never_created(key),
        };
        if let Err(e) = recorded {
            self.log(LogLevel::Warn, || e.message().to_owned());
        }
    }

    pub(crate) fn log(&self, level: LogLevel, line: impl FnOnce() -> String) {
        self.transport.log(level, line);
    }

    /// The key a create sends: the caller's, checked against the rules of HTTP headers and of
    /// the API, or a fresh UUID v4.
    fn key_for(&self, given: Option<&str>) -> Result<String> {
        let key = match given {
            Some(key) => {
                validate_idempotency_key(key)?;
                key.to_owned()
            }
            None => new_key(),
        };
        self.wire().check_key(&key)?;
        Ok(key)
    }
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The end of a create: a failure after which the object may exist (the request may have
/// been processed, or a success came back unreadable) is `OutcomeUnknown`, with the key to
/// send the same request again. Every failure names the key it sent.
fn settle(created: Result<Snapshot>, key: &str, kind: Kind) -> Result<Snapshot> {
    created.map_err(|e| e.with_idempotency_key(Some(key)).settle_create(kind.noun()))
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
            // Refused by the options' checks or by the client's, never quoting the token.
            let Err(e) = Config::from_json(&options).and_then(Client::new) else {
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
}
