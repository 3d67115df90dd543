//! What the worker threads, the ticker and the webhook thread share: the store behind its
//! lock, the clock, the configuration, the faults and the webhook record.
//!
//! It sits below the server and the handlers (both use it, it uses neither), so any module
//! can take a `&Shared` without importing the code that serves requests.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::config::{SimConfig, Site};
use crate::deliveries::Deliveries;
use crate::errors::ApiError;
use crate::faults::FaultBook;
use crate::model::schedule::Pace;
use crate::relay::Relay;
use crate::state::Store;
use crate::time::Clock;

#[derive(Debug)]
pub(crate) struct Shared {
    pub store: Mutex<Store>,
    /// Wakes the ticker when its next deadline may have changed (or on shutdown).
    pub wake: Condvar,
    pub clock: Clock,
    /// The site's limits, currency and amount format.
    pub site: Site,
    /// Everything the simulator was started with (mode, webhook secret, ...).
    pub config: SimConfig,
    /// Faults registered through `/_sim/faults`.
    pub faults: FaultBook,
    /// Webhook notifications: the checked target and the record of attempts.
    pub deliveries: Deliveries,
    /// The client connections, so a fault can drop one.
    pub relay: Arc<Relay>,
}

impl Shared {
    /// Takes the lock. A handler that panicked while holding it leaves the store usable
    /// (every mutation is a few field writes), so poisoning is ignored rather than
    /// turning one bug into every later request failing.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes the lock and brings every intent and order up to date. `now` is read under the
    /// lock so that times recorded by concurrent requests never go backwards in the history.
    pub(crate) fn lock_now(&self) -> (MutexGuard<'_, Store>, i64) {
        let mut store = self.lock();
        let now = self.clock.now_ms();
        store.advance(now);
        (store, now)
    }

    /// Applies `change` to the up-to-date store at `now`; when it succeeds, wakes the ticker
    /// once the lock is released, since the change may have moved its next deadline.
    pub(crate) fn change<T>(
        &self,
        change: impl FnOnce(&mut Store, i64) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let (mut store, now) = self.lock_now();
        let result = change(&mut store, now)?;
        drop(store);
        self.wake.notify_all();
        Ok(result)
    }

    /// How intents and orders created now will move, from the simulator's configuration.
    pub(crate) fn pace(&self) -> Pace {
        Pace {
            manual: self.config.manual,
            abandon_after_ms: self.config.abandon_after_ms,
        }
    }
}
