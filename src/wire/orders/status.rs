//! The Orders API's tables: what an order's `status` (and a refund entry's) means in the
//! shared vocabulary. Reads, last events and notifications all take it from here:
//!
//! | order `status` | `IntentState` | `payment.state` |
//! |---|---|---|
//! | `created` | `OPEN` | — |
//! | `at_terminal` | `ON_TERMINAL` | — |
//! | `processed` | `FINISHED` | `approved` |
//! | `failed` | `FINISHED` | `rejected` (with the `status_detail`) |
//! | `refunded` | `FINISHED` | `refunded` |
//! | `canceled` (or `cancelled`) | `CANCELED` | — |
//! | `expired` | `ABANDONED` | — |
//! | `action_required` | `CONFIRMATION_REQUIRED` | `""` (the terminal must be checked) |
//! | anything else | `UNKNOWN` (not final) | — |
//!
//! `cancelled`, the spelling of some mocks of the official SDKs, is read as `canceled`, as the
//! Point Integration API's `CANCELLED` is read as `CANCELED`; statuses are matched exactly
//! otherwise (`Canceled` is `UNKNOWN`).

use crate::model::IntentState;

impl IntentState {
    /// The state of an Orders API order's `status` (the table above); anything unrecognised
    /// is `Unknown`.
    pub fn of_order_status(status: &str) -> IntentState {
        match status {
            "created" => IntentState::Open,
            "at_terminal" => IntentState::OnTerminal,
            "processed" | "failed" | "refunded" => IntentState::Finished,
            "canceled" | "cancelled" => IntentState::Canceled,
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

/// The state of one entry of an order's `transactions.refunds`, by its `status`.
pub(super) fn refund_entry_state_of(status: &str) -> IntentState {
    match status {
        "processed" | "refunded" | "approved" | "accredited" => IntentState::Finished,
        "processing" | "in_process" | "pending" | "created" => IntentState::Processing,
        "failed" | "rejected" => IntentState::Error,
        "canceled" | "cancelled" => IntentState::Canceled,
        _ => IntentState::Unknown,
    }
}
