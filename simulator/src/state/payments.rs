//! The Payments API: the numbering of payments and refunds, shared by both APIs' sales,
//! and `GET /v1/payments/{id}`, the view of a payment consistent with the intent or the
//! order that made it. Both kinds of payment are shown by one builder, [`PaymentView`],
//! from what each kind knows.

use serde_json::{json, Value};

use super::Store;
use crate::errors::ApiError;
use crate::model::card::test_card;
use crate::model::intent::Intent;
use crate::model::order::{Order, PaymentMethod};
use crate::model::payment::Payment;
use crate::requests::OrderStatus;
use crate::time::format_utc_ms;

/// First payment id handed out; later ones count up from it.
const FIRST_PAYMENT_ID: u64 = 20_000_000_001;
/// First numeric id of a Payments API refund (made by a refund intent, a reversal or an
/// order's refund).
const FIRST_REFUND_ID: u64 = 3_000_000_001;

/// A payment as the Payments API shows it, whichever API's sale made it.
struct PaymentView<'a> {
    id: u64,
    /// `approved`, `refunded`, `rejected` or `in_process`.
    status: &'static str,
    status_detail: &'static str,
    /// Minor units.
    amount: i64,
    /// The payment type the terminal read (`credit_card`, ...), which picks the card shown.
    kind: &'a str,
    method_id: &'a str,
    installments: u64,
    created_ms: i64,
    /// When the sale ended, once it has.
    settled_ms: Option<i64>,
    /// The terminal that took it.
    device_id: &'a str,
    /// What ties it to the object that made it.
    metadata: Value,
    external_reference: Value,
    description: Option<&'a str>,
    refunds: Vec<RefundView>,
}

/// A refund of a [`PaymentView`].
struct RefundView {
    id: u64,
    /// Minor units.
    amount: i64,
    at_ms: i64,
    metadata: Value,
}

/// Minor units as the Payments API's decimal (1500 → 15.0).
fn decimal(minor_units: i64) -> Value {
    json!(minor_units as f64 / 100.0)
}

impl<'a> PaymentView<'a> {
    fn to_json(&self, currency: &str) -> Value {
        let id = self.id;
        let card = test_card(self.kind);
        let approved = matches!(self.status, "approved" | "refunded");
        // The names Mercado Pago's test cards use to pick an outcome: APRO approves, OTHE
        // rejects, CONT leaves it pending.
        let cardholder = match self.status {
            "approved" | "refunded" => "APRO",
            "rejected" => "OTHE",
            _ => "CONT",
        };
        let serial = self
            .device_id
            .split_once("__")
            .map_or(self.device_id, |(_, serial)| serial);
        let refunded: i64 = self.refunds.iter().map(|r| r.amount).sum();
        let refunds: Vec<Value> = self
            .refunds
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "payment_id": id,
                    "amount": decimal(r.amount),
                    "status": "approved",
                    "date_created": format_utc_ms(r.at_ms),
                    "metadata": r.metadata,
                })
            })
            .collect();
        let updated_ms = self
            .refunds
            .last()
            .map_or(self.settled_ms.unwrap_or(self.created_ms), |r| r.at_ms);
        json!({
            "id": id,
            "status": self.status,
            "status_detail": self.status_detail,
            "transaction_amount": decimal(self.amount),
            "transaction_amount_refunded": decimal(refunded),
            "currency_id": currency,
            "date_created": format_utc_ms(self.created_ms),
            "date_approved": if approved { self.settled_ms.map(format_utc_ms) } else { None },
            "date_last_updated": format_utc_ms(updated_ms),
            "payment_method_id": self.method_id,
            "payment_type_id": card.payment_type,
            "installments": self.installments,
            "card": {
                "first_six_digits": card.first_six,
                "last_four_digits": card.last_four,
                "cardholder": { "name": cardholder },
            },
            "authorization_code": approved.then(|| format!("{:06}", id % 1_000_000)),
            "operation_type": "regular_payment",
            "point_of_interaction": {
                "type": "POINT",
                "device": { "serial_number": serial },
            },
            "metadata": self.metadata,
            "external_reference": self.external_reference,
            "description": self.description,
            "refunds": refunds,
            "live_mode": false,
        })
    }

    /// The payment of a payment intent: refunded once a refund intent or the sandbox's
    /// reversal gave it back, else as the sale ended (in process while it has not).
    fn of_intent(intent: &'a Intent, payment: &'a Payment) -> PaymentView<'a> {
        let (status, status_detail) = match (&payment.refund, payment.state) {
            (Some(_), _) => ("refunded", "refunded"),
            (None, Some("approved")) => ("approved", "accredited"),
            (None, Some("rejected")) => ("rejected", "cc_rejected_other_reason"),
            // CONFIRMATION_REQUIRED: the cashier has to look at the terminal.
            (None, Some("")) => ("in_process", "pending_review_manual"),
            // Still PROCESSED: the sale has not ended yet.
            _ => ("in_process", "pending_contingency"),
        };
        // A voucher is read as the voucher type asked for, if any.
        let method_id = match (payment.kind.as_str(), &payment.voucher_type) {
            ("voucher_card", Some(voucher)) => voucher.as_str(),
            (kind, _) => test_card(kind).method_id,
        };
        PaymentView {
            // Payment ids are made from a counter, so they are always numeric.
            id: payment.id.parse().unwrap_or_default(),
            status,
            status_detail,
            amount: intent.amount,
            kind: &payment.kind,
            method_id,
            installments: payment.installments,
            created_ms: payment.created_ms,
            settled_ms: payment.settled_ms,
            device_id: &intent.device_id,
            metadata: json!({ "payment_intent_id": intent.id }),
            external_reference: intent
                .additional_info
                .get("external_reference")
                .cloned()
                .unwrap_or(Value::Null),
            description: intent.description.as_deref(),
            refunds: payment
                .refund
                .iter()
                .map(|refund| RefundView {
                    id: refund.id,
                    amount: intent.amount,
                    at_ms: refund.at_ms,
                    metadata: match &refund.refund_intent_id {
                        Some(id) => json!({ "refund_intent_id": id }),
                        None => json!({}),
                    },
                })
                .collect(),
        }
    }

    /// The payment of an order (`id`, its `reference_id`): approved (`partially_refunded`
    /// once partly refunded), refunded, rejected (a failed order), or in process
    /// (action_required). Made when the sale ended, so made and settled at once.
    fn of_order(order: &'a Order, method: &'a PaymentMethod, id: u64) -> PaymentView<'a> {
        let (status, status_detail) = match order.status {
            OrderStatus::Refunded => ("refunded", "refunded"),
            OrderStatus::Processed if !order.refunds.is_empty() => {
                ("approved", "partially_refunded")
            }
            OrderStatus::Processed => ("approved", "accredited"),
            OrderStatus::Failed => ("rejected", "cc_rejected_other_reason"),
            _ => ("in_process", "pending_review_manual"),
        };
        let paid = order.payment.paid_ms.unwrap_or(order.schedule.created_ms);
        PaymentView {
            id,
            status,
            status_detail,
            amount: order.request.amount,
            kind: &method.kind,
            method_id: &method.id,
            installments: method.installments,
            created_ms: paid,
            settled_ms: Some(paid),
            device_id: &order.request.terminal_id,
            metadata: json!({ "order_id": order.id, "transaction_id": order.payment.id }),
            external_reference: json!(order.request.external_reference),
            description: order.request.description.as_deref(),
            refunds: order
                .refunds
                .iter()
                .map(|refund| RefundView {
                    id: refund.reference_id,
                    amount: refund.amount,
                    at_ms: refund.at_ms,
                    metadata: json!({ "order_id": order.id, "refund_id": refund.id }),
                })
                .collect(),
        }
    }
}

impl Store {
    /// The next Payments API payment id.
    pub(super) fn new_payment_id(&mut self) -> u64 {
        self.payments_made += 1;
        FIRST_PAYMENT_ID + self.payments_made - 1
    }

    /// The next Payments API refund id.
    pub(super) fn new_refund_id(&mut self) -> u64 {
        self.refunds_made += 1;
        FIRST_REFUND_ID + self.refunds_made - 1
    }

    /// The Payments API object of a payment the simulator made (for an intent or an
    /// order); 404 otherwise.
    pub(crate) fn payment_json(&self, payment_id: &str, currency: &str) -> Result<Value, ApiError> {
        if let Some(&idx) = self.order_payments.get(payment_id) {
            let order = &self.orders[idx];
            if let Some(id) = order.payment.reference_id {
                // The terminal always reports what it read with the payment; a credit card
                // read in one payment stands in should it not.
                let fallback = PaymentMethod {
                    kind: "credit_card".into(),
                    id: "visa".into(),
                    installments: 1,
                };
                let method = order.payment.method.as_ref().unwrap_or(&fallback);
                return Ok(PaymentView::of_order(order, method, id).to_json(currency));
            }
        }
        self.payments
            .get(payment_id)
            .map(|&idx| &self.intents[idx])
            .and_then(|intent| Some((intent, intent.payment.as_ref()?)))
            .map(|(intent, payment)| PaymentView::of_intent(intent, payment).to_json(currency))
            .ok_or_else(|| ApiError::not_found("payment not found"))
    }

    /// Whether a payment id is an order's (which the Integration API cannot refund).
    pub(crate) fn is_order_payment(&self, payment_id: &str) -> bool {
        self.order_payments.contains_key(payment_id)
    }
}
