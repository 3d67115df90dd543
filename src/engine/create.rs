//! The one create flow, for every kind of create (a sale, a refund, and the next ones): check
//! it, pick its idempotency key, record it in the journal, send it (a failure after which it
//! may exist becomes an unknown outcome carrying the key), record what came of it. Recovery
//! sends a journaled create again through the same `send`. A new kind of create is an
//! `impl Create` of a few lines and a line in `Engine::resend`.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::key::{new_key, validate_idempotency_key};
use super::Engine;
use crate::config::Api;
use crate::error::{Error, ErrorKind, Result};
use crate::journal::{Intended, JournalEntry};
use crate::log::LogLevel;
use crate::model::{validate_id, Site};
use crate::sale::{Kind, NewRefund, NewSale, Snapshot};
use crate::wire::Wire;

/// What the create flow needs of a request. `Serialize + DeserializeOwned`: the journal keeps
/// it, to be sent again after a crash.
pub(crate) trait Create: Serialize + DeserializeOwned {
    const KIND: Kind;

    /// The rules every API shares, and those of `wire` it can check, before anything is
    /// sent or recorded.
    fn check(&self, site: Option<Site>, wire: &dyn Wire) -> Result<()>;

    /// What the journal shows of it beside the request.
    fn summary(&self) -> Summary<'_>;

    /// Sends it through `wire` to `device_id` with `key`, which every retry reuses.
    fn send(&self, wire: &dyn Wire, device_id: &str, key: &str) -> Result<Snapshot>;
}

impl Create for NewSale {
    const KIND: Kind = Kind::Sale;

    fn check(&self, site: Option<Site>, wire: &dyn Wire) -> Result<()> {
        self.check_common(site)?;
        wire.check_sale(self)
    }

    fn summary(&self) -> Summary<'_> {
        Summary {
            amount: Some(self.amount),
            external_reference: self.external_reference.as_deref(),
            payment_id: None,
        }
    }

    fn send(&self, wire: &dyn Wire, device_id: &str, key: &str) -> Result<Snapshot> {
        wire.create_sale(device_id, self, key)
    }
}

impl Create for NewRefund {
    const KIND: Kind = Kind::Refund;

    fn check(&self, site: Option<Site>, wire: &dyn Wire) -> Result<()> {
        self.check_common(site)?;
        wire.check_refund(self)
    }

    fn summary(&self) -> Summary<'_> {
        Summary {
            amount: self.amount,
            external_reference: None,
            payment_id: Some(&self.payment_id),
        }
    }

    fn send(&self, wire: &dyn Wire, device_id: &str, key: &str) -> Result<Snapshot> {
        wire.create_refund(device_id, self, key)
    }
}

/// What the journal shows of a create beside the request.
pub(crate) struct Summary<'a> {
    /// Minor units (`None`: a whole refund).
    pub amount: Option<i64>,
    /// The POS's reference (a refund takes its sale's).
    pub external_reference: Option<&'a str>,
    /// A refund's refunded payment.
    pub payment_id: Option<&'a str>,
}

impl Engine {
    /// Creates `request` on `device_id` with the API the client speaks. `idempotency_key`:
    /// the caller's (checked), or a fresh UUID v4; it is sent on every retry, so a retried
    /// create never makes a second object, and a failure after which it may exist is
    /// `ErrorKind::OutcomeUnknown` carrying it.
    pub(crate) fn create<C: Create>(
        &self,
        device_id: &str,
        request: &C,
        idempotency_key: Option<&str>,
    ) -> Result<Snapshot> {
        validate_id("device id", device_id)?;
        let api = self.config.api;
        request.check(self.config.site, self.wire())?;
        let key = self.key_for(idempotency_key)?;
        if let Some(journal) = &self.journal {
            let text = serde_json::to_string(request).map_err(|e| Error::journal(e.to_string()))?;
            let summary = request.summary();
            journal.before_create(&Intended {
                key: &key,
                kind: C::KIND,
                api,
                device_id,
                amount: summary.amount,
                external_reference: summary.external_reference,
                payment_id: summary.payment_id,
                request: &text,
            })?;
        }
        let created = self.send_keyed(api, device_id, request, &key);
        self.record_create(&key, &created);
        created.map_err(|e| self.name_what_holds(e, device_id, &key))
    }

    /// A busy terminal's error with what this journal (this process's or another's) knows
    /// holds it.
    fn name_what_holds(&self, error: Error, device_id: &str, key: &str) -> Error {
        if error.kind() != ErrorKind::DeviceBusy {
            return error;
        }
        let Some(journal) = &self.journal else {
            return error;
        };
        let holders = match journal.unfinished_on(device_id) {
            Ok(entries) => entries,
            Err(_) => return error,
        };
        let holders: Vec<_> = holders
            .iter()
            .filter(|e| e.idempotency_key != key)
            .collect();
        let Some(first) = holders.first() else {
            return error.with_note(
                "this journal has nothing unfinished on that terminal: it holds a sale made \
                 elsewhere (another POS, another journal, the terminal itself)",
            );
        };
        error.with_note(&format!(
            "it holds {} of this journal{}: mp_device_holds lists what holds it, \
             mp_device_clear cancels what the customer has not taken",
            first.describe(),
            match holders.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            }
        ))
    }

    /// Sends a journaled create again, with its API and key (recovery's resend). Not
    /// journaled: recovery records the steps. The API's checks run again first: an entry
    /// they refuse (one 0.3 journaled before checking) is refused without a request.
    pub(crate) fn resend(&self, entry: &JournalEntry) -> Result<Snapshot> {
        match entry.kind {
            Kind::Sale => self.resend_as::<NewSale>(entry),
            Kind::Refund => self.resend_as::<NewRefund>(entry),
        }
    }

    fn resend_as<C: Create>(&self, entry: &JournalEntry) -> Result<Snapshot> {
        let key = &entry.idempotency_key;
        let request: C = serde_json::from_str(&entry.request).map_err(|e| {
            Error::journal(format!("journal: the {} of {key}: {e}", C::KIND.as_str()))
        })?;
        request.check(self.config.site, self.wire_of(entry.api))?;
        self.send_keyed(entry.api, &entry.device_id, &request, key)
    }

    /// Sends a (checked) create with `key` through `api`'s wire format, settling an unknown
    /// outcome. Every failure names the key it sent.
    fn send_keyed<C: Create>(
        &self,
        api: Api,
        device_id: &str,
        request: &C,
        key: &str,
    ) -> Result<Snapshot> {
        request
            .send(self.wire_of(api), device_id, key)
            .map_err(|e| {
                e.with_idempotency_key(Some(key))
                    .settle_create(C::KIND.noun())
            })
    }

    /// Records a create's answer: its id, or that nothing was made (a refusal, or a request
    /// that never left). An unknown outcome stays open for the caller (or recovery) to
    /// resolve with the key. A journal that fails here is logged: the create happened.
    fn record_create(&self, key: &str, created: &Result<Snapshot>) {
        let Some(journal) = &self.journal else {
            return;
        };
        let recorded = match created {
            Ok(snapshot) => journal.created(key, snapshot),
            Err(e) if e.kind() == ErrorKind::OutcomeUnknown => Ok(()),
            // The service answered no: a refusal, which nothing is left to settle.
            Err(e) if e.http_status().is_some() => journal.not_created(key, "refused"),
            // It never left (no connection, TLS): nothing was made.
            Err(_) => journal.not_created(key, "never_created"),
        };
        if let Err(e) = recorded {
            self.log(LogLevel::Warn, || e.message().to_owned());
        }
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
