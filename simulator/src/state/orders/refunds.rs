//! `POST /v1/orders/{id}/refund`: refunds of a processed order, total or partial, made at
//! once through the API (never on the terminal, so they never make it busy).

use serde_json::Value;

use super::expect_status;
use crate::errors::ApiError;
use crate::model::order::{Order, OrderRefund};
use crate::requests::{OrderRefundRequest, OrderStatus};
use crate::state::idempotency::Operation;
use crate::state::Store;

impl Store {
    /// Refunds a `processed` order: no body refunds what is left, a body refunds part of it
    /// (the order stays `processed`, `partially_refunded`, until the refunds add up to the
    /// amount). `body` is what a replay is compared on; `validate` checks the request's
    /// text, which need not be JSON at all (no body is a total refund).
    pub(crate) fn refund_order(
        &mut self,
        key: &str,
        order_id: &str,
        body: Value,
        validate: impl FnOnce() -> Result<OrderRefundRequest, ApiError>,
        now: i64,
    ) -> Result<&Order, ApiError> {
        self.act_on_order(key, Operation::RefundOrder, order_id, body, |store, idx| {
            expect_status(
                store.orders[idx].status,
                OrderStatus::Processed,
                OrderStatus::Refunded,
                ("order_already_refunded", "cannot_refund_order"),
            )?;
            let amount = refund_amount(&store.orders[idx], validate()?)?;
            store.add_order_refund(idx, amount, now);
            Ok(())
        })
    }

    /// Refunds `amount` of a processed order at `at`; the order is `refunded` once nothing
    /// is left.
    pub(super) fn add_order_refund(&mut self, idx: usize, amount: i64, at: i64) {
        let reference_id = self.new_refund_id();
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
}

/// What `request` refunds of `order`: all that is left, or a part of its one payment.
fn refund_amount(order: &Order, request: OrderRefundRequest) -> Result<i64, ApiError> {
    let left = order.left_to_refund();
    match request {
        OrderRefundRequest::Total => Ok(left),
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
            Ok(amount)
        }
    }
}
