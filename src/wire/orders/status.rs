//! The Orders API's tables: what an order's `status` (and a refund's) means in the shared
//! vocabulary. Reads, last events and notifications all take it from here:
//!
//! | order `status` | `IntentState` | `payment.state` |
//! |---|---|---|
//! | `created` | `OPEN` | — |
//! | `at_terminal` | `ON_TERMINAL` | — |
//! | `processed` | `FINISHED` | `approved` |
//! | `failed` | `FINISHED` | `rejected` (with the `status_detail`) |
//! | `refunded` | `FINISHED` | `refunded` |
//! | `canceled` | `CANCELED` | — |
//! | `expired` | `ABANDONED` | — |
//! | `action_required` | `CONFIRMATION_REQUIRED` | `""` (the terminal must be checked) |
//! | anything else | `UNKNOWN` (not final) | — |

use serde_json::Value;

use super::order::text_at;
use crate::model::IntentState;

impl IntentState {
    /// The state of an Orders API order's `status` (the table above); anything unrecognised
    /// is `Unknown`.
    pub fn of_order_status(status: &str) -> IntentState {
        match status {
            "created" => IntentState::Open,
            "at_terminal" => IntentState::OnTerminal,
            "processed" | "failed" | "refunded" => IntentState::Finished,
            "canceled" => IntentState::Canceled,
            "expired" => IntentState::Abandoned,
            "action_required" => IntentState::ConfirmationRequired,
            _ => IntentState::Unknown,
        }
    }
}

/// The `payment.state` an order's `status` gives its payment (the table above); `None` where
/// the order has no payment outcome yet, or none at all.
pub(super) fn payment_state_of(status: &str) -> Option<&'static str> {
    match status {
        "processed" => Some("approved"),
        "failed" => Some("rejected"),
        "refunded" => Some("refunded"),
        "action_required" => Some(""),
        _ => None,
    }
}

/// The state of an order's refund: its last entry in `transactions.refunds`, or the order's
/// own status once it is `refunded` (partially: `partially_refunded`).
pub(super) fn refund_state_of(order: &Value) -> IntentState {
    let last = order
        .pointer("/transactions/refunds")
        .and_then(Value::as_array)
        .and_then(|r| r.last());
    if let Some(status) = last.and_then(|r| r.get("status")).and_then(Value::as_str) {
        return match status {
            "processed" | "refunded" | "approved" | "accredited" => IntentState::Finished,
            "processing" | "in_process" | "pending" | "created" => IntentState::Processing,
            "failed" | "rejected" => IntentState::Error,
            "canceled" => IntentState::Canceled,
            _ => IntentState::Unknown,
        };
    }
    match (
        text_at(order, &["status"]),
        text_at(order, &["status_detail"]),
    ) {
        (Some("refunded"), _) | (_, Some("partially_refunded")) => IntentState::Finished,
        _ => IntentState::Unknown,
    }
}
