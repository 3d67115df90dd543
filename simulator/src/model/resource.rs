//! The kinds of object whose states change: what a history entry, a webhook and a
//! not-found message name.

/// What kind of object changed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    PaymentIntent,
    Refund,
    Order,
}

impl Resource {
    /// Its name in messages: "payment intent not found".
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Resource::PaymentIntent => "payment intent",
            Resource::Refund => "refund",
            Resource::Order => "order",
        }
    }
}
