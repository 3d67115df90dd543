//! The objects the store holds: devices, intents (payment and refund), their payments and
//! the state-change log (orders have their own file, `order.rs`).

use serde_json::{json, Value};

use crate::requests::{OperatingMode, OrderStatus, Outcome, PaymentRequest};

#[derive(Debug, Clone)]
pub(crate) struct Device {
    pub id: &'static str,
    pub pos_id: i64,
    pub store_id: &'static str,
    pub external_pos_id: &'static str,
    pub mode: OperatingMode,
}

impl Device {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "pos_id": self.pos_id,
            "store_id": self.store_id,
            "external_pos_id": self.external_pos_id,
            "operating_mode": self.mode.as_str(),
        })
    }
}

/// The virtual terminals every simulator starts with.
pub(super) fn initial_devices() -> Vec<Device> {
    let device = |id, pos_id, store_id, external_pos_id| Device {
        id,
        pos_id,
        store_id,
        external_pos_id,
        mode: OperatingMode::Pdv,
    };
    vec![
        device(
            "PAX_A910__SMARTPOS1495357742",
            47_792_476,
            "47792478",
            "CAJA1",
        ),
        device(
            "GERTEC_MP35P__8701012051267097",
            47_792_477,
            "47792478",
            "CAJA2",
        ),
        device(
            "INGENICO_MOVE2500__ING-ARG-14886780",
            47_792_479,
            "47792480",
            "CAJA3",
        ),
    ]
}

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
}

impl IntentState {
    /// The final state an outcome leads to.
    pub(super) fn after(outcome: Outcome) -> IntentState {
        match outcome {
            Outcome::Error => IntentState::Error,
            Outcome::ConfirmationRequired => IntentState::ConfirmationRequired,
            Outcome::Abandoned => IntentState::Abandoned,
            Outcome::Approved | Outcome::Rejected | Outcome::Reversed => IntentState::Finished,
        }
    }
}

/// A refund of a payment: made by a refund intent, or by the sandbox's reversal (1100).
#[derive(Debug, Clone)]
pub(crate) struct PaymentRefund {
    /// The Payments API's numeric refund id.
    pub id: u64,
    /// The refund intent that made it; `None` for a reversal.
    pub refund_intent_id: Option<String>,
    pub at_ms: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Payment {
    pub id: String,
    pub kind: String,
    pub installments: u64,
    pub installments_cost: String,
    pub voucher_type: Option<String>,
    /// Set at the final step; absent while the intent is PROCESSED.
    pub state: Option<&'static str>,
    /// When the payment was made (the intent reached PROCESSED).
    pub created_ms: i64,
    /// When the sale ended (the intent's final state).
    pub settled_ms: Option<i64>,
    /// Set once the payment is refunded; the intent's `payment.state` keeps what it was at
    /// the end of the sale (a final intent never changes), the Payments API shows this.
    pub refund: Option<PaymentRefund>,
}

impl Payment {
    /// The payment as an intent shows it.
    pub(super) fn to_json(&self) -> Value {
        let mut out = json!({
            "id": self.id,
            "type": self.kind,
            "installments": self.installments,
            "installments_cost": self.installments_cost,
        });
        if let Some(voucher) = &self.voucher_type {
            out["voucher_type"] = json!(voucher);
        }
        if let Some(state) = self.state {
            out["state"] = json!(state);
        }
        out
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
    pub created_ms: i64,
    /// Time of the latest state change.
    pub changed_ms: i64,
    /// Index in the history of the latest state change: orders changes made in the same
    /// millisecond.
    pub changed_seq: usize,
    /// Place in the creation order of intents and orders.
    pub(super) seq: u64,
    /// Automatic steps taken (or made by the terminal's buttons), 0..=STEPS.
    pub(super) steps_done: u32,
    /// Created in manual mode: only the terminal's buttons move it.
    pub(super) manual: bool,
    /// When it becomes ABANDONED if not final by then.
    pub(super) abandon_at: Option<i64>,
    pub payment: Option<Payment>,
}

impl Intent {
    /// When automatic step `n` (1-based) is due.
    pub(super) fn step_due(&self, n: u32, step_ms: i64) -> i64 {
        self.created_ms
            .saturating_add(step_ms.saturating_mul(i64::from(n)))
    }

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

/// What kind of object changed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    PaymentIntent,
    Refund,
    Order,
}

/// The state an intent or the status an order entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Intent(IntentState),
    Order(OrderStatus),
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Intent(state) => state.as_str(),
            Status::Order(status) => status.as_str(),
        }
    }
}

/// One state change: the log webhooks are delivered from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    pub resource: Resource,
    /// The payment intent's, refund intent's or order's id.
    pub id: String,
    pub state: Status,
    pub at_ms: i64,
    /// The object's JSON (as `GET` would return it) right after this change, so a
    /// notification describes the change even if the object has moved on since.
    pub snapshot: Value,
}
