//! Refund intents: made on a device for an approved payment of the Integration API, then
//! moved through the same states as payment intents; an approved one refunds the payment.

use serde_json::Value;

use super::Creation;
use crate::errors::ApiError;
use crate::model::intent::Intent;
use crate::model::resource::Resource;
use crate::requests::NewRefund;
use crate::state::Store;

impl Store {
    /// Creates a refund intent. Checks, in order: unknown device (404), the idempotency
    /// key (a replay returns the earlier refund), the body (400, `validate`), the payment
    /// (404 unknown; 400 not approved, already refunded or being refunded), the device's
    /// mode and whether it is busy (409).
    pub(crate) fn create_refund(
        &mut self,
        c: Creation,
        body: Result<Value, ApiError>,
        validate: impl FnOnce(&Value) -> Result<NewRefund, ApiError>,
    ) -> Result<&Intent, ApiError> {
        self.create(c, Resource::Refund, body, |store, body, fresh| {
            let request = validate(body)?;
            let amount = store.refundable(&request.payment_id)?;
            Ok(Intent {
                amount,
                additional_info: Value::Object(request.additional_info),
                refund_of: Some(request.payment_id),
                ..fresh
            })
        })
    }

    /// The amount of the payment a refund intent may refund: an approved payment of a
    /// payment intent, not refunded nor being refunded.
    fn refundable(&self, payment_id: &str) -> Result<i64, ApiError> {
        if self.is_order_payment(payment_id) {
            return Err(ApiError::bad_request(
                "this payment belongs to an order of the Orders API: refund it with POST /v1/orders/{id}/refund",
            ));
        }
        let paid = *self
            .payments
            .get(payment_id)
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
            .intents
            .active()
            .iter()
            .any(|&idx| self.intents[idx].refund_of.as_deref() == Some(payment_id))
        {
            return Err(ApiError::bad_request(
                "payment already has a refund in progress",
            ));
        }
        Ok(amount)
    }

    pub(crate) fn refund(&self, refund_id: &str) -> Result<&Intent, ApiError> {
        self.find(Resource::Refund, refund_id)
    }

    /// Cancels a refund that is still OPEN; 409 once the terminal has it.
    pub(crate) fn cancel_refund(
        &mut self,
        device_id: &str,
        refund_id: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        self.cancel(Resource::Refund, device_id, refund_id, now)
    }
}
