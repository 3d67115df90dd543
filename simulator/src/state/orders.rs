//! The Orders API's operations on the store: create, read, cancel, refund, the sandbox's
//! events, and how an order moves on the terminal (automatically, by the terminal's
//! buttons, or when it expires).
//!
//! Status model: `created → at_terminal → processed | failed | action_required | canceled
//! | expired`, and `processed → refunded` (a refund goes through the API alone, never
//! through the terminal, so it never makes the terminal busy). An order also expires from
//! `created`, and the API cancels it only while `created`.

use serde_json::Value;

use super::idempotency::{Created, Operation};
use super::order::{Order, OrderRefund, PaymentMethod, Transaction};
use super::{Pace, Resource, Status, Store};
use crate::config::Site;
use crate::errors::ApiError;
use crate::requests::{
    NewOrder, OperatingMode, OrderEvent, OrderRefundRequest, OrderStatus, Outcome,
};

/// Who asks to create an order, and when.
#[derive(Debug, Clone)]
pub(crate) struct OrderCreation<'a> {
    pub idempotency_key: &'a str,
    /// The ids the order and its payment transaction get.
    pub id: String,
    pub payment_id: String,
    pub now: i64,
    pub pace: Pace,
    pub site: Site,
}

fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(409, code, message)
}

fn not_found() -> ApiError {
    ApiError::new(404, "order_not_found", "order not found")
}

/// How a sale ends on the terminal: status, the transaction's detail, and whether the
/// terminal made a payment (the Payments API has one: approved, rejected or in process).
struct Ending {
    status: OrderStatus,
    detail: String,
    pays: bool,
}

impl Ending {
    fn new(status: OrderStatus, detail: &str, pays: bool) -> Ending {
        Ending {
            status,
            detail: detail.to_string(),
            pays,
        }
    }
}

/// The card's or the amount's outcome as an order ends. `Reversed` is processed here and
/// refunded right after by the caller.
fn ending_for(outcome: Outcome) -> Ending {
    match outcome {
        Outcome::Approved | Outcome::Reversed => {
            Ending::new(OrderStatus::Processed, "accredited", true)
        }
        Outcome::Rejected => Ending::new(OrderStatus::Failed, "rejected_by_issuer", true),
        Outcome::Error => Ending::new(OrderStatus::Failed, "processing_error", false),
        Outcome::ConfirmationRequired => {
            Ending::new(OrderStatus::ActionRequired, "check_on_terminal", true)
        }
        Outcome::Abandoned => Ending::new(OrderStatus::Expired, "expired", false),
    }
}

impl Store {
    /// What the key did before: `Some(index)` of the order it made or acted on when this is
    /// a replay (the same operation on the same target with the same body), 409
    /// `idempotency_key_already_used` for another request, `None` for a new key.
    fn order_replay(
        &self,
        key: &str,
        operation: Operation,
        target: &str,
        body: &Value,
    ) -> Result<Option<usize>, ApiError> {
        let Some(made) = self.idempotency.created_with(key) else {
            return Ok(None);
        };
        if made.operation == operation && made.target == target && made.body == *body {
            if let Some(&idx) = self.order_by_id.get(&made.object_id) {
                return Ok(Some(idx));
            }
        }
        Err(conflict(
            "idempotency_key_already_used",
            "the X-Idempotency-Key was already used with a different request: use a new key",
        ))
    }

    fn remember_order(
        &mut self,
        key: &str,
        operation: Operation,
        target: &str,
        body: Value,
        idx: usize,
    ) {
        let object_id = self.orders[idx].id.clone();
        self.idempotency.remember(
            key,
            Created {
                operation,
                target: target.to_string(),
                body,
                object_id,
            },
        );
    }

    /// `POST /v1/orders`. Checks, in order: the key (a replay returns the order it made;
    /// another body with it is a 409), the body (400), the terminal (400 `property_value`
    /// when unknown or not in PDV mode), and whether it is busy with an order, intent or
    /// refund of either API (409 `already_queued_order_for_terminal`).
    pub(crate) fn create_order(
        &mut self,
        c: OrderCreation,
        body: Result<Value, ApiError>,
        validate: impl FnOnce(&Value) -> Result<NewOrder, ApiError>,
    ) -> Result<&Order, ApiError> {
        self.idempotency.count_request(c.idempotency_key);
        let body = body?;
        if let Some(idx) =
            self.order_replay(c.idempotency_key, Operation::CreateOrder, "", &body)?
        {
            return Ok(&self.orders[idx]);
        }
        let request = validate(&body)?;
        let terminal = &request.terminal_id;
        let device = self.device(terminal).map_err(|_| {
            ApiError::new(
                400,
                "property_value",
                format!("config.point.terminal_id {terminal} is not a terminal of this account"),
            )
        })?;
        if device.mode != OperatingMode::Pdv {
            return Err(ApiError::new(
                400,
                "property_value",
                format!(
                    "config.point.terminal_id {terminal} is in {} mode; switch it to PDV with PATCH /terminals/v1/setup",
                    device.mode.as_str()
                ),
            ));
        }
        if self.device_busy(terminal) {
            return Err(conflict(
                "already_queued_order_for_terminal",
                "the terminal already has an order waiting: finalize or cancel it first",
            ));
        }
        let expire_after = c.pace.abandon_after_ms.map_or(request.expiration_ms, |ms| {
            request
                .expiration_ms
                .min(i64::try_from(ms).unwrap_or(i64::MAX))
        });
        let seq = self.next_seq();
        let idx = self.orders.len();
        let terminal = terminal.clone();
        self.orders.push(Order {
            id: c.id.clone(),
            seq,
            request,
            site: c.site,
            status: OrderStatus::Created,
            created_ms: c.now,
            changed_ms: c.now,
            version: 0,
            steps_done: 0,
            manual: c.pace.manual,
            expire_at: c.now.saturating_add(expire_after),
            payment: Transaction {
                id: c.payment_id,
                status_detail: "created".into(),
                reference_id: None,
                method: None,
                paid_ms: None,
            },
            refunds: Vec::new(),
        });
        self.order_by_id.insert(c.id, idx);
        self.active_orders.push(idx);
        self.latest_order_by_device.insert(terminal, idx);
        self.record_order(idx, OrderStatus::Created, c.now);
        self.remember_order(c.idempotency_key, Operation::CreateOrder, "", body, idx);
        Ok(&self.orders[idx])
    }

    pub(crate) fn order(&self, order_id: &str) -> Result<&Order, ApiError> {
        self.order_index(order_id).map(|idx| &self.orders[idx])
    }

    fn order_index(&self, order_id: &str) -> Result<usize, ApiError> {
        self.order_by_id
            .get(order_id)
            .copied()
            .ok_or_else(not_found)
    }

    /// `POST /v1/orders/{id}/cancel`: only while `created`; once the terminal has it, only
    /// the terminal cancels it (409 `cannot_cancel_order`).
    pub(crate) fn cancel_order(
        &mut self,
        key: &str,
        order_id: &str,
        now: i64,
    ) -> Result<&Order, ApiError> {
        self.idempotency.count_request(key);
        if let Some(idx) = self.order_replay(key, Operation::CancelOrder, order_id, &Value::Null)? {
            return Ok(&self.orders[idx]);
        }
        let idx = self.order_index(order_id)?;
        match self.orders[idx].status {
            OrderStatus::Created => {}
            OrderStatus::Canceled => {
                return Err(conflict(
                    "order_already_canceled",
                    "the order is already canceled",
                ))
            }
            OrderStatus::AtTerminal => {
                return Err(conflict(
                    "cannot_cancel_order",
                    "the order is at the terminal: only the terminal can cancel it now",
                ))
            }
            other => {
                return Err(conflict(
                    "cannot_cancel_order",
                    format!(
                        "the order is {}: only a created order can be canceled",
                        other.as_str()
                    ),
                ))
            }
        }
        self.end_order(
            idx,
            Ending::new(OrderStatus::Canceled, "canceled_by_api", false),
            None,
            now,
        );
        self.remember_order(key, Operation::CancelOrder, order_id, Value::Null, idx);
        Ok(&self.orders[idx])
    }

    /// `POST /v1/orders/{id}/refund`: only a `processed` order; no body refunds what is
    /// left, a body refunds part of it (the order stays `processed`, `partially_refunded`,
    /// until the refunds add up to the amount). `body` is what a replay is compared on,
    /// `request` the body's validation.
    pub(crate) fn refund_order(
        &mut self,
        key: &str,
        order_id: &str,
        body: Value,
        request: impl FnOnce() -> Result<OrderRefundRequest, ApiError>,
        now: i64,
    ) -> Result<&Order, ApiError> {
        self.idempotency.count_request(key);
        if let Some(idx) = self.order_replay(key, Operation::RefundOrder, order_id, &body)? {
            return Ok(&self.orders[idx]);
        }
        let idx = self.order_index(order_id)?;
        match self.orders[idx].status {
            OrderStatus::Processed => {}
            OrderStatus::Refunded => {
                return Err(conflict(
                    "order_already_refunded",
                    "the order is already refunded",
                ))
            }
            other => {
                return Err(conflict(
                    "cannot_refund_order",
                    format!(
                        "the order is {}: only a processed order can be refunded",
                        other.as_str()
                    ),
                ))
            }
        }
        let order = &self.orders[idx];
        let left = order.request.amount - order.refunded();
        let amount = match request()? {
            OrderRefundRequest::Total => left,
            OrderRefundRequest::Partial {
                transaction_id,
                amount,
            } => {
                if transaction_id != order.payment.id {
                    return Err(ApiError::new(
                        404,
                        "transaction_not_found",
                        format!("transaction {transaction_id} is not a payment of this order"),
                    ));
                }
                if amount > left {
                    return Err(ApiError::new(
                        400,
                        "refund_amount_exceeds",
                        format!(
                            "the refund of {} exceeds the {} left to refund",
                            order.site.amount_text(amount),
                            order.site.amount_text(left)
                        ),
                    ));
                }
                amount
            }
        };
        self.add_order_refund(idx, amount, now);
        self.remember_order(key, Operation::RefundOrder, order_id, body, idx);
        Ok(&self.orders[idx])
    }

    /// Refunds `amount` of a processed order at `at`; the order is `refunded` once nothing
    /// is left.
    fn add_order_refund(&mut self, idx: usize, amount: i64, at: i64) {
        let reference_id = self.next_refund_id;
        self.next_refund_id += 1;
        let order = &mut self.orders[idx];
        order.refunds.push(OrderRefund {
            id: crate::ids::new_id("REF", at),
            reference_id,
            amount,
            at_ms: at,
        });
        if order.refunded() >= order.request.amount {
            order.payment.status_detail = "refunded".into();
            self.record_order(idx, OrderStatus::Refunded, at);
        } else {
            self.record_order(idx, OrderStatus::Processed, at);
        }
    }

    /// The sandbox's `POST /v1/orders/{id}/events`: drives the order to `event.status`,
    /// through `at_terminal` first when it is still `created`; `refunded` only from
    /// `processed` (a total refund). Any other transition is 400 `bad_request`.
    pub(crate) fn order_event(
        &mut self,
        order_id: &str,
        event: &OrderEvent,
        now: i64,
    ) -> Result<(), ApiError> {
        let idx = self.order_index(order_id)?;
        let status = self.orders[idx].status;
        let invalid = || {
            ApiError::bad_request(format!(
                "invalid transition: the order is {}, it cannot become {}",
                status.as_str(),
                event.status.as_str()
            ))
        };
        if event.status == OrderStatus::Refunded {
            if status != OrderStatus::Processed {
                return Err(invalid());
            }
            let order = &self.orders[idx];
            let left = order.request.amount - order.refunded();
            self.add_order_refund(idx, left, now);
            return Ok(());
        }
        if status.is_final() {
            return Err(invalid());
        }
        if status == OrderStatus::Created {
            self.take_order(idx, now);
        }
        let (default_detail, pays) = match event.status {
            OrderStatus::Processed => ("accredited", true),
            OrderStatus::Failed => ("rejected_by_issuer", true),
            OrderStatus::ActionRequired => ("check_on_terminal", true),
            OrderStatus::Canceled => ("canceled_on_terminal", false),
            _ => ("expired", false),
        };
        let detail = event.status_detail.as_deref().unwrap_or(default_detail);
        let order = &self.orders[idx];
        let method = pays.then(|| {
            let kind = event
                .payment_method_type
                .clone()
                .or_else(|| order.request.default_type.clone())
                .unwrap_or_else(|| "credit_card".into());
            PaymentMethod {
                id: event
                    .payment_method_id
                    .clone()
                    .unwrap_or_else(|| default_method_id(&kind).into()),
                installments: event
                    .installments
                    .or(order.request.default_installments)
                    .unwrap_or(1),
                kind,
            }
        });
        self.end_order(idx, Ending::new(event.status, detail, pays), method, now);
        Ok(())
    }

    /// The terminal takes the order: `created → at_terminal`.
    pub(super) fn take_order(&mut self, idx: usize, at: i64) {
        let order = &mut self.orders[idx];
        order.steps_done = 1;
        order.payment.status_detail = "at_terminal".into();
        self.record_order(idx, OrderStatus::AtTerminal, at);
    }

    /// The terminal ends the sale with `outcome` (automatic mode's amount, or the card in
    /// manual mode). A reversal is processed, then refunded in the same millisecond.
    pub(super) fn finish_order(&mut self, idx: usize, outcome: Outcome, at: i64) {
        let method = self.default_method(idx);
        let ending = ending_for(outcome);
        let method = ending.pays.then_some(method);
        self.end_order(idx, ending, method, at);
        if outcome == Outcome::Reversed {
            let amount = self.orders[idx].request.amount;
            self.add_order_refund(idx, amount, at);
        }
    }

    /// The terminal's cancel button: `created` or `at_terminal → canceled`.
    pub(super) fn cancel_order_on_terminal(&mut self, idx: usize, at: i64) {
        self.end_order(
            idx,
            Ending::new(OrderStatus::Canceled, "canceled_on_terminal", false),
            None,
            at,
        );
    }

    /// Not finished in time.
    pub(super) fn expire_order(&mut self, idx: usize, at: i64) {
        self.end_order(
            idx,
            Ending::new(OrderStatus::Expired, "expired", false),
            None,
            at,
        );
    }

    /// The payment method the order asked for, else a credit card read in one payment.
    fn default_method(&self, idx: usize) -> PaymentMethod {
        let request = &self.orders[idx].request;
        let kind = request
            .default_type
            .clone()
            .unwrap_or_else(|| "credit_card".into());
        PaymentMethod {
            id: default_method_id(&kind).into(),
            installments: request.default_installments.unwrap_or(1),
            kind,
        }
    }

    fn end_order(&mut self, idx: usize, ending: Ending, method: Option<PaymentMethod>, at: i64) {
        let reference = ending.pays.then(|| {
            let id = self.next_payment_id;
            self.next_payment_id += 1;
            id
        });
        if let Some(id) = reference {
            self.order_payments.insert(id.to_string(), idx);
        }
        let order = &mut self.orders[idx];
        order.steps_done = super::order::ORDER_STEPS;
        order.payment.status_detail = ending.detail;
        order.payment.reference_id = reference;
        order.payment.method = method;
        order.payment.paid_ms = reference.map(|_| at);
        self.record_order(idx, ending.status, at);
    }

    /// An automatic step: `at_terminal` first, then the amount's outcome (the intents'
    /// table, see `Outcome::for_amount`).
    pub(super) fn apply_next_order_step(&mut self, idx: usize, at: i64) {
        if self.orders[idx].steps_done == 0 {
            self.take_order(idx, at);
        } else {
            let outcome = Outcome::for_amount(self.orders[idx].request.amount);
            self.finish_order(idx, outcome, at);
        }
    }

    fn record_order(&mut self, idx: usize, status: OrderStatus, at: i64) {
        let order = &mut self.orders[idx];
        order.status = status;
        order.changed_ms = at;
        order.version += 1;
        self.history.push(super::Event {
            resource: Resource::Order,
            id: order.id.clone(),
            state: Status::Order(status),
            at_ms: at,
            snapshot: order.to_json(),
        });
        if status.is_final() {
            self.active_orders.retain(|&i| i != idx);
        }
    }
}

/// The `payment_method.id` a terminal reports for a payment type (Mercado Pago's test
/// cards: a Visa credit card, a Visa debit card, a Sodexo voucher; money in account for QR).
fn default_method_id(kind: &str) -> &'static str {
    match kind {
        "debit_card" => "debvisa",
        "voucher_card" => "sodexo",
        "qr" => "account_money",
        _ => "visa",
    }
}
