//! The Orders API's orders on the store: create, read and cancel here; refunds in
//! `refunds.rs`, the sandbox's events in `events.rs`, and how an order moves on the
//! terminal (automatically, by the terminal's buttons, or when it expires) in
//! `lifecycle.rs`.
//!
//! Status model: `created → at_terminal → processed | failed | action_required | canceled
//! | expired`, and `processed → refunded` (a refund goes through the API alone, never
//! through the terminal, so it never makes the terminal busy). An order also expires from
//! `created`, and the API cancels it only while `created`.
//!
//! Every request that changes an order carries an idempotency key: the same request again
//! answers with the order as it is, another request with the key is a 409.

mod events;
mod lifecycle;
mod refunds;

use serde_json::Value;

use super::idempotency::{Created, Operation};
use super::Store;
use crate::config::Site;
use crate::errors::ApiError;
use crate::model::order::{Order, Transaction, ORDER_STEPS};
use crate::model::schedule::{Pace, Schedule};
use crate::requests::{NewOrder, OperatingMode, OrderStatus};
use lifecycle::Ending;

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
            if let Some(idx) = self.orders.index_of(&made.object_id) {
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

    /// An action on an existing order (`operation`: a cancel or a refund) under an
    /// idempotency key: a replay answers with the order as it is; otherwise `act` checks
    /// and does it on the order (404 unknown), and the key remembers it with `body`.
    fn act_on_order(
        &mut self,
        key: &str,
        operation: Operation,
        order_id: &str,
        body: Value,
        act: impl FnOnce(&mut Store, usize) -> Result<(), ApiError>,
    ) -> Result<&Order, ApiError> {
        self.idempotency.count_request(key);
        let idx = match self.order_replay(key, operation, order_id, &body)? {
            Some(idx) => idx,
            None => {
                let idx = self.order_index(order_id)?;
                act(self, idx)?;
                self.remember_order(key, operation, order_id, body, idx);
                idx
            }
        };
        Ok(&self.orders[idx])
    }

    /// `POST /v1/orders`. Checks, in order: the key (a replay returns the order it made;
    /// another body with it is a 409), the body (400, `validate`), the terminal (400
    /// `property_value` when unknown or not in PDV mode), and whether it is busy with an
    /// order, intent or refund of either API (409 `already_queued_order_for_terminal`).
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
        self.check_terminal_free(&request.terminal_id)?;
        let mut schedule = Schedule::new(c.now, ORDER_STEPS, c.pace, Some(request.expiration_ms));
        schedule.seq = self.next_seq();
        let idx = self.orders.add(Order {
            id: c.id,
            request,
            site: c.site,
            status: OrderStatus::Created,
            changed_ms: c.now,
            version: 0,
            schedule,
            payment: Transaction {
                id: c.payment_id,
                status_detail: "created".into(),
                reference_id: None,
                method: None,
                paid_ms: None,
            },
            refunds: Vec::new(),
        });
        self.record_order(idx, OrderStatus::Created, c.now);
        self.remember_order(c.idempotency_key, Operation::CreateOrder, "", body, idx);
        Ok(&self.orders[idx])
    }

    /// A terminal takes a new order only if it is one of the account's, in PDV mode, and
    /// holds nothing unfinished.
    fn check_terminal_free(&self, terminal: &str) -> Result<(), ApiError> {
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
        Ok(())
    }

    pub(crate) fn order(&self, order_id: &str) -> Result<&Order, ApiError> {
        self.order_index(order_id).map(|idx| &self.orders[idx])
    }

    fn order_index(&self, order_id: &str) -> Result<usize, ApiError> {
        self.orders.index_of(order_id).ok_or_else(not_found)
    }

    /// `POST /v1/orders/{id}/cancel`: only while `created`; once the terminal has it, only
    /// the terminal cancels it (409 `cannot_cancel_order`).
    pub(crate) fn cancel_order(
        &mut self,
        key: &str,
        order_id: &str,
        now: i64,
    ) -> Result<&Order, ApiError> {
        self.act_on_order(
            key,
            Operation::CancelOrder,
            order_id,
            Value::Null,
            |store, idx| {
                let status = store.orders[idx].status;
                if status == OrderStatus::AtTerminal {
                    return Err(conflict(
                        "cannot_cancel_order",
                        "the order is at the terminal: only the terminal can cancel it now",
                    ));
                }
                expect_status(
                    status,
                    OrderStatus::Created,
                    OrderStatus::Canceled,
                    ("order_already_canceled", "cannot_cancel_order"),
                )?;
                let ending = Ending::new(OrderStatus::Canceled, "canceled_by_api", false);
                store.end_order(idx, ending, None, now);
                Ok(())
            },
        )
    }
}

/// 409 unless an order in `status` is `wanted` for an action that leaves it `done`:
/// `already` (the code) when it is `done` already, else `refused`.
fn expect_status(
    status: OrderStatus,
    wanted: OrderStatus,
    done: OrderStatus,
    (already, refused): (&'static str, &'static str),
) -> Result<(), ApiError> {
    if status == wanted {
        Ok(())
    } else if status == done {
        Err(conflict(
            already,
            format!("the order is already {}", done.as_str()),
        ))
    } else {
        Err(conflict(
            refused,
            format!(
                "the order is {}: only a {} order can be {}",
                status.as_str(),
                wanted.as_str(),
                done.as_str()
            ),
        ))
    }
}
