//! The Point Integration API's notifications: the guide's payload, today's (with
//! `caller_id`/`client_id`, no `payment` on CANCELED/ERROR, an empty payment state on
//! CONFIRMATION_REQUIRED), and refund notifications (a top-level `payment_id`).

use serde_json::{json, Value};

use crate::error::Result;
use crate::model::IntentState;
use crate::wire::{as_text, required, whole_amount};

/// The notification's state (`CANCELLED` is `Canceled`, a string this version does not know
/// `Unknown`) and its normalised object (see `webhook::Notification`): `state` as the body
/// spells it (this API spells the states as `IntentState` names them, so a known one is its
/// name; `CANCELLED` or an unknown one stays as sent, as the body has no `raw` to keep it),
/// `amount` as `wire::whole_amount` reads it.
pub(crate) fn read(object: &Value) -> Result<(IntentState, Value)> {
    let id = required(
        object.get("id").and_then(as_text),
        "notification has no \"id\"",
    )?;
    let state_text = object.get("state").and_then(Value::as_str);
    let state_text = required(state_text, "notification has no \"state\"")?;
    let state = IntentState::from_api(state_text);
    let payment = object.get("payment").filter(|p| p.is_object());
    let payment_field = |name: &str| {
        payment
            .and_then(|p| p.get(name))
            .and_then(as_text)
            .filter(|s| !s.is_empty())
    };
    let refunded_payment = object.get("payment_id").and_then(as_text);
    let is_refund = payment.is_none() && refunded_payment.is_some();
    let text = |name: &str| object.get(name).and_then(as_text);
    // Kept whole, as it came: it is what matches a notification to its ticket
    // (`ticket_number`, `print_on_terminal`, fields a site adds), beside the flattened fields.
    let additional_info = object
        .get("additional_info")
        .filter(|i| i.is_object())
        .cloned()
        .unwrap_or_else(|| json!({}));
    let normalized = json!({
        "kind": if is_refund { "refund" } else { "payment_intent" },
        "intent_id": id,
        "state": state_text,
        "amount": object.get("amount").and_then(whole_amount),
        "payment_id": if is_refund { refunded_payment } else { payment_field("id") },
        "payment_type": payment_field("type"),
        "payment_state": payment_field("state"),
        "external_reference": additional_info.get("external_reference").and_then(as_text),
        "additional_info": additional_info,
        "created_at": text("created_at"),
        "caller_id": text("caller_id"),
        "client_id": text("client_id"),
    });
    Ok((state, normalized))
}
