//! The Orders API's notifications (`type: "order"`, `action: "order.<status>"`, the order
//! under `data`), read into the shape of the Point Integration API's.

use serde_json::{json, Value};

use super::status::payment_state_of;
use crate::error::{Error, Result};
use crate::model::IntentState;
use crate::money;
use crate::wire::{as_text, required};

/// The notification's state and its normalised object (see `webhook::Notification`):
/// `state` named as `IntentState` names it, amounts in minor units (read as two-decimal
/// amounts: on Chile's integer pesos read `data` itself).
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
    let decimal = data
        .get("total_paid_amount")
        .or_else(|| payment.and_then(|p| p.get("amount")))
        .and_then(Value::as_str);
    let reference = data.get("external_reference").and_then(as_text);
    let normalized = json!({
        "kind": "payment_intent",
        "intent_id": id,
        "state": state.as_str(),
        "amount": decimal.and_then(|d| money::from_decimal(d, None)),
        "payment_id": payment_text("/reference_id"),
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
