//! What one answer of the service showed of a sale or a refund (`Snapshot`), and the two
//! views of it a caller reads (`Sale`, `Refund`), the same whichever API the client speaks.

use std::ops::Deref;

use crate::json_path::json_get;
use crate::model::IntentState;
use crate::transport::Reply;

/// A sale or a refund as one answer of the service showed it, in the same shape whichever
/// API the client speaks (see `mp_intent_status` in point.h for the paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub(crate) state: IntentState,
    pub(crate) json: String,
    pub(crate) http_status: u16,
    pub(crate) idempotency_key: Option<String>,
}

impl Snapshot {
    /// What `reply` showed: `state` and the normalised `json` a wire format made of it.
    pub(crate) fn of_answer(state: IntentState, json: String, reply: Reply) -> Snapshot {
        Snapshot {
            state,
            json,
            http_status: reply.status,
            idempotency_key: reply.idempotency_key,
        }
    }

    /// What a read showed (a read's answer carries no idempotency key).
    pub(crate) fn of_read(state: IntentState, json: String, http_status: u16) -> Snapshot {
        Snapshot {
            state,
            json,
            http_status,
            idempotency_key: None,
        }
    }

    pub fn state(&self) -> IntentState {
        self.state
    }

    /// The normalised JSON (with the service's own under `raw`).
    pub fn json(&self) -> &str {
        &self.json
    }

    pub fn into_json(self) -> String {
        self.json
    }

    /// The HTTP status of the answer it was read from.
    pub fn http_status(&self) -> u16 {
        self.http_status
    }

    /// The idempotency key of the request that created it (a create's answer only).
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    /// A value of the normalised JSON by path (as `json_get`); `None` when absent or `null`.
    pub fn field(&self, path: &str) -> Option<String> {
        json_get(&self.json, path).ok().filter(|v| v != "null")
    }

    pub fn id(&self) -> String {
        self.field("id").unwrap_or_default()
    }

    pub fn amount(&self) -> Option<i64> {
        self.field("amount").and_then(|a| a.parse().ok())
    }

    pub fn device_id(&self) -> Option<String> {
        self.field("device_id")
    }
}

/// A sale (a payment intent, or an order of the Orders API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale(pub(crate) Snapshot);

impl Sale {
    /// `payment.id`: the Payments API's number of the sale's payment, once there is one.
    pub fn payment_id(&self) -> Option<String> {
        self.field("payment.id")
    }

    /// `payment.state`: `approved`, `rejected`, `refunded`, … (`""` when the terminal must be
    /// checked: `CONFIRMATION_REQUIRED`).
    pub fn payment_state(&self) -> Option<String> {
        json_get(&self.json, "payment.state").ok()
    }

    pub fn external_reference(&self) -> Option<String> {
        self.field("additional_info.external_reference")
    }
}

/// A refund (a refund intent, or an order's refund on the Orders API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund(pub(crate) Snapshot);

impl Refund {
    /// What was refunded: the payment's number, or the order id on the Orders API.
    pub fn payment_id(&self) -> Option<String> {
        self.field("payment_id")
    }
}

/// A view of a `Snapshot`: read through it (`Deref`), or taken back whole.
macro_rules! snapshot_view {
    ($($view:ident),*) => {$(
        impl $view {
            pub fn into_snapshot(self) -> Snapshot {
                self.0
            }
        }

        impl Deref for $view {
            type Target = Snapshot;

            fn deref(&self) -> &Snapshot {
                &self.0
            }
        }
    )*};
}

snapshot_view!(Sale, Refund);
