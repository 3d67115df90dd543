//! Refund intents: made on a device for an approved payment, then moved through the same
//! states as payment intents.

use serde_json::Value;

use super::{Creation, Intent, Resource, Store};
use crate::errors::ApiError;
use crate::validation::integration::validate_refund;

impl Store {
    /// Creates a refund intent. Checks, in order: unknown device (404), the idempotency
    /// key (a replay returns the earlier refund), the body (400), the payment (404 unknown;
    /// 400 not approved, already refunded or being refunded), the device's mode and
    /// whether it is busy (409).
    pub(crate) fn create_refund(
        &mut self,
        c: Creation,
        body: Result<Value, ApiError>,
    ) -> Result<&Intent, ApiError> {
        let (body, replay) = self.open_create(&c, Resource::Refund, body)?;
        if let Some(idx) = replay {
            return Ok(&self.intents[idx]);
        }
        let request = validate_refund(&body)?;
        if self.is_order_payment(&request.payment_id) {
            return Err(ApiError::bad_request(
                "this payment belongs to an order of the Orders API: refund it with POST /v1/orders/{id}/refund",
            ));
        }
        let paid = *self
            .payments
            .get(&request.payment_id)
            .ok_or_else(|| ApiError::not_found("payment not found"))?;
        let amount = self.intents[paid].amount;
        let payment = self.intents[paid]
            .payment
            .as_ref()
            .ok_or_else(|| ApiError::not_found("payment not found"))?;
        if payment.refund.is_some() {
            return Err(ApiError::bad_request("payment is already refunded"));
        }
        if payment.state != Some("approved") {
            return Err(ApiError::bad_request(format!(
                "only approved payments can be refunded; this one is {}",
                match payment.state {
                    None => "not finished",
                    Some("") => "awaiting confirmation",
                    Some(state) => state,
                }
            )));
        }
        if self
            .active
            .iter()
            .any(|&idx| self.intents[idx].refund_of.as_deref() == Some(request.payment_id.as_str()))
        {
            return Err(ApiError::bad_request(
                "payment already has a refund in progress",
            ));
        }
        self.check_device_free(c.device_id)?;
        let intent = Intent {
            amount,
            additional_info: Value::Object(request.additional_info),
            refund_of: Some(request.payment_id),
            ..Store::fresh_intent(&c)
        };
        let idx = self.admit(&c, intent, body);
        Ok(&self.intents[idx])
    }

    pub(crate) fn refund(&self, refund_id: &str) -> Result<&Intent, ApiError> {
        self.by_id
            .get(refund_id)
            .map(|&idx| &self.intents[idx])
            .filter(|i| i.refund_of.is_some())
            .ok_or_else(|| ApiError::not_found("refund not found"))
    }

    /// Cancels a refund that is still OPEN; 409 once the terminal has it.
    pub(crate) fn cancel_refund(
        &mut self,
        device_id: &str,
        refund_id: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        let idx = match self.by_id.get(refund_id) {
            Some(&idx)
                if self.intents[idx].device_id == device_id
                    && self.intents[idx].refund_of.is_some() =>
            {
                idx
            }
            _ => return Err(ApiError::not_found("refund not found")),
        };
        self.cancel_while_open(idx, now, "refund")
    }
}
