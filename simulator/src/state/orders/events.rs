//! The sandbox's `POST /v1/orders/{id}/events`: drives an order to a status at once, as
//! if the terminal had done it, for testing without pressing its buttons.

use super::lifecycle::Ending;
use crate::errors::ApiError;
use crate::model::card::test_card;
use crate::model::order::PaymentMethod;
use crate::requests::{OrderEvent, OrderStatus};
use crate::state::Store;

impl Store {
    /// Drives the order to `event.status`, through `at_terminal` first when it is still
    /// `created`; `refunded` only from `processed` (a total refund). Any other transition
    /// is 400 `bad_request`.
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
            let left = self.orders[idx].left_to_refund();
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
                    .unwrap_or_else(|| test_card(&kind).method_id.into()),
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
}
