//! The simulated account: the store of terminals, payment and refund intents (the
//! Integration API), orders (the Orders API), payments, the event history, idempotency
//! records and the integrator's webhook settings. Both APIs share the terminals: a terminal
//! holds one unfinished intent, refund or order at a time.
//!
//! This file holds the [`Store`] itself and what moves everything in it with the clock:
//! [`Store::advance`], [`Store::next_due`] and the history. Each resource's operations
//! are in a file of its own: `integration/` (payment intents, refund intents), `orders/`
//! (orders, their refunds, the sandbox's events), `devices.rs`, `terminal.rs` (the virtual
//! terminal's buttons), `payments.rs` (the Payments API), `integrator.rs` (the webhook
//! settings), `users.rs` (test users) and `idempotency.rs` (what each key did);
//! `registry.rs` keeps intents and orders alike.
//!
//! Nothing here reads a clock: every operation takes `now` (epoch milliseconds), so the
//! callers decide time and the state machine stays deterministic.

pub(crate) mod devices;
mod idempotency;
pub(crate) mod integration;
pub(crate) mod integrator;
pub(crate) mod orders;
mod payments;
mod registry;
mod terminal;
mod users;

use std::collections::HashMap;

use serde_json::Value;

use crate::model::device::{initial_devices, Device};
use crate::model::event::{Event, Status};
use crate::model::intent::Intent;
use crate::model::order::Order;
use crate::model::resource::Resource;
use idempotency::IdempotencyBook;
use integrator::Integrator;
use registry::Registry;

/// What [`Store::advance`] moves.
#[derive(Debug, Clone, Copy)]
enum Moving {
    Intent(usize),
    Order(usize),
}

/// Everything the simulated account holds, behind the one lock of `Shared`.
#[derive(Debug)]
pub(crate) struct Store {
    step_ms: i64,
    devices: Vec<Device>,
    /// Payment intents and refund intents.
    intents: Registry<Intent>,
    /// Payment id → index of the intent that made it.
    payments: HashMap<String, usize>,
    orders: Registry<Order>,
    /// Payments API id → index of the order whose payment it is.
    order_payments: HashMap<String, usize>,
    /// Creation order across intents and orders, which breaks ties between their changes.
    next_seq: u64,
    history: Vec<Event>,
    idempotency: IdempotencyBook,
    /// Intent id → time of the last `GET` the strict rate limit let through.
    status_reads: HashMap<String, i64>,
    /// Payments API payments made so far (by intents and orders), which numbers the next.
    payments_made: u64,
    /// Payments API refunds made so far (by refund intents, reversals and order refunds).
    refunds_made: u64,
    /// Test users made so far.
    users_made: u64,
    pub integrator: Integrator,
    /// Tells the ticker thread to end; lives under the same lock as what it watches.
    pub shutdown: bool,
}

impl Store {
    pub(crate) fn new(step_ms: u64, integrator_token: String) -> Store {
        Store {
            step_ms: i64::try_from(step_ms).unwrap_or(i64::MAX),
            devices: initial_devices(),
            intents: Registry::default(),
            payments: HashMap::new(),
            orders: Registry::default(),
            order_payments: HashMap::new(),
            next_seq: 0,
            history: Vec::new(),
            idempotency: IdempotencyBook::default(),
            status_reads: HashMap::new(),
            payments_made: 0,
            refunds_made: 0,
            users_made: 0,
            integrator: Integrator::new(integrator_token),
            shutdown: false,
        }
    }

    /// Applies every automatic step and abandonment (or expiry) due at or before `now`,
    /// each stamped with the time it was due rather than the time it is noticed, so results
    /// don't depend on when requests arrive. Changes of all intents and orders are applied
    /// in time order, which keeps the history chronological and payment ids increasing
    /// with time.
    pub(crate) fn advance(&mut self, now: i64) {
        // (time, creation order, is the deadline, what). A step due exactly at the deadline
        // happens first (`false` sorts before `true`): the object is final at its deadline.
        // Steps after it never happen.
        let intents = self.intents.due_until(now, self.step_ms);
        let orders = self.orders.due_until(now, self.step_ms);
        let mut due: Vec<(i64, u64, bool, Moving)> = intents
            .into_iter()
            .map(|(at, seq, deadline, idx)| (at, seq, deadline, Moving::Intent(idx)))
            .chain(
                orders
                    .into_iter()
                    .map(|(at, seq, deadline, idx)| (at, seq, deadline, Moving::Order(idx))),
            )
            .collect();
        // Creation order breaks ties: objects created earlier change first.
        due.sort_unstable_by_key(|&(at, seq, deadline, _)| (at, seq, deadline));
        for (at, _, deadline, moving) in due {
            match moving {
                Moving::Intent(idx) if !self.intents[idx].state.is_final() => {
                    if deadline {
                        self.abandon(idx, at);
                    } else {
                        self.apply_next_step(idx, at);
                    }
                }
                Moving::Order(idx) if !self.orders[idx].status.is_final() => {
                    if deadline {
                        self.expire_order(idx, at);
                    } else {
                        self.apply_next_order_step(idx, at);
                    }
                }
                _ => {}
            }
        }
    }

    /// When the next automatic step, abandonment or expiry is due, if anything still moves
    /// by itself (in manual mode only the deadlines are).
    pub(crate) fn next_due(&self) -> Option<i64> {
        let intents = self.intents.next_due(self.step_ms);
        let orders = self.orders.next_due(self.step_ms);
        intents.into_iter().chain(orders).min()
    }

    /// Every state change so far, oldest first.
    pub(crate) fn history(&self) -> &[Event] {
        &self.history
    }

    /// Appends a state change to the history.
    fn log(&mut self, resource: Resource, id: String, state: Status, at: i64, snapshot: Value) {
        self.history.push(Event {
            resource,
            id,
            state,
            at_ms: at,
            snapshot,
        });
    }

    /// The next number in the creation order of intents and orders.
    fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// The idempotency keys seen, for `/_sim/idempotency` and for telling a replay.
    pub(crate) fn idempotency(&self) -> &IdempotencyBook {
        &self.idempotency
    }
}

#[cfg(test)]
mod tests;
