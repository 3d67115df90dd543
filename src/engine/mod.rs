//! What a sale *does*, below the calls a POS makes: the transport, both wire formats and the
//! journal, and the steps built on them that `Client`, `wait` and `recover` all take — a
//! journaled read, a cancel, the one create flow (`create`). `Client` is a façade over an
//! `Engine`; `wait` and `recover` are written against it, so none of them needs another.

mod create;
mod key;

use std::sync::Arc;
use std::time::Duration;

use crate::config::{Api, Config};
use crate::error::Result;
use crate::journal::Journal;
use crate::log::LogLevel;
use crate::model::validate_id;
use crate::sale::{Kind, Snapshot};
use crate::transport::{Reply, Transport};
use crate::wire::{Wire, Wires};

/// One per client, shared by every thread of the POS (`Send + Sync`).
pub(crate) struct Engine {
    config: Config,
    /// Shared with the wires, which send through it.
    transport: Arc<Transport>,
    wires: Wires,
    journal: Option<Journal>,
}

impl Engine {
    /// Checks `config`, opens its journal and builds its transport (which opens no
    /// connection).
    pub(crate) fn new(config: Config) -> Result<Engine> {
        config.check()?;
        let journal = config
            .journal_path
            .as_deref()
            .map(|path| Journal::open(path, config.journal_retention))
            .transpose()?;
        let transport = Arc::new(Transport::new(&config)?);
        Ok(Engine {
            wires: Wires::new(Arc::clone(&transport), config.site),
            transport,
            journal,
            config,
        })
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The wire format of the API the client speaks.
    pub(crate) fn wire(&self) -> &dyn Wire {
        self.wires.of(self.config.api)
    }

    /// The wire format of `api` (a journaled sale is followed with the API it was made with).
    pub(crate) fn wire_of(&self, api: Api) -> &dyn Wire {
        self.wires.of(api)
    }

    pub(crate) fn journal(&self) -> Option<&Journal> {
        self.journal.as_ref()
    }

    pub(crate) fn log(&self, level: LogLevel, line: impl FnOnce() -> String) {
        self.transport.log(level, line);
    }

    /// One read of a sale or a refund through `api`'s wire format, within `budget` (the
    /// client's `timeout` if `None`), journaled.
    pub(crate) fn read(
        &self,
        api: Api,
        kind: Kind,
        id: &str,
        budget: Option<Duration>,
    ) -> Result<Snapshot> {
        validate_id(kind.id_noun(), id)?;
        let snapshot = self.wire_of(api).read(kind, id, budget)?;
        if let Some(journal) = &self.journal {
            if let Err(e) = journal.seen(kind, &snapshot) {
                // The service keeps the state: recovery reads it again.
                self.log(LogLevel::Warn, || e.message().to_owned());
            }
        }
        Ok(snapshot)
    }

    /// Withdraws a sale or a refund the terminal has not taken yet, through `api`'s wire
    /// format (with a fresh key, for the API that wants one).
    pub(crate) fn cancel(&self, api: Api, kind: Kind, device_id: &str, id: &str) -> Result<Reply> {
        validate_id("device id", device_id)?;
        validate_id(kind.id_noun(), id)?;
        let key = key::new_key();
        self.wire_of(api).cancel(kind, device_id, id, &key)
    }
}
