//! `Client`: one per access token, shared by every thread of the POS. A façade: each method
//! checks its arguments and takes one step of the `Engine` (the transport, both wire formats,
//! the journal, the create flow), of `wait` or of `recover`, with the API the client speaks.

use std::time::Duration;

use crate::config::{Api, Config};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::holds;
use crate::journal::JournalEntry;
use crate::log::{LogLevel, LogSink};
use crate::model::{
    validate_date_range, validate_id, validate_webhook_url, DeviceFilters, IntentState,
    OperatingMode,
};
use crate::recover::{self, Report};
use crate::sale::{Kind, NewRefund, NewSale, Refund, Sale, Snapshot};
use crate::secret;
use crate::transport::Reply;
use crate::wait::{self, Progress, WaitOutcome};
use crate::wire::payments;

/// A client of Mercado Pago's Point APIs. `Send + Sync`: share it (by reference or `Arc`)
/// between threads; every method is a blocking call.
pub struct Client {
    engine: Engine,
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
        let engine = Engine::new(config).map_err(|e| e.redact(&token))?;
        Ok(Client {
            engine,
            _secret: secret::Registration::new(&token),
        })
    }

    pub fn config(&self) -> &Config {
        self.engine.config()
    }

    fn api(&self) -> Api {
        self.engine.config().api
    }

    /// Installs (or with `None` removes) the sink that receives log lines at `min_level` and
    /// more severe.
    pub fn set_logger(&self, sink: Option<LogSink>, min_level: LogLevel) {
        self.engine.transport().set_logger(sink, min_level);
    }

    /// The terminals of the account: `{"devices":[{"id","pos_id","store_id",
    /// "external_pos_id","operating_mode"}],"paging":{…}}` with either API.
    pub fn list_devices(&self, filters: &DeviceFilters) -> Result<Reply> {
        self.engine.wire().list_devices(filters)
    }

    /// Switches a terminal between PDV (integrated) and STANDALONE. The terminal applies it
    /// after a restart.
    pub fn set_operating_mode(&self, device_id: &str, mode: OperatingMode) -> Result<Reply> {
        validate_id("device id", device_id)?;
        self.engine.wire().set_operating_mode(device_id, mode)
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
        self.engine
            .create(device_id, sale, idempotency_key)
            .map(Sale)
    }

    /// One read of a sale. The Point Integration API allows one read per second per intent.
    pub fn intent(&self, intent_id: &str) -> Result<Sale> {
        self.read(Kind::Sale, intent_id).map(Sale)
    }

    /// Withdraws a sale the terminal has not taken yet (`OPEN`); afterwards the service
    /// answers 409 (`IntentLocked`): only the terminal can cancel it then.
    pub fn cancel_intent(&self, device_id: &str, intent_id: &str) -> Result<Reply> {
        self.engine
            .cancel(self.api(), Kind::Sale, device_id, intent_id)
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
        self.engine.wire().last_event(intent_id)
    }

    /// Every sale's last state change in a date range (at most 30 days), to reconcile after a
    /// crash (Point Integration API only).
    pub fn intent_events(&self, start_date: &str, end_date: &str) -> Result<Reply> {
        validate_date_range(start_date, end_date)?;
        self.engine.wire().events(start_date, end_date)
    }

    /// Sends a refund. The idempotency key works as for `create_intent`, so a retried refund
    /// never refunds twice.
    pub fn create_refund(
        &self,
        device_id: &str,
        refund: &NewRefund,
        idempotency_key: Option<&str>,
    ) -> Result<Refund> {
        self.engine
            .create(device_id, refund, idempotency_key)
            .map(Refund)
    }

    /// One read of a refund.
    pub fn refund(&self, refund_id: &str) -> Result<Refund> {
        self.read(Kind::Refund, refund_id).map(Refund)
    }

    /// Withdraws a refund the terminal has not taken yet (Point Integration API only).
    pub fn cancel_refund(&self, device_id: &str, refund_id: &str) -> Result<Reply> {
        self.engine
            .cancel(self.api(), Kind::Refund, device_id, refund_id)
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
        payments::payment(self.engine.transport(), payment_id)
    }

    /// `POST /users/test_user`: a test account for `site_id` (`"MLA"`, `"MLB"`, `"MLM"`, …),
    /// as the guide's optional set-up step does. The answer holds the account's nickname and
    /// password. Needs a production access token on the real service.
    pub fn create_test_user(&self, site_id: &str) -> Result<Reply> {
        payments::create_test_user(self.engine.transport(), site_id)
    }

    /// `{token, webhook, is_valid_webhook}`; `token` is the secret that signs webhook
    /// challenges (Point Integration API only).
    pub fn integrator(&self) -> Result<Reply> {
        self.engine.wire().integrator()
    }

    /// Registers the webhook URL (Point Integration API only).
    pub fn set_webhook(&self, url: &str) -> Result<Reply> {
        validate_webhook_url(url)?;
        self.engine.wire().set_webhook(url)
    }

    /// Has the service send the challenge to the webhook and check its HMAC answer (Point
    /// Integration API only).
    pub fn check_webhook(&self) -> Result<Reply> {
        self.engine.wire().check_webhook()
    }

    /// Settles every sale and refund the journal holds for processes that have ended, within
    /// `timeout` (see `recover` for the rules). `InvalidArgument` without a journal.
    pub fn recover(&self, timeout: Duration) -> Result<Report> {
        recover::recover(&self.engine, timeout, &mut |_, _| Progress::Continue)
    }

    /// Marks a final entry of the journal as recorded by the POS: `recover` no longer reports
    /// it. `NotFound` for a key the journal does not have; `InvalidArgument` for one not
    /// settled yet, or without a journal.
    pub fn acknowledge(&self, idempotency_key: &str) -> Result<()> {
        let journal = self.journal()?;
        journal.acknowledge(idempotency_key)?.map_err(Error::from)
    }

    /// Acknowledges every settled entry of a report of `recover` (`{"sales":[…]}`, or the
    /// `tickets`' entries): how many. Pending entries are left, to be reported again.
    pub fn acknowledge_report(&self, report_json: &str) -> Result<usize> {
        let journal = self.journal()?;
        let keys = recover::settled_keys(report_json)?;
        let mut count = 0;
        for key in keys {
            if journal.acknowledge(&key)?.is_ok() {
                count += 1;
            }
        }
        Ok(count)
    }

    /// `{"device_id","holds":[…]}`: what this journal has unfinished on a terminal.
    pub fn device_holds(&self, device_id: &str) -> Result<String> {
        holds::holds(&self.engine, device_id).map(|v| v.to_string())
    }

    /// Cancels what the customer has not taken on a terminal, and says what still holds it.
    pub fn device_clear(&self, device_id: &str) -> Result<String> {
        holds::clear(&self.engine, device_id).map(|v| v.to_string())
    }

    fn journal(&self) -> Result<&crate::journal::Journal> {
        self.engine.journal().ok_or_else(|| {
            Error::invalid(
                "acknowledging needs a journal: pass journal_path to mp_init_with_options",
            )
        })
    }

    /// `recover`, calling `progress` as it goes (see `recover::recover`).
    pub fn recover_with_progress(
        &self,
        timeout: Duration,
        progress: &mut dyn FnMut(IntentState, &str) -> Progress,
    ) -> Result<Report> {
        recover::recover(&self.engine, timeout, progress)
    }

    /// Every entry of the journal, newest first (`InvalidArgument` without a journal).
    pub fn journal_entries(&self) -> Result<Vec<JournalEntry>> {
        self.engine
            .journal()
            .ok_or_else(|| Error::invalid("the client has no journal (journal_path)"))?
            .entries()
    }

    fn read(&self, kind: Kind, id: &str) -> Result<Snapshot> {
        self.engine.read(self.api(), kind, id, None)
    }

    fn wait(
        &self,
        kind: Kind,
        id: &str,
        timeout: Duration,
        progress: &mut dyn FnMut(IntentState, &str) -> Progress,
    ) -> Result<WaitOutcome> {
        wait::wait(&self.engine, self.api(), kind, id, timeout, progress)
    }
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
    fn a_base_url_set_by_hand_is_checked_when_the_client_is_made() {
        let mut c = Config::new("TEST-1").unwrap();
        c.base_url = "http://api.mercadopago.com".into();
        let e = Client::new(c)
            .err()
            .expect("plain http to a remote host is refused");
        assert!(e.message().contains("not https"), "{}", e.message());
    }
}
