//! How an order moves on the terminal: the automatic steps (`created → at_terminal →` the
//! amount's outcome), the terminal's buttons, the expiry, and the one way every ending is
//! recorded, with the payment the terminal made.

use crate::model::card::test_card;
use crate::model::event::Status;
use crate::model::order::PaymentMethod;
use crate::model::resource::Resource;
use crate::requests::{OrderStatus, Outcome};
use crate::state::Store;

/// How a sale ends on the terminal: status, the transaction's detail, and whether the
/// terminal made a payment (the Payments API has one: approved, rejected or in process).
pub(super) struct Ending {
    status: OrderStatus,
    detail: String,
    pays: bool,
}

impl Ending {
    pub(super) fn new(status: OrderStatus, detail: &str, pays: bool) -> Ending {
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
    /// An automatic step: `at_terminal` first, then the amount's outcome (the intents'
    /// table, see `Outcome::for_amount`).
    pub(in crate::state) fn apply_next_order_step(&mut self, idx: usize, at: i64) {
        if self.orders[idx].schedule.steps_done == 0 {
            self.take_order(idx, at);
        } else {
            let outcome = Outcome::for_amount(self.orders[idx].request.amount);
            self.finish_order(idx, outcome, at);
        }
    }

    /// The terminal takes the order: `created → at_terminal`.
    pub(in crate::state) fn take_order(&mut self, idx: usize, at: i64) {
        let order = &mut self.orders[idx];
        order.schedule.steps_done = 1;
        order.payment.status_detail = "at_terminal".into();
        self.record_order(idx, OrderStatus::AtTerminal, at);
    }

    /// The terminal ends the sale with `outcome` (automatic mode's amount, or the card in
    /// manual mode). A reversal is processed, then refunded in the same millisecond.
    pub(in crate::state) fn finish_order(&mut self, idx: usize, outcome: Outcome, at: i64) {
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
    pub(in crate::state) fn cancel_order_on_terminal(&mut self, idx: usize, at: i64) {
        let ending = Ending::new(OrderStatus::Canceled, "canceled_on_terminal", false);
        self.end_order(idx, ending, None, at);
    }

    /// Not finished in time.
    pub(in crate::state) fn expire_order(&mut self, idx: usize, at: i64) {
        let ending = Ending::new(OrderStatus::Expired, "expired", false);
        self.end_order(idx, ending, None, at);
    }

    /// The payment method the order asked for, else a credit card read in one payment.
    fn default_method(&self, idx: usize) -> PaymentMethod {
        let request = &self.orders[idx].request;
        let kind = request
            .default_type
            .clone()
            .unwrap_or_else(|| "credit_card".into());
        PaymentMethod {
            id: test_card(&kind).method_id.into(),
            installments: request.default_installments.unwrap_or(1),
            kind,
        }
    }

    /// Ends the order as `ending` says at `at`, with the Payments API payment the terminal
    /// made, if it made one, read with `method`.
    pub(super) fn end_order(
        &mut self,
        idx: usize,
        ending: Ending,
        method: Option<PaymentMethod>,
        at: i64,
    ) {
        let reference = ending.pays.then(|| self.new_payment_id());
        if let Some(id) = reference {
            self.order_payments.insert(id.to_string(), idx);
        }
        let order = &mut self.orders[idx];
        order.schedule.finish();
        order.payment.status_detail = ending.detail;
        order.payment.reference_id = reference;
        order.payment.method = method;
        order.payment.paid_ms = reference.map(|_| at);
        self.record_order(idx, ending.status, at);
    }

    /// Puts the order in `status` at `at`, in the history too.
    pub(super) fn record_order(&mut self, idx: usize, status: OrderStatus, at: i64) {
        let order = &mut self.orders[idx];
        order.status = status;
        order.changed_ms = at;
        order.version += 1;
        let (id, snapshot) = (order.id.clone(), order.to_json());
        self.log(Resource::Order, id, Status::Order(status), at, snapshot);
        if status.is_final() {
            self.orders.retire(idx);
        }
    }
}
