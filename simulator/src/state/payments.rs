//! `GET /v1/payments/{id}`: the Payments API's view of the payments the simulator made,
//! consistent with the intent that made each one.

use serde_json::{json, Value};

use super::{Intent, Payment, PaymentRefund, Store};
use crate::errors::ApiError;
use crate::time::format_utc_ms;

/// The card a virtual terminal reads for a payment type: (payment_method_id,
/// payment_type_id, first six digits, last four digits). Mercado Pago's test cards.
fn card_for(payment: &Payment) -> (String, &'static str, &'static str, &'static str) {
    match payment.kind.as_str() {
        "debit_card" => ("debvisa".into(), "debit_card", "400276", "0604"),
        "voucher_card" => (
            payment
                .voucher_type
                .clone()
                .unwrap_or_else(|| "sodexo".into()),
            "voucher_card",
            "603342",
            "6311",
        ),
        _ => ("visa".into(), "credit_card", "450995", "3704"),
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

impl Store {
    /// The Payments API object of a payment the simulator made; 404 otherwise.
    pub(crate) fn payment_json(&self, payment_id: &str, currency: &str) -> Result<Value, ApiError> {
        self.payments
            .get(payment_id)
            .map(|&idx| &self.intents[idx])
            .and_then(|intent| Some((intent, intent.payment.as_ref()?)))
            .map(|(intent, payment)| payment_json(intent, payment, currency))
            .ok_or_else(|| ApiError::not_found("payment not found"))
    }
}
