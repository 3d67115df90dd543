//! The payment a sale of the Integration API makes, as its intent shows it, and the refund
//! that may give it back.

use serde_json::{json, Value};

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
    pub(crate) fn to_json(&self) -> Value {
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
