//! The log of state changes: one entry per change of a payment intent, refund intent or
//! order, in the order they happened. Webhook delivery reads it.

use serde_json::Value;

use super::intent::IntentState;
use super::resource::Resource;
use crate::requests::OrderStatus;

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
