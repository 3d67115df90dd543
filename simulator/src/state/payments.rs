//! `GET /v1/payments/{id}`: the Payments API's view of the payments the simulator made,
//! consistent with the intent or the order that made each one.

use serde_json::{json, Value};

use super::order::Order;
use super::{Intent, Payment, PaymentRefund, Store};
use crate::errors::ApiError;
use crate::requests::OrderStatus;
use crate::time::format_utc_ms;

/// The card a virtual terminal reads for a payment type: (payment_method_id,
/// payment_type_id, first six digits, last four digits). Mercado Pago's test cards.
fn card_for(payment: &Payment) -> (String, &'static str, &'static str, &'static str) {
    let (kind, first_six, last_four) = card_digits(&payment.kind);
    let method = match kind {
        "debit_card" => "debvisa".into(),
        "voucher_card" => payment
            .voucher_type
            .clone()
            .unwrap_or_else(|| "sodexo".into()),
        _ => "visa".into(),
    };
    (method, kind, first_six, last_four)
}

/// (payment_type_id, first six digits, last four digits) of the test card of a type.
fn card_digits(kind: &str) -> (&'static str, &'static str, &'static str) {
    match kind {
        "debit_card" => ("debit_card", "400276", "0604"),
        "voucher_card" => ("voucher_card", "603342", "6311"),
        "qr" => ("account_money", "", ""),
        _ => ("credit_card", "450995", "3704"),
    }
}

/// (status, status_detail, cardholder name). The names are those Mercado Pago's test
/// cards use to pick an outcome (APRO approves, OTHE rejects, CONT leaves it pending).
fn status_of(payment: &Payment) -> (&'static str, &'static str, &'static str) {
    if payment.refund.is_some() {
        return ("refunded", "refunded", "APRO");
    }
    match payment.state {
        Some("approved") => ("approved", "accredited", "APRO"),
        Some("rejected") => ("rejected", "cc_rejected_other_reason", "OTHE"),
        // CONFIRMATION_REQUIRED: the cashier has to look at the terminal.
        Some("") => ("in_process", "pending_review_manual", "CONT"),
        // Still PROCESSED: the sale has not ended yet.
        _ => ("in_process", "pending_contingency", "CONT"),
    }
}

/// Minor units as the Payments API's decimal (1500 → 15.0).
fn decimal(minor_units: i64) -> Value {
    json!(minor_units as f64 / 100.0)
}

fn refund_json(refund: &PaymentRefund, payment_id: u64, amount: i64) -> Value {
    let metadata = match &refund.refund_intent_id {
        Some(id) => json!({ "refund_intent_id": id }),
        None => json!({}),
    };
    json!({
        "id": refund.id,
        "payment_id": payment_id,
        "amount": decimal(amount),
        "status": "approved",
        "date_created": format_utc_ms(refund.at_ms),
        "metadata": metadata,
    })
}

fn payment_json(intent: &Intent, payment: &Payment, currency: &str) -> Value {
    // Payment ids are made from a counter, so they are always numeric.
    let id: u64 = payment.id.parse().unwrap_or_default();
    let (method, kind, first_six, last_four) = card_for(payment);
    let (status, status_detail, cardholder) = status_of(payment);
    let approved = payment.state == Some("approved") || payment.state == Some("refunded");
    let serial = intent
        .device_id
        .split_once("__")
        .map_or(intent.device_id.as_str(), |(_, serial)| serial);
    let refunds: Vec<Value> = payment
        .refund
        .iter()
        .map(|r| refund_json(r, id, intent.amount))
        .collect();
    let refunded = if payment.refund.is_some() {
        intent.amount
    } else {
        0
    };
    json!({
        "id": id,
        "status": status,
        "status_detail": status_detail,
        "transaction_amount": decimal(intent.amount),
        "transaction_amount_refunded": decimal(refunded),
        "currency_id": currency,
        "date_created": format_utc_ms(payment.created_ms),
        "date_approved": if approved { payment.settled_ms.map(format_utc_ms) } else { None },
        "date_last_updated": format_utc_ms(
            payment.refund.as_ref().map_or(payment.settled_ms.unwrap_or(payment.created_ms), |r| r.at_ms)
        ),
        "payment_method_id": method,
        "payment_type_id": kind,
        "installments": payment.installments,
        "card": {
            "first_six_digits": first_six,
            "last_four_digits": last_four,
            "cardholder": { "name": cardholder },
        },
        "authorization_code": approved.then(|| format!("{:06}", id % 1_000_000)),
        "operation_type": "regular_payment",
        "point_of_interaction": {
            "type": "POINT",
            "device": { "serial_number": serial },
        },
        "metadata": { "payment_intent_id": intent.id },
        "external_reference": intent.additional_info.get("external_reference").cloned().unwrap_or(Value::Null),
        "description": intent.description,
        "refunds": refunds,
        "live_mode": false,
    })
}

/// The Payments API object of an order's payment: approved (`partially_refunded` once
/// partly refunded), refunded, rejected (a failed order), or in process (action_required).
fn order_payment_json(order: &Order, id: u64, currency: &str) -> Value {
    let method = order
        .payment
        .method
        .clone()
        .unwrap_or_else(|| super::order::PaymentMethod {
            kind: "credit_card".into(),
            id: "visa".into(),
            installments: 1,
        });
    let (kind, first_six, last_four) = card_digits(&method.kind);
    let refunded = order.refunded();
    let (status, status_detail, cardholder) = match order.status {
        OrderStatus::Refunded => ("refunded", "refunded", "APRO"),
        OrderStatus::Processed if refunded > 0 => ("approved", "partially_refunded", "APRO"),
        OrderStatus::Processed => ("approved", "accredited", "APRO"),
        OrderStatus::Failed => ("rejected", "cc_rejected_other_reason", "OTHE"),
        _ => ("in_process", "pending_review_manual", "CONT"),
    };
    let approved = matches!(order.status, OrderStatus::Processed | OrderStatus::Refunded);
    let paid = order.payment.paid_ms.unwrap_or(order.created_ms);
    let serial = order
        .request
        .terminal_id
        .split_once("__")
        .map_or(order.request.terminal_id.as_str(), |(_, serial)| serial);
    let refunds: Vec<Value> = order
        .refunds
        .iter()
        .map(|r| {
            json!({
                "id": r.reference_id,
                "payment_id": id,
                "amount": decimal(r.amount),
                "status": "approved",
                "date_created": format_utc_ms(r.at_ms),
                "metadata": { "order_id": order.id, "refund_id": r.id },
            })
        })
        .collect();
    json!({
        "id": id,
        "status": status,
        "status_detail": status_detail,
        "transaction_amount": decimal(order.request.amount),
        "transaction_amount_refunded": decimal(refunded),
        "currency_id": currency,
        "date_created": format_utc_ms(paid),
        "date_approved": approved.then(|| format_utc_ms(paid)),
        "date_last_updated": format_utc_ms(order.refunds.last().map_or(paid, |r| r.at_ms)),
        "payment_method_id": method.id,
        "payment_type_id": kind,
        "installments": method.installments,
        "card": {
            "first_six_digits": first_six,
            "last_four_digits": last_four,
            "cardholder": { "name": cardholder },
        },
        "authorization_code": approved.then(|| format!("{:06}", id % 1_000_000)),
        "operation_type": "regular_payment",
        "point_of_interaction": {
            "type": "POINT",
            "device": { "serial_number": serial },
        },
        "metadata": { "order_id": order.id, "transaction_id": order.payment.id },
        "external_reference": order.request.external_reference,
        "description": order.request.description,
        "refunds": refunds,
        "live_mode": false,
    })
}

impl Store {
    /// The Payments API object of a payment the simulator made (for an intent or an
    /// order); 404 otherwise.
    pub(crate) fn payment_json(&self, payment_id: &str, currency: &str) -> Result<Value, ApiError> {
        if let Some(&idx) = self.order_payments.get(payment_id) {
            let order = &self.orders[idx];
            if let Some(id) = order.payment.reference_id {
                return Ok(order_payment_json(order, id, currency));
            }
        }
        self.payments
            .get(payment_id)
            .map(|&idx| &self.intents[idx])
            .and_then(|intent| Some((intent, intent.payment.as_ref()?)))
            .map(|(intent, payment)| payment_json(intent, payment, currency))
            .ok_or_else(|| ApiError::not_found("payment not found"))
    }

    /// Whether a payment id is an order's (which the Integration API cannot refund).
    pub(crate) fn is_order_payment(&self, payment_id: &str) -> bool {
        self.order_payments.contains_key(payment_id)
    }
}
