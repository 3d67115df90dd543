//! A payment intent or a refund intent of the Integration API: its states on the terminal
//! and the JSON `GET` returns for it.

use serde_json::{json, Value};

use super::payment::Payment;
use super::resource::Resource;
use super::schedule::Schedule;
use crate::requests::{Outcome, PaymentRequest};

/// Automatic steps from OPEN to a final state: ON_TERMINAL, PROCESSING, PROCESSED, final.
pub(crate) const INTENT_STEPS: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntentState {
    Open,
    OnTerminal,
    Processing,
    Processed,
    Finished,
    Canceled,
    Error,
    /// Not processed in time (see `SimConfig::abandon_after_ms`); never has a payment.
    Abandoned,
    /// Final, with a payment whose `state` is empty: the cashier must look at the terminal.
    ConfirmationRequired,
}

impl IntentState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            IntentState::Open => "OPEN",
            IntentState::OnTerminal => "ON_TERMINAL",
            IntentState::Processing => "PROCESSING",
            IntentState::Processed => "PROCESSED",
            IntentState::Finished => "FINISHED",
            IntentState::Canceled => "CANCELED",
            IntentState::Error => "ERROR",
            IntentState::Abandoned => "ABANDONED",
            IntentState::ConfirmationRequired => "CONFIRMATION_REQUIRED",
        }
    }

    pub(crate) fn is_final(self) -> bool {
        matches!(
            self,
            IntentState::Finished
                | IntentState::Canceled
                | IntentState::Error
                | IntentState::Abandoned
                | IntentState::ConfirmationRequired
        )
    }

    /// The final state an outcome leads to.
    pub(crate) fn after(outcome: Outcome) -> IntentState {
        match outcome {
            Outcome::Error => IntentState::Error,
            Outcome::ConfirmationRequired => IntentState::ConfirmationRequired,
            Outcome::Abandoned => IntentState::Abandoned,
            Outcome::Approved | Outcome::Rejected | Outcome::Reversed => IntentState::Finished,
        }
    }
}

/// A payment intent, or a refund intent when `refund_of` is set: both move through the
/// same states on the terminal.
#[derive(Debug, Clone)]
pub(crate) struct Intent {
    pub id: String,
    pub device_id: String,
    /// Minor units. For a refund: the refunded payment's amount (shown on the terminal).
    pub amount: i64,
    pub description: Option<String>,
    pub payment_request: Option<PaymentRequest>,
    pub additional_info: Value,
    /// `Some(payment id)` for a refund intent.
    pub refund_of: Option<String>,
    pub state: IntentState,
    /// Time of the latest state change.
    pub changed_ms: i64,
    /// Index in the history of the latest state change: orders changes made in the same
    /// millisecond.
    pub changed_seq: usize,
    /// Its automatic steps (0..=INTENT_STEPS) and abandonment.
    pub schedule: Schedule,
    pub payment: Option<Payment>,
}

impl Intent {
    pub(crate) fn resource(&self) -> Resource {
        if self.refund_of.is_some() {
            Resource::Refund
        } else {
            Resource::PaymentIntent
        }
    }

    /// The JSON `GET` returns for it.
    pub(crate) fn to_json(&self) -> Value {
        if let Some(payment_id) = &self.refund_of {
            return json!({
                "id": self.id,
                "device_id": self.device_id,
                "payment_id": payment_id,
                "state": self.state.as_str(),
                "additional_info": self.additional_info,
            });
        }
        let mut out = json!({
            "id": self.id,
            "device_id": self.device_id,
            "amount": self.amount,
            "state": self.state.as_str(),
            "additional_info": self.additional_info,
        });
        if let Some(description) = &self.description {
            out["description"] = json!(description);
        }
        // The real payment replaces the echo of the requested one once it exists.
        if let Some(payment) = &self.payment {
            out["payment"] = payment.to_json();
        } else if let Some(request) = &self.payment_request {
            out["payment"] = request.to_json();
        }
        out
    }

    /// What the terminal screen (control API) shows: the `GET` JSON plus its kind, and for
    /// a refund the refunded amount.
    pub(crate) fn control_json(&self) -> Value {
        let mut out = self.to_json();
        if self.refund_of.is_some() {
            out["kind"] = json!("refund");
            out["amount"] = json!(self.amount);
        } else {
            out["kind"] = json!("payment_intent");
        }
        out
    }

    pub(crate) fn last_event_json(&self) -> Value {
        json!({
            "payment_intent_id": self.id,
            "status": self.state.as_str(),
            "created_on": crate::time::format_utc_ms(self.changed_ms),
        })
    }
}
