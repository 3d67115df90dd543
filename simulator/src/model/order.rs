//! An Orders API order: its status, its one payment transaction, its refunds, and the JSON
//! `GET /v1/orders/{id}` returns for it.

use serde_json::{json, Value};

use super::schedule::Schedule;
use crate::config::Site;
use crate::requests::{NewOrder, OrderStatus};
use crate::time::format_utc_ms;

/// The simulated seller's user id (the webhooks' `user_id`, the orders' `user_id`).
pub(crate) const USER_ID: u64 = 2_017_374_961;
/// Automatic steps from `created` to a final status: `at_terminal`, then the outcome.
pub(crate) const ORDER_STEPS: u32 = 2;

/// What the terminal read: `payment_method` of the transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PaymentMethod {
    /// `credit_card`, `debit_card`, `voucher_card`, `qr`.
    pub kind: String,
    /// `visa`, `master`, `debvisa`, ...
    pub id: String,
    pub installments: u64,
}

/// The order's one payment transaction (`transactions.payments[0]`).
#[derive(Debug, Clone)]
pub(crate) struct Transaction {
    /// `PAY` + 26 characters.
    pub id: String,
    /// Its `status` is the order's; its detail says more (`accredited`, `canceled_by_api`, ...).
    pub status_detail: String,
    /// The Payments API payment (`GET /v1/payments/{id}`), once the terminal made one.
    pub reference_id: Option<u64>,
    pub method: Option<PaymentMethod>,
    /// When the payment was made (and the sale ended: the terminal does both at once).
    pub paid_ms: Option<i64>,
}

/// A refund of the order, total or partial, made through the API (not on the terminal).
#[derive(Debug, Clone)]
pub(crate) struct OrderRefund {
    /// `REF` + 26 characters.
    pub id: String,
    /// The Payments API's numeric refund id.
    pub reference_id: u64,
    /// Minor units.
    pub amount: i64,
    pub at_ms: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Order {
    /// `ORD` + 26 characters.
    pub id: String,
    pub request: NewOrder,
    /// The site it was made on: its country and its amount format.
    pub site: Site,
    pub status: OrderStatus,
    pub changed_ms: i64,
    /// Counts the order's changes, from 1 at creation (the webhooks' `data.version`).
    pub version: u64,
    /// Its automatic steps (0..=ORDER_STEPS) and its expiry: its `expiration_time`, or
    /// sooner with `--abandon-after-ms`.
    pub schedule: Schedule,
    pub payment: Transaction,
    pub refunds: Vec<OrderRefund>,
}

impl Order {
    /// Minor units refunded so far.
    pub(crate) fn refunded(&self) -> i64 {
        self.refunds.iter().map(|r| r.amount).sum()
    }

    /// Minor units not refunded yet.
    pub(crate) fn left_to_refund(&self) -> i64 {
        self.request.amount - self.refunded()
    }

    /// The order's `status_detail`: the status itself, or `partially_refunded` for a
    /// processed order with refunds.
    pub(crate) fn status_detail(&self) -> &'static str {
        if self.status == OrderStatus::Processed && !self.refunds.is_empty() {
            "partially_refunded"
        } else {
            self.status.as_str()
        }
    }

    /// Whether the buyer paid (and the order has a `paid_amount`).
    fn paid(&self) -> bool {
        self.payment.reference_id.is_some()
            && matches!(self.status, OrderStatus::Processed | OrderStatus::Refunded)
    }

    /// The JSON `GET /v1/orders/{id}` returns.
    pub(crate) fn to_json(&self) -> Value {
        let site = self.site;
        let request = &self.request;
        let mut payment = json!({
            "id": self.payment.id,
            "amount": site.amount_text(request.amount),
            "status": self.status.as_str(),
            "status_detail": self.payment.status_detail,
        });
        if self.paid() {
            payment["paid_amount"] = json!(site.amount_text(request.amount));
        }
        if !self.refunds.is_empty() {
            payment["refunded_amount"] = json!(site.amount_text(self.refunded()));
        }
        if let Some(reference) = self.payment.reference_id {
            payment["reference_id"] = json!(reference.to_string());
        }
        if let Some(method) = &self.payment.method {
            payment["payment_method"] = json!({
                "type": method.kind,
                "id": method.id,
                "installments": method.installments,
            });
        }
        let mut transactions = json!({ "payments": [payment] });
        if !self.refunds.is_empty() {
            let refunds: Vec<Value> = self
                .refunds
                .iter()
                .map(|refund| {
                    json!({
                        "id": refund.id,
                        "transaction_id": self.payment.id,
                        "reference_id": refund.reference_id.to_string(),
                        "amount": site.amount_text(refund.amount),
                        "status": "processed",
                    })
                })
                .collect();
            transactions["refunds"] = json!(refunds);
        }
        let mut out = json!({
            "id": self.id,
            "type": "point",
            "processing_mode": "automatic",
            "external_reference": request.external_reference,
            "expiration_time": request.expiration_time,
            "country_code": site.country,
            "user_id": USER_ID.to_string(),
            "status": self.status.as_str(),
            "status_detail": self.status_detail(),
            "created_date": format_utc_ms(self.schedule.created_ms),
            "last_updated_date": format_utc_ms(self.changed_ms),
            "version": self.version,
            "config": request.config,
            "transactions": transactions,
        });
        if let Some(description) = &request.description {
            out["description"] = json!(description);
        }
        if let Some(data) = &request.integration_data {
            out["integration_data"] = data.clone();
        }
        out
    }

    /// What the terminal screen (control API) shows: the `GET` JSON plus its kind.
    pub(crate) fn control_json(&self) -> Value {
        let mut out = self.to_json();
        out["kind"] = json!("order");
        out
    }
}
