//! The Orders API's notifications (`type: "order"`, `action: "order.<status>"`, the order
//! under `data`), read into the shape of the Point Integration API's.

use serde_json::{json, Value};

use super::order::{decimal_amount, payment_number};
use super::status::payment_state_of;
use crate::error::{Error, Result};
use crate::model::IntentState;
use crate::wire::{as_text, required};

/// The notification's state and its normalised object (see `webhook::Notification`):
/// `state` named as `IntentState` names it, amounts in minor units (read as two-decimal
/// amounts: on Chile's integer pesos read `data` itself), the payment's number from its
/// `reference_id` or its `reference.id`.
pub(crate) fn read(notification: &Value) -> Result<(IntentState, Value)> {
    let data = notification.get("data").filter(|d| d.is_object());
    let data = required(data, "order notification has no \"data\" object")?;
    let id = data.get("id").and_then(as_text);
    let id = required(id, "order notification has no \"data.id\"")?;
    let status = data
        .get("status")
        .and_then(Value::as_str)
        .or_else(|| {
            notification
                .get("action")
                .and_then(Value::as_str)
                .and_then(|a| a.strip_prefix("order."))
        })
        .ok_or_else(|| {
            Error::invalid("order notification has no status (data.status or action)")
        })?;
    let state = IntentState::of_order_status(status);
    let payment = data.pointer("/transactions/payments/0");
    let payment_text = |path: &str| payment.and_then(|p| p.pointer(path)).and_then(as_text);
    // A notification's payment state is null where a read's is empty (CONFIRMATION_REQUIRED),
    // as the Point Integration API's notifications have it.
    let payment_state = payment_state_of(status).filter(|s| !s.is_empty());
    let amount = data
        .get("total_paid_amount")
        .or_else(|| payment.and_then(|p| p.get("amount")))
        .and_then(|a| decimal_amount(a, None));
    let reference = data.get("external_reference").and_then(as_text);
    let normalized = json!({
        "kind": "payment_intent",
        "intent_id": id,
        "state": state.as_str(),
        "amount": amount,
        "payment_id": payment.and_then(payment_number),
        "payment_type": payment_text("/payment_method/type"),
        "payment_state": payment_state,
        "external_reference": reference,
        "additional_info": { "external_reference": reference },
        "created_at": notification.get("date_created").and_then(as_text),
        "caller_id": notification.get("user_id").and_then(as_text),
        "client_id": notification.get("application_id").and_then(as_text),
    });
    Ok((state, normalized))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documentation's `order.processed` sample, trimmed to what is read here.
    fn processed(payment: Value) -> Value {
        json!({"type": "order", "action": "order.processed", "user_id": "3209222310",
               "data": {"id": "ORD01", "status": "processed", "total_paid_amount": "150.00",
                        "transactions": {"payments": [payment]}}})
    }

    #[test]
    fn the_payment_number_comes_from_either_reference_form() {
        for payment in [
            json!({"amount": "150.00", "reference_id": "123456789"}),
            json!({"amount": "150.00", "reference": {"id": "123456789"}}),
            json!({"amount": "150.00", "reference": {"id": 123456789}}),
        ] {
            let (state, n) = read(&processed(payment.clone())).unwrap();
            assert_eq!(state, IntentState::Finished);
            assert_eq!(n["payment_id"], "123456789", "{payment}");
            assert_eq!(n["amount"], 15000);
        }
        let (_, n) = read(&processed(json!({"amount": "150.00"}))).unwrap();
        assert!(n["payment_id"].is_null());
    }

    #[test]
    fn a_paid_amount_as_a_json_number_is_read_from_its_text() {
        let mut body = processed(json!({}));
        body["data"]["total_paid_amount"] = serde_json::from_str("150.5").unwrap();
        assert_eq!(read(&body).unwrap().1["amount"], 15050);
        body["data"]["total_paid_amount"] = serde_json::from_str("150.555").unwrap();
        assert!(read(&body).unwrap().1["amount"].is_null());
    }
}
