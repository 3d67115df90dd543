//! Typed requests: what a validated body asks for, and the values such requests are made
//! of (a terminal's operating mode, the outcome a card gives).
//!
//! Validation makes these and the state applies them, so they live below both: validation
//! never has to import the state it feeds.

use serde_json::{json, Map, Value};

/// A validated create-intent body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewIntent {
    /// Minor units (1500 = 15.00).
    pub amount: i64,
    pub description: Option<String>,
    pub payment: Option<PaymentRequest>,
    /// Echoed as given: it is the integrator's own data.
    pub additional_info: Map<String, Value>,
}

/// The optional `payment` object of a create body; only the fields given are kept, so the
/// echo shows what the client sent and defaults are filled in only for the final payment.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PaymentRequest {
    pub kind: Option<String>,
    pub installments: Option<u64>,
    pub installments_cost: Option<String>,
    pub voucher_type: Option<String>,
}

impl PaymentRequest {
    pub(crate) fn to_json(&self) -> Value {
        let mut out = Map::new();
        if let Some(kind) = &self.kind {
            out.insert("type".into(), json!(kind));
        }
        if let Some(installments) = self.installments {
            out.insert("installments".into(), json!(installments));
        }
        if let Some(cost) = &self.installments_cost {
            out.insert("installments_cost".into(), json!(cost));
        }
        if let Some(voucher) = &self.voucher_type {
            out.insert("voucher_type".into(), json!(voucher));
        }
        Value::Object(out)
    }
}

/// A validated create-refund body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewRefund {
    /// Digits only, as the Payments API's ids.
    pub payment_id: String,
    pub additional_info: Map<String, Value>,
}

/// A validated `POST /v1/orders` body (`type` is always `"point"`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewOrder {
    pub external_reference: String,
    pub description: Option<String>,
    /// The ISO-8601 duration as given, or the default `"PT15M"`.
    pub expiration_time: String,
    pub expiration_ms: i64,
    /// Minor units (1500 = 15.00; pesos in Chile).
    pub amount: i64,
    /// `config.point.terminal_id`.
    pub terminal_id: String,
    /// `config` as the order echoes it: as given, with `point.print_on_terminal` filled in.
    pub config: Value,
    /// `config.payment_method.default_type`: the payment type the terminal offers.
    pub default_type: Option<String>,
    /// `config.payment_method.default_installments`.
    pub default_installments: Option<u64>,
    /// Echoed as given.
    pub integration_data: Option<Value>,
}

/// A validated `POST /v1/orders/{id}/refund` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OrderRefundRequest {
    /// No body: everything not yet refunded.
    Total,
    /// `{"transactions":[{"id","amount"}]}`.
    Partial { transaction_id: String, amount: i64 },
}

/// A validated `POST /v1/orders/{id}/events` body: the status to drive the order to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrderEvent {
    pub status: OrderStatus,
    pub payment_method_type: Option<String>,
    pub payment_method_id: Option<String>,
    pub installments: Option<u64>,
    pub status_detail: Option<String>,
}

/// An order's `status` (the Orders API's status model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderStatus {
    Created,
    AtTerminal,
    Processed,
    Failed,
    /// Final with an unknown outcome: the cashier must look at the terminal.
    ActionRequired,
    Canceled,
    Expired,
    Refunded,
}

impl OrderStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Created => "created",
            OrderStatus::AtTerminal => "at_terminal",
            OrderStatus::Processed => "processed",
            OrderStatus::Failed => "failed",
            OrderStatus::ActionRequired => "action_required",
            OrderStatus::Canceled => "canceled",
            OrderStatus::Expired => "expired",
            OrderStatus::Refunded => "refunded",
        }
    }

    /// The statuses `POST /v1/orders/{id}/events` may drive an order to.
    const EVENT_STATUSES: [OrderStatus; 6] = [
        OrderStatus::Processed,
        OrderStatus::Failed,
        OrderStatus::ActionRequired,
        OrderStatus::Canceled,
        OrderStatus::Expired,
        OrderStatus::Refunded,
    ];

    /// An event's status by its name.
    pub(crate) fn parse_event(text: &str) -> Option<OrderStatus> {
        OrderStatus::EVENT_STATUSES
            .into_iter()
            .find(|status| status.as_str() == text)
    }

    /// The event statuses' names, for messages.
    pub(crate) fn event_names() -> String {
        OrderStatus::EVENT_STATUSES
            .map(OrderStatus::as_str)
            .join(", ")
    }

    /// Whether the terminal is done with it (`processed` may still become `refunded`, but
    /// through the API, not on the terminal).
    pub(crate) fn is_final(self) -> bool {
        !matches!(self, OrderStatus::Created | OrderStatus::AtTerminal)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OperatingMode {
    Pdv,
    Standalone,
}

impl OperatingMode {
    pub(crate) fn parse(text: &str) -> Option<OperatingMode> {
        match text {
            "PDV" => Some(OperatingMode::Pdv),
            "STANDALONE" => Some(OperatingMode::Standalone),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OperatingMode::Pdv => "PDV",
            OperatingMode::Standalone => "STANDALONE",
        }
    }
}

/// How the terminal ends a sale: chosen by the amount in automatic mode (the table in
/// [`Outcome::for_amount`]), by the card presented in manual mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Approved,
    Rejected,
    /// Approved, then reversed: the payment ends `refunded`.
    Reversed,
    Error,
    ConfirmationRequired,
    /// Automatic mode only: the terminal takes the intent and never processes it.
    Abandoned,
}

/// Simulator-only amounts (not in Mercado Pago's sandbox) for the two newer final states.
/// 1600 was not free: the simulator's own tests use it as an ordinary approved amount.
pub(crate) const CONFIRMATION_REQUIRED_AMOUNT: i64 = 1800;
pub(crate) const ABANDONED_AMOUNT: i64 = 1900;

impl Outcome {
    /// The automatic mode's table:
    ///
    /// | amount | final intent state | `payment.state` |
    /// |---|---|---|
    /// | 1100 | `FINISHED` | `refunded` (the sandbox's "reversed": approved, then reversed) |
    /// | 1200 | `FINISHED` | `rejected` |
    /// | 1300 | `ERROR` | — (no payment) |
    /// | 1800 | `CONFIRMATION_REQUIRED` | `""` (simulator only) |
    /// | 1900 | `ABANDONED` | — (no payment; simulator only) |
    /// | any other | `FINISHED` | `approved` |
    pub(crate) fn for_amount(amount: i64) -> Outcome {
        match amount {
            1100 => Outcome::Reversed,
            1200 => Outcome::Rejected,
            1300 => Outcome::Error,
            CONFIRMATION_REQUIRED_AMOUNT => Outcome::ConfirmationRequired,
            ABANDONED_AMOUNT => Outcome::Abandoned,
            _ => Outcome::Approved,
        }
    }

    /// The cards of the control API by name (`Abandoned` is not a card).
    const CARDS: [(&'static str, Outcome); 5] = [
        ("approved", Outcome::Approved),
        ("rejected", Outcome::Rejected),
        ("reversed", Outcome::Reversed),
        ("error", Outcome::Error),
        ("confirmation_required", Outcome::ConfirmationRequired),
    ];

    /// A card outcome of the control API.
    pub(crate) fn parse_card(text: &str) -> Option<Outcome> {
        Outcome::CARDS
            .into_iter()
            .find_map(|(name, outcome)| (name == text).then_some(outcome))
    }

    /// The cards' names, for messages.
    pub(crate) fn card_names() -> String {
        Outcome::CARDS.map(|(name, _)| name).join(", ")
    }

    /// Whether the sale gets a payment (made when the intent reaches PROCESSED).
    pub(crate) fn makes_payment(self) -> bool {
        !matches!(self, Outcome::Error | Outcome::Abandoned)
    }

    pub(crate) fn payment_state(self) -> Option<&'static str> {
        match self {
            Outcome::Approved => Some("approved"),
            Outcome::Rejected => Some("rejected"),
            Outcome::Reversed => Some("refunded"),
            // The real service sends an empty state here.
            Outcome::ConfirmationRequired => Some(""),
            Outcome::Error | Outcome::Abandoned => None,
        }
    }
}
