//! The simulated account: devices, payment and refund intents (the Integration API) and
//! orders (the Orders API) with their state machines, payments, the event history,
//! idempotency records and the integrator's webhook settings. Both APIs share the
//! terminals: a terminal holds one unfinished intent, refund or order at a time.
//!
//! Nothing here reads a clock: every operation takes `now` (epoch milliseconds), so the
//! callers decide time and the state machine stays deterministic.

mod idempotency;
mod model;
mod order;
mod orders;
mod payments;
mod refunds;
mod terminal;

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::errors::ApiError;
use crate::requests::{NewIntent, OperatingMode, Outcome};

use idempotency::{Created, IdempotencyBook, Operation};
pub(crate) use model::{
    Device, Event, Intent, IntentState, Payment, PaymentRefund, Resource, Status,
};
pub(crate) use order::{Order, USER_ID};
pub(crate) use orders::OrderCreation;

/// First payment id handed out; later ones count up from it.
const FIRST_PAYMENT_ID: u64 = 20_000_000_001;
/// First numeric id of a Payments API refund (made by a refund intent or a reversal).
const FIRST_REFUND_ID: u64 = 3_000_000_001;
/// First id of a test user from `POST /users/test_user`.
const FIRST_USER_ID: u64 = 1_200_000_001;
/// Automatic steps from OPEN to a final state: ON_TERMINAL, PROCESSING, PROCESSED, final.
const STEPS: u32 = 4;
/// The documented limit of `GET /payment-intents/{id}`: one per this many ms per intent.
const STATUS_READ_INTERVAL_MS: i64 = 1000;

/// What [`Store::advance`] moves.
#[derive(Debug, Clone, Copy)]
enum Moving {
    Intent(usize),
    Order(usize),
}

/// How a new intent moves, taken from the simulator's configuration when it is created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Pace {
    /// Only the terminal's buttons (control API) move it.
    pub manual: bool,
    /// Becomes ABANDONED if not final this long after creation.
    pub abandon_after_ms: Option<u64>,
}

/// Who asks to create an intent or refund, and when.
#[derive(Debug, Clone)]
pub(crate) struct Creation<'a> {
    pub device_id: &'a str,
    pub idempotency_key: Option<&'a str>,
    /// The id the new object gets.
    pub id: String,
    pub now: i64,
    pub pace: Pace,
}

#[derive(Debug, Clone)]
pub(crate) struct Integrator {
    /// The webhook HMAC secret.
    pub token: String,
    /// Empty while none is configured, as the real service reports it.
    pub webhook: String,
    pub is_valid_webhook: bool,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct DeviceFilter {
    pub store_id: Option<String>,
    pub pos_id: Option<i64>,
}

#[derive(Debug)]
pub(crate) struct Store {
    step_ms: i64,
    devices: Vec<Device>,
    /// Payment intents and refund intents, in creation order.
    intents: Vec<Intent>,
    by_id: HashMap<String, usize>,
    /// Indices of intents not yet in a final state: the only ones that advance, and what
    /// makes a device busy. Keeps per-request work independent of how many intents exist.
    active: Vec<usize>,
    /// Each device's most recently created intent (what its screen shows).
    latest_by_device: HashMap<String, usize>,
    /// Payment id → index of the intent that made it.
    payments: HashMap<String, usize>,
    /// Orders, in creation order, and the same indexes as for intents.
    orders: Vec<Order>,
    order_by_id: HashMap<String, usize>,
    active_orders: Vec<usize>,
    latest_order_by_device: HashMap<String, usize>,
    /// Payments API id → index of the order whose payment it is.
    order_payments: HashMap<String, usize>,
    /// Creation order across intents and orders, which breaks ties between their changes.
    next_seq: u64,
    history: Vec<Event>,
    idempotency: IdempotencyBook,
    /// Intent id → time of the last `GET` the strict rate limit let through.
    status_reads: HashMap<String, i64>,
    next_payment_id: u64,
    next_refund_id: u64,
    next_user_id: u64,
    pub integrator: Integrator,
    /// Tells the ticker thread to end; lives under the same lock as what it watches.
    pub shutdown: bool,
}

impl Store {
    pub(crate) fn new(step_ms: u64, integrator_token: String) -> Store {
        Store {
            step_ms: i64::try_from(step_ms).unwrap_or(i64::MAX),
            devices: model::initial_devices(),
            intents: Vec::new(),
            by_id: HashMap::new(),
            active: Vec::new(),
            latest_by_device: HashMap::new(),
            payments: HashMap::new(),
            orders: Vec::new(),
            order_by_id: HashMap::new(),
            active_orders: Vec::new(),
            latest_order_by_device: HashMap::new(),
            order_payments: HashMap::new(),
            next_seq: 0,
            history: Vec::new(),
            idempotency: IdempotencyBook::default(),
            status_reads: HashMap::new(),
            next_payment_id: FIRST_PAYMENT_ID,
            next_refund_id: FIRST_REFUND_ID,
            next_user_id: FIRST_USER_ID,
            integrator: Integrator {
                token: integrator_token,
                webhook: String::new(),
                is_valid_webhook: false,
            },
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
        let mut due: Vec<(i64, u64, bool, Moving)> = Vec::new();
        for &idx in &self.active {
            let intent = &self.intents[idx];
            let deadline = intent.abandon_at.unwrap_or(i64::MAX);
            if !intent.manual {
                for n in intent.steps_done + 1..=STEPS {
                    let at = intent.step_due(n, self.step_ms);
                    if at > now || at > deadline {
                        break;
                    }
                    due.push((at, intent.seq, false, Moving::Intent(idx)));
                }
            }
            if deadline <= now {
                due.push((deadline, intent.seq, true, Moving::Intent(idx)));
            }
        }
        for &idx in &self.active_orders {
            let order = &self.orders[idx];
            for (at, deadline) in order.due_until(now, self.step_ms) {
                due.push((at, order.seq, deadline, Moving::Order(idx)));
            }
        }
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

    /// The outcome automatic mode gives: by amount for a payment intent (the sandbox's
    /// table), always a completed refund for a refund intent.
    fn automatic_outcome(intent: &Intent) -> Outcome {
        if intent.refund_of.is_some() {
            Outcome::Approved
        } else {
            Outcome::for_amount(intent.amount)
        }
    }

    fn apply_next_step(&mut self, idx: usize, at: i64) {
        let intent = &mut self.intents[idx];
        intent.steps_done += 1;
        let outcome = Store::automatic_outcome(intent);
        match intent.steps_done {
            1 => self.record(idx, IntentState::OnTerminal, at),
            // The terminal holds an intent it will abandon without processing it.
            2 | 3 if outcome == Outcome::Abandoned => {}
            2 => self.record(idx, IntentState::Processing, at),
            3 => {
                self.make_payment(idx, outcome, at);
                self.record(idx, IntentState::Processed, at);
            }
            _ => self.settle(idx, outcome, at),
        }
    }

    /// The payment a sale makes when it reaches PROCESSED (none for errors, abandonments
    /// and refunds).
    fn make_payment(&mut self, idx: usize, outcome: Outcome, at: i64) {
        let intent = &mut self.intents[idx];
        if !outcome.makes_payment() || intent.refund_of.is_some() || intent.payment.is_some() {
            return;
        }
        let request = intent.payment_request.clone().unwrap_or_default();
        let id = self.next_payment_id.to_string();
        self.next_payment_id += 1;
        intent.payment = Some(Payment {
            id: id.clone(),
            kind: request.kind.unwrap_or_else(|| "credit_card".into()),
            installments: request.installments.unwrap_or(1),
            installments_cost: request.installments_cost.unwrap_or_else(|| "seller".into()),
            voucher_type: request.voucher_type,
            state: None,
            created_ms: at,
            settled_ms: None,
            refund: None,
        });
        self.payments.insert(id, idx);
    }

    fn new_refund(&mut self, refund_intent_id: Option<String>, at_ms: i64) -> PaymentRefund {
        let id = self.next_refund_id;
        self.next_refund_id += 1;
        PaymentRefund {
            id,
            refund_intent_id,
            at_ms,
        }
    }

    /// Ends a sale or refund with `outcome` at `at`.
    fn settle(&mut self, idx: usize, outcome: Outcome, at: i64) {
        if outcome == Outcome::Abandoned {
            return self.abandon(idx, at);
        }
        match self.intents[idx].refund_of.clone() {
            None => {
                let reversal = (outcome == Outcome::Reversed).then(|| self.new_refund(None, at));
                if let Some(payment) = &mut self.intents[idx].payment {
                    payment.state = outcome.payment_state();
                    payment.settled_ms = Some(at);
                    payment.refund = reversal;
                }
            }
            // Only an approved refund gives the money back; other outcomes leave the
            // payment as it was.
            Some(payment_id) if outcome == Outcome::Approved => {
                let refund = self.new_refund(Some(self.intents[idx].id.clone()), at);
                if let Some(&paid) = self.payments.get(&payment_id) {
                    if let Some(payment) = &mut self.intents[paid].payment {
                        payment.refund = Some(refund);
                    }
                }
            }
            Some(_) => {}
        }
        self.record(idx, IntentState::after(outcome), at);
    }

    /// Not processed in time: final, without a payment even if one was being made.
    fn abandon(&mut self, idx: usize, at: i64) {
        if let Some(payment) = self.intents[idx].payment.take() {
            self.payments.remove(&payment.id);
        }
        self.record(idx, IntentState::Abandoned, at);
    }

    fn record(&mut self, idx: usize, state: IntentState, at: i64) {
        let intent = &mut self.intents[idx];
        intent.state = state;
        intent.changed_ms = at;
        intent.changed_seq = self.history.len();
        self.history.push(Event {
            resource: intent.resource(),
            id: intent.id.clone(),
            state: Status::Intent(state),
            at_ms: at,
            snapshot: intent.to_json(),
        });
        if state.is_final() {
            self.active.retain(|&i| i != idx);
        }
    }

    /// When the next automatic step or abandonment is due, if any intent still moves by
    /// itself (intents of manual mode only wait for their abandonment, if any).
    pub(crate) fn next_due(&self) -> Option<i64> {
        let intents = self.active.iter().filter_map(|&idx| {
            let intent = &self.intents[idx];
            let step = (!intent.manual && intent.steps_done < STEPS)
                .then(|| intent.step_due(intent.steps_done + 1, self.step_ms));
            match (step, intent.abandon_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        });
        let orders = self
            .active_orders
            .iter()
            .map(|&idx| self.orders[idx].next_due(self.step_ms));
        intents.chain(orders).min()
    }

    /// Every state change so far, oldest first.
    pub(crate) fn history(&self) -> &[Event] {
        &self.history
    }

    pub(crate) fn list_devices(&self, filter: &DeviceFilter) -> Vec<&Device> {
        self.devices
            .iter()
            .filter(|d| filter.store_id.as_deref().is_none_or(|s| d.store_id == s))
            .filter(|d| filter.pos_id.is_none_or(|p| d.pos_id == p))
            .collect()
    }

    pub(crate) fn device(&self, device_id: &str) -> Result<&Device, ApiError> {
        self.devices
            .iter()
            .find(|d| d.id == device_id)
            .ok_or_else(|| ApiError::not_found("device not found"))
    }

    pub(crate) fn set_mode(
        &mut self,
        device_id: &str,
        mode: OperatingMode,
    ) -> Result<(), ApiError> {
        let device = self
            .devices
            .iter_mut()
            .find(|d| d.id == device_id)
            .ok_or_else(|| ApiError::not_found("device not found"))?;
        device.mode = mode;
        Ok(())
    }

    /// A payment intent (refund intents have their own lookup).
    pub(crate) fn intent(&self, intent_id: &str) -> Result<&Intent, ApiError> {
        self.by_id
            .get(intent_id)
            .map(|&idx| &self.intents[idx])
            .filter(|i| i.refund_of.is_none())
            .ok_or_else(|| ApiError::not_found("payment intent not found"))
    }

    /// `GET /payment-intents/{id}`; with `strict`, at most one answer per second per
    /// intent (the documented limit), 429 for the others.
    pub(crate) fn read_intent(
        &mut self,
        intent_id: &str,
        now: i64,
        strict: bool,
    ) -> Result<Value, ApiError> {
        let json = self.intent(intent_id)?.to_json();
        if strict {
            if let Some(&last) = self.status_reads.get(intent_id) {
                if now - last < STATUS_READ_INTERVAL_MS {
                    return Err(ApiError::too_many_requests(
                        "too many requests: GET /payment-intents/{id} is limited to 1 per second per intent",
                        1,
                    ));
                }
            }
            self.status_reads.insert(intent_id.to_string(), now);
        }
        Ok(json)
    }

    /// The checks every create starts with, in order: count the idempotency key, unknown
    /// device (404), unparsable body, then the key: `Some(index)` is the object the same
    /// request made earlier (a replay, answered even if the device is busy with it).
    fn open_create(
        &mut self,
        c: &Creation,
        resource: Resource,
        body: Result<Value, ApiError>,
    ) -> Result<(Value, Option<usize>), ApiError> {
        if let Some(key) = c.idempotency_key {
            self.idempotency.count_request(key);
        }
        self.device(c.device_id)?;
        let body = body?;
        if let Some(made) = c
            .idempotency_key
            .and_then(|key| self.idempotency.created_with(key))
        {
            let operation = match resource {
                Resource::Refund => Operation::CreateRefund,
                _ => Operation::CreateIntent,
            };
            if made.operation == operation && made.target == c.device_id && made.body == body {
                return Ok((body, Some(self.by_id[&made.object_id])));
            }
            return Err(ApiError::new(
                400,
                "idempotency_key_reused",
                "idempotency key already used with a different request",
            ));
        }
        Ok((body, None))
    }

    /// A device takes a new intent or refund only in PDV mode and when nothing is queued.
    fn check_device_free(&self, device_id: &str) -> Result<(), ApiError> {
        let device = self.device(device_id)?;
        if device.mode != OperatingMode::Pdv {
            return Err(ApiError::bad_request(format!(
                "device is not in PDV mode (operating_mode is {}); set it to PDV to receive payment intents",
                device.mode.as_str()
            )));
        }
        if self.device_busy(device_id) {
            return Err(ApiError::conflict("device has a queued payment intent"));
        }
        Ok(())
    }

    /// Whether the terminal holds an unfinished intent, refund or order (of either API).
    fn device_busy(&self, device_id: &str) -> bool {
        self.active
            .iter()
            .any(|&idx| self.intents[idx].device_id == device_id)
            || self
                .active_orders
                .iter()
                .any(|&idx| self.orders[idx].request.terminal_id == device_id)
    }

    /// The next number in the creation order of intents and orders.
    fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// A new OPEN intent with nothing of its own yet.
    fn fresh_intent(c: &Creation) -> Intent {
        Intent {
            id: c.id.clone(),
            device_id: c.device_id.to_string(),
            amount: 0,
            description: None,
            payment_request: None,
            additional_info: json!({}),
            refund_of: None,
            state: IntentState::Open,
            created_ms: c.now,
            changed_ms: c.now,
            changed_seq: 0,
            seq: 0,
            steps_done: 0,
            manual: c.pace.manual,
            abandon_at: c
                .pace
                .abandon_after_ms
                .map(|ms| c.now.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX))),
            payment: None,
        }
    }

    /// Stores a new intent, records its OPEN and what its key created.
    fn admit(&mut self, c: &Creation, intent: Intent, body: Value) -> usize {
        let idx = self.intents.len();
        let resource = intent.resource();
        let seq = self.next_seq();
        self.intents.push(Intent { seq, ..intent });
        self.by_id.insert(c.id.clone(), idx);
        self.active.push(idx);
        self.latest_by_device.insert(c.device_id.to_string(), idx);
        self.record(idx, IntentState::Open, c.now);
        if let Some(key) = c.idempotency_key {
            self.idempotency.remember(
                key,
                Created {
                    operation: match resource {
                        Resource::Refund => Operation::CreateRefund,
                        _ => Operation::CreateIntent,
                    },
                    target: c.device_id.to_string(),
                    body,
                    object_id: c.id.clone(),
                },
            );
        }
        idx
    }

    /// Creates a payment intent, in the order the checks must run: unknown device (404),
    /// then the idempotency key (a replay returns the earlier intent even if the device is
    /// busy with it), then the body, the device's mode and finally whether it is busy.
    /// `body` is the parsed JSON (or why it didn't parse), `request` its validation.
    pub(crate) fn create_intent(
        &mut self,
        c: Creation,
        body: Result<Value, ApiError>,
        request: impl FnOnce(&Value) -> Result<NewIntent, ApiError>,
    ) -> Result<&Intent, ApiError> {
        let (body, replay) = self.open_create(&c, Resource::PaymentIntent, body)?;
        if let Some(idx) = replay {
            return Ok(&self.intents[idx]);
        }
        let request = request(&body)?;
        self.check_device_free(c.device_id)?;
        let intent = Intent {
            amount: request.amount,
            description: request.description,
            payment_request: request.payment,
            additional_info: Value::Object(request.additional_info),
            ..Store::fresh_intent(&c)
        };
        let idx = self.admit(&c, intent, body);
        Ok(&self.intents[idx])
    }

    /// Cancels a payment intent that is still OPEN (the terminal hasn't taken it yet).
    pub(crate) fn cancel_intent(
        &mut self,
        device_id: &str,
        intent_id: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        let idx = match self.by_id.get(intent_id) {
            Some(&idx)
                if self.intents[idx].device_id == device_id
                    && self.intents[idx].refund_of.is_none() =>
            {
                idx
            }
            _ => return Err(ApiError::not_found("payment intent not found")),
        };
        self.cancel_while_open(idx, now, "payment intent")
    }

    /// The API's cancel: only while OPEN; 409 once the terminal has it, 400 when final.
    fn cancel_while_open(&mut self, idx: usize, now: i64, what: &str) -> Result<(), ApiError> {
        match self.intents[idx].state {
            IntentState::Open => {
                self.record(idx, IntentState::Canceled, now);
                Ok(())
            }
            s if s.is_final() => Err(ApiError::bad_request(format!(
                "{what} is already {}",
                s.as_str()
            ))),
            _ => Err(ApiError::conflict(format!("{what} is blocked by terminal"))),
        }
    }

    /// Payment intents whose latest state change lies in `[from_ms, to_ms]`, in the order
    /// of those changes.
    pub(crate) fn last_changes_between(&self, from_ms: i64, to_ms: i64) -> Vec<&Intent> {
        let mut found: Vec<&Intent> = self
            .intents
            .iter()
            .filter(|i| i.refund_of.is_none() && (from_ms..=to_ms).contains(&i.changed_ms))
            .collect();
        found.sort_by_key(|i| i.changed_seq);
        found
    }

    /// `GET /_sim/idempotency/{key}`.
    /// Whether a create with `key` already made something: a request with it now is a replay,
    /// answered `200 OK` with what it made (the first one is `201 Created`), which is how a
    /// client tells a create it made from one it finds.
    pub(crate) fn key_has_made(&self, key: Option<&str>) -> bool {
        key.is_some_and(|k| self.idempotency.created_with(k).is_some())
    }

    pub(crate) fn idempotency_counters(&self, key: &str) -> Value {
        self.idempotency.counters_json(key)
    }

    /// `GET /_sim/idempotency`.
    pub(crate) fn idempotency_all(&self) -> Value {
        json!({ "keys": self.idempotency.all_json() })
    }

    /// `POST /users/test_user`: a new test account (the site is validated by the caller).
    pub(crate) fn create_test_user(&mut self) -> Value {
        let id = self.next_user_id;
        self.next_user_id += 1;
        let password: String = uuid::Uuid::new_v4().simple().to_string()[..10].to_string();
        json!({
            "id": id,
            "nickname": format!("TESTUSER{id}"),
            "password": format!("qatest{password}"),
            "site_status": "active",
            "email": format!("test_user_{id}@testuser.com"),
        })
    }
}

#[cfg(test)]
mod tests;
