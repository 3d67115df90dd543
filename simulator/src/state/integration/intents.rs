//! Payment intents: created on a device for an amount, read (at most once a second per
//! intent with the strict rate limit), listed by their latest change, canceled while OPEN.

use serde_json::Value;

use super::Creation;
use crate::errors::ApiError;
use crate::model::intent::Intent;
use crate::model::resource::Resource;
use crate::requests::NewIntent;
use crate::state::Store;

/// The documented limit of `GET /payment-intents/{id}`: one per this many ms per intent.
const STATUS_READ_INTERVAL_MS: i64 = 1000;

impl Store {
    /// Creates a payment intent, in the order the checks must run: unknown device (404),
    /// then the idempotency key (a replay returns the earlier intent even if the device is
    /// busy with it), then the body, the device's mode and finally whether it is busy.
    /// `body` is the parsed JSON (or why it didn't parse), `validate` its check.
    pub(crate) fn create_intent(
        &mut self,
        c: Creation,
        body: Result<Value, ApiError>,
        validate: impl FnOnce(&Value) -> Result<NewIntent, ApiError>,
    ) -> Result<&Intent, ApiError> {
        self.create(c, Resource::PaymentIntent, body, |_, body, fresh| {
            let request = validate(body)?;
            Ok(Intent {
                amount: request.amount,
                description: request.description,
                payment_request: request.payment,
                additional_info: Value::Object(request.additional_info),
                ..fresh
            })
        })
    }

    /// A payment intent (refund intents have their own lookup).
    pub(crate) fn intent(&self, intent_id: &str) -> Result<&Intent, ApiError> {
        self.find(Resource::PaymentIntent, intent_id)
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

    /// Cancels a payment intent that is still OPEN (the terminal hasn't taken it yet).
    pub(crate) fn cancel_intent(
        &mut self,
        device_id: &str,
        intent_id: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        self.cancel(Resource::PaymentIntent, device_id, intent_id, now)
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
}
