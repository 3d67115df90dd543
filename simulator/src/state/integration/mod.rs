//! The Integration API's objects on the store: payment intents (`intents.rs`) and refund
//! intents (`refunds.rs`). Both are [`Intent`]s that move through the same states, so
//! what they share is here once: how one is created (the checks in the API's order, the
//! idempotency key), looked up, canceled through the API and recorded; how one moves on
//! the terminal is in `lifecycle.rs`.

mod intents;
mod lifecycle;
mod refunds;

use serde_json::{json, Value};

use super::idempotency::{Created, Operation};
use super::Store;
use crate::errors::ApiError;
use crate::model::event::Status;
use crate::model::intent::{Intent, IntentState, INTENT_STEPS};
use crate::model::resource::Resource;
use crate::model::schedule::{Pace, Schedule};
use crate::requests::OperatingMode;

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

/// What creating `resource` is, for its idempotency key.
fn operation(resource: Resource) -> Operation {
    match resource {
        Resource::Refund => Operation::CreateRefund,
        _ => Operation::CreateIntent,
    }
}

fn not_found(resource: Resource) -> ApiError {
    ApiError::not_found(format!("{} not found", resource.noun()))
}

impl Store {
    /// Creates a payment intent or refund intent (`resource`), in the order the checks must
    /// run: count the idempotency key, unknown device (404), unparsable body, then the key
    /// (a replay returns the object the same request made, even if the device is busy with
    /// it; the key with another request is a 400), then `build`'s checks of the body, and
    /// last the device's mode and whether it is busy. `build` turns the body into the new
    /// intent, given one with nothing of its own yet.
    fn create(
        &mut self,
        c: Creation,
        resource: Resource,
        body: Result<Value, ApiError>,
        build: impl FnOnce(&Store, &Value, Intent) -> Result<Intent, ApiError>,
    ) -> Result<&Intent, ApiError> {
        if let Some(key) = c.idempotency_key {
            self.idempotency.count_request(key);
        }
        self.device(c.device_id)?;
        let body = body?;
        if let Some(made) = c
            .idempotency_key
            .and_then(|key| self.idempotency.created_with(key))
        {
            if made.operation == operation(resource)
                && made.target == c.device_id
                && made.body == body
            {
                let idx = self.intents.index_of(&made.object_id);
                return Ok(&self.intents[idx.expect("a key's object is kept")]);
            }
            return Err(ApiError::new(
                400,
                "idempotency_key_reused",
                "idempotency key already used with a different request",
            ));
        }
        let intent = build(self, &body, Store::fresh_intent(&c))?;
        self.check_device_free(c.device_id)?;
        let idx = self.admit(&c, intent, body);
        Ok(&self.intents[idx])
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
            changed_ms: c.now,
            changed_seq: 0,
            schedule: Schedule::new(c.now, INTENT_STEPS, c.pace, None),
            payment: None,
        }
    }

    /// Stores a new intent, records its OPEN and what its key created.
    fn admit(&mut self, c: &Creation, mut intent: Intent, body: Value) -> usize {
        let resource = intent.resource();
        intent.schedule.seq = self.next_seq();
        let idx = self.intents.add(intent);
        self.record(idx, IntentState::Open, c.now);
        if let Some(key) = c.idempotency_key {
            self.idempotency.remember(
                key,
                Created {
                    operation: operation(resource),
                    target: c.device_id.to_string(),
                    body,
                    object_id: c.id.clone(),
                },
            );
        }
        idx
    }

    /// The index of the payment intent or refund intent (`resource`) with this id.
    fn find_index(&self, resource: Resource, id: &str) -> Option<usize> {
        self.intents
            .index_of(id)
            .filter(|&idx| self.intents[idx].resource() == resource)
    }

    /// The payment intent or refund intent (`resource`) with this id.
    fn find(&self, resource: Resource, id: &str) -> Result<&Intent, ApiError> {
        self.find_index(resource, id)
            .map(|idx| &self.intents[idx])
            .ok_or_else(|| not_found(resource))
    }

    /// The API's cancel of a payment intent or refund intent (`resource`) on `device_id`:
    /// only while OPEN (the terminal hasn't taken it yet); 404 when the device has no such
    /// object, 409 once the terminal has it, 400 when final.
    fn cancel(
        &mut self,
        resource: Resource,
        device_id: &str,
        id: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        let idx = self
            .find_index(resource, id)
            .filter(|&idx| self.intents[idx].device_id == device_id)
            .ok_or_else(|| not_found(resource))?;
        let what = resource.noun();
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

    /// Puts the intent in `state` at `at`, in the history too.
    fn record(&mut self, idx: usize, state: IntentState, at: i64) {
        let changed_seq = self.history.len();
        let intent = &mut self.intents[idx];
        intent.state = state;
        intent.changed_ms = at;
        intent.changed_seq = changed_seq;
        let (resource, id, snapshot) = (intent.resource(), intent.id.clone(), intent.to_json());
        self.log(resource, id, Status::Intent(state), at, snapshot);
        if state.is_final() {
            self.intents.retire(idx);
        }
    }
}
