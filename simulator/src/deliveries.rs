//! The webhook side's shared record: where Integration API notifications go (the webhook
//! `POST /integrators/check` last proved) and every delivery attempt made, for
//! `GET /_sim/webhooks`. The delivery thread (`delivery.rs`) writes it; requests read it.

use std::sync::{Condvar, Mutex, MutexGuard};

use serde_json::Value;

/// Attempts kept for `GET /_sim/webhooks`; the oldest go first beyond this.
const MAX_RECORDS: usize = 10_000;

#[derive(Debug, Default)]
pub(crate) struct Deliveries {
    state: Mutex<DeliveryState>,
    /// Wakes the delivery thread: a new target, or the simulator stopping.
    pub wake: Condvar,
}

#[derive(Debug, Default)]
pub(crate) struct DeliveryState {
    pub target: Option<Target>,
    records: Vec<Value>,
    next_seq: u64,
    pub stopping: bool,
}

/// The checked webhook and the first history entry not yet turned into notifications.
#[derive(Debug)]
pub(crate) struct Target {
    pub url: String,
    pub next_event: usize,
}

impl DeliveryState {
    /// Keeps one attempt, numbering it; `record` gets its `seq`.
    pub(crate) fn push(&mut self, mut record: Value) {
        self.next_seq += 1;
        record["seq"] = Value::from(self.next_seq);
        if self.records.len() >= MAX_RECORDS {
            self.records.remove(0);
        }
        self.records.push(record);
    }
}

impl Deliveries {
    pub(crate) fn lock(&self) -> MutexGuard<'_, DeliveryState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends Integration API notifications to `url` from history entry `from` on. Checking
    /// the webhook already in use again changes nothing.
    pub(crate) fn target_checked(&self, url: String, from: usize) {
        let mut state = self.lock();
        if state.target.as_ref().is_none_or(|t| t.url != url) {
            state.target = Some(Target {
                url,
                next_event: from,
            });
        }
        drop(state);
        self.wake.notify_all();
    }

    /// Every attempt recorded, oldest first.
    pub(crate) fn records(&self) -> Vec<Value> {
        self.lock().records.clone()
    }

    pub(crate) fn clear(&self) {
        self.lock().records.clear();
    }

    /// Asks the delivery thread to end (after the attempt it may be making).
    pub(crate) fn stop(&self) {
        self.lock().stopping = true;
        self.wake.notify_all();
    }
}
